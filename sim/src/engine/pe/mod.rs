//! The pe engine: the PE, skew and deskew registers of the `rtl`
//! micro-architecture (docs/TIMING.md), computing real values. Its
//! controller is a cycle-stepped state machine that starts each load, stream
//! and drain at the first cycle its conditions hold; values come out right
//! only if those conditions really are hazard-free, so agreement with a
//! reference GEMM checks the contract itself, and agreement with the fast
//! engine checks the closed-form recurrences.
//!
//! Two evaluation orders of the same registers: [`run`] is time-major (for
//! each fold, each vector's partial sums down the array, from the registers'
//! recurrences; the stationary and drain registers from the controller's
//! shift and latch times), and [`run_stepped`] updates every register every
//! cycle. Property tests hold them equal; `run` is the fast one.

mod adapter;
mod control;
mod kernel;
mod output;
mod stationary;
mod step_output;
mod step_stationary;

pub use adapter::{design_operands, design_weights, random_fp_operands, random_operands, PeEngine};

use super::plan;
use super::FoldTimes;
use crate::design::{Dataflow, Design};
use crate::precision::Precision;
use crate::sparsity::Sparsity;
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

pub use crate::error::PeError;

/// Runs `C = A x B` (A: `m x k`, B: `k x n`, row-major) on `design`,
/// value-exactly, in time-major order.
pub fn run(
    design: &Design,
    a: &[i64],
    b: &[i64],
    m: u64,
    k: u64,
    n: u64,
) -> Result<PeRun, PeError> {
    run_in(design, a, b, (m, k, n), false)
}

/// [`run`], stepping every register every cycle (the reference order; slower).
pub fn run_stepped(
    design: &Design,
    a: &[i64],
    b: &[i64],
    m: u64,
    k: u64,
    n: u64,
) -> Result<PeRun, PeError> {
    run_in(design, a, b, (m, k, n), true)
}

/// The operands of a stationary dataflow: S in the PEs, X streamed, and the
/// output strides in X's column space.
#[derive(Clone, Copy)]
pub(super) struct Stationary<'a> {
    s: View<'a>,
    x: View<'a>,
    out_stride: (usize, usize),
}

/// The SRAM contents as the stationary dataflows' feeders read them, in the
/// lane type: S (`Sr x Sc`, row-major) and X by row tile (`[Sr / R][T][R]`,
/// zero-padded), so a fold streams contiguous memory, R words per cycle.
pub(super) struct Memories<L> {
    s: Vec<L>,
    sc: usize,
    x: Vec<L>,
    tt: usize,
}

fn memories<L: Lane>(plan: &plan::Plan, r: usize, s: View, x: View) -> Memories<L> {
    let folds = &plan.folds;
    let sr = folds.iter().map(|f| f.row0 + f.rows).max().unwrap_or(0) as usize;
    let sc = folds.iter().map(|f| f.col0 + f.cols).max().unwrap_or(0) as usize;
    let tt = folds.iter().map(|f| f.t0 + f.t).max().unwrap_or(0) as usize;
    let s_mem: Vec<L> = (0..sr as u64)
        .flat_map(|i| (0..sc as u64).map(move |j| L::from_i64(s.at(i, j))))
        .collect();
    let mut x_mem = vec![L::default(); sr.div_ceil(r) * tt * r];
    for (tile, words) in x_mem.chunks_exact_mut((tt * r).max(1)).enumerate() {
        let rows = r.min(sr - tile * r);
        for (t, line) in words.chunks_exact_mut(r).enumerate() {
            if x.col == 1 {
                let from = t * x.row + tile * r;
                for (e, &v) in line[..rows].iter_mut().zip(&x.data[from..from + rows]) {
                    *e = L::from_i64(v);
                }
            } else {
                for (kk, e) in line[..rows].iter_mut().enumerate() {
                    *e = L::from_i64(x.at(t as u64, (tile * r + kk) as u64));
                }
            }
        }
    }
    Memories {
        s: s_mem,
        sc,
        x: x_mem,
        tt,
    }
}

