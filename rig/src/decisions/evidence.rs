//! What a kernel decided, read from the timeline alone: the APDUs the
//! terminal exchanged with the card (T=0's 61xx / GET RESPONSE and 6Cxx
//! folded into one exchange each) and field 55 of the host requests. The
//! last transaction is the one from the last GET PROCESSING OPTIONS on.

use crate::card::dol;
use crate::emv::parse_tlv;
use crate::events::{Event, Kind};
use crate::instructions::{GENERATE_AC, GET_PROCESSING_OPTIONS, GET_RESPONSE, INTERNAL_AUTHENTICATE, SELECT, VERIFY};
use crate::iso8583::fields::field;
use crate::tags;
use std::collections::BTreeMap;

/// A cryptogram type (Book 3, Table 12 for P1; 9F27 bits 8-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cryptogram {
    Aac,
    Tc,
    Arqc,
}

impl Cryptogram {
    /// The type in bits 8-7 of a GENERATE AC's P1 or of 9F27; None for RFU.
    pub fn of(bits: u8) -> Option<Cryptogram> {
        match bits & 0xC0 {
            0x00 => Some(Cryptogram::Aac),
            0x40 => Some(Cryptogram::Tc),
            0x80 => Some(Cryptogram::Arqc),
            _ => None,
        }
    }

    /// "an ARQC", as steps write it.
    pub fn name(self) -> &'static str {
        match self {
            Cryptogram::Aac => "an AAC",
            Cryptogram::Tc => "a TC",
            Cryptogram::Arqc => "an ARQC",
        }
    }

    pub fn named(text: &str) -> Option<Cryptogram> {
        [Cryptogram::Aac, Cryptogram::Tc, Cryptogram::Arqc]
            .into_iter()
            .find(|c| c.name() == text)
    }
}

/// One command and its whole answer (data and status word).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub command: Vec<u8>,
    pub response: Vec<u8>,
}

impl Exchange {
    fn ins(&self) -> u8 {
        self.command.get(1).copied().unwrap_or(0)
    }

    fn ok(&self) -> bool {
        self.response.ends_with(&[0x90, 0x00])
    }

    /// The command's data field (Lc bytes after the header).
    fn data(&self) -> &[u8] {
        let lc = usize::from(self.command.get(4).copied().unwrap_or(0));
        self.command.get(5..5 + lc).unwrap_or_default()
    }

    /// The answer's data objects (format 1 "80" is CID, ATC, AC, IAD).
    fn answer(&self) -> BTreeMap<String, Vec<u8>> {
        let data = &self.response[..self.response.len().saturating_sub(2)];
        if let [0x80, _, cid, atc1, atc2, rest @ ..] = data {
            let mut m = BTreeMap::new();
            m.insert(tags::CID.to_string(), vec![*cid]);
            m.insert(tags::ATC.to_string(), vec![*atc1, *atc2]);
            m.insert(tags::CRYPTOGRAM.to_string(), rest.get(..8).unwrap_or_default().to_vec());
            return m;
        }
        parse_tlv(data)
    }
}

/// The APDUs of a timeline, one exchange per command: an answer fetched
/// with GET RESPONSE after 61xx is the command's, a command sent again
/// after 6Cxx replaces the first try.
pub fn exchanges<E: AsRef<Event>>(events: &[E]) -> Vec<Exchange> {
    let mut out: Vec<Exchange> = Vec::new();
    for e in events.iter().map(AsRef::as_ref) {
        let Kind::Apdu { command, response } = &e.kind else {
            continue;
        };
        let (Ok(command), Ok(response)) = (hex::decode(command), hex::decode(response)) else {
            continue;
        };
        if let Some(last) = out.last_mut() {
            let fetching = command.get(1) == Some(&GET_RESPONSE) && last.response.first() == Some(&0x61);
            let again =
                last.response.len() == 2 && last.response[0] == 0x6C && command.get(..4) == last.command.get(..4);
            if fetching {
                last.response = response;
                continue;
            }
            if again {
                *last = Exchange { command, response };
                continue;
            }
        }
        out.push(Exchange { command, response });
    }
    out
}

