//! Yosys synthesis and nextpnr place-and-route of generated RTL: area
//! (LUTs, flip-flops, DSPs, block RAMs, or generic cells) and Fmax, with
//! designs that infer latches refused (docs/SYNTHESIS.md).

mod area;
pub mod area_model;
pub mod asic;
mod cache;
mod error;
mod flow;
pub mod fpga;
mod job;
mod liberty;
mod one;
mod pnr;
mod report;
mod stages;
mod target;
mod yosys;

pub use area::{area_for_design, Area};
pub use error::SynthError;
pub use flow::Synthesis;
pub use job::SynthOptions;
pub use one::{rtl_digest, synthesize_design, DesignSynthesis, REPORT_FILE};
pub use pnr::{Placement, Utilization, CLOCK_NAMES, HARNESS};
pub use report::{
    design_fingerprint, report_path, results_dir, SynthReport, ToolVersions, REPORT_SCHEMA,
    RESULTS_DIR,
};
pub use stages::{PassTime, StageTime};
pub use target::{Device, Target, TargetError};

use crate::progress::Progress;
use std::path::{Path, PathBuf};

/// Synthesizes `files` (Verilog, leaves first) with `top` as the top module
/// for `target`, working in `workdir` (created; scripts, logs and netlists
/// stay there). iCE40 and ECP5 are also placed and routed for Fmax unless
/// `opts.skip_pnr`. Fails on latches, on a design larger than the device,
/// and with an install hint when a tool is missing. Each step (checking the
/// tools, Yosys synthesis, the harness, nextpnr) and the stages inside them
/// report to `progress`. Never reuses an earlier report: [`Synthesis`] does
/// that.
pub fn synthesize(
    files: &[PathBuf],
    top: &str,
    target: Target,
    opts: &SynthOptions,
    workdir: &Path,
    progress: &dyn Progress,
) -> Result<SynthReport, SynthError> {
    Synthesis::prepare(files, top, target, opts, workdir, progress)?.run(progress)
}
