//! FPGA targets for `systolic compare`: the devices (`tables/fpga-devices.toml`),
//! the largest square array of a design that fits one, found by synthesizing
//! (`largest_fitting`, cached), and its power (`power`, `tables/fpga-power.toml`).
//! docs/SYNTHESIS.md, "FPGA targets (issue 17)".

use super::cache;
use super::error::SynthError;
use super::flow::Synthesis;
use super::job::SynthOptions;
use super::report::{design_fingerprint, results_dir, SynthReport, ToolVersions};
use super::target::Target;
use super::yosys;
use crate::progress::{self, Progress};
use crate::rtl::Config;
use crate::tools::{Tool, ToolError, ToolPaths};
use crate::HdlError;
use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use sim::design::Operand;
use sim::Design;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

const DEVICES_TOML: &str = include_str!("../../tables/fpga-devices.toml");
const POWER_TOML: &str = include_str!("../../tables/fpga-power.toml");

/// Version of `fit.json`'s layout ([`FpgaFit`]).
pub const FIT_SCHEMA: u32 = 1;

/// What finding or pricing an FPGA fit can refuse.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum FpgaError {
    /// Generating the RTL of a size failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Hdl(Box<HdlError>),
    /// Synthesis failed (not for lack of room: that is a result).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Synth(Box<SynthError>),
    /// A tool is missing.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Tool(#[from] ToolError),
    /// A size of the design is not a valid design.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Design(Box<sim::error::SimError>),
    /// A table of this crate does not parse or lacks a figure.
    #[error("hdlgen/tables/{table}: {message}")]
    #[diagnostic(
        code(systolic::fpga::table),
        help("every device needs luts, flip_flops, dsps, block_rams and block_ram_kbits values, and every figure a source")
    )]
    Table {
        /// The file.
        table: &'static str,
        /// What is wrong.
        message: String,
    },
    /// No device of that name.
    #[error("unknown FPGA device `{name}`")]
    #[diagnostic(code(systolic::fpga::device), help("devices: {known}"))]
    UnknownDevice {
        /// What was given.
        name: String,
        /// The devices in the table.
        known: String,
    },
    /// A device listed for reference only.
    #[error("the {device} is listed for reference only: this flow does not synthesize for it")]
    #[diagnostic(
        code(systolic::fpga::reference_only),
        help("use its capacities from the device table, or pick a synthesized device: {known}")
    )]
    ReferenceOnly {
        /// The device.
        device: String,
        /// The devices that are synthesized.
        known: String,
    },
    /// Not even a 1x1 array fits.
    #[error("no array of design `{design}` fits the {device}: a 1x1 array {over}")]
    #[diagnostic(
        code(systolic::fpga::nothing_fits),
        help("pick a larger device, or a design with smaller buffers or operands")
    )]
    NothingFits {
        /// The base design.
        design: String,
        /// The device.
        device: String,
        /// What overflowed.
        over: String,
    },
    /// A result file could not be written.
    #[error("cannot {action} {}: {source}", path.display())]
    #[diagnostic(
        code(systolic::fpga::io),
        help("check that the folder exists and is writable")
    )]
    Io {
        /// `write`, `create`, `move into place`.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl From<HdlError> for FpgaError {
    fn from(e: HdlError) -> FpgaError {
        FpgaError::Hdl(Box::new(e))
    }
}

impl From<SynthError> for FpgaError {
    fn from(e: SynthError) -> FpgaError {
        FpgaError::Synth(Box::new(e))
    }
}

impl From<sim::error::SimError> for FpgaError {
    fn from(e: sim::error::SimError) -> FpgaError {
        FpgaError::Design(Box::new(e))
    }
}

/// A figure of a table with where it comes from; `value` is `None` when
/// no figure could be found (the source says so).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced<T> {
    /// The figure.
    #[serde(default = "Option::default")]
    pub value: Option<T>,
    /// The document and table (or measurement) it comes from, and what it
    /// was checked against.
    pub source: String,
    /// True when the figure is an assumption or a stand-in, not a
    /// characterization of the device it describes.
    #[serde(default)]
    pub unverified: bool,
}

