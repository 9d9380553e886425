//! Tensors as the interpreter holds them: f32 values, or integers of any
//! ONNX integer type widened to `i64` with their type kept.

use crate::npy::{NpyArray, NpyData};
use crate::onnx::tensor::{type_name, Values};

/// ONNX `TensorProto.DataType` codes the interpreter computes with.
pub mod dtype {
    /// float32
    pub const F32: i32 = 1;
    /// uint8
    pub const U8: i32 = 2;
    /// int8
    pub const I8: i32 = 3;
    /// uint16
    pub const U16: i32 = 4;
    /// int16
    pub const I16: i32 = 5;
    /// int32
    pub const I32: i32 = 6;
    /// int64
    pub const I64: i32 = 7;
    /// bool
    pub const BOOL: i32 = 9;
}

/// Values of a tensor.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// float32 elements.
    F(Vec<f32>),
    /// Integer (or bool) elements, widened.
    I(Vec<i64>),
}

/// A tensor: element type, shape and values in C order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// ONNX element type ([`dtype`]).
    pub dtype: i32,
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// The elements.
    pub data: Data,
}

/// The range of an integer type, `None` for other types.
pub fn int_range(t: i32) -> Option<(i64, i64)> {
    Some(match t {
        dtype::U8 => (0, 255),
        dtype::I8 => (-128, 127),
        dtype::U16 => (0, 65535),
        dtype::I16 => (-32768, 32767),
        dtype::I32 => (i32::MIN.into(), i32::MAX.into()),
        dtype::I64 => (i64::MIN, i64::MAX),
        dtype::BOOL => (0, 1),
        _ => return None,
    })
}

impl Tensor {
    /// A float tensor.
    pub fn f32(shape: Vec<usize>, v: Vec<f32>) -> Tensor {
        Tensor {
            dtype: dtype::F32,
            shape,
            data: Data::F(v),
        }
    }

    /// An integer tensor of type `t`.
    pub fn int(t: i32, shape: Vec<usize>, v: Vec<i64>) -> Tensor {
        Tensor {
            dtype: t,
            shape,
            data: Data::I(v),
        }
    }

    /// Element count.
    pub fn len(&self) -> usize {
        match &self.data {
            Data::F(v) => v.len(),
            Data::I(v) => v.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ONNX name of the element type.
    pub fn type_name(&self) -> &'static str {
        type_name(self.dtype)
    }

    /// Values as f32 (integers converted).
    pub fn floats(&self) -> std::borrow::Cow<'_, [f32]> {
        match &self.data {
            Data::F(v) => std::borrow::Cow::Borrowed(v),
            Data::I(v) => std::borrow::Cow::Owned(v.iter().map(|&x| x as f32).collect()),
        }
    }

    /// Values as integers (floats truncated).
    pub fn ints(&self) -> std::borrow::Cow<'_, [i64]> {
        match &self.data {
            Data::I(v) => std::borrow::Cow::Borrowed(v),
            Data::F(v) => std::borrow::Cow::Owned(v.iter().map(|&x| x as i64).collect()),
        }
    }

    /// The same values with another shape.
    pub fn reshaped(mut self, shape: Vec<usize>) -> Tensor {
        self.shape = shape;
        self
    }

    /// A tensor from values read from the model file or folded.
    pub fn from_values(t: i32, shape: Vec<usize>, v: &Values) -> Tensor {
        match v {
            Values::Float(f) => Tensor::f32(shape, f.iter().map(|&x| x as f32).collect())
                .with_type(if t == dtype::F32 { t } else { dtype::F32 }),
            Values::Int(i) => Tensor::int(t, shape, i.clone()),
        }
    }

    fn with_type(mut self, t: i32) -> Tensor {
        self.dtype = t;
        self
    }

    /// A tensor from a `.npy` array; `None` for a dtype ONNX has no
    /// interpreter type for here (float64).
    pub fn from_npy(a: &NpyArray) -> Option<Tensor> {
        let shape = a.shape.clone();
        let wide = |t: i32, v: Vec<i64>| Some(Tensor::int(t, shape.clone(), v));
        match &a.data {
            NpyData::F32(v) => Some(Tensor::f32(shape.clone(), v.clone())),
            NpyData::I8(v) => wide(dtype::I8, v.iter().map(|&x| x.into()).collect()),
            NpyData::U8(v) => wide(dtype::U8, v.iter().map(|&x| x.into()).collect()),
            NpyData::I16(v) => wide(dtype::I16, v.iter().map(|&x| x.into()).collect()),
            NpyData::I32(v) => wide(dtype::I32, v.iter().map(|&x| x.into()).collect()),
            NpyData::I64(v) => wide(dtype::I64, v.clone()),
            NpyData::F64(_) => None,
        }
    }

    /// The tensor as a `.npy` array; `None` for types `.npy` output does not
    /// take here (uint16, bool).
    pub fn to_npy(&self) -> Option<NpyArray> {
        let i = || self.ints();
        let data = match (&self.data, self.dtype) {
            (Data::F(v), _) => NpyData::F32(v.clone()),
            (_, dtype::I8) => NpyData::I8(i().iter().map(|&x| x as i8).collect()),
            (_, dtype::U8) => NpyData::U8(i().iter().map(|&x| x as u8).collect()),
            (_, dtype::I16) => NpyData::I16(i().iter().map(|&x| x as i16).collect()),
            (_, dtype::I32) => NpyData::I32(i().iter().map(|&x| x as i32).collect()),
            (_, dtype::I64) => NpyData::I64(i().into_owned()),
            _ => return None,
        };
        NpyArray::new(self.shape.clone(), data).ok()
    }
}
