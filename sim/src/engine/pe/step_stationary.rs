//! The ws / is core of the cycle-stepped pe engine: stationary operand in the
//! PEs, the streamed operand flowing right, partial sums flowing down
//! (docs/TIMING.md), every register updated every cycle.

use super::control::Schedule;
use super::{
    memories, shift_right, Acc, Cursor, DelayLines, Lane, Memories, Stationary, FLAG, VALID,
};
use crate::design::Design;
use crate::engine::plan::Plan;

/// ws / is: docs/TIMING.md "Stationary-operand dataflows". `out` is written
/// through `(row stride, col stride)` in the streamed x column space.
pub(super) fn stationary<L: Lane>(
    design: &Design,
    plan: &Plan,
    sched: &Schedule,
    Stationary { s, x, out_stride }: Stationary,
    out: &mut [i64],
    acc: Acc,
) {
    let (r, c) = (design.rows as usize, design.cols as usize);
    let (ru, cu) = (r as u64, c as u64);
    let folds = &plan.folds;
    let Memories {
        s: s_mem,
        sc,
        x: x_mem,
        tt,
    } = memories::<L>(plan, r, s, x);
    // In-flight first-vector flags per row, so rows without one skip the latch scan.
    let mut flags_in_row = vec![0u32; r];
    // PE registers (current and next), row-major r x c.
    let mut a = vec![L::default(); r * c];
    let mut tag = vec![0u8; r * c];
    let mut p = vec![L::default(); r * c];
    let (mut a2, mut tag2, mut p2) = (a.clone(), tag.clone(), p.clone());
    let mut w = vec![L::default(); r * c];
    let mut wn = vec![L::default(); r * c];
    // Skew of the streamed rows (row i delayed i), of the weight columns
    // (column j delayed j, value and shift enable), deskew of the outputs
    // (column j delayed c - 1 - j).
    let mut skew = DelayLines::<(L, u8)>::new(r, r);
    let mut wskew = DelayLines::<(L, bool)>::new(c, c);
    let mut deskew = DelayLines::<L>::new(c, c + 1);
    let (load, stream) = (&sched.load, &sched.stream);
    let mut feed_a = vec![(L::default(), 0u8); r];
    let mut feed_w = vec![(L::default(), false); c];
    let (mut cur_load, mut cur_stream, mut cur_out) =
        (Cursor::default(), Cursor::default(), Cursor::default());
    let mut cycle = 0u64;
    loop {
        // Feeders: the SRAM words at the skew inputs this cycle.
        feed_w.iter_mut().for_each(|e| *e = (L::default(), false));
        if let Some((f, l)) = cur_load.active(load, cycle, |_| ru) {
            let fold = &folds[f];
            let row = ru - 1 - (cycle - l);
            for (j, e) in feed_w.iter_mut().enumerate() {
                let j = j as u64;
                let v = if row < fold.rows && j < fold.cols {
                    s_mem[(fold.row0 + row) as usize * sc + (fold.col0 + j) as usize]
                } else {
                    L::default()
                };
                *e = (v, true);
            }
        }
        feed_a.iter_mut().for_each(|e| *e = (L::default(), 0));
        if let Some((f, st)) = cur_stream.active(stream, cycle, |f| folds[f].t) {
            let fold = &folds[f];
            let t = cycle - st;
            let flag = if t == 0 { FLAG } else { 0 };
            let base = (fold.row0 as usize / r) * tt * r + (fold.t0 + t) as usize * r;
            for (e, &v) in feed_a.iter_mut().zip(&x_mem[base..base + r]) {
                *e = (v, VALID | flag);
            }
        }
        skew.push(cycle, feed_a.iter().copied());
        wskew.push(cycle, feed_w.iter().copied());
        // PEs: new registers from old (all registers clock together). The
        // streamed operand and its tag move one PE right: shift the whole
        // array by one, then set each row's first PE from its skew line.
        let n_pe = r * c;
        shift_right(&a, &tag, &mut a2, &mut tag2, &mut flags_in_row, c, |i| {
            skew.read(cycle, i, i)
        });
        for (i, &flags) in flags_in_row.iter().enumerate() {
            let row = i * c;
            if flags > 0 {
                // A fold's first vector reaches these PEs: they switch to the
                // shadow value before using it.
                for (j, &t) in tag2[row..row + c].iter().enumerate() {
                    if t & FLAG != 0 {
                        w[row + j] = wn[row + j];
                    }
                }
            }
        }
        // Partial sums move one PE down: row 0 starts from zero.
        if acc.saturate {
            for idx in 0..n_pe {
                let pin = if idx < c { 0 } else { p[idx - c].to_i64() };
                p2[idx] = L::from_i64(acc.add(pin, a2[idx].to_i64() * w[idx].to_i64()));
            }
        } else {
            for ((o, &x), &y) in p2[..c].iter_mut().zip(&a2[..c]).zip(&w[..c]) {
                *o = x.mul(y);
            }
            for (((o, &u), &x), &y) in p2[c..]
                .iter_mut()
                .zip(&p[..n_pe - c])
                .zip(&a2[c..])
                .zip(&w[c..])
            {
                *o = u.mac(x, y);
            }
        }
        // Shadow chains shift after the latches read them.
        for j in 0..c {
            let (v, en) = wskew.read(cycle, j, j);
            if en {
                for i in (1..r).rev() {
                    wn[i * c + j] = wn[(i - 1) * c + j];
                }
                wn[j] = v;
            }
        }
        std::mem::swap(&mut a, &mut a2);
        std::mem::swap(&mut tag, &mut tag2);
        std::mem::swap(&mut p, &mut p2);
        // The bottom row's registers are valid from the next cycle: deskew them.
        deskew.push(cycle + 1, p[(r - 1) * c..].iter().copied());
        // Collector: the output row valid this cycle, added into the accumulator SRAM.
        if cycle >= ru + cu - 1 {
            if let Some((f, st)) = cur_out.active(stream, cycle - (ru + cu - 1), |f| folds[f].t) {
                let fold = &folds[f];
                let t = (cycle - (ru + cu - 1) - st) as usize + fold.t0 as usize;
                for j in 0..fold.cols as usize {
                    let v = deskew.read(cycle, j, c - 1 - j).to_i64();
                    let o = &mut out[t * out_stride.0 + (fold.col0 as usize + j) * out_stride.1];
                    *o = acc.add(*o, v);
                }
            }
        }
        if cycle + 1 >= sched.cycles {
            break;
        }
        cycle += 1;
    }
}
