//! Lowering an analysed ONNX graph, node by node, into the workload IR, and
//! the coverage table that says what was done with every operator type.

use super::error::{node_name, OnnxError};
use super::proto::NodeProto;
use super::shape::{elements, window, Inputs};
use super::{Analysis, OnnxFile};
use crate::workload::{
    Model, ModelBuilder, Op, RnnCell, VectorKind, GELU_OPS, LAYERNORM_OPS, SOFTMAX_OPS,
};
use petgraph::graph::NodeIndex;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What was done with a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Treatment {
    /// GEMMs on the array.
    Array,
    /// Work on the vector unit.
    Vector,
    /// Part of a recognised pattern costed as one vector operation
    /// (decomposed LayerNorm or GELU).
    Fused,
    /// No work: data movement the layout absorbs (reshapes, transposes,
    /// concatenation, slicing, gathering), or shape code folded to constants.
    Free,
    /// Not supported; costed as zero (only with `--skip-unsupported`).
    Unsupported,
}

impl Treatment {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Treatment::Array => "array",
            Treatment::Vector => "vector",
            Treatment::Fused => "fused",
            Treatment::Free => "free",
            Treatment::Unsupported => "unsupported",
        }
    }
}

/// One row of the coverage table: an operator type and a treatment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// ONNX operator type.
    pub op_type: String,
    /// What was done with its nodes.
    pub treatment: Treatment,
    /// How many nodes.
    pub nodes: u64,
    /// Multiply-accumulates of those nodes (batch 1 of the model's own shapes).
    pub macs: u64,
    /// Share of the model's MACs (0 to 1).
    pub mac_share: f64,
}

/// What an import says besides its layers.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// Operator types and what was done with them, MACs first.
    pub coverage: Vec<Coverage>,
    /// Notes for the user (symbolic dimensions set to 1, skipped nodes).
    pub notes: Vec<String>,
}

/// An imported model.
pub struct Imported {
    /// The layers.
    pub model: Model,
    /// Operator types and what was done with them, MACs first.
    pub coverage: Vec<Coverage>,
    /// Notes for the user (symbolic dimensions set to 1, skipped nodes).
    pub notes: Vec<String>,
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Sizes of symbolic dimensions.
    pub dims: super::DimValues,
    /// Cost unsupported operators as zero instead of failing.
    pub skip_unsupported: bool,
}

/// Operators that move data without arithmetic.
const FREE: &[&str] = &[
    "Reshape",
    "Transpose",
    "Flatten",
    "Squeeze",
    "Unsqueeze",
    "Identity",
    "Dropout",
    "Concat",
    "Split",
    "Slice",
    "Gather",
    "GatherElements",
    "Expand",
    "Tile",
    "Pad",
    "Shape",
    "Size",
    "Constant",
    "ConstantOfShape",
    "Range",
    "DepthToSpace",
    "SpaceToDepth",
    "Cast",
    "CastLike",
];

/// Vector operations per output element of an elementwise operator.
fn eltwise_ops(op: &str) -> Option<u64> {
    Some(match op {
        "Relu" | "LeakyRelu" | "PRelu" | "Clip" | "Neg" | "Abs" | "Add" | "Sub" | "Mul" | "Div"
        | "Max" | "Min" | "Equal" | "Less" | "LessOrEqual" | "Greater" | "GreaterOrEqual"
        | "And" | "Or" | "Xor" | "Not" | "Where" | "Sign" | "Floor" | "Ceil" | "Round"
        | "Reciprocal" | "Sigmoid" | "Tanh" | "Erf" | "Sqrt" | "Exp" | "Log" | "Pow" | "Mod"
        | "Sin" | "Cos" | "Elu" | "Selu" | "Celu" | "Softplus" | "Softsign" | "IsNaN" | "IsInf"
        | "BitShift" | "ThresholdedRelu" | "Shrink" | "Sum" | "Mean" | "Trilu" | "CumSum" => 1,
        "HardSigmoid" => 2,
        "HardSwish" | "Mish" => 3,
        "Gelu" => GELU_OPS,
        // Batch normalization not folded into a conv: scale and shift.
        "BatchNormalization" | "InstanceNormalization" => 2,
        // Subtract the zero point, scale; or scale, round and add it, saturate.
        "DequantizeLinear" => 2,
        "QuantizeLinear" => 3,
        // Min and max over the tensor, then quantize.
        "DynamicQuantizeLinear" => 5,
        // Dequantize both, add or multiply, requantize.
        "QLinearAdd" | "QLinearMul" => 6,
        "Resize" | "Upsample" => 4,
        _ => return None,
    })
}

