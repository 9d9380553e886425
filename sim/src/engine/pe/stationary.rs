//! The ws / is core of the pe engine in time-major order (docs/TIMING.md
//! "Stationary-operand dataflows"). The streamed operand reaches PE(i, j)
//! `i + j` cycles after its feeder sends it and a fold's first vector makes
//! PE(i, j) latch its shadow register at `stream + i + j`, while column j's
//! shadow chain shifts at `load + s + j`: every column sees the same order of
//! shifts and latches, so the word each PE latches follows from counting the
//! shifts before its latch. Each streamed vector's partial sum then runs down
//! every column, PE row by PE row, exactly as the registers add it, and the
//! bottom row enters the accumulator SRAM. Between folds the feeders drive
//! zeros, so the partial-sum registers hold zeros there.

use super::control::Schedule;
use super::kernel::{padded, sums};
use super::{memories, Acc, Lane, Memories, Stationary};
use crate::design::Design;
use crate::engine::plan::Plan;

/// Streamed vectors whose partial sums are held at once.
const CHUNK: usize = 256;

/// ws / is, time-major. `out` is written through `(row stride, col stride)`
/// in the streamed x column space.
pub(super) fn stationary<L: Lane>(
    design: &Design,
    plan: &Plan,
    sched: &Schedule,
    Stationary { s, x, out_stride }: Stationary,
    out: &mut [i64],
    acc: Acc,
) {
    let (r, c) = (design.rows as usize, design.cols as usize);
    let ru = r as u64;
    let folds = &plan.folds;
    let Memories {
        s: s_mem,
        sc,
        x: x_mem,
        tt,
    } = memories::<L>(plan, r, s, x);
    let loads = &sched.load;
    debug_assert!(loads.windows(2).all(|l| l[0] + ru <= l[1]));
    // The latched (working) weight of every PE, row-major r x c (rows padded
    // to whole kernel blocks with zero columns).
    let cp = padded(c);
    let mut w = vec![L::default(); r * cp];
    let mut psum: Vec<L> = Vec::new();
    // The accumulator SRAM (T x Sc), in the lane type: wrapping there equals
    // wrapping at the accumulator width after the final reduction.
    let mut acc_mem = vec![L::default(); tt * sc];
    for (f, fold) in folds.iter().enumerate() {
        for (i, row) in w.chunks_exact_mut(cp).enumerate() {
            // Shifts of the shadow chain before the latch (a latch reads the
            // chain before that cycle's shift): all of every earlier load's
            // R, and part of the load in progress.
            let latch = sched.stream[f] + i as u64;
            let started = loads.partition_point(|&l| l < latch);
            let shifts = match started {
                0 => 0,
                g => (g as u64 - 1) * ru + (latch - loads[g - 1]).min(ru),
            };
            // Shadow register i holds the word shifted in i shifts before the
            // last one; load g shifts row R-1-s of its tile in at shift s.
            match shifts.checked_sub(1 + i as u64) {
                None => row[..c].fill(L::default()),
                Some(q) => {
                    let src = &folds[(q / ru) as usize];
                    let tile_row = ru - 1 - q % ru;
                    for (j, e) in row[..c].iter_mut().enumerate() {
                        *e = if tile_row < src.rows && (j as u64) < src.cols {
                            s_mem[(src.row0 + tile_row) as usize * sc + src.col0 as usize + j]
                        } else {
                            L::default()
                        };
                    }
                }
            }
        }
        // Each vector's partial sums down every column (PE row 0 starts from
        // zero), then the bottom row into the accumulator SRAM; in chunks of
        // vectors, so the partial sums stay in cache whatever T is.
        let (col0, cols) = (fold.col0 as usize, fold.cols as usize);
        let tile = (fold.row0 as usize / r) * tt * r;
        let (first, end) = (fold.t0 as usize, (fold.t0 + fold.t) as usize);
        for t0 in (first..end).step_by(CHUNK) {
            let nt = CHUNK.min(end - t0);
            psum.resize(nt * cp, L::default());
            sums(&x_mem[tile + t0 * r..], r, nt, r, &w, cp, &mut psum, acc);
            for (t, p) in psum.chunks_exact(cp).enumerate() {
                let o = (t0 + t) * sc + col0;
                let line = acc_mem[o..o + cols].iter_mut().zip(&p[..cols]);
                if acc.saturate {
                    line.for_each(|(e, v)| *e = L::from_i64(acc.add(e.to_i64(), v.to_i64())));
                } else {
                    line.for_each(|(e, &v)| *e = e.add(v));
                }
            }
        }
    }
    for (t, line) in acc_mem.chunks_exact(sc.max(1)).enumerate() {
        for (j, v) in line.iter().enumerate() {
            out[t * out_stride.0 + j * out_stride.1] = v.to_i64();
        }
    }
}
