//! Floating-point datapath cells (docs/HDL.md, "Floating point"): the
//! decoder, the exact multiplier and the adder that aligns, adds,
//! normalizes and rounds, generated for a design's formats (`sim::fp`) with
//! no vendor IP. They compute what `sim::fp::rules::fma` computes, bit for
//! bit: `round(c + a * b)` with one rounding to nearest even, subnormals kept
//! or flushed, IEEE's NaN and infinity rules, and the OCP E4M3 format's
//! saturation or NaN.
//!
//! Every value inside is exact: a sign, an integer significand `m` of a known
//! width and the exponent of its last bit, held as `e + OFF` so that all
//! exponent arithmetic is unsigned ([`Exact`]).

use crate::ast::*;
use sim::fp::{Format, Mode};

/// Exponent bits of the cells' internal (offset) exponents: enough for
/// products of the widest operand exponents and the adder's shifts.
pub const XW: u32 = 14;
/// The offset of the internal exponents, `2^(XW - 1)`.
const OFF: i64 = 1 << (XW - 1);

/// A value as exact parts, by wire name: sign `s`, significand `m` (`w`
/// bits), the exponent of `m`'s last bit `e` (plus `OFF`, [`XW`] bits), and
/// the flags `nan`, `inf` and `zero` (the significand of a zero is 0; those
/// of NaN and infinity are unused).
#[derive(Debug, Clone)]
pub struct Exact {
    s: String,
    m: String,
    w: u32,
    e: String,
    nan: String,
    inf: String,
    zero: String,
}

fn exact(p: &str, w: u32) -> Exact {
    Exact {
        s: format!("{p}_s"),
        m: format!("{p}_m"),
        w,
        e: format!("{p}_e"),
        nan: format!("{p}_nan"),
        inf: format!("{p}_inf"),
        zero: format!("{p}_zero"),
    }
}

fn ones(w: u32) -> u64 {
    if w >= 64 {
        u64::MAX
    } else {
        (1u64 << w) - 1
    }
}

fn w(n: u32) -> Option<Range> {
    bits(i64::from(n))
}

/// `{n{1'b0}}`.
fn zeros(n: u32) -> Expr {
    repeat(int(i64::from(n)), sized(1, 0))
}

/// Wires `{p}_*` decoding `src`, `f.bits()` bits of format `f`, as an
/// input in `mode` (`Format::decode_in`: without subnormals a subnormal is
/// a zero of its sign).
pub fn decode(p: &str, src: Expr, f: Format, mode: Mode) -> (Vec<Item>, Exact) {
    let (eb, mb) = (f.exp_bits, f.man_bits);
    let x = exact(p, mb + 1);
    let n = |s: &str| format!("{p}_{s}");
    let v = vec![
        wire_eq(&n("bits"), w(f.bits()), src),
        wire_eq(&x.s, None, id(n("bits")).idx(i64::from(eb + mb))),
        wire_eq(
            &n("ef"),
            w(eb),
            id(n("bits")).slice(i64::from(eb + mb - 1), i64::from(mb)),
        ),
        wire_eq(&n("ff"), w(mb), id(n("bits")).slice(i64::from(mb - 1), 0)),
        wire_eq(&n("top"), None, id(n("ef")).all()),
        wire_eq(
            &x.nan,
            None,
            if f.finite_only {
                id(n("top")).and(id(n("ff")).all())
            } else {
                id(n("top")).and(id(n("ff")).any())
            },
        ),
        wire_eq(
            &x.inf,
            None,
            if f.finite_only {
                sized(1, 0)
            } else {
                id(n("top")).and(id(n("ff")).any().not())
            },
        ),
        wire_eq(&n("sub"), None, id(n("ef")).any().not()),
        wire_eq(
            &x.zero,
            None,
            if mode.subnormals {
                id(n("sub")).and(id(n("ff")).any().not())
            } else {
                id(n("sub"))
            },
        ),
        wire_eq(
            &x.m,
            w(mb + 1),
            id(&*x.zero).tern(zeros(mb + 1), concat(vec![id(n("sub")).not(), id(n("ff"))])),
        ),
        // A subnormal's last bit has the smallest normal number's exponent.
        wire_eq(
            &x.e,
            w(XW),
            id(n("sub"))
                .tern(sized(XW, 1), concat(vec![zeros(XW - eb), id(n("ef"))]))
                .add(sized(
                    XW,
                    (OFF - i64::from(f.bias()) - i64::from(mb)) as u64,
                )),
        ),
    ];
    (v, x)
}

