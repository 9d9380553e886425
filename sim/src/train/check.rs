//! `train --check`: one layer's backward GEMMs run value-exactly on the pe
//! engine with int8 (the design's width) operands, compared bit for bit
//! with the reference from the same operands, and their cycles with the
//! fast engine's.

use super::Pass;
use crate::design::Design;
use crate::engine::pe;
use crate::engine::Engine;
use crate::error::{InputError, Result};
use crate::workload::{Layer, Lowered, Op};

/// One checked GEMM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// `dx`, or `dw`.
    pub pass: Pass,
    /// Which gradient: `dX = dY Wᵀ`, `dW = Xᵀ dY`, ...
    pub what: &'static str,
    /// `M x K x N` of one GEMM.
    pub mkn: (u64, u64, u64),
    /// pe-engine cycles.
    pub pe_cycles: u64,
    /// The fast engine's compute cycles for the same GEMM.
    pub fast_cycles: u64,
    /// Outputs compared.
    pub outputs: usize,
    /// Outputs equal to the hardware-order reference ([`pe::reference`]).
    pub equal_reference: bool,
    /// Outputs equal to the gradient computed directly from X, W and dY
    /// (exact integer sums; `None` when the accumulator could wrap).
    pub equal_direct: Option<bool>,
}

/// A gradient to check: pass, what, A, B, `(M, K, N)`, and the gradient
/// from X, W and dY directly.
type Job<'a> = (
    Pass,
    &'static str,
    &'a [i64],
    &'a [i64],
    (usize, usize, usize),
    Box<dyn Fn(usize, usize) -> i64 + 'a>,
);

/// Runs layer `layer`'s dX and dW GEMMs (one of each group or head) at
/// `batch` on the pe engine of `design` with seeded operands.
pub fn check(
    design: &Design,
    layer: &Layer,
    batch: u64,
    seed: u64,
    fast: &dyn Engine,
) -> Result<Vec<Checked>> {
    let bits = match design.operand {
        crate::precision::Precision::Int(b) => b,
        other => {
            return Err(InputError::new(
                "systolic::train::check",
                format!("design {}", design.name),
                format!(
                "the design's operands are {other}; --check runs the pe engine, which is integer"
            ),
            )
            .hint("pick an int8 or int16 design, e.g. --design edge-8x8")
            .into())
        }
    };
    let Lowered::Gemm(f) = layer.lower(batch) else {
        return Err(InputError::new(
            "systolic::train::check",
            format!("layer {}", layer.name),
            "the layer runs on the vector unit: it has no backward GEMMs",
        )
        .hint("pick a conv, linear, matmul or recurrent layer")
        .into());
    };
    let (m, k, n) = (f.m as usize, f.k as usize, f.n as usize);
    let limit = 1usize << 26;
    if m.saturating_mul(k) > limit || k.saturating_mul(n) > limit || m.saturating_mul(n) > limit {
        return Err(InputError::new(
            "systolic::train::check",
            format!("layer {}", layer.name),
            format!("its GEMM is {m} x {k} x {n}: an operand passes --check's 2^26 elements"),
        )
        .hint("check a smaller layer or a smaller --batch")
        .into());
    }
    // Forward operands: X (m x k), W (k x n), and an output gradient dY (m x n).
    let x = pe::random_operands(bits, m * k, seed);
    let w = pe::random_operands(bits, k * n, seed.wrapping_add(1));
    let dy = pe::random_operands(bits, m * n, seed.wrapping_add(2));
    let t = |v: &[i64], r: usize, c: usize| -> Vec<i64> {
        (0..r * c).map(|i| v[(i % r) * c + i / r]).collect()
    };
    let (wt, xt) = (t(&w, k, n), t(&x, m, k));
    // Each gradient (the shapes of `super::backward`): pass, what, A, B,
    // dims, and the same gradient from X, W and dY directly.
    let mut jobs: Vec<Job> = Vec::new();
    let attention = matches!(layer.op, Op::MatMul { .. });
    let (dx_what, dw_what) = if attention {
        ("dA = dC Bᵀ", "dB = Aᵀ dC")
    } else {
        ("dX = dY Wᵀ", "dW = Xᵀ dY")
    };
    jobs.push((
        Pass::Dx,
        dx_what,
        &dy,
        &wt,
        (m, n, k),
        Box::new(|i, j| (0..n).map(|l| dy[i * n + l] * w[j * n + l]).sum()),
    ));
    jobs.push((
        if attention { Pass::Dx } else { Pass::Dw },
        dw_what,
        &xt,
        &dy,
        (k, m, n),
        Box::new(|i, j| (0..m).map(|l| x[l * k + i] * dy[l * n + j]).sum()),
    ));
    let acc_bits = design.accumulator.bits();
    let mut out = Vec::new();
    for (pass, what, a, b, (mm, kk, nn), direct) in jobs {
        let run = pe::run(design, a, b, mm as u64, kk as u64, nn as u64)?;
        let reference = pe::reference(design, a, b, mm as u64, kk as u64, nn as u64);
        let g = crate::workload::GemmOp::new(mm as u64, kk as u64, nn as u64);
        let fast_cycles = fast.run_gemm(design, &g)?.compute_cycles;
        // |sum| <= K 2^(2 bits - 2): no wrap when that fits the accumulator.
        let bound = (kk as u128) << (2 * bits - 2);
        let equal_direct = (bound < (1u128 << (acc_bits - 1)))
            .then(|| (0..mm).all(|i| (0..nn).all(|j| direct(i, j) == run.c[i * nn + j])));
        out.push(Checked {
            pass,
            what,
            mkn: (mm as u64, kk as u64, nn as u64),
            pe_cycles: run.cycles,
            fast_cycles,
            outputs: mm * nn,
            equal_reference: run.c == reference,
            equal_direct,
        });
    }
    Ok(out)
}
