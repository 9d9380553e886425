use super::rules::*;
use super::*;

fn num(v: f64) -> Value {
    // Exact for the test values below (small dyadic rationals).
    let neg = v.is_sign_negative();
    let mut m = v.abs();
    let mut e = 0;
    while m.fract() != 0.0 {
        m *= 2.0;
        e -= 1;
    }
    Value::Num(Num {
        neg,
        mag: BigUint::from(m as u64),
        exp: e,
    })
}

fn norm(v: Value) -> Value {
    match v {
        Value::Num(n) => Value::Num(n.normalized()),
        v => v,
    }
}

#[test]
fn named_formats_have_their_published_limits() {
    // Largest finite numbers: fp32 3.4028235e38, bf16 3.3895314e38,
    // fp16 65504, E5M2 57344, E4M3 448 (OCP 8-bit FP spec v1.0).
    let max = |f: Format| match f.decode(f.max_finite(false)) {
        Value::Num(n) => n.mag.to_string().parse::<f64>().unwrap() * 2f64.powi(n.exp),
        v => panic!("{v:?}"),
    };
    assert_eq!(max(FP32), f32::MAX as f64);
    assert_eq!(max(BF16), 3.3895313892515355e38);
    assert_eq!(max(FP16), 65504.0);
    assert_eq!(max(E5M2), 57344.0);
    assert_eq!(max(E4M3), 448.0);
    assert_eq!(E4M3.nan(), 0x7F);
    assert_eq!(FP16.nan(), 0x7E00);
    assert_eq!(BF16.nan(), 0x7FC0);
    assert_eq!(E5M2.decode(0x7C), Value::Inf { neg: false });
    assert_eq!(norm(E4M3.decode(0x7E)), norm(num(448.0)));
    assert_eq!(E4M3.decode(0xFF), Value::Nan);
}

#[test]
fn e4m3_overflow_is_nan_or_saturates() {
    // 464 is the tie between 448 (fraction 110, even) and 480 (not a number
    // of E4M3: its encoding is NaN): it rounds to 448; above it overflows.
    assert_eq!(E4M3.round(&num(464.0), Mode::IEEE), 0x7E);
    assert_eq!(E4M3.round(&num(465.0), Mode::IEEE), E4M3.nan());
    let sat = Mode {
        saturate: true,
        ..Mode::IEEE
    };
    assert_eq!(E4M3.round(&num(-1e6), sat), 0xFE);
    assert_eq!(E4M3.round(&Value::Inf { neg: true }, sat), 0xFE);
    assert_eq!(E4M3.round(&Value::Inf { neg: false }, Mode::IEEE), 0x7F);
    // E5M2 overflows to infinity: 61440 is the tie between 57344
    // (1.11b x 2^15, an odd fraction) and 2^16, so it rounds up, past the
    // largest number.
    assert_eq!(E5M2.round(&num(61440.0), Mode::IEEE), 0x7C);
    assert_eq!(E5M2.round(&num(61439.0), Mode::IEEE), 0x7B);
}

#[test]
fn subnormals_are_kept_or_flushed() {
    let ftz = Mode {
        subnormals: false,
        ..Mode::IEEE
    };
    // fp16's smallest subnormal, 2^-24, and half of it (a tie to even: 0).
    let tiny = Value::Num(Num {
        neg: true,
        mag: BigUint::from(1u8),
        exp: -24,
    });
    assert_eq!(FP16.round(&tiny, Mode::IEEE), 0x8001);
    assert_eq!(FP16.round(&tiny, ftz), 0x8000);
    let half = Value::Num(Num {
        neg: false,
        mag: BigUint::from(1u8),
        exp: -25,
    });
    assert_eq!(FP16.round(&half, Mode::IEEE), 0x0000);
    // Three quarters of the smallest subnormal rounds up to it.
    let three_q = Value::Num(Num {
        neg: false,
        mag: BigUint::from(3u8),
        exp: -26,
    });
    assert_eq!(FP16.round(&three_q, Mode::IEEE), 0x0001);
    // The largest subnormal plus half an ulp carries into the smallest normal.
    let carry = Value::Num(Num {
        neg: false,
        mag: BigUint::from(0x7FFu32),
        exp: -25,
    });
    assert_eq!(FP16.round(&carry, Mode::IEEE), 0x0400);
    // Without subnormals an input subnormal reads as zero.
    assert_eq!(FP16.decode_in(0x8001, ftz), Value::Num(Num::zero(true)));
}

