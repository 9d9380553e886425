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

fn imported(name: &str, dims: &[(&str, u64)]) -> sim::onnx::import::Imported {
    let dims: DimValues = dims.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let file = OnnxFile::read(&fixture(&format!("{name}.onnx"))).unwrap();
    let a = analyze(&file, &dims).unwrap();
    sim::onnx::import::import(&file, &a, name, false).unwrap()
}

fn macs_of(m: &sim::workload::Model, layer: &str) -> u64 {
    let l = m
        .layers()
        .find(|l| l.name == layer)
        .unwrap_or_else(|| panic!("no layer `{layer}`"));
    match l.lower(1) {
        sim::workload::Lowered::Gemm(g) => g.macs(),
        sim::workload::Lowered::Vector(_) => 0,
    }
}

fn coverage_of(i: &sim::onnx::import::Imported, op: &str) -> (String, u64) {
    let rows: Vec<_> = i.coverage.iter().filter(|c| c.op_type == op).collect();
    assert_eq!(rows.len(), 1, "{op}: {rows:?}");
    (rows[0].treatment.name().to_string(), rows[0].nodes)
}

#[test]
fn a_cnn_lowers_to_convolutions_with_its_batch_and_a_linear_head() {
    let i = imported("cnn", &[("batch", 2)]);
    let m = &i.model;
    // MACs from onnxruntime's output shapes: conv1 [2,16,32,31] x 3x3x3,
    // conv2 [2,16,8,8] x 16x3x3 (SAME_UPPER, stride 2, after a ceil-mode
    // pool), depthwise [2,16,8,8] x 1x3x3, fc 2 x 256 x 10.
    assert_eq!(macs_of(m, "conv1"), 2 * 16 * 32 * 31 * 27);
    assert_eq!(macs_of(m, "conv2"), 2 * 16 * 8 * 8 * 16 * 9);
    assert_eq!(macs_of(m, "depthwise"), 2 * 16 * 8 * 8 * 9);
    assert_eq!(macs_of(m, "fc"), 2 * 256 * 10);
    assert_eq!(
        m.macs(),
        Some(2 * 16 * 32 * 31 * 27 + 2 * 16 * 8 * 8 * 16 * 9 + 2 * 16 * 8 * 8 * 9 + 2 * 256 * 10)
    );
    // Shape code is folded and free; pools and activations go to the vector unit.
    assert_eq!(coverage_of(&i, "Gather"), ("free".into(), 1));
    assert_eq!(coverage_of(&i, "Reshape"), ("free".into(), 1));
    assert_eq!(coverage_of(&i, "Conv"), ("array".into(), 3));
    assert_eq!(coverage_of(&i, "MaxPool"), ("vector".into(), 1));
    assert_eq!(coverage_of(&i, "BatchNormalization"), ("vector".into(), 1));
    let share: f64 = i.coverage.iter().map(|c| c.mac_share).sum();
    assert!((share - 1.0).abs() < 1e-12, "{share}");
    // SAME_UPPER, kernel 3, stride 2 on 16 x 15: 8 x 8 outputs; padding 0
    // above and 1 below (uneven), 1 left and 1 right.
    let c = m.layers().find(|l| l.name == "conv2").unwrap();
    assert!(
        matches!(
            c.op,
            sim::workload::Op::Conv2d {
                pad: (0, 1),
                pad_end: (1, 1),
                ..
            }
        ),
        "{:?}",
        c.op
    );
    assert_eq!(c.op.conv_out_hw(), Some((8, 8)));
    // The depthwise layer is one GEMM per channel, on the sample batch.
    let dw = m.layers().find(|l| l.name == "depthwise").unwrap();
    assert_eq!(dw.op.kind(), "depthwise");
    assert_eq!(dw.batch, 2);
}

