//! Cardholder verification (EMV Book 3, 10.5 and Annex C3; Book 2, 7 for
//! the enciphered PIN; PBOC 3.0 part 5 follows the same rules): the card's
//! CVM list (8E) walked rule by rule against this purchase and the
//! terminal's CVM capabilities (9F33 byte 2); offline PIN keyed on the
//! terminal's keypad and sent in VERIFY, in plaintext or enciphered with
//! the ICC public key; the outcome in the CVM results (9F34), the TVR and
//! the TSI. vterm's own reading of the books, not rig's.

use crate::chip::{ChipError, ChipRead};
use crate::reader::CardSession;
use crate::tvr::tvr_bit::{
    CV_NOT_SUCCESSFUL, ICC_DATA_MISSING, PIN_NOT_ENTERED, PIN_TRY_LIMIT_EXCEEDED, UNRECOGNISED_CVM,
};
use crate::tvr::{TvrBit, set_tvr};
use num_bigint::BigUint;

/// TSI byte 1 bit 7: cardholder verification was performed (Annex C6).
const TSI_CV_PERFORMED: u8 = 0x40;
/// AIP byte 1 bit 5: the card supports cardholder verification.
const AIP_CVM: u8 = 0x10;

/// CVM results byte 3 (Annex A): unknown (signature, online PIN), failed, successful.
const UNKNOWN: u8 = 0x00;
const FAILED: u8 = 0x01;
const SUCCESSFUL: u8 = 0x02;
/// CVM results byte 1 when no CVM was performed.
const NO_CVM_PERFORMED: u8 = 0x3F;

/// CVM codes (Annex C3, Table 39), bits 6-1 of a rule's first byte.
const FAIL_CVM: u8 = 0x00;
const PLAINTEXT_PIN: u8 = 0x01;
const ONLINE_PIN: u8 = 0x02;
const PLAINTEXT_PIN_AND_SIGNATURE: u8 = 0x03;
const ENCIPHERED_PIN: u8 = 0x04;
const ENCIPHERED_PIN_AND_SIGNATURE: u8 = 0x05;
const SIGNATURE: u8 = 0x1E;
const NO_CVM: u8 = 0x1F;
/// Bit 7 of a rule's first byte: apply the next rule if this one fails.
const NEXT_IF_UNSUCCESSFUL: u8 = 0x40;

/// What the kernel decided the rest of the transaction must do.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// An online PIN is to be keyed and sent in field 52.
    pub online_pin: bool,
    /// The cardholder signs the slip.
    pub signature: bool,
}

/// What the cardholder is asked for: a PIN, with the tries the card says
/// are left after a wrong one.
pub struct PinPrompt {
    pub tries_left: Option<u8>,
}

/// Why cardholder verification stopped the transaction.
pub enum Stop<E> {
    /// The cardholder gave up (cancelled, the keypad timed out).
    Cardholder(E),
    Card(ChipError),
}

/// The terminal's CVM capabilities, 9F33 byte 2 (Annex A2).
fn supported(method: u8, capabilities: u8) -> bool {
    let plaintext = capabilities & 0x80 != 0;
    let online = capabilities & 0x40 != 0;
    let signature = capabilities & 0x20 != 0;
    let enciphered = capabilities & 0x10 != 0;
    let no_cvm = capabilities & 0x08 != 0;
    match method {
        FAIL_CVM => true,
        PLAINTEXT_PIN => plaintext,
        ONLINE_PIN => online,
        PLAINTEXT_PIN_AND_SIGNATURE => plaintext && signature,
        ENCIPHERED_PIN => enciphered,
        ENCIPHERED_PIN_AND_SIGNATURE => enciphered && signature,
        SIGNATURE => signature,
        NO_CVM => no_cvm,
        _ => false,
    }
}

