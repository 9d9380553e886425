//! Engines: what running a GEMM on the array costs. The `fast` engine is
//! closed-form per fold; its cost grows with folds, never with cycles x PEs.

pub mod conv;
pub mod pe;
pub mod plan;
pub mod timing;

pub use pe::PeEngine;
pub use plan::{Fold, Mapping, Plan, Traffic};
pub use timing::{FoldTimes, TimingMode};

use crate::design::Design;
use crate::error::SimError;
use crate::workload::GemmOp;

/// Cost of one GEMM on the array.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GemmStats {
    /// Useful multiply-accumulates.
    pub macs: u64,
    /// Array folds.
    pub folds: u64,
    /// PE-steps offered by the folds: sum over folds of rows x cols x T of the array.
    pub pe_slots: u64,
    /// Cycles without DRAM stalls.
    pub compute_cycles: u64,
    /// Cycles lost to DRAM.
    pub stall_cycles: u64,
    /// SRAM and DRAM traffic.
    pub traffic: Traffic,
    /// PE register bits written (for energy).
    pub reg_bits: u64,
}

impl GemmStats {
    /// Total cycles.
    pub fn total_cycles(&self) -> u64 {
        self.compute_cycles + self.stall_cycles
    }
}

/// Something that runs a GEMM on a design and says what it cost.
pub trait Engine {
    /// Engine name for reports.
    fn name(&self) -> &'static str;
    /// Timing mode it implements.
    fn timing(&self) -> TimingMode;
    /// Cost of one `g` (its `count` ignored: one instance), or why this
    /// engine cannot run it on `design`.
    fn run_gemm(&self, design: &Design, g: &GemmOp) -> Result<GemmStats, SimError>;
}

/// The closed-form engine.
#[derive(Debug, Clone, Copy)]
pub struct FastEngine {
    /// Timing mode.
    pub mode: TimingMode,
}

impl Engine for FastEngine {
    fn name(&self) -> &'static str {
        "fast"
    }

    fn timing(&self) -> TimingMode {
        self.mode
    }

    fn run_gemm(&self, design: &Design, g: &GemmOp) -> Result<GemmStats, SimError> {
        let rtl = self.mode == TimingMode::Rtl;
        let plan = plan::plan(design, g, rtl);
        let compute_cycles = timing::cycles(design, &plan, self.mode, false, |_, _| {});
        let total = timing::cycles(design, &plan, self.mode, true, |_, _| {});
        let mut traffic = plan.traffic;
        if !rtl {
            let s = plan::scalesim_sram_counts(design, g);
            traffic.ifmap_reads = s.ifmap_reads;
            traffic.filter_reads = s.filter_reads;
            traffic.ofmap_writes = s.ofmap_writes;
            traffic.ofmap_reads = 0;
        }
        let pes = design.pes();
        let pe_slots = plan.folds.iter().map(|f| f.t * pes).sum();
        Ok(GemmStats {
            macs: g.m * g.k * g.n,
            folds: plan.folds.len() as u64,
            pe_slots,
            compute_cycles,
            stall_cycles: total.saturating_sub(compute_cycles),
            traffic,
            reg_bits: register_bits(design, &plan),
        })
    }
}

/// PE register bits written by a plan: operand and partial-sum pipeline
/// registers of the useful PEs every step, plus loading stationary operands
/// through the shift chain (ws/is) or draining outputs through it (os), which
/// shifts every register of a used column once per row of the array.
pub(crate) fn register_bits(design: &Design, plan: &Plan) -> u64 {
    let r = u64::from(design.rows);
    let op = u64::from(design.operand.bits());
    let acc = u64::from(design.accumulator.bits());
    plan.folds
        .iter()
        .map(|f| {
            let active = f.rows * f.cols * f.t;
            if plan.output_stationary {
                active * (2 * op + acc) + r * r * f.cols * acc
            } else {
                active * (op + acc) + r * r * f.cols * op + f.rows * f.cols * op
            }
        })
        .sum()
}