/// One GENERATE AC: what the terminal asked, whether with CDA, what the
/// card answered, and the terminal data it sent (its CDOL's values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateAc {
    pub asked: Option<Cryptogram>,
    pub cda: bool,
    pub answered: Option<Cryptogram>,
    pub terminal: BTreeMap<String, Vec<u8>>,
}

/// The evidence of the last transaction.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub generate_acs: Vec<GenerateAc>,
    /// A qPBOC GPO's cryptogram (the tap's whole card side).
    pub contactless: Option<Cryptogram>,
    pub internal_authenticate: bool,
    /// VERIFY's P2 of each offline PIN try: 80 plaintext, 88 enciphered.
    pub offline_pins: Vec<u8>,
    /// Field 55 of the host's last request that carried one.
    pub field55: Option<BTreeMap<String, Vec<u8>>>,
    /// That request came after the last GENERATE AC (a script result
    /// notice): its field 55 is the terminal's latest word.
    pub field55_is_latest: bool,
    /// The application the terminal chose: the AID of its last SELECT
    /// the card accepted before the GPO (the PSE and PPSE left out).
    pub selected: Option<Vec<u8>>,
}

impl Evidence {
    pub fn of<E: AsRef<Event>>(events: &[E]) -> Evidence {
        let all = exchanges(events);
        let from = all.iter().rposition(|x| x.ins() == GET_PROCESSING_OPTIONS).unwrap_or(0);
        let transaction = &all[from..];
        let mut card = BTreeMap::new();
        let mut evidence = Evidence {
            selected: all[..from]
                .iter()
                .rev()
                .find(|x| x.ins() == SELECT && x.ok() && !x.data().ends_with(b"PAY.SYS.DDF01"))
                .map(|x| x.data().to_vec()),
            ..Evidence::default()
        };
        for x in transaction {
            if x.ok() {
                card.extend(x.answer());
            }
            match x.ins() {
                GET_PROCESSING_OPTIONS if x.ok() => {
                    evidence.contactless = x.answer().get(tags::CID).and_then(|c| Cryptogram::of(c[0]));
                }
                INTERNAL_AUTHENTICATE if x.ok() => evidence.internal_authenticate = true,
                VERIFY => evidence.offline_pins.push(x.command.get(3).copied().unwrap_or(0)),
                GENERATE_AC => {
                    let p1 = x.command.get(2).copied().unwrap_or(0);
                    let dol_tag = if evidence.generate_acs.is_empty() {
                        tags::CDOL1
                    } else {
                        tags::CDOL2
                    };
                    let terminal = card
                        .get(dol_tag)
                        .and_then(|d| dol::parse(d))
                        .and_then(|d| dol::split(&d, x.data()))
                        .map(|v| v.into_iter().collect())
                        .unwrap_or_default();
                    evidence.generate_acs.push(GenerateAc {
                        asked: Cryptogram::of(p1),
                        cda: p1 & 0x10 != 0,
                        answered: x
                            .ok()
                            .then(|| x.answer().get(tags::CID).and_then(|c| Cryptogram::of(c[0])))
                            .flatten(),
                        terminal,
                    });
                }
                _ => {}
            }
        }
        evidence.field55 = events.iter().rev().find_map(|e| match &e.as_ref().kind {
            Kind::HostReceived { fields, .. } => fields
                .iter()
                .find(|(n, _)| *n == field::CHIP_DATA)
                .and_then(|(_, v)| hex::decode(v).ok())
                .map(|f| parse_tlv(&f)),
            _ => None,
        });
        let last_ac = events.iter().rposition(|e| {
            matches!(&e.as_ref().kind, Kind::Apdu { command, .. }
                if command.get(2..4).and_then(|ins| u8::from_str_radix(ins, 16).ok()) == Some(GENERATE_AC))
        });
        let last_f55 = events.iter().rposition(|e| {
            matches!(&e.as_ref().kind, Kind::HostReceived { fields, .. }
                if fields.iter().any(|(n, _)| *n == field::CHIP_DATA))
        });
        evidence.field55_is_latest = matches!((last_f55, last_ac), (Some(f), Some(a)) if f > a);
        evidence
    }