fn run_in(
    design: &Design,
    a: &[i64],
    b: &[i64],
    (m, k, n): (u64, u64, u64),
    stepped: bool,
) -> Result<PeRun, PeError> {
    if let Some(s) = design.sparsity {
        return run_sparse(design, s, a, b, (m, k, n), stepped);
    }
    if let Some(arith) = &design.fp {
        return run_float(design, arith, a, b, (m, k, n));
    }
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
    // i32 registers are exact when the accumulator wraps at 32 bits or fewer.
    let narrow = !acc.saturate && acc.bits <= 32 && op_bits <= 16;
    let sched = schedule(design, &plan);
    match design.dataflow {
        Dataflow::Ws | Dataflow::Is => {
            let ops = if design.dataflow == Dataflow::Ws {
                // ws: stationary B (K x N), streamed A (M x K), output C (M x N).
                Stationary {
                    s: View {
                        data: b,
                        row: nu,
                        col: 1,
                    },
                    x: View {
                        data: a,
                        row: ku,
                        col: 1,
                    },
                    out_stride: (nu, 1),
                }
            } else {
                // is: stationary A^T (K x M), streamed B^T (N x K), output C^T (N x M).
                Stationary {
                    s: View {
                        data: a,
                        row: 1,
                        col: ku,
                    },
                    x: View {
                        data: b,
                        row: 1,
                        col: nu,
                    },
                    out_stride: (1, nu),
                }
            };
            match (stepped, narrow) {
                (false, true) => {
                    stationary::stationary::<i32>(design, &plan, &sched, ops, &mut c, acc)
                }
                (false, false) => {
                    stationary::stationary::<i64>(design, &plan, &sched, ops, &mut c, acc)
                }
                (true, true) => {
                    step_stationary::stationary::<i32>(design, &plan, &sched, ops, &mut c, acc)
                }
                (true, false) => {
                    step_stationary::stationary::<i64>(design, &plan, &sched, ops, &mut c, acc)
                }
            }
        }
        Dataflow::Os => {
            let strides = (ku, nu);
            match (stepped, narrow) {
                (false, true) => output::output_stationary::<i32>(
                    design, &plan, &sched, a, b, strides, &mut c, acc,
                )?,
                (false, false) => output::output_stationary::<i64>(
                    design, &plan, &sched, a, b, strides, &mut c, acc,
                )?,
                (true, true) => step_output::output_stationary::<i32>(
                    design, &plan, &sched, a, b, strides, &mut c, acc,
                )?,
                (true, false) => step_output::output_stationary::<i64>(
                    design, &plan, &sched, a, b, strides, &mut c, acc,
                )?,
            }
        }
    }
    for v in &mut c {
        *v = acc.reduce(*v);
    }
    Ok(finish(design, &plan, &sched, c))
}

/// B compressed to `s` (docs/TIMING.md, "Sparse weights"): the kept
/// values (`K' x N`) and their indices, or the first group that breaks the
/// pattern. The RTL's B buffer holds the same (`hdlgen`'s line images).
pub fn compress(
    s: Sparsity,
    b: &[i64],
    (k, n): (usize, usize),
) -> Result<(Vec<i64>, Vec<u8>), PeError> {
    if let Some((group, column)) = s.first_violation(b, (k, n), |&x| x == 0) {
        let (mm, first) = (s.m as usize, group * s.m as usize);
        let last = (first + mm).min(k) - 1;
        return Err(PeError::Pattern {
            pattern: s.to_string(),
            group,
            column,
            first,
            last,
            nonzero: (first..=last).filter(|&kk| b[kk * n + column] != 0).count(),
            keep: s.n,
        });
    }
    Ok(s.compress(b, (k, n), 0, |&x| x == 0))
}

/// Column `j`'s streamed operand on a sparse array: the activation each
/// compressed row selects, `A[t, g M + index]` (`m x K'`, row-major).
fn gather(
    s: Sparsity,
    a: &[i64],
    index: &[u8],
    (m, k, n): (usize, usize, usize),
    j: usize,
) -> Vec<i64> {
    let (keep, group) = (s.n as usize, s.m as usize);
    let kc = index.len() / n.max(1);
    let mut out = vec![0i64; m * kc];
    for r in 0..kc {
        let kk = r / keep * group + usize::from(index[r * n + j]);
        for t in 0..m {
            out[t * kc + r] = a[t * k + kk];
        }
    }
    out
}

