//! Host operators: data movement, elementwise arithmetic and activations in
//! f32, pools, normalizations, and float GEMMs (quantized dynamically on
//! the pe engine under `--quantize`, else accumulated in f64 and rounded
//! once for the fp32 reference).

use super::qops;
use super::tensor::{dtype, Data, Tensor};
use super::{check_size, Machine};
use crate::onnx::proto::NodeProto;
use crate::quant::{QuantParams, Scheme};
use std::rc::Rc;

type R<T> = std::result::Result<T, String>;

/// Runs `n` if it is a host operator here; `None` otherwise.
pub(super) fn node(m: &mut Machine, n: &NodeProto) -> R<Option<Vec<Tensor>>> {
    if !n.domain.is_empty() {
        return Ok(None);
    }
    let op = n.op_type.as_str();
    let out = match op {
        "Identity" | "Dropout" | "Reshape" | "Flatten" | "Squeeze" | "Unsqueeze" => {
            let x = m.req(n, 0)?;
            let shape = m.out_shape(n, 0)?;
            vec![(*x).clone().reshaped(shape)]
        }
        "Transpose" => vec![transpose(m, n)?],
        "Concat" => vec![concat(m, n)?],
        "Split" => split(m, n)?,
        "Slice" => vec![slice(m, n)?],
        "Gather" => vec![gather(m, n)?],
        "Cast" => vec![cast(m, n)?],
        "Add" | "Sub" | "Mul" | "Div" | "Pow" | "Max" | "Min" => vec![binary(m, n)?],
        "Relu" | "Sigmoid" | "Tanh" | "Erf" | "Sqrt" | "Exp" | "Neg" | "Abs" | "Reciprocal"
        | "HardSigmoid" | "HardSwish" | "LeakyRelu" | "Gelu" | "Clip" => vec![unary(m, n)?],
        "MaxPool" | "AveragePool" => vec![pool(m, n)?],
        "GlobalAveragePool" | "GlobalMaxPool" => vec![global_pool(m, n)?],
        "Softmax" => vec![softmax(m, n)?],
        "LayerNormalization" => vec![layer_norm(m, n)?],
        "MatMul" => vec![float_matmul(m, n)?],
        "Gemm" => vec![float_gemm(m, n)?],
        "Conv" => vec![float_conv(m, n)?],
        _ => return Ok(None),
    };
    Ok(Some(out))
}

