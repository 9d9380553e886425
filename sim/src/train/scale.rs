//! A simulated training step as data-parallel scale-out takes it: the one
//! home of the rules that turn a [`Step`] on a design into
//! [`crate::scaleout`]'s [`StepProfile`] and [`DataParallel`], and of what
//! `n` chips then hold and spend (memory per chip, energy of all chips).
//! `systolic train --chips` and train-mode sweeps both call these.

use super::{Step, TrainOptions};
use crate::design::Design;
use crate::error::{InputError, Result};
use crate::scaleout::{
    Bucketing, DataParallel, GradientReady, ScalingPoint, StateBytes, StepProfile, ZeroStage,
};

/// Bytes per parameter the step keeps, at the design's own widths (the
/// figures [`super::Memory`] counts): weights and gradients at operand
/// precision; as optimizer state (ZeRO's K) an fp32 master copy under mixed
/// precision (`master_fp32` with operands narrower than 4 bytes) plus 4
/// bytes per optimizer state value.
pub fn state_bytes(design: &Design, opts: &TrainOptions) -> StateBytes {
    let wb = design.operand.bytes();
    let mixed = opts.master_fp32 && wb < 4;
    StateBytes {
        weights: wb,
        grads: wb,
        optimizer: if mixed { 4 } else { 0 } + opts.optimizer.states() * 4,
    }
}

/// One chip's step as scale-out takes it: the phase times (cycles at the
/// design's clock), the batch, every layer's gradient with the time its dW
/// finishes in the backward pass, and the parameters. A batch of more than
/// `u32::MAX` samples is refused (`systolic::train::batch`).
pub fn profile(step: &Step, design: &Design) -> Result<StepProfile> {
    let hz = design.clock_mhz * 1e6;
    let batch_per_chip = u32::try_from(step.batch).map_err(|_| {
        InputError::new(
            "systolic::train::batch",
            "<training step>",
            format!(
                "a batch of {} is too large for scale-out (at most {} per chip)",
                step.batch,
                u32::MAX
            ),
        )
        .field("batch")
        .hint("the batch is per chip; use a smaller one")
    })?;
    Ok(StepProfile {
        forward_s: step.forward.cycles as f64 / hz,
        backward_s: step.backward.cycles as f64 / hz,
        update_s: step.update.cycles as f64 / hz,
        batch_per_chip,
        gradients: step
            .gradients_ready
            .iter()
            .map(|&(cycles, bytes)| GradientReady {
                time_s: cycles as f64 / hz,
                bytes,
            })
            .collect(),
        parameters: step.memory.params,
    })
}

/// How the step is spread over the chips: `zero`'s partitioning, the
/// gradient `bucketing`, and [`state_bytes`] of the design and options.
pub fn data_parallel(
    design: &Design,
    opts: &TrainOptions,
    zero: ZeroStage,
    bucketing: Bucketing,
) -> DataParallel {
    DataParallel {
        bucketing,
        zero,
        state: state_bytes(design, opts),
    }
}

/// Largest bucket cap [`bucketing`] takes, MiB (1 TiB).
pub const MAX_BUCKET_MIB: f64 = 1024.0 * 1024.0;

/// Gradient buckets from a cap in MiB: `None` gives PyTorch DDP's
/// ([`Bucketing::DDP`]), `Some(0)` one bucket after the backward pass
/// ([`Bucketing::SINGLE`], TensorFlow's MirroredStrategy), a cap in
/// `(0, MAX_BUCKET_MIB]` buckets of that size. `Err` for anything else
/// (negative, not a number, too large).
pub fn bucketing(mib: Option<f64>) -> std::result::Result<Bucketing, String> {
    match mib {
        None => Ok(Bucketing::DDP),
        Some(0.0) => Ok(Bucketing::SINGLE),
        Some(m) if m > 0.0 && m <= MAX_BUCKET_MIB => Ok(Bucketing::uniform((m * 1048576.0) as u64)),
        Some(m) => Err(format!(
            "a bucket of {m} MiB: expected 0 to {MAX_BUCKET_MIB}"
        )),
    }
}

