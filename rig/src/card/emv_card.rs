//! The PBOC contact application and qPBOC contactless (emv.md), one card
//! model per presentation. A 云闪付 phone is the contactless model with a
//! token PAN that reports consumer device verification.

use super::apdu::{Command, response, sw};
use super::dol;
use super::tlv::{cons, prim};
use crate::config::card::{CardKind, CardProfile};
use crate::devices::card_link::SmartCard;
use crate::emv;
use crate::instructions::{
    CLA_EMV, CLA_EMV_SECURE, CLA_ISO, EXTERNAL_AUTHENTICATE, GENERATE_AC, GET_DATA, GET_PROCESSING_OPTIONS,
    PIN_CHANGE_UNBLOCK, READ_RECORD, SELECT,
};
use iso7816_tlv::ber::Tlv;
use std::collections::BTreeMap;

/// How the card is presented: inserted in the slot or held to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Contact,
    Contactless,
}

const PSE: &[u8] = b"1PAY.SYS.DDF01";
const PPSE: &[u8] = b"2PAY.SYS.DDF01";
/// Application interchange profile: SDA, DDA, cardholder verification, terminal risk management, issuer authentication.
const AIP: [u8; 2] = [0x7C, 0x00];
/// CDOL1: exactly the terminal data an ARQC covers (emv.md), in that order.
const CDOL1: &str = "9F02069F03069F1A0295055F2A029A039C019F3704";
/// CDOL2: issuer authentication data (ARPC || ARC), ARC, then the terminal
/// data the TC / AAC covers as the terminal now gives it (emv.md, EMV Book 2 8.1).
const CDOL2: &str = "910A8A029F02069F03069F1A0295055F2A029A039C019F3704";
/// qPBOC PDOL (emv.md): TTQ, amounts, country, TVR, currency, date, type, unpredictable number.
const PPDOL: &str = "9F66049F02069F03069F1A0295055F2A029A039C019F3704";
/// Contact PDOL: the terminal's country code.
const CPDOL: &str = "9F1A02";

pub struct EmvCard {
    profile: CardProfile,
    field: Field,
    imk: Option<Vec<u8>>,
    /// ATC and PIN try counter: kept with the card across presentations.
    memory: super::memory::SharedMemory,
    selected: Option<usize>,
    gpo_done: bool,
    /// ARQC of the first GENERATE AC and its session key, for the ARPC check.
    last_arqc: Option<([u8; 8], [u8; 16])>,
    issuer_authenticated: bool,
    present: bool,
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_default()
}

fn bcd(digits: &str) -> Vec<u8> {
    let mut d = digits.to_string();
    if d.len() % 2 == 1 {
        d.push('F');
    }
    hex::decode(d).unwrap_or_default()
}

fn encode(tlvs: &[Tlv]) -> Vec<u8> {
    tlvs.iter().flat_map(Tlv::to_vec).collect()
}

impl EmvCard {
    /// A card fresh from personalisation (its file's ATC and PIN tries).
    pub fn new(profile: CardProfile, field: Field) -> EmvCard {
        let memory = super::memory::SharedMemory::personalised(profile.atc, profile.issuer.pin_tries);
        EmvCard::with_memory(profile, field, memory)
    }

    /// The card with what it kept from earlier presentations.
    pub fn with_memory(profile: CardProfile, field: Field, memory: super::memory::SharedMemory) -> EmvCard {
        let imk = profile.issuer.imk.as_deref().and_then(|k| hex::decode(k).ok());
        EmvCard {
            memory,
            imk,
            profile,
            field,
            selected: None,
            gpo_done: false,
            last_arqc: None,
            issuer_authenticated: false,
            present: true,
        }
    }

    pub fn atc(&self) -> u16 {
        self.memory.get().atc
    }

    /// A new cryptogram takes the next ATC (kept in the card's memory).
    fn next_atc(&self) {
        let mut memory = self.memory.get();
        memory.atc = memory.atc.wrapping_add(1);
    }

