//! The pe engine: every PE register and every skew / deskew register of the
//! `rtl` micro-architecture (docs/TIMING.md), cycle by cycle, computing real
//! values. Its controller is a cycle-stepped state machine that starts each
//! load, stream and drain at the first cycle its conditions hold; values come
//! out right only if those conditions really are hazard-free, so agreement
//! with a reference GEMM checks the contract itself, and agreement with the
//! fast engine checks the closed-form recurrences.

use super::plan::{self, Fold, Plan};
use super::FoldTimes;
use crate::design::{Dataflow, Design};
use crate::precision::Precision;
use crate::workload::GemmOp;

/// Result of running one GEMM on the pe engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeRun {
    /// C (M x N, row-major), reduced to the accumulator width.
    pub c: Vec<i64>,
    /// Cycles of the GEMM (compute only: operands are in SRAM).
    pub cycles: u64,
    /// When each fold loaded, streamed and drained.
    pub folds: Vec<FoldTimes>,
    /// PE-cycles simulated (rows x cols x cycles).
    pub pe_cycles: u64,
}

/// Why the pe engine refused a run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeError {
    /// Operand matrices do not have the stated shapes.
    #[error("operand {name} has {len} elements, expected {expected} ({shape})")]
    Shape {
        /// `A` or `B`.
        name: &'static str,
        /// Elements given.
        len: usize,
        /// Elements expected.
        expected: usize,
        /// The expected shape, e.g. `4 x 5`.
        shape: String,
    },
    /// An operand value does not fit the design's operand precision.
    #[error("{name}[{index}] = {value} does not fit {precision}")]
    Range {
        /// `A` or `B`.
        name: &'static str,
        /// Flat index.
        index: usize,
        /// The value.
        value: i64,
        /// The precision.
        precision: String,
    },
    /// The design does not compute in integers.
    #[error(
        "the pe engine computes integer designs only; {0} values are not simulated bit-exactly yet"
    )]
    NotInteger(String),
    /// Two actions hit the same register in one cycle (a contract violation).
    #[error("hazard at cycle {cycle}: {what}")]
    Hazard {
        /// Cycle.
        cycle: u64,
        /// What collided.
        what: String,
    },
}

/// Runs `C = A x B` (A: `m x k`, B: `k x n`, row-major) on `design`, value-exactly.
pub fn run(
    design: &Design,
    a: &[i64],
    b: &[i64],
    m: u64,
    k: u64,
    n: u64,
) -> Result<PeRun, PeError> {
    let Precision::Int(op_bits) = design.operand else {
        return Err(PeError::NotInteger(design.operand.to_string()));
    };
    let Precision::Int(acc_bits) = design.accumulator else {
        return Err(PeError::NotInteger(design.accumulator.to_string()));
    };
    check("A", a, m, k, op_bits)?;
    check("B", b, k, n, op_bits)?;
    let g = GemmOp::new(m, k, n);
    let plan = plan::plan(design, &g, true);
    let acc = Acc::new(acc_bits, design.saturate);
    let (mu, ku, nu) = (m as usize, k as usize, n as usize);
    let mut c = vec![0i64; mu * nu];
    let (cycles, folds) = match design.dataflow {
        // ws: stationary B (K x N), streamed A (M x K), output C (M x N).
        Dataflow::Ws => {
            let s = View {
                data: b,
                row: nu,
                col: 1,
            };
            let x = View {
                data: a,
                row: ku,
                col: 1,
            };
            stationary_lanes(design, &plan, s, x, &mut c, (nu, 1), acc)?
        }
        // is: stationary A^T (K x M), streamed B^T (N x K), output C^T (N x M).
        Dataflow::Is => {
            let s = View {
                data: a,
                row: 1,
                col: ku,
            };
            let x = View {
                data: b,
                row: 1,
                col: nu,
            };
            stationary_lanes(design, &plan, s, x, &mut c, (1, nu), acc)?
        }
        Dataflow::Os => {
            if !acc.saturate && acc.bits <= 32 && op_bits <= 16 {
                output_stationary::<i32>(design, &plan, a, b, (ku, nu), &mut c, acc)?
            } else {
                output_stationary::<i64>(design, &plan, a, b, (ku, nu), &mut c, acc)?
            }
        }
    };
    for v in &mut c {
        *v = acc.reduce(*v);
    }
    let pe_cycles = cycles * design.pes();
    Ok(PeRun {
        c,
        cycles,
        folds,
        pe_cycles,
    })
}

