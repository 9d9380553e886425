//! `sim::quant` against ONNX Runtime: replays every case of
//! `tests/fixtures/ort/cases.json` (made by `scripts/make_ort_fixtures.py`)
//! and demands bit-exact agreement, then checks error bounds, saturation and
//! GEMM SQNR as properties.

use proptest::prelude::*;
use serde_json::Value;
use sim::npy::{self, NpyArray, NpyData};
use sim::quant::{
    self, conv_integer, matmul_integer, ConvAttrs, Nchw, QInt, QLinearConv, QLinearMatMul,
    QuantParams, Scheme,
};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ort")
}

/// One entry of `cases.json`.
struct Case {
    name: String,
    op: String,
    meta: Value,
}

fn cases() -> Vec<Case> {
    let path = fixtures().join("cases.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run scripts/make_ort_fixtures.py", path.display()));
    let manifest: Value = serde_json::from_str(&text).expect("cases.json is JSON");
    manifest["cases"]
        .as_array()
        .expect("cases.json has a `cases` list")
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().expect("case name").to_string(),
            op: c["op"].as_str().expect("case op").to_string(),
            meta: c.clone(),
        })
        .collect()
}

fn cases_of(op: &str) -> Vec<Case> {
    let all: Vec<Case> = cases().into_iter().filter(|c| c.op == op).collect();
    assert!(!all.is_empty(), "cases.json has no {op} case");
    all
}

/// Element types a fixture array can be read as.
trait FromNpy: Sized + Copy {
    fn from_npy(data: &NpyData) -> Option<Vec<Self>>;
}

macro_rules! from_npy {
    ($t:ty, $v:ident) => {
        impl FromNpy for $t {
            fn from_npy(data: &NpyData) -> Option<Vec<Self>> {
                match data {
                    NpyData::$v(v) => Some(v.clone()),
                    _ => None,
                }
            }
        }
    };
}

from_npy!(u8, U8);
from_npy!(i8, I8);
from_npy!(i16, I16);
from_npy!(i32, I32);
from_npy!(f32, F32);

impl Case {
    fn has(&self, key: &str) -> bool {
        self.meta["files"].get(key).is_some()
    }

    fn array(&self, key: &str) -> NpyArray {
        let file = self.meta["files"][key]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no file for `{key}`", self.name));
        npy::read(&fixtures().join(file)).unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    fn descr(&self, key: &str) -> &'static str {
        self.array(key).data.descr()
    }

    fn get<T: FromNpy>(&self, key: &str) -> Vec<T> {
        let a = self.array(key);
        T::from_npy(&a.data).unwrap_or_else(|| {
            panic!(
                "{}: `{key}` is {}, not {}",
                self.name,
                a.data.descr(),
                std::any::type_name::<T>()
            )
        })
    }

    fn shape(&self, key: &str) -> Vec<usize> {
        self.array(key).shape
    }

    fn usize(&self, key: &str) -> usize {
        self.meta[key].as_u64().expect(key) as usize
    }

    fn list<const N: usize>(&self, key: &str) -> [usize; N] {
        let v: Vec<usize> = self.meta[key]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no list `{key}`", self.name))
            .iter()
            .map(|x| x.as_u64().expect("non-negative integer") as usize)
            .collect();
        v.try_into()
            .unwrap_or_else(|_| panic!("{}: `{key}` must have {N} entries", self.name))
    }

    fn axis(&self) -> Option<usize> {
        self.meta["axis"].as_u64().map(|a| a as usize)
    }
}

/// Compares element by element; describes the first few differences.
fn diff<T: PartialEq + std::fmt::Debug>(name: &str, got: &[T], want: &[T]) -> Option<String> {
    if got.len() != want.len() {
        return Some(format!(
            "{name}: {} elements, ORT has {}",
            got.len(),
            want.len()
        ));
    }
    let bad: Vec<String> = got
        .iter()
        .zip(want)
        .enumerate()
        .filter(|(_, (g, w))| g != w)
        .take(5)
        .map(|(i, (g, w))| format!("[{i}] ours {g:?} ORT {w:?}"))
        .collect();
    let count = got.iter().zip(want).filter(|(g, w)| g != w).count();
    (count > 0).then(|| {
        format!(
            "{name}: {count} of {} differ: {}",
            got.len(),
            bad.join(", ")
        )
    })
}