/// Bytes one chip holds at its peak on `point`'s chips: the model states
/// ZeRO leaves on it ([`ScalingPoint::memory_per_chip_bytes`], from
/// [`state_bytes`]) plus the step's activations and backward workspace.
/// On one chip (any stage) this is the step's own peak,
/// [`super::Memory::peak`].
pub fn memory_per_chip(step: &Step, point: &ScalingPoint) -> f64 {
    point.memory_per_chip_bytes + step.memory.activations as f64 + step.memory.workspace as f64
}

/// Energy of one step on `chips` chips, pJ: every chip's forward and
/// backward passes; the update on every chip under DDP, and once in all
/// from ZeRO stage 1 on (each chip updates its 1/n of the parameters, as
/// [`ScalingPoint::compute_s`] counts it). Communication energy (links,
/// NICs, switches) and idle power while a chip waits are not modelled.
pub fn energy_pj(step: &Step, chips: u32, zero: ZeroStage) -> f64 {
    let n = f64::from(chips);
    let passes = step.forward.energy_pj + step.backward.energy_pj;
    let update = if zero == ZeroStage::Ddp {
        step.update.energy_pj * n
    } else {
        step.update.energy_pj
    };
    passes * n + update
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::preset;
    use crate::engine::{FastEngine, TimingMode};
    use crate::scaleout;
    use crate::train::{Optimizer, Recompute};
    use crate::workload::zoo;

    fn step_on(design: &str, master_fp32: bool) -> (Design, TrainOptions, Step) {
        let d = preset(design).unwrap();
        let m = zoo::model("resnet18").unwrap();
        let opts = TrainOptions {
            batch: 2,
            optimizer: Optimizer::Adam,
            master_fp32,
            recompute: Recompute::None,
        };
        let engine = FastEngine {
            mode: TimingMode::Rtl,
        };
        let s = crate::train::step(&d, &m, &engine, &opts).unwrap();
        (d, opts, s)
    }

    #[test]
    fn state_bytes_are_the_steps_own_memory_per_parameter() {
        for (design, master) in [
            ("tpu-v3-mxu-like", true),
            ("tpu-v3-mxu-like", false),
            ("edge-8x8", true),
        ] {
            let (d, opts, s) = step_on(design, master);
            let b = state_bytes(&d, &opts);
            let p = s.memory.params;
            assert_eq!(p * b.weights, s.memory.weights, "{design}");
            assert_eq!(p * b.grads, s.memory.gradients, "{design}");
            assert_eq!(p * b.optimizer, s.memory.optimizer, "{design}");
        }
    }

    #[test]
    fn one_chip_holds_and_spends_what_the_step_does() {
        let (d, opts, s) = step_on("tpu-v3-mxu-like", true);
        let p = profile(&s, &d).unwrap();
        let hz = d.clock_mhz * 1e6;
        assert_eq!(p.forward_s, s.forward.cycles as f64 / hz);
        assert_eq!(p.batch_per_chip, 2);
        assert_eq!(p.gradients.len(), s.gradients_ready.len());
        let c = scaleout::preset("tpu-v4").unwrap();
        for zero in ZeroStage::ALL {
            let dp = data_parallel(&d, &opts, zero, Bucketing::DDP);
            let one = scaleout::step(&c, 1, &p, &dp).unwrap();
            assert_eq!(memory_per_chip(&s, &one), s.memory.peak as f64);
            let e = energy_pj(&s, 1, zero);
            assert!((e - s.total.energy_pj).abs() <= 1e-9 * e, "{e}");
            let eight = scaleout::step(&c, 8, &p, &dp).unwrap();
            assert!(memory_per_chip(&s, &eight) <= s.memory.peak as f64);
        }
        let e8 = energy_pj(&s, 8, ZeroStage::Gradients);
        let want = 8.0 * (s.forward.energy_pj + s.backward.energy_pj) + s.update.energy_pj;
        assert_eq!(e8, want);
    }

    #[test]
    fn buckets_from_mib() {
        assert_eq!(bucketing(None), Ok(Bucketing::DDP));
        assert_eq!(bucketing(Some(0.0)), Ok(Bucketing::SINGLE));
        assert_eq!(bucketing(Some(1.0)), Ok(Bucketing::uniform(1 << 20)));
        for bad in [-1.0, f64::NAN, 2.0 * MAX_BUCKET_MIB] {
            assert!(bucketing(Some(bad)).is_err(), "{bad}");
        }
    }
}
