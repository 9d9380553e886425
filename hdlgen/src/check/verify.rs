//! One co-simulation check: the pe engine's C and cycle count against the
//! RTL's, with the first differing element, the cycle the contract writes it,
//! and a VCD on a mismatch.

use super::bench::{build, Bench, Gemm, Simulator};
use crate::error::HdlError;
use crate::progress::{self, Progress};
use sim::design::{Dim, Operand};
use sim::engine::pe;
use sim::engine::plan;
use sim::Design;
use std::path::{Path, PathBuf};

/// The first element where the RTL and the simulator disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    /// Row of C.
    pub row: usize,
    /// Column of C.
    pub col: usize,
    /// The simulator's value.
    pub expected: i64,
    /// The RTL's value.
    pub got: i64,
    /// The cycle in which the contract writes the element's final value.
    pub cycle: u64,
}

/// What one check found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Cycles the pe engine (and TIMING.md) predict.
    pub expected_cycles: u64,
    /// Cycles the RTL took.
    pub rtl_cycles: u64,
    /// The first differing element, if any.
    pub diff: Option<Diff>,
    /// Waveforms of the failing run.
    pub vcd: Option<PathBuf>,
    /// Seconds the pe engine took.
    pub pe_seconds: f64,
    /// Seconds the RTL simulator process took.
    pub rtl_seconds: f64,
    /// PE-cycles simulated (rows x cols x cycles).
    pub pe_cycles: u64,
    /// Through the IP: what its counters said against the simulator.
    pub ip: Option<IpOutcome>,
}

/// What a run through the IP found beside C and the cycle count.
#[derive(Debug, Clone)]
pub struct IpOutcome {
    /// The tile registers written.
    pub tiles: sim::engine::ip::Tiles,
    /// The fast engine's model of the run (docs/TIMING.md, "The IP").
    pub fast: sim::engine::ip::IpRun,
    /// The same schedule with the pe engine's core GEMM cycles.
    pub pe: sim::engine::ip::IpRun,
    /// The IP's CYCLES, STALL, RD_BYTES and WR_BYTES registers.
    pub counters: [u64; 4],
    /// ERR_CODE after the run.
    pub err: u64,
    /// Write beats the IP did not offer in their window.
    pub violations: u64,
}

impl IpOutcome {
    /// What disagrees, if anything.
    fn problems(&self) -> Vec<String> {
        let mut why = Vec::new();
        if self.fast.cycles != self.pe.cycles {
            why.push(format!(
                "fast engine {} cycles, pe engine {}",
                self.fast.cycles, self.pe.cycles
            ));
        }
        let want = [
            self.pe.cycles,
            self.pe.stall_cycles,
            self.pe.read_bytes,
            self.pe.write_bytes,
        ];
        for ((name, got), want) in ["CYCLES", "STALL", "RD_BYTES", "WR_BYTES"]
            .iter()
            .zip(self.counters)
            .zip(want)
        {
            if got != want {
                why.push(format!("{name} register {got}, simulator {want}"));
            }
        }
        if self.err != 0 {
            why.push(format!("ERR_CODE {:#x}", self.err));
        }
        if self.violations != 0 {
            why.push(format!(
                "{} write beats not offered in their window (docs/TIMING.md, \"The IP\")",
                self.violations
            ));
        }
        why
    }
}

impl Outcome {
    /// Values bit-exact and cycles equal.
    pub fn passed(&self) -> bool {
        self.diff.is_none()
            && self.expected_cycles == self.rtl_cycles
            && self.ip.as_ref().is_none_or(|ip| ip.problems().is_empty())
    }

