//! Collective times by the α-β model (Thakur, Rabenseifner and Gropp 2005;
//! NCCL's tuning model): `n` chips of a cluster as a [`Group`] laid out the
//! way its interconnect dictates, and the seconds an all-reduce, a
//! reduce-scatter or an all-gather of `S` bytes takes on it.
//!
//! `S` is always the size of the whole buffer on one chip, as NCCL-tests
//! count it: the all-reduce's input (= output), the reduce-scatter's input,
//! the all-gather's output. α is a link's `latency_s`, B its `bytes_per_s`.

use super::cluster::{Cluster, Interconnect, Link, MAX_CHIPS};
use crate::error::{InputError, Result};

/// A collective operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collective {
    /// Every chip ends with the sum of every chip's buffer.
    AllReduce,
    /// Every chip ends with the sum of its own 1/n of the buffer.
    ReduceScatter,
    /// Every chip ends with every chip's 1/n of the buffer.
    AllGather,
}

impl Collective {
    /// `all-reduce`, `reduce-scatter`, `all-gather`.
    pub fn name(self) -> &'static str {
        match self {
            Collective::AllReduce => "all-reduce",
            Collective::ReduceScatter => "reduce-scatter",
            Collective::AllGather => "all-gather",
        }
    }

    /// Steps of a ring of `k` chips: `2(k-1)` for an all-reduce, `k-1` for
    /// the others.
    fn ring_steps(self, k: f64) -> f64 {
        match self {
            Collective::AllReduce => 2.0 * (k - 1.0),
            _ => k - 1.0,
        }
    }
}

impl std::fmt::Display for Collective {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How the chips of a [`Group`] are arranged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// One ring of all chips.
    Ring,
    /// A double binary tree over all chips.
    Tree,
    /// A torus with these side lengths (ascending; their product is the chip
    /// count).
    Torus(Vec<u32>),
    /// `nodes` nodes of `chips_per_node` chips.
    Hierarchical {
        /// Chips in each node.
        chips_per_node: u32,
        /// Nodes.
        nodes: u32,
    },
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Layout::Ring => f.write_str("ring"),
            Layout::Tree => f.write_str("tree"),
            Layout::Torus(d) => {
                let d: Vec<String> = d.iter().map(u32::to_string).collect();
                write!(f, "torus {}", d.join("x"))
            }
            Layout::Hierarchical {
                chips_per_node,
                nodes,
            } => write!(f, "{nodes} node(s) x {chips_per_node}"),
        }
    }
}

/// `chips` chips of one cluster, arranged for collectives: the value every
/// collective time is computed on. Made by [`Cluster::group`] (or
/// [`Cluster::torus`]), which checks the count once.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    chips: u32,
    layout: Layout,
    link: Link,
    inter_node: Option<Link>,
}

fn chips_error(message: String, help: String) -> crate::SimError {
    InputError::new("systolic::cluster::chips", "<command line>", message)
        .field("chips")
        .hint(help)
        .into()
}

/// The most nearly equal `dims` factors of `n` (smallest sum of `k - 1`,
/// which is the latency term), ascending.
pub fn torus_shape(n: u32, dims: usize) -> Vec<u32> {
    fn best(n: u32, dims: usize, min: u32) -> Option<(u32, Vec<u32>)> {
        if dims == 1 {
            return (n >= min).then(|| (n - 1, vec![n]));
        }
        let mut found: Option<(u32, Vec<u32>)> = None;
        let mut a = min.max(1);
        while u64::from(a).pow(dims as u32) <= u64::from(n) {
            if n.is_multiple_of(a) {
                if let Some((cost, mut rest)) = best(n / a, dims - 1, a) {
                    let cost = cost + a - 1;
                    if found.as_ref().is_none_or(|(c, _)| cost < *c) {
                        rest.insert(0, a);
                        found = Some((cost, rest));
                    }
                }
            }
            a += 1;
        }
        found
    }
    best(n, dims, 1)
        .map(|(_, d)| d)
        .expect("1 x ... x n always factors n")
}

