//! NumPy `.npy`: `sim::npy::parse`; a diagnostic for what fails, and for
//! the array it reads: the matrix and vector helpers, its bytes written and
//! read back unchanged, and the GEMM `systolic gemm` runs on it (A = the
//! array, B = its transpose): integer data value-exactly on the pe engine
//! of an int8, int16 or int32 design, float data quantized to int8 or int16
//! as ONNX Runtime would (`--quantize`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sim::design::preset;
use sim::engine::pe;
use sim::npy::{self, Matrix};
use sim::precision::Precision;
use sim::quant::{quantized_gemm, QuantOptions, Scheme};

/// Elements of A the harness multiplies (A x A^T costs rows^2 x cols).
const MAX_GEMM_ELEMENTS: usize = 1024;

fuzz_target!(|data: &[u8]| {
    if data.len() > systolic_fuzz::MAX_INPUT {
        return;
    }
    let arr = match npy::parse(data, "fuzz.npy") {
        Ok(a) => a,
        Err(e) => {
            systolic_fuzz::render(&e);
            return;
        }
    };
    std::hint::black_box((arr.data.len(), arr.data.is_empty(), arr.data.descr()));
    let bytes = arr.to_bytes();
    let back = npy::parse(&bytes, "round-trip.npy").expect("written bytes read back");
    assert_eq!(back.shape, arr.shape, "shape changes in a round trip");
    assert_eq!(back.to_bytes(), bytes, "data changes in a round trip");
    assert!(npy::NpyArray::new(arr.shape.clone(), arr.data.clone()).is_ok());
    let seed = systolic_fuzz::hash(data);
    if let Ok(v) = arr.to_i64_vec() {
        assert_eq!(v.len(), arr.data.len());
    }
    if let Ok(v) = arr.to_f32_vec() {
        assert_eq!(v.len(), arr.data.len());
    }
    match arr.to_i64_matrix() {
        Ok(a) if a.data.len() <= MAX_GEMM_ELEMENTS && a.rows <= 64 => int_gemm(&a, seed),
        Ok(_) => {}
        Err(e) => {
            systolic_fuzz::render(&e);
        }
    }
    match arr.to_f32_matrix() {
        Ok(a) if a.data.len() <= MAX_GEMM_ELEMENTS && a.rows <= 64 => float_gemm(&a, seed),
        Ok(_) => {}
        Err(e) => {
            systolic_fuzz::render(&e);
        }
    }
});

fn transpose<T: Copy>(a: &Matrix<T>) -> Vec<T> {
    (0..a.cols)
        .flat_map(|j| (0..a.rows).map(move |i| a.data[i * a.cols + j]))
        .collect()
}

/// `systolic gemm --a A.npy --b B.npy` on the narrowest integer design the
/// values fit (int8, int16, int32 with a 64-bit accumulator), checked
/// against the reference GEMM.
fn int_gemm(a: &Matrix<i64>, seed: u64) {
    let base = preset(["edge-8x8", "edge-16x16-os", "server-128x128-is"][(seed % 3) as usize])
        .expect("a built-in preset");
    let fits = |bits: u32| {
        let (lo, hi) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
        a.data.iter().all(|&x| (lo..=hi).contains(&x))
    };
    let Some(bits) = [8, 16, 32].into_iter().find(|&b| fits(b)) else {
        return;
    };
    let design = base
        .variant(|p| {
            p.operand = Precision::Int(bits);
            p.accumulator_bits = Some(if bits == 32 { 64 } else { 32 });
            p.saturate = seed & 8 != 0;
        })
        .expect("a preset with another integer width is valid");
    let b = transpose(a);
    let (m, k, n) = (a.rows as u64, a.cols as u64, a.rows as u64);
    match pe::run(&design, &a.data, &b, m, k, n) {
        Ok(run) => {
            let want = pe::reference(&design, &a.data, &b, m, k, n);
            assert_eq!(run.c, want, "the pe engine differs from the reference GEMM");
        }
        Err(e) => panic!("the pe engine refuses operands that fit: {e}"),
    }
}

/// `systolic gemm --quantize` (int8 or int16, per tensor or per channel).
fn float_gemm(a: &Matrix<f32>, seed: u64) {
    let design = preset("edge-8x8").expect("a built-in preset");
    let scheme = |bit: u64| {
        if seed & bit == 0 {
            Scheme::Symmetric
        } else {
            Scheme::Asymmetric
        }
    };
    let opts = QuantOptions {
        a: scheme(1),
        b: scheme(2),
        per_channel: seed & 4 != 0,
    };
    let b = transpose(a);
    let shape = (a.rows, a.cols, a.rows);
    let r = if seed & 16 == 0 {
        quantized_gemm::<i8>(&design, &a.data, &b, shape, opts)
    } else {
        let wide = design
            .variant(|p| p.operand = Precision::Int(16))
            .expect("int16 is valid");
        quantized_gemm::<i16>(&wide, &a.data, &b, shape, opts)
    };
    match r {
        Ok(q) => {
            std::hint::black_box((q.max_abs_error, q.sqnr_db, q.c.len()));
        }
        Err(e) => {
            systolic_fuzz::render(&e);
        }
    }
}
