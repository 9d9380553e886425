//! The exact floating-point arithmetic (sim::fp) against independent
//! oracles: the machine's fp32 add and fused multiply-add (IEEE 754,
//! correctly rounded), the `half` crate's fp16 and bf16 conversions, and
//! exact big-integer sums for the fused adder.

use half::{bf16, f16};
use proptest::prelude::*;
use sim::fp::rules::{fma, fused};
use sim::fp::{mul, sum, Format, Mode, Num, Value, BF16, E4M3, E5M2, FP16, FP32};

/// f32 bit patterns, weighted towards the interesting ones: zeros,
/// subnormals, values near overflow, infinities and NaNs.
fn f32_bits() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => any::<u32>(),
        1 => (0u32..0x0080_0000, any::<bool>()).prop_map(|(m, s)| m | (u32::from(s) << 31)),
        1 => (0x7F00_0000u32..0x7F80_0001, any::<bool>()).prop_map(|(m, s)| m | (u32::from(s) << 31)),
        1 => prop::sample::select(vec![0u32, 0x8000_0000, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0x7F80_0001, 0x3F80_0000, 0x0000_0001]),
        // Operands whose products and sums cancel or round at ties.
        2 => (-200i32..200, 0u32..16).prop_map(|(e, m)| ((e + 127).clamp(1, 254) as u32) << 23 | m << 19),
    ]
}

fn same(ours: u32, theirs: u32, nan_ours: bool, nan_theirs: bool) -> bool {
    if nan_theirs {
        nan_ours
    } else {
        ours == theirs
    }
}

fn ftz() -> Mode {
    Mode {
        subnormals: false,
        saturate: false,
    }
}

/// The machine's fp32 with subnormal inputs read as zeros and subnormal
/// results flushed (what `Mode { subnormals: false }` specifies).
fn flush(x: f32) -> f32 {
    if x.is_subnormal() {
        0.0f32.copysign(x)
    } else {
        x
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn fp32_fma_equals_the_machines_fused_multiply_add(a in f32_bits(), b in f32_bits(), c in f32_bits()) {
        let (x, y, z) = (f32::from_bits(a), f32::from_bits(b), f32::from_bits(c));
        let want = x.mul_add(y, z);
        let got = fma(FP32, Mode::IEEE, c, &FP32.decode(a), &FP32.decode(b));
        prop_assert!(same(got, want.to_bits(), FP32.decode(got) == Value::Nan, want.is_nan()),
            "{x:e} * {y:e} + {z:e}: ours {got:08x}, machine {:08x}", want.to_bits());
        // Flushing subnormals in and out.
        let want = flush(flush(x).mul_add(flush(y), flush(z)));
        let got = fma(FP32, ftz(), c, &FP32.decode_in(a, ftz()), &FP32.decode_in(b, ftz()));
        prop_assert!(same(got, want.to_bits(), FP32.decode(got) == Value::Nan, want.is_nan()),
            "ftz {x:e} * {y:e} + {z:e}: ours {got:08x}, machine {:08x}", want.to_bits());
    }

    #[test]
    fn fp32_sums_equal_the_machines_addition(a in f32_bits(), b in f32_bits()) {
        let want = f32::from_bits(a) + f32::from_bits(b);
        let got = FP32.round(&sum([&FP32.decode(a), &FP32.decode(b)]), Mode::IEEE);
        prop_assert!(same(got, want.to_bits(), FP32.decode(got) == Value::Nan, want.is_nan()));
    }

    #[test]
    fn conversions_from_fp32_equal_the_half_crates(a in f32_bits()) {
        let x = f32::from_bits(a);
        for (fmt, want) in [(FP16, f16::from_f32(x).to_bits()), (BF16, bf16::from_f32(x).to_bits())] {
            let got = fmt.convert(FP32, a, Mode::IEEE);
            prop_assert!(same(got, u32::from(want), fmt.decode(got) == Value::Nan, x.is_nan()),
                "{x:e} to {fmt}: ours {got:04x}, half {want:04x}");
        }
    }

    #[test]
    fn a_fused_adder_keeping_every_bit_rounds_the_exact_sum_once(
        acc in f32_bits(),
        ops in prop::collection::vec((any::<u16>(), any::<u16>()), 1..8),
    ) {
        // bf16 operands, fp32 accumulation; 400 extra bits cover every
        // term's bits, from fp32's largest (2^127) down to the product of
        // two smallest bf16 subnormals (2^-266), so nothing is chopped (300
        // did not: at a tie of acc + one product, chopping the other, tiny
        // product moved the result by an ulp).
        let pairs: Vec<(Value, Value)> = ops.iter().map(|&(a, b)| (BF16.decode(u32::from(a)), BF16.decode(u32::from(b)))).collect();
        let mut terms = vec![FP32.decode(acc)];
        terms.extend(pairs.iter().map(|(a, b)| mul(a, b)));
        let want = FP32.round(&sum(&terms), Mode::IEEE);
        prop_assert_eq!(fused(FP32, Mode::IEEE, 400, acc, &pairs), want);
        // One product: the fused adder is a fused multiply-add.
        let (a, b) = &pairs[0];
        prop_assert_eq!(fused(FP32, Mode::IEEE, 400, acc, &pairs[..1]), fma(FP32, Mode::IEEE, acc, a, b));
    }

    #[test]
    fn fewer_alignment_bits_never_move_the_result_away_from_zero_past_the_exact_one(
        ops in prop::collection::vec((any::<u8>(), any::<u8>()), 1..8),
        extra in 0u32..4,
    ) {
        // fp8 E4M3 products into an fp32 sum starting at +0, all positive:
        // chopping only removes magnitude, so the result is at most the
        // exactly rounded one (both are positive finite fp32 here).
        let pairs: Vec<(Value, Value)> = ops.iter().map(|&(a, b)| (E4M3.decode(u32::from(a & 0x7E)), E4M3.decode(u32::from(b & 0x7E)))).collect();
        let chopped = fused(FP32, Mode::IEEE, extra, 0, &pairs);
        let exact = fused(FP32, Mode::IEEE, 400, 0, &pairs);
        prop_assert!(f32::from_bits(chopped) <= f32::from_bits(exact));
    }
}

#[test]
fn every_16_bit_code_decodes_as_the_half_crate_reads_it() {
    let value = |v: Value| match v {
        Value::Num(Num { neg, mag, exp }) => {
            let m: f64 = mag.to_string().parse().unwrap();
            let x = m * 2f64.powi(exp);
            Some(if neg { -x } else { x })
        }
        Value::Inf { neg } => Some(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }),
        Value::Nan => None,
    };
    for bits in 0..=u16::MAX {
        let h = f16::from_bits(bits).to_f64();
        let got = value(FP16.decode(u32::from(bits)));
        assert_eq!(
            got.map(f64::to_bits),
            (!h.is_nan()).then_some(h.to_bits()),
            "fp16 {bits:04x}"
        );
        let b = bf16::from_bits(bits).to_f64();
        let got = value(BF16.decode(u32::from(bits)));
        assert_eq!(
            got.map(f64::to_bits),
            (!b.is_nan()).then_some(b.to_bits()),
            "bf16 {bits:04x}"
        );
    }
}

