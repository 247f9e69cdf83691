//! Masking of cardholder data and keys at the sinks (trace, console log,
//! receipts, host messages, JUnit, the `rig host` log, flash traces). The
//! timeline keeps clear values for the steps; every sink masks through a
//! [`Masker`], by the structure of the data and in place, so masked
//! evidence still parses (a masked frame decodes with any ISO 8583 decoder,
//! a masked APDU as the same TLV). `--evidence clear` turns it off.
//!
//! What is sensitive, per kind, is in [`kind`]; where it lies: chip data in
//! [`tlv`] and [`apdu`], host messages in [`frame`], key presses here.

pub mod apdu;
pub mod frame;
pub mod kind;
pub mod tlv;

use crate::config::terminal::TerminalProfile;
use crate::events::{Event, Kind};
pub use frame::{FieldMask, HostFields};
pub use kind::DataKind;
use regex::Regex;
use std::collections::HashSet;
use std::sync::LazyLock;

/// What the user asked the evidence to be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Evidence {
    /// Cardholder data and keys masked in place (the default).
    #[default]
    Masked,
    /// Everything as it crossed the wire: for a developer's desk with test keys only.
    Clear,
}

/// First 6 and last 4 digits kept, the rest starred (the PCI display rule).
pub fn pan(pan: &str) -> String {
    kind::shown(DataKind::Pan, pan)
}

/// Track data: the PAN masked, everything after the separator starred.
pub fn track(track: &str) -> String {
    kind::shown(DataKind::Track, track)
}

static PAN_IN_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[3-6]\d{12,18}\b").unwrap_or_else(|e| panic!("{e}")));

/// The Luhn check every card number passes.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c.wrapping_sub(b'0'));
        if d > 9 {
            return false;
        }
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// Masks anything in free text that looks like a PAN: 13-19 digits with a
/// card scheme's first digit (3-6) that pass the Luhn check. Merchant numbers,
/// amounts and trace numbers stay readable. For text whose structure is
/// unknown (display lines, failure messages); structured data is masked by
/// its structure.
pub fn text(s: &str) -> String {
    // Spans a step marked as written in the feature stay as written: the
    // reader compares them with the feature, which has them already.
    let mut out = String::with_capacity(s.len());
    for (i, part) in s.split([WRITTEN_OPEN, WRITTEN_CLOSE]).enumerate() {
        if i % 2 == 1 {
            out.push_str(part);
        } else {
            out.push_str(&PAN_IN_TEXT.replace_all(part, |c: &regex::Captures<'_>| {
                if luhn_valid(&c[0]) {
                    pan(&c[0])
                } else {
                    c[0].to_string()
                }
            }));
        }
    }
    out
}

const WRITTEN_OPEN: char = '\u{E000}';
const WRITTEN_CLOSE: char = '\u{E001}';

/// `s` marked as text the feature wrote (an expected text), which
/// [`text`] leaves as it is: a failure then quotes the feature, not a
/// masked copy of it.
pub fn as_written(s: &str) -> String {
    let plain: String = s
        .chars()
        .filter(|c| *c != WRITTEN_OPEN && *c != WRITTEN_CLOSE)
        .collect();
    format!("{WRITTEN_OPEN}{plain}{WRITTEN_CLOSE}")
}

/// Masks events for one sink. It follows the terminal's display, so it
/// must see the events in order: key presses are PIN digits while the
/// profile's `pin` prompt is up.
#[derive(Debug, Clone)]
pub struct Masker {
    evidence: Evidence,
    host: HostFields,
    pin_prompt: Option<Regex>,
    digit_keys: HashSet<String>,
    pin_entry: bool,
}

impl Masker {
    pub fn new(evidence: Evidence, host: HostFields, profile: Option<&TerminalProfile>) -> Masker {
        Masker {
            evidence,
            host,
            pin_prompt: profile.and_then(|p| p.prompt("pin").cloned()),
            digit_keys: profile
                .map(|p| ('0'..='9').map(|d| p.digit_key(d)).collect())
                .unwrap_or_default(),
            pin_entry: false,
        }
    }

    /// A masker whatever the user asked: for what is committed to the
    /// repository (snapshots).
    pub fn always(host: HostFields, profile: Option<&TerminalProfile>) -> Masker {
        Masker::new(Evidence::Masked, host, profile)
    }

