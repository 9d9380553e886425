//! Integer operators: quantize and dequantize, and the integer GEMMs, which
//! run on the pe engine. Each names the onnxruntime (1.32, CPU) kernel whose
//! arithmetic it reproduces; the formulas themselves are the ones of
//! [`crate::quant`], which `sim/tests/quant_ort.rs` checks against
//! onnxruntime bit for bit.

use super::tensor::{dtype, int_range, Data, Tensor};
use super::{check_size, Machine};
use crate::onnx::proto::NodeProto;
use crate::quant::{self, QInt, QuantParams};
use std::rc::Rc;

type R<T> = std::result::Result<T, String>;

/// Runs `n` if it is an integer operator here; `None` otherwise.
pub(super) fn node(m: &mut Machine, n: &NodeProto) -> R<Option<Vec<Tensor>>> {
    let contrib = n.domain == "com.microsoft";
    if !n.domain.is_empty() && !contrib {
        return Ok(None);
    }
    Ok(Some(match (n.op_type.as_str(), contrib) {
        ("QuantizeLinear", _) => vec![quantize_linear(m, n)?],
        ("DequantizeLinear", _) => vec![dequantize_linear(m, n)?],
        ("DynamicQuantizeLinear", false) => dynamic_quantize_linear(&*m.req(n, 0)?)?,
        ("MatMulInteger", false) => {
            let (a, b) = (m.req(n, 0)?, m.req(n, 1)?);
            let za = zero_point(m.input(n, 2)?, a.dtype)?;
            let zb = zero_point(m.input(n, 3)?, b.dtype)?;
            vec![matmul_acc(m, n, &a, &za, &b, &zb)?]
        }
        ("ConvInteger", false) => {
            let (x, w) = (m.req(n, 0)?, m.req(n, 1)?);
            let xz = zero_point(m.input(n, 2)?, x.dtype)?;
            let wz = zero_point(m.input(n, 3)?, w.dtype)?;
            vec![conv_acc(
                m,
                n,
                &x,
                scalar_int(&xz, "x_zero_point")?,
                &w,
                &wz,
                None,
            )?]
        }
        ("QLinearConv", false) => vec![qlinear_conv(m, n)?],
        ("QLinearMatMul", false) => vec![qlinear_matmul(m, n)?],
        ("QGemm", true) => vec![qgemm(m, n)?],
        ("QLinearAdd", true) | ("QLinearMul", true) => vec![qlinear_binary(m, n)?],
        ("QLinearGlobalAveragePool", true) => vec![qlinear_gap(m, n)?],
        _ => return Ok(None),
    }))
}

/// A zero point: the given tensor's integers, or 0 of type `t`.
fn zero_point(z: Option<Rc<Tensor>>, t: i32) -> R<Tensor> {
    Ok(match z {
        Some(z) => (*z).clone(),
        None => Tensor::int(t, vec![], vec![0]),
    })
}

fn scalar_int(t: &Tensor, what: &str) -> R<i64> {
    match t.ints().as_ref() {
        [v] => Ok(*v),
        v => Err(format!("{what} must be one value here, found {}", v.len())),
    }
}

fn scalar_f32(t: &Tensor, what: &str) -> R<f32> {
    match t.floats().as_ref() {
        [v] => Ok(*v),
        v => Err(format!("{what} must be one value here, found {}", v.len())),
    }
}

/// `v` requantized to integer type `t` ([`quant::requantize`], ORT's
/// `MlasRequantizeOutput`).
fn requantize(acc: i32, multiplier: f32, zp: i64, t: i32) -> R<i64> {
    fn go<T: QInt + TryFrom<i64>>(acc: i32, mult: f32, zp: i64) -> R<i64> {
        let z = T::try_from(zp).map_err(|_| format!("zero point {zp} is out of range"))?;
        Ok(i64::from(quant::requantize(acc, mult, z).into()))
    }
    match t {
        dtype::U8 => go::<u8>(acc, multiplier, zp),
        dtype::I8 => go::<i8>(acc, multiplier, zp),
        dtype::U16 => go::<u16>(acc, multiplier, zp),
        dtype::I16 => go::<i16>(acc, multiplier, zp),
        _ => Err(format!(
            "quantized outputs of type {} are not supported (uint8, int8, uint16, int16 are)",
            crate::onnx::tensor::type_name(t)
        )),
    }
}

