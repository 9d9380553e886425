//! Tests of the IP's schedule: hand-computed runs, the default tiles of every
//! preset, and properties over random designs and GEMMs.

use super::*;
use crate::design::{preset, preset_names, DesignParams};
use crate::engine::{Engine, FastEngine};
use crate::Precision;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// A `rows x cols` int8 design (32-bit accumulators, 64 KiB per SRAM).
fn design(rows: u32, cols: u32, df: Dataflow, double: bool, bw: f64, latency: u32) -> Design {
    let mut p = DesignParams::new("ip", rows, cols, df);
    p.double_buffered = double;
    p.dram_bandwidth = bw;
    p.dram_latency = latency;
    Design::new(p).expect("valid design")
}

#[test]
fn one_tile_on_a_1x1_single_buffered_array() {
    // DW = 1 (R * ob = 1 byte), L = 10, M = K = N = 1, one core GEMM.
    // L_0: B = 1 (stationary) + 1 (streamed); x = 0, s = max(0 + 1, 0) = 1,
    //      z = s + L + B - 1 = 12, free = 3, DMA idle from 13.
    // go_0 = z + 2 = 14; c_0 = 6 (TIMING.md's 1x1 worked example); E_0 = 20.
    // W_0: B = 4 (one int32); trigger E_0 + 1 = 21, x = 21,
    //      s = max(x + 3, 3) = 24, z = 27, response at z + L = 37.
    // F = max(37, E_0 - 1, 27) + 1 = 38: 39 cycles, 33 of them stalled.
    let d = design(1, 1, Dataflow::Ws, false, 16.0, 10);
    assert_eq!(data_bytes(&d), 1);
    let tiles = default_tiles(&d, 1, 1, 1).unwrap();
    assert_eq!(tiles, Tiles { t: 1, rf: 1, cf: 1 });
    let g = core_gemms(&d, 1, 1, 1, tiles).next().unwrap();
    assert_eq!(core_cycles(&d, &g), 6);
    let expected = IpRun {
        cycles: 39,
        stall_cycles: 33,
        compute_cycles: 6,
        read_bytes: 2,
        write_bytes: 4,
        core_gemms: 1,
    };
    assert_eq!(run(&d, 1, 1, 1), Some(expected));
    // A latency of 0 counts as 1: z = 3, go_0 = 5, E_0 = 11, W_0 x = 12,
    // s = 15, z = 18, response 19: F = 20, 21 cycles.
    let d0 = design(1, 1, Dataflow::Ws, false, 16.0, 0);
    assert_eq!(run(&d0, 1, 1, 1).unwrap().cycles, 21);
    // is runs the same hardware on the transposed problem.
    let di = design(1, 1, Dataflow::Is, false, 16.0, 10);
    assert_eq!(run(&di, 1, 1, 1), Some(expected));
}

