//! Value-exact inference of ONNX models (`systolic infer`): every integer
//! GEMM (`MatMulInteger`, `ConvInteger`, `QLinearMatMul`, `QLinearConv`,
//! `QGemm`) runs on the pe engine of a design, the rest on the host exactly
//! as ONNX and onnxruntime's CPU kernels define it (docs/INFER.md says which
//! kernel each reproduces, and where bit-exactness cannot hold).
//!
//! Graphs in QDQ format run as onnxruntime runs them by default: each
//! `DequantizeLinear -> op -> QuantizeLinear` group is fused into the
//! integer kernel ([`qdq`]).
//!
//! Float models are refused unless [`InferOptions::quantize`] is set; then
//! every float MatMul, Gemm and Conv is quantized as onnxruntime's
//! `quantize_dynamic` quantizes it (int8 symmetric weights per tensor,
//! activations to uint8 with `DynamicQuantizeLinear`), and the output is
//! compared with an fp32 run of the same model.

mod ops;
mod qdq;
mod qops;
pub mod tensor;

pub use tensor::{dtype, Data, Tensor};

use super::error::{node_name, OnnxError};
use super::proto::{NodeProto, TensorProto};
use super::shape::Inputs;
use super::{analyze, Analysis, DimValues, OnnxFile};
use crate::design::Design;
use crate::error::{InputError, Result, SimError};
use std::collections::HashMap;
use std::rc::Rc;

/// How to run a model.
#[derive(Debug, Clone, Copy, Default)]
pub struct InferOptions {
    /// Quantize float GEMMs as `quantize_dynamic` would (else a float model
    /// is refused).
    pub quantize: bool,
}

/// One integer GEMM run on the pe engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GemmRun {
    /// The node it belongs to.
    pub node: String,
    /// Its operator.
    pub op_type: String,
    /// `M x K x N` of one GEMM.
    pub mkn: (u64, u64, u64),
    /// How many such GEMMs ran (groups, batch matrices).
    pub count: u64,
    /// Cycles of all of them on the array (compute only).
    pub cycles: u64,
    /// PE-cycles simulated.
    pub pe_cycles: u64,
    /// Multiplies the array made (`M K N` per GEMM, `M K' N` with N:M
    /// sparse weights) and how many had a zero operand
    /// ([`crate::engine::pe::zero_products`]).
    pub products: (u64, u64),
    /// Elements of A (the activations) over all runs, and how many were
    /// zero (after a ReLU, most of them may be).
    pub a_zeros: (u64, u64),
}

