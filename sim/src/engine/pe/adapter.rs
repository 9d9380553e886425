//! The pe engine behind the `Engine` trait, and its operand generator.

use super::{reference, run, PeError};
use crate::design::Design;
use crate::precision::Precision;
use crate::workload::GemmOp;

/// The pe engine behind the [`crate::engine::Engine`] trait. The array's cost does not
/// depend on the values, so it runs each GEMM on seeded random operands of
/// the design's width (or floating-point format) and checks integer
/// results' bits against [`reference`]; the cycle
/// count is the one its registers produce. Traffic and DRAM stalls come from
/// the shared fold plan and DRAM model (the pe engine models the array, not DRAM).
#[derive(Debug, Clone, Copy)]
pub struct PeEngine {
    /// Seed of the operand generator.
    pub seed: u64,
}

impl crate::engine::Engine for PeEngine {
    fn name(&self) -> &'static str {
        "pe"
    }

    fn timing(&self) -> crate::engine::TimingMode {
        crate::engine::TimingMode::Rtl
    }

    fn run_gemm(
        &self,
        design: &Design,
        g: &GemmOp,
    ) -> Result<crate::engine::GemmStats, crate::error::SimError> {
        if design.fp.is_none() && !matches!(design.operand, Precision::Int(_)) {
            return Err(PeError::NotInteger(design.operand.to_string()).into());
        }
        let a = design_operands(design, (g.m * g.k) as usize, self.seed);
        // A sparse design's weights are pruned to its pattern; a GEMM of
        // two activations runs on it dense.
        let dense;
        let design = match crate::engine::plan::sparse_weights(design, g) {
            None if design.sparsity.is_some() => {
                dense = design.variant(|p| p.sparsity = None)?;
                &dense
            }
            _ => design,
        };
        let b = design_weights(design, (g.k as usize, g.n as usize), self.seed ^ 0x5EED);
        let run = run(design, &a, &b, g.m, g.k, g.n)?;
        // (A floating-point design's values are `sim::fp::gemm`'s, the
        // reference itself: the RTL co-simulation is their check.)
        let differs = || {
            run.c
                .iter()
                .zip(reference(design, &a, &b, g.m, g.k, g.n))
                .position(|(x, y)| *x != y)
        };
        if let Some(i) = design.fp.is_none().then(differs).flatten() {
            return Err(PeError::Hazard {
                cycle: run.cycles,
                what: format!("C[{i}] differs from the reference GEMM"),
            }
            .into());
        }
        let mut stats = crate::engine::FastEngine {
            mode: crate::engine::TimingMode::Rtl,
        }
        .run_gemm(design, g)?;
        stats.compute_cycles = run.cycles;
        Ok(stats)
    }
}

/// xorshift64*'s outputs from `seed`: the operand generators' one source.
fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Deterministic operands spanning the full range of a `bits`-wide integer
/// (xorshift64*; every third value an extreme, so wrap and sign are exercised).
pub fn random_operands(bits: u32, len: usize, seed: u64) -> Vec<i64> {
    let (lo, hi) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
    let span = (hi - lo + 1) as u64;
    let mut next = xorshift(seed);
    (0..len)
        .map(|i| {
            let r = next();
            match i % 3 {
                0 if r & 1 == 0 => lo,
                0 => hi,
                _ => lo + ((r >> 8) % span) as i64,
            }
        })
        .collect()
}

/// Operands for `design`: integers of its operand width
/// ([`random_operands`]), or on a floating-point design encodings of its
/// operand format ([`random_fp_operands`]).
pub fn design_operands(design: &Design, len: usize, seed: u64) -> Vec<i64> {
    match &design.fp {
        Some(f) => random_fp_operands(f.operand, len, seed),
        None => random_operands(design.operand.bits(), len, seed),
    }
}

/// Deterministic weights (`k x n`, row-major) for `design`: its operands
/// ([`design_operands`]), pruned by magnitude to its N:M pattern when it
/// has one (as `systolic prune` does), so a sparse design can run them.
pub fn design_weights(design: &Design, (k, n): (usize, usize), seed: u64) -> Vec<i64> {
    let mut b = design_operands(design, k * n, seed);
    if let Some(s) = design.sparsity {
        s.prune(&mut b, (k, n), 0, |&x| (x as f64).abs());
    }
    b
}

/// Deterministic encodings of format `f` (as non-negative integers): mostly
/// ordinary numbers of either sign between 1/16 and 16 (so sums cancel and
/// round), one in 64 a special value (a zero of either sign, an infinity,
/// NaN, a subnormal, the largest finite number) and one in 64 random bits
/// (any exponent, so products overflow and underflow).
pub fn random_fp_operands(f: crate::fp::Format, len: usize, seed: u64) -> Vec<i64> {
    let top = 1u32 << (f.bits() - 1);
    let exp_ones = (1u32 << f.exp_bits) - 1;
    let inf = if f.finite_only {
        f.max_finite(false)
    } else {
        exp_ones << f.man_bits
    };
    let specials = [
        0,
        top,
        inf,
        inf | top,
        f.nan(),
        1,
        top | ((1 << f.man_bits) - 1),
        f.max_finite(false),
        f.max_finite(true),
    ];
    let mask = (1u64 << f.bits()) - 1;
    let bias = f.bias() as u32;
    let mut next = xorshift(seed);
    (0..len)
        .map(|i| {
            let r = next();
            let bits = match i % 64 {
                0 => specials[(r >> 8) as usize % specials.len()],
                1 => ((r >> 8) & mask) as u32,
                _ => {
                    let neg = (r >> 8) & 1 == 1;
                    let e = bias - 4 + ((r >> 9) % 8) as u32;
                    let frac = ((r >> 16) as u32) & ((1 << f.man_bits) - 1);
                    (u32::from(neg) << (f.bits() - 1)) | (e << f.man_bits) | frac
                }
            };
            i64::from(bits)
        })
        .collect()
}
