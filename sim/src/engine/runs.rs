//! The fast engine's path through a GEMM by runs of identical folds instead
//! of fold by fold, with results equal to the per-fold reference.
//!
//! A plan's folds form three nested loops, and a fold's sizes and DRAM bytes
//! depend only on whether each of its tiles is the first or the last of its
//! loop ([`Folds::fold_at`]). So each loop is at most three segments: the
//! first tile, the middle tiles (all alike), the last tile. Totals (traffic,
//! PE slots, register bits) and the compute-only schedule are closed-form
//! sums over the segments. The schedule with DRAM is walked segment by
//! segment: a segment of identical tiles runs until one tile moves the whole
//! schedule state by a constant (docs/TIMING.md's recurrences are
//! translation invariant, see `shift.rs`), then jumps over the rest.

use super::plan::{Folds, TileEdge, Traffic};
use super::shift::WriteRuns;
use super::timing::{Schedule, TimingMode, OUTPUT_LAG, STATIONARY_LAG};
use super::RegisterBits;
use crate::design::Design;
use crate::workload::GemmOp;

const FIRST: TileEdge = TileEdge {
    first: true,
    last: false,
};
const MIDDLE: TileEdge = TileEdge {
    first: false,
    last: false,
};
const LAST: TileEdge = TileEdge {
    first: false,
    last: true,
};
const ONLY: TileEdge = TileEdge {
    first: true,
    last: true,
};

/// A loop's tiles in order as (edge, how many) segments.
#[derive(Debug, Clone, Copy)]
struct Segments {
    seg: [(TileEdge, u64); 3],
    len: usize,
}

impl Segments {
    /// Loop of `n` tiles; `first_loads` when its first tile differs from the middle ones.
    fn of(n: u64, first_loads: bool) -> Segments {
        let (seg, len) = match n {
            1 => ([(ONLY, 1), (ONLY, 0), (ONLY, 0)], 1),
            2 => ([(FIRST, 1), (LAST, 1), (ONLY, 0)], 2),
            _ if first_loads => ([(FIRST, 1), (MIDDLE, n - 2), (LAST, 1)], 3),
            _ => ([(MIDDLE, n - 1), (LAST, 1), (ONLY, 0)], 2),
        };
        Segments { seg, len }
    }

    fn list(&self) -> &[(TileEdge, u64)] {
        &self.seg[..self.len]
    }
}

/// What the per-fold reference sums over a plan, and its cycles.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Totals {
    pub traffic: Traffic,
    pub folds: u64,
    pub pe_slots: u64,
    pub reg_bits: u64,
    pub compute_cycles: u64,
    pub total_cycles: u64,
}

/// A fold as the DRAM schedule sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Step {
    t: u64,
    dram_in: u64,
    dram_out: u64,
}

/// Index strides of the loops (outermost first) in [`Walk::steps`].
const STRIDE: [usize; 3] = [9, 3, 1];

/// Segment-wise walk of one GEMM's folds: `steps[9 i + 3 j + k]` is every
/// fold of segment `i` of the outer loop, `j` of the middle one and `k` of
/// the inner one. An index whose inner digits are zero is also the first
/// fold of a tile of the outer loops.
struct Walk {
    /// Tiles in each segment of each loop.
    counts: [[u64; 3]; 3],
    /// Segments of each loop.
    len: [usize; 3],
    steps: [Step; 27],
}

