//! Shape inference with constant folding: every tensor of the graph gets a
//! concrete shape and element type, and small integer and float tensors that
//! are computed from constants (the Shape/Gather/Concat/Reshape chains that
//! exporters write) get their values, so that the shapes they feed are
//! concrete too.

use super::error::OnnxError;
use super::proto::{AttrValue, NodeProto};
use super::tensor::{is_float, Values};
use std::rc::Rc;

/// Largest tensor folded to values (elements): shape computations are tiny.
pub const FOLD_MAX: u64 = 1 << 16;
/// Largest tensor (elements) and dimension a shape may give: 2^48 and 2^40.
pub const MAX_ELEMENTS: u64 = 1 << 48;
/// Largest dimension.
pub const MAX_DIMENSION: u64 = 1 << 40;
/// Largest rank.
pub const MAX_RANK: usize = 16;

/// What is known of a tensor.
#[derive(Debug, Clone)]
pub struct Known {
    /// `TensorProto.DataType`.
    pub dtype: i32,
    /// Concrete shape.
    pub shape: Vec<u64>,
    /// Its values, when folded (or a small initializer read for folding).
    pub value: Option<Rc<Values>>,
}

impl Known {
    /// A tensor of this type and shape, values unknown.
    pub fn new(dtype: i32, shape: Vec<u64>) -> Known {
        Known {
            dtype,
            shape,
            value: None,
        }
    }

    /// Element count (saturating).
    pub fn len(&self) -> u64 {
        elements(&self.shape)
    }

    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn with(mut self, v: Values) -> Known {
        if self.len() <= FOLD_MAX && v.len() as u64 == self.len() {
            self.value = Some(Rc::new(v));
        }
        self
    }
}

/// Elements of a shape (saturating).
pub fn elements(shape: &[u64]) -> u64 {
    shape.iter().fold(1u64, |a, &d| a.saturating_mul(d))
}

/// A node's inputs as the inference sees them (`None`: an omitted optional
/// input).
pub struct Inputs<'a> {
    pub(crate) node: &'a NodeProto,
    pub(crate) known: Vec<Option<Known>>,
    pub(crate) opset: i64,
    /// The model file's bytes and folder (for attribute tensors).
    pub(crate) file: &'a [u8],
    pub(crate) dir: &'a std::path::Path,
}

impl Inputs<'_> {
    fn err(&self, message: impl Into<String>) -> OnnxError {
        OnnxError::node(self.node, self.opset, message)
    }

    /// Input `i`, which the operator requires.
    pub fn get(&self, i: usize) -> Result<&Known, OnnxError> {
        self.known
            .get(i)
            .and_then(Option::as_ref)
            .ok_or_else(|| self.err(format!("input {i} is missing (the operator requires it)")))
    }

    /// Input `i` if given.
    pub fn opt(&self, i: usize) -> Option<&Known> {
        self.known.get(i).and_then(Option::as_ref)
    }

    /// Values of input `i` (which must be a constant).
    pub fn ints(&self, i: usize, what: &str) -> Result<Vec<i64>, OnnxError> {
        match self.get(i)?.value.as_deref() {
            Some(v) => Ok(v.ints()),
            None => Err(self.err(format!(
                "its {what} (input {i}, `{}`) is computed at run time, not a constant: the shapes after it are not known",
                self.node.inputs.get(i).map_or("", String::as_str)
            ))),
        }
    }

    /// Integer attribute, or `default`.
    pub fn int(&self, name: &str, default: i64) -> i64 {
        match self.attr(name) {
            Some(AttrValue::Int(v)) => *v,
            _ => default,
        }
    }

    /// Integer-list attribute, if given.
    pub fn int_list(&self, name: &str) -> Option<Vec<i64>> {
        match self.attr(name) {
            Some(AttrValue::Ints(v)) => Some(v.clone()),
            _ => None,
        }
    }

    /// Float attribute, or `default`.
    pub fn float(&self, name: &str, default: f32) -> f32 {
        match self.attr(name) {
            Some(AttrValue::Float(v)) => *v,
            _ => default,
        }
    }

    /// String attribute, or `default`.
    pub fn string(&self, name: &str, default: &str) -> String {
        match self.attr(name) {
            Some(AttrValue::String(v)) => v.clone(),
            _ => default.to_string(),
        }
    }

    /// An attribute by name.
    pub fn attr(&self, name: &str) -> Option<&AttrValue> {
        self.node
            .attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| &a.value)
    }

    /// `axis` (possibly negative) of a rank-`rank` tensor, checked.
    pub fn axis(&self, axis: i64, rank: usize) -> Result<usize, OnnxError> {
        let r = rank as i64;
        let a = if axis < 0 { axis + r } else { axis };
        if (0..r).contains(&a) {
            Ok(a as usize)
        } else {
            Err(self.err(format!(
                "axis {axis} is out of range for a tensor of rank {rank}"
            )))
        }
    }

    fn shape_from(&self, dims: &[i64], what: &str) -> Result<Vec<u64>, OnnxError> {
        dims.iter()
            .map(|&d| {
                u64::try_from(d).map_err(|_| self.err(format!("{what} has a negative size {d}")))
            })
            .collect()
    }
}

/// Multidirectional (numpy) broadcasting of shapes.
pub fn broadcast(shapes: &[&[u64]]) -> Option<Vec<u64>> {
    let rank = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1u64; rank];
    for s in shapes {
        for (i, &d) in s.iter().enumerate() {
            let o = &mut out[rank - s.len() + i];
            if *o == 1 {
                *o = d;
            } else if d != 1 && d != *o {
                return None;
            }
        }
    }
    Some(out)
}

/// Index of each output element into an input of shape `from` broadcast to `to`.
fn broadcast_index(from: &[u64], to: &[u64]) -> Vec<usize> {
    let n = elements(to) as usize;
    let off = to.len() - from.len();
    let mut strides = vec![0usize; to.len()];
    let mut s = 1usize;
    for i in (0..from.len()).rev() {
        strides[off + i] = if from[i] == 1 { 0 } else { s };
        s *= from[i] as usize;
    }
    (0..n)
        .map(|mut flat| {
            let mut idx = 0;
            for d in (0..to.len()).rev() {
                let size = to[d] as usize;
                idx += (flat % size.max(1)) * strides[d];
                flat /= size.max(1);
            }
            idx
        })
        .collect()
}