/// LUTs, flip-flops, DSP blocks and block RAMs: a device's capacity or a
/// design's use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Resources {
    /// LUTs (LUT4 on Lattice, LUT1-6 and LUT RAM on Xilinx).
    pub luts: u64,
    /// Flip-flops.
    pub flip_flops: u64,
    /// DSP blocks (SB_MAC16, MULT18X18D, DSP48E1).
    pub dsps: u64,
    /// Block RAMs in the family's unit (Xilinx: RAMB18 halves; a RAMB36 is two).
    pub block_rams: u64,
}

impl Resources {
    /// What a synthesis report uses; a Xilinx RAMB36 counts two 18 Kbit halves.
    pub fn used(report: &SynthReport) -> Resources {
        let block_rams = match report.target {
            Target::Xilinx => report
                .cells_by_type
                .iter()
                .filter(|(t, _)| report.target.is_block_ram(t))
                .map(|(t, n)| if t.starts_with("RAMB36") { 2 * n } else { *n })
                .sum(),
            _ => report.block_rams.unwrap_or(0),
        };
        Resources {
            luts: report.luts.unwrap_or(0),
            flip_flops: report.flip_flops,
            dsps: report.dsps.unwrap_or(0),
            block_rams,
        }
    }

    /// Each resource of `self` over `capacity`, as `LUTs 6012 > 5280`.
    pub fn over(&self, capacity: &Resources) -> Vec<String> {
        [
            ("LUTs", self.luts, capacity.luts),
            ("flip-flops", self.flip_flops, capacity.flip_flops),
            ("DSPs", self.dsps, capacity.dsps),
            ("block RAMs", self.block_rams, capacity.block_rams),
        ]
        .into_iter()
        .filter(|(_, u, c)| u > c)
        .map(|(n, u, c)| format!("{n} {u} > {c}"))
        .collect()
    }
}

/// One FPGA of `tables/fpga-devices.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FpgaDevice {
    /// Name (`ice40up5k`, `lfe5u-85f`, `xc7z020`).
    pub name: String,
    /// Family as the vendor names it.
    pub family: String,
    /// The synthesis target of the family.
    pub target: Target,
    /// `--device` of `systolic synth` for it; `None`: listed for reference, not synthesized.
    #[serde(default)]
    pub synth: Option<String>,
    /// What it is and where it is found.
    pub description: String,
    /// LUTs.
    pub luts: Sourced<u64>,
    /// Flip-flops.
    pub flip_flops: Sourced<u64>,
    /// DSP blocks (hard multipliers).
    pub dsps: Sourced<u64>,
    /// Block RAMs in the unit [`Resources::block_rams`] counts.
    pub block_rams: Sourced<u64>,
    /// Block RAM, Kbit.
    pub block_ram_kbits: Sourced<u64>,
    /// Static power, W (configured, idle), where published or measured.
    pub static_w: Sourced<f64>,
    /// List price, USD, where published.
    pub price_usd: Sourced<f64>,
}

impl FpgaDevice {
    /// Its capacity (every figure is present: [`devices`] checked).
    pub fn capacity(&self) -> Resources {
        Resources {
            luts: self.luts.value.unwrap_or(0),
            flip_flops: self.flip_flops.value.unwrap_or(0),
            dsps: self.dsps.value.unwrap_or(0),
            block_rams: self.block_rams.value.unwrap_or(0),
        }
    }

