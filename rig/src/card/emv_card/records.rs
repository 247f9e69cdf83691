//! The card's files (EMV Book 3, 5 and 10.2; PBOC 3.0 part 5, Annex B):
//! built once from the card file, read with READ RECORD by SFI and number.
//! SFI 1 is the contact directory; SFI 2 and 3 the application's data.

use super::{EmvCard, Field, State, bcd, encode};
use crate::card::apdu::Response;
use crate::card::oda::{self, RsaPrivate};
use crate::card::sw::Sw;
use crate::card::tlv::{cons, prim};
use crate::config::card::{BrokenOda, CardProfile};
use crate::config::card_perso::expiry_date;
use crate::tags;
use iso7816_tlv::ber::{Tlv, Value};
use std::collections::BTreeMap;

/// CDOL1: exactly the terminal data an ARQC covers (emv.md), in that order.
pub(super) const CDOL1: &str = "9F02069F03069F1A0295055F2A029A039C019F3704";
/// CDOL2: issuer authentication data (ARPC || ARC), ARC, then the terminal
/// data the TC / AAC covers as the terminal now gives it (emv.md, EMV Book 2 8.1).
pub(super) const CDOL2: &str = "910A8A029F02069F03069F1A0295055F2A029A039C019F3704";

/// The card's files and what was made from them once: the records by
/// (SFI, record number), the AFL that lists them, the AIP, and the ICC key
/// that signs INTERNAL AUTHENTICATE (a card with offline data
/// authentication keys).
pub(super) struct Records {
    pub(super) files: BTreeMap<(u8, u8), Vec<u8>>,
    pub(super) afl: Vec<u8>,
    pub(super) aip: [u8; 2],
    pub(super) icc: Option<RsaPrivate>,
}

/// One AFL entry (EMV Book 3, 10.2): SFI, first and last record, and how
/// many records from the first are covered by offline data authentication.
struct Locator {
    sfi: u8,
    first: u8,
    last: u8,
    signed: u8,
}

/// The SFI of the offline data authentication records (certificates and
/// signatures, themselves not signed).
const ODA_SFI: u8 = 4;
/// The DDOL (9F49): the terminal's unpredictable number.
const DDOL: &str = "9F3704";
/// The data authentication code in the signed static data (ours: Book 2, 5.4).
const DATA_AUTHENTICATION_CODE: [u8; 2] = [0xDA, 0xC1];
/// AIP byte 1 (EMV Book 3, C1): SDA, DDA, cardholder verification, terminal
/// risk management, issuer authentication; without ODA keys only the last three.
const AIP_WITH_ODA: [u8; 2] = [0x7C, 0x00];
const AIP_WITHOUT_ODA: [u8; 2] = [0x1C, 0x00];
/// The same with CDA (byte 1 bit 1), as a card file's `[perso] cda` asks.
const AIP_WITH_CDA: [u8; 2] = [0x7D, 0x00];
/// SDA without DDA (`[perso] sda_only`).
const AIP_SDA_ONLY: [u8; 2] = [0x5C, 0x00];

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_default()
}

/// Track 2 equivalent data (57): PAN D YYMM service code discretionary, F padded.
pub(super) fn track2_equivalent(p: &CardProfile) -> Vec<u8> {
    bcd(&format!("{}D{}{}{}", p.pan, p.expiry, p.service_code, p.discretionary))
}