    /// Free text as this sink may show it.
    pub fn text(&self, s: &str) -> String {
        match self.evidence {
            Evidence::Clear => s.to_string(),
            Evidence::Masked => text(s),
        }
    }

    /// The event as this sink may record it.
    pub fn event(&mut self, e: &Event) -> Event {
        if let Kind::Display { text, .. } = &e.kind {
            self.pin_entry = self.pin_prompt.as_ref().is_some_and(|re| re.is_match(text));
        }
        let mut e = e.clone();
        if self.evidence == Evidence::Clear {
            return e;
        }
        e.kind = self.kind(e.kind);
        e
    }

    fn kind(&self, kind: Kind) -> Kind {
        match kind {
            Kind::ConsoleLine { line } => Kind::ConsoleLine { line: text(&line) },
            Kind::Display { line, text: t } => Kind::Display {
                line: text(&line),
                text: text(&t),
            },
            Kind::Print { line, text: t } => Kind::Print {
                line: text(&line),
                text: text(&t),
            },
            Kind::CodeShown { code } => Kind::CodeShown {
                code: kind::shown(DataKind::PaymentCode, &code),
            },
            Kind::Swipe { track2, track3 } => Kind::Swipe {
                track2: track(&track2),
                track3: track3.map(|t| track(&t)),
            },
            Kind::KeyPress { key, .. } if self.is_pin_digit(&key) => Kind::KeyPress {
                key: "*".into(),
                line: None,
            },
            Kind::KeyRelease { key, .. } if self.is_pin_digit(&key) => Kind::KeyRelease {
                key: "*".into(),
                line: None,
            },
            Kind::Apdu { command, response } => {
                let (mut c, mut r) = (
                    hex::decode(&command).unwrap_or_default(),
                    hex::decode(&response).unwrap_or_default(),
                );
                apdu::response(&c, &mut r);
                apdu::command(&mut c);
                Kind::Apdu {
                    command: hex::encode_upper(c),
                    response: hex::encode_upper(r),
                }
            }
            Kind::HostReceived {
                mti, txn, fields, raw, ..
            } => {
                let (fields, raw, masked) = self.host_message(txn, fields, &raw);
                Kind::HostReceived {
                    mti,
                    txn,
                    fields,
                    raw,
                    masked,
                }
            }
            Kind::HostSent {
                mti, txn, fields, raw, ..
            } => {
                let (fields, raw, masked) = self.host_message(txn, fields, &raw);
                Kind::HostSent {
                    mti,
                    txn,
                    fields,
                    raw,
                    masked,
                }
            }
            Kind::HostWithheld {
                mti,
                txn,
                fields,
                raw,
                why,
                sent,
                ..
            } => {
                let (fields, raw, masked) = self.host_message(txn, fields, &raw);
                Kind::HostWithheld {
                    mti,
                    txn,
                    fields,
                    raw,
                    masked,
                    why,
                    sent,
                }
            }
            Kind::HostError { error, raw } => Kind::HostError {
                error: text(&error),
                raw: raw.map(|r| withheld(r.len() / 2)),
            },
            Kind::EcrSent { line } => Kind::EcrSent { line: text(&line) },
            Kind::EcrReceived { line } => Kind::EcrReceived { line: text(&line) },
            Kind::Step { text: t } => Kind::Step { text: text(&t) },
            Kind::StepStarted { text: t, line } => Kind::StepStarted { text: text(&t), line },
            Kind::StepFinished {
                text: t,
                status,
                duration_ms,
                error,
            } => Kind::StepFinished {
                text: text(&t),
                status,
                duration_ms,
                error: error.map(|e| text(&e)),
            },
            Kind::Flash { stage, detail } => Kind::Flash {
                stage,
                detail: text(&detail),
            },
            other => other,
        }
    }

    fn is_pin_digit(&self, key: &str) -> bool {
        self.pin_entry && self.digit_keys.contains(key)
    }

