//! What the calibrated roofline model needs to know of a device, so that
//! one model serves every class of it: GPUs here, CPUs in `crate::cpu`.

use super::calibration::TILE;
use super::{Gpu, GpuPrecision};

/// A device the calibrated model estimates: its peaks, memory and power,
/// and the parallel units its GEMM library spreads output tiles over.
pub trait Device {
    /// The device class, for messages: `GPU`, `CPU`.
    fn class(&self) -> &'static str;
    /// Short name (`a100`, `xeon-8480`, ...).
    fn name(&self) -> &str;
    /// Product name.
    fn full_name(&self) -> &str;
    /// Dense peak of `precision` in tera-operations per second (2 per
    /// multiply-accumulate), `None` when the device lacks it.
    fn peak_tops(&self, precision: GpuPrecision) -> Option<f64>;
    /// Vector (elementwise, reduction) operations per second.
    fn vector_ops_per_s(&self) -> f64;
    /// Datasheet DRAM bandwidth, bytes per second.
    fn mem_bytes_per_s(&self) -> f64;
    /// DRAM capacity, bytes.
    fn mem_bytes(&self) -> f64;
    /// The parallel units output tiles are spread over (SMs, cores).
    fn units(&self) -> f64;
    /// Output tile edge of the device's GEMM library, elements.
    fn tile(&self) -> f64;
    /// Thermal design power (the power model's ceiling), W.
    fn tdp_w(&self) -> f64;
    /// Idle power (the power model's floor), W.
    fn idle_power_w(&self) -> f64;
    /// On-chip cache the model lets a kernel's operands stay in, bytes: a
    /// kernel reads and writes DRAM only for its bytes beyond it. 0 (the
    /// GPU model's choice: no cache modelled) by default.
    fn cache_bytes(&self) -> f64 {
        0.0
    }
    /// Whether it trains in int8 (no device modelled here does).
    fn trains_int8(&self) -> bool {
        false
    }

    /// The precisions with a peak, in [`GpuPrecision::ALL`] order.
    fn precisions(&self) -> Vec<GpuPrecision> {
        GpuPrecision::ALL
            .into_iter()
            .filter(|&p| self.peak_tops(p).is_some())
            .collect()
    }
}

impl Device for Gpu {
    fn class(&self) -> &'static str {
        "GPU"
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn full_name(&self) -> &str {
        &self.full_name
    }
    fn peak_tops(&self, precision: GpuPrecision) -> Option<f64> {
        Gpu::peak_tops(self, precision)
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
        self.sm_count()
    }
    fn tile(&self) -> f64 {
        TILE
    }
    fn tdp_w(&self) -> f64 {
        self.tdp_w.value
    }
    fn idle_power_w(&self) -> f64 {
        Gpu::idle_power_w(self)
    }
}