/// `QuantizeLinear` of one value ([`QuantParams::quantize`], ORT's
/// `MlasQuantizeLinear`).
fn quantize(x: f32, scale: f32, zp: i64, t: i32) -> R<i64> {
    fn go<T: QInt + TryFrom<i64>>(x: f32, scale: f32, zp: i64) -> R<i64> {
        let z = T::try_from(zp).map_err(|_| format!("zero point {zp} is out of range"))?;
        Ok(i64::from(QuantParams::new(scale, z).quantize(x).into()))
    }
    match t {
        dtype::U8 => go::<u8>(x, scale, zp),
        dtype::I8 => go::<i8>(x, scale, zp),
        dtype::U16 => go::<u16>(x, scale, zp),
        dtype::I16 => go::<i16>(x, scale, zp),
        _ => Err(format!(
            "quantizing to {} is not supported (uint8, int8, uint16, int16 are)",
            crate::onnx::tensor::type_name(t)
        )),
    }
}

/// Index of the per-axis parameter of element `i` of a tensor of `shape`.
fn axis_index(shape: &[usize], axis: usize, i: usize) -> usize {
    let inner: usize = shape[axis + 1..].iter().product();
    (i / inner.max(1)) % shape[axis].max(1)
}

/// The axis attribute resolved against `rank`.
fn axis_of(m: &Machine, n: &NodeProto, rank: usize, default: i64) -> R<usize> {
    let a = m.attrs(n).int("axis", default);
    let r = rank as i64;
    if a < -r || a >= r.max(1) {
        return Err(format!("axis {a} is out of range for rank {rank}"));
    }
    Ok(a.rem_euclid(r.max(1)) as usize)
}

/// `QuantizeLinear`: per tensor or per axis (`axis`), to the zero point's
/// type (uint8 when absent).
fn quantize_linear(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (x, s) = (m.req(n, 0)?, m.req(n, 1)?);
    let z = m.input(n, 2)?;
    let t = z.as_ref().map_or(dtype::U8, |z| z.dtype);
    let zs = z.as_ref().map_or(vec![0], |z| z.ints().into_owned());
    let ss = s.floats();
    let xs = x.floats();
    if m.attrs(n).int("block_size", 0) != 0 {
        return Err("blocked quantization (block_size) is not supported".into());
    }
    let per_axis = ss.len() > 1;
    let axis = if per_axis {
        axis_of(m, n, x.shape.len(), 1)?
    } else {
        0
    };
    if per_axis && (x.shape.get(axis) != Some(&ss.len()) || zs.len() != ss.len() && zs.len() != 1) {
        return Err(format!(
            "{} scales for axis {axis} of a tensor of shape {:?}",
            ss.len(),
            x.shape
        ));
    }
    let out = xs
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let c = if per_axis {
                axis_index(&x.shape, axis, i)
            } else {
                0
            };
            quantize(v, ss[c], zs[c.min(zs.len() - 1)], t)
        })
        .collect::<R<Vec<i64>>>()?;
    Ok(Tensor::int(t, x.shape.clone(), out))
}

/// `DequantizeLinear`: `(x - zp)` in int32 (int32 inputs too, as ORT),
/// converted to f32, times the scale.
fn dequantize_linear(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (x, s) = (m.req(n, 0)?, m.req(n, 1)?);
    let z = m.input(n, 2)?;
    let zs = z.as_ref().map_or(vec![0], |z| z.ints().into_owned());
    let ss = s.floats();
    let per_axis = ss.len() > 1;
    let axis = if per_axis {
        axis_of(m, n, x.shape.len(), 1)?
    } else {
        0
    };
    if per_axis && x.shape.get(axis) != Some(&ss.len()) {
        return Err(format!(
            "{} scales for axis {axis} of a tensor of shape {:?}",
            ss.len(),
            x.shape
        ));
    }
    let out = x
        .ints()
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let c = if per_axis {
                axis_index(&x.shape, axis, i)
            } else {
                0
            };
            (v as i32).wrapping_sub(zs[c.min(zs.len() - 1)] as i32) as f32 * ss[c]
        })
        .collect();
    Ok(Tensor::f32(x.shape.clone(), out))
}

/// `DynamicQuantizeLinear`: uint8 with the scale and zero point ORT picks at
/// run time ([`QuantParams::dynamic`]).
pub(super) fn dynamic_quantize_linear(x: &Tensor) -> R<Vec<Tensor>> {
    let xs = x.floats();
    if let Some(i) = xs.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "element {i} is {}: quantization needs finite values",
            xs[i]
        ));
    }
    let p = QuantParams::<u8>::dynamic(&xs);
    let q = xs.iter().map(|&v| i64::from(p.quantize(v))).collect();
    Ok(vec![
        Tensor::int(dtype::U8, x.shape.clone(), q),
        Tensor::f32(vec![], vec![p.scale]),
        Tensor::int(dtype::U8, vec![], vec![i64::from(p.zero_point)]),
    ])
}

