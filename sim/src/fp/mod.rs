//! Value-exact floating point (docs/NUMERICS.md): the operand and
//! accumulator formats of floating-point designs, their exact values, and
//! round-to-nearest-even into them, with subnormals kept or flushed and the
//! OCP 8-bit formats' overflow rules.
//!
//! Every finite value of these formats is `(-1)^s * m * 2^e` with integer
//! `m` and `e`, so products and sums of them are exact as big integers
//! times a power of two ([`Num`]); a result is rounded once, by
//! [`Format::round`], where a design's accumulation rule says ([`rules`]).

pub mod bits;
pub mod gemm;
pub mod rules;

use num_bigint::{BigInt, BigUint, Sign};
use std::fmt;

/// A binary floating-point format: sign, `exp_bits` of biased exponent,
/// `man_bits` of fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Format {
    /// Name, as a design file spells it.
    pub name: &'static str,
    /// Exponent bits.
    pub exp_bits: u32,
    /// Fraction bits (the significand has one more, implicit).
    pub man_bits: u32,
    /// The OCP "FN" encoding (fp8 E4M3): no infinities; the top exponent
    /// holds finite numbers, and only the all-ones exponent and fraction is
    /// NaN.
    pub finite_only: bool,
}

/// IEEE 754 binary32.
pub const FP32: Format = Format {
    name: "fp32",
    exp_bits: 8,
    man_bits: 23,
    finite_only: false,
};
/// bfloat16: fp32's exponent, 7 fraction bits.
pub const BF16: Format = Format {
    name: "bf16",
    exp_bits: 8,
    man_bits: 7,
    finite_only: false,
};
/// IEEE 754 binary16.
pub const FP16: Format = Format {
    name: "fp16",
    exp_bits: 5,
    man_bits: 10,
    finite_only: false,
};
/// OCP 8-bit E5M2 (IEEE-like: infinities and NaNs).
pub const E5M2: Format = Format {
    name: "fp8e5m2",
    exp_bits: 5,
    man_bits: 2,
    finite_only: false,
};
/// OCP 8-bit E4M3 ("E4M3FN": no infinities, largest finite 448, NaN
/// `S.1111.111`).
pub const E4M3: Format = Format {
    name: "fp8e4m3",
    exp_bits: 4,
    man_bits: 3,
    finite_only: true,
};

/// Every format, for lookups by name.
pub const FORMATS: [Format; 5] = [FP32, BF16, FP16, E5M2, E4M3];

/// How results are rounded into a format (besides round-to-nearest-even,
/// which is always used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mode {
    /// Subnormal numbers are kept; `false` flushes subnormal results to a
    /// zero of their sign after rounding, and reads subnormal inputs as zeros
    /// of their sign ([`Format::decode_in`]).
    pub subnormals: bool,
    /// A finite result beyond the largest finite number becomes that number
    /// (of its sign), not infinity (IEEE formats) or NaN (E4M3), and an
    /// infinity converted to E4M3 becomes its largest number. The OCP spec's
    /// "saturating" conversion.
    pub saturate: bool,
}

impl Mode {
    /// IEEE 754's default: subnormals kept, overflow to infinity (NaN in E4M3).
    pub const IEEE: Mode = Mode {
        subnormals: true,
        saturate: false,
    };
}

/// An exact value of a floating-point computation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Not a number (any payload: results carry the format's one canonical NaN).
    Nan,
    /// An infinity.
    Inf {
        /// Negative.
        neg: bool,
    },
    /// A finite number.
    Num(Num),
}

/// The finite number `(-1)^neg * mag * 2^exp`, exactly; `mag` = 0 is a
/// zero of the given sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Num {
    /// Negative (also for -0).
    pub neg: bool,
    /// Magnitude's integer significand.
    pub mag: BigUint,
    /// Power of two it is scaled by.
    pub exp: i32,
}

impl Num {
    /// A zero of the given sign.
    pub fn zero(neg: bool) -> Num {
        Num {
            neg,
            mag: BigUint::default(),
            exp: 0,
        }
    }

    /// The same number with the trailing zero bits of `mag` moved into
    /// `exp` (zero: exponent 0), so equal numbers compare equal.
    pub fn normalized(&self) -> Num {
        match self.mag.trailing_zeros() {
            None => Num::zero(self.neg),
            Some(z) => Num {
                neg: self.neg,
                mag: &self.mag >> z as usize,
                exp: self.exp + z as i32,
            },
        }
    }

    /// Whether this is a zero.
    pub fn is_zero(&self) -> bool {
        self.mag.bits() == 0
    }

    /// The signed significand scaled to `2^lsb` (`lsb <= self.exp`, or the
    /// value is zero).
    fn scaled(&self, lsb: i32) -> BigInt {
        let m = if self.is_zero() {
            BigUint::default()
        } else {
            &self.mag << (self.exp - lsb) as usize
        };
        BigInt::from_biguint(if self.neg { Sign::Minus } else { Sign::Plus }, m)
    }
}

