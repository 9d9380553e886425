//! Quantized GEMMs on the array: fp32 operands quantized with ONNX Runtime
//! semantics, the integer product computed bit-exactly by the pe engine, zero
//! points corrected outside the array (as ONNX `MatMulInteger` defines:
//! `(a - za)(b - zb) = ab - zb*sum_k(a) - za*sum_k(b) + K*za*zb`), then
//! dequantized, and compared with the fp32 product.

use super::{
    max_abs_error, per_axis_params, quantize_linear, quantize_per_axis, sqnr_db, QInt, QuantParams,
    Scheme,
};
use crate::design::Design;
use crate::engine::pe::{self, PeRun};
use crate::error::Result;

/// How to quantize the two operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuantOptions {
    /// Scheme of A (activations).
    pub a: Scheme,
    /// Scheme of B (weights).
    pub b: Scheme,
    /// One scale (and zero point) per output channel (column of B) instead of one per tensor.
    pub per_channel: bool,
}

/// A quantized GEMM and how far it is from fp32.
#[derive(Debug, Clone)]
pub struct QuantizedGemm {
    /// The pe-engine run of the integer product (raw `sum(qa * qb)` in `run.c`).
    pub run: PeRun,
    /// `(qa - za)(qb - zb)` accumulated, M x N.
    pub c_int: Vec<i64>,
    /// The dequantized result, M x N.
    pub c: Vec<f32>,
    /// The fp32 product, M x N.
    pub reference: Vec<f32>,
    /// Largest absolute difference from fp32.
    pub max_abs_error: f64,
    /// Signal-to-quantization-noise ratio against fp32 (dB).
    pub sqnr_db: f64,
    /// Scale and zero point of A.
    pub a_params: (f32, i32),
    /// Scales and zero points of B (one, or one per column).
    pub b_params: Vec<(f32, i32)>,
}

/// Runs `A (m x k) x B (k x n)` given in fp32 on `design` quantized to `T`
/// (i8 or i16, matching the design's operand width).
pub fn quantized_gemm<T: QInt>(
    design: &Design,
    a: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
    opts: QuantOptions,
) -> Result<QuantizedGemm> {
    for (name, x, cols) in [("A", a, k), ("B", b, n)] {
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(crate::error::InputError::new(
                "systolic::quant::not_finite",
                name,
                format!(
                    "{name}[{}][{}] is {}: quantization needs finite values",
                    i / cols.max(1),
                    i % cols.max(1),
                    x[i]
                ),
            )
            .hint("replace NaN and infinite values (e.g. numpy.nan_to_num) before quantizing")
            .into());
        }
    }
    let pa = QuantParams::<T>::from_data(a, opts.a);
    let qa = quantize_linear(a, pa);
    let (qb, pbs) = if opts.per_channel {
        let ps = per_axis_params::<T>(b, &[k, n], 1, opts.b)?;
        (quantize_per_axis(b, &[k, n], 1, &ps)?, ps)
    } else {
        let p = QuantParams::<T>::from_data(b, opts.b);
        (quantize_linear(b, p), vec![p; n])
    };
    let wide = |v: &[T]| v.iter().map(|&x| i64::from(x.into())).collect::<Vec<i64>>();
    let (ia, ib) = (wide(&qa), wide(&qb));
    let run = pe::run(design, &ia, &ib, m as u64, k as u64, n as u64)?;
    let za = i64::from(pa.zero_point.into());
    let row_sums: Vec<i64> = (0..m)
        .map(|i| ia[i * k..(i + 1) * k].iter().sum())
        .collect();
    let col_sums: Vec<i64> = (0..n)
        .map(|j| (0..k).map(|l| ib[l * n + j]).sum())
        .collect();
    let mut c_int = vec![0i64; m * n];
    let mut c = vec![0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            let zb = i64::from(pbs[j].zero_point.into());
            let v = run.c[i * n + j] - zb * row_sums[i] - za * col_sums[j] + k as i64 * za * zb;
            c_int[i * n + j] = v;
            // DequantizeLinear of the int32 accumulator with scale s_a * s_b (f32).
            c[i * n + j] = (v as i32) as f32 * (pa.scale * pbs[j].scale);
        }
    }
    let reference = fp32_gemm(a, b, m, k, n);
    Ok(QuantizedGemm {
        max_abs_error: max_abs_error(&reference, &c),
        sqnr_db: sqnr_db(&reference, &c),
        run,
        c_int,
        c,
        reference,
        a_params: (pa.scale, pa.zero_point.into()),
        b_params: pbs.iter().map(|p| (p.scale, p.zero_point.into())).collect(),
    })
}

