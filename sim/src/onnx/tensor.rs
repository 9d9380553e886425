//! Element types and reading a tensor's values, in the file, in a typed
//! field, or in an external data file, only when a command needs them.

use super::proto::{Payload, TensorProto};
use super::wire::WireError;
use std::path::Path;

/// `TensorProto.DataType` values this reader knows by name.
pub fn type_name(t: i32) -> &'static str {
    match t {
        1 => "float",
        2 => "uint8",
        3 => "int8",
        4 => "uint16",
        5 => "int16",
        6 => "int32",
        7 => "int64",
        8 => "string",
        9 => "bool",
        10 => "float16",
        11 => "double",
        12 => "uint32",
        13 => "uint64",
        14 => "complex64",
        15 => "complex128",
        16 => "bfloat16",
        17..=20 => "float8",
        21 => "uint4",
        22 => "int4",
        23 => "float4",
        _ => "unknown",
    }
}

/// Bytes per element in `raw_data`, for the types with whole-byte elements.
pub fn byte_size(t: i32) -> Option<usize> {
    Some(match t {
        2 | 3 | 9 | 17..=20 => 1,
        4 | 5 | 10 | 16 => 2,
        1 | 6 | 12 => 4,
        7 | 11 | 13 | 14 => 8,
        15 => 16,
        _ => return None,
    })
}

/// Whether the type is a floating-point one.
pub fn is_float(t: i32) -> bool {
    matches!(t, 1 | 10 | 11 | 16..=20 | 23)
}

/// Largest tensor whose values a command reads (elements): 2^31.
pub const MAX_VALUES: u64 = 1 << 31;

/// A tensor's values, widened: integers (and bools) as `i64`, floats as
/// `f64` (every float32 and float16 value is exact in `f64`).
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Integer or bool elements.
    Int(Vec<i64>),
    /// Floating-point elements.
    Float(Vec<f64>),
}