/// numpy broadcasting of two shapes: the output shape and, for each output
/// element, the index into each input.
pub(super) fn broadcast(a: &[usize], b: &[usize]) -> R<(Vec<usize>, Vec<usize>, Vec<usize>)> {
    let r = a.len().max(b.len());
    let pad = |v: &[usize]| [vec![1; r - v.len()], v.to_vec()].concat();
    let (pa, pb) = (pad(a), pad(b));
    let mut shape = Vec::with_capacity(r);
    for (&x, &y) in pa.iter().zip(&pb) {
        if x != y && x != 1 && y != 1 {
            return Err(format!("shapes {a:?} and {b:?} do not broadcast"));
        }
        shape.push(if x == 1 { y } else { x });
    }
    let total = check_size(&shape)?;
    let strides = |p: &[usize]| {
        let mut s = vec![0; r];
        let mut acc = 1;
        for d in (0..r).rev() {
            s[d] = if p[d] == 1 { 0 } else { acc };
            acc *= p[d];
        }
        s
    };
    let (sa, sb) = (strides(&pa), strides(&pb));
    let (mut ia, mut ib) = (Vec::with_capacity(total), Vec::with_capacity(total));
    let mut idx = vec![0usize; r];
    for _ in 0..total {
        ia.push(idx.iter().zip(&sa).map(|(i, s)| i * s).sum());
        ib.push(idx.iter().zip(&sb).map(|(i, s)| i * s).sum());
        for d in (0..r).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    Ok((shape, ia, ib))
}

fn binary(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (a, b) = (m.req(n, 0)?, m.req(n, 1)?);
    let (shape, ia, ib) = broadcast(&a.shape, &b.shape)?;
    let op = n.op_type.as_str();
    match (&a.data, &b.data) {
        (Data::F(x), Data::F(y)) => {
            let f = |p: f32, q: f32| match op {
                "Add" => p + q,
                "Sub" => p - q,
                "Mul" => p * q,
                "Div" => p / q,
                "Pow" => pow(p, q),
                "Max" => p.max(q),
                _ => p.min(q),
            };
            Ok(Tensor::f32(
                shape,
                ia.iter().zip(&ib).map(|(&i, &j)| f(x[i], y[j])).collect(),
            ))
        }
        (Data::I(x), Data::I(y)) => {
            let f = |p: i64, q: i64| -> R<i64> {
                Ok(match op {
                    "Add" => p.wrapping_add(q),
                    "Sub" => p.wrapping_sub(q),
                    "Mul" => p.wrapping_mul(q),
                    "Div" => p.checked_div(q).ok_or("integer division by zero")?,
                    "Max" => p.max(q),
                    "Min" => p.min(q),
                    _ => return Err("Pow of integers is not supported".into()),
                })
            };
            let v = ia
                .iter()
                .zip(&ib)
                .map(|(&i, &j)| f(x[i], y[j]))
                .collect::<R<Vec<i64>>>()?;
            Ok(Tensor::int(a.dtype, shape, v))
        }
        _ => Err(format!("{} of {} and {}", op, a.type_name(), b.type_name())),
    }
}

/// `Pow` as ORT computes it: `std::pow` in f32, with the exponent 2 and 3
/// as products (ORT's specializations for scalar exponents 2 and 3) and
/// 0.5 as `sqrt`.
fn pow(p: f32, q: f32) -> f32 {
    if q == 2.0 {
        p * p
    } else if q == 3.0 {
        p * p * p
    } else if q == 0.5 {
        p.sqrt()
    } else {
        p.powf(q)
    }
}

/// erf of f32 (musl's `erff`, correctly rounded to within 1 ulp).
fn erf(x: f32) -> f32 {
    libm::erff(x)
}

fn unary(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let x = m.req(n, 0)?;
    let at = m.attrs(n);
    let op = n.op_type.as_str();
    if let Data::I(v) = &x.data {
        // Integer Relu / Clip (e.g. on quantized values).
        let (lo, hi) = match op {
            "Relu" => (0, i64::MAX),
            "Clip" => {
                let lo = m.input(n, 1)?.map_or(Ok(i64::MIN), |t| scalar(&t.ints()))?;
                let hi = m.input(n, 2)?.map_or(Ok(i64::MAX), |t| scalar(&t.ints()))?;
                (lo, hi)
            }
            _ => return Err(format!("{op} of {}", x.type_name())),
        };
        return Ok(Tensor::int(
            x.dtype,
            x.shape.clone(),
            v.iter().map(|&e| e.clamp(lo, hi)).collect(),
        ));
    }
    let (alpha, beta) = (at.float("alpha", f32::NAN), at.float("beta", f32::NAN));
    let (lo, hi) = if op == "Clip" {
        if m.attrs(n).opset < 11 {
            (at.float("min", f32::MIN), at.float("max", f32::MAX))
        } else {
            let lo = m
                .input(n, 1)?
                .map_or(Ok(f32::MIN), |t| scalar(&t.floats()))?;
            let hi = m
                .input(n, 2)?
                .map_or(Ok(f32::MAX), |t| scalar(&t.floats()))?;
            (lo, hi)
        }
    } else {
        (0.0, 0.0)
    };
    let tanh_gelu = at.string("approximate", "none") == "tanh";
    let f = |v: f32| -> f32 {
        match op {
            "Relu" => v.max(0.0),
            "Sigmoid" => 1.0 / (1.0 + (-v).exp()),
            "Tanh" => v.tanh(),
            "Erf" => erf(v),
            "Sqrt" => v.sqrt(),
            "Exp" => v.exp(),
            "Neg" => -v,
            "Abs" => v.abs(),
            "Reciprocal" => 1.0 / v,
            "HardSigmoid" => {
                let (a, b) = (
                    if alpha.is_nan() { 0.2 } else { alpha },
                    if beta.is_nan() { 0.5 } else { beta },
                );
                (a * v + b).clamp(0.0, 1.0)
            }
            "HardSwish" => v * (v / 6.0 + 0.5).clamp(0.0, 1.0),
            "LeakyRelu" => {
                if v >= 0.0 {
                    v
                } else {
                    v * if alpha.is_nan() { 0.01 } else { alpha }
                }
            }
            "Gelu" if tanh_gelu => {
                0.5 * v
                    * (1.0
                        + ((2.0f32 / std::f32::consts::PI).sqrt() * (v + 0.044715 * v * v * v))
                            .tanh())
            }
            "Gelu" => 0.5 * v * (1.0 + erf(v / std::f32::consts::SQRT_2)),
            _ => v.clamp(lo, hi),
        }
    };
    Ok(Tensor::f32(
        x.shape.clone(),
        x.floats().iter().map(|&v| f(v)).collect(),
    ))
}

fn scalar<T: Copy>(v: &[T]) -> R<T> {
    match v {
        [x] => Ok(*x),
        _ => Err(format!("expected one value, found {}", v.len())),
    }
}

fn cast(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let x = m.req(n, 0)?;
    let to = m.attrs(n).int("to", 0) as i32;
    Ok(match to {
        dtype::F32 => Tensor::f32(x.shape.clone(), x.floats().into_owned()),
        t => {
            let (lo, hi) = super::tensor::int_range(t)
                .ok_or_else(|| format!("Cast to {}", crate::onnx::tensor::type_name(t)))?;
            let v = match &x.data {
                Data::F(f) => f.iter().map(|&v| (v as i64).clamp(lo, hi)).collect(),
                Data::I(i) => i
                    .iter()
                    .map(|&v| match t {
                        dtype::BOOL => i64::from(v != 0),
                        _ if lo == i64::MIN => v,
                        _ => {
                            let bits = (hi - lo + 1).trailing_zeros();
                            let w = v & ((1i64 << bits) - 1);
                            if lo < 0 && w > hi {
                                w - (1i64 << bits)
                            } else {
                                w
                            }
                        }
                    })
                    .collect(),
            };
            Tensor::int(t, x.shape.clone(), v)
        }
    })
}

fn transpose(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let x = m.req(n, 0)?;
    let r = x.shape.len();
    let perm: Vec<usize> = match m.attrs(n).int_list("perm") {
        Some(p) => p
            .iter()
            .map(|&v| v.rem_euclid(r.max(1) as i64) as usize)
            .collect(),
        None => (0..r).rev().collect(),
    };
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape[p]).collect();
    let mut in_strides = vec![1usize; r];
    for d in (0..r.saturating_sub(1)).rev() {
        in_strides[d] = in_strides[d + 1] * x.shape[d + 1];
    }
    let total = check_size(&shape)?;
    let mut src = Vec::with_capacity(total);
    let mut idx = vec![0usize; r];
    for _ in 0..total {
        src.push(
            idx.iter()
                .zip(&perm)
                .map(|(&i, &p)| i * in_strides[p])
                .sum::<usize>(),
        );
        for d in (0..r).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    Ok(gather_flat(&x, shape, &src))
}

/// A tensor of `shape` whose element `i` is `x`'s element `src[i]`.
fn gather_flat(x: &Tensor, shape: Vec<usize>, src: &[usize]) -> Tensor {
    let data = match &x.data {
        Data::F(v) => Data::F(src.iter().map(|&i| v[i]).collect()),
        Data::I(v) => Data::I(src.iter().map(|&i| v[i]).collect()),
    };
    Tensor {
        dtype: x.dtype,
        shape,
        data,
    }
}

fn concat(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let shape = m.out_shape(n, 0)?;
    let r = shape.len();
    let axis = m.attrs(n).int("axis", 0).rem_euclid(r.max(1) as i64) as usize;
    let outer: usize = shape[..axis].iter().product();
    let mut parts = Vec::new();
    for i in 0..n.inputs.len() {
        if let Some(t) = m.input(n, i)? {
            parts.push(t);
        }
    }
    let first = parts.first().ok_or("Concat of nothing")?.clone();
    let mut f = Vec::new();
    let mut iv = Vec::new();
    for o in 0..outer {
        for p in &parts {
            let inner: usize = p.shape[axis..].iter().product();
            match &p.data {
                Data::F(v) => f.extend_from_slice(&v[o * inner..(o + 1) * inner]),
                Data::I(v) => iv.extend_from_slice(&v[o * inner..(o + 1) * inner]),
            }
        }
    }
    Ok(match first.data {
        Data::F(_) => Tensor::f32(shape, f),
        Data::I(_) => Tensor::int(first.dtype, shape, iv),
    })
}

/// `Split`: pieces along `axis` of the sizes the analysis found.
fn split(m: &mut Machine, n: &NodeProto) -> R<Vec<Tensor>> {
    let x = m.req(n, 0)?;
    let r = x.shape.len();
    let axis = m.attrs(n).int("axis", 0).rem_euclid(r.max(1) as i64) as usize;
    let outer: usize = x.shape[..axis].iter().product();
    let inner: usize = x.shape[axis + 1..].iter().product();
    let mut start = 0;
    let mut outs = Vec::new();
    for i in 0..n.outputs.len() {
        let shape = m.out_shape(n, i)?;
        let len = shape[axis];
        let src: Vec<usize> = (0..outer)
            .flat_map(|o| {
                let base = (o * x.shape[axis] + start) * inner;
                base..base + len * inner
            })
            .collect();
        outs.push(gather_flat(&x, shape, &src));
        start += len;
    }
    Ok(outs)
}

/// `Slice` (opset 10 on: starts, ends, axes and steps as inputs; earlier:
/// attributes), clamped as ONNX defines.
fn slice(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let x = m.req(n, 0)?;
    let r = x.shape.len();
    let at = m.attrs(n);
    let list = |m: &mut Machine, i: usize, attr: &str| -> R<Option<Vec<i64>>> {
        if at.opset < 10 {
            return Ok(at.int_list(attr));
        }
        Ok(m.input(n, i)?.map(|t| t.ints().into_owned()))
    };
    let starts = list(m, 1, "starts")?.ok_or("starts are missing")?;
    let axes = list(m, 3, "axes")?.unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps = list(m, 4, "steps")?.unwrap_or_else(|| vec![1; starts.len()]);
    let mut begin = vec![0i64; r];
    let mut step = vec![1i64; r];
    for (j, &a) in axes.iter().enumerate() {
        let a = a.rem_euclid(r.max(1) as i64) as usize;
        let d = x.shape[a] as i64;
        let s = *steps.get(j).unwrap_or(&1);
        if s == 0 {
            return Err("a step of 0".into());
        }
        // Where the slice starts; its length is the analysis's output shape.
        let v = if starts[j] < 0 {
            starts[j] + d
        } else {
            starts[j]
        };
        begin[a] = if s > 0 {
            v.clamp(0, d)
        } else {
            v.clamp(-1, d - 1)
        };
        step[a] = s;
    }
    let shape = m.out_shape(n, 0)?;
    let total = check_size(&shape)?;
    let mut strides = vec![1usize; r];
    for d in (0..r.saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * x.shape[d + 1];
    }
    let mut src = Vec::with_capacity(total);
    let mut idx = vec![0usize; r];
    for _ in 0..total {
        src.push(
            (0..r)
                .map(|d| (begin[d] + idx[d] as i64 * step[d]) as usize * strides[d])
                .sum(),
        );
        for d in (0..r).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    Ok(gather_flat(&x, shape, &src))
}

/// `Gather` along `axis` (negative indices count from the end).
fn gather(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (x, ids) = (m.req(n, 0)?, m.req(n, 1)?);
    let r = x.shape.len();
    let axis = m.attrs(n).int("axis", 0).rem_euclid(r.max(1) as i64) as usize;
    let d = x.shape[axis] as i64;
    let outer: usize = x.shape[..axis].iter().product();
    let inner: usize = x.shape[axis + 1..].iter().product();
    let idx = ids.ints();
    let shape = m.out_shape(n, 0)?;
    check_size(&shape)?;
    let mut src = Vec::new();
    for o in 0..outer {
        for &i in idx.iter() {
            let i = if i < 0 { i + d } else { i };
            if !(0..d).contains(&i) {
                return Err(format!("index {i} is out of range for a dimension of {d}"));
            }
            let base = (o * d as usize + i as usize) * inner;
            src.extend(base..base + inner);
        }
    }
    Ok(gather_flat(&x, shape, &src))
}

/// MaxPool (floats or integers) and AveragePool (floats), 1-D or 2-D.
fn pool(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let x = m.req(n, 0)?;
    let at = m.attrs(n);
    let kernel: Vec<u64> = at
        .int_list("kernel_shape")
        .ok_or("kernel_shape is missing")?
        .iter()
        .map(|&v| v.max(0) as u64)
        .collect();
    let spatial: Vec<u64> = x.shape[2..].iter().map(|&d| d as u64).collect();
    if !(1..=2).contains(&spatial.len()) {
        return Err(format!(
            "a pool over {} spatial axes (1 and 2 run)",
            spatial.len()
        ));
    }
    let win = crate::onnx::shape::window(&at, &spatial, &kernel, false).map_err(|e| e.message)?;
    let out = m.out_shape(n, 0)?;
    let two = |v: &[u64], one: u64| {
        if v.len() == 1 {
            (one as usize, v[0] as usize)
        } else {
            (v[0] as usize, v[1] as usize)
        }
    };
    let (h, w) = two(&spatial, 1);
    let (kh, kw) = two(&kernel, 1);
    let (sh, sw) = two(&win.strides, 1);
    let (dh, dw) = two(&win.dilations, 1);
    let (pt, pl) = two(&win.begin, 0);
    let (pb, pr) = two(&win.end, 0);
    let (oh, ow) = two(&out[2..].iter().map(|&d| d as u64).collect::<Vec<_>>(), 1);
    let planes = x.shape[0] * x.shape[1];
    let max = n.op_type == "MaxPool";
    let include_pad = at.int("count_include_pad", 0) != 0;
    let xf = x.floats();
    let xi = x.ints();
    let is_int = matches!(x.data, Data::I(_));
    let (mut fo, mut io) = (Vec::new(), Vec::new());
    for p in 0..planes {
        for oy in 0..oh {
            for ox in 0..ow {
                let (mut best_f, mut best_i, mut sum, mut cnt) =
                    (f32::NEG_INFINITY, i64::MIN, 0f32, 0usize);
                let mut padded_cnt = 0usize;
                for i in 0..kh {
                    let y = (oy * sh + i * dh) as isize - pt as isize;
                    for j in 0..kw {
                        let xx = (ox * sw + j * dw) as isize - pl as isize;
                        // Inside the padded extent (for count_include_pad).
                        if y < h as isize + pb as isize && xx < w as isize + pr as isize {
                            padded_cnt += 1;
                        }
                        if y < 0 || xx < 0 || y >= h as isize || xx >= w as isize {
                            continue;
                        }
                        let at = p * h * w + y as usize * w + xx as usize;
                        if is_int {
                            best_i = best_i.max(xi[at]);
                        } else {
                            best_f = best_f.max(xf[at]);
                            sum += xf[at];
                        }
                        cnt += 1;
                    }
                }
                if is_int {
                    if !max {
                        return Err("AveragePool of integers (use QLinearAveragePool)".into());
                    }
                    io.push(best_i);
                } else if max {
                    fo.push(best_f);
                } else {
                    fo.push(sum / if include_pad { padded_cnt } else { cnt }.max(1) as f32);
                }
            }
        }
    }
    Ok(if is_int {
        Tensor::int(x.dtype, out, io)
    } else {
        Tensor::f32(out, fo)
    })
}

/// GlobalAveragePool and GlobalMaxPool in f32. The average sums as
/// onnxruntime's MLAS does on x86-64 (docs/INFER.md): with a channel count
/// that is a multiple of 16 (its NCHWc block), in pixel order; otherwise
/// (`MlasPoolGlobalKernel`) four lane sums over the first `4 * floor(HW/4)`
/// pixels, combined as `(L0 + L2) + (L1 + L3)`, then the rest in order;
/// then divided by `HW`.
fn global_pool(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let x = m.req(n, 0)?;
    let out = m.out_shape(n, 0)?;
    let pixels: usize = x.shape[2..].iter().product();
    let blocked = x.shape.get(1).is_some_and(|c| c % 16 == 0);
    let xf = x.floats();
    let v = xf
        .chunks(pixels.max(1))
        .map(|c| {
            if n.op_type == "GlobalMaxPool" {
                return c.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            }
            let sum = if blocked {
                c.iter().fold(0f32, |s, &v| s + v)
            } else {
                let n4 = c.len() / 4 * 4;
                let mut lanes = [0f32; 4];
                for (i, &v) in c[..n4].iter().enumerate() {
                    lanes[i % 4] += v;
                }
                let s = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
                c[n4..].iter().fold(s, |s, &v| s + v)
            };
            sum / pixels as f32
        })
        .collect();
    Ok(Tensor::f32(out, v))
}

/// `exp(x)` of MLAS's AVX-512F softmax kernel (`MlasComputeSumExpF32KernelAvx512F`,
/// constants `MlasExpConstants`): a rounding of `x / ln 2` by the 1.5 * 2^23
/// trick, a two-part Cody–Waite reduction, a degree-6 polynomial by FMA,
/// and an exact scaling by `2^n`.
fn mlas_exp(x: f32) -> f32 {
    let x = x.max(f32::from_bits(0xc2cf_f1b5));
    let shift = 12_582_912f32;
    let nn = f32::from_bits(0x3fb8_aa3b).mul_add(x, shift) - shift;
    let r = nn.mul_add(f32::from_bits(0xbf31_7200), x);
    let r = nn.mul_add(f32::from_bits(0xb5bf_be8e), r);
    let mut p = f32::from_bits(0x3ab4_a000);
    for c in [0x3c09_2f6e, 0x3d2a_adad, 0x3e2a_aa28, 0x3eff_fffb] {
        p = p.mul_add(r, f32::from_bits(c));
    }
    p = p.mul_add(r, 1.0);
    p = p.mul_add(r, 1.0);
    // p * 2^n with one rounding: the product is exact in f64.
    (f64::from(p) * 2f64.powi(nn as i32)) as f32
}

/// Softmax in f32 as onnxruntime's MLAS computes it on x86-64 with AVX-512F
/// (`MlasComputeSoftmax`; docs/INFER.md): `e_i = exp(x_i - max)` by
/// [`mlas_exp`], summed in 16 lanes (lane j takes every i = j mod 16 in
/// order), the lanes folded `t_j = l_j + l_(j+8)`, then
/// `((t0+t1)+(t2+t3)) + ((t4+t5)+(t6+t7))`, and `y_i = e_i * (1 / sum)`.
fn softmax(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let x = m.req(n, 0)?;
    let r = x.shape.len();
    let opset = m.attrs(n).opset;
    let axis = m
        .attrs(n)
        .int("axis", if opset >= 13 { -1 } else { 1 })
        .rem_euclid(r.max(1) as i64) as usize;
    // Opset 13 normalizes along one axis; earlier ones over the flattened
    // dimensions from `axis` on.
    let inner: usize = if opset >= 13 {
        x.shape[axis + 1..].iter().product()
    } else {
        1
    };
    let len: usize = if opset >= 13 {
        x.shape[axis]
    } else {
        x.shape[axis..].iter().product()
    };
    let xf = x.floats();
    let mut out = vec![0f32; xf.len()];
    let outer = xf.len() / (len * inner).max(1);
    for o in 0..outer {
        for i in 0..inner {
            let at = |j: usize| o * len * inner + j * inner + i;
            let mx = (0..len)
                .map(|j| xf[at(j)])
                .fold(f32::NEG_INFINITY, f32::max);
            let mut lanes = [0f32; 16];
            for j in 0..len {
                let e = mlas_exp(xf[at(j)] + -mx);
                out[at(j)] = e;
                lanes[j % 16] += e;
            }
            let t: Vec<f32> = (0..8).map(|j| lanes[j] + lanes[j + 8]).collect();
            let sum = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
            let inv = 1.0 / sum;
            for j in 0..len {
                out[at(j)] *= inv;
            }
        }
    }
    Ok(Tensor::f32(x.shape.clone(), out))
}

fn layer_norm(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (x, scale) = (m.req(n, 0)?, m.req(n, 1)?);
    let bias = m.input(n, 2)?;
    let r = x.shape.len();
    let axis = m.attrs(n).int("axis", -1).rem_euclid(r.max(1) as i64) as usize;
    let eps = m.attrs(n).float("epsilon", 1e-5);
    let len: usize = x.shape[axis..].iter().product();
    let (xf, sf) = (x.floats(), scale.floats());
    let bf = bias.as_ref().map(|b| b.floats().into_owned());
    if sf.len() != len || bf.as_ref().is_some_and(|b| b.len() != len) {
        return Err(format!("scale and bias must have {len} values"));
    }
    let mut out = Vec::with_capacity(xf.len());
    for row in xf.chunks(len.max(1)) {
        let mean = row.iter().sum::<f32>() / len as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / len as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for (j, v) in row.iter().enumerate() {
            let y = (v - mean) * inv * sf[j];
            out.push(bf.as_ref().map_or(y, |b| y + b[j]));
        }
    }
    Ok(Tensor::f32(x.shape.clone(), out))
}

/// A float operand quantized as `quantize_dynamic` does: an initializer
/// weight to int8, symmetric, per tensor (`quantize_weight`); an activation
/// to uint8 by `DynamicQuantizeLinear`. Returns the integers, the scale and
/// the zero point.
fn dyn_quant(m: &Machine, name: &str, t: &Tensor) -> R<(Tensor, f32, i64)> {
    let f = t.floats();
    if let Some(i) = f.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "`{name}`[{i}] is {}: quantization needs finite values",
            f[i]
        ));
    }
    if m.a.initializers.contains(name) {
        let p = QuantParams::<i8>::from_data(&f, Scheme::Symmetric);
        let q = f.iter().map(|&v| i64::from(p.quantize(v))).collect();
        Ok((
            Tensor::int(dtype::I8, t.shape.clone(), q),
            p.scale,
            i64::from(p.zero_point),
        ))
    } else {
        let mut v = qops::dynamic_quantize_linear(t)?;
        let z = v.pop().expect("3 outputs").ints()[0];
        let s = v.pop().expect("3 outputs").floats()[0];
        Ok((v.pop().expect("3 outputs"), s, z))
    }
}