fn check_all(failures: Vec<String>) {
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn zero_points<T: FromNpy + Default>(case: &Case, key: &str) -> Vec<T> {
    if case.has(key) {
        case.get(key)
    } else {
        vec![T::default()]
    }
}

fn run_matmul_integer<A: QInt + FromNpy, B: QInt + FromNpy>(case: &Case) -> Option<String> {
    let (m, k, n) = (case.usize("m"), case.usize("k"), case.usize("n"));
    let y = matmul_integer(
        &case.get::<A>("a"),
        &zero_points::<A>(case, "a_zero_point"),
        &case.get::<B>("b"),
        &zero_points::<B>(case, "b_zero_point"),
        m,
        k,
        n,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    diff(&case.name, &y, &case.get::<i32>("y"))
}

#[test]
fn matmul_integer_matches_ort() {
    let failures = cases_of("MatMulInteger")
        .iter()
        .filter_map(|c| match (c.descr("a"), c.descr("b")) {
            ("|u1", "|u1") => run_matmul_integer::<u8, u8>(c),
            ("|u1", "|i1") => run_matmul_integer::<u8, i8>(c),
            ("|i1", "|i1") => run_matmul_integer::<i8, i8>(c),
            ("|i1", "|u1") => run_matmul_integer::<i8, u8>(c),
            other => panic!("{}: unexpected dtypes {other:?}", c.name),
        })
        .collect();
    check_all(failures);
}

/// QLinearMatMul through the struct, and again through `requantize` element
/// by element on the `matmul_integer` accumulators.
fn run_qlinear_matmul<T: QInt + FromNpy, B: QInt + FromNpy>(case: &Case) -> Vec<String> {
    let (m, k, n) = (case.usize("m"), case.usize("k"), case.usize("n"));
    let (a, b) = (case.get::<T>("a"), case.get::<B>("b"));
    let a_zp = case.get::<T>("a_zero_point")[0];
    let b_zp = case.get::<B>("b_zero_point");
    let b_scale = case.get::<f32>("b_scale");
    let (a_scale, y_scale) = (case.get::<f32>("a_scale")[0], case.get::<f32>("y_scale")[0]);
    let y_zp = case.get::<T>("y_zero_point")[0];
    let want = case.get::<T>("y");
    let op = QLinearMatMul {
        a: &a,
        a_scale,
        a_zero_point: a_zp,
        b: &b,
        b_scale: &b_scale,
        b_zero_point: &b_zp,
        y_scale,
        y_zero_point: y_zp,
        dims: (m, k, n),
    };
    let via_op = op.run().unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let acc = matmul_integer(&a, &[a_zp], &b, &b_zp, m, k, n).unwrap();
    let by_hand: Vec<T> = acc
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let bs = b_scale[if b_scale.len() == 1 { 0 } else { i % n }];
            quant::requantize(v, quant::requantize_multiplier(a_scale, bs, y_scale), y_zp)
        })
        .collect();
    let saturated = want
        .iter()
        .filter(|&&v| v.into() == T::MIN || v.into() == T::MAX)
        .count();
    assert!(
        !case.name.contains("saturating") || saturated > 0,
        "{}: meant to saturate",
        case.name
    );
    [
        diff(&format!("{} (QLinearMatMul)", case.name), &via_op, &want),
        diff(&format!("{} (requantize)", case.name), &by_hand, &want),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[test]
fn requantization_matches_ort_qlinear_matmul() {
    let failures = cases_of("QLinearMatMul")
        .iter()
        .flat_map(|c| match (c.descr("a"), c.descr("b")) {
            ("|u1", "|u1") => run_qlinear_matmul::<u8, u8>(c),
            ("|u1", "|i1") => run_qlinear_matmul::<u8, i8>(c),
            ("|i1", "|i1") => run_qlinear_matmul::<i8, i8>(c),
            other => panic!("{}: unexpected dtypes {other:?}", c.name),
        })
        .collect();
    check_all(failures);
}

fn run_qlinear_conv<X: QInt + FromNpy, W: QInt + FromNpy>(case: &Case) -> Option<String> {
    let x = Nchw::new(case.list("x_shape"), case.get::<X>("x")).unwrap();
    let w = Nchw::new(case.list("w_shape"), case.get::<W>("w")).unwrap();
    let w_scale = case.get::<f32>("w_scale");
    let w_zp = case.get::<W>("w_zero_point");
    let bias = case.has("b").then(|| case.get::<i32>("b"));
    let attrs = ConvAttrs {
        strides: case.list("strides"),
        pads: case.list("pads"),
        dilations: case.list("dilations"),
        group: case.usize("group"),
    };
    let op = QLinearConv {
        x: &x,
        x_scale: case.get::<f32>("x_scale")[0],
        x_zero_point: case.get::<X>("x_zero_point")[0],
        w: &w,
        w_scale: &w_scale,
        w_zero_point: &w_zp,
        y_scale: case.get::<f32>("y_scale")[0],
        y_zero_point: case.get::<X>("y_zero_point")[0],
        bias: bias.as_deref(),
        attrs: attrs.clone(),
    };
    let y = quant::qlinear_conv(&op).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(
        y.shape,
        case.list::<4>("y_shape"),
        "{}: output shape",
        case.name
    );
    let acc = conv_integer(&x, op.x_zero_point, &w, &w_zp, &attrs).unwrap();
    assert_eq!(acc.shape, y.shape);
    diff(&case.name, &y.data, &case.get::<X>("y"))
}

#[test]
fn qlinear_conv_matches_ort() {
    let failures = cases_of("QLinearConv")
        .iter()
        .filter_map(|c| match (c.descr("x"), c.descr("w")) {
            ("|u1", "|i1") => run_qlinear_conv::<u8, i8>(c),
            ("|u1", "|u1") => run_qlinear_conv::<u8, u8>(c),
            ("|i1", "|i1") => run_qlinear_conv::<i8, i8>(c),
            other => panic!("{}: unexpected dtypes {other:?}", c.name),
        })
        .collect();
    check_all(failures);
}

fn params<T: QInt + FromNpy>(case: &Case, scale: &str, zp: &str) -> Vec<QuantParams<T>> {
    let (s, z) = (case.get::<f32>(scale), case.get::<T>(zp));
    assert_eq!(
        s.len(),
        z.len(),
        "{}: scales and zero points differ in count",
        case.name
    );
    s.into_iter()
        .zip(z)
        .map(|(s, z)| QuantParams::new(s, z))
        .collect()
}

fn run_quantize<T: QInt + FromNpy>(case: &Case) -> Option<String> {
    let x = case.get::<f32>("x");
    let p = params::<T>(case, "y_scale", "y_zero_point");
    let y = match case.axis() {
        None => quant::quantize_linear(&x, p[0]),
        Some(axis) => quant::quantize_per_axis(&x, &case.shape("x"), axis, &p).unwrap(),
    };
    diff(&case.name, &y, &case.get::<T>("y"))
}

#[test]
fn quantize_linear_matches_ort_including_half_ties() {
    let all = cases_of("QuantizeLinear");
    assert!(all.iter().any(|c| c.name.contains("halves")));
    let failures = all
        .iter()
        .filter_map(|c| match c.descr("y_zero_point") {
            "|u1" => run_quantize::<u8>(c),
            "|i1" => run_quantize::<i8>(c),
            "<i2" => run_quantize::<i16>(c),
            other => panic!("{}: unexpected dtype {other}", c.name),
        })
        .collect();
    check_all(failures);
}

fn run_dequantize<T: QInt + FromNpy>(case: &Case) -> Option<String> {
    let x = case.get::<T>("x");
    let p = params::<T>(case, "x_scale", "x_zero_point");
    let y = match case.axis() {
        None => quant::dequantize_linear(&x, p[0]),
        Some(axis) => quant::dequantize_per_axis(&x, &case.shape("x"), axis, &p).unwrap(),
    };
    let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    diff(&case.name, &bits(&y), &bits(&case.get::<f32>("y")))
}

#[test]
fn dequantize_linear_matches_ort() {
    let failures = cases_of("DequantizeLinear")
        .iter()
        .filter_map(|c| match c.descr("x") {
            "|u1" => run_dequantize::<u8>(c),
            "|i1" => run_dequantize::<i8>(c),
            "<i2" => run_dequantize::<i16>(c),
            other => panic!("{}: unexpected dtype {other}", c.name),
        })
        .collect();
    check_all(failures);
}

#[test]
fn dynamic_quantize_linear_matches_ort() {
    let mut failures = Vec::new();
    for c in cases_of("DynamicQuantizeLinear") {
        let x = c.get::<f32>("x");
        let p = QuantParams::<u8>::dynamic(&x);
        let (scale, zp) = (c.get::<f32>("y_scale")[0], c.get::<u8>("y_zero_point")[0]);
        if p.scale.to_bits() != scale.to_bits() || p.zero_point != zp {
            failures.push(format!(
                "{}: ours scale {} zp {}, ORT scale {scale} zp {zp}",
                c.name, p.scale, p.zero_point
            ));
        }
        failures.extend(diff(
            &c.name,
            &quant::quantize_linear(&x, p),
            &c.get::<u8>("y"),
        ));
    }
    check_all(failures);
}

fn run_quant_params<T: QInt + FromNpy>(case: &Case) -> Option<String> {
    let data = case.get::<f32>("data");
    let scheme = if case.meta["symmetric"].as_bool().expect("symmetric flag") {
        Scheme::Symmetric
    } else {
        Scheme::Asymmetric
    };
    let ours = match case.axis() {
        None => vec![QuantParams::<T>::from_data(&data, scheme)],
        Some(axis) => {
            quant::per_axis_params::<T>(&data, &case.shape("data"), axis, scheme).unwrap()
        }
    };
    let want = params::<T>(case, "scale", "zero_point");
    let key = |p: &[QuantParams<T>]| {
        p.iter()
            .map(|p| (p.scale.to_bits(), p.zero_point))
            .collect::<Vec<_>>()
    };
    diff(&case.name, &key(&ours), &key(&want))
}

#[test]
fn quantizer_scale_and_zero_point_match_ort() {
    let failures = cases_of("QuantParams")
        .iter()
        .filter_map(|c| match c.descr("zero_point") {
            "|u1" => run_quant_params::<u8>(c),
            "|i1" => run_quant_params::<i8>(c),
            "<i2" => run_quant_params::<i16>(c),
            other => panic!("{}: unexpected dtype {other}", c.name),
        })
        .collect();
    check_all(failures);
}

#[test]
fn manifest_names_only_known_ops_and_existing_files() {
    let known = [
        "MatMulInteger",
        "QLinearMatMul",
        "QLinearConv",
        "QuantizeLinear",
        "DequantizeLinear",
        "DynamicQuantizeLinear",
        "QuantParams",
    ];
    for c in cases() {
        assert!(
            known.contains(&c.op.as_str()),
            "{}: unknown op {}",
            c.name,
            c.op
        );
        for (key, file) in c.meta["files"].as_object().expect("files") {
            let path = fixtures().join(file.as_str().expect("file name"));
            assert!(
                path.exists(),
                "{}: `{key}` file {} is missing",
                c.name,
                path.display()
            );
        }
    }
}

/// splitmix64: a small deterministic generator for the SQNR property.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal by Box-Muller.
    fn gaussian(&mut self) -> f32 {
        let u = self.next_f64().max(f64::MIN_POSITIVE);
        let v = self.next_f64();
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }
}

fn quant_dequant_error_within_half_step<T: QInt>(rmin: f32, rmax: f32, ts: &[f32], scheme: Scheme) {
    let p = QuantParams::<T>::from_min_max(rmin, rmax, scheme);
    for &t in ts {
        let x = rmin + t * (rmax - rmin);
        let err = (p.dequantize(p.quantize(x)) - x).abs();
        // Half a step, plus f32 rounding of x / scale and of the stored scale.
        let tol = 0.5 * p.scale + (x.abs() + p.scale) * 1e-6;
        assert!(
            err <= tol,
            "{}: x {x} in [{rmin}, {rmax}] {scheme:?}: error {err} > scale/2 = {}",
            T::NAME,
            p.scale / 2.0
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn quantize_dequantize_error_is_at_most_half_a_step(
        rmin in -1000.0f32..0.0,
        rmax in 0.0f32..1000.0,
        ts in prop::collection::vec(0.0f32..=1.0, 1..64),
        symmetric in any::<bool>(),
    ) {
        prop_assume!(rmax - rmin > 1e-3);
        let scheme = if symmetric { Scheme::Symmetric } else { Scheme::Asymmetric };
        quant_dequant_error_within_half_step::<i8>(rmin, rmax, &ts, scheme);
        quant_dequant_error_within_half_step::<u8>(rmin, rmax, &ts, scheme);
        quant_dequant_error_within_half_step::<i16>(rmin, rmax, &ts, scheme);
    }

    #[test]
    fn requantize_saturates_at_int8_limits(
        acc in any::<i32>(),
        multiplier in 1e-6f32..4.0,
        zp in any::<i8>(),
    ) {
        let out = i32::from(quant::requantize::<i8>(acc, multiplier, zp));
        let exact = f64::from(acc) * f64::from(multiplier) + f64::from(zp);
        if exact >= 128.0 {
            prop_assert_eq!(out, 127);
        } else if exact <= -129.0 {
            prop_assert_eq!(out, -128);
        } else {
            let nearest = exact.clamp(-128.0, 127.0);
            prop_assert!((f64::from(out) - nearest).abs() <= 0.5 + 1e-3 * exact.abs().max(1.0));
        }
        prop_assert_eq!(i32::from(quant::requantize::<i8>(i32::MAX, multiplier.max(1e-2), zp)), 127);
        prop_assert_eq!(i32::from(quant::requantize::<i8>(i32::MIN, multiplier.max(1e-2), zp)), -128);
    }

    #[test]
    fn int8_per_channel_gemm_of_gaussians_keeps_sqnr_above_30_db(
        m in 4usize..16,
        k in 16usize..128,
        n in 4usize..16,
        seed in any::<u64>(),
    ) {
        let mut rng = Rng(seed);
        let a: Vec<f32> = (0..m * k).map(|_| rng.gaussian()).collect();
        let b: Vec<f32> = (0..k * n).map(|_| rng.gaussian()).collect();
        // Activations per tensor (asymmetric), weights per output channel
        // (symmetric), as ORT's quantizer does for int8 by default.
        let pa = QuantParams::<i8>::from_data(&a, Scheme::Asymmetric);
        let pb = quant::per_axis_params::<i8>(&b, &[k, n], 1, Scheme::Symmetric).unwrap();
        let qa = quant::quantize_linear(&a, pa);
        let qb = quant::quantize_per_axis(&b, &[k, n], 1, &pb).unwrap();
        let zb: Vec<i8> = pb.iter().map(|p| p.zero_point).collect();
        let acc = matmul_integer(&qa, &[pa.zero_point], &qb, &zb, m, k, n).unwrap();
        let approx: Vec<f32> = acc
            .iter()
            .enumerate()
            .map(|(i, &v)| v as f32 * (pa.scale * pb[i % n].scale))
            .collect();
        let mut exact = vec![0.0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                let s: f64 = (0..k).map(|p| f64::from(a[i * k + p]) * f64::from(b[p * n + j])).sum();
                exact[i * n + j] = s as f32;
            }
        }
        let db = quant::sqnr_db(&exact, &approx);
        prop_assert!(db > 30.0, "SQNR {db:.1} dB for {m}x{k}x{n}");
        prop_assert!(quant::max_abs_error(&exact, &approx) < 0.05 * k as f64);
    }
}
