//! Gradient buckets overlapped with the backward pass, as PyTorch DDP and
//! Horovod do it: gradients are packed into buckets in the order the
//! backward pass produces them; a bucket's collective starts when its last
//! gradient is ready and the previous bucket's collective has finished
//! (one at a time, in order); what runs past the end of the backward pass is
//! exposed.

use super::collective::{Collective, Group};
use std::ops::Range;

/// One layer's gradients becoming ready in the backward pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientReady {
    /// When the layer's dW finishes, in seconds from the start of the
    /// backward pass.
    pub time_s: f64,
    /// Bytes of the gradients it produces (as the collective sends them,
    /// e.g. 2 per parameter in fp16).
    pub bytes: u64,
}

/// How gradients are packed into buckets. A bucket takes gradients (in
/// backward order) until its size reaches its cap; the gradient that crosses
/// the cap stays in it, so a bucket may exceed its cap (PyTorch's
/// `compute_bucket_assignment_by_size`, `torch/csrc/distributed/c10d/reducer.cpp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucketing {
    /// Cap of the first bucket (the first gradients of the backward pass).
    pub first_bucket_bytes: u64,
    /// Cap of every later bucket.
    pub bucket_bytes: u64,
}

/// PyTorch DDP's default bucket cap: `bucket_cap_mb = 25`, i.e. 25 MiB
/// (`kDefaultBucketBytesCap = 25 * 1024 * 1024`,
/// `torch/csrc/distributed/c10d/reducer.hpp`).
pub const DDP_BUCKET_BYTES: u64 = 25 * 1024 * 1024;
/// PyTorch DDP's first bucket: 1 MiB (`kDefaultFirstBucketBytes`), so the
/// first gradients start their all-reduce early.
pub const DDP_FIRST_BUCKET_BYTES: u64 = 1024 * 1024;

impl Bucketing {
    /// PyTorch DDP's defaults: a 1 MiB first bucket, then 25 MiB buckets.
    pub const DDP: Bucketing = Bucketing {
        first_bucket_bytes: DDP_FIRST_BUCKET_BYTES,
        bucket_bytes: DDP_BUCKET_BYTES,
    };

    /// Every bucket capped at `bytes` (Horovod's tensor fusion threshold,
    /// or DDP with its first bucket set to the same cap).
    pub fn uniform(bytes: u64) -> Bucketing {
        Bucketing {
            first_bucket_bytes: bytes,
            bucket_bytes: bytes,
        }
    }

    /// One bucket of every gradient, reduced after the whole backward pass:
    /// TensorFlow's MirroredStrategy, whose default `NcclAllReduce(num_packs=1)`
    /// packs all gradients into one all-reduce when the optimizer applies
    /// them.
    pub const SINGLE: Bucketing = Bucketing {
        first_bucket_bytes: u64::MAX,
        bucket_bytes: u64::MAX,
    };

    /// One bucket per layer.
    pub const PER_LAYER: Bucketing = Bucketing {
        first_bucket_bytes: 1,
        bucket_bytes: 1,
    };

    /// The layers of each bucket, in order: `grads` split as described on
    /// [`Bucketing`]. Layers with no gradient bytes join whichever bucket is
    /// open.
    pub fn assign(&self, grads: &[GradientReady]) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let (mut start, mut size) = (0usize, 0u64);
        for (i, g) in grads.iter().enumerate() {
            size = size.saturating_add(g.bytes);
            let cap = if out.is_empty() {
                self.first_bucket_bytes
            } else {
                self.bucket_bytes
            };
            if size >= cap && g.bytes > 0 {
                out.push(start..i + 1);
                start = i + 1;
                size = 0;
            }
        }
        if start < grads.len() {
            out.push(start..grads.len());
        }
        out
    }
}

/// One bucket's collective on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// Indices into the gradient list.
    pub layers: Range<usize>,
    /// Bytes reduced.
    pub bytes: u64,
    /// When its last gradient is ready.
    pub ready_s: f64,
    /// When its collective starts.
    pub start_s: f64,
    /// When its collective ends.
    pub end_s: f64,
}

/// The buckets of one backward pass and what they cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap {
    /// The buckets in the order they run.
    pub buckets: Vec<Bucket>,
    /// When the backward pass ends (at least when its last gradient is ready).
    pub backward_end_s: f64,
    /// When the last collective ends (0 with no buckets).
    pub comm_end_s: f64,
    /// Sum of the collectives' durations.
    pub total_comm_s: f64,
    /// Communication left after the backward pass: `max(0, comm_end −
    /// backward_end)`; never more than `total_comm_s`.
    pub exposed_comm_s: f64,
}

/// Collectives of `kind` on the buckets of `grads` over `group`, starting no
/// earlier than `link_free_s` (when the link is free of earlier work), with
/// the backward pass ending at `backward_end_s` (raised to the last ready
/// time if earlier). Times are seconds on the clock of `grads`.
pub fn schedule(
    group: &Group,
    kind: Collective,
    grads: &[GradientReady],
    bucketing: Bucketing,
    backward_end_s: f64,
    link_free_s: f64,
) -> Overlap {
    let mut free = link_free_s;
    let mut total = 0.0;
    let mut buckets = Vec::new();
    let mut last_ready = f64::NEG_INFINITY;
    for layers in bucketing.assign(grads) {
        let part = &grads[layers.clone()];
        let bytes = part.iter().fold(0u64, |a, g| a.saturating_add(g.bytes));
        let ready = part
            .iter()
            .map(|g| g.time_s)
            .fold(f64::NEG_INFINITY, f64::max);
        last_ready = last_ready.max(ready);
        let start = ready.max(free);
        let duration = group.time(kind, bytes);
        free = start + duration;
        total += duration;
        buckets.push(Bucket {
            layers,
            bytes,
            ready_s: ready,
            start_s: start,
            end_s: free,
        });
    }
    let backward_end_s = backward_end_s.max(last_ready);
    let comm_end_s = buckets.last().map_or(0.0, |b| b.end_s);
    Overlap {
        buckets,
        backward_end_s,
        comm_end_s,
        total_comm_s: total,
        exposed_comm_s: (comm_end_s - backward_end_s).max(0.0),
    }
}

