//! A floating-point GEMM in the order the array adds (docs/NUMERICS.md,
//! "Floating-point GEMMs"): what the pe engine and the floating-point RTL
//! compute for a design's formats and accumulation rule.

use super::rules::{fma, fused, AccRule};
use super::{Format, Mode, Num, Value, FP32};

/// The arithmetic of a floating-point design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FpArith {
    /// Format of A and B in the buffers.
    pub operand: Format,
    /// Format of the partial sums flowing in the array.
    pub psum: Format,
    /// Format of the accumulator buffer (and of C).
    pub acc: Format,
    /// Where a multiply-accumulate rounds.
    pub rule: AccRule,
    /// Subnormals and overflow.
    pub mode: Mode,
}

/// How the array orders the additions of one output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// ws and is: K is cut into row folds of `rows`; in each, the partial
    /// sum starts at +0 at the top of the column and takes the products of
    /// the fold's rows in turn, `rows` of them: a fold short of K's end
    /// adds `+0 x +0` in its empty rows, as the array does (which makes a
    /// -0 partial sum +0); the first fold's column sum is written to the
    /// accumulator (converted to its format), later ones are added to it.
    Stationary {
        /// Array rows (the fold size).
        rows: usize,
    },
    /// os: one PE's partial sum starts at +0 and takes the products of K in
    /// order; the result is converted to the accumulator's format.
    Output,
}

impl Order {
    /// Products per chain: the array's rows (ws, is), or all of K (os).
    fn fold_rows(self, k: usize) -> usize {
        match self {
            Order::Output => k.max(1),
            Order::Stationary { rows } => rows.max(1),
        }
    }
}

/// `C = A x B` (row-major bits of `arith.operand`; `C` in bits of
/// `arith.acc`), with every addition where and as the array makes it.
/// Designs whose partial sums and accumulator are fp32 with IEEE rounding,
/// whose rule rounds once per product and whose operands' products are
/// exact in fp32 run on the machine's fp64 multiply-add ([`gemm_fast`]);
/// other one-rounding designs with such operands on fp64 with TwoSum
/// ([`gemm_narrow`]); fp32 operands on fixed-width integers
/// ([`gemm_bits`]); fused adders on exact big-integer arithmetic
/// ([`gemm_exact`]). All four are held equal where they overlap.
pub fn gemm(
    arith: &FpArith,
    order: Order,
    a: &[u32],
    b: &[u32],
    dims: (usize, usize, usize),
) -> Vec<u32> {
    if fast_path(arith) {
        gemm_fast(arith, order, a, b, dims)
    } else if narrow_path(arith) {
        gemm_narrow(arith, order, a, b, dims)
    } else if matches!(arith.rule, AccRule::FmaChain | AccRule::ProductsExact) {
        gemm_bits(arith, order, a, b, dims)
    } else {
        gemm_exact(arith, order, a, b, dims)
    }
}

/// Whether [`gemm_narrow`] computes `arith`: one rounding per product,
/// operands of at most 12 significand bits (products exact in fp64),
/// partial sums of at most 24 (fp32, bf16, fp16), an fp32 accumulator; any
/// mode.
pub fn narrow_path(arith: &FpArith) -> bool {
    matches!(arith.rule, AccRule::FmaChain | AccRule::ProductsExact)
        && arith.operand.man_bits < 12
        && arith.psum.man_bits <= 23
        && !arith.psum.finite_only
        && arith.acc == FP32
}

