//! GENERATE AC and EXTERNAL AUTHENTICATE (EMV Book 3, 6.5.5, 6.5.4 and
//! 10.8-10.9; Book 2, 8.1 for the cryptogram; PBOC 3.0 part 5, 7.4): the
//! ARQC, then after the online step a TC or an AAC.

use super::records::{CDOL1, CDOL2};
use super::{EmvCard, Online, State, encode};
use crate::card::apdu::Response;
use crate::card::dol;
use crate::card::sw::Sw;
use crate::card::tlv::{cons, prim};
use crate::{emv, tags};
use std::collections::BTreeMap;

/// The cryptogram type a GENERATE AC asks for (P1 bits 8-7, Book 3 table 12).
const REQUEST_TYPE: u8 = 0xC0;
const REQUEST_TC: u8 = 0x40;
const REQUEST_ARQC: u8 = 0x80;

/// Cryptogram information data (9F27): the type given.
const CID_AAC: u8 = 0x00;
const CID_TC: u8 = 0x40;
const CID_ARQC: u8 = 0x80;

fn dol_values(dol: &str, data: &[u8]) -> Option<BTreeMap<String, Vec<u8>>> {
    let dol = dol::parse(&hex::decode(dol).ok()?)?;
    Some(dol::split(&dol, data)?.into_iter().collect())
}

impl EmvCard {
    /// The card's first cryptogram of a transaction (the first GENERATE AC,
    /// or a qPBOC GPO): the next ATC, then an AAC when it declines, else an
    /// ARQC that leaves the card waiting for the online step. Returns the
    /// CID, the CVR's first byte and the cryptogram.
    pub(super) fn first_cryptogram(
        &mut self,
        app: usize,
        terminal: &BTreeMap<String, Vec<u8>>,
        decline: bool,
    ) -> Option<(u8, u8, [u8; 8])> {
        self.next_atc();
        let (cid, cvr1) = if decline { (CID_AAC, 0x80) } else { (CID_ARQC, 0xA0) };
        let (ac, session_key) = self.cryptogram(terminal, cvr1)?;
        self.state = if decline {
            State::Completed { app }
        } else {
            State::Online(Online {
                app,
                arqc: ac,
                session_key,
                issuer_authenticated: false,
            })
        };
        Some((cid, cvr1, ac))
    }

    /// A new cryptogram takes the next ATC (kept in the card's memory).
    pub(super) fn next_atc(&self) {
        let mut memory = self.memory.get();
        memory.atc = memory.atc.wrapping_add(1);
    }

    /// Issuer application data (9F10) with the card verification results of this cryptogram.
    pub(super) fn iad(&self, cvr1: u8) -> Vec<u8> {
        let mut iad = vec![0x07, 0x01, 0x01, 0x03, cvr1, 0x00, 0x00, 0x0A, 0x01];
        iad.extend([0u8; 7]);
        iad
    }

    /// The cryptogram over the terminal's data, the card's AIP, ATC and CVR,
    /// and its session key.
    pub(super) fn cryptogram(&self, terminal: &BTreeMap<String, Vec<u8>>, cvr1: u8) -> Option<([u8; 8], [u8; 16])> {
        let imk = self.profile.issuer.imk.as_ref()?;
        let mut data_objects = terminal.clone();
        data_objects.insert(tags::AIP.into(), self.records.aip.to_vec());
        data_objects.insert(tags::ATC.into(), self.atc().to_be_bytes().to_vec());
        data_objects.insert(tags::IAD.into(), self.iad(cvr1));
        let data = emv::arqc_data(&data_objects)?;
        let udk = emv::card_key(imk.bytes(), &self.profile.pan, &self.profile.psn).ok()?;
        let sk = emv::session_key(&udk, self.atc().to_be_bytes(), emv::SessionKeyDerivation::Pboc).ok()?;
        Some((emv::mac_alg3(&sk, &data).ok()?, sk))
    }

    pub(super) fn generate_ac(&mut self, p1: u8, data: &[u8]) -> Response {
        let (cid, cvr1, ac) = match self.state.clone() {
            State::Initiated { app } => {
                let Some(terminal) = dol_values(CDOL1, data) else {
                    return Sw::WRONG_LENGTH.into();
                };
                let wants_arqc = p1 & REQUEST_TYPE == REQUEST_ARQC;
                let decline = self.profile.behaviour.decline_with_aac || !wants_arqc;
                let Some(first) = self.first_cryptogram(app, &terminal, decline) else {
                    return Sw::CONDITIONS_NOT_SATISFIED.into();
                };
                first
            }
            State::Online(online) => {
                // Second GENERATE AC: TC only if the issuer was authenticated and approved.
                let Some(values) = dol_values(CDOL2, data) else {
                    return Sw::WRONG_LENGTH.into();
                };
                let arc: [u8; 2] = values
                    .get(tags::AUTHORISATION_RESPONSE_CODE)
                    .and_then(|v| v.as_slice().try_into().ok())
                    .unwrap_or(*b"Z3");
                let in_cdol2 = values
                    .get(tags::ISSUER_AUTHENTICATION_DATA)
                    .is_some_and(|v| self.arpc_verifies(&online, v));
                let authenticated = online.issuer_authenticated || in_cdol2;
                let approve = p1 & REQUEST_TYPE == REQUEST_TC && authenticated && &arc == b"00";
                let (cid, cvr1) = if approve { (CID_TC, 0x60) } else { (CID_AAC, 0x90) };
                if authenticated {
                    self.memory.get().last_online_atc = self.atc();
                }
                // The same MAC under the same session key as the ARQC, over the
                // CDOL2 data, AIP, ATC and the CVR after the online step.
                let Some((tc, _)) = self.cryptogram(&values, cvr1) else {
                    return Sw::CONDITIONS_NOT_SATISFIED.into();
                };
                self.state = State::Completed { app: online.app };
                if approve {
                    self.log_transaction(&values);
                }
                (cid, cvr1, tc)
            }
            _ => return Sw::CONDITIONS_NOT_SATISFIED.into(),
        };
        let t77 = cons(
            tags::RESPONSE_FORMAT_2,
            vec![
                prim(tags::CID, &[cid]),
                prim(tags::ATC, &self.atc().to_be_bytes()),
                prim(tags::CRYPTOGRAM, &ac),
                prim(tags::IAD, &self.iad(cvr1)),
            ],
        );
        Response::ok(encode(&[t77]))
    }

    /// Issuer authentication data (91): ARPC (8) || ARC (2), PBOC method 1.
    fn arpc_verifies(&self, online: &Online, data: &[u8]) -> bool {
        data.len() == 10
            && emv::arpc(&online.session_key, online.arqc, [data[8], data[9]]).is_ok_and(|a| a[..] == data[..8])
    }

    pub(super) fn external_authenticate(&mut self, data: &[u8]) -> Response {
        let State::Online(online) = &self.state else {
            return Sw::CONDITIONS_NOT_SATISFIED.into();
        };
        if data.len() != 10 {
            return Sw::WRONG_LENGTH.into();
        }
        let ok = self.arpc_verifies(online, data);
        if let State::Online(online) = &mut self.state {
            online.issuer_authenticated = ok;
        }
        if ok {
            Sw::OK.into()
        } else {
            Sw::AUTHENTICATION_FAILED.into()
        }
    }
}
