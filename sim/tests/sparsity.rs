//! N:M sparse weights (issue 16): the design field and the fast engine's
//! costs. The contract (docs/TIMING.md, "Sparse weights"): a sparse ws GEMM
//! runs the folds of the dense GEMM over the compressed K, each compressed
//! row taking the M activations of its group.

use proptest::prelude::*;
use sim::design::{Dataflow, Design, DesignParams};
use sim::engine::{Engine, FastEngine, TimingMode};
use sim::sparsity::Sparsity;
use sim::workload::GemmOp;

const RTL: FastEngine = FastEngine {
    mode: TimingMode::Rtl,
};

fn design(rows: u32, cols: u32, s: Option<Sparsity>, kib: f64, bw: f64) -> Design {
    let mut p = DesignParams::new("t", rows, cols, Dataflow::Ws);
    p.sparsity = s;
    p.ifmap_sram_kib = kib;
    p.filter_sram_kib = kib;
    p.ofmap_sram_kib = kib;
    p.dram_bandwidth = bw;
    Design::new(p).unwrap()
}

const TOML: &str = r#"
name = "s"
[array]
rows = 8
cols = 4
dataflow = "ws"
[precision]
operand = "int8"
[memory]
ifmap_sram_kib = 64
filter_sram_kib = 64
ofmap_sram_kib = 64
dram_bandwidth_bytes_per_cycle = 16
[clock]
mhz = 1000
[sparsity]
weights = "2:4"
"#;

#[test]
fn the_design_field_parses_round_trips_and_refuses_what_the_array_cannot_hold() {
    let d = Design::parse(TOML, "s.toml", None).unwrap();
    assert_eq!(d.sparsity, Some(Sparsity { n: 2, m: 4 }));
    let text = d.to_toml();
    assert!(
        text.contains("[sparsity]") && text.contains("weights = \"2:4\""),
        "{text}"
    );
    assert_eq!(Design::parse(&text, "back.toml", None).unwrap(), d);
    let dense = TOML.replace("\"2:4\"", "\"dense\"");
    assert_eq!(
        Design::parse(&dense, "d.toml", None).unwrap().sparsity,
        None
    );
    for (edit, words) in [
        (
            TOML.replace("\"ws\"", "\"os\""),
            &["sparsity.weights", "ws dataflow", "os"][..],
        ),
        (
            TOML.replace("\"ws\"", "\"is\""),
            &["sparsity.weights", "hold M activations"][..],
        ),
        (
            TOML.replace("\"2:4\"", "\"3:4\""),
            &["multiples of N = 3", "has 8"][..],
        ),
        (
            TOML.replace("\"2:4\"", "\"2:6\""),
            &["power of two", "s.toml"][..],
        ),
        (
            TOML.replace("\"2:4\"", "\"two of four\""),
            &["expected `dense` or `N:M`"][..],
        ),
    ] {
        let e = format!(
            "{:?}",
            miette::Report::new(Design::parse(&edit, "s.toml", None).unwrap_err())
        );
        // (The report wraps long lines at the terminal's width.)
        let e = e
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for w in words {
            assert!(e.contains(w), "missing `{w}` in:\n{e}");
        }
    }
}