#[test]
fn two_column_tiles_on_a_1x1_array() {
    // ws, M = K = 1, N = 2, tiles (1, 1, 1): two core GEMMs, each its own C
    // tile, c = 6 each; DW = 1, L = 1; loads of 2 beats, write-backs of 4.
    let tiles = Tiles { t: 1, rf: 1, cf: 1 };
    let gemms: Vec<_> =
        core_gemms(&design(1, 1, Dataflow::Ws, true, 1.0, 1), 1, 1, 2, tiles).collect();
    assert_eq!(gemms.len(), 2);
    assert!(gemms.iter().all(|g| g.last && !g.accumulate));
    assert_eq!((gemms[1].n0, gemms[1].c_tile), (1, 1));
    // Double-buffered, jobs L_0, L_1, W_0, W_1 (write-back slots trigger at
    // E + 1):
    // L_0: x = 0, s = 1, z = 1 + 1 + 2 - 1 = 3, free 3, idle 4; go_0 = 5, E_0 = 11.
    // L_1 (trigger go_0 = 5): x = 5, s = max(6, 3) = 6, z = 8, free 8, idle 9;
    //      go_1 = max(8 + 1, E_0) + 1 = 12, E_1 = 18.
    // W_0 (trigger 12): x = 12, s = max(15, 8) = 15, z = 18, free 19, idle 19.
    // W_1 (trigger 19): x = 19, s = 22, z = 25, response 26.
    // F = 27: 28 cycles, 28 - 12 = 16 stalled.
    let d = design(1, 1, Dataflow::Ws, true, 1.0, 1);
    let r = schedule(&d, 1, 1, 2, tiles, |g| core_cycles(&d, g));
    assert_eq!(
        r,
        IpRun {
            cycles: 28,
            stall_cycles: 16,
            compute_cycles: 12,
            read_bytes: 4,
            write_bytes: 8,
            core_gemms: 2,
        }
    );
    // Single-buffered, jobs L_0, W_0, L_1, W_1:
    // L_0: z = 3, idle 4; go_0 = 5, E_0 = 11.
    // W_0 (trigger 12): x = 12, s = 15, z = 18, free 19, idle 19.
    // L_1 (trigger E_0 + 1 = 12): x = 19, s = max(20, 19) = 20, z = 22, idle 23;
    //      go_1 = max(23, 11) + 1 = 24, E_1 = 30.
    // W_1 (trigger 31): x = 31, s = 34, z = 37, response 38: F = 39, 40 cycles.
    let d = design(1, 1, Dataflow::Ws, false, 1.0, 1);
    let r = schedule(&d, 1, 1, 2, tiles, |g| core_cycles(&d, g));
    assert_eq!((r.cycles, r.stall_cycles), (40, 28));
}

#[test]
fn two_row_tiles_accumulate_into_one_c_tile() {
    // ws 1x1 double-buffered, M = N = 1, K = 2, tiles (1, 1, 1): g_0 writes
    // the C tile, g_1 adds to it and is followed by the only write-back.
    // L = 1: L_0 z = 3, go_0 = 5, E_0 = 11; L_1 (trigger 5): s = 6, z = 8,
    // idle 9, go_1 = 12, E_1 = 18; W_0's empty slot (trigger 12) passes in
    // one cycle; W_1 (trigger 19): x = 19, s = 22, z = 25, response 26:
    // F = 27, 28 cycles.
    let d = design(1, 1, Dataflow::Ws, true, 1.0, 1);
    let tiles = Tiles { t: 1, rf: 1, cf: 1 };
    let gemms: Vec<_> = core_gemms(&d, 1, 2, 1, tiles).collect();
    assert_eq!(
        gemms
            .iter()
            .map(|g| (g.k0, g.accumulate, g.last, g.c_tile))
            .collect::<Vec<_>>(),
        [(0, false, false, 0), (1, true, true, 0)]
    );
    let r = schedule(&d, 1, 2, 1, tiles, |g| core_cycles(&d, g));
    assert_eq!((r.cycles, r.read_bytes, r.write_bytes), (28, 4, 4));
}

#[test]
fn beats_count_full_and_ragged_segments() {
    // 4x6 int8 with int32 accumulators: R * ob = 4, C * ob = 6, so DW = 2.
    let d = design(4, 6, Dataflow::Ws, true, 16.0, 1);
    assert_eq!(data_bytes(&d), 2);
    let g = CoreGemm {
        m0: 0,
        k0: 0,
        n0: 0,
        m: 3,
        k: 5,
        n: 7,
        accumulate: false,
        last: true,
        c_tile: 0,
    };
    // Stationary B: 5 lines per lane tile of N; segments of 6 (3 beats) and
    // 1 (1 beat). Streamed A: 3 lines per lane tile of K; segments of 4
    // (2 beats) and 1 (1 beat). 5 * 4 + 3 * 3 = 29.
    assert_eq!(load_beats(&d, &g, 2), 29);
    // C: 3 lines; segments of 6 words (12 beats) and 1 word (2 beats).
    assert_eq!(write_beats(&d, &g, 2), 42);
}

