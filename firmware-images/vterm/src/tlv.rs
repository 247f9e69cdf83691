//! The terminal's own BER-TLV handling (just what an EMV kernel needs).

use std::collections::BTreeMap;

fn tag_len(data: &[u8], i: usize) -> Option<usize> {
    let mut end = i + 1;
    if data.get(i)? & 0x1F == 0x1F {
        while data.get(end)? & 0x80 != 0 {
            end += 1;
        }
        end += 1;
    }
    Some(end - i)
}

fn length(data: &[u8], i: usize) -> Option<(usize, usize)> {
    let first = *data.get(i)?;
    if first < 0x80 {
        return Some((usize::from(first), 1));
    }
    let n = usize::from(first & 0x7F);
    // EMV lengths take at most 3 bytes after 0x8n; more would overflow
    // (a hostile card's 0xFF... length, found by fuzzing vterm_tlv).
    if n > 4 {
        return None;
    }
    let mut len = 0usize;
    for k in 0..n {
        len = (len << 8) | usize::from(*data.get(i + 1 + k)?);
    }
    Some((len, n + 1))
}

/// Every primitive data object, templates opened; later tags win.
pub fn parse(data: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    walk(data, &mut out, &mut Vec::new());
    out
}

/// The value of the one object `data` starts with (a record's template
/// 70: what offline data authentication signs of it).
pub fn first_value(data: &[u8]) -> Option<&[u8]> {
    let t = tag_len(data, 0)?;
    let (len, n) = length(data, t)?;
    data.get(t + n..t + n + len)
}

/// The entries of a directory (61 templates): (AID, label, priority).
pub fn directory(data: &[u8]) -> Vec<(Vec<u8>, String, u8)> {
    let mut entries = Vec::new();
    walk(data, &mut BTreeMap::new(), &mut entries);
    entries
}

fn walk(data: &[u8], out: &mut BTreeMap<String, Vec<u8>>, entries: &mut Vec<(Vec<u8>, String, u8)>) {
    let mut i = 0;
    while i < data.len() {
        if data[i] == 0x00 || data[i] == 0xFF {
            i += 1;
            continue;
        }
        let Some(tl) = tag_len(data, i) else { return };
        let Some((len, ll)) = length(data, i + tl) else { return };
        let start = i + tl + ll;
        let Some(value) = start.checked_add(len).and_then(|end| data.get(start..end)) else {
            return;
        };
        let tag = hex::encode_upper(&data[i..i + tl]);
        if data[i] & 0x20 != 0 {
            if tag == "61" {
                let e = parse(value);
                let aid = e.get("4F").cloned().unwrap_or_default();
                let label = String::from_utf8_lossy(e.get("50").map(Vec::as_slice).unwrap_or_default()).into_owned();
                // The whole indicator (bit 8: confirmation required; bits
                // 4-1: the priority, 0 none); absent, no priority.
                let priority = e.get("87").and_then(|p| p.first().copied()).unwrap_or(0);
                entries.push((aid, label, priority));
            }
            walk(value, out, entries);
        } else {
            out.insert(tag, value.to_vec());
        }
        i = start + len;
    }
}

/// One primitive data object.
pub fn encode(tag: &str, value: &[u8]) -> Vec<u8> {
    let mut out = hex::decode(tag).unwrap_or_default();
    if value.len() < 0x80 {
        out.push(value.len() as u8);
    } else {
        out.push(0x81);
        out.push(value.len() as u8);
    }
    out.extend_from_slice(value);
    out
}

/// (tag, length) pairs of a data object list.
pub fn dol(data: &[u8]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let Some(tl) = tag_len(data, i) else { break };
        let Some(&len) = data.get(i + tl) else { break };
        out.push((hex::encode_upper(&data[i..i + tl]), usize::from(len)));
        i += tl + 1;
    }
    out
}

/// The objects inside the template `data` starts with (a GENERATE AC's
/// 77), in their order, each as (tag, value): what CDA's hash covers.
pub fn items(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let body = first_value(data).unwrap_or_default();
    let mut i = 0;
    while let Some(tl) = tag_len(body, i) {
        let Some((len, ll)) = length(body, i + tl) else { break };
        let start = i + tl + ll;
        let Some(value) = start.checked_add(len).and_then(|end| body.get(start..end)) else {
            break;
        };
        out.push((hex::encode_upper(&body[i..i + tl]), value.to_vec()));
        i = start + len;
    }
    out
}

/// A tag list (9F4A): tags without lengths.
pub fn tag_list(data: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(tl) = tag_len(data, i).filter(|tl| i + tl <= data.len()) {
        out.push(hex::encode_upper(&data[i..i + tl]));
        i += tl;
    }
    out
}