/// Applies `f` elementwise with broadcasting, on ints when every input is
/// integer, on floats otherwise.
fn elementwise(
    ins: &[&Known],
    out_shape: &[u64],
    int: impl Fn(&[i64]) -> Option<i64>,
    float: impl Fn(&[f64]) -> f64,
) -> Option<Values> {
    let vals: Vec<&Values> = ins
        .iter()
        .map(|k| k.value.as_deref())
        .collect::<Option<_>>()?;
    if elements(out_shape) > FOLD_MAX {
        return None;
    }
    let idx: Vec<Vec<usize>> = ins
        .iter()
        .map(|k| broadcast_index(&k.shape, out_shape))
        .collect();
    let n = elements(out_shape) as usize;
    if vals.iter().all(|v| matches!(v, Values::Int(_))) {
        let xs: Vec<Vec<i64>> = vals.iter().map(|v| v.ints()).collect();
        let mut out = Vec::with_capacity(n);
        for e in 0..n {
            let args: Vec<i64> = xs.iter().zip(&idx).map(|(x, i)| x[i[e]]).collect();
            out.push(int(&args)?);
        }
        Some(Values::Int(out))
    } else {
        let xs: Vec<Vec<f64>> = vals.iter().map(|v| v.floats()).collect();
        Some(Values::Float(
            (0..n)
                .map(|e| {
                    let args: Vec<f64> = xs.iter().zip(&idx).map(|(x, i)| x[i[e]]).collect();
                    float(&args)
                })
                .collect(),
        ))
    }
}

fn strides(shape: &[u64]) -> Vec<usize> {
    let mut s = vec![1usize; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1] as usize;
    }
    s
}

/// Gathers values by flat index.
fn pick(v: &Values, idx: impl Iterator<Item = usize>) -> Values {
    match v {
        Values::Int(x) => Values::Int(idx.map(|i| x[i]).collect()),
        Values::Float(x) => Values::Float(idx.map(|i| x[i]).collect()),
    }
}

/// Output types of a node whose type follows its first input.
fn same(x: &Known) -> Known {
    Known::new(x.dtype, x.shape.clone())
}

