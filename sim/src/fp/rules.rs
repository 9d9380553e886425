//! The accumulation rules of floating-point designs (docs/NUMERICS.md,
//! "Accumulation rules"): where a multiply-accumulate rounds.

use super::{exact_sum, mul, sum, Format, Mode, Num, Value};
use num_bigint::BigUint;

/// How a PE (or a tensor-core-style dot-product unit) adds products to its
/// partial sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccRule {
    /// One fused multiply-add per PE: `round(acc + a * b)`, rounded once.
    FmaChain,
    /// A multiplier whose product is exact (`2p` significand bits) feeding
    /// an adder that rounds: the same value as `FmaChain` in every case,
    /// a different datapath (the product registered between the two).
    ProductsExact,
    /// A `terms`-input dot-product unit: the partial sum and `terms`
    /// products are aligned to the largest of their exponents, each
    /// truncated (toward zero) below `p + extra_bits` bits from that
    /// exponent (`p` = the accumulator's significand bits), summed exactly
    /// and rounded once (Fasi et al. 2021 measured 0 extra bits on V100,
    /// NVIDIA's later parts keep more).
    FusedAdder {
        /// Products per addition (at least 1).
        terms: u32,
        /// Alignment bits kept beyond the accumulator's significand.
        extra_bits: u32,
    },
}

/// One multiply-accumulate: `acc` (bits of `acc_fmt`) plus `a * b`
/// (values already decoded in `mode`), rounded once into `acc_fmt`
/// (`FmaChain`, `ProductsExact`).
pub fn fma(acc_fmt: Format, mode: Mode, acc: u32, a: &Value, b: &Value) -> u32 {
    let c = acc_fmt.decode_in(acc, mode);
    acc_fmt.round(&sum([&c, &mul(a, b)]), mode)
}

/// One step of a fused adder: `acc` plus the products of `pairs`, aligned
/// and truncated as [`AccRule::FusedAdder`] says, rounded once into
/// `acc_fmt`.
pub fn fused(
    acc_fmt: Format,
    mode: Mode,
    extra_bits: u32,
    acc: u32,
    pairs: &[(Value, Value)],
) -> u32 {
    let mut terms = vec![acc_fmt.decode_in(acc, mode)];
    terms.extend(pairs.iter().map(|(a, b)| mul(a, b)));
    // Specials follow IEEE's sum (NaN, or infinities).
    let exact = sum(&terms);
    let Value::Num(exact) = exact else {
        return acc_fmt.round(&exact, mode);
    };
    let nums: Vec<&Num> = terms
        .iter()
        .filter_map(|t| match t {
            Value::Num(n) => Some(n),
            _ => None,
        })
        .collect();
    let top = nums
        .iter()
        .filter(|n| !n.is_zero())
        .map(|n| n.exp + n.mag.bits() as i32 - 1)
        .max();
    let Some(top) = top else {
        // Only zeros: their exact sum, with its sign.
        return acc_fmt.round(&Value::Num(exact), mode);
    };
    // The lowest bit kept: p + extra_bits bits from the top one.
    let lsb = top - (acc_fmt.man_bits + extra_bits) as i32;
    let chopped: Vec<Num> = nums.iter().map(|n| truncate(n, lsb)).collect();
    let mut s = exact_sum(&chopped.iter().collect::<Vec<_>>());
    if s.is_zero() {
        // A sum that cancels (or was chopped) to zero is +0, unless every
        // term was -0.
        s.neg = exact.neg && exact.is_zero();
    }
    acc_fmt.round(&Value::Num(s), mode)
}

/// `n` with its bits below `2^lsb` dropped (toward zero).
fn truncate(n: &Num, lsb: i32) -> Num {
    if n.exp >= lsb || n.is_zero() {
        return n.clone();
    }
    let mag: BigUint = &n.mag >> (lsb - n.exp) as usize;
    Num {
        neg: n.neg,
        mag,
        exp: lsb,
    }
}
