//! The PBOC contact application and qPBOC contactless (emv.md), one card
//! model per presentation over the card's lasting memory. A 云闪付 phone is
//! the contactless model with a token PAN that reports consumer device
//! verification.
//!
//! The application is one [`State`]; [`ACCEPTS`] says which commands each
//! state takes (anything else answers 6985, EMV Book 3, 6.3.5), and one file
//! per command family answers them: `select` (SELECT of the directory and
//! of an application), `records` (the files, built once; READ RECORD),
//! `processing` (GET PROCESSING OPTIONS), `authentication` (INTERNAL
//! AUTHENTICATE: DDA), `pin` (GET CHALLENGE, VERIFY: offline PIN),
//! `cryptogram` (card risk management, GENERATE AC with CDA, EXTERNAL
//! AUTHENTICATE), `cvr` (the card verification results in 9F10), `data`
//! (GET DATA), `script` (issuer script commands and their MACs). Faults (slow, torn) wrap a card: `card::faults`.

mod authentication;
mod cryptogram;
mod cvr;
mod data;
mod log;
mod pin;
mod processing;
mod records;
mod script;
mod select;

use super::apdu::{Command, Response};
use super::memory::{Lifecycle, SharedMemory};
use super::sw::Sw;
use crate::config::card::{CardKind, CardProfile, ContactProtocol};
use crate::devices::card_link::SmartCard;
use crate::instructions::{
    CLA_EMV, CLA_EMV_SECURE, CLA_ISO, EXTERNAL_AUTHENTICATE, GENERATE_AC, GET_CHALLENGE, GET_DATA,
    GET_PROCESSING_OPTIONS, INTERNAL_AUTHENTICATE, READ_RECORD, SELECT, VERIFY,
};
use iso7816_tlv::ber::Tlv;

/// How the card is presented: inserted in the slot or held to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Contact,
    Contactless,
}

/// Where the application is in one presentation (EMV Book 3, 10: the
/// transaction flow as the card sees it). Reset at power-on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Powered; nothing selected.
    Idle,
    /// The directory (PSE, PPSE) selected: its records can be read.
    Directory,
    /// An application selected (its index in the card file).
    Selected { app: usize },
    /// GET PROCESSING OPTIONS answered: the records are readable, a
    /// GENERATE AC may come.
    Initiated { app: usize },
    /// An ARQC given (first GENERATE AC, or a qPBOC GPO): the online step,
    /// EXTERNAL AUTHENTICATE and the second GENERATE AC may come.
    Online(Online),
    /// The card's last cryptogram given (TC or AAC): scripts and reads only.
    Completed { app: usize },
}

/// What the card keeps of its ARQC for the online step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Online {
    pub app: usize,
    pub arqc: [u8; 8],
    pub session_key: [u8; 16],
    pub issuer_authenticated: bool,
}

/// A state's name in [`ACCEPTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Idle,
    Directory,
    Selected,
    Initiated,
    Online,
    Completed,
}

impl State {
    pub fn phase(&self) -> Phase {
        match self {
            State::Idle => Phase::Idle,
            State::Directory => Phase::Directory,
            State::Selected { .. } => Phase::Selected,
            State::Initiated { .. } => Phase::Initiated,
            State::Online(_) => Phase::Online,
            State::Completed { .. } => Phase::Completed,
        }
    }

    /// The application selected, in any state after its selection.
    pub fn app(&self) -> Option<usize> {
        match self {
            State::Idle | State::Directory => None,
            State::Selected { app } | State::Initiated { app } | State::Completed { app } => Some(*app),
            State::Online(o) => Some(o.app),
        }
    }
}

/// The commands of one family, as [`ACCEPTS`] lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Select,
    ReadRecord,
    GetProcessingOptions,
    GetData,
    GenerateAc,
    ExternalAuthenticate,
    /// INTERNAL AUTHENTICATE: dynamic data authentication (EMV Book 2, 6.5).
    InternalAuthenticate,
    /// GET CHALLENGE and VERIFY: offline PIN (EMV Book 3, 6.5.6 and 6.5.12).
    OfflinePin,
    /// Issuer script commands (CLA 84): EMV Book 3, 10.10.
    Script,
}

/// Which command families each state takes: the card's command order in
/// one place (EMV Book 3, 10.1-10.11; Book 1, 11-12 for selection). SELECT
/// and GET DATA are taken in every state; the rest answer 6985 out of turn.
pub const ACCEPTS: &[(Phase, &[Family])] = {
    use Family::*;
    &[
        (Phase::Idle, &[Select, GetData]),
        (Phase::Directory, &[Select, GetData, ReadRecord]),
        (Phase::Selected, &[Select, GetData, ReadRecord, GetProcessingOptions]),
        (
            Phase::Initiated,
            &[
                Select,
                GetData,
                ReadRecord,
                InternalAuthenticate,
                OfflinePin,
                GenerateAc,
            ],
        ),
        (
            Phase::Online,
            &[Select, GetData, ReadRecord, GenerateAc, ExternalAuthenticate, Script],
        ),
        (Phase::Completed, &[Select, GetData, ReadRecord, Script]),
    ]
};

/// The family of a command by class and instruction; None: not this card's.
fn family(c: &Command) -> Option<Family> {
    Some(match (c.cla, c.ins) {
        (CLA_ISO, SELECT) => Family::Select,
        (CLA_ISO, READ_RECORD) => Family::ReadRecord,
        (CLA_EMV, GET_PROCESSING_OPTIONS) => Family::GetProcessingOptions,
        (CLA_EMV, GET_DATA) => Family::GetData,
        (CLA_EMV, GENERATE_AC) => Family::GenerateAc,
        (CLA_ISO, EXTERNAL_AUTHENTICATE) => Family::ExternalAuthenticate,
        (CLA_ISO, INTERNAL_AUTHENTICATE) => Family::InternalAuthenticate,
        (CLA_ISO, GET_CHALLENGE | VERIFY) => Family::OfflinePin,
        (CLA_EMV_SECURE, ins) if crate::instructions::of(ins).is_some_and(|i| i.script) => Family::Script,
        _ => return None,
    })
}

