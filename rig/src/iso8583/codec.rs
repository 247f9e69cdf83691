//! ISO 8583 codec for the UnionPay POS dialect (pos-8583.md): length + TPDU +
//! header framing, BCD numerics, LLVAR / LLLVAR with BCD length prefixes.

use std::collections::BTreeMap;
use std::fmt;

pub use super::fields::{Encoding, FieldSpec, Length, field, spec};

/// A field value: digits and text as a string, binary as bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Bytes(Vec<u8>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(t) => f.write_str(t),
            Value::Bytes(b) => f.write_str(&hex::encode_upper(b)),
        }
    }
}

/// One ISO 8583 message: MTI and fields 2..=64.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    pub mti: String,
    pub fields: BTreeMap<u8, Value>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodecError {
    #[error("field {field} is not part of the dialect")]
    UnknownField { field: u8 },
    #[error("field {field} ({name}): {problem}")]
    BadValue {
        field: u8,
        name: &'static str,
        problem: String,
    },
    #[error("message ends inside {what} (needed {needed} bytes at offset {offset}, have {have})")]
    Truncated {
        what: String,
        offset: usize,
        needed: usize,
        have: usize,
    },
    #[error("bad BCD in {what} at offset {offset}")]
    BadBcd { what: String, offset: usize },
    #[error("bitmap announces a secondary bitmap; the dialect has fields 1-64 only")]
    SecondaryBitmap,
    #[error("{extra} bytes left over after field {last}")]
    Trailing { last: u8, extra: usize },
}

fn bad(field: u8, problem: impl Into<String>) -> CodecError {
    let name = spec(field).map_or("?", |s| s.name);
    CodecError::BadValue {
        field,
        name,
        problem: problem.into(),
    }
}

fn nibble(c: u8, track: bool) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'=' | b'D' if track => Some(0xD),
        // Encrypted track data (53.3 = 1) carries any nibble.
        b'A'..=b'F' if track => Some(c - b'A' + 10),
        _ => None,
    }
}

fn to_bcd(digits: &str, right_align: bool, track: bool) -> Option<Vec<u8>> {
    let mut n: Vec<u8> = digits.bytes().map(|c| nibble(c, track)).collect::<Option<_>>()?;
    if n.len() % 2 == 1 {
        if right_align {
            n.insert(0, 0);
        } else {
            n.push(0);
        }
    }
    Some(n.chunks(2).map(|p| (p[0] << 4) | p[1]).collect())
}

fn from_bcd(bytes: &[u8], digits: usize, right_align: bool, track: bool) -> Option<String> {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for n in [b >> 4, b & 0xF] {
            out.push(match n {
                0..=9 => (b'0' + n) as char,
                0xD if track => '=',
                0xA..=0xF if track => (b'A' + n - 10) as char,
                _ => return None,
            });
        }
    }
    let skip = out.len() - digits;
    // The pad nibble must be zero: anything else is a corrupt field.
    let (pad, body) = if right_align {
        out.split_at(skip)
    } else {
        (&out[digits..], &out[..digits])
    };
    (pad.bytes().all(|c| c == b'0')).then(|| body.to_string())
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: impl FnOnce() -> String) -> Result<&'a [u8], CodecError> {
        let have = self.data.len() - self.pos;
        if have < n {
            return Err(CodecError::Truncated {
                what: what(),
                offset: self.pos,
                needed: n,
                have,
            });
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
}

impl Message {
    pub fn new(mti: &str) -> Message {
        Message {
            mti: mti.to_string(),
            fields: BTreeMap::new(),
        }
    }

    /// The message's type, `None` when its MTI is not 4 digits.
    pub fn mti_type(&self) -> Option<super::mti::Mti> {
        self.mti.parse().ok()
    }

    pub fn with(mut self, field: u8, text: impl Into<String>) -> Message {
        self.fields.insert(field, Value::Text(text.into()));
        self
    }

    pub fn with_bytes(mut self, field: u8, bytes: impl Into<Vec<u8>>) -> Message {
        self.fields.insert(field, Value::Bytes(bytes.into()));
        self
    }

    pub fn text(&self, field: u8) -> Option<&str> {
        match self.fields.get(&field)? {
            Value::Text(t) => Some(t),
            Value::Bytes(_) => None,
        }
    }

