//! The device table (`tables/fpga-devices.toml`): each FPGA's capacities with
//! their sources, parsed and checked once, looked up by name; and the
//! resources a synthesis report uses in the table's units.

use super::{FpgaError, Sourced};
use crate::synth::report::SynthReport;
use crate::synth::target::Target;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const DEVICES_TOML: &str = include_str!("../../../tables/fpga-devices.toml");

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
