//! Reader for dlib's binary serialization (the `.dat` model files).
//!
//! dlib writes objects back to back with no framing, so the reader must know what comes next;
//! every read either yields the value or a [`FormatError`] naming the file, the byte offset
//! and what was expected there. Nothing here panics on malformed input.

use std::fmt;

/// A malformed, truncated or unexpected model file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("model file {file}: at byte {offset}: expected {expected}{found}")]
pub struct FormatError {
    pub file: String,
    pub offset: usize,
    pub expected: String,
    found: FoundSuffix,
}

impl FormatError {
    pub fn new(file: &str, offset: usize, expected: impl Into<String>) -> Self {
        FormatError {
            file: file.to_string(),
            offset,
            expected: expected.into(),
            found: FoundSuffix(None),
        }
    }

    pub fn with_found(mut self, found: impl Into<String>) -> Self {
        self.found = FoundSuffix(Some(found.into()));
        self
    }

    pub fn found(&self) -> Option<&str> {
        self.found.0.as_deref()
    }
}

#[derive(Debug, Clone, PartialEq)]
struct FoundSuffix(Option<String>);

impl fmt::Display for FoundSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(found) => write!(f, ", found {found}"),
            None => Ok(()),
        }
    }
}

/// A dense float tensor as dlib stores it: dims (num_samples, k, nr, nc), row-major data.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTensor {
    pub dims: [usize; 4],
    pub data: Vec<f32>,
}