/// A naive reference GEMM with the same accumulator semantics (for tests and tools).
pub fn reference(design: &Design, a: &[i64], b: &[i64], m: u64, k: u64, n: u64) -> Vec<i64> {
    let acc_bits = match design.accumulator {
        Precision::Int(b) => b,
        _ => 64,
    };
    let acc = Acc::new(acc_bits, design.saturate);
    let (m, k, n) = (m as usize, k as usize, n as usize);
    let mut c = vec![0i64; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut s = 0i64;
            for l in 0..k {
                s = acc.add(s, a[i * k + l] * b[l * n + j]);
            }
            c[i * n + j] = acc.reduce(s);
        }
    }
    c
}

fn check(name: &'static str, v: &[i64], rows: u64, cols: u64, bits: u32) -> Result<(), PeError> {
    let expected = (rows * cols) as usize;
    if v.len() != expected {
        return Err(PeError::Shape {
            name,
            len: v.len(),
            expected,
            shape: format!("{rows} x {cols}"),
        });
    }
    let (lo, hi) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
    if let Some((index, &value)) = v.iter().enumerate().find(|(_, &x)| x < lo || x > hi) {
        return Err(PeError::Range {
            name,
            index,
            value,
            precision: format!("int{bits}"),
        });
    }
    Ok(())
}

/// Accumulator arithmetic: two's-complement wrap at `bits` (computed in i64,
/// reduced at the end: wrapping commutes with reduction), or saturation at
/// every addition.
#[derive(Debug, Clone, Copy)]
struct Acc {
    bits: u32,
    saturate: bool,
    lo: i64,
    hi: i64,
}

impl Acc {
    fn new(bits: u32, saturate: bool) -> Acc {
        let bits = bits.min(64);
        let (lo, hi) = if bits >= 64 {
            (i64::MIN, i64::MAX)
        } else {
            (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
        };
        Acc {
            bits,
            saturate,
            lo,
            hi,
        }
    }

    #[inline(always)]
    fn add(&self, x: i64, y: i64) -> i64 {
        if self.saturate {
            x.saturating_add(y).clamp(self.lo, self.hi)
        } else {
            x.wrapping_add(y)
        }
    }

    fn reduce(&self, x: i64) -> i64 {
        if self.saturate || self.bits >= 64 {
            x
        } else {
            let s = 64 - self.bits;
            (x << s) >> s
        }
    }
}

/// A PE register word: i32 when the accumulator wraps at 32 bits or fewer
/// (exact, since two's-complement wrap commutes with the final reduction to
/// the accumulator width, and int16 x int16 products fit), i64 otherwise.
trait Lane: Copy + Default + Send {
    fn from_i64(v: i64) -> Self;
    fn to_i64(self) -> i64;
    fn mul(self, y: Self) -> Self;
    fn mac(self, x: Self, y: Self) -> Self;
}

impl Lane for i32 {
    #[inline(always)]
    fn from_i64(v: i64) -> Self {
        v as i32
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        i64::from(self)
    }
    #[inline(always)]
    fn mul(self, y: Self) -> Self {
        self.wrapping_mul(y)
    }
    #[inline(always)]
    fn mac(self, x: Self, y: Self) -> Self {
        self.wrapping_add(x.wrapping_mul(y))
    }
}

impl Lane for i64 {
    #[inline(always)]
    fn from_i64(v: i64) -> Self {
        v
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self
    }
    #[inline(always)]
    fn mul(self, y: Self) -> Self {
        self.wrapping_mul(y)
    }
    #[inline(always)]
    fn mac(self, x: Self, y: Self) -> Self {
        self.wrapping_add(x.wrapping_mul(y))
    }
}

/// Runs the stationary core on the narrowest exact lane type.
fn stationary_lanes(
    design: &Design,
    plan: &Plan,
    s: View,
    x: View,
    out: &mut [i64],
    out_stride: (usize, usize),
    acc: Acc,
) -> Result<(u64, Vec<FoldTimes>), PeError> {
    if !acc.saturate && acc.bits <= 32 && design.operand.bits() <= 16 {
        stationary::<i32>(design, plan, s, x, out, out_stride, acc)
    } else {
        stationary::<i64>(design, plan, s, x, out, out_stride, acc)
    }
}

/// A strided read-only matrix view: element (i, j) at `i * row + j * col`.
#[derive(Debug, Clone, Copy)]
struct View<'a> {
    data: &'a [i64],
    row: usize,
    col: usize,
}