struct Lowering<'a> {
    file: &'a OnnxFile,
    a: &'a Analysis,
    builder: ModelBuilder,
    /// Tensor -> layers that (transitively, through free nodes) produce it.
    producers: HashMap<&'a str, Vec<NodeIndex>>,
    names: HashSet<String>,
    rows: BTreeMap<(String, Treatment), (u64, u64)>,
    notes: Vec<String>,
    fused: HashSet<usize>,
    /// Tensors that carry a gradient: computed from a trainable initializer
    /// (a float tensor of more than one element) or from such a tensor.
    grad: HashSet<&'a str>,
}

impl<'a> Lowering<'a> {
    fn shape(&self, name: &str) -> &[u64] {
        self.a.known.get(name).map_or(&[], |k| k.shape.as_slice())
    }

    fn inputs(&self, n: &'a NodeProto) -> Inputs<'a> {
        Inputs {
            node: n,
            known: n
                .inputs
                .iter()
                .map(|i| self.a.known.get(i).cloned())
                .collect(),
            opset: self.file.opset_of(&n.domain),
            file: &self.file.bytes,
            dir: self.file.dir(),
        }
    }

    fn deps(&self, n: &NodeProto) -> Vec<NodeIndex> {
        let mut d: Vec<NodeIndex> = n
            .inputs
            .iter()
            .filter_map(|i| self.producers.get(i.as_str()))
            .flatten()
            .copied()
            .collect();
        d.sort_unstable();
        d.dedup();
        d
    }

    fn unique(&mut self, n: &NodeProto, suffix: &str) -> String {
        let base = format!("{}{suffix}", node_name(n));
        let mut name = base.clone();
        let mut i = 2;
        while !self.names.insert(name.clone()) {
            name = format!("{base}#{i}");
            i += 1;
        }
        name
    }

    fn count(&mut self, n: &NodeProto, t: Treatment, macs: u64) {
        let e = self.rows.entry((n.op_type.clone(), t)).or_insert((0, 0));
        e.0 += 1;
        e.1 = e.1.saturating_add(macs);
    }

    /// Adds layers for `n` (its outputs are produced by them); returns their
    /// multiply-accumulates at batch 1.
    fn add(&mut self, n: &'a NodeProto, layers: Vec<(String, Op, u64)>) -> u64 {
        let deps = self.deps(n);
        let mut ids = Vec::new();
        let mut macs = 0u64;
        // A data input (not an initializer) that carries a gradient.
        let input_grad = n
            .inputs
            .iter()
            .any(|i| self.grad.contains(i.as_str()) && !self.a.initializers.contains(i));
        for (name, op, batch) in layers {
            let id = self.builder.add_batched(name, op, batch, &deps);
            if input_grad {
                self.builder.mark_input_grad(id);
            }
            if let crate::workload::Lowered::Gemm(g) = self.builder.layer(id).lower(1) {
                macs = macs.saturating_add(g.macs());
            }
            ids.push(id);
        }
        for o in &n.outputs {
            self.producers.insert(o.as_str(), ids.clone());
        }
        macs
    }

    /// Outputs of a free node are produced by whatever produced its inputs.
    fn pass(&mut self, n: &'a NodeProto) {
        let deps = self.deps(n);
        for o in &n.outputs {
            self.producers.insert(o.as_str(), deps.clone());
        }
    }

    fn err(&self, n: &NodeProto, message: impl Into<String>) -> OnnxError {
        OnnxError::node(n, self.file.opset_of(&n.domain), message)
    }

    fn lower(&mut self, i: usize, n: &'a NodeProto, skip: bool) -> Result<(), OnnxError> {
        let op = n.op_type.as_str();
        // Shape code: every output folded to constants.
        let folded = !n.outputs.is_empty()
            && n.outputs
                .iter()
                .all(|o| o.is_empty() || self.a.known.get(o).is_some_and(|k| k.value.is_some()));
        if self.fused.contains(&i) {
            self.pass(n);
            self.count(n, Treatment::Fused, 0);
            return Ok(());
        }
        if self.a.unsupported.contains(&i) {
            return self.unsupported(n, skip);
        }
        if folded {
            self.pass(n);
            self.count(n, Treatment::Free, 0);
            return Ok(());
        }
        if FREE.contains(&op) {
            self.pass(n);
            self.count(n, Treatment::Free, 0);
            return Ok(());
        }
        let out = n.outputs.first().map(String::as_str).unwrap_or("");
        let out_len = elements(self.shape(out));
        let in_len: u64 = n
            .inputs
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| elements(self.shape(s)))
            .fold(0u64, u64::saturating_add);
        let vector = |kind, ops: u64, elements_: u64| Op::Vector {
            kind,
            elements: elements_,
            ops_per_element: ops,
            inputs: in_len,
        };
        let layers: Vec<(String, Op, u64)> = match op {
            "Conv" | "ConvInteger" | "QLinearConv" => vec![(
                self.unique(n, ""),
                self.conv(n)?,
                self.shape(&n.inputs[0]).first().copied().unwrap_or(1),
            )],
            "ConvTranspose" => {
                let (x, w) = (
                    self.shape(&n.inputs[0]).to_vec(),
                    self.shape(&n.inputs[1]).to_vec(),
                );
                let g = u64::try_from(self.inputs(n).int("group", 1))
                    .unwrap_or(1)
                    .max(1);
                // The column GEMM of a transposed convolution: every input
                // pixel times the group's weights (`C/g` by `Cout/g x kernel`),
                // as a 1x1 grouped convolution over the input's pixels (so that
                // the batch joins M and training sees the weights); the
                // overlap-add of the columns is data movement.
                let spatial = elements(&x[2..]);
                let per_group = w[1].saturating_mul(elements(&w[2..]));
                let m = Op::Conv2d {
                    in_c: x[1],
                    in_h: 1,
                    in_w: spatial,
                    out_c: per_group.saturating_mul(g),
                    kh: 1,
                    kw: 1,
                    stride: (1, 1),
                    pad: (0, 0),
                    pad_end: (0, 0),
                    dilation: (1, 1),
                    groups: g,
                };
                vec![(self.unique(n, ""), m, x[0])]
            }
            "Gemm" | "QGemm" => {
                let ins = self.inputs(n);
                let bi = if op == "QGemm" { 3 } else { 1 };
                let (a, b) = (self.shape(&n.inputs[0]), self.shape(&n.inputs[bi]));
                let (m, k) = if ins.int("transA", 0) != 0 {
                    (a[1], a[0])
                } else {
                    (a[0], a[1])
                };
                let nn = if ins.int("transB", 0) != 0 {
                    b[0]
                } else {
                    b[1]
                };
                vec![(
                    self.unique(n, ""),
                    self.matmul_op(&n.inputs[bi], 1, m, k, nn),
                    1,
                )]
            }
            "MatMul" | "MatMulInteger" | "QLinearMatMul" => {
                let (ai, bi) = if op == "QLinearMatMul" {
                    (0, 3)
                } else {
                    (0, 1)
                };
                let (a, b) = (
                    self.shape(&n.inputs[ai]).to_vec(),
                    self.shape(&n.inputs[bi]).to_vec(),
                );
                let a2 = if a.len() == 1 {
                    vec![1, a[0]]
                } else {
                    a.clone()
                };
                let b2 = if b.len() == 1 {
                    vec![b[0], 1]
                } else {
                    b.clone()
                };
                let (m, k) = (a2[a2.len() - 2], a2[a2.len() - 1]);
                let nn = b2[b2.len() - 1];
                let batch = super::shape::broadcast(&[&a2[..a2.len() - 2], &b2[..b2.len() - 2]])
                    .unwrap_or_default();
                let count = elements(&batch);
                vec![(
                    self.unique(n, ""),
                    self.matmul_op(&n.inputs[bi], count, m, k, nn),
                    1,
                )]
            }
            "LSTM" | "GRU" | "RNN" => {
                let ins = self.inputs(n);
                let (x, r) = (
                    self.shape(&n.inputs[0]).to_vec(),
                    self.shape(&n.inputs[2]).to_vec(),
                );
                let layout = ins.int("layout", 0);
                let (seq, batch) = if layout == 0 {
                    (x[0], x[1])
                } else {
                    (x[1], x[0])
                };
                let cell = match op {
                    "LSTM" => RnnCell::Lstm,
                    "GRU" => RnnCell::Gru,
                    _ => RnnCell::Rnn,
                };
                let rec = Op::Recurrent {
                    cell,
                    input_size: x[2],
                    hidden_size: r[2],
                    steps: seq,
                };
                (0..r[0])
                    .map(|d| {
                        let suffix = if d == 0 { "" } else { ".reverse" };
                        (self.unique(n, suffix), rec.clone(), batch)
                    })
                    .collect()
            }
            "MaxPool" | "AveragePool" | "LpPool" => {
                let k = self.inputs(n).int_list("kernel_shape").unwrap_or_default();
                let window = k
                    .iter()
                    .fold(1u64, |p, &v| p.saturating_mul(v.max(1) as u64));
                vec![(
                    self.unique(n, ""),
                    vector(VectorKind::Pool, window, out_len),
                    1,
                )]
            }
            "GlobalAveragePool" | "GlobalMaxPool" | "GlobalLpPool" | "QLinearGlobalAveragePool" => {
                let x = self.shape(&n.inputs[0]);
                let window = elements(&x[2.min(x.len())..]);
                vec![(
                    self.unique(n, ""),
                    vector(VectorKind::Pool, window, out_len),
                    1,
                )]
            }
            "Softmax" | "LogSoftmax" | "Hardmax" => vec![(
                self.unique(n, ""),
                vector(VectorKind::Softmax, SOFTMAX_OPS, out_len),
                1,
            )],
            "LayerNormalization" | "MeanVarianceNormalization" | "LpNormalization" => {
                vec![(
                    self.unique(n, ""),
                    vector(VectorKind::Layernorm, LAYERNORM_OPS, out_len),
                    1,
                )]
            }
            o if o.starts_with("Reduce") || o == "ArgMax" || o == "ArgMin" => {
                let x = elements(self.shape(&n.inputs[0]));
                let per = x / out_len.max(1);
                vec![(
                    self.unique(n, ""),
                    vector(VectorKind::Eltwise, per.max(1), out_len),
                    1,
                )]
            }
            o => match eltwise_ops(o) {
                Some(ops) => vec![(
                    self.unique(n, ""),
                    vector(VectorKind::Eltwise, ops, out_len),
                    1,
                )],
                None => return self.unsupported(n, skip),
            },
        };
        let t = if matches!(
            op,
            "Conv"
                | "ConvInteger"
                | "QLinearConv"
                | "ConvTranspose"
                | "Gemm"
                | "QGemm"
                | "MatMul"
                | "MatMulInteger"
                | "QLinearMatMul"
                | "LSTM"
                | "GRU"
                | "RNN"
        ) {
            Treatment::Array
        } else {
            Treatment::Vector
        };
        let macs = self.add(n, layers);
        self.count(n, t, macs);
        Ok(())
    }