/// The application's data as personalised (`[perso]`): the card data
/// record (PAN, dates, PSN, country) and the risk management record
/// (CDOLs, CVM list, usage control, version, currency, action codes,
/// consecutive offline limits). EMV Book 3, Annex A; PBOC 3.0 part 5, Annex B.
fn application_data(p: &CardProfile) -> (Vec<Tlv>, Vec<Tlv>) {
    let perso = &p.perso;
    let card_data = vec![
        prim(tags::PAN, &bcd(&p.pan)),
        prim(tags::EXPIRY, &expiry_date(&p.expiry)),
        prim(tags::EFFECTIVE, &perso.effective_date()),
        prim(tags::PSN, &h(&p.psn)),
        prim(tags::ISSUER_COUNTRY, &perso.country.0),
    ];
    let risk_data = vec![
        prim(tags::CDOL1, &h(CDOL1)),
        prim(tags::CDOL2, &h(CDOL2)),
        prim(tags::CVM_LIST, &perso.cvm_list()),
        prim(tags::USAGE_CONTROL, &perso.usage_control.0),
        prim(tags::APPLICATION_VERSION, &perso.application_version.0),
        prim(tags::APPLICATION_CURRENCY, &perso.currency.0),
        prim(tags::IAC_DEFAULT, &perso.iac_default.0),
        prim(tags::IAC_DENIAL, &perso.iac_denial.0),
        prim(tags::IAC_ONLINE, &perso.iac_online.0),
        prim(tags::LOWER_OFFLINE_LIMIT, &[perso.lower_offline_limit]),
        prim(tags::UPPER_OFFLINE_LIMIT, &[perso.upper_offline_limit]),
    ];
    (card_data, risk_data)
}

/// The value inside a record's template 70: what offline data
/// authentication signs of a record of SFI 1-10 (Book 3, 10.3).
fn record_content(record: &[u8]) -> Vec<u8> {
    Tlv::from_bytes(record)
        .ok()
        .map(|t| match t.value() {
            Value::Primitive(v) => v.clone(),
            Value::Constructed(inner) => inner.iter().flat_map(Tlv::to_vec).collect(),
        })
        .unwrap_or_default()
}

