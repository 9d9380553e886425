//! Yosys synthesis and nextpnr place-and-route of generated RTL: area
//! (LUTs, flip-flops, DSPs, block RAMs, or generic cells) and Fmax, with
//! designs that infer latches refused (docs/SYNTHESIS.md).

mod area;
mod error;
mod job;
mod pnr;
mod report;
mod target;
mod yosys;

pub use area::{area_for_design, Area};
pub use error::SynthError;
pub use job::SynthOptions;
pub use pnr::{Placement, Utilization, CLOCK_NAMES, HARNESS};
pub use report::{
    design_fingerprint, report_path, results_dir, SynthReport, ToolVersions, REPORT_SCHEMA,
    RESULTS_DIR,
};
pub use target::{Device, Target, TargetError};

use crate::progress::Progress;
use crate::tools::Tool;
use job::Job;
use std::path::{Path, PathBuf};

/// Synthesizes `files` (Verilog, leaves first) with `top` as the top module
/// for `target`, working in `workdir` (created; scripts, logs and netlists
/// stay there). iCE40 and ECP5 are also placed and routed for Fmax unless
/// `opts.skip_pnr`. Fails on latches, on a design larger than the device,
/// and with an install hint when a tool is missing. Each stage (Yosys
/// synthesis, the harness, nextpnr) reports to `progress`.
pub fn synthesize(
    files: &[PathBuf],
    top: &str,
    target: Target,
    opts: &SynthOptions,
    workdir: &Path,
    progress: &dyn Progress,
) -> Result<SynthReport, SynthError> {
    let device = target.device(opts.device.as_deref())?;
    for (name, _) in &opts.params {
        if !yosys::is_identifier(name) {
            return Err(SynthError::BadParameter { name: name.clone() });
        }
    }
    if !yosys::is_identifier(top) {
        return Err(SynthError::BadParameter {
            name: top.to_string(),
        });
    }
    let yosys_exe = Tool::Yosys.locate(&opts.tools)?;
    let pnr_tool = match target {
        Target::Ice40 if !opts.skip_pnr => Some(Tool::NextpnrIce40),
        Target::Ecp5 if !opts.skip_pnr => Some(Tool::NextpnrEcp5),
        _ => None,
    };
    let pnr_exe = pnr_tool.map(|t| t.locate(&opts.tools)).transpose()?;
    std::fs::create_dir_all(workdir).map_err(SynthError::io("create", workdir))?;
    let workdir = &std::fs::canonicalize(workdir).map_err(SynthError::io("resolve", workdir))?;
    let files = files
        .iter()
        .map(|f| {
            std::fs::canonicalize(f).map_err(|_| SynthError::MissingSource { path: f.clone() })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Every path the script will name, checked before any tool runs.
    for f in &files {
        yosys::quoted_path(f, workdir)?;
    }
    let job = Job {
        files: &files,
        top,
        target,
        device,
        opts,
        workdir,
        progress,
    };
    let yosys_version = Tool::Yosys.version(&yosys_exe)?;
    let stats = yosys::synthesize(&yosys_exe, &job, pnr_exe.is_some())?;
    let mut report = SynthReport::from_cells(
        target,
        device.map(|d| d.name.to_string()),
        top,
        stats.cells,
        stats.by_type,
        stats.memory_bits,
        yosys_version,
    );
    // iCE40 and ECP5 devices have known capacities (Xilinx "devices" are families).
    if let Some(dev) = device.as_ref().filter(|_| target.has_pnr()) {
        pnr::precheck(
            top,
            target,
            dev,
            report.luts.unwrap_or(0),
            report.dsps.unwrap_or(0),
            report.block_rams.unwrap_or(0),
        )?;
    }
    if let (Some(tool), Some(exe), Some(dev)) = (pnr_tool, pnr_exe, device.as_ref()) {
        report.tools.nextpnr = Some(tool.version(&exe)?);
        let placed = pnr::place_and_route(&job, dev, &yosys_exe, tool, &exe)?;
        report.fmax_mhz = Some(placed.fmax_mhz);
        report.placement = Some(placed);
    }
    Ok(report)
}