/// (array rows, N, log2 M): M from 2 to 8, N below it, rows N times 1 to
/// `max_mul`.
fn rows_and_pattern(max_mul: u32) -> impl Strategy<Value = (u32, u32, u32)> {
    (1u32..=max_mul, 1u32..4).prop_flat_map(|(mul, ml)| {
        let m = 1u32 << ml;
        (1..m).prop_map(move |n| (n * mul, n, ml))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Cycles without DRAM equal the dense GEMM's over the compressed K;
    /// the array multiplies M x K' x N; the streamed operand is read M/N
    /// words per compressed row; the weights' DRAM bytes carry the indices;
    /// and sparse is never slower than dense.
    #[test]
    fn a_sparse_gemm_costs_the_dense_gemm_over_the_compressed_k(
        (rows, n_keep, m_log) in rows_and_pattern(4),
        cols in 1u32..9,
        (gm, gk, gn) in (1u64..40, 1u64..90, 1u64..30),
        kib in prop::sample::select(vec![1.0, 4.0, 64.0]),
    ) {
        let s = Sparsity { n: n_keep, m: 1 << m_log };
        let sparse = design(rows, cols, Some(s), kib, 1e6);
        let dense = design(rows, cols, None, kib, 1e6);
        let g = GemmOp::new(gm, gk, gn).of_weights();
        let kc = s.compressed_k(gk);
        let got = RTL.run_gemm(&sparse, &g).unwrap();
        let over_kc = RTL.run_gemm(&dense, &GemmOp::new(gm, kc, gn).of_weights()).unwrap();
        let plain = RTL.run_gemm(&dense, &g).unwrap();
        prop_assert_eq!(got.compute_cycles, over_kc.compute_cycles);
        prop_assert_eq!(got.folds, over_kc.folds);
        prop_assert_eq!(got.macs, gm * kc * gn);
        prop_assert_eq!(got.traffic.ifmap_reads, over_kc.traffic.ifmap_reads / u64::from(s.n) * u64::from(s.m));
        prop_assert_eq!(got.traffic.filter_reads, over_kc.traffic.filter_reads);
        prop_assert_eq!(got.traffic.filter_index_bits, got.traffic.filter_reads * u64::from(s.index_bits()));
        // Each weight word is a byte plus its index: at least that many
        // bits, at most a byte more per fold's tile.
        let bits = over_kc.traffic.dram_filter_bytes * (8 + u64::from(s.index_bits()));
        prop_assert!(got.traffic.dram_filter_bytes * 8 >= bits);
        // (With small SRAMs the wider words may stop fitting where the dense
        // ones fit, and be fetched again: more, never fewer, bytes.)
        if kib == 64.0 {
            prop_assert!(got.traffic.dram_filter_bytes * 8 <= bits + 8 * got.folds);
        }
        // A moves as the dense GEMM's (all of K), never more.
        prop_assert!(got.traffic.dram_ifmap_bytes <= plain.traffic.dram_ifmap_bytes.max(gm * gk) );
        prop_assert!(got.compute_cycles <= plain.compute_cycles);
        // The run-by-run path agrees with the fold-by-fold one.
        if let Some(runs) = RTL.gemm_by_runs(&sparse, &g) {
            prop_assert_eq!(runs, RTL.gemm_per_fold(&sparse, &g));
        }
        // A GEMM of two activations runs dense on the same design.
        let act = GemmOp::new(gm, gk, gn);
        prop_assert_eq!(RTL.run_gemm(&sparse, &act).unwrap(), RTL.run_gemm(&dense, &act).unwrap());
    }
}

#[test]
fn a_whole_kernel_of_zeros_is_one_group_and_one_sixteenth_of_the_weights() {
    // 1:16 on a 16-row array: K = 256 compresses to 16 rows, one fold.
    let s = Sparsity { n: 1, m: 16 };
    let d = design(16, 16, Some(s), 64.0, 1e6);
    let st = RTL
        .run_gemm(&d, &GemmOp::new(64, 256, 16).of_weights())
        .unwrap();
    assert_eq!(st.folds, 1);
    assert_eq!(st.macs, 64 * 16 * 16);
    // 16 x 16 weights of 8 + 4 bits.
    assert_eq!(st.traffic.dram_filter_bytes, 16 * 16 * 12 / 8);
    assert_eq!(st.traffic.ifmap_reads, 64 * 256);
    // Each PE-step writes 16 activations of 8 bits and a 32-bit sum; the
    // load shifts 12-bit weight-and-index words through 16 rows and latches them.
    assert_eq!(
        st.reg_bits,
        16 * 16 * 64 * (16 * 8 + 32) + 16 * 16 * 16 * 12 + 16 * 16 * 12
    );
}

#[test]
fn engines_and_modes_that_do_not_model_sparsity_refuse_it() {
    let d = design(8, 8, Some(Sparsity { n: 2, m: 4 }), 64.0, 16.0);
    let g = GemmOp::new(8, 16, 8).of_weights();
    for mode in [TimingMode::Scalesim, TimingMode::Ip] {
        let e = FastEngine { mode }
            .run_gemm(&d, &g)
            .unwrap_err()
            .to_string();
        assert!(e.contains("2:4") && e.contains("--timing rtl"), "{e}");
    }
    // Floating-point sparse designs are costed, not yet computed.
    let bf16 = d.variant(|p| p.set_operand(sim::Precision::Bf16)).unwrap();
    assert!(RTL.run_gemm(&bf16, &g).is_ok());
    let e = sim::engine::pe::run(&bf16, &[0; 128], &[0; 128], 8, 16, 8).unwrap_err();
    assert!(
        e.to_string().contains("2:4 sparse weights on this design"),
        "{e}"
    );
}

/// Random integers of `bits` bits, from a seed.
fn operands(len: usize, bits: u32, seed: u64) -> Vec<i64> {
    let mut s = seed | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let span = 1i64 << bits;
            (s % span as u64) as i64 - span / 2
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    /// On weights that follow the pattern, the pe engine's sparse array
    /// computes the dense product bit for bit (wrapping accumulators: any
    /// order of additions gives it) and the compressed array's own order
    /// (saturating ones), in the fast engine's cycles, stepped or time-major.
    #[test]
    fn the_pe_engine_computes_sparse_gemms_exactly_in_the_fast_engines_cycles(
        (rows, n_keep, m_log) in rows_and_pattern(3),
        cols in 1u32..6,
        (gm, gk, gn) in (1u64..12, 1u64..40, 1u64..10),
        (op_bits, acc_bits, saturate) in prop::sample::select(vec![(8u32, 32u32, false), (16, 32, false), (8, 14, false), (8, 12, true), (4, 9, true)]),
        seed in any::<u64>(),
    ) {
        let s = Sparsity { n: n_keep, m: 1 << m_log };
        let mut p = DesignParams::new("t", rows, cols, Dataflow::Ws);
        p.operand = sim::Precision::Int(op_bits);
        p.accumulator_bits = Some(acc_bits);
        p.saturate = saturate;
        p.ofmap_sram_kib = 1.0;
        let dense = Design::new(p.clone()).unwrap();
        p.sparsity = Some(s);
        let sparse = Design::new(p).unwrap();
        let a = operands((gm * gk) as usize, op_bits, seed);
        let mut b = operands((gk * gn) as usize, op_bits, seed ^ 0xB);
        s.prune(&mut b, (gk as usize, gn as usize), 0, |&x| (x as f64).abs());
        let run = sim::engine::pe::run(&sparse, &a, &b, gm, gk, gn).unwrap();
        let stepped = sim::engine::pe::run_stepped(&sparse, &a, &b, gm, gk, gn).unwrap();
        prop_assert_eq!(&run, &stepped);
        prop_assert_eq!(&run.c, &sim::engine::pe::reference(&sparse, &a, &b, gm, gk, gn));
        if !saturate {
            prop_assert_eq!(&run.c, &sim::engine::pe::reference(&dense, &a, &b, gm, gk, gn));
        }
        // Zero-operand multiplies, counted by brute force: every product
        // of the dense GEMM, and every compressed slot against the
        // activation its index selects.
        let (mu, ku, nu) = (gm as usize, gk as usize, gn as usize);
        let dense_zero = (0..mu * ku * nu)
            .filter(|i| a[i / nu / ku * ku + i / nu % ku] == 0 || b[i / nu % ku * nu + i % nu] == 0)
            .count() as u64;
        prop_assert_eq!(sim::engine::pe::zero_products(&dense, &a, &b, (gm, gk, gn)), (gm * gk * gn, dense_zero));
        let (vals, idx) = s.compress(&b, (ku, nu), 0, |&x| x == 0);
        let kc = s.compressed_k(gk) as usize;
        let (keep, group) = (s.n as usize, s.m as usize);
        let mut sparse_zero = 0u64;
        for t in 0..mu {
            for r in 0..kc {
                for j in 0..nu {
                    let kk = r / keep * group + usize::from(idx[r * nu + j]);
                    sparse_zero += u64::from(vals[r * nu + j] == 0 || a[t * ku + kk] == 0);
                }
            }
        }
        prop_assert_eq!(
            sim::engine::pe::zero_products(&sparse, &a, &b, (gm, gk, gn)),
            (gm * kc as u64 * gn, sparse_zero)
        );
        let fast = RTL.run_gemm(&sparse, &GemmOp::new(gm, gk, gn).of_weights()).unwrap();
        prop_assert_eq!(run.cycles, fast.compute_cycles);
        prop_assert_eq!(run.folds.len() as u64, fast.folds);
    }
}

#[test]
fn weights_that_break_the_pattern_are_refused_naming_the_first_bad_group() {
    let d = design(4, 4, Some(Sparsity { n: 2, m: 4 }), 64.0, 16.0);
    // 8 x 3 weights: column 1's second group (rows 4 to 7) has three nonzeros.
    let mut b = vec![0i64; 24];
    for (row, col) in [(0, 0), (1, 0), (5, 1), (6, 1), (7, 1), (4, 2)] {
        b[row * 3 + col] = 1;
    }
    let e = sim::engine::pe::run(&d, &[1; 16], &b, 2, 8, 3)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("2:4")
            && e.contains("column 1, rows 4 to 7 (group 1) hold 3 nonzero weights, at most 2"),
        "{e}"
    );
}

#[test]
fn the_pe_engine_behind_the_engine_trait_prunes_its_weights_and_agrees_with_the_fast_engine() {
    let d = design(8, 8, Some(Sparsity { n: 1, m: 4 }), 64.0, 16.0);
    for g in [
        GemmOp::new(20, 70, 12).of_weights(),
        GemmOp::new(20, 70, 12),
    ] {
        let pe = sim::engine::PeEngine { seed: 7 }.run_gemm(&d, &g).unwrap();
        assert_eq!(pe, RTL.run_gemm(&d, &g).unwrap());
    }
}

/// A sparse GEMM's multiply-accumulates each pay the M-to-1 selection,
/// `(M - 1) x 8` multiplexer bits of the table's `[mux]` (0.00136 pJ at
/// 45 nm, NanGate MUX2_X1); a GEMM of two activations on the same design
/// pays none, and a table without `[mux]` leaves it uncounted.
#[test]
fn a_sparse_mac_pays_its_multiplexer_from_the_energy_table() {
    use sim::simulate::{select_pj, Prices};
    for (pattern, m) in [("2:4", 4.0), ("1:8", 8.0)] {
        let s = Sparsity::parse(pattern).unwrap();
        let d = design(8, 4, s, 64.0, 16.0);
        let want = (m - 1.0) * 8.0 * 0.00136;
        let got = select_pj(&d).unwrap();
        assert!((got - want).abs() < 1e-12, "{pattern}: {got} != {want}");
        let g = GemmOp::new(20, 64, 12);
        let prices = Prices::of(&d);
        let w = RTL.run_gemm(&d, &g.of_weights()).unwrap();
        let e = prices.gemm_energy(&w);
        let per_mac = d.energy.mac_pj + want;
        assert!((e.mac - w.macs as f64 * per_mac).abs() < 1e-9 * e.mac);
        let act = RTL.run_gemm(&d, &g).unwrap();
        let e = prices.gemm_energy(&act);
        assert!((e.mac - act.macs as f64 * d.energy.mac_pj).abs() < 1e-9 * e.mac);
    }
    let dense = design(8, 4, None, 64.0, 16.0);
    assert_eq!(select_pj(&dense), None);
    let mut no_mux = design(8, 4, Sparsity::parse("2:4").unwrap(), 64.0, 16.0);
    no_mux.energy.mux_pj_per_bit = None;
    assert_eq!(select_pj(&no_mux), None);
}

/// `zero_gating = true`: each multiply-add with a zero operand costs the
/// table's `[gating]` share of a MAC (3.2 %, Sparseloop's 8-bit
/// `mac_gated` / `mac_random`) instead of a whole one; a design without
/// it reports nothing, a table without `[gating]` says it is not counted.
#[test]
fn zero_gating_takes_the_gated_share_of_each_zero_mac_off_the_estimate() {
    use sim::simulate::ZeroGated;
    let plain = design(8, 4, None, 64.0, 16.0);
    assert_eq!(ZeroGated::of(&plain, (1000, 250), 1e6), None);
    let gated = plain.variant(|p| p.zero_gating = true).unwrap();
    assert_eq!(gated.energy.gated_mac_fraction, Some(0.032));
    let z = ZeroGated::of(&gated, (1000, 250), 1e6).unwrap().unwrap();
    let want = 1e6 - 250.0 * gated.energy.mac_pj * (1.0 - 0.032);
    assert!((z.data_dependent_pj - want).abs() < 1e-6, "{z:?}");
    assert_eq!(
        (z.gated_macs, z.macs, z.data_independent_pj),
        (250, 1000, 1e6)
    );
    assert!(z
        .line()
        .contains("250 of 1000 multiply-adds gated (each 3.2% of a MAC's energy)"));
    let mut no_row = gated.clone();
    no_row.energy.gated_mac_fraction = None;
    let why = ZeroGated::of(&no_row, (1000, 250), 1e6)
        .unwrap()
        .unwrap_err();
    assert!(why.contains("has no [gating] row"), "{why}");
    // The field round-trips through the design file.
    let text = toml::to_string(&sim::design::RawDesign::from_params(gated.params())).unwrap();
    assert!(text.contains("zero_gating = true"), "{text}");
    let back = Design::parse(&text, "t.toml", None).unwrap();
    assert!(back.zero_gating);
}
