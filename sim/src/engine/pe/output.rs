//! The os core of the pe engine in time-major order (docs/TIMING.md
//! "Output-stationary dataflow"). A[i][k] and B[k][j] meet in PE(i, j) at
//! `stream + k + i + j`; the fold's last step makes PE(i, j) capture its sum
//! into its drain register at `stream + T - 1 + i + j` and restart from zero,
//! while column j's drain chain shifts at `drain + s + j`. Every column sees
//! the same order of captures and shifts, so one pass over those events
//! tells which captured sum each drain shift carries out (or finds a capture
//! colliding with a shift); the sum itself is the PE's accumulation over the
//! fold's steps, in step order. Between folds the feeders drive zeros, so
//! the accumulators stay at zero there.

use super::control::Schedule;
use super::kernel::{padded, sums};
use super::{Acc, Lane, PeError};
use crate::design::Design;
use crate::engine::plan::{Fold, Plan};

/// What a drain-chain register holds: the sum PE row `i` captured in fold
/// `f`, or zero (reset, or shifted in at the top).
type Held = Option<(usize, usize)>;

/// os, time-major. `strides` = (K, N) of row-major A and B.
#[allow(clippy::too_many_arguments)]
pub(super) fn output_stationary<L: Lane>(
    design: &Design,
    plan: &Plan,
    sched: &Schedule,
    a: &[i64],
    b: &[i64],
    (ku, nu): (usize, usize),
    out: &mut [i64],
    acc: Acc,
) -> Result<(), PeError> {
    let (r, c) = (design.rows as usize, design.cols as usize);
    let ru = r as u64;
    let folds: &[Fold] = &plan.folds;
    let mu = out.len() / nu.max(1);
    let a_mem: Vec<L> = a.iter().map(|&v| L::from_i64(v)).collect();
    // B by column tile, [N / C][K][C padded to whole kernel blocks],
    // zero-padded: a PE row's sums over the whole tile read contiguous memory.
    let cp = padded(c);
    let mut b_mem = vec![L::default(); nu.div_ceil(c) * ku * cp];
    for (tile, words) in b_mem.chunks_exact_mut((ku * cp).max(1)).enumerate() {
        let cols = c.min(nu - tile * c);
        for (k, line) in words.chunks_exact_mut(cp).enumerate() {
            for (j, e) in line[..cols].iter_mut().enumerate() {
                *e = L::from_i64(b[k * nu + tile * c + j]);
            }
        }
    }
    // Captures (kind 0) and shifts (kind 1) of column 0, in time order;
    // column j's are the same, j cycles later. A capture precedes a shift of
    // the same cycle in the registers, and that collision is a hazard.
    let mut events: Vec<(u64, u8, usize, usize)> = Vec::with_capacity(2 * r * folds.len());
    for (f, fold) in folds.iter().enumerate() {
        debug_assert_eq!(fold.t0, 0, "os folds stream all of K");
        let capture = sched.stream[f] + fold.t - 1;
        events.extend((0..r).map(|i| (capture + i as u64, 0, f, i)));
        events.extend((0..r).map(|s| (sched.drain[f] + s as u64, 1, f, s)));
    }
    events.sort_unstable();
    if let Some(w) = events
        .windows(2)
        .find(|w| w[0].0 == w[1].0 && w[0].1 == 0 && w[1].1 == 1)
    {
        let i = events
            .iter()
            .filter(|e| e.0 == w[0].0 && e.1 == 0)
            .map(|e| e.3)
            .min()
            .unwrap_or(0);
        return Err(PeError::Hazard {
            cycle: w[0].0,
            what: format!("PE({i},0) captures while its drain chain shifts"),
        });
    }
    // The drain chain as a ring: logical row i at (top + i) % r.
    let mut chain: Vec<Held> = vec![None; r];
    let mut top = 0usize;
    // The sums of the fold whose captures the chains carry now, every PE of
    // the array (row-major r x cp): a drain carries one fold's R rows in a
    // row, so one tile is held at a time (recomputed if a hazard mixes folds).
    let mut tile: (Option<usize>, Vec<L>) = (None, Vec::new());
    for &(_, kind, f, x) in &events {
        if kind == 0 {
            chain[(top + x) % r] = Some((f, x));
            continue;
        }
        // Shift s = x of fold f's drain: the bottom register leaves, towards
        // output row R-1-s of the fold's tile.
        top = (top + r - 1) % r;
        let held = chain[top].take();
        let (fold, row) = (&folds[f], ru - 1 - x as u64);
        if row >= fold.rows {
            continue;
        }
        let o = (fold.row0 + row) as usize * nu + fold.col0 as usize;
        let dst = &mut out[o..o + fold.cols as usize];
        match held {
            None => dst.fill(0),
            Some((g, i)) => {
                if tile.0 != Some(g) {
                    tile = (
                        Some(g),
                        tile_sums(&folds[g], r, c, (ku, mu), &a_mem, &b_mem, acc),
                    );
                }
                for (d, v) in dst.iter_mut().zip(&tile.1[i * cp..]) {
                    *d = v.to_i64();
                }
            }
        }
    }
    Ok(())
}

/// The sums every PE of the array accumulates over fold `fold`'s steps
/// (row-major `r x cp`; rows past the end of A are zero).
fn tile_sums<L: Lane>(
    fold: &Fold,
    r: usize,
    c: usize,
    (ku, mu): (usize, usize),
    a_mem: &[L],
    b_mem: &[L],
    acc: Acc,
) -> Vec<L> {
    let cp = padded(c);
    let mut tile = vec![L::default(); r * cp];
    let row0 = fold.row0 as usize;
    let nv = r.min(mu.saturating_sub(row0));
    let b_tile = &b_mem[(fold.col0 as usize / c) * ku * cp..];
    sums(
        &a_mem[row0 * ku..],
        ku,
        nv,
        fold.t as usize,
        b_tile,
        cp,
        &mut tile,
        acc,
    );
    tile
}
