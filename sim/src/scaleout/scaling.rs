//! Data-parallel scaling: one chip's training step (forward, backward with
//! its gradient timeline, update) replicated on n chips of a cluster, with
//! the gradient collectives overlapped with the backward pass, ZeRO's
//! partitioning, and the step time, throughput and efficiency that result.

use super::cluster::Cluster;
use super::collective::{Collective, Layout};
use super::overlap::{schedule, Bucketing, GradientReady};
use super::zero::{self, StateBytes, ZeroStage};
use crate::error::{InputError, Result};

/// One chip's training step, as the single-chip simulation measured it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepProfile {
    /// Seconds of the forward pass.
    pub forward_s: f64,
    /// Seconds of the backward pass (dX and dW of every layer).
    pub backward_s: f64,
    /// Seconds of the optimizer update of every parameter.
    pub update_s: f64,
    /// Samples each chip processes per step (the global batch is `chips`
    /// times this).
    pub batch_per_chip: u32,
    /// Each layer's gradients in backward order: when its dW finishes
    /// (seconds from the start of the backward pass) and its gradient
    /// bytes.
    pub gradients: Vec<GradientReady>,
    /// Parameters of the model (ZeRO memory and weight all-gathers).
    pub parameters: u64,
}

impl StepProfile {
    /// Refuses negative or non-finite times, a batch of 0, and gradients
    /// ready at a negative or non-finite time.
    pub fn check(&self) -> Result<()> {
        let bad = |field: &str, message: String| -> crate::SimError {
            InputError::new("systolic::scaleout::profile", "<step profile>", message)
                .field(field)
                .hint("times are finite seconds >= 0, measured on one chip")
                .into()
        };
        for (field, v) in [
            ("forward_s", self.forward_s),
            ("backward_s", self.backward_s),
            ("update_s", self.update_s),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(field, format!("{field} = {v} is not a time")));
            }
        }
        if self.batch_per_chip == 0 {
            return Err(bad("batch_per_chip", "a batch of 0 samples".into()));
        }
        if let Some((i, g)) = self
            .gradients
            .iter()
            .enumerate()
            .find(|(_, g)| !(g.time_s.is_finite() && g.time_s >= 0.0))
        {
            return Err(bad(
                "gradients",
                format!("gradient {i} is ready at {} s", g.time_s),
            ));
        }
        Ok(())
    }

    /// The backward pass's length: `backward_s`, or the last gradient's
    /// time if later.
    fn backward_len(&self) -> f64 {
        self.gradients
            .iter()
            .map(|g| g.time_s)
            .fold(self.backward_s, f64::max)
    }

    /// Step time on one chip with no communication: forward + backward +
    /// update.
    pub fn single_chip_s(&self) -> f64 {
        self.forward_s + self.backward_len() + self.update_s
    }
}

/// How the step is spread over the chips.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataParallel {
    /// Gradient buckets (DDP's by default).
    pub bucketing: Bucketing,
    /// ZeRO stage (DDP by default).
    pub zero: ZeroStage,
    /// Bytes per parameter of weights, gradients and optimizer state (mixed
    /// precision Adam by default).
    pub state: StateBytes,
}

impl Default for DataParallel {
    fn default() -> Self {
        DataParallel {
            bucketing: Bucketing::DDP,
            zero: ZeroStage::Ddp,
            state: StateBytes::of(zero::Optimizer::Adam, zero::Training::Mixed),
        }
    }
}

/// One row of a scaling table.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingPoint {
    /// Chips.
    pub chips: u32,
    /// How they are arranged.
    pub layout: Layout,
    /// Samples per step over all chips.
    pub global_batch: u64,
    /// Seconds per step.
    pub step_s: f64,
    /// Seconds of computation per step (forward + backward + update; the
    /// update on 1/n of the parameters from ZeRO stage 1 on).
    pub compute_s: f64,
    /// Seconds of every collective of the step, overlapped or not.
    pub comm_s: f64,
    /// Seconds the step is longer than its computation.
    pub exposed_comm_s: f64,
    /// Samples per second over all chips.
    pub samples_per_s: f64,
    /// Throughput per chip relative to one chip with no communication:
    /// `single_chip_s / step_s` (weak scaling: the batch per chip is fixed).
    pub efficiency: f64,
    /// Model-state bytes per chip (ZeRO).
    pub memory_per_chip_bytes: f64,
    /// Gradient buckets.
    pub buckets: usize,
}

