//! Hand-worked `rtl` schedules from docs/TIMING.md, fold by fold.

mod common;

use common::Params;
use sim::engine::{plan, timing, Engine, FastEngine, FoldTimes, TimingMode};
use sim::workload::GemmOp;

fn schedule(p: &Params, g: &GemmOp) -> (Vec<FoldTimes>, u64) {
    let d = p.design();
    let pl = plan::plan(&d, g, true);
    let mut times = Vec::new();
    let end = timing::cycles(&d, &pl, TimingMode::Rtl, false, |_, t| times.push(t));
    (times, end)
}

#[test]
fn one_pe_one_mac_takes_six_cycles_stationary_and_five_output_stationary() {
    for (df, cycles) in [("ws", 6), ("os", 5), ("is", 6)] {
        let p = Params {
            rows: 1,
            cols: 1,
            dataflow: df,
            ..Params::default()
        };
        // TIMING.md's worked example: the MAC at 2, the output valid at 3 and
        // written, two cycles behind the controller (os: one), at 5 (os: 4).
        let (_, end) = schedule(&p, &GemmOp::new(1, 1, 1));
        assert_eq!(end, cycles, "{df}");
    }
}

#[test]
fn ws_single_fold() {
    // 4x4 array, K = 4, N = 4, M = 10: load at 1, stream at 1 + 4 = 5,
    // last output row valid at s + T - 1 + R + C - 1 = 5 + 9 + 7 = 21 and
    // written (the array two cycles behind the controller) at 23: 24 cycles.
    let p = Params {
        rows: 4,
        cols: 4,
        ..Params::default()
    };
    let (t, end) = schedule(&p, &GemmOp::new(10, 4, 4));
    assert_eq!(
        t,
        vec![FoldTimes {
            load: 1,
            stream: 5,
            drain: 0
        }]
    );
    assert_eq!(end, 24);
}

#[test]
fn ws_folds_overlap_load_with_streaming() {
    // 4x4 array, K = 8 (two row folds), N = 4, M = 20 (T >= 2R - 1).
    // Fold 0: L = 1, s = 5. Fold 1: L = max(5 + 3, 1 + 4) = 8, s = max(5 + 20, 8 + 4, 7) = 25.
    // End: 25 + 20 + 4 + 4 + 1 = 54 cycles (SCALE-Sim: 2 * (8 + 4 + 20 - 2) = 60).
    let p = Params {
        rows: 4,
        cols: 4,
        ..Params::default()
    };
    let g = GemmOp::new(20, 8, 4);
    let (t, end) = schedule(&p, &g);
    assert_eq!(
        t,
        vec![
            FoldTimes {
                load: 1,
                stream: 5,
                drain: 0
            },
            FoldTimes {
                load: 8,
                stream: 25,
                drain: 0
            }
        ]
    );
    assert_eq!(end, 54);
    assert_eq!(
        FastEngine {
            mode: TimingMode::Scalesim
        }
        .run_gemm(&p.design(), &g)
        .unwrap()
        .compute_cycles,
        60
    );
}

#[test]
fn ws_short_folds_are_bound_by_the_weight_load() {
    // 4x4 array, K = 8, M = 2: fold 1 waits for its load: L = max(5 + 3, 5) = 8, s = max(7, 12, 7) = 12.
    let p = Params {
        rows: 4,
        cols: 4,
        ..Params::default()
    };
    let (t, end) = schedule(&p, &GemmOp::new(2, 8, 4));
    assert_eq!(
        t[1],
        FoldTimes {
            load: 8,
            stream: 12,
            drain: 0
        }
    );
    assert_eq!(end, 12 + 2 + 4 + 4 + 1);
}

#[test]
fn os_folds_overlap_drain_with_accumulation() {
    // 4x4 array, M = 8 (two row folds), N = 4, K = 10.
    // Fold 0: s = 1, D = 1 + 10 + 3 = 14. Fold 1: s = max(11, 14 + 4 + 1 - 10) = 11,
    // D = max(11 + 10 + 3, 18) = 24. End: 24 + 4 + 4 + 1 = 33.
    let p = Params {
        rows: 4,
        cols: 4,
        dataflow: "os",
        ..Params::default()
    };
    let (t, end) = schedule(&p, &GemmOp::new(8, 10, 4));
    assert_eq!(
        t,
        vec![
            FoldTimes {
                load: 1,
                stream: 1,
                drain: 14
            },
            FoldTimes {
                load: 11,
                stream: 11,
                drain: 24
            }
        ]
    );
    assert_eq!(end, 33);
}

#[test]
fn os_short_folds_wait_for_the_drain_chain() {
    // K = 2: fold 1 must capture after fold 0's drain: s1 + 2 - 1 >= D0 + R = 6 + 4,
    // so s1 = 9, and its drain waits for its own last capture: D1 = 9 + 2 + 3 = 14.
    let p = Params {
        rows: 4,
        cols: 4,
        dataflow: "os",
        ..Params::default()
    };
    let (t, _) = schedule(&p, &GemmOp::new(8, 2, 4));
    assert_eq!(
        t[0],
        FoldTimes {
            load: 1,
            stream: 1,
            drain: 6
        }
    );
    assert_eq!(t[1].stream, 9);
    assert_eq!(t[1].drain, 14);
}

#[test]
fn ws_output_tiles_follow_the_accumulator_capacity() {
    // ofmap 1 KiB double-buffered: 512 B per half / (4 cols x 4 B) = 32 rows per tile.
    let p = Params {
        rows: 4,
        cols: 4,
        ofmap_kib: 1.0,
        ..Params::default()
    };
    let d = p.design();
    let pl = plan::plan(&d, &GemmOp::new(100, 4, 4), true);
    let ts: Vec<u64> = pl.folds.iter().map(|f| f.t).collect();
    assert_eq!(ts, vec![32, 32, 32, 4]);
}

// Named regression cases: proptest failures, shrunk, kept as they taught us something.

#[test]
fn fcfs_dram_prefetch_is_not_blocked_by_a_later_write_back() {
    // Shrunk from more_bandwidth_never_adds_stalls: fold 0's write-back (issued
    // at cycle 4) was served before fold 1's prefetch (issued at cycle 1).
    let p = Params {
        rows: 1,
        cols: 1,
        bandwidth: 1e6,
        latency: 0,
        double_buffered: true,
        ..Params::default()
    };
    let s = FastEngine {
        mode: TimingMode::Rtl,
    }
    .run_gemm(&p.design(), &GemmOp::new(1, 1, 2))
    .unwrap();
    assert_eq!(s.folds, 2);
    assert_eq!(s.stall_cycles, 1, "only the last write-back shows");
}

#[test]
fn scalesim_os_count_omits_the_output_drain() {
    // Shrunk from rtl_overlapped_folds_beat_scalesim_serialized_folds: on a
    // 17x1 os array a single MAC costs T + 2R + C + 1 = 37 cycles in rtl (the tile
    // drains through 17 shifts) but T + R + C - 2 = 17 in SCALE-Sim's model.
    let p = Params {
        rows: 17,
        cols: 1,
        dataflow: "os",
        ..Params::default()
    };
    let d = p.design();
    let g = GemmOp::new(1, 1, 1);
    assert_eq!(
        FastEngine {
            mode: TimingMode::Rtl
        }
        .run_gemm(&d, &g)
        .unwrap()
        .compute_cycles,
        37
    );
    assert_eq!(
        FastEngine {
            mode: TimingMode::Scalesim
        }
        .run_gemm(&d, &g)
        .unwrap()
        .compute_cycles,
        17
    );
}