    /// Every figure of the row with its name, for checks and tables.
    pub fn figures(&self) -> Vec<(&'static str, Option<f64>, &str)> {
        let int = |s: &Sourced<u64>| s.value.map(|v| v as f64);
        vec![
            ("luts", int(&self.luts), self.luts.source.as_str()),
            ("flip_flops", int(&self.flip_flops), &self.flip_flops.source),
            ("dsps", int(&self.dsps), &self.dsps.source),
            ("block_rams", int(&self.block_rams), &self.block_rams.source),
            (
                "block_ram_kbits",
                int(&self.block_ram_kbits),
                &self.block_ram_kbits.source,
            ),
            ("static_w", self.static_w.value, &self.static_w.source),
            ("price_usd", self.price_usd.value, &self.price_usd.source),
        ]
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceFile {
    device: Vec<FpgaDevice>,
}

fn table_error(table: &'static str) -> impl Fn(String) -> FpgaError {
    move |message| FpgaError::Table { table, message }
}

fn parse_devices() -> Result<Vec<FpgaDevice>, FpgaError> {
    let bad = table_error("fpga-devices.toml");
    let file: DeviceFile = toml::from_str(DEVICES_TOML).map_err(|e| bad(e.to_string()))?;
    for (i, d) in file.device.iter().enumerate() {
        if file.device[..i].iter().any(|o| o.name == d.name) {
            return Err(bad(format!("device `{}` is listed twice", d.name)));
        }
        for (what, value, source) in d.figures() {
            if source.trim().is_empty() {
                return Err(bad(format!("{}: {what} has no source", d.name)));
            }
            let required = !matches!(what, "static_w" | "price_usd");
            if required && !value.is_some_and(|v| v > 0.0) {
                return Err(bad(format!("{}: {what} has no value", d.name)));
            }
        }
        if let Some(s) = &d.synth {
            if d.target.device(Some(s)).is_err() {
                return Err(bad(format!("{}: {} has no device `{s}`", d.name, d.target)));
            }
        }
    }
    Ok(file.device)
}

/// Every device of `tables/fpga-devices.toml`, checked: each has its
/// capacities, each figure a source, each `synth` device exists.
pub fn devices() -> Result<&'static [FpgaDevice], FpgaError> {
    static DEVICES: OnceLock<Result<Vec<FpgaDevice>, String>> = OnceLock::new();
    match DEVICES.get_or_init(|| parse_devices().map_err(|e| e.to_string())) {
        Ok(d) => Ok(d),
        Err(message) => Err(FpgaError::Table {
            table: "fpga-devices.toml",
            message: message.clone(),
        }),
    }
}

/// The device named `name` (case-insensitive).
pub fn device(name: &str) -> Result<&'static FpgaDevice, FpgaError> {
    let all = devices()?;
    let key = name.trim().to_ascii_lowercase();
    all.iter()
        .find(|d| d.name == key)
        .ok_or_else(|| FpgaError::UnknownDevice {
            name: name.to_string(),
            known: all
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Per-family dynamic energies of `tables/fpga-power.toml`, pJ.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyPower {
    /// The family's synthesis target.
    pub target: Target,
    /// Device LUTs `clock_pj` was measured on (the clock term scales with device size).
    pub clock_ref_luts: u64,
    /// Per transition of a LUT output (with its flip-flop and routing).
    pub lut_pj: Sourced<f64>,
    /// Per transition of a flip-flop beyond what `lut_pj` holds.
    pub ff_pj: Sourced<f64>,
    /// Per DSP block per cycle it multiplies.
    pub dsp_pj: Sourced<f64>,
    /// Per block RAM access.
    pub bram_pj: Sourced<f64>,
    /// Clock network per cycle, for a device of `clock_ref_luts` LUTs.
    pub clock_pj: Sourced<f64>,
}

/// `tables/fpga-power.toml`: the default toggle rate and each family's energies.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerTable {
    /// Default transitions per LUT output per cycle.
    pub toggle: Sourced<f64>,
    /// One entry per target.
    pub family: Vec<FamilyPower>,
}

/// The power table, checked: every figure present with a source, every
/// FPGA target covered.
pub fn power_table() -> Result<&'static PowerTable, FpgaError> {
    static TABLE: OnceLock<Result<PowerTable, String>> = OnceLock::new();
    let parse = || -> Result<PowerTable, String> {
        let t: PowerTable = toml::from_str(POWER_TOML).map_err(|e| e.to_string())?;
        let mut all = vec![("toggle", &t.toggle)];
        for f in &t.family {
            all.extend([
                ("lut_pj", &f.lut_pj),
                ("ff_pj", &f.ff_pj),
                ("dsp_pj", &f.dsp_pj),
                ("bram_pj", &f.bram_pj),
                ("clock_pj", &f.clock_pj),
            ]);
        }
        for (what, s) in all {
            if s.source.trim().is_empty() || !s.value.is_some_and(|v| v >= 0.0) {
                return Err(format!("{what} needs a value of 0 or more and a source"));
            }
        }
        for target in [Target::Ice40, Target::Ecp5, Target::Xilinx] {
            if !t.family.iter().any(|f| f.target == target) {
                return Err(format!("no family entry for {target}"));
            }
        }
        Ok(t)
    };
    match TABLE.get_or_init(parse) {
        Ok(t) => Ok(t),
        Err(message) => Err(FpgaError::Table {
            table: "fpga-power.toml",
            message: message.clone(),
        }),
    }
}

/// How busy the design is, for [`power`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// Transitions per LUT output per cycle (default 0.125, the Xilinx
    /// Power Estimator's, `tables/fpga-power.toml` `[toggle]`).
    pub toggle: f64,
    /// Share of cycles the DSP blocks multiply (the array's utilization; default 1).
    pub dsp_duty: f64,
    /// Accesses per block RAM per cycle (default 1: every block RAM every cycle).
    pub bram_duty: f64,
}