    /// An operator this reader does not lower: refused, or with `skip`
    /// costed as zero and noted.
    fn unsupported(&mut self, n: &'a NodeProto, skip: bool) -> Result<(), OnnxError> {
        if !skip {
            return Err(OnnxError::unsupported(n, self.file.opset_of(&n.domain)));
        }
        self.pass(n);
        self.count(n, Treatment::Unsupported, 0);
        self.notes.push(format!(
            "node `{}` ({}) is not supported: costed as zero (--skip-unsupported)",
            node_name(n),
            n.op_type
        ));
        Ok(())
    }

    /// A GEMM whose B is `b`: a linear layer over every row of A when B is a
    /// 2-D weight (batch dimensions of A become rows), a product of two
    /// activations otherwise.
    fn matmul_op(&self, b: &str, count: u64, m: u64, k: u64, n: u64) -> Op {
        if self.a.initializers.contains(b) && self.shape(b).len() == 2 {
            Op::Linear {
                tokens: count.saturating_mul(m),
                in_features: k,
                out_features: n,
            }
        } else {
            Op::MatMul { count, m, k, n }
        }
    }

    fn conv(&self, n: &'a NodeProto) -> Result<Op, OnnxError> {
        let op = n.op_type.as_str();
        let wi = if op == "QLinearConv" { 3 } else { 1 };
        let (x, w) = (
            self.shape(&n.inputs[0]).to_vec(),
            self.shape(&n.inputs[wi]).to_vec(),
        );
        let ins = self.inputs(n);
        let groups = u64::try_from(ins.int("group", 1)).unwrap_or(1).max(1);
        let kernel = w[2..].to_vec();
        let win = window(&ins, &x[2..], &kernel, false)?;
        // 1-D convolutions run as 2-D ones of height 1.
        let two = |v: &[u64], one: u64| {
            if v.len() == 1 {
                (one, v[0])
            } else {
                (v[0], v[1])
            }
        };
        if x.len() > 4 {
            return Err(self.err(
                n,
                format!(
                    "{}-D convolution is not supported (1-D and 2-D are)",
                    x.len() - 2
                ),
            ));
        }
        Ok(Op::Conv2d {
            in_c: x[1],
            in_h: two(&x[2..], 1).0,
            in_w: two(&x[2..], 1).1,
            out_c: w[0],
            kh: two(&kernel, 1).0,
            kw: two(&kernel, 1).1,
            stride: two(&win.strides, 1),
            pad: two(&win.begin, 0),
            pad_end: two(&win.end, 0),
            dilation: two(&win.dilations, 1),
            groups,
        })
    }
}