/// The fp32 product, each dot product accumulated in f64 and rounded once.
pub fn fp32_gemm(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
    let mut c = vec![0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            c[i * n + j] = (0..k)
                .map(|l| f64::from(a[i * k + l]) * f64::from(b[l * n + j]))
                .sum::<f64>() as f32;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::matmul_integer;

    fn design() -> Design {
        let mut p = crate::design::DesignParams::new("q", 4, 4, crate::Dataflow::Ws);
        p.ifmap_sram_kib = 8.0;
        p.filter_sram_kib = 8.0;
        p.ofmap_sram_kib = 8.0;
        p.dram_bandwidth = 8.0;
        p.clock_mhz = 100.0;
        Design::new(p).unwrap()
    }

    fn data(len: usize, seed: u32, offset: f32) -> Vec<f32> {
        (0..len)
            .map(|i| {
                ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) % 2001) as f32 / 1000.0
                    - 1.0
                    + offset
            })
            .collect()
    }

    #[test]
    fn non_finite_inputs_are_refused_not_quantized_to_garbage() {
        let d = design();
        let mut a = data(12, 1, 0.0);
        let b = data(12, 2, 0.0);
        a[7] = f32::NAN;
        let opts = QuantOptions {
            a: Scheme::Asymmetric,
            b: Scheme::Symmetric,
            per_channel: false,
        };
        let e = quantized_gemm::<i8>(&d, &a, &b, (3, 4, 3), opts)
            .unwrap_err()
            .to_string();
        assert!(e.contains("A[1][3] is NaN"), "{e}");
        a[7] = 1.0;
        let mut b = b;
        b[2] = f32::INFINITY;
        let e = quantized_gemm::<i8>(&d, &a, &b, (3, 4, 3), opts)
            .unwrap_err()
            .to_string();
        assert!(e.contains("B[0][2] is inf"), "{e}");
    }

    #[test]
    fn array_result_equals_onnx_matmul_integer_with_zero_points() {
        let (m, k, n) = (7, 13, 5);
        let (a, b) = (data(m * k, 1, 0.4), data(k * n, 2, 0.0));
        let opts = QuantOptions {
            a: Scheme::Asymmetric,
            b: Scheme::Asymmetric,
            per_channel: true,
        };
        let q = quantized_gemm::<i8>(&design(), &a, &b, (m, k, n), opts).unwrap();
        // The same quantized operands through the ONNX MatMulInteger reference.
        let pa = QuantParams::<i8>::from_data(&a, Scheme::Asymmetric);
        let ps = per_axis_params::<i8>(&b, &[k, n], 1, Scheme::Asymmetric).unwrap();
        let qa = quantize_linear(&a, pa);
        let qb = quantize_per_axis(&b, &[k, n], 1, &ps).unwrap();
        let zb: Vec<i8> = ps.iter().map(|p| p.zero_point).collect();
        let want = matmul_integer(&qa, &[pa.zero_point], &qb, &zb, m, k, n).unwrap();
        assert_eq!(
            q.c_int,
            want.iter().map(|&v| i64::from(v)).collect::<Vec<_>>()
        );
        assert!(q.sqnr_db > 30.0, "{}", q.sqnr_db);
    }

    #[test]
    fn per_channel_beats_per_tensor_when_channels_differ_in_scale() {
        let (m, k, n) = (8, 32, 6);
        let a = data(m * k, 3, 0.0);
        // Column j of B scaled by 10^-j: per-tensor scales crush the small columns.
        let b: Vec<f32> = data(k * n, 4, 0.0)
            .iter()
            .enumerate()
            .map(|(i, v)| v * 10f32.powi(-((i % n) as i32)))
            .collect();
        let sym = |per_channel| QuantOptions {
            a: Scheme::Symmetric,
            b: Scheme::Symmetric,
            per_channel,
        };
        let tensor = quantized_gemm::<i8>(&design(), &a, &b, (m, k, n), sym(false)).unwrap();
        let channel = quantized_gemm::<i8>(&design(), &a, &b, (m, k, n), sym(true)).unwrap();
        let col_sqnr = |q: &QuantizedGemm, j: usize| {
            let r: Vec<f32> = (0..m).map(|i| q.reference[i * n + j]).collect();
            let c: Vec<f32> = (0..m).map(|i| q.c[i * n + j]).collect();
            sqnr_db(&r, &c)
        };
        assert!(col_sqnr(&channel, n - 1) > col_sqnr(&tensor, n - 1) + 20.0);
    }
}
