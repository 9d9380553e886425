//! Integer reference operators with ONNX semantics: `MatMulInteger`,
//! `ConvInteger` (im2col + `MatMulInteger`), `QLinearMatMul` and
//! `QLinearConv` (the integer op followed by [`super::requantize_matrix`]).
//!
//! Accumulation is int32 with two's-complement wrap, as in ORT's MLAS
//! kernels; 8-bit operands cannot overflow it below `K = 2^16`.

use super::{pick, requantize_matrix, requantize_multiplier, shape_error, ChannelAxis, QInt};
use crate::error::Result;

/// `MatMulInteger`: `(a - a_zero) x (b - b_zero)` in int32 for row-major
/// `a` (`m x k`) and `b` (`k x n`). `a_zero` holds one value or one per row
/// of `a`; `b_zero` one value or one per column of `b` (ONNX allows both).
pub fn matmul_integer<A: QInt, B: QInt>(
    a: &[A],
    a_zero: &[A],
    b: &[B],
    b_zero: &[B],
    m: usize,
    k: usize,
    n: usize,
) -> Result<Vec<i32>> {
    check_len("a", a.len(), m.checked_mul(k), "m x k")?;
    check_len("b", b.len(), k.checked_mul(n), "k x n")?;
    check_params("a_zero_point", a_zero.len(), m, "rows of a")?;
    check_params("b_zero_point", b_zero.len(), n, "columns of b")?;
    let b: Vec<i32> = b
        .iter()
        .enumerate()
        .map(|(i, &v)| v.into() - b_zero[pick(b_zero.len(), i % n)].into())
        .collect();
    let mut out = vec![0i32; m * n];
    for (i, row) in out.chunks_exact_mut(n.max(1)).enumerate().take(m) {
        let az: i32 = a_zero[pick(a_zero.len(), i)].into();
        for (p, &av) in a[i * k..(i + 1) * k].iter().enumerate() {
            let av = av.into() - az;
            if av == 0 {
                continue;
            }
            for (o, &bv) in row.iter_mut().zip(&b[p * n..(p + 1) * n]) {
                *o = o.wrapping_add(av.wrapping_mul(bv));
            }
        }
    }
    Ok(out)
}

/// Attributes of a 2-D convolution, with ONNX's names and defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvAttrs {
    /// Step between windows `[along H, along W]`.
    pub strides: [usize; 2],
    /// Zero padding `[top, left, bottom, right]` (ONNX `pads` order).
    pub pads: [usize; 4],
    /// Spacing between kernel taps `[along H, along W]`.
    pub dilations: [usize; 2],
    /// Number of groups; input and output channels split evenly among them.
    pub group: usize,
}

impl Default for ConvAttrs {
    fn default() -> Self {
        ConvAttrs {
            strides: [1, 1],
            pads: [0; 4],
            dilations: [1, 1],
            group: 1,
        }
    }
}

impl ConvAttrs {
    /// Output height and width for an `h x w` input and a `kh x kw` kernel;
    /// `None` when the attributes are zero or the window does not fit.
    pub fn output_hw(
        &self,
        (h, w): (usize, usize),
        (kh, kw): (usize, usize),
    ) -> Option<(usize, usize)> {
        let dim = |size: usize, before: usize, after: usize, k: usize, d: usize, s: usize| {
            if k == 0 || d == 0 || s == 0 {
                return None;
            }
            let span = d.checked_mul(k - 1)? + 1;
            let padded = size.checked_add(before)?.checked_add(after)?;
            padded.checked_sub(span).map(|r| r / s + 1)
        };
        let [st, sl] = self.strides;
        let [pt, pl, pb, pr] = self.pads;
        let [dh, dw] = self.dilations;
        Some((dim(h, pt, pb, kh, dh, st)?, dim(w, pl, pr, kw, dw, sl)?))
    }
}

/// A dense tensor in NCHW order (for weights: `M x C/group x kh x kw`).
#[derive(Debug, Clone, PartialEq)]
pub struct Nchw<T> {
    /// `[N, C, H, W]`.
    pub shape: [usize; 4],
    /// The elements in C order.
    pub data: Vec<T>,
}