/// One step of `profile` on `chips` chips of `cluster`.
///
/// - Stage 0 (DDP): the buckets are all-reduced as they fill, overlapped with
///   the backward pass; step = forward + max(backward, last all-reduce) +
///   update.
/// - Stages 1 and 2: the buckets are reduce-scattered instead; each chip
///   updates its 1/n of the parameters, then the weights are all-gathered:
///   step = forward + max(backward, last reduce-scatter) + update/n +
///   all-gather.
/// - Stage 3: the weights are all-gathered during the forward pass and again
///   during the backward pass; a pass cannot end before its gather does,
///   and the backward pass's gather holds the link before the buckets'
///   reduce-scatters: step = max(forward, gather) + max(backward, gather,
///   last reduce-scatter) + update/n.
pub fn step(
    cluster: &Cluster,
    chips: u32,
    profile: &StepProfile,
    dp: &DataParallel,
) -> Result<ScalingPoint> {
    profile.check()?;
    let group = cluster.group(chips)?;
    let n = f64::from(chips);
    let backward = profile.backward_len();
    let weights = profile.parameters.saturating_mul(dp.state.weights);
    let update = if dp.zero == ZeroStage::Ddp {
        profile.update_s
    } else {
        profile.update_s / n
    };
    let grads = &profile.gradients;
    let (step_s, comm_s, buckets) = match dp.zero {
        ZeroStage::Ddp => {
            let o = schedule(
                &group,
                Collective::AllReduce,
                grads,
                dp.bucketing,
                backward,
                f64::NEG_INFINITY,
            );
            let s = profile.forward_s + o.backward_end_s.max(o.comm_end_s) + update;
            (s, o.total_comm_s, o.buckets.len())
        }
        ZeroStage::Optimizer | ZeroStage::Gradients => {
            let o = schedule(
                &group,
                Collective::ReduceScatter,
                grads,
                dp.bucketing,
                backward,
                f64::NEG_INFINITY,
            );
            let gather = group.all_gather(weights);
            let s = profile.forward_s + o.backward_end_s.max(o.comm_end_s) + update + gather;
            (s, o.total_comm_s + gather, o.buckets.len())
        }
        ZeroStage::Parameters => {
            let gather = group.all_gather(weights);
            let forward_end = profile.forward_s.max(gather);
            let o = schedule(
                &group,
                Collective::ReduceScatter,
                grads,
                dp.bucketing,
                backward.max(gather),
                gather,
            );
            let s = forward_end + o.backward_end_s.max(o.comm_end_s) + update;
            (s, 2.0 * gather + o.total_comm_s, o.buckets.len())
        }
    };
    let compute_s = profile.forward_s + backward + update;
    let global_batch = u64::from(chips) * u64::from(profile.batch_per_chip);
    Ok(ScalingPoint {
        chips,
        layout: group.layout().clone(),
        global_batch,
        step_s,
        compute_s,
        comm_s,
        exposed_comm_s: (step_s - compute_s).max(0.0),
        samples_per_s: global_batch as f64 / step_s,
        efficiency: profile.single_chip_s() / step_s,
        memory_per_chip_bytes: zero::memory(dp.zero, profile.parameters, chips, dp.state).total(),
        buckets,
    })
}