/// Output shapes (and folded values) of `n` from its inputs.
pub fn infer(n: &Inputs) -> Result<Vec<Known>, OnnxError> {
    let op = n.node.op_type.as_str();
    let out = match op {
        // Elementwise, one input: same shape and type.
        "Relu"
        | "LeakyRelu"
        | "Sigmoid"
        | "Tanh"
        | "Erf"
        | "Sqrt"
        | "Exp"
        | "Log"
        | "Neg"
        | "Abs"
        | "Reciprocal"
        | "Floor"
        | "Ceil"
        | "Round"
        | "Sign"
        | "Not"
        | "Clip"
        | "HardSwish"
        | "HardSigmoid"
        | "Elu"
        | "Selu"
        | "Celu"
        | "Softplus"
        | "Softsign"
        | "Gelu"
        | "Mish"
        | "Sin"
        | "Cos"
        | "Identity"
        | "Softmax"
        | "LogSoftmax"
        | "Hardmax"
        | "BatchNormalization"
        | "InstanceNormalization"
        | "LpNormalization"
        | "LRN"
        | "Trilu"
        | "CumSum"
        | "Shrink"
        | "ThresholdedRelu"
        | "BitwiseNot"
        | "MeanVarianceNormalization" => {
            let x = n.get(0)?;
            let mut k = same(x);
            if let Some(v) = fold_unary(op, x) {
                k = k.with(v);
            }
            vec![k]
        }
        "IsNaN" | "IsInf" => vec![Known::new(9, n.get(0)?.shape.clone())],
        "Dropout" => {
            let x = n.get(0)?;
            let mut k = same(x);
            k.value = x.value.clone();
            vec![k, Known::new(9, x.shape.clone())]
        }
        "Cast" => {
            let x = n.get(0)?;
            let to = i32::try_from(n.int("to", 1)).unwrap_or(1);
            let mut k = Known::new(to, x.shape.clone());
            if let Some(v) = x.value.as_deref() {
                k = k.with(if is_float(to) {
                    Values::Float(v.floats())
                } else if to == 9 {
                    Values::Int(v.floats().iter().map(|&f| i64::from(f != 0.0)).collect())
                } else {
                    Values::Int(v.ints())
                });
            }
            vec![k]
        }
        "CastLike" => {
            let (x, t) = (n.get(0)?, n.get(1)?);
            vec![Known::new(t.dtype, x.shape.clone())]
        }
        "LayerNormalization" => {
            let x = n.get(0)?;
            let axis = n.axis(n.int("axis", -1), x.shape.len())?;
            let mut reduced = x.shape.clone();
            for d in &mut reduced[axis..] {
                *d = 1;
            }
            vec![
                same(x),
                Known::new(1, reduced.clone()),
                Known::new(1, reduced),
            ]
        }
        "QuantizeLinear" => {
            let x = n.get(0)?;
            let t = n.opt(2).map_or(2, |z| z.dtype);
            vec![Known::new(t, x.shape.clone())]
        }
        "DequantizeLinear" => {
            let x = n.get(0)?;
            let t = n.opt(1).map_or(1, |s| s.dtype);
            vec![Known::new(t, x.shape.clone())]
        }
        "DynamicQuantizeLinear" => {
            let x = n.get(0)?;
            vec![
                Known::new(2, x.shape.clone()),
                Known::new(1, vec![]),
                Known::new(2, vec![]),
            ]
        }
        // Elementwise with broadcasting.
        "Add" | "Sub" | "Mul" | "Div" | "Pow" | "Mod" | "Max" | "Min" | "Sum" | "Mean"
        | "Equal" | "Less" | "LessOrEqual" | "Greater" | "GreaterOrEqual" | "And" | "Or"
        | "Xor" | "BitShift" | "Where" | "PRelu" | "BitwiseAnd" | "BitwiseOr" => {
            let ins: Vec<&Known> = (0..n.node.inputs.len())
                .map(|i| n.get(i))
                .collect::<Result<_, _>>()?;
            let arity_ok = match op {
                "Sum" | "Mean" | "Max" | "Min" => !ins.is_empty(),
                "Where" => ins.len() == 3,
                _ => ins.len() == 2,
            };
            if !arity_ok {
                return Err(n.err(format!("it has {} inputs", ins.len())));
            }
            let shapes: Vec<&[u64]> = ins.iter().map(|k| k.shape.as_slice()).collect();
            let shape = broadcast(&shapes)
                .ok_or_else(|| n.err(format!("its inputs' shapes {shapes:?} do not broadcast")))?;
            let dtype = match op {
                "Equal" | "Less" | "LessOrEqual" | "Greater" | "GreaterOrEqual" | "And" | "Or"
                | "Xor" => 9,
                "Where" => ins.get(1).map_or(1, |k| k.dtype),
                _ => ins[0].dtype,
            };
            let mut k = Known::new(dtype, shape.clone());
            if let Some(v) = fold_binary(op, n, &ins, &shape) {
                k = k.with(if is_float(dtype) {
                    Values::Float(v.floats())
                } else {
                    v
                });
            }
            vec![k]
        }
        "QLinearAdd" | "QLinearMul" => {
            let (a, b) = (n.get(0)?, n.get(3)?);
            let shape = broadcast(&[&a.shape, &b.shape]).ok_or_else(|| {
                n.err(format!(
                    "its inputs' shapes {:?} and {:?} do not broadcast",
                    a.shape, b.shape
                ))
            })?;
            vec![Known::new(a.dtype, shape)]
        }
        "Constant" => vec![constant(n)?],
        "Shape" => {
            let x = n.get(0)?;
            let r = x.shape.len() as i64;
            let clamp = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
            let (s, e) = (clamp(n.int("start", 0)), clamp(n.int("end", r)));
            let dims: Vec<i64> = x.shape[s..e.max(s)].iter().map(|&d| d as i64).collect();
            vec![Known::new(7, vec![dims.len() as u64]).with(Values::Int(dims))]
        }
        "Size" => {
            let x = n.get(0)?;
            vec![Known::new(7, vec![]).with(Values::Int(vec![x.len() as i64]))]
        }
        "Reshape" => {
            let x = n.get(0)?;
            let target = match n.int_list("shape") {
                Some(s) if n.opset < 5 => s,
                _ => n.ints(1, "target shape")?,
            };
            let shape = reshape(n, &x.shape, &target, n.int("allowzero", 0) != 0)?;
            let mut k = Known::new(x.dtype, shape);
            if let Some(v) = x.value.as_deref() {
                k = k.with(v.clone());
            }
            vec![k]
        }
        "Flatten" => {
            let x = n.get(0)?;
            let axis = n.axis(n.int("axis", 1), x.shape.len() + 1)?;
            let shape = vec![elements(&x.shape[..axis]), elements(&x.shape[axis..])];
            let mut k = Known::new(x.dtype, shape);
            if let Some(v) = x.value.as_deref() {
                k = k.with(v.clone());
            }
            vec![k]
        }
        "Squeeze" | "Unsqueeze" => {
            let x = n.get(0)?;
            let axes = match n.int_list("axes") {
                Some(a) => Some(a),
                None if n.opt(1).is_some() => Some(n.ints(1, "axes")?),
                None => None,
            };
            let shape = if op == "Squeeze" {
                match axes {
                    None => x.shape.iter().copied().filter(|&d| d != 1).collect(),
                    Some(a) => {
                        let a: Vec<usize> = a
                            .iter()
                            .map(|&v| n.axis(v, x.shape.len()))
                            .collect::<Result<_, _>>()?;
                        x.shape
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| !a.contains(i))
                            .map(|(_, &d)| d)
                            .collect()
                    }
                }
            } else {
                let a = axes.ok_or_else(|| n.err("it names no axes"))?;
                let rank = x.shape.len() + a.len();
                let mut a: Vec<usize> = a
                    .iter()
                    .map(|&v| n.axis(v, rank))
                    .collect::<Result<_, _>>()?;
                a.sort_unstable();
                let mut dims = x.shape.iter();
                (0..rank)
                    .map(|i| {
                        if a.contains(&i) {
                            1
                        } else {
                            *dims.next().unwrap_or(&1)
                        }
                    })
                    .collect()
            };
            let mut k = Known::new(x.dtype, shape);
            if let Some(v) = x.value.as_deref() {
                k = k.with(v.clone());
            }
            vec![k]
        }
        "Transpose" => {
            let x = n.get(0)?;
            let r = x.shape.len();
            let perm: Vec<usize> = match n.int_list("perm") {
                Some(p) => p.iter().map(|&v| n.axis(v, r)).collect::<Result<_, _>>()?,
                None => (0..r).rev().collect(),
            };
            let mut seen = vec![false; r];
            if perm.len() != r || perm.iter().any(|&p| std::mem::replace(&mut seen[p], true)) {
                return Err(n.err(format!("perm {perm:?} does not match rank {r}")));
            }
            let shape: Vec<u64> = perm.iter().map(|&p| x.shape[p]).collect();
            let mut k = Known::new(x.dtype, shape.clone());
            if let Some(v) = x.value.as_deref() {
                let (si, so) = (strides(&x.shape), strides(&shape));
                let idx = (0..elements(&shape) as usize).map(|flat| {
                    perm.iter()
                        .enumerate()
                        .map(|(d, &p)| (flat / so[d]) % shape[d].max(1) as usize * si[p])
                        .sum()
                });
                k = k.with(pick(v, idx));
            }
            vec![k]
        }
        "Concat" => {
            let ins: Vec<&Known> = (0..n.node.inputs.len()).filter_map(|i| n.opt(i)).collect();
            let first = ins.first().ok_or_else(|| n.err("it has no inputs"))?;
            let axis = n.axis(n.int("axis", 0), first.shape.len())?;
            let mut shape = first.shape.clone();
            shape[axis] = 0;
            for k in &ins {
                if k.shape.len() != shape.len()
                    || k.shape
                        .iter()
                        .enumerate()
                        .any(|(i, &d)| i != axis && d != shape[i])
                {
                    return Err(n.err(format!(
                        "inputs of shapes {:?} cannot be joined on axis {axis}",
                        ins.iter().map(|k| &k.shape).collect::<Vec<_>>()
                    )));
                }
                shape[axis] = shape[axis].saturating_add(k.shape[axis]);
            }
            let mut out = Known::new(first.dtype, shape.clone());
            if ins.iter().all(|k| k.value.is_some()) {
                let outer = elements(&shape[..axis]) as usize;
                let mut ints = Vec::new();
                let mut floats = Vec::new();
                let float = ins
                    .iter()
                    .any(|k| matches!(k.value.as_deref(), Some(Values::Float(_))));
                for o in 0..outer {
                    for k in &ins {
                        let inner = elements(&k.shape[axis..]) as usize;
                        let v = k.value.as_deref().expect("checked");
                        if float {
                            floats.extend_from_slice(&v.floats()[o * inner..(o + 1) * inner]);
                        } else {
                            ints.extend_from_slice(&v.ints()[o * inner..(o + 1) * inner]);
                        }
                    }
                }
                out = out.with(if float {
                    Values::Float(floats)
                } else {
                    Values::Int(ints)
                });
            }
            vec![out]
        }
        "Split" => {
            let x = n.get(0)?;
            let axis = n.axis(n.int("axis", 0), x.shape.len())?;
            let outs = n.node.outputs.len();
            let sizes: Vec<u64> = match n.int_list("split") {
                Some(s) => n.shape_from(&s, "split")?,
                None if n.opt(1).is_some() => n.shape_from(&n.ints(1, "split sizes")?, "split")?,
                None => {
                    let d = x.shape[axis];
                    let parts = u64::try_from(n.int("num_outputs", outs as i64))
                        .unwrap_or(1)
                        .max(1);
                    let each = d.div_ceil(parts);
                    (0..parts)
                        .map(|i| each.min(d.saturating_sub(i.saturating_mul(each))))
                        .collect()
                }
            };
            if sizes.len() != outs
                || sizes.iter().fold(0u64, |a, &b| a.saturating_add(b)) != x.shape[axis]
            {
                return Err(n.err(format!(
                    "split sizes {sizes:?} do not cut axis {axis} of size {} into {outs} outputs",
                    x.shape[axis]
                )));
            }
            sizes
                .iter()
                .map(|&s| {
                    let mut shape = x.shape.clone();
                    shape[axis] = s;
                    Known::new(x.dtype, shape)
                })
                .collect()
        }
        "Slice" => vec![slice(n)?],
        "Gather" => vec![gather(n)?],
        "GatherElements" => {
            let (x, i) = (n.get(0)?, n.get(1)?);
            vec![Known::new(x.dtype, i.shape.clone())]
        }
        "Expand" => {
            let x = n.get(0)?;
            let target = n.shape_from(&n.ints(1, "shape")?, "the target shape")?;
            let shape = broadcast(&[&x.shape, &target]).ok_or_else(|| {
                n.err(format!("shape {:?} does not expand to {target:?}", x.shape))
            })?;
            let mut k = Known::new(x.dtype, shape.clone());
            if let Some(v) = x.value.as_deref() {
                if elements(&shape) <= FOLD_MAX {
                    k = k.with(pick(v, broadcast_index(&x.shape, &shape).into_iter()));
                }
            }
            vec![k]
        }
        "Tile" => {
            let x = n.get(0)?;
            let reps = n.shape_from(&n.ints(1, "repeats")?, "repeats")?;
            if reps.len() != x.shape.len() {
                return Err(n.err("repeats and input rank differ"));
            }
            vec![Known::new(
                x.dtype,
                x.shape
                    .iter()
                    .zip(&reps)
                    .map(|(a, b)| a.saturating_mul(*b))
                    .collect(),
            )]
        }
        "ConstantOfShape" => {
            let shape = n.shape_from(&n.ints(0, "shape")?, "the shape")?;
            let (dtype, v) = match n.attr("value") {
                Some(AttrValue::Tensor(t)) => (t.data_type, None::<f64>),
                _ => (1, Some(0.0)),
            };
            let mut k = Known::new(dtype, shape.clone());
            let fill = match (n.attr("value"), v) {
                (Some(AttrValue::Tensor(t)), _) => n
                    .inline(t)
                    .map(|x| x.floats().first().copied().unwrap_or(0.0)),
                (_, v) => v,
            };
            if let Some(f) = fill {
                let len = elements(&shape) as usize;
                if len as u64 <= FOLD_MAX {
                    k = k.with(if is_float(dtype) {
                        Values::Float(vec![f; len])
                    } else {
                        Values::Int(vec![f as i64; len])
                    });
                }
            }
            vec![k]
        }
        "Range" => {
            let s = n.get(0)?;
            let get = |i| -> Result<f64, OnnxError> {
                n.get(i)?
                    .value
                    .as_deref()
                    .and_then(|v| v.floats().first().copied())
                    .ok_or_else(|| n.err("its start, limit and delta are computed at run time"))
            };
            let (a, b, d) = (get(0)?, get(1)?, get(2)?);
            if d == 0.0 {
                return Err(n.err("its delta is 0"));
            }
            let len = ((b - a) / d).ceil().max(0.0);
            if len > MAX_DIMENSION as f64 {
                return Err(n.err(format!("it makes {len} elements")));
            }
            let len = len as u64;
            let mut k = Known::new(s.dtype, vec![len]);
            if len <= FOLD_MAX {
                let xs = (0..len).map(|i| a + i as f64 * d);
                k = k.with(if is_float(s.dtype) {
                    Values::Float(xs.collect())
                } else {
                    Values::Int(xs.map(|x| x as i64).collect())
                });
            }
            vec![k]
        }
        "Pad" => {
            let x = n.get(0)?;
            let pads = match n.int_list("pads") {
                Some(p) if n.opset < 11 => p,
                _ => n.ints(1, "pads")?,
            };
            let r = x.shape.len();
            let axes: Vec<usize> = match n.opt(3) {
                Some(_) => n
                    .ints(3, "axes")?
                    .iter()
                    .map(|&a| n.axis(a, r))
                    .collect::<Result<_, _>>()?,
                None => (0..r).collect(),
            };
            if pads.len() != 2 * axes.len() {
                return Err(n.err(format!("{} pads for {} axes", pads.len(), axes.len())));
            }
            let mut shape = x.shape.clone();
            for (j, &a) in axes.iter().enumerate() {
                let d = (shape[a] as i64)
                    .saturating_add(pads[j])
                    .saturating_add(pads[j + axes.len()]);
                shape[a] = u64::try_from(d).map_err(|_| n.err("its pads make a negative size"))?;
            }
            vec![Known::new(x.dtype, shape)]
        }
        "Resize" | "Upsample" => {
            let x = n.get(0)?;
            let r = x.shape.len();
            let sizes = if op == "Resize" && n.opt(3).is_some_and(|k| !k.is_empty()) {
                n.shape_from(&n.ints(3, "sizes")?, "sizes")?
            } else {
                let i = if op == "Upsample" { 1 } else { 2 };
                let scales = match n.get(i)?.value.as_deref() {
                    Some(v) => v.floats(),
                    None => return Err(n.err("its scales are computed at run time")),
                };
                if scales.len() != r {
                    return Err(n.err(format!("{} scales for rank {r}", scales.len())));
                }
                x.shape
                    .iter()
                    .zip(&scales)
                    .map(|(&d, &s)| (d as f64 * s).floor() as u64)
                    .collect()
            };
            vec![Known::new(x.dtype, sizes)]
        }
        "DepthToSpace" | "SpaceToDepth" => {
            let x = n.get(0)?;
            let b = u64::try_from(n.int("blocksize", 1)).unwrap_or(1).max(1);
            let mut s = x.shape.clone();
            if s.len() != 4 {
                return Err(n.err("it needs a rank-4 input"));
            }
            if op == "DepthToSpace" {
                s = vec![
                    s[0],
                    s[1] / b.saturating_mul(b),
                    s[2].saturating_mul(b),
                    s[3].saturating_mul(b),
                ];
            } else {
                s = vec![
                    s[0],
                    s[1].saturating_mul(b).saturating_mul(b),
                    s[2] / b,
                    s[3] / b,
                ];
            }
            vec![Known::new(x.dtype, s)]
        }
        "ReduceMean" | "ReduceSum" | "ReduceMax" | "ReduceMin" | "ReduceProd" | "ReduceL1"
        | "ReduceL2" | "ReduceLogSumExp" | "ReduceSumSquare" | "ReduceLogSum" | "ArgMax"
        | "ArgMin" => {
            let x = n.get(0)?;
            let r = x.shape.len();
            let keep = n.int("keepdims", 1) != 0;
            let axes: Vec<usize> = if op.starts_with("Arg") {
                vec![n.axis(n.int("axis", 0), r)?]
            } else {
                let list = match n.int_list("axes") {
                    Some(a) => Some(a),
                    None if n.opt(1).is_some_and(|k| !k.is_empty()) => Some(n.ints(1, "axes")?),
                    None => None,
                };
                match list {
                    Some(a) => a.iter().map(|&v| n.axis(v, r)).collect::<Result<_, _>>()?,
                    None if n.int("noop_with_empty_axes", 0) != 0 => vec![],
                    None => (0..r).collect(),
                }
            };
            let shape: Vec<u64> = x
                .shape
                .iter()
                .enumerate()
                .filter_map(|(i, &d)| match (axes.contains(&i), keep) {
                    (false, _) => Some(d),
                    (true, true) => Some(1),
                    (true, false) => None,
                })
                .collect();
            let dtype = if op.starts_with("Arg") { 7 } else { x.dtype };
            let mut k = Known::new(dtype, shape);
            if op == "ReduceProd" && axes.len() == r {
                if let Some(v) = x.value.as_deref() {
                    k = k.with(match v {
                        Values::Int(a) => {
                            Values::Int(vec![a.iter().fold(1i64, |p, &b| p.saturating_mul(b))])
                        }
                        Values::Float(a) => Values::Float(vec![a.iter().product()]),
                    });
                }
            }
            vec![k]
        }
        "TopK" => {
            let x = n.get(0)?;
            let axis = n.axis(n.int("axis", -1), x.shape.len())?;
            let k = n.ints(1, "k")?.first().copied().unwrap_or(0);
            let mut s = x.shape.clone();
            s[axis] = u64::try_from(k).map_err(|_| n.err("k is negative"))?;
            vec![Known::new(x.dtype, s.clone()), Known::new(7, s)]
        }
        "NonZero" => {
            let x = n.get(0)?;
            let v = x.value.as_deref().ok_or_else(|| {
                n.err("its output size depends on the data, which is computed at run time")
            })?;
            let nz = v.floats().iter().filter(|&&f| f != 0.0).count() as u64;
            vec![Known::new(7, vec![x.shape.len() as u64, nz])]
        }
        // The array's work.
        "Conv" | "ConvInteger" | "QLinearConv" | "ConvTranspose" => vec![conv(n)?],
        "MaxPool" | "AveragePool" | "LpPool" => {
            let p = pool(n)?;
            vec![p.clone(), Known::new(7, p.shape)]
        }
        "GlobalAveragePool" | "GlobalMaxPool" | "GlobalLpPool" | "QLinearGlobalAveragePool" => {
            let x = n.get(0)?;
            if x.shape.len() < 3 {
                return Err(n.err(format!("X {:?} must have rank 3 or more", x.shape)));
            }
            let mut s = x.shape.clone();
            let channels_last = n.int("channels_last", 0) != 0;
            let spatial = if channels_last {
                1..s.len().saturating_sub(1)
            } else {
                2..s.len()
            };
            for d in &mut s[spatial] {
                *d = 1;
            }
            vec![Known::new(x.dtype, s)]
        }
        "Gemm" | "QGemm" => {
            let (a, b) = if op == "QGemm" {
                (n.get(0)?, n.get(3)?)
            } else {
                (n.get(0)?, n.get(1)?)
            };
            if a.shape.len() != 2 || b.shape.len() != 2 {
                return Err(n.err(format!(
                    "Gemm needs 2-D A and B, found {:?} and {:?}",
                    a.shape, b.shape
                )));
            }
            let (m, ka) = if n.int("transA", 0) != 0 {
                (a.shape[1], a.shape[0])
            } else {
                (a.shape[0], a.shape[1])
            };
            let (kb, nn) = if n.int("transB", 0) != 0 {
                (b.shape[1], b.shape[0])
            } else {
                (b.shape[0], b.shape[1])
            };
            if ka != kb {
                return Err(n.err(format!("A is {m} x {ka} but B is {kb} x {nn}")));
            }
            // QGemm: quantized like its output zero point (A's type without
            // one), or float when it has no output scale.
            let dtype = match (op, n.opt(7), n.opt(8)) {
                ("QGemm", None, _) => 1,
                ("QGemm", Some(_), Some(z)) => z.dtype,
                _ => a.dtype,
            };
            vec![Known::new(dtype, vec![m, nn])]
        }
        "MatMul" | "MatMulInteger" | "QLinearMatMul" => {
            let (a, b) = if op == "QLinearMatMul" {
                (n.get(0)?, n.get(3)?)
            } else {
                (n.get(0)?, n.get(1)?)
            };
            let shape = matmul_shape(n, &a.shape, &b.shape)?;
            let dtype = match op {
                "MatMulInteger" => 6,
                "QLinearMatMul" => n.opt(7).map_or(a.dtype, |z| z.dtype),
                _ => a.dtype,
            };
            vec![Known::new(dtype, shape)]
        }
        "LSTM" | "GRU" | "RNN" => {
            let (x, r) = (n.get(0)?, n.get(2)?);
            if x.shape.len() != 3 || r.shape.len() != 3 {
                return Err(n.err(format!(
                    "X and R must be 3-D, found {:?} and {:?}",
                    x.shape, r.shape
                )));
            }
            let layout = n.int("layout", 0);
            let (seq, batch) = if layout == 0 {
                (x.shape[0], x.shape[1])
            } else {
                (x.shape[1], x.shape[0])
            };
            let (dirs, hidden) = (r.shape[0], r.shape[2]);
            let y = if layout == 0 {
                vec![seq, dirs, batch, hidden]
            } else {
                vec![batch, seq, dirs, hidden]
            };
            let h = if layout == 0 {
                vec![dirs, batch, hidden]
            } else {
                vec![batch, dirs, hidden]
            };
            let mut outs = vec![Known::new(x.dtype, y), Known::new(x.dtype, h.clone())];
            if op == "LSTM" {
                outs.push(Known::new(x.dtype, h));
            }
            outs
        }
        _ => return Err(OnnxError::unsupported(n.node, n.opset)),
    };
    for k in &out {
        if k.shape.len() > MAX_RANK
            || k.shape.iter().any(|&d| d > MAX_DIMENSION)
            || k.len() > MAX_ELEMENTS
        {
            return Err(n.err(format!(
                "it makes a tensor of shape {:?}: beyond the limits (rank {MAX_RANK}, {MAX_DIMENSION} per dimension, {MAX_ELEMENTS} elements)",
                k.shape
            )));
        }
    }
    Ok(out)
}

