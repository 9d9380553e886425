//! The IP (`<prefix>_ip`: AXI4-Lite registers, AXI4 DMA, sequencer) under
//! Verilator, against the simulator: GEMMs larger than the buffers, cut into
//! core GEMMs by random tiles, through a memory with the contract's timing
//! (docs/TIMING.md, "The IP"). Each case checks C against the pe engine bit
//! for bit, and the cycles, stall cycles and bytes moved against both the
//! fast engine's model and the pe engine's (`sim::engine::ip`).

use hdlgen::check::{build_ip, Simulator};
use hdlgen::progress::Silent;
use sim::engine::ip::{self, Tiles};
use sim::Design;
use std::path::PathBuf;

fn design(name: &str) -> Design {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cosim")
        .join(format!("{name}.toml"));
    Design::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Operands over the full range of `bits`, with extremes every third value.
    fn operands(&mut self, bits: u32, n: usize) -> Vec<i64> {
        let (lo, hi) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
        (0..n)
            .map(|i| match (i % 3, self.below(2)) {
                (0, 0) => lo,
                (0, _) => hi,
                _ => lo + self.below((hi - lo + 1) as u64) as i64,
            })
            .collect()
    }
}

/// Random tiles that fit `d`'s buffers (docs/IP.md).
fn random_tiles(d: &Design, rng: &mut Rng) -> Tiles {
    let [a, b, c] = ip::depths(d);
    let r = u64::from(d.rows);
    let tiles = if d.dataflow == sim::Dataflow::Os {
        // rf * t <= A, cf * t <= B, cf * rf * R <= C.
        let t = 1 + rng.below(a.min(b).min(40));
        let rf = 1 + rng.below((a / t).min(c / r).min(4));
        let cf = 1 + rng.below((b / t).min(c / r / rf).min(3));
        Tiles { t, rf, cf }
    } else {
        let (s, x) = if d.dataflow == sim::Dataflow::Ws {
            (b, a)
        } else {
            (a, b)
        };
        let t = 1 + rng.below(c.min(x).min(40));
        let rf = 1 + rng.below((s / r).min(x / t).min(4));
        let cf = 1 + rng.below((s / r / rf).min(c / t).min(3));
        Tiles { t, rf, cf }
    };
    assert!(ip::fits(d, tiles), "{tiles:?} on {}", d.name);
    tiles
}

