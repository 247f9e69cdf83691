//! GENERATE AC and EXTERNAL AUTHENTICATE (EMV Book 3, 6.5.5, 6.5.4 and
//! 10.8-10.9; Book 2, 8.1 for the cryptogram and 6.6 for CDA; PBOC 3.0
//! part 5, 7.3-7.4): the card's own risk management decides the first
//! cryptogram (an ARQC, an offline TC or an AAC); after the online step a
//! TC or an AAC.

use super::cvr::{AcType, bit};
use super::records::{CDOL1, CDOL2};
use super::{EmvCard, Online, State, encode};
use crate::card::apdu::Response;
use crate::card::dol;
use crate::card::oda;
use crate::card::sw::Sw;
use crate::card::tlv::{cons, prim};
use crate::{emv, tags};
use iso7816_tlv::ber::Tlv;
use sha1::{Digest, Sha1};
use std::collections::BTreeMap;

/// GENERATE AC's P1 (Book 3, Table 12): the cryptogram type asked for
/// (bits 8-7) and "CDA signature requested" (bit 5).
const REQUEST_TYPE: u8 = 0xC0;
const CDA_REQUESTED: u8 = 0x10;

fn requested(p1: u8) -> Option<AcType> {
    match p1 & REQUEST_TYPE {
        0x00 => Some(AcType::Aac),
        0x40 => Some(AcType::Tc),
        0x80 => Some(AcType::Arqc),
        _ => None,
    }
}

fn dol_values(dol: &str, data: &[u8]) -> Option<BTreeMap<String, Vec<u8>>> {
    let dol = dol::parse(&hex::decode(dol).ok()?)?;
    Some(dol::split(&dol, data)?.into_iter().collect())
}

impl EmvCard {
    /// Card risk management (PBOC 3.0 part 5, 7.3 as we read it; EMV
    /// leaves it to the issuer): what the card answers when the terminal
    /// asks for `requested`. The card never answers more than was asked
    /// (AAC < TC < ARQC); it goes online instead of approving offline when
    /// it is new, when its consecutive offline transactions reach the lower
    /// limit (9F14), after an issuer authentication failure or with its PIN
    /// tries used up. The CVR records why. `new_goes_online`: a new card
    /// goes online first (contact; a qPBOC card spends its offline balance
    /// from the start).
    pub(super) fn card_decision(&mut self, requested: AcType, new_goes_online: bool) -> AcType {
        let (new_card, offline_run, issuer_failed, pin_blocked) = {
            let mut m = self.memory.get();
            self.cvr.scripts(m.scripts_processed);
            if m.script_failed {
                self.cvr.set(bit::SCRIPT_FAILED_LAST);
            }
            (m.scripts_processed, m.script_failed) = (0, false);
            let next = m.atc.wrapping_add(1);
            let run = next.saturating_sub(m.last_online_atc).saturating_sub(1);
            (
                m.last_online_atc == 0,
                run,
                m.issuer_authentication_failed,
                m.pin_tries == 0,
            )
        };
        if new_card {
            self.cvr.set(bit::NEW_CARD);
        }
        if issuer_failed {
            self.cvr.set(bit::ISSUER_AUTHENTICATION_FAILED_LAST_ONLINE);
        }
        if pin_blocked {
            self.cvr.set(bit::PIN_TRY_LIMIT_EXCEEDED);
        }
        if self.profile.behaviour.decline_with_aac {
            return AcType::Aac;
        }
        match requested {
            AcType::Tc => {
                let over_limit = offline_run >= u16::from(self.profile.perso.lower_offline_limit);
                if over_limit {
                    self.cvr.set(bit::VELOCITY_EXCEEDED);
                }
                if (new_card && new_goes_online) || over_limit || issuer_failed || pin_blocked {
                    AcType::Arqc
                } else {
                    AcType::Tc
                }
            }
            other => other,
        }
    }

    /// The card's first cryptogram of a transaction (the first GENERATE AC,
    /// or a qPBOC GPO) of the type decided: the next ATC, the cryptogram;
    /// an ARQC leaves the card waiting for the online step, a TC is logged.
    pub(super) fn first_cryptogram(
        &mut self,
        app: usize,
        terminal: &BTreeMap<String, Vec<u8>>,
        decision: AcType,
    ) -> Option<[u8; 8]> {
        self.next_atc();
        self.cvr.first(decision);
        let (ac, session_key) = self.cryptogram(terminal)?;
        self.state = match decision {
            AcType::Arqc => {
                self.arqc = Some(ac);
                State::Online(Online {
                    app,
                    arqc: ac,
                    session_key,
                    issuer_authenticated: false,
                })
            }
            AcType::Tc => {
                self.log_transaction(terminal);
                State::Completed { app }
            }
            AcType::Aac => State::Completed { app },
        };
        Some(ac)
    }

