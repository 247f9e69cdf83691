//! The card's files (EMV Book 3, 5 and 10.2; PBOC 3.0 part 5, Annex B):
//! built once from the card file, read with READ RECORD by SFI and number.
//! SFI 1 is the contact directory; SFI 2 and 3 the application's data.

use super::{EmvCard, Field, State, bcd, encode};
use crate::card::apdu::Response;
use crate::card::sw::Sw;
use crate::card::tlv::{cons, prim};
use crate::config::card::CardProfile;
use crate::tags;
use std::collections::BTreeMap;

/// CDOL1: exactly the terminal data an ARQC covers (emv.md), in that order.
pub(super) const CDOL1: &str = "9F02069F03069F1A0295055F2A029A039C019F3704";
/// CDOL2: issuer authentication data (ARPC || ARC), ARC, then the terminal
/// data the TC / AAC covers as the terminal now gives it (emv.md, EMV Book 2 8.1).
pub(super) const CDOL2: &str = "910A8A029F02069F03069F1A0295055F2A029A039C019F3704";
/// CVM list (EMV Book 3, 10.5 and Annex C3): amounts X and Y zero, online
/// PIN (02) if the terminal supports it (03), then no CVM required (1F)
/// always (00).
const CVM_LIST: &str = "000000000000000002031F00";

/// The records by (SFI, record number).
pub(super) struct Records(BTreeMap<(u8, u8), Vec<u8>>);

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_default()
}

/// Track 2 equivalent data (57): PAN D YYMM service code discretionary, F padded.
pub(super) fn track2_equivalent(p: &CardProfile) -> Vec<u8> {
    bcd(&format!("{}D{}{}{}", p.pan, p.expiry, p.service_code, p.discretionary))
}

impl Records {
    pub(super) fn of(p: &CardProfile, field: Field) -> Records {
        let mut recs = BTreeMap::new();
        if field == Field::Contact {
            let directory = super::select::directory_entries(p);
            recs.insert((1, 1), encode(&[cons(tags::RECORD, directory)]));
        }
        recs.insert(
            (2, 1),
            encode(&[cons(
                tags::RECORD,
                vec![
                    prim(tags::TRACK2_EQUIVALENT, &track2_equivalent(p)),
                    prim(tags::CARDHOLDER_NAME, p.name.as_bytes()),
                    prim(tags::TRACK1_DISCRETIONARY, b"00"),
                ],
            )]),
        );
        let mut rec3 = vec![
            prim(tags::PAN, &bcd(&p.pan)),
            prim(tags::EXPIRY, &h(&format!("{}31", p.expiry))),
            prim(tags::EFFECTIVE, &h("200101")),
            prim(tags::PSN, &h(&p.psn)),
            prim(tags::ISSUER_COUNTRY, &h("0156")),
            prim(tags::USAGE_CONTROL, &h("FF00")),
            prim(tags::CDOL1, &h(CDOL1)),
            prim(tags::CDOL2, &h(CDOL2)),
            prim(tags::CVM_LIST, &h(CVM_LIST)),
        ];
        // The file's [data] adds objects or overrides the ones above.
        for (tag, value) in &p.data {
            rec3.retain(|t| hex::encode_upper(t.tag().to_bytes()) != **tag);
            rec3.push(prim(tag, &value.0));
        }
        recs.insert((3, 1), encode(&[cons(tags::RECORD, rec3)]));
        Records(recs)
    }

    /// The application file locator (94) of this interface's records.
    pub(super) fn afl(field: Field) -> Vec<u8> {
        match field {
            Field::Contact => h("1001010018010100"),
            Field::Contactless => h("18010100"),
        }
    }
}

impl EmvCard {
    /// P2 is the SFI in its high five bits and 100 ("P1 is a record number").
    pub(super) fn read_record(&self, number: u8, p2: u8) -> Response {
        if p2 & 0x07 != 0x04 {
            return Sw::WRONG_P1_P2.into();
        }
        let sfi = p2 >> 3;
        // The directory once selected; the application's files on a contact
        // card at any time after selection, on a contactless one once its
        // GPO has given the AFL (qPBOC reads them after the cryptogram).
        let readable = match &self.state {
            State::Directory => sfi == 1,
            State::Selected { .. } => self.field == Field::Contact,
            _ => true,
        };
        match self.records.0.get(&(sfi, number)) {
            Some(r) if readable => Response::ok(r.clone()),
            _ => Sw::RECORD_NOT_FOUND.into(),
        }
    }
}