#[test]
fn signed_zeros_follow_ieee() {
    let pz = Value::Num(Num::zero(false));
    let nz = Value::Num(Num::zero(true));
    assert_eq!(FP32.round(&sum([&nz, &nz]), Mode::IEEE), 0x8000_0000);
    assert_eq!(FP32.round(&sum([&nz, &pz]), Mode::IEEE), 0);
    assert_eq!(FP32.round(&sum([&num(1.5), &num(-1.5)]), Mode::IEEE), 0);
    assert_eq!(FP32.round(&mul(&nz, &num(3.0)), Mode::IEEE), 0x8000_0000);
    assert_eq!(mul(&nz, &Value::Inf { neg: false }), Value::Nan);
    assert_eq!(
        sum([&Value::Inf { neg: false }, &Value::Inf { neg: true }]),
        Value::Nan
    );
}

#[test]
fn fused_adder_chops_what_the_alignment_shifts_out() {
    // fp32 accumulator 1.0 plus the product 2^-24 * 1.5 (bf16 operands):
    // exactly 1 + 1.5 * 2^-24, which rounds (RNE) to 1 + 2^-23. With 0
    // extra bits the alignment keeps 24 bits from 2^0 down to 2^-23 and
    // chops the product to 2^-24 ... to 0 (its bits are below 2^-23): 1.0.
    // With 1 extra bit it keeps 2^-24 (a tie, to even: 1.0); with 2, it
    // keeps 1.5 * 2^-24 and rounds up.
    let one = 0x3F80_0000;
    let a = num(1.5);
    let b = Value::Num(Num {
        neg: false,
        mag: BigUint::from(1u8),
        exp: -24,
    });
    let pair = [(a.clone(), b.clone())];
    assert_eq!(fma(FP32, Mode::IEEE, one, &a, &b), 0x3F80_0001);
    assert_eq!(fused(FP32, Mode::IEEE, 0, one, &pair), one);
    assert_eq!(fused(FP32, Mode::IEEE, 1, one, &pair), one);
    assert_eq!(fused(FP32, Mode::IEEE, 2, one, &pair), 0x3F80_0001);
}

/// The fixed-width multiply-add (the RTL's algorithm) equals the big-integer
/// one on every pair of fp8 encodings times partial sums of each format.
#[test]
fn the_fixed_width_fma_equals_exact_arithmetic_on_every_fp8_pair() {
    let modes = [
        Mode::IEEE,
        Mode {
            subnormals: false,
            saturate: true,
        },
    ];
    for op in [E4M3, E5M2] {
        for ps in [FP32, BF16, FP16, E4M3] {
            for mode in modes {
                let top = 1u32 << (ps.bits() - 1);
                let accs = [
                    0,
                    top,
                    1,
                    top | 5,
                    ps.max_finite(true),
                    ps.nan(),
                    0x3c | (1 << ps.man_bits),
                ];
                for &c in &accs {
                    for i in 0..256 {
                        for j in 0..256 {
                            let want = rules::fma(
                                ps,
                                mode,
                                c,
                                &op.decode_in(i, mode),
                                &op.decode_in(j, mode),
                            );
                            let got = bits::fma(ps, op, mode, c, i, j);
                            assert_eq!(got, want, "{op} {i:#x} x {j:#x} + {ps} {c:#x} ({mode:?})");
                        }
                    }
                }
            }
        }
    }
}

