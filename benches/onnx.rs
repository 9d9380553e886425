//! Criterion benchmarks of ONNX import and value-exact inference on the
//! committed fixtures (figures in docs/PERFORMANCE.md; whole-process timings
//! of a 100 MB model and of resnet18 at 224x224 are `bench/onnx/run.py`).

use criterion::{criterion_group, criterion_main, Criterion};
use sim::onnx::run::{infer, InferOptions, Tensor};
use sim::onnx::{analyze, import, OnnxFile};
use std::hint::black_box;
use std::path::Path;

fn fixture(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sim/tests/fixtures")
        .join(rel)
}

fn import_models(c: &mut Criterion) {
    for name in ["resnet50", "bert-base"] {
        let path = fixture(&format!("onnx/torch/{name}.onnx"));
        c.bench_function(&format!("onnx read + shapes + lowering: {name}"), |b| {
            b.iter(|| {
                let f = OnnxFile::read(black_box(&path)).expect("reads");
                let a = analyze(&f, &Default::default()).expect("analyses");
                import::import(&f, &a, name, false).expect("imports")
            })
        });
    }
}

fn infer_cnn(c: &mut Criterion) {
    let f = OnnxFile::read(&fixture("infer/cnn-qop.onnx")).expect("reads");
    let x = sim::npy::read(&fixture("infer/cnn-qop.in.x.npy")).expect("npy");
    let x = Tensor::from_npy(&x).expect("f32");
    let d = sim::design::preset("edge-8x8").expect("preset");
    c.bench_function("infer cnn-qop (2x3x24x24) on edge-8x8", |b| {
        b.iter(|| infer(&f, &d, vec![(None, x.clone())], InferOptions::default()).expect("runs"))
    });
}

criterion_group!(benches, import_models, infer_cnn);
criterion_main!(benches);
