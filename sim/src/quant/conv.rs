//! Convolution on the array, value-exactly: the same lowering the simulator
//! costs (docs/NUMERICS.md), one GEMM per group run on the pe engine.
//!
//! Layout of group `g`'s GEMM `C = A x B`:
//! - A row `(b * OH + oy) * OW + ox` is output pixel `(b, oy, ox)`; A column
//!   `(ci * KH + i) * KW + j` is input channel `ci` of the group at tap
//!   `(i, j)`, i.e. `x[b, g*Cg + ci, oy*SH + i*DH - PT, ox*SW + j*DW - PL]`
//!   (zero in the padding);
//! - B row is the same tap index, B column `o` is output channel `g*Mg + o`:
//!   `B[(ci*KH + i)*KW + j][o] = w[g*Mg + o, ci, i, j]`;
//! - C row is the pixel, C column the output channel: `y[b, g*Mg + o, oy, ox]`.

use crate::design::Design;
use crate::engine::pe::{self, PeError};
use crate::quant::{im2col, ConvAttrs, Nchw, QInt};

/// A convolution run on the array.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvRun {
    /// Output, N x M x OH x OW, at the accumulator width.
    pub y: Nchw<i64>,
    /// Array cycles of all the group GEMMs, run back to back.
    pub cycles: u64,
}

/// Runs the integer convolution of `x` (N x C x H x W) with `w`
/// (M x C/group x KH x KW) on `design` (no zero points: what the array computes).
pub fn conv2d<T: QInt>(
    design: &Design,
    x: &Nchw<T>,
    w: &Nchw<T>,
    attrs: &ConvAttrs,
) -> Result<ConvRun, crate::error::SimError> {
    let [n, c, h, wd] = x.shape;
    let [m, cg, kh, kw] = w.shape;
    let g = attrs.group.max(1);
    if c % g != 0 || m % g != 0 || c / g != cg {
        return Err(PeError::Shape {
            name: "w",
            len: w.data.len(),
            expected: m * (c / g) * kh * kw,
            shape: format!("{m} x {} x {kh} x {kw}", c / g),
        }
        .into());
    }
    let Some((oh, ow)) = attrs.output_hw((h, wd), (kh, kw)) else {
        return Err(crate::error::InputError::new(
            "systolic::conv::shape",
            "<conv>",
            format!("a {kh}x{kw} kernel does not fit the padded {h}x{wd} input"),
        )
        .field("w")
        .hint("check the kernel size, padding and dilation")
        .into());
    };
    let (mg, kdim, pixels) = (m / g, cg * kh * kw, oh * ow);
    let mut y = vec![0i64; n * m * pixels];
    let mut cycles = 0;
    for gi in 0..g {
        // A: (n * pixels) x kdim, from each image's (kdim x pixels) im2col.
        let mut a = vec![0i64; n * pixels * kdim];
        for b in 0..n {
            let chans = &x.data[(b * c + gi * cg) * h * wd..(b * c + (gi + 1) * cg) * h * wd];
            let cols = im2col(chans, (cg, h, wd), (kh, kw), attrs, T::default())?;
            for k in 0..kdim {
                for p in 0..pixels {
                    a[(b * pixels + p) * kdim + k] = i64::from(cols[k * pixels + p].into());
                }
            }
        }
        let mut bmat = vec![0i64; kdim * mg];
        for o in 0..mg {
            for k in 0..kdim {
                bmat[k * mg + o] = i64::from(w.data[(gi * mg + o) * kdim + k].into());
            }
        }
        let run = pe::run(
            design,
            &a,
            &bmat,
            (n * pixels) as u64,
            kdim as u64,
            mg as u64,
        )?;
        cycles += run.cycles;
        for b in 0..n {
            for o in 0..mg {
                for p in 0..pixels {
                    y[((b * m) + gi * mg + o) * pixels + p] = run.c[(b * pixels + p) * mg + o];
                }
            }
        }
    }
    Ok(ConvRun {
        y: Nchw {
            shape: [n, m, oh, ow],
            data: y,
        },
        cycles,
    })
}