/// Nodes absorbed into a fused pattern, and each pattern's carrier node.
type Patterns = (HashSet<usize>, HashMap<usize, &'static str>);

/// Marks the nodes of decomposed GELU (`x * 0.5 * (1 + erf(x / sqrt 2))`,
/// and the tanh form) and decomposed LayerNorm (`ReduceMean`, `Sub`, `Pow`,
/// `ReduceMean`, `Add`, `Sqrt`, `Div`): one node of each pattern becomes the
/// fused layer, the others are marked fused.
fn find_patterns(g: &super::proto::GraphProto) -> Patterns {
    let mut producer: HashMap<&str, usize> = HashMap::new();
    let mut users: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        for o in n.outputs.iter().filter(|o| !o.is_empty()) {
            producer.insert(o, i);
        }
        for x in n.inputs.iter().filter(|x| !x.is_empty()) {
            users.entry(x.as_str()).or_default().push(i);
        }
    }
    let op = |i: usize| g.nodes[i].op_type.as_str();
    // A node's first output ("" for none, which no node uses).
    let out0 = |i: usize| g.nodes[i].outputs.first().map_or("", String::as_str);
    let only_user = |t: &str| -> Option<usize> {
        match users.get(t).map(Vec::as_slice) {
            Some([u]) => Some(*u),
            _ => None,
        }
    };
    let mut marks = HashSet::new();
    let mut heads = HashMap::new();
    // GELU: act -> Add -> Mul -> Mul (the last two in either order with the
    // 0.5, which may also scale x first), where act is Erf of x / sqrt 2
    // (Div or Mul) or Tanh of sqrt(2/pi) * (x + 0.044715 x^3) (Pow, or Mul
    // of x by x by x; Mul, Add, Mul).
    for (i, n) in g.nodes.iter().enumerate() {
        if !matches!(n.op_type.as_str(), "Erf" | "Tanh") {
            continue;
        }
        let Some(add) = only_user(out0(i)).filter(|&u| op(u) == "Add") else {
            continue;
        };
        let Some(m1) = only_user(out0(add)).filter(|&u| op(u) == "Mul") else {
            continue;
        };
        let mut chain = vec![i, add, m1];
        let last = match only_user(out0(m1)).filter(|&u| op(u) == "Mul") {
            Some(m2) => {
                chain.push(m2);
                m2
            }
            None => m1,
        };
        // x: an input of the Muls after act, or of a Mul (by 0.5) that
        // feeds the first of them.
        let mut half = None;
        let mut candidates: Vec<&str> = Vec::new();
        for &c in &chain[2..] {
            for t in &g.nodes[c].inputs {
                candidates.push(t);
                if let Some(&p) = producer.get(t.as_str()) {
                    if op(p) == "Mul" && !chain.contains(&p) && only_user(out0(p)) == Some(c) {
                        half = Some(p);
                        candidates.extend(g.nodes[p].inputs.iter().map(String::as_str));
                    }
                }
            }
        }
        let Some(inner) = candidates.iter().find_map(|x| {
            let inner = gelu_inner(g, &producer, &users, i, x)?;
            let erf = n.op_type == "Erf";
            let ops: Vec<&str> = inner.iter().map(|&c| op(c)).collect();
            let fits = if erf {
                matches!(ops[..], ["Div"] | ["Mul"])
            } else {
                ops.len() >= 4 && ops.iter().filter(|o| **o == "Add").count() == 1
            };
            fits.then_some(inner)
        }) else {
            continue;
        };
        chain.extend(inner);
        chain.extend(half);
        marks.extend(chain.iter().copied().filter(|&c| c != last));
        heads.insert(last, "gelu");
    }
    // LayerNorm: ReduceMean -> Sub -> Pow -> ReduceMean -> Add -> Sqrt -> Div.
    for (i, n) in g.nodes.iter().enumerate() {
        if n.op_type != "ReduceMean" || marks.contains(&i) {
            continue;
        }
        let Some(sub) = users
            .get(out0(i))
            .and_then(|u| u.iter().copied().find(|&u| op(u) == "Sub"))
        else {
            continue;
        };
        let d = out0(sub);
        let Some(pow) = users
            .get(d)
            .and_then(|u| u.iter().copied().find(|&u| op(u) == "Pow"))
        else {
            continue;
        };
        let Some(div) = users
            .get(d)
            .and_then(|u| u.iter().copied().find(|&u| op(u) == "Div"))
        else {
            continue;
        };
        let Some(mean2) = only_user(out0(pow)).filter(|&u| op(u) == "ReduceMean") else {
            continue;
        };
        let Some(add) = only_user(out0(mean2)).filter(|&u| op(u) == "Add") else {
            continue;
        };
        let Some(sqrt) = only_user(out0(add)).filter(|&u| op(u) == "Sqrt") else {
            continue;
        };
        if only_user(out0(sqrt)) != Some(div) {
            continue;
        }
        let mut last = div;
        let mut chain = vec![i, sub, pow, mean2, add, sqrt, div];
        if let Some(mul) = only_user(out0(div)).filter(|&u| op(u) == "Mul") {
            chain.push(mul);
            last = mul;
            if let Some(add2) = only_user(out0(mul)).filter(|&u| op(u) == "Add") {
                chain.push(add2);
                last = add2;
            }
        }
        marks.extend(chain.iter().copied().filter(|&c| c != last));
        heads.insert(last, "layernorm");
    }
    (marks, heads)
}

