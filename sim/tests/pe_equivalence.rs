//! Engine equivalence: the pe engine (every register, cycle by cycle) equals a
//! naive reference GEMM bit for bit, and the fast engine's `rtl` timing cycle
//! for cycle, fold by fold, for every dataflow.

mod common;

use common::Params;
use proptest::prelude::*;
use sim::engine::{pe, plan, timing, FoldTimes, TimingMode};
use sim::workload::GemmOp;
use sim::Design;

fn fast_schedule(d: &Design, m: u64, k: u64, n: u64) -> (Vec<FoldTimes>, u64) {
    let pl = plan::plan(d, &GemmOp::new(m, k, n), true);
    let mut times = Vec::new();
    let end = timing::cycles(d, &pl, TimingMode::Rtl, false, |_, t| times.push(t));
    (times, end)
}

/// Checks one case; returns a description of the first disagreement.
fn check(d: &Design, a: &[i64], b: &[i64], m: u64, k: u64, n: u64) -> Result<(), String> {
    let run = pe::run(d, a, b, m, k, n).map_err(|e| e.to_string())?;
    let want = pe::reference(d, a, b, m, k, n);
    if let Some(i) = run.c.iter().zip(&want).position(|(x, y)| x != y) {
        return Err(format!(
            "C[{}][{}] = {} but the reference says {}",
            i as u64 / n,
            i as u64 % n,
            run.c[i],
            want[i]
        ));
    }
    let (times, cycles) = fast_schedule(d, m, k, n);
    if run.folds != times {
        let f = run
            .folds
            .iter()
            .zip(&times)
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        return Err(format!(
            "fold {f}: pe {:?} vs fast {:?}",
            run.folds.get(f),
            times.get(f)
        ));
    }
    if run.cycles != cycles {
        return Err(format!("pe {} cycles vs fast {}", run.cycles, cycles));
    }
    Ok(())
}

fn design(
    rows: u32,
    cols: u32,
    dataflow: &'static str,
    operand: &'static str,
    ofmap_kib: f64,
) -> Design {
    Params {
        rows,
        cols,
        dataflow,
        operand,
        ofmap_kib,
        ..Params::default()
    }
    .design()
}