impl Default for Activity {
    fn default() -> Activity {
        Activity {
            toggle: 0.125,
            dsp_duty: 1.0,
            bram_duty: 1.0,
        }
    }
}

/// Power of a synthesized design on a device at a clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FpgaPower {
    /// Static power, W; `None` where the device table has no figure.
    pub static_w: Option<f64>,
    /// Dynamic power, W.
    pub dynamic_w: f64,
    /// Static plus dynamic, W; `None` when static is unknown.
    pub total_w: Option<f64>,
    /// W by part: `static`, `luts`, `flip_flops`, `dsps`, `block_rams`, `clock`.
    pub breakdown: BTreeMap<String, f64>,
    /// What the figures rest on (unverified inputs, assumptions), one sentence each.
    pub notes: Vec<String>,
}

/// The power of `report`'s resources on `device` at `fmax_mhz` with
/// `activity` (the model and its sources: `tables/fpga-power.toml`).
/// Non-decreasing in every resource and in the clock.
pub fn power(
    device: &FpgaDevice,
    report: &SynthReport,
    fmax_mhz: f64,
    activity: &Activity,
) -> FpgaPower {
    let table = power_table().expect("tables/fpga-power.toml is checked by its tests");
    let fam = table
        .family
        .iter()
        .find(|f| f.target == device.target)
        .expect("every FPGA target has a family entry (checked)");
    let v = |s: &Sourced<f64>| s.value.unwrap_or(0.0);
    let used = Resources::used(report);
    let hz = fmax_mhz.max(0.0) * 1e6;
    let w = |pj_per_cycle: f64| pj_per_cycle * 1e-12 * hz;
    let size = device.capacity().luts as f64 / fam.clock_ref_luts.max(1) as f64;
    let mut breakdown = BTreeMap::new();
    breakdown.insert(
        "luts".to_string(),
        w(activity.toggle * used.luts as f64 * v(&fam.lut_pj)),
    );
    breakdown.insert(
        "flip_flops".to_string(),
        w(activity.toggle * used.flip_flops as f64 * v(&fam.ff_pj)),
    );
    breakdown.insert(
        "dsps".to_string(),
        w(activity.dsp_duty * used.dsps as f64 * v(&fam.dsp_pj)),
    );
    breakdown.insert(
        "block_rams".to_string(),
        w(activity.bram_duty * used.block_rams as f64 * v(&fam.bram_pj)),
    );
    breakdown.insert("clock".to_string(), w(v(&fam.clock_pj) * size));
    let dynamic_w: f64 = breakdown.values().sum();
    let static_w = device.static_w.value;
    if let Some(s) = static_w {
        breakdown.insert("static".to_string(), s);
    }
    let mut notes = Vec::new();
    if static_w.is_none() {
        notes.push(format!(
            "static power of the {} unknown: {}",
            device.name, device.static_w.source
        ));
    }
    for (what, s) in [
        ("LUT", &fam.lut_pj),
        ("DSP", &fam.dsp_pj),
        ("block RAM", &fam.bram_pj),
        ("clock", &fam.clock_pj),
    ] {
        if s.unverified {
            notes.push(format!(
                "{} {what} energy unverified: {}",
                device.target, s.source
            ));
        }
    }
    notes.push(format!(
        "toggle rate {} transitions per LUT per cycle, DSP duty {}, block RAM accesses {} per cycle",
        activity.toggle, activity.dsp_duty, activity.bram_duty
    ));
    FpgaPower {
        static_w,
        dynamic_w,
        total_w: static_w.map(|s| s + dynamic_w),
        breakdown,
        notes,
    }
}

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
    /// [`design_fingerprint`] of the base design.
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