    /// A new cryptogram takes the next ATC (kept in the card's memory).
    pub(super) fn next_atc(&self) {
        let mut memory = self.memory.get();
        memory.atc = memory.atc.wrapping_add(1);
    }

    /// Issuer application data (9F10) with the CVR as it is now.
    pub(super) fn iad(&self) -> Vec<u8> {
        super::cvr::iad(&self.cvr, self.memory.get().offline_balance)
    }

    /// The cryptogram over the terminal's data, the card's AIP, ATC and CVR,
    /// and its session key.
    pub(super) fn cryptogram(&self, terminal: &BTreeMap<String, Vec<u8>>) -> Option<([u8; 8], [u8; 16])> {
        let imk = self.profile.issuer.imk.as_ref()?;
        let mut data_objects = terminal.clone();
        data_objects.insert(tags::AIP.into(), self.records.aip.to_vec());
        data_objects.insert(tags::ATC.into(), self.atc().to_be_bytes().to_vec());
        data_objects.insert(tags::IAD.into(), self.iad());
        let data = emv::arqc_data(&data_objects)?;
        let udk = emv::card_key(imk.bytes(), &self.profile.pan, &self.profile.psn).ok()?;
        let sk = emv::session_key(&udk, self.atc().to_be_bytes(), emv::SessionKeyDerivation::Pboc).ok()?;
        Some((emv::mac_alg3(&sk, &data).ok()?, sk))
    }

    pub(super) fn generate_ac(&mut self, p1: u8, data: &[u8]) -> Response {
        let Some(asked) = requested(p1) else {
            return Sw::INCORRECT_P1_P2.into();
        };
        let (ac_type, ac, unpredictable) = match self.state.clone() {
            State::Initiated { app } => {
                let Some(terminal) = dol_values(CDOL1, data) else {
                    return Sw::WRONG_LENGTH.into();
                };
                let decision = self.card_decision(asked, true);
                let Some(ac) = self.first_cryptogram(app, &terminal, decision) else {
                    return Sw::CONDITIONS_NOT_SATISFIED.into();
                };
                (decision, ac, terminal.get(tags::UNPREDICTABLE_NUMBER).cloned())
            }
            State::Online(online) => {
                let Some(values) = dol_values(CDOL2, data) else {
                    return Sw::WRONG_LENGTH.into();
                };
                let Some(ac_type) = self.second_decision(&online, asked, &values) else {
                    return Sw::CONDITIONS_NOT_SATISFIED.into();
                };
                // The same MAC under the same session key as the ARQC, over the
                // CDOL2 data, AIP, ATC and the CVR after the online step.
                let Some((ac, _)) = self.cryptogram(&values) else {
                    return Sw::CONDITIONS_NOT_SATISFIED.into();
                };
                self.state = State::Completed { app: online.app };
                if ac_type == AcType::Tc {
                    self.log_transaction(&values);
                }
                (ac_type, ac, values.get(tags::UNPREDICTABLE_NUMBER).cloned())
            }
            _ => return Sw::CONDITIONS_NOT_SATISFIED.into(),
        };
        self.cda_data.extend_from_slice(data);
        // CDA (Book 2, 6.6): asked for, offered by the AIP, and not for an AAC.
        let cda = p1 & CDA_REQUESTED != 0 && self.records.aip[0] & 0x01 != 0 && ac_type != AcType::Aac;
        match (cda, &self.records.icc, unpredictable) {
            (true, Some(_), Some(un)) => Response::ok(self.cda_answer(ac_type, ac, &un)),
            _ => Response::ok(encode(&[cons(
                tags::RESPONSE_FORMAT_2,
                vec![
                    prim(tags::CID, &[ac_type.cid()]),
                    prim(tags::ATC, &self.atc().to_be_bytes()),
                    prim(tags::CRYPTOGRAM, &ac),
                    prim(tags::IAD, &self.iad()),
                ],
            )])),
        }
    }

