//! The pe engine's controllers (docs/TIMING.md): cycle-stepped state machines
//! that start each load, stream and drain at the first cycle its conditions
//! hold. They see only their own counters, never operand values, so both
//! evaluation orders of the engine share them; the values then come out
//! right only if those start conditions really are hazard-free.

use crate::engine::plan::Fold;
use crate::engine::timing::{OUTPUT_LAG, STATIONARY_LAG};

/// When each fold's actions start, and the GEMM's length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Schedule {
    /// ws/is: first cycle of each fold's stationary-operand load (os: the stream).
    pub load: Vec<u64>,
    /// First cycle each fold's first vector is at the input of PE(0,0).
    pub stream: Vec<u64>,
    /// os: first drain shift of column 0 per fold (ws/is: zeros).
    pub drain: Vec<u64>,
    /// Cycles of the GEMM (its last cycle + 1).
    pub cycles: u64,
}

/// ws / is: a load may start once the previous fold's stream has started
/// (its shadow registers are free `R - 1` cycles later) and the previous load
/// has finished; a stream may start once its load has finished, the previous
/// stream has ended, and at least two cycles after the previous stream began.
pub(super) fn stationary(folds: &[Fold], r: u64, c: u64) -> Schedule {
    let nf = folds.len();
    let (mut load, mut stream): (Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new());
    let mut cycle = 0u64;
    while stream.len() < nf {
        // Streams first: a load may depend on a stream that starts now.
        loop {
            let mut changed = false;
            let f = stream.len();
            if f < load.len() {
                let ok = cycle >= load[f] + r
                    && (f == 0 || {
                        let sp = stream[f - 1];
                        cycle >= sp + folds[f - 1].t && cycle >= sp + 2
                    });
                if ok {
                    stream.push(cycle);
                    changed = true;
                }
            }
            let f = load.len();
            if f < nf {
                let ok = if f == 0 {
                    cycle >= 1
                } else {
                    stream.len() >= f && cycle + 1 >= stream[f - 1] + r && cycle >= load[f - 1] + r
                };
                if ok {
                    load.push(cycle);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        cycle += 1;
    }
    let cycles = match (stream.last(), folds.last()) {
        (Some(&s), Some(f)) => s + f.t + r + c - 1 + STATIONARY_LAG,
        _ => 0,
    };
    Schedule {
        drain: vec![0; nf],
        load,
        stream,
        cycles,
    }
}

/// os: a stream may start once the previous one has ended and its tile's
/// drain (fixed when the stream starts: `max(s + T + R - 1, previous drain +
/// R)`) leaves the capture registers free in time.
pub(super) fn output(folds: &[Fold], r: u64, c: u64) -> Schedule {
    let nf = folds.len();
    let (mut stream, mut drain, mut planned): (Vec<u64>, Vec<u64>, Vec<u64>) =
        (Vec::new(), Vec::new(), Vec::new());
    let mut cycle = 0u64;
    while drain.len() < nf {
        let f = stream.len();
        if f < nf {
            let ok = f == 0 && cycle >= 1
                || f > 0
                    && cycle >= stream[f - 1] + folds[f - 1].t
                    && cycle + folds[f].t > planned[f - 1] + r;
            if ok {
                stream.push(cycle);
                let own = cycle + folds[f].t + r - 1;
                planned.push(if f == 0 {
                    own
                } else {
                    own.max(planned[f - 1] + r)
                });
            }
        }
        if drain.len() < stream.len() && cycle == planned[drain.len()] {
            drain.push(cycle);
        }
        cycle += 1;
    }
    let cycles = drain.last().map_or(0, |&d| d + c + r + OUTPUT_LAG);
    Schedule {
        load: stream.clone(),
        stream,
        drain,
        cycles,
    }
}
