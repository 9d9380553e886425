//! Engines: what running a GEMM on the array costs. The `fast` engine is
//! closed-form per fold; its cost grows with folds, never with cycles x PEs,
//! and mostly with runs of identical folds only (`runs.rs`).

pub mod ip;
pub mod pe;
pub mod plan;
mod runs;
mod shift;
pub mod timing;

pub use pe::PeEngine;
pub use plan::{Fold, Mapping, Plan, Traffic};
pub use timing::{FoldTimes, TimingMode};

use crate::design::{Dataflow, Design};
use crate::error::{InputError, SimError};
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

    /// Total cycles, `None` past 2^64.
    pub fn total_cycles_checked(&self) -> Option<u64> {
        self.compute_cycles.checked_add(self.stall_cycles)
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

/// GEMMs of at most this many folds are stepped fold by fold (cheaper than
/// setting up the run path; the results are the same).
const FEW_FOLDS: u64 = 8;

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
        if let Some(s) = plan::sparse_weights(design, g) {
            if self.mode != TimingMode::Rtl {
                return Err(InputError::new(
                    "systolic::sparsity::timing",
                    format!("design {}", design.name),
                    format!(
                        "{s} sparse weights are modelled in `--timing rtl` only; this run asks for `{}`",
                        self.mode.name()
                    ),
                )
                .hint("use `--timing rtl` (SCALE-Sim's formulas and the IP's driver know no compressed weights)")
                .into());
            }
        }
        if self.mode == TimingMode::Ip {
            return self.ip_gemm(design, g).ok_or_else(|| no_ip(design));
        }
        Ok(self.gemm(design, g))
    }
}

/// Why `design` cannot run a GEMM in `ip` mode.
fn no_ip(design: &Design) -> SimError {
    let why = if design.dataflow == Dataflow::Os {
        "no core GEMM tile fits its buffers (the C buffer holds fewer than one line per array row)"
    } else {
        "no core GEMM tile fits its buffers (the stationary buffer holds fewer than one line per array row)"
    };
    InputError::new(
        "systolic::ip::unsupported",
        format!("design {}", design.name),
        format!("`--timing ip` cannot run on this design: {why}"),
    )
    .hint("use `--timing rtl`, or a design whose buffers hold a tile (docs/IP.md)")
    .into()
}

impl FastEngine {
    /// [`Engine::run_gemm`] without the `Result` (the fast engine runs every
    /// GEMM). Equal to [`FastEngine::gemm_per_fold`]; it walks runs of
    /// identical folds and jumps over them (`runs.rs`) whenever it can keep
    /// the DRAM channel's arithmetic exact, and steps every fold otherwise.
    /// In `ip` mode: [`FastEngine::ip_gemm`], or the `rtl` core's stats on a
    /// design without an IP (which [`Engine::run_gemm`] refuses instead).
    pub fn gemm(&self, design: &Design, g: &GemmOp) -> GemmStats {
        if self.mode == TimingMode::Ip {
            if let Some(s) = self.ip_gemm(design, g) {
                return s;
            }
        }
        runs::gemm(design, g, self.mode, FEW_FOLDS)
            .map(|r| self.stats_of_runs(design, g, r))
            .unwrap_or_else(|| self.gemm_per_fold(design, g))
    }

    /// The run-by-run path alone (`runs.rs`): equal to
    /// [`FastEngine::gemm_per_fold`], or `None` when it cannot promise that
    /// (times beyond what its `f64` argument covers, an empty GEMM, more
    /// pending write-backs than it keeps).
    pub fn gemm_by_runs(&self, design: &Design, g: &GemmOp) -> Option<GemmStats> {
        runs::gemm(design, g, self.mode, 0).map(|r| self.stats_of_runs(design, g, r))
    }

    fn stats_of_runs(&self, design: &Design, g: &GemmOp, r: runs::Totals) -> GemmStats {
        self.stats(
            design,
            g,
            r.traffic,
            [r.folds, r.pe_slots, r.reg_bits],
            r.compute_cycles,
            r.total_cycles,
        )
    }

    /// The reference: one pass over the folds, made on the fly and never
    /// stored, drives both schedules (compute only, and with the DRAM
    /// channel) fold by fold.
    pub fn gemm_per_fold(&self, design: &Design, g: &GemmOp) -> GemmStats {
        let rtl = self.mode != TimingMode::Scalesim;
        let mut folds = plan::Folds::new(design, g, rtl);
        let os = folds.output_stationary();
        let mut traffic = folds.sram_traffic();
        let first = folds.next();
        let mut compute = timing::Schedule::new(design, self.mode, os, false, None);
        let mut memory = timing::Schedule::new(design, self.mode, os, true, first.as_ref());
        let regs = RegisterBits::new(design, g, os);
        let pes = design.pes();
        let (mut n, mut pe_slots, mut reg_bits) = (0u64, 0u64, 0u64);
        let mut current = first;
        while let Some(f) = current {
            let next = folds.next();
            compute.step(&f, next.as_ref());
            memory.step(&f, next.as_ref());
            n += 1;
            pe_slots += f.t * pes;
            reg_bits += regs.of(&f);
            traffic.dram_ifmap_bytes += f.dram_a_bytes;
            traffic.dram_filter_bytes += f.dram_b_bytes;
            traffic.dram_ofmap_bytes += f.dram_out_bytes;
            current = next;
        }
        let compute_cycles = compute.finish();
        let total = memory.finish();
        self.stats(
            design,
            g,
            traffic,
            [n, pe_slots, reg_bits],
            compute_cycles,
            total,
        )
    }

