//! Translations of a schedule: the fast path's write queue kept as runs, the
//! test that a stretch of folds moved the whole schedule state by one
//! constant, and the jump over many such stretches at once.
//!
//! Every recurrence of [`Schedule::step`] is made of `max`, `+` and `ceil`
//! of cycle counts: adding an integer `d` to every time in the state adds `d`
//! to every later time, provided the DRAM channel's `f64` arithmetic is exact
//! (a power-of-two bandwidth, [`Channel::exact`]) or, when it rounds, the
//! channel's values stay in one binade (`Mark::same_binade`). So once a
//! stretch of folds has moved the state by `d`, each identical stretch after
//! it does the same, and [`Schedule::jump`] moves the state over many at once.

use super::timing::{Channel, Schedule, TimingMode, WriteQueue};

/// Write-backs of equal size issued at `at`, `at + stride`, ... (`count` of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Run {
    at: u64,
    stride: u64,
    count: u64,
    bytes: u64,
}

/// Runs a queue holds; a schedule that needs more falls back to the reference.
const RUNS: usize = 6;

/// The fast path's write queue: pending write-backs as arithmetic runs, in
/// issue order (`runs[head..tail]`), so a stretch of write-backs costs O(1).
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteRuns {
    runs: [Run; RUNS],
    head: usize,
    tail: usize,
    /// More than [`RUNS`] runs were pending at once: the schedule is invalid.
    pub(super) overflow: bool,
}

impl WriteRuns {
    fn live(&self) -> &[Run] {
        &self.runs[self.head..self.tail]
    }
}

impl WriteQueue for WriteRuns {
    fn push(&mut self, at: u64, bytes: u64) {
        if self.tail > self.head {
            let last = &mut self.runs[self.tail - 1];
            if last.bytes == bytes {
                if last.count == 1 {
                    last.stride = at - last.at;
                    last.count = 2;
                    return;
                }
                if at == last.at + last.count * last.stride {
                    last.count += 1;
                    return;
                }
            }
        }
        if self.tail == RUNS {
            if self.head == 0 {
                self.overflow = true;
                return;
            }
            self.runs.copy_within(self.head..self.tail, 0);
            self.tail -= self.head;
            self.head = 0;
        }
        self.runs[self.tail] = Run {
            at,
            stride: 0,
            count: 1,
            bytes,
        };
        self.tail += 1;
    }

    #[inline]
    fn flush(&mut self, until: u64, channel: &mut Channel) {
        if self.head < self.tail && self.runs[self.head].at <= until {
            self.flush_due(until, channel);
        }
    }
}

impl WriteRuns {
    /// [`WriteQueue::flush`] when the first run is due.
    fn flush_due(&mut self, until: u64, channel: &mut Channel) {
        while self.head < self.tail {
            let run = &mut self.runs[self.head];
            if run.at > until {
                break;
            }
            let due = if run.count == 1 || run.stride == 0 {
                run.count
            } else {
                run.count.min((until - run.at) / run.stride + 1)
            };
            channel.serve_run(run.bytes, run.at, run.stride, due);
            if due < run.count {
                run.at += due * run.stride;
                run.count -= due;
                break;
            }
            self.head += 1;
        }
        if self.head == self.tail {
            self.head = 0;
            self.tail = 0;
        }
    }
}

/// Write-back runs a [`Mark`] keeps; a state with more pending is not compared.
const MARKED_RUNS: usize = 2;

/// What decides a schedule's future, taken after a stretch of folds so that
/// the next mark can tell whether the stretch moved everything by a
/// constant. Compute times are kept relative to `stream`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark {
    stream: u64,
    /// `prev_t`; `end`, `load` (ws/is, os) and `drain` (os) minus `stream`
    /// (wrapping); `ready - stream` when `ready` can still delay the next
    /// fold, else 0.
    rel: [u64; 5],
    first: bool,
    /// The channel is not behind every request still to come (else nothing
    /// depends on its time).
    busy: bool,
    /// Pending write-back runs, `u8::MAX` when more than [`MARKED_RUNS`].
    pending: u8,
    free_at: f64,
    served: u64,
    /// No DRAM request or write-back is served before this cycle from now on.
    horizon: u64,
    runs: [Run; MARKED_RUNS],
}