/// Float `MatMul`: quantized dynamically and run on the array (MatMulInteger,
/// then `float(acc) * (a_scale * b_scale)` as quantize_dynamic's Cast and
/// Mul nodes compute it), or in f64 on the host for the fp32 run.
fn float_matmul(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (a, b) = (m.req(n, 0)?, m.req(n, 1)?);
    if m.quantizes(n) {
        let (qa, sa, za) = dyn_quant(m, &n.inputs[0], &a)?;
        let (qb, sb, zb) = dyn_quant(m, &n.inputs[1], &b)?;
        let acc = qmatmul(m, n, &qa, za, &qb, zb)?;
        let s = sa * sb;
        return Ok(Tensor::f32(
            acc.shape.clone(),
            acc.ints().iter().map(|&v| v as f32 * s).collect(),
        ));
    }
    let (shape, offs, (mm, k, nn)) = qops::batches(&a.shape, &b.shape)?;
    check_size(&shape)?;
    let (af, bf) = (a.floats(), b.floats());
    let mut out = Vec::with_capacity(offs.len() * mm * nn);
    for &(oa, ob) in &offs {
        out.extend(host_or_array_gemm(
            m,
            n,
            &af[oa..oa + mm * k],
            &bf[ob..ob + k * nn],
            (mm, k, nn),
        )?);
    }
    Ok(Tensor::f32(shape, out))
}

