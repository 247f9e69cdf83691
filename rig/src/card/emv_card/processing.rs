//! GET PROCESSING OPTIONS (EMV Book 3, 6.5.8 and 10.1; PBOC 3.0 part 12,
//! 7 for qPBOC): on contact the AIP and AFL; on qPBOC the card's decision
//! too (an offline TC with fDDA, an ARQC or an AAC, as the reader's TTQ and
//! the card's offline balance and limits allow), so one tap is the whole
//! card side of the transaction.

use super::cvr::AcType;
use super::records::track2_equivalent;
use super::select::{CPDOL, PPDOL};
use super::{EmvCard, Field, State, encode};
use crate::card::apdu::Response;
use crate::card::dol;
use crate::card::oda;
use crate::card::sw::Sw;
use crate::card::tlv::{cons, prim};
use crate::tags;
use std::collections::BTreeMap;

/// The command template (83) of GPO's data.
const COMMAND_TEMPLATE: u8 = 0x83;
/// fDDA version 01 (9F69 byte 1).
const FDDA_VERSION: u8 = 0x01;

/// Terminal transaction qualifiers (9F66) as the card reads them (PBOC 3.0
/// part 12, Annex A; the qVSDC layout).
struct Ttq([u8; 4]);

impl Ttq {
    fn offline_only(&self) -> bool {
        self.0[0] & 0x08 != 0
    }
    fn online_pin(&self) -> bool {
        self.0[0] & 0x04 != 0
    }
    fn signature(&self) -> bool {
        self.0[0] & 0x02 != 0
    }
    fn online_cryptogram_required(&self) -> bool {
        self.0[1] & 0x80 != 0
    }
    fn cvm_required(&self) -> bool {
        self.0[1] & 0x40 != 0
    }
}

impl EmvCard {
    pub(super) fn get_processing_options(&mut self, data: &[u8]) -> Response {
        let Some(app) = self.state.app() else {
            return Sw::CONDITIONS_NOT_SATISFIED.into();
        };
        // 83 L <PDOL data>, as long as the PDOL says.
        let pdol = hex::decode(if self.field == Field::Contact { CPDOL } else { PPDOL }).unwrap_or_default();
        let values = data
            .strip_prefix(&[COMMAND_TEMPLATE])
            .and_then(|d| d.split_first())
            .filter(|(len, rest)| usize::from(**len) == rest.len())
            .and_then(|(_, pdol_data)| Some((pdol_data, dol::split(&dol::parse(&pdol)?, pdol_data)?)));
        let Some((pdol_data, values)) = values else {
            return Sw::WRONG_LENGTH.into();
        };
        self.cda_data = pdol_data.to_vec();
        let (afl, aip) = (self.records.afl.clone(), self.records.aip);
        if self.field == Field::Contact {
            self.state = State::Initiated { app };
            return Response::ok(encode(&[cons(
                tags::RESPONSE_FORMAT_2,
                vec![prim(tags::AIP, &aip), prim(tags::AFL, &afl)],
            )]));
        }
        // qPBOC: the cryptogram comes back in the GPO.
        let terminal: BTreeMap<String, Vec<u8>> = values.into_iter().collect();
        let ttq = Ttq(terminal
            .get(tags::TTQ)
            .and_then(|t| t.as_slice().try_into().ok())
            .unwrap_or([0; 4]));
        let decision = self.contactless_decision(&terminal, &ttq);
        let Some(ac) = self.first_cryptogram(app, &terminal, decision) else {
            return Sw::CONDITIONS_NOT_SATISFIED.into();
        };
        let ctq = self.ctq(decision, &ttq);
        let mut objects = vec![
            prim(tags::AIP, &aip),
            prim(tags::AFL, &afl),
            prim(tags::TRACK2_EQUIVALENT, &track2_equivalent(&self.profile)),
            prim(tags::PSN, &hex::decode(&*self.profile.psn).unwrap_or_default()),
            prim(tags::IAD, &self.iad()),
            prim(tags::CRYPTOGRAM, &ac),
            prim(tags::CID, &[decision.cid()]),
            prim(tags::ATC, &self.atc().to_be_bytes()),
            prim(tags::CTQ, &ctq),
        ];
        if decision == AcType::Tc {
            objects.extend(self.fdda(&terminal, ctq));
        }
        Response::ok(encode(&[cons(tags::RESPONSE_FORMAT_2, objects)]))
    }