#[test]
fn a_transformer_block_costs_attention_as_two_activation_products_and_fuses_gelu() {
    let i = imported("transformer", &[("batch", 3)]);
    let m = &i.model;
    let (b, t, d, h, hd) = (3, 17, 64, 4, 16);
    assert_eq!(macs_of(m, "qkv"), b * t * d * 3 * d);
    assert_eq!(macs_of(m, "scores"), b * h * t * hd * t);
    assert_eq!(macs_of(m, "context"), b * h * t * t * hd);
    assert_eq!(macs_of(m, "proj"), b * t * d * d);
    assert_eq!(macs_of(m, "fc1"), b * t * d * 4 * d);
    assert_eq!(macs_of(m, "fc2"), b * t * 4 * d * d);
    let scores = m.layers().find(|l| l.name == "scores").unwrap();
    assert_eq!(scores.op.kind(), "matmul", "{:?}", scores.op);
    // GELU (erf form) is one fused layer at the last node of the pattern.
    assert_eq!(coverage_of(&i, "Erf"), ("fused".into(), 1));
    let gelu = m.layers().find(|l| l.name == "gelu_half").unwrap();
    assert!(matches!(
        gelu.op,
        sim::workload::Op::Vector { ops_per_element: sim::workload::GELU_OPS, elements, .. } if elements == (b * t * 4 * d)
    ));
    assert!(m.layers().all(|l| l.name != "gelu_erf"));
    assert_eq!(coverage_of(&i, "LayerNormalization"), ("vector".into(), 1));
    assert_eq!(coverage_of(&i, "Softmax"), ("vector".into(), 1));
}

#[test]
fn recurrent_layers_run_per_direction_and_step() {
    let i = imported("recurrent", &[]);
    let m = &i.model;
    let (seq, batch) = (5, 2);
    assert_eq!(macs_of(m, "lstm"), seq * batch * (16 + 32) * 4 * 32);
    assert_eq!(macs_of(m, "lstm.reverse"), seq * batch * (16 + 32) * 4 * 32);
    assert_eq!(macs_of(m, "gru"), seq * batch * (64 + 32) * 3 * 32);
    assert_eq!(macs_of(m, "rnn"), seq * batch * (32 + 8) * 8);
    assert_eq!(coverage_of(&i, "LSTM"), ("array".into(), 1));
}

#[test]
fn one_d_grouped_and_transposed_convolutions_lower_to_their_macs() {
    let i = imported("conv1d", &[]);
    let m = &i.model;
    // SAME_LOWER, kernel 4, stride 3 on 50: 17 outputs, padding 1 and 1.
    assert_eq!(macs_of(m, "conv1d"), 8 * 17 * 2 * 4);
    let c = m.layers().find(|l| l.name == "conv1d").unwrap();
    assert!(
        matches!(
            c.op,
            sim::workload::Op::Conv2d {
                pad: (0, 1),
                pad_end: (0, 1),
                ..
            }
        ),
        "{:?}",
        c.op
    );
    assert_eq!(c.op.conv_out_hw(), Some((1, 17)));
    assert_eq!(macs_of(m, "grouped"), 8 * 16 * 2 * 3);
    assert_eq!(macs_of(m, "deconv"), 16 * 8 * 4 * 4);
}

#[test]
fn an_unsupported_operator_is_refused_or_costed_as_zero_when_asked() {
    let path = fixture("einsum.onnx");
    let file = OnnxFile::read(&path).unwrap();
    // Its shapes come from those the file records.
    let a = analyze(&file, &DimValues::new()).unwrap();
    assert_eq!(a.known["e"].shape, [2, 4, 16]);
    let e = sim::onnx::import::import(&file, &a, "einsum", false)
        .err()
        .unwrap();
    let e = format!("{:?}", e.into_input(&path));
    assert!(
        e.contains("node `einsum` (Einsum, opset 17): this operator is not supported")
            && e.contains("--skip-unsupported"),
        "{e}"
    );
    let i = sim::onnx::import::import(&file, &a, "einsum", true).unwrap();
    assert_eq!(coverage_of(&i, "Einsum"), ("unsupported".into(), 1));
    assert!(
        i.notes
            .iter()
            .any(|n| n.contains("`einsum` (Einsum)") && n.contains("zero")),
        "{:?}",
        i.notes
    );
    // The rest of the model is there, in order.
    assert_eq!(macs_of(&i.model, "fc"), 2 * 4 * 16 * 4);
    let names: Vec<&str> = i.model.layers().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["relu", "fc"]);
}