impl Values {
    /// Element count.
    pub fn len(&self) -> usize {
        match self {
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Elements as integers (floats truncated toward zero, as `Cast`).
    pub fn ints(&self) -> Vec<i64> {
        match self {
            Values::Int(v) => v.clone(),
            Values::Float(v) => v.iter().map(|&x| x as i64).collect(),
        }
    }

    /// Elements as floats.
    pub fn floats(&self) -> Vec<f64> {
        match self {
            Values::Int(v) => v.iter().map(|&x| x as f64).collect(),
            Values::Float(v) => v.clone(),
        }
    }
}

fn half_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f64::from(h & 0x3ff);
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

/// Decodes little-endian `bytes` of type `t` into values.
fn from_raw(t: i32, bytes: &[u8]) -> Option<Values> {
    let n = byte_size(t)?;
    let words = bytes.chunks_exact(n);
    let le = |c: &[u8]| {
        let mut b = [0u8; 8];
        b[..c.len()].copy_from_slice(c);
        u64::from_le_bytes(b)
    };
    Some(match t {
        1 => Values::Float(
            words
                .map(|c| f64::from(f32::from_le_bytes(c.try_into().expect("4"))))
                .collect(),
        ),
        11 => Values::Float(
            words
                .map(|c| f64::from_le_bytes(c.try_into().expect("8")))
                .collect(),
        ),
        10 => Values::Float(words.map(|c| half_to_f64(le(c) as u16)).collect()),
        16 => Values::Float(
            words
                .map(|c| f64::from(f32::from_bits((le(c) as u32) << 16)))
                .collect(),
        ),
        2 | 4 | 12 | 13 | 9 => Values::Int(words.map(|c| le(c) as i64).collect()),
        3 => Values::Int(words.map(|c| i64::from(c[0] as i8)).collect()),
        5 => Values::Int(
            words
                .map(|c| i64::from(i16::from_le_bytes(c.try_into().expect("2"))))
                .collect(),
        ),
        6 => Values::Int(
            words
                .map(|c| i64::from(i32::from_le_bytes(c.try_into().expect("4"))))
                .collect(),
        ),
        7 => Values::Int(
            words
                .map(|c| i64::from_le_bytes(c.try_into().expect("8")))
                .collect(),
        ),
        _ => return None,
    })
}

/// Why a tensor's values could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// What went wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

fn fail(message: String, hint: &str) -> ValueError {
    ValueError {
        message,
        hint: hint.to_string(),
    }
}

impl TensorProto {
    /// Element count from the dims (`None` on a negative dim or overflow).
    pub fn len(&self) -> Option<u64> {
        self.dims
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(u64::try_from(d).ok()?))
    }

    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The tensor's values. `file` is the model file's bytes and `dir` its
    /// folder (external data is relative to it).
    pub fn values(&self, file: &[u8], dir: &Path) -> Result<Values, ValueError> {
        let n = self
            .len()
            .filter(|&n| n <= MAX_VALUES)
            .ok_or_else(|| {
                fail(
                    format!("tensor `{}` has dims {:?}: more than 2^31 elements, or a negative dim", self.name, self.dims),
                    "check the exporter; such a tensor cannot be a weight of a model that fits in memory",
                )
            })? as usize;
        let what = type_name(self.data_type);
        let values = match &self.payload {
            Payload::Raw(r) => from_raw(self.data_type, &file[r.clone()]).ok_or_else(|| {
                fail(
                    format!("tensor `{}` has element type {what} ({}), which has no values this reader takes", self.name, self.data_type),
                    "only whole-byte numeric types are read",
                )
            })?,
            Payload::External {
                location,
                offset,
                length,
            } => self.external(dir, location, *offset, *length)?,
            Payload::Typed(fields) => {
                let mut ints = Vec::new();
                let mut floats = Vec::new();
                let mut words = Vec::new();
                let bad = |e: WireError| fail(format!("tensor `{}`: {} (byte {})", self.name, e.what, e.offset), "the file is damaged");
                for f in fields {
                    match f.number {
                        4 => f.floats_into(file, &mut floats).map_err(bad)?,
                        5 | 7 | 11 => f.ints_into(file, &mut ints).map_err(bad)?,
                        10 => f.words_into(file, &mut words).map_err(bad)?,
                        _ => {}
                    }
                }
                match self.data_type {
                    1 => Values::Float(floats.into_iter().map(f64::from).collect()),
                    11 => Values::Float(words.into_iter().map(f64::from_bits).collect()),
                    // float16 and bfloat16 arrive as int32_data bit patterns.
                    10 => Values::Float(ints.into_iter().map(|b| half_to_f64(b as u16)).collect()),
                    16 => Values::Float(
                        ints.into_iter()
                            .map(|b| f64::from(f32::from_bits((b as u32) << 16)))
                            .collect(),
                    ),
                    13 => Values::Int(words.into_iter().map(|w| w as i64).collect()),
                    2..=7 | 9 | 12 => Values::Int(ints),
                    t => {
                        return Err(fail(
                            format!("tensor `{}` has element type {} ({t}), which has no values this reader takes", self.name, type_name(t)),
                            "only numeric types are read",
                        ))
                    }
                }
            }
        };
        if values.len() != n {
            return Err(fail(
                format!(
                    "tensor `{}` holds {} values but its dims {:?} say {n}",
                    self.name,
                    values.len(),
                    self.dims
                ),
                "the file is damaged or was written by a broken exporter",
            ));
        }
        Ok(values)
    }

    fn external(
        &self,
        dir: &Path,
        location: &str,
        offset: u64,
        length: Option<u64>,
    ) -> Result<Values, ValueError> {
        use std::io::{Read, Seek, SeekFrom};
        let rel = Path::new(location);
        if !rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            return Err(fail(
                format!(
                    "tensor `{}` names external data `{location}` outside the model's folder",
                    self.name
                ),
                "external data must be a relative path below the model file's folder",
            ));
        }
        let path = dir.join(rel);
        let size = byte_size(self.data_type).ok_or_else(|| {
            fail(
                format!(
                    "tensor `{}` has element type {}, which has no values this reader takes",
                    self.name,
                    type_name(self.data_type)
                ),
                "only whole-byte numeric types are read",
            )
        })? as u64;
        let want = self.len().unwrap_or(0).saturating_mul(size);
        let length = length.unwrap_or(want);
        if length != want {
            return Err(fail(
                format!("tensor `{}`: external data length {length} bytes, but dims {:?} of {} need {want}", self.name, self.dims, type_name(self.data_type)),
                "the file is damaged or was written by a broken exporter",
            ));
        }
        let mut f = std::fs::File::open(&path).map_err(|e| {
            fail(
                format!(
                    "tensor `{}`: cannot open its external data {}: {e}",
                    self.name,
                    path.display()
                ),
                "keep the data file beside the model, under the name the model gives",
            )
        })?;
        let have = f.metadata().map(|m| m.len()).unwrap_or(0);
        if offset.checked_add(length).is_none_or(|end| end > have) {
            return Err(fail(
                format!(
                    "tensor `{}`: external data {} holds {have} bytes, but the tensor is at bytes {offset}..{}",
                    self.name,
                    path.display(),
                    offset.saturating_add(length)
                ),
                "the data file is short: copy it again from where the model came from",
            ));
        }
        let mut bytes = vec![0u8; length as usize];
        f.seek(SeekFrom::Start(offset))
            .and_then(|_| f.read_exact(&mut bytes))
            .map_err(|e| {
                fail(
                    format!("tensor `{}`: reading {}: {e}", self.name, path.display()),
                    "check the data file",
                )
            })?;
        Ok(from_raw(self.data_type, &bytes).expect("a whole-byte type"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_and_bfloats() {
        assert_eq!(half_to_f64(0x3c00), 1.0);
        assert_eq!(half_to_f64(0xc000), -2.0);
        assert_eq!(half_to_f64(0x0001), 2f64.powi(-24));
        assert_eq!(half_to_f64(0x7c00), f64::INFINITY);
        let v = from_raw(16, &[0x80, 0x3f]).unwrap();
        assert_eq!(v, Values::Float(vec![1.0]));
        let v = from_raw(3, &[0xff, 0x80]).unwrap();
        assert_eq!(v, Values::Int(vec![-1, -128]));
    }
}
