//! The values of a card file, typed when the file is read: a bad value is a
//! serde error on that value, so the loader reports it at file:line:column
//! (the span of the value in the TOML), and no later reader decodes hex or
//! digits again.

use serde::{Deserialize, Deserializer};
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

/// Reads a string and checks it through `FromStr`; the error message is
/// the value's own ("aid \"A0\": expected 5-16 bytes of hex").
fn checked<'de, D: Deserializer<'de>, T: FromStr<Err = String>>(d: D) -> Result<T, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(serde::de::Error::custom)
}

macro_rules! from_toml_string {
    ($($t:ty),*) => {$(
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                checked(d)
            }
        }
    )*};
}

macro_rules! digits_newtype {
    ($(#[$doc:meta])* $name:ident, $what:literal, $ok:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let ok: fn(&str) -> bool = $ok;
                if ok(s) {
                    Ok($name(s.to_string()))
                } else {
                    Err(format!("{s:?}: expected {}", $what))
                }
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        from_toml_string!($name);
    };
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_digit())
}

digits_newtype!(
    /// A primary account number: 13 to 19 digits (ISO/IEC 7812).
    Pan,
    "13 to 19 digits",
    |s| (13..=19).contains(&s.len()) && all_digits(s)
);
digits_newtype!(
    /// An expiry date as YYMM.
    Expiry,
    "YYMM (four digits)",
    |s| s.len() == 4 && all_digits(s)
);
digits_newtype!(
    /// A PAN sequence number (5F34): two digits.
    Psn,
    "two digits",
    |s| s.len() == 2 && all_digits(s)
);

/// An application identifier (ISO/IEC 7816-5): 5 to 16 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aid(Vec<u8>);

impl Aid {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl FromStr for Aid {
    type Err = String;
    fn from_str(s: &str) -> Result<Aid, String> {
        match hex::decode(s) {
            Ok(b) if (5..=16).contains(&b.len()) => Ok(Aid(b)),
            _ => Err(format!("aid {s:?}: expected 5-16 bytes of hex")),
        }
    }
}

impl fmt::Display for Aid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode_upper(&self.0))
    }
}

/// A double-length DES key (TEST KEYS ONLY), 16 bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct DesKey([u8; 16]);

impl DesKey {
    pub fn bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Debug for DesKey {
    // A key never reaches a log, even a test key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DesKey(..)")
    }
}

impl FromStr for DesKey {
    type Err = String;
    fn from_str(s: &str) -> Result<DesKey, String> {
        hex::decode(s)
            .ok()
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .map(DesKey)
            .ok_or_else(|| "expected 32 hex digits (a double-length DES key)".to_string())
    }
}

/// An amount in yuan as a card file writes it ("1000.00"), kept in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Yuan(u64);

impl Yuan {
    pub fn fen(self) -> u64 {
        self.0
    }
}

impl FromStr for Yuan {
    type Err = String;
    fn from_str(s: &str) -> Result<Yuan, String> {
        super::card::parse_yuan(s)
            .map(Yuan)
            .ok_or_else(|| format!("{s:?} is not yuan like \"100.00\""))
    }
}

/// A data object's tag in a card file's `[data]`: hex, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DataTag(String);

impl fmt::Display for DataTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Deref for DataTag {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl FromStr for DataTag {
    type Err = String;
    fn from_str(s: &str) -> Result<DataTag, String> {
        match hex::decode(s) {
            Ok(b) if (1..=3).contains(&b.len()) => Ok(DataTag(s.to_uppercase())),
            _ => Err(format!("tag {s:?}: expected a BER-TLV tag in hex (1-3 bytes)")),
        }
    }
}

/// Bytes written as hex.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HexBytes(pub Vec<u8>);

impl FromStr for HexBytes {
    type Err = String;
    fn from_str(s: &str) -> Result<HexBytes, String> {
        hex::decode(s)
            .map(HexBytes)
            .map_err(|_| format!("{s:?}: expected hex bytes"))
    }
}

/// Exactly `N` bytes written as hex (an action code, a usage control).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedHex<const N: usize>(pub [u8; N]);

impl<const N: usize> FromStr for FixedHex<N> {
    type Err = String;
    fn from_str(s: &str) -> Result<FixedHex<N>, String> {
        hex::decode(s)
            .ok()
            .and_then(|b| <[u8; N]>::try_from(b).ok())
            .map(FixedHex)
            .ok_or_else(|| format!("{s:?}: expected {N} bytes of hex ({} digits)", 2 * N))
    }
}

impl<'de, const N: usize> Deserialize<'de> for FixedHex<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d)
    }
}

from_toml_string!(Aid, DesKey, Yuan, DataTag, HexBytes);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_check_themselves() {
        assert_eq!("A000000333010101".parse::<Aid>().map(|a| a.bytes().len()), Ok(8));
        assert!("A0".parse::<Aid>().is_err());
        assert!("6222".parse::<Pan>().is_err());
        assert_eq!("12.34".parse::<Yuan>().map(Yuan::fen), Ok(1234));
        assert!("12.3".parse::<Yuan>().is_err());
        assert_eq!("9f36".parse::<DataTag>().map(|t| t.to_string()), Ok("9F36".to_string()));
        assert_eq!(
            format!("{:?}", "00".repeat(16).parse::<DesKey>().unwrap()),
            "DesKey(..)"
        );
    }
}
