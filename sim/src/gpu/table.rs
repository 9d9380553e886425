//! The GPU table (`sim/tables/gpus.toml`): peaks, memory and power of each
//! GPU, every number with its source, read once and validated.

use super::GpuPrecision;
use crate::error::{InputError, Result};
use serde::{Deserialize, Serialize};

/// The built-in table's TOML text.
pub const GPUS_TOML: &str = include_str!("../../tables/gpus.toml");

/// Where the built-in table lives, for messages.
const TABLE_PATH: &str = "sim/tables/gpus.toml";

/// A number and where it comes from.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced {
    /// The number.
    pub value: f64,
    /// Citation: the document and what it says.
    pub source: String,
    /// Computed from published numbers by the rule `source` states, rather
    /// than published itself.
    #[serde(default)]
    pub derived: bool,
}

/// One GPU as written in the table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Gpu {
    /// Short name (`a100`, `h100`, `t4`, `orin`).
    pub name: String,
    /// Product name.
    pub full_name: String,
    /// Streaming multiprocessors.
    pub sms: Sourced,
    /// Dense INT8 tensor-core peak, TOPS.
    #[serde(default)]
    pub int8_tops: Option<Sourced>,
    /// Dense FP16 tensor-core peak, TFLOPS.
    #[serde(default)]
    pub fp16_tops: Option<Sourced>,
    /// Dense BF16 tensor-core peak, TFLOPS.
    #[serde(default)]
    pub bf16_tops: Option<Sourced>,
    /// Dense TF32 tensor-core peak, TFLOPS.
    #[serde(default)]
    pub tf32_tops: Option<Sourced>,
    /// FP32 CUDA-core peak, TFLOPS (also the rate of vector work).
    pub fp32_tops: Sourced,
    /// DRAM bandwidth, GB/s.
    pub mem_bw_gbs: Sourced,
    /// DRAM capacity, GB.
    pub mem_gb: Sourced,
    /// Thermal design power (board or module), W.
    pub tdp_w: Sourced,
    /// Idle power, W, where a datasheet publishes it.
    #[serde(default)]
    pub idle_w: Option<Sourced>,
    /// List price, US dollars, where one is published.
    #[serde(default)]
    pub list_price_usd: Option<Sourced>,
}

/// One number of a GPU's row, for listing and checking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field<'a> {
    /// The field's name in the table (`int8_tops`, `tdp_w`, ...).
    pub name: &'static str,
    /// The number and its source.
    pub value: &'a Sourced,
}

impl Gpu {
    /// Dense peak of `precision` in tera-operations per second (2 per
    /// multiply-accumulate), `None` when the GPU lacks it.
    pub fn peak_tops(&self, precision: GpuPrecision) -> Option<f64> {
        let f = match precision {
            GpuPrecision::Int8 => &self.int8_tops,
            GpuPrecision::Fp16 => &self.fp16_tops,
            GpuPrecision::Bf16 => &self.bf16_tops,
            GpuPrecision::Tf32 => &self.tf32_tops,
            GpuPrecision::Fp32 => return Some(self.fp32_tops.value),
        };
        f.as_ref().map(|s| s.value)
    }

    /// The precisions this GPU has a peak for, in [`GpuPrecision::ALL`] order.
    pub fn precisions(&self) -> Vec<GpuPrecision> {
        GpuPrecision::ALL
            .iter()
            .copied()
            .filter(|&p| self.peak_tops(p).is_some())
            .collect()
    }

