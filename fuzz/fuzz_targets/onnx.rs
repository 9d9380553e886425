//! ONNX model files: `sim::onnx::OnnxFile::parse` (the protobuf reader), every
//! small initializer's values, shape inference and constant folding
//! (`analyze`), the import with and without `--skip-unsupported`, and the
//! imported model simulated on one of three presets with the bounded fast
//! engine in both timing modes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sim::design::preset;
use sim::onnx::{analyze, import::import, DimValues, OnnxFile};

fuzz_target!(|data: &[u8]| {
    if data.len() > systolic_fuzz::MAX_INPUT {
        return;
    }
    // External data resolves inside the scratch folder only.
    let path = systolic_fuzz::scratch().join("fuzz.onnx");
    let file = match OnnxFile::parse(&path, data.to_vec()) {
        Ok(f) => f,
        Err(e) => {
            systolic_fuzz::render(&e);
            return;
        }
    };
    for t in &file.proto.graph.initializers {
        if t.len().is_some_and(|n| n <= 1 << 16) {
            let _ = std::hint::black_box(t.values(&file.bytes, file.dir()));
        }
    }
    let seed = systolic_fuzz::hash(data);
    let dims: DimValues = [("batch".to_string(), 1 + seed % 4)].into();
    let a = match analyze(&file, &dims).or_else(|_| analyze(&file, &DimValues::new())) {
        Ok(a) => a,
        Err(e) => {
            systolic_fuzz::render(&sim::SimError::from(e.into_input(&path)));
            return;
        }
    };
    for skip in [false, true] {
        match import(&file, &a, "fuzz", skip) {
            Ok(i) => {
                let name = ["edge-8x8", "edge-16x16-os", "server-128x128-is"][(seed >> 8) as usize % 3];
                let design = preset(name).expect("a built-in preset");
                systolic_fuzz::simulate_both(&design, &i.model, 1);
                std::hint::black_box(i.model.macs());
            }
            Err(e) => {
                systolic_fuzz::render(&sim::SimError::from(e.into_input(&path)));
            }
        }
    }
});
