//! The multiply-add and the accumulator's add on encodings, in fixed-width
//! integers: the algorithm of the generated RTL (docs/HDL.md, "Floating
//! point": decode, exact product, a window of `w(x) + w(c) + 3` bits with a
//! sticky bit, normalize, round to nearest even), for formats of at most 32
//! bits. Equal to [`super::rules::fma`] (big-integer arithmetic) in every
//! case (`sim/tests/fp_props.rs`), and about a hundred times faster.

use super::{Format, Mode};

/// A decoded input: sign, significand (hidden bit included; 0 for a zero),
/// exponent of its last bit, significand width, and the special flags.
#[derive(Debug, Clone, Copy)]
struct Parts {
    neg: bool,
    m: u64,
    e: i32,
    w: u32,
    nan: bool,
    inf: bool,
    zero: bool,
}

fn decode(f: Format, bits: u32, mode: Mode) -> Parts {
    let (eb, mb) = (f.exp_bits, f.man_bits);
    let neg = (bits >> (eb + mb)) & 1 == 1;
    let ef = (bits >> mb) & ((1 << eb) - 1);
    let ff = u64::from(bits) & ((1u64 << mb) - 1);
    let top = ef == (1 << eb) - 1;
    let man_ones = ff == (1u64 << mb) - 1;
    let nan = top && if f.finite_only { man_ones } else { ff != 0 };
    let inf = top && !f.finite_only && ff == 0;
    let sub = ef == 0;
    let zero = sub && (!mode.subnormals || ff == 0);
    let m = if zero {
        0
    } else if sub {
        ff
    } else {
        ff | (1 << mb)
    };
    let e = if sub { 1 } else { ef as i32 } - f.bias() - mb as i32;
    Parts {
        neg,
        m,
        e,
        w: mb + 1,
        nan,
        inf,
        zero,
    }
}

fn product(a: Parts, b: Parts) -> Parts {
    Parts {
        neg: a.neg ^ b.neg,
        m: a.m * b.m,
        e: a.e + b.e,
        w: a.w + b.w,
        nan: a.nan || b.nan || (a.inf && b.zero) || (b.inf && a.zero),
        inf: a.inf || b.inf,
        zero: a.zero || b.zero,
    }
}

/// `c + x` rounded once into `r` (the format of `c`).
fn add_round(x: Parts, c: Parts, r: Format, mode: Mode) -> u32 {
    let body = r.bits() - 1;
    let signed = |neg: bool, v: u32| (u32::from(neg) << body) | v;
    let inf = |neg: bool| {
        if mode.saturate {
            r.max_finite(neg)
        } else if r.finite_only {
            r.nan()
        } else {
            signed(neg, ((1 << r.exp_bits) - 1) << r.man_bits)
        }
    };
    if x.nan || c.nan || (x.inf && c.inf && x.neg != c.neg) {
        return r.nan();
    }
    if x.inf || c.inf {
        return inf(if x.inf { x.neg } else { c.neg });
    }
    if x.zero && c.zero {
        return signed(x.neg && c.neg, 0);
    }
    // The window: L bits, the big one's top at its top, a sticky bit below.
    let l = x.w + c.w + 3;
    let (tx, tc) = (x.e + x.w as i32, c.e + c.w as i32);
    let px = c.zero || (!x.zero && tx >= tc);
    let (big, small, t) = if px { (x, c, tx) } else { (c, x, tc) };
    let d = (t - (small.e + small.w as i32)).clamp(0, l as i32) as u32;
    let bt = u128::from(big.m) << (l - big.w);
    let stop = u128::from(small.m) << (l - small.w);
    let sticky = u128::from(stop & ((1u128 << d) - 1) != 0);
    let bv = bt << 1;
    let sv = ((stop >> d) << 1) | sticky;
    let (mag, neg) = if big.neg == small.neg {
        (bv + sv, big.neg)
    } else if bv >= sv {
        (bv - sv, big.neg)
    } else {
        (sv - bv, !big.neg)
    };
    if mag == 0 {
        return 0;
    }
    // mag's bit i has exponent t - l - 1 + i; its top bit (l + 1) is t.
    let w2 = l + 2;
    let mc = r.man_bits;
    let lz = mag.leading_zeros() - (128 - w2);
    let lim = t - r.min_exp() + 2;
    if lim < 0 {
        return signed(neg, 0);
    }
    let sa = (lz + mc + 2).min(lim as u32);
    let wu = w2 + mc + 2;
    let u = mag << sa;
    let kept = (u >> (wu - 1 - mc)) as u64;
    let rb = (u >> (wu - 2 - mc)) & 1 == 1;
    let st = u & ((1u128 << (wu - 2 - mc)) - 1) != 0;
    let up = rb && (st || kept & 1 == 1);
    // (exponent - 1) << mc, plus the significand (its hidden bit and any
    // carry move into the exponent).
    let be = i64::from(t) - i64::from(sa) + i64::from(mc) + 2 + i64::from(r.bias()) - 1;
    let pk = ((be as u64) << mc) + kept + u64::from(up);
    let maxf = u64::from(r.max_finite(false));
    if pk > maxf {
        return inf(neg);
    }
    if !mode.subnormals && pk < (1 << mc) {
        return signed(neg, 0);
    }
    signed(neg, pk as u32)
}

/// `round_ps(acc + a * b)`: `a`, `b` encodings of `op`, `acc` and the
/// result of `ps` (formats of at most 32 bits, operands of at most 24
/// significand bits); [`super::rules::fma`] on encodings.
pub fn fma(ps: Format, op: Format, mode: Mode, acc: u32, a: u32, b: u32) -> u32 {
    let p = product(decode(op, a, mode), decode(op, b, mode));
    add_round(p, decode(ps, acc, mode), ps, mode)
}

/// `round_af(acc + x)`: `acc` and the result of `af`, `x` of `xf` (the
/// accumulator's add of a partial sum).
pub fn add(af: Format, xf: Format, mode: Mode, acc: u32, x: u32) -> u32 {
    add_round(decode(xf, x, mode), decode(af, acc, mode), af, mode)
}