/// Wires `{p}_*`: the exact product of `a` and `b` (IEEE: NaN in, NaN out;
/// zero times infinity is NaN).
pub fn product(p: &str, a: &Exact, b: &Exact) -> (Vec<Item>, Exact) {
    let x = exact(p, a.w + b.w);
    let v = vec![
        wire_eq(&x.s, None, id(&*a.s).bitxor(&*b.s)),
        wire_eq(&x.m, w(x.w), id(&*a.m).mul(&*b.m)),
        wire_eq(&x.e, w(XW), id(&*a.e).add(&*b.e).sub(sized(XW, OFF as u64))),
        wire_eq(
            &x.nan,
            None,
            id(&*a.nan)
                .or(&*b.nan)
                .or(id(&*a.inf).and(&*b.zero))
                .or(id(&*b.inf).and(&*a.zero)),
        ),
        wire_eq(&x.inf, None, id(&*a.inf).or(&*b.inf)),
        wire_eq(&x.zero, None, id(&*a.zero).or(&*b.zero)),
    ];
    (v, x)
}

/// The exact parts of a value registered (`{p}_*` regs loaded from `x`
/// every cycle): the product register of a `products_exact` PE.
pub fn register(p: &str, x: &Exact) -> (Vec<Item>, Exact) {
    let q = exact(p, x.w);
    let mut v = Vec::new();
    let mut load = Vec::new();
    for (to, from, width) in [
        (&q.s, &x.s, None),
        (&q.m, &x.m, w(x.w)),
        (&q.e, &x.e, w(XW)),
        (&q.nan, &x.nan, None),
        (&q.inf, &x.inf, None),
        (&q.zero, &x.zero, None),
    ] {
        v.push(reg(to, width));
        load.push(nb(to.as_str(), from.as_str()));
    }
    v.push(always_ff(load));
    (v, q)
}

/// Bits needed to count to `n`.
fn count_bits(n: u32) -> u32 {
    32 - n.leading_zeros()
}

/// The leading zeros of `x` (a `width`-bit wire, `width` a power of two at
/// least 2, not zero) as `log2(width)` bits: a tree of halves.
fn lzc(x: &str, lsb: u32, width: u32) -> Expr {
    let half = width / 2;
    let hi = id(x).slice(i64::from(lsb + width - 1), i64::from(lsb + half));
    if width == 2 {
        return id(x).idx(i64::from(lsb + 1)).bitnot();
    }
    hi.any().not().tern(
        concat(vec![sized(1, 1), lzc(x, lsb, half)]),
        concat(vec![sized(1, 0), lzc(x, lsb + half, half)]),
    )
}

