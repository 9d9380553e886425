//! What a fit is: the search's options, each size it probed, the result kept
//! in `fit.json` (`FIT_SCHEMA`), and the design a fit describes (its variant
//! of the base design and the top's parameters).

use super::device::Resources;
use super::FpgaError;
use crate::rtl::Config;
use crate::synth::report::{SynthReport, ToolVersions};
use crate::synth::target::Target;
use crate::tools::ToolPaths;
use crate::HdlError;
use serde::{Deserialize, Serialize};
use sim::Design;
use std::path::PathBuf;

/// Version of `fit.json`'s layout ([`FpgaFit`]).
pub const FIT_SCHEMA: u32 = 1;

/// How [`largest_fitting_with`] searches.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// Results folder (default `synth-out/<design>/fpga-<device>/`).
    pub out: Option<PathBuf>,
    /// Where the tools are.
    pub tools: ToolPaths,
    /// Let PEs beyond the device's DSP blocks multiply in logic (the
    /// arrays' `DSPS`, as `systolic synth` does); `false` keeps every
    /// multiplier in a DSP block, so the array is at most the DSP count.
    pub logic_multipliers: bool,
    /// Largest rows (and columns) tried.
    pub max_rows: u32,
    /// Place and route the winner for Fmax (iCE40 and ECP5).
    pub place_and_route: bool,
    /// Search again even when `fit.json` was made from the same inputs.
    pub force: bool,
}

impl Default for FitOptions {
    fn default() -> FitOptions {
        FitOptions {
            out: None,
            tools: ToolPaths::default(),
            logic_multipliers: true,
            max_rows: 64,
            place_and_route: true,
            force: false,
        }
    }
}

/// One size the search synthesized (or placed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// Rows and columns.
    pub rows: u32,
    /// Lines per bank of each buffer (A, B, C).
    pub buffer_lines: u64,
    /// Resources synthesis reported.
    pub used: Resources,
    /// Whether it fits (and, when `placed` is `Some`, placed).
    pub fits: bool,
    /// What overflowed, or why placement failed.
    pub over: Vec<String>,
    /// `Some(true)` placed and routed; `Some(false)` nextpnr found no room;
    /// `None` not placed.
    pub placed: Option<bool>,
    /// Seconds the synthesis (or placement) took; 0 when reused.
    pub seconds: f64,
}

/// The largest square array of a design that fits a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FpgaFit {
    /// [`FIT_SCHEMA`].
    pub schema: u32,
    /// Device name of the table.
    pub device: String,
    /// Its target and `--device`.
    pub target: Target,
    /// `--device` synthesized for.
    pub synth_device: String,
    /// The base design's name and fingerprint.
    pub base: String,
    /// [`design_fingerprint`](crate::synth::design_fingerprint) of the base design.
    pub base_fingerprint: String,
    /// Rows = columns of the largest array that fits.
    pub rows: u32,
    /// Buffer sizes of that array, KiB (ifmap, filter, ofmap; both banks).
    pub buffer_kib: [f64; 3],
    /// PEs given a DSP block (the top's `DSPS`); the rest multiply in
    /// logic. How many blocks Yosys used for them is `used.dsps`.
    pub dsp_pes: u64,
    /// Its synthesis report (placed and routed when `fmax_mhz` is `Some`).
    pub report: SynthReport,
    /// Resources used, in the table's units.
    pub used: Resources,
    /// Fmax from place and route, MHz.
    pub fmax_mhz: Option<f64>,
    /// Where Fmax comes from, or why there is none.
    pub fmax_note: String,
    /// Every size tried, in the order tried.
    pub probes: Vec<Probe>,
    /// Tool versions.
    pub tools: ToolVersions,
    /// Key of everything the search depends on.
    pub cache_key: String,
    /// Seconds the search took (0 for none when reused).
    pub seconds: f64,
}

impl FpgaFit {
    /// The fitted design: `base` at [`FpgaFit::rows`] with its buffers.
    pub fn design(&self, base: &Design) -> Result<Design, FpgaError> {
        variant(base, self.rows, self.buffer_kib)
    }

    /// The smallest size tried that does not fit, when one was.
    pub fn next(&self) -> Option<&Probe> {
        self.probes
            .iter()
            .filter(|p| !p.fits && p.rows > self.rows)
            .min_by_key(|p| p.rows)
    }
}

pub(super) fn variant(base: &Design, rows: u32, kib: [f64; 3]) -> Result<Design, FpgaError> {
    Ok(base.variant(|p| {
        p.rows = rows;
        p.cols = rows;
        p.name = format!("{}-{rows}x{rows}", base.name);
        [p.ifmap_sram_kib, p.filter_sram_kib, p.ofmap_sram_kib] = kib;
    })?)
}

/// The top's parameters for `design` on `target` (`systolic synth` and the
/// fit search set the same): `DSPS` = `dsp_budget` when an integer array has
/// more multipliers than that budget of DSP blocks (the rest multiply in
/// logic; floating-point PEs have no such parameter, their significand
/// multipliers map as synthesis sees fit), `MULPRIM` = 1 on ECP5 for ws/is
/// designs of at most 17-bit operands (their multipliers become MULT18X18D
/// blocks holding their registers; Yosys packs none itself).
pub fn synth_params(
    design: &Design,
    target: Target,
    dsp_budget: Option<u64>,
) -> Result<Vec<(String, i64)>, HdlError> {
    let cfg = Config::of(design)?;
    let mut params = Vec::new();
    if let Some(b) = dsp_budget.filter(|&b| cfg.int_datapath() && design.pes() > b) {
        params.push(("DSPS".to_string(), b as i64));
    }
    if target == Target::Ecp5 && cfg.mulprim_param().is_some() && cfg.opw <= 17 {
        params.push(("MULPRIM".to_string(), 1));
    }
    Ok(params)
}
