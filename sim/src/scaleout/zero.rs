//! ZeRO (Rajbhandari et al., "ZeRO: Memory Optimizations Toward Training
//! Trillion Parameter Models", SC 2020): the model states each chip keeps
//! at each stage, and the collectives each stage needs per step.
//!
//! Ψ parameters on N chips. Per parameter a chip keeps `w` bytes of
//! weights, `g` bytes of gradients and `K` bytes of optimizer state
//! ([`StateBytes`]). Stage 0 (plain data parallelism, DDP) keeps all of it
//! on every chip; stage 1 partitions the optimizer state, stage 2 also the
//! gradients, stage 3 also the weights:
//!
//! | stage | bytes per chip |
//! |---|---|
//! | 0 | (w + g + K)Ψ |
//! | 1 | (w + g)Ψ + KΨ/N |
//! | 2 | wΨ + (g + K)Ψ/N |
//! | 3 | (w + g + K)Ψ/N |
//!
//! Activations and temporary buffers are not counted.

use super::collective::Collective;

/// The optimizer, which fixes the state kept per parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Optimizer {
    /// Plain SGD: no state of its own.
    Sgd,
    /// SGD with momentum: one momentum value per parameter.
    Momentum,
    /// Adam: first and second moments per parameter.
    Adam,
}

/// How training stores numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Training {
    /// Mixed precision (Micikevicius et al. 2018, as ZeRO assumes): fp16 or
    /// bf16 weights and gradients, an fp32 master copy of the weights and
    /// fp32 optimizer state.
    Mixed,
    /// Everything in fp32: weights, gradients and optimizer state; no master
    /// copy.
    Fp32,
}

/// Bytes a chip keeps per parameter, before any partitioning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateBytes {
    /// Weights the forward and backward passes read (2 in mixed precision).
    pub weights: u64,
    /// Gradients (2 in mixed precision).
    pub grads: u64,
    /// Optimizer state, ZeRO's K: in mixed precision the fp32 master weights
    /// (4) plus the fp32 moments (4 each).
    pub optimizer: u64,
}

impl StateBytes {
    /// The bytes per parameter of `optimizer` under `training`:
    ///
    /// | | weights | grads | K (mixed: master 4 + moments) |
    /// |---|---|---|---|
    /// | mixed, SGD | 2 | 2 | 4 (master) |
    /// | mixed, momentum | 2 | 2 | 8 (master + momentum) |
    /// | mixed, Adam | 2 | 2 | 12 (master + m + v), ZeRO's K = 12 |
    /// | fp32, SGD | 4 | 4 | 0 |
    /// | fp32, momentum | 4 | 4 | 4 |
    /// | fp32, Adam | 4 | 4 | 8 |
    pub fn of(optimizer: Optimizer, training: Training) -> StateBytes {
        let moments = match optimizer {
            Optimizer::Sgd => 0,
            Optimizer::Momentum => 4,
            Optimizer::Adam => 8,
        };
        match training {
            Training::Mixed => StateBytes {
                weights: 2,
                grads: 2,
                optimizer: 4 + moments,
            },
            Training::Fp32 => StateBytes {
                weights: 4,
                grads: 4,
                optimizer: moments,
            },
        }
    }
}

/// A ZeRO stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ZeroStage {
    /// No partitioning: DDP.
    Ddp,
    /// Optimizer state partitioned (P_os).
    Optimizer,
    /// Optimizer state and gradients partitioned (P_os+g).
    Gradients,
    /// Optimizer state, gradients and weights partitioned (P_os+g+p).
    Parameters,
}

impl ZeroStage {
    /// Stages 0 to 3 in order.
    pub const ALL: [ZeroStage; 4] = [
        ZeroStage::Ddp,
        ZeroStage::Optimizer,
        ZeroStage::Gradients,
        ZeroStage::Parameters,
    ];

    /// The stage numbered `n` (0 to 3).
    pub fn from_number(n: u8) -> Option<ZeroStage> {
        ZeroStage::ALL.get(usize::from(n)).copied()
    }

    /// The stage's number, 0 to 3.
    pub fn number(self) -> u8 {
        self as u8
    }
}

/// Bytes of model state on one chip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZeroMemory {
    /// Weights.
    pub weights: f64,
    /// Gradients.
    pub grads: f64,
    /// Optimizer state.
    pub optimizer: f64,
}

impl ZeroMemory {
    /// All of it.
    pub fn total(&self) -> f64 {
        self.weights + self.grads + self.optimizer
    }
}

/// Model-state bytes per chip for `params` parameters at `stage` on `chips`
/// chips (the table in the module docs). `chips` of 0 counts as 1.
pub fn memory(stage: ZeroStage, params: u64, chips: u32, bytes: StateBytes) -> ZeroMemory {
    let p = params as f64;
    let n = f64::from(chips.max(1));
    let share = |partitioned: bool, per_param: u64| {
        let all = per_param as f64 * p;
        if partitioned {
            all / n
        } else {
            all
        }
    };
    ZeroMemory {
        weights: share(stage >= ZeroStage::Parameters, bytes.weights),
        grads: share(stage >= ZeroStage::Gradients, bytes.grads),
        optimizer: share(stage >= ZeroStage::Optimizer, bytes.optimizer),
    }
}

/// Where in the step a collective runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// During the forward pass (gathering weights before each layer).
    Forward,
    /// During the backward pass (gathering weights, reducing gradients).
    Backward,
    /// After the optimizer update (gathering the updated weights).
    AfterUpdate,
}