fn accepts(phase: Phase, family: Family) -> bool {
    ACCEPTS
        .iter()
        .any(|(p, families)| *p == phase && families.contains(&family))
}

pub struct EmvCard {
    profile: CardProfile,
    field: Field,
    /// ATC, PIN tries, lifecycle, script data: kept across presentations.
    memory: SharedMemory,
    /// The card's files, built once from its profile.
    records: records::Records,
    state: State,
    /// The last GET CHALLENGE's number, for one enciphered PIN.
    challenge: Option<[u8; 8]>,
    /// The card verification results of this transaction.
    cvr: cvr::Cvr,
    /// What CDA's transaction data hash covers so far: the PDOL data, then
    /// each GENERATE AC's CDOL data.
    cda_data: Vec<u8>,
    /// This transaction's ARQC: script MACs cover it.
    arqc: Option<[u8; 8]>,
}

pub(super) fn encode(tlvs: &[Tlv]) -> Vec<u8> {
    tlvs.iter().flat_map(Tlv::to_vec).collect()
}

/// BCD digits, F padded to whole bytes.
pub(super) fn bcd(digits: &str) -> Vec<u8> {
    let mut d = digits.to_string();
    if d.len() % 2 == 1 {
        d.push('F');
    }
    hex::decode(d).unwrap_or_default()
}

/// The memory of a card fresh from personalisation (its file's ATC, PIN
/// tries, and a lifecycle its `[behaviour]` may start blocked).
pub fn personalised(profile: &CardProfile) -> SharedMemory {
    let lifecycle = if profile.behaviour.blocked_card {
        Lifecycle::CardBlocked
    } else if profile.behaviour.blocked_application {
        Lifecycle::ApplicationBlocked
    } else {
        Lifecycle::Active
    };
    let memory = SharedMemory::personalised(profile.atc, profile.issuer.pin_tries, lifecycle);
    {
        let mut m = memory.get();
        m.offline_balance = profile.perso.offline_balance.fen();
        m.last_online_atc = profile.perso.last_online_atc;
    }
    memory
}

impl EmvCard {
    /// A card fresh from personalisation.
    pub fn new(profile: CardProfile, field: Field) -> EmvCard {
        let memory = personalised(&profile);
        EmvCard::with_memory(profile, field, memory)
    }

    /// The card with what it kept from earlier presentations.
    pub fn with_memory(profile: CardProfile, field: Field, memory: SharedMemory) -> EmvCard {
        EmvCard {
            records: records::Records::of(&profile, field),
            memory,
            profile,
            field,
            state: State::Idle,
            challenge: None,
            cvr: cvr::Cvr::default(),
            cda_data: Vec::new(),
            arqc: None,
        }
    }

    pub fn atc(&self) -> u16 {
        self.memory.get().atc
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    fn is_phone(&self) -> bool {
        self.profile.kind == CardKind::Phone
    }

    /// One command APDU in, one response APDU out.
    pub fn process(&mut self, raw: &[u8]) -> Vec<u8> {
        self.answer(raw).to_vec()
    }

    fn answer(&mut self, raw: &[u8]) -> Response {
        let Some(c) = Command::parse(raw) else {
            return Sw::WRONG_LENGTH.into();
        };
        if !matches!(c.cla, CLA_ISO | CLA_EMV | CLA_EMV_SECURE) {
            return Sw::CLA_NOT_SUPPORTED.into();
        }
        let Some(family) = family(&c) else {
            return Sw::INS_NOT_SUPPORTED.into();
        };
        if !accepts(self.state.phase(), family) {
            return Sw::CONDITIONS_NOT_SATISFIED.into();
        }
        match family {
            Family::Select if c.p1 == 0x04 => self.select(c.data, c.p2),
            Family::Select => Sw::WRONG_P1_P2.into(),
            Family::ReadRecord => self.read_record(c.p1, c.p2),
            Family::GetProcessingOptions => self.get_processing_options(c.data),
            Family::GetData => self.get_data(c.p1, c.p2),
            Family::GenerateAc => self.generate_ac(c.p1, c.data),
            Family::ExternalAuthenticate => self.external_authenticate(c.data),
            Family::InternalAuthenticate => self.internal_authenticate(&c),
            Family::OfflinePin if c.ins == VERIFY => self.verify(&c),
            Family::OfflinePin => self.get_challenge(&c),
            Family::Script => self.script(&c),
        }
    }
}

impl SmartCard for EmvCard {
    fn atr(&self) -> Vec<u8> {
        match self.field {
            // A PBOC contact card's T=0 ATR, a T=1 one (TD1 = 81: T=1 follows,
            // with its TCK), and a contactless one as PC/SC shows it.
            Field::Contact if self.profile.contact_protocol == ContactProtocol::T1 => {
                hex::decode("3BE900008131FE454A434F503431563232A7").unwrap_or_default()
            }
            Field::Contact => hex::decode("3B6A00000031C0A1000000000000").unwrap_or_default(),
            Field::Contactless => hex::decode("3B8880010000000000718100F9").unwrap_or_default(),
        }
    }

    fn power_on(&mut self) {
        self.state = State::Idle;
        self.challenge = None;
        self.cvr = cvr::Cvr::default();
        self.cda_data.clear();
        self.arqc = None;
    }

    fn transmit(&mut self, command: &[u8]) -> Vec<u8> {
        self.process(command)
    }
}

#[cfg(test)]
mod tests;
