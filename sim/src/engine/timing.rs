//! Cycle schedules of a fold plan: the `rtl` micro-architecture of
//! docs/TIMING.md (closed-form recurrences per fold) and SCALE-Sim 3.0.0's
//! serialized folds, each optionally overlaid with the DRAM channel.

use super::plan::{Fold, Plan};
use crate::design::Design;

/// Cycles the generated RTL's array runs behind its controller in the
/// stationary-operand dataflows (ws, is): every array input passes two
/// pipeline registers after the buffer's read data, so that the multipliers'
/// input registers load from flip-flops, never from a block RAM
/// (docs/TIMING.md, "Common structure"). A GEMM ends this many cycles after
/// the last result leaves the array's deskew.
pub const STATIONARY_LAG: u64 = 2;

/// The same for the output-stationary dataflow: one register.
pub const OUTPUT_LAG: u64 = 1;

/// Which timing model to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimingMode {
    /// The micro-architecture the Verilog generator emits (docs/TIMING.md).
    Rtl,
    /// SCALE-Sim 3.0.0's compute-cycle model.
    Scalesim,
    /// The generated IP (docs/TIMING.md, "The IP"): core GEMMs on the `rtl`
    /// core behind the IP's DMA ([`super::ip`]). Fold schedules treat it as
    /// `rtl` (the core's).
    Ip,
}

impl TimingMode {
    /// Parses `rtl`, `scalesim` or `ip`.
    pub fn parse(s: &str) -> Option<TimingMode> {
        match s {
            "rtl" => Some(TimingMode::Rtl),
            "scalesim" => Some(TimingMode::Scalesim),
            "ip" => Some(TimingMode::Ip),
            _ => None,
        }
    }

    /// The name.
    pub fn name(self) -> &'static str {
        match self {
            TimingMode::Rtl => "rtl",
            TimingMode::Scalesim => "scalesim",
            TimingMode::Ip => "ip",
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
#[derive(Debug, Clone, Copy)]
pub struct Channel {
    bandwidth: f64,
    pub(super) latency: f64,
    /// When the channel has served every request so far.
    pub(super) free_at: f64,
    /// Requests served so far.
    pub(super) served: u64,
    /// Every `bytes / bandwidth` and every sum of them is exact in `f64`
    /// (set by the fast path for a power-of-two bandwidth), so a run of
    /// requests may be served in closed form.
    pub(super) exact: bool,
}

impl Channel {
    fn new(design: &Design) -> Channel {
        Channel {
            bandwidth: design.dram_bandwidth,
            latency: f64::from(design.dram_latency),
            free_at: 0.0,
            served: 0,
            exact: false,
        }
    }

    fn serve(&mut self, bytes: u64, at: u64) {
        let start = self.free_at.max(at as f64);
        self.free_at = start + bytes as f64 / self.bandwidth;
        self.served += 1;
    }

    /// Serves `n` requests of `bytes` each, issued at `at`, `at + stride`, ...
    pub(super) fn serve_run(&mut self, bytes: u64, at: u64, stride: u64, n: u64) {
        if !self.exact || n < 2 {
            for i in 0..n {
                self.serve(bytes, at + i * stride);
            }
            return;
        }
        // free_{i} = max(free_{i-1}, at + i stride) + w: the last is the
        // largest of free + n w and at + i stride + (n - i) w over i, which is
        // linear in i (so at i = 0 or i = n - 1). Every operation is exact.
        let w = bytes as f64 / self.bandwidth;
        let nw = n as f64 * w;
        let a = at as f64;
        let last = (at + (n - 1) * stride) as f64 + w;
        self.free_at = (self.free_at + nw).max(a + nw).max(last);
        self.served += n;
    }
}

/// Write-backs issued but not yet served, in issue order: the reference
/// keeps one entry per write ([`Fifo`]); the fast path keeps runs.
pub trait WriteQueue: Clone + Default + std::fmt::Debug {
    /// Issues a write-back of `bytes` (> 0) at cycle `at` (never before the
    /// previous one).
    fn push(&mut self, at: u64, bytes: u64);
    /// Serves, in order, the write-backs issued no later than `until`.
    fn flush(&mut self, until: u64, channel: &mut Channel);
}

/// The reference write queue: one (issue cycle, bytes) entry per write-back.
pub type Fifo = std::collections::VecDeque<(u64, u64)>;

impl WriteQueue for Fifo {
    fn push(&mut self, at: u64, bytes: u64) {
        self.push_back((at, bytes));
    }

    fn flush(&mut self, until: u64, channel: &mut Channel) {
        while let Some(&(at, bytes)) = self.front() {
            if at > until {
                break;
            }
            self.pop_front();
            channel.serve(bytes, at);
        }
    }
}

/// The DRAM channel and its pending write-backs.
#[derive(Debug, Clone)]
pub(super) struct Dram<Q> {
    pub(super) channel: Channel,
    pub(super) writes: Q,
}

impl<Q: WriteQueue> Dram<Q> {
    fn new(design: &Design) -> Dram<Q> {
        Dram {
            channel: Channel::new(design),
            writes: Q::default(),
        }
    }

    /// Cycle by which `bytes` requested at cycle `at` are on chip (0 if none).
    fn fetch(&mut self, bytes: u64, at: u64) -> u64 {
        if bytes == 0 {
            return 0;
        }
        self.writes.flush(at, &mut self.channel);
        self.channel.serve(bytes, at);
        (self.channel.free_at + self.channel.latency).ceil() as u64
    }

    /// Issues a write-back of `bytes` at cycle `at`.
    fn write(&mut self, bytes: u64, at: u64) {
        if bytes > 0 {
            self.writes.push(at, bytes);
        }
    }

    /// Cycle by which every write-back has completed.
    fn finish(&mut self) -> u64 {
        self.writes.flush(u64::MAX, &mut self.channel);
        self.channel.free_at.ceil() as u64
    }
}

/// Total cycles of `plan`: compute-only when `memory` is false, otherwise with
/// DRAM fetches (double-buffered prefetch as the design says) and write-back.
/// `each` receives every fold's times (not in `scalesim` mode).
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
        if mode != TimingMode::Scalesim {
            each(f, times);
        }
    }
    s.finish()
}

