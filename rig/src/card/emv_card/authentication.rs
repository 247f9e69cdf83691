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
        // The ICC dynamic number: new for every challenge (the ATC and a
        // hash of the terminal's number), 8 bytes.
        let atc = self.memory.get().atc.to_be_bytes();
        let mut hash = Sha1::new();
        hash.update(atc);
        hash.update(c.data);
        let mut number = atc.to_vec();
        number.extend_from_slice(&hash.finalize()[..6]);
        let signed = oda::signed_dynamic_data(icc, &number, c.data);
        Response::ok(encode(&[cons(
            tags::RESPONSE_FORMAT_2,
            vec![prim(tags::SIGNED_DYNAMIC_DATA, &signed)],
        )]))
    }
}
