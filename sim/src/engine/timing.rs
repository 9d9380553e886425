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

/// The DRAM channel: requests are served one at a time in the order they are
/// issued (first come, first served); each occupies the channel for
/// `bytes / bandwidth` cycles, and fetched data arrives `latency` cycles later.
struct Dram {
    bandwidth: f64,
    latency: f64,
    free_at: f64,
    /// Write-backs issued but not yet served: (issue cycle, bytes), in issue order.
    writes: std::collections::VecDeque<(u64, u64)>,
}

impl Dram {
    fn new(design: &Design) -> Dram {
        Dram {
            bandwidth: design.dram_bandwidth,
            latency: f64::from(design.dram_latency),
            free_at: 0.0,
            writes: std::collections::VecDeque::new(),
        }
    }

    fn serve(&mut self, bytes: u64, at: u64) {
        let start = self.free_at.max(at as f64);
        self.free_at = start + bytes as f64 / self.bandwidth;
    }

    /// Serves the write-backs issued no later than `until`.
    fn flush(&mut self, until: u64) {
        while let Some(&(at, bytes)) = self.writes.front() {
            if at > until {
                break;
            }
            self.writes.pop_front();
            self.serve(bytes, at);
        }
    }

    /// Cycle by which `bytes` requested at cycle `at` are on chip (0 if none).
    fn fetch(&mut self, bytes: u64, at: u64) -> u64 {
        if bytes == 0 {
            return 0;
        }
        self.flush(at);
        self.serve(bytes, at);
        (self.free_at + self.latency).ceil() as u64
    }

    /// Issues a write-back of `bytes` at cycle `at`.
    fn write(&mut self, bytes: u64, at: u64) {
        if bytes > 0 {
            self.writes.push_back((at, bytes));
        }
    }

    /// Cycle by which every write-back has completed.
    fn finish(&mut self) -> u64 {
        self.flush(u64::MAX);
        self.free_at.ceil() as u64
    }
}

/// Total cycles of `plan`: compute-only when `memory` is false, otherwise with
/// DRAM fetches (double-buffered prefetch as the design says) and write-back.
/// `each` receives every fold's times.
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
    // Fold f+1's data is requested when fold f starts (double buffering frees
    // the prefetch half) or when it ends (single buffer); fold 0's at cycle 0.
    let fetch = |dram: &mut Option<Dram>, f: Option<&Fold>, at: u64| -> u64 {
        match (dram.as_mut(), f) {
            (Some(d), Some(f)) => d.fetch(f.dram_in_bytes(), at),
            _ => 0,
        }
    };
    let mut ready = fetch(&mut dram, plan.folds.first(), 0);
    let mut end = 0u64;
    // Per-mode state: (load or stream start, stream start, drain start) of the previous fold.
    let (mut load, mut stream, mut drain, mut prev_t) = (0u64, 0u64, 0u64, 0u64);
    for (i, f) in plan.folds.iter().enumerate() {
        let (begin, done) = match mode {
            TimingMode::Scalesim => {
                let cpf = if plan.output_stationary {
                    f.t + r + c - 2
                } else {
                    2 * r + c + f.t - 2
                };
                stream = end.max(ready);
                (stream, stream + cpf)
            }
            // ws / is: docs/TIMING.md, "Stationary-operand dataflows".
            TimingMode::Rtl if !plan.output_stationary => {
                if i == 0 {
                    load = ready.max(1);
                    stream = load + r;
                } else {
                    load = (stream + r - 1).max(load + r).max(ready);
                    stream = (stream + prev_t).max(load + r).max(stream + 2);
                }
                (load, stream + f.t + r + c - 1)
            }
            // os: docs/TIMING.md, "Output-stationary dataflow".
            TimingMode::Rtl => {
                if i == 0 {
                    stream = ready.max(1);
                    drain = stream + f.t + r - 1;
                } else {
                    stream = (stream + prev_t)
                        .max((drain + r + 1).saturating_sub(f.t))
                        .max(ready);
                    drain = (stream + f.t + r - 1).max(drain + r);
                }
                load = stream;
                (stream, drain + c + r)
            }
        };
        prev_t = f.t;
        if mode == TimingMode::Rtl {
            each(
                f,
                FoldTimes {
                    load,
                    stream,
                    drain: if plan.output_stationary { drain } else { 0 },
                },
            );
        }
        ready = fetch(
            &mut dram,
            plan.folds.get(i + 1),
            if db { begin } else { done },
        );
        if let Some(d) = dram.as_mut() {
            d.write(f.dram_out_bytes, done);
        }
        end = done;
    }
    let write_done = dram.as_mut().map_or(0, Dram::finish);
    end.max(write_done)
}
