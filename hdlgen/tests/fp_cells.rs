//! The floating-point multiply-add cell (`hdlgen::rtl::fp`) under
//! Verilator, exhaustively for the 8-bit formats: all 65,536 pairs of
//! operand encodings times a set of partial sums (zeros of both signs,
//! infinities, NaN, the extremes of the partial-sum format, subnormals and
//! values that cancel products), each output bit for bit against
//! `sim::fp::rules::fma`. Fails (never skips) when Verilator is missing.

use hdlgen::check::fpunit::exhaustive;
use sim::fp::{Format, Mode, Value, BF16, E4M3, E5M2, FP16, FP32};

/// Partial sums of `ps` worth meeting every product with.
fn accs(ps: Format, op: Format, mode: Mode) -> Vec<u32> {
    let top = 1u32 << (ps.bits() - 1);
    let mut v = vec![
        0,
        top, // -0
        ps.max_finite(false),
        ps.max_finite(true),
        1,                // the smallest subnormal
        top | 3,          // a negative subnormal
        1 << ps.man_bits, // the smallest normal
        ps.nan(),
    ];
    if !ps.finite_only {
        let inf = ((1u32 << ps.exp_bits) - 1) << ps.man_bits;
        v.extend([inf, inf | top]);
    }
    // Values that products of `op` meet, or cancel: -(a * b) for a few
    // pairs, and some ordinary numbers.
    for (i, j) in [
        (0x38u32, 0x38u32),
        (0x3c, 0x41),
        (0x05, 0x4b),
        (0x71, 0x6e),
        (0x02, 0x03),
    ] {
        let p = sim::fp::mul(&op.decode_in(i, mode), &op.decode_in(j, mode));
        if let Value::Num(mut n) = p {
            n.neg = !n.neg;
            v.push(ps.round(&Value::Num(n.clone()), mode));
            n.exp += 3;
            v.push(ps.round(&Value::Num(n), mode));
        }
    }
    for x in [1.0f64, -1.5, 0.3, 1e-3, -7e4, 3e-6] {
        let n = sim::fp::Num {
            neg: x < 0.0,
            mag: ((x.abs() * 2f64.powi(60)) as u64).into(),
            exp: -60,
        };
        v.push(ps.round(&Value::Num(n), mode));
    }
    v
}

fn run(op: Format, ps: Format, mode: Mode) {
    let a = accs(ps, op, mode);
    let out = exhaustive(op, ps, mode, &a).unwrap_or_else(|e| {
        let help = miette::Diagnostic::help(&e).map_or(String::new(), |h| h.to_string());
        panic!("{e}\nhelp: {help}")
    });
    assert_eq!(out.cases, (a.len() as u64) << 16);
    assert_eq!(
        out.mismatches, 0,
        "{} x {} + {} ({mode:?}): {} of {} differ; first: {:#?}",
        op.name, op.name, ps.name, out.mismatches, out.cases, out.first
    );
}

#[test]
fn e4m3_products_into_fp32() {
    run(E4M3, FP32, Mode::IEEE);
}

#[test]
fn e5m2_products_into_fp32() {
    run(E5M2, FP32, Mode::IEEE);
}

#[test]
fn e5m2_products_into_fp16_flushing_subnormals() {
    run(
        E5M2,
        FP16,
        Mode {
            subnormals: false,
            saturate: false,
        },
    );
}

#[test]
fn e4m3_products_into_bf16() {
    run(E4M3, BF16, Mode::IEEE);
}

#[test]
fn e4m3_products_into_e4m3_saturating() {
    run(
        E4M3,
        E4M3,
        Mode {
            subnormals: true,
            saturate: true,
        },
    );
}

/// The fused adder (`rtl::fp::fused_items`) under Verilator against
/// `sim::fp::rules::fused`: 4,000 random vectors per configuration
/// (operands mostly ordinary numbers, one in 64 a special value, one in 64
/// random bits; a third of the partial sums cancel the first product), 2
/// and 4 products, 0, 1 and 3 extra alignment bits, bf16, fp16 and E4M3
/// operands into fp32 and fp16.
#[test]
fn fused_adders_equal_the_exact_model() {
    use hdlgen::check::fpunit::fused_random;
    use sim::engine::pe::random_fp_operands;
    let ftz = Mode {
        subnormals: false,
        saturate: false,
    };
    for (op, ps, terms, extra, mode) in [
        (BF16, FP32, 4u32, 0u32, Mode::IEEE),
        (FP16, FP32, 2, 1, Mode::IEEE),
        (E4M3, FP16, 4, 3, ftz),
        (BF16, FP16, 2, 0, Mode::IEEE),
    ] {
        let n = 4000usize;
        let ops = random_fp_operands(op, n * 2 * terms as usize, 11);
        let accs = random_fp_operands(ps, n, 12);
        let vectors: Vec<(Vec<(u32, u32)>, u32)> = (0..n)
            .map(|i| {
                let pairs: Vec<(u32, u32)> = (0..terms as usize)
                    .map(|t| {
                        let j = (i * terms as usize + t) * 2;
                        (ops[j] as u32, ops[j + 1] as u32)
                    })
                    .collect();
                let c = if i % 3 == 0 {
                    // -(first product), so the sum cancels.
                    let p = sim::fp::mul(
                        &op.decode_in(pairs[0].0, mode),
                        &op.decode_in(pairs[0].1, mode),
                    );
                    match p {
                        Value::Num(mut x) => {
                            x.neg = !x.neg;
                            ps.round(&Value::Num(x), mode)
                        }
                        _ => accs[i] as u32,
                    }
                } else {
                    accs[i] as u32
                };
                (pairs, c)
            })
            .collect();
        let out = fused_random(op, ps, mode, (terms, extra), &vectors).unwrap_or_else(|e| {
            let help = miette::Diagnostic::help(&e).map_or(String::new(), |h| h.to_string());
            panic!("{e}\nhelp: {help}")
        });
        assert_eq!(out.cases, n as u64);
        assert_eq!(
            out.mismatches, 0,
            "{op} x {terms} into {ps}, {extra} extra bits: {} of {} differ; first: {:#?}",
            out.mismatches, out.cases, out.first
        );
    }
}