/// [`run_in`] on an N:M sparse ws design: B checked against the pattern
/// and compressed; the cycles are the controller's over the compressed K
/// (the fast engine's), and each column's values those of the dense array
/// over the compressed rows, each taking the activation its index selects
/// (columns of a ws array never mix, so a column computes alone as it does
/// in the array, fold by fold, saturation included).
fn run_sparse(
    design: &Design,
    s: Sparsity,
    a: &[i64],
    b: &[i64],
    (m, k, n): (u64, u64, u64),
    stepped: bool,
) -> Result<PeRun, PeError> {
    let (Precision::Int(op_bits), Dataflow::Ws, None) =
        (design.operand, design.dataflow, &design.fp)
    else {
        return Err(PeError::Sparse(s.to_string()));
    };
    check("A", a, m, k, op_bits)?;
    check("B", b, k, n, op_bits)?;
    let (mu, ku, nu) = (m as usize, k as usize, n as usize);
    let (values, index) = compress(s, b, (ku, nu))?;
    let kc = s.compressed_k(k);
    let dense = design
        .variant(|p| p.sparsity = None)
        .map_err(|_| PeError::Sparse(s.to_string()))?;
    let mut c = vec![0i64; mu * nu];
    for j in 0..nu {
        let aj = gather(s, a, &index, (mu, ku, nu), j);
        let bj: Vec<i64> = (0..kc as usize).map(|r| values[r * nu + j]).collect();
        let col = run_in(&dense, &aj, &bj, (m, kc, 1), stepped)?;
        for t in 0..mu {
            c[t * nu + j] = col.c[t];
        }
    }
    let plan = plan::plan(&dense, &GemmOp::new(m, kc, n), true);
    let sched = schedule(&dense, &plan);
    Ok(finish(design, &plan, &sched, c))
}

/// The multiplies the array makes for `C = A x B` on `design` and how many
/// of them have a zero operand: (multiplies, with a zero). Dense: `M K N`
/// products; N:M sparse: `M K' N`, each compressed weight (a padding slot
/// is a zero) against the activation its index selects. `b` must follow a
/// sparse design's pattern (as [`run`] requires).
pub fn zero_products(
    design: &Design,
    a: &[i64],
    b: &[i64],
    (m, k, n): (u64, u64, u64),
) -> (u64, u64) {
    let (mu, ku, nu) = (m as usize, k as usize, n as usize);
    // Zeros in each column of A.
    let mut za = vec![0u64; ku];
    for row in a.chunks_exact(ku.max(1)).take(mu) {
        for (z, &x) in za.iter_mut().zip(row) {
            *z += u64::from(x == 0);
        }
    }
    match design.sparsity.filter(|_| design.dataflow == Dataflow::Ws) {
        None => {
            let zero = (0..ku)
                .map(|kk| {
                    let zb = b[kk * nu..(kk + 1) * nu]
                        .iter()
                        .filter(|&&x| x == 0)
                        .count() as u64;
                    za[kk] * n + (m - za[kk]) * zb
                })
                .sum();
            (m * k * n, zero)
        }
        Some(s) => {
            let (values, index) = s.compress(b, (ku, nu), 0, |&x| x == 0);
            let (keep, group) = (s.n as usize, s.m as usize);
            let zero = values
                .iter()
                .zip(&index)
                .enumerate()
                .map(|(i, (&v, &ix))| {
                    let kk = i / nu / keep * group + usize::from(ix);
                    if v == 0 {
                        m
                    } else {
                        za[kk]
                    }
                })
                .sum();
            (m * s.compressed_k(k) * n, zero)
        }
    }
}