/// Wires `{p}_*` and `out`: `c + x` rounded once to nearest even into `r`,
/// the format of `c` (`sim::fp::Format::round` of `sim::fp::sum`), in
/// `mode`.
///
/// The operand whose significand reaches higher (`big`) is placed at the top
/// of an `L`-bit window, `L = w(x) + w(c) + 3`, and the other is shifted
/// right into it, the bits that leave it ORed into a sticky bit. Whenever a
/// bit leaves, the two do not overlap and the result's rounding point lies
/// above the window's last bit, so the sticky bit decides the rounding as the
/// lost bits would (docs/HDL.md has the argument). The sum or difference is
/// normalized by a leading-zero count, limited so the result is never
/// shifted below the smallest subnormal's exponent, and rounded.
pub fn add_round(p: &str, x: &Exact, c: &Exact, r: Format, mode: Mode, out: &str) -> Vec<Item> {
    let n = |s: &str| format!("{p}_{s}");
    let l = x.w + c.w + 3;
    let w2 = l + 2;
    let dw = count_bits(l);
    let mut v = vec![
        // The tops of the two significands (one above their last bit).
        wire_eq(&n("tx"), w(XW), id(&*x.e).add(sized(XW, u64::from(x.w)))),
        wire_eq(&n("tc"), w(XW), id(&*c.e).add(sized(XW, u64::from(c.w)))),
        // x is the big one unless it is zero; a zero c is never the big one.
        wire_eq(
            &n("px"),
            None,
            id(&*c.zero).or(id(&*x.zero).not().and(id(n("tx")).ge(n("tc")))),
        ),
        wire_eq(&n("t"), w(XW), id(n("px")).tern(n("tx"), n("tc"))),
        wire_eq(
            &n("d"),
            w(XW),
            id(n("px")).tern(id(n("tx")).sub(n("tc")), id(n("tc")).sub(n("tx"))),
        ),
        wire_eq(
            &n("dc"),
            w(dw),
            id(n("d")).gt(sized(XW, u64::from(l))).tern(
                sized(dw, u64::from(l)),
                id(n("d")).slice(i64::from(dw - 1), 0),
            ),
        ),
        wire_eq(&n("xt"), w(l), concat(vec![id(&*x.m), zeros(l - x.w)])),
        wire_eq(&n("ct"), w(l), concat(vec![id(&*c.m), zeros(l - c.w)])),
        wire_eq(&n("bt"), w(l), id(n("px")).tern(n("xt"), n("ct"))),
        wire_eq(&n("bs"), None, id(n("px")).tern(&*x.s, &*c.s)),
        wire_eq(
            &n("sh"),
            w(2 * l),
            concat(vec![id(n("px")).tern(n("ct"), n("xt")), zeros(l)]).shr(n("dc")),
        ),
        wire_eq(
            &n("sv"),
            w(w2),
            concat(vec![
                sized(1, 0),
                id(n("sh")).slice(i64::from(2 * l - 1), i64::from(l)),
                id(n("sh")).slice(i64::from(l - 1), 0).any(),
            ]),
        ),
        wire_eq(
            &n("bv"),
            w(w2),
            concat(vec![sized(1, 0), id(n("bt")), sized(1, 0)]),
        ),
        wire_eq(&n("sub"), None, id(&*x.s).bitxor(&*c.s)),
        wire_eq(
            &n("diff"),
            w(w2 + 1),
            concat(vec![sized(1, 0), id(n("bv"))]).sub(concat(vec![sized(1, 0), id(n("sv"))])),
        ),
        wire_eq(
            &n("neg"),
            None,
            id(n("sub")).and(id(n("diff")).idx(i64::from(w2))),
        ),
        wire_eq(
            &n("mag"),
            w(w2),
            id(n("sub")).tern(
                id(n("neg")).tern(
                    id(n("diff")).slice(i64::from(w2 - 1), 0).neg(),
                    id(n("diff")).slice(i64::from(w2 - 1), 0),
                ),
                id(n("bv")).add(n("sv")),
            ),
        ),
        wire_eq(&n("rs"), None, id(n("bs")).bitxor(n("neg"))),
    ];
    v.extend(round_items(p, w2, r, mode));
    // Specials, in IEEE's order: NaN, infinity, zeros, then the number.
    let rb = r.bits();
    let body = rb - 1;
    v.extend([
        wire_eq(
            &n("nan"),
            None,
            id(&*x.nan)
                .or(&*c.nan)
                .or(id(&*x.inf).and(&*c.inf).and(n("sub"))),
        ),
        wire_eq(&n("inf"), None, id(&*x.inf).or(&*c.inf)),
        wire_eq(&n("is"), None, id(&*x.inf).tern(&*x.s, &*c.s)),
        assign(
            out,
            id(n("nan")).tern(
                sized(rb, u64::from(r.nan())),
                id(n("inf")).tern(
                    infinity(r, mode, id(n("is"))),
                    id(&*x.zero).and(&*c.zero).tern(
                        concat(vec![id(&*x.s).bitand(&*c.s), sized(body, 0)]),
                        id(n("num")),
                    ),
                ),
            ),
        ),
    ]);
    v
}

