//! The IP (`<prefix>_ip`: AXI4-Lite registers, AXI4 DMA, sequencer) under
//! Verilator against exact integer GEMMs: GEMMs larger than the buffers,
//! cut into core GEMMs, through a memory with the contract's timing.

use hdlgen::check::ipbench::{default_tiles, Tiles};
use hdlgen::check::{build_with, iptb};
use hdlgen::progress::Silent;
use hdlgen::rtl::Config;
use sim::Design;
use std::path::PathBuf;

fn design(name: &str) -> Design {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cosim")
        .join(format!("{name}.toml"));
    Design::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn reference(a: &[i64], b: &[i64], (m, k, n): (usize, usize, usize), accw: u32) -> Vec<i64> {
    let mut c = vec![0i64; m * n];
    for i in 0..m {
        for j in 0..n {
            let s: i64 = (0..k).map(|x| a[i * k + x] * b[x * n + j]).sum();
            let sh = 64 - accw;
            c[i * n + j] = (s << sh) >> sh;
        }
    }
    c
}

fn operands(dims: (usize, usize, usize), seed: u64) -> (Vec<i64>, Vec<i64>) {
    let mut x = seed | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % 255) as i64 - 127
    };
    let a = (0..dims.0 * dims.1).map(|_| next()).collect();
    let b = (0..dims.1 * dims.2).map(|_| next()).collect();
    (a, b)
}

#[test]
fn gemms_larger_than_the_buffers_run_through_the_ip_bit_exact() {
    let d = design("cosim-2x2-ws");
    let cfg = Config::of(&d).unwrap();
    let bench = build_with(
        &d,
        hdlgen::check::Simulator::Verilator,
        false,
        &Silent,
        iptb::testbench(&cfg),
        "-ip",
    )
    .unwrap();
    let work = std::env::temp_dir().join(format!("systolic-ip-test-{}", std::process::id()));
    for (i, (dims, tiles, lat)) in [
        ((1, 1, 1), None, 1),
        ((5, 7, 3), Some(Tiles { t: 2, rf: 1, cf: 1 }), 3),
        ((9, 6, 5), None, 7),
    ]
    .into_iter()
    .enumerate()
    {
        let (a, b) = operands(dims, 7 + i as u64);
        let tiles = tiles
            .unwrap_or_else(|| default_tiles(&cfg, (dims.0 as u64, dims.1 as u64, dims.2 as u64)));
        let r = bench
            .run_ip(
                &a,
                &b,
                dims,
                tiles,
                lat,
                1_000_000,
                &work.join(format!("c{i}")),
            )
            .unwrap_or_else(|e| panic!("{dims:?}: {e}"));
        eprintln!("{dims:?} {tiles:?} lat {lat}: {} cycles, counters {:?}, status {} err {} violations {}", r.cycles, r.counters, r.status, r.err, r.violations);
        assert_eq!(r.err, 0, "{dims:?}");
        assert_eq!(r.violations, 0, "{dims:?}");
        assert_eq!(r.c, reference(&a, &b, dims, cfg.accw), "{dims:?}");
        assert_eq!(r.counters[0], r.cycles, "{dims:?}: CYCLES register");
        // The fast engine's model of the IP (docs/TIMING.md, "The IP").
        let mut d = d.clone();
        d.dram_latency = lat as u32;
        let t = sim::engine::ip::Tiles {
            t: tiles.t,
            rf: tiles.rf,
            cf: tiles.cf,
        };
        let (m, k, n) = (dims.0 as u64, dims.1 as u64, dims.2 as u64);
        let want =
            sim::engine::ip::schedule(&d, m, k, n, t, |g| sim::engine::ip::core_cycles(&d, g));
        eprintln!("  model: {want:?}");
        assert_eq!(
            r.cycles, want.cycles,
            "{dims:?}: cycles, RTL vs the fast engine"
        );
        assert_eq!(r.counters[1], want.stall_cycles, "{dims:?}: stall cycles");
        assert_eq!(r.counters[2], want.read_bytes, "{dims:?}: bytes read");
        assert_eq!(r.counters[3], want.write_bytes, "{dims:?}: bytes written");
    }
}