    fn apps_by_priority(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.profile.applications.len()).collect();
        idx.sort_by_key(|&i| self.profile.applications[i].priority);
        idx
    }

    fn directory_entries(&self) -> Vec<Tlv> {
        self.apps_by_priority()
            .into_iter()
            .map(|i| {
                let app = &self.profile.applications[i];
                cons(
                    "61",
                    vec![
                        prim("4F", &h(&app.aid)),
                        prim("50", app.label.as_bytes()),
                        prim("87", &[app.priority]),
                    ],
                )
            })
            .collect()
    }

    /// Track 2 equivalent data (57): PAN D YYMM service code discretionary, F padded.
    fn track2_equivalent(&self) -> Vec<u8> {
        let p = &self.profile;
        bcd(&format!("{}D{}{}{}", p.pan, p.expiry, p.service_code, p.discretionary))
    }

    /// Issuer application data (9F10) with the card verification results of this cryptogram.
    fn iad(&self, cvr1: u8) -> Vec<u8> {
        let mut iad = vec![0x07, 0x01, 0x01, 0x03, cvr1, 0x00, 0x00, 0x0A, 0x01];
        iad.extend([0u8; 7]);
        iad
    }

    /// Card transaction qualifiers (9F6C): online PIN required / CDCVM performed.
    fn ctq(&self) -> [u8; 2] {
        let pin = self.profile.behaviour.online_pin_required && self.profile.kind != CardKind::Phone;
        let cdcvm = self.profile.kind == CardKind::Phone;
        [if pin { 0x80 } else { 0x00 }, if cdcvm { 0x80 } else { 0x00 }]
    }

    fn records(&self) -> BTreeMap<(u8, u8), Vec<u8>> {
        let p = &self.profile;
        let mut recs = BTreeMap::new();
        if self.field == Field::Contact {
            recs.insert((1, 1), encode(&[cons("70", self.directory_entries())]));
        }
        recs.insert(
            (2, 1),
            encode(&[cons(
                "70",
                vec![
                    prim("57", &self.track2_equivalent()),
                    prim("5F20", p.name.as_bytes()),
                    prim("9F1F", b"00"),
                ],
            )]),
        );
        let mut rec3 = vec![
            prim("5A", &bcd(&p.pan)),
            prim("5F24", &h(&format!("{}31", p.expiry))),
            prim("5F25", &h("200101")),
            prim("5F34", &h(&p.psn)),
            prim("5F28", &h("0156")),
            prim("9F07", &h("FF00")),
            prim("8C", &h(CDOL1)),
            prim("8D", &h(CDOL2)),
            // CVM list: online PIN, then no CVM.
            prim("8E", &h("000000000000000002031F00")),
        ];
        for (tag, value) in &p.data {
            rec3.retain(|t| hex::encode_upper(t.tag().to_bytes()) != tag.to_uppercase());
            rec3.push(prim(tag, &h(value)));
        }
        recs.insert((3, 1), encode(&[cons("70", rec3)]));
        recs
    }

    fn afl(&self) -> Vec<u8> {
        match self.field {
            Field::Contact => h("1001010018010100"),
            Field::Contactless => h("18010100"),
        }
    }

    fn select(&mut self, name: &[u8]) -> Vec<u8> {
        let behaviour = &self.profile.behaviour;
        let dir = match self.field {
            Field::Contact => PSE,
            Field::Contactless => PPSE,
        };
        if name == dir {
            if behaviour.blocked_card {
                return sw::FUNCTION_NOT_SUPPORTED.to_vec();
            }
            let a5 = match self.field {
                Field::Contact => cons("A5", vec![prim("88", &[1]), prim("5F2D", b"zhen")]),
                Field::Contactless => cons("A5", vec![cons("BF0C", self.directory_entries())]),
            };
            return response(&encode(&[cons("6F", vec![prim("84", name), a5])]), sw::OK);
        }
        // Partial selection: the first application whose AID starts with the name.
        let found = self
            .apps_by_priority()
            .into_iter()
            .find(|&i| h(&self.profile.applications[i].aid).starts_with(name));
        let (Some(i), false) = (found, name.is_empty()) else {
            return sw::FILE_NOT_FOUND.to_vec();
        };
        if behaviour.blocked_application {
            return sw::SELECTED_FILE_INVALIDATED.to_vec();
        }
        self.selected = Some(i);
        self.gpo_done = false;
        let app = &self.profile.applications[i];
        let pdol = if self.field == Field::Contactless { PPDOL } else { CPDOL };
        let fci = cons(
            "6F",
            vec![
                prim("84", &h(&app.aid)),
                cons(
                    "A5",
                    vec![
                        prim("50", app.label.as_bytes()),
                        prim("87", &[app.priority]),
                        prim("9F38", &h(pdol)),
                    ],
                ),
            ],
        );
        response(&encode(&[fci]), sw::OK)
    }

    /// The cryptogram over the terminal's data, the card's AIP, ATC and CVR.
    fn cryptogram(&self, terminal: &BTreeMap<String, Vec<u8>>, cvr1: u8) -> Option<([u8; 8], [u8; 16])> {
        let imk = self.imk.as_deref()?;
        let mut tags = terminal.clone();
        tags.insert("82".into(), AIP.to_vec());
        tags.insert("9F36".into(), self.atc().to_be_bytes().to_vec());
        tags.insert("9F10".into(), self.iad(cvr1));
        let data = emv::arqc_data(&tags)?;
        let udk = emv::card_key(imk, &self.profile.pan, &self.profile.psn).ok()?;
        let sk = emv::session_key(&udk, self.atc().to_be_bytes(), emv::SessionKeyDerivation::Pboc).ok()?;
        Some((emv::mac_alg3(&sk, &data).ok()?, sk))
    }

    fn gpo(&mut self, data: &[u8]) -> Vec<u8> {
        if self.selected.is_none() {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        }
        // 83 L <PDOL data>
        let Some(pdol_data) = data
            .strip_prefix(&[0x83])
            .and_then(|d| d.split_first())
            .map(|(_, rest)| rest)
        else {
            return sw::WRONG_LENGTH.to_vec();
        };
        self.gpo_done = true;
        if self.profile.behaviour.torn_after_gpo {
            self.present = false;
        }
        if self.field == Field::Contact {
            return response(
                &encode(&[cons("77", vec![prim("82", &AIP), prim("94", &self.afl())])]),
                sw::OK,
            );
        }
        // qPBOC: the cryptogram comes back in the GPO.
        let Some(values) = dol::parse(&h(PPDOL)).and_then(|d| dol::split(&d, pdol_data)) else {
            return sw::WRONG_LENGTH.to_vec();
        };
        let terminal: BTreeMap<String, Vec<u8>> = values.into_iter().collect();
        self.next_atc();
        let decline = self.profile.behaviour.decline_with_aac;
        let (cid, cvr1) = if decline { (0x00, 0x80) } else { (0x80, 0xA0) };
        let Some((ac, sk)) = self.cryptogram(&terminal, cvr1) else {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        };
        self.last_arqc = Some((ac, sk));
        let t77 = cons(
            "77",
            vec![
                prim("82", &AIP),
                prim("94", &self.afl()),
                prim("57", &self.track2_equivalent()),
                prim("5F34", &h(&self.profile.psn)),
                prim("9F10", &self.iad(cvr1)),
                prim("9F26", &ac),
                prim("9F27", &[cid]),
                prim("9F36", &self.atc().to_be_bytes()),
                prim("9F6C", &self.ctq()),
            ],
        );
        response(&encode(&[t77]), sw::OK)
    }

    fn read_record(&self, rec: u8, p2: u8) -> Vec<u8> {
        let sfi = p2 >> 3;
        match self.records().get(&(sfi, rec)) {
            Some(r) if sfi == 1 || self.gpo_done || self.field == Field::Contact => response(r, sw::OK),
            _ => sw::RECORD_NOT_FOUND.to_vec(),
        }
    }

    fn get_data(&self, p1: u8, p2: u8) -> Vec<u8> {
        match (p1, p2) {
            (0x9F, 0x17) => response(&encode(&[prim("9F17", &[self.memory.get().pin_tries])]), sw::OK),
            (0x9F, 0x36) => response(&encode(&[prim("9F36", &self.atc().to_be_bytes())]), sw::OK),
            (0x9F, 0x13) => response(&encode(&[prim("9F13", &self.atc().to_be_bytes())]), sw::OK),
            _ => sw::REFERENCED_DATA_NOT_FOUND.to_vec(),
        }
    }

    fn generate_ac(&mut self, p1: u8, data: &[u8]) -> Vec<u8> {
        if !self.gpo_done {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        }
        let first = self.last_arqc.is_none();
        let (cid, cvr1, sk_ac) = if first {
            let Some(values) = dol::parse(&h(CDOL1)).and_then(|d| dol::split(&d, data)) else {
                return sw::WRONG_LENGTH.to_vec();
            };
            self.next_atc();
            let terminal: BTreeMap<String, Vec<u8>> = values.into_iter().collect();
            let wants_arqc = p1 & 0xC0 == 0x80;
            let (cid, cvr1) = if self.profile.behaviour.decline_with_aac || !wants_arqc {
                (0x00, 0x80)
            } else {
                (0x80, 0xA0)
            };
            let Some((ac, sk)) = self.cryptogram(&terminal, cvr1) else {
                return sw::CONDITIONS_NOT_SATISFIED.to_vec();
            };
            self.last_arqc = Some((ac, sk));
            (cid, cvr1, ac)
        } else {
            // Second GENERATE AC: TC only if the issuer was authenticated and approved.
            let Some(values) = dol::parse(&h(CDOL2)).and_then(|d| dol::split(&d, data)) else {
                return sw::WRONG_LENGTH.to_vec();
            };
            let values: BTreeMap<String, Vec<u8>> = values.into_iter().collect();
            let Some((arqc, sk)) = self.last_arqc else {
                return sw::CONDITIONS_NOT_SATISFIED.to_vec();
            };
            let arc: [u8; 2] = values
                .get("8A")
                .and_then(|v| v.as_slice().try_into().ok())
                .unwrap_or(*b"Z3");
            let iad_ok = values
                .get("91")
                .is_some_and(|v| v.len() == 10 && emv::arpc(&sk, arqc, [v[8], v[9]]).is_ok_and(|a| a[..] == v[..8]));
            let authenticated = self.issuer_authenticated || iad_ok;
            let approve = p1 & 0xC0 == 0x40 && authenticated && &arc == b"00";
            let (cid, cvr1) = if approve { (0x40, 0x60) } else { (0x00, 0x90) };
            // The same MAC under the same session key as the ARQC, over the
            // CDOL2 data, AIP, ATC and the CVR after the online step.
            let Some((tc, _)) = self.cryptogram(&values, cvr1) else {
                return sw::CONDITIONS_NOT_SATISFIED.to_vec();
            };
            (cid, cvr1, tc)
        };
        let t77 = cons(
            "77",
            vec![
                prim("9F27", &[cid]),
                prim("9F36", &self.atc().to_be_bytes()),
                prim("9F26", &sk_ac),
                prim("9F10", &self.iad(cvr1)),
            ],
        );
        response(&encode(&[t77]), sw::OK)
    }

    fn external_authenticate(&mut self, data: &[u8]) -> Vec<u8> {
        let Some((arqc, sk)) = self.last_arqc else {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        };
        if data.len() != 10 {
            return sw::WRONG_LENGTH.to_vec();
        }
        let ok = emv::arpc(&sk, arqc, [data[8], data[9]]).is_ok_and(|a| a[..] == data[..8]);
        self.issuer_authenticated = ok;
        if ok {
            sw::OK.to_vec()
        } else {
            sw::AUTHENTICATION_FAILED.to_vec()
        }
    }

    /// One command APDU in, one response APDU out.
    pub fn process(&mut self, raw: &[u8]) -> Vec<u8> {
        let Some(c) = Command::parse(raw) else {
            return sw::WRONG_LENGTH.to_vec();
        };
        if !matches!(c.cla, CLA_ISO | CLA_EMV | CLA_EMV_SECURE) {
            return sw::CLA_NOT_SUPPORTED.to_vec();
        }
        match (c.cla, c.ins, c.p1, c.p2) {
            (CLA_ISO, SELECT, 0x04, _) => self.select(c.data),
            (CLA_ISO, READ_RECORD, rec, p2) if p2 & 0x07 == 0x04 => self.read_record(rec, p2),
            (CLA_EMV, GET_PROCESSING_OPTIONS, 0x00, 0x00) => self.gpo(c.data),
            (CLA_EMV, GET_DATA, p1, p2) => self.get_data(p1, p2),
            (CLA_EMV, GENERATE_AC, p1, _) => self.generate_ac(p1, c.data),
            (CLA_ISO, EXTERNAL_AUTHENTICATE, _, _) => self.external_authenticate(c.data),
            // Issuer script commands (secure messaging, CLA 84): card block,
            // application block / unblock, PIN change / unblock, PUT DATA, UPDATE RECORD.
            (CLA_EMV_SECURE, ins, _, _) if crate::instructions::of(ins).is_some_and(|i| i.script) => {
                if c.ins == PIN_CHANGE_UNBLOCK {
                    self.memory.get().pin_tries = self.profile.issuer.pin_tries;
                }
                sw::OK.to_vec()
            }
            _ => sw::INS_NOT_SUPPORTED.to_vec(),
        }
    }
}

impl SmartCard for EmvCard {
    fn atr(&self) -> Vec<u8> {
        match self.field {
            // A PBOC contact card's T=0 ATR, and a contactless one as PC/SC shows it.
            Field::Contact => h("3B6A00000031C0A1000000000000"),
            Field::Contactless => h("3B8880010000000000718100F9"),
        }
    }

    fn power_on(&mut self) {
        self.selected = None;
        self.gpo_done = false;
        self.last_arqc = None;
        self.issuer_authenticated = false;
    }

    fn transmit(&mut self, command: &[u8]) -> Vec<u8> {
        self.process(command)
    }

    fn answer_delay(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.profile.behaviour.slow_ms)
    }

    fn present(&self) -> bool {
        self.present
    }
}

#[cfg(test)]
mod tests;
