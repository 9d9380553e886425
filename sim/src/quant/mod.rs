//! Integer quantization with ONNX Runtime's semantics: scale and zero point
//! from a value range, `QuantizeLinear`, `DequantizeLinear`, requantization
//! of int32 accumulators, and error metrics. The integer reference operators
//! (`MatMulInteger`, `QLinearMatMul`, `QLinearConv`) are in [`ops`].
//!
//! Every formula below names the ONNX Runtime (ORT) source it reproduces;
//! `sim/tests/quant_ort.rs` checks them bit for bit against outputs of
//! onnxruntime 1.32 (fixtures made by `scripts/make_ort_fixtures.py`).
//!
//! - Scale and zero point, offline quantizer (QDQ and QOperator formats,
//!   weights of dynamic quantization): [`compute_scale_zp`], a port of
//!   `compute_scale_zp` in `onnxruntime/python/tools/quantization/quant_utils.py`.
//! - Scale and zero point at run time (`DynamicQuantizeLinear`,
//!   `DynamicQuantizeMatMul`): [`QuantParams::dynamic`], a port of
//!   `GetQuantizationParameter` in `onnxruntime/core/util/qmath.h`.
//! - Quantize: [`QuantParams::quantize`], `MlasQuantizeLinear` in
//!   `onnxruntime/core/mlas/lib/quantize.cpp`.
//! - Requantize: [`requantize`], `MlasRequantizeOutput` in the same file, with
//!   the multiplier of `QLinearConv::ComputeOutputScale`
//!   (`core/providers/cpu/quantization/qlinearconv.cc`) and
//!   `QLinearMatMul::Compute` (`quantize_linear_matmul.cc`).

pub mod array;
pub mod conv;
pub mod ops;

pub use array::{fp32_gemm, quantized_gemm, QuantOptions, QuantizedGemm};
pub use ops::{
    conv_integer, im2col, matmul_integer, qlinear_conv, ConvAttrs, Nchw, QLinearConv, QLinearMatMul,
};

use crate::error::{InputError, Result, SimError};
use std::fmt::Debug;

/// An integer type values are quantized to (`u8`, `i8`, `u16`, `i16`).
pub trait QInt: Copy + Into<i32> + PartialEq + Debug + Default + Send + Sync + 'static {
    /// Smallest value.
    const MIN: i32;
    /// Largest value.
    const MAX: i32;
    /// Lower end of the range ORT's quantizer uses for symmetric quantization
    /// (`ONNX_INT_TYPE_SYMMETRIC_RANGE`): `-127` for int8 and `-32767` for
    /// int16, so that the range is symmetric about zero; [`QInt::MIN`] for
    /// unsigned types, whose symmetric zero point is the mid-point instead.
    const SYMMETRIC_MIN: i32;
    /// ONNX type name, e.g. `int8`.
    const NAME: &'static str;
    /// `v` clamped to `[MIN, MAX]`.
    fn saturate(v: i32) -> Self;
}

macro_rules! qint {
    ($t:ty, $sym_min:expr, $name:literal) => {
        impl QInt for $t {
            const MIN: i32 = <$t>::MIN as i32;
            const MAX: i32 = <$t>::MAX as i32;
            const SYMMETRIC_MIN: i32 = $sym_min;
            const NAME: &'static str = $name;
            fn saturate(v: i32) -> Self {
                v.clamp(<Self as QInt>::MIN, <Self as QInt>::MAX) as $t
            }
        }
    };
}

qint!(u8, 0, "uint8");
qint!(i8, -127, "int8");
qint!(u16, 0, "uint16");
qint!(i16, -32767, "int16");

/// Whether the real range is centred on zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `[-absmax, absmax]`: zero point 0 for signed types, the mid-point
    /// (128, 32768) for unsigned ones.
    Symmetric,
    /// `[min(rmin, 0), max(rmax, 0)]` mapped onto the type's full range.
    Asymmetric,
}

/// The scale and zero point of one tensor or one channel:
/// `real = scale * (q - zero_point)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantParams<T> {
    /// Real value of one integer step.
    pub scale: f32,
    /// The integer that represents real 0.
    pub zero_point: T,
}

