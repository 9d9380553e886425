//! The messages of `onnx.proto` that a model file holds, decoded from the
//! wire format (field numbers as in onnx/onnx.proto, IR versions 3 to 10).
//! Tensor payloads stay where they are in the file: a [`Tensor`] keeps the
//! range of its `raw_data` or of its typed fields, or its external location.

use super::wire::{Field, Fields, WireError, MAX_DEPTH};
use std::ops::Range;

/// `ModelProto`.
#[derive(Debug, Clone, Default)]
pub struct ModelProto {
    /// IR version.
    pub ir_version: i64,
    /// Opsets imported: (domain, version); `""` is the default domain.
    pub opsets: Vec<(String, i64)>,
    /// Producer name and version.
    pub producer: String,
    /// The main graph.
    pub graph: GraphProto,
}

/// `GraphProto`.
#[derive(Debug, Clone, Default)]
pub struct GraphProto {
    /// Name.
    pub name: String,
    /// Nodes, in file order.
    pub nodes: Vec<NodeProto>,
    /// Initializers (weights and constants).
    pub initializers: Vec<TensorProto>,
    /// Graph inputs (may repeat initializers, as IR < 4 requires).
    pub inputs: Vec<ValueInfo>,
    /// Graph outputs.
    pub outputs: Vec<ValueInfo>,
    /// Shapes recorded for intermediate values, if any.
    pub value_info: Vec<ValueInfo>,
}

/// `NodeProto`.
#[derive(Debug, Clone, Default)]
pub struct NodeProto {
    /// Name (may be empty).
    pub name: String,
    /// Operator.
    pub op_type: String,
    /// Domain (`""` or `ai.onnx` for the default one).
    pub domain: String,
    /// Input names (`""` for an omitted optional input).
    pub inputs: Vec<String>,
    /// Output names.
    pub outputs: Vec<String>,
    /// Attributes.
    pub attributes: Vec<Attribute>,
    /// Byte offset of the node in the file.
    pub at: usize,
}

/// `AttributeProto`, by the value it carries.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// Name.
    pub name: String,
    /// Value.
    pub value: AttrValue,
}

/// An attribute's value.
#[derive(Debug, Clone)]
pub enum AttrValue {
    /// `f`.
    Float(f32),
    /// `i`.
    Int(i64),
    /// `s`.
    String(String),
    /// `t`.
    Tensor(TensorProto),
    /// `g`.
    Graph(Box<GraphProto>),
    /// `floats`.
    Floats(Vec<f32>),
    /// `ints`.
    Ints(Vec<i64>),
    /// `strings`.
    Strings(Vec<String>),
    /// A kind this reader keeps no value of (sparse tensors, type protos,
    /// lists of tensors or graphs).
    Other(&'static str),
}

/// Where a tensor's values are.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// `raw_data`: little-endian values at this range of the file.
    Raw(Range<usize>),
    /// Typed fields (`float_data`, `int32_data`, `int64_data`,
    /// `double_data`, `uint64_data`, `string_data`): each field occurrence,
    /// packed or not, in file order.
    Typed(Vec<Field>),
    /// In another file, relative to the model's folder.
    External {
        /// `location`.
        location: String,
        /// `offset` (0 when absent).
        offset: u64,
        /// `length` (the rest of the file when absent).
        length: Option<u64>,
    },
}

/// `TensorProto`.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorProto {
    /// Name.
    pub name: String,
    /// Dimensions.
    pub dims: Vec<i64>,
    /// `TensorProto.DataType`.
    pub data_type: i32,
    /// Where the values are.
    pub payload: Payload,
    /// Byte offset of the tensor in the file.
    pub at: usize,
}

/// A dimension of a value's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dim {
    /// `dim_value`.
    Value(i64),
    /// `dim_param`: a symbolic size.
    Param(String),
    /// Neither.
    Unknown,
}

/// `ValueInfoProto` of a tensor.
#[derive(Debug, Clone, Default)]
pub struct ValueInfo {
    /// Name.
    pub name: String,
    /// Element type (`TensorProto.DataType`; 0 when not a tensor or absent).
    pub elem_type: i32,
    /// Shape, when recorded.
    pub shape: Option<Vec<Dim>>,
}