impl Walk {
    /// Totals by segments into `s`, the table of steps, and the compute-only
    /// schedule in closed form (docs/TIMING.md): ws/is folds start
    /// `max(T, 2R - 1, 2)` apart and os folds `max(T, 2R)` apart once the
    /// first has started; SCALE-Sim's are serialized.
    #[inline(always)]
    fn new(folds: &mut Folds, design: &Design, mode: TimingMode, s: &mut Totals) -> Walk {
        let loops = folds.loops();
        let segs = [0, 1, 2].map(|l| Segments::of(loops[l], folds.first_tile_loads(l)));
        let (r, c) = (u64::from(design.rows), u64::from(design.cols));
        let os = folds.output_stationary();
        let regs = RegisterBits::new(design, folds.gemm(), os);
        let pes = design.pes();
        let gap = |t: u64| match mode {
            TimingMode::Scalesim if os => t + r + c - 2,
            TimingMode::Scalesim => 2 * r + c + t - 2,
            TimingMode::Rtl | TimingMode::Ip if os => t.max(2 * r),
            TimingMode::Rtl | TimingMode::Ip => t.max(2 * r - 1).max(2),
        };
        let mut w = Walk {
            counts: segs.map(|l| l.seg.map(|(_, n)| n)),
            len: segs.map(|l| l.len),
            steps: [Step::default(); 27],
        };
        let mut gaps = 0;
        for (i, &(e0, n0)) in segs[0].list().iter().enumerate() {
            for (j, &(e1, n1)) in segs[1].list().iter().enumerate() {
                for (k, &(e2, n2)) in segs[2].list().iter().enumerate() {
                    let f = folds.fold_at([e0, e1, e2]);
                    let n = n0 * n1 * n2;
                    s.folds += n;
                    s.pe_slots += n * f.t * pes;
                    s.reg_bits += n * regs.of(&f);
                    s.traffic.dram_ifmap_bytes += n * f.dram_a_bytes;
                    s.traffic.dram_filter_bytes += n * f.dram_b_bytes;
                    s.traffic.dram_ofmap_bytes += n * f.dram_out_bytes;
                    gaps += n * gap(f.t);
                    w.steps[9 * i + 3 * j + k] = Step {
                        t: f.t,
                        dram_in: f.dram_in_bytes(),
                        dram_out: f.dram_out_bytes,
                    };
                }
            }
        }
        let t = w.steps[9 * (w.len[0] - 1) + 3 * (w.len[1] - 1) + w.len[2] - 1].t;
        s.compute_cycles = match mode {
            TimingMode::Scalesim => gaps,
            TimingMode::Rtl | TimingMode::Ip if os => gaps - gap(t) + t + r + c + r + OUTPUT_LAG,
            TimingMode::Rtl | TimingMode::Ip => r + gaps - gap(t) + t + r + c + STATIONARY_LAG,
        };
        for level in 0..3 {
            w.merge_alike(level);
        }
        w
    }

    /// Joins neighbouring segments of loop `level` whose folds are alike
    /// whatever the other loops' segments (a last tile that is not short,
    /// a first tile that loads what every tile loads).
    fn merge_alike(&mut self, level: usize) {
        let [o1, o2] = match level {
            0 => [1, 2],
            1 => [0, 2],
            _ => [0, 1],
        };
        // Offsets of every segment pair of the other two loops.
        let mut others = [0; 9];
        let mut m = 0;
        for a in 0..self.len[o1] {
            for b in 0..self.len[o2] {
                others[m] = a * STRIDE[o1] + b * STRIDE[o2];
                m += 1;
            }
        }
        let others = &others[..m];
        let stride = STRIDE[level];
        let mut i = 0;
        while i + 1 < self.len[level] {
            let (x, y) = (i * stride, (i + 1) * stride);
            if !others
                .iter()
                .all(|o| self.steps[x + o] == self.steps[y + o])
            {
                i += 1;
                continue;
            }
            self.counts[level][i] += self.counts[level][i + 1];
            for j in i + 1..self.len[level] - 1 {
                self.counts[level][j] = self.counts[level][j + 1];
                for o in others {
                    self.steps[j * stride + o] = self.steps[(j + 1) * stride + o];
                }
            }
            self.len[level] -= 1;
        }
    }

    /// Runs every tile of the loop at `L` (0 outermost) under the outer
    /// tiles' step index `base`; `next_in` is the DRAM bytes of the fold
    /// after the loop's last. (Loop levels are constants so that each
    /// level's code is compiled, and inlined, on its own.)
    fn block<const L: usize>(&self, s: &mut Schedule<WriteRuns>, base: usize, next_in: u64) {
        let stride = STRIDE[L];
        let len = self.len[L];
        for i in 0..len {
            let at = base + i * stride;
            let n = self.counts[L][i];
            let same = self.steps[at].dram_in;
            let after = if i + 1 < len {
                self.steps[at + stride].dram_in
            } else {
                next_in
            };
            if after == same {
                self.repeat::<L>(s, at, n);
            } else {
                self.repeat::<L>(s, at, n - 1);
                self.tile::<L>(s, at, after);
            }
        }
    }

    /// One tile of loop `L` whose first fold is step `at`, followed by a
    /// fold needing `next_in` bytes.
    #[inline]
    fn tile<const L: usize>(&self, s: &mut Schedule<WriteRuns>, at: usize, next_in: u64) {
        match L {
            0 => self.block::<1>(s, at, next_in),
            1 => self.block::<2>(s, at, next_in),
            _ => {
                let f = self.steps[at];
                s.advance(f.t, f.dram_out, next_in);
            }
        }
    }

