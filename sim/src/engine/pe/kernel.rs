//! The time-major cores' inner loop: partial sums of several vectors at once
//! down a block of PE columns, PE row by PE row, as the registers add them.

use super::{Acc, Lane};

/// Columns per block: one 256-bit vector of 32-bit lanes.
pub(super) const LANES: usize = 8;
/// Vectors per block: each weight word is loaded once for this many vectors.
const BLOCK: usize = 4;

/// `cols` rounded up to whole blocks of [`LANES`].
pub(super) fn padded(cols: usize) -> usize {
    cols.div_ceil(LANES) * LANES
}

/// For each of `nv` vectors `v` (`depth` words from `x[v * stride]`), the
/// sums `out[v * cp + j] = sum_i x[v][i] * w[i * cp + j]` for every padded
/// column `j < cp` (`cp` a multiple of [`LANES`]), added in order of `i`
/// from zero with the accumulator's arithmetic (wrap in the lane type, or
/// saturate at every addition).
#[allow(clippy::too_many_arguments)]
pub(super) fn sums<L: Lane>(
    x: &[L],
    stride: usize,
    nv: usize,
    depth: usize,
    w: &[L],
    cp: usize,
    out: &mut [L],
    acc: Acc,
) {
    debug_assert!(cp.is_multiple_of(LANES) && w.len() >= depth * cp && out.len() >= nv * cp);
    if acc.saturate {
        for v in 0..nv {
            let xv = &x[v * stride..v * stride + depth];
            let o = &mut out[v * cp..(v + 1) * cp];
            o.fill(L::default());
            for (&xi, wrow) in xv.iter().zip(w.chunks_exact(cp)) {
                for (p, &wv) in o.iter_mut().zip(wrow) {
                    *p = L::from_i64(acc.add(p.to_i64(), xi.to_i64() * wv.to_i64()));
                }
            }
        }
        return;
    }
    let mut v0 = 0;
    // The block's vectors, interleaved word by word (zeros past the end).
    let mut xs = vec![[L::default(); BLOCK]; depth];
    while v0 < nv {
        let nb = BLOCK.min(nv - v0);
        if nb < BLOCK {
            xs.fill([L::default(); BLOCK]);
        }
        for b in 0..nb {
            let xv = &x[(v0 + b) * stride..(v0 + b) * stride + depth];
            for (e, &xi) in xs.iter_mut().zip(xv) {
                e[b] = xi;
            }
        }
        for j0 in (0..cp).step_by(LANES) {
            let mut p = [[L::default(); LANES]; BLOCK];
            for (xi, wrow) in xs.iter().zip(w.chunks_exact(cp)) {
                let wv: &[L; LANES] = wrow[j0..j0 + LANES].try_into().expect("LANES words");
                for (pb, &xb) in p.iter_mut().zip(xi) {
                    for (pl, &wl) in pb.iter_mut().zip(wv) {
                        *pl = pl.mac(xb, wl);
                    }
                }
            }
            for (b, pb) in p.iter().enumerate().take(nb) {
                let o = (v0 + b) * cp + j0;
                out[o..o + LANES].copy_from_slice(pb);
            }
        }
        v0 += nb;
    }
}