fn constant(n: &Inputs) -> Result<Known, OnnxError> {
    let a = n
        .node
        .attributes
        .first()
        .ok_or_else(|| n.err("it has no value attribute"))?;
    Ok(match &a.value {
        AttrValue::Tensor(t) => {
            let shape = n.shape_from(&t.dims, "its value")?;
            let k = Known::new(t.data_type, shape);
            match n.inline(t) {
                Some(v) => k.with(v),
                None => k,
            }
        }
        AttrValue::Float(f) => Known::new(1, vec![]).with(Values::Float(vec![f64::from(*f)])),
        AttrValue::Int(i) => Known::new(7, vec![]).with(Values::Int(vec![*i])),
        AttrValue::Floats(f) => Known::new(1, vec![f.len() as u64])
            .with(Values::Float(f.iter().map(|&x| f64::from(x)).collect())),
        AttrValue::Ints(i) => Known::new(7, vec![i.len() as u64]).with(Values::Int(i.clone())),
        _ => {
            return Err(n.err(format!(
                "its `{}` value is of a kind this reader does not take",
                a.name
            )))
        }
    })
}

fn reshape(
    n: &Inputs,
    from: &[u64],
    target: &[i64],
    allow_zero: bool,
) -> Result<Vec<u64>, OnnxError> {
    let total = elements(from);
    let mut infer_at = None;
    let mut shape = Vec::with_capacity(target.len());
    for (i, &d) in target.iter().enumerate() {
        shape.push(match d {
            -1 if infer_at.is_none() => {
                infer_at = Some(i);
                1
            }
            0 if !allow_zero => *from.get(i).ok_or_else(|| {
                n.err(format!(
                    "target shape {target:?} copies dimension {i}, which the input {from:?} lacks"
                ))
            })?,
            d if d >= 0 => d as u64,
            _ => return Err(n.err(format!("target shape {target:?} is not valid"))),
        });
    }
    if let Some(i) = infer_at {
        let rest = elements(&shape);
        if rest == 0 || !total.is_multiple_of(rest) {
            return Err(n.err(format!(
                "cannot reshape {from:?} ({total} elements) to {target:?}"
            )));
        }
        shape[i] = total / rest;
    }
    if elements(&shape) != total {
        return Err(n.err(format!(
            "cannot reshape {from:?} ({total} elements) to {target:?}"
        )));
    }
    Ok(shape)
}

