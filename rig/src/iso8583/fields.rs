//! The dialect's field table (pos-8583.md): every field's number, name,
//! encoding and length written once. The `field` constants and `spec` are
//! both generated from it, so no other module spells a field number; the
//! sub-fields of field 60 and 53 are named ranges of their digits.

use std::ops::Range;

/// How a field is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Numeric, packed BCD. Fixed fields right aligned; variable left aligned.
    Bcd,
    /// Track data (z): BCD where '=' travels as nibble D.
    Track,
    /// ASCII text.
    Ascii,
    /// Raw bytes.
    Binary,
}

/// Whether a field has a fixed length or a BCD length prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    Fixed(usize),
    /// 1-byte BCD length prefix, at most this many units.
    Ll(usize),
    /// 2-byte BCD length prefix, at most this many units.
    Lll(usize),
}

#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub encoding: Encoding,
    pub length: Length,
    pub name: &'static str,
}

macro_rules! fields {
    ($($konst:ident = $no:literal: $enc:ident, $len:expr, $name:literal;)*) => {
        /// Field numbers by name, as pos-8583.md names them.
        pub mod field {
            $(#[doc = $name] pub const $konst: u8 = $no;)*
        }

        /// The field table of pos-8583.md; `None` for a field the dialect lacks.
        pub fn spec(field: u8) -> Option<FieldSpec> {
            #[allow(unused_imports)]
            use Encoding::*;
            use Length::*;
            match field {
                $($no => Some(FieldSpec { encoding: $enc, length: $len, name: $name }),)*
                _ => None,
            }
        }
    };
}

fields! {
    PAN = 2: Bcd, Ll(19), "PAN";
    PROCESSING_CODE = 3: Bcd, Fixed(6), "processing code";
    AMOUNT = 4: Bcd, Fixed(12), "amount";
    STAN = 11: Bcd, Fixed(6), "STAN";
    LOCAL_TIME = 12: Bcd, Fixed(6), "local time";
    LOCAL_DATE = 13: Bcd, Fixed(4), "local date";
    EXPIRY = 14: Bcd, Fixed(4), "expiry";
    SETTLEMENT_DATE = 15: Bcd, Fixed(4), "settlement date";
    ENTRY_MODE = 22: Bcd, Fixed(3), "entry mode";
    CARD_SEQUENCE = 23: Bcd, Fixed(3), "card sequence number";
    CONDITION_CODE = 25: Bcd, Fixed(2), "condition code";
    PIN_CAPTURE = 26: Bcd, Fixed(2), "PIN capture code";
    ACQUIRER = 32: Bcd, Ll(11), "acquirer institution";
    TRACK2 = 35: Track, Ll(37), "track 2";
    TRACK3 = 36: Track, Lll(104), "track 3";
    RRN = 37: Ascii, Fixed(12), "RRN";
    AUTH_CODE = 38: Ascii, Fixed(6), "auth code";
    RESPONSE_CODE = 39: Ascii, Fixed(2), "response code";
    TERMINAL_ID = 41: Ascii, Fixed(8), "terminal ID";
    MERCHANT_ID = 42: Ascii, Fixed(15), "merchant ID";
    ISSUER_ACQUIRER = 44: Ascii, Ll(25), "issuer and acquirer";
    ADDITIONAL_DATA = 48: Bcd, Lll(322), "additional data";
    CURRENCY = 49: Ascii, Fixed(3), "currency";
    PIN_BLOCK = 52: Binary, Fixed(8), "PIN block";
    SECURITY_CONTROL = 53: Bcd, Fixed(16), "security control";
    BALANCE = 54: Ascii, Lll(20), "balance";
    CHIP_DATA = 55: Binary, Lll(255), "chip data";
    RESERVED_60 = 60: Bcd, Lll(17), "reserved private 60";
    ORIGINAL = 61: Bcd, Lll(29), "original transaction";
    KEYS = 62: Binary, Lll(512), "reserved private 62";
    RESERVED_63 = 63: Ascii, Lll(163), "reserved private 63";
    MAC = 64: Binary, Fixed(8), "MAC";
}

/// Sub-fields of field 60 (pos-8583.md): digit ranges of its text.
pub mod field60 {
    use super::Range;
    /// 60.1 message type code, n2.
    pub const TYPE_CODE: Range<usize> = 0..2;
    /// 60.2 batch number, n6.
    pub const BATCH: Range<usize> = 2..8;
    /// 60.3 network management information code, n3.
    pub const NETWORK_CODE: Range<usize> = 8..11;
}

/// Sub-fields of field 53, security control (pos-8583.md).
pub mod field53 {
    use super::Range;
    /// 53.1 PIN format: 1 with the PAN, 2 without.
    pub const PIN_FORMAT: Range<usize> = 0..1;
    /// 53.2 algorithm: 0 single DES, 6 triple DES.
    pub const ALGORITHM: Range<usize> = 1..2;
    /// 53.3 track encryption flag: 1 when track data is encrypted.
    pub const TRACK_ENCRYPTED: Range<usize> = 2..3;
}

/// A sub-field of a field's text, `None` when the field is shorter.
pub fn sub(text: Option<&str>, digits: Range<usize>) -> Option<&str> {
    text.and_then(|t| t.get(digits))
}

/// The batch number (60.2) of a field 60, "000000" when it has none.
pub fn batch_of(field_60: Option<&str>) -> &str {
    sub(field_60, field60::BATCH).unwrap_or("000000")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_field_is_in_the_table_and_no_other() {
        let named = [field::PAN, field::STAN, field::RESERVED_60, field::ORIGINAL, field::MAC];
        assert!(named.iter().all(|&n| spec(n).is_some()));
        assert!(spec(1).is_none() && spec(5).is_none() && spec(65).is_none());
        assert_eq!(spec(field::TRACK2).map(|s| s.name), Some("track 2"));
    }

    #[test]
    fn field_60_reads_by_named_digits() {
        let f60 = Some("22000123201");
        assert_eq!(sub(f60, field60::TYPE_CODE), Some("22"));
        assert_eq!(batch_of(f60), "000123");
        assert_eq!(sub(f60, field60::NETWORK_CODE), Some("201"));
        assert_eq!(batch_of(Some("22")), "000000");
        assert_eq!(batch_of(None), "000000");
    }
}