/// `f`'s infinity of sign `s` as the design's mode makes it: the largest
/// finite number when saturating, NaN in E4M3, else infinity.
fn infinity(r: Format, mode: Mode, s: Expr) -> Expr {
    let (rb, body) = (r.bits(), r.bits() - 1);
    if mode.saturate {
        concat(vec![s, sized(body, u64::from(r.max_finite(false)))])
    } else if r.finite_only {
        sized(rb, u64::from(r.nan()))
    } else {
        concat(vec![s, sized(body, ones(r.exp_bits) << r.man_bits)])
    }
}

/// Wires `{p}_*` ending in `{p}_num`: the nonzero magnitude `{p}_mag`
/// (`w2` bits, its top bit of exponent `{p}_t`, offset) of sign `{p}_rs`
/// rounded to nearest even into `r`: normalized by a leading-zero count but
/// never below the smallest subnormal's exponent, then overflow (the
/// mode's infinity), flushing and underflow to a zero of its sign.
fn round_items(p: &str, w2: u32, r: Format, mode: Mode) -> Vec<Item> {
    let n = |s: &str| format!("{p}_{s}");
    let mc = r.man_bits;
    let wu = w2 + mc + 2;
    let mut v = Vec::new();
    // Leading zeros of mag, over a power-of-two width with a 1 below it (so
    // a zero mag counts w2).
    let pw = (w2 + 1).next_power_of_two();
    let lw = pw.trailing_zeros();
    v.extend([
        wire_eq(
            &n("lzv"),
            w(pw),
            concat(vec![id(n("mag")), sized(1, 1), zeros(pw - w2 - 1)]),
        ),
        wire_eq(&n("lz"), w(lw), lzc(&n("lzv"), 0, pw)),
        // The tree reads no block's last bit in its last step.
        wire_eq(
            &n("unused"),
            None,
            concat(vec![sized(1, 0), id(n("lzv")).idx(0)]).any(),
        ),
    ]);
    // mag's top bit has exponent t. The left shift of {mc+2 zeros, mag} puts
    // its top one at the top (`lz + mc + 2`), but no further than makes the
    // kept significand's last bit the smallest subnormal's (`t - min_exp +
    // 2`); `tiny`: even that is a right shift past the sticky bit.
    let k1 = OFF + i64::from(r.min_exp()) - 2;
    let sw = count_bits(wu);
    v.extend([
        wire_eq(&n("tiny"), None, id(n("t")).lt(sized(XW, k1 as u64))),
        wire_eq(&n("lim"), w(XW), id(n("t")).sub(sized(XW, k1 as u64))),
        wire_eq(
            &n("lzs"),
            w(XW),
            concat(vec![zeros(XW - lw), id(n("lz"))]).add(sized(XW, u64::from(mc + 2))),
        ),
        // (lzs < 2^sw, so the smaller of the two fits sw bits.)
        wire_eq(
            &n("sa"),
            w(sw),
            id(n("tiny")).tern(
                sized(sw, 0),
                id(n("lzs")).lt(n("lim")).tern(
                    id(n("lzs")).slice(i64::from(sw - 1), 0),
                    id(n("lim")).slice(i64::from(sw - 1), 0),
                ),
            ),
        ),
        wire_eq(
            &n("u"),
            w(wu),
            concat(vec![zeros(mc + 2), id(n("mag"))]).shl(n("sa")),
        ),
        wire_eq(
            &n("kept"),
            w(mc + 1),
            id(n("u")).slice(i64::from(wu - 1), i64::from(wu - 1 - mc)),
        ),
        wire_eq(&n("rb"), None, id(n("u")).idx(i64::from(wu - 2 - mc))),
        wire_eq(
            &n("st"),
            None,
            id(n("u")).slice(i64::from(wu - 3 - mc), 0).any(),
        ),
        wire_eq(
            &n("up"),
            None,
            id(n("rb")).and(id(n("st")).or(id(n("kept")).idx(0))),
        ),
    ]);
    // The biased exponent of the kept significand's top bit, less one:
    // t - (sa - mc - 2) + bias - 1; the significand's own top bit (and a
    // carry out of the rounding) adds to it, which also turns a subnormal
    // that rounds up into the smallest normal number.
    let pk = XW + mc + 1;
    let eoff = i64::from(mc) + 2 + i64::from(r.bias()) - 1 - OFF;
    let (max_e, max_f) = max_finite_fields(r);
    let maxf = (u64::from(max_e) << mc) | max_f;
    v.extend([
        wire_eq(
            &n("be"),
            w(XW),
            id(n("t"))
                .sub(concat(vec![zeros(XW - sw), id(n("sa"))]))
                .add(sized(XW, (eoff.rem_euclid(1 << XW)) as u64)),
        ),
        wire_eq(
            &n("pk"),
            w(pk),
            concat(vec![id(n("be")), zeros(mc)])
                .add(concat(vec![zeros(pk - mc - 1), id(n("kept"))]))
                .add(concat(vec![zeros(pk - 1), id(n("up"))])),
        ),
        wire_eq(&n("over"), None, id(n("pk")).gt(sized(pk, maxf))),
        wire_eq(
            &n("flush"),
            None,
            if mode.subnormals {
                sized(1, 0)
            } else {
                id(n("pk")).lt(sized(pk, 1 << mc))
            },
        ),
    ]);
    let body = r.bits() - 1;
    v.push(wire_eq(
        &n("num"),
        w(r.bits()),
        id(n("mag")).any().not().tern(
            sized(r.bits(), 0),
            id(n("tiny")).or(n("flush")).tern(
                concat(vec![id(n("rs")), sized(body, 0)]),
                id(n("over")).tern(
                    infinity(r, mode, id(n("rs"))),
                    concat(vec![id(n("rs")), id(n("pk")).slice(i64::from(body - 1), 0)]),
                ),
            ),
        ),
    ));
    v
}