fn operands(bits: u32, len: usize, seed: u64, extremes: bool) -> Vec<i64> {
    let (lo, hi) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if extremes && i % 3 == 0 {
                if x & 1 == 0 {
                    lo
                } else {
                    hi
                }
            } else {
                lo + (x % (hi - lo + 1) as u64) as i64
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn pe_equals_reference_and_fast_timing(
        rows in 1u32..=12,
        cols in 1u32..=12,
        dataflow in prop::sample::select(vec!["ws", "os", "is"]),
        operand in prop::sample::select(vec!["int8", "int16", "int4"]),
        m in prop_oneof![Just(1u64), 1u64..40],
        k in prop_oneof![Just(1u64), 1u64..40],
        n in prop_oneof![Just(1u64), 1u64..40],
        ofmap_kib in prop::sample::select(vec![0.25, 1.0, 64.0]),
        extremes in prop::bool::ANY,
        seed in any::<u64>(),
    ) {
        let d = design(rows, cols, dataflow, operand, ofmap_kib);
        let bits = d.operand.bits();
        let a = operands(bits, (m * k) as usize, seed, extremes);
        let b = operands(bits, (k * n) as usize, seed ^ 0xABCD, extremes);
        prop_assert_eq!(check(&d, &a, &b, m, k, n), Ok(()));
    }
}

#[test]
fn int8_extremes_on_every_dataflow_and_square_arrays_up_to_32() {
    // -128 x -128 summed 64 times, and mixed extremes, on 1x1 .. 32x32.
    for &s in &[1u32, 2, 3, 8, 16, 32] {
        for df in ["ws", "os", "is"] {
            let d = design(s, s, df, "int8", 64.0);
            let (m, k, n) = (37, 64, 33);
            let a = vec![-128i64; (m * k) as usize];
            let b = operands(8, (k * n) as usize, u64::from(s), true);
            assert_eq!(check(&d, &a, &b, m, k, n), Ok(()), "{s}x{s} {df}");
        }
    }
}

#[test]
fn narrow_accumulators_wrap_and_saturate_like_the_reference() {
    // int8 operands into a 12-bit accumulator: 127 * 127 * 40 overflows it.
    for saturate in [false, true] {
        for df in ["ws", "os", "is"] {
            let d = Params {
                rows: 4,
                cols: 3,
                dataflow: df,
                ifmap_kib: 8.0,
                filter_kib: 8.0,
                ofmap_kib: 8.0,
                acc_bits: Some(16),
                saturate,
                ..Params::default()
            }
            .design();
            let (m, k, n) = (5, 40, 7);
            let a = vec![127i64; (m * k) as usize];
            let b = vec![127i64; (k * n) as usize];
            assert_eq!(
                check(&d, &a, &b, m, k, n),
                Ok(()),
                "{df} saturate={saturate}"
            );
            let c = pe::run(&d, &a, &b, m, k, n).unwrap().c;
            let exact = 127 * 127 * 40;
            let want = if saturate {
                32767
            } else {
                ((exact as i64) << 48) >> 48
            };
            assert!(
                c.iter().all(|&v| v == want),
                "{df} saturate={saturate}: {} vs {want}",
                c[0]
            );
        }
    }
}

#[test]
fn non_square_and_large_arrays_with_several_folds() {
    for (r, c) in [(32, 4), (4, 32), (17, 9), (32, 32)] {
        for df in ["ws", "os", "is"] {
            let d = design(r, c, df, "int8", 2.0);
            let (m, k, n) = (70, 65, 45);
            let a = operands(8, (m * k) as usize, 7, false);
            let b = operands(8, (k * n) as usize, 9, false);
            assert_eq!(check(&d, &a, &b, m, k, n), Ok(()), "{r}x{c} {df}");
        }
    }
}

#[test]
fn bad_operands_are_refused_not_simulated() {
    let d = design(2, 2, "ws", "int8", 8.0);
    let e = pe::run(&d, &[1, 2, 3], &[1, 2], 2, 2, 1)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("operand A has 3 elements, expected 4 (2 x 2)"),
        "{e}"
    );
    let e = pe::run(&d, &[1, 200, 3, 4], &[1, 2], 2, 2, 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("A[1] = 200 does not fit int8"), "{e}");
    let fp = Params {
        operand: "fp16",
        ..Params::default()
    }
    .design();
    // Floating-point operands are encodings of the format: 16 bits here.
    let e = pe::run(&fp, &[70_000], &[1], 1, 1, 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("fp16 encodings"), "{e}");
    assert!(pe::run(&fp, &[0x3c00], &[0xc000], 1, 1, 1).is_ok());
}