impl Format {
    /// Looks a format up by name (`fp32`, `bf16`, `fp16`, `fp8e5m2`, `fp8e4m3`).
    pub fn named(name: &str) -> Option<Format> {
        FORMATS.into_iter().find(|f| f.name == name)
    }

    /// Storage bits.
    pub fn bits(self) -> u32 {
        1 + self.exp_bits + self.man_bits
    }

    /// Exponent bias.
    pub fn bias(self) -> i32 {
        (1 << (self.exp_bits - 1)) - 1
    }

    /// Exponent of a subnormal's least significant bit (also that of the
    /// smallest normal number's).
    pub fn min_exp(self) -> i32 {
        1 - self.bias() - self.man_bits as i32
    }

    fn exp_ones(self) -> u32 {
        (1 << self.exp_bits) - 1
    }

    fn man_mask(self) -> u64 {
        (1u64 << self.man_bits) - 1
    }

    /// The largest biased exponent and fraction of a finite number.
    fn max_finite_fields(self) -> (u32, u64) {
        if self.finite_only {
            (self.exp_ones(), self.man_mask() - 1)
        } else {
            (self.exp_ones() - 1, self.man_mask())
        }
    }

    fn pack(self, neg: bool, biased: u32, frac: u64) -> u32 {
        (u32::from(neg) << (self.bits() - 1)) | (biased << self.man_bits) | frac as u32
    }

    /// The format's canonical NaN: positive, quiet (the fraction's top bit
    /// set, the rest clear); E4M3: `0.1111.111`.
    pub fn nan(self) -> u32 {
        if self.finite_only {
            self.pack(false, self.exp_ones(), self.man_mask())
        } else {
            self.pack(false, self.exp_ones(), 1 << (self.man_bits - 1))
        }
    }

    /// The largest finite number of the given sign.
    pub fn max_finite(self, neg: bool) -> u32 {
        let (e, f) = self.max_finite_fields();
        self.pack(neg, e, f)
    }

    /// An infinity, or with `Mode::saturate` or in E4M3 (which has none)
    /// what the format makes of one: the largest finite number, or NaN.
    fn infinity(self, neg: bool, mode: Mode) -> u32 {
        if mode.saturate {
            self.max_finite(neg)
        } else if self.finite_only {
            self.nan()
        } else {
            self.pack(neg, self.exp_ones(), 0)
        }
    }

    /// The exact value of an encoding (its low `bits()` bits).
    pub fn decode(self, bits: u32) -> Value {
        let neg = (bits >> (self.bits() - 1)) & 1 == 1;
        let biased = (bits >> self.man_bits) & self.exp_ones();
        let frac = u64::from(bits) & self.man_mask();
        if biased == self.exp_ones() {
            if self.finite_only {
                if frac == self.man_mask() {
                    return Value::Nan;
                }
            } else if frac == 0 {
                return Value::Inf { neg };
            } else {
                return Value::Nan;
            }
        }
        let (mag, exp) = if biased == 0 {
            (frac, self.min_exp())
        } else {
            (
                frac | (1 << self.man_bits),
                biased as i32 - self.bias() - self.man_bits as i32,
            )
        };
        Value::Num(Num {
            neg,
            mag: BigUint::from(mag),
            exp,
        })
    }

    /// [`Format::decode_in`] as an fp64 (exact: every format here has at
    /// most fp32's range and precision; a NaN is fp64's NaN), without big
    /// integers: the fast value paths read their operands with it.
    pub fn to_f64(self, bits: u32, mode: Mode) -> f64 {
        let neg = (bits >> (self.bits() - 1)) & 1 == 1;
        let biased = (bits >> self.man_bits) & self.exp_ones();
        let frac = u64::from(bits) & self.man_mask();
        let mag = if biased == self.exp_ones() && !self.finite_only {
            if frac == 0 {
                f64::INFINITY
            } else {
                f64::NAN
            }
        } else if biased == self.exp_ones() && frac == self.man_mask() {
            f64::NAN
        } else if biased == 0 {
            if mode.subnormals {
                frac as f64 * pow2(self.min_exp())
            } else {
                0.0
            }
        } else {
            (frac | (1 << self.man_bits)) as f64
                * pow2(biased as i32 - self.bias() - self.man_bits as i32)
        };
        if neg {
            -mag
        } else {
            mag
        }
    }

    /// [`Format::decode`] as an input of a computation in `mode`: without
    /// subnormals a subnormal reads as a zero of its sign.
    pub fn decode_in(self, bits: u32, mode: Mode) -> Value {
        match self.decode(bits) {
            Value::Num(n) if !mode.subnormals && (n.mag.bits() as u32) <= self.man_bits => {
                Value::Num(Num::zero(n.neg))
            }
            v => v,
        }
    }

