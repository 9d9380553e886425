//! Real torch exports (`scripts/make_torch_fixtures.py`, in
//! `tests/fixtures/onnx/torch/`) against torch's own counts and against the
//! built-in zoo, and the operator checklist every ONNX fixture together must
//! cover.
//!
//! Each fixture's large weights live in a `NAME.weights-stripped` file that
//! is not committed; the imports here read copies of the `.onnx` files alone
//! in a fresh folder, so they prove that shapes and MACs need no weights.

use sim::onnx::import::{ImportOptions, Imported, Treatment};
use sim::onnx::{analyze, DimValues, OnnxFile};
use sim::workload::{Lowered, Model};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn torch_dir() -> PathBuf {
    fixtures().join("onnx/torch")
}

/// Every torch fixture: the names of its `NAME.macs.json` files.
fn torch_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(torch_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".macs.json").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// The fixture imported from a copy of its `.onnx` file alone in a new
/// folder (no weights file beside it).
fn import(name: &str) -> Imported {
    // One folder per call: tests run in parallel and import the same fixtures.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "systolic-onnx-torch-{}-{call}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.onnx"));
    std::fs::copy(torch_dir().join(format!("{name}.onnx")), &path).unwrap();
    let imported = sim::onnx::load(&path, &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    std::fs::remove_dir_all(&dir).unwrap();
    imported
}

fn torch_json(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(torch_dir().join(format!("{name}.macs.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// GEMM shapes `(M, K, N)` and how many GEMMs of each shape run (a layer's
/// `count` included).
type Gemms = BTreeMap<(u64, u64, u64), u64>;

fn gemms_of(model: &Model) -> Gemms {
    let mut out = Gemms::new();
    for l in model.layers() {
        if let Lowered::Gemm(g) = l.lower(1) {
            *out.entry((g.m, g.k, g.n)).or_default() += g.count;
        }
    }
    out
}

/// The GEMMs torch ran, as the fixture script recorded them.
fn torch_gemms(json: &serde_json::Value) -> Gemms {
    let mut out = Gemms::new();
    for g in json["gemms"].as_array().unwrap() {
        let v = |k: &str| g[k].as_u64().unwrap();
        *out.entry((v("m"), v("k"), v("n"))).or_default() += v("count") * v("times");
    }
    out
}

fn macs_of(g: &Gemms) -> u64 {
    g.iter().map(|(&(m, k, n), &c)| m * k * n * c).sum()
}

#[test]
fn every_torch_fixture_is_there() {
    let want = [
        "bert-base",
        "conv1d-net",
        "gpt-mini",
        "gru-rnn",
        "lstm",
        "mobilenet_v2",
        "ops-mix",
        "ops-opset20",
        "resnet18",
        "resnet50",
        "vit-tiny",
    ];
    assert_eq!(torch_fixtures(), want);
}

#[test]
fn torch_exports_import_with_every_operator_supported() {
    for name in torch_fixtures() {
        let i = import(&name);
        let unsupported: Vec<&str> = i
            .coverage
            .iter()
            .filter(|c| c.treatment == Treatment::Unsupported)
            .map(|c| c.op_type.as_str())
            .collect();
        assert!(unsupported.is_empty(), "{name}: {unsupported:?}");
        assert!(i.notes.is_empty(), "{name}: {:?}", i.notes);
    }
}

#[test]
fn the_weights_file_changes_nothing_when_it_is_there() {
    // NAME.weights-stripped is not committed: this compares only where the
    // fixture script ran (it is skipped in a fresh clone).
    for name in torch_fixtures() {
        if !torch_dir()
            .join(format!("{name}.weights-stripped"))
            .exists()
        {
            continue;
        }
        let path = torch_dir().join(format!("{name}.onnx"));
        let with = sim::onnx::load(&path, &ImportOptions::default()).unwrap();
        let without = import(&name);
        assert_eq!(with.model.macs(), without.model.macs(), "{name}");
        assert_eq!(gemms_of(&with.model), gemms_of(&without.model), "{name}");
        assert_eq!(with.coverage, without.coverage, "{name}");
    }
}

#[test]
fn macs_equal_torch_flop_counter_mode() {
    for name in torch_fixtures() {
        let json = torch_json(&name);
        let torch = json["macs"].as_u64().unwrap();
        let ours = import(&name).model.macs().unwrap();
        assert_eq!(ours, torch, "{name}: ours {ours}, FlopCounterMode {torch}");
        // The GEMMs the script recorded add up to FlopCounterMode's count.
        assert_eq!(macs_of(&torch_gemms(&json)), torch, "{name}");
    }
}

/// Recurrent layers: torch on the CPU multiplies the input of every step by
/// the input weights in one GEMM (`[steps x batch, input] x [input, gates x
/// hidden]`), then each step's hidden state by the recurrent weights
/// (`[batch, hidden] x [hidden, gates x hidden]`); we run one GEMM per step
/// on `[x_t, h_{t-1}]` (`[batch, input + hidden] x [input + hidden, gates x
/// hidden]`). Same MACs, other shapes.
const RECURRENT: &[&str] = &["gru-rnn", "lstm"];

#[test]
fn gemm_shapes_equal_torch_except_recurrent_layers() {
    for name in torch_fixtures() {
        let ours = gemms_of(&import(&name).model);
        let torch = torch_gemms(&torch_json(&name));
        if RECURRENT.contains(&name.as_str()) {
            assert_ne!(ours, torch, "{name}");
            assert_eq!(macs_of(&ours), macs_of(&torch), "{name}");
        } else {
            assert_eq!(ours, torch, "{name}");
        }
    }
}

#[test]
fn recurrent_gemms_are_torch_s_regrouped_per_step() {
    // lstm: 2 layers x 2 directions, 12 steps, batch 2, hidden 32, input 16
    // (then 64): ours [2, 48] x [48, 128] and [2, 96] x [96, 128] per step.
    let ours = gemms_of(&import("lstm").model);
    let want: Gemms = [((2, 48, 128), 24), ((2, 96, 128), 24), ((2, 64, 10), 1)].into();
    assert_eq!(ours, want);
    let torch = torch_gemms(&torch_json("lstm"));
    let want: Gemms = [
        ((24, 16, 128), 2),
        ((24, 64, 128), 2),
        ((2, 32, 128), 48),
        ((2, 64, 10), 1),
    ]
    .into();
    assert_eq!(torch, want);
}

#[test]
fn exports_equal_the_built_in_models() {
    for name in ["resnet18", "resnet50", "mobilenet_v2", "bert-base"] {
        let zoo = sim::workload::zoo::model(name).unwrap();
        let imported = import(name).model;
        assert_eq!(imported.macs(), zoo.macs(), "{name}");
        assert_eq!(gemms_of(&imported), gemms_of(&zoo), "{name}");
        assert_eq!(
            zoo.macs().unwrap(),
            torch_json(name)["macs"].as_u64().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn decomposed_gelu_and_layernorm_in_exports_are_fused() {
    // (fixture, operator, nodes of it that are part of a fused pattern).
    let cases = [
        ("gpt-mini", "Tanh", 3),
        ("gpt-mini", "Sqrt", 7),
        ("gpt-mini", "ReduceMean", 14),
        ("bert-base", "Erf", 12),
        ("vit-tiny", "Erf", 2),
    ];
    for (name, op, nodes) in cases {
        let i = import(name);
        let rows: Vec<_> = i.coverage.iter().filter(|c| c.op_type == op).collect();
        assert_eq!(rows.len(), 1, "{name} {op}: {rows:?}");
        assert_eq!(
            (rows[0].treatment, rows[0].nodes),
            (Treatment::Fused, nodes),
            "{name} {op}"
        );
    }
}

/// Vector-unit operations of a model at batch 1.
fn vector_ops(model: &Model) -> u64 {
    model
        .layers()
        .filter_map(|l| match l.lower(1) {
            Lowered::Vector(v) => Some(v.ops),
            Lowered::Gemm(_) => None,
        })
        .sum()
}

#[test]
fn vector_work_equals_the_built_in_models_but_bert_s_bias_adds_and_scale() {
    for name in ["resnet18", "resnet50", "mobilenet_v2"] {
        let zoo = sim::workload::zoo::model(name).unwrap();
        let imported = import(name).model;
        assert_eq!(vector_ops(&imported), vector_ops(&zoo), "{name}");
        assert_eq!(imported.len(), zoo.len(), "{name}");
    }
    // torch writes each linear layer of bert-base as MatMul + Add (its bias)
    // and the attention scale as a Div; the zoo's linear layers add no bias
    // and it counts the scale in the softmax's five operations per element.
    let zoo = sim::workload::zoo::model("bert-base").unwrap();
    let imported = import("bert-base").model;
    let (tokens, hidden, ffn, heads, layers) = (128, 768, 3072, 12, 12);
    let bias = layers * tokens * (4 * hidden + ffn + hidden);
    let scale = layers * heads * tokens * tokens;
    assert_eq!(vector_ops(&imported) - vector_ops(&zoo), bias + scale);
}

/// What the fixtures exercise: operator types, and features such as
/// `Conv 1-D` or `Gemm transA`.
fn exercised() -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut files = Vec::new();
    for dir in ["onnx", "infer"] {
        collect(&fixtures().join(dir), &mut files);
    }
    for path in files {
        let Ok(file) = OnnxFile::read(&path) else {
            continue;
        };
        let Ok(a) = analyze(&file, &DimValues::new()) else {
            continue;
        };
        let mut mark = |what: String| {
            seen.insert(what);
        };
        for n in &file.proto.graph.nodes {
            mark(n.op_type.clone());
            for f in features(n, &a) {
                mark(f);
            }
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if let Ok(i) = sim::onnx::import::import(&file, &a, &name, true) {
            for c in i
                .coverage
                .iter()
                .filter(|c| c.treatment == Treatment::Fused)
            {
                match c.op_type.as_str() {
                    "Erf" => mark("decomposed GELU (erf)".into()),
                    "Tanh" => mark("decomposed GELU (tanh)".into()),
                    "Sqrt" => mark("decomposed LayerNorm".into()),
                    _ => {}
                }
            }
        }
    }
    seen
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let path = e.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|x| x == "onnx") {
            out.push(path);
        }
    }
}

fn ints(n: &sim::onnx::proto::NodeProto, name: &str) -> Vec<i64> {
    use sim::onnx::proto::AttrValue;
    match n
        .attributes
        .iter()
        .find(|a| a.name == name)
        .map(|a| &a.value)
    {
        Some(AttrValue::Ints(v)) => v.clone(),
        Some(AttrValue::Int(v)) => vec![*v],
        _ => Vec::new(),
    }
}

/// Features of one node beyond its operator type.
fn features(n: &sim::onnx::proto::NodeProto, a: &sim::onnx::Analysis) -> Vec<String> {
    use sim::onnx::proto::AttrValue;
    let shape = |i: usize| {
        n.inputs
            .get(i)
            .and_then(|t| a.known.get(t))
            .map_or(Vec::new(), |k| k.shape.clone())
    };
    let mut f = Vec::new();
    match n.op_type.as_str() {
        "Conv" => {
            let (x, w) = (shape(0), shape(1));
            let group = ints(n, "group").first().copied().unwrap_or(1) as u64;
            f.push(format!("Conv {}-D", w.len().saturating_sub(2)));
            if group > 1 && x.get(1) == Some(&group) && w.first() == Some(&group) {
                f.push("Conv depthwise".into());
            } else if group > 1 {
                f.push("Conv groups".into());
            }
            if ints(n, "strides").iter().any(|&s| s > 1) {
                f.push("Conv stride".into());
            }
            if ints(n, "dilations").iter().any(|&d| d > 1) {
                f.push("Conv dilation".into());
            }
            if ints(n, "pads").iter().any(|&p| p > 0) {
                f.push("Conv pads".into());
            }
            let auto_pad = n.attributes.iter().find(|a| a.name == "auto_pad");
            if let Some(AttrValue::String(s)) = auto_pad.map(|a| &a.value) {
                if s != "NOTSET" {
                    f.push("Conv auto_pad".into());
                }
            }
        }
        "Gemm" => {
            for t in ["transA", "transB"] {
                if ints(n, t).first() == Some(&1) {
                    f.push(format!("Gemm {t}"));
                }
            }
        }
        "MatMul" => {
            let activation = |i: usize| {
                let t = &n.inputs[i];
                !a.initializers.contains(t) && a.known.get(t).is_some_and(|k| k.value.is_none())
            };
            if activation(0) && activation(1) && shape(0).len() >= 3 && shape(1).len() >= 3 {
                f.push("MatMul batched, both operands activations".into());
            }
        }
        _ => {}
    }
    f
}

/// What the ONNX import must be shown on.
const CHECKLIST: &[&str] = &[
    "Conv 1-D",
    "Conv 2-D",
    "Conv groups",
    "Conv depthwise",
    "Conv stride",
    "Conv dilation",
    "Conv pads",
    "Conv auto_pad",
    "ConvTranspose",
    "Gemm transA",
    "Gemm transB",
    "MatMul batched, both operands activations",
    "LSTM",
    "GRU",
    "RNN",
    "QLinearConv",
    "QLinearMatMul",
    "MatMulInteger",
    "ConvInteger",
    "Softmax",
    "LayerNormalization",
    "BatchNormalization",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "ReduceMean",
    "Add",
    "Mul",
    "Relu",
    "Clip",
    "Sigmoid",
    "Tanh",
    "Erf",
    "HardSwish",
    "HardSigmoid",
    "Gelu",
    "Pow",
    "Sqrt",
    "Reshape",
    "Transpose",
    "Flatten",
    "Squeeze",
    "Unsqueeze",
    "Identity",
    "Dropout",
    "Concat",
    "Split",
    "decomposed LayerNorm",
    "decomposed GELU (erf)",
    "decomposed GELU (tanh)",
];

#[test]
fn the_fixtures_cover_the_operator_checklist() {
    let seen = exercised();
    let missing: Vec<&str> = CHECKLIST
        .iter()
        .copied()
        .filter(|c| !seen.contains(*c))
        .collect();
    assert!(missing.is_empty(), "not in any fixture: {missing:?}");
}