/// The operand offset that brings integers of type `t` into the design's
/// signed operand range (128 for uint8 on an int8 array), or why none does.
fn offset(m: &Machine, t: i32) -> R<i64> {
    let bits = m.design.operand.bits();
    if !m.design.operand.is_int() {
        return Err(format!(
            "design `{}` computes in {}; the model's integer GEMMs need an integer design (e.g. --design tpu-v1-like)",
            m.design.name, m.design.operand
        ));
    }
    let (lo, hi) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
    let (tlo, thi) = int_range(t)
        .ok_or_else(|| format!("a GEMM on {} values", crate::onnx::tensor::type_name(t)))?;
    if tlo >= lo && thi <= hi {
        Ok(0)
    } else if tlo == 0 && thi - (1 << (bits - 1)) <= hi {
        Ok(1 << (bits - 1))
    } else {
        Err(format!(
            "{} operands do not fit design `{}`'s {}-bit operands",
            crate::onnx::tensor::type_name(t),
            m.design.name,
            bits
        ))
    }
}

/// `sum_k (a - za)(b - zb)` for row-major `a` (`rows x k`) and `b`
/// (`k x cols`), wrapped to int32 as ORT's kernels accumulate; `za` holds
/// one value or one per row, `zb` one or one per column. On the pe engine
/// (the integers shifted into the array's signed range, the shift and the
/// zero points corrected outside it: `(a - za)(b - zb) = a'b' + ...`), or
/// on the host for the fp32 reference run.
#[allow(clippy::too_many_arguments)]
pub(super) fn gemm(
    m: &mut Machine,
    n: &NodeProto,
    a: &[i64],
    za: &[i64],
    b: &[i64],
    zb: &[i64],
    (rows, k, cols): (usize, usize, usize),
    (ta, tb): (i32, i32),
) -> R<Vec<i64>> {
    let pick = |z: &[i64], i: usize| if z.len() == 1 { z[0] } else { z[i] };
    if m.host_only {
        let mut out = vec![0i64; rows * cols];
        for i in 0..rows {
            for (l, &av) in a[i * k..(i + 1) * k].iter().enumerate() {
                let av = av - pick(za, i);
                for j in 0..cols {
                    out[i * cols + j] += av * (b[l * cols + j] - pick(zb, j));
                }
            }
        }
        return Ok(out.into_iter().map(|v| i64::from(v as i32)).collect());
    }
    if m.design.accumulator.bits() < 32 {
        return Err(format!(
            "design `{}` accumulates in {} bits; ONNX integer GEMMs accumulate in int32",
            m.design.name,
            m.design.accumulator.bits()
        ));
    }
    let (oa, ob) = (offset(m, ta)?, offset(m, tb)?);
    let sa: Vec<i64> = a.iter().map(|&v| v - oa).collect();
    let sb: Vec<i64> = b.iter().map(|&v| v - ob).collect();
    let run = crate::engine::pe::run(m.design, &sa, &sb, rows as u64, k as u64, cols as u64)
        .map_err(|e| format!("the pe engine refused the GEMM: {e}"))?;
    let row_sums: Vec<i64> = (0..rows)
        .map(|i| sa[i * k..(i + 1) * k].iter().sum())
        .collect();
    let mut col_sums = vec![0i64; cols];
    for l in 0..k {
        for (j, s) in col_sums.iter_mut().enumerate() {
            *s += sb[l * cols + j];
        }
    }
    let mut out = Vec::with_capacity(rows * cols);
    for (i, (c_row, &row_sum)) in run.c.chunks_exact(cols.max(1)).zip(&row_sums).enumerate() {
        let da = oa - pick(za, i);
        for (j, (&c, &col_sum)) in c_row.iter().zip(&col_sums).enumerate() {
            let db = ob - pick(zb, j);
            let v = c + da * col_sum + db * row_sum + k as i64 * da * db;
            out.push(i64::from(v as i32));
        }
    }
    let mkn = (rows as u64, k as u64, cols as u64);
    let zeros = super::zero_counts(m.design, &sa, &sb, mkn, |&x| x == 0);
    m.record(n, mkn, &run, zeros);
    Ok(out)
}

/// Shapes of a (batched, broadcast) matrix product: the output shape, the
/// offsets of each batch's A and B matrices, and `(m, k, n)`.
pub(super) type Batches = (Vec<usize>, Vec<(usize, usize)>, (usize, usize, usize));