    /// `g` on the generated IP with the driver's default tiles
    /// ([`ip::default_tiles`]): cycles, stalls and DRAM bytes from
    /// [`ip::schedule`] (compute cycles: the sum of the core GEMMs'), and
    /// the array's counts (folds, PE slots, register bits, SRAM accesses)
    /// summed over the core GEMMs, each planned as a GEMM of its own on the
    /// `rtl` core. The IP reads A as a plain `M x K` matrix, whatever
    /// `g.a_unique` says. `None` where the design has no IP (os) or no tile
    /// fits its buffers. Its cost grows with the core GEMMs.
    pub fn ip_gemm(&self, design: &Design, g: &GemmOp) -> Option<GemmStats> {
        let tiles = ip::default_tiles(design, g.m, g.k, g.n)?;
        let core = FastEngine {
            mode: TimingMode::Rtl,
        };
        let dw = ip::data_bytes(design);
        // At most 8 shapes: each dimension is a full or a ragged tile.
        let mut shapes: Vec<((u64, u64, u64), GemmStats)> = Vec::new();
        let mut sum = GemmStats::default();
        let (mut stationary, mut streamed) = (0u64, 0u64);
        let run = ip::schedule(design, g.m, g.k, g.n, tiles, |c| {
            stationary += ip::stationary_beats(design, c, dw);
            streamed += ip::streamed_beats(design, c, dw);
            let shape = (c.m, c.k, c.n);
            let s = match shapes.iter().find(|(s, _)| *s == shape) {
                Some(&(_, s)) => s,
                None => {
                    let s = core.gemm(design, &GemmOp::new(c.m, c.k, c.n));
                    shapes.push((shape, s));
                    s
                }
            };
            sum.folds += s.folds;
            sum.pe_slots += s.pe_slots;
            sum.reg_bits += s.reg_bits;
            let (t, u) = (&mut sum.traffic, &s.traffic);
            t.ifmap_reads += u.ifmap_reads;
            t.filter_reads += u.filter_reads;
            t.ofmap_reads += u.ofmap_reads;
            t.ofmap_writes += u.ofmap_writes;
            s.compute_cycles
        });
        let mut traffic = sum.traffic;
        let (a, b) = match design.dataflow {
            Dataflow::Is => (stationary, streamed),
            _ => (streamed, stationary),
        };
        traffic.dram_ifmap_bytes = a * dw;
        traffic.dram_filter_bytes = b * dw;
        traffic.dram_ofmap_bytes = run.write_bytes;
        traffic.set_fills(design.operand.bytes());
        Some(GemmStats {
            macs: g.m * g.k * g.n,
            folds: sum.folds,
            pe_slots: sum.pe_slots,
            compute_cycles: run.compute_cycles,
            stall_cycles: run.stall_cycles,
            traffic,
            reg_bits: sum.reg_bits,
        })
    }

    /// The stats from a plan's totals (`[folds, pe_slots, reg_bits]`) and its
    /// cycles without and with DRAM.
    fn stats(
        &self,
        design: &Design,
        g: &GemmOp,
        mut traffic: Traffic,
        [folds, pe_slots, reg_bits]: [u64; 3],
        compute_cycles: u64,
        total: u64,
    ) -> GemmStats {
        traffic.set_fills(design.operand.bytes());
        if self.mode == TimingMode::Scalesim {
            let s = plan::scalesim_sram_counts(design, g);
            traffic.ifmap_reads = s.ifmap_reads;
            traffic.filter_reads = s.filter_reads;
            traffic.ofmap_writes = s.ofmap_writes;
            traffic.ofmap_reads = 0;
        }
        // Sparse weights: the array multiplies the compressed K.
        let k = plan::sparse_weights(design, g).map_or(g.k, |s| s.compressed_k(g.k));
        GemmStats {
            macs: g.m * k * g.n,
            folds,
            pe_slots,
            compute_cycles,
            stall_cycles: total.saturating_sub(compute_cycles),
            traffic,
            reg_bits,
        }
    }
}

/// PE register bits written by a fold: operand and partial-sum pipeline
/// registers of the useful PEs every step, plus loading stationary operands
/// through the shift chain (ws/is) or draining outputs through it (os), which
/// shifts every register of a used column once per row of the array.
/// With N:M sparse weights (docs/TIMING.md, "Sparse weights") a PE's
/// streamed register holds its group's M activations and its stationary
/// registers a weight with its index.
struct RegisterBits {
    r: u64,
    op: u64,
    acc: u64,
    output_stationary: bool,
    /// Bits of the streamed register (the operand's, M of them when sparse).
    streamed: u64,
    /// Bits of a stationary word (the operand's, plus the index when sparse).
    stationary: u64,
}

impl RegisterBits {
    fn new(design: &Design, g: &GemmOp, output_stationary: bool) -> RegisterBits {
        let op = u64::from(design.operand.bits());
        let sparse = plan::sparse_weights(design, g);
        RegisterBits {
            r: u64::from(design.rows),
            op,
            acc: u64::from(design.accumulator.bits()),
            output_stationary,
            streamed: op * sparse.map_or(1, |s| u64::from(s.m)),
            stationary: op + sparse.map_or(0, |s| u64::from(s.index_bits())),
        }
    }

    fn of(&self, f: &Fold) -> u64 {
        let (r, op, acc) = (self.r, self.op, self.acc);
        let active = f.rows * f.cols * f.t;
        if self.output_stationary {
            active * (2 * op + acc) + r * r * f.cols * acc
        } else {
            let w = self.stationary;
            active * (self.streamed + acc) + r * r * f.cols * w + f.rows * f.cols * w
        }
    }
}
