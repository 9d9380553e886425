//! The points of a sweep: axes, the fixed enumeration order of a grid, seeded
//! random draws, and the design of each point (a variant of the base design).

use serde::{Deserialize, Serialize};
use sim::design::{Dataflow, Design, DesignParams};
use sim::error::Result;
use sim::precision::Precision;

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
}

impl Axes {
    fn lens(&self) -> [u64; 9] {
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
        ]
    }

    /// Points of the whole grid, `None` past 2^64.
    pub fn try_grid_size(&self) -> Option<u64> {
        self.lens().iter().try_fold(1u64, |a, &n| a.checked_mul(n))
    }

    /// Points of the whole grid (validated to fit in 64 bits).
    pub fn grid_size(&self) -> u64 {
        self.try_grid_size().unwrap_or(u64::MAX)
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

    fn point(&self, index: u64, k: [u64; 9]) -> Point {
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
        }
    }

    /// Grid point number `g` (mixed radix, the last axis fastest), as sweep
    /// point `index`.
    pub fn grid_point(&self, index: u64, mut g: u64) -> Point {
        let lens = self.lens();
        let mut k = [0u64; 9];
        for i in (0..9).rev() {
            k[i] = g % lens[i];
            g /= lens[i];
        }
        self.point(index, k)
    }

    /// Point `index` of a random sample: each axis drawn uniformly from its
    /// values, by a generator seeded from `seed` and `index` alone (so any
    /// point can be made without the others).
    pub fn random_point(&self, index: u64, seed: u64) -> Point {
        let mut rng = SplitMix64(seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let k = self.lens().map(|n| rng.below(n));
        self.point(index, k)
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
    }
}

/// The base design with operand `p` (see [`Point::design`]).
pub(crate) fn with_operand(base: &Design, p: Precision) -> Result<Design> {
    base.variant(|v| v.set_operand(p))
}

#[cfg(test)]
mod tests {
    use super::*;

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
