//! The protocol-buffer wire format, read in place: fields of a message as
//! (number, value) with the byte offset of each, so that a tensor's payload is
//! kept as a range of the file and read only when a command needs values.
//!
//! Hand-written on purpose: the crates that decode ONNX (rust-protobuf,
//! prost) copy every payload into owned vectors while parsing, and know
//! nothing of where in the file a bad byte was. This reader is a few hundred
//! lines, has no dependency, and every error names its byte offset.

use std::ops::Range;

/// A malformed message: what was wrong and at which byte of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    /// Byte offset in the file.
    pub offset: usize,
    /// What was expected.
    pub what: String,
}

impl WireError {
    pub(crate) fn new(offset: usize, what: impl Into<String>) -> WireError {
        WireError {
            offset,
            what: what.into(),
        }
    }
}

/// One field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1.
    Fixed64(u64),
    /// Wire type 2: the payload's range in the file.
    Bytes(Range<usize>),
    /// Wire type 5.
    Fixed32(u32),
}

/// A field: its number, its value and the offset of its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Field number.
    pub number: u32,
    /// Value.
    pub value: Value,
    /// Offset of the field's key in the file.
    pub at: usize,
}

/// The fields of one message, in file order.
pub struct Fields<'a> {
    file: &'a [u8],
    pos: usize,
    end: usize,
}

/// Deepest nesting of messages read (a protobuf message nests at most a few
/// levels in ONNX; subgraphs add a few more).
pub const MAX_DEPTH: usize = 64;

impl<'a> Fields<'a> {
    /// The fields of the message stored at `range` of `file`.
    pub fn new(file: &'a [u8], range: Range<usize>) -> Fields<'a> {
        Fields {
            file,
            pos: range.start,
            end: range.end.min(file.len()),
        }
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let start = self.pos;
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&b) = self.file.get(self.pos).filter(|_| self.pos < self.end) else {
                return Err(WireError::new(
                    start,
                    "a varint that runs past the end of its message (a truncated file?)",
                ));
            };
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(WireError::new(start, "a varint longer than 10 bytes"))
    }

    fn take(&mut self, n: usize, at: usize) -> Result<Range<usize>, WireError> {
        let start = self.pos;
        match start.checked_add(n).filter(|&e| e <= self.end) {
            Some(e) => {
                self.pos = e;
                Ok(start..e)
            }
            None => Err(WireError::new(
                at,
                format!(
                    "a field of {n} bytes where only {} remain in its message (a truncated file?)",
                    self.end - start
                ),
            )),
        }
    }

    fn fixed<const N: usize>(&mut self, at: usize) -> Result<[u8; N], WireError> {
        let r = self.take(N, at)?;
        Ok(self.file[r].try_into().expect("N bytes"))
    }

    fn next_field(&mut self) -> Result<Field, WireError> {
        let at = self.pos;
        let key = self.varint()?;
        let number = u32::try_from(key >> 3)
            .ok()
            .filter(|&n| n > 0 && n < (1 << 29))
            .ok_or_else(|| WireError::new(at, format!("field number {} is not valid", key >> 3)))?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => Value::Fixed64(u64::from_le_bytes(self.fixed::<8>(at)?)),
            2 => {
                let len = self.varint()?;
                let len = usize::try_from(len).unwrap_or(usize::MAX);
                Value::Bytes(self.take(len, at)?)
            }
            5 => Value::Fixed32(u32::from_le_bytes(self.fixed::<4>(at)?)),
            t => {
                return Err(WireError::new(
                    at,
                    format!("wire type {t} of field {number} (groups, or not a protobuf file)"),
                ))
            }
        };
        Ok(Field { number, value, at })
    }
}

impl Iterator for Fields<'_> {
    type Item = Result<Field, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.end {
            return None;
        }
        let r = self.next_field();
        if r.is_err() {
            // Stop after the first error.
            self.pos = self.end;
        }
        Some(r)
    }
}

/// Typed access to a field's value, with the field named in errors.
impl Field {
    fn wrong(&self, want: &str) -> WireError {
        WireError::new(
            self.at,
            format!(
                "field {} should be {want}, found {:?}",
                self.number,
                self.kind()
            ),
        )
    }