/// How a stretch of folds moved the schedule.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shift {
    /// Cycles every compute time moved by.
    d: u64,
    /// What the DRAM channel and its write queue did.
    dram: Moved,
    /// `ready` can still delay the next fold.
    ready: bool,
    /// The channel is busy (its time moves too).
    busy: bool,
    /// Stretches like this one that may be jumped over at once.
    most: u64,
}

/// What a stretch of folds did to the DRAM channel and its write queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moved {
    /// Both moved by the stretch's `d`.
    Along,
    /// Nothing was served or issued.
    Nothing,
    /// Nothing was served, and one write-back extended the last run (stride `d`).
    OneWrite,
}

impl Shift {
    /// How many of `left` stretches like the measured one may be jumped over.
    pub(super) fn most(&self, left: u64) -> u64 {
        self.most.min(left)
    }
}

impl Mark {
    /// When `bytes / bandwidth` rounds: how many more stretches like the one
    /// from `before` (which served requests and moved times by `d`) keep
    /// every `f64` the channel computes in the binade `[2^e, 2^(e+1))` of
    /// the stretch's first one. Within one binade of ulp at most 1/2, adding
    /// an integer to every operand adds it to every rounded result (ties to
    /// even included), so the stretches repeat exactly. The channel computes
    /// only values from `before`'s horizon (no request is served earlier) to
    /// its time after the stretch plus the `latency`. `None` if not even
    /// this stretch stayed in one binade.
    fn same_binade(&self, before: &Mark, d: u64, latency: u64) -> Option<u64> {
        let low = before.horizon;
        if low == 0 || low >= 1 << 51 {
            return None;
        }
        let top = f64::from(2u32).powi(low.ilog2() as i32 + 1);
        if self.free_at >= top || self.free_at < low as f64 {
            return None;
        }
        // Exact (Sterbenz): free_at is within a factor 2 of top.
        let room = (top - self.free_at).floor() as u64;
        let most = room.checked_sub(latency + 1)? / d;
        (most > 0).then_some(most)
    }

    /// How the stretch of folds from `before` to `self` moved the state, if
    /// it moved every time by one constant (up to values that no longer
    /// matter: an idle channel's time, a `ready` that cannot delay), or
    /// moved compute times only and left the DRAM channel alone.
    /// `rounding` is the channel's latency when its arithmetic rounds.
    pub(super) fn shift_since(&self, before: &Mark, rounding: Option<u64>) -> Option<Shift> {
        let (na, nb) = (usize::from(self.pending), usize::from(before.pending));
        if na > MARKED_RUNS || nb > MARKED_RUNS || self.first || self.rel != before.rel {
            return None;
        }
        let d = self.stream - before.stream;
        let mut shift = Shift {
            d,
            dram: Moved::Along,
            ready: self.rel[4] != 0,
            busy: self.busy,
            most: u64::MAX,
        };
        let served = self.served != before.served;
        if let Some(latency) = rounding.filter(|_| served) {
            shift.most = self.same_binade(before, d, latency)?;
        }
        let (qa, qb) = (&self.runs[..na], &before.runs[..nb]);
        let channel_moved =
            self.busy == before.busy && (!self.busy || self.free_at == before.free_at + d as f64);
        if channel_moved
            && na == nb
            && qa.iter().zip(qb).all(|(x, y)| {
                x.at == y.at + d && (x.stride, x.count, x.bytes) == (y.stride, y.count, y.bytes)
            })
        {
            return Some(shift);
        }
        // Nothing served (so nothing fetched), and no write-back issued or
        // one more at the end of the last run.
        if served || self.free_at.to_bits() != before.free_at.to_bits() || shift.ready {
            return None;
        }
        if qa == qb {
            shift.dram = Moved::Nothing;
            return Some(shift);
        }
        let (Some((la, heada)), Some((lb, headb))) = (qa.split_last(), qb.split_last()) else {
            return None;
        };
        let one_write = heada == headb
            && (la.at, la.bytes) == (lb.at, lb.bytes)
            && la.count == lb.count + 1
            && la.stride == d
            && (lb.count == 1 || lb.stride == d);
        shift.dram = Moved::OneWrite;
        one_write.then_some(shift)
    }
}

