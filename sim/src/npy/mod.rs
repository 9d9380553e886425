//! NumPy `.npy` files: read and write little-endian, C-order arrays of int8,
//! uint8, int16, int32, int64, float32 and float64 (format versions 1.0, 2.0
//! and 3.0).
//!
//! The format is a magic string, a version, a header length, a Python dict
//! literal (`{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }`)
//! padded to a multiple of 64 bytes, then the raw data.

use crate::error::{InputError, Result, SimError};
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";
const ALIGN: usize = 64;

/// The element data of an array, one variant per supported dtype.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyData {
    /// `|i1`
    I8(Vec<i8>),
    /// `|u1`
    U8(Vec<u8>),
    /// `<i2`
    I16(Vec<i16>),
    /// `<i4`
    I32(Vec<i32>),
    /// `<i8`
    I64(Vec<i64>),
    /// `<f4`
    F32(Vec<f32>),
    /// `<f8`
    F64(Vec<f64>),
}

impl NpyData {
    /// This data with the elements where `keep` is false set to zero (same
    /// dtype; `keep` has one entry per element).
    pub fn zeroed_where(&self, keep: &[bool]) -> NpyData {
        fn z<T: Copy + Default>(v: &[T], keep: &[bool]) -> Vec<T> {
            v.iter()
                .zip(keep)
                .map(|(&x, &k)| if k { x } else { T::default() })
                .collect()
        }
        match self {
            NpyData::I8(v) => NpyData::I8(z(v, keep)),
            NpyData::U8(v) => NpyData::U8(z(v, keep)),
            NpyData::I16(v) => NpyData::I16(z(v, keep)),
            NpyData::I32(v) => NpyData::I32(z(v, keep)),
            NpyData::I64(v) => NpyData::I64(z(v, keep)),
            NpyData::F32(v) => NpyData::F32(z(v, keep)),
            NpyData::F64(v) => NpyData::F64(z(v, keep)),
        }
    }

