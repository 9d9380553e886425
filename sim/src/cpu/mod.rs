//! A calibrated CPU performance and energy model, not a simulation: the GPU
//! model's roofline per kernel (`crate::gpu`, one piece of code for both,
//! through [`crate::gpu::Device`]) with a CPU's parameters: cores instead of
//! multiprocessors, a framework's dispatch per operator instead of a kernel
//! launch, no host-to-device copy, and a GEMM efficiency fitted per CPU to
//! published MLPerf Inference results (docs/CPU.md). `systolic compare`
//! puts its estimates beside the ASIC designs, FPGAs and GPUs.
//!
//! ```
//! use sim::cpu::{cpu, estimate};
//! use sim::gpu::{GpuPrecision, Mode};
//! let xeon = cpu("xeon-8480").unwrap();
//! let model = sim::workload::zoo::model("resnet50").unwrap();
//! let e = estimate(xeon, &model, 8, GpuPrecision::Int8, Mode::Inference).unwrap();
//! assert!(e.latency_s > 0.0 && e.utilization <= 1.0);
//! ```

pub mod calibration;
pub mod table;

pub use crate::gpu::GpuEstimate as Estimate;
pub use table::Cpu;

use crate::error::{InputError, Result, SimError};
use crate::gpu::{estimate_with, GpuEstimate, GpuPrecision, Mode};
use crate::workload::Model;
use std::sync::OnceLock;

/// Every built-in CPU, in table order.
pub fn cpus() -> &'static [Cpu] {
    static CPUS: OnceLock<Vec<Cpu>> = OnceLock::new();
    CPUS.get_or_init(|| {
        // The built-in table is checked by this module's tests; a broken
        // edit fails them, so at run time it parses.
        table::parse(table::CPUS_TOML).unwrap_or_default()
    })
}

/// The names of the built-in CPUs.
pub fn names() -> Vec<&'static str> {
    cpus().iter().map(|c| c.name.as_str()).collect()
}

/// The built-in CPU called exactly `name`, or an error listing the names
/// (with the closest as suggestions).
pub fn cpu(name: &str) -> Result<&'static Cpu> {
    cpus()
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| SimError::unknown("CPU", name, &names(), ""))
}

/// Estimates `model` at `batch` on one socket of `cpu` in `precision` with
/// its built-in calibration ([`calibration::calibration`]). The estimate is
/// the GPU model's struct: `gpu` holds the CPU's name, `host_s` is 0 (no
/// copies to a device) and `kernels` are the operators dispatched. Refuses
/// (never panics on) a batch of 0, a precision the CPU has no peak for,
/// int8 training, a CPU without a fitted efficiency and layers outside the
/// workload bounds.
pub fn estimate(
    cpu: &Cpu,
    model: &Model,
    batch: u64,
    precision: GpuPrecision,
    mode: Mode,
) -> Result<GpuEstimate> {
    let cal = calibration::calibration(cpu).ok_or_else(|| {
        SimError::from(
            InputError::new(
                "systolic::cpu::input",
                "<command line>",
                format!("{} has no fitted GEMM efficiency", cpu.full_name),
            )
            .hint("add it to sim::cpu::calibration::ETA_MAX from a published measurement"),
        )
    })?;
    estimate_with(cpu, model, batch, precision, mode, &cal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_lookup() {
        assert_eq!(names(), ["xeon-8480", "rpi4"]);
        let e = cpu("rpi-4").unwrap_err().to_string();
        assert!(e.contains("did you mean `rpi4`"), "{e}");
        for c in cpus() {
            assert!(calibration::calibration(c).is_some(), "{}", c.name);
        }
    }
}