    /// Rounds an exact value to the nearest number of this format, ties to
    /// even, and encodes it. NaN gives the canonical NaN; overflow gives an
    /// infinity (E4M3: NaN), or the largest finite number with
    /// `Mode::saturate`; without `Mode::subnormals` a result that rounds to a
    /// subnormal becomes a zero of its sign.
    pub fn round(self, v: &Value, mode: Mode) -> u32 {
        let n = match v {
            Value::Nan => return self.nan(),
            Value::Inf { neg } => return self.infinity(*neg, mode),
            Value::Num(n) => n,
        };
        if n.is_zero() {
            return self.pack(n.neg, 0, 0);
        }
        // The exponent of the result's last bit: the value's own top bit
        // less the fraction bits, but never below the subnormals' last bit.
        let top = n.exp + n.mag.bits() as i32 - 1;
        let mut q = (top - self.man_bits as i32).max(self.min_exp());
        let shift = q - n.exp;
        let mut m: BigUint = if shift <= 0 {
            &n.mag << (-shift) as usize
        } else {
            let s = shift as usize;
            let kept: BigUint = &n.mag >> s;
            let rest: BigUint = &n.mag - (&kept << s);
            let half = BigUint::from(1u8) << (s - 1);
            let up = rest > half || (rest == half && kept.bit(0));
            if up {
                kept + 1u8
            } else {
                kept
            }
        };
        // A carry out of the significand moves the last bit up by one.
        if m.bits() as u32 > self.man_bits + 1 {
            m >>= 1;
            q += 1;
        }
        let m = u64::try_from(&m).expect("a rounded significand fits 64 bits");
        let (biased, frac) = if m >> self.man_bits == 0 {
            if !mode.subnormals {
                return self.pack(n.neg, 0, 0);
            }
            (0, m)
        } else {
            let biased = q + self.man_bits as i32 + self.bias();
            (biased, m & self.man_mask())
        };
        let (max_e, max_f) = self.max_finite_fields();
        if biased > max_e as i32 || (biased == max_e as i32 && frac > max_f) {
            return self.infinity(n.neg, mode);
        }
        self.pack(n.neg, biased as u32, frac)
    }

    /// `bits` of `from` converted to this format (`from`'s value, rounded).
    pub fn convert(self, from: Format, bits: u32, mode: Mode) -> u32 {
        self.round(&from.decode_in(bits, mode), mode)
    }
}

/// `2^e` for the exponents of these formats' values (fp64 normal numbers).
fn pow2(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// The exact product of two values (IEEE: NaN in, NaN out; 0 x inf is NaN).
pub fn mul(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Nan, _) | (_, Value::Nan) => Value::Nan,
        (Value::Inf { neg: x }, Value::Inf { neg: y }) => Value::Inf { neg: x ^ y },
        (Value::Inf { neg: x }, Value::Num(n)) | (Value::Num(n), Value::Inf { neg: x }) => {
            if n.is_zero() {
                Value::Nan
            } else {
                Value::Inf { neg: x ^ n.neg }
            }
        }
        (Value::Num(x), Value::Num(y)) => Value::Num(Num {
            neg: x.neg ^ y.neg,
            mag: &x.mag * &y.mag,
            exp: x.exp + y.exp,
        }),
    }
}

/// The exact sum of values (IEEE: NaN in, NaN out; infinities of both signs
/// give NaN). An exact zero sum is -0 only when every term is -0 (round to
/// nearest: x + (-x) = +0).
pub fn sum<'a>(terms: impl IntoIterator<Item = &'a Value>) -> Value {
    let mut inf: Option<bool> = None;
    let mut nums = Vec::new();
    for t in terms {
        match t {
            Value::Nan => return Value::Nan,
            Value::Inf { neg } => match inf {
                Some(s) if s != *neg => return Value::Nan,
                _ => inf = Some(*neg),
            },
            Value::Num(n) => nums.push(n),
        }
    }
    if let Some(neg) = inf {
        return Value::Inf { neg };
    }
    Value::Num(exact_sum(&nums))
}

/// The exact sum of finite numbers (see [`sum`] for the sign of a zero).
pub fn exact_sum(nums: &[&Num]) -> Num {
    let all_neg_zero = nums.iter().all(|n| n.is_zero() && n.neg);
    let lsb = nums.iter().filter(|n| !n.is_zero()).map(|n| n.exp).min();
    let Some(lsb) = lsb else {
        return Num::zero(!nums.is_empty() && all_neg_zero);
    };
    let total: BigInt = nums.iter().map(|n| n.scaled(lsb)).sum();
    let (sign, mag) = total.into_parts();
    if mag.bits() == 0 {
        return Num::zero(false);
    }
    Num {
        neg: sign == Sign::Minus,
        mag,
        exp: lsb,
    }
}

#[cfg(test)]
mod tests;