#[test]
fn data_width_is_a_power_of_two_dividing_every_line() {
    let dw = |rows, cols, bw| data_bytes(&design(rows, cols, Dataflow::Ws, true, bw, 1));
    assert_eq!(dw(8, 8, 16.0), 8);
    assert_eq!(dw(16, 16, 16.0), 16);
    assert_eq!(dw(16, 16, 10.0), 8);
    assert_eq!(dw(16, 16, 0.5), 1);
    assert_eq!(dw(128, 128, 1024.0), 64);
    assert_eq!(dw(3, 8, 64.0), 1);
    assert_eq!(dw(6, 4, 64.0), 2);
}

#[test]
fn depths_are_lines_per_bank() {
    // 8x8 int8, 64 KiB per SRAM, two banks: A and B lines of 8 bytes, C of 32.
    let d = design(8, 8, Dataflow::Ws, true, 16.0, 1);
    assert_eq!(depths(&d), [4096, 4096, 1024]);
    let d = design(8, 8, Dataflow::Is, false, 16.0, 1);
    assert_eq!(depths(&d), [8192, 8192, 2048]);
}

#[test]
fn default_tiles_follow_the_drivers_rule() {
    // 1 KiB SRAMs, single-buffered 2x2 ws: S = X = 512, O = 128.
    let mut p = DesignParams::new("ip", 2, 2, Dataflow::Ws);
    p.double_buffered = false;
    (p.ifmap_sram_kib, p.filter_sram_kib, p.ofmap_sram_kib) = (1.0, 1.0, 1.0);
    let d = Design::new(p).unwrap();
    assert_eq!(depths(&d), [512, 512, 128]);
    // T = M = 1000 -> t = 128; rf = min(256, 512 / 128, ceil(K / 2)).
    assert_eq!(
        default_tiles(&d, 1000, 1000, 7),
        Some(Tiles {
            t: 128,
            rf: 4,
            cf: 1
        })
    );
    assert_eq!(
        default_tiles(&d, 1000, 3, 7),
        Some(Tiles {
            t: 128,
            rf: 2,
            cf: 1
        })
    );
    assert_eq!(
        default_tiles(&d, 5, 3000, 7),
        Some(Tiles {
            t: 5,
            rf: 102,
            cf: 1
        })
    );
    assert_eq!(default_tiles(&d, 0, 3, 7), None);
    // os: t = min(A, B, K), rf = max(1, min(A / t, O / R, ceil(M / R))), cf = 1.
    let os = design(2, 2, Dataflow::Os, true, 1.0, 1);
    let [a, b, o] = depths(&os);
    let t = a.min(b).min(4);
    let rf = (a / t).min(o / 2).clamp(1, 2);
    assert_eq!(default_tiles(&os, 4, 4, 4), Some(Tiles { t, rf, cf: 1 }));
    let fast = FastEngine {
        mode: TimingMode::Ip,
    };
    assert!(fast.run_gemm(&os, &GemmOp::new(4, 4, 4)).is_ok());
}

#[test]
fn default_tiles_fit_every_preset() {
    let shapes = [
        (1, 1, 1),
        (1, 4096, 1),
        (4096, 1, 4096),
        (197, 768, 3072),
        (50_000, 50_000, 50_000),
        (1 << 32, 1 << 32, 1 << 32),
    ];
    let mut checked = 0;
    for name in preset_names() {
        let d = preset(name).unwrap();
        for (m, k, n) in shapes {
            let tiles = default_tiles(&d, m, k, n);
            let tiles = tiles.unwrap_or_else(|| panic!("{name}: no tiles for {m}x{k}x{n}"));
            assert!(fits(&d, tiles), "{name} {m}x{k}x{n}: {tiles:?}");
            assert!(
                tiles.t <= 0xFFFF && tiles.rf <= 0xFFFF && tiles.cf <= 0xFFFF,
                "{name} {m}x{k}x{n}: {tiles:?} overflows the 16-bit tile registers"
            );
            checked += 1;
        }
    }
    assert!(checked >= 6 * 5);
}

