//! The os core of the cycle-stepped pe engine: outputs accumulate in the PEs,
//! A flows right, B flows down, finished tiles drain through a shift chain
//! (docs/TIMING.md), every register updated every cycle.

use super::control::Schedule;
use super::{shift_right, Acc, Cursor, DelayLines, Lane, PeError, FLAG, VALID};
use crate::design::Design;
use crate::engine::plan::{Fold, Plan};

/// os: docs/TIMING.md "Output-stationary dataflow". `strides` = (K, N) of
/// row-major A and B.
#[allow(clippy::too_many_arguments)]
pub(super) fn output_stationary<L: Lane>(
    design: &Design,
    plan: &Plan,
    sched: &Schedule,
    a: &[i64],
    b: &[i64],
    strides: (usize, usize),
    out: &mut [i64],
    acc: Acc,
) -> Result<(), PeError> {
    let (r, c) = (design.rows as usize, design.cols as usize);
    let (ru, cu) = (r as u64, c as u64);
    let (ku, nu) = strides;
    let folds: &[Fold] = &plan.folds;
    let n_pe = r * c;
    // SRAM contents as the feeders read them: A by row tile [M/R][K][R]
    // (contiguous per cycle), B row-major, in the lane type.
    let (mu, row_tiles) = (out.len() / nu.max(1), (out.len() / nu.max(1)).div_ceil(r));
    let mut a_mem = vec![L::default(); row_tiles * ku * r];
    for i in 0..mu {
        for k in 0..ku {
            a_mem[(i / r) * ku * r + k * r + i % r] = L::from_i64(a[i * ku + k]);
        }
    }
    let b_mem: Vec<L> = b.iter().map(|&v| L::from_i64(v)).collect();
    let mut av = vec![L::default(); n_pe];
    let mut alast = vec![0u8; n_pe];
    let mut bv = vec![L::default(); n_pe];
    let (mut av2, mut alast2, mut bv2) = (av.clone(), alast.clone(), bv.clone());
    let mut accs = vec![L::default(); n_pe];
    let mut outr = vec![L::default(); n_pe];
    let mut flags_in_row = vec![0u32; r];
    let mut skew_a = DelayLines::<(L, u8)>::new(r, r);
    let mut skew_b = DelayLines::<L>::new(c, c);
    let mut dskew = DelayLines::<(L, bool)>::new(c, c + 1);
    let mut dchain = DelayLines::<bool>::new(c, c);
    let (stream, drain) = (&sched.stream, &sched.drain);
    let mut feed_a = vec![(L::default(), 0u8); r];
    let mut feed_b = vec![L::default(); c];
    let mut colout = vec![(L::default(), false); c];
    let (mut cur_stream, mut cur_drain, mut cur_out) =
        (Cursor::default(), Cursor::default(), Cursor::default());
    let mut cycle = 0u64;
    loop {
        feed_a.iter_mut().for_each(|e| *e = (L::default(), 0));
        feed_b.iter_mut().for_each(|e| *e = L::default());
        if let Some((f, st)) = cur_stream.active(stream, cycle, |f| folds[f].t) {
            let fold = &folds[f];
            let k = (cycle - st) as usize;
            let last = if k as u64 + 1 == fold.t { FLAG } else { 0 };
            let base = (fold.row0 as usize / r) * ku * r + k * r;
            for (e, &v) in feed_a.iter_mut().zip(&a_mem[base..base + r]) {
                *e = (v, VALID | last);
            }
            for (j, e) in feed_b.iter_mut().enumerate() {
                *e = if (j as u64) < fold.cols {
                    b_mem[k * nu + fold.col0 as usize + j]
                } else {
                    L::default()
                };
            }
        }
        skew_a.push(cycle, feed_a.iter().copied());
        skew_b.push(cycle, feed_b.iter().copied());
        let draining = cur_drain.active(drain, cycle, |_| ru).is_some();
        dchain.push(cycle, (0..c).map(|_| draining));
        // PEs: A and its `last` tag move one PE right, B one PE down (whole-
        // array shifts, then the edges from the skew lines).
        let flagged = shift_right(
            &av,
            &alast,
            &mut av2,
            &mut alast2,
            &mut flags_in_row,
            c,
            |i| skew_a.read(cycle, i, i),
        );
        bv2[c..].copy_from_slice(&bv[..n_pe - c]);
        for (j, e) in bv2[..c].iter_mut().enumerate() {
            *e = skew_b.read(cycle, j, j);
        }
        if flagged == 0 && !acc.saturate {
            // No fold ends anywhere in the array this cycle: one MAC pass.
            for ((o, &x), &y) in accs.iter_mut().zip(&av2).zip(&bv2) {
                *o = o.mac(x, y);
            }
        } else {
            for i in 0..r {
                let row = i * c;
                for idx in row..row + c {
                    let prod = av2[idx].to_i64() * bv2[idx].to_i64();
                    let sum = L::from_i64(acc.add(accs[idx].to_i64(), prod));
                    if alast2[idx] & FLAG != 0 {
                        // A fold's last step: capture into the drain register
                        // and restart the accumulator.
                        outr[idx] = sum;
                        accs[idx] = L::default();
                    } else {
                        accs[idx] = sum;
                    }
                }
            }
        }
        // Drain chains: column j shifts when its (skewed) enable is on; a
        // capture in the same cycle would collide with the shift.
        for j in 0..c {
            colout[j] = (L::default(), false);
            if dchain.read(cycle, j, j) {
                for i in 0..r {
                    let idx = i * c + j;
                    if alast2[idx] & FLAG != 0 {
                        return Err(PeError::Hazard {
                            cycle,
                            what: format!("PE({i},{j}) captures while its drain chain shifts"),
                        });
                    }
                }
                colout[j] = (outr[(r - 1) * c + j], true);
                for i in (1..r).rev() {
                    outr[i * c + j] = outr[(i - 1) * c + j];
                }
                outr[j] = L::default();
            }
        }
        std::mem::swap(&mut av, &mut av2);
        std::mem::swap(&mut alast, &mut alast2);
        std::mem::swap(&mut bv, &mut bv2);
        dskew.push(cycle + 1, colout.iter().copied());
        // Writes: output row R-1-j of fold f during D_f + C + j.
        if cycle >= cu {
            if let Some((f, d)) = cur_out.active(drain, cycle - cu, |_| ru) {
                let fold = &folds[f];
                let row = ru - 1 - (cycle - cu - d);
                for j in 0..c {
                    let (v, valid) = dskew.read(cycle, j, c - 1 - j);
                    let v = v.to_i64();
                    if (j as u64) < fold.cols && row < fold.rows {
                        if !valid {
                            return Err(PeError::Hazard {
                                cycle,
                                what: format!("column {j} has no drained value to write"),
                            });
                        }
                        out[(fold.row0 + row) as usize * nu + fold.col0 as usize + j] = v;
                    }
                }
            }
        }
        if cycle + 1 >= sched.cycles {
            break;
        }
        cycle += 1;
    }
    Ok(())
}