impl View<'_> {
    #[inline(always)]
    fn at(&self, i: u64, j: u64) -> i64 {
        self.data[i as usize * self.row + j as usize * self.col]
    }
}

/// A delay line of `depth` cycles per lane, as a ring of whole-edge snapshots:
/// lane `i` reads what was written `delay(i)` cycles earlier.
struct DelayLines<T: Copy + Default> {
    ring: Vec<T>,
    lanes: usize,
    depth: usize,
    /// (cycle, cycle % depth) of the last read: one division per cycle, not per lane.
    base: std::cell::Cell<(u64, usize)>,
}

impl<T: Copy + Default> DelayLines<T> {
    fn new(lanes: usize, depth: usize) -> Self {
        DelayLines {
            ring: vec![T::default(); lanes * depth.max(1)],
            lanes,
            depth: depth.max(1),
            base: std::cell::Cell::new((u64::MAX, 0)),
        }
    }

    /// Stores this cycle's inputs of every lane.
    fn push(&mut self, cycle: u64, values: impl Iterator<Item = T>) {
        let slot = (cycle as usize % self.depth) * self.lanes;
        for (i, v) in values.enumerate() {
            self.ring[slot + i] = v;
        }
    }

    /// The value lane `i` wrote `delay` cycles before `cycle` (delay < depth).
    #[inline(always)]
    fn read(&self, cycle: u64, lane: usize, delay: usize) -> T {
        // The ring starts zeroed and slots ahead of the newest write are
        // unwritten, so reads before a lane's first write give the default.
        let (cached, base) = self.base.get();
        let base = if cached == cycle {
            base
        } else {
            let b = cycle as usize % self.depth;
            self.base.set((cycle, b));
            b
        };
        let slot = if base >= delay {
            base - delay
        } else {
            base + self.depth - delay
        };
        self.ring[slot * self.lanes + lane]
    }
}

const VALID: u8 = 1;
const FLAG: u8 = 2;

