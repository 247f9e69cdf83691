//! Issuer script commands (EMV Book 3, 10.10 and 6.5; Book 2, 9.2 for
//! secure messaging; PBOC 3.0 part 5, 7.4.7), sent by the terminal from
//! templates 71 and 72 with secure messaging (CLA 84): the last four bytes
//! of the data are a MAC over the header, the ATC, this transaction's ARQC
//! and the plain data, under the card's script integrity session key
//! (`emv::script_mac`). A wrong MAC answers 6988 and changes nothing; what
//! a command changes is the card's lasting memory, so the next
//! transaction meets it (a blocked application answers SELECT with 6283).

use super::EmvCard;
use crate::card::apdu::{Command, Response};
use crate::card::memory::Lifecycle;
use crate::card::sw::Sw;
use crate::emv::{self, SCRIPT_MAC_LEN, ScriptKey, SessionKeyDerivation};
use crate::instructions::{
    APPLICATION_BLOCK, APPLICATION_UNBLOCK, CARD_BLOCK, PIN_CHANGE_UNBLOCK, PUT_DATA, UPDATE_RECORD,
};

/// PIN CHANGE / UNBLOCK's P2 (Book 3, 6.5.10): 00 unblocks; 02 carries a
/// new PIN (enciphered, `emv::PIN_CHANGE_NEW_PIN`); 01 (with the current
/// PIN as well) this card does not take.
const PIN_UNBLOCK_ONLY: u8 = 0x00;

impl EmvCard {
    pub(super) fn script(&mut self, c: &Command) -> Response {
        let sw = self.run_script(c);
        let mut memory = self.memory.get();
        memory.scripts_processed = memory.scripts_processed.saturating_add(1);
        if sw != Sw::OK {
            memory.script_failed = true;
        }
        sw.into()
    }

    fn run_script(&mut self, c: &Command) -> Sw {
        let Some(plain) = self.mac_checked(c) else {
            return Sw::SECURE_MESSAGING_WRONG;
        };
        let pin_tries = self.profile.issuer.pin_tries;
        // Deciphered before the memory is taken: the session key needs the ATC.
        let new_pin = (c.ins == PIN_CHANGE_UNBLOCK && c.p2 == emv::PIN_CHANGE_NEW_PIN)
            .then(|| self.new_pin(plain))
            .flatten();
        let mut memory = self.memory.get();
        match c.ins {
            PIN_CHANGE_UNBLOCK if c.p1 == 0 && c.p2 == PIN_UNBLOCK_ONLY && plain.is_empty() => {
                memory.pin_tries = pin_tries;
            }
            PIN_CHANGE_UNBLOCK if c.p1 == 0 && c.p2 == emv::PIN_CHANGE_NEW_PIN => {
                let Some(pin) = new_pin else {
                    return Sw::WRONG_DATA;
                };
                memory.pin = Some(pin);
                memory.pin_tries = pin_tries;
            }
            PIN_CHANGE_UNBLOCK => return Sw::FUNCTION_NOT_SUPPORTED,
            APPLICATION_BLOCK => {
                if memory.lifecycle == Lifecycle::Active {
                    memory.lifecycle = Lifecycle::ApplicationBlocked;
                }
            }
            APPLICATION_UNBLOCK => {
                if memory.lifecycle == Lifecycle::ApplicationBlocked {
                    memory.lifecycle = Lifecycle::Active;
                }
            }
            CARD_BLOCK => memory.lifecycle = Lifecycle::CardBlocked,
            PUT_DATA => {
                memory.written.insert(hex::encode_upper([c.p1, c.p2]), plain.to_vec());
            }
            // P2: the SFI in its high five bits and 100; the record must exist.
            UPDATE_RECORD if c.p2 & 0x07 == 0x04 => {
                let at = (c.p2 >> 3, c.p1);
                if !self.records.files.contains_key(&at) && !memory.records.contains_key(&at) {
                    return Sw::RECORD_NOT_FOUND;
                }
                memory.records.insert(at, plain.to_vec());
            }
            UPDATE_RECORD => return Sw::INCORRECT_P1_P2,
            _ => return Sw::INS_NOT_SUPPORTED,
        }
        Sw::OK
    }

    /// The new PIN of a PIN change: its block deciphered under the
    /// confidentiality session key of this transaction's ATC.
    fn new_pin(&self, enciphered: &[u8]) -> Option<String> {
        let imk = self.profile.issuer.script_confidentiality_key()?;
        let udk = emv::card_key(imk.bytes(), &self.profile.pan, &self.profile.psn).ok()?;
        let sk = emv::session_key(&udk, self.atc().to_be_bytes(), SessionKeyDerivation::Pboc).ok()?;
        super::pin::pin_of(&emv::decipher_script_data(&sk, enciphered)?)
    }

    /// The command's plain data when its MAC verifies under this
    /// transaction's ATC and ARQC; None otherwise (no ARQC, no key, no MAC).
    fn mac_checked<'c>(&self, c: &Command<'c>) -> Option<&'c [u8]> {
        let arqc = self.arqc?;
        let imk = self.profile.issuer.script_integrity_key()?;
        let split = c.data.len().checked_sub(SCRIPT_MAC_LEN)?;
        let (plain, mac) = c.data.split_at(split);
        let header = [c.cla, c.ins, c.p1, c.p2, u8::try_from(c.data.len()).ok()?];
        let key = ScriptKey {
            imk_smi: imk.bytes(),
            imk_smc: imk.bytes(),
            pan: &self.profile.pan,
            psn: &self.profile.psn,
            derivation: SessionKeyDerivation::Pboc,
        };
        let expected = emv::script_mac(&key, self.atc().to_be_bytes(), arqc, header, plain).ok()?;
        (expected[..] == *mac).then_some(plain)
    }
}