    /// A host message's fields and frame, masked in place; the fields are
    /// decoded from the masked frame, so they are what any decoder reads.
    fn host_message(
        &self,
        txn: crate::iso8583::txn::TxnKind,
        fields: Vec<(u8, String)>,
        raw: &str,
    ) -> (Vec<(u8, String)>, String, Vec<u8>) {
        let bytes = hex::decode(raw).unwrap_or_default();
        match frame::mask(&self.host, txn, &bytes) {
            Some(m) => (
                m.fields,
                hex::encode_upper(m.raw),
                m.masked.iter().map(|(no, _)| *no).collect(),
            ),
            // Not a frame we can read: its fields by their kinds, its bytes withheld.
            None => {
                let mut masked = Vec::new();
                let fields = fields
                    .into_iter()
                    .map(|(no, v)| match self.host.mask_of(txn, no) {
                        Some(how) => {
                            masked.push(no);
                            let kind = match how {
                                FieldMask::Data(k) => k,
                                FieldMask::ChipData => DataKind::Key,
                            };
                            (no, kind::shown(kind, &v))
                        }
                        None => (no, v),
                    })
                    .collect();
                (fields, withheld(bytes.len()), masked)
            }
        }
    }
}

fn withheld(bytes: usize) -> String {
    format!(
        "[{bytes} bytes withheld: not a frame of the dialect, so its card data cannot be found; --evidence clear shows them]"
    )
}

/// A host field's value as a person reads it: the hidden characters of a
/// masked field as `*` (host-messages.yaml, snapshots).
pub fn shown_field(how: FieldMask, value: &str) -> String {
    match how {
        FieldMask::Data(kind) => kind::shown(kind, value),
        // Chip data stays hex: its masked objects read as zeros.
        FieldMask::ChipData => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_the_feature_wrote_is_quoted_as_written() {
        let pan = "6222021234567890128";
        let message = format!("the last receipt does not show {}: card {pan}", as_written(pan));
        assert_eq!(
            text(&message),
            format!("the last receipt does not show {pan}: card 622202*********0128")
        );
    }
    use crate::events::Source;

    #[test]
    fn free_text_pans_are_masked() {
        assert_eq!(
            text("card 6222021234567890128 ok, stan 000123"),
            "card 622202*********0128 ok, stan 000123"
        );
        // A merchant number and a non-Luhn digit run stay as they are.
        assert_eq!(
            text("MID 898310048990001 n 6222021234567890"),
            "MID 898310048990001 n 6222021234567890"
        );
    }

    fn event(kind: Kind) -> Event {
        Event {
            seq: 0,
            t_us: 0,
            source: Source::Keypad,
            kind,
        }
    }

    fn display(text: &str) -> Event {
        event(Kind::Display {
            line: format!("DSP {text}"),
            text: text.into(),
        })
    }

    fn key(k: &str) -> Event {
        event(Kind::KeyPress {
            key: k.into(),
            line: Some(3),
        })
    }

    fn profile() -> TerminalProfile {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/terminals/vterm.toml");
        TerminalProfile::load(&path).expect("vterm profile")
    }

    #[test]
    fn digits_keyed_at_the_pin_prompt_are_stars_and_enter_stays() {
        let profile = profile();
        let mut m = Masker::new(Evidence::Masked, HostFields::default(), Some(&profile));
        let shown = |m: &mut Masker, e: Event| match m.event(&e).kind {
            Kind::KeyPress { key, line } => (key, line),
            _ => unreachable!(),
        };
        assert_eq!(
            shown(&mut m, key("1")),
            ("1".into(), Some(3)),
            "an amount stays readable"
        );
        m.event(&display("请输入密码 ENTER PIN | | RMB 1.00"));
        assert_eq!(shown(&mut m, key("1")), ("*".into(), None));
        assert_eq!(shown(&mut m, key("ENTER")), ("ENTER".into(), Some(3)));
        m.event(&display("处理中 PROCESSING"));
        assert_eq!(shown(&mut m, key("2")), ("2".into(), Some(3)));
        // Clear evidence: as it was.
        let mut clear = Masker::new(Evidence::Clear, HostFields::default(), Some(&profile));
        clear.event(&display("请输入密码 ENTER PIN"));
        assert_eq!(shown(&mut clear, key("1")), ("1".into(), Some(3)));
    }

    #[test]
    fn a_swipe_and_a_payment_code_are_masked() {
        let mut m = Masker::new(Evidence::Masked, HostFields::default(), None);
        let e = m.event(&event(Kind::Swipe {
            track2: "6222021234567890=29121011234".into(),
            track3: None,
        }));
        assert_eq!(
            e.kind,
            Kind::Swipe {
                track2: "622202******7890=***********".into(),
                track3: None
            }
        );
        let e = m.event(&event(Kind::CodeShown {
            code: "134567890123456789".into(),
        }));
        assert_eq!(
            e.kind,
            Kind::CodeShown {
                code: "13************6789".into()
            }
        );
    }
}