impl Records {
    pub(super) fn of(p: &CardProfile, field: Field) -> Records {
        let mut files = BTreeMap::new();
        if field == Field::Contact {
            let directory = super::select::directory_entries(p);
            files.insert((1, 1), encode(&[cons(tags::RECORD, directory)]));
        }
        files.insert(
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
        let (mut card_data, mut risk_data) = application_data(p);
        // `[perso] omit`: objects a kernel test card leaves out.
        let omitted = |t: &Tlv| {
            p.perso
                .omit
                .iter()
                .any(|o| **o == hex::encode_upper(t.tag().to_bytes()))
        };
        card_data.retain(|t| !omitted(t));
        risk_data.retain(|t| !omitted(t));
        // The file's [data] overrides an object where it is, or adds it to
        // the risk management record.
        for (tag, value) in &p.data {
            let written = |t: &Tlv| hex::encode_upper(t.tag().to_bytes()) == **tag;
            if let Some(t) = card_data.iter_mut().chain(risk_data.iter_mut()).find(|t| written(t)) {
                *t = prim(tag, &value.0);
            } else {
                risk_data.push(prim(tag, &value.0));
            }
        }
        files.insert((3, 1), encode(&[cons(tags::RECORD, card_data)]));
        files.insert((3, 2), encode(&[cons(tags::RECORD, risk_data)]));
        // Contact reads the track record and the card data; qPBOC only the latter.
        let mut locators = match field {
            Field::Contact => vec![
                Locator {
                    sfi: 2,
                    first: 1,
                    last: 1,
                    signed: 1,
                },
                Locator {
                    sfi: 3,
                    first: 1,
                    last: 2,
                    signed: 2,
                },
            ],
            Field::Contactless => vec![Locator {
                sfi: 3,
                first: 1,
                last: 2,
                signed: 2,
            }],
        };
        let Some(keys) = &p.oda else {
            // Nothing is signed without keys.
            locators.iter_mut().for_each(|l| l.signed = 0);
            return Records {
                afl: afl_of(&locators),
                files,
                aip: AIP_WITHOUT_ODA,
                icc: None,
            };
        };
        // The static data to be authenticated: the signed records' contents
        // in AFL order, then the values of 9F4A's tags (the AIP).
        let mut static_data: Vec<u8> = locators
            .iter()
            .flat_map(|l| (l.first..l.first + l.signed).map(move |n| (l.sfi, n)))
            .filter_map(|at| files.get(&at))
            .flat_map(|r| record_content(r))
            .collect();
        let aip = if p.perso.sda_only {
            AIP_SDA_ONLY
        } else if p.perso.cda {
            AIP_WITH_CDA
        } else {
            AIP_WITH_ODA
        };
        static_data.extend_from_slice(&aip);
        let issuer = RsaPrivate::new(&keys.issuer.modulus.0, &keys.issuer.private_exponent.0);
        let mut ssad = oda::signed_static_data(&issuer, DATA_AUTHENTICATION_CODE, &static_data);
        let (mut icc_certificate, icc_remainder) = oda::icc_certificate(
            &issuer,
            &p.pan,
            &p.expiry,
            &keys.icc.modulus.0,
            &keys.icc.exponent.0,
            &static_data,
        );
        match p.behaviour.broken_oda {
            Some(BrokenOda::SignedStaticData) => spoil(&mut ssad),
            Some(BrokenOda::IccCertificate) => spoil(&mut icc_certificate),
            _ => {}
        }
        let mut certificates = vec![
            prim(tags::CA_INDEX, &keys.ca_index.0),
            prim(tags::ISSUER_CERTIFICATE, &keys.issuer.certificate.0),
            prim(tags::ISSUER_EXPONENT, &keys.issuer.exponent.0),
            prim(tags::SDA_TAG_LIST, &h(tags::AIP)),
        ];
        if !keys.issuer.remainder.0.is_empty() {
            certificates.push(prim(tags::ISSUER_REMAINDER, &keys.issuer.remainder.0));
        }
        files.insert((ODA_SFI, 1), encode(&[cons(tags::RECORD, certificates)]));
        files.insert(
            (ODA_SFI, 2),
            encode(&[cons(tags::RECORD, vec![prim(tags::SIGNED_STATIC_DATA, &ssad)])]),
        );
        let mut icc = vec![
            prim(tags::ICC_CERTIFICATE, &icc_certificate),
            prim(tags::ICC_EXPONENT, &keys.icc.exponent.0),
            prim(tags::DDOL, &h(DDOL)),
        ];
        if !icc_remainder.is_empty() {
            icc.push(prim(tags::ICC_REMAINDER, &icc_remainder));
        }
        files.insert((ODA_SFI, 3), encode(&[cons(tags::RECORD, icc)]));
        locators.push(Locator {
            sfi: ODA_SFI,
            first: 1,
            last: 3,
            signed: 0,
        });
        Records {
            afl: afl_of(&locators),
            files,
            aip,
            icc: Some(RsaPrivate::new(&keys.icc.modulus.0, &keys.icc.private_exponent.0)),
        }
    }
}

/// A test card's wrong signature: its last byte changed.
pub(super) fn spoil(signature: &mut [u8]) {
    if let Some(last) = signature.last_mut() {
        *last ^= 0x5A;
    }
}

/// The AFL (94): four bytes an entry, the SFI in the high five bits.
fn afl_of(locators: &[Locator]) -> Vec<u8> {
    locators
        .iter()
        .flat_map(|l| [l.sfi << 3, l.first, l.last, l.signed])
        .collect()
}

impl EmvCard {
    /// P2 is the SFI in its high five bits and 100 ("P1 is a record number").
    pub(super) fn read_record(&self, number: u8, p2: u8) -> Response {
        if p2 & 0x07 != 0x04 {
            return Sw::WRONG_P1_P2.into();
        }
        let sfi = p2 >> 3;
        // The log is read outside a transaction too, once the application is selected.
        if sfi == super::log::LOG_SFI {
            if self.state.app().is_none() {
                return Sw::CONDITIONS_NOT_SATISFIED.into();
            }
            return self.read_log(number);
        }
        // The directory once selected; the application's files on a contact
        // card at any time after selection, on a contactless one once its
        // GPO has given the AFL (qPBOC reads them after the cryptogram).
        let readable = match &self.state {
            State::Directory => sfi == 1,
            State::Selected { .. } => self.field == Field::Contact,
            _ => true,
        };
        let updated = self.memory.get().records.get(&(sfi, number)).cloned();
        match updated.or_else(|| self.records.files.get(&(sfi, number)).cloned()) {
            Some(r) if readable => Response::ok(r),
            _ => Sw::RECORD_NOT_FOUND.into(),
        }
    }
}
