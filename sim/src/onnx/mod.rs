//! ONNX models: a pure-Rust reader of `.onnx` files (no `protoc`, no
//! generated code), shape inference with constant folding, and lowering of
//! every node into the workload IR with a coverage table.
//!
//! Tensor payloads are never copied while reading: a weight is a range of
//! the file (or of its external data file) until a command asks for its
//! values.

pub mod error;
pub mod import;
pub mod proto;
pub mod run;
pub mod shape;
pub mod tensor;
pub mod wire;

pub use self::error::{node_name, OnnxError};
use crate::error::{InputError, SimError};
use proto::{Dim, ModelProto, NodeProto};
use shape::{Inputs, Known};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Largest `.onnx` file read: 4 GiB (protobuf itself stops at 2 GiB; larger
/// models keep their weights in external data files).
pub const MAX_FILE: u64 = 4 << 30;

/// Opsets of the default domain this reader was written against.
pub const OPSETS: std::ops::RangeInclusive<i64> = 7..=22;

/// A model file, read and decoded (payloads left in place).
pub struct OnnxFile {
    /// Path as given.
    pub path: PathBuf,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The decoded messages.
    pub proto: ModelProto,
}

impl OnnxFile {
    /// Reads and decodes `path`.
    pub fn read(path: &Path) -> crate::Result<OnnxFile> {
        let io = crate::error::io_error("read", path);
        let size = std::fs::metadata(path).map_err(&io)?.len();
        if size > MAX_FILE {
            return Err(InputError::new(
                "systolic::onnx::size",
                path.display().to_string(),
                format!("the file is {size} bytes; an .onnx file holds at most 2 GiB (4 GiB is read)"),
            )
            .hint("save large models with their weights as external data (onnx.save_model(..., save_as_external_data=True))")
            .into());
        }
        let bytes = std::fs::read(path).map_err(io)?;
        OnnxFile::parse(path, bytes)
    }

    /// Decodes `bytes` read from `path`.
    pub fn parse(path: &Path, bytes: Vec<u8>) -> crate::Result<OnnxFile> {
        let proto = proto::model(&bytes).map_err(|e| {
            let mut err = InputError::new(
                "systolic::onnx::format",
                path.display().to_string(),
                format!("byte {}: {}", e.offset, e.what),
            );
            err = err.hint(if bytes.starts_with(b"\x08") {
                "the file looks like an ONNX model but is damaged: export it again"
            } else {
                "this is not an ONNX model (a protobuf ModelProto, as torch.onnx.export or onnx.save writes)"
            });
            SimError::from(err)
        })?;
        Ok(OnnxFile {
            path: path.to_path_buf(),
            bytes,
            proto,
        })
    }

    /// The folder external data is relative to.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The default domain's opset.
    pub fn opset(&self) -> i64 {
        self.proto
            .opsets
            .iter()
            .find(|(d, _)| d.is_empty() || d == "ai.onnx")
            .map_or(1, |&(_, v)| v)
    }

    /// The opset of `domain`.
    pub fn opset_of(&self, domain: &str) -> i64 {
        if domain.is_empty() || domain == "ai.onnx" {
            return self.opset();
        }
        self.proto
            .opsets
            .iter()
            .find(|(d, _)| d == domain)
            .map_or(1, |&(_, v)| v)
    }
}

/// Reads, analyses and imports the model at `path`.
pub fn load(path: &Path, opts: &import::ImportOptions) -> crate::Result<import::Imported> {
    let file = OnnxFile::read(path)?;
    let a = analyze(&file, &opts.dims).map_err(|e| SimError::from(e.into_input(path)))?;
    let stem = path
        .file_stem()
        .map_or("model".into(), |s| s.to_string_lossy().into_owned());
    // The sizes symbolic dimensions took are part of what was simulated.
    let name = if a.dims.is_empty() {
        stem
    } else {
        let dims: Vec<String> = a.dims.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{stem}[{}]", dims.join(","))
    };
    import::import(&file, &a, &name, opts.skip_unsupported)
        .map_err(|e| SimError::from(e.into_input(path)))
}

/// Sizes given to symbolic dimensions (`--dim NAME=VALUE`).
pub type DimValues = HashMap<String, u64>;

/// Every tensor's shape (and folded values), nodes in run order.
pub struct Analysis {
    /// Tensors by name.
    pub known: HashMap<String, Known>,
    /// Indices of the graph's nodes in a topological order.
    pub order: Vec<usize>,
    /// Notes for the user (symbolic dimensions set to 1, ...).
    pub notes: Vec<String>,
    /// Initializer names.
    pub initializers: std::collections::HashSet<String>,
    /// Nodes this reader does not know (their shapes came from the file).
    pub unsupported: std::collections::HashSet<usize>,
    /// Every symbolic dimension of the inputs and the size it took.
    pub dims: std::collections::BTreeMap<String, u64>,
}

/// Runs shape inference and constant folding over the graph.
pub fn analyze(file: &OnnxFile, dims: &DimValues) -> Result<Analysis, OnnxError> {
    let g = &file.proto.graph;
    let opset = file.opset();
    if !OPSETS.contains(&opset) {
        return Err(OnnxError::model(format!(
            "the model imports opset {opset} of the default domain; this reader takes opsets {} to {}",
            OPSETS.start(),
            OPSETS.end()
        ))
        .hint("convert it: onnx.version_converter.convert_version(model, 17)"));
    }
    let mut known: HashMap<String, Known> = HashMap::new();
    let mut notes = Vec::new();
    let mut initializers = std::collections::HashSet::new();
    for t in &g.initializers {
        let shape: Vec<u64> = t
            .dims
            .iter()
            .map(|&d| u64::try_from(d).ok().filter(|&d| d <= shape::MAX_DIMENSION))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                OnnxError::model(format!("initializer `{}` has dims {:?}", t.name, t.dims))
            })?;
        let mut k = Known::new(t.data_type, shape);
        if k.len() <= shape::FOLD_MAX {
            if let Ok(v) = t.values(&file.bytes, file.dir()) {
                k.value = Some(Rc::new(v));
            }
        }
        initializers.insert(t.name.clone());
        known.insert(t.name.clone(), k);
    }
    let mut used = std::collections::BTreeSet::new();
    let mut taken = std::collections::BTreeMap::new();
    for v in &g.inputs {
        if initializers.contains(&v.name) {
            continue;
        }
        let Some(dims_of) = &v.shape else {
            return Err(
                OnnxError::model(format!("graph input `{}` has no shape", v.name))
                    .hint("export with a sample input of the shape you want"),
            );
        };
        let shape = dims_of
            .iter()
            .enumerate()
            .map(|(i, d)| match d {
                Dim::Value(x) if *x >= 0 => *x as u64,
                Dim::Param(p) => match dims.get(p) {
                    Some(&x) => {
                        used.insert(p.clone());
                        taken.insert(p.clone(), x);
                        x
                    }
                    None => {
                        notes.push(format!("input `{}`: dimension {i} is `{p}`, taken as 1 (set it with --dim {p}=N)", v.name));
                        taken.insert(p.clone(), 1);
                        1
                    }
                },
                _ => {
                    notes.push(format!("input `{}`: dimension {i} has no size, taken as 1", v.name));
                    1
                }
            })
            .collect();
        known.insert(v.name.clone(), Known::new(v.elem_type, shape));
    }
    if let Some(unused) = dims.keys().find(|k| !used.contains(*k)) {
        let names: Vec<&str> = g
            .inputs
            .iter()
            .flat_map(|v| v.shape.iter().flatten())
            .filter_map(|d| match d {
                Dim::Param(p) => Some(p.as_str()),
                _ => None,
            })
            .collect();
        return Err(OnnxError::model(format!(
            "--dim {unused}: the model's inputs have no dimension named `{unused}`"
        ))
        .hint(if names.is_empty() {
            "the model's inputs have no symbolic dimensions".to_string()
        } else {
            format!("its symbolic dimensions are: {}", names.join(", "))
        }));
    }
    let order = topological(g)?;
    let mut unsupported = std::collections::HashSet::new();
    for &i in &order {
        let n = &g.nodes[i];
        let node_opset = file.opset_of(&n.domain);
        let mut ins = Vec::with_capacity(n.inputs.len());
        for name in &n.inputs {
            if name.is_empty() {
                ins.push(None);
                continue;
            }
            match known.get(name) {
                Some(k) => ins.push(Some(k.clone())),
                None => {
                    return Err(OnnxError::node(n, node_opset, format!(
                        "input `{name}` is not an output of any node, an initializer or a graph input"
                    ))
                    .hint("a weight is missing from the file (was it saved with external data that is not beside it?)"))
                }
            }
        }
        let inputs = Inputs {
            node: n,
            known: ins,
            opset: node_opset,
            file: &file.bytes,
            dir: file.dir(),
        };
        let outs = match check_domain(n, node_opset).and_then(|_| shape::infer(&inputs)) {
            Ok(outs) => outs,
            // An operator this reader does not know: its outputs' shapes may
            // be recorded in the file (onnx.shape_inference writes them);
            // the import then refuses it or, if asked, costs it as zero.
            Err(e) if e.unsupported => {
                unsupported.insert(i);
                recorded(g, n).ok_or_else(|| {
                e.clone().hint(
                    "pass --skip-unsupported to cost it as zero; that needs its output shapes recorded in the file (onnx.shape_inference.infer_shapes, then save)",
                )
            })?
            }
            Err(e) => return Err(e),
        };
        for (j, name) in n.outputs.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            let k = outs.get(j).cloned().ok_or_else(|| {
                OnnxError::node(
                    n,
                    node_opset,
                    format!(
                        "it has {} outputs; this operator makes {}",
                        n.outputs.len(),
                        outs.len()
                    ),
                )
            })?;
            known.insert(name.clone(), k);
        }
    }
    Ok(Analysis {
        known,
        order,
        notes,
        initializers,
        unsupported,
        dims: taken,
    })
}