/// The nodes computing the input of GELU's `act` (Erf or Tanh) from `x`:
/// Mul, Div, Add and Pow nodes whose outputs are used only inside the
/// pattern, and that reach `x`; `None` when they do not, or pass 8 nodes.
fn gelu_inner(
    g: &super::proto::GraphProto,
    producer: &HashMap<&str, usize>,
    users: &HashMap<&str, Vec<usize>>,
    act: usize,
    x: &str,
) -> Option<Vec<usize>> {
    let mut inner: Vec<usize> = Vec::new();
    let mut reached = false;
    let mut stack: Vec<&str> = vec![g.nodes[act].inputs.first()?.as_str()];
    while let Some(t) = stack.pop() {
        if t == x {
            reached = true;
            continue;
        }
        let Some(&p) = producer.get(t) else { continue };
        if inner.contains(&p) || g.nodes[p].op_type == "Constant" {
            continue;
        }
        if !matches!(g.nodes[p].op_type.as_str(), "Mul" | "Div" | "Add" | "Pow") || inner.len() == 8
        {
            return None;
        }
        inner.push(p);
        stack.extend(g.nodes[p].inputs.iter().map(String::as_str));
    }
    let inside = |u: &usize| *u == act || inner.contains(u);
    let closed = inner.iter().all(|&p| {
        g.nodes[p]
            .outputs
            .iter()
            .all(|o| users.get(o.as_str()).is_none_or(|us| us.iter().all(inside)))
    });
    (reached && closed).then_some(inner)
}