fn recognised(method: u8) -> bool {
    matches!(
        method,
        FAIL_CVM
            | PLAINTEXT_PIN
            | ONLINE_PIN
            | PLAINTEXT_PIN_AND_SIGNATURE
            | ENCIPHERED_PIN
            | ENCIPHERED_PIN_AND_SIGNATURE
            | SIGNATURE
            | NO_CVM
    )
}

/// A rule's condition (Table 40) for a purchase of goods at an attended
/// POS with no cashback: amounts X and Y count only when the transaction's
/// currency is the application's.
fn condition_met(condition: u8, method: u8, capabilities: u8, amount: Option<(u64, u64, u64)>) -> bool {
    match condition {
        0x00 | 0x02 => true,
        0x03 => supported(method, capabilities),
        0x06 => amount.is_some_and(|(a, x, _)| a < x),
        0x07 => amount.is_some_and(|(a, x, _)| a > x),
        0x08 => amount.is_some_and(|(a, _, y)| a < y),
        0x09 => amount.is_some_and(|(a, _, y)| a > y),
        // Unattended cash, manual cash, cashback, and codes not understood.
        _ => false,
    }
}

fn number(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |n, &b| (n << 8) | u64::from(b))
}

/// The amount (fen) with the list's X and Y, when the currencies agree.
fn amounts(read: &ChipRead, list: &[u8]) -> Option<(u64, u64, u64)> {
    let same_currency = read.tags.contains_key("9F42") && read.tags.get("9F42") == read.tags.get("5F2A");
    let amount = read.tags.get("9F02").and_then(|a| hex::encode(a).parse().ok())?;
    same_currency.then(|| (amount, number(&list[0..4]), number(&list[4..8])))
}

/// Walks the CVM list. `enter_pin` asks the cardholder for an offline PIN
/// on the keypad. Sets 9F34, the TVR and TSI bits in `read.tags`.
pub fn verify<E>(
    card: &mut CardSession,
    read: &mut ChipRead,
    capabilities: u8,
    mut enter_pin: impl FnMut(PinPrompt) -> Result<String, E>,
) -> Result<Decision, Stop<E>> {
    let aip = read.tags.get("82").and_then(|a| a.first().copied()).unwrap_or(0);
    if aip & AIP_CVM == 0 {
        read.tags.insert("9F34".into(), vec![NO_CVM_PERFORMED, 0x00, UNKNOWN]);
        return Ok(Decision::default());
    }
    mark_tsi(read);
    let list = read.tags.get("8E").cloned().unwrap_or_default();
    if list.len() < 10 {
        // No list, or no rule in it (10.5).
        mark_tvr(read, ICC_DATA_MISSING);
        read.tags.insert("9F34".into(), vec![NO_CVM_PERFORMED, 0x00, UNKNOWN]);
        return Ok(Decision::default());
    }
    let amount = amounts(read, &list);
    let mut last_failed = None;
    for rule in list[8..].chunks_exact(2) {
        let (method, condition) = (rule[0] & 0x3F, rule[1]);
        if !condition_met(condition, method, capabilities, amount) {
            continue;
        }
        let outcome = if !recognised(method) {
            mark_tvr(read, UNRECOGNISED_CVM);
            None
        } else if !supported(method, capabilities) {
            None
        } else {
            perform(card, read, method, &mut enter_pin)?
        };
        match outcome {
            Some((result, decision)) => {
                read.tags.insert("9F34".into(), vec![rule[0], rule[1], result]);
                return Ok(decision);
            }
            None => {
                last_failed = Some([rule[0], rule[1], FAILED]);
                if rule[0] & NEXT_IF_UNSUCCESSFUL == 0 {
                    break;
                }
            }
        }
    }
    // No rule succeeded: the last one tried, failed, or none applied.
    mark_tvr(read, CV_NOT_SUCCESSFUL);
    let results = last_failed.unwrap_or([NO_CVM_PERFORMED, 0x00, FAILED]);
    read.tags.insert("9F34".into(), results.to_vec());
    Ok(Decision::default())
}