fn variant(base: &Design, rows: u32, kib: [f64; 3]) -> Result<Design, FpgaError> {
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

/// Depth and port width of one block RAM as the buffers are sized by: iCE40
/// SB_RAM40_4K 256 x 16, ECP5 and Xilinx 512 x 36 (PDPW16KD, RAMB18 simple
/// dual port).
fn bram_shape(target: Target) -> (u64, u64) {
    match target {
        Target::Ice40 => (256, 16),
        _ => (512, 36),
    }
}

/// [`largest_fitting_with`] with the default options (results in
/// `synth-out/<design>/fpga-<device>/` of the working directory).
pub fn largest_fitting(
    base: &Design,
    device: &FpgaDevice,
    progress: &dyn Progress,
) -> Result<FpgaFit, FpgaError> {
    largest_fitting_with(base, device, &FitOptions::default(), progress)
}

/// The largest R x R array of `base` (its precision, dataflow and other
/// fields; buffers of each size filling the device's block RAM) that fits
/// `device`, found by synthesizing sizes (synthesis only; from 2, in an
/// order predicted from the sizes that fitted, bisecting after one that does
/// not, until a size fits and the next larger does not, or `max_rows`) and
/// comparing the reported resources
/// with the device table; the winner is then placed and routed for Fmax on
/// iCE40 and ECP5 (a size nextpnr cannot place counts as not fitting and the
/// next smaller one is placed). The result is kept in `fit.json` of the
/// results folder with a key of the base design's fingerprint, the device
/// row, the options, the tool versions and this code: a later call with the
/// same key returns it without synthesizing (only the tools' versions are
/// asked). Each size's synthesis is reused on its own the same way.
pub fn largest_fitting_with(
    base: &Design,
    device: &FpgaDevice,
    opts: &FitOptions,
    progress: &dyn Progress,
) -> Result<FpgaFit, FpgaError> {
    let started = Instant::now();
    let Some(synth_device) = device.synth.clone() else {
        return Err(FpgaError::ReferenceOnly {
            device: device.name.clone(),
            known: devices()?
                .iter()
                .filter(|d| d.synth.is_some())
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    Config::of(base)?;
    let dir = opts
        .out
        .clone()
        .unwrap_or_else(|| results_dir(&base.name).join(format!("fpga-{}", device.name)));
    let pnr = opts.place_and_route && device.target.has_pnr();
    let tools = tool_versions(device.target, pnr, &opts.tools)?;
    let fingerprint = design_fingerprint(base);
    let key = cache::key(
        &[
            &format!("fpga fit, schema {FIT_SCHEMA}"),
            &fingerprint,
            &format!("{device:?}"),
            &format!(
                "logic_multipliers {} max_rows {} pnr {pnr}",
                opts.logic_multipliers, opts.max_rows
            ),
            &tools.yosys,
            tools.nextpnr.as_deref().unwrap_or(""),
        ],
        [("fpga.rs", include_str!("fpga.rs").as_bytes())],
    );
    let fit_path = dir.join("fit.json");
    if !opts.force {
        if let Some(fit) = load_fit(&fit_path).filter(|f| f.cache_key == key) {
            progress::step(
                progress,
                &format!(
                    "reusing {} (same design, device, options and tools)",
                    fit_path.display()
                ),
                || Ok::<_, FpgaError>(()),
            )?;
            return Ok(fit);
        }
    }
    let search = Search {
        base,
        device,
        synth_device,
        opts,
        dir: &dir,
        progress,
        yosys: tools.yosys.clone(),
    };
    let mut probes: Vec<Probe> = Vec::new();
    let mut best: Option<(u32, SizeResult)> = None;
    let mut fits = |r: u32, probes: &mut Vec<Probe>| -> Result<bool, FpgaError> {
        let s = search.size(r, false)?;
        let ok = s.probe.fits;
        probes.push(s.probe.clone());
        if ok && best.as_ref().is_none_or(|(b, _)| *b < r) {
            best = Some((r, s));
        }
        Ok(ok)
    };
    // Sizes in the order a prediction from the sizes that fit suggests
    // (only the order: every decision is a synthesis), bisecting after a
    // size that does not fit.
    let max = opts.max_rows.max(1);
    let (mut lo, mut hi) = (0u32, max + 1);
    let mut r = 2.min(max);
    loop {
        let ok = fits(r, &mut probes)?;
        if ok {
            lo = r;
        } else {
            hi = r;
        }
        if hi - lo <= 1 {
            break;
        }
        r = if lo == 0 {
            1
        } else if ok {
            // PEs beyond the DSP blocks cost more: when every PE of the
            // sizes that fit has a DSP block, the first size with logic
            // PEs is tried before any prediction past it.
            let all_dsp = (device.capacity().dsps as f64).sqrt().floor() as u32;
            let fitting: Vec<&Probe> = probes.iter().filter(|p| p.fits).collect();
            let mut next = predict(&fitting, &device.capacity(), opts.logic_multipliers);
            if opts.logic_multipliers && lo <= all_dsp && next > all_dsp + 1 {
                next = all_dsp + 1;
            }
            next.clamp(lo + 1, (hi - 1).min(lo.saturating_mul(2)))
        } else {
            lo + (hi - lo) / 2
        };
    }
    let nothing = |probes: &[Probe]| FpgaError::NothingFits {
        design: base.name.clone(),
        device: device.name.clone(),
        over: probes
            .iter()
            .find(|p| p.rows == 1)
            .map_or("does not place".into(), |p| p.over.join(", ")),
    };
    let Some((_, mut won)) = best.filter(|(b, _)| *b == lo) else {
        return Err(nothing(&probes));
    };
    let mut fmax_note = format!(
        "no Fmax: the {} target is synthesized with Yosys only (nextpnr-xilinx is not packaged); no clock is assumed here, the caller chooses one",
        device.target
    );
    if pnr {
        loop {
            let placed = search.size(lo, true)?;
            probes.push(placed.probe.clone());
            if placed.probe.fits {
                won = placed;
                fmax_note = format!(
                    "placed and routed with {} (seed 1, the 4-pin harness of docs/SYNTHESIS.md)",
                    won.report.tools.nextpnr.as_deref().unwrap_or("nextpnr")
                );
                break;
            }
            lo -= 1;
            if lo == 0 {
                return Err(nothing(&probes));
            }
        }
    } else if device.target.has_pnr() {
        fmax_note = "no Fmax: place and route was not asked for".into();
    }
    let fit = FpgaFit {
        schema: FIT_SCHEMA,
        device: device.name.clone(),
        target: device.target,
        synth_device: search.synth_device.clone(),
        base: base.name.clone(),
        base_fingerprint: fingerprint,
        rows: lo,
        buffer_kib: won.kib,
        dsp_pes: won.dsp_pes,
        used: Resources::used(&won.report),
        fmax_mhz: won.report.fmax_mhz,
        fmax_note,
        report: won.report,
        probes,
        tools,
        cache_key: key,
        seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    };
    write_atomic(
        &fit_path,
        &serde_json::to_string_pretty(&fit).expect("fit serializes"),
    )?;
    Ok(fit)
}

/// The rows at which the fitting probes' LUTs and flip-flops (and DSPs
/// when every multiplier is a DSP) reach the device's capacity: a fixed part
/// plus a part growing with the PEs, fitted through the two largest sizes
/// (through zero with one). Block RAMs are left out: the buffers are sized
/// to fill them.
fn predict(fitting: &[&Probe], cap: &Resources, dsps_grow: bool) -> u32 {
    let mut sizes: Vec<&Probe> = fitting.to_vec();
    sizes.sort_by_key(|p| p.rows);
    sizes.dedup_by_key(|p| p.rows);
    let Some(last) = sizes.last() else {
        return 1;
    };
    let prev = sizes.len().checked_sub(2).map(|i| sizes[i]);
    let pick = |r: &Resources| {
        let mut v = vec![(r.luts, cap.luts), (r.flip_flops, cap.flip_flops)];
        if !dsps_grow {
            v.push((r.dsps, cap.dsps));
        }
        v
    };
    let sq = |p: &Probe| f64::from(p.rows) * f64::from(p.rows);
    let mut best = f64::INFINITY;
    for (i, (u2, c)) in pick(&last.used).into_iter().enumerate() {
        let (u2, c) = (u2 as f64, c as f64);
        let (per_pe, fixed) = match prev {
            Some(p) => {
                let u1 = pick(&p.used)[i].0 as f64;
                let per = (u2 - u1) / (sq(last) - sq(p));
                (per, u2 - per * sq(last))
            }
            None => (u2 / sq(last), 0.0),
        };
        if per_pe > 0.0 {
            best = best.min(((c - fixed) / per_pe).max(0.0).sqrt());
        }
    }
    if best.is_finite() {
        best.floor().min(f64::from(u32::MAX)) as u32
    } else {
        last.rows.saturating_mul(2)
    }
}

fn tool_versions(target: Target, pnr: bool, paths: &ToolPaths) -> Result<ToolVersions, ToolError> {
    let yosys = Tool::Yosys.version(&Tool::Yosys.locate(paths)?)?;
    let tool = match target {
        Target::Ice40 => Some(Tool::NextpnrIce40),
        Target::Ecp5 => Some(Tool::NextpnrEcp5),
        _ => None,
    };
    let nextpnr = match tool.filter(|_| pnr) {
        Some(t) => Some(t.version(&t.locate(paths)?)?),
        None => None,
    };
    Ok(ToolVersions { yosys, nextpnr })
}

fn load_fit(path: &Path) -> Option<FpgaFit> {
    let fit: FpgaFit = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    (fit.schema == FIT_SCHEMA).then_some(fit)
}

fn write_atomic(path: &Path, text: &str) -> Result<(), FpgaError> {
    let io = |action, p: &Path| {
        let p = p.to_path_buf();
        move |source| FpgaError::Io {
            action,
            path: p,
            source,
        }
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io("create", parent))?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(io("write", &tmp))?;
    std::fs::rename(&tmp, path).map_err(io("move into place", path))
}

/// One size synthesized: its probe, report and buffers.
struct SizeResult {
    probe: Probe,
    report: SynthReport,
    kib: [f64; 3],
    dsp_pes: u64,
}

struct Search<'a> {
    base: &'a Design,
    device: &'a FpgaDevice,
    synth_device: String,
    opts: &'a FitOptions,
    dir: &'a Path,
    progress: &'a dyn Progress,
    yosys: String,
}

impl Search<'_> {
    /// Synthesizes (`placed`: and places) the r x r array with the deepest
    /// buffers (a power of two times the block RAM depth) whose block RAMs
    /// the device has, halving them while only block RAMs overflow.
    fn size(&self, r: u32, placed: bool) -> Result<SizeResult, FpgaError> {
        let target = self.device.target;
        let (depth, width) = bram_shape(target);
        // A variant with ample buffers, for the lines' widths.
        let wide = variant(self.base, r, [1024.0; 3])?;
        let cfg = Config::of(&wide)?;
        let banks = u64::from(cfg.banks);
        let per_depth: u64 = Operand::ALL
            .iter()
            .map(|&op| banks * cfg.line_bits(op).div_ceil(width))
            .sum();
        let budget = self.device.capacity().block_rams;
        let mut k = 1u64;
        while k < 64 && per_depth * k * 2 <= budget {
            k *= 2;
        }
        loop {
            let lines = depth * k;
            let kib = Operand::ALL.map(|op| {
                let bytes = if cfg.sparse.is_some() {
                    (lines * banks * cfg.line_bits(op)).div_ceil(8)
                } else {
                    lines * banks * sim::engine::ip::line_bytes(&wide, op)
                };
                bytes as f64 / 1024.0
            });
            let design = variant(self.base, r, kib)?;
            let dsps = self.device.capacity().dsps;
            let dsp_pes = if self.opts.logic_multipliers {
                design.pes().min(dsps)
            } else {
                design.pes()
            };
            let name = if placed {
                format!("r{r}-placed")
            } else {
                format!("r{r}-d{lines}")
            };
            let workdir = self.dir.join(name);
            let what = format!(
                "{} a {r}x{r} array ({lines} lines per buffer) for the {}",
                if placed { "placing" } else { "synthesizing" },
                self.device.name
            );
            let started = Instant::now();
            let (report, reused, failed) = progress::step(self.progress, &what, || {
                self.synthesize(&design, &workdir, placed)
            })?;
            let used = Resources::used(&report);
            let mut over = used.over(&self.device.capacity());
            over.extend(failed);
            let only_brams = !over.is_empty()
                && used.luts <= self.device.capacity().luts
                && used.dsps <= self.device.capacity().dsps
                && used.flip_flops <= self.device.capacity().flip_flops
                && !placed;
            if only_brams && k > 1 {
                k /= 2;
                continue;
            }
            let fits = over.is_empty() && (!placed || report.fmax_mhz.is_some());
            if placed && !fits && over.is_empty() {
                over.push("nextpnr could not place it".into());
            }
            let probe = Probe {
                rows: r,
                buffer_lines: lines,
                used,
                fits,
                over,
                placed: placed.then_some(fits),
                seconds: if reused {
                    0.0
                } else {
                    (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
                },
            };
            return Ok(SizeResult {
                probe,
                report,
                kib,
                dsp_pes,
            });
        }
    }

    /// Synthesizes `design` in `workdir` (reusing `report.json` made from
    /// the same inputs); a design the device has no room for is a report
    /// (from Yosys's statistics) with the reason, not an error.
    fn synthesize(
        &self,
        design: &Design,
        workdir: &Path,
        placed: bool,
    ) -> Result<(SynthReport, bool, Option<String>), FpgaError> {
        let target = self.device.target;
        let ip = crate::generate(design)?;
        let files = ip.write_rtl(&workdir.join("rtl"))?;
        let opts = SynthOptions {
            device: Some(self.synth_device.clone()),
            params: synth_params(
                design,
                target,
                Some(self.device.capacity().dsps).filter(|&d| self.opts.logic_multipliers && d > 0),
            )?,
            skip_pnr: !placed,
            tools: self.opts.tools.clone(),
            ..SynthOptions::default()
        };
        let synthesis = Synthesis::prepare(&files, &ip.top, target, &opts, workdir, self.progress)?;
        let path = workdir.join("report.json");
        if let Some(r) = synthesis.reuse(&path) {
            let failed =
                (placed && r.fmax_mhz.is_none()).then(|| "nextpnr could not place it".into());
            return Ok((r, true, failed));
        }
        let (mut report, failed) = match synthesis.run(self.progress) {
            Ok(r) => (r, None),
            Err(SynthError::DoesNotFit { summary, .. }) => {
                // Yosys's statistics are in the work folder either way.
                let stats = yosys::read_stats(&workdir.join("stat.json"), &ip.top)?;
                let mut r = SynthReport::from_cells(
                    target,
                    Some(self.synth_device.clone()),
                    &ip.top,
                    stats.cells,
                    stats.by_type,
                    0,
                    self.yosys.clone(),
                );
                r.cache_key = Some(synthesis.key().to_string());
                (r, Some(summary))
            }
            Err(e) => return Err(e.into()),
        };
        report.design = Some(design.name.clone());
        report.design_fingerprint = Some(design_fingerprint(design));
        write_atomic(&path, &(report.to_json() + "\n"))?;
        Ok((report, false, failed))
    }
}