impl Cluster {
    /// `chips` chips of this cluster, arranged as its interconnect dictates:
    /// a torus as the most nearly square or cubic shape ([`torus_shape`]); a
    /// hierarchical cluster as whole nodes (or part of one node, when
    /// `chips <= chips_per_node`). Refused: 0 chips, more than `max_chips`,
    /// a hierarchical count that does not fill whole nodes, or a cluster
    /// whose fields fail [`Cluster::check`].
    pub fn group(&self, chips: u32) -> Result<Group> {
        self.check_count(chips)?;
        let layout = match self.interconnect {
            Interconnect::Ring => Layout::Ring,
            Interconnect::Tree => Layout::Tree,
            Interconnect::Torus2d | Interconnect::Torus3d => {
                let dims = self.interconnect.torus_dims().expect("a torus");
                Layout::Torus(torus_shape(chips, dims))
            }
            Interconnect::Hierarchical => {
                let k = self.chips_per_node;
                if chips <= k {
                    Layout::Hierarchical {
                        chips_per_node: chips,
                        nodes: 1,
                    }
                } else if chips.is_multiple_of(k) {
                    Layout::Hierarchical {
                        chips_per_node: k,
                        nodes: chips / k,
                    }
                } else {
                    return Err(chips_error(
                        format!(
                            "{chips} chips do not fill whole nodes of {k} chips in cluster `{}`",
                            self.name
                        ),
                        format!("give at most {k} chips, or a multiple of {k}"),
                    ));
                }
            }
        };
        Ok(self.make(chips, layout))
    }

    /// A torus group of exactly these side lengths (e.g. TPU v4's `4x4x8`),
    /// for a `torus2d` or `torus3d` cluster.
    pub fn torus(&self, dims: &[u32]) -> Result<Group> {
        let Some(want) = self.interconnect.torus_dims() else {
            return Err(chips_error(
                format!(
                    "cluster `{}` is a {}, not a torus",
                    self.name, self.interconnect
                ),
                "give a chip count instead of torus sides".into(),
            ));
        };
        let product = dims.iter().try_fold(1u32, |p, &d| p.checked_mul(d));
        match product {
            Some(n) if dims.len() == want && dims.iter().all(|&d| d >= 1) => {
                self.check_count(n)?;
                let mut sorted = dims.to_vec();
                sorted.sort_unstable();
                Ok(self.make(n, Layout::Torus(sorted)))
            }
            _ => Err(chips_error(
                format!("{dims:?} is not a {want}-D torus shape of at most {MAX_CHIPS} chips"),
                format!("give {want} side lengths of at least 1"),
            )),
        }
    }

    fn check_count(&self, chips: u32) -> Result<()> {
        self.check()
            .map_err(|e| e.into_input(&format!("cluster `{}`", self.name), None))?;
        let max = self.max_chips.unwrap_or(MAX_CHIPS).min(MAX_CHIPS);
        if chips == 0 || chips > max {
            let help = if self.max_chips.is_some_and(|m| chips > m) {
                format!(
                    "`{}` joins at most {max} chips; beyond that use a cluster with an inter-node network (e.g. a hierarchical preset)",
                    self.name
                )
            } else {
                format!("give 1 to {max} chips")
            };
            return Err(chips_error(
                format!("{chips} chips is out of range for cluster `{}`", self.name),
                help,
            ));
        }
        Ok(())
    }

    fn make(&self, chips: u32, layout: Layout) -> Group {
        Group {
            chips,
            layout,
            link: self.link,
            inter_node: self.inter_node,
        }
    }
}

/// Ring time of `c` over `k` chips on `link` for `bytes`: `steps · α +
/// steps/k · S/B` with `steps` = 2(k−1) or k−1.
fn ring(c: Collective, k: f64, bytes: f64, link: &Link) -> f64 {
    let steps = c.ring_steps(k);
    steps * link.latency_s + steps / k * bytes / link.bytes_per_s
}

impl Group {
    /// Chips in the group.
    pub fn chips(&self) -> u32 {
        self.chips
    }