#[test]
fn shrunk_cases_from_contract_mutations() {
    // Kept from mutation runs (a load or drain started one cycle early):
    // the smallest shapes on which a broken controller shows.
    for (r, c, df, m, k, n) in [
        (2, 1, "is", 2, 1, 1),
        (1, 1, "os", 1, 1, 1),
        (4, 4, "ws", 2, 8, 4),
        (4, 4, "os", 8, 2, 4),
    ] {
        let d = design(r, c, df, "int8", 0.25);
        let a = operands(8, (m * k) as usize, 1, true);
        let b = operands(8, (k * n) as usize, 2, true);
        assert_eq!(
            check(&d, &a, &b, m, k, n),
            Ok(()),
            "{r}x{c} {df} {m}x{k}x{n}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The two evaluation orders of the pe engine (time-major and
    /// cycle-stepped) agree on values, cycles and every fold's times,
    /// including saturating and narrow accumulators.
    #[test]
    fn time_major_equals_cycle_stepped(
        rows in 1u32..=12,
        cols in 1u32..=12,
        dataflow in prop::sample::select(vec!["ws", "os", "is"]),
        operand in prop::sample::select(vec!["int8", "int16", "int4"]),
        acc_bits in prop::sample::select(vec![12u32, 18, 32, 48]),
        saturate in prop::bool::ANY,
        m in prop_oneof![Just(1u64), 1u64..40],
        k in prop_oneof![Just(1u64), 1u64..40],
        n in prop_oneof![Just(1u64), 1u64..40],
        ofmap_kib in prop::sample::select(vec![0.25, 1.0, 64.0]),
        seed in any::<u64>(),
    ) {
        let d = Params {
            rows,
            cols,
            dataflow,
            operand,
            ofmap_kib,
            acc_bits: Some(acc_bits.max(if operand == "int16" { 16 } else { 8 })),
            saturate,
            ..Params::default()
        }
        .design();
        let bits = d.operand.bits();
        let a = operands(bits, (m * k) as usize, seed, true);
        let b = operands(bits, (k * n) as usize, seed ^ 0xABCD, true);
        let fast = pe::run(&d, &a, &b, m, k, n);
        let stepped = pe::run_stepped(&d, &a, &b, m, k, n);
        prop_assert_eq!(fast, stepped);
    }
}

#[test]
fn long_streams_span_several_chunks_of_the_time_major_core() {
    // T = 600 (ws: M; is: N) streamed vectors: more than one chunk of the
    // time-major core's partial sums, with ragged folds, wrapping and saturating.
    for df in ["ws", "is", "os"] {
        for saturate in [false, true] {
            let d = Params {
                rows: 5,
                cols: 3,
                dataflow: df,
                acc_bits: Some(20),
                saturate,
                ..Params::default()
            }
            .design();
            let (m, k, n) = if df == "is" {
                (7, 11, 600)
            } else {
                (600, 11, 7)
            };
            let a = operands(8, (m * k) as usize, 3, true);
            let b = operands(8, (k * n) as usize, 4, true);
            assert_eq!(
                check(&d, &a, &b, m, k, n),
                Ok(()),
                "{df} saturate={saturate}"
            );
            assert_eq!(
                pe::run(&d, &a, &b, m, k, n),
                pe::run_stepped(&d, &a, &b, m, k, n),
                "{df} saturate={saturate}"
            );
        }
    }
}

#[test]
fn saturating_sums_over_row_folds_add_in_the_hardwares_order() {
    // Fuzzing found it (fuzz/findings/design_toml/01): on a 2x1 ws array
    // with a saturating 16-bit accumulator, K = 4 runs as two row folds; the
    // column sums each fold from zero and the accumulator adds the fold sums,
    // which saturates differently from one chain over K. Mixed signs near
    // the limits make the difference.
    for df in ["ws", "is", "os"] {
        let d = Params {
            rows: 2,
            cols: 1,
            dataflow: df,
            ifmap_kib: 1.0,
            filter_kib: 1.0,
            ofmap_kib: 1.0,
            acc_bits: Some(16),
            saturate: true,
            ..Params::default()
        }
        .design();
        // One output: products 127*127 (x3), then -128*127.
        let a = vec![127i64, 127, 127, -128];
        let b = vec![127i64, 127, 127, 127];
        let run = pe::run(&d, &a, &b, 1, 4, 1).unwrap();
        let want = if df == "os" {
            // One chain: 16129 -> 32258 -> 32767 (saturated) -> 16511.
            16511
        } else {
            // Row folds: (16129 + 16129) + (16129 - 16256) = 32258 - 127.
            32131
        };
        assert_eq!(run.c, vec![want], "{df}");
        assert_eq!(pe::reference(&d, &a, &b, 1, 4, 1), vec![want], "{df}");
        for seed in 0..20 {
            let (m, k, n) = (3, 9, 2);
            let a = operands(8, m * k, seed, true);
            let b = operands(8, k * n, seed + 100, true);
            assert_eq!(
                check(&d, &a, &b, m as u64, k as u64, n as u64),
                Ok(()),
                "{df} seed {seed}"
            );
        }
    }
}