    /// What the card answers a tap (PBOC 3.0 part 12, 7.2 as we read it):
    /// offline (TC) when the reader allows it and the card's offline balance
    /// covers the amount in its currency and its limits allow, spending the
    /// balance; an ARQC otherwise, an AAC where the reader is offline-only.
    fn contactless_decision(&mut self, terminal: &BTreeMap<String, Vec<u8>>, ttq: &Ttq) -> AcType {
        let amount = terminal
            .get(tags::AMOUNT)
            .and_then(|a| hex::encode(a).parse::<u64>().ok())
            .unwrap_or(u64::MAX);
        let currency_ok = terminal
            .get(tags::CURRENCY)
            .is_some_and(|c| c[..] == self.profile.perso.currency.0);
        let balance = self.memory.get().offline_balance;
        let funds = currency_ok && balance > 0 && amount <= balance;
        let online = ttq.online_cryptogram_required() && !ttq.offline_only();
        let asked = if online || !funds { AcType::Arqc } else { AcType::Tc };
        let decision = match self.card_decision(asked, false) {
            AcType::Arqc if ttq.offline_only() => AcType::Aac,
            other => other,
        };
        if decision == AcType::Tc {
            self.memory.get().offline_balance = balance - amount;
        }
        decision
    }

    /// Card transaction qualifiers (9F6C, PBOC 3.0 part 12, Annex A): online
    /// PIN required (an online card that asks for it, a reader that takes
    /// it), signature required (a reader that asks for a CVM and takes a
    /// signature, no PIN), go online if fDDA fails (an offline approval on
    /// a reader that can), consumer device CVM performed (a phone).
    fn ctq(&self, decision: AcType, ttq: &Ttq) -> [u8; 2] {
        let phone = self.is_phone();
        let pin = decision == AcType::Arqc && !phone && self.profile.behaviour.online_pin_required && ttq.online_pin();
        let signature = decision != AcType::Aac && !phone && !pin && ttq.cvm_required() && ttq.signature();
        let go_online = decision == AcType::Tc && !ttq.offline_only();
        let byte1 = if pin { 0x80 } else { 0 } | if signature { 0x40 } else { 0 } | if go_online { 0x20 } else { 0 };
        [byte1, if phone { 0x80 } else { 0x00 }]
    }

    /// fDDA (PBOC 3.0 part 12, 7.8 and Annex B, as we read it; the qVSDC
    /// version 01): the card authentication related data 9F69 (version,
    /// a card unpredictable number, the CTQ) and the signed dynamic data
    /// 9F4B over the terminal's unpredictable number, amount, currency and
    /// 9F69. Only a card with an ICC key signs.
    fn fdda(&self, terminal: &BTreeMap<String, Vec<u8>>, ctq: [u8; 2]) -> Vec<iso7816_tlv::ber::Tlv> {
        let Some(icc) = &self.records.icc else {
            return Vec::new();
        };
        let un = terminal.get(tags::UNPREDICTABLE_NUMBER).cloned().unwrap_or_default();
        let number = self.dynamic_number(&un);
        let mut related = vec![FDDA_VERSION];
        related.extend_from_slice(&number[4..8]);
        related.extend_from_slice(&ctq);
        let mut signed_over = un;
        for tag in [tags::AMOUNT, tags::CURRENCY] {
            signed_over.extend(terminal.get(tag).cloned().unwrap_or_default());
        }
        signed_over.extend_from_slice(&related);
        let mut sdad = oda::signed_dynamic_data(icc, &oda::dynamic_number_field(&number), &signed_over);
        // A kernel test card's broken dynamic signature: fDDA fails.
        if self.profile.behaviour.broken_oda == Some(crate::config::card::BrokenOda::DynamicSignature) {
            super::records::spoil(&mut sdad);
        }
        vec![
            prim(tags::CARD_AUTHENTICATION_DATA, &related),
            prim(tags::SIGNED_DYNAMIC_DATA, &sdad),
        ]
    }
}