/// The tensors that carry a gradient in training: outputs of nodes with a
/// trainable initializer input (a float tensor of more than one element:
/// weights, embedding tables, learned position embeddings) or an input that
/// carries one; folded shape code never does.
fn gradient_tensors<'a>(file: &'a OnnxFile, a: &Analysis) -> HashSet<&'a str> {
    let g = &file.proto.graph;
    let trainable: HashSet<&str> = g
        .initializers
        .iter()
        .filter(|t| super::tensor::is_float(t.data_type) && t.len().unwrap_or(0) > 1)
        .map(|t| t.name.as_str())
        .collect();
    let mut grad: HashSet<&str> = HashSet::new();
    for &i in &a.order {
        let n = &g.nodes[i];
        let carries = n
            .inputs
            .iter()
            .any(|x| trainable.contains(x.as_str()) || grad.contains(x.as_str()));
        if carries {
            for o in &n.outputs {
                if a.known.get(o).is_some_and(|k| k.value.is_none()) {
                    grad.insert(o.as_str());
                }
            }
        }
    }
    grad
}

/// Imports `file` (already analysed) as a model named `name`.
pub fn import(
    file: &OnnxFile,
    a: &Analysis,
    name: &str,
    skip_unsupported: bool,
) -> Result<Imported, OnnxError> {
    let g = &file.proto.graph;
    let (fused, heads) = find_patterns(g);
    let mut l = Lowering {
        file,
        a,
        builder: ModelBuilder::new(name),
        producers: HashMap::new(),
        names: HashSet::new(),
        rows: BTreeMap::new(),
        notes: a.notes.clone(),
        fused,
        grad: gradient_tensors(file, a),
    };
    for &i in &a.order {
        let n = &g.nodes[i];
        if let Some(kind) = heads.get(&i) {
            // The last node of a fused pattern carries the whole pattern.
            let out = elements(l.shape(n.outputs.first().map_or("", String::as_str)));
            let (vk, ops) = match *kind {
                "gelu" => (VectorKind::Eltwise, GELU_OPS),
                _ => (VectorKind::Layernorm, LAYERNORM_OPS),
            };
            let layer_name = l.unique(n, "");
            let op = Op::Vector {
                kind: vk,
                elements: out,
                ops_per_element: ops,
                inputs: out,
            };
            l.add(n, vec![(layer_name, op, 1)]);
            l.count(n, Treatment::Fused, 0);
            continue;
        }
        l.lower(i, n, skip_unsupported)?;
    }
    let model = l.builder.build();
    let total: u64 = l.rows.values().map(|r| r.1).fold(0, u64::saturating_add);
    let mut coverage: Vec<Coverage> = l
        .rows
        .into_iter()
        .map(|((op_type, treatment), (nodes, macs))| Coverage {
            op_type,
            treatment,
            nodes,
            macs,
            mac_share: if total == 0 {
                0.0
            } else {
                macs as f64 / total as f64
            },
        })
        .collect();
    coverage.sort_by(|x, y| {
        y.macs
            .cmp(&x.macs)
            .then(x.treatment.cmp(&y.treatment))
            .then(x.op_type.cmp(&y.op_type))
    });
    Ok(Imported {
        model,
        coverage,
        notes: l.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::proto::{Dim, GraphProto, ModelProto, ValueInfo};

    fn info(name: &str, dims: &[i64]) -> ValueInfo {
        ValueInfo {
            name: name.into(),
            elem_type: 1,
            shape: Some(dims.iter().map(|&d| Dim::Value(d)).collect()),
        }
    }

    fn node(op: &str, inputs: &[&str], output: &str) -> NodeProto {
        NodeProto {
            name: output.into(),
            op_type: op.into(),
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            outputs: vec![output.into()],
            ..NodeProto::default()
        }
    }

    /// The GELU forms exporters write: torch's legacy exporter for
    /// `approximate='tanh'` (x*x*x), a hand-written GPT one (Pow, 0.5*x
    /// first), and the erf form; each fuses into one node, and a chain whose
    /// inner value is used elsewhere does not.
    #[test]
    fn decomposed_gelu_in_erf_and_tanh_forms_fuses_into_one_node() {
        let torch_tanh = vec![
            node("Mul", &["x", "x"], "x2"),
            node("Mul", &["x", "x2"], "x3"),
            node("Mul", &["kappa", "x3"], "kx3"),
            node("Add", &["x", "kx3"], "s"),
            node("Mul", &["beta", "s"], "inner"),
            node("Tanh", &["inner"], "t"),
            node("Add", &["one", "t"], "t1"),
            node("Mul", &["x", "t1"], "xt"),
            node("Mul", &["half", "xt"], "y"),
        ];
        let gpt_tanh = vec![
            node("Pow", &["x", "three"], "x3"),
            node("Mul", &["x3", "kappa"], "kx3"),
            node("Add", &["x", "kx3"], "s"),
            node("Mul", &["s", "beta"], "inner"),
            node("Tanh", &["inner"], "t"),
            node("Add", &["t", "one"], "t1"),
            node("Mul", &["x", "half"], "hx"),
            node("Mul", &["hx", "t1"], "y"),
        ];
        let erf = vec![
            node("Div", &["x", "sqrt2"], "d"),
            node("Erf", &["d"], "e"),
            node("Add", &["e", "one"], "e1"),
            node("Mul", &["x", "e1"], "xe"),
            node("Mul", &["xe", "half"], "y"),
        ];
        for nodes in [torch_tanh, gpt_tanh, erf] {
            let n = nodes.len();
            let g = GraphProto {
                nodes,
                ..GraphProto::default()
            };
            let (marks, heads) = find_patterns(&g);
            assert_eq!(heads.len(), 1, "{:?}", g.nodes[0]);
            let (&head, &kind) = heads.iter().next().unwrap();
            assert_eq!((g.nodes[head].outputs[0].as_str(), kind), ("y", "gelu"));
            assert_eq!(marks.len(), n - 1);
        }
        // x^3 also feeds another node: not a GELU of its own.
        let mut g = GraphProto {
            nodes: vec![
                node("Pow", &["x", "three"], "x3"),
                node("Mul", &["x3", "kappa"], "kx3"),
                node("Add", &["x", "kx3"], "s"),
                node("Mul", &["s", "beta"], "inner"),
                node("Tanh", &["inner"], "t"),
                node("Add", &["t", "one"], "t1"),
                node("Mul", &["x", "t1"], "y"),
            ],
            ..GraphProto::default()
        };
        assert_eq!(find_patterns(&g).1.len(), 1);
        g.nodes.push(node("Relu", &["x3"], "elsewhere"));
        assert!(find_patterns(&g).1.is_empty());
        // A plain Tanh activation is not GELU.
        let g = GraphProto {
            nodes: vec![node("Tanh", &["x"], "t"), node("Add", &["t", "b"], "y")],
            ..GraphProto::default()
        };
        assert!(find_patterns(&g).1.is_empty());
    }

    #[test]
    fn a_known_operator_in_a_foreign_domain_is_unsupported_not_lowered() {
        // Found by the onnx fuzz target: a one-input MatMul of domain
        // `com.foo` took its shape from the file and was then lowered as a
        // MatMul, which reads a second input.
        let node = NodeProto {
            name: "mm".into(),
            op_type: "MatMul".into(),
            domain: "com.foo".into(),
            inputs: vec!["x".into()],
            outputs: vec!["y".into()],
            ..NodeProto::default()
        };
        let file = OnnxFile {
            path: "m.onnx".into(),
            bytes: Vec::new(),
            proto: ModelProto {
                opsets: vec![(String::new(), 17), ("com.foo".into(), 1)],
                graph: GraphProto {
                    nodes: vec![node],
                    inputs: vec![info("x", &[2, 3])],
                    value_info: vec![info("y", &[2, 4])],
                    ..GraphProto::default()
                },
                ..ModelProto::default()
            },
        };
        let a = crate::onnx::analyze(&file, &Default::default()).unwrap();
        assert_eq!(a.known["y"].shape, [2, 4]);
        let e = import(&file, &a, "m", false).err().unwrap();
        assert!(
            e.message.contains("domain `com.foo` is not supported"),
            "{e:?}"
        );
        let i = import(&file, &a, "m", true).unwrap();
        assert_eq!(i.model.len(), 0);
        assert_eq!(i.coverage[0].treatment, Treatment::Unsupported);
    }
}
