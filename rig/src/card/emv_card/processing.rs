//! GET PROCESSING OPTIONS (EMV Book 3, 6.5.8 and 10.1; PBOC 3.0 part 12,
//! 7 for qPBOC): on contact the AIP and AFL; on qPBOC the cryptogram too,
//! so one tap is the whole card side of the transaction.

use super::records::track2_equivalent;
use super::select::PPDOL;
use super::{EmvCard, Field, State, encode};
use crate::card::apdu::Response;
use crate::card::dol;
use crate::card::sw::Sw;
use crate::card::tlv::{cons, prim};
use crate::tags;
use std::collections::BTreeMap;

/// The command template (83) of GPO's data.
const COMMAND_TEMPLATE: u8 = 0x83;

impl EmvCard {
    pub(super) fn get_processing_options(&mut self, data: &[u8]) -> Response {
        let Some(app) = self.state.app() else {
            return Sw::CONDITIONS_NOT_SATISFIED.into();
        };
        // 83 L <PDOL data>
        let Some(pdol_data) = data
            .strip_prefix(&[COMMAND_TEMPLATE])
            .and_then(|d| d.split_first())
            .map(|(_, rest)| rest)
        else {
            return Sw::WRONG_LENGTH.into();
        };
        let (afl, aip) = (self.records.afl.clone(), self.records.aip);
        if self.field == Field::Contact {
            self.state = State::Initiated { app };
            return Response::ok(encode(&[cons(
                tags::RESPONSE_FORMAT_2,
                vec![prim(tags::AIP, &aip), prim(tags::AFL, &afl)],
            )]));
        }
        // qPBOC: the cryptogram comes back in the GPO.
        let pdol = hex::decode(PPDOL).unwrap_or_default();
        let Some(values) = dol::parse(&pdol).and_then(|d| dol::split(&d, pdol_data)) else {
            return Sw::WRONG_LENGTH.into();
        };
        let terminal: BTreeMap<String, Vec<u8>> = values.into_iter().collect();
        let decline = self.profile.behaviour.decline_with_aac;
        let Some((cid, cvr1, ac)) = self.first_cryptogram(app, &terminal, decline) else {
            return Sw::CONDITIONS_NOT_SATISFIED.into();
        };
        let t77 = cons(
            tags::RESPONSE_FORMAT_2,
            vec![
                prim(tags::AIP, &aip),
                prim(tags::AFL, &afl),
                prim(tags::TRACK2_EQUIVALENT, &track2_equivalent(&self.profile)),
                prim(tags::PSN, &hex::decode(&*self.profile.psn).unwrap_or_default()),
                prim(tags::IAD, &self.iad(cvr1)),
                prim(tags::CRYPTOGRAM, &ac),
                prim(tags::CID, &[cid]),
                prim(tags::ATC, &self.atc().to_be_bytes()),
                prim(tags::CTQ, &self.ctq()),
            ],
        );
        Response::ok(encode(&[t77]))
    }

    /// Card transaction qualifiers (9F6C): online PIN required / CDCVM performed.
    fn ctq(&self) -> [u8; 2] {
        let pin = self.profile.behaviour.online_pin_required && !self.is_phone();
        let cdcvm = self.is_phone();
        [if pin { 0x80 } else { 0x00 }, if cdcvm { 0x80 } else { 0x00 }]
    }
}