/// One collective of a ZeRO step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepCollective {
    /// Which collective.
    pub collective: Collective,
    /// Bytes (the whole buffer on one chip, as [`super::Group::time`] takes it).
    pub bytes: u64,
    /// When it runs.
    pub phase: Phase,
}

/// The collectives of one training step at `stage` for `params` parameters
/// (ZeRO §7): stage 0 all-reduces the gradients; stages 1 and 2
/// reduce-scatter the gradients in the backward pass (each chip keeps the
/// sums for its own partition) and all-gather the updated weights after the
/// update; stage 3 all-gathers the weights in the forward pass and again in
/// the backward pass and reduce-scatters the gradients.
pub fn collectives(stage: ZeroStage, params: u64, bytes: StateBytes) -> Vec<StepCollective> {
    let grads = params.saturating_mul(bytes.grads);
    let weights = params.saturating_mul(bytes.weights);
    let c = |collective, bytes, phase| StepCollective {
        collective,
        bytes,
        phase,
    };
    match stage {
        ZeroStage::Ddp => vec![c(Collective::AllReduce, grads, Phase::Backward)],
        ZeroStage::Optimizer | ZeroStage::Gradients => vec![
            c(Collective::ReduceScatter, grads, Phase::Backward),
            c(Collective::AllGather, weights, Phase::AfterUpdate),
        ],
        ZeroStage::Parameters => vec![
            c(Collective::AllGather, weights, Phase::Forward),
            c(Collective::AllGather, weights, Phase::Backward),
            c(Collective::ReduceScatter, grads, Phase::Backward),
        ],
    }
}

/// Bytes one chip sends in a step's collectives on `chips` chips with
/// bandwidth-optimal algorithms: 2(n−1)/n·S per all-reduce, (n−1)/n·S per
/// reduce-scatter or all-gather. Stages 0–2 send the same; stage 3 sends
/// 1.5 times as much (ZeRO §7.2.2) when weights and gradients have the same
/// width.
pub fn volume(stage: ZeroStage, params: u64, chips: u32, bytes: StateBytes) -> f64 {
    let n = f64::from(chips.max(1));
    collectives(stage, params, bytes)
        .iter()
        .map(|c| {
            let factor = match c.collective {
                Collective::AllReduce => 2.0 * (n - 1.0) / n,
                _ => (n - 1.0) / n,
            };
            factor * c.bytes as f64
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADAM: StateBytes = StateBytes {
        weights: 2,
        grads: 2,
        optimizer: 12,
    };

    #[test]
    fn optimizer_state_per_parameter() {
        assert_eq!(StateBytes::of(Optimizer::Adam, Training::Mixed), ADAM);
        assert_eq!(StateBytes::of(Optimizer::Sgd, Training::Mixed).optimizer, 4);
        assert_eq!(
            StateBytes::of(Optimizer::Momentum, Training::Mixed).optimizer,
            8
        );
        let fp32 = StateBytes::of(Optimizer::Adam, Training::Fp32);
        assert_eq!((fp32.weights, fp32.grads, fp32.optimizer), (4, 4, 8));
        assert_eq!(StateBytes::of(Optimizer::Sgd, Training::Fp32).optimizer, 0);
    }

    #[test]
    fn the_papers_figure_1_example() {
        // ZeRO Figure 1: Ψ = 7.5 B, N = 64, K = 12: 120 GB, 31.4 GB,
        // 16.6 GB, 1.9 GB per device.
        let psi = 7_500_000_000;
        let gb = |s| memory(s, psi, 64, ADAM).total() / 1e9;
        assert!((gb(ZeroStage::Ddp) - 120.0).abs() < 0.05);
        assert!((gb(ZeroStage::Optimizer) - 31.4).abs() < 0.05);
        assert!((gb(ZeroStage::Gradients) - 16.6).abs() < 0.05);
        assert!((gb(ZeroStage::Parameters) - 1.9).abs() < 0.05);
    }

    #[test]
    fn stages_by_hand() {
        // 1000 params, 4 chips, Adam mixed: 16000; 4000 + 3000; 2000 + 3500; 4000.
        let m = |s| memory(s, 1000, 4, ADAM);
        assert_eq!(m(ZeroStage::Ddp).total(), 16000.0);
        assert_eq!(m(ZeroStage::Optimizer).total(), 7000.0);
        assert_eq!(m(ZeroStage::Gradients).total(), 5500.0);
        assert_eq!(m(ZeroStage::Parameters).total(), 4000.0);
        assert_eq!(m(ZeroStage::Gradients).weights, 2000.0);
    }

    #[test]
    fn stage_three_sends_half_again_as_much() {
        let v = |s| volume(s, 1_000_000, 8, ADAM);
        assert_eq!(v(ZeroStage::Ddp), v(ZeroStage::Optimizer));
        assert_eq!(v(ZeroStage::Ddp), v(ZeroStage::Gradients));
        assert!((v(ZeroStage::Parameters) / v(ZeroStage::Ddp) - 1.5).abs() < 1e-12);
        assert_eq!(volume(ZeroStage::Parameters, 1_000_000, 1, ADAM), 0.0);
    }

    #[test]
    fn stage_numbers() {
        for (i, s) in ZeroStage::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(s.number()), i);
            assert_eq!(ZeroStage::from_number(i as u8), Some(s));
        }
        assert_eq!(ZeroStage::from_number(4), None);
        assert_eq!(
            collectives(ZeroStage::Gradients, 10, ADAM)[1],
            StepCollective {
                collective: Collective::AllGather,
                bytes: 20,
                phase: Phase::AfterUpdate
            }
        );
    }
}