    fn kind(&self) -> &'static str {
        match &self.value {
            Value::Varint(_) => "a varint",
            Value::Fixed64(_) => "a 64-bit value",
            Value::Bytes(_) => "a length-delimited value",
            Value::Fixed32(_) => "a 32-bit value",
        }
    }

    /// A varint as `i64` (two's complement, as protobuf's int64).
    pub fn int(&self) -> Result<i64, WireError> {
        match &self.value {
            Value::Varint(v) => Ok(*v as i64),
            _ => Err(self.wrong("an integer")),
        }
    }

    /// A 32-bit float.
    pub fn float(&self) -> Result<f32, WireError> {
        match &self.value {
            Value::Fixed32(v) => Ok(f32::from_bits(*v)),
            _ => Err(self.wrong("a float")),
        }
    }

    /// A length-delimited payload's range.
    pub fn bytes(&self) -> Result<Range<usize>, WireError> {
        match &self.value {
            Value::Bytes(r) => Ok(r.clone()),
            _ => Err(self.wrong("a string, bytes or a message")),
        }
    }

    /// A UTF-8 string.
    pub fn string(&self, file: &[u8]) -> Result<String, WireError> {
        let r = self.bytes()?;
        std::str::from_utf8(&file[r.clone()])
            .map(str::to_string)
            .map_err(|_| {
                WireError::new(r.start, format!("field {} is not UTF-8 text", self.number))
            })
    }

    /// A repeated integer field, packed (one payload) or not (one value):
    /// appended to `out`.
    pub fn ints_into(&self, file: &[u8], out: &mut Vec<i64>) -> Result<(), WireError> {
        match &self.value {
            Value::Varint(v) => out.push(*v as i64),
            Value::Bytes(r) => {
                let mut f = Fields::new(file, r.clone());
                while f.pos < f.end {
                    out.push(f.varint()? as i64);
                }
            }
            _ => return Err(self.wrong("integers")),
        }
        Ok(())
    }

    /// A repeated float field, packed or not: appended to `out`.
    pub fn floats_into(&self, file: &[u8], out: &mut Vec<f32>) -> Result<(), WireError> {
        match &self.value {
            Value::Fixed32(v) => out.push(f32::from_bits(*v)),
            Value::Bytes(r) => {
                let r = r.clone();
                if r.len() % 4 != 0 {
                    return Err(WireError::new(
                        r.start,
                        "packed floats whose length is not a multiple of 4",
                    ));
                }
                out.extend(
                    file[r]
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))),
                );
            }
            _ => return Err(self.wrong("floats")),
        }
        Ok(())
    }

    /// A repeated 64-bit field (double, fixed64), packed or not: the raw
    /// little-endian words appended to `out`.
    pub fn words_into(&self, file: &[u8], out: &mut Vec<u64>) -> Result<(), WireError> {
        match &self.value {
            Value::Fixed64(v) => out.push(*v),
            Value::Bytes(r) => {
                let r = r.clone();
                if r.len() % 8 != 0 {
                    return Err(WireError::new(
                        r.start,
                        "packed 64-bit values whose length is not a multiple of 8",
                    ));
                }
                out.extend(
                    file[r]
                        .chunks_exact(8)
                        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))),
                );
            }
            _ => return Err(self.wrong("64-bit values")),
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod encode {
    //! A tiny encoder for tests: messages built field by field.

    /// A message being written.
    #[derive(Default, Clone)]
    pub struct Msg(pub Vec<u8>);

    fn varint(out: &mut Vec<u8>, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    impl Msg {
        /// A varint field.
        pub fn int(mut self, n: u32, v: i64) -> Msg {
            varint(&mut self.0, u64::from(n) << 3);
            varint(&mut self.0, v as u64);
            self
        }
        /// A length-delimited field.
        pub fn bytes(mut self, n: u32, b: &[u8]) -> Msg {
            varint(&mut self.0, (u64::from(n) << 3) | 2);
            varint(&mut self.0, b.len() as u64);
            self.0.extend_from_slice(b);
            self
        }
        /// A string field.
        pub fn str(self, n: u32, s: &str) -> Msg {
            self.bytes(n, s.as_bytes())
        }
        /// A 32-bit float field.
        pub fn float(mut self, n: u32, v: f32) -> Msg {
            varint(&mut self.0, (u64::from(n) << 3) | 5);
            self.0.extend_from_slice(&v.to_le_bytes());
            self
        }
        /// A packed repeated varint field.
        pub fn packed(self, n: u32, vs: &[i64]) -> Msg {
            let mut b = Vec::new();
            for &v in vs {
                varint(&mut b, v as u64);
            }
            self.bytes(n, &b)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::encode::Msg;
    use super::*;

    #[test]
    fn fields_packed_and_unpacked_and_their_offsets() {
        let m = Msg::default()
            .int(1, -3)
            .str(2, "conv")
            .packed(3, &[1, 300, -1])
            .int(3, 7)
            .float(4, 1.5);
        let file = &m.0;
        let fields: Vec<Field> = Fields::new(file, 0..file.len())
            .map(|f| f.unwrap())
            .collect();
        assert_eq!(fields.len(), 5);
        assert_eq!(fields[0].int().unwrap(), -3);
        assert_eq!(fields[1].string(file).unwrap(), "conv");
        let mut ints = Vec::new();
        fields[2].ints_into(file, &mut ints).unwrap();
        fields[3].ints_into(file, &mut ints).unwrap();
        assert_eq!(ints, [1, 300, -1, 7]);
        assert_eq!(fields[4].float().unwrap(), 1.5);
        assert_eq!(fields[0].at, 0);
    }

    #[test]
    fn truncation_and_bad_wire_types_are_errors_with_offsets() {
        let m = Msg::default().int(1, 5).str(2, "hello");
        let file = &m.0[..m.0.len() - 2];
        let errs: Vec<_> = Fields::new(file, 0..file.len()).collect();
        let e = errs.last().unwrap().clone().unwrap_err();
        assert_eq!(e.offset, 2, "{e:?}");
        assert!(e.what.contains("truncated"), "{e:?}");
        // Wire type 3 (start group), field 1.
        let bad = [0x0b_u8, 0];
        let e = Fields::new(&bad, 0..2).next().unwrap().unwrap_err();
        assert!(e.what.contains("wire type 3"), "{e:?}");
        // A varint of 11 bytes.
        let long = [
            0x08_u8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ];
        let e = Fields::new(&long, 0..long.len())
            .next()
            .unwrap()
            .unwrap_err();
        assert!(e.what.contains("longer than 10"), "{e:?}");
        // A length beyond the message.
        let huge = [0x12_u8, 0xff, 0xff, 0xff, 0xff, 0x0f];
        let e = Fields::new(&huge, 0..huge.len())
            .next()
            .unwrap()
            .unwrap_err();
        assert!(e.what.contains("only 0 remain"), "{e:?}");
    }
}
