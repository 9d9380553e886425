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
}

impl Outcome {
    /// Values bit-exact and cycles equal.
    pub fn passed(&self) -> bool {
        self.diff.is_none() && self.expected_cycles == self.rtl_cycles
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
            why.push(format!(
                "first differing element C[{}][{}]: simulator {}, rtl {} (written in cycle {} by docs/TIMING.md)",
                d.row, d.col, d.expected, d.got, d.cycle
            ));
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
    };
    if !out.passed() {
        let traced = if bench.trace || bench.sim == Simulator::Icarus {
            bench.clone()
        } else {
            build(design, bench.sim, true, progress)?
        };
        let vcd = work.join("mismatch.vcd");
        traced.run(gemm, limit, work, Some(&vcd), progress)?;
        out.vcd = Some(vcd);
    }
    Ok(out)
}