impl<T: QInt> QuantParams<T> {
    /// Parameters with the given scale and zero point.
    pub fn new(scale: f32, zero_point: T) -> Self {
        QuantParams { scale, zero_point }
    }

    /// Parameters ORT's offline quantizer picks for values in `[rmin, rmax]`
    /// (see [`compute_scale_zp`]); symmetric signed types use the narrowed
    /// range of [`QInt::SYMMETRIC_MIN`].
    pub fn from_min_max(rmin: f32, rmax: f32, scheme: Scheme) -> Self {
        let symmetric = scheme == Scheme::Symmetric;
        let qmin = if symmetric { T::SYMMETRIC_MIN } else { T::MIN };
        let (scale, zp) = compute_scale_zp(rmin, rmax, qmin, T::MAX, symmetric);
        QuantParams::new(scale, T::saturate(zp))
    }

    /// Parameters ORT's offline quantizer picks for `data`
    /// (`compute_data_quant_params` in `quant_utils.py`): the range is the
    /// data's minimum and maximum; empty data gets scale 1, zero point 0.
    pub fn from_data(data: &[f32], scheme: Scheme) -> Self {
        match min_max(data) {
            Some((lo, hi)) => Self::from_min_max(lo, hi, scheme),
            None => QuantParams::new(1.0, T::default()),
        }
    }

    /// Parameters ORT computes at run time for `data` (`DynamicQuantizeLinear`;
    /// `GetQuantizationParameter` in `onnxruntime/core/util/qmath.h`), all in
    /// f32: `min = min(data, 0)`, `max = max(data, 0)`,
    /// `scale = (max - min) / (qmax - qmin)` (1 when `max == min`),
    /// `zero_point = round_half_even(clamp(qmin - min / scale, qmin, qmax))`.
    pub fn dynamic(data: &[f32]) -> Self {
        let (lo, hi) = min_max(data).unwrap_or((0.0, 0.0));
        let (lo, hi) = (lo.min(0.0), hi.max(0.0));
        let (qmin, qmax) = (T::MIN as f32, T::MAX as f32);
        let scale = if hi == lo {
            1.0
        } else {
            (hi - lo) / (qmax - qmin)
        };
        let zp = (qmin - lo / scale).clamp(qmin, qmax).round_ties_even();
        QuantParams::new(scale, T::saturate(zp as i32))
    }

    /// `QuantizeLinear` of one value, as `MlasQuantizeLinear` computes it:
    /// `x / scale` in f32, clamped to `[MIN - zp, MAX - zp]`, rounded half to
    /// even, plus `zp`. NaN becomes `MIN`, as with x86 `maxps`.
    pub fn quantize(&self, x: f32) -> T {
        let zp: i32 = self.zero_point.into();
        let v = (x / self.scale)
            .max((T::MIN - zp) as f32)
            .min((T::MAX - zp) as f32);
        T::saturate(v.round_ties_even() as i32 + zp)
    }

    /// `DequantizeLinear` of one value: `(q - zp)` in int32, converted to f32,
    /// times `scale`.
    pub fn dequantize(&self, q: T) -> f32 {
        (q.into() - self.zero_point.into()) as f32 * self.scale
    }

    /// The real interval the integers cover: `scale * (MIN - zp)` to
    /// `scale * (MAX - zp)`.
    pub fn real_range(&self) -> (f32, f32) {
        let zp: i32 = self.zero_point.into();
        (
            (T::MIN - zp) as f32 * self.scale,
            (T::MAX - zp) as f32 * self.scale,
        )
    }
}