    /// The elements as `f64` (exact but for 64-bit integers beyond 2^53).
    pub fn to_f64_lossy(&self) -> Vec<f64> {
        match self {
            NpyData::I8(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::U8(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::I16(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::I32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::I64(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::F64(v) => v.clone(),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            NpyData::I8(v) => v.len(),
            NpyData::U8(v) => v.len(),
            NpyData::I16(v) => v.len(),
            NpyData::I32(v) => v.len(),
            NpyData::I64(v) => v.len(),
            NpyData::F32(v) => v.len(),
            NpyData::F64(v) => v.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The NumPy type string written in the header, e.g. `<i4`.
    pub fn descr(&self) -> &'static str {
        match self {
            NpyData::I8(_) => "|i1",
            NpyData::U8(_) => "|u1",
            NpyData::I16(_) => "<i2",
            NpyData::I32(_) => "<i4",
            NpyData::I64(_) => "<i8",
            NpyData::F32(_) => "<f4",
            NpyData::F64(_) => "<f8",
        }
    }

    fn to_le_bytes(&self) -> Vec<u8> {
        fn flat<const N: usize, T: Copy>(v: &[T], f: fn(T) -> [u8; N]) -> Vec<u8> {
            v.iter().flat_map(|&x| f(x)).collect()
        }
        match self {
            NpyData::I8(v) => flat(v, i8::to_le_bytes),
            NpyData::U8(v) => v.clone(),
            NpyData::I16(v) => flat(v, i16::to_le_bytes),
            NpyData::I32(v) => flat(v, i32::to_le_bytes),
            NpyData::I64(v) => flat(v, i64::to_le_bytes),
            NpyData::F32(v) => flat(v, f32::to_le_bytes),
            NpyData::F64(v) => flat(v, f64::to_le_bytes),
        }
    }
}

/// A dense 2-D matrix in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix<T> {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// `rows * cols` values, row by row.
    pub data: Vec<T>,
}

/// An n-dimensional array as stored in a `.npy` file (C order).
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// Dimensions, outermost first; empty for a scalar.
    pub shape: Vec<usize>,
    /// The elements in C (row-major) order.
    pub data: NpyData,
}

impl NpyArray {
    /// An array of `shape` holding `data`; fails if the element count differs
    /// from the product of the dimensions.
    pub fn new(shape: Vec<usize>, data: NpyData) -> Result<NpyArray> {
        let want = element_count(&shape);
        if want != Some(data.len()) {
            return Err(InputError::new(
                "systolic::npy::size",
                "<array>",
                format!(
                    "shape {} needs {} elements but {} were given",
                    shape_text(&shape),
                    want.map_or("too many".to_string(), |n| n.to_string()),
                    data.len()
                ),
            )
            .into());
        }
        Ok(NpyArray { shape, data })
    }

    /// The array as a 2-D integer matrix widened to `i64`; fails for float
    /// data or a shape that is not 2-D.
    pub fn to_i64_matrix(&self) -> Result<Matrix<i64>> {
        self.i64_matrix_in("<array>")
    }

    /// The array as a 2-D `f32` matrix; fails for a shape that is not 2-D, or
    /// for int32/int64 data (which `f32` cannot hold exactly). float64 data
    /// is rounded to the nearest float32, as NumPy's `astype(np.float32)`.
    pub fn to_f32_matrix(&self) -> Result<Matrix<f32>> {
        self.f32_matrix_in("<array>")
    }

    /// All elements of an integer array widened to `i64`, in C order.
    pub fn to_i64_vec(&self) -> Result<Vec<i64>> {
        self.i64_vec_in("<array>")
    }

    /// All elements as `f32`, in C order (float32, float64 rounded to the
    /// nearest float32, int8, uint8 or int16 data).
    pub fn to_f32_vec(&self) -> Result<Vec<f32>> {
        self.f32_vec_in("<array>")
    }

    fn i64_vec_in(&self, file: &str) -> Result<Vec<i64>> {
        Ok(match &self.data {
            NpyData::I8(v) => v.iter().map(|&x| i64::from(x)).collect(),
            NpyData::U8(v) => v.iter().map(|&x| i64::from(x)).collect(),
            NpyData::I16(v) => v.iter().map(|&x| i64::from(x)).collect(),
            NpyData::I32(v) => v.iter().map(|&x| i64::from(x)).collect(),
            NpyData::I64(v) => v.clone(),
            NpyData::F32(_) | NpyData::F64(_) => {
                return Err(InputError::new(
                    "systolic::npy::float",
                    file,
                    format!(
                        "expected integer data (int8, uint8, int16, int32 or int64), found floating point (`{}`)",
                        self.data.descr()
                    ),
                )
                .field("descr")
                .hint("integer operands run as they are: save them with an integer dtype, e.g. `a.astype(np.int8)`; floating-point operands must be quantized first (`systolic gemm --quantize` does it, as ONNX Runtime would)")
                .into())
            }
        })
    }

    fn f32_vec_in(&self, file: &str) -> Result<Vec<f32>> {
        Ok(match &self.data {
            NpyData::F32(v) => v.clone(),
            NpyData::F64(v) => v.iter().map(|&x| x as f32).collect(),
            NpyData::I8(v) => v.iter().map(|&x| f32::from(x)).collect(),
            NpyData::U8(v) => v.iter().map(|&x| f32::from(x)).collect(),
            NpyData::I16(v) => v.iter().map(|&x| f32::from(x)).collect(),
            NpyData::I32(_) | NpyData::I64(_) => {
                return Err(InputError::new(
                    "systolic::npy::dtype",
                    file,
                    format!(
                        "expected float32 data, found `{}`, which float32 cannot hold exactly",
                        self.data.descr()
                    ),
                )
                .field("descr")
                .hint("save the array as float32, e.g. `a.astype(np.float32)`")
                .into())
            }
        })
    }

    fn dims_2d(&self, file: &str) -> Result<(usize, usize)> {
        match self.shape[..] {
            [rows, cols] => Ok((rows, cols)),
            _ => Err(InputError::new(
                "systolic::npy::shape",
                file,
                format!(
                    "expected a 2-D array (rows, cols), found shape {}",
                    shape_text(&self.shape)
                ),
            )
            .field("shape")
            .hint("reshape the array to two dimensions before saving it")
            .into()),
        }
    }

    fn i64_matrix_in(&self, file: &str) -> Result<Matrix<i64>> {
        let (rows, cols) = self.dims_2d(file)?;
        let data = self.i64_vec_in(file)?;
        Ok(Matrix { rows, cols, data })
    }

    fn f32_matrix_in(&self, file: &str) -> Result<Matrix<f32>> {
        let (rows, cols) = self.dims_2d(file)?;
        let data = self.f32_vec_in(file)?;
        Ok(Matrix { rows, cols, data })
    }

    /// The complete file contents: format version 1.0, or 2.0 when the
    /// header does not fit a 16-bit length.
    pub fn to_bytes(&self) -> Vec<u8> {
        let dict = format!(
            "{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
            self.data.descr(),
            shape_text(&self.shape)
        );
        let padded = |prefix: usize| (prefix + dict.len() + 1).div_ceil(ALIGN) * ALIGN - prefix;
        let (major, len_bytes) = if padded(MAGIC.len() + 4) > usize::from(u16::MAX) {
            (2u8, 4)
        } else {
            (1u8, 2)
        };
        let prefix = MAGIC.len() + 2 + len_bytes;
        let header_len = padded(prefix);
        let mut out = Vec::with_capacity(prefix + header_len + self.data.len() * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[major, 0]);
        if major == 1 {
            let n = u16::try_from(header_len).expect("checked above");
            out.extend_from_slice(&n.to_le_bytes());
        } else {
            let n = u32::try_from(header_len).expect("npy header length exceeds 4 GiB");
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(dict.as_bytes());
        out.resize(prefix + header_len - 1, b' ');
        out.push(b'\n');
        out.extend_from_slice(&self.data.to_le_bytes());
        out
    }
}

/// Reads a `.npy` file.
pub fn read(path: &Path) -> Result<NpyArray> {
    let bytes = std::fs::read(path).map_err(crate::error::io_error("read", path))?;
    parse(&bytes, &path.display().to_string())
}

/// Reads a 2-D integer `.npy` file as an `i64` matrix.
pub fn read_i64_matrix(path: &Path) -> Result<Matrix<i64>> {
    read(path)?.i64_matrix_in(&path.display().to_string())
}

/// Reads a 2-D float32 (or float64, rounded to float32, or int8/uint8/int16)
/// `.npy` file as an `f32` matrix.
pub fn read_f32_matrix(path: &Path) -> Result<Matrix<f32>> {
    read(path)?.f32_matrix_in(&path.display().to_string())
}

/// Writes `array` to `path` atomically ([`crate::output::write_file_atomic`]).
pub fn write(path: &Path, array: &NpyArray) -> Result<()> {
    crate::output::write_file_atomic(path, &array.to_bytes())
        .map_err(crate::error::io_error("write", path))
}

/// Parses the bytes of a `.npy` file; `file` names it in errors.
pub fn parse(bytes: &[u8], file: &str) -> Result<NpyArray> {
    let err = |code: &'static str, field: &str, message: String| -> SimError {
        InputError::new(code, file, message).field(field).into()
    };
    if bytes.len() < MAGIC.len() + 2 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(InputError::new(
            "systolic::npy::magic",
            file,
            "not a NumPy .npy file: expected it to start with the bytes \\x93NUMPY",
        )
        .hint("write the array with numpy.save (not savez, savetxt or pickle)")
        .into());
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let len_bytes = match major {
        1 => 2,
        2 | 3 => 4,
        _ => {
            return Err(err(
                "systolic::npy::version",
                "version",
                format!(
                    "unsupported .npy format version {major}.{minor}; expected 1.0, 2.0 or 3.0"
                ),
            ))
        }
    };
    let start = MAGIC.len() + 2 + len_bytes;
    if bytes.len() < start {
        return Err(err(
            "systolic::npy::header",
            "header",
            format!(
                "file ends after {} bytes, inside the header length",
                bytes.len()
            ),
        ));
    }
    let header_len = if len_bytes == 2 {
        usize::from(u16::from_le_bytes([bytes[8], bytes[9]]))
    } else {
        let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        usize::try_from(n).unwrap_or(usize::MAX)
    };
    let end = start.saturating_add(header_len);
    if bytes.len() < end {
        return Err(err(
            "systolic::npy::header",
            "header",
            format!(
                "header says it is {header_len} bytes long but the file has only {} bytes after the header length",
                bytes.len() - start
            ),
        ));
    }
    let header = std::str::from_utf8(&bytes[start..end]).map_err(|_| {
        err(
            "systolic::npy::header",
            "header",
            "header is not valid text".into(),
        )
    })?;
    let header = parse_header(header).map_err(|m| {
        err(
            "systolic::npy::header",
            "header",
            format!("bad header: {m}"),
        )
    })?;
    if header.fortran_order {
        return Err(InputError::new(
            "systolic::npy::order",
            file,
            "array is stored in Fortran (column-major) order; expected C order",
        )
        .field("fortran_order")
        .hint("save `np.ascontiguousarray(a)` instead of `a`")
        .into());
    }
    let (kind, size) = dtype_of(&header.descr).ok_or_else(|| {
        SimError::from(
            InputError::new(
                "systolic::npy::dtype",
                file,
                format!(
                    "unsupported dtype `{}`; expected one of |i1, |u1, <i2, <i4, <i8, <f4, <f8 (little-endian)",
                    header.descr
                ),
            )
            .field("descr")
            .hint("convert before saving: integers with e.g. `a.astype('<i4')`, floating point with `a.astype('<f4')`"),
        )
    })?;
    let count = element_count(&header.shape).ok_or_else(|| {
        err(
            "systolic::npy::size",
            "shape",
            format!("shape {} is too large", shape_text(&header.shape)),
        )
    })?;
    let body = &bytes[end..];
    if Some(body.len()) != count.checked_mul(size) {
        return Err(InputError::new(
            "systolic::npy::size",
            file,
            format!(
                "shape {} of `{}` needs {} data bytes but the file holds {}",
                shape_text(&header.shape),
                header.descr,
                count.saturating_mul(size),
                body.len()
            ),
        )
        .field("shape")
        .hint("the file is truncated or was not written by numpy.save")
        .into());
    }
    let data = decode(kind, body);
    Ok(NpyArray {
        shape: header.shape,
        data,
    })
}

#[derive(Clone, Copy)]
enum Kind {
    I8,
    U8,
    I16,
    I32,
    I64,
    F32,
    F64,
}

fn dtype_of(descr: &str) -> Option<(Kind, usize)> {
    Some(match descr {
        "|i1" | "<i1" | "i1" => (Kind::I8, 1),
        "|u1" | "<u1" | "u1" => (Kind::U8, 1),
        "<i2" => (Kind::I16, 2),
        "<i4" => (Kind::I32, 4),
        "<i8" => (Kind::I64, 8),
        "<f4" => (Kind::F32, 4),
        "<f8" => (Kind::F64, 8),
        _ => return None,
    })
}

fn decode(kind: Kind, body: &[u8]) -> NpyData {
    fn words<const N: usize, T>(body: &[u8], f: fn([u8; N]) -> T) -> Vec<T> {
        body.chunks_exact(N)
            .map(|c| f(c.try_into().expect("chunk of N bytes")))
            .collect()
    }
    match kind {
        Kind::I8 => NpyData::I8(body.iter().map(|&b| i8::from_le_bytes([b])).collect()),
        Kind::U8 => NpyData::U8(body.to_vec()),
        Kind::I16 => NpyData::I16(words(body, i16::from_le_bytes)),
        Kind::I32 => NpyData::I32(words(body, i32::from_le_bytes)),
        Kind::I64 => NpyData::I64(words(body, i64::from_le_bytes)),
        Kind::F32 => NpyData::F32(words(body, f32::from_le_bytes)),
        Kind::F64 => NpyData::F64(words(body, f64::from_le_bytes)),
    }
}

fn element_count(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

fn shape_text(shape: &[usize]) -> String {
    match shape {
        [] => "()".into(),
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

struct Header {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

/// Parses the header's Python dict literal: string keys mapped to a string,
/// a bool, or a tuple of non-negative integers.
fn parse_header(text: &str) -> std::result::Result<Header, String> {
    let mut p = Lexer {
        s: text.trim_end().as_bytes(),
        i: 0,
    };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    p.expect(b'{')?;
    loop {
        p.skip_ws();
        if p.eat(b'}') {
            break;
        }
        let key = p.string()?;
        p.expect(b':')?;
        match key.as_str() {
            "descr" => descr = Some(p.string()?),
            "fortran_order" => fortran = Some(p.boolean()?),
            "shape" => shape = Some(p.tuple()?),
            other => return Err(format!("unexpected key '{other}'")),
        }
        p.skip_ws();
        if !p.eat(b',') {
            p.expect(b'}')?;
            break;
        }
    }
    p.skip_ws();
    if p.i != p.s.len() {
        return Err("trailing text after the dict".into());
    }
    Ok(Header {
        descr: descr.ok_or("missing key 'descr'")?,
        fortran_order: fortran.ok_or("missing key 'fortran_order'")?,
        shape: shape.ok_or("missing key 'shape'")?,
    })
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
}

impl Lexer<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> std::result::Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{}' at byte {}", c as char, self.i))
        }
    }

    fn string(&mut self) -> std::result::Result<String, String> {
        self.skip_ws();
        let quote = match self.s.get(self.i) {
            Some(&q @ (b'\'' | b'"')) => q,
            _ => return Err(format!("expected a quoted string at byte {}", self.i)),
        };
        let begin = self.i + 1;
        let len = self.s[begin..]
            .iter()
            .position(|&c| c == quote)
            .ok_or("unterminated string")?;
        self.i = begin + len + 1;
        Ok(String::from_utf8_lossy(&self.s[begin..begin + len]).into_owned())
    }

    fn boolean(&mut self) -> std::result::Result<bool, String> {
        self.skip_ws();
        for (word, value) in [("True", true), ("False", false)] {
            if self.s[self.i..].starts_with(word.as_bytes()) {
                self.i += word.len();
                return Ok(value);
            }
        }
        Err(format!("expected True or False at byte {}", self.i))
    }

    fn tuple(&mut self) -> std::result::Result<Vec<usize>, String> {
        self.expect(b'(')?;
        let mut dims = Vec::new();
        loop {
            if self.eat(b')') {
                return Ok(dims);
            }
            self.skip_ws();
            let begin = self.i;
            while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                self.i += 1;
            }
            let digits = std::str::from_utf8(&self.s[begin..self.i]).unwrap_or("");
            let dim = digits
                .parse::<usize>()
                .map_err(|_| format!("expected a dimension at byte {begin}"))?;
            // Python writes `2L` for longs in very old files.
            if self.s.get(self.i) == Some(&b'L') {
                self.i += 1;
            }
            dims.push(dim);
            if !self.eat(b',') {
                self.expect(b')')?;
                return Ok(dims);
            }
        }
    }
}

#[cfg(test)]
mod tests;
