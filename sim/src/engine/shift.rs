//! Translations of a schedule: the fast path's write queue kept as runs, the
//! test that a stretch of folds moved the whole schedule state by one
//! constant, and the jump over many such stretches at once.
//!
//! Every recurrence of [`Schedule::step`] is made of `max`, `+` and `ceil`
//! of cycle counts: adding an integer `d` to every time in the state adds `d`
//! to every later time, provided the DRAM channel's `f64` arithmetic is exact
//! (a power-of-two bandwidth, [`Channel::exact`]). So once a stretch of folds
//! has moved the state by `d`, each identical stretch after it does the same.

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
    /// `first`, `prev_t`, and `end`, `load` (ws/is, os) and `drain` (os)
    /// minus `stream` (wrapping).
    compute: (bool, u64, [u64; 3]),
    /// `ready - stream` when `ready` can still delay the next fold, else 0.
    ready: u64,
    /// The channel's time, unless it is behind every request still to come
    /// (then nothing depends on it).
    busy_until: Option<f64>,
    free_at: f64,
    served: u64,
    runs: [Run; MARKED_RUNS],
    /// Pending runs, or `None` when there are more than [`MARKED_RUNS`].
    pending: Option<usize>,
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

impl Mark {
    /// How the stretch of folds from `before` to `self` moved the state, if
    /// it moved every time by one constant (up to values that no longer
    /// matter: an idle channel's time, a `ready` that cannot delay), or
    /// moved compute times only and left the DRAM channel alone.
    pub(super) fn shift_since(&self, before: &Mark) -> Option<Shift> {
        let (Some(na), Some(nb)) = (self.pending, before.pending) else {
            return None;
        };
        if self.compute.0 || self.compute != before.compute || self.ready != before.ready {
            return None;
        }
        let d = self.stream - before.stream;
        let mut shift = Shift {
            d,
            dram: Moved::Along,
            ready: self.ready != 0,
            busy: self.busy_until.is_some(),
        };
        let (qa, qb) = (&self.runs[..na], &before.runs[..nb]);
        let channel_moved = match (self.busy_until, before.busy_until) {
            (None, None) => true,
            (Some(a), Some(b)) => a == b + d as f64,
            _ => false,
        };
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
        if self.served != before.served
            || self.free_at.to_bits() != before.free_at.to_bits()
            || self.ready != 0
        {
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
    /// The state's [`Mark`].
    pub(super) fn mark(&self) -> Mark {
        let (stream, load) = (self.stream, self.load);
        let (next, others, bound) = match self.mode {
            TimingMode::Scalesim => (self.end, [0, 0], self.end),
            TimingMode::Rtl if !self.output_stationary => (
                load,
                [load.wrapping_sub(stream), 0],
                (stream + self.r - 1).max(load + self.r),
            ),
            TimingMode::Rtl => (stream, [0, self.drain - stream], stream + self.prev_t),
        };
        let mut m = Mark {
            stream,
            compute: (
                self.first,
                self.prev_t,
                [self.end - stream, others[0], others[1]],
            ),
            ready: if self.ready > bound {
                self.ready - stream
            } else {
                0
            },
            busy_until: None,
            free_at: 0.0,
            served: 0,
            runs: [Run::default(); MARKED_RUNS],
            pending: Some(0),
        };
        if let Some(dram) = &self.dram {
            let live = dram.writes.live();
            let horizon = live.first().map_or(next, |r| r.at.min(next));
            let free_at = dram.channel.free_at;
            m.free_at = free_at;
            m.served = dram.channel.served;
            m.busy_until = (free_at > horizon as f64).then_some(free_at);
            m.pending = (live.len() <= MARKED_RUNS).then_some(live.len());
            if m.pending.is_some() {
                m.runs[..live.len()].copy_from_slice(live);
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
            TimingMode::Rtl if !self.output_stationary => self.load += by,
            TimingMode::Rtl => {
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