/// ORT's offline quantizer formula (`compute_scale_zp` in
/// `onnxruntime/python/tools/quantization/quant_utils.py`), returning
/// `(scale, zero_point)`:
///
/// 1. widen the range to contain 0: `rmin = min(rmin, 0)`, `rmax = max(rmax, 0)`;
/// 2. if symmetric, `rmin = -absmax`, `rmax = absmax` with
///    `absmax = max(|rmin|, |rmax|)`;
/// 3. `scale = (rmax - rmin) / (qmax - qmin)` in f64;
/// 4. if `scale` is below the smallest normal f32, return `(1.0, 0)`;
/// 5. `zero_point = round_half_even((qmin + qmax) / 2)` if symmetric, else
///    `round_half_even(qmin - rmin / scale)` (f64, with the f64 scale);
/// 6. the scale is stored as f32.
pub fn compute_scale_zp(rmin: f32, rmax: f32, qmin: i32, qmax: i32, symmetric: bool) -> (f32, i32) {
    let (mut rmin, mut rmax) = (rmin.min(0.0), rmax.max(0.0));
    if symmetric {
        let absmax = rmin.abs().max(rmax.abs());
        (rmin, rmax) = (-absmax, absmax);
    }
    let scale = (f64::from(rmax) - f64::from(rmin)) / (f64::from(qmax) - f64::from(qmin));
    if scale < f64::from(f32::MIN_POSITIVE) {
        return (1.0, 0);
    }
    let zp = if symmetric {
        (f64::from(qmin + qmax) / 2.0).round_ties_even()
    } else {
        (f64::from(qmin) - f64::from(rmin) / scale).round_ties_even()
    };
    (scale as f32, (zp as i32).clamp(qmin, qmax))
}

/// `QuantizeLinear` with one scale and zero point for the whole tensor.
pub fn quantize_linear<T: QInt>(x: &[f32], p: QuantParams<T>) -> Vec<T> {
    x.iter().map(|&v| p.quantize(v)).collect()
}

/// `DequantizeLinear` with one scale and zero point for the whole tensor.
pub fn dequantize_linear<T: QInt>(q: &[T], p: QuantParams<T>) -> Vec<f32> {
    q.iter().map(|&v| p.dequantize(v)).collect()
}

/// `QuantizeLinear` of a C-order tensor of `shape` with one parameter pair
/// per index along `axis` (or one pair for all).
pub fn quantize_per_axis<T: QInt>(
    x: &[f32],
    shape: &[usize],
    axis: usize,
    params: &[QuantParams<T>],
) -> Result<Vec<T>> {
    let (inner, channels) = axis_layout(x.len(), shape, axis, params.len())?;
    Ok(x.iter()
        .enumerate()
        .map(|(i, &v)| params[pick(params.len(), (i / inner) % channels)].quantize(v))
        .collect())
}

/// `DequantizeLinear` of a C-order tensor of `shape` with one parameter pair
/// per index along `axis` (or one pair for all).
pub fn dequantize_per_axis<T: QInt>(
    q: &[T],
    shape: &[usize],
    axis: usize,
    params: &[QuantParams<T>],
) -> Result<Vec<f32>> {
    let (inner, channels) = axis_layout(q.len(), shape, axis, params.len())?;
    Ok(q.iter()
        .enumerate()
        .map(|(i, &v)| params[pick(params.len(), (i / inner) % channels)].dequantize(v))
        .collect())
}

/// Per-channel parameters as ORT's quantizer computes them for weights
/// (`quantize_weight_per_channel_impl` in `base_quantizer.py`): the slice at
/// each index along `axis` gets [`QuantParams::from_data`] of its own values.
/// For a conv weight `(M, C, kh, kw)` the output channel is axis 0; for a
/// GEMM weight `K x N` it is axis 1.
pub fn per_axis_params<T: QInt>(
    x: &[f32],
    shape: &[usize],
    axis: usize,
    scheme: Scheme,
) -> Result<Vec<QuantParams<T>>> {
    let channels = shape.get(axis).copied().unwrap_or(0);
    let (inner, channels) = axis_layout(x.len(), shape, axis, channels)?;
    let mut slices = vec![Vec::new(); channels];
    for (i, &v) in x.iter().enumerate() {
        slices[(i / inner) % channels].push(v);
    }
    Ok(slices
        .iter()
        .map(|s| QuantParams::from_data(s, scheme))
        .collect())
}

