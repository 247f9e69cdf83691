//! What is sensitive, per kind of data: the one list every sink uses.
//! Each kind says which characters stay readable; masking never changes a
//! length or an encoding, so masked data still parses where it is.

use serde::Serialize;

/// A kind of sensitive data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataKind {
    /// A card number (or a 云闪付 token PAN): first 6 and last 4 digits stay (PCI DSS 3.4).
    Pan,
    /// Track 1, 2 or 3 data (and the chip's track 2 equivalent): its PAN as a
    /// PAN, everything after the first separator hidden.
    Track,
    /// The cardholder's name (chip tags 5F20, 9F0B), track 1 discretionary data.
    CardholderName,
    /// A PIN as keyed, or the clear PIN block of an offline VERIFY.
    Pin,
    /// An enciphered PIN block (field 52).
    PinBlock,
    /// Working keys, key blocks and master keys.
    Key,
    /// A customer's payment code (付款码): a bearer token. Its first 2
    /// digits (the wallet) and last 4 stay.
    PaymentCode,
    /// The order code of a dynamic QR (主扫): what the customer's wallet pays.
    /// Up to its last '/' and its last 4 characters stay.
    OrderCode,
}

/// How many leading and trailing characters of `s` stay readable.
fn kept(kind: DataKind, s: &str) -> (usize, usize) {
    let n = s.chars().count();
    match kind {
        DataKind::Pan if n >= 13 => (6, 4),
        DataKind::PaymentCode if n >= 10 => (2, 4),
        DataKind::OrderCode => {
            let head = s.rfind('/').map_or(0, |i| s[..=i].chars().count());
            (head, 4.min(n.saturating_sub(head)))
        }
        _ => (0, 0),
    }
}

/// Masks `s` with `fill`, keeping what `kind` keeps. Track data keeps its
/// separator (`=`, `D` or `^`) and pad nibbles `F`, so it still reads as a track.
pub fn mask_chars(kind: DataKind, s: &str, fill: char) -> String {
    if kind == DataKind::Track {
        return match s.find(['=', 'D', '^']) {
            Some(at) => {
                let (pan_part, rest) = s.split_at(at);
                // Track 1 starts with its format code ("B"): it stays.
                let (code, pan) = match pan_part.strip_prefix(['B', '%']) {
                    Some(p) => (&pan_part[..pan_part.len() - p.len()], p),
                    None => ("", pan_part),
                };
                let sep = &rest[..1];
                let tail: String = rest[1..]
                    .chars()
                    .map(|c| if matches!(c, 'F' | '^' | '?') { c } else { fill })
                    .collect();
                format!("{code}{}{sep}{tail}", mask_chars(DataKind::Pan, pan, fill))
            }
            None => mask_chars(DataKind::Pan, s, fill),
        };
    }
    // The pad nibbles of chip data (5A) are structure, not data.
    let (s, pad) = match kind {
        DataKind::Pan => s.split_at(s.trim_end_matches('F').len()),
        _ => (s, ""),
    };
    let (head, tail) = kept(kind, s);
    let n = s.chars().count();
    let masked: String = s
        .chars()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { c } else { fill })
        .collect();
    masked + pad
}

/// Masks ASCII text in place with `*` (text that is not ASCII goes whole).
pub fn ascii_in_place(kind: DataKind, value: &mut [u8]) {
    let text = String::from_utf8_lossy(value).into_owned();
    let masked = mask_chars(kind, &text, '*');
    if masked.len() == value.len() {
        value.copy_from_slice(masked.as_bytes());
    } else {
        value.fill(b'*');
    }
}

/// Masks BCD data in place: `mask` gets its nibbles as hex and gives them
/// back masked (same length, or the value is zeroed whole).
pub fn nibbles_in_place(value: &mut [u8], mask: impl FnOnce(&str) -> String) {
    let masked = mask(&hex::encode_upper(&*value));
    match hex::decode(masked) {
        Ok(bytes) if bytes.len() == value.len() => value.copy_from_slice(&bytes),
        _ => value.fill(0),
    }
}

/// How a person reads masked data: hidden characters as `*`.
pub fn shown(kind: DataKind, s: &str) -> String {
    mask_chars(kind, s, '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pan_keeps_its_first_six_and_last_four_digits() {
        assert_eq!(shown(DataKind::Pan, "6222021234567890128"), "622202*********0128");
        assert_eq!(
            mask_chars(DataKind::Pan, "6222021234567890128", '0'),
            "6222020000000000128"
        );
        // The chip's PAN with its pad nibble (tag 5A).
        assert_eq!(
            mask_chars(DataKind::Pan, "6222021234567890128F", '0'),
            "6222020000000000128F"
        );
        assert_eq!(shown(DataKind::Pan, "123"), "***");
    }

    #[test]
    fn track_data_keeps_its_separator_and_hides_all_after_it() {
        assert_eq!(
            shown(DataKind::Track, "6222021234567890=29121011234"),
            "622202******7890=***********"
        );
        assert_eq!(
            mask_chars(DataKind::Track, "6222021234567890128D29122201234F", '0'),
            "6222020000000000128D00000000000F"
        );
        assert_eq!(
            shown(DataKind::Track, "B6222021234567890128^ZHANG/SAN^2912101"),
            "B622202*********0128^*********^*******"
        );
    }

    #[test]
    fn a_payment_code_keeps_its_wallet_and_last_four() {
        assert_eq!(shown(DataKind::PaymentCode, "134567890123456789"), "13************6789");
    }

    #[test]
    fn an_order_code_keeps_its_address() {
        assert_eq!(
            shown(DataKind::OrderCode, "https://qr.rig.test/o/170222000001"),
            "https://qr.rig.test/o/********0001"
        );
    }

    #[test]
    fn pins_names_and_keys_are_hidden_whole() {
        for kind in [
            DataKind::Pin,
            DataKind::PinBlock,
            DataKind::Key,
            DataKind::CardholderName,
        ] {
            assert_eq!(shown(kind, "123456"), "******");
        }
    }
}
