//! One co-simulation check: the pe engine's C and cycle count against the
//! RTL's, with the first differing element, the cycle the contract writes it,
//! and a VCD on a mismatch.

use crate::cosim::Bench;
use crate::HdlError;
use sim::engine::pe;
use sim::engine::plan;
use sim::{Dataflow, Design};
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
}

/// The cycle in which the `rtl` contract writes C[row][col] for the last time.
pub fn write_cycle(
    design: &Design,
    run: &pe::PeRun,
    (m, k, n): (u64, u64, u64),
    row: u64,
    col: u64,
) -> u64 {
    let p = plan::plan(design, &sim::workload::GemmOp::new(m, k, n), true);
    let (r, c) = (u64::from(design.rows), u64::from(design.cols));
    // (streamed index, column index) of the element in the dataflow's output.
    let (t, j) = match design.dataflow {
        Dataflow::Ws | Dataflow::Os => (row, col),
        Dataflow::Is => (col, row),
    };
    let mut at = 0;
    for (f, times) in p.folds.iter().zip(&run.folds) {
        match design.dataflow {
            Dataflow::Os => {
                if (f.row0..f.row0 + f.rows).contains(&t) && (f.col0..f.col0 + f.cols).contains(&j)
                {
                    at = times.drain + c + (r - 1 - (t - f.row0));
                }
            }
            _ => {
                if (f.t0..f.t0 + f.t).contains(&t) && (f.col0..f.col0 + f.cols).contains(&j) {
                    at = at.max(times.stream + (t - f.t0) + r + c - 1);
                }
            }
        }
    }
    at
}

/// Runs `A x B` on the pe engine and on the RTL of `bench` and compares them;
/// on a mismatch runs the RTL again with waveforms (`work/mismatch.vcd`).
pub fn check(
    design: &Design,
    bench: &Bench,
    a: &[i64],
    b: &[i64],
    (m, k, n): (u64, u64, u64),
    work: &Path,
) -> Result<Outcome, HdlError> {
    let t0 = std::time::Instant::now();
    let run = pe::run(design, a, b, m, k, n).map_err(|e| HdlError::Unsupported(e.to_string()))?;
    let pe_seconds = t0.elapsed().as_secs_f64();
    let dims = (m as usize, k as usize, n as usize);
    let limit = run.cycles * 2 + 1000;
    let (c, rtl_cycles, rtl_seconds) = bench.run(a, b, dims, limit, work, None)?;
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
        let traced = if bench.trace || bench.sim == crate::cosim::Simulator::Icarus {
            bench.clone()
        } else {
            crate::cosim::build(design, bench.sim, true)?
        };
        let vcd = work.join("mismatch.vcd");
        traced.run(a, b, dims, limit, work, Some(&vcd))?;
        out.vcd = Some(vcd);
    }
    Ok(out)
}