/// The requantization multiplier `M = s_a * s_b / s_out`, evaluated in f32
/// left to right exactly as ORT's `QLinearConv::ComputeOutputScale` and
/// `QLinearMatMul::Compute` do (`X_scale * W_scale[i] / Y_scale`).
pub fn requantize_multiplier(s_a: f32, s_b: f32, s_out: f32) -> f32 {
    s_a * s_b / s_out
}

/// Requantizes one int32 accumulator (bias already added) to `T`, as the
/// scalar path of ORT's `MlasRequantizeOutput` (`core/mlas/lib/quantize.cpp`)
/// does: `acc` converted to f32 (round to nearest), times `multiplier` in
/// f32, clamped to `[MIN - zp, MAX - zp]`, rounded half to even, plus `zp`.
/// The SSE2 and NEON paths of the same function give the same bits.
pub fn requantize<T: QInt>(acc: i32, multiplier: f32, zero_point: T) -> T {
    let zp: i32 = zero_point.into();
    let v = (acc as f32 * multiplier)
        .max((T::MIN - zp) as f32)
        .min((T::MAX - zp) as f32);
    T::saturate(v.round_ties_even() as i32 + zp)
}

/// Which dimension of a matrix indexes output channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelAxis {
    /// Channel `i` is row `i` (NCHW convolution output, `M x OH*OW`).
    Rows,
    /// Channel `j` is column `j` (GEMM output `M x N` with per-column weights).
    Cols,
}

/// Requantizes a `rows x cols` int32 matrix like `MlasRequantizeOutput`:
/// adds the per-channel `bias` (wrapping int32) and applies [`requantize`]
/// with one multiplier for all or one per channel along `channels`.
pub fn requantize_matrix<T: QInt>(
    acc: &[i32],
    (rows, cols): (usize, usize),
    bias: Option<&[i32]>,
    multipliers: &[f32],
    channels: ChannelAxis,
    zero_point: T,
) -> Result<Vec<T>> {
    if rows.checked_mul(cols) != Some(acc.len()) {
        return Err(shape_error(
            "acc",
            format!(
                "a {rows} x {cols} matrix has {} elements, got {}",
                rows * cols,
                acc.len()
            ),
        ));
    }
    let count = match channels {
        ChannelAxis::Rows => rows,
        ChannelAxis::Cols => cols,
    };
    if multipliers.len() != 1 && multipliers.len() != count {
        return Err(shape_error(
            "multipliers",
            format!(
                "expected 1 or {count} multipliers, got {}",
                multipliers.len()
            ),
        ));
    }
    if let Some(b) = bias {
        if b.len() != count {
            return Err(shape_error(
                "bias",
                format!("expected {count} bias values, got {}", b.len()),
            ));
        }
    }
    Ok(acc
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            let ch = match channels {
                ChannelAxis::Rows => i / cols,
                ChannelAxis::Cols => i % cols,
            };
            let a = bias.map_or(a, |b| a.wrapping_add(b[ch]));
            requantize(a, multipliers[pick(multipliers.len(), ch)], zero_point)
        })
        .collect())
}

/// Largest `|reference - actual|` over all elements (0 for empty input).
///
/// # Panics
/// If the slices differ in length.
pub fn max_abs_error(reference: &[f32], actual: &[f32]) -> f64 {
    assert_eq!(
        reference.len(),
        actual.len(),
        "max_abs_error: lengths differ"
    );
    reference
        .iter()
        .zip(actual)
        .map(|(&r, &a)| (f64::from(r) - f64::from(a)).abs())
        .fold(0.0, f64::max)
}

/// Signal-to-quantization-noise ratio in dB,
/// `10 log10(sum(x^2) / sum((x - y)^2))`, computed in f64; infinite when the
/// two are identical.
///
/// # Panics
/// If the slices differ in length.
pub fn sqnr_db(reference: &[f32], actual: &[f32]) -> f64 {
    assert_eq!(reference.len(), actual.len(), "sqnr_db: lengths differ");
    let (signal, noise) =
        reference
            .iter()
            .zip(actual)
            .fold((0.0f64, 0.0f64), |(s, n), (&r, &a)| {
                let (r, a) = (f64::from(r), f64::from(a));
                (s + r * r, n + (r - a) * (r - a))
            });
    10.0 * (signal / noise).log10()
}

