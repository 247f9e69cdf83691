//! Offline PIN (EMV Book 3, 6.5.12 VERIFY and 6.5.6 GET CHALLENGE; Book 2,
//! 7 for the enciphered PIN): the card checks the PIN itself and keeps the
//! PIN try counter in its memory (9F17), so tries used in one presentation
//! stay used in the next.
//!
//! VERIFY's P2 says how the PIN comes: 80 a plaintext PIN block, 88 a PIN
//! block enciphered with the ICC key (7F || PIN block || the card's last
//! challenge || padding, N_IC bytes). A PIN block (format 2) is C N P P ...
//! F F: control 2, N the PIN's length (4-12), the digits, F padding.

use super::EmvCard;
use super::cvr::bit;
use crate::card::apdu::{Command, Response};
use crate::card::sw::Sw;

const PLAINTEXT: u8 = 0x80;
const ENCIPHERED: u8 = 0x88;
/// The header of an enciphered PIN's plaintext (Book 2, 7.1).
const ENCIPHERED_HEADER: u8 = 0x7F;
const PIN_BLOCK_LEN: usize = 8;

/// The PIN of a format-2 PIN block, `None` when the block is not one.
pub(super) fn pin_of(block: &[u8]) -> Option<String> {
    let (&control, rest) = block.split_first()?;
    let n = usize::from(control & 0x0F);
    if control >> 4 != 2 || !(4..=12).contains(&n) || rest.len() != PIN_BLOCK_LEN - 1 {
        return None;
    }
    let nibbles = hex::encode_upper(rest);
    let (digits, pad) = nibbles.split_at(n);
    (digits.bytes().all(|b| b.is_ascii_digit()) && pad.bytes().all(|b| b == b'F')).then(|| digits.to_string())
}

impl EmvCard {
    pub(super) fn get_challenge(&mut self, c: &Command<'_>) -> Response {
        if (c.p1, c.p2) != (0, 0) {
            return Sw::INCORRECT_P1_P2.into();
        }
        let challenge: [u8; 8] = rand::random();
        self.challenge = Some(challenge);
        Response::ok(challenge.to_vec())
    }

    pub(super) fn verify(&mut self, c: &Command<'_>) -> Response {
        if c.p1 != 0 {
            return Sw::INCORRECT_P1_P2.into();
        }
        let block = match c.p2 {
            PLAINTEXT if c.data.len() == PIN_BLOCK_LEN => c.data.to_vec(),
            PLAINTEXT => return Sw::WRONG_LENGTH.into(),
            ENCIPHERED => match self.deciphered_pin_block(c.data) {
                Ok(block) => block,
                Err(sw) => return sw.into(),
            },
            _ => return Sw::INCORRECT_P1_P2.into(),
        };
        let Some(pin) = pin_of(&block) else {
            return Sw::WRONG_DATA.into();
        };
        // The CVR tells the issuer what offline PIN came to (cvr.rs).
        self.cvr.set(bit::OFFLINE_PIN_PERFORMED);
        let mut memory = self.memory.get();
        if memory.pin_tries == 0 {
            self.cvr.set(bit::OFFLINE_PIN_FAILED);
            self.cvr.set(bit::PIN_TRY_LIMIT_EXCEEDED);
            return Sw::AUTH_METHOD_BLOCKED.into();
        }
        // A PIN change script's new PIN, else the personalised one.
        let current = memory.pin.clone().unwrap_or_else(|| self.profile.issuer.pin.clone());
        if pin == current {
            memory.pin_tries = self.profile.issuer.pin_tries;
            return Sw::OK.into();
        }
        memory.pin_tries -= 1;
        self.cvr.set(bit::OFFLINE_PIN_FAILED);
        if memory.pin_tries == 0 {
            self.cvr.set(bit::PIN_TRY_LIMIT_EXCEEDED);
        }
        Sw::tries_left(memory.pin_tries).into()
    }

    /// The PIN block inside an enciphered PIN: deciphered with the ICC
    /// private key, its header and the card's challenge checked (a
    /// challenge serves once).
    fn deciphered_pin_block(&mut self, data: &[u8]) -> Result<Vec<u8>, Sw> {
        let Some(icc) = &self.records.icc else {
            return Err(Sw::INCORRECT_P1_P2);
        };
        if data.len() != icc.modulus_len() {
            return Err(Sw::WRONG_LENGTH);
        }
        let Some(challenge) = self.challenge.take() else {
            return Err(Sw::CONDITIONS_NOT_SATISFIED);
        };
        let plain = icc.sign(data);
        let block = plain.get(1..1 + PIN_BLOCK_LEN).unwrap_or_default();
        let echoed = plain.get(1 + PIN_BLOCK_LEN..1 + PIN_BLOCK_LEN + 8).unwrap_or_default();
        if plain.first() != Some(&ENCIPHERED_HEADER) || echoed != challenge {
            return Err(Sw::WRONG_DATA);
        }
        Ok(block.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::pin_of;

    #[test]
    fn format_2_pin_blocks() {
        assert_eq!(
            pin_of(&hex::decode("26123456FFFFFFFF").unwrap()).as_deref(),
            Some("123456")
        );
        assert_eq!(
            pin_of(&hex::decode("241234FFFFFFFFFF").unwrap()).as_deref(),
            Some("1234")
        );
        assert_eq!(pin_of(&hex::decode("16123456FFFFFFFF").unwrap()), None, "control 1");
        assert_eq!(pin_of(&hex::decode("23123FFFFFFFFFFF").unwrap()), None, "3 digits");
        assert_eq!(pin_of(&hex::decode("2612345AFFFFFFFF").unwrap()), None, "a non-digit");
        assert_eq!(pin_of(&hex::decode("26123456FFFFFF0F").unwrap()), None, "bad padding");
    }
}