    /// Every number of the row with its source, in table order.
    pub fn fields(&self) -> Vec<Field<'_>> {
        let mut out = vec![Field {
            name: "sms",
            value: &self.sms,
        }];
        let optional = [
            ("int8_tops", &self.int8_tops),
            ("fp16_tops", &self.fp16_tops),
            ("bf16_tops", &self.bf16_tops),
            ("tf32_tops", &self.tf32_tops),
        ];
        out.extend(
            optional
                .into_iter()
                .filter_map(|(name, v)| v.as_ref().map(|value| Field { name, value })),
        );
        out.extend([
            Field {
                name: "fp32_tops",
                value: &self.fp32_tops,
            },
            Field {
                name: "mem_bw_gbs",
                value: &self.mem_bw_gbs,
            },
            Field {
                name: "mem_gb",
                value: &self.mem_gb,
            },
            Field {
                name: "tdp_w",
                value: &self.tdp_w,
            },
        ]);
        let extra = [
            ("idle_w", &self.idle_w),
            ("list_price_usd", &self.list_price_usd),
        ];
        out.extend(
            extra
                .into_iter()
                .filter_map(|(name, v)| v.as_ref().map(|value| Field { name, value })),
        );
        out
    }

    /// Streaming multiprocessors as a count (the table's value rounded).
    pub fn sm_count(&self) -> f64 {
        self.sms.value.round()
    }

    /// Idle power, W: the published figure, else the model's assumption
    /// ([`super::calibration::IDLE_FRACTION`] of TDP).
    pub fn idle_power_w(&self) -> f64 {
        self.idle_w
            .as_ref()
            .map_or(super::calibration::IDLE_FRACTION * self.tdp_w.value, |s| {
                s.value
            })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    gpu: Vec<Gpu>,
}

fn table_error(message: String) -> crate::error::SimError {
    InputError::new("systolic::gpu::table", TABLE_PATH, message)
        .hint("every number in the GPU table is `{ value = <positive number>, source = \"<document: what it says>\" }`")
        .into()
}

/// Checks the numbers of one device's row (`device` names it in the
/// message): each finite and positive with a non-empty source.
pub fn check_fields(device: &str, fields: &[Field<'_>]) -> std::result::Result<(), String> {
    for f in fields {
        if !(f.value.value.is_finite() && f.value.value > 0.0) {
            return Err(format!(
                "{device}.{} is {}, not a positive number",
                f.name, f.value.value
            ));
        }
        if f.value.source.trim().is_empty() {
            return Err(format!("{device}.{} has no source", f.name));
        }
    }
    Ok(())
}

/// Parses and checks a GPU table: names unique and non-empty, every number
/// finite and positive with a non-empty source, at least one tensor-core
/// precision per GPU, peaks ordered as the hardware orders them
/// (int8 >= fp16 >= tf32).
pub fn parse(text: &str) -> Result<Vec<Gpu>> {
    let table: Table = toml::from_str(text).map_err(|e| table_error(e.to_string()))?;
    let mut seen = std::collections::HashSet::new();
    for g in &table.gpu {
        if g.name.is_empty() || !seen.insert(g.name.as_str()) {
            return Err(table_error(format!(
                "GPU name `{}` is empty or repeated",
                g.name
            )));
        }
        check_fields(&g.name, &g.fields()).map_err(table_error)?;
        if g.precisions() == [GpuPrecision::Fp32] {
            return Err(table_error(format!(
                "{} has no tensor-core precision",
                g.name
            )));
        }
        let peak = |p| g.peak_tops(p).unwrap_or(0.0);
        let ordered = |hi: f64, lo: f64| hi == 0.0 || lo <= hi;
        if !ordered(peak(GpuPrecision::Int8), peak(GpuPrecision::Fp16))
            || !ordered(peak(GpuPrecision::Fp16), peak(GpuPrecision::Tf32))
        {
            return Err(table_error(format!(
                "{}: peaks out of order (int8 >= fp16 >= tf32 on every tensor core)",
                g.name
            )));
        }
    }
    Ok(table.gpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_parses() {
        let gpus = parse(GPUS_TOML).unwrap();
        assert_eq!(gpus.len(), 4);
    }

    #[test]
    fn a_number_without_a_source_is_refused() {
        let text = GPUS_TOML.replacen(
            "sms = { value = 108, source = \"NVIDIA A100",
            "sms = { value = 108, source = \" \", x = \"",
            1,
        );
        assert!(parse(&text).is_err());
        let bare = GPUS_TOML.replacen("tdp_w = { value = 400, source", "tdp_w = 400 #", 1);
        let e = parse(&bare).unwrap_err().to_string();
        assert!(e.contains("gpus.toml"), "{e}");
        let negative = GPUS_TOML.replacen("value = 624", "value = -624", 1);
        assert!(parse(&negative)
            .unwrap_err()
            .to_string()
            .contains("not a positive number"));
    }
}
