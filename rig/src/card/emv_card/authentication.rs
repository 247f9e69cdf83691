//! INTERNAL AUTHENTICATE (EMV Book 3, 6.5.9; Book 2, 6.5: dynamic data
//! authentication): the card signs the terminal's DDOL data and a dynamic
//! number of its own with its ICC key; the terminal checks the signature
//! with the ICC key it recovered from the card's certificates.

use super::{EmvCard, encode};
use crate::card::apdu::{Command, Response};
use crate::card::oda;
use crate::card::sw::Sw;
use crate::card::tlv::{cons, prim};
use crate::tags;
use sha1::{Digest, Sha1};

/// The DDOL's data: the terminal's unpredictable number (9F37, 4 bytes).
const DDOL_DATA_LEN: usize = 4;

impl EmvCard {
    pub(super) fn internal_authenticate(&mut self, c: &Command<'_>) -> Response {
        // A card without an ICC key offers no DDA (its AIP says so).
        let Some(icc) = &self.records.icc else {
            return Sw::INS_NOT_SUPPORTED.into();
        };
        if (c.p1, c.p2) != (0, 0) {
            return Sw::INCORRECT_P1_P2.into();
        }
        if c.data.len() != DDOL_DATA_LEN {
            return Sw::WRONG_LENGTH.into();
        }
        let number = self.dynamic_number(c.data);
        let mut signed = oda::signed_dynamic_data(icc, &oda::dynamic_number_field(&number), c.data);
        if self.profile.behaviour.broken_oda == Some(crate::config::card::BrokenOda::DynamicSignature) {
            super::records::spoil(&mut signed);
        }
        self.cvr.set(super::cvr::bit::DDA_PERFORMED);
        Response::ok(encode(&[cons(
            tags::RESPONSE_FORMAT_2,
            vec![prim(tags::SIGNED_DYNAMIC_DATA, &signed)],
        )]))
    }

    /// The ICC dynamic number of one signature (DDA, CDA, fDDA): new for
    /// every terminal number, 8 bytes: the ATC and a hash of the terminal's number.
    pub(super) fn dynamic_number(&self, terminal_number: &[u8]) -> [u8; 8] {
        let atc = self.memory.get().atc.to_be_bytes();
        let mut hash = Sha1::new();
        hash.update(atc);
        hash.update(terminal_number);
        let mut number = [0u8; 8];
        number[..2].copy_from_slice(&atc);
        number[2..].copy_from_slice(&hash.finalize()[..6]);
        number
    }
}
