//! The CPU model's parameters: which are fitted (one GEMM efficiency per
//! CPU), which are taken from the GPU fit, and which are cited constants.
//! The fit itself is `sim/tests/cpu.rs`, beside the fixtures it reads; it
//! recomputes [`ETA_MAX`] and fails if the values drift (docs/CPU.md).

use super::Cpu;
use crate::gpu::{Calibration, CALIBRATION};

/// GEMM efficiency of a large, deep GEMM per CPU: the fraction of the
/// socket's dense peak its library sustains (oneDNN with AMX under
/// PyTorch/IPEX on the Xeon, ruy under TFLite on the Raspberry Pi), each
/// fitted to that CPU's one training point in
/// `sim/tests/fixtures/cpu/mlperf_inference.csv`.
pub const ETA_MAX: [(&str, f64); 2] = [("xeon-8480", 0.4650), ("rpi4", 0.3573)];

/// Fixed cost per operator, s: the framework's dispatch of one kernel on
/// the CPU (there is no launch and no host-to-device copy). Not fitted (no
/// CPU measurement here isolates it): PyTorch eager runs a one-element
/// `x + 1` in 4.5 us on an i9-11900K (J. Ansel, "Micro-optimizations for
/// the most micro of benchmarks", dev-discuss.pytorch.org/t/1836, 2023),
/// Python call and dispatch included.
pub const DISPATCH_S: f64 = 4.5e-6;

/// Output tile edge of a CPU GEMM, elements: a core's block of the output
/// (oneDNN's and ruy's kernels block the output in tens of rows and
/// columns). A modelling constant, not fitted.
pub const CPU_TILE: f64 = 64.0;

/// The calibration of `cpu`: its fitted `eta_max`; the GPU fit's
/// `tile_half`, `k_half` and `mem_eff` (the same efficiency curve, in
/// units of a core's tiles); [`DISPATCH_S`] per operator and nothing per
/// run. `None` for a CPU without a fitted efficiency.
pub fn calibration(cpu: &Cpu) -> Option<Calibration> {
    let eta_max = ETA_MAX.iter().find(|(n, _)| *n == cpu.name)?.1;
    Some(with_eta(eta_max))
}

/// The CPU calibration with a given `eta_max` (the fit evaluates candidates
/// through it).
pub fn with_eta(eta_max: f64) -> Calibration {
    Calibration {
        eta_max,
        launch_s: DISPATCH_S,
        run_s: 0.0,
        ..CALIBRATION
    }
}
