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
#[derive(Debug)]
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
/// `each` receives every fold's times (`rtl` mode only).
pub fn cycles(
    design: &Design,
    plan: &Plan,
    mode: TimingMode,
    memory: bool,
    mut each: impl FnMut(&Fold, FoldTimes),
) -> u64 {
    let mut s = Schedule::new(
        design,
        mode,
        plan.output_stationary,
        memory,
        plan.folds.first(),
    );
    for (i, f) in plan.folds.iter().enumerate() {
        let times = s.step(f, plan.folds.get(i + 1));
        if mode == TimingMode::Rtl {
            each(f, times);
        }
    }
    s.finish()
}

/// The schedule of a plan built one fold at a time, so folds need not be
/// stored: [`Schedule::step`] takes each fold with the one after it (whose
/// DRAM data is requested while or after it runs).
#[derive(Debug)]
pub struct Schedule {
    r: u64,
    c: u64,
    mode: TimingMode,
    output_stationary: bool,
    double_buffered: bool,
    dram: Option<Dram>,
    /// Cycle by which the next fold's data is on chip.
    ready: u64,
    /// End of the previous fold.
    end: u64,
    /// (load or stream start, stream start, drain start, T) of the previous fold.
    load: u64,
    stream: u64,
    drain: u64,
    prev_t: u64,
    first: bool,
}

impl Schedule {
    /// A schedule in `mode`, with the DRAM channel when `memory`; `first` is
    /// the first fold (its data is requested at cycle 0).
    pub fn new(
        design: &Design,
        mode: TimingMode,
        output_stationary: bool,
        memory: bool,
        first: Option<&Fold>,
    ) -> Schedule {
        let mut s = Schedule {
            r: u64::from(design.rows),
            c: u64::from(design.cols),
            mode,
            output_stationary,
            double_buffered: design.double_buffered,
            dram: memory.then(|| Dram::new(design)),
            ready: 0,
            end: 0,
            load: 0,
            stream: 0,
            drain: 0,
            prev_t: 0,
            first: true,
        };
        s.ready = s.fetch(first, 0);
        s
    }

    /// Fold `f`'s data is requested at cycle `at`; returns when it is on chip.
    fn fetch(&mut self, f: Option<&Fold>, at: u64) -> u64 {
        match (self.dram.as_mut(), f) {
            (Some(d), Some(f)) => d.fetch(f.dram_in_bytes(), at),
            _ => 0,
        }
    }

    /// Schedules fold `f`, followed by `next`: fold f+1's data is requested
    /// when fold f starts (double buffering frees the prefetch half) or when
    /// it ends (single buffer). Returns f's times (meaningful in `rtl`).
    pub fn step(&mut self, f: &Fold, next: Option<&Fold>) -> FoldTimes {
        let (r, c) = (self.r, self.c);
        let ready = self.ready;
        let (begin, done) = match self.mode {
            TimingMode::Scalesim => {
                let cpf = if self.output_stationary {
                    f.t + r + c - 2
                } else {
                    2 * r + c + f.t - 2
                };
                self.stream = self.end.max(ready);
                (self.stream, self.stream + cpf)
            }
            // ws / is: docs/TIMING.md, "Stationary-operand dataflows".
            TimingMode::Rtl if !self.output_stationary => {
                if self.first {
                    self.load = ready.max(1);
                    self.stream = self.load + r;
                } else {
                    self.load = (self.stream + r - 1).max(self.load + r).max(ready);
                    self.stream = (self.stream + self.prev_t)
                        .max(self.load + r)
                        .max(self.stream + 2);
                }
                (self.load, self.stream + f.t + r + c - 1)
            }
            // os: docs/TIMING.md, "Output-stationary dataflow".
            TimingMode::Rtl => {
                if self.first {
                    self.stream = ready.max(1);
                    self.drain = self.stream + f.t + r - 1;
                } else {
                    self.stream = (self.stream + self.prev_t)
                        .max((self.drain + r + 1).saturating_sub(f.t))
                        .max(ready);
                    self.drain = (self.stream + f.t + r - 1).max(self.drain + r);
                }
                self.load = self.stream;
                (self.stream, self.drain + c + r)
            }
        };
        self.first = false;
        self.prev_t = f.t;
        let times = FoldTimes {
            load: self.load,
            stream: self.stream,
            drain: if self.output_stationary {
                self.drain
            } else {
                0
            },
        };
        let at = if self.double_buffered { begin } else { done };
        self.ready = self.fetch(next, at);
        if let Some(d) = self.dram.as_mut() {
            d.write(f.dram_out_bytes, done);
        }
        self.end = done;
        times
    }

    /// Total cycles: the end of the last fold or of the last write-back.
    pub fn finish(mut self) -> u64 {
        let write_done = self.dram.as_mut().map_or(0, Dram::finish);
        self.end.max(write_done)
    }
}