    pub fn bytes(&self, field: u8) -> Option<&[u8]> {
        match self.fields.get(&field)? {
            Value::Bytes(b) => Some(b),
            Value::Text(_) => None,
        }
    }

    /// Packs MTI, primary bitmap and fields.
    pub fn pack(&self) -> Result<Vec<u8>, CodecError> {
        let mti = to_bcd(&self.mti, true, false)
            .filter(|m| m.len() == 2)
            .ok_or_else(|| bad(0, "MTI must be 4 digits"))?;
        let mut out = mti;
        let mut bitmap = [0u8; 8];
        for &field in self.fields.keys() {
            if !(2..=64).contains(&field) {
                return Err(CodecError::UnknownField { field });
            }
            bitmap[usize::from(field - 1) / 8] |= 0x80 >> ((field - 1) % 8);
        }
        out.extend_from_slice(&bitmap);
        for (&field, value) in &self.fields {
            pack_field(field, value, &mut out)?;
        }
        Ok(out)
    }

    /// Unpacks MTI, bitmap and fields; every byte must be accounted for.
    pub fn unpack(data: &[u8]) -> Result<Message, CodecError> {
        Self::unpack_with_spans(data).map(|(msg, _)| msg)
    }

    /// Unpacks like [`Message::unpack`] and says where each field's value
    /// lies in `data` (after its length prefix): what masking in place needs.
    pub fn unpack_with_spans(data: &[u8]) -> Result<(Message, Vec<FieldSpan>), CodecError> {
        let mut spans = Vec::new();
        let mut r = Reader { data, pos: 0 };
        let mti_bytes = r.take(2, || "MTI".into())?;
        let mti = from_bcd(mti_bytes, 4, true, false).ok_or(CodecError::BadBcd {
            what: "MTI".into(),
            offset: 0,
        })?;
        let bitmap = r.take(8, || "bitmap".into())?;
        if bitmap[0] & 0x80 != 0 {
            return Err(CodecError::SecondaryBitmap);
        }
        let mut msg = Message::new(&mti);
        let mut last = 0;
        for field in 2..=64u8 {
            if bitmap[usize::from(field - 1) / 8] & (0x80 >> ((field - 1) % 8)) == 0 {
                continue;
            }
            let (value, bytes) = unpack_field(field, &mut r)?;
            msg.fields.insert(field, value);
            spans.push(FieldSpan { field, bytes });
            last = field;
        }
        if r.pos != data.len() {
            return Err(CodecError::Trailing {
                last,
                extra: data.len() - r.pos,
            });
        }
        Ok((msg, spans))
    }

    /// The fields as (number, value) pairs: text as it is, binary as upper-case hex.
    pub fn field_list(&self) -> Vec<(u8, String)> {
        self.fields.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }
}

/// Where one field's value lies in a packed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpan {
    pub field: u8,
    /// The value's bytes (length prefix excluded).
    pub bytes: std::ops::Range<usize>,
}

fn units(encoding: Encoding, value: &Value) -> usize {
    match (encoding, value) {
        (_, Value::Bytes(b)) => b.len(),
        (_, Value::Text(t)) => t.len(),
    }
}

fn pack_field(field: u8, value: &Value, out: &mut Vec<u8>) -> Result<(), CodecError> {
    let spec = spec(field).ok_or(CodecError::UnknownField { field })?;
    let n = units(spec.encoding, value);
    let (prefix, max) = match spec.length {
        Length::Fixed(len) => (0, len),
        Length::Ll(max) => (1, max),
        Length::Lll(max) => (2, max),
    };
    if n > max {
        return Err(bad(field, format!("{n} units, at most {max}")));
    }
    if let Length::Fixed(len) = spec.length {
        let short_text_ok = matches!(spec.encoding, Encoding::Bcd | Encoding::Ascii);
        if n != len && !short_text_ok {
            return Err(bad(field, format!("{n} units, expected {len}")));
        }
    } else {
        let digits = format!("{n:0w$}", w = prefix * 2);
        out.extend(to_bcd(&digits, true, false).unwrap_or_default());
    }
    let fixed = matches!(spec.length, Length::Fixed(_));
    match (spec.encoding, value) {
        (Encoding::Bcd | Encoding::Track, Value::Text(t)) => {
            let t = match spec.length {
                Length::Fixed(len) => format!("{t:0>len$}"),
                _ => t.clone(),
            };
            let track = spec.encoding == Encoding::Track;
            out.extend(to_bcd(&t, fixed, track).ok_or_else(|| bad(field, "not numeric"))?);
        }
        (Encoding::Ascii, Value::Text(t)) => {
            if !t.is_ascii() {
                return Err(bad(field, "not ASCII"));
            }
            match spec.length {
                Length::Fixed(len) => out.extend(format!("{t:<len$}").bytes()),
                _ => out.extend(t.bytes()),
            }
        }
        (Encoding::Binary, Value::Bytes(b)) => out.extend(b),
        _ => return Err(bad(field, "value of the wrong kind (text vs bytes)")),
    }
    Ok(())
}