/// `s + e` (`s` the fp64 sum of two numbers, `e` its exact error, from
/// [`two_sum`]) rounded to nearest even into `f` in `mode`, as an fp64
/// value (NaN of any payload). `s` is an fp64 normal number or zero, as
/// every sum of these formats' values is.
#[inline]
fn round_into(f: Format, mode: Mode, max: f64, s: f64, e: f64) -> f64 {
    if !s.is_finite() {
        return if s.is_infinite() && mode.saturate {
            max.copysign(s)
        } else {
            s
        };
    }
    if s == 0.0 {
        return s;
    }
    let bits = s.to_bits();
    let neg = bits >> 63 == 1;
    let be = ((bits >> 52) & 0x7ff) as i32;
    let mant = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    // The result's last bit: the sum's top bit less the fraction bits, but
    // never below the smallest subnormal's.
    let q = (be - 1023 - f.man_bits as i32).max(f.min_exp());
    let shift = q - (be - 1075);
    if shift > 53 {
        // Below half the smallest subnormal: a zero of its sign.
        return 0.0f64.copysign(s);
    }
    let kept = mant >> shift;
    let rem = mant & ((1u64 << shift) - 1);
    let half = 1u64 << (shift - 1);
    // The exact value is s + e: at a tie, e's direction decides.
    let away = e != 0.0 && (e > 0.0) != neg;
    let up = rem > half || (rem == half && (away || (e == 0.0 && kept & 1 == 1)));
    let m = kept + u64::from(up);
    if !mode.subnormals && m < (1u64 << f.man_bits) {
        return 0.0f64.copysign(s);
    }
    let v = m as f64 * f64::from_bits(((q + 1023) as u64) << 52);
    if v > max {
        return if mode.saturate {
            max.copysign(s)
        } else {
            f64::INFINITY.copysign(s)
        };
    }
    if neg {
        -v
    } else {
        v
    }
}

/// [`round_into`] without branches in every case but a result in `f`'s
/// subnormal range and, with saturation, an infinity or overflow. `s` in
/// `f`'s normal range is rounded at `f`'s last fraction bit by adding half
/// less one plus the kept last bit (nearest even, carrying into the
/// exponent as it should); when `s` is a tie of `f` and the error is
/// nonzero, `s` first moves one fp64 step toward `s + e`, which breaks the
/// tie as the exact value does (no fp64 step lies between a point of `f`'s
/// grid and a midpoint). Anywhere else `s` alone decides, as `|e|` is at
/// most half an fp64 step: moving an `s` one step past a tie onto it would
/// round the wrong way (`-8.90625 - 2^-49` to bf16). Zeros, infinities and
/// NaNs pass through (the sum of two such values in `f` is what IEEE fp64
/// makes of it), and a
/// finite result above `f`'s range is an infinity. `f` is an IEEE format
/// (`narrow_path` excludes E4M3). Returns the result and whether it is
/// right; when it is not, [`round_into`] gives it.
#[inline(always)]
fn round_near(f: Format, saturate: bool, s: f64, e: f64) -> (f64, bool) {
    let bits = s.to_bits();
    let be = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let bias = i64::from(f.bias());
    let sh = 52 - f.man_bits;
    let tie = bits & ((1u64 << sh) - 1) == 1u64 << (sh - 1);
    let step = u64::from((e != 0.0) & tie);
    let toward_zero = (e.to_bits() ^ bits) >> 63;
    // At a tie: +1 away from zero, -1 toward it (wrapping), 0 without an
    // error.
    let b = bits.wrapping_add(step.wrapping_sub(2 * step * toward_zero));
    let r = b.wrapping_add((1u64 << (sh - 1)) - 1 + ((b >> sh) & 1)) & !((1u64 << sh) - 1);
    let re = ((r >> 52) & 0x7ff) as i64 - 1023;
    // The rounding leaves zeros, infinities and NaNs as they are (the
    // added bits stay below the kept ones); a finite result above the
    // range becomes an infinity.
    let inf = (bits & (1u64 << 63)) | 0x7ff0_0000_0000_0000;
    let out = if re > bias && re < 1024 { inf } else { r };
    let ok = (bits << 1 == 0) | ((be >= 1 - bias) & (!saturate | (re <= bias)));
    (f64::from_bits(out), ok)
}

/// Knuth's TwoSum: `a + b = s + e` exactly, `s` the rounded sum.
#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Outputs side by side in [`gemm_narrow`] (docs/PERFORMANCE.md).
const NARROW_LANES: usize = 64;

