//! One suite, every engine: the same GEMMs and models through the `Engine`
//! trait on the fast and pe engines give the same cycles, traffic and energy.

mod common;

use common::Params;
use sim::engine::{Engine, FastEngine, PeEngine, TimingMode};
use sim::workload::{zoo, GemmOp};
use sim::{simulate, RunOptions};

fn engines() -> Vec<Box<dyn Engine>> {
    vec![
        Box::new(FastEngine {
            mode: TimingMode::Rtl,
        }),
        Box::new(PeEngine { seed: 42 }),
    ]
}

#[test]
fn gemms_cost_the_same_on_every_engine() {
    for df in ["ws", "os", "is"] {
        for (r, c) in [(1, 1), (4, 8), (8, 4), (16, 16)] {
            let d = Params {
                rows: r,
                cols: c,
                dataflow: df,
                ofmap_kib: 1.0,
                ..Params::default()
            }
            .design();
            for g in [
                GemmOp::new(1, 1, 1),
                GemmOp::new(33, 17, 9),
                GemmOp::new(5, 64, 40),
                GemmOp::new(100, 3, 2),
            ] {
                let runs: Vec<_> = engines()
                    .iter()
                    .map(|e| e.run_gemm(&d, &g).unwrap())
                    .collect();
                assert_eq!(runs[0], runs[1], "{df} {r}x{c} {g:?}");
            }
        }
    }
}

#[test]
fn a_small_model_reports_the_same_on_every_engine() {
    let model = zoo::model("dense-10-1").unwrap();
    let d = Params {
        rows: 4,
        cols: 4,
        ..Params::default()
    }
    .design();
    let reports: Vec<_> = engines()
        .iter()
        .map(|e| simulate(&d, &model, e.as_ref(), &RunOptions::default()).unwrap())
        .collect();
    assert_eq!(reports[0].to_csv(), reports[1].to_csv());
}

/// Floating-point designs run on the pe engine too (its controller's
/// cycles, `sim::fp::gemm`'s values), in the fast engine's compute cycles.
#[test]
fn the_pe_engine_runs_float_designs_in_the_fast_engines_cycles() {
    for operand in ["bf16", "fp16", "fp8e4m3"] {
        let d = Params {
            operand,
            ..Params::default()
        }
        .design();
        for g in [GemmOp::new(2, 2, 2), GemmOp::new(37, 19, 23)] {
            let pe = PeEngine { seed: 1 }.run_gemm(&d, &g).unwrap();
            let fast = FastEngine {
                mode: TimingMode::Rtl,
            }
            .run_gemm(&d, &g)
            .unwrap();
            assert_eq!(pe.compute_cycles, fast.compute_cycles, "{operand} {g:?}");
        }
    }
}
