//! The points of a sweep: axes, the fixed enumeration order of a grid, seeded
//! random draws, and the design of each point (a variant of the base design).

use serde::{Deserialize, Serialize};
use sim::design::{Dataflow, Design, DesignParams};
use sim::error::Result;
use sim::precision::Precision;
use sim::sparsity::Sparsity;

/// A numeric axis: a list of values, or (sampled sweeps only) a range.
#[derive(Debug, Clone, PartialEq)]
pub enum Axis<T> {
    /// These values, in this order.
    Values(Vec<T>),
    /// Values drawn from a range.
    Range(Range),
}

/// A range of axis values: `min, min + step, ... <= max` (step 1 by
/// default), or with `log2 = true`: `min, 2 min, 4 min, ... <= max`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Smallest value.
    pub min: f64,
    /// Largest value allowed.
    pub max: f64,
    /// Distance between values (default 1).
    #[serde(default)]
    pub step: Option<f64>,
    /// Powers of two times `min` instead of steps.
    #[serde(default)]
    pub log2: bool,
}

impl Range {
    /// Number of values (saturating at `u64::MAX` for a step too small to
    /// count, which validation refuses).
    pub fn len(&self) -> u64 {
        let n = if self.log2 {
            (self.max / self.min).log2()
        } else {
            (self.max - self.min) / self.step.unwrap_or(1.0)
        };
        if !n.is_finite() || n >= u64::MAX as f64 {
            return u64::MAX;
        }
        ((n + 1e-9).floor() as u64).saturating_add(1)
    }

    /// Whether the range has no value (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k`-th value (`k < len`).
    pub fn value(&self, k: u64) -> f64 {
        if self.log2 {
            self.min * 2f64.powi(k as i32)
        } else {
            self.min + k as f64 * self.step.unwrap_or(1.0)
        }
    }
}

/// Conversion of a range value to an axis's type.
pub trait AxisValue: Copy {
    /// The value `x` of a validated range.
    fn from_range(x: f64) -> Self;
}

impl AxisValue for u32 {
    fn from_range(x: f64) -> u32 {
        x as u32
    }
}

impl AxisValue for f64 {
    fn from_range(x: f64) -> f64 {
        x
    }
}

impl<T: AxisValue> Axis<T> {
    /// Number of values.
    pub fn len(&self) -> u64 {
        match self {
            Axis::Values(v) => v.len() as u64,
            Axis::Range(r) => r.len(),
        }
    }

    /// Whether the axis has no value (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k`-th value.
    pub fn get(&self, k: u64) -> T {
        match self {
            Axis::Values(v) => v[k as usize],
            Axis::Range(r) => T::from_range(r.value(k)),
        }
    }
}

/// Every axis of a sweep, in enumeration order (the last varies fastest).
#[derive(Debug, Clone, PartialEq)]
pub struct Axes {
    /// PE rows.
    pub rows: Axis<u32>,
    /// PE columns.
    pub cols: Axis<u32>,
    /// Dataflows.
    pub dataflow: Vec<Dataflow>,
    /// Operand precisions.
    pub operand: Vec<Precision>,
    /// ifmap SRAM, KiB.
    pub ifmap_sram_kib: Axis<f64>,
    /// filter SRAM, KiB.
    pub filter_sram_kib: Axis<f64>,
    /// ofmap SRAM, KiB.
    pub ofmap_sram_kib: Axis<f64>,
    /// DRAM bandwidth, bytes per cycle.
    pub dram_bandwidth: Axis<f64>,
    /// Clock, MHz.
    pub clock_mhz: Axis<f64>,
    /// N:M weight sparsity (`None`: dense). Sparse patterns need the ws
    /// dataflow and rows a multiple of N: [`Allowed`] leaves out the
    /// combinations the design check refuses.
    pub sparsity: Vec<Option<Sparsity>>,
}

/// Axes of a point, in enumeration order.
const AXES: usize = 10;
/// Where the axes the design check couples (rows, dataflow, sparsity)
/// stand in enumeration order; cols lies between rows and dataflow, operand
/// to clock between dataflow and sparsity.
const ROWS: usize = 0;
const COLS: usize = 1;
const DATAFLOW: usize = 2;
const SPARSITY: usize = 9;

