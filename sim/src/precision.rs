//! Numeric precisions of operands, accumulators and outputs.

use std::fmt;

/// A number format the array can compute in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precision {
    /// Two's-complement integer of the given width in bits (2..=32).
    Int(u32),
    /// IEEE half precision.
    Fp16,
    /// bfloat16.
    Bf16,
    /// IEEE single precision.
    Fp32,
    /// OCP 8-bit E4M3 ("E4M3FN": no infinities, largest finite 448).
    Fp8E4M3,
    /// OCP 8-bit E5M2 (IEEE-like, with infinities).
    Fp8E5M2,
}

impl Precision {
    /// Parses `int8`, `int16`, `intN` (2..=32), `fp16`, `bf16`, `fp32`,
    /// `fp8e4m3`, `fp8e5m2` (also ONNX's `float8e4m3fn`, `float8e5m2`).
    pub fn parse(s: &str) -> Option<Precision> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fp8e4m3" | "e4m3" | "float8e4m3fn" => Some(Precision::Fp8E4M3),
            "fp8e5m2" | "e5m2" | "float8e5m2" => Some(Precision::Fp8E5M2),
            "fp16" | "float16" | "half" => Some(Precision::Fp16),
            "bf16" | "bfloat16" => Some(Precision::Bf16),
            "fp32" | "float32" | "float" => Some(Precision::Fp32),
            other => {
                let bits: u32 = other.strip_prefix("int")?.parse().ok()?;
                (2..=32).contains(&bits).then_some(Precision::Int(bits))
            }
        }
    }

    /// Storage width in bits.
    pub fn bits(self) -> u32 {
        match self {
            Precision::Int(b) => b,
            Precision::Fp16 | Precision::Bf16 => 16,
            Precision::Fp32 => 32,
            Precision::Fp8E4M3 | Precision::Fp8E5M2 => 8,
        }
    }

    /// Bytes one word occupies in SRAM and DRAM (widths round up to bytes).
    pub fn bytes(self) -> u64 {
        u64::from(self.bits().div_ceil(8))
    }

    /// Whether this is an integer format.
    pub fn is_int(self) -> bool {
        matches!(self, Precision::Int(_))
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Precision::Int(b) => write!(f, "int{b}"),
            Precision::Fp16 => f.write_str("fp16"),
            Precision::Bf16 => f.write_str("bf16"),
            Precision::Fp32 => f.write_str("fp32"),
            Precision::Fp8E4M3 => f.write_str("fp8e4m3"),
            Precision::Fp8E5M2 => f.write_str("fp8e5m2"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_round_trip() {
        for s in [
            "int8", "int16", "int4", "int32", "fp16", "bf16", "fp32", "fp8e4m3", "fp8e5m2",
        ] {
            assert_eq!(Precision::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Precision::parse("int1"), None);
        assert_eq!(Precision::parse("int33"), None);
        assert_eq!(Precision::parse("fp8"), None, "fp8 names its variant");
        assert_eq!(Precision::parse("float8e4m3fn"), Some(Precision::Fp8E4M3));
        assert_eq!(Precision::Fp8E5M2.bytes(), 1);
        assert_eq!(Precision::Int(12).bytes(), 2);
        assert_eq!(Precision::Int(8).bytes(), 1);
    }
}