    /// A data object the terminal decided, and where it was read: the last
    /// GENERATE AC's CDOL data, else field 55 of the host's last request;
    /// field 55 first when that request came after the last GENERATE AC
    /// (the script result notice: the TVR after template 72 scripts).
    pub fn terminal_object(&self, tag: &str) -> Option<(Vec<u8>, String)> {
        let in_f55 = || {
            self.field55
                .as_ref()
                .and_then(|f| f.get(tag))
                .map(|v| (v.clone(), "field 55 of the host's last chip request".to_string()))
        };
        if self.field55_is_latest {
            if let Some(found) = in_f55() {
                return Some(found);
            }
        }
        let at_ac = self.generate_acs.iter().enumerate().rev().find_map(|(n, ac)| {
            ac.terminal
                .get(tag)
                .map(|v| (v.clone(), format!("the {} GENERATE AC", ordinal(n))))
        });
        at_ac.or_else(|| {
            self.field55
                .as_ref()
                .and_then(|f| f.get(tag))
                .map(|v| (v.clone(), "field 55 of the host's last chip request".to_string()))
        })
    }
}

pub fn ordinal(n: usize) -> &'static str {
    match n {
        0 => "first",
        1 => "second",
        _ => "third",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Source;

    fn apdu(seq: usize, command: &str, response: &str) -> std::sync::Arc<Event> {
        std::sync::Arc::new(Event {
            seq,
            t_us: 0,
            source: Source::CardLink,
            kind: Kind::Apdu {
                command: command.into(),
                response: response.into(),
            },
        })
    }

    #[test]
    fn t0_exchanges_fold_and_the_cdol_data_gives_the_tvr() {
        let cdol1 = "9F02069F03069F1A0295055F2A029A039C019F3704";
        let events = vec![
            apdu(0, "80A8000004830201560000", "6114"),
            apdu(1, "00C0000014", "7712820200009404180101019000"),
            apdu(2, "00B2011C00", "6C1A"),
            apdu(3, "00B2011C1A", &format!("70178C15{cdol1}9000")),
            apdu(
                4,
                "80AE80001D0000000100000000000000000156000004800001562611240012345678",
                "6114",
            ),
            apdu(5, "00C0000014", "77149F2701809F360200019F2608AABBCCDDEEFF00119000"),
        ];
        let x = exchanges(&events);
        assert_eq!(x.len(), 3, "GPO, READ RECORD, GENERATE AC");
        let evidence = Evidence::of(&events);
        let ac = &evidence.generate_acs[0];
        assert_eq!(
            (ac.asked, ac.answered, ac.cda),
            (Some(Cryptogram::Arqc), Some(Cryptogram::Arqc), false)
        );
        assert_eq!(
            evidence.terminal_object("95"),
            Some((hex::decode("0000048000").unwrap(), "the first GENERATE AC".into()))
        );
    }

    fn host_request(seq: usize, f55: &str) -> std::sync::Arc<Event> {
        std::sync::Arc::new(Event {
            seq,
            t_us: 0,
            source: Source::Host,
            kind: Kind::HostReceived {
                mti: "0620".into(),
                txn: crate::iso8583::txn::TxnKind::ScriptResult,
                fields: vec![(field::CHIP_DATA, f55.into())],
                raw: String::new(),
                masked: Vec::new(),
            },
        })
    }

    #[test]
    fn a_request_after_the_last_generate_ac_is_the_terminals_latest_word() {
        let cdol1 = "9F02069F03069F1A0295055F2A029A039C019F3704";
        let mut events = vec![
            apdu(0, "80A8000004830201560000", "7712820200009404180101019000"),
            apdu(1, "00B2011C1A", &format!("70178C15{cdol1}9000")),
            apdu(
                2,
                "80AE80001D0000000100000000000000000156000004800001562611240012345678",
                "77149F2701809F360200019F2608AABBCCDDEEFF00119000",
            ),
        ];
        // Before the GENERATE AC: the GENERATE AC's data is later, it wins.
        events.insert(0, host_request(9, "95050000000010"));
        let evidence = Evidence::of(&events);
        assert_eq!(
            evidence.terminal_object("95").map(|t| t.1),
            Some("the first GENERATE AC".into())
        );
        // After it (a script result notice): its TVR, with the script bit.
        events.push(host_request(10, "95050000040010"));
        let evidence = Evidence::of(&events);
        assert_eq!(
            evidence.terminal_object("95"),
            Some((
                hex::decode("0000040010").unwrap(),
                "field 55 of the host's last chip request".into()
            ))
        );
    }
}