/// ws / is: docs/TIMING.md "Stationary-operand dataflows". `out` is written
/// through `(row stride, col stride)` in the streamed x column space.
fn stationary<L: Lane>(
    design: &Design,
    plan: &Plan,
    s: View,
    x: View,
    out: &mut [i64],
    out_stride: (usize, usize),
    acc: Acc,
) -> Result<(u64, Vec<FoldTimes>), PeError> {
    let (r, c) = (design.rows as usize, design.cols as usize);
    let (ru, cu) = (r as u64, c as u64);
    let folds = &plan.folds;
    let nf = folds.len();
    // The SRAM contents as the feeders read them: stationary S (Sr x Sc) and
    // streamed X (T x Sr), contiguous and in the lane type.
    let sr = folds.iter().map(|f| f.row0 + f.rows).max().unwrap_or(0) as usize;
    let sc = folds.iter().map(|f| f.col0 + f.cols).max().unwrap_or(0) as usize;
    let tt = folds.iter().map(|f| f.t0 + f.t).max().unwrap_or(0) as usize;
    let s_mem: Vec<L> = (0..sr * sc)
        .map(|i| L::from_i64(s.at((i / sc) as u64, (i % sc) as u64)))
        .collect();
    // X is stored by row tile: [Sr / R][T][R], zero-padded, so a fold streams
    // contiguous memory (R words per cycle).
    let row_tiles = sr.div_ceil(r);
    let mut x_mem = vec![L::default(); row_tiles * tt * r];
    for t in 0..tt {
        for k in 0..sr {
            x_mem[(k / r) * tt * r + t * r + k % r] = L::from_i64(x.at(t as u64, k as u64));
        }
    }
    // In-flight first-vector flags per row, so rows without one skip the latch scan.
    let mut flags_in_row = vec![0u32; r];
    // PE registers (current and next), row-major r x c.
    let mut a = vec![L::default(); r * c];
    let mut tag = vec![0u8; r * c];
    let mut p = vec![L::default(); r * c];
    let (mut a2, mut tag2, mut p2) = (a.clone(), tag.clone(), p.clone());
    let mut w = vec![L::default(); r * c];
    let mut wn = vec![L::default(); r * c];
    // Skew of the streamed rows (row i delayed i), of the weight columns
    // (column j delayed j, value and shift enable), deskew of the outputs
    // (column j delayed c - 1 - j).
    let mut skew = DelayLines::<(L, u8)>::new(r, r);
    let mut wskew = DelayLines::<(L, bool)>::new(c, c);
    let mut deskew = DelayLines::<L>::new(c, c + 1);
    let mut load: Vec<Option<u64>> = vec![None; nf];
    let mut stream: Vec<Option<u64>> = vec![None; nf];
    let (mut next_load, mut next_stream) = (0usize, 0usize);
    let mut feed_a = vec![(L::default(), 0u8); r];
    let mut feed_w = vec![(L::default(), false); c];
    let (mut cur_load, mut cur_stream, mut cur_out) =
        (Cursor::default(), Cursor::default(), Cursor::default());
    let mut cycle = 0u64;
    loop {
        // Controller: start what may start this cycle (streams first: a load
        // may depend on a stream that starts now).
        loop {
            let mut changed = false;
            if next_stream < nf {
                if let Some(l) = load[next_stream] {
                    let ok = cycle >= l + ru
                        && (next_stream == 0 || {
                            let sp = stream[next_stream - 1].unwrap_or(u64::MAX);
                            cycle >= sp.saturating_add(folds[next_stream - 1].t)
                                && cycle >= sp.saturating_add(2)
                        });
                    if ok {
                        stream[next_stream] = Some(cycle);
                        next_stream += 1;
                        changed = true;
                    }
                }
            }
            if next_load < nf {
                let ok = if next_load == 0 {
                    cycle >= 1
                } else {
                    match (stream[next_load - 1], load[next_load - 1]) {
                        (Some(sp), Some(lp)) => cycle + 1 >= sp + ru && cycle >= lp + ru,
                        _ => false,
                    }
                };
                if ok {
                    load[next_load] = Some(cycle);
                    next_load += 1;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // Feeders: the SRAM words at the skew inputs this cycle.
        feed_w.iter_mut().for_each(|e| *e = (L::default(), false));
        if let Some((f, l)) = cur_load.active(&load, cycle, |_| ru) {
            let fold = &folds[f];
            let row = ru - 1 - (cycle - l);
            for (j, e) in feed_w.iter_mut().enumerate() {
                let j = j as u64;
                let v = if row < fold.rows && j < fold.cols {
                    s_mem[(fold.row0 + row) as usize * sc + (fold.col0 + j) as usize]
                } else {
                    L::default()
                };
                *e = (v, true);
            }
        }
        feed_a.iter_mut().for_each(|e| *e = (L::default(), 0));
        if let Some((f, st)) = cur_stream.active(&stream, cycle, |f| folds[f].t) {
            let fold = &folds[f];
            let t = cycle - st;
            let flag = if t == 0 { FLAG } else { 0 };
            let base = (fold.row0 as usize / r) * tt * r + (fold.t0 + t) as usize * r;
            for (e, &v) in feed_a.iter_mut().zip(&x_mem[base..base + r]) {
                *e = (v, VALID | flag);
            }
        }
        skew.push(cycle, feed_a.iter().copied());
        wskew.push(cycle, feed_w.iter().copied());
        // PEs: new registers from old (all registers clock together). The
        // streamed operand and its tag move one PE right: shift the whole
        // array by one, then set each row's first PE from its skew line.
        let n_pe = r * c;
        shift_right(&a, &tag, &mut a2, &mut tag2, &mut flags_in_row, c, |i| {
            skew.read(cycle, i, i)
        });
        for (i, &flags) in flags_in_row.iter().enumerate() {
            let row = i * c;
            if flags > 0 {
                // A fold's first vector reaches these PEs: they switch to the
                // shadow value before using it.
                for (j, &t) in tag2[row..row + c].iter().enumerate() {
                    if t & FLAG != 0 {
                        w[row + j] = wn[row + j];
                    }
                }
            }
        }
        // Partial sums move one PE down: row 0 starts from zero.
        if acc.saturate {
            for idx in 0..n_pe {
                let pin = if idx < c { 0 } else { p[idx - c].to_i64() };
                p2[idx] = L::from_i64(acc.add(pin, a2[idx].to_i64() * w[idx].to_i64()));
            }
        } else {
            for ((o, &x), &y) in p2[..c].iter_mut().zip(&a2[..c]).zip(&w[..c]) {
                *o = x.mul(y);
            }
            for (((o, &u), &x), &y) in p2[c..]
                .iter_mut()
                .zip(&p[..n_pe - c])
                .zip(&a2[c..])
                .zip(&w[c..])
            {
                *o = u.mac(x, y);
            }
        }
        // Shadow chains shift after the latches read them.
        for j in 0..c {
            let (v, en) = wskew.read(cycle, j, j);
            if en {
                for i in (1..r).rev() {
                    wn[i * c + j] = wn[(i - 1) * c + j];
                }
                wn[j] = v;
            }
        }
        std::mem::swap(&mut a, &mut a2);
        std::mem::swap(&mut tag, &mut tag2);
        std::mem::swap(&mut p, &mut p2);
        // The bottom row's registers are valid from the next cycle: deskew them.
        deskew.push(cycle + 1, p[(r - 1) * c..].iter().copied());
        // Collector: the output row valid this cycle, added into the accumulator SRAM.
        if cycle >= ru + cu - 1 {
            if let Some((f, st)) = cur_out.active(&stream, cycle - (ru + cu - 1), |f| folds[f].t) {
                let fold = &folds[f];
                let t = (cycle - (ru + cu - 1) - st) as usize + fold.t0 as usize;
                for j in 0..fold.cols as usize {
                    let v = deskew.read(cycle, j, c - 1 - j).to_i64();
                    let o = &mut out[t * out_stride.0 + (fold.col0 as usize + j) * out_stride.1];
                    *o = acc.add(*o, v);
                }
            }
        }
        if let (Some(Some(st)), true) = (stream.last(), next_stream == nf) {
            if cycle == st + folds[nf - 1].t - 1 + ru + cu - 1 {
                break;
            }
        }
        cycle += 1;
    }
    let times = (0..nf)
        .map(|f| FoldTimes {
            load: load[f].unwrap_or(0),
            stream: stream[f].unwrap_or(0),
            drain: 0,
        })
        .collect();
    Ok((cycle + 1, times))
}

/// Moves a row-flowing register array (values and their tags, row-major,
/// rows of `c`) one PE to the right: each row's first PE takes `head(row)`
/// (its skew line), the last PE's value leaves. Keeps `flags[row]`, the
/// number of `FLAG` tags in the row, and returns their total.
fn shift_right<L: Copy>(
    cur: &[L],
    cur_tag: &[u8],
    next: &mut [L],
    next_tag: &mut [u8],
    flags: &mut [u32],
    c: usize,
    mut head: impl FnMut(usize) -> (L, u8),
) -> u32 {
    let n = cur.len();
    next[1..].copy_from_slice(&cur[..n - 1]);
    next_tag[1..].copy_from_slice(&cur_tag[..n - 1]);
    let mut total = 0;
    for (i, count) in flags.iter_mut().enumerate() {
        let row = i * c;
        let (v, t) = head(i);
        if cur_tag[row + c - 1] & FLAG != 0 {
            *count -= 1;
        }
        if t & FLAG != 0 {
            *count += 1;
        }
        next[row] = v;
        next_tag[row] = t;
        total += *count;
    }
    total
}

/// Finds the fold whose window `[start, start + len(f))` holds a cycle, for
/// cycles that never decrease: windows are disjoint and start in fold order,
/// so a cursor only moves forward (O(1) amortized per cycle).
#[derive(Debug, Default)]
struct Cursor {
    at: usize,
}

impl Cursor {
    fn active(
        &mut self,
        starts: &[Option<u64>],
        cycle: u64,
        len: impl Fn(usize) -> u64,
    ) -> Option<(usize, u64)> {
        while self.at + 1 < starts.len() && starts[self.at + 1].is_some_and(|s| s <= cycle) {
            self.at += 1;
        }
        let s = starts.get(self.at).copied().flatten()?;
        (s <= cycle && cycle < s + len(self.at)).then_some((self.at, s))
    }
}

/// os: docs/TIMING.md "Output-stationary dataflow". `strides` = (K, N) of
/// row-major A and B.
fn output_stationary<L: Lane>(
    design: &Design,
    plan: &Plan,
    a: &[i64],
    b: &[i64],
    strides: (usize, usize),
    out: &mut [i64],
    acc: Acc,
) -> Result<(u64, Vec<FoldTimes>), PeError> {
    let (r, c) = (design.rows as usize, design.cols as usize);
    let (ru, cu) = (r as u64, c as u64);
    let (ku, nu) = strides;
    let folds: &[Fold] = &plan.folds;
    let nf = folds.len();
    let n_pe = r * c;
    // SRAM contents as the feeders read them: A by row tile [M/R][K][R]
    // (contiguous per cycle), B row-major, in the lane type.
    let (mu, row_tiles) = (out.len() / nu.max(1), (out.len() / nu.max(1)).div_ceil(r));
    let mut a_mem = vec![L::default(); row_tiles * ku * r];
    for i in 0..mu {
        for k in 0..ku {
            a_mem[(i / r) * ku * r + k * r + i % r] = L::from_i64(a[i * ku + k]);
        }
    }
    let b_mem: Vec<L> = b.iter().map(|&v| L::from_i64(v)).collect();
    let mut av = vec![L::default(); n_pe];
    let mut alast = vec![0u8; n_pe];
    let mut bv = vec![L::default(); n_pe];
    let (mut av2, mut alast2, mut bv2) = (av.clone(), alast.clone(), bv.clone());
    let mut accs = vec![L::default(); n_pe];
    let mut outr = vec![L::default(); n_pe];
    let mut flags_in_row = vec![0u32; r];
    let mut skew_a = DelayLines::<(L, u8)>::new(r, r);
    let mut skew_b = DelayLines::<L>::new(c, c);
    let mut dskew = DelayLines::<(L, bool)>::new(c, c + 1);
    let mut dchain = DelayLines::<bool>::new(c, c);
    let mut stream: Vec<Option<u64>> = vec![None; nf];
    let mut drain: Vec<Option<u64>> = vec![None; nf];
    // A drain's start is fixed when its fold starts streaming (a counter in
    // the controller): max(s + T + R - 1, previous drain + R).
    let mut planned = vec![0u64; nf];
    let (mut next_stream, mut next_drain) = (0usize, 0usize);
    let mut feed_a = vec![(L::default(), 0u8); r];
    let mut feed_b = vec![L::default(); c];
    let mut colout = vec![(L::default(), false); c];
    let (mut cur_stream, mut cur_drain, mut cur_out) =
        (Cursor::default(), Cursor::default(), Cursor::default());
    let mut cycle = 0u64;
    loop {
        if next_stream < nf {
            let f = next_stream;
            let ok = f == 0 && cycle >= 1
                || f > 0 && {
                    let sp = stream[f - 1].unwrap_or(u64::MAX);
                    cycle >= sp.saturating_add(folds[f - 1].t)
                        && cycle + folds[f].t > planned[f - 1] + ru
                };
            if ok {
                stream[f] = Some(cycle);
                let own = cycle + folds[f].t + ru - 1;
                planned[f] = if f == 0 {
                    own
                } else {
                    own.max(planned[f - 1] + ru)
                };
                next_stream += 1;
            }
        }
        if next_drain < next_stream && cycle == planned[next_drain] {
            drain[next_drain] = Some(cycle);
            next_drain += 1;
        }
        feed_a.iter_mut().for_each(|e| *e = (L::default(), 0));
        feed_b.iter_mut().for_each(|e| *e = L::default());
        if let Some((f, st)) = cur_stream.active(&stream, cycle, |f| folds[f].t) {
            let fold = &folds[f];
            let k = (cycle - st) as usize;
            let last = if k as u64 + 1 == fold.t { FLAG } else { 0 };
            let base = (fold.row0 as usize / r) * ku * r + k * r;
            for (e, &v) in feed_a.iter_mut().zip(&a_mem[base..base + r]) {
                *e = (v, VALID | last);
            }
            for (j, e) in feed_b.iter_mut().enumerate() {
                *e = if (j as u64) < fold.cols {
                    b_mem[k * nu + fold.col0 as usize + j]
                } else {
                    L::default()
                };
            }
        }
        skew_a.push(cycle, feed_a.iter().copied());
        skew_b.push(cycle, feed_b.iter().copied());
        let draining = cur_drain.active(&drain, cycle, |_| ru).is_some();
        dchain.push(cycle, (0..c).map(|_| draining));
        // PEs: A and its `last` tag move one PE right, B one PE down (whole-
        // array shifts, then the edges from the skew lines).
        let flagged = shift_right(
            &av,
            &alast,
            &mut av2,
            &mut alast2,
            &mut flags_in_row,
            c,
            |i| skew_a.read(cycle, i, i),
        );
        bv2[c..].copy_from_slice(&bv[..n_pe - c]);
        for (j, e) in bv2[..c].iter_mut().enumerate() {
            *e = skew_b.read(cycle, j, j);
        }
        if flagged == 0 && !acc.saturate {
            // No fold ends anywhere in the array this cycle: one MAC pass.
            for ((o, &x), &y) in accs.iter_mut().zip(&av2).zip(&bv2) {
                *o = o.mac(x, y);
            }
        } else {
            for i in 0..r {
                let row = i * c;
                for idx in row..row + c {
                    let prod = av2[idx].to_i64() * bv2[idx].to_i64();
                    let sum = L::from_i64(acc.add(accs[idx].to_i64(), prod));
                    if alast2[idx] & FLAG != 0 {
                        // A fold's last step: capture into the drain register
                        // and restart the accumulator.
                        outr[idx] = sum;
                        accs[idx] = L::default();
                    } else {
                        accs[idx] = sum;
                    }
                }
            }
        }
        // Drain chains: column j shifts when its (skewed) enable is on; a
        // capture in the same cycle would collide with the shift.
        for j in 0..c {
            colout[j] = (L::default(), false);
            if dchain.read(cycle, j, j) {
                for i in 0..r {
                    let idx = i * c + j;
                    if alast2[idx] & FLAG != 0 {
                        return Err(PeError::Hazard {
                            cycle,
                            what: format!("PE({i},{j}) captures while its drain chain shifts"),
                        });
                    }
                }
                colout[j] = (outr[(r - 1) * c + j], true);
                for i in (1..r).rev() {
                    outr[i * c + j] = outr[(i - 1) * c + j];
                }
                outr[j] = L::default();
            }
        }
        std::mem::swap(&mut av, &mut av2);
        std::mem::swap(&mut alast, &mut alast2);
        std::mem::swap(&mut bv, &mut bv2);
        dskew.push(cycle + 1, colout.iter().copied());
        // Writes: output row R-1-j of fold f during D_f + C + j.
        if cycle >= cu {
            if let Some((f, d)) = cur_out.active(&drain, cycle - cu, |_| ru) {
                let fold = &folds[f];
                let row = ru - 1 - (cycle - cu - d);
                for j in 0..c {
                    let (v, valid) = dskew.read(cycle, j, c - 1 - j);
                    let v = v.to_i64();
                    if (j as u64) < fold.cols && row < fold.rows {
                        if !valid {
                            return Err(PeError::Hazard {
                                cycle,
                                what: format!("column {j} has no drained value to write"),
                            });
                        }
                        out[(fold.row0 + row) as usize * nu + fold.col0 as usize + j] = v;
                    }
                }
            }
        }
        if let (Some(Some(d)), true) = (drain.last(), next_drain == nf) {
            if cycle == d + cu + ru - 1 {
                break;
            }
        }
        cycle += 1;
    }
    let times = (0..nf)
        .map(|f| FoldTimes {
            load: stream[f].unwrap_or(0),
            stream: stream[f].unwrap_or(0),
            drain: drain[f].unwrap_or(0),
        })
        .collect();
    Ok((cycle + 1, times))
}

/// The pe engine behind the [`super::Engine`] trait. The array's cost does not
/// depend on the values, so it runs each GEMM on seeded random operands of
/// the design's width and checks the bits against [`reference`]; the cycle
/// count is the one its registers produce. Traffic and DRAM stalls come from
/// the shared fold plan and DRAM model (the pe engine models the array, not DRAM).
#[derive(Debug, Clone, Copy)]
pub struct PeEngine {
    /// Seed of the operand generator.
    pub seed: u64,
}

impl super::Engine for PeEngine {
    fn name(&self) -> &'static str {
        "pe"
    }

    fn timing(&self) -> super::TimingMode {
        super::TimingMode::Rtl
    }

    fn run_gemm(
        &self,
        design: &Design,
        g: &GemmOp,
    ) -> Result<super::GemmStats, crate::error::SimError> {
        let Precision::Int(bits) = design.operand else {
            return Err(PeError::NotInteger(design.operand.to_string()).into());
        };
        let a = random_operands(bits, (g.m * g.k) as usize, self.seed);
        let b = random_operands(bits, (g.k * g.n) as usize, self.seed ^ 0x5EED);
        let run = run(design, &a, &b, g.m, g.k, g.n)?;
        if let Some(i) = run
            .c
            .iter()
            .zip(reference(design, &a, &b, g.m, g.k, g.n))
            .position(|(x, y)| *x != y)
        {
            return Err(PeError::Hazard {
                cycle: run.cycles,
                what: format!("C[{i}] differs from the reference GEMM"),
            }
            .into());
        }
        let mut stats = super::FastEngine {
            mode: super::TimingMode::Rtl,
        }
        .run_gemm(design, g)?;
        stats.compute_cycles = run.cycles;
        Ok(stats)
    }
}

/// Deterministic operands spanning the full range of a `bits`-wide integer
/// (xorshift64*; every third value an extreme, so wrap and sign are exercised).
pub fn random_operands(bits: u32, len: usize, seed: u64) -> Vec<i64> {
    let (lo, hi) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
    let span = (hi - lo + 1) as u64;
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|i| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
            match i % 3 {
                0 if r & 1 == 0 => lo,
                0 => hi,
                _ => lo + ((r >> 8) % span) as i64,
            }
        })
        .collect()
}
