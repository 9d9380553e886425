//! The power model (`tables/fpga-power.toml`): per-family dynamic energies,
//! parsed and checked once, and the power of a synthesized design on a device
//! at a clock.

use super::device::{FpgaDevice, Resources};
use super::{FpgaError, Sourced};
use crate::synth::report::SynthReport;
use crate::synth::target::Target;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const POWER_TOML: &str = include_str!("../../../tables/fpga-power.toml");

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