/// [`gemm`] on fp64 for the designs [`narrow_path`] accepts (partial sums
/// narrower than fp32, flushed subnormals, saturation): each product exact,
/// each sum rounded to fp64 with its exact error (TwoSum), which
/// [`round_into`] needs only at a tie of the target format, then rounded
/// once into the partial sums' (and the accumulator's) format.
/// `sim/tests/fp_props.rs` holds it equal to [`gemm_bits`].
pub fn gemm_narrow(
    arith: &FpArith,
    order: Order,
    a: &[u32],
    b: &[u32],
    (m, k, n): (usize, usize, usize),
) -> Vec<u32> {
    assert!(
        narrow_path(arith),
        "gemm_narrow needs a design narrow_path accepts"
    );
    check_dims(a, b, (m, k, n));
    let (ps, mode) = (arith.psum, arith.mode);
    // Values as fp64 (exact): subnormals read as the mode says, infinities
    // kept as infinities (saturation applies to results only).
    let read = Mode {
        saturate: false,
        ..mode
    };
    let value = |f: Format, x: u32| f.to_f64(x, read);
    let max_of = |f: Format| value(f, f.max_finite(false));
    let (max_ps, max_acc) = (max_of(ps), max_of(FP32));
    let a: Vec<f64> = a.iter().map(|&x| value(arith.operand, x)).collect();
    let b: Vec<f64> = b.iter().map(|&x| value(arith.operand, x)).collect();
    let c = chains::<f64, NARROW_LANES>(
        order,
        &a,
        &b,
        (m, k, n),
        (0.0, -0.0),
        |p, x, ys| {
            // Every lane on the branch-free rounding first (vectorized);
            // the rare lane outside it again on `round_into`.
            let mut old = [0.0; NARROW_LANES];
            let mut all = true;
            for ((p, &y), o) in p.iter_mut().zip(ys).zip(&mut old) {
                *o = *p;
                let (s, e) = two_sum(*p, x * y);
                let (r, ok) = round_near(ps, mode.saturate, s, e);
                *p = r;
                all &= ok;
            }
            if !all {
                for ((p, &y), &o) in p.iter_mut().zip(ys).zip(&old) {
                    let (s, e) = two_sum(o, x * y);
                    if !round_near(ps, mode.saturate, s, e).1 {
                        *p = round_into(ps, mode, max_ps, s, e);
                    }
                }
            }
        },
        |p| p + 0.0,
        |acc, p| {
            let (s, e) = two_sum(acc, p);
            match round_near(FP32, mode.saturate, s, e) {
                (r, true) => r,
                _ => round_into(FP32, mode, max_acc, s, e),
            }
        },
    );
    c.into_iter()
        .map(|x| canon(if k == 0 { 0.0 } else { x as f32 }).to_bits())
        .collect()
}

/// [`gemm`] of the `FmaChain` and `ProductsExact` rules on fixed-width
/// integers ([`super::bits`]: the RTL's algorithm, equal to exact
/// arithmetic in every case): every format and mode.
pub fn gemm_bits(
    arith: &FpArith,
    order: Order,
    a: &[u32],
    b: &[u32],
    (m, k, n): (usize, usize, usize),
) -> Vec<u32> {
    use super::bits::{add, fma};
    assert!(
        matches!(arith.rule, AccRule::FmaChain | AccRule::ProductsExact),
        "gemm_bits rounds once per product"
    );
    check_dims(a, b, (m, k, n));
    let (op, ps, af, mode) = (arith.operand, arith.psum, arith.acc, arith.mode);
    // -0: the accumulator's empty value (-0 + x is x converted).
    let neg_zero = 1u32 << (af.bits() - 1);
    let c = chains::<u32, 1>(
        order,
        a,
        b,
        (m, k, n),
        (0, neg_zero),
        |p, x, ys| {
            for (p, &y) in p.iter_mut().zip(ys) {
                *p = fma(ps, op, mode, *p, x, y);
            }
        },
        |p| fma(ps, op, mode, p, 0, 0),
        |acc, p| add(af, ps, mode, acc, p),
    );
    c.into_iter().map(|x| if k == 0 { 0 } else { x }).collect()
}

/// Whether [`gemm_fast`] computes `arith` exactly: fp32 partial sums and
/// accumulator, IEEE mode, one rounding per product, and operand products
/// of at most 24 significand bits (so exact in fp32).
pub fn fast_path(arith: &FpArith) -> bool {
    arith.psum == FP32
        && arith.acc == FP32
        && arith.mode == Mode::IEEE
        && matches!(arith.rule, AccRule::FmaChain | AccRule::ProductsExact)
        && 2 * (arith.operand.man_bits + 1) <= 24
}