/// The largest biased exponent and fraction of a finite number of `f`.
fn max_finite_fields(f: Format) -> (u32, u64) {
    let m = f.max_finite(false);
    (m >> f.man_bits, u64::from(m) & ones(f.man_bits))
}

/// Items computing `out = round_ps(c + a * b)`: `a`, `b` of format `op`,
/// `c` and `out` of `ps` (one fused multiply-add, `sim::fp::rules::fma`);
/// wires are named `{p}_*`.
pub fn fma_items(
    p: &str,
    (a, b, c): (Expr, Expr, Expr),
    op: Format,
    ps: Format,
    mode: Mode,
    out: &str,
) -> Vec<Item> {
    let (mut v, xa) = decode(&format!("{p}a"), a, op, mode);
    let (vb, xb) = decode(&format!("{p}b"), b, op, mode);
    let (vc, xc) = decode(&format!("{p}c"), c, ps, mode);
    let (vp, xp) = product(&format!("{p}p"), &xa, &xb);
    v.extend(vb);
    v.extend(vc);
    v.extend(vp);
    v.extend(add_round(&format!("{p}r"), &xp, &xc, ps, mode, out));
    v
}

/// Items computing `out = round_acc(acc + x)`: `acc` and `out` of format
/// `af`, `x` of `xf` (the accumulator's read-modify-write; with `acc` = -0
/// it is `x` converted to `af`); wires are named `{p}_*`.
pub fn add_items(
    p: &str,
    (acc, x): (Expr, Expr),
    af: Format,
    xf: Format,
    mode: Mode,
    out: &str,
) -> Vec<Item> {
    let (mut v, xa) = decode(&format!("{p}a"), acc, af, mode);
    let (vx, xx) = decode(&format!("{p}x"), x, xf, mode);
    v.extend(vx);
    v.extend(add_round(&format!("{p}r"), &xx, &xa, af, mode, out));
    v
}