/// [`Batches`] of `a @ b` with numpy's matmul broadcasting.
pub(super) fn batches(a: &[usize], b: &[usize]) -> R<Batches> {
    if a.is_empty() || b.is_empty() {
        return Err("MatMul of a scalar".into());
    }
    let (a2, b2) = (
        if a.len() == 1 {
            vec![1, a[0]]
        } else {
            a.to_vec()
        },
        if b.len() == 1 {
            vec![b[0], 1]
        } else {
            b.to_vec()
        },
    );
    let (mm, k) = (a2[a2.len() - 2], a2[a2.len() - 1]);
    let (k2, nn) = (b2[b2.len() - 2], b2[b2.len() - 1]);
    if k != k2 {
        return Err(format!(
            "MatMul of shapes {a:?} and {b:?}: inner sizes {k} and {k2} differ"
        ));
    }
    let (ab, bb) = (&a2[..a2.len() - 2], &b2[..b2.len() - 2]);
    let r = ab.len().max(bb.len());
    let pad = |v: &[usize]| [vec![1; r - v.len()], v.to_vec()].concat();
    let (pa, pb) = (pad(ab), pad(bb));
    let mut batch = Vec::with_capacity(r);
    for (&x, &y) in pa.iter().zip(&pb) {
        if x != y && x != 1 && y != 1 {
            return Err(format!(
                "MatMul of shapes {a:?} and {b:?}: batch sizes {x} and {y} do not broadcast"
            ));
        }
        batch.push(x.max(y));
    }
    let total: usize = batch.iter().product();
    let mut offs = Vec::with_capacity(total);
    for idx in 0..total {
        let (mut rem, mut oa, mut ob) = (idx, 0, 0);
        let (mut sa, mut sb) = (1, 1);
        for d in (0..r).rev() {
            let i = rem % batch[d];
            rem /= batch[d];
            oa += if pa[d] == 1 { 0 } else { i * sa };
            ob += if pb[d] == 1 { 0 } else { i * sb };
            sa *= pa[d];
            sb *= pb[d];
        }
        offs.push((oa * mm * k, ob * k * nn));
    }
    let mut shape = batch;
    if a.len() > 1 {
        shape.push(mm);
    }
    if b.len() > 1 {
        shape.push(nn);
    }
    Ok((shape, offs, (mm, k, nn)))
}

/// `MatMulInteger`: the int32 products of every batch (zero points per
/// tensor, per row of 2-D A, or per column of B).
fn matmul_acc(
    m: &mut Machine,
    n: &NodeProto,
    a: &Tensor,
    za: &Tensor,
    b: &Tensor,
    zb: &Tensor,
) -> R<Tensor> {
    let (shape, offs, (mm, k, nn)) = batches(&a.shape, &b.shape)?;
    check_size(&shape)?;
    let (ai, bi, zai, zbi) = (a.ints(), b.ints(), za.ints(), zb.ints());
    if zai.len() != 1 && zai.len() != mm || zbi.len() != 1 && zbi.len() != nn {
        return Err(
            "zero points must be one value, one per row of A or one per column of B".into(),
        );
    }
    // A 2-D B shared by every batch: one GEMM over all rows of A.
    let mut out = Vec::with_capacity(offs.len() * mm * nn);
    if b.shape.len() == 2 && zai.len() == 1 && offs.len() > 1 {
        let rows = offs.len() * mm;
        out = gemm(
            m,
            n,
            &ai,
            &zai,
            &bi,
            &zbi,
            (rows, k, nn),
            (a.dtype, b.dtype),
        )?;
    } else {
        for &(oa, ob) in &offs {
            out.extend(gemm(
                m,
                n,
                &ai[oa..oa + mm * k],
                &zai,
                &bi[ob..ob + k * nn],
                &zbi,
                (mm, k, nn),
                (a.dtype, b.dtype),
            )?);
        }
    }
    Ok(Tensor::int(dtype::I32, shape, out))
}