impl Axes {
    fn lens(&self) -> [u64; AXES] {
        [
            self.rows.len(),
            self.cols.len(),
            self.dataflow.len() as u64,
            self.operand.len() as u64,
            self.ifmap_sram_kib.len(),
            self.filter_sram_kib.len(),
            self.ofmap_sram_kib.len(),
            self.dram_bandwidth.len(),
            self.clock_mhz.len(),
            self.sparsity.len() as u64,
        ]
    }

    /// Combinations of the axes' values, `None` past 2^64: the grid before
    /// the design check leaves any out ([`Allowed::size`] counts its points).
    pub fn try_grid_size(&self) -> Option<u64> {
        self.lens().iter().try_fold(1u64, |a, &n| a.checked_mul(n))
    }

    /// The first axis given as a range, if any.
    pub fn first_range(&self) -> Option<&'static str> {
        let named = [
            ("rows", matches!(self.rows, Axis::Range(_))),
            ("cols", matches!(self.cols, Axis::Range(_))),
            (
                "ifmap_sram_kib",
                matches!(self.ifmap_sram_kib, Axis::Range(_)),
            ),
            (
                "filter_sram_kib",
                matches!(self.filter_sram_kib, Axis::Range(_)),
            ),
            (
                "ofmap_sram_kib",
                matches!(self.ofmap_sram_kib, Axis::Range(_)),
            ),
            (
                "dram_bandwidth_bytes_per_cycle",
                matches!(self.dram_bandwidth, Axis::Range(_)),
            ),
            ("clock_mhz", matches!(self.clock_mhz, Axis::Range(_))),
        ];
        named.iter().find(|(_, r)| *r).map(|(n, _)| *n)
    }

    fn point(&self, index: u64, k: [u64; AXES]) -> Point {
        Point {
            index,
            rows: self.rows.get(k[0]),
            cols: self.cols.get(k[1]),
            dataflow: self.dataflow[k[2] as usize],
            operand: self.operand[k[3] as usize],
            ifmap_sram_kib: self.ifmap_sram_kib.get(k[4]),
            filter_sram_kib: self.filter_sram_kib.get(k[5]),
            ofmap_sram_kib: self.ofmap_sram_kib.get(k[6]),
            dram_bandwidth: self.dram_bandwidth.get(k[7]),
            clock_mhz: self.clock_mhz.get(k[8]),
            sparsity: self.sparsity[k[9] as usize],
        }
    }
}

/// The combinations of rows, dataflow and sparsity the design check
/// accepts (sparse weights need the ws dataflow and rows a multiple of N),
/// and the points they leave: the grid's combinations in enumeration order,
/// the refused ones left out, numbered from 0. Every other axis combines
/// freely, so when nothing is refused point `g` is grid combination `g` (a
/// mixed-radix number, the last axis fastest).
#[derive(Debug, Clone, PartialEq)]
pub struct Allowed {
    /// `pairs[r][d]`: the indices into [`Axes::sparsity`] the design check
    /// accepts with the `r`-th rows value and the `d`-th dataflow, in order.
    pairs: Vec<Vec<Vec<u32>>>,
    /// The first point of each rows value, then the number of points
    /// (`None` past 2^64, which validation refuses for a grid).
    starts: Option<Vec<u64>>,
    /// Values of the cols axis.
    cols: u64,
    /// Combinations of the axes between dataflow and sparsity.
    inner: u64,
    /// Combinations of the axes the design check refuses (`None` past
    /// 2^128).
    left_out: Option<u128>,
}

