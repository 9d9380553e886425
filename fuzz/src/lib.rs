//! What the fuzz targets share: input limits, a scratch folder per process,
//! rendering diagnostics as the CLI does, a work bound on the fast engine
//! (the only guard against the fuzzer's own time limit, documented in
//! docs/FUZZING.md), and the checks run on every design that validates.

use sim::design::Design;
use sim::engine::pe;
use sim::engine::plan::{self, Mapping};
use sim::engine::{Engine, FastEngine, GemmStats, PeEngine, TimingMode};
use sim::error::{InputError, SimError};
use sim::precision::Precision;
use sim::workload::{zoo, GemmOp, Model, ModelBuilder, Op};
use sim::{Dataflow, RunOptions};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Largest input a target reads (bytes). Real design files, specs, configs
/// and topologies are a few KiB; larger inputs only slow the fuzzer down.
pub const MAX_INPUT: usize = 64 * 1024;

/// Folds one GEMM may have for the harness to run it on the fast engine:
/// 2^20. The fast engine's cost grows with the runs of identical folds, not
/// with folds (`sim/src/engine/runs.rs`), but a GEMM of 10^8 folds still
/// takes a second or more under the fuzzer's instrumentation, which would
/// cut the executions per second tenfold. Above the cap the harness still
/// builds the GEMM's fold plan, walks its first folds and counts its
/// SCALE-Sim SRAM accesses (all the arithmetic on its sizes), then reports
/// the GEMM as skipped. `SYSTOLIC_FUZZ_FOLD_CAP=N` changes the cap (`0`: no
/// cap, to hunt for slow inputs; docs/FUZZING.md has such a run).
pub const DEFAULT_FOLD_CAP: u64 = 1 << 20;

/// Folds walked of a GEMM above the cap.
const FIRST_FOLDS: usize = 64;

/// The fold cap in force (see [`DEFAULT_FOLD_CAP`]).
pub fn fold_cap() -> u64 {
    static CAP: OnceLock<u64> = OnceLock::new();
    *CAP.get_or_init(|| {
        match std::env::var("SYSTOLIC_FUZZ_FOLD_CAP")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
        {
            Some(0) => u64::MAX,
            Some(n) => n,
            None => DEFAULT_FOLD_CAP,
        }
    })
}

/// `data` as text when it is UTF-8 and at most [`MAX_INPUT`] bytes.
pub fn text(data: &[u8]) -> Option<&str> {
    if data.len() > MAX_INPUT {
        return None;
    }
    std::str::from_utf8(data).ok()
}

/// An empty scratch folder of this process (created once, emptied on each
/// call): relative paths in fuzzed inputs resolve here, and targets that
/// read files write them here.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        // tmpfs when there is one: merges write their outputs atomically
        // (with fsync), which would otherwise dominate the time per input.
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let exe = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        let prefix = format!("systolic-fuzz-{exe}-");
        // Folders of this target's earlier processes (fork mode starts many).
        for e in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix(&prefix) {
                if !Path::new("/proc").join(pid).exists() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let d = base.join(format!("{prefix}{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("the temporary folder is writable");
        d
    });
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
    dir
}

/// Renders `e` as the CLI prints it (miette's graphical handler, no colour):
/// spans into the input must be in range and messages must format.
pub fn render(e: &SimError) -> String {
    let mut out = String::new();
    // Unwrapped: wrapping text costs a third of a results file's time per
    // input and checks nothing of ours.
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_wrap_lines(false)
        .render_report(&mut out, e)
        .expect("rendering a diagnostic into a String cannot fail");
    let _ = e.to_string();
    out
}

