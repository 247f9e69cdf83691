//! The independent test vectors the rig's tests use too (rig/tests/vectors/,
//! each file made by a script there from a PyPI implementation: psec and
//! pycryptodome for crypto, pyiso8583 for the codec, pyemv for EMV and TLV).

use std::collections::BTreeMap;

/// `name value` lines of a vector file.
fn parse(text: &str) -> BTreeMap<&str, &str> {
    text.lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k, v.trim()))
        .collect()
}

pub fn crypto() -> BTreeMap<&'static str, &'static str> {
    parse(include_str!("../../../rig/tests/vectors/crypto_vectors.txt"))
}

pub fn codec() -> BTreeMap<&'static str, &'static str> {
    parse(include_str!("../../../rig/tests/vectors/codec_vectors.txt"))
}

pub fn emv() -> BTreeMap<&'static str, &'static str> {
    parse(include_str!("../../../rig/tests/vectors/emv_vectors.txt"))
}

pub fn tlv() -> BTreeMap<&'static str, &'static str> {
    parse(include_str!("../../../rig/tests/vectors/tlv_vectors.txt"))
}

pub fn bytes(hex_text: &str) -> Vec<u8> {
    hex::decode(hex_text).unwrap_or_else(|e| panic!("vector {hex_text}: {e}"))
}