/// The schedule of a plan built one fold at a time, so folds need not be
/// stored: [`Schedule::step`] takes each fold with the one after it (whose
/// DRAM data is requested while or after it runs). `Q` keeps the pending
/// write-backs (the reference [`Fifo`] unless the fast path says otherwise).
#[derive(Debug, Clone)]
pub struct Schedule<Q = Fifo> {
    pub(super) r: u64,
    pub(super) c: u64,
    pub(super) mode: TimingMode,
    pub(super) output_stationary: bool,
    double_buffered: bool,
    pub(super) dram: Option<Dram<Q>>,
    /// Cycle by which the next fold's data is on chip.
    pub(super) ready: u64,
    /// End of the previous fold.
    pub(super) end: u64,
    /// (load or stream start, stream start, drain start, T) of the previous fold.
    pub(super) load: u64,
    pub(super) stream: u64,
    pub(super) drain: u64,
    pub(super) prev_t: u64,
    pub(super) first: bool,
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
        let first = first.map_or(0, Fold::dram_in_bytes);
        Schedule::with_queue(design, mode, output_stationary, memory, first)
    }
}

impl<Q: WriteQueue> Schedule<Q> {
    /// [`Schedule::new`] with write queue `Q`; the first fold needs
    /// `first_in` bytes from DRAM.
    #[inline]
    pub(super) fn with_queue(
        design: &Design,
        mode: TimingMode,
        output_stationary: bool,
        memory: bool,
        first_in: u64,
    ) -> Schedule<Q> {
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
        s.ready = s.fetch(first_in, 0);
        s
    }

    /// `bytes` of a fold's data are requested at cycle `at`; returns when
    /// they are on chip (0 when there are none).
    fn fetch(&mut self, bytes: u64, at: u64) -> u64 {
        match self.dram.as_mut() {
            Some(d) => d.fetch(bytes, at),
            None => 0,
        }
    }

    /// Schedules fold `f`, followed by `next`: fold f+1's data is requested
    /// when fold f starts (double buffering frees the prefetch half) or when
    /// it ends (single buffer). Returns f's times (meaningful in `rtl`).
    pub fn step(&mut self, f: &Fold, next: Option<&Fold>) -> FoldTimes {
        self.advance(f.t, f.dram_out_bytes, next.map_or(0, Fold::dram_in_bytes))
    }

    /// [`Schedule::step`] for a fold of `t` vectors writing `out` bytes back,
    /// followed by one that needs `next_in` bytes from DRAM.
    #[inline(always)]
    pub(super) fn advance(&mut self, t: u64, out: u64, next_in: u64) -> FoldTimes {
        let (r, c) = (self.r, self.c);
        let ready = self.ready;
        let (begin, done) = match self.mode {
            TimingMode::Scalesim => {
                let cpf = if self.output_stationary {
                    t + r + c - 2
                } else {
                    2 * r + c + t - 2
                };
                self.stream = self.end.max(ready);
                (self.stream, self.stream + cpf)
            }
            // ws / is: docs/TIMING.md, "Stationary-operand dataflows".
            TimingMode::Rtl | TimingMode::Ip if !self.output_stationary => {
                if self.first {
                    self.load = ready.max(1);
                    self.stream = self.load + r;
                } else {
                    self.load = (self.stream + r - 1).max(self.load + r).max(ready);
                    self.stream = (self.stream + self.prev_t)
                        .max(self.load + r)
                        .max(self.stream + 2);
                }
                (self.load, self.stream + t + r + c - 1 + STATIONARY_LAG)
            }
            // os: docs/TIMING.md, "Output-stationary dataflow".
            TimingMode::Rtl | TimingMode::Ip => {
                if self.first {
                    self.stream = ready.max(1);
                    self.drain = self.stream + t + r - 1;
                } else {
                    self.stream = (self.stream + self.prev_t)
                        .max((self.drain + r + 1).saturating_sub(t))
                        .max(ready);
                    self.drain = (self.stream + t + r - 1).max(self.drain + r);
                }
                self.load = self.stream;
                (self.stream, self.drain + c + r + OUTPUT_LAG)
            }
        };
        self.first = false;
        self.prev_t = t;
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
        self.ready = self.fetch(next_in, at);
        if let Some(d) = self.dram.as_mut() {
            d.write(out, done);
        }
        self.end = done;
        times
    }

    /// Total cycles: the end of the last fold or of the last write-back.
    #[inline]
    pub fn finish(mut self) -> u64 {
        let write_done = self.dram.as_mut().map_or(0, Dram::finish);
        self.end.max(write_done)
    }
}