/// Panics unless `a` is `m x k` and `b` is `k x n` (the value paths' one
/// precondition on shapes).
fn check_dims<T>(a: &[T], b: &[T], (m, k, n): (usize, usize, usize)) {
    assert_eq!(a.len(), m * k, "A is m x k");
    assert_eq!(b.len(), k * n, "B is k x n");
}

/// The machine's NaN made canonical (`sim::fp`: a result NaN is the
/// format's one NaN).
fn canon(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(FP32.nan())
    } else {
        x
    }
}

/// The array's order of additions on values of type `T`, shared by the
/// value paths: for each output, each row fold's chain (`mac` from `zero`,
/// `pad` once for a fold short of `rows`), added into the
/// accumulator (`add(acc, p)` from `start`, the accumulator's -0); `L`
/// outputs of a row of C run side by side (independent chains whose
/// latencies overlap): `mac(ps, x, ys)` takes one product step on up to `L`
/// of them at once (`ps[j] += x * ys[j]` in the path's arithmetic; one loop,
/// vectorized where the path allows). Returns each output's
/// accumulator (still `start` when K is 0).
#[allow(clippy::too_many_arguments)]
fn chains<T: Copy, const L: usize>(
    order: Order,
    a: &[T],
    b: &[T],
    (m, k, n): (usize, usize, usize),
    (zero, start): (T, T),
    mac: impl Fn(&mut [T], T, &[T]),
    pad: impl Fn(T) -> T,
    add: impl Fn(T, T) -> T,
) -> Vec<T> {
    let rows = order.fold_rows(k);
    let mut c = vec![start; m * n];
    for i in 0..m {
        let ar = &a[i * k..(i + 1) * k];
        let cr = &mut c[i * n..(i + 1) * n];
        for f0 in (0..k).step_by(rows) {
            let f1 = (f0 + rows).min(k);
            for j0 in (0..n).step_by(L) {
                let w = L.min(n - j0);
                let mut p = [zero; L];
                for (kk, &x) in ar.iter().enumerate().take(f1).skip(f0) {
                    mac(&mut p[..w], x, &b[kk * n + j0..kk * n + j0 + w]);
                }
                for (ct, &pt) in cr[j0..j0 + w].iter_mut().zip(&p) {
                    // A short fold's empty rows add +0 x +0.
                    let pt = if f1 - f0 < rows { pad(pt) } else { pt };
                    *ct = add(*ct, pt);
                }
            }
        }
    }
    c
}

/// `round_fp32(p + x * y)` for `x`, `y` of at most 12 significand bits:
/// the product is exact in fp64 (24 bits, any exponent), and the fp64 sum of
/// it and the 24-bit `p`, rounded again to fp32, is the correctly rounded
/// sum (rounding twice is innocuous when the wider format has at least
/// 2q + 2 bits for q-bit operands: 53 >= 50; Figueroa, "When is double
/// rounding innocuous?", SIGNUM Newsletter 30(3), 1995). fp64 overflow and
/// fp32 subnormals are covered by the same argument, and the cast rounds
/// to nearest even with overflow to infinity. A NaN result may carry any
/// payload: NaN stays NaN through every later step, so a chain's NaN is
/// made canonical once, at its end.
#[inline]
fn fma32(x: f32, y: f32, p: f32) -> f32 {
    (f64::from(p) + f64::from(x) * f64::from(y)) as f32
}

