//! Building BER-TLV templates with iso7816-tlv.

use iso7816_tlv::ber::{Tag, Tlv, Value};

fn tag(hex: &str) -> Tag {
    u64::from_str_radix(hex, 16)
        .ok()
        .and_then(|t| Tag::try_from(t).ok())
        .unwrap_or_else(|| panic!("card model uses a bad tag {hex}"))
}

/// A primitive data object.
pub fn prim(t: &str, value: &[u8]) -> Tlv {
    Tlv::new(tag(t), Value::Primitive(value.to_vec())).unwrap_or_else(|e| panic!("tag {t}: {e}"))
}

/// A constructed data object (template).
pub fn cons(t: &str, inner: Vec<Tlv>) -> Tlv {
    Tlv::new(tag(t), Value::Constructed(inner)).unwrap_or_else(|e| panic!("tag {t}: {e}"))
}