/// A dimension from 1 to `max`.
fn dim(max: u64) -> impl Strategy<Value = u64> {
    1..=max
}

/// Small random designs: ws or is, int8 or int16, SRAMs from a few lines to
/// many, single or double buffers, any bandwidth and latency.
fn small_design() -> impl Strategy<Value = Design> {
    (
        (1u32..=6, 1u32..=6),
        prop::sample::select(vec![Dataflow::Ws, Dataflow::Is]),
        prop::sample::select(vec![8u32, 16]),
        prop::sample::select(vec![0.0625, 0.25, 1.0, 4.0]),
        prop::sample::select(vec![0.0625, 0.25, 1.0, 4.0]),
        prop::sample::select(vec![0.125, 0.5, 4.0]),
        prop::bool::ANY,
        prop::sample::select(vec![0.5, 1.0, 3.0, 8.0, 16.0, 100.0]),
        0u32..=60,
    )
        .prop_map(
            |(rows, df, bits, ifmap, filter, ofmap, double, bw, latency)| {
                let mut p = DesignParams::new("ip", rows.0, rows.1, df);
                p.operand = Precision::Int(bits);
                (p.ifmap_sram_kib, p.filter_sram_kib, p.ofmap_sram_kib) = (ifmap, filter, ofmap);
                p.double_buffered = double;
                p.dram_bandwidth = bw;
                p.dram_latency = latency;
                Design::new(p).expect("valid design")
            },
        )
}

fn any_tiles() -> impl Strategy<Value = Tiles> {
    (1u64..=9, 1u64..=3, 1u64..=3).prop_map(|(t, rf, cf)| Tiles { t, rf, cf })
}

