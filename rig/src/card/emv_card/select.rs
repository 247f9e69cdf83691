//! SELECT (EMV Book 1, 11.3 and 12.3-12.4; PBOC 3.0 part 5, 11 and part
//! 12 for the PPSE): the payment system directory, and an application by
//! its AID, whole or partial.

use super::{EmvCard, Field, State, encode};
use crate::card::apdu::Response;
use crate::card::memory::Lifecycle;
use crate::card::sw::Sw;
use crate::card::tlv::{cons, prim};
use crate::tags;
use iso7816_tlv::ber::Tlv;

const PSE: &[u8] = b"1PAY.SYS.DDF01";
const PPSE: &[u8] = b"2PAY.SYS.DDF01";
/// qPBOC PDOL (emv.md): TTQ, amounts, country, TVR, currency, date, type, unpredictable number.
pub(super) const PPDOL: &str = "9F66049F02069F03069F1A0295055F2A029A039C019F3704";
/// SELECT's P2: the first or the next occurrence of a name.
const FIRST_OCCURRENCE: u8 = 0x00;
const NEXT_OCCURRENCE: u8 = 0x02;
/// Contact PDOL: the terminal's country code.
pub(super) const CPDOL: &str = "9F1A02";

impl EmvCard {
    pub(super) fn apps_by_priority(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.profile.applications.len()).collect();
        idx.sort_by_key(|&i| self.profile.applications[i].priority);
        idx
    }

    /// SELECT by name; `p2` 00 the first occurrence, 02 the next one
    /// after the application selected now (EMV Book 1, 11.3.2 and 12.3.3:
    /// how a terminal walks the applications a partial AID names).
    pub(super) fn select(&mut self, name: &[u8], p2: u8) -> Response {
        let next = match p2 {
            FIRST_OCCURRENCE => false,
            NEXT_OCCURRENCE => true,
            _ => return Sw::INCORRECT_P1_P2.into(),
        };
        let lifecycle = self.memory.get().lifecycle;
        if lifecycle == Lifecycle::CardBlocked {
            return Sw::FUNCTION_NOT_SUPPORTED.into();
        }
        let directory = match self.field {
            Field::Contact => PSE,
            Field::Contactless => PPSE,
        };
        if name == directory {
            self.state = State::Directory;
            let a5 = match self.field {
                Field::Contact => cons(
                    tags::FCI_PROPRIETARY,
                    vec![
                        prim(tags::SFI_OF_DIRECTORY, &[1]),
                        prim(tags::LANGUAGE_PREFERENCE, b"zhen"),
                    ],
                ),
                Field::Contactless => cons(
                    tags::FCI_PROPRIETARY,
                    vec![cons(tags::FCI_ISSUER_DISCRETIONARY, self.directory_entries())],
                ),
            };
            return Response::ok(encode(&[cons(tags::FCI, vec![prim(tags::DF_NAME, name), a5])]));
        }
        // Partial selection: the first application whose AID starts with
        // the name, or the first after the one selected now.
        let matching: Vec<usize> = self
            .apps_by_priority()
            .into_iter()
            .filter(|&i| self.profile.applications[i].aid.bytes().starts_with(name))
            .collect();
        let found = match (next, self.state.app()) {
            (true, Some(current)) => matching.iter().skip_while(|&&i| i != current).nth(1).copied(),
            _ => matching.first().copied(),
        };
        // A failed selection leaves the current one as it was (ISO/IEC 7816-4, 7.1.1).
        let (Some(i), false) = (found, name.is_empty()) else {
            return Sw::FILE_NOT_FOUND.into();
        };
        if lifecycle == Lifecycle::ApplicationBlocked {
            return Sw::SELECTED_FILE_INVALIDATED.into();
        }
        self.state = State::Selected { app: i };
        let app = &self.profile.applications[i];
        let pdol = if self.field == Field::Contactless { PPDOL } else { CPDOL };
        let fci = cons(
            tags::FCI,
            vec![
                prim(tags::DF_NAME, app.aid.bytes()),
                cons(
                    tags::FCI_PROPRIETARY,
                    vec![
                        prim(tags::LABEL, app.label.as_bytes()),
                        prim(tags::PRIORITY, &[app.priority]),
                        prim(tags::PDOL, &hex::decode(pdol).unwrap_or_default()),
                        // Where the transaction log is: its SFI and size.
                        cons(
                            tags::FCI_ISSUER_DISCRETIONARY,
                            vec![prim(tags::LOG_ENTRY, &[super::log::LOG_SFI, super::log::LOG_RECORDS])],
                        ),
                    ],
                ),
            ],
        );
        Response::ok(encode(&[fci]))
    }

    /// One entry (61) per application, highest priority first.
    pub(super) fn directory_entries(&self) -> Vec<Tlv> {
        directory_entries(&self.profile)
    }
}

pub(super) fn directory_entries(profile: &crate::config::card::CardProfile) -> Vec<Tlv> {
    let mut apps: Vec<_> = profile.applications.iter().collect();
    apps.sort_by_key(|a| a.priority);
    apps.into_iter()
        .map(|app| {
            cons(
                tags::DIRECTORY_ENTRY,
                vec![
                    prim(tags::AID, app.aid.bytes()),
                    prim(tags::LABEL, app.label.as_bytes()),
                    prim(tags::PRIORITY, &[app.priority]),
                ],
            )
        })
        .collect()
}
