//! A calibrated GPU performance and energy model, not a simulation: a
//! roofline per kernel with a size-dependent GEMM efficiency, a fixed
//! launch cost per kernel and memory-bound vector work, fitted to published
//! measurements (docs/GPU.md). `systolic compare` puts its estimates beside
//! the simulated ASIC designs and FPGAs.
//!
//! ```
//! use sim::gpu::{estimate, gpu, GpuPrecision, Mode};
//! let a100 = gpu("a100").unwrap();
//! let model = sim::workload::zoo::model("resnet50").unwrap();
//! let e = estimate(a100, &model, 8, GpuPrecision::Int8, Mode::Inference).unwrap();
//! assert!(e.latency_s > 0.0 && e.utilization <= 1.0);
//! ```

pub mod calibration;
mod device;
mod model;
pub mod table;

pub use calibration::{Calibration, CALIBRATION};
pub use device::Device;
pub use model::{
    estimate_with, gemm_efficiency, gemm_efficiency_tiled, gemm_time, Bound, KernelEstimate,
};
pub use table::{Field, Gpu, Sourced};

use crate::error::{InputError, Result, SimError};
use crate::train::Optimizer;
use crate::workload::Model;
use serde::Serialize;
use std::sync::OnceLock;

/// A number format the GPU computes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GpuPrecision {
    /// 8-bit integers on the tensor cores (int32 accumulation).
    Int8,
    /// FP16 on the tensor cores (fp32 accumulation).
    Fp16,
    /// BF16 on the tensor cores (fp32 accumulation).
    Bf16,
    /// TF32 on the tensor cores (fp32 operands in memory).
    Tf32,
    /// FP32 on the CUDA cores.
    Fp32,
}

impl GpuPrecision {
    /// Every precision, narrowest first.
    pub const ALL: [GpuPrecision; 5] = [
        GpuPrecision::Int8,
        GpuPrecision::Fp16,
        GpuPrecision::Bf16,
        GpuPrecision::Tf32,
        GpuPrecision::Fp32,
    ];

    /// Its name: `int8`, `fp16`, `bf16`, `tf32`, `fp32`.
    pub fn name(self) -> &'static str {
        match self {
            GpuPrecision::Int8 => "int8",
            GpuPrecision::Fp16 => "fp16",
            GpuPrecision::Bf16 => "bf16",
            GpuPrecision::Tf32 => "tf32",
            GpuPrecision::Fp32 => "fp32",
        }
    }

    /// Parses a name of [`GpuPrecision::name`].
    pub fn parse(s: &str) -> Option<GpuPrecision> {
        GpuPrecision::ALL.into_iter().find(|p| p.name() == s)
    }

    /// Bytes per element in memory (TF32 operands are stored as fp32).
    pub fn bytes(self) -> u64 {
        match self {
            GpuPrecision::Int8 => 1,
            GpuPrecision::Fp16 | GpuPrecision::Bf16 => 2,
            GpuPrecision::Tf32 | GpuPrecision::Fp32 => 4,
        }
    }
}

/// What is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A forward pass over the batch.
    Inference,
    /// A training step: forward, the backward GEMMs of [`crate::train::backward`]
    /// (dX where autograd computes it, dW), backward vector work, and the
    /// optimizer's update as one memory-bound kernel (fp32 master weights and
    /// states when the precision is narrower).
    Training(Optimizer),
}

impl Mode {
    /// `inference` or `training (adam)`, ...
    pub fn describe(self) -> String {
        match self {
            Mode::Inference => "inference".into(),
            Mode::Training(o) => format!("training ({})", o.name()),
        }
    }
}