fn unpack_field(field: u8, r: &mut Reader<'_>) -> Result<(Value, std::ops::Range<usize>), CodecError> {
    let spec = spec(field).ok_or(CodecError::UnknownField { field })?;
    let what = || format!("field {field} ({})", spec.name);
    let n = match spec.length {
        Length::Fixed(len) => len,
        Length::Ll(max) | Length::Lll(max) => {
            let width = if matches!(spec.length, Length::Ll(_)) { 1 } else { 2 };
            let offset = r.pos;
            let raw = r.take(width, what)?;
            let n: usize = from_bcd(raw, width * 2, true, false)
                .and_then(|d| d.parse().ok())
                .ok_or_else(|| CodecError::BadBcd {
                    what: format!("length of {}", what()),
                    offset,
                })?;
            if n > max {
                return Err(bad(field, format!("length {n} over the maximum {max}")));
            }
            n
        }
    };
    let offset = r.pos;
    let value = match spec.encoding {
        Encoding::Bcd | Encoding::Track => {
            let raw = r.take(n.div_ceil(2), what)?;
            let fixed = matches!(spec.length, Length::Fixed(_));
            Value::Text(
                from_bcd(raw, n, fixed, spec.encoding == Encoding::Track)
                    .ok_or_else(|| CodecError::BadBcd { what: what(), offset })?,
            )
        }
        Encoding::Ascii => {
            let raw = r.take(n, what)?;
            Value::Text(String::from_utf8(raw.to_vec()).map_err(|_| bad(field, "not ASCII"))?)
        }
        Encoding::Binary => Value::Bytes(r.take(n, what)?.to_vec()),
    };
    Ok((value, offset..r.pos))
}

/// The frame around a message on TCP: TPDU and header, as raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub tpdu: Vec<u8>,
    pub header: Vec<u8>,
}

impl Envelope {
    /// Splits a frame body (after the 2-byte length) into envelope and message bytes.
    pub fn split(frame: &[u8]) -> Result<(Envelope, &[u8]), CodecError> {
        if frame.len() < 11 {
            return Err(CodecError::Truncated {
                what: "TPDU and header".into(),
                offset: 0,
                needed: 11,
                have: frame.len(),
            });
        }
        Ok((
            Envelope {
                tpdu: frame[..5].to_vec(),
                header: frame[5..11].to_vec(),
            },
            &frame[11..],
        ))
    }

    /// The reply's envelope: destination and source addresses of the TPDU swapped.
    pub fn reply(&self) -> Envelope {
        let mut tpdu = self.tpdu.clone();
        if tpdu.len() == 5 {
            tpdu[1..3].copy_from_slice(&self.tpdu[3..5]);
            tpdu[3..5].copy_from_slice(&self.tpdu[1..3]);
        }
        Envelope {
            tpdu,
            header: self.header.clone(),
        }
    }

    /// Length-prefixed frame ready for the socket.
    pub fn frame(&self, body: &[u8]) -> Vec<u8> {
        let len = (self.tpdu.len() + self.header.len() + body.len()) as u16;
        let mut out = Vec::with_capacity(2 + len as usize);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.tpdu);
        out.extend_from_slice(&self.header);
        out.extend_from_slice(body);
        out
    }
}