fn min_max(data: &[f32]) -> Option<(f32, f32)> {
    let first = *data.first()?;
    Some(
        data.iter()
            .fold((first, first), |(lo, hi), &v| (lo.min(v), hi.max(v))),
    )
}

/// Index into a parameter list that has one entry for all, or one per channel.
fn pick(len: usize, channel: usize) -> usize {
    if len == 1 {
        0
    } else {
        channel
    }
}

/// Checks a per-axis layout; returns (elements per index step, channels).
fn axis_layout(len: usize, shape: &[usize], axis: usize, params: usize) -> Result<(usize, usize)> {
    if shape.iter().product::<usize>() != len {
        return Err(shape_error(
            "shape",
            format!(
                "shape {shape:?} has {} elements, data has {len}",
                shape.iter().product::<usize>()
            ),
        ));
    }
    let Some(&channels) = shape.get(axis) else {
        return Err(shape_error(
            "axis",
            format!("axis {axis} is out of range for shape {shape:?}"),
        ));
    };
    if params != 1 && params != channels {
        return Err(shape_error(
            "params",
            format!(
                "expected 1 or {channels} scale/zero-point pairs for axis {axis}, got {params}"
            ),
        ));
    }
    let inner = shape[axis + 1..].iter().product::<usize>().max(1);
    Ok((inner, channels.max(1)))
}