/// A float GEMM: on the pe engine in a floating-point design's arithmetic
/// (A and B rounded to its operand format, added in the array's order, C
/// its fp32 accumulator), or in f64 on the host (one rounding per output).
fn host_or_array_gemm(
    m: &mut Machine,
    n: &NodeProto,
    a: &[f32],
    b: &[f32],
    (mm, k, nn): (usize, usize, usize),
) -> R<Vec<f32>> {
    let Some(f) = m.design.fp.filter(|_| m.float_array) else {
        return Ok(crate::quant::fp32_gemm(a, b, mm, k, nn));
    };
    let fp32 = crate::fp::FP32;
    let enc = |v: &[f32]| -> Vec<i64> {
        v.iter()
            .map(|&x| i64::from(f.operand.convert(fp32, x.to_bits(), f.mode)))
            .collect()
    };
    let run = crate::engine::pe::run(m.design, &enc(a), &enc(b), mm as u64, k as u64, nn as u64)
        .map_err(|e| format!("the pe engine refused the GEMM: {e}"))?;
    let mkn = (mm as u64, k as u64, nn as u64);
    let zeros = super::zero_counts(m.design, a, b, mkn, |&x| x == 0.0);
    m.record(n, mkn, &run, zeros);
    Ok(run
        .c
        .iter()
        .map(|&c| f32::from_bits(fp32.convert(f.acc, c as u32, crate::fp::Mode::IEEE)))
        .collect())
}