/// The fp64 narrow path's one inexact case: a bf16 partial sum at a tie of
/// bf16 in fp64 (7 x 37 = 259 = 1.00000011b x 2^8) while the exact sum lies
/// just below it (-2^-50 added first, lost in fp64): TwoSum's error must
/// break the tie downwards, to 258 (ties to even would give 260).
#[test]
fn a_tie_of_the_partial_sums_format_lost_in_fp64_is_broken_by_the_error() {
    use gemm::{gemm_bits, gemm_narrow, FpArith, Order};
    let arith = FpArith {
        operand: BF16,
        psum: BF16,
        acc: FP32,
        rule: AccRule::FmaChain,
        mode: Mode::IEEE,
    };
    // -2^-25 x 2^-25, then 7 x 37.
    let (a, b) = ([0xB300, 0x40E0], [0x3300, 0x4214]);
    let want = vec![258.0f32.to_bits()];
    assert_eq!(gemm_bits(&arith, Order::Output, &a, &b, (1, 2, 1)), want);
    assert_eq!(gemm_narrow(&arith, Order::Output, &a, &b, (1, 2, 1)), want);
}

/// The other side of that rule (co-simulation, `verify --core` of
/// cosim-3x5-ws-bf16-psums, 2x7x17, seed 12936776681419304324, C[1][14]):
/// -0.2890625 x 2^-48 x 1.5390625 (-1.58e-15) then 0.9375 x -9.5 is
/// -8.90625 - 1.58e-15, just past the bf16 tie -8.90625, so it rounds away,
/// to -8.9375. In fp64 the sum is -8.90625 - 2^-49, one step past the tie,
/// with an error back toward it: the error must not move the sum onto the
/// tie (which rounds to even, -8.875).
#[test]
fn an_fp64_sum_one_step_past_a_tie_is_not_moved_onto_it() {
    use gemm::{gemm_bits, gemm_narrow, FpArith, Order};
    let arith = FpArith {
        operand: BF16,
        psum: BF16,
        acc: FP32,
        rule: AccRule::FmaChain,
        mode: Mode::IEEE,
    };
    let (a, b) = ([0xBE94, 0x3F70], [0x27C5, 0xC118]);
    let want = vec![(-8.9375f32).to_bits()];
    assert_eq!(gemm_bits(&arith, Order::Output, &a, &b, (1, 2, 1)), want);
    assert_eq!(gemm_narrow(&arith, Order::Output, &a, &b, (1, 2, 1)), want);
}

#[test]
fn to_f64_reads_every_encoding_as_decode_does() {
    // Every code of the 8- and 16-bit formats, and fp32's specials,
    // subnormals and a strided sweep, in both subnormal modes.
    for f in FORMATS {
        let codes: Vec<u32> = if f.bits() <= 16 {
            (0..1u32 << f.bits()).collect()
        } else {
            (0..=u32::MAX)
                .step_by(65_537)
                .chain([
                    0,
                    1,
                    0x7f_ffff,
                    0x80_0001,
                    0x7f80_0000,
                    0xff80_0000,
                    0x7fc0_0000,
                ])
                .collect()
        };
        for subnormals in [true, false] {
            let mode = Mode {
                subnormals,
                saturate: false,
            };
            for &x in &codes {
                let got = f.to_f64(x, mode);
                match f.decode_in(x, mode) {
                    Value::Nan => assert!(got.is_nan(), "{f} {x:#x}"),
                    Value::Inf { neg } => {
                        assert_eq!(
                            got,
                            if neg {
                                f64::NEG_INFINITY
                            } else {
                                f64::INFINITY
                            }
                        )
                    }
                    Value::Num(n) => {
                        let mag = u64::try_from(&n.mag).unwrap() as f64 * 2f64.powi(n.exp);
                        let want = if n.neg { -mag } else { mag };
                        assert_eq!(got.to_bits(), want.to_bits(), "{f} {x:#x}");
                    }
                }
            }
        }
    }
}