    /// The second GENERATE AC's answer: a TC only when the terminal asked
    /// for one, the issuer approved (ARC 00) and was authenticated (its
    /// ARPC in EXTERNAL AUTHENTICATE or in the CDOL2 data). The card keeps
    /// what the issuer authentication came to for the next transaction.
    fn second_decision(
        &mut self,
        online: &Online,
        asked: AcType,
        values: &BTreeMap<String, Vec<u8>>,
    ) -> Option<AcType> {
        if asked == AcType::Arqc {
            return None;
        }
        let arc: [u8; 2] = values
            .get(tags::AUTHORISATION_RESPONSE_CODE)
            .and_then(|v| v.as_slice().try_into().ok())
            .unwrap_or(*b"Z3");
        let issuer_data = values
            .get(tags::ISSUER_AUTHENTICATION_DATA)
            .filter(|v| v.iter().any(|&b| b != 0));
        let in_cdol2 = issuer_data.is_some_and(|v| self.arpc_verifies(online, v));
        if issuer_data.is_some() && !in_cdol2 {
            self.cvr.set(bit::ISSUER_AUTHENTICATION_FAILED);
        }
        if matches!(&arc, b"Z3" | b"Y3") {
            self.cvr.set(bit::UNABLE_TO_GO_ONLINE);
        }
        let authenticated = online.issuer_authenticated || in_cdol2;
        let approve = asked == AcType::Tc
            && !self.profile.behaviour.decline_second_ac
            && if &arc == b"Y3" {
                // The terminal could not go online and asks for a TC: the
                // card approves offline only within its own offline limits
                // (a known card, fewer offline transactions since its last
                // online one than its upper limit; PBOC 3.0 part 5, card
                // risk management when the terminal is unable to go online).
                self.offline_allowed()
            } else {
                authenticated && &arc == b"00"
            };
        let ac_type = if approve { AcType::Tc } else { AcType::Aac };
        self.cvr.second(ac_type);
        let mut memory = self.memory.get();
        memory.issuer_authentication_failed = self.cvr.is_set(bit::ISSUER_AUTHENTICATION_FAILED);
        if authenticated {
            memory.last_online_atc = memory.atc;
        }
        Some(ac_type)
    }

    /// Whether the card may approve offline now: it has been online before
    /// (9F13 not 0), the issuer was authenticated then, and its offline run
    /// including this transaction stays within the upper consecutive limit.
    fn offline_allowed(&self) -> bool {
        let m = self.memory.get();
        let run = m.atc.saturating_sub(m.last_online_atc);
        m.last_online_atc != 0
            && !m.issuer_authentication_failed
            && run <= u16::from(self.profile.perso.upper_offline_limit)
    }

    /// The GENERATE AC answer with CDA (Book 2, 6.6.1 and Table 22): the
    /// cryptogram travels inside the signed dynamic data, whose ICC
    /// dynamic data is the dynamic number, the CID, the cryptogram and the
    /// transaction data hash code: SHA-1 over the PDOL data, the CDOL data
    /// of this and the earlier GENERATE AC, and the answer's other objects.
    fn cda_answer(&self, ac_type: AcType, ac: [u8; 8], unpredictable: &[u8]) -> Vec<u8> {
        let plain: Vec<Tlv> = vec![
            prim(tags::CID, &[ac_type.cid()]),
            prim(tags::ATC, &self.atc().to_be_bytes()),
            prim(tags::IAD, &self.iad()),
        ];
        let mut hash = Sha1::new();
        hash.update(&self.cda_data);
        hash.update(encode(&plain));
        let mut dynamic = oda::dynamic_number_field(&self.dynamic_number(unpredictable));
        dynamic.push(ac_type.cid());
        dynamic.extend_from_slice(&ac);
        dynamic.extend_from_slice(&hash.finalize());
        let mut signed = self
            .records
            .icc
            .as_ref()
            .map(|icc| oda::signed_dynamic_data(icc, &dynamic, unpredictable))
            .unwrap_or_default();
        if self.profile.behaviour.broken_oda == Some(crate::config::card::BrokenOda::DynamicSignature) {
            super::records::spoil(&mut signed);
        }
        let mut objects = plain;
        objects.insert(2, prim(tags::SIGNED_DYNAMIC_DATA, &signed));
        encode(&[cons(tags::RESPONSE_FORMAT_2, objects)])
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
            self.cvr.set(bit::ISSUER_AUTHENTICATION_FAILED);
            Sw::AUTHENTICATION_FAILED.into()
        }
    }
}