/// One issuer script: template (71 or 72), script id (9F18), command APDUs (86).
/// An issuer script: its template tag, its identifier (9F18) and its commands (86).
pub type Script = (u8, Vec<u8>, Vec<Vec<u8>>);

/// Issuer script templates (EMV Book 3, 10.10): 71 runs before the final
/// GENERATE AC, 72 after it.
pub const SCRIPT_BEFORE_FINAL_AC: u8 = 0x71;
pub const SCRIPT_AFTER_FINAL_AC: u8 = 0x72;

/// Issuer scripts of an answer's field 55.
pub fn scripts(data: &[u8]) -> Vec<Script> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let Some(tl) = tag_len(data, i) else { break };
        let Some((len, ll)) = length(data, i + tl) else { break };
        let start = i + tl + ll;
        let Some(value) = data.get(start..start + len) else {
            break;
        };
        if tl == 1 && (data[i] == SCRIPT_BEFORE_FINAL_AC || data[i] == SCRIPT_AFTER_FINAL_AC) {
            let mut id = Vec::new();
            let mut commands = Vec::new();
            let mut k = 0;
            while k < value.len() {
                let Some(t) = tag_len(value, k) else { break };
                let Some((l, n)) = length(value, k + t) else { break };
                let v = value.get(k + t + n..k + t + n + l).unwrap_or_default().to_vec();
                match &value[k..k + t] {
                    [0x9F, 0x18] => id = v,
                    [0x86] => commands.push(v),
                    _ => {}
                }
                k += t + n + l;
            }
            out.push((data[i], id, commands));
        }
        i = start + len;
    }
    out
}

#[cfg(test)]
mod tests {
    //! Against rig/tests/vectors/tlv_vectors.txt, encoded by pyemv 1.5.0 (PyPI).
    use super::*;
    use crate::vectors::{bytes, tlv};

    #[test]
    fn a_length_too_long_for_memory_ends_the_walk_instead_of_overflowing() {
        // 5A, then a length of eight 0xFF bytes: no such value can follow.
        let hostile = [0x5A, 0x88, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
        assert!(parse(&hostile).is_empty());
        // 5A with a 4-byte length near usize::MAX on 32-bit targets.
        assert!(parse(&[0x5A, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]).is_empty());
    }

    #[test]
    fn primitives_encode_as_pyemv_encodes_them() {
        let v = tlv();
        assert_eq!(
            hex::encode_upper(encode("5A", &bytes("6222021234567890128F"))),
            v["prim_5A"]
        );
        assert_eq!(
            hex::encode_upper(encode("9F26", &bytes("F2296AB9717D2AC0"))),
            v["prim_9F26"]
        );
        // 200 bytes: the two-byte length form 81 C8.
        let long: Vec<u8> = (0..200u8).collect();
        assert_eq!(hex::encode_upper(encode("9F4B", &long)), v["prim_long_9F4B"]);
    }

    #[test]
    fn a_record_template_opens_to_its_objects() {
        let tags = parse(&bytes(tlv()["record"]));
        assert_eq!(hex::encode_upper(&tags["5A"]), "6222021234567890128F");
        assert_eq!(hex::encode_upper(&tags["57"]), "6222021234567890128D29122201234F");
        assert_eq!(tags["5F20"], b"ZHANG/SAN ");
        assert_eq!(hex::encode_upper(&tags["5F24"]), "291231");
        assert!(!tags.contains_key("70"), "templates are opened, not kept");
    }

    #[test]
    fn nested_templates_and_long_tags_are_walked() {
        let tags = parse(&bytes(tlv()["fci"]));
        assert_eq!(hex::encode_upper(&tags["84"]), "A000000333010101");
        assert_eq!(tags["50"], b"UnionPay Debit");
        assert_eq!(
            hex::encode_upper(&tags["9F4D"]),
            "0B0A",
            "inside BF0C inside A5 inside 6F"
        );
    }

    #[test]
    fn a_dol_lists_tags_and_lengths() {
        let tags = parse(&bytes(tlv()["record"]));
        assert_eq!(
            dol(&tags["8C"]),
            [
                ("9F02", 6),
                ("9F03", 6),
                ("9F1A", 2),
                ("95", 5),
                ("5F2A", 2),
                ("9A", 3),
                ("9C", 1),
                ("9F37", 4)
            ]
            .map(|(t, l)| (t.to_string(), l))
            .to_vec()
        );
    }

    #[test]
    fn truncated_data_stops_the_walk_without_a_panic() {
        let whole = bytes(tlv()["fci"]);
        for cut in 1..whole.len() {
            let _ = parse(&whole[..cut]);
        }
    }
}