/// Decodes `file` as a `ModelProto`.
pub fn model(file: &[u8]) -> Result<ModelProto, WireError> {
    let mut m = ModelProto::default();
    let mut graph = None;
    for f in Fields::new(file, 0..file.len()) {
        let f = f?;
        match f.number {
            1 => m.ir_version = f.int()?,
            2 => m.producer = f.string(file)?,
            7 => graph = Some(self::graph(file, f.bytes()?, 1)?),
            8 => {
                let (mut domain, mut version) = (String::new(), 0);
                for g in Fields::new(file, f.bytes()?) {
                    let g = g?;
                    match g.number {
                        1 => domain = g.string(file)?,
                        2 => version = g.int()?,
                        _ => {}
                    }
                }
                m.opsets.push((domain, version));
            }
            _ => {}
        }
    }
    m.graph = graph.ok_or_else(|| {
        WireError::new(
            0,
            "no graph (field 7 of ModelProto): not an ONNX model, or an empty one",
        )
    })?;
    Ok(m)
}

fn graph(file: &[u8], range: Range<usize>, depth: usize) -> Result<GraphProto, WireError> {
    if depth > MAX_DEPTH {
        return Err(WireError::new(
            range.start,
            format!("graphs nested more than {MAX_DEPTH} deep"),
        ));
    }
    let mut g = GraphProto::default();
    for f in Fields::new(file, range) {
        let f = f?;
        match f.number {
            1 => g.nodes.push(node(file, &f, depth)?),
            2 => g.name = f.string(file)?,
            5 => g.initializers.push(tensor(file, f.bytes()?)?),
            11 => g.inputs.push(value_info(file, f.bytes()?)?),
            12 => g.outputs.push(value_info(file, f.bytes()?)?),
            13 => g.value_info.push(value_info(file, f.bytes()?)?),
            _ => {}
        }
    }
    Ok(g)
}

fn node(file: &[u8], field: &Field, depth: usize) -> Result<NodeProto, WireError> {
    let mut n = NodeProto {
        at: field.at,
        ..NodeProto::default()
    };
    for f in Fields::new(file, field.bytes()?) {
        let f = f?;
        match f.number {
            1 => n.inputs.push(f.string(file)?),
            2 => n.outputs.push(f.string(file)?),
            3 => n.name = f.string(file)?,
            4 => n.op_type = f.string(file)?,
            7 => n.domain = f.string(file)?,
            5 => n.attributes.push(attribute(file, f.bytes()?, depth)?),
            _ => {}
        }
    }
    Ok(n)
}

fn attribute(file: &[u8], range: Range<usize>, depth: usize) -> Result<Attribute, WireError> {
    let at = range.start;
    let mut name = String::new();
    let mut kind = 0i64;
    let mut first: Option<AttrValue> = None;
    let (mut floats, mut ints, mut strings) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = [false; 24];
    for f in Fields::new(file, range) {
        let f = f?;
        if let Some(s) = seen.get_mut(f.number as usize) {
            *s = true;
        }
        let v = match f.number {
            1 => {
                name = f.string(file)?;
                None
            }
            20 => {
                kind = f.int()?;
                None
            }
            2 => Some(AttrValue::Float(f.float()?)),
            3 => Some(AttrValue::Int(f.int()?)),
            4 => Some(AttrValue::String(
                String::from_utf8_lossy(&file[f.bytes()?]).into_owned(),
            )),
            5 => Some(AttrValue::Tensor(tensor(file, f.bytes()?)?)),
            6 => Some(AttrValue::Graph(Box::new(graph(
                file,
                f.bytes()?,
                depth + 1,
            )?))),
            7 => {
                f.floats_into(file, &mut floats)?;
                None
            }
            8 => {
                f.ints_into(file, &mut ints)?;
                None
            }
            9 => {
                strings.push(String::from_utf8_lossy(&file[f.bytes()?]).into_owned());
                None
            }
            10 | 11 | 14 | 15 | 22 | 23 => Some(AttrValue::Other(match f.number {
                10 => "tensors",
                11 => "graphs",
                14 | 15 => "type protos",
                _ => "sparse tensors",
            })),
            _ => None,
        };
        if first.is_none() {
            first = v;
        }
    }
    // The declared type decides (IR >= 3 writes it); older files carry only
    // the value's field.
    let value = match kind {
        6 => AttrValue::Floats(floats),
        7 => AttrValue::Ints(ints),
        8 => AttrValue::Strings(strings),
        _ => match first {
            Some(v) => v,
            None if seen[7] => AttrValue::Floats(floats),
            None if seen[8] => AttrValue::Ints(ints),
            None if seen[9] => AttrValue::Strings(strings),
            // An empty list written without its type.
            None if kind == 0 => AttrValue::Ints(Vec::new()),
            None => {
                return Err(WireError::new(
                    at,
                    format!("attribute `{name}` of type {kind} carries no value"),
                ))
            }
        },
    };
    Ok(Attribute { name, value })
}