/// A shape or length mismatch in the arguments of a quantization function.
pub(crate) fn shape_error(field: &str, message: String) -> SimError {
    InputError::new("systolic::quant::shape", "<quant>", message)
        .field(field)
        .hint("check the tensor shapes and the number of scales and zero points")
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_rounds_half_to_even_and_saturates() {
        let p = QuantParams::<i8>::new(0.5, 0);
        let xs = [
            -1.25f32, -0.75, -0.25, 0.25, 0.75, 1.25, 63.75, 64.0, -64.25, -70.0,
        ];
        let qs: Vec<i8> = xs.iter().map(|&x| p.quantize(x)).collect();
        assert_eq!(qs, vec![-2, -2, 0, 0, 2, 2, 127, 127, -128, -128]);
        let u = QuantParams::<u8>::new(1.0, 128);
        assert_eq!(u.quantize(-128.5), 0);
        assert_eq!(u.quantize(127.5), 255);
        assert_eq!(u.quantize(126.5), 254);
        assert_eq!(u.quantize(125.5), 254);
        assert_eq!(u.quantize(124.5), 252);
        assert_eq!(u.quantize(f32::NAN), 0);
        assert_eq!(u.quantize(f32::INFINITY), 255);
        assert_eq!(u.dequantize(0), -128.0);
    }

    #[test]
    fn offline_params_match_the_quant_utils_formula() {
        // int8 symmetric: [-127, 127], zero point 0, scale absmax / 127.
        let p = QuantParams::<i8>::from_min_max(-0.5, 2.54, Scheme::Symmetric);
        assert_eq!(p.zero_point, 0);
        assert_eq!(p.scale, (2.54f32 as f64 * 2.0 / 254.0) as f32);
        // uint8 symmetric: zero point round_half_even(127.5) = 128.
        let p = QuantParams::<u8>::from_min_max(-1.0, 3.0, Scheme::Symmetric);
        assert_eq!(p.zero_point, 128);
        // Asymmetric: zero point qmin - rmin / scale.
        let p = QuantParams::<u8>::from_min_max(-1.0, 3.0, Scheme::Asymmetric);
        assert_eq!(p.zero_point, 64);
        assert_eq!(p.scale, (4.0f64 / 255.0) as f32);
        // Range is widened to contain 0.
        let p = QuantParams::<i8>::from_min_max(1.0, 2.0, Scheme::Asymmetric);
        assert_eq!(p.zero_point, -128);
        // Degenerate range.
        let p = QuantParams::<i8>::from_min_max(0.0, 0.0, Scheme::Asymmetric);
        assert_eq!((p.scale, p.zero_point), (1.0, 0));
        let p = QuantParams::<i16>::from_data(&[], Scheme::Symmetric);
        assert_eq!((p.scale, p.zero_point), (1.0, 0));
    }

    #[test]
    fn dynamic_params_match_get_quantization_parameter() {
        let p = QuantParams::<u8>::dynamic(&[-1.0, 0.5, 3.0]);
        assert_eq!(p.scale, 4.0f32 / 255.0);
        assert_eq!(p.zero_point, 64);
        let p = QuantParams::<u8>::dynamic(&[0.0; 4]);
        assert_eq!((p.scale, p.zero_point), (1.0, 0));
    }

    #[test]
    fn requantize_clamps_rounds_and_offsets() {
        assert_eq!(requantize::<i8>(5, 0.5, 0), 2);
        assert_eq!(requantize::<i8>(7, 0.5, 0), 4);
        assert_eq!(requantize::<i8>(-5, 0.5, 0), -2);
        assert_eq!(requantize::<i8>(1000, 0.5, 0), 127);
        assert_eq!(requantize::<i8>(-1000, 0.5, 10), -128);
        assert_eq!(requantize::<u8>(-1000, 0.5, 10), 0);
        assert_eq!(requantize::<u8>(3, 1.0, 250), 253);
        // int32 -> f32 rounds to nearest: 2^24 + 1 becomes 2^24.
        assert_eq!(requantize::<i16>((1 << 24) + 1, 1.0 / 1024.0, 0), 16384);
        assert_eq!(requantize_multiplier(0.5, 0.25, 0.125), 1.0);
    }

    #[test]
    fn requantize_matrix_uses_per_channel_bias_and_multipliers() {
        let acc = [10, 20, 30, 40, 50, 60];
        let rows = requantize_matrix::<i8>(
            &acc,
            (2, 3),
            Some(&[1, -1]),
            &[1.0, 0.5],
            ChannelAxis::Rows,
            0,
        )
        .unwrap();
        assert_eq!(rows, vec![11, 21, 31, 20, 24, 30]);
        let cols =
            requantize_matrix::<i8>(&acc, (2, 3), None, &[1.0, 0.5, 0.1], ChannelAxis::Cols, 0)
                .unwrap();
        assert_eq!(cols, vec![10, 10, 3, 40, 25, 6]);
        assert!(requantize_matrix::<i8>(&acc, (2, 2), None, &[1.0], ChannelAxis::Rows, 0).is_err());
        let e = requantize_matrix::<i8>(&acc, (2, 3), None, &[1.0, 2.0], ChannelAxis::Cols, 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected 1 or 3 multipliers, got 2"), "{e}");
    }

    #[test]
    fn per_axis_quantization_uses_each_channels_params() {
        let x = [0.5f32, 1.0, -0.5, -1.0, 2.0, 4.0];
        let params = [QuantParams::<i8>::new(0.5, 0), QuantParams::new(1.0, 1)];
        let q = quantize_per_axis(&x, &[3, 2], 1, &params).unwrap();
        assert_eq!(q, vec![1, 2, -1, 0, 4, 5]);
        let back = dequantize_per_axis(&q, &[3, 2], 1, &params).unwrap();
        assert_eq!(back, vec![0.5, 1.0, -0.5, -1.0, 2.0, 4.0]);
        let pc = per_axis_params::<i8>(&x, &[3, 2], 0, Scheme::Symmetric).unwrap();
        assert_eq!(pc.len(), 3);
        assert_eq!(pc[2].scale, (4.0f64 / 127.0) as f32);
        assert!(quantize_per_axis(&x, &[3, 2], 2, &params).is_err());
        assert!(quantize_per_axis(&x, &[2, 2], 1, &params).is_err());
    }

    #[test]
    fn metrics() {
        assert_eq!(max_abs_error(&[1.0, -2.0], &[1.5, -1.0]), 1.0);
        assert!((sqnr_db(&[1.0, 1.0], &[1.1, 0.9]) - 20.0).abs() < 1e-5);
        assert_eq!(sqnr_db(&[1.0], &[1.0]), f64::INFINITY);
    }
}