impl StoredTensor {
    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Sequential reader over the bytes of one model file.
pub struct Reader<'a> {
    file: &'a str,
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// `file` is the name used in error messages.
    pub fn new(file: &'a str, data: &'a [u8]) -> Self {
        Reader { file, data, pos: 0 }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn file(&self) -> &str {
        self.file
    }

    /// An error at the current position.
    pub fn error(&self, expected: impl Into<String>) -> FormatError {
        FormatError::new(self.file, self.pos, expected)
    }

    /// An error at an earlier position (the start of the value that turned out wrong).
    pub fn error_at(&self, offset: usize, expected: impl Into<String>) -> FormatError {
        FormatError::new(self.file, offset, expected)
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], FormatError> {
        if self.remaining() < n {
            return Err(self
                .error(format!("{n} bytes of {what}"))
                .with_found(format!("end of file ({} bytes left)", self.remaining())));
        }
        let bytes = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    /// One raw byte (dlib's `char` encodings).
    pub fn byte(&mut self) -> Result<u8, FormatError> {
        Ok(self.take(1, "a byte")?[0])
    }

    /// A signed integer: control byte (sign bit 0x80, length in the low nibble), then the
    /// little-endian magnitude.
    pub fn int(&mut self) -> Result<i64, FormatError> {
        let start = self.pos;
        let control = self.byte()?;
        let len = (control & 0x0F) as usize;
        if len == 0 || len > 8 || control & 0x70 != 0 {
            return Err(self
                .error_at(start, "an integer control byte")
                .with_found(format!("0x{control:02x}")));
        }
        let bytes = self.take(len, "an integer")?;
        let magnitude = bytes
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        if magnitude > i64::MAX as u64 {
            return Err(self
                .error_at(start, "an integer that fits in 64 bits")
                .with_found(format!("magnitude {magnitude}")));
        }
        let value = magnitude as i64;
        Ok(if control & 0x80 != 0 { -value } else { value })
    }

    /// An unsigned integer: like [`Reader::int`], but a set sign bit is an error.
    pub fn uint(&mut self) -> Result<u64, FormatError> {
        let start = self.pos;
        let value = self.int()?;
        u64::try_from(value).map_err(|_| {
            self.error_at(start, "an unsigned integer")
                .with_found(format!("{value}"))
        })
    }

    /// A non-negative integer used as a count or dimension, at most `max`.
    pub fn size(&mut self, what: &str, max: usize) -> Result<usize, FormatError> {
        let start = self.pos;
        let value = self.int()?;
        if value < 0 || value as u64 > max as u64 {
            return Err(self
                .error_at(start, format!("{what} in 0..={max}"))
                .with_found(format!("{value}")));
        }
        Ok(value as usize)
    }

    /// An integer that must have one exact value (version tags, fixed hyper-parameters).
    pub fn expect_int(&mut self, what: &str, expected: i64) -> Result<(), FormatError> {
        let start = self.pos;
        let value = self.int()?;
        if value != expected {
            return Err(self
                .error_at(start, format!("{what} = {expected}"))
                .with_found(format!("{value}")));
        }
        Ok(())
    }

    /// A bool: ASCII '1' or '0'.
    pub fn bool(&mut self) -> Result<bool, FormatError> {
        let start = self.pos;
        match self.byte()? {
            b'1' => Ok(true),
            b'0' => Ok(false),
            other => Err(self
                .error_at(start, "a bool ('0' or '1')")
                .with_found(format!("0x{other:02x}"))),
        }
    }

    fn float_parts(&mut self) -> Result<(i64, i64), FormatError> {
        let start = self.pos;
        let first = *self.data.get(self.pos).ok_or_else(|| {
            self.error("a floating-point value")
                .with_found("end of file")
        })?;
        if first & 0x70 != 0 {
            return Err(self
                .error_at(start, "a binary floating-point value")
                .with_found(format!("legacy text encoding (byte 0x{first:02x})")));
        }
        let mantissa = self.int()?;
        let exponent = self.int()?;
        if !(-32768..=32767).contains(&exponent) {
            return Err(self
                .error_at(start, "a float exponent in the int16 range")
                .with_found(format!("{exponent}")));
        }
        Ok((mantissa, exponent))
    }

    /// A float or double stored as (mantissa, exponent), read as f64.
    pub fn f64(&mut self) -> Result<f64, FormatError> {
        let (mantissa, exponent) = self.float_parts()?;
        Ok(match exponent {
            32000 => f64::INFINITY,
            32001 => f64::NEG_INFINITY,
            32002 => f64::NAN,
            _ => ldexp(mantissa as f64, exponent as i32),
        })
    }

    /// A float stored as (mantissa, exponent), read into f32 the way dlib does: the mantissa
    /// is converted to f32 first, then scaled by the power of two.
    pub fn f32(&mut self) -> Result<f32, FormatError> {
        let (mantissa, exponent) = self.float_parts()?;
        Ok(match exponent {
            32000 => f32::INFINITY,
            32001 => f32::NEG_INFINITY,
            32002 => f32::NAN,
            _ => ldexp((mantissa as f32) as f64, exponent as i32) as f32,
        })
    }

    /// A length-prefixed byte string.
    pub fn string(&mut self) -> Result<String, FormatError> {
        let start = self.pos;
        let len = self.size("a string length", self.remaining())?;
        let bytes = self.take(len, "a string")?;
        String::from_utf8(bytes.to_vec()).map_err(|_| {
            self.error_at(start, "a UTF-8 string")
                .with_found("invalid bytes")
        })
    }

    /// A string that must be `tag` (layer and object version tags).
    pub fn expect_string(&mut self, tag: &str) -> Result<(), FormatError> {
        let start = self.pos;
        let found = self
            .string()
            .map_err(|_| self.error_at(start, format!("the tag \"{tag}\"")))?;
        if found != tag {
            return Err(self
                .error_at(start, format!("the tag \"{tag}\""))
                .with_found(format!("\"{}\"", truncate_for_message(&found))));
        }
        Ok(())
    }

    /// One of several tags; returns the index of the one found.
    pub fn expect_one_of(&mut self, tags: &[&str]) -> Result<usize, FormatError> {
        let start = self.pos;
        let expected = || {
            let list: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
            format!("one of the tags {}", list.join(", "))
        };
        let found = self
            .string()
            .map_err(|_| self.error_at(start, expected()))?;
        tags.iter().position(|t| *t == found).ok_or_else(|| {
            self.error_at(start, expected())
                .with_found(format!("\"{}\"", truncate_for_message(&found)))
        })
    }

    /// A `resizable_tensor`: version 2, four dims, then raw little-endian f32 data.
    pub fn tensor(&mut self) -> Result<StoredTensor, FormatError> {
        let start = self.pos;
        self.expect_int("tensor version", 2)?;
        let mut dims = [0usize; 4];
        for d in &mut dims {
            *d = self.size("a tensor dimension", u32::MAX as usize)?;
        }
        let count = dims
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .filter(|&n| n.checked_mul(4).is_some_and(|b| b <= self.remaining()))
            .ok_or_else(|| {
                self.error_at(start, "a tensor whose data fits in the file")
                    .with_found(format!(
                        "dims {dims:?} with {} bytes left",
                        self.remaining()
                    ))
            })?;
        let bytes = self.take(count * 4, "tensor data")?;
        let data = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok(StoredTensor { dims, data })
    }

    /// A tensor that must hold exactly `dims`.
    pub fn tensor_with_dims(
        &mut self,
        what: &str,
        dims: [usize; 4],
    ) -> Result<StoredTensor, FormatError> {
        let start = self.pos;
        let t = self.tensor()?;
        if t.dims != dims {
            return Err(self
                .error_at(start, format!("{what} with dims {dims:?}"))
                .with_found(format!("dims {:?}", t.dims)));
        }
        Ok(t)
    }

    /// An empty bookkeeping tensor or any other tensor whose contents inference ignores.
    pub fn skip_tensor(&mut self) -> Result<(), FormatError> {
        self.tensor().map(|_| ())
    }

    /// An `alias_tensor` (shape only): version 1, four dims.
    pub fn alias_tensor(&mut self) -> Result<[usize; 4], FormatError> {
        self.expect_int("alias_tensor version", 1)?;
        let mut dims = [0usize; 4];
        for d in &mut dims {
            *d = self.size("an alias_tensor dimension", u32::MAX as usize)?;
        }
        Ok(dims)
    }

    /// An alias_tensor that must equal `dims`.
    pub fn expect_alias(&mut self, what: &str, dims: [usize; 4]) -> Result<(), FormatError> {
        let start = self.pos;
        let found = self.alias_tensor()?;
        if found != dims {
            return Err(self
                .error_at(start, format!("{what} shape {dims:?}"))
                .with_found(format!("{found:?}")));
        }
        Ok(())
    }

    /// A `dlib::matrix<float,0,1>` column vector of `rows` float_details values.
    /// Dimensions are stored negated by current dlib; older files store them positive.
    pub fn f32_column(&mut self, rows: usize) -> Result<Vec<f32>, FormatError> {
        let start = self.pos;
        let nr = self.int()?.unsigned_abs() as usize;
        let nc = self.int()?.unsigned_abs() as usize;
        if nr != rows || nc != 1 {
            return Err(self
                .error_at(start, format!("a {rows}x1 matrix"))
                .with_found(format!("{nr}x{nc}")));
        }
        (0..rows).map(|_| self.f32()).collect()
    }

    /// Fails unless every byte has been consumed.
    pub fn expect_eof(&self) -> Result<(), FormatError> {
        if self.remaining() != 0 {
            return Err(self
                .error("end of file")
                .with_found(format!("{} more bytes", self.remaining())));
        }
        Ok(())
    }
}

fn truncate_for_message(s: &str) -> String {
    if s.chars().count() > 40 {
        let head: String = s.chars().take(40).collect();
        format!("{head}…")
    } else {
        s.to_string()
    }
}

/// x · 2^exp in f64, exact whenever the result is representable.
fn ldexp(x: f64, exp: i32) -> f64 {
    // Split the scaling so that neither factor over- or underflows on its own.
    let mut result = x;
    let mut e = exp;
    while e > 1000 {
        result *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        result *= 2f64.powi(-1000);
        e += 1000;
    }
    result * 2f64.powi(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &[u8]) -> Reader<'_> {
        Reader::new("test.dat", bytes)
    }

    #[test]
    fn integers_match_the_documented_encodings() {
        let cases: &[(&[u8], i64)] = &[
            (&[0x01, 0x00], 0),
            (&[0x01, 0x01], 1),
            (&[0x01, 0x96], 150),
            (&[0x02, 0x80, 0x12], 4736),
            (&[0x81, 0x1c], -28),
            (&[0x03, 0x00, 0x01, 0x09], 590080),
            (&[0x81, 0x01], -1),
        ];
        for (bytes, value) in cases {
            let mut r = reader(bytes);
            assert_eq!(r.int().unwrap(), *value);
            r.expect_eof().unwrap();
        }
    }

    #[test]
    fn floats_match_the_documented_encodings() {
        let mut r = reader(&[0x03, 0x0a, 0xd7, 0xa3, 0x81, 0x1c]);
        assert_eq!(r.f32().unwrap(), 0.04f32);
        let mut r = reader(&[0x03, 0x62, 0x90, 0xf5, 0x81, 0x11]);
        assert_eq!(r.f32().unwrap().to_bits(), 0x42F59062);
        let mut r = reader(&[0x01, 0x10, 0x81, 0x04]);
        assert_eq!(r.f64().unwrap(), 1.0);
        let mut r = reader(&[0x81, 0xc0, 0x81, 0x07]);
        assert_eq!(r.f32().unwrap(), -1.5);
        let mut r = reader(&[0x01, 0x00, 0x01, 0x28]);
        assert_eq!(r.f32().unwrap(), 0.0);
        let mut r = reader(&[0x01, 0x00, 0x02, 0x00, 0x7d]);
        assert_eq!(r.f64().unwrap(), f64::INFINITY);
    }

    #[test]
    fn strings_tensors_and_aliases() {
        let mut bytes = vec![0x01, 0x05];
        bytes.extend_from_slice(b"con_4");
        bytes.extend_from_slice(&[0x01, 0x02, 0x01, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01]);
        bytes.extend_from_slice(&1.5f32.to_le_bytes());
        bytes.extend_from_slice(&(-2.0f32).to_le_bytes());
        bytes.extend_from_slice(&[0x01, 0x01, 0x01, 0x01, 0x01, 0x20, 0x01, 0x01, 0x01, 0x01]);
        let mut r = reader(&bytes);
        r.expect_string("con_4").unwrap();
        let t = r.tensor().unwrap();
        assert_eq!(t.dims, [2, 1, 1, 1]);
        assert_eq!(t.data, vec![1.5, -2.0]);
        assert_eq!(r.alias_tensor().unwrap(), [1, 32, 1, 1]);
        r.expect_eof().unwrap();
    }

    #[test]
    fn truncated_input_reports_the_offset() {
        let mut r = reader(&[
            0x01, 0x02, 0x01, 0x10, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0, 0,
        ]);
        let err = r.tensor().unwrap_err();
        assert_eq!(err.offset, 0);
        assert!(err.to_string().contains("test.dat"), "{err}");
        assert!(err.to_string().contains("fits in the file"), "{err}");

        let mut r = reader(&[0x02, 0x80]);
        let err = r.int().unwrap_err();
        assert_eq!(err.offset, 1);
        assert!(err.to_string().contains("end of file"), "{err}");
    }

    #[test]
    fn wrong_tag_names_both_tags() {
        let mut bytes = vec![0x01, 0x05];
        bytes.extend_from_slice(b"relu_");
        let err = reader(&bytes).expect_string("con_4").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("\"con_4\"") && msg.contains("\"relu_\""),
            "{msg}"
        );
    }

    #[test]
    fn bad_control_bytes_and_bools_are_errors() {
        assert!(reader(&[0x00]).int().is_err());
        assert!(reader(&[0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0]).int().is_err());
        assert!(reader(&[0x81, 0x01]).uint().is_err());
        assert!(reader(b"x").bool().is_err());
        assert!(reader(&[0x31]).bool().unwrap());
    }
}