/// The controller's schedule of `plan` (the same state machine for every
/// arithmetic).
fn schedule(design: &Design, plan: &plan::Plan) -> control::Schedule {
    let (r, cols) = (u64::from(design.rows), u64::from(design.cols));
    match design.dataflow {
        Dataflow::Ws | Dataflow::Is => control::stationary(&plan.folds, r, cols),
        Dataflow::Os => control::output(&plan.folds, r, cols),
    }
}

fn finish(design: &Design, plan: &plan::Plan, sched: &control::Schedule, c: Vec<i64>) -> PeRun {
    let folds = (0..plan.folds.len())
        .map(|f| FoldTimes {
            load: sched.load[f],
            stream: sched.stream[f],
            drain: sched.drain[f],
        })
        .collect();
    PeRun {
        c,
        cycles: sched.cycles,
        folds,
        pe_cycles: sched.cycles * design.pes(),
    }
}

/// [`run`] on a floating-point design: A and B are encodings of its operand
/// format (non-negative, below `2^bits`), C encodings of its accumulator's.
/// The controller is the same state machine as for integers, so the cycles
/// and fold times are; the values are `sim::fp::gemm`'s, which adds in the
/// array's order (docs/NUMERICS.md, "Floating-point GEMMs"): the RTL
/// co-simulation holds the two equal bit for bit.
fn run_float(
    design: &Design,
    arith: &crate::fp::gemm::FpArith,
    a: &[i64],
    b: &[i64],
    (m, k, n): (u64, u64, u64),
) -> Result<PeRun, PeError> {
    use crate::fp::gemm::{gemm, Order};
    let bits = arith.operand.bits();
    for (name, v, rows, cols) in [("A", a, m, k), ("B", b, k, n)] {
        check_shape(name, v, rows, cols)?;
        if let Some((index, &value)) = v
            .iter()
            .enumerate()
            .find(|(_, &x)| !(0..1i64 << bits).contains(&x))
        {
            return Err(PeError::Range {
                name,
                index,
                value,
                precision: format!("{} encodings (0 to 2^{bits} - 1)", arith.operand),
            });
        }
    }
    let plan = plan::plan(design, &GemmOp::new(m, k, n), true);
    let sched = schedule(design, &plan);
    let order = match design.dataflow {
        Dataflow::Ws | Dataflow::Is => Order::Stationary {
            rows: design.rows as usize,
        },
        Dataflow::Os => Order::Output,
    };
    let enc = |v: &[i64]| -> Vec<u32> { v.iter().map(|&x| x as u32).collect() };
    let c = gemm(
        arith,
        order,
        &enc(a),
        &enc(b),
        (m as usize, k as usize, n as usize),
    );
    let c = c.into_iter().map(i64::from).collect();
    Ok(finish(design, &plan, &sched, c))
}

/// A naive reference GEMM with the same accumulator semantics and order of
/// additions (for tests and tools). Wrapping sums do not depend on the
/// order; saturating ones do, so this adds in the hardware's order
/// (docs/NUMERICS.md): in ws and is, each row fold's products (up to
/// `rows` of K) are summed down the column from zero, and that sum is added
/// to the accumulator of the earlier row folds; in os, the PE adds every
/// product to its accumulator in K order.
pub fn reference(design: &Design, a: &[i64], b: &[i64], m: u64, k: u64, n: u64) -> Vec<i64> {
    if let Some(s) = design.sparsity {
        // The compressed GEMM, column by column (panics on weights that
        // break the pattern, as on operands of the wrong shape).
        let (values, index) = s.compress(b, (k as usize, n as usize), 0, |&x| x == 0);
        let kc = s.compressed_k(k);
        let dense = design
            .variant(|p| p.sparsity = None)
            .expect("a valid design");
        let mut c = vec![0i64; (m * n) as usize];
        for j in 0..n as usize {
            let aj = gather(s, a, &index, (m as usize, k as usize, n as usize), j);
            let bj: Vec<i64> = (0..kc as usize)
                .map(|r| values[r * n as usize + j])
                .collect();
            for (t, v) in reference(&dense, &aj, &bj, m, kc, 1)
                .into_iter()
                .enumerate()
            {
                c[t * n as usize + j] = v;
            }
        }
        return c;
    }
    let acc_bits = match design.accumulator {
        Precision::Int(b) => b,
        _ => 64,
    };
    let acc = Acc::new(acc_bits, design.saturate);
    let (m, k, n) = (m as usize, k as usize, n as usize);
    let fold = match design.dataflow {
        Dataflow::Ws | Dataflow::Is => design.rows as usize,
        Dataflow::Os => k.max(1),
    };
    let mut c = vec![0i64; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut total = 0i64;
            for (f, start) in (0..k).step_by(fold.max(1)).enumerate() {
                let mut s = 0i64;
                for l in start..(start + fold).min(k) {
                    s = acc.add(s, a[i * k + l] * b[l * n + j]);
                }
                total = if f == 0 { s } else { acc.add(total, s) };
            }
            c[i * n + j] = acc.reduce(total);
        }
    }
    c
}