#[test]
fn every_8_bit_code_rounds_back_to_itself() {
    for fmt in [E4M3, E5M2] {
        for mode in [
            Mode::IEEE,
            Mode {
                saturate: true,
                ..Mode::IEEE
            },
        ] {
            for bits in 0..256u32 {
                let v = fmt.decode(bits);
                let back = fmt.round(&v, mode);
                match v {
                    Value::Nan => assert_eq!(back, fmt.nan(), "{fmt} {bits:02x}"),
                    Value::Inf { neg } if mode.saturate => {
                        assert_eq!(back, fmt.max_finite(neg), "{fmt} {bits:02x}")
                    }
                    _ => assert_eq!(back, bits, "{fmt} {bits:02x} {mode:?}"),
                }
            }
        }
    }
}

#[test]
fn formats_are_found_by_name() {
    for name in ["fp32", "bf16", "fp16", "fp8e5m2", "fp8e4m3"] {
        assert_eq!(Format::named(name).unwrap().name, name);
    }
    assert_eq!(Format::named("fp8"), None);
}

mod gemm {
    use super::*;
    use sim::fp::gemm::{gemm, FpArith, Order};
    use sim::fp::rules::AccRule;

    fn arith(operand: Format, psum: Format, rule: AccRule) -> FpArith {
        FpArith {
            operand,
            psum,
            acc: FP32,
            rule,
            mode: Mode::IEEE,
        }
    }

    fn rules() -> Vec<AccRule> {
        vec![
            AccRule::FmaChain,
            AccRule::ProductsExact,
            AccRule::FusedAdder {
                terms: 4,
                extra_bits: 0,
            },
            AccRule::FusedAdder {
                terms: 1,
                extra_bits: 2,
            },
        ]
    }