/// Performs a supported CVM: its result byte and what follows, or None
/// when it failed.
fn perform<E>(
    card: &mut CardSession,
    read: &mut ChipRead,
    method: u8,
    enter_pin: &mut impl FnMut(PinPrompt) -> Result<String, E>,
) -> Result<Option<(u8, Decision)>, Stop<E>> {
    let signature = matches!(
        method,
        PLAINTEXT_PIN_AND_SIGNATURE | ENCIPHERED_PIN_AND_SIGNATURE | SIGNATURE
    );
    let done = |result| {
        Some((
            result,
            Decision {
                online_pin: method == ONLINE_PIN,
                signature,
            },
        ))
    };
    Ok(match method {
        FAIL_CVM => None,
        ONLINE_PIN | SIGNATURE => done(UNKNOWN),
        NO_CVM => done(SUCCESSFUL),
        PLAINTEXT_PIN | PLAINTEXT_PIN_AND_SIGNATURE | ENCIPHERED_PIN | ENCIPHERED_PIN_AND_SIGNATURE => {
            let enciphered = matches!(method, ENCIPHERED_PIN | ENCIPHERED_PIN_AND_SIGNATURE);
            if offline_pin(card, read, enciphered, enter_pin)? {
                // With a signature to come, the outcome is not known yet.
                done(if signature { UNKNOWN } else { SUCCESSFUL })
            } else {
                None
            }
        }
        _ => None,
    })
}

/// Offline PIN (10.5.1): the PIN try counter first (none left: no
/// prompt), then VERIFY until the card accepts, refuses for good, or
/// blocks. True when the card accepted the PIN.
fn offline_pin<E>(
    card: &mut CardSession,
    read: &mut ChipRead,
    enciphered: bool,
    enter_pin: &mut impl FnMut(PinPrompt) -> Result<String, E>,
) -> Result<bool, Stop<E>> {
    let tries = exchange(card, &[0x80, 0xCA, 0x9F, 0x17, 0x00])?;
    if let (data, [0x90, 0x00]) = &tries {
        if crate::tlv::parse(data)
            .get("9F17")
            .is_some_and(|t| t.first() == Some(&0))
        {
            mark_tvr(read, PIN_TRY_LIMIT_EXCEEDED);
            return Ok(false);
        }
    }
    let key = if enciphered {
        match &read.icc_key {
            Some(key) => Some(key.clone()),
            // Without the ICC public key nothing can be enciphered (Book 2, 7.1).
            None => return Ok(false),
        }
    } else {
        None
    };
    let mut tries_left = None;
    loop {
        let pin = enter_pin(PinPrompt { tries_left }).map_err(Stop::Cardholder)?;
        if pin.is_empty() {
            // The cardholder bypassed PIN entry (10.5.1).
            mark_tvr(read, PIN_NOT_ENTERED);
            return Ok(false);
        }
        let Some(block) = pin_block(&pin) else {
            return Ok(false);
        };
        let (p2, data) = match &key {
            None => (0x80, block.to_vec()),
            Some((modulus, exponent)) => {
                let (challenge, sw) = exchange(card, &[0x00, 0x84, 0x00, 0x00, 0x00])?;
                if sw != [0x90, 0x00] || challenge.len() != 8 {
                    return Ok(false);
                }
                (0x88, encipher(&block, &challenge, modulus, exponent))
            }
        };
        let mut apdu = vec![0x00, 0x20, 0x00, p2, data.len() as u8];
        apdu.extend(data);
        match exchange(card, &apdu)?.1 {
            [0x90, 0x00] => return Ok(true),
            [0x63, left] if left & 0xF0 == 0xC0 && left & 0x0F > 0 => tries_left = Some(left & 0x0F),
            [0x63, _] | [0x69, 0x83] | [0x69, 0x84] => {
                mark_tvr(read, PIN_TRY_LIMIT_EXCEEDED);
                return Ok(false);
            }
            _ => return Ok(false),
        }
    }
}