impl<T> Nchw<T> {
    /// A tensor of `shape`; fails if `data` has the wrong length.
    pub fn new(shape: [usize; 4], data: Vec<T>) -> Result<Self> {
        check_len("data", data.len(), checked_product(&shape), "N x C x H x W")?;
        Ok(Nchw { shape, data })
    }
}

/// im2col of one image: `x` holds `c x h x w` values; the result is the
/// `(c * kh * kw) x (oh * ow)` row-major matrix whose row
/// `(ci * kh + i) * kw + j` lists input `(ci, oy * sh + i * dh - pt,
/// ox * sw + j * dw - pl)` for every output pixel, or `pad_value` where that
/// falls in the padding (ORT pads with the input zero point).
pub fn im2col<T: Copy>(
    x: &[T],
    (c, h, w): (usize, usize, usize),
    (kh, kw): (usize, usize),
    attrs: &ConvAttrs,
    pad_value: T,
) -> Result<Vec<T>> {
    check_len(
        "x",
        x.len(),
        c.checked_mul(h).and_then(|v| v.checked_mul(w)),
        "c x h x w",
    )?;
    let (oh, ow) = output_hw(attrs, (h, w), (kh, kw))?;
    let [sh, sw] = attrs.strides;
    let [dh, dw] = attrs.dilations;
    let [pt, pl, _, _] = attrs.pads;
    let mut out = Vec::with_capacity(c * kh * kw * oh * ow);
    for ci in 0..c {
        let plane = &x[ci * h * w..(ci + 1) * h * w];
        for i in 0..kh {
            for j in 0..kw {
                for oy in 0..oh {
                    let y = (oy * sh + i * dh).checked_sub(pt).filter(|&y| y < h);
                    for ox in 0..ow {
                        let xx = (ox * sw + j * dw).checked_sub(pl).filter(|&v| v < w);
                        out.push(match (y, xx) {
                            (Some(y), Some(xx)) => plane[y * w + xx],
                            _ => pad_value,
                        });
                    }
                }
            }
        }
    }
    Ok(out)
}

/// `ConvInteger`: the int32 convolution of `(x - x_zero)` with
/// `(w - w_zero)`, built as im2col (padding with `x_zero`, so padding adds
/// nothing) followed by [`matmul_integer`] of each group's `M/g x K` weight
/// block with its `K x OH*OW` column matrix. `w_zero` holds one value or one
/// per output channel.
pub fn conv_integer<X: QInt, W: QInt>(
    x: &Nchw<X>,
    x_zero: X,
    w: &Nchw<W>,
    w_zero: &[W],
    attrs: &ConvAttrs,
) -> Result<Nchw<i32>> {
    let [n, c, h, wd] = x.shape;
    let [m, cg, kh, kw] = w.shape;
    check_len(
        "x",
        x.data.len(),
        checked_product(&x.shape),
        "N x C x H x W",
    )?;
    check_len(
        "w",
        w.data.len(),
        checked_product(&w.shape),
        "M x C/group x kh x kw",
    )?;
    let g = attrs.group;
    if g == 0 || c % g != 0 || m % g != 0 || c / g != cg {
        return Err(shape_error(
            "group",
            format!(
                "group {g} must divide the {c} input and {m} output channels, and weights must have C/group = {} input channels (they have {cg})",
                c.checked_div(g).unwrap_or(0)
            ),
        ));
    }
    check_params("w_zero_point", w_zero.len(), m, "output channels")?;
    let (oh, ow) = output_hw(attrs, (h, wd), (kh, kw))?;
    let (mg, kdim, pixels) = (m / g, cg * kh * kw, oh * ow);
    let mut out = vec![0i32; n * m * pixels];
    for b in 0..n {
        for gi in 0..g {
            let chans = &x.data[(b * c + gi * cg) * h * wd..(b * c + (gi + 1) * cg) * h * wd];
            let cols = im2col(chans, (cg, h, wd), (kh, kw), attrs, x_zero)?;
            let wg = &w.data[gi * mg * kdim..(gi + 1) * mg * kdim];
            let wz = if w_zero.len() == 1 {
                w_zero
            } else {
                &w_zero[gi * mg..(gi + 1) * mg]
            };
            let acc = matmul_integer(wg, wz, &cols, &[x_zero], mg, kdim, pixels)?;
            let at = (b * m + gi * mg) * pixels;
            out[at..at + mg * pixels].copy_from_slice(&acc);
        }
    }
    Ok(Nchw {
        shape: [n, m, oh, ow],
        data: out,
    })
}

