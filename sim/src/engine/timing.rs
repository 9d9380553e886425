//! Cycle schedules of a fold plan: the `rtl` micro-architecture of
//! docs/TIMING.md (closed-form recurrences per fold) and SCALE-Sim 3.0.0's
//! serialized folds, each optionally overlaid with the DRAM channel.

use super::plan::{Fold, Plan};
use crate::design::Design;

/// Which timing model to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimingMode {
    /// The micro-architecture the Verilog generator emits (docs/TIMING.md).
    Rtl,
    /// SCALE-Sim 3.0.0's compute-cycle model.
    Scalesim,
}

impl TimingMode {
    /// Parses `rtl` or `scalesim`.
    pub fn parse(s: &str) -> Option<TimingMode> {
        match s {
            "rtl" => Some(TimingMode::Rtl),
            "scalesim" => Some(TimingMode::Scalesim),
            _ => None,
        }
    }

    /// The name.
    pub fn name(self) -> &'static str {
        match self {
            TimingMode::Rtl => "rtl",
            TimingMode::Scalesim => "scalesim",
        }
    }
}

/// Per-fold start cycles of the `rtl` schedule, for tests and the pe engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoldTimes {
    /// ws/is: first cycle the stationary operand shifts into column 0
    /// (equals `stream` for os, which loads nothing).
    pub load: u64,
    /// First cycle the fold's first vector is at the input of PE(0,0).
    pub stream: u64,
    /// os only: first drain shift of column 0 (0 for ws/is).
    pub drain: u64,
}

/// The DRAM channel: one request at a time, `latency` cycles plus bytes / bandwidth.
struct Dram {
    bandwidth: f64,
    latency: f64,
    free_at: f64,
}

impl Dram {
    fn new(design: &Design) -> Dram {
        Dram {
            bandwidth: design.dram_bandwidth,
            latency: f64::from(design.dram_latency),
            free_at: 0.0,
        }
    }

    /// Cycle by which `bytes` requested no earlier than `earliest` have arrived.
    fn fetch(&mut self, bytes: u64, earliest: u64) -> u64 {
        if bytes == 0 {
            return 0;
        }
        let start = self.free_at.max(earliest as f64);
        self.free_at = start + bytes as f64 / self.bandwidth;
        (self.free_at + self.latency).ceil() as u64
    }

    /// Queues a write of `bytes` no earlier than `at`; returns when it completes.
    fn write(&mut self, bytes: u64, at: u64) -> u64 {
        if bytes == 0 {
            return at;
        }
        let start = self.free_at.max(at as f64);
        self.free_at = start + bytes as f64 / self.bandwidth;
        self.free_at.ceil() as u64
    }
}

/// Total cycles of `plan`: compute-only when `memory` is false, otherwise with
/// DRAM fetches (double-buffered prefetch as the design says) and write-back.
/// `each` receives every fold's times (rtl only).
pub fn cycles(
    design: &Design,
    plan: &Plan,
    mode: TimingMode,
    memory: bool,
    mut each: impl FnMut(&Fold, FoldTimes),
) -> u64 {
    let r = u64::from(design.rows);
    let c = u64::from(design.cols);
    let mut dram = memory.then(|| Dram::new(design));
    let db = design.double_buffered;
    // When fold f's data may begin to arrive: after fold f-1 started (double
    // buffering frees the prefetch half) or ended (single buffer).
    let mut fetch_from = 0u64;
    let ready = |dram: &mut Option<Dram>, f: &Fold, from: u64| -> u64 {
        dram.as_mut().map_or(0, |d| d.fetch(f.dram_in_bytes, from))
    };
    let mut end = 0u64;
    let mut write_done = 0u64;
    match mode {
        TimingMode::Scalesim => {
            let mut prev_end = 0u64;
            for f in &plan.folds {
                let cpf = if plan.output_stationary {
                    f.t + r + c - 2
                } else {
                    2 * r + c + f.t - 2
                };
                let start = prev_end.max(ready(&mut dram, f, fetch_from));
                fetch_from = if db { start } else { start + cpf };
                prev_end = start + cpf;
                if let Some(d) = dram.as_mut() {
                    write_done = d.write(f.dram_out_bytes, prev_end);
                }
            }
            end = prev_end;
        }
        TimingMode::Rtl if !plan.output_stationary => {
            // ws / is: docs/TIMING.md section "Stationary-operand dataflows".
            let (mut load, mut stream, mut prev_t) = (0u64, 0u64, 0u64);
            for (i, f) in plan.folds.iter().enumerate() {
                let rd = ready(&mut dram, f, fetch_from);
                if i == 0 {
                    load = rd.max(1);
                    stream = load + r;
                } else {
                    load = (stream + r - 1).max(load + r).max(rd);
                    stream = (stream + prev_t).max(load + r).max(stream + 2);
                }
                prev_t = f.t;
                let done = stream + f.t + r + c - 1;
                fetch_from = if db { load } else { done };
                each(
                    f,
                    FoldTimes {
                        load,
                        stream,
                        drain: 0,
                    },
                );
                if let Some(d) = dram.as_mut() {
                    write_done = d.write(f.dram_out_bytes, done);
                }
                end = done;
            }
        }
        TimingMode::Rtl => {
            // os: docs/TIMING.md section "Output-stationary dataflow".
            let (mut stream, mut drain) = (0u64, 0u64);
            for (i, f) in plan.folds.iter().enumerate() {
                let rd = ready(&mut dram, f, fetch_from);
                if i == 0 {
                    stream = rd.max(1);
                    drain = stream + f.t + r - 1;
                } else {
                    let prev = &plan.folds[i - 1];
                    stream = (stream + prev.t)
                        .max((drain + r + 1).saturating_sub(f.t))
                        .max(rd);
                    drain = (stream + f.t + r - 1).max(drain + r);
                }
                let done = drain + c + r;
                fetch_from = if db { stream } else { done };
                each(
                    f,
                    FoldTimes {
                        load: stream,
                        stream,
                        drain,
                    },
                );
                if let Some(d) = dram.as_mut() {
                    write_done = d.write(f.dram_out_bytes, done);
                }
                end = done;
            }
        }
    }
    end.max(write_done)
}