/// Beats of every line of `op`'s tile in core GEMM `g`, element by element:
/// each element goes to the line its buffer layout puts it in (lane tile of
/// its lane index, its other index), and each line costs `ceil(len * eb / DW)`.
fn slow_beats(d: &Design, g: &CoreGemm, op: Operand, dw: u64) -> u64 {
    let layout = d.dataflow.roles().layout(op);
    let lanes = u64::from(layout.edge.lanes(d.rows, d.cols));
    let (rd, cd) = op.dims();
    let size = (g.m, g.k, g.n);
    let mut lines: BTreeMap<(u64, u64), u64> = BTreeMap::new();
    for i in 0..rd.of(size) {
        for j in 0..cd.of(size) {
            let (lane, other) = if layout.lane == rd { (i, j) } else { (j, i) };
            *lines.entry((lane / lanes, other)).or_default() += 1;
        }
    }
    let eb = word_bytes(d, op);
    lines.values().map(|len| (len * eb).div_ceil(dw)).sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn core_gemms_cover_the_gemm_once(
        d in small_design(), m in dim(12), k in dim(12), n in dim(12), tiles in any_tiles()
    ) {
        let mut seen = vec![0u8; (m * k * n) as usize];
        let mut c_tiles: Vec<(u64, u64, u64, u64)> = Vec::new();
        for g in core_gemms(&d, m, k, n, tiles) {
            prop_assert!(g.m >= 1 && g.k >= 1 && g.n >= 1);
            prop_assert!(g.k <= tiles.rf * u64::from(d.rows));
            prop_assert_eq!(g.accumulate, g.k0 > 0);
            prop_assert_eq!(g.last, g.k0 + g.k == k);
            let out = (g.m0, g.n0, g.m, g.n);
            match c_tiles.get(g.c_tile as usize) {
                Some(&prev) => prop_assert_eq!(prev, out),
                None => {
                    prop_assert_eq!(g.c_tile as usize, c_tiles.len());
                    prop_assert!(!g.accumulate);
                    c_tiles.push(out);
                }
            }
            for i in g.m0..g.m0 + g.m {
                for kk in g.k0..g.k0 + g.k {
                    for j in g.n0..g.n0 + g.n {
                        seen[((i * k + kk) * n + j) as usize] += 1;
                    }
                }
            }
        }
        prop_assert!(seen.iter().all(|&s| s == 1));
    }

    #[test]
    fn bytes_equal_the_element_by_element_count(
        d in small_design(), m in dim(20), k in dim(20), n in dim(20), tiles in any_tiles()
    ) {
        let dw = data_bytes(&d);
        let (s, x) = operands(&d).unwrap();
        let (mut reads, mut writes) = (0, 0);
        for g in core_gemms(&d, m, k, n, tiles) {
            prop_assert_eq!(stationary_beats(&d, &g, dw), slow_beats(&d, &g, s, dw));
            prop_assert_eq!(streamed_beats(&d, &g, dw), slow_beats(&d, &g, x, dw));
            let load = slow_beats(&d, &g, s, dw) + slow_beats(&d, &g, x, dw);
            prop_assert_eq!(load_beats(&d, &g, dw), load);
            reads += load;
            if g.last {
                let w = slow_beats(&d, &g, Operand::C, dw);
                prop_assert_eq!(write_beats(&d, &g, dw), w);
                writes += w;
            }
        }
        let r = schedule(&d, m, k, n, tiles, |g| g.m + g.k + g.n);
        prop_assert_eq!(r.read_bytes, reads * dw);
        prop_assert_eq!(r.write_bytes, writes * dw);
    }

    #[test]
    fn cycles_cover_compute_and_the_first_load(
        d in small_design(), m in dim(40), k in dim(40), n in dim(40)
    ) {
        if let Some(r) = run(&d, m, k, n) {
            let tiles = default_tiles(&d, m, k, n).unwrap();
            prop_assert!(fits(&d, tiles));
            let first = core_gemms(&d, m, k, n, tiles).next().unwrap();
            let b0 = load_beats(&d, &first, data_bytes(&d));
            prop_assert!(r.cycles >= r.compute_cycles + b0, "{r:?}");
            prop_assert_eq!(r.stall_cycles, r.cycles - r.compute_cycles);
        }
    }

    #[test]
    fn cycles_grow_with_latency_and_shrink_with_width(
        d in small_design(), m in dim(40), k in dim(40), n in dim(40),
        more_latency in 0u32..200, narrower in prop::sample::select(vec![1.0, 0.5, 0.25, 0.01])
    ) {
        let slower = d.variant(|p| {
            p.dram_latency += more_latency;
            p.dram_bandwidth = (p.dram_bandwidth * narrower).max(0.001);
        }).unwrap();
        prop_assert!(data_bytes(&slower) <= data_bytes(&d));
        if let Some(fast) = run(&d, m, k, n) {
            prop_assert_eq!(default_tiles(&slower, m, k, n), default_tiles(&d, m, k, n));
            let slow = run(&slower, m, k, n).unwrap();
            prop_assert!(slow.cycles >= fast.cycles, "{fast:?} {slow:?}");
            prop_assert_eq!(slow.compute_cycles, fast.compute_cycles);
        }
    }

    #[test]
    fn the_fast_engine_in_ip_mode_reports_the_ips_run(
        d in small_design(), m in dim(40), k in dim(40), n in dim(40)
    ) {
        let fast = FastEngine { mode: TimingMode::Ip };
        let op = GemmOp::new(m, k, n);
        match run(&d, m, k, n) {
            Some(r) => {
                let s = fast.run_gemm(&d, &op).unwrap();
                prop_assert_eq!(s.compute_cycles, r.compute_cycles);
                prop_assert_eq!(s.total_cycles(), r.cycles);
                let t = s.traffic;
                prop_assert_eq!(t.dram_ifmap_bytes + t.dram_filter_bytes, r.read_bytes);
                prop_assert_eq!(t.dram_ofmap_bytes, r.write_bytes);
                prop_assert_eq!(s.macs, m * k * n);
            }
            None => prop_assert!(fast.run_gemm(&d, &op).is_err()),
        }
    }
}