/// The inputs of ONNX `QLinearConv`, by their ONNX names.
#[derive(Debug, Clone)]
pub struct QLinearConv<'a, X, W, Y> {
    /// Quantized input, NCHW.
    pub x: &'a Nchw<X>,
    /// Input scale.
    pub x_scale: f32,
    /// Input zero point.
    pub x_zero_point: X,
    /// Quantized weights, `M x C/group x kh x kw`.
    pub w: &'a Nchw<W>,
    /// Weight scale: one, or one per output channel.
    pub w_scale: &'a [f32],
    /// Weight zero point: one, or one per output channel.
    pub w_zero_point: &'a [W],
    /// Output scale.
    pub y_scale: f32,
    /// Output zero point.
    pub y_zero_point: Y,
    /// Optional int32 bias per output channel (scale `x_scale * w_scale`).
    pub bias: Option<&'a [i32]>,
    /// Strides, pads, dilations, group.
    pub attrs: ConvAttrs,
}

impl<X: QInt, W: QInt, Y: QInt> QLinearConv<'_, X, W, Y> {
    /// Runs the convolution: [`conv_integer`], then per output channel the
    /// bias and [`super::requantize`] with multiplier
    /// `x_scale * w_scale[c] / y_scale` (ORT `ComputeOutputScale`).
    pub fn run(&self) -> Result<Nchw<Y>> {
        let acc = conv_integer(
            self.x,
            self.x_zero_point,
            self.w,
            self.w_zero_point,
            &self.attrs,
        )?;
        let [n, m, oh, ow] = acc.shape;
        check_params("w_scale", self.w_scale.len(), m, "output channels")?;
        let mult: Vec<f32> = self
            .w_scale
            .iter()
            .map(|&ws| requantize_multiplier(self.x_scale, ws, self.y_scale))
            .collect();
        let mut data = Vec::with_capacity(acc.data.len());
        for image in acc.data.chunks_exact((m * oh * ow).max(1)).take(n) {
            data.extend(requantize_matrix(
                image,
                (m, oh * ow),
                self.bias,
                &mult,
                ChannelAxis::Rows,
                self.y_zero_point,
            )?);
        }
        Ok(Nchw {
            shape: acc.shape,
            data,
        })
    }
}

/// Runs ONNX `QLinearConv` (see [`QLinearConv::run`]).
pub fn qlinear_conv<X: QInt, W: QInt, Y: QInt>(op: &QLinearConv<'_, X, W, Y>) -> Result<Nchw<Y>> {
    op.run()
}

/// The inputs of ONNX `QLinearMatMul` for 2-D operands, by their ONNX names.
#[derive(Debug, Clone)]
pub struct QLinearMatMul<'a, A, B, Y> {
    /// Row-major `m x k`.
    pub a: &'a [A],
    /// Scale of `a`.
    pub a_scale: f32,
    /// Zero point of `a`.
    pub a_zero_point: A,
    /// Row-major `k x n`.
    pub b: &'a [B],
    /// Scale of `b`: one, or one per column.
    pub b_scale: &'a [f32],
    /// Zero point of `b`: one, or one per column.
    pub b_zero_point: &'a [B],
    /// Output scale.
    pub y_scale: f32,
    /// Output zero point.
    pub y_zero_point: Y,
    /// `(m, k, n)`.
    pub dims: (usize, usize, usize),
}

