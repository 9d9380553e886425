//! The fast engine's run-by-run path (`FastEngine::gemm`) equals its
//! per-fold reference (`FastEngine::gemm_per_fold`) exactly: every field of
//! the stats (cycles, stalls, folds, PE slots, register bits, all traffic),
//! over random designs and GEMMs in both timing modes.

use proptest::prelude::*;
use sim::design::DesignParams;
use sim::engine::{plan, FastEngine, TimingMode};
use sim::workload::GemmOp;
use sim::{Dataflow, Design, Precision};

/// Folds the reference may step per case (keeps a case to milliseconds).
const MAX_FOLDS: usize = 150_000;

/// A dimension from 1 to `max`, small values as likely as large ones.
fn dim(max: u64) -> impl Strategy<Value = u64> {
    (0u32..=max.ilog2()).prop_flat_map(move |e| (1u64 << e)..=((2u64 << e) - 1).min(max))
}

/// SRAM sizes in KiB, from ones that hold almost nothing (every tile is
/// fetched again) to ones that hold whole layers.
fn kib() -> impl Strategy<Value = f64> {
    prop::sample::select(vec![
        0.0625, 0.25, 1.0, 3.0, 8.0, 24.0, 64.0, 128.0, 256.0, 1000.0, 4096.0,
    ])
}

fn design() -> impl Strategy<Value = Design> {
    (
        (dim(300), dim(300)),
        prop::sample::select(vec![Dataflow::Ws, Dataflow::Os, Dataflow::Is]),
        prop::sample::select(vec![8u32, 16]),
        (kib(), kib(), kib()),
        prop::bool::ANY,
        prop::bool::weighted(0.2),
        prop::sample::select(vec![
            0.7, 3.3, 10.0, 17.0, 48.57, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0, 256.0, 1024.0,
        ]),
        prop_oneof![Just(0u32), Just(1), 0u32..=1000],
    )
        .prop_map(
            |(
                (rows, cols),
                dataflow,
                bits,
                (ifmap, filter, ofmap),
                double,
                on_chip,
                bw,
                latency,
            )| {
                let mut p = DesignParams::new("prop", rows as u32, cols as u32, dataflow);
                p.operand = Precision::Int(bits);
                p.ifmap_sram_kib = ifmap;
                p.filter_sram_kib = filter;
                p.ofmap_sram_kib = ofmap;
                p.double_buffered = double;
                p.activations_on_chip = on_chip;
                p.dram_bandwidth = bw;
                p.dram_latency = latency;
                Design::new(p).expect("valid design")
            },
        )
}

/// A GEMM of 1 to 5000 per side; `a_unique` as for a plain matrix or a
/// convolution's input (fewer or more elements than `M x K`).
fn gemm() -> impl Strategy<Value = GemmOp> {
    (dim(5000), dim(5000), dim(5000), 1u64..=64, 0u32..3).prop_map(|(m, k, n, count, a)| {
        let mut g = GemmOp::new(m, k, n).times(count);
        g.a_unique = match a {
            0 => m * k,
            1 => (m * k).div_ceil(9),
            _ => m * k + k,
        };
        g
    })
}

fn mode() -> impl Strategy<Value = TimingMode> {
    prop::sample::select(vec![TimingMode::Rtl, TimingMode::Scalesim])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn runs_equal_the_per_fold_reference(d in design(), g in gemm(), m in mode()) {
        let folds = plan::Folds::new(&d, &g, m == TimingMode::Rtl).len();
        prop_assume!(folds <= MAX_FOLDS);
        let e = FastEngine { mode: m };
        let reference = e.gemm_per_fold(&d, &g);
        // The run path gives up (and gemm steps every fold) only in rare
        // cases; see the_run_path_rarely_gives_up.
        if let Some(runs) = e.gemm_by_runs(&d, &g) {
            prop_assert_eq!(runs, reference);
        }
        prop_assert_eq!(e.gemm(&d, &g), reference);
    }
}

/// The run path covers (nearly) every case the property test draws: it
/// gives up only when more write-backs are pending at once than it keeps
/// (a one-row output-stationary array with hundreds of columns on a slow
/// channel, say).
#[test]
fn the_run_path_rarely_gives_up() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let cases = (design(), gemm(), mode());
    let (mut tried, mut gave_up) = (0, 0);
    while tried < 1000 {
        let (d, g, m) = cases.new_tree(&mut runner).expect("value").current();
        if plan::Folds::new(&d, &g, m == TimingMode::Rtl).len() > MAX_FOLDS {
            continue;
        }
        tried += 1;
        let e = FastEngine { mode: m };
        match e.gemm_by_runs(&d, &g) {
            Some(runs) => assert_eq!(runs, e.gemm_per_fold(&d, &g), "{d:?} {g:?} {m:?}"),
            None => gave_up += 1,
        }
    }
    assert!(
        gave_up <= 5,
        "the run path gave up on {gave_up} of {tried} cases"
    );
}

/// Long runs of identical folds in every dataflow and buffering, on the
/// bandwidths of the sweeps, jumped over and checked against every fold.
#[test]
fn long_runs_jump_to_the_reference() {
    for df in [Dataflow::Ws, Dataflow::Os, Dataflow::Is] {
        for double in [true, false] {
            for (rows, cols) in [(8, 8), (7, 13), (256, 256), (1, 1)] {
                for bw in [16.0, 64.0, 256.0, 1.0, 0.5] {
                    let mut p = DesignParams::new("long", rows, cols, df);
                    p.double_buffered = double;
                    p.dram_bandwidth = bw;
                    p.ifmap_sram_kib = 256.0;
                    p.filter_sram_kib = 128.0;
                    p.ofmap_sram_kib = 128.0;
                    let d = Design::new(p).expect("valid");
                    for g in [
                        GemmOp::new(49, 4608, 512),
                        GemmOp::new(3136, 576, 64),
                        GemmOp::new(12544, 147, 64),
                        GemmOp::new(1, 2048, 1000),
                    ] {
                        for m in [TimingMode::Rtl, TimingMode::Scalesim] {
                            let e = FastEngine { mode: m };
                            assert_eq!(
                                e.gemm_by_runs(&d, &g),
                                Some(e.gemm_per_fold(&d, &g)),
                                "{df:?} {rows}x{cols} double {double} bw {bw} {g:?} {m:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}