    /// Small integers, exact in every operand format here.
    fn int_code(fmt: Format, v: i8) -> u32 {
        fmt.round(
            &Value::Num(Num {
                neg: v < 0,
                mag: u32::from(v.unsigned_abs()).into(),
                exp: 0,
            }),
            Mode::IEEE,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn exact_sums_equal_the_integer_gemm_in_every_order_and_rule(
            (m, k, n) in (1usize..5, 1usize..40, 1usize..5),
            seed in any::<u64>(),
            rows in 1usize..9,
        ) {
            // Operands in -8..=8: every partial sum is an integer below 2^24
            // in magnitude, exact in fp32, whatever the order or rule.
            let mut s = seed;
            let mut next = || { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); ((s >> 33) % 17) as i8 - 8 };
            let ai: Vec<i8> = (0..m * k).map(|_| next()).collect();
            let bi: Vec<i8> = (0..k * n).map(|_| next()).collect();
            for fmt in [BF16, FP16, E4M3, E5M2] {
                let a: Vec<u32> = ai.iter().map(|&v| int_code(fmt, v)).collect();
                let b: Vec<u32> = bi.iter().map(|&v| int_code(fmt, v)).collect();
                for rule in rules() {
                    for order in [Order::Output, Order::Stationary { rows }] {
                        let c = gemm(&arith(fmt, FP32, rule), order, &a, &b, (m, k, n));
                        for i in 0..m {
                            for j in 0..n {
                                let want: i32 = (0..k).map(|kk| i32::from(ai[i * k + kk]) * i32::from(bi[kk * n + j])).sum();
                                prop_assert_eq!(f32::from_bits(c[i * n + j]), want as f32, "{} {:?} {:?}", fmt, rule, order);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_order_of_additions_decides_a_narrow_partial_sum() {
        // 2048 + 1 + 1 with fp16 partial sums: one chain over K (os) rounds
        // 2049 to 2048 (a tie, to even) twice and ends at 2048; ws with one
        // row per fold adds each column sum into the fp32 accumulator: 2050.
        let one = int_code(FP16, 1);
        let a = vec![
            FP16.round(
                &Value::Num(Num {
                    neg: false,
                    mag: 2048u32.into(),
                    exp: 0,
                }),
                Mode::IEEE,
            ),
            one,
            one,
        ];
        let b = vec![one, one, one];
        let ar = arith(FP16, FP16, AccRule::FmaChain);
        let os = gemm(&ar, Order::Output, &a, &b, (1, 3, 1));
        let ws = gemm(&ar, Order::Stationary { rows: 1 }, &a, &b, (1, 3, 1));
        let ws3 = gemm(&ar, Order::Stationary { rows: 3 }, &a, &b, (1, 3, 1));
        assert_eq!(f32::from_bits(os[0]), 2048.0);
        assert_eq!(f32::from_bits(ws[0]), 2050.0);
        assert_eq!(f32::from_bits(ws3[0]), 2048.0);
        // A fused adder over all three products with 2 extra bits keeps the
        // two ones (2^0 is 11 + 2 bits below 2^11) and rounds 2050 once.
        let fa = arith(
            FP16,
            FP16,
            AccRule::FusedAdder {
                terms: 3,
                extra_bits: 2,
            },
        );
        assert_eq!(
            f32::from_bits(gemm(&fa, Order::Output, &a, &b, (1, 3, 1))[0]),
            2050.0
        );
        // With no extra bits, the ones fall below fp16's 11 bits from 2^11: 2048.
        let f0 = arith(
            FP16,
            FP16,
            AccRule::FusedAdder {
                terms: 3,
                extra_bits: 0,
            },
        );
        assert_eq!(
            f32::from_bits(gemm(&f0, Order::Output, &a, &b, (1, 3, 1))[0]),
            2048.0
        );
    }
}

mod fast {
    use super::*;
    use sim::fp::gemm::{fast_path, gemm_exact, gemm_fast, FpArith, Order};
    use sim::fp::rules::AccRule;

    /// Operand codes weighted to zeros, subnormals, the largest numbers,
    /// infinities and NaNs.
    fn code(fmt: Format) -> impl Strategy<Value = u32> {
        let top = (1u32 << fmt.bits()) - 1;
        let sign = 1u32 << (fmt.bits() - 1);
        prop_oneof![
            6 => 0..=top,
            1 => (0..(1u32 << fmt.man_bits), any::<bool>()).prop_map(move |(m, s)| m | if s { sign } else { 0 }),
            1 => prop::sample::select(vec![fmt.nan(), fmt.max_finite(false), fmt.max_finite(true), 0, sign]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn the_machines_fma_path_equals_exact_arithmetic(
            (fmt, a, b) in prop::sample::select(vec![BF16, FP16, E4M3, E5M2])
                .prop_flat_map(|f| (Just(f), prop::collection::vec(code(f), 96), prop::collection::vec(code(f), 24 * 140))),
            // N past two blocks of the fast path's 64 side-by-side chains.
            (m, k, n) in (1usize..4, 1usize..24, prop_oneof![1usize..4, 60usize..140]),
            rows in 1usize..7,
        ) {
            let arith = FpArith { operand: fmt, psum: FP32, acc: FP32, rule: AccRule::FmaChain, mode: Mode::IEEE };
            prop_assert!(fast_path(&arith));
            let (a, b) = (&a[..m * k], &b[..k * n]);
            for order in [Order::Output, Order::Stationary { rows }] {
                prop_assert_eq!(
                    gemm_fast(&arith, order, a, b, (m, k, n)),
                    gemm_exact(&arith, order, a, b, (m, k, n)),
                    "{} {:?}", fmt, order
                );
            }
        }

        /// The fixed-width GEMM and the fp64 narrow path (every format,
        /// partial-sum format, mode and order, folds short of K included)
        /// equal exact arithmetic.
        #[test]
        fn the_fixed_width_gemm_equals_exact_arithmetic(
            (fmt, a, b) in prop::sample::select(vec![BF16, FP16, E4M3, E5M2])
                .prop_flat_map(|f| (Just(f), prop::collection::vec(code(f), 60), prop::collection::vec(code(f), 15 * 40))),
            // N past two blocks of the narrow path's 16 side-by-side chains.
            (m, k, n) in (1usize..4, 0usize..15, prop_oneof![1usize..4, 33usize..40]),
            psum in prop::sample::select(vec![FP32, BF16, FP16]),
            (sub, sat, exact) in (any::<bool>(), any::<bool>(), any::<bool>()),
            rows in 1usize..7,
        ) {
            let rule = if exact { AccRule::ProductsExact } else { AccRule::FmaChain };
            let mode = Mode { subnormals: sub, saturate: sat };
            let arith = FpArith { operand: fmt, psum, acc: FP32, rule, mode };
            let (a, b) = (&a[..m * k], &b[..k * n]);
            for order in [Order::Output, Order::Stationary { rows }] {
                let bits = sim::fp::gemm::gemm_bits(&arith, order, a, b, (m, k, n));
                prop_assert_eq!(
                    &bits,
                    &gemm_exact(&arith, order, a, b, (m, k, n)),
                    "{} into {} {:?} {:?}", fmt, psum, mode, order
                );
                // The fp64 path for narrow partial sums, too.
                prop_assert!(sim::fp::gemm::narrow_path(&arith));
                prop_assert_eq!(
                    &sim::fp::gemm::gemm_narrow(&arith, order, a, b, (m, k, n)),
                    &bits,
                    "narrow: {} into {} {:?} {:?}", fmt, psum, mode, order
                );
            }
        }
    }
}

/// Encodings of `f` from fp32-weighted patterns: an fp32 pattern's top
/// `f.bits()` bits (bf16, fp16: sign, exponent and leading fraction bits;
/// so zeros, subnormals, extremes and specials all occur).
fn code_of(f: Format) -> impl Strategy<Value = u32> {
    let shift = 32 - f.bits();
    (f32_bits(), any::<u32>()).prop_map(move |(x, r)| {
        if f.bits() == 32 {
            x
        } else if r % 3 == 0 {
            r >> shift
        } else {
            x >> shift
        }
    })
}

const FORMATS: [Format; 3] = [FP32, BF16, FP16];

/// An operand format, a partial-sum format, a mode, two operands and a
/// partial sum.
fn fma_case() -> impl Strategy<Value = (Format, Format, Mode, u32, u32, u32)> {
    (0usize..3, 0usize..3, any::<bool>(), any::<bool>()).prop_flat_map(|(o, p, sub, sat)| {
        let (op, ps) = (FORMATS[o], FORMATS[p]);
        let mode = Mode {
            subnormals: sub,
            saturate: sat,
        };
        (code_of(op), code_of(op), code_of(ps)).prop_map(move |(a, b, c)| (op, ps, mode, a, b, c))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(30_000))]

    /// The fixed-width multiply-add and accumulator add (the RTL's
    /// algorithm, `sim::fp::bits`) equal exact arithmetic on 16- and
    /// 32-bit formats, in every mode.
    #[test]
    fn the_fixed_width_fma_and_add_equal_exact_arithmetic((op, ps, mode, a, b, c) in fma_case()) {
        let want = fma(ps, mode, c, &op.decode_in(a, mode), &op.decode_in(b, mode));
        prop_assert_eq!(
            sim::fp::bits::fma(ps, op, mode, c, a, b), want,
            "{} {:#x} x {:#x} + {} {:#x} ({:?})", op, a, b, ps, c, mode
        );
        // The accumulator's add: an fp32 line plus a partial sum of `op`'s
        // format (`a`), as acc + a x 1.
        let one = Value::Num(Num { neg: false, mag: 1u8.into(), exp: 0 });
        let acc = c | (c << 16);
        let want = fma(FP32, mode, acc, &op.decode_in(a, mode), &one);
        prop_assert_eq!(
            sim::fp::bits::add(FP32, op, mode, acc, a), want,
            "fp32 {:#x} + {} {:#x} ({:?})", acc, op, a, mode
        );
    }
}