/// MatMulInteger of quantized operands with scalar zero points.
fn qmatmul(m: &mut Machine, n: &NodeProto, a: &Tensor, za: i64, b: &Tensor, zb: i64) -> R<Tensor> {
    let (shape, offs, (mm, k, nn)) = qops::batches(&a.shape, &b.shape)?;
    check_size(&shape)?;
    let (ai, bi) = (a.ints(), b.ints());
    let mut out = Vec::with_capacity(offs.len() * mm * nn);
    if b.shape.len() == 2 && offs.len() > 1 {
        out = qops::gemm(
            m,
            n,
            &ai,
            &[za],
            &bi,
            &[zb],
            (offs.len() * mm, k, nn),
            (a.dtype, b.dtype),
        )?;
    } else {
        for &(oa, ob) in &offs {
            out.extend(qops::gemm(
                m,
                n,
                &ai[oa..oa + mm * k],
                &[za],
                &bi[ob..ob + k * nn],
                &[zb],
                (mm, k, nn),
                (a.dtype, b.dtype),
            )?);
        }
    }
    Ok(Tensor::int(dtype::I32, shape, out))
}

/// Float `Gemm`: `alpha * A' B' + beta * C`; the product quantized as in
/// [`float_matmul`] under `--quantize`.
fn float_gemm(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (a, b) = (m.req(n, 0)?, m.req(n, 1)?);
    let c = m.input(n, 2)?;
    let at = m.attrs(n);
    let (alpha, beta) = (at.float("alpha", 1.0), at.float("beta", 1.0));
    let (ta, tb) = (at.int("transA", 0) != 0, at.int("transB", 0) != 0);
    if a.shape.len() != 2 || b.shape.len() != 2 {
        return Err(format!(
            "Gemm of shapes {:?} and {:?}: both must be 2-D",
            a.shape, b.shape
        ));
    }
    let a2 = if ta { Rc::new(qops::transpose2(&a)) } else { a };
    let b2 = if tb { Rc::new(qops::transpose2(&b)) } else { b };
    let prod = if m.quantizes(n) {
        let (qa, sa, za) = dyn_quant(m, &n.inputs[0], &a2)?;
        let (qb, sb, zb) = dyn_quant(m, &n.inputs[1], &b2)?;
        let acc = qmatmul(m, n, &qa, za, &qb, zb)?;
        let s = sa * sb;
        Tensor::f32(
            acc.shape.clone(),
            acc.ints().iter().map(|&v| v as f32 * s).collect(),
        )
    } else {
        let (mm, k, nn) = (a2.shape[0], a2.shape[1], b2.shape[1]);
        Tensor::f32(
            vec![mm, nn],
            host_or_array_gemm(m, n, &a2.floats(), &b2.floats(), (mm, k, nn))?,
        )
    };
    let Some(c) = c else {
        return Ok(if alpha == 1.0 {
            prod
        } else {
            scale(prod, alpha)
        });
    };
    let (shape, ip, ic) = broadcast(&prod.shape, &c.shape)?;
    let (pf, cf) = (prod.floats(), c.floats());
    Ok(Tensor::f32(
        shape,
        ip.iter()
            .zip(&ic)
            .map(|(&i, &j)| {
                let p = if alpha == 1.0 { pf[i] } else { alpha * pf[i] };
                if beta == 1.0 {
                    p + cf[j]
                } else {
                    p + beta * cf[j]
                }
            })
            .collect(),
    ))
}