/// `QLinearMatMul`: the int32 product requantized with multiplier
/// `a_scale * b_scale[j] / y_scale` (ORT `QLinearMatMul::Compute`).
fn qlinear_matmul(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (a, sa) = (m.req(n, 0)?, m.req(n, 1)?);
    let za = zero_point(m.input(n, 2)?, a.dtype)?;
    let (b, sb) = (m.req(n, 3)?, m.req(n, 4)?);
    let zb = zero_point(m.input(n, 5)?, b.dtype)?;
    let sy = m.req(n, 6)?;
    let zy = zero_point(m.input(n, 7)?, a.dtype)?;
    let acc = matmul_acc(m, n, &a, &za, &b, &zb)?;
    let nn = *acc.shape.last().unwrap_or(&1);
    let (sa, sy, zy) = (
        scalar_f32(&sa, "a_scale")?,
        scalar_f32(&sy, "y_scale")?,
        scalar_int(&zy, "y_zero_point")?,
    );
    let sbs = sb.floats();
    if sbs.len() != 1 && sbs.len() != nn {
        return Err(format!("b_scale has {} values for {nn} columns", sbs.len()));
    }
    let mult: Vec<f32> = sbs
        .iter()
        .map(|&s| quant::requantize_multiplier(sa, s, sy))
        .collect();
    let t = zy_type(m, n, 7, a.dtype)?;
    let out = acc
        .ints()
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            requantize(
                v as i32,
                mult[if mult.len() == 1 { 0 } else { i % nn }],
                zy,
                t,
            )
        })
        .collect::<R<Vec<i64>>>()?;
    Ok(Tensor::int(t, acc.shape.clone(), out))
}

/// The output type of a quantized op: its output zero point's type, else
/// `default`.
fn zy_type(m: &mut Machine, n: &NodeProto, i: usize, default: i32) -> R<i32> {
    Ok(m.input(n, i)?.map_or(default, |z| z.dtype))
}

/// Spatial attributes of a 1-D or 2-D convolution as [`quant::ConvAttrs`].
/// A convolution's attributes, input `(N, C, H, W)` and kernel `(kh, kw)`
/// (1-D ones as height 1).
pub(super) type ConvGeometry = (
    quant::ConvAttrs,
    (usize, usize, usize, usize),
    (usize, usize),
);

pub(super) fn conv_attrs(m: &Machine, n: &NodeProto, x: &Tensor, w: &Tensor) -> R<ConvGeometry> {
    let (r, wr) = (x.shape.len(), w.shape.len());
    if !(r == 3 || r == 4) || wr != r {
        return Err(format!(
            "a convolution of input {:?} with weights {:?}: 1-D and 2-D ones run",
            x.shape, w.shape
        ));
    }
    let spatial: Vec<u64> = x.shape[2..].iter().map(|&d| d as u64).collect();
    let kernel: Vec<u64> = w.shape[2..].iter().map(|&d| d as u64).collect();
    let win =
        crate::onnx::shape::window(&m.attrs(n), &spatial, &kernel, false).map_err(|e| e.message)?;
    let two = |v: &[u64], one: u64| -> (usize, usize) {
        if v.len() == 1 {
            (one as usize, v[0] as usize)
        } else {
            (v[0] as usize, v[1] as usize)
        }
    };
    let (st, dl, b, e) = (
        two(&win.strides, 1),
        two(&win.dilations, 1),
        two(&win.begin, 0),
        two(&win.end, 0),
    );
    let group = usize::try_from(m.attrs(n).int("group", 1)).unwrap_or(0);
    let attrs = quant::ConvAttrs {
        strides: [st.0, st.1],
        pads: [b.0, b.1, e.0, e.1],
        dilations: [dl.0, dl.1],
        group,
    };
    let (h, wd) = two(&spatial, 1);
    let (kh, kw) = two(&kernel, 1);
    Ok((attrs, (x.shape[0], x.shape[1], h, wd), (kh, kw)))
}