    /// `Ok` when the check passed, else [`HdlError::Mismatch`] saying what
    /// differs and where the waveforms are.
    pub fn verdict(&self) -> Result<(), HdlError> {
        if self.passed() {
            return Ok(());
        }
        let mut why = Vec::new();
        if self.expected_cycles != self.rtl_cycles {
            why.push(format!(
                "cycle counts differ: simulator {}, rtl {}",
                self.expected_cycles, self.rtl_cycles
            ));
        }
        if let Some(d) = &self.diff {
            if self.ip.is_some() {
                why.push(format!(
                    "first differing element C[{}][{}]: simulator {}, rtl {}",
                    d.row, d.col, d.expected, d.got
                ));
            } else {
                why.push(format!(
                    "first differing element C[{}][{}]: simulator {}, rtl {} (written in cycle {} by docs/TIMING.md)",
                    d.row, d.col, d.expected, d.got, d.cycle
                ));
            }
        }
        if let Some(ip) = &self.ip {
            why.extend(ip.problems());
        }
        Err(HdlError::Mismatch {
            why: why.join("; "),
            vcd: self.vcd.clone().unwrap_or_default(),
        })
    }
}

/// The cycle in which the `rtl` contract writes `C[row][col]` for the last time.
pub fn write_cycle(
    design: &Design,
    run: &pe::PeRun,
    (m, k, n): (u64, u64, u64),
    row: u64,
    col: u64,
) -> u64 {
    let p = plan::plan(design, &sim::workload::GemmOp::new(m, k, n), true);
    let (r, c) = (u64::from(design.rows), u64::from(design.cols));
    let roles = design.dataflow.roles();
    // The element's index along the dimension the array's columns carry
    // (`j`), and along C's other dimension (`t`: streamed, or the rows of os).
    let index = |d: Dim| if d == Dim::M { row } else { col };
    let j = index(roles.cols);
    let t = index(if roles.cols == Dim::M { Dim::N } else { Dim::M });
    let mut at = 0;
    for (f, times) in p.folds.iter().zip(&run.folds) {
        if roles.stationary == Operand::C {
            if (f.row0..f.row0 + f.rows).contains(&t) && (f.col0..f.col0 + f.cols).contains(&j) {
                at = times.drain + c + (r - 1 - (t - f.row0));
            }
        } else if (f.t0..f.t0 + f.t).contains(&t) && (f.col0..f.col0 + f.cols).contains(&j) {
            at = at.max(times.stream + (t - f.t0) + r + c - 1);
        }
    }
    at
}

/// Runs `A x B` on the pe engine and on the RTL of `bench` and compares them;
/// on a mismatch runs the RTL again with waveforms (`work/mismatch.vcd`).
/// Refuses a GEMM that does not fit the buffers before running anything.
pub fn check(
    design: &Design,
    bench: &Bench,
    a: &[i64],
    b: &[i64],
    (m, k, n): (u64, u64, u64),
    work: &Path,
    progress: &dyn Progress,
) -> Result<Outcome, HdlError> {
    super::fit::check_gemm(&bench.cfg, (m, k, n))?;
    let t0 = std::time::Instant::now();
    let what = format!("computing the {m}x{k}x{n} GEMM on the pe engine");
    let run = progress::step(progress, &what, || pe::run(design, a, b, m, k, n))?;
    let pe_seconds = t0.elapsed().as_secs_f64();
    let gemm = Gemm {
        a,
        b,
        dims: (m as usize, k as usize, n as usize),
    };
    let limit = run.cycles * 2 + 1000;
    let (c, rtl_cycles, rtl_seconds) = bench.run(gemm, limit, work, None, progress)?;
    let diff = run.c.iter().zip(&c).position(|(x, y)| x != y).map(|i| {
        let (row, col) = (i / n as usize, i % n as usize);
        Diff {
            row,
            col,
            expected: run.c[i],
            got: c[i],
            cycle: write_cycle(design, &run, (m, k, n), row as u64, col as u64),
        }
    });
    let mut out = Outcome {
        expected_cycles: run.cycles,
        rtl_cycles,
        diff,
        vcd: None,
        pe_seconds,
        rtl_seconds,
        pe_cycles: run.pe_cycles,
        ip: None,
    };
    if !out.passed() {
        let traced = traced(bench, || build(design, bench.sim, true, progress))?;
        let vcd = work.join("mismatch.vcd");
        traced.run(gemm, limit, work, Some(&vcd), progress)?;
        out.vcd = Some(vcd);
    }
    Ok(out)
}