/// The zero counts of one GEMM the pe engine ran: `zero` tells an
/// operand's zeros (a float design's -0 is one).
pub(crate) fn zero_counts<T>(
    design: &Design,
    a: &[T],
    b: &[T],
    mkn: (u64, u64, u64),
    zero: impl Fn(&T) -> bool,
) -> ((u64, u64), (u64, u64)) {
    let ind = |v: &[T]| -> Vec<i64> { v.iter().map(|x| i64::from(!zero(x))).collect() };
    let (ia, ib) = (ind(a), ind(b));
    let products = crate::engine::pe::zero_products(design, &ia, &ib, mkn);
    let za = ia.iter().filter(|&&x| x == 0).count() as u64;
    (products, (a.len() as u64, za))
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct Inference {
    /// The graph's outputs, in graph order.
    pub outputs: Vec<(String, Tensor)>,
    /// Every GEMM the pe engine ran, in run order.
    pub gemms: Vec<GemmRun>,
    /// Symbolic dimensions and the sizes the inputs gave them.
    pub dims: DimValues,
    /// What the run noted (QDQ groups fused, nodes quantized, ...).
    pub notes: Vec<String>,
}

/// Largest element count of one tensor the interpreter computes: 2^28.
pub const MAX_ELEMENTS: usize = 1 << 28;

/// Operators that are GEMMs on float values.
const FLOAT_GEMMS: &[&str] = &[
    "MatMul",
    "Gemm",
    "Conv",
    "ConvTranspose",
    "LSTM",
    "GRU",
    "RNN",
    "Einsum",
];

/// Runs `file` on `design` with `inputs` (by graph input name; `None`
/// names take the graph's inputs in order).
pub fn infer(
    file: &OnnxFile,
    design: &Design,
    inputs: Vec<(Option<String>, Tensor)>,
    opts: InferOptions,
) -> Result<Inference> {
    let (feeds, dims) = bind_inputs(file, inputs)?;
    let a = analyze(file, &dims).map_err(|e| SimError::from(e.into_input(&file.path)))?;
    let mut plan = qdq::plan(file, &a);
    if let Some(f) = &design.fp {
        if opts.quantize {
            return Err(InputError::new(
                "systolic::infer::quantize",
                file.path.display().to_string(),
                format!(
                    "design `{}` computes in {}: --quantize rounds float GEMMs to an integer design's int8",
                    design.name, f.operand
                ),
            )
            .hint("drop --quantize to run the float GEMMs in the design's own format, or use an integer design (e.g. --design tpu-v1-like)")
            .into());
        }
        let n = plan
            .steps
            .iter()
            .filter(|n| FLOAT_GEMMS.contains(&n.op_type.as_str()) && n.domain.is_empty())
            .count();
        plan.notes.push(format!(
            "{n} float GEMM node(s) run on the array in the design's arithmetic: {} operands, {} partial sums, {} accumulator, {} (docs/NUMERICS.md)",
            f.operand,
            f.psum,
            f.acc,
            crate::design::rule_name(f.rule)
        ));
    } else if !opts.quantize {
        refuse_float(file, &a, &mut plan)?;
    }
    let mut m = Machine {
        file,
        a: &a,
        design,
        env: HashMap::new(),
        initializers: file
            .proto
            .graph
            .initializers
            .iter()
            .map(|t| (t.name.as_str(), t))
            .collect(),
        gemms: Vec::new(),
        quantize: opts.quantize,
        host_only: false,
        float_array: design.fp.is_some(),
    };
    for (name, t) in feeds {
        m.env.insert(name, Rc::new(t));
    }
    m.run(&plan)?;
    let mut notes = plan.notes.clone();
    if opts.quantize {
        let n = plan.steps.iter().filter(|n| m.quantizes(n)).count();
        notes.push(format!(
            "{n} float GEMM node(s) quantized as onnxruntime's quantize_dynamic would (int8 symmetric weights per tensor, uint8 activations from DynamicQuantizeLinear)"
        ));
    }
    let outputs = m.outputs()?;
    if opts.quantize {
        let host: Vec<&str> = plan
            .steps
            .iter()
            .filter(|n| FLOAT_GEMMS.contains(&n.op_type.as_str()) && n.domain.is_empty())
            .filter(|n| !m.quantizes(n))
            .map(node_name)
            .collect();
        if !host.is_empty() {
            notes.push(format!(
                "{} float GEMM node(s) without a weight initializer stay float, as quantize_dynamic leaves them, and run in f32 on the host: {}",
                host.len(),
                host.join(", ")
            ));
        }
    }
    Ok(Inference {
        outputs,
        gemms: m.gemms,
        dims,
        notes,
    })
}

/// Runs `file` in fp32 on the host (GEMMs accumulated in f64, rounded once):
/// the reference `--quantize` is measured against.
pub fn infer_fp32(
    file: &OnnxFile,
    design: &Design,
    inputs: Vec<(Option<String>, Tensor)>,
) -> Result<Vec<(String, Tensor)>> {
    let (feeds, dims) = bind_inputs(file, inputs)?;
    let a = analyze(file, &dims).map_err(|e| SimError::from(e.into_input(&file.path)))?;
    let plan = qdq::Plan::literal(file, &a);
    let mut m = Machine {
        file,
        a: &a,
        design,
        env: HashMap::new(),
        initializers: file
            .proto
            .graph
            .initializers
            .iter()
            .map(|t| (t.name.as_str(), t))
            .collect(),
        gemms: Vec::new(),
        quantize: false,
        host_only: true,
        float_array: false,
    };
    for (name, t) in feeds {
        m.env.insert(name, Rc::new(t));
    }
    m.run(&plan)?;
    m.outputs()
}

/// Matches the given inputs to the graph's, checks their types and fixed
/// dimensions, and reads the symbolic dimensions off their shapes.
fn bind_inputs(
    file: &OnnxFile,
    inputs: Vec<(Option<String>, Tensor)>,
) -> Result<(Vec<(String, Tensor)>, DimValues)> {
    let g = &file.proto.graph;
    let inits: std::collections::HashSet<&str> =
        g.initializers.iter().map(|t| t.name.as_str()).collect();
    let wanted: Vec<&super::proto::ValueInfo> = g
        .inputs
        .iter()
        .filter(|v| !inits.contains(v.name.as_str()))
        .collect();
    let names: Vec<&str> = wanted.iter().map(|v| v.name.as_str()).collect();
    let err = |msg: String, hint: String| -> SimError {
        InputError::new(
            "systolic::infer::input",
            file.path.display().to_string(),
            msg,
        )
        .hint(hint)
        .into()
    };
    let listing = || {
        wanted
            .iter()
            .map(|v| {
                let dims: Vec<String> = v
                    .shape
                    .iter()
                    .flatten()
                    .map(|d| match d {
                        super::proto::Dim::Value(x) => x.to_string(),
                        super::proto::Dim::Param(p) => p.clone(),
                        super::proto::Dim::Unknown => "?".into(),
                    })
                    .collect();
                format!(
                    "`{}` ({} [{}])",
                    v.name,
                    super::tensor::type_name(v.elem_type),
                    dims.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut bound: HashMap<String, Tensor> = HashMap::new();
    let mut next = 0;
    for (name, t) in inputs {
        let name = match name {
            Some(n) => {
                if !names.contains(&n.as_str()) {
                    return Err(err(
                        format!("the model has no input named `{n}`"),
                        format!("its inputs are {}", listing()),
                    ));
                }
                n
            }
            None => {
                while next < names.len() && bound.contains_key(names[next]) {
                    next += 1;
                }
                let Some(n) = names.get(next) else {
                    return Err(err(
                        format!("more inputs given than the model's {}", names.len()),
                        format!("its inputs are {}", listing()),
                    ));
                };
                n.to_string()
            }
        };
        if bound.insert(name.clone(), t).is_some() {
            return Err(err(
                format!("input `{name}` is given twice"),
                "give each input once".into(),
            ));
        }
    }
    let mut dims = DimValues::new();
    let mut feeds = Vec::new();
    for v in &wanted {
        let Some(t) = bound.remove(&v.name) else {
            return Err(err(
                format!("input `{}` is not given", v.name),
                format!(
                    "give every input, e.g. --input {}=x.npy; the model's inputs are {}",
                    v.name,
                    listing()
                ),
            ));
        };
        if t.dtype != v.elem_type {
            return Err(err(
                format!(
                    "input `{}` is {} but the model takes {}",
                    v.name,
                    t.type_name(),
                    super::tensor::type_name(v.elem_type)
                ),
                "convert the array, e.g. numpy's x.astype(numpy.float32)".into(),
            ));
        }
        let shape = v.shape.as_deref().unwrap_or(&[]);
        let bad_shape = || {
            err(
                format!(
                    "input `{}` has shape {:?}, which does not fit the model's {}",
                    v.name,
                    t.shape,
                    listing()
                ),
                "give an array of the shape the model declares (named dimensions may take any size)"
                    .into(),
            )
        };
        if v.shape.is_some() && shape.len() != t.shape.len() {
            return Err(bad_shape());
        }
        for (d, &size) in shape.iter().zip(&t.shape) {
            match d {
                super::proto::Dim::Value(x) if *x != size as i64 => return Err(bad_shape()),
                super::proto::Dim::Param(p)
                    if dims
                        .insert(p.clone(), size as u64)
                        .is_some_and(|s| s != size as u64) =>
                {
                    return Err(err(
                        format!("dimension `{p}` takes two sizes in the given inputs"),
                        "give inputs whose named dimensions agree".into(),
                    ));
                }
                _ => {}
            }
        }
        feeds.push((v.name.clone(), t));
    }
    Ok((feeds, dims))
}

/// Integer GEMM operators (run on the array).
const INT_GEMMS: &[&str] = &[
    "QLinearConv",
    "QLinearMatMul",
    "MatMulInteger",
    "ConvInteger",
    "QGemm",
];

/// Refuses a float model: one with float GEMMs and no integer GEMM (infer
/// runs quantized models). A quantized model's remaining float GEMMs (e.g.
/// the activation-by-activation MatMuls quantize_dynamic leaves in float)
/// run on the host, noted.
fn refuse_float(file: &OnnxFile, a: &Analysis, plan: &mut qdq::Plan) -> Result<()> {
    let float: Vec<&NodeProto> = plan
        .steps
        .iter()
        .filter(|n| FLOAT_GEMMS.contains(&n.op_type.as_str()) && n.domain.is_empty())
        .filter(|n| {
            n.inputs
                .first()
                .and_then(|x| a.known.get(x))
                .is_some_and(|k| super::tensor::is_float(k.dtype))
        })
        .collect();
    let quantized = plan
        .steps
        .iter()
        .any(|n| INT_GEMMS.contains(&n.op_type.as_str()));
    if quantized && !float.is_empty() {
        let names: Vec<&str> = float.iter().map(|n| node_name(n)).collect();
        let note = format!(
            "{} float GEMM node(s) of this quantized model run in f32 on the host, not on the array, as onnxruntime runs them in float (not bit-exact with its SGEMM): {}",
            names.len(),
            names.join(", ")
        );
        plan.notes.push(note);
        return Ok(());
    }
    if let Some(n) = float.first() {
        return Err(InputError::new(
            "systolic::infer::float",
            file.path.display().to_string(),
            format!(
                "{} float GEMM node(s), first `{}` ({}): infer runs quantized models, whose GEMMs are integer",
                float.len(),
                node_name(n),
                n.op_type
            ),
        )
        .hint("add --quantize to quantize them as onnxruntime's quantize_dynamic would (and see the SQNR against fp32), or quantize the model with onnxruntime.quantization")
        .into());
    }
    Ok(())
}

/// The interpreter's state.
pub(crate) struct Machine<'a> {
    file: &'a OnnxFile,
    a: &'a Analysis,
    design: &'a Design,
    env: HashMap<String, Rc<Tensor>>,
    initializers: HashMap<&'a str, &'a TensorProto>,
    gemms: Vec<GemmRun>,
    quantize: bool,
    /// Integer GEMMs on the host instead of the pe engine (the fp32 run).
    host_only: bool,
    /// Float GEMMs on the pe engine in a floating-point design's arithmetic
    /// (else in f64 on the host).
    float_array: bool,
}

impl<'a> Machine<'a> {
    /// Adds a GEMM the pe engine ran for node `n` to the run's list (one
    /// entry per node and shape, counting repeats).
    pub(crate) fn record(
        &mut self,
        n: &NodeProto,
        mkn: (u64, u64, u64),
        run: &crate::engine::pe::PeRun,
        (products, a_zeros): ((u64, u64), (u64, u64)),
    ) {
        let name = crate::onnx::error::node_name(n).to_string();
        match self.gemms.last_mut() {
            Some(g) if g.node == name && g.mkn == mkn => {
                g.count += 1;
                g.cycles += run.cycles;
                g.pe_cycles += run.pe_cycles;
                g.products = (g.products.0 + products.0, g.products.1 + products.1);
                g.a_zeros = (g.a_zeros.0 + a_zeros.0, g.a_zeros.1 + a_zeros.1);
            }
            _ => self.gemms.push(GemmRun {
                node: name,
                op_type: n.op_type.clone(),
                mkn,
                count: 1,
                cycles: run.cycles,
                pe_cycles: run.pe_cycles,
                products,
                a_zeros,
            }),
        }
    }

    /// Whether `--quantize` quantizes float GEMM `n`: MatMul, Gemm and Conv
    /// whose weight (second input) is an initializer, as quantize_dynamic
    /// does; the others stay float.
    pub(crate) fn quantizes(&self, n: &NodeProto) -> bool {
        self.quantize
            && n.domain.is_empty()
            && matches!(n.op_type.as_str(), "MatMul" | "Gemm" | "Conv")
            && n.inputs
                .get(1)
                .is_some_and(|w| self.a.initializers.contains(w))
            && n.inputs
                .first()
                .and_then(|x| self.a.known.get(x))
                .is_some_and(|k| k.dtype == dtype::F32)
    }

    fn run(&mut self, plan: &qdq::Plan) -> Result<()> {
        for n in &plan.steps {
            if self.folded(n) {
                continue;
            }
            let outs = self.node(n).map_err(|e| self.err_in(n, e))?;
            for (name, t) in n.outputs.iter().zip(outs) {
                if !name.is_empty() {
                    self.env.insert(name.clone(), Rc::new(t));
                }
            }
        }
        Ok(())
    }

    fn outputs(&mut self) -> Result<Vec<(String, Tensor)>> {
        let g = &self.file.proto.graph;
        g.outputs
            .iter()
            .map(|o| {
                let t = self.value(&o.name).map_err(|m| {
                    SimError::from(
                        OnnxError::model(format!("output `{}`: {m}", o.name))
                            .into_input(&self.file.path),
                    )
                })?;
                Ok((o.name.clone(), (*t).clone()))
            })
            .collect()
    }

    /// Whether `n`'s outputs are constants the analysis folded exactly
    /// (integer shape code, and `Constant`): floats are always computed
    /// here, in f32, never taken from the f64 folding.
    fn folded(&self, n: &NodeProto) -> bool {
        n.outputs.iter().filter(|o| !o.is_empty()).all(|o| {
            self.a.known.get(o).is_some_and(|k| {
                k.value.is_some() && (n.op_type == "Constant" || !super::tensor::is_float(k.dtype))
            })
        })
    }

    fn err_in(&self, n: &NodeProto, e: String) -> SimError {
        SimError::from(
            OnnxError::node(n, self.file.opset_of(&n.domain), e)
                .hint("docs/INFER.md lists the operators infer runs and how")
                .into_input(&self.file.path),
        )
    }

    /// The value of tensor `name`: computed, folded, or an initializer read
    /// from the file now.
    pub(crate) fn value(&mut self, name: &str) -> std::result::Result<Rc<Tensor>, String> {
        if let Some(t) = self.env.get(name) {
            return Ok(t.clone());
        }
        let t = if let Some(k) = self.a.known.get(name).filter(|k| k.value.is_some()) {
            let shape = k.shape.iter().map(|&d| d as usize).collect();
            Tensor::from_values(k.dtype, shape, k.value.as_deref().expect("checked"))
        } else if let Some(p) = self.initializers.get(name) {
            let v = p
                .values(&self.file.bytes, self.file.dir())
                .map_err(|e| format!("initializer `{name}`: {} ({})", e.message, e.hint))?;
            let shape: Vec<usize> = p.dims.iter().map(|&d| d.max(0) as usize).collect();
            Tensor::from_values(p.data_type, shape, &v)
        } else {
            return Err(format!(
                "tensor `{name}` has no value (an input the graph never computes)"
            ));
        };
        let t = Rc::new(t);
        self.env.insert(name.to_string(), t.clone());
        Ok(t)
    }

    /// Input `i` of `n`, or `None` when omitted.
    pub(crate) fn input(
        &mut self,
        n: &NodeProto,
        i: usize,
    ) -> std::result::Result<Option<Rc<Tensor>>, String> {
        match n.inputs.get(i).filter(|s| !s.is_empty()) {
            Some(name) => self.value(name).map(Some),
            None => Ok(None),
        }
    }

    /// Input `i` of `n`, which the operator requires.
    pub(crate) fn req(
        &mut self,
        n: &NodeProto,
        i: usize,
    ) -> std::result::Result<Rc<Tensor>, String> {
        self.input(n, i)?
            .ok_or_else(|| format!("input {i} is missing (the operator requires it)"))
    }

    /// The shape the analysis found for output `i` of `n`.
    pub(crate) fn out_shape(
        &self,
        n: &NodeProto,
        i: usize,
    ) -> std::result::Result<Vec<usize>, String> {
        n.outputs
            .get(i)
            .and_then(|o| self.a.known.get(o))
            .map(|k| k.shape.iter().map(|&d| d as usize).collect())
            .ok_or_else(|| format!("output {i} has no known shape"))
    }

    /// `n`'s attributes (through the shape code's accessor).
    pub(crate) fn attrs<'n>(&self, n: &'n NodeProto) -> Inputs<'n>
    where
        'a: 'n,
    {
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

    fn node(&mut self, n: &NodeProto) -> std::result::Result<Vec<Tensor>, String> {
        if let Some(t) = qops::node(self, n)? {
            return Ok(t);
        }
        if let Some(t) = ops::node(self, n)? {
            return Ok(t);
        }
        Err(format!(
            "infer does not run `{}`{} yet",
            n.op_type,
            if n.domain.is_empty() {
                String::new()
            } else {
                format!(" of domain `{}`", n.domain)
            }
        ))
    }
}

/// Checks an element count before allocating.
pub(crate) fn check_size(shape: &[usize]) -> std::result::Result<usize, String> {
    shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|&n| n <= MAX_ELEMENTS)
        .ok_or_else(|| format!("a tensor of shape {shape:?} passes infer's limit of 2^28 elements"))
}