/// The int32 convolution `(x - xz) * (w - wz)` (+ `bias`), as im2col and one
/// GEMM per group with every image's pixels as rows (`M = N * OH * OW`,
/// `K = C/g * kh * kw`, `N = M_out/g`, the lowering of `sim`); ORT's
/// `ConvInteger` and `QLinearConv` pad with the input zero point.
pub(super) fn conv_acc(
    m: &mut Machine,
    n: &NodeProto,
    x: &Tensor,
    xz: i64,
    w: &Tensor,
    wz: &Tensor,
    bias: Option<&[i64]>,
) -> R<Tensor> {
    let (attrs, (nb, c, h, wd), (kh, kw)) = conv_attrs(m, n, x, w)?;
    let mo = w.shape[0];
    let g = attrs.group;
    if g == 0 || !c.is_multiple_of(g) || !mo.is_multiple_of(g) || c / g != w.shape[1] {
        return Err(format!(
            "group {g} does not divide input channels {c} and output channels {mo} with weights {:?}",
            w.shape
        ));
    }
    let (oh, ow) = attrs
        .output_hw((h, wd), (kh, kw))
        .ok_or_else(|| "the kernel does not fit the padded input".to_string())?;
    let mut out_shape = vec![nb, mo];
    out_shape.extend(if x.shape.len() == 3 {
        vec![ow]
    } else {
        vec![oh, ow]
    });
    check_size(&out_shape)?;
    let (cg, mg, p) = (c / g, mo / g, oh * ow);
    let kdim = cg * kh * kw;
    check_size(&[nb * p, kdim])?;
    let (xi, wi, wzi) = (x.ints(), w.ints(), wz.ints());
    if wzi.len() != 1 && wzi.len() != mo {
        return Err(format!(
            "{} weight zero points for {mo} output channels",
            wzi.len()
        ));
    }
    let mut out = vec![0i64; nb * mo * p];
    for gi in 0..g {
        // A: every image's pixels x K.
        let mut a = vec![0i64; nb * p * kdim];
        for b in 0..nb {
            let chans = &xi[(b * c + gi * cg) * h * wd..(b * c + (gi + 1) * cg) * h * wd];
            let cols = quant::im2col(chans, (cg, h, wd), (kh, kw), &attrs, xz)
                .map_err(|e| e.to_string())?;
            for r in 0..kdim {
                for q in 0..p {
                    a[(b * p + q) * kdim + r] = cols[r * p + q];
                }
            }
        }
        // B: K x M/g (the group's weights, transposed).
        let mut bm = vec![0i64; kdim * mg];
        for o in 0..mg {
            for r in 0..kdim {
                bm[r * mg + o] = wi[(gi * mg + o) * kdim + r];
            }
        }
        let zb: Vec<i64> = if wzi.len() == 1 {
            wzi.to_vec()
        } else {
            wzi[gi * mg..(gi + 1) * mg].to_vec()
        };
        let acc = gemm(
            m,
            n,
            &a,
            &[xz],
            &bm,
            &zb,
            (nb * p, kdim, mg),
            (x.dtype, w.dtype),
        )?;
        for b in 0..nb {
            for q in 0..p {
                for o in 0..mg {
                    let ch = gi * mg + o;
                    let v = acc[(b * p + q) * mg + o] as i32;
                    let v = bias.map_or(v, |bs| v.wrapping_add(bs[ch] as i32));
                    out[(b * mo + ch) * p + q] = i64::from(v);
                }
            }
        }
    }
    Ok(Tensor::int(dtype::I32, out_shape, out))
}

/// `QLinearConv`: [`conv_acc`] with the int32 bias, requantized per output
/// channel with multiplier `x_scale * w_scale[c] / y_scale`
/// (ORT `QLinearConv::ComputeOutputScale`, `MlasRequantizeOutput`).
fn qlinear_conv(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (x, sx) = (m.req(n, 0)?, m.req(n, 1)?);
    let xz = zero_point(m.input(n, 2)?, x.dtype)?;
    let (w, sw) = (m.req(n, 3)?, m.req(n, 4)?);
    let wz = zero_point(m.input(n, 5)?, w.dtype)?;
    let sy = m.req(n, 6)?;
    let zy = zero_point(m.input(n, 7)?, x.dtype)?;
    let bias = m.input(n, 8)?;
    let mo = w.shape.first().copied().unwrap_or(0);
    let bias_v = bias.as_ref().map(|b| b.ints().into_owned());
    if let Some(b) = &bias_v {
        if b.len() != mo {
            return Err(format!("{} bias values for {mo} output channels", b.len()));
        }
    }
    let acc = conv_acc(
        m,
        n,
        &x,
        scalar_int(&xz, "x_zero_point")?,
        &w,
        &wz,
        bias_v.as_deref(),
    )?;
    let (sx, sy, zy_v) = (
        scalar_f32(&sx, "x_scale")?,
        scalar_f32(&sy, "y_scale")?,
        scalar_int(&zy, "y_zero_point")?,
    );
    let sws = sw.floats();
    if sws.len() != 1 && sws.len() != mo {
        return Err(format!(
            "{} weight scales for {mo} output channels",
            sws.len()
        ));
    }
    let mult: Vec<f32> = sws
        .iter()
        .map(|&s| quant::requantize_multiplier(sx, s, sy))
        .collect();
    let p: usize = acc.shape[2..].iter().product();
    let t = zy.dtype;
    let out = acc
        .ints()
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let ch = (i / p.max(1)) % mo;
            requantize(
                v as i32,
                mult[if mult.len() == 1 { 0 } else { ch }],
                zy_v,
                t,
            )
        })
        .collect::<R<Vec<i64>>>()?;
    Ok(Tensor::int(t, acc.shape.clone(), out))
}

