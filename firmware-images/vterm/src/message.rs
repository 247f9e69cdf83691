//! Terminal side of the acquirer dialect (pos-8583.md): packs requests, unpacks
//! responses. Fields are kept as strings (digits / text) or raw bytes.

use std::collections::BTreeMap;

#[derive(Clone, Copy)]
enum Format {
    /// Numeric BCD, fixed number of digits, right aligned.
    N(usize),
    /// Numeric / track BCD with a BCD length prefix of 1 (LL) or 2 (LLL) bytes.
    NVar(usize),
    /// ASCII, fixed length.
    A(usize),
    /// ASCII with a BCD length prefix of 1 or 2 bytes.
    AVar(usize),
    /// Binary, fixed length.
    B(usize),
    /// Binary with a BCD length prefix of 1 or 2 bytes.
    BVar(usize),
}

fn format(field: u8) -> Option<Format> {
    use Format::*;
    Some(match field {
        2 => NVar(1),
        3 => N(6),
        4 => N(12),
        11 => N(6),
        12 => N(6),
        13 => N(4),
        14 => N(4),
        15 => N(4),
        22 => N(3),
        23 => N(3),
        25 => N(2),
        26 => N(2),
        32 => NVar(1),
        35 => NVar(1),
        36 => NVar(2),
        37 => A(12),
        38 => A(6),
        39 => A(2),
        41 => A(8),
        42 => A(15),
        44 => AVar(1),
        48 => NVar(2),
        49 => A(3),
        52 => B(8),
        53 => N(16),
        54 => AVar(2),
        55 => BVar(2),
        60 => NVar(2),
        61 => NVar(2),
        62 => BVar(2),
        63 => AVar(2),
        64 => B(8),
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Bytes(Vec<u8>),
}

#[derive(Debug, Default, Clone)]
pub struct Message {
    pub mti: String,
    pub fields: BTreeMap<u8, Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("field {0} is not in the terminal's dialect")]
    UnknownField(u8),
    #[error("field {0}: bad value")]
    BadValue(u8),
    #[error("message truncated at field {0}")]
    Truncated(u8),
}

fn bcd(digits: &str, right_align: bool) -> Vec<u8> {
    let mut d: Vec<u8> = digits
        .bytes()
        .map(|c| {
            if c == b'=' {
                0xD
            } else {
                (c as char).to_digit(16).unwrap_or(0) as u8
            }
        })
        .collect();
    if d.len() % 2 == 1 {
        if right_align { d.insert(0, 0) } else { d.push(0) }
    }
    d.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
}

fn unbcd(bytes: &[u8], digits: usize, right_align: bool) -> String {
    let all: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    let s = if right_align {
        &all[all.len() - digits..]
    } else {
        &all[..digits]
    };
    s.replace('D', "=")
}

fn len_prefix(len: usize, bytes: usize) -> Vec<u8> {
    bcd(&format!("{len:0w$}", w = bytes * 2), true)
}

impl Message {
    pub fn new(mti: &str) -> Message {
        Message {
            mti: mti.into(),
            fields: BTreeMap::new(),
        }
    }

    pub fn set(&mut self, field: u8, text: impl Into<String>) -> &mut Self {
        self.fields.insert(field, Value::Text(text.into()));
        self
    }

    pub fn set_bytes(&mut self, field: u8, bytes: Vec<u8>) -> &mut Self {
        self.fields.insert(field, Value::Bytes(bytes));
        self
    }

    pub fn text(&self, field: u8) -> Option<&str> {
        match self.fields.get(&field) {
            Some(Value::Text(t)) => Some(t),
            _ => None,
        }
    }

    pub fn bytes(&self, field: u8) -> Option<&[u8]> {
        match self.fields.get(&field) {
            Some(Value::Bytes(b)) => Some(b),
            _ => None,
        }
    }

    /// MTI, bitmap and fields (no TPDU or header).
    pub fn pack(&self) -> Result<Vec<u8>, Error> {
        let mut out = bcd(&self.mti, true);
        let mut bitmap = [0u8; 8];
        for &f in self.fields.keys() {
            bitmap[(f as usize - 1) / 8] |= 0x80 >> ((f - 1) % 8);
        }
        out.extend_from_slice(&bitmap);
        for (&f, value) in &self.fields {
            let fmt = format(f).ok_or(Error::UnknownField(f))?;
            match (fmt, value) {
                (Format::N(n), Value::Text(t)) if t.len() <= n => out.extend(bcd(&format!("{t:0>n$}"), true)),
                (Format::NVar(l), Value::Text(t)) => {
                    out.extend(len_prefix(t.len(), l));
                    out.extend(bcd(t, false));
                }
                (Format::A(n), Value::Text(t)) if t.len() <= n => out.extend(format!("{t:<n$}").bytes()),
                (Format::AVar(l), Value::Text(t)) => {
                    out.extend(len_prefix(t.len(), l));
                    out.extend(t.bytes());
                }
                (Format::B(n), Value::Bytes(b)) if b.len() == n => out.extend(b),
                (Format::BVar(l), Value::Bytes(b)) => {
                    out.extend(len_prefix(b.len(), l));
                    out.extend(b);
                }
                _ => return Err(Error::BadValue(f)),
            }
        }
        Ok(out)
    }

    pub fn unpack(data: &[u8]) -> Result<Message, Error> {
        let take = |pos: &mut usize, n: usize, f: u8| -> Result<&[u8], Error> {
            let s = data.get(*pos..*pos + n).ok_or(Error::Truncated(f))?;
            *pos += n;
            Ok(s)
        };
        let mut pos = 0;
        let mti = unbcd(take(&mut pos, 2, 0)?, 4, true);
        let bitmap = take(&mut pos, 8, 1)?.to_vec();
        let mut msg = Message::new(&mti);
        for f in 2..=64u8 {
            if bitmap[(f as usize - 1) / 8] & (0x80 >> ((f - 1) % 8)) == 0 {
                continue;
            }
            let fmt = format(f).ok_or(Error::UnknownField(f))?;
            let var_len = |pos: &mut usize, l: usize| -> Result<usize, Error> {
                unbcd(take(pos, l, f)?, l * 2, true)
                    .parse()
                    .map_err(|_| Error::BadValue(f))
            };
            let value = match fmt {
                Format::N(n) => Value::Text(unbcd(take(&mut pos, n.div_ceil(2), f)?, n, true)),
                Format::NVar(l) => {
                    let n = var_len(&mut pos, l)?;
                    Value::Text(unbcd(take(&mut pos, n.div_ceil(2), f)?, n, false))
                }
                Format::A(n) => Value::Text(String::from_utf8_lossy(take(&mut pos, n, f)?).into_owned()),
                Format::AVar(l) => {
                    let n = var_len(&mut pos, l)?;
                    Value::Text(String::from_utf8_lossy(take(&mut pos, n, f)?).into_owned())
                }
                Format::B(n) => Value::Bytes(take(&mut pos, n, f)?.to_vec()),
                Format::BVar(l) => {
                    let n = var_len(&mut pos, l)?;
                    Value::Bytes(take(&mut pos, n, f)?.to_vec())
                }
            };
            msg.fields.insert(f, value);
        }
        Ok(msg)
    }
}

#[cfg(test)]
mod tests {
    //! Against rig/tests/vectors/codec_vectors.txt: messages packed by
    //! pyiso8583 4.0.1 (PyPI) set up for the dialect (make_codec_vectors.py).
    use super::*;
    use crate::vectors::{bytes, codec};

    fn sale() -> Message {
        let mut m = Message::new("0200");
        m.set(2, "6222021234567890")
            .set(3, "000000")
            .set(4, "000000010000")
            .set(11, "000123")
            .set(14, "2912")
            .set(22, "021")
            .set(25, "00")
            .set(26, "12")
            .set(35, "6222021234567890=29121011234567890")
            .set(41, "10000001")
            .set(42, "898310048990001")
            .set(49, "156")
            .set_bytes(52, bytes("1FD5DAE1829B30B3"))
            .set(53, "1600000000000000")
            .set(60, "22000001")
            .set_bytes(64, b"C23EE5F7".to_vec());
        m
    }

    #[test]
    fn a_sale_packs_as_pyiso8583_packs_it() {
        assert_eq!(hex::encode_upper(sale().pack().expect("packs")), codec()["sale_0200"]);
    }

    #[test]
    fn a_response_packed_by_pyiso8583_unpacks_field_for_field() {
        let resp = Message::unpack(&bytes(codec()["resp_0210"])).expect("unpacks");
        assert_eq!(resp.mti, "0210");
        assert_eq!(resp.text(37), Some("123456789012"));
        assert_eq!(resp.text(39), Some("00"));
        assert_eq!(resp.text(44), Some("0102000000003010000"));
        assert_eq!(resp.text(63), Some("CUP"));
        assert_eq!(
            hex::encode_upper(resp.pack().expect("packs again")),
            codec()["resp_0210"]
        );
    }

    #[test]
    fn the_sale_unpacks_to_what_was_packed() {
        let back = Message::unpack(&bytes(codec()["sale_0200"])).expect("unpacks");
        assert_eq!(back.fields, sale().fields);
    }

    #[test]
    fn a_truncated_message_is_an_error_not_a_panic() {
        let whole = bytes(codec()["sale_0200"]);
        for cut in [1, 5, 12, 30, whole.len() - 1] {
            assert!(Message::unpack(&whole[..cut]).is_err(), "cut at {cut}");
        }
    }
}