/// Decodes a `TensorProto` at `range`.
pub fn tensor(file: &[u8], range: Range<usize>) -> Result<TensorProto, WireError> {
    let at = range.start;
    let mut t = TensorProto {
        name: String::new(),
        dims: Vec::new(),
        data_type: 0,
        payload: Payload::Typed(Vec::new()),
        at,
    };
    let mut raw = None;
    let mut typed = Vec::new();
    let mut external = false;
    let (mut location, mut offset, mut length) = (None, 0u64, None);
    for f in Fields::new(file, range) {
        let f = f?;
        match f.number {
            1 => f.ints_into(file, &mut t.dims)?,
            2 => t.data_type = i32::try_from(f.int()?).unwrap_or(-1),
            8 => t.name = f.string(file)?,
            9 => raw = Some(f.bytes()?),
            4..=7 | 10 | 11 => typed.push(f),
            14 => external = f.int()? == 1,
            13 => {
                let (mut key, mut value) = (String::new(), String::new());
                for g in Fields::new(file, f.bytes()?) {
                    let g = g?;
                    match g.number {
                        1 => key = g.string(file)?,
                        2 => value = g.string(file)?,
                        _ => {}
                    }
                }
                let number = |v: &str| {
                    v.parse::<u64>().map_err(|_| {
                        WireError::new(
                            f.at,
                            format!("external data `{key}` = `{v}` is not a whole number"),
                        )
                    })
                };
                match key.as_str() {
                    "location" => location = Some(value),
                    "offset" => offset = number(&value)?,
                    "length" => length = Some(number(&value)?),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    t.payload = if external {
        Payload::External {
            location: location.ok_or_else(|| {
                WireError::new(
                    at,
                    format!(
                        "tensor `{}` is stored externally but names no location",
                        t.name
                    ),
                )
            })?,
            offset,
            length,
        }
    } else if let Some(r) = raw {
        Payload::Raw(r)
    } else {
        Payload::Typed(typed)
    };
    Ok(t)
}

fn value_info(file: &[u8], range: Range<usize>) -> Result<ValueInfo, WireError> {
    let mut v = ValueInfo::default();
    for f in Fields::new(file, range) {
        let f = f?;
        match f.number {
            1 => v.name = f.string(file)?,
            2 => {
                // TypeProto: tensor_type = 1 (elem_type = 1, shape = 2).
                for t in Fields::new(file, f.bytes()?) {
                    let t = t?;
                    if t.number != 1 {
                        continue;
                    }
                    for tt in Fields::new(file, t.bytes()?) {
                        let tt = tt?;
                        match tt.number {
                            1 => v.elem_type = i32::try_from(tt.int()?).unwrap_or(-1),
                            2 => {
                                let mut dims = Vec::new();
                                for d in Fields::new(file, tt.bytes()?) {
                                    let d = d?;
                                    if d.number != 1 {
                                        continue;
                                    }
                                    let mut dim = Dim::Unknown;
                                    for x in Fields::new(file, d.bytes()?) {
                                        let x = x?;
                                        match x.number {
                                            1 => dim = Dim::Value(x.int()?),
                                            2 => dim = Dim::Param(x.string(file)?),
                                            _ => {}
                                        }
                                    }
                                    dims.push(dim);
                                }
                                v.shape = Some(dims);
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(v)
}
