//! The CPU table (`sim/tables/cpus.toml`): cores, clock, per-core rates,
//! peaks, memory and power of each CPU socket, every number with its
//! source, read once and validated.

use crate::error::{InputError, Result, SimError};
use crate::gpu::table::{check_fields, Field, Sourced};
use crate::gpu::{Device, GpuPrecision};
use serde::{Deserialize, Serialize};

/// The built-in table's TOML text.
pub const CPUS_TOML: &str = include_str!("../../tables/cpus.toml");

/// Where the built-in table lives, for messages.
const TABLE_PATH: &str = "sim/tables/cpus.toml";

/// One CPU socket as written in the table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cpu {
    /// Short name (`xeon-8480`, `rpi4`).
    pub name: String,
    /// Product name.
    pub full_name: String,
    /// Cores of the socket.
    pub cores: Sourced,
    /// Base (all-core) clock, GHz.
    pub clock_ghz: Sourced,
    /// INT8 operations per cycle per core (2 per multiply-accumulate).
    #[serde(default)]
    pub int8_ops_per_cycle: Option<Sourced>,
    /// BF16 operations per cycle per core.
    #[serde(default)]
    pub bf16_ops_per_cycle: Option<Sourced>,
    /// FP32 operations per cycle per core.
    pub fp32_ops_per_cycle: Sourced,
    /// Dense INT8 peak, TOPS: `cores x clock_ghz x int8_ops_per_cycle / 1000`.
    #[serde(default)]
    pub int8_tops: Option<Sourced>,
    /// Dense BF16 peak, TFLOPS, by the same rule.
    #[serde(default)]
    pub bf16_tops: Option<Sourced>,
    /// FP32 peak, TFLOPS, by the same rule (also the rate of vector work).
    pub fp32_tops: Sourced,
    /// DRAM bandwidth of the socket, GB/s.
    pub mem_bw_gbs: Sourced,
    /// Shared last-level cache, MB: a kernel's operand bytes within it do
    /// not reach DRAM.
    pub cache_mb: Sourced,
    /// DRAM capacity of the measured system per socket, GB.
    pub mem_gb: Sourced,
    /// Thermal design power (or measured full-load power), W.
    pub tdp_w: Sourced,
    /// Idle power, W, where measured or published.
    #[serde(default)]
    pub idle_w: Option<Sourced>,
    /// List price, US dollars, where one is published.
    #[serde(default)]
    pub list_price_usd: Option<Sourced>,
}

impl Cpu {
    /// Every number of the row with its source, in table order.
    pub fn fields(&self) -> Vec<Field<'_>> {
        [
            ("cores", Some(&self.cores)),
            ("clock_ghz", Some(&self.clock_ghz)),
            ("int8_ops_per_cycle", self.int8_ops_per_cycle.as_ref()),
            ("bf16_ops_per_cycle", self.bf16_ops_per_cycle.as_ref()),
            ("fp32_ops_per_cycle", Some(&self.fp32_ops_per_cycle)),
            ("int8_tops", self.int8_tops.as_ref()),
            ("bf16_tops", self.bf16_tops.as_ref()),
            ("fp32_tops", Some(&self.fp32_tops)),
            ("mem_bw_gbs", Some(&self.mem_bw_gbs)),
            ("cache_mb", Some(&self.cache_mb)),
            ("mem_gb", Some(&self.mem_gb)),
            ("tdp_w", Some(&self.tdp_w)),
            ("idle_w", self.idle_w.as_ref()),
            ("list_price_usd", self.list_price_usd.as_ref()),
        ]
        .into_iter()
        .filter_map(|(name, v)| v.map(|value| Field { name, value }))
        .collect()
    }

    /// Each peak the row states with its per-core rate:
    /// `(precision, peak TOPS, ops per cycle per core)`.
    pub fn peaks(&self) -> Vec<(GpuPrecision, &Sourced, Option<&Sourced>)> {
        [
            (
                GpuPrecision::Int8,
                self.int8_tops.as_ref(),
                self.int8_ops_per_cycle.as_ref(),
            ),
            (
                GpuPrecision::Bf16,
                self.bf16_tops.as_ref(),
                self.bf16_ops_per_cycle.as_ref(),
            ),
            (
                GpuPrecision::Fp32,
                Some(&self.fp32_tops),
                Some(&self.fp32_ops_per_cycle),
            ),
        ]
        .into_iter()
        .filter_map(|(p, peak, rate)| peak.map(|peak| (p, peak, rate)))
        .collect()
    }

    /// The peak the derivation rule gives for `ops_per_cycle`, TOPS:
    /// `cores x clock_ghz x ops_per_cycle / 1000`.
    pub fn rule_tops(&self, ops_per_cycle: f64) -> f64 {
        self.cores.value.round() * self.clock_ghz.value * ops_per_cycle / 1000.0
    }
}