impl Schedule<WriteRuns> {
    /// How each fold of `t` vectors that uses no DRAM moves the state once
    /// two such folds have run (docs/TIMING.md): ws/is folds start
    /// `max(T, 2R - 1, 2)` apart (each load follows the previous stream by
    /// `R - 1`), os folds `max(T, 2R)` apart (each drain follows its stream
    /// by `T + R - 1`), SCALE-Sim's `T + R + C - 2` or `2R + C + T - 2`.
    pub(super) fn compute_only_spacing(&self, t: u64) -> Shift {
        let (r, c) = (self.r, self.c);
        let d = match self.mode {
            TimingMode::Scalesim if self.output_stationary => t + r + c - 2,
            TimingMode::Scalesim => 2 * r + c + t - 2,
            TimingMode::Rtl | TimingMode::Ip if self.output_stationary => t.max(2 * r),
            TimingMode::Rtl | TimingMode::Ip => t.max(2 * r - 1).max(2),
        };
        Shift {
            d,
            dram: Moved::Nothing,
            ready: false,
            busy: false,
            most: u64::MAX,
        }
    }

    /// The channel's latency if its arithmetic rounds (see [`Mark::shift_since`]).
    pub(super) fn rounding(&self) -> Option<u64> {
        let c = &self.dram.as_ref()?.channel;
        (!c.exact).then_some(c.latency as u64)
    }

    /// The state's [`Mark`].
    pub(super) fn mark(&self) -> Mark {
        let (stream, load) = (self.stream, self.load);
        let (next, others, bound) = match self.mode {
            TimingMode::Scalesim => (self.end, [0, 0], self.end),
            TimingMode::Rtl | TimingMode::Ip if !self.output_stationary => (
                load,
                [load.wrapping_sub(stream), 0],
                (stream + self.r - 1).max(load + self.r),
            ),
            TimingMode::Rtl | TimingMode::Ip => {
                (stream, [0, self.drain - stream], stream + self.prev_t)
            }
        };
        let ready = if self.ready > bound {
            self.ready - stream
        } else {
            0
        };
        let mut m = Mark {
            stream,
            rel: [self.prev_t, self.end - stream, others[0], others[1], ready],
            first: self.first,
            busy: false,
            pending: 0,
            free_at: 0.0,
            served: 0,
            horizon: next,
            runs: [Run::default(); MARKED_RUNS],
        };
        if let Some(dram) = &self.dram {
            let live = dram.writes.live();
            m.horizon = live.first().map_or(next, |r| r.at.min(next));
            m.free_at = dram.channel.free_at;
            m.served = dram.channel.served;
            m.busy = m.free_at > m.horizon as f64;
            match *live {
                [] => {}
                [a] => {
                    m.runs[0] = a;
                    m.pending = 1;
                }
                [a, b] => {
                    m.runs = [a, b];
                    m.pending = 2;
                }
                _ => m.pending = u8::MAX,
            }
        }
        m
    }

    /// Moves the state as `n` more stretches like the one `shift` measured.
    pub(super) fn jump(&mut self, shift: Shift, n: u64) {
        let by = shift.d * n;
        // A ready that cannot delay the next fold is as good as none.
        self.ready = if shift.ready { self.ready + by } else { 0 };
        self.stream += by;
        self.end += by;
        match self.mode {
            TimingMode::Scalesim => {}
            TimingMode::Rtl | TimingMode::Ip if !self.output_stationary => self.load += by,
            TimingMode::Rtl | TimingMode::Ip => {
                self.load += by;
                self.drain += by;
            }
        }
        let Some(dram) = self.dram.as_mut() else {
            return;
        };
        let live = dram.writes.head..dram.writes.tail;
        match shift.dram {
            Moved::Nothing => {}
            Moved::OneWrite => dram.writes.runs[live.end - 1].count += n,
            Moved::Along => {
                if shift.busy {
                    dram.channel.free_at += by as f64;
                }
                for run in &mut dram.writes.runs[live] {
                    run.at += by;
                }
            }
        }
    }
}