impl Allowed {
    /// Asks `accepts` about every combination of a rows value (every value
    /// of a range), a dataflow and a sparsity value of `axes`.
    pub fn new(
        axes: &Axes,
        mut accepts: impl FnMut(u32, Dataflow, Option<Sparsity>) -> bool,
    ) -> Allowed {
        let lens = axes.lens();
        let pairs: Vec<Vec<Vec<u32>>> = (0..lens[ROWS])
            .map(|r| {
                let rows = axes.rows.get(r);
                axes.dataflow
                    .iter()
                    .map(|&d| {
                        (0..axes.sparsity.len() as u32)
                            .filter(|&s| accepts(rows, d, axes.sparsity[s as usize]))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let product = |ns: &[u64]| {
            ns.iter()
                .try_fold(1u128, |a, &n| a.checked_mul(u128::from(n)))
        };
        let inner = product(&lens[DATAFLOW + 1..SPARSITY]);
        let per_pattern = inner.and_then(|i| i.checked_mul(u128::from(lens[COLS])));
        let mut starts = Vec::with_capacity(pairs.len() + 1);
        let mut at = Some(0u128);
        for by_dataflow in &pairs {
            starts.push(at.and_then(|a| u64::try_from(a).ok()));
            let patterns: u128 = by_dataflow.iter().map(|s| s.len() as u128).sum();
            at = at
                .zip(per_pattern.and_then(|p| p.checked_mul(patterns)))
                .and_then(|(a, b)| a.checked_add(b));
        }
        starts.push(at.and_then(|a| u64::try_from(a).ok()));
        let left_out = product(&lens).zip(at).map(|(all, kept)| all - kept);
        Allowed {
            pairs,
            starts: starts.into_iter().collect(),
            cols: lens[COLS],
            inner: inner
                .and_then(|i| u64::try_from(i).ok())
                .unwrap_or(u64::MAX),
            left_out,
        }
    }

    /// Points of the grid the design check leaves, `None` past 2^64.
    pub fn size(&self) -> Option<u64> {
        self.starts.as_ref().and_then(|s| s.last().copied())
    }

    /// Combinations of the axes the design check refuses (`None` past
    /// 2^128).
    pub fn left_out(&self) -> Option<u128> {
        self.left_out
    }

    /// Whether the design check refuses every combination.
    pub fn is_empty(&self) -> bool {
        self.pairs.iter().flatten().all(Vec::is_empty)
    }

    /// Whether some combination takes the `r`-th rows value.
    pub fn takes_rows(&self, r: usize) -> bool {
        self.pairs[r].iter().any(|s| !s.is_empty())
    }

    /// Whether some combination takes the `d`-th dataflow.
    pub fn takes_dataflow(&self, d: usize) -> bool {
        self.pairs.iter().any(|by| !by[d].is_empty())
    }

    /// Whether some combination takes the `s`-th sparsity value.
    pub fn takes_sparsity(&self, s: usize) -> bool {
        self.pairs.iter().flatten().any(|v| v.contains(&(s as u32)))
    }

    fn accepts(&self, k: &[u64; AXES]) -> bool {
        self.pairs[k[ROWS] as usize][k[DATAFLOW] as usize].contains(&(k[SPARSITY] as u32))
    }

    /// Point `g` of the grid the design check leaves (`g <` [`Allowed::size`]),
    /// as sweep point `index`.
    pub fn grid_point(&self, axes: &Axes, index: u64, g: u64) -> Point {
        let starts = self
            .starts
            .as_ref()
            .expect("a grid of at most 2^64 points (validated)");
        // The last rows value whose points start at or before g (values
        // with no point start where the next does).
        let r = starts.partition_point(|&s| s <= g) - 1;
        let mut rest = g - starts[r];
        let by_dataflow = &self.pairs[r];
        let per_col: u64 = by_dataflow
            .iter()
            .map(|s| self.inner * s.len() as u64)
            .sum();
        let col = rest / per_col;
        rest %= per_col;
        let mut d = 0;
        while rest >= self.inner * by_dataflow[d].len() as u64 {
            rest -= self.inner * by_dataflow[d].len() as u64;
            d += 1;
        }
        let patterns = &by_dataflow[d];
        let mut k = [0u64; AXES];
        k[ROWS] = r as u64;
        k[COLS] = col;
        k[DATAFLOW] = d as u64;
        k[SPARSITY] = u64::from(patterns[(rest % patterns.len() as u64) as usize]);
        let mut rest = rest / patterns.len() as u64;
        let lens = axes.lens();
        for i in (DATAFLOW + 1..SPARSITY).rev() {
            k[i] = rest % lens[i];
            rest /= lens[i];
        }
        debug_assert!(self.cols == lens[COLS] && k[COLS] < self.cols);
        axes.point(index, k)
    }

    /// Point `index` of a random sample: each axis drawn uniformly from its
    /// values, by a generator seeded from `seed` and `index` alone (so any
    /// point can be made without the others); a combination the design
    /// check refuses is drawn again from the same generator.
    pub fn random_point(&self, axes: &Axes, index: u64, seed: u64) -> Point {
        let mut rng = SplitMix64(seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let lens = axes.lens();
        let mut k = lens.map(|n| rng.below(n));
        // Validation refuses a spec with no allowed combination; without
        // one, the first draw stands and the design check reports it.
        if !self.is_empty() {
            while !self.accepts(&k) {
                k = lens.map(|n| rng.below(n));
            }
        }
        axes.point(index, k)
    }
}

/// A keyed permutation of `0..size`: [`Permutation::at`]`(k)` is its `k`-th
/// element, made in expected constant time with no memory (a four-round
/// Feistel network on the smallest even number of bits covering `size`,
/// cycle-walking back into range). A sample of `count` distinct grid points
/// is its first `count` elements: drawn lazily, whatever `count` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permutation {
    size: u64,
    half_bits: u32,
    seed: u64,
}

impl Permutation {
    /// The permutation of `0..size` keyed by `seed` (`size >= 1`).
    pub fn new(size: u64, seed: u64) -> Permutation {
        let bits = 64 - size.max(2).saturating_sub(1).leading_zeros();
        Permutation {
            size,
            half_bits: bits.div_ceil(2),
            seed,
        }
    }

    fn round(&self, i: u64, x: u64) -> u64 {
        SplitMix64(self.seed ^ i.wrapping_mul(0xd6e8_feb8_6659_fd93) ^ x).next()
    }

    fn once(&self, x: u64) -> u64 {
        let h = self.half_bits;
        let mask = (1u64 << h) - 1;
        let (mut l, mut r) = (x >> h, x & mask);
        for i in 0..4 {
            let t = l ^ (self.round(i, r) & mask);
            l = r;
            r = t;
        }
        (l << h) | r
    }

    /// The `k`-th element (`k < size`).
    pub fn at(&self, k: u64) -> u64 {
        let mut x = k;
        loop {
            x = self.once(x);
            if x < self.size {
                return x;
            }
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): small, fast, fully determined by
/// its seed on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

/// One design of a sweep: the base design with these axis values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Sweep index (stable: the same spec always numbers points the same way).
    pub index: u64,
    /// PE rows.
    pub rows: u32,
    /// PE columns.
    pub cols: u32,
    /// Dataflow.
    pub dataflow: Dataflow,
    /// Operand precision.
    pub operand: Precision,
    /// ifmap SRAM, KiB.
    pub ifmap_sram_kib: f64,
    /// filter SRAM, KiB.
    pub filter_sram_kib: f64,
    /// ofmap SRAM, KiB.
    pub ofmap_sram_kib: f64,
    /// DRAM bandwidth, bytes per cycle.
    pub dram_bandwidth: f64,
    /// Clock, MHz.
    pub clock_mhz: f64,
    /// N:M weight sparsity (`None`: dense).
    pub sparsity: Option<Sparsity>,
}

/// How results name a sparsity value: `dense` or `N:M`.
pub fn sparsity_name(s: Option<Sparsity>) -> String {
    s.map_or_else(|| "dense".to_string(), |s| s.to_string())
}

impl Point {
    /// The base design with this point's values ([`Design::variant`]: typed
    /// values, checked once). The operand follows
    /// [`DesignParams::set_operand`]'s accumulator rule.
    pub fn design(&self, base: &Design) -> Result<Design> {
        base.variant(|v| self.apply(v))
    }

    /// Sets this point's values in `v`.
    pub fn apply(&self, v: &mut DesignParams) {
        v.rows = self.rows;
        v.cols = self.cols;
        v.dataflow = self.dataflow;
        v.set_operand(self.operand);
        v.ifmap_sram_kib = self.ifmap_sram_kib;
        v.filter_sram_kib = self.filter_sram_kib;
        v.ofmap_sram_kib = self.ofmap_sram_kib;
        v.dram_bandwidth = self.dram_bandwidth;
        v.clock_mhz = self.clock_mhz;
        v.sparsity = self.sparsity;
    }
}

/// The base design with operand `p` (see [`Point::design`]).
pub(crate) fn with_operand(base: &Design, p: Precision) -> Result<Design> {
    base.variant(|v| v.set_operand(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PATTERNS: [Option<Sparsity>; 4] = [
        None,
        Some(Sparsity { n: 2, m: 4 }),
        Some(Sparsity { n: 1, m: 4 }),
        Some(Sparsity { n: 3, m: 8 }),
    ];

    /// Axes with `n[i]` values on axis `i` (rows 4, 5, 6, ...; dataflows
    /// ws, os, is; patterns from [`PATTERNS`]).
    fn axes(n: [usize; AXES]) -> Axes {
        let reals = |k: usize, from: f64| Axis::Values((0..k).map(|i| from + i as f64).collect());
        Axes {
            rows: Axis::Values((0..n[0] as u32).map(|i| 4 + i).collect()),
            cols: Axis::Values((0..n[1] as u32).map(|i| 8 + i).collect()),
            dataflow: Dataflow::ALL[..n[2]].to_vec(),
            operand: [Precision::Int(8), Precision::Int(16)][..n[3]].to_vec(),
            ifmap_sram_kib: reals(n[4], 16.0),
            filter_sram_kib: reals(n[5], 32.0),
            ofmap_sram_kib: reals(n[6], 64.0),
            dram_bandwidth: reals(n[7], 4.0),
            clock_mhz: reals(n[8], 500.0),
            sparsity: PATTERNS[..n[9]].to_vec(),
        }
    }

    /// The design check's sparsity rule, for the tests.
    fn rule(rows: u32, d: Dataflow, s: Option<Sparsity>) -> bool {
        s.is_none_or(|s| d == Dataflow::Ws && rows.is_multiple_of(s.n))
    }

    /// Every combination in enumeration order (mixed radix, the last axis
    /// fastest), as axis indices.
    fn combinations(n: [usize; AXES]) -> Vec<[u64; AXES]> {
        let total: usize = n.iter().product();
        (0..total)
            .map(|mut g| {
                let mut k = [0u64; AXES];
                for i in (0..AXES).rev() {
                    k[i] = (g % n[i]) as u64;
                    g /= n[i];
                }
                k
            })
            .collect()
    }

    #[test]
    fn with_nothing_refused_point_g_is_grid_combination_g() {
        let n = [2, 3, 3, 2, 2, 1, 2, 1, 2, 1];
        let a = axes(n);
        let allowed = Allowed::new(&a, |_, _, _| true);
        let all = combinations(n);
        assert_eq!(allowed.size(), Some(all.len() as u64));
        assert_eq!(allowed.size(), a.try_grid_size());
        assert_eq!(allowed.left_out(), Some(0));
        for (g, k) in all.iter().enumerate() {
            assert_eq!(
                allowed.grid_point(&a, g as u64, g as u64),
                a.point(g as u64, *k)
            );
        }
        // Random draws: the first nine axes drawn as before the sparsity
        // axis existed (it is drawn last), so samples keep their points.
        for index in 0..50u64 {
            let mut rng = SplitMix64(9 ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let old: Vec<u64> = a.lens()[..9].iter().map(|&n| rng.below(n)).collect();
            let p = allowed.random_point(&a, index, 9);
            let mut k = [0u64; AXES];
            k[..9].copy_from_slice(&old);
            assert_eq!(p, a.point(index, k));
        }
    }

    #[test]
    fn a_sparsity_axis_multiplies_the_grid_and_its_points_carry_their_pattern() {
        let n = [1, 2, 1, 1, 1, 1, 1, 1, 1, 3];
        let a = axes(n);
        let allowed = Allowed::new(&a, rule);
        assert_eq!(allowed.size(), Some(2 * 3));
        let names: Vec<String> = (0..6)
            .map(|g| {
                let p = allowed.grid_point(&a, g, g);
                format!("{} {}", p.cols, sparsity_name(p.sparsity))
            })
            .collect();
        assert_eq!(
            names,
            ["8 dense", "8 2:4", "8 1:4", "9 dense", "9 2:4", "9 1:4"]
        );
        let p = allowed.grid_point(&a, 1, 1);
        let mut v = DesignParams::new("t", 4, 8, Dataflow::Ws);
        p.apply(&mut v);
        assert_eq!(v.sparsity, Some(Sparsity { n: 2, m: 4 }));
    }

    proptest! {
        /// The points are the accepted combinations, in enumeration order,
        /// whatever the design check refuses; random draws are accepted ones.
        #[test]
        fn points_are_the_accepted_combinations_in_order(
            n in (1..4usize, 1..3usize, 1..4usize, 1..3usize, 1..3usize, 1..3usize, 1..4usize)
                .prop_map(|(r, c, d, o, i, b, s)| [r, c, d, o, i, 1, 1, b, 1, s]),
            seed in any::<u64>(),
        ) {
            let a = axes(n);
            let allowed = Allowed::new(&a, rule);
            let kept: Vec<[u64; AXES]> = combinations(n)
                .into_iter()
                .filter(|k| {
                    rule(a.rows.get(k[0]), a.dataflow[k[2] as usize], a.sparsity[k[9] as usize])
                })
                .collect();
            prop_assert_eq!(allowed.size(), Some(kept.len() as u64));
            prop_assert_eq!(
                allowed.left_out(),
                Some((n.iter().product::<usize>() - kept.len()) as u128)
            );
            for (g, k) in kept.iter().enumerate() {
                prop_assert_eq!(allowed.grid_point(&a, g as u64, g as u64), a.point(g as u64, *k));
            }
            for index in 0..20 {
                let p = allowed.random_point(&a, index, seed);
                prop_assert!(rule(p.rows, p.dataflow, p.sparsity), "{:?}", p);
            }
        }
    }

    #[test]
    fn ranges_count_and_place_their_values() {
        let r = Range {
            min: 8.0,
            max: 100.0,
            step: Some(8.0),
            log2: false,
        };
        assert_eq!(r.len(), 12);
        assert_eq!(r.value(11), 96.0);
        let l = Range {
            min: 16.0,
            max: 256.0,
            step: None,
            log2: true,
        };
        assert_eq!((l.len(), l.value(4)), (5, 256.0));
        let one = Range {
            min: 0.1,
            max: 0.3,
            step: Some(0.1),
            log2: false,
        };
        assert_eq!(one.len(), 3, "floating-point steps count their last value");
        let tiny = Range {
            min: 1.0,
            max: 2.0,
            step: Some(5e-324),
            log2: false,
        };
        assert_eq!(
            tiny.len(),
            u64::MAX,
            "a subnormal step does not wrap to 0 values"
        );
    }

    #[test]
    fn permutations_are_bijections_keyed_by_their_seed() {
        for size in [1u64, 2, 3, 10, 1000, 4097] {
            for seed in [0, 7] {
                let p = Permutation::new(size, seed);
                let mut seen: Vec<u64> = (0..size).map(|k| p.at(k)).collect();
                seen.sort_unstable();
                assert_eq!(seen, (0..size).collect::<Vec<_>>(), "size {size}");
            }
        }
        let a: Vec<u64> = (0..20).map(|k| Permutation::new(1000, 7).at(k)).collect();
        let b: Vec<u64> = (0..20).map(|k| Permutation::new(1000, 8).at(k)).collect();
        assert_ne!(a, b);
        // Any element of a huge permutation is made at once.
        let huge = Permutation::new(u64::MAX, 1);
        assert_ne!(huge.at(12_345_678_901), huge.at(12_345_678_902));
        let p = Permutation::new(1 << 40, 3);
        assert!((0..1000).all(|k| p.at(k) < 1 << 40));
    }

    #[test]
    fn below_is_uniform_enough() {
        let mut rng = SplitMix64(1);
        let mut counts = [0u32; 5];
        for _ in 0..50_000 {
            counts[rng.below(5) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_500..10_500).contains(&c)),
            "{counts:?}"
        );
    }
}