    /// How they are arranged.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Seconds `c` takes on `bytes` (the whole buffer on one chip; see the
    /// module docs). One chip costs 0. The formulas, with n chips:
    ///
    /// - ring: all-reduce `2(n−1)α + 2(n−1)/n · S/B`; reduce-scatter and
    ///   all-gather `(n−1)α + (n−1)/n · S/B`.
    /// - tree (NCCL's double binary tree, as its tuning model has it):
    ///   all-reduce `2⌊log2 n⌋α + 2 · S/B`; reduce-scatter and all-gather
    ///   run as rings.
    /// - torus with sides k1..kd (n = Πk): each dimension is a
    ///   bidirectional ring of two links per chip; the buffer is cut into d
    ///   parts, each reduce-scattered along the dimensions in turn starting
    ///   from a different one and all-gathered back, so all 2d links carry
    ///   data at once. all-reduce `Σ 2(ki−1)α + 2(n−1)/n · S/(2d'·B)`,
    ///   reduce-scatter and all-gather `Σ (ki−1)α + (n−1)/n · S/(2d'·B)`,
    ///   d' = the sides longer than 1. With one part (d' = 1 in the
    ///   bandwidth term) this is the plain X-then-Y algorithm.
    /// - hierarchical, k chips per node, m nodes, intra link (αi, Bi),
    ///   inter link (αe, Be per chip): all-reduce = reduce-scatter in the
    ///   node on S + all-reduce across nodes on S/k (k rings at once) +
    ///   all-gather in the node = `2(k−1)αi + 2(k−1)/k · S/Bi + 2(m−1)αe +
    ///   2(m−1)/m · S/(k·Be)`; reduce-scatter and all-gather keep one half of
    ///   each term.
    pub fn time(&self, c: Collective, bytes: u64) -> f64 {
        if self.chips <= 1 {
            return 0.0;
        }
        let s = bytes as f64;
        let n = f64::from(self.chips);
        match &self.layout {
            Layout::Ring => ring(c, n, s, &self.link),
            Layout::Tree => match c {
                Collective::AllReduce => {
                    2.0 * f64::from(self.chips.ilog2()) * self.link.latency_s
                        + 2.0 * s / self.link.bytes_per_s
                }
                _ => ring(c, n, s, &self.link),
            },
            Layout::Torus(dims) => {
                let steps: f64 = dims.iter().map(|&k| c.ring_steps(f64::from(k))).sum();
                let busy = dims.iter().filter(|&&k| k > 1).count() as f64;
                let per_step = c.ring_steps(n) / n;
                steps * self.link.latency_s + per_step * s / (2.0 * busy * self.link.bytes_per_s)
            }
            Layout::Hierarchical {
                chips_per_node,
                nodes,
            } => {
                let k = f64::from(*chips_per_node);
                let m = f64::from(*nodes);
                let inter = self
                    .inter_node
                    .as_ref()
                    .expect("a hierarchical group has an inter-node link (checked)");
                let half = match c {
                    Collective::AllReduce => Collective::ReduceScatter,
                    other => other,
                };
                let intra_part = match c {
                    Collective::AllReduce => 2.0 * ring(half, k, s, &self.link),
                    _ => ring(half, k, s, &self.link),
                };
                intra_part + ring(c, m, s / k, inter)
            }
        }
    }

    /// [`Group::time`] of an all-reduce.
    pub fn allreduce(&self, bytes: u64) -> f64 {
        self.time(Collective::AllReduce, bytes)
    }

    /// [`Group::time`] of a reduce-scatter.
    pub fn reduce_scatter(&self, bytes: u64) -> f64 {
        self.time(Collective::ReduceScatter, bytes)
    }

    /// [`Group::time`] of an all-gather.
    pub fn all_gather(&self, bytes: u64) -> f64 {
        self.time(Collective::AllGather, bytes)
    }

    /// NCCL-tests' bus bandwidth of `c` taking `seconds` on `bytes`: the
    /// algorithm bandwidth S/t times 2(n−1)/n (all-reduce) or (n−1)/n
    /// (reduce-scatter, all-gather), NCCL-tests doc/PERFORMANCE.md. Bytes per
    /// second; 0 for one chip.
    pub fn bus_bandwidth(&self, c: Collective, bytes: u64, seconds: f64) -> f64 {
        let n = f64::from(self.chips);
        bytes as f64 / seconds * c.ring_steps(n) / n
    }
}