/// [`step`] at each chip count, in order: the rows of a `--chips
/// 1,8,64,512,4096` table. The first bad count stops it with its error.
pub fn scaling(
    cluster: &Cluster,
    chips: &[u32],
    profile: &StepProfile,
    dp: &DataParallel,
) -> Result<Vec<ScalingPoint>> {
    chips
        .iter()
        .map(|&n| step(cluster, n, profile, dp))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaleout::{Interconnect, Link};

    /// A ring of 1 GB/s and no latency.
    fn ring() -> Cluster {
        Cluster {
            name: "ring".into(),
            description: String::new(),
            source: "test".into(),
            interconnect: Interconnect::Ring,
            chips_per_node: 1,
            max_chips: None,
            link: Link::new(1.0, 0.0),
            inter_node: None,
        }
    }

    /// Forward 10 ns, backward 20 ns (two layers of 4 B ready at 10 and 20
    /// ns), update 8 ns; 100 parameters; batch 2.
    fn profile() -> StepProfile {
        StepProfile {
            forward_s: 10e-9,
            backward_s: 20e-9,
            update_s: 8e-9,
            batch_per_chip: 2,
            gradients: vec![
                GradientReady {
                    time_s: 10e-9,
                    bytes: 4,
                },
                GradientReady {
                    time_s: 20e-9,
                    bytes: 4,
                },
            ],
            parameters: 100,
        }
    }

    fn per_layer(zero: ZeroStage) -> DataParallel {
        DataParallel {
            bucketing: Bucketing::PER_LAYER,
            zero,
            ..DataParallel::default()
        }
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-15, "{a} != {b}");
    }

    #[test]
    fn one_chip_is_the_single_chip_step() {
        for z in ZeroStage::ALL {
            let p = step(&ring(), 1, &profile(), &per_layer(z)).unwrap();
            close(p.step_s, 38e-9);
            assert_eq!(p.comm_s, 0.0);
            assert_eq!(p.exposed_comm_s, 0.0);
            close(p.efficiency, 1.0);
            close(p.samples_per_s, 2.0 / 38e-9);
        }
    }

    #[test]
    fn ddp_by_hand() {
        // 4 chips: all-reduce of 4 B = 2*3/4 * 4 ns = 6 ns. Bucket 1: 10 -> 16;
        // bucket 2: 20 -> 26. Step = 10 + 26 + 8 = 44 ns; exposed 6 ns.
        let p = step(&ring(), 4, &profile(), &per_layer(ZeroStage::Ddp)).unwrap();
        close(p.step_s, 44e-9);
        close(p.comm_s, 12e-9);
        close(p.exposed_comm_s, 6e-9);
        close(p.efficiency, 38.0 / 44.0);
        assert_eq!(p.global_batch, 8);
        assert_eq!(p.buckets, 2);
        assert_eq!(p.memory_per_chip_bytes, 1600.0);
    }

    #[test]
    fn zero_two_by_hand() {
        // Reduce-scatter of 4 B on 4 chips = 3 ns: 10 -> 13, 20 -> 23.
        // Update 8/4 = 2 ns; all-gather of 200 B of weights = 150 ns.
        // Step = 10 + 23 + 2 + 150 = 185 ns.
        let p = step(&ring(), 4, &profile(), &per_layer(ZeroStage::Gradients)).unwrap();
        close(p.step_s, 185e-9);
        close(p.compute_s, 32e-9);
        close(p.comm_s, 156e-9);
        close(p.exposed_comm_s, 153e-9);
        assert_eq!(p.memory_per_chip_bytes, 200.0 + 1400.0 / 4.0);
    }

    #[test]
    fn zero_three_by_hand() {
        // Gathers of 200 B = 150 ns each. Forward ends at max(10, 150) = 150.
        // Backward: link busy to 150 (from its start); reduce-scatters
        // 150 -> 153, 153 -> 156; backward ends at max(20, 150) = 150.
        // Step = 150 + 156 + 2 = 308 ns.
        let p = step(&ring(), 4, &profile(), &per_layer(ZeroStage::Parameters)).unwrap();
        close(p.step_s, 308e-9);
        close(p.comm_s, 306e-9);
        assert_eq!(p.memory_per_chip_bytes, 400.0);
    }

    #[test]
    fn tables_keep_the_order_and_stop_at_a_bad_count() {
        let rows = scaling(&ring(), &[1, 2, 8], &profile(), &DataParallel::default()).unwrap();
        assert_eq!(rows.iter().map(|r| r.chips).collect::<Vec<_>>(), [1, 2, 8]);
        assert!(scaling(&ring(), &[1, 0], &profile(), &DataParallel::default()).is_err());
    }

    #[test]
    fn bad_profiles_are_refused() {
        let mut p = profile();
        p.backward_s = f64::NAN;
        let e = step(&ring(), 2, &p, &DataParallel::default()).unwrap_err();
        assert!(e.to_string().contains("field `backward_s`"), "{e}");
        let mut p = profile();
        p.gradients[1].time_s = -1.0;
        assert!(step(&ring(), 2, &p, &DataParallel::default()).is_err());
        let mut p = profile();
        p.batch_per_chip = 0;
        assert!(step(&ring(), 2, &p, &DataParallel::default()).is_err());
    }
}