/// `-0` of `f`: the accumulator's "nothing yet" (`-0 + x` is `x`, for every
/// `x`, including `+0` and `-0`).
pub fn neg_zero(f: Format) -> Expr {
    sized(f.bits(), 1 << (f.bits() - 1))
}

/// Items computing `out`: the tensor-core-style fused sum of `acc` (format
/// `r`) and the exact products `prods`, rounded once into `r`
/// (`sim::fp::rules::fused`): every term is aligned to the largest
/// term's top bit, truncated toward zero below `r`'s significand plus
/// `extra` bits, the truncated terms are summed exactly, and the sum is
/// rounded; wires are named `{p}_*`.
pub fn fused_items(
    p: &str,
    acc: Expr,
    prods: &[Exact],
    r: Format,
    extra: u32,
    mode: Mode,
    out: &str,
) -> Vec<Item> {
    let n = |s: &str| format!("{p}_{s}");
    let (mut v, xa) = decode(&n("acc"), acc, r, mode);
    let terms: Vec<&Exact> = std::iter::once(&xa).chain(prods).collect();
    let z = r.man_bits + extra;
    // Each term's top bit (offset exponent), by a leading-zero count.
    for (i, t) in terms.iter().enumerate() {
        let pw = (t.w + 1).next_power_of_two();
        let lzv = n(&format!("lzv{i}"));
        v.extend([
            wire_eq(
                &lzv,
                w(pw),
                concat(vec![id(&*t.m), sized(1, 1), zeros(pw - t.w - 1)]),
            ),
            wire_eq(
                &n(&format!("unused{i}")),
                None,
                concat(vec![sized(1, 0), id(&*lzv).idx(0)]).any(),
            ),
            wire_eq(
                &n(&format!("msb{i}")),
                w(XW),
                id(&*t.e)
                    .add(sized(XW, u64::from(t.w - 1)))
                    .sub(concat(vec![
                        zeros(XW - pw.trailing_zeros()),
                        lzc(&lzv, 0, pw),
                    ])),
            ),
        ]);
    }
    // The largest top bit of a nonzero term (0, below every offset
    // exponent, when all are zero).
    let mut top = sized(XW, 0);
    for (i, t) in terms.iter().enumerate() {
        let name = n(&format!("top{i}"));
        let msb = id(n(&format!("msb{i}")));
        v.push(wire_eq(
            &name,
            w(XW),
            id(&*t.zero)
                .not()
                .and(msb.clone().gt(top.clone()))
                .tern(msb, top),
        ));
        top = id(name);
    }
    v.push(wire_eq(&n("top"), w(XW), top));
    // Each term's bits from `top - z` up, signed, and their exact sum.
    let sw = z + 2 + count_bits(terms.len() as u32);
    let mut sum = sized(sw, 0);
    for (i, t) in terms.iter().enumerate() {
        let width = t.w + z;
        let aw = count_bits(width);
        let a = n(&format!("a{i}"));
        let tv = n(&format!("v{i}"));
        v.extend([
            wire_eq(&a, w(XW), id(n("top")).sub(&*t.e)),
            wire_eq(
                &n(&format!("sh{i}")),
                w(width),
                id(&*a).gt(sized(XW, u64::from(width))).tern(
                    sized(width, 0),
                    concat(vec![id(&*t.m), zeros(z)]).shr(id(&*a).slice(i64::from(aw - 1), 0)),
                ),
            ),
            wire_eq(
                &tv,
                w(sw),
                concat(vec![
                    zeros(sw - z - 1),
                    id(n(&format!("sh{i}"))).slice(i64::from(z), 0),
                ]),
            ),
            wire_eq(
                &n(&format!("unused_sh{i}")),
                None,
                if width > z + 1 {
                    concat(vec![
                        sized(1, 0),
                        id(n(&format!("sh{i}"))).slice(i64::from(width - 1), i64::from(z + 1)),
                    ])
                    .any()
                } else {
                    sized(1, 0)
                },
            ),
        ]);
        sum = sum.add(id(&*t.s).tern(id(&*tv).neg(), id(&*tv)));
    }
    v.extend([
        wire_eq(&n("sum"), w(sw), sum),
        wire_eq(&n("rs"), None, id(n("sum")).idx(i64::from(sw - 1))),
        wire_eq(
            &n("mag"),
            w(sw),
            id(n("rs")).tern(id(n("sum")).neg(), id(n("sum"))),
        ),
        // mag's bit j has exponent top - z + j.
        wire_eq(
            &n("t"),
            w(XW),
            id(n("top"))
                .add(sized(XW, u64::from(sw - 1)))
                .sub(sized(XW, u64::from(z))),
        ),
    ]);
    v.extend(round_items(p, sw, r, mode));
    // Specials as IEEE's sum: NaN in (or infinities of both signs) gives
    // NaN, an infinity gives itself; zeros alone give -0 only if all are.
    let any = |f: &dyn Fn(&Exact) -> Expr| {
        let mut parts = vec![sized(1, 0)];
        parts.extend(terms.iter().map(|t| f(t)));
        concat(parts).any()
    };
    let all_zero = {
        let mut parts = vec![sized(1, 1)];
        parts.extend(terms.iter().map(|t| id(&*t.zero)));
        concat(parts).all()
    };
    let all_neg = {
        let mut parts = vec![sized(1, 1)];
        parts.extend(terms.iter().map(|t| id(&*t.s)));
        concat(parts).all()
    };
    v.extend([
        wire_eq(&n("pinf"), None, any(&|t| id(&*t.inf).and(id(&*t.s).not()))),
        wire_eq(&n("ninf"), None, any(&|t| id(&*t.inf).and(&*t.s))),
        wire_eq(
            &n("nan"),
            None,
            any(&|t| id(&*t.nan)).or(id(n("pinf")).and(n("ninf"))),
        ),
        assign(
            out,
            id(n("nan")).tern(
                sized(r.bits(), u64::from(r.nan())),
                id(n("pinf")).or(n("ninf")).tern(
                    infinity(r, mode, id(n("ninf"))),
                    all_zero.tern(concat(vec![all_neg, sized(r.bits() - 1, 0)]), id(n("num"))),
                ),
            ),
        ),
    ]);
    v
}