/// DDP's overlap: all-reduces of the buckets of `grads` over `group`, the
/// backward pass ending at `backward_end_s` ([`schedule`] with a free link).
pub fn overlap(
    group: &Group,
    grads: &[GradientReady],
    bucketing: Bucketing,
    backward_end_s: f64,
) -> Overlap {
    schedule(
        group,
        Collective::AllReduce,
        grads,
        bucketing,
        backward_end_s,
        f64::NEG_INFINITY,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaleout::{Cluster, Interconnect, Link};

    /// 2 chips on a ring of 1 GB/s with no latency: an all-reduce of S bytes
    /// takes 2(n-1)/n S/B = S ns.
    fn pair() -> Group {
        Cluster {
            name: "pair".into(),
            description: String::new(),
            source: "test".into(),
            interconnect: Interconnect::Ring,
            chips_per_node: 2,
            max_chips: None,
            link: Link::new(1.0, 0.0),
            inter_node: None,
        }
        .group(2)
        .unwrap()
    }

    fn g(time_s: f64, bytes: u64) -> GradientReady {
        GradientReady { time_s, bytes }
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn buckets_close_when_they_reach_the_cap() {
        let grads = [g(0.0, 4), g(0.0, 4), g(0.0, 10), g(0.0, 1), g(0.0, 1)];
        // First cap 4, then 8: [4] [4 10] [1 1].
        let b = Bucketing {
            first_bucket_bytes: 4,
            bucket_bytes: 8,
        };
        assert_eq!(b.assign(&grads), [0..1, 1..3, 3..5]);
        let one = Bucketing::SINGLE.assign(&grads);
        assert_eq!((one.len(), &one[0]), (1, &(0..5)));
        assert_eq!(Bucketing::PER_LAYER.assign(&grads).len(), 5);
        assert!(Bucketing::DDP.assign(&[]).is_empty());
        // A gradient-free layer joins the open bucket.
        let joined = Bucketing::uniform(4).assign(&[g(0.0, 0), g(0.0, 4)]);
        assert_eq!((joined.len(), &joined[0]), (1, &(0..2)));
    }

    #[test]
    fn hand_worked_overlap() {
        // Layers ready at 1, 2, 3, 4 ns with 3, 3, 3, 3 bytes; cap 6 bytes:
        // buckets [0,1] (6 B, ready 2) and [2,3] (6 B, ready 4).
        // Bucket 1: 2 -> 8 ns; bucket 2: ready 4, link free at 8 -> 14 ns.
        // Backward ends at 5 ns: exposed 9 ns of 12 ns.
        let grads = [g(1e-9, 3), g(2e-9, 3), g(3e-9, 3), g(4e-9, 3)];
        let o = overlap(&pair(), &grads, Bucketing::uniform(6), 5e-9);
        assert_eq!(o.buckets.len(), 2);
        close(o.buckets[0].start_s, 2e-9);
        close(o.buckets[0].end_s, 8e-9);
        close(o.buckets[1].ready_s, 4e-9);
        close(o.buckets[1].start_s, 8e-9);
        close(o.buckets[1].end_s, 14e-9);
        close(o.total_comm_s, 12e-9);
        close(o.exposed_comm_s, 9e-9);
    }

    #[test]
    fn comm_hidden_behind_a_long_backward() {
        // Small buckets, long gaps: every all-reduce ends before the next
        // gradient; only the last bucket's 2 ns stick out past 30 ns.
        let grads = [g(10e-9, 2), g(20e-9, 2), g(30e-9, 2)];
        let o = overlap(&pair(), &grads, Bucketing::PER_LAYER, 30e-9);
        close(o.buckets[0].end_s, 12e-9);
        close(o.buckets[1].start_s, 20e-9);
        close(o.total_comm_s, 6e-9);
        close(o.exposed_comm_s, 2e-9);
        // One bucket after the backward: everything is exposed.
        let o = overlap(&pair(), &grads, Bucketing::SINGLE, 30e-9);
        close(o.exposed_comm_s, 6e-9);
        close(o.exposed_comm_s, o.total_comm_s);
    }

    #[test]
    fn a_busy_link_delays_the_first_bucket() {
        let grads = [g(1e-9, 2)];
        let o = schedule(
            &pair(),
            Collective::AllReduce,
            &grads,
            Bucketing::DDP,
            1e-9,
            5e-9,
        );
        close(o.buckets[0].start_s, 5e-9);
        close(o.exposed_comm_s, 6e-9);
    }

    #[test]
    fn the_backward_end_is_at_least_the_last_gradient() {
        let o = overlap(&pair(), &[g(7e-9, 1)], Bucketing::DDP, 0.0);
        close(o.backward_end_s, 7e-9);
        close(o.exposed_comm_s, 1e-9);
    }
}