/// Domains and their operators this reader takes beyond the default domain.
fn check_domain(n: &NodeProto, opset: i64) -> Result<(), OnnxError> {
    match n.domain.as_str() {
        "" | "ai.onnx" => Ok(()),
        "com.microsoft"
            if matches!(
                n.op_type.as_str(),
                "QLinearAdd" | "QLinearMul" | "QLinearGlobalAveragePool" | "QGemm"
            ) =>
        {
            Ok(())
        }
        _ => Err(OnnxError::unsupported(n, opset)),
    }
}

/// The shapes the file records for every output of `n`, when all are
/// concrete.
fn recorded(g: &proto::GraphProto, n: &NodeProto) -> Option<Vec<Known>> {
    n.outputs
        .iter()
        .map(|o| {
            let v = g
                .value_info
                .iter()
                .chain(&g.outputs)
                .find(|v| &v.name == o)?;
            let shape = v
                .shape
                .as_ref()?
                .iter()
                .map(|d| match d {
                    Dim::Value(x) => u64::try_from(*x).ok(),
                    _ => None,
                })
                .collect::<Option<Vec<u64>>>()?;
            Some(Known::new(v.elem_type, shape))
        })
        .collect()
}

/// Node indices in an order where every input is made before it is used.
fn topological(g: &proto::GraphProto) -> Result<Vec<usize>, OnnxError> {
    let mut producer: HashMap<&str, usize> = HashMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        for o in &n.outputs {
            if o.is_empty() {
                continue;
            }
            if let Some(&j) = producer.get(o.as_str()) {
                return Err(OnnxError::node(
                    n,
                    0,
                    format!(
                        "output `{o}` is also made by node `{}`: a tensor has one producer",
                        node_name(&g.nodes[j])
                    ),
                ));
            }
            producer.insert(o, i);
        }
    }
    let mut pending: Vec<usize> = vec![0; g.nodes.len()];
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); g.nodes.len()];
    for (i, n) in g.nodes.iter().enumerate() {
        for name in n.inputs.iter().filter(|s| !s.is_empty()) {
            if let Some(&p) = producer.get(name.as_str()) {
                pending[i] += 1;
                users[p].push(i);
            }
        }
    }
    // Ready nodes in file order, so that a sorted graph keeps its order.
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = (0..g.nodes.len())
        .filter(|&i| pending[i] == 0)
        .map(std::cmp::Reverse)
        .collect();
    let mut order = Vec::with_capacity(g.nodes.len());
    while let Some(std::cmp::Reverse(i)) = ready.pop() {
        order.push(i);
        for &u in &users[i] {
            pending[u] -= 1;
            if pending[u] == 0 {
                ready.push(std::cmp::Reverse(u));
            }
        }
    }
    if order.len() < g.nodes.len() {
        let stuck = (0..g.nodes.len())
            .find(|&i| pending[i] > 0)
            .expect("a node is left");
        return Err(OnnxError::node(
            &g.nodes[stuck],
            0,
            "it is on a cycle: the graph is not a DAG",
        )
        .hint("the file is damaged or was not written by an exporter"));
    }
    Ok(order)
}