impl<A: QInt, B: QInt, Y: QInt> QLinearMatMul<'_, A, B, Y> {
    /// Runs it: [`matmul_integer`], then [`super::requantize`] with multiplier
    /// `a_scale * b_scale[j] / y_scale` per column (ORT `QLinearMatMul::Compute`).
    pub fn run(&self) -> Result<Vec<Y>> {
        let (m, k, n) = self.dims;
        let acc = matmul_integer(
            self.a,
            &[self.a_zero_point],
            self.b,
            self.b_zero_point,
            m,
            k,
            n,
        )?;
        check_params("b_scale", self.b_scale.len(), n, "columns of b")?;
        let mult: Vec<f32> = self
            .b_scale
            .iter()
            .map(|&bs| requantize_multiplier(self.a_scale, bs, self.y_scale))
            .collect();
        requantize_matrix(
            &acc,
            (m, n),
            None,
            &mult,
            ChannelAxis::Cols,
            self.y_zero_point,
        )
    }
}

fn output_hw(attrs: &ConvAttrs, hw: (usize, usize), k: (usize, usize)) -> Result<(usize, usize)> {
    attrs.output_hw(hw, k).ok_or_else(|| {
        shape_error(
            "attrs",
            format!(
                "a {}x{} kernel with strides {:?}, pads {:?} and dilations {:?} does not fit a {}x{} input",
                k.0, k.1, attrs.strides, attrs.pads, attrs.dilations, hw.0, hw.1
            ),
        )
    })
}