/// [`gemm`] on the machine's fp64 and fp32 arithmetic (IEEE 754, correctly
/// rounded), for the designs [`fast_path`] accepts: each operand converts
/// exactly to fp32, each product is exact, and each multiply-add rounds
/// once into fp32 ([`fma32`]), as `FmaChain` does
/// (`sim/tests/fp_props.rs` holds it equal to [`gemm_exact`]).
pub fn gemm_fast(
    arith: &FpArith,
    order: Order,
    a: &[u32],
    b: &[u32],
    (m, k, n): (usize, usize, usize),
) -> Vec<u32> {
    assert!(
        fast_path(arith),
        "gemm_fast needs a design fast_path accepts"
    );
    check_dims(a, b, (m, k, n));
    let to32 = |x: &u32| arith.operand.to_f64(*x, arith.mode) as f32;
    let a: Vec<f32> = a.iter().map(to32).collect();
    let b: Vec<f32> = b.iter().map(to32).collect();
    // (64 chains side by side: docs/PERFORMANCE.md.)
    let c = chains::<f32, 64>(
        order,
        &a,
        &b,
        (m, k, n),
        (0.0, -0.0),
        |ps, x, ys| {
            for (p, &y) in ps.iter_mut().zip(ys) {
                *p = fma32(x, y, *p);
            }
        },
        |p| p + 0.0,
        |acc, p| canon(acc + p),
    );
    c.into_iter()
        .map(|x| if k == 0 { 0 } else { x.to_bits() })
        .collect()
}

/// [`gemm`] on exact big-integer arithmetic: every format, rule and mode.
pub fn gemm_exact(
    arith: &FpArith,
    order: Order,
    a: &[u32],
    b: &[u32],
    (m, k, n): (usize, usize, usize),
) -> Vec<u32> {
    check_dims(a, b, (m, k, n));
    let dec = |x: u32| arith.operand.decode_in(x, arith.mode);
    let a: Vec<Value> = a.iter().map(|&x| dec(x)).collect();
    let b: Vec<Value> = b.iter().map(|&x| dec(x)).collect();
    let zero = arith.psum.round(&Value::Num(Num::zero(false)), arith.mode);
    let plus_zero = Value::Num(Num::zero(false));
    let mut c = Vec::with_capacity(m * n);
    for i in 0..m {
        for j in 0..n {
            // The products of rows `ks` of K, then `+0 x +0` up to `len`.
            let chain = |ks: std::ops::Range<usize>, len: usize| {
                let pad = len - ks.len();
                let products = ks
                    .map(|kk| (&a[i * k + kk], &b[kk * n + j]))
                    .chain(std::iter::repeat_n((&plus_zero, &plus_zero), pad));
                chain(arith, zero, products)
            };
            let out = match order {
                Order::Output => arith.acc.convert(arith.psum, chain(0..k, k), arith.mode),
                Order::Stationary { rows } => {
                    let rows = rows.max(1);
                    let mut acc = None;
                    for f0 in (0..k).step_by(rows) {
                        let col = chain(f0..(f0 + rows).min(k), rows);
                        acc = Some(match acc {
                            None => arith.acc.convert(arith.psum, col, arith.mode),
                            Some(acc) => {
                                let v = arith.psum.decode_in(col, arith.mode);
                                let one = Value::Num(Num {
                                    neg: false,
                                    mag: 1u8.into(),
                                    exp: 0,
                                });
                                // acc + col * 1: one rounding, in the accumulator's format.
                                fma(arith.acc, arith.mode, acc, &v, &one)
                            }
                        });
                    }
                    acc.unwrap_or_else(|| {
                        arith.acc.round(&Value::Num(Num::zero(false)), arith.mode)
                    })
                }
            };
            c.push(out);
        }
    }
    c
}

/// A partial sum starting at `start` (bits of `arith.psum`) taking the
/// products in turn: one rounding per product (`FmaChain`,
/// `ProductsExact`), or per group of `terms` products (`FusedAdder`).
fn chain<'a>(
    arith: &FpArith,
    start: u32,
    products: impl Iterator<Item = (&'a Value, &'a Value)>,
) -> u32 {
    let products: Vec<(&Value, &Value)> = products.collect();
    match arith.rule {
        AccRule::FmaChain | AccRule::ProductsExact => products
            .iter()
            .fold(start, |p, (x, y)| fma(arith.psum, arith.mode, p, x, y)),
        AccRule::FusedAdder { terms, extra_bits } => {
            products
                .chunks(terms.max(1) as usize)
                .fold(start, |p, group| {
                    let pairs: Vec<(Value, Value)> = group
                        .iter()
                        .map(|(x, y)| ((*x).clone(), (*y).clone()))
                        .collect();
                    fused(arith.psum, arith.mode, extra_bits, p, &pairs)
                })
        }
    }
}