impl Device for Cpu {
    fn class(&self) -> &'static str {
        "CPU"
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn full_name(&self) -> &str {
        &self.full_name
    }
    fn peak_tops(&self, precision: GpuPrecision) -> Option<f64> {
        self.peaks()
            .into_iter()
            .find(|(p, _, _)| *p == precision)
            .map(|(_, peak, _)| peak.value)
    }
    fn vector_ops_per_s(&self) -> f64 {
        self.fp32_tops.value * 1e12
    }
    fn mem_bytes_per_s(&self) -> f64 {
        self.mem_bw_gbs.value * 1e9
    }
    fn mem_bytes(&self) -> f64 {
        self.mem_gb.value * 1e9
    }
    fn units(&self) -> f64 {
        self.cores.value.round()
    }
    fn cache_bytes(&self) -> f64 {
        self.cache_mb.value * 1e6
    }
    fn tile(&self) -> f64 {
        super::calibration::CPU_TILE
    }
    fn tdp_w(&self) -> f64 {
        self.tdp_w.value
    }
    fn idle_power_w(&self) -> f64 {
        self.idle_w.as_ref().map_or(
            crate::gpu::calibration::IDLE_FRACTION * self.tdp_w.value,
            |s| s.value,
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    cpu: Vec<Cpu>,
}

fn table_error(message: String) -> SimError {
    InputError::new("systolic::cpu::table", TABLE_PATH, message)
        .hint("every number in the CPU table is `{ value = <positive number>, source = \"<document: what it says>\" }`")
        .into()
}

/// Parses and checks a CPU table: names unique and non-empty, every number
/// finite and positive with a non-empty source, every peak with its per-core
/// rate and within 0.1 % of `cores x clock x rate` (the stated rule).
pub fn parse(text: &str) -> Result<Vec<Cpu>> {
    let table: Table = toml::from_str(text).map_err(|e| table_error(e.to_string()))?;
    let mut seen = std::collections::HashSet::new();
    for c in &table.cpu {
        if c.name.is_empty() || !seen.insert(c.name.as_str()) {
            return Err(table_error(format!(
                "CPU name `{}` is empty or repeated",
                c.name
            )));
        }
        check_fields(&c.name, &c.fields()).map_err(table_error)?;
        for (p, peak, rate) in c.peaks() {
            let Some(rate) = rate else {
                return Err(table_error(format!(
                    "{}: a {} peak needs its {}_ops_per_cycle",
                    c.name,
                    p.name(),
                    p.name()
                )));
            };
            let rule = c.rule_tops(rate.value);
            if (peak.value / rule - 1.0).abs() > 1e-3 {
                return Err(table_error(format!(
                    "{}.{}_tops is {}, but cores x clock x ops/cycle is {rule}",
                    c.name,
                    p.name(),
                    peak.value
                )));
            }
        }
    }
    Ok(table.cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_parses() {
        let cpus = parse(CPUS_TOML).unwrap();
        assert_eq!(cpus.len(), 2);
    }

    #[test]
    fn a_peak_off_its_rule_or_without_a_source_is_refused() {
        let off = CPUS_TOML.replacen("value = 229.376", "value = 230", 1);
        let e = parse(&off).unwrap_err().to_string();
        assert!(e.contains("cores x clock"), "{e}");
        let bare = CPUS_TOML.replacen("tdp_w = { value = 350, source", "tdp_w = 350 #", 1);
        assert!(parse(&bare).unwrap_err().to_string().contains("cpus.toml"));
        let unsourced = CPUS_TOML.replacen(
            "source = \"Intel ARK, Xeon Platinum 8480+: TDP 350 W\"",
            "source = \" \"",
            1,
        );
        assert!(parse(&unsourced)
            .unwrap_err()
            .to_string()
            .contains("no source"));
    }
}