/// `QGemm` (com.microsoft): `alpha * (A - za)(B - zb) + C` with the int32
/// bias C; requantized with multiplier `alpha * a_scale * b_scale[j] /
/// y_scale` when `y_scale` is given, else dequantized to f32.
fn qgemm(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (a, sa) = (m.req(n, 0)?, m.req(n, 1)?);
    let za = zero_point(m.input(n, 2)?, a.dtype)?;
    let (b, sb) = (m.req(n, 3)?, m.req(n, 4)?);
    let zb = zero_point(m.input(n, 5)?, b.dtype)?;
    let c = m.input(n, 6)?;
    let sy = m.input(n, 7)?;
    let zy = m.input(n, 8)?;
    let at = m.attrs(n);
    let (alpha, ta, tb) = (
        at.float("alpha", 1.0),
        at.int("transA", 0) != 0,
        at.int("transB", 0) != 0,
    );
    if a.shape.len() != 2 || b.shape.len() != 2 {
        return Err(format!(
            "QGemm of shapes {:?} and {:?}: both must be 2-D",
            a.shape, b.shape
        ));
    }
    let a2 = if ta { transpose2(&a) } else { (*a).clone() };
    let b2 = if tb { transpose2(&b) } else { (*b).clone() };
    let acc = matmul_acc(m, n, &a2, &za, &b2, &zb)?;
    let nn = acc.shape[1];
    let cv = c.as_ref().map(|c| c.ints().into_owned());
    let sa = scalar_f32(&sa, "a_scale")?;
    let sbs = sb.floats();
    let bias = |i: usize, v: i64| -> R<i32> {
        Ok(match &cv {
            None => v as i32,
            Some(c) if c.len() == 1 => (v as i32).wrapping_add(c[0] as i32),
            Some(c) if c.len() == nn => (v as i32).wrapping_add(c[i % nn] as i32),
            Some(c) if c.len() == acc.len() => (v as i32).wrapping_add(c[i] as i32),
            Some(c) => {
                return Err(format!(
                    "C has {} values for a {:?} output",
                    c.len(),
                    acc.shape
                ))
            }
        })
    };
    let sbj = |i: usize| sbs[if sbs.len() == 1 { 0 } else { i % nn }];
    match sy {
        Some(sy) => {
            let sy = scalar_f32(&sy, "y_scale")?;
            let t = zy.as_ref().map_or(a.dtype, |z| z.dtype);
            let zyv = zy
                .as_ref()
                .map_or(Ok(0), |z| scalar_int(z, "y_zero_point"))?;
            let out = acc
                .ints()
                .iter()
                .enumerate()
                .map(|(i, &v)| requantize(bias(i, v)?, alpha * sa * sbj(i) / sy, zyv, t))
                .collect::<R<Vec<i64>>>()?;
            Ok(Tensor::int(t, acc.shape.clone(), out))
        }
        None => {
            let out = acc
                .ints()
                .iter()
                .enumerate()
                .map(|(i, &v)| Ok(bias(i, v)? as f32 * (alpha * sa * sbj(i))))
                .collect::<R<Vec<f32>>>()?;
            Ok(Tensor::f32(acc.shape.clone(), out))
        }
    }
}

/// A 2-D tensor transposed.
pub(super) fn transpose2(t: &Tensor) -> Tensor {
    let (r, c) = (t.shape[0], t.shape[1]);
    let idx = |i: usize| (i % r) * c + i / r;
    let data = match &t.data {
        Data::F(v) => Data::F((0..r * c).map(|i| v[idx(i)]).collect()),
        Data::I(v) => Data::I((0..r * c).map(|i| v[idx(i)]).collect()),
    };
    Tensor {
        dtype: t.dtype,
        shape: vec![c, r],
        data,
    }
}