fn slice(n: &Inputs) -> Result<Known, OnnxError> {
    let x = n.get(0)?;
    let r = x.shape.len();
    let (starts, ends, axes, steps) = if n.opset < 10 {
        (
            n.int_list("starts").unwrap_or_default(),
            n.int_list("ends").unwrap_or_default(),
            n.int_list("axes"),
            None,
        )
    } else {
        (
            n.ints(1, "starts")?,
            n.ints(2, "ends")?,
            if n.opt(3).is_some() {
                Some(n.ints(3, "axes")?)
            } else {
                None
            },
            if n.opt(4).is_some() {
                Some(n.ints(4, "steps")?)
            } else {
                None
            },
        )
    };
    let axes: Vec<usize> = match axes {
        Some(a) => a.iter().map(|&v| n.axis(v, r)).collect::<Result<_, _>>()?,
        None => (0..starts.len()).collect(),
    };
    let steps = steps.unwrap_or_else(|| vec![1; axes.len()]);
    if starts.len() != axes.len() || ends.len() != axes.len() || steps.len() != axes.len() {
        return Err(n.err("starts, ends, axes and steps differ in length"));
    }
    let mut shape = x.shape.clone();
    // (start, step) per axis, for folding.
    let mut walk: Vec<(i64, i64)> = vec![(0, 1); r];
    for (j, &a) in axes.iter().enumerate() {
        let d = x.shape[a] as i64;
        let step = steps[j];
        if step == 0 {
            return Err(n.err("a step of 0"));
        }
        let clamp = |v: i64, lo: i64, hi: i64| {
            let v = if v < 0 { v.saturating_add(d) } else { v };
            v.clamp(lo, hi)
        };
        let (s, e) = if step > 0 {
            (clamp(starts[j], 0, d), clamp(ends[j], 0, d))
        } else {
            (clamp(starts[j], -1, d - 1), clamp(ends[j], -1, d - 1))
        };
        let len = if step > 0 {
            ((e - s).max(0) as u64).div_ceil(step as u64)
        } else {
            ((s - e).max(0) as u64).div_ceil(step.unsigned_abs())
        };
        shape[a] = len;
        walk[a] = (s, step);
    }
    let mut k = Known::new(x.dtype, shape.clone());
    if let Some(v) = x.value.as_deref() {
        let si = strides(&x.shape);
        let so = strides(&shape);
        let idx = (0..elements(&shape) as usize).map(|flat| {
            (0..r)
                .map(|d| {
                    let i = ((flat / so[d]) % shape[d].max(1) as usize) as i64;
                    (walk[d].0 + i * walk[d].1) as usize * si[d]
                })
                .sum()
        });
        k = k.with(pick(v, idx));
    }
    Ok(k)
}