fn scale(t: Tensor, s: f32) -> Tensor {
    Tensor::f32(t.shape.clone(), t.floats().iter().map(|&v| v * s).collect())
}

/// Float `Conv`: under `--quantize` as quantize_dynamic makes it
/// (`ConvInteger` of uint8 activations and int8 weights, `float(acc) *
/// (x_scale * w_scale)`, plus the bias); else im2col in f64 on the host.
fn float_conv(m: &mut Machine, n: &NodeProto) -> R<Tensor> {
    let (x, w) = (m.req(n, 0)?, m.req(n, 1)?);
    let b = m.input(n, 2)?;
    let mo = w.shape.first().copied().unwrap_or(0);
    let bias = b.as_ref().map(|b| b.floats().into_owned());
    if bias.as_ref().is_some_and(|b| b.len() != mo) {
        return Err(format!(
            "{} bias values for {mo} output channels",
            bias.map_or(0, |b| b.len())
        ));
    }
    let (acc, s) = if m.quantizes(n) {
        let (qx, sx, zx) = dyn_quant(m, &n.inputs[0], &x)?;
        let (qw, sw, zw) = dyn_quant(m, &n.inputs[1], &w)?;
        let acc = qops::conv_acc(
            m,
            n,
            &qx,
            zx,
            &qw,
            &Tensor::int(qw.dtype, vec![], vec![zw]),
            None,
        )?;
        (acc, Some(sx * sw))
    } else {
        (float_conv_im2col(m, n, &x, &w)?, None)
    };
    let p: usize = acc.shape[2..].iter().product();
    let v: Vec<f32> = match (&acc.data, s) {
        (Data::I(v), Some(s)) => v.iter().map(|&a| a as f32 * s).collect(),
        (Data::F(v), _) => v.clone(),
        _ => unreachable!("integer accumulators come with a scale"),
    };
    let v = v
        .iter()
        .enumerate()
        .map(|(i, &y)| bias.as_ref().map_or(y, |b| y + b[(i / p.max(1)) % mo]))
        .collect();
    Ok(Tensor::f32(acc.shape.clone(), v))
}