/// A 64-bit FNV-1a hash of `data`: the fuzzer's input drives the harness's
/// own choices (GEMM shapes, seeds) without a second input format.
pub fn hash(data: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Upper bound of the folds of `g` on `design` with the `rtl` plan (the
/// `scalesim` plan has at most as many), or `None` when it does not fit u64.
/// Computed with checked arithmetic so that the harness never overflows
/// itself; the engine's own arithmetic is what is under test.
pub fn fold_bound(design: &Design, g: &GemmOp) -> Option<u64> {
    let Mapping { sr, sc, t } = Mapping::of(g, design.dataflow);
    if sr == 0 || sc == 0 || t == 0 {
        return Some(0);
    }
    let r = u64::from(design.rows);
    let c = u64::from(design.cols);
    let row_tiles = sr.div_ceil(r);
    let col_tiles = sc.div_ceil(c);
    let tiles = row_tiles.checked_mul(col_tiles)?;
    match design.dataflow {
        Dataflow::Os => Some(tiles),
        Dataflow::Ws | Dataflow::Is => {
            let usable = if design.double_buffered {
                design.ofmap_sram_bytes / 2
            } else {
                design.ofmap_sram_bytes
            };
            let per_t = c.checked_mul(design.accumulator.bytes())?;
            let t_tile = (usable / per_t).clamp(1, t);
            tiles.checked_mul(t.div_ceil(t_tile))
        }
    }
}

/// The fast engine, but a GEMM above [`fold_cap`] folds is planned and its
/// first folds walked, then refused with an error instead of run (see
/// [`DEFAULT_FOLD_CAP`]).
#[derive(Debug, Clone, Copy)]
pub struct Bounded {
    /// The engine that runs GEMMs under the cap.
    pub fast: FastEngine,
}

impl Bounded {
    /// The bounded fast engine in `mode`.
    pub fn new(mode: TimingMode) -> Bounded {
        Bounded {
            fast: FastEngine { mode },
        }
    }
}

/// Whether every GEMM of `model` at `batch` is under the fold cap on
/// `design` (lowered as `mode` lowers it), and their folds add up to no more
/// than the cap either.
pub fn model_fits(design: &Design, model: &Model, batch: u64, mode: TimingMode) -> bool {
    let rule = sim::simulate::conv_rule(mode);
    let mut total = 0u64;
    for l in model.layers() {
        if let sim::workload::Lowered::Gemm(g) = sim::workload::lower_as(&l.op, batch, rule) {
            match fold_bound(design, &g).and_then(|f| total.checked_add(f)) {
                Some(t) if t <= fold_cap() => total = t,
                _ => return false,
            }
        }
    }
    true
}

impl Engine for Bounded {
    fn name(&self) -> &'static str {
        "fast"
    }

    fn timing(&self) -> TimingMode {
        self.fast.mode
    }

    fn run_gemm(&self, design: &Design, g: &GemmOp) -> Result<GemmStats, SimError> {
        match fold_bound(design, g) {
            Some(f) if f <= fold_cap() => self.fast.run_gemm(design, g),
            _ => {
                let rtl = self.fast.mode == TimingMode::Rtl;
                let mut folds = plan::Folds::new(design, g, rtl);
                let _ = folds.sram_traffic();
                for f in folds.by_ref().take(FIRST_FOLDS) {
                    std::hint::black_box(f);
                }
                if !rtl {
                    std::hint::black_box(plan::scalesim_sram_counts(design, g));
                }
                Err(InputError::new(
                    "systolic::fuzz::skipped",
                    "<fuzz harness>",
                    format!(
                        "{} x {} x {} GEMM has more than {} folds: planned, not run",
                        g.m,
                        g.k,
                        g.n,
                        fold_cap()
                    ),
                )
                .into())
            }
        }
    }
}

/// Simulates `model` on `design` with the bounded fast engine in both timing
/// modes, and formats each report every way the CLI can. Errors (a GEMM over
/// the cap, a model the design cannot run) are returned, never panicked on.
pub fn simulate_both(design: &Design, model: &Model, batch: u64) {
    for mode in [TimingMode::Rtl, TimingMode::Scalesim] {
        let opts = RunOptions {
            batch,
            layers: Vec::new(),
        };
        match sim::simulate(design, model, &Bounded::new(mode), &opts) {
            Ok(report) => {
                std::hint::black_box(report.to_csv());
                std::hint::black_box(report.to_json());
                std::hint::black_box(report.to_table());
            }
            Err(e) => {
                std::hint::black_box(render(&e));
            }
        }
    }
}

/// A one-layer model: an `m x k x n` GEMM.
pub fn gemm_model(m: u64, k: u64, n: u64) -> Model {
    let mut b = ModelBuilder::new("fuzz-gemm");
    b.add("gemm", Op::Gemm { m, k, n }, &[]);
    b.build()
}

/// Everything a validated design must survive: its TOML round trip (the
/// same design back), area and prices, two small zoo models and a GEMM on
/// the fast engine in both timing modes, and, for a small integer design,
/// the pe engine on a tiny GEMM, whose values must equal the reference and
/// whose cycles must equal the fast engine's (ARCHITECTURE.md invariants).
/// `seed` picks the GEMM shapes.
pub fn check_design(design: &Design, seed: u64) {
    let dir = scratch();
    let text = design.to_toml();
    match Design::parse(&text, "round-trip.toml", Some(dir)) {
        Ok(again) => assert!(
            again == *design,
            "the design's to_toml does not parse back to the same design:\n{text}"
        ),
        Err(e) => panic!(
            "the design's to_toml does not parse back:\n{text}\n{}",
            render(&e)
        ),
    }
    std::hint::black_box(sim::area::of(design));
    std::hint::black_box(design.peak_tops());
    std::hint::black_box(sim::report::DesignSummary::of(design));
    for name in ["linear-10-1", "dense-10-1"] {
        let model = zoo::model(name).expect("a built-in model");
        simulate_both(design, &model, 1 + (seed & 3));
    }
    let small = |s: u64| 1 + s % 64;
    let (m, k, n) = (small(seed >> 8), small(seed >> 16), small(seed >> 24));
    simulate_both(design, &gemm_model(m, k, n), 1);
    // A large GEMM (M x K x N < 2^63 MACs, as a real layer has): its sizes
    // reach the byte and cycle arithmetic.
    let big = |s: u64| 1 + (s % (1 << 20));
    simulate_both(
        design,
        &gemm_model(big(seed >> 4), big(seed >> 20), big(seed >> 36)),
        1,
    );
    pe_check(design, seed);
}

/// The pe engine on a tiny GEMM (values = reference, cycles = fast engine's),
/// when `design` is integer and at most 64 x 64.
pub fn pe_check(design: &Design, seed: u64) {
    if !matches!(design.operand, Precision::Int(_)) || design.rows > 64 || design.cols > 64 {
        return;
    }
    let tiny = |s: u64| 1 + s % 8;
    let g = GemmOp::new(tiny(seed >> 40), tiny(seed >> 44), tiny(seed >> 48));
    let pe_stats = match (PeEngine { seed }).run_gemm(design, &g) {
        Ok(s) => s,
        Err(e) => panic!(
            "the pe engine fails a {} x {} x {} GEMM on a valid design: {}",
            g.m,
            g.k,
            g.n,
            render(&e)
        ),
    };
    let fast = FastEngine {
        mode: TimingMode::Rtl,
    }
    .gemm(design, &g);
    assert_eq!(
        pe_stats.compute_cycles, fast.compute_cycles,
        "pe and fast engines disagree on the cycles of a {} x {} x {} GEMM",
        g.m, g.k, g.n
    );
    if design.pes() <= 256 {
        let Precision::Int(bits) = design.operand else {
            unreachable!("checked above")
        };
        let a = pe::random_operands(bits, (g.m * g.k) as usize, seed);
        let b = pe::random_operands(bits, (g.k * g.n) as usize, !seed);
        let timed = pe::run(design, &a, &b, g.m, g.k, g.n).expect("operands of the design's width");
        let stepped =
            pe::run_stepped(design, &a, &b, g.m, g.k, g.n).expect("operands of the design's width");
        assert_eq!(
            timed, stepped,
            "time-major and cycle-stepped pe runs differ"
        );
    }
}