fn gather(n: &Inputs) -> Result<Known, OnnxError> {
    let (x, i) = (n.get(0)?, n.get(1)?);
    let r = x.shape.len();
    let axis = n.axis(n.int("axis", 0), r)?;
    let mut shape = x.shape[..axis].to_vec();
    shape.extend_from_slice(&i.shape);
    shape.extend_from_slice(&x.shape[axis + 1..]);
    let mut k = Known::new(x.dtype, shape.clone());
    if elements(&shape) > FOLD_MAX {
        return Ok(k);
    }
    if let (Some(v), Some(ix)) = (x.value.as_deref(), i.value.as_deref()) {
        let d = x.shape[axis] as i64;
        let ix: Vec<i64> = ix.ints();
        if let Some(bad) = ix.iter().find(|&&j| j < -d || j >= d) {
            return Err(n.err(format!(
                "index {bad} is out of range for axis {axis} of size {d}"
            )));
        }
        let outer = elements(&x.shape[..axis]) as usize;
        let inner = elements(&x.shape[axis + 1..]) as usize;
        let mut idx = Vec::with_capacity(elements(&shape) as usize);
        for o in 0..outer {
            for &j in &ix {
                let j = if j < 0 { j + d } else { j } as usize;
                for e in 0..inner {
                    idx.push((o * d as usize + j) * inner + e);
                }
            }
        }
        k = k.with(pick(v, idx.into_iter()));
    }
    Ok(k)
}

/// Spatial attributes of a conv or pool: kernel, strides, dilations, pads
/// (begin, end), resolving `auto_pad`.
pub struct Window {
    /// Output spatial sizes.
    pub out: Vec<u64>,
    /// Kernel.
    pub kernel: Vec<u64>,
    /// Strides.
    pub strides: Vec<u64>,
    /// Dilations.
    pub dilations: Vec<u64>,
    /// Pads at the beginning of each spatial axis.
    pub begin: Vec<u64>,
    /// Pads at the end.
    pub end: Vec<u64>,
}