    /// `n` identical tiles of loop `L`, each followed by a tile like itself:
    /// run them until one moves the state by a constant, then jump over the rest.
    fn repeat<const L: usize>(&self, s: &mut Schedule<WriteRuns>, at: usize, n: u64) {
        let f = self.steps[at];
        let same = f.dram_in;
        if L == 2 && n > 2 && f.dram_in == 0 && f.dram_out == 0 {
            // Folds that use no DRAM: two settle the compute schedule, the
            // rest each move it by the mode's fold spacing.
            s.advance(f.t, 0, 0);
            s.advance(f.t, 0, 0);
            s.jump(s.compute_only_spacing(f.t), n - 2);
            return;
        }
        // A fold is cheaper than a mark: run the first folds of a run (its
        // usual transient) unmarked, and short runs entirely.
        let unmarked = if L == 2 { UNMARKED_FOLDS.min(n) } else { 0 };
        for _ in 0..unmarked {
            self.tile::<L>(s, at, same);
        }
        let mut left = n - unmarked;
        if left < 2 {
            for _ in 0..left {
                self.tile::<L>(s, at, same);
            }
            return;
        }
        let rounding = s.rounding();
        let mut before = s.mark();
        while left > 0 {
            self.tile::<L>(s, at, same);
            left -= 1;
            if left > 0 {
                let now = s.mark();
                before = match now.shift_since(&before, rounding) {
                    Some(shift) => {
                        let n = shift.most(left);
                        s.jump(shift, n);
                        left -= n;
                        if left == 0 {
                            return;
                        }
                        s.mark()
                    }
                    None => now,
                };
            }
        }
    }
}

/// Folds of a run stepped before its state is first marked.
const UNMARKED_FOLDS: u64 = 3;

/// Fractional bits of `bytes / bandwidth` for every whole `bytes` when the
/// bandwidth is a power of two (then the DRAM channel's `f64` arithmetic is
/// exact while times stay below `2^(52 - bits)`); `None` otherwise.
fn exact_bits(bandwidth: f64) -> Option<u32> {
    const MANTISSA: u64 = (1 << 52) - 1;
    if !bandwidth.is_normal() || bandwidth < 0.0 || bandwidth.to_bits() & MANTISSA != 0 {
        return None;
    }
    let exponent = (bandwidth.to_bits() >> 52) as i64 - 1023;
    let bits = exponent.max(0) as u32;
    (bits < 32).then_some(bits)
}

/// The totals (SRAM traffic but for SCALE-Sim's counts, DRAM bytes, folds,
/// PE slots, register bits) and cycles without and with DRAM of `g` on
/// `design` in `mode`, equal to the per-fold reference's; `None` when this
/// path cannot promise that (times too large for the `f64` arguments of
/// `shift.rs`, an empty GEMM, too many pending write-backs) or the GEMM has
/// at most `few` folds, and the caller steps every fold.
pub(super) fn gemm(design: &Design, g: &GemmOp, mode: TimingMode, few: u64) -> Option<Totals> {
    let bits = exact_bits(design.dram_bandwidth);
    let mut folds = Folds::new(design, g, mode != TimingMode::Scalesim);
    if folds.loops().contains(&0) || folds.len() as u64 <= few {
        return None;
    }
    let mut totals = Totals {
        traffic: folds.sram_traffic(),
        ..Totals::default()
    };
    let walk = Walk::new(&mut folds, design, mode, &mut totals);
    let os = folds.output_stationary();
    let mut s = Schedule::<WriteRuns>::with_queue(design, mode, os, true, walk.steps[0].dram_in);
    if let Some(d) = s.dram.as_mut() {
        d.channel.exact = bits.is_some();
    }
    walk.block::<0>(&mut s, 0, 0);
    if s.dram.as_ref().is_some_and(|d| d.writes.overflow) {
        return None;
    }
    totals.total_cycles = s.finish();
    // Exact: every value a multiple of 2^-bits below 2^(52 - bits); else
    // (rounding, shift.rs) an ulp of at most 1/2.
    let limit = 1u64 << bits.map_or(51, |b| 52 - b);
    (totals.total_cycles + u64::from(design.dram_latency) < limit).then_some(totals)
}