/// Seconds of an all-reduce of `bytes` over `chips` chips of `cluster`
/// ([`Cluster::group`], [`Group::time`]).
pub fn allreduce_time(cluster: &Cluster, chips: u32, bytes: u64) -> Result<f64> {
    Ok(cluster.group(chips)?.allreduce(bytes))
}

/// Seconds of a reduce-scatter of `bytes` (each chip's input) over `chips`
/// chips of `cluster`.
pub fn reduce_scatter_time(cluster: &Cluster, chips: u32, bytes: u64) -> Result<f64> {
    Ok(cluster.group(chips)?.reduce_scatter(bytes))
}

/// Seconds of an all-gather of `bytes` (each chip's output) over `chips`
/// chips of `cluster`.
pub fn all_gather_time(cluster: &Cluster, chips: u32, bytes: u64) -> Result<f64> {
    Ok(cluster.group(chips)?.all_gather(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(interconnect: Interconnect, gbs: f64, us: f64) -> Cluster {
        Cluster {
            name: "t".into(),
            description: String::new(),
            source: "test".into(),
            interconnect,
            chips_per_node: 8,
            max_chips: None,
            link: Link::new(gbs, us),
            inter_node: (interconnect == Interconnect::Hierarchical).then(|| Link::new(10.0, 10.0)),
        }
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-9), "{a} != {b}");
    }

    #[test]
    fn ring_by_hand() {
        // 8 chips, 100 GB/s, 1 µs, 1 GB: 14 µs + 14/8 * 10 ms = 17.514 ms.
        let g = cluster(Interconnect::Ring, 100.0, 1.0).group(8).unwrap();
        close(g.allreduce(1_000_000_000), 14e-6 + 1.75 * 0.01);
        // Half of it for reduce-scatter and all-gather: 7 µs + 8.75 ms.
        close(g.reduce_scatter(1_000_000_000), 7e-6 + 0.875 * 0.01);
        close(g.all_gather(1_000_000_000), 7e-6 + 0.875 * 0.01);
    }

    #[test]
    fn tree_by_hand() {
        // 16 chips: 2 * 4 * 1 µs + 2 * 1 GB / 100 GB/s = 8 µs + 20 ms.
        let g = cluster(Interconnect::Tree, 100.0, 1.0).group(16).unwrap();
        close(g.allreduce(1_000_000_000), 8e-6 + 0.02);
        // 12 chips: floor(log2 12) = 3.
        let g = cluster(Interconnect::Tree, 100.0, 1.0).group(12).unwrap();
        close(g.allreduce(0), 6e-6);
        // Reduce-scatter is a ring: 15 µs + 15/16 * 10 ms.
        let g = cluster(Interconnect::Tree, 100.0, 1.0).group(16).unwrap();
        close(g.reduce_scatter(1_000_000_000), 15e-6 + 15.0 / 16.0 * 0.01);
    }

    #[test]
    fn torus_by_hand() {
        // 4x4 torus, 50 GB/s per link, 1 µs: latency 2*3 + 2*3 = 12 µs;
        // bandwidth 2*15/16 * 1 GB / (4 links * 50 GB/s) = 9.375 ms.
        let g = cluster(Interconnect::Torus2d, 50.0, 1.0).group(16).unwrap();
        assert_eq!(g.layout(), &Layout::Torus(vec![4, 4]));
        close(g.allreduce(1_000_000_000), 12e-6 + 1.875 / 200.0);
        // 4x4x4: latency 18 µs; bandwidth 2*63/64 / (6 * 50 GB/s).
        let g = cluster(Interconnect::Torus3d, 50.0, 1.0).group(64).unwrap();
        assert_eq!(g.layout(), &Layout::Torus(vec![4, 4, 4]));
        close(
            g.allreduce(1_000_000_000),
            18e-6 + 2.0 * 63.0 / 64.0 / 300.0,
        );
        // A prime count is a ring of 2 links per chip: 1x13.
        let g = cluster(Interconnect::Torus2d, 50.0, 1.0).group(13).unwrap();
        assert_eq!(g.layout(), &Layout::Torus(vec![1, 13]));
        close(
            g.allreduce(1_000_000_000),
            24e-6 + 2.0 * 12.0 / 13.0 / 100.0,
        );
    }

    #[test]
    fn the_plain_two_d_algorithm_has_the_ring_bandwidth_term() {
        // Reduce-scatter along X on S, all-reduce along Y on S/X, all-gather
        // along X: the bandwidth terms add up to 2(n-1)/n (module docs).
        let (x, y) = (4.0f64, 8.0f64);
        let n = x * y;
        let sum = 2.0 * (x - 1.0) / x + 2.0 * (y - 1.0) / y / x;
        close(sum, 2.0 * (n - 1.0) / n);
    }

    #[test]
    fn hierarchical_by_hand() {
        // 4 nodes x 8: intra 100 GB/s 1 µs, inter 10 GB/s 10 µs, 1 GB.
        // intra: 2*7 µs + 2*7/8 * 10 ms; inter: 2*3*10 µs + 2*3/4 * (1/8 GB)/10 GB/s.
        let g = cluster(Interconnect::Hierarchical, 100.0, 1.0)
            .group(32)
            .unwrap();
        let want = 14e-6 + 1.75 * 0.01 + 60e-6 + 1.5 * 0.0125;
        close(g.allreduce(1_000_000_000), want);
        let rs = 7e-6 + 0.875 * 0.01 + 30e-6 + 0.75 * 0.0125;
        close(g.reduce_scatter(1_000_000_000), rs);
        close(g.all_gather(1_000_000_000), rs);
    }

    #[test]
    fn hierarchical_counts_fill_nodes() {
        let c = cluster(Interconnect::Hierarchical, 100.0, 1.0);
        assert_eq!(
            c.group(4).unwrap().layout(),
            &Layout::Hierarchical {
                chips_per_node: 4,
                nodes: 1
            }
        );
        let e = c.group(12).unwrap_err().to_string();
        assert!(
            e.contains("field `chips`") && e.contains("do not fill whole nodes of 8"),
            "{e}"
        );
    }

    #[test]
    fn one_chip_costs_nothing_and_counts_are_checked() {
        for i in Interconnect::ALL {
            let g = cluster(i, 100.0, 1.0).group(1).unwrap();
            assert_eq!(g.allreduce(1 << 30), 0.0);
            assert_eq!(g.all_gather(1 << 30), 0.0);
        }
        let mut c = cluster(Interconnect::Ring, 100.0, 1.0);
        assert!(c.group(0).is_err());
        c.max_chips = Some(8);
        let e = c.group(9).unwrap_err();
        let crate::SimError::Input(i) = &e else {
            panic!("{e}")
        };
        assert!(i.help.as_deref().unwrap().contains("at most 8"), "{e}");
        c.link.bytes_per_s = f64::NAN;
        assert!(c.group(2).unwrap_err().to_string().contains("bandwidth"));
    }

    #[test]
    fn torus_shapes_are_most_nearly_equal() {
        assert_eq!(torus_shape(4096, 3), [16, 16, 16]);
        assert_eq!(torus_shape(512, 3), [8, 8, 8]);
        assert_eq!(torus_shape(128, 3), [4, 4, 8]);
        assert_eq!(torus_shape(8, 2), [2, 4]);
        assert_eq!(torus_shape(1, 3), [1, 1, 1]);
        assert_eq!(torus_shape(6144, 3), [16, 16, 24]);
        let c = cluster(Interconnect::Torus3d, 45.0, 1.0);
        assert_eq!(
            c.torus(&[8, 4, 4]).unwrap().layout(),
            &Layout::Torus(vec![4, 4, 8])
        );
        assert!(c.torus(&[4, 4]).is_err());
        assert!(cluster(Interconnect::Ring, 1.0, 1.0)
            .torus(&[2, 2])
            .is_err());
    }

    #[test]
    fn bus_bandwidth_is_nccl_tests_relation() {
        let g = cluster(Interconnect::Ring, 100.0, 0.0).group(4).unwrap();
        let t = g.allreduce(1_000_000_000);
        // No latency: the bus bandwidth is the link bandwidth exactly.
        close(
            g.bus_bandwidth(Collective::AllReduce, 1_000_000_000, t),
            100e9,
        );
        let t = g.all_gather(1_000_000_000);
        close(
            g.bus_bandwidth(Collective::AllGather, 1_000_000_000, t),
            100e9,
        );
    }
}