/// The window of a conv or pool over `spatial` input sizes with `kernel`.
pub fn window(
    n: &Inputs,
    spatial: &[u64],
    kernel: &[u64],
    transpose: bool,
) -> Result<Window, OnnxError> {
    let r = spatial.len();
    if kernel.len() != r {
        return Err(n.err(format!(
            "a kernel of {} sizes for {r} spatial axes",
            kernel.len()
        )));
    }
    let list = |name: &str, default: u64| -> Result<Vec<u64>, OnnxError> {
        match n.int_list(name) {
            Some(v) if v.len() == r => n.shape_from(&v, name),
            Some(v) if v.is_empty() => Ok(vec![default; r]),
            Some(v) => Err(n.err(format!(
                "`{name}` has {} values for {r} spatial axes",
                v.len()
            ))),
            None => Ok(vec![default; r]),
        }
    };
    let strides = list("strides", 1)?;
    let dilations = list("dilations", 1)?;
    if strides.contains(&0) || dilations.contains(&0) {
        return Err(n.err("a stride or dilation of 0"));
    }
    let auto = n.string("auto_pad", "NOTSET");
    let pads = match n.int_list("pads") {
        Some(p) if p.len() == 2 * r => n.shape_from(&p, "pads")?,
        Some(p) if !p.is_empty() => {
            return Err(n.err(format!(
                "`pads` has {} values for {r} spatial axes",
                p.len()
            )))
        }
        _ => vec![0; 2 * r],
    };
    let ceil = n.int("ceil_mode", 0) != 0;
    let mut w = Window {
        out: vec![0; r],
        kernel: kernel.to_vec(),
        strides,
        dilations,
        begin: pads[..r].to_vec(),
        end: pads[r..].to_vec(),
    };
    for i in 0..r {
        let eff = w.dilations[i]
            .saturating_mul(kernel[i].saturating_sub(1))
            .saturating_add(1);
        if transpose {
            let out_pad = n
                .int_list("output_padding")
                .and_then(|v| v.get(i).copied())
                .unwrap_or(0)
                .max(0) as u64;
            if let Some(shape) = n.int_list("output_shape") {
                w.out[i] = *shape.get(shape.len().saturating_sub(r) + i).unwrap_or(&0) as u64;
                continue;
            }
            let full = w.strides[i]
                .saturating_mul(spatial[i].saturating_sub(1))
                .saturating_add(out_pad)
                .saturating_add(eff);
            w.out[i] = full
                .checked_sub(w.begin[i].saturating_add(w.end[i]))
                .ok_or_else(|| n.err("its pads are larger than its output"))?;
            continue;
        }
        match auto.as_str() {
            "SAME_UPPER" | "SAME_LOWER" => {
                let out = spatial[i].div_ceil(w.strides[i]);
                let need = out
                    .saturating_sub(1)
                    .saturating_mul(w.strides[i])
                    .saturating_add(eff)
                    .saturating_sub(spatial[i]);
                let (small, big) = (need / 2, need - need / 2);
                if auto == "SAME_UPPER" {
                    (w.begin[i], w.end[i]) = (small, big);
                } else {
                    (w.begin[i], w.end[i]) = (big, small);
                }
                w.out[i] = out;
            }
            "VALID" => {
                (w.begin[i], w.end[i]) = (0, 0);
                w.out[i] = spatial[i].checked_sub(eff).ok_or_else(|| {
                    n.err(format!(
                        "its window ({eff}) is larger than its input ({})",
                        spatial[i]
                    ))
                })? / w.strides[i]
                    + 1;
            }
            "NOTSET" | "" => {
                let span = (spatial[i]
                    .saturating_add(w.begin[i])
                    .saturating_add(w.end[i]))
                .checked_sub(eff)
                .ok_or_else(|| {
                    n.err(format!(
                        "its window ({eff}) is larger than its padded input ({})",
                        spatial[i]
                            .saturating_add(w.begin[i])
                            .saturating_add(w.end[i])
                    ))
                })?;
                w.out[i] = if ceil {
                    span.div_ceil(w.strides[i])
                } else {
                    span / w.strides[i]
                } + 1;
                // ceil_mode: a last window that starts in the end padding is dropped.
                if ceil
                    && (w.out[i] - 1).saturating_mul(w.strides[i])
                        >= spatial[i].saturating_add(w.begin[i])
                {
                    w.out[i] -= 1;
                }
            }
            other => {
                return Err(n.err(format!(
                    "auto_pad `{other}` is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID"
                )))
            }
        }
    }
    Ok(w)
}

fn conv(n: &Inputs) -> Result<Known, OnnxError> {
    let op = n.node.op_type.as_str();
    let (x, w) = if op == "QLinearConv" {
        (n.get(0)?, n.get(3)?)
    } else {
        (n.get(0)?, n.get(1)?)
    };
    if x.shape.len() < 3 || w.shape.len() != x.shape.len() {
        return Err(n.err(format!(
            "X {:?} and W {:?} must have the same rank, 3 or more",
            x.shape, w.shape
        )));
    }
    let groups = u64::try_from(n.int("group", 1))
        .ok()
        .filter(|&g| g > 0)
        .ok_or_else(|| n.err("group must be positive"))?;
    let kernel = match n.int_list("kernel_shape") {
        Some(k) => n.shape_from(&k, "kernel_shape")?,
        None => w.shape[2..].to_vec(),
    };
    let transpose = op == "ConvTranspose";
    let (cin, cout) = if transpose {
        (w.shape[0], w.shape[1].saturating_mul(groups))
    } else {
        (w.shape[1].saturating_mul(groups), w.shape[0])
    };
    if x.shape[1] != cin {
        return Err(n.err(format!(
            "X has {} channels but W {:?} with group {groups} expects {cin}",
            x.shape[1], w.shape
        )));
    }
    let win = window(n, &x.shape[2..], &kernel, transpose)?;
    let mut shape = vec![x.shape[0], cout];
    shape.extend(win.out);
    let dtype = match op {
        "ConvInteger" => 6,
        "QLinearConv" => n.opt(7).map_or(x.dtype, |z| z.dtype),
        _ => x.dtype,
    };
    Ok(Known::new(dtype, shape))
}

fn pool(n: &Inputs) -> Result<Known, OnnxError> {
    let x = n.get(0)?;
    if x.shape.len() < 3 {
        return Err(n.err(format!("X {:?} must have rank 3 or more", x.shape)));
    }
    let kernel = n
        .int_list("kernel_shape")
        .ok_or_else(|| n.err("it has no kernel_shape"))?;
    let kernel = n.shape_from(&kernel, "kernel_shape")?;
    if kernel.len() != x.shape.len() - 2 {
        return Err(n.err("kernel_shape and input rank differ"));
    }
    let win = window(n, &x.shape[2..], &kernel, false)?;
    let mut shape = x.shape[..2].to_vec();
    shape.extend(win.out);
    Ok(Known::new(x.dtype, shape))
}

/// The output shape of numpy `matmul`.
pub fn matmul_shape(n: &Inputs, a: &[u64], b: &[u64]) -> Result<Vec<u64>, OnnxError> {
    if a.is_empty() || b.is_empty() {
        return Err(n.err("MatMul of a scalar"));
    }
    let a2: Vec<u64> = if a.len() == 1 {
        vec![1, a[0]]
    } else {
        a.to_vec()
    };
    let b2: Vec<u64> = if b.len() == 1 {
        vec![b[0], 1]
    } else {
        b.to_vec()
    };
    let (m, ka) = (a2[a2.len() - 2], a2[a2.len() - 1]);
    let (kb, nn) = (b2[b2.len() - 2], b2[b2.len() - 1]);
    if ka != kb {
        return Err(n.err(format!(
            "A {a:?} and B {b:?}: inner sizes {ka} and {kb} differ"
        )));
    }
    let batch = broadcast(&[&a2[..a2.len() - 2], &b2[..b2.len() - 2]]).ok_or_else(|| {
        n.err(format!(
            "batch dimensions of A {a:?} and B {b:?} do not broadcast"
        ))
    })?;
    let mut s = batch;
    if a.len() > 1 {
        s.push(m);
    }
    if b.len() > 1 {
        s.push(nn);
    }
    Ok(s)
}