#[cfg(test)]
mod tests {
    //! Vectors from pyiso8583 4.0.1 (PyPI), an independent implementation set up
    //! for this dialect by rig/tests/vectors/make_codec_vectors.py; its output is
    //! rig/tests/vectors/codec_vectors.txt.
    use super::*;

    const SALE_0200: &str = "0200702404C020C09811166222021234567890000000000000010000000123291200210012346222021234567890D2912101123456789031303030303030313839383331303034383939303030313135361FD5DAE1829B30B316000000000000000008220000014332334545354637";
    const RESP_0210: &str = "0210303800000ED0000200000000000001000000012310111211243132333435363738393031323635343332313030313030303030303138393833313030343839393030303119303130323030303030303030333031303030300003435550";

    fn sale() -> Message {
        Message::new("0200")
            .with(2, "6222021234567890")
            .with(3, "000000")
            .with(4, "000000010000")
            .with(11, "000123")
            .with(14, "2912")
            .with(22, "021")
            .with(25, "00")
            .with(26, "12")
            .with(35, "6222021234567890=29121011234567890")
            .with(41, "10000001")
            .with(42, "898310048990001")
            .with(49, "156")
            .with_bytes(52, hex::decode("1FD5DAE1829B30B3").unwrap())
            .with(53, "1600000000000000")
            .with(60, "22000001")
            .with_bytes(64, b"C23EE5F7".to_vec())
    }

    #[test]
    fn packs_a_sale_as_pyiso8583_does() {
        assert_eq!(hex::encode_upper(sale().pack().unwrap()), SALE_0200);
    }

    #[test]
    fn unpacks_pyiso8583_sale_field_for_field() {
        let msg = Message::unpack(&hex::decode(SALE_0200).unwrap()).unwrap();
        assert_eq!(msg, sale());
    }

    #[test]
    fn unpacks_pyiso8583_response() {
        let msg = Message::unpack(&hex::decode(RESP_0210).unwrap()).unwrap();
        assert_eq!(msg.mti, "0210");
        assert_eq!(msg.text(37), Some("123456789012"));
        assert_eq!(msg.text(39), Some("00"));
        assert_eq!(msg.text(44), Some("0102000000003010000"));
        assert_eq!(msg.text(63), Some("CUP"));
        assert_eq!(hex::encode_upper(msg.pack().unwrap()), RESP_0210);
    }

    #[test]
    fn odd_variable_bcd_is_left_aligned_with_a_zero_pad() {
        // pos-8583.md: variable numerics are left aligned; 19-digit PAN -> pad nibble last.
        let packed = Message::new("0200").with(2, "6222021234567890128").pack().unwrap();
        assert_eq!(hex::encode_upper(&packed[10..]), "1962220212345678901280");
        assert_eq!(Message::unpack(&packed).unwrap().text(2), Some("6222021234567890128"));
    }

    #[test]
    fn truncation_names_the_field_and_offset() {
        let bytes = hex::decode(SALE_0200).unwrap();
        let err = Message::unpack(&bytes[..15]).unwrap_err();
        assert_eq!(
            err,
            CodecError::Truncated {
                what: "field 2 (PAN)".into(),
                offset: 11,
                needed: 8,
                have: 4
            }
        );
    }

    #[test]
    fn bad_bcd_and_trailing_bytes_are_errors() {
        let mut bytes = hex::decode(SALE_0200).unwrap();
        bytes[12] = 0xAB;
        assert!(matches!(Message::unpack(&bytes), Err(CodecError::BadBcd { .. })));
        let mut bytes = hex::decode(SALE_0200).unwrap();
        bytes.push(0);
        assert_eq!(
            Message::unpack(&bytes),
            Err(CodecError::Trailing { last: 64, extra: 1 })
        );
    }

    #[test]
    fn envelope_reply_swaps_tpdu_addresses() {
        let frame = hex::decode("6000030000603100000000").unwrap();
        let (env, rest) = Envelope::split(&frame).unwrap();
        assert!(rest.is_empty());
        assert_eq!(hex::encode_upper(&env.reply().tpdu), "6000000003");
        assert_eq!(hex::encode_upper(env.frame(&[0x02])), "000C600003000060310000000002");
    }
}
