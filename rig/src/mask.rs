//! Masking of cardholder data and keys at the sinks (trace, reports, logs).
//! The timeline keeps clear values for the steps; nothing leaves unmasked.

use crate::events::{Event, Kind};
use regex::Regex;
use std::sync::LazyLock;

/// Fields of the dialect that carry PAN, tracks, PIN blocks or keys.
const SENSITIVE_FIELDS: [u8; 5] = [2, 35, 36, 52, 62];

/// First 6 and last 4 digits kept, the rest starred (the PCI display rule).
pub fn pan(pan: &str) -> String {
    let n = pan.chars().count();
    if n < 13 {
        return "*".repeat(n);
    }
    let head: String = pan.chars().take(6).collect();
    let tail: String = pan.chars().skip(n - 4).collect();
    format!("{head}{}{tail}", "*".repeat(n - 10))
}

/// Track data: the PAN masked, everything after the separator starred.
pub fn track(track: &str) -> String {
    match track.split_once(['=', 'D']) {
        Some((p, rest)) => format!("{}={}", pan(p), "*".repeat(rest.len())),
        None => "*".repeat(track.len()),
    }
}

static PAN_IN_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[3-6]\d{12,18}\b").unwrap_or_else(|e| panic!("{e}")));

/// The Luhn check every card number passes.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c.wrapping_sub(b'0'));
        if d > 9 {
            return false;
        }
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// Masks anything in free text that looks like a PAN: 13-19 digits with a
/// card scheme's first digit (3-6) that pass the Luhn check. Merchant numbers,
/// amounts and trace numbers stay readable.
pub fn text(s: &str) -> String {
    PAN_IN_TEXT
        .replace_all(s, |c: &regex::Captures<'_>| {
            if luhn_valid(&c[0]) {
                pan(&c[0])
            } else {
                c[0].to_string()
            }
        })
        .into_owned()
}

/// A host message field value as a sink may show it.
pub fn field(no: u8, value: &str) -> String {
    match no {
        2 => pan(value),
        35 | 36 => track(value),
        _ if SENSITIVE_FIELDS.contains(&no) => "*".repeat(value.len().min(16)),
        _ => value.to_string(),
    }
}

/// The event as a sink may record it.
pub fn event(e: &Event) -> Event {
    let mut e = e.clone();
    e.kind = match e.kind {
        Kind::ConsoleLine { line } => Kind::ConsoleLine { line: text(&line) },
        Kind::Display { line, text: t } => Kind::Display {
            line: text(&line),
            text: text(&t),
        },
        Kind::Print { line, text: t } => Kind::Print {
            line: text(&line),
            text: text(&t),
        },
        Kind::CodeShown { code } => Kind::CodeShown { code: pan(&code) },
        Kind::Swipe { track2, track3 } => Kind::Swipe {
            track2: track(&track2),
            track3: track3.map(|t| track(&t)),
        },
        Kind::HostReceived { mti, txn, fields, raw } => Kind::HostReceived {
            mti,
            txn,
            fields: mask_fields(fields),
            raw: masked_raw(&raw),
        },
        Kind::HostSent { mti, txn, fields, raw } => Kind::HostSent {
            mti,
            txn,
            fields: mask_fields(fields),
            raw: masked_raw(&raw),
        },
        other => other,
    };
    e
}

fn mask_fields(fields: Vec<(u8, String)>) -> Vec<(u8, String)> {
    fields.into_iter().map(|(no, v)| (no, field(no, &v))).collect()
}

/// Raw frames carry the PAN and PIN block in BCD / binary: only the length is kept.
fn masked_raw(raw: &str) -> String {
    format!("[{} bytes]", raw.len() / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pan_keeps_first_six_and_last_four() {
        assert_eq!(pan("6222021234567890128"), "622202*********0128");
        assert_eq!(pan("123"), "***");
    }

    #[test]
    fn track_hides_everything_after_the_separator() {
        assert_eq!(track("6222021234567890=29121011234"), "622202******7890=***********");
    }

    #[test]
    fn free_text_pans_are_masked() {
        assert_eq!(
            text("card 6222021234567890128 ok, stan 000123"),
            "card 622202*********0128 ok, stan 000123"
        );
        // A merchant number and a non-Luhn digit run stay as they are.
        assert_eq!(
            text("MID 898310048990001 n 6222021234567890"),
            "MID 898310048990001 n 6222021234567890"
        );
    }

    #[test]
    fn keys_and_pin_blocks_are_starred() {
        assert_eq!(field(52, "1FD5DAE1829B30B3"), "****************");
        assert_eq!(field(4, "000000010000"), "000000010000");
    }
}