fn fold_unary(op: &str, x: &Known) -> Option<Values> {
    let v = x.value.as_deref()?;
    let f: fn(f64) -> f64 = match op {
        "Identity" => return Some(v.clone()),
        "Neg" => {
            return Some(match v {
                Values::Int(a) => Values::Int(a.iter().map(|&b| b.saturating_neg()).collect()),
                Values::Float(a) => Values::Float(a.iter().map(|&b| -b).collect()),
            })
        }
        "Abs" => {
            return Some(match v {
                Values::Int(a) => Values::Int(a.iter().map(|&b| b.saturating_abs()).collect()),
                Values::Float(a) => Values::Float(a.iter().map(|&b| b.abs()).collect()),
            })
        }
        "Not" => {
            return Some(Values::Int(
                v.ints().iter().map(|&b| i64::from(b == 0)).collect(),
            ))
        }
        "Sqrt" => f64::sqrt,
        "Floor" => f64::floor,
        "Ceil" => f64::ceil,
        "Reciprocal" => |x| 1.0 / x,
        "Relu" => |x: f64| x.max(0.0),
        _ => return None,
    };
    match v {
        Values::Float(a) => Some(Values::Float(a.iter().map(|&b| f(b)).collect())),
        Values::Int(_) if op == "Relu" => {
            Some(Values::Int(v.ints().iter().map(|&b| b.max(0)).collect()))
        }
        Values::Int(_) => None,
    }
}

fn fold_binary(op: &str, n: &Inputs, ins: &[&Known], shape: &[u64]) -> Option<Values> {
    let fmod = n.int("fmod", 0) != 0;
    let cmp = |f: fn(f64, f64) -> bool| {
        elementwise(
            ins,
            shape,
            |a| Some(i64::from(f(a[0] as f64, a[1] as f64))),
            |a| f64::from(u8::from(f(a[0], a[1]))),
        )
    };
    let v = match op {
        "Add" => elementwise(ins, shape, |a| a[0].checked_add(a[1]), |a| a[0] + a[1]),
        "Sub" => elementwise(ins, shape, |a| a[0].checked_sub(a[1]), |a| a[0] - a[1]),
        "Mul" => elementwise(ins, shape, |a| a[0].checked_mul(a[1]), |a| a[0] * a[1]),
        "Div" => elementwise(ins, shape, |a| a[0].checked_div(a[1]), |a| a[0] / a[1]),
        "Mod" => elementwise(
            ins,
            shape,
            |a| {
                if fmod {
                    a[0].checked_rem(a[1])
                } else {
                    let r = a[0].checked_rem(a[1])?;
                    Some(if r != 0 && (r < 0) != (a[1] < 0) {
                        r + a[1]
                    } else {
                        r
                    })
                }
            },
            |a| {
                let r = a[0] % a[1];
                if fmod || r == 0.0 || (r < 0.0) == (a[1] < 0.0) {
                    r
                } else {
                    r + a[1]
                }
            },
        ),
        "Max" => elementwise(
            ins,
            shape,
            |a| a.iter().copied().max(),
            |a| a.iter().copied().fold(f64::MIN, f64::max),
        ),
        "Min" => elementwise(
            ins,
            shape,
            |a| a.iter().copied().min(),
            |a| a.iter().copied().fold(f64::MAX, f64::min),
        ),
        "Pow" => elementwise(
            ins,
            shape,
            |a| u32::try_from(a[1]).ok().and_then(|e| a[0].checked_pow(e)),
            |a| a[0].powf(a[1]),
        ),
        "Equal" => cmp(|a, b| a == b),
        "Less" => cmp(|a, b| a < b),
        "LessOrEqual" => cmp(|a, b| a <= b),
        "Greater" => cmp(|a, b| a > b),
        "GreaterOrEqual" => cmp(|a, b| a >= b),
        "And" => cmp(|a, b| a != 0.0 && b != 0.0),
        "Or" => cmp(|a, b| a != 0.0 || b != 0.0),
        "Where" => elementwise(
            ins,
            shape,
            |a| Some(if a[0] != 0 { a[1] } else { a[2] }),
            |a| if a[0] != 0.0 { a[1] } else { a[2] },
        ),
        _ => None,
    };
    // Mixed int and float inputs (a float condition of Where, say) are
    // computed in floats; the caller converts to the output type.
    v
}

impl Inputs<'_> {
    /// Values of a tensor held inside the node (an attribute).
    fn inline(&self, t: &super::proto::TensorProto) -> Option<Values> {
        if t.len()? > FOLD_MAX {
            return None;
        }
        t.values(self.file, self.dir).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::proto::NodeProto;

    fn node(op: &str, inputs: usize) -> NodeProto {
        NodeProto {
            name: "n".into(),
            op_type: op.into(),
            inputs: (0..inputs).map(|i| format!("x{i}")).collect(),
            outputs: vec!["y".into()],
            ..NodeProto::default()
        }
    }

    fn infer_on(n: &NodeProto, known: Vec<Option<Known>>) -> Result<Vec<Known>, OnnxError> {
        infer(&Inputs {
            node: n,
            known,
            opset: 17,
            file: &[],
            dir: std::path::Path::new("."),
        })
    }

    #[test]
    fn a_binary_operator_with_one_input_is_an_error_not_a_panic() {
        // Found by the onnx fuzz target: Add with one constant input indexed
        // a second operand while folding.
        let x = Known::new(7, vec![1]).with(Values::Int(vec![3]));
        let e = infer_on(&node("Add", 1), vec![Some(x.clone())]).unwrap_err();
        assert!(e.message.contains("it has 1 inputs"), "{e:?}");
        let e = infer_on(&node("Where", 2), vec![Some(x.clone()), Some(x.clone())]).unwrap_err();
        assert!(e.message.contains("it has 2 inputs"), "{e:?}");
        let y = infer_on(&node("Max", 1), vec![Some(x)]).unwrap();
        assert_eq!(y[0].value.as_deref(), Some(&Values::Int(vec![3])));
    }

    #[test]
    fn a_global_pool_of_a_vector_is_an_error_not_a_panic() {
        // Found by the onnx fuzz target (a rank-1 input).
        let e = infer_on(
            &node("GlobalAveragePool", 1),
            vec![Some(Known::new(1, vec![5]))],
        )
        .unwrap_err();
        assert!(e.message.contains("rank 3 or more"), "{e:?}");
    }

    #[test]
    fn uneven_same_padding_and_absurd_pads_do_not_overflow() {
        let mut n = node("Conv", 2);
        n.attributes.push(crate::onnx::proto::Attribute {
            name: "pads".into(),
            value: AttrValue::Ints(vec![i64::MAX, 0, i64::MAX, 0]),
        });
        let x = Known::new(1, vec![1, 1, 4, 4]);
        let w = Known::new(1, vec![1, 1, 3, 3]);
        let e = infer_on(&n, vec![Some(x), Some(w)]).unwrap_err();
        assert!(e.message.contains("beyond the limits"), "{e:?}");
    }
}
