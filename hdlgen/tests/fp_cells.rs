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