fn checked_product(dims: &[usize]) -> Option<usize> {
    dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

fn check_len(field: &str, got: usize, want: Option<usize>, what: &str) -> Result<()> {
    if want == Some(got) {
        return Ok(());
    }
    Err(shape_error(
        field,
        format!(
            "expected {} elements ({what}), got {got}",
            want.map_or("too many".into(), |w| w.to_string())
        ),
    ))
}

fn check_params(field: &str, got: usize, channels: usize, what: &str) -> Result<()> {
    if got == 1 || got == channels {
        return Ok(());
    }
    Err(shape_error(
        field,
        format!("expected 1 value or {channels} (one per {what}), got {got}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct 7-loop convolution in i64, the definition `conv_integer` must meet.
    fn direct_conv(x: &Nchw<i8>, xz: i8, w: &Nchw<i8>, wz: i8, a: &ConvAttrs) -> Vec<i64> {
        let [n, c, h, wd] = x.shape;
        let [m, cg, kh, kw] = w.shape;
        let (oh, ow) = a.output_hw((h, wd), (kh, kw)).unwrap();
        let mg = m / a.group;
        let mut out = vec![0i64; n * m * oh * ow];
        for b in 0..n {
            for oc in 0..m {
                let g = oc / mg;
                for oy in 0..oh {
                    for ox in 0..ow {
                        let mut s = 0i64;
                        for ci in 0..cg {
                            for i in 0..kh {
                                for j in 0..kw {
                                    let y = (oy * a.strides[0] + i * a.dilations[0]) as i64
                                        - a.pads[0] as i64;
                                    let xx = (ox * a.strides[1] + j * a.dilations[1]) as i64
                                        - a.pads[1] as i64;
                                    if y < 0 || xx < 0 || y >= h as i64 || xx >= wd as i64 {
                                        continue;
                                    }
                                    let xv = x.data[((b * c + g * cg + ci) * h + y as usize) * wd
                                        + xx as usize];
                                    let wv = w.data[((oc * cg + ci) * kh + i) * kw + j];
                                    s += (i64::from(xv) - i64::from(xz))
                                        * (i64::from(wv) - i64::from(wz));
                                }
                            }
                        }
                        out[((b * m + oc) * oh + oy) * ow + ox] = s;
                    }
                }
            }
        }
        out
    }

    fn ramp(len: usize, seed: i32) -> Vec<i8> {
        (0..len as i32)
            .map(|i| ((i * 37 + seed * 11) % 256 - 128) as i8)
            .collect()
    }

    #[test]
    fn matmul_integer_subtracts_zero_points() {
        let a: [u8; 4] = [1, 2, 3, 4];
        let b: [i8; 4] = [5, 6, 7, 8];
        let y = matmul_integer(&a, &[1], &b, &[5], 2, 2, 2).unwrap();
        // (a - 1) = [[0, 1], [2, 3]], (b - 5) = [[0, 1], [2, 3]].
        assert_eq!(y, vec![2, 3, 6, 11]);
        let y = matmul_integer(&a, &[0, 1], &b, &[0, 1], 2, 2, 2).unwrap();
        assert_eq!(y, vec![5 + 14, 5 + 14, 2 * 5 + 3 * 7, 2 * 5 + 3 * 7]);
        let e = matmul_integer(&a, &[0, 1, 2], &b, &[0], 2, 2, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("a_zero_point") && e.contains("got 3"), "{e}");
        assert!(matmul_integer(&a, &[0], &b, &[0], 2, 3, 2).is_err());
    }

    #[test]
    fn conv_integer_matches_direct_convolution() {
        let cases = [
            ([1, 3, 5, 5], [4, 3, 3, 3], ConvAttrs::default()),
            (
                [2, 2, 7, 6],
                [3, 2, 3, 3],
                ConvAttrs {
                    strides: [2, 2],
                    pads: [1, 1, 1, 1],
                    ..ConvAttrs::default()
                },
            ),
            (
                [1, 4, 6, 5],
                [6, 2, 3, 3],
                ConvAttrs {
                    pads: [1, 1, 1, 1],
                    group: 2,
                    ..ConvAttrs::default()
                },
            ),
            (
                [1, 4, 5, 5],
                [4, 1, 3, 3],
                ConvAttrs {
                    strides: [2, 1],
                    pads: [1, 0, 1, 2],
                    group: 4,
                    ..ConvAttrs::default()
                },
            ),
            (
                [1, 2, 8, 7],
                [3, 2, 2, 3],
                ConvAttrs {
                    strides: [1, 2],
                    pads: [0, 1, 2, 0],
                    dilations: [2, 2],
                    group: 1,
                },
            ),
        ];
        for (i, (xs, ws, attrs)) in cases.into_iter().enumerate() {
            let x = Nchw::new(xs, ramp(xs.iter().product(), i as i32)).unwrap();
            let w = Nchw::new(ws, ramp(ws.iter().product(), 7 + i as i32)).unwrap();
            let got = conv_integer(&x, -3, &w, &[2], &attrs).unwrap();
            let want = direct_conv(&x, -3, &w, 2, &attrs);
            assert_eq!(
                got.data.iter().map(|&v| i64::from(v)).collect::<Vec<_>>(),
                want,
                "case {i}"
            );
        }
    }

    #[test]
    fn conv_rejects_bad_shapes() {
        let x = Nchw::new([1, 3, 2, 2], vec![0i8; 12]).unwrap();
        let w = Nchw::new([2, 3, 3, 3], vec![0i8; 54]).unwrap();
        let e = conv_integer(&x, 0, &w, &[0], &ConvAttrs::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not fit a 2x2 input"), "{e}");
        let attrs = ConvAttrs {
            group: 2,
            pads: [1; 4],
            ..ConvAttrs::default()
        };
        let e = conv_integer(&x, 0, &w, &[0], &attrs)
            .unwrap_err()
            .to_string();
        assert!(e.contains("group 2 must divide"), "{e}");
        assert!(Nchw::new([1, 1, 2, 2], vec![0i8; 3]).is_err());
    }

    #[test]
    fn qlinear_matmul_requantizes_per_column() {
        let a: [i8; 2] = [10, 20];
        let b: [i8; 4] = [1, 2, 3, 4];
        let op = QLinearMatMul {
            a: &a,
            a_scale: 0.5,
            a_zero_point: 0,
            b: &b,
            b_scale: &[1.0, 0.25],
            b_zero_point: &[0],
            y_scale: 1.0,
            y_zero_point: 1i8,
            dims: (1, 2, 2),
        };
        // acc = [70, 100]; multipliers [0.5, 0.125].
        assert_eq!(op.run().unwrap(), vec![36, 13]);
    }
}