/// `bench` when it can write waveforms (a trace build, or Icarus), else the
/// trace build `build` makes.
fn traced(
    bench: &Bench,
    build: impl FnOnce() -> Result<Bench, HdlError>,
) -> Result<Bench, HdlError> {
    if bench.trace || bench.sim == Simulator::Icarus {
        Ok(bench.clone())
    } else {
        build()
    }
}

/// The testbench of the IP (`tb_ip`, an AXI memory with the design's
/// latency) for `design`, built or reused like [`build`].
pub fn build_ip(
    design: &Design,
    sim: Simulator,
    trace: bool,
    progress: &dyn Progress,
) -> Result<Bench, HdlError> {
    let cfg = crate::rtl::Config::of(design)?;
    cfg.needs_ip()?;
    super::bench::build_with(
        design,
        sim,
        trace,
        progress,
        super::iptb::testbench(&cfg),
        "-ip",
    )
}

/// Runs `A x B` through the IP of `bench` (built by [`build_ip`]) from a DRAM
/// image, with the driver's default tiles, against the pe engine's values
/// and both engines' model of the IP: C bit-exact, cycles equal, and the
/// IP's counters equal the model's stall cycles and bytes. On a mismatch the
/// run is repeated with waveforms (`work/mismatch.vcd`).
pub fn check_ip(
    design: &Design,
    bench: &Bench,
    a: &[i64],
    b: &[i64],
    (m, k, n): (u64, u64, u64),
    work: &Path,
    progress: &dyn Progress,
) -> Result<Outcome, HdlError> {
    use sim::engine::ip;
    let tiles = ip::default_tiles(design, m, k, n).ok_or_else(|| HdlError::NoIp {
        design: design.name.clone(),
    })?;
    let t0 = std::time::Instant::now();
    let what = format!("computing the {m}x{k}x{n} GEMM on the pe engine");
    let run = progress::step(progress, &what, || pe::run(design, a, b, m, k, n))?;
    // os adds K tiles' sums into C (saturation makes the order matter).
    let want = ip::pe_values(design, a, b, (m, k, n), tiles)?;
    let pe_ip = progress::step(progress, "the IP's schedule on the pe engine", || {
        ip::pe_schedule(design, (m, k, n), tiles)
    })?;
    let pe_seconds = t0.elapsed().as_secs_f64();
    let fast = ip::run(design, m, k, n).ok_or_else(|| HdlError::NoIp {
        design: design.name.clone(),
    })?;
    let dims = (m as usize, k as usize, n as usize);
    let latency = ip::latency(design);
    let limit = pe_ip.cycles * 2 + 10_000;
    let what = format!(
        "running the {m}x{k}x{n} GEMM through the IP under {:?}",
        bench.sim
    );
    let t1 = std::time::Instant::now();
    let r = progress::step(progress, &what, || {
        bench.run_ip(a, b, dims, tiles, latency, limit, work, None)
    })?;
    let rtl_seconds = t1.elapsed().as_secs_f64();
    let diff = want
        .iter()
        .zip(&r.c)
        .position(|(x, y)| x != y)
        .map(|i| Diff {
            row: i / n as usize,
            col: i % n as usize,
            expected: want[i],
            got: r.c[i],
            cycle: 0,
        });
    let mut out = Outcome {
        expected_cycles: pe_ip.cycles,
        rtl_cycles: r.cycles,
        diff,
        vcd: None,
        pe_seconds,
        rtl_seconds,
        pe_cycles: run.pe_cycles,
        ip: Some(IpOutcome {
            tiles,
            fast,
            pe: pe_ip,
            counters: r.counters,
            err: r.err,
            violations: r.violations,
        }),
    };
    if !out.passed() {
        let traced = traced(bench, || build_ip(design, bench.sim, true, progress))?;
        traced.run_ip(
            a,
            b,
            dims,
            tiles,
            latency,
            limit,
            work,
            Some(Path::new("mismatch.vcd")),
        )?;
        out.vcd = Some(work.join("mismatch.vcd"));
    }
    Ok(out)
}
