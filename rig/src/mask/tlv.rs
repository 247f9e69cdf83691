//! BER-TLV chip data masked in place: the card's PAN, tracks and the
//! cardholder's name inside READ RECORD, GPO, SELECT and GENERATE AC
//! answers and inside field 55. Tags, lengths and every other value stay,
//! so the masked bytes parse as the same TLV tree.

use super::kind::{DataKind, ascii_in_place, mask_chars, nibbles_in_place};
use iso7816_tlv::ber::{Tlv, Value};

/// The chip tags that carry cardholder data, and how each is coded: read
/// from the one tag table (`tags::TABLE`).
fn sensitive(tag: &[u8]) -> Option<(DataKind, Coding)> {
    use crate::tags::Cardholder;
    Some(match crate::tags::cardholder(tag)? {
        Cardholder::PanDigits => (DataKind::Pan, Coding::Nibbles),
        Cardholder::TrackDigits => (DataKind::Track, Coding::Nibbles),
        Cardholder::TrackText => (DataKind::Track, Coding::Ascii),
        Cardholder::NameText => (DataKind::CardholderName, Coding::Ascii),
        Cardholder::NameDigits => (DataKind::CardholderName, Coding::Nibbles),
    })
}

#[derive(Clone, Copy)]
enum Coding {
    /// BCD digits (pad nibbles F, separator D): masked with digit 0.
    Nibbles,
    /// ASCII text: masked with '*'.
    Ascii,
}

/// Masks the sensitive objects of the TLV data in `bytes` in place. Returns
/// false when `bytes` is not wholly TLV (then nothing of it can be trusted
/// to be masked, and the caller hides it whole).
pub fn mask_in_place(bytes: &mut [u8]) -> bool {
    let mut at = 0;
    while at < bytes.len() {
        // Padding between data objects (EMV Book 3, 5.3).
        if matches!(bytes[at], 0x00 | 0xFF) {
            at += 1;
            continue;
        }
        let (parsed, rest) = Tlv::parse(&bytes[at..]);
        let Ok(tlv) = parsed else { return false };
        let end = bytes.len() - rest.len();
        // The value follows the tag and the length as they are on the wire.
        let len_at = at + tlv.tag().len_as_bytes();
        let value_start = match bytes.get(len_at) {
            Some(&b) if b & 0x80 != 0 => len_at + 1 + usize::from(b & 0x7F),
            Some(_) => len_at + 1,
            None => return false,
        };
        if value_start > end {
            return false;
        }
        let value = &mut bytes[value_start..end];
        match tlv.value() {
            Value::Constructed(_) => {
                if !mask_in_place(value) {
                    return false;
                }
            }
            Value::Primitive(_) => {
                if let Some((kind, coding)) = sensitive(tlv.tag().to_bytes()) {
                    mask_value(kind, coding, value);
                }
            }
        }
        at = end;
    }
    true
}

fn mask_value(kind: DataKind, coding: Coding, value: &mut [u8]) {
    match coding {
        Coding::Nibbles => nibbles_in_place(value, |nibbles| mask_chars(kind, nibbles, '0')),
        Coding::Ascii => ascii_in_place(kind, value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(hex_in: &str) -> String {
        let mut bytes = hex::decode(hex_in).unwrap();
        assert!(mask_in_place(&mut bytes), "{hex_in} is TLV");
        hex::encode_upper(bytes)
    }

    #[test]
    fn a_read_record_keeps_its_shape_and_loses_the_card_data() {
        // 70 { 57 track 2 equivalent, 5F20 name, 5A PAN, 5F24 expiry }
        let record = "7031\
            5710 6222021234567890128D29122201234F\
            5F200A 5A48414E472F53414E20\
            5A0A 6222021234567890128F\
            5F2403 291231"
            .replace(' ', "");
        let out = masked(&record);
        assert_eq!(out.len(), record.len());
        assert!(!out.contains("6222021234567890128"), "{out}");
        assert!(out.contains("57106222020000000000128D00000000000F"), "{out}");
        assert!(out.contains("5F200A2A2A2A2A2A2A2A2A2A2A"), "{out}");
        assert!(out.contains("5A0A6222020000000000128F"), "{out}");
        assert!(out.ends_with("5F2403291231"), "{out}");
        // Still one template of the same objects.
        let tlv = Tlv::from_bytes(&hex::decode(&out).unwrap()).unwrap();
        let Value::Constructed(inner) = tlv.value() else {
            panic!()
        };
        assert_eq!(inner.len(), 4);
    }

    #[test]
    fn data_that_is_not_tlv_says_so() {
        let mut bytes = hex::decode("5A0A6222").unwrap();
        assert!(!mask_in_place(&mut bytes));
    }

    #[test]
    fn padding_between_objects_is_skipped() {
        assert_eq!(
            masked("00005A0A6222021234567890128F00"),
            "00005A0A6222020000000000128F00"
        );
    }
}