/// `QLinearAdd` and `QLinearMul` (com.microsoft), broadcasting as numpy.
///
/// Add is the AVX2 kernel every x86-64 CPU with AVX2 runs
/// (`MlasQLinearAddS8KernelAvx2`/`U8`, `core/mlas/lib/intrinsics/avx2/qladd_avx2.cpp`;
/// docs/INFER.md): `rAC = sa / sc`, `rBC = sb / sc`,
/// `F = zc - fma(rAC, za, rBC * zb)`, then
/// `y = sat(rne(fma(a, rAC, fma(b, rBC, F))))`. When B is one element,
/// `F += b * rBC` first and `y = sat(rne(fma(a, rAC, F)))`; when A is one
/// element, the operands swap roles first. Mul (not checked against
/// onnxruntime; no fixture has it): `(a - za)(b - zb) * (sa * sb / sc)`,
/// rounded half to even, plus `zc`.
fn qlinear_binary(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (a, sa) = (m.req(n, 0)?, m.req(n, 1)?);
    let za = zero_point(m.input(n, 2)?, a.dtype)?;
    let (b, sb) = (m.req(n, 3)?, m.req(n, 4)?);
    let zb = zero_point(m.input(n, 5)?, b.dtype)?;
    let sc = m.req(n, 6)?;
    let zc = zero_point(m.input(n, 7)?, a.dtype)?;
    let (sa, sb, sc) = (
        scalar_f32(&sa, "A_scale")?,
        scalar_f32(&sb, "B_scale")?,
        scalar_f32(&sc, "C_scale")?,
    );
    let (za, zb, zcv) = (
        scalar_int(&za, "A_zero_point")?,
        scalar_int(&zb, "B_zero_point")?,
        scalar_int(&zc, "C_zero_point")?,
    );
    let t = zc.dtype;
    let (lo, hi) = int_range(t).ok_or("quantized output type")?;
    let (shape, ia, ib) = super::ops::broadcast(&a.shape, &b.shape)?;
    let (av, bv) = (a.ints(), b.ints());
    let sat = |v: f32| (v.round_ties_even() as i64).clamp(lo, hi);
    if n.op_type == "QLinearMul" {
        let rm = sa * sb / sc;
        let out = ia
            .iter()
            .zip(&ib)
            .map(|(&i, &j)| {
                let v = ((av[i] - za) * (bv[j] - zb)) as f32 * rm;
                (v.round_ties_even() as i64 + zcv).clamp(lo, hi)
            })
            .collect();
        return Ok(Tensor::int(t, shape, out));
    }
    // One element of A: B takes A's role.
    let swap = av.len() == 1 && bv.len() != 1;
    let (x, y, sx, sy, zx, zy) = if swap {
        (&bv, &av, sb, sa, zb, za)
    } else {
        (&av, &bv, sa, sb, za, zb)
    };
    let (ix, iy) = if swap { (&ib, &ia) } else { (&ia, &ib) };
    let (rx, ry) = (sx / sc, sy / sc);
    let f = zcv as f32 - rx.mul_add(zx as f32, ry * zy as f32);
    let out = if y.len() == 1 {
        let f = f + y[0] as f32 * ry;
        ix.iter()
            .map(|&i| sat((x[i] as f32).mul_add(rx, f)))
            .collect()
    } else {
        ix.iter()
            .zip(iy)
            .map(|(&i, &j)| sat((x[i] as f32).mul_add(rx, (y[j] as f32).mul_add(ry, f))))
            .collect()
    };
    Ok(Tensor::int(t, shape, out))
}

/// `QLinearGlobalAveragePool` (com.microsoft, NCHW): the int32 sum of each
/// channel's `(x - zx)`, requantized with multiplier
/// `x_scale / (y_scale * pixels)` (ORT `MlasQLinearGlobalAveragePoolNchw`).
fn qlinear_gap(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (x, sx) = (m.req(n, 0)?, m.req(n, 1)?);
    let zx = zero_point(m.input(n, 2)?, x.dtype)?;
    let sy = m.req(n, 3)?;
    let zy = zero_point(m.input(n, 4)?, x.dtype)?;
    if m.attrs(n).int("channels_last", 0) != 0 {
        return Err("channels_last = 1 is not supported (NCHW is)".into());
    }
    if x.shape.len() < 3 {
        return Err(format!(
            "input of shape {:?}: expected N x C x spatial",
            x.shape
        ));
    }
    let (sx, sy) = (scalar_f32(&sx, "x_scale")?, scalar_f32(&sy, "y_scale")?);
    let (zxv, zyv) = (
        scalar_int(&zx, "x_zero_point")?,
        scalar_int(&zy, "y_zero_point")?,
    );
    let pixels: usize = x.shape[2..].iter().product();
    let mult = sx / (sy * pixels as f32);
    let xv = x.ints();
    let out = xv
        .chunks(pixels.max(1))
        .map(|c| {
            let sum: i64 = c.iter().map(|&v| v - zxv).sum();
            requantize(sum as i32, mult, zyv, zy.dtype)
        })
        .collect::<R<Vec<i64>>>()?;
    let mut shape = x.shape[..2].to_vec();
    shape.extend(std::iter::repeat_n(1, x.shape.len() - 2));
    Ok(Tensor::int(zy.dtype, shape, out))
}