/// The estimate of one run of the batch.
#[derive(Debug, Clone, Serialize)]
pub struct GpuEstimate {
    /// The device's short name (a GPU's, or a CPU's for `crate::cpu`).
    pub gpu: String,
    /// Model name.
    pub model: String,
    /// Samples per run.
    pub batch: u64,
    /// Number format.
    pub precision: GpuPrecision,
    /// Inference or training.
    pub mode: Mode,
    /// One run of the batch alone (a forward pass, or a training step),
    /// from the host's request to its result, s: `host_s` plus the kernels.
    pub latency_s: f64,
    /// The host's part of `latency_s` (copies in and out, synchronization), s.
    pub host_s: f64,
    /// Samples (inferences) per second with runs back to back, the host's
    /// part of each overlapped with the GPU's work on another (as a serving
    /// loop with more than one run in flight does): `batch / (latency_s - host_s)`.
    pub throughput_per_s: f64,
    /// The GPU's energy for one run's kernels, J: `power_w` times their time.
    pub energy_j: f64,
    /// `energy_j / batch`, J per inference (or per sample of a step).
    pub energy_per_sample_j: f64,
    /// Average power while the kernels run, W: idle plus the dynamic range
    /// times the kernels' time-weighted activity (so between idle and TDP).
    pub power_w: f64,
    /// Multiply-accumulates of the run (array and GEMM work; vector work not counted).
    pub macs: u64,
    /// Achieved tera-operations per second over the kernels' time, 2 per
    /// multiply-accumulate.
    pub achieved_tops: f64,
    /// The GPU's dense peak at this precision.
    pub peak_tops: f64,
    /// `achieved_tops / peak_tops`.
    pub utilization: f64,
    /// Bytes the run needs resident: weights (and, training, gradients,
    /// optimizer state and kept activations) plus the largest layer's
    /// input and output at this batch.
    pub memory_bytes: u64,
    /// Whether `memory_bytes` fits the GPU's memory.
    pub fits_memory: bool,
    /// Kernels launched, in order (fused elementwise work inside its producer).
    pub kernels: Vec<KernelEstimate>,
    /// How the numbers were made.
    pub how: &'static str,
}

/// Every built-in GPU, in table order.
pub fn gpus() -> &'static [Gpu] {
    static GPUS: OnceLock<Vec<Gpu>> = OnceLock::new();
    GPUS.get_or_init(|| {
        // The built-in table is checked by this module's tests; a broken
        // edit fails them, so at run time it parses.
        table::parse(table::GPUS_TOML).unwrap_or_default()
    })
}

/// The names of the built-in GPUs.
pub fn names() -> Vec<&'static str> {
    gpus().iter().map(|g| g.name.as_str()).collect()
}

/// The built-in GPU called exactly `name`, or an error listing the names
/// (with the closest as suggestions).
pub fn gpu(name: &str) -> Result<&'static Gpu> {
    gpus()
        .iter()
        .find(|g| g.name == name)
        .ok_or_else(|| SimError::unknown("GPU", name, &names(), ""))
}

/// Estimates `model` at `batch` on `gpu` in `precision` with the built-in
/// calibration ([`CALIBRATION`]). Refuses (never panics on) a batch of 0,
/// a precision the GPU lacks, int8 training, and layers outside the
/// workload bounds ([`crate::workload::Lowered::check`]).
pub fn estimate(
    gpu: &Gpu,
    model: &Model,
    batch: u64,
    precision: GpuPrecision,
    mode: Mode,
) -> Result<GpuEstimate> {
    estimate_with(gpu, model, batch, precision, mode, &CALIBRATION)
}

fn input_error(message: String, hint: &str) -> SimError {
    InputError::new("systolic::gpu::input", "<command line>", message)
        .hint(hint)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_lookup() {
        assert_eq!(names(), ["a100", "h100", "t4", "orin"]);
        assert_eq!(gpu("t4").unwrap().full_name, "NVIDIA T4 16GB");
        let e = gpu("A100").unwrap_err().to_string();
        assert!(e.contains("did you mean `a100`"), "{e}");
        let none = gpu("v100").unwrap_err();
        let SimError::Unknown { known, .. } = &none else {
            panic!("{none:?}")
        };
        assert!(known.contains("a100, h100, t4, orin"), "{known}");
    }

    #[test]
    fn precisions() {
        for p in GpuPrecision::ALL {
            assert_eq!(GpuPrecision::parse(p.name()), Some(p));
        }
        assert_eq!(GpuPrecision::parse("fp8"), None);
        let t4 = gpu("t4").unwrap();
        assert_eq!(
            t4.precisions(),
            [GpuPrecision::Int8, GpuPrecision::Fp16, GpuPrecision::Fp32]
        );
    }
}
