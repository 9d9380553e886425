//! The ONNX reader against onnxruntime: every tensor of every fixture
//! (`scripts/make_onnx_fixtures.py`) gets exactly the shape onnxruntime gave
//! it when it ran the graph; bad files give clear errors, never a panic.

use sim::onnx::{analyze, DimValues, OnnxFile};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/onnx")
        .join(name)
}

fn shapes_agree_with_onnxruntime(name: &str) {
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture(&format!("{name}.shapes.json"))).unwrap(),
    )
    .unwrap();
    let dims: DimValues = json["dims"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    let file = OnnxFile::read(&fixture(&format!("{name}.onnx"))).unwrap();
    let a = analyze(&file, &dims).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let shapes = json["shapes"].as_object().unwrap();
    assert!(shapes.len() > 10, "{name}: {} tensors", shapes.len());
    for (tensor, shape) in shapes {
        let want: Vec<u64> = shape
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap())
            .collect();
        let got = &a
            .known
            .get(tensor)
            .unwrap_or_else(|| panic!("{name}: no shape for `{tensor}`"))
            .shape;
        assert_eq!(got, &want, "{name}: tensor `{tensor}`");
    }
    // Symbolic dimensions left unset are noted (and taken as 1).
    if !dims.is_empty() {
        let a = analyze(&file, &DimValues::new()).unwrap();
        assert!(
            a.notes
                .iter()
                .any(|n| n.contains("taken as 1") && n.contains("--dim")),
            "{:?}",
            a.notes
        );
    }
}

#[test]
fn a_cnn_whose_flatten_is_shape_code() {
    shapes_agree_with_onnxruntime("cnn");
}

#[test]
fn a_transformer_block_with_heads_from_shape_code() {
    shapes_agree_with_onnxruntime("transformer");
}

#[test]
fn recurrent_layers_with_weights_from_constant_nodes() {
    shapes_agree_with_onnxruntime("recurrent");
}

#[test]
fn one_d_grouped_and_transposed_convolutions_with_external_data() {
    shapes_agree_with_onnxruntime("conv1d");
    // The weights are in conv1d.data and are read on demand.
    let file = OnnxFile::read(&fixture("conv1d.onnx")).unwrap();
    let k1 = file
        .proto
        .graph
        .initializers
        .iter()
        .find(|t| t.name == "k1")
        .unwrap();
    assert!(matches!(
        k1.payload,
        sim::onnx::proto::Payload::External { .. }
    ));
    let v = k1.values(&file.bytes, file.dir()).unwrap();
    assert_eq!(v.len(), 8 * 2 * 4);
}

fn error_of(name: &str, dims: &DimValues) -> String {
    let path = fixture(name);
    match OnnxFile::read(&path) {
        Err(e) => format!("{e:?}"),
        Ok(f) => match analyze(&f, dims) {
            Err(e) => format!("{:?}", e.into_input(&path)),
            Ok(_) => panic!("{name} was accepted"),
        },
    }
}

#[test]
fn bad_models_name_the_node_and_what_is_wrong() {
    let none = DimValues::new();
    let e = error_of("bad-cycle.onnx", &none);
    assert!(e.contains("cycle") && e.contains("node `"), "{e}");
    let e = error_of("bad-missing-initializer.onnx", &none);
    assert!(
        e.contains("node `fc` (MatMul, opset 17)") && e.contains("`w`"),
        "{e}"
    );
    let e = error_of("bad-absurd-dims.onnx", &none);
    assert!(e.contains("relu") && e.contains("beyond the limits"), "{e}");
    let e = error_of("bad-reshape-mismatch.onnx", &none);
    assert!(e.contains("cannot reshape [1, 4]"), "{e}");
    // --dim naming no dimension of the model.
    let dims: DimValues = [("batch".to_string(), 8)].into();
    let e = error_of("bad-reshape-mismatch.onnx", &dims);
    assert!(e.contains("--dim batch"), "{e}");
}

#[test]
fn missing_external_data_is_an_error_naming_the_tensor() {
    let file = OnnxFile::read(&fixture("bad-external-missing.onnx")).unwrap();
    // Shapes need no weights.
    let a = analyze(&file, &DimValues::new()).unwrap();
    assert_eq!(a.known["y"].shape, [1, 64]);
    let big = &file.proto.graph.initializers[0];
    let e = big.values(&file.bytes, file.dir()).unwrap_err();
    assert!(
        e.message.contains("tensor `big`") && e.message.contains("missing.bin"),
        "{e:?}"
    );
}

#[test]
fn truncated_and_foreign_files_are_format_errors() {
    let bytes = std::fs::read(fixture("cnn.onnx")).unwrap();
    let dir = std::env::temp_dir();
    for cut in [1, 7, 100, bytes.len() / 2, bytes.len() - 3] {
        let e = OnnxFile::parse(&dir.join("cut.onnx"), bytes[..cut].to_vec())
            .err()
            .map(|e| format!("{e:?}"));
        // A cut may still leave a valid (smaller) message; then the graph
        // must fail analysis or be missing.
        if let Some(e) = e {
            assert!(e.contains("byte ") || e.contains("no graph"), "{cut}: {e}");
        }
    }
    let e = OnnxFile::parse(&dir.join("x.onnx"), b"name,M,N,K\nfc,1,2,3\n".to_vec()).err();
    let e = format!("{e:?}");
    assert!(e.contains("systolic::onnx::format"), "{e}");
}