/// Runs `cases` random GEMMs through the IP of `d`.
fn cases(d: &Design, cases: usize, seed: u64, max: (u64, u64, u64)) {
    let bench = build_ip(d, Simulator::Verilator, false, &Silent)
        .unwrap_or_else(|e| panic!("{}: {e}", d.name));
    let work = std::env::temp_dir().join(format!(
        "systolic-ip-{}-{}-{}",
        d.name,
        ip::data_bytes(d),
        std::process::id()
    ));
    let mut rng = Rng(seed | 1);
    let mut larger = 0;
    for i in 0..cases {
        let dims = (
            1 + rng.below(max.0),
            1 + rng.below(max.1),
            1 + rng.below(max.2),
        );
        let (m, k, n) = dims;
        let tiles = if i % 4 == 0 {
            ip::default_tiles(d, m, k, n).expect("default tiles")
        } else {
            random_tiles(d, &mut rng)
        };
        let mut d = d.clone();
        d.dram_latency = 1 + rng.below(120) as u32;
        let (a, b) = if d.fp.is_some() {
            // Encodings of the operand format (sim's generator: ordinary
            // numbers, special values, random bits).
            let seed = rng.next();
            (
                sim::engine::pe::design_operands(&d, (m * k) as usize, seed),
                sim::engine::pe::design_operands(&d, (k * n) as usize, !seed),
            )
        } else {
            (
                rng.operands(d.operand.bits(), (m * k) as usize),
                rng.operands(d.operand.bits(), (k * n) as usize),
            )
        };
        let cfg = hdlgen::rtl::Config::of(&d).unwrap();
        if !hdlgen::check::fit::fits(&cfg, dims) {
            larger += 1;
        }
        let what = format!(
            "{} (DW {}) case {i}: {m}x{k}x{n}, {tiles:?}, latency {}",
            d.name,
            ip::data_bytes(&d),
            d.dram_latency
        );
        let want = ip::pe_values(&d, &a, &b, dims, tiles).unwrap();
        let fast = ip::schedule(&d, m, k, n, tiles, |g| ip::core_cycles(&d, g));
        let pe = ip::pe_schedule(&d, dims, tiles).unwrap();
        assert_eq!(fast, pe, "{what}: fast and pe engines");
        let r = bench
            .run_ip(
                &a,
                &b,
                (m as usize, k as usize, n as usize),
                tiles,
                ip::latency(&d),
                pe.cycles * 2 + 10_000,
                &work.join(format!("c{i}")),
                None,
            )
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(r.err, 0, "{what}: ERR_CODE");
        assert_eq!(r.violations, 0, "{what}: write beats outside their window");
        if let Some(j) = want.iter().zip(&r.c).position(|(x, y)| x != y) {
            panic!(
                "{what}: C[{}][{}] simulator {} rtl {}",
                j / n as usize,
                j % n as usize,
                want[j],
                r.c[j]
            );
        }
        assert_eq!(r.cycles, pe.cycles, "{what}: cycles");
        assert_eq!(
            r.counters,
            [pe.cycles, pe.stall_cycles, pe.read_bytes, pe.write_bytes],
            "{what}: CYCLES, STALL, RD_BYTES, WR_BYTES"
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        larger * 2 >= cases,
        "{}: only {larger} of {cases} GEMMs exceed the buffers",
        d.name
    );
}

fn with_bandwidth(d: Design, bytes_per_cycle: f64) -> Design {
    d.variant(|p| p.dram_bandwidth = bytes_per_cycle)
        .expect("a valid variant")
}

// 16 cases on each of ten builds (160): ws, is and os, int8 and int16,
// wrapping and saturating, single and double buffers, AXI data widths 1 to
// 16 bytes from DRAM bandwidths of 1 to 64 bytes per cycle.

#[test]
fn ws_2x2_int8_single_buffered_bandwidth_1() {
    let d = with_bandwidth(design("cosim-2x2-ws"), 1.0);
    assert_eq!(ip::data_bytes(&d), 1);
    cases(&d, 16, 11, (60, 60, 20));
}

#[test]
fn ws_2x2_int8_single_buffered_bandwidth_64() {
    let d = with_bandwidth(design("cosim-2x2-ws"), 64.0);
    assert_eq!(ip::data_bytes(&d), 2, "lines of 2 bytes cap DW");
    cases(&d, 16, 12, (90, 90, 24));
}

#[test]
fn is_4x4_int16_40_bit_accumulator() {
    let d = design("cosim-4x4-is-int16");
    assert_eq!(ip::data_bytes(&d), 4);
    cases(&d, 16, 13, (60, 80, 100));
}

#[test]
fn ws_5x3_int16_saturating_double_buffered() {
    let d = with_bandwidth(design("cosim-5x3-ws-sat"), 3.0);
    assert_eq!(ip::data_bytes(&d), 1);
    cases(&d, 16, 14, (80, 50, 20));
}

#[test]
fn is_16x6_int8_bandwidth_2() {
    let d = with_bandwidth(design("cosim-16x6-is"), 2.0);
    assert_eq!(ip::data_bytes(&d), 2);
    cases(&d, 16, 15, (80, 120, 150));
}

#[test]
fn ws_8x8_int8_double_buffered_bandwidth_8() {
    let d = with_bandwidth(sim::design::preset("edge-8x8").unwrap(), 8.0);
    assert_eq!(ip::data_bytes(&d), 8);
    cases(&d, 16, 16, (300, 200, 40));
}

#[test]
fn ws_16x16_int8_double_buffered_bandwidth_64() {
    let d = with_bandwidth(design("cosim-16x16-ws"), 64.0);
    assert_eq!(ip::data_bytes(&d), 16, "lines of 16 bytes cap DW");
    cases(&d, 16, 17, (600, 300, 70));
}

#[test]
fn os_3x5_int8_double_buffered() {
    let d = design("cosim-3x5-os");
    assert_eq!(ip::data_bytes(&d), 1);
    cases(&d, 16, 18, (60, 200, 40));
}

#[test]
fn os_8x8_int8_18_bit_saturating_bandwidth_32() {
    let d = with_bandwidth(design("cosim-8x8-os-sat"), 32.0);
    assert_eq!(ip::data_bytes(&d), 8);
    cases(&d, 16, 19, (70, 400, 60));
}

#[test]
fn os_7x12_int16_bandwidth_4() {
    let d = with_bandwidth(design("cosim-7x12-os-int16"), 4.0);
    assert_eq!(ip::data_bytes(&d), 2);
    cases(&d, 16, 20, (60, 300, 60));
}

// Floating-point designs through the IP: the K tiles of os add into the
// ofmap buffer in the accumulator's format (ws and is add row folds, as in
// the core); C must equal the pe engine's bit for bit, NaN and signed zeros
// included.
#[test]
fn ws_4x4_bf16_through_the_ip() {
    cases(&design("cosim-4x4-ws-bf16"), 12, 41, (48, 96, 48));
}

#[test]
fn os_3x4_bf16_double_buffered_through_the_ip() {
    cases(&design("cosim-3x4-os-bf16"), 12, 42, (20, 120, 20));
}

#[test]
fn is_4x4_fp16_fused_adder_through_the_ip() {
    cases(&design("cosim-4x4-is-fp16-fused"), 12, 43, (48, 96, 48));
}