/// Bits of an exact value of significand width `w` packed by [`pack`].
pub fn packed_bits(w: u32) -> u32 {
    4 + XW + w
}

/// The parts of `x` as one vector: `{s, nan, inf, zero, e, m}`.
pub fn pack(x: &Exact) -> Expr {
    concat(vec![
        id(&*x.s),
        id(&*x.nan),
        id(&*x.inf),
        id(&*x.zero),
        id(&*x.e),
        id(&*x.m),
    ])
}

/// Wires `{p}_*`: the parts of a [`pack`]ed value `src` of significand
/// width `w`.
pub fn unpack(p: &str, src: Expr, w: u32) -> (Vec<Item>, Exact) {
    let x = exact(p, w);
    let b = format!("{p}_bits");
    let top = i64::from(packed_bits(w));
    let v = vec![
        wire_eq(&b, bits(top), src),
        wire_eq(&x.s, None, id(&*b).idx(top - 1)),
        wire_eq(&x.nan, None, id(&*b).idx(top - 2)),
        wire_eq(&x.inf, None, id(&*b).idx(top - 3)),
        wire_eq(&x.zero, None, id(&*b).idx(top - 4)),
        wire_eq(
            &x.e,
            bits(i64::from(XW)),
            id(&*b).slice(top - 5, i64::from(w)),
        ),
        wire_eq(&x.m, bits(i64::from(w)), id(&*b).slice(i64::from(w) - 1, 0)),
    ];
    (v, x)
}