fn exchange<E>(card: &mut CardSession, apdu: &[u8]) -> Result<(Vec<u8>, [u8; 2]), Stop<E>> {
    card.transmit(apdu).map_err(|_| Stop::Card(ChipError::Removed))
}

/// An ISO 9564 format 2 PIN block (Book 3, 6.5.12): 2, the length, the
/// digits, F padding.
fn pin_block(pin: &str) -> Option<[u8; 8]> {
    if !(4..=12).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nibbles = format!("2{:X}{pin:F<14}", pin.len());
    hex::decode(nibbles).ok()?.try_into().ok()
}

/// The enciphered PIN (Book 2, 7.1): 7F, the PIN block, the card's
/// challenge, random padding to the key's length, raised to the ICC's
/// public exponent.
fn encipher(block: &[u8; 8], challenge: &[u8], modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
    let mut plain = vec![0x7F];
    plain.extend_from_slice(block);
    plain.extend_from_slice(challenge);
    let mut padding = vec![0u8; modulus.len().saturating_sub(plain.len())];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut padding);
    }
    plain.extend(padding);
    let c = BigUint::from_bytes_be(&plain).modpow(&BigUint::from_bytes_be(exponent), &BigUint::from_bytes_be(modulus));
    let bytes = c.to_bytes_be();
    let mut out = vec![0u8; modulus.len().saturating_sub(bytes.len())];
    out.extend(bytes);
    out
}

fn mark_tvr(read: &mut ChipRead, bit: TvrBit) {
    let tvr = read.tags.entry("95".into()).or_insert_with(|| vec![0; 5]);
    tvr.resize(5, 0);
    set_tvr(tvr, bit);
}

fn mark_tsi(read: &mut ChipRead) {
    let tsi = read.tags.entry("9B".into()).or_insert_with(|| vec![0; 2]);
    tsi.resize(2, 0);
    tsi[0] |= TSI_CV_PERFORMED;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_2_pin_blocks() {
        assert_eq!(
            pin_block("1234"),
            Some([0x24, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        );
        assert_eq!(
            pin_block("123456789012"),
            Some([0x2C, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0xFF])
        );
        assert_eq!(pin_block("123"), None);
        assert_eq!(pin_block("12a4"), None);
    }

    #[test]
    fn conditions_for_a_purchase_at_an_attended_pos() {
        let amount = Some((5000, 10000, 20000));
        assert!(condition_met(0x00, NO_CVM, 0, None));
        assert!(!condition_met(0x01, NO_CVM, 0xFF, amount), "unattended cash");
        assert!(condition_met(0x03, SIGNATURE, 0x20, None));
        assert!(!condition_met(0x03, SIGNATURE, 0xD8, None));
        assert!(condition_met(0x06, SIGNATURE, 0, amount), "under X");
        assert!(!condition_met(0x07, SIGNATURE, 0, amount));
        assert!(condition_met(0x08, SIGNATURE, 0, amount), "under Y");
        assert!(!condition_met(0x06, SIGNATURE, 0, None), "another currency");
    }

    #[test]
    fn capabilities_say_which_methods_the_terminal_can_do() {
        // VT-1's 9F33 byte 2: plaintext, online, signature, enciphered, no CVM.
        for m in [
            PLAINTEXT_PIN,
            ONLINE_PIN,
            SIGNATURE,
            ENCIPHERED_PIN,
            NO_CVM,
            ENCIPHERED_PIN_AND_SIGNATURE,
        ] {
            assert!(supported(m, 0xF8), "{m:02X}");
        }
        // VT-2's: no signature.
        assert!(!supported(SIGNATURE, 0xD8) && !supported(PLAINTEXT_PIN_AND_SIGNATURE, 0xD8));
        assert!(!recognised(0x06) && !supported(0x06, 0xFF));
    }
}