fn check(name: &'static str, v: &[i64], rows: u64, cols: u64, bits: u32) -> Result<(), PeError> {
    check_shape(name, v, rows, cols)?;
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

fn check_shape(name: &'static str, v: &[i64], rows: u64, cols: u64) -> Result<(), PeError> {
    let expected = rows
        .checked_mul(cols)
        .and_then(|e| usize::try_from(e).ok())
        .unwrap_or(usize::MAX);
    if v.len() != expected {
        return Err(PeError::Shape {
            name,
            len: v.len(),
            expected,
            shape: format!("{rows} x {cols}"),
        });
    }
    Ok(())
}

/// `x + y` in `design`'s accumulator (its width, wrapping or saturating): the
/// adder that accumulates a partial sum into the ofmap buffer.
/// On a floating-point design `x` and `y` are encodings of the
/// accumulator's format, added and rounded once in it.
pub fn acc_add(design: &Design, x: i64, y: i64) -> i64 {
    if let Some(f) = &design.fp {
        return i64::from(crate::fp::bits::add(
            f.acc, f.acc, f.mode, x as u32, y as u32,
        ));
    }
    let acc = Acc::new(design.accumulator.bits(), design.saturate);
    acc.reduce(acc.add(x, y))
}

/// Accumulator arithmetic: two's-complement wrap at `bits` (computed in i64,
/// reduced at the end: wrapping commutes with reduction), or saturation at
/// every addition.
#[derive(Debug, Clone, Copy)]
pub(super) struct Acc {
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
pub(super) trait Lane: Copy + Default + Send {
    fn from_i64(v: i64) -> Self;
    fn to_i64(self) -> i64;
    fn mul(self, y: Self) -> Self;
    fn mac(self, x: Self, y: Self) -> Self;
    /// Wrapping addition.
    fn add(self, y: Self) -> Self;
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
    #[inline(always)]
    fn add(self, y: Self) -> Self {
        self.wrapping_add(y)
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
    #[inline(always)]
    fn add(self, y: Self) -> Self {
        self.wrapping_add(y)
    }
}

/// A strided read-only matrix view: element (i, j) at `i * row + j * col`.
#[derive(Debug, Clone, Copy)]
pub(super) struct View<'a> {
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
pub(super) struct DelayLines<T: Copy + Default> {
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

pub(super) const VALID: u8 = 1;
pub(super) const FLAG: u8 = 2;

/// Moves a row-flowing register array (values and their tags, row-major,
/// rows of `c`) one PE to the right: each row's first PE takes `head(row)`
/// (its skew line), the last PE's value leaves. Keeps `flags[row]`, the
/// number of `FLAG` tags in the row, and returns their total.
pub(super) fn shift_right<L: Copy>(
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
pub(super) struct Cursor {
    at: usize,
}

impl Cursor {
    fn active(
        &mut self,
        starts: &[u64],
        cycle: u64,
        len: impl Fn(usize) -> u64,
    ) -> Option<(usize, u64)> {
        while self.at + 1 < starts.len() && starts[self.at + 1] <= cycle {
            self.at += 1;
        }
        let s = starts.get(self.at).copied()?;
        (s <= cycle && cycle < s + len(self.at)).then_some((self.at, s))
    }
}