/// A float convolution's geometry and its output's shape (checked for size).
struct ConvOut {
    attrs: crate::quant::ConvAttrs,
    input: (usize, usize, usize, usize),
    kernel: (usize, usize),
    out: (usize, usize),
    shape: Vec<usize>,
}

fn conv_out(m: &Machine, n: &NodeProto, x: &Tensor, w: &Tensor) -> R<ConvOut> {
    let (attrs, input, kernel) = qops::conv_attrs(m, n, x, w)?;
    let (oh, ow) = attrs
        .output_hw((input.2, input.3), kernel)
        .ok_or("the kernel does not fit the padded input")?;
    let mut shape = vec![input.0, w.shape[0]];
    shape.extend(if x.shape.len() == 3 {
        vec![ow]
    } else {
        vec![oh, ow]
    });
    check_size(&shape)?;
    Ok(ConvOut {
        attrs,
        input,
        kernel,
        out: (oh, ow),
        shape,
    })
}

/// A float `Conv` by im2col: per batch image and group, the window matrix
/// (rows: output pixels; columns: input channel, kernel row, kernel column,
/// zeros where the window leaves the padded input) times the group's
/// weights (`K x M`), by [`host_or_array_gemm`]: on the array of a
/// floating-point design, or in f64 on the host (one rounding per output).
fn float_conv_im2col(m: &mut Machine, n: &NodeProto, x: &Tensor, w: &Tensor) -> R<Tensor> {
    let ConvOut {
        attrs,
        input: (nb, c, h, wd),
        kernel: (kh, kw),
        out: (oh, ow),
        shape: out_shape,
    } = conv_out(m, n, x, w)?;
    let mo = w.shape[0];
    let g = attrs.group.max(1);
    let (cg, mg) = (c / g, mo / g);
    let kk = cg * kh * kw;
    check_size(&[oh * ow, kk])?;
    let (xf, wf) = (x.floats(), w.floats());
    let mut out = vec![0f32; nb * mo * oh * ow];
    for b in 0..nb {
        for gi in 0..g {
            let mut cols = vec![0f32; oh * ow * kk];
            for oy in 0..oh {
                for ox in 0..ow {
                    let row = &mut cols[(oy * ow + ox) * kk..(oy * ow + ox + 1) * kk];
                    for ci in 0..cg {
                        for i in 0..kh {
                            let y = (oy * attrs.strides[0] + i * attrs.dilations[0]) as isize
                                - attrs.pads[0] as isize;
                            for j in 0..kw {
                                let xx = (ox * attrs.strides[1] + j * attrs.dilations[1]) as isize
                                    - attrs.pads[1] as isize;
                                if (0..h as isize).contains(&y) && (0..wd as isize).contains(&xx) {
                                    row[(ci * kh + i) * kw + j] =
                                        xf[((b * c + gi * cg + ci) * h + y as usize) * wd
                                            + xx as usize];
                                }
                            }
                        }
                    }
                }
            }
            // The group's weights as K x M.
            let mut wk = vec![0f32; kk * mg];
            for o in 0..mg {
                for q in 0..kk {
                    wk[q * mg + o] = wf[(gi * mg + o) * kk + q];
                }
            }
            let y = host_or_array_gemm(m, n, &cols, &wk, (oh * ow, kk, mg))?;
            for p in 0..oh * ow {
                for o in 0..mg {
                    out[(b * mo + gi * mg + o) * oh * ow + p] = y[p * mg + o];
                }
            }
        }
    }
    Ok(Tensor::f32(out_shape, out))
}
