//! What a fault campaign injects, and where: points learned from a
//! scenario's timeline, faults that apply at each, and their one-line
//! spelling (`power@host-request:sale:1`) that `rig run --inject` takes.

use crate::events::{Event, Kind};
use crate::iso8583::txn::TxnKind;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A moment of the scenario, counted the same way in every play of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "at", rename_all = "kebab-case")]
pub enum Point {
    /// The host has the n-th request of this kind (it has decided; its answer is not sent).
    HostRequest { txn: TxnKind, nth: usize },
    /// The terminal has the host's answer to that request (its next event after the answer).
    HostAnswer { txn: TxnKind, nth: usize },
    /// The card answered the n-th APDU of the scenario.
    Apdu { nth: usize },
    /// The robot pressed the n-th key.
    Key { nth: usize },
    /// The n-th receipt began to print.
    Receipt { nth: usize },
}

/// What goes wrong at a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// Nothing: the baseline play that learns the points.
    None,
    /// The supply is cut at once (a pulled plug).
    Power,
    /// The host closes the connection once it has the request.
    HostDrop,
    /// The host never answers.
    HostSilent,
    /// The host answers after the terminal's timeout.
    HostLate,
    /// The card leaves the reader right after answering.
    CardTear,
    /// The printer runs out of paper.
    PaperOut,
}

/// The kinds of fault `--faults` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FaultKind {
    /// power cut at every point
    Power,
    /// host drops / never answers / answers late, at every host request
    Host,
    /// card torn out after every APDU
    Card,
    /// paper out as every receipt starts
    Paper,
}

impl FaultKind {
    /// The faults of this kind that apply at `point`.
    pub fn faults_at(self, point: &Point) -> Vec<Fault> {
        match (self, point) {
            (FaultKind::Power, _) => vec![Fault::Power],
            (FaultKind::Host, Point::HostRequest { .. }) => vec![Fault::HostDrop, Fault::HostSilent, Fault::HostLate],
            (FaultKind::Card, Point::Apdu { .. }) => vec![Fault::CardTear],
            (FaultKind::Paper, Point::Receipt { .. }) => vec![Fault::PaperOut],
            _ => Vec::new(),
        }
    }
}

/// One fault at one point; `Fault::None` has no point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injection {
    pub fault: Fault,
    pub point: Option<Point>,
}

impl Injection {
    pub fn none() -> Injection {
        Injection {
            fault: Fault::None,
            point: None,
        }
    }

    /// Whether the terminal never got the answer to the request at this point.
    pub fn withholds_answer(&self) -> bool {
        matches!(
            (self.fault, &self.point),
            (
                Fault::Power | Fault::HostDrop | Fault::HostSilent | Fault::HostLate,
                Some(Point::HostRequest { .. })
            )
        )
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fault::None => "none",
            Fault::Power => "power",
            Fault::HostDrop => "host-drop",
            Fault::HostSilent => "host-silent",
            Fault::HostLate => "host-late",
            Fault::CardTear => "card-tear",
            Fault::PaperOut => "paper-out",
        })
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Point::HostRequest { txn, nth } => write!(f, "host-request:{}:{nth}", spelled(*txn)),
            Point::HostAnswer { txn, nth } => write!(f, "host-answer:{}:{nth}", spelled(*txn)),
            Point::Apdu { nth } => write!(f, "apdu:{nth}"),
            Point::Key { nth } => write!(f, "key:{nth}"),
            Point::Receipt { nth } => write!(f, "receipt:{nth}"),
        }
    }
}

/// A transaction's name in a spec: one word (`pre-auth_cancel`, `payment_code_sale`).
fn spelled(txn: TxnKind) -> String {
    txn.name().replace(' ', "_")
}

impl fmt::Display for Injection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.point {
            Some(p) => write!(f, "{}@{p}", self.fault),
            None => write!(f, "{}", self.fault),
        }
    }
}

impl std::str::FromStr for Injection {
    type Err = String;

    /// `none`, or `FAULT@POINT`: power@host-request:sale:1, host-late@host-request:sale:1,
    /// power@host-answer:sale:1, card-tear@apdu:7, power@key:3, paper-out@receipt:1.
    fn from_str(s: &str) -> Result<Injection, String> {
        let usage = "expected none or FAULT@POINT, e.g. power@host-request:sale:1, card-tear@apdu:7, \
                     power@key:3, paper-out@receipt:1, host-late@host-request:sale:1";
        if s == "none" {
            return Ok(Injection::none());
        }
        let (fault, point) = s.split_once('@').ok_or_else(|| format!("{s:?}: {usage}"))?;
        let fault = match fault {
            "power" => Fault::Power,
            "host-drop" => Fault::HostDrop,
            "host-silent" => Fault::HostSilent,
            "host-late" => Fault::HostLate,
            "card-tear" => Fault::CardTear,
            "paper-out" => Fault::PaperOut,
            other => return Err(format!("fault {other:?}: {usage}")),
        };
        let parts: Vec<&str> = point.split(':').collect();
        let nth = |t: &str| {
            t.parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| format!("{t:?} in {s:?} is not a count from 1"))
        };
        let txn = |t: &str| {
            TxnKind::from_name(&t.replace('_', " ")).ok_or_else(|| format!("{t:?} in {s:?} is not a transaction kind"))
        };
        let point = match parts.as_slice() {
            ["host-request", t, n] => Point::HostRequest {
                txn: txn(t)?,
                nth: nth(n)?,
            },
            ["host-answer", t, n] => Point::HostAnswer {
                txn: txn(t)?,
                nth: nth(n)?,
            },
            ["apdu", n] => Point::Apdu { nth: nth(n)? },
            ["key", n] => Point::Key { nth: nth(n)? },
            ["receipt", n] => Point::Receipt { nth: nth(n)? },
            _ => return Err(format!("point {point:?}: {usage}")),
        };
        let injection = Injection {
            fault,
            point: Some(point),
        };
        let applies = [FaultKind::Power, FaultKind::Host, FaultKind::Card, FaultKind::Paper]
            .iter()
            .any(|k| {
                injection
                    .point
                    .as_ref()
                    .is_some_and(|p| k.faults_at(p).contains(&fault))
            });
        if !applies {
            return Err(format!("{s:?}: a {fault} fault does not apply at that point"));
        }
        Ok(injection)
    }
}

/// A point as the campaign's table shows it: what happened there, in the
/// domain's words (no key names: a key may be a PIN digit).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LearnedPoint {
    pub point: Point,
    pub label: String,
}

/// Counts events into points: the same counting the injection's trigger does.
#[derive(Debug, Default)]
pub struct PointCounter {
    requests: Vec<TxnKind>,
    answered: Vec<TxnKind>,
    /// The request whose answer the host sent, waiting for the terminal's next event.
    answer_pending: Option<(TxnKind, usize)>,
    apdus: usize,
    keys: usize,
    receipts: usize,
    printing: bool,
}

impl PointCounter {
    /// The points this event is (none, one, or an answer received and a
    /// point of the terminal's own at once), with their labels.
    pub fn points_of(&mut self, e: &Event) -> Vec<LearnedPoint> {
        let nth_of = |list: &[TxnKind], txn: TxnKind| list.iter().filter(|t| **t == txn).count();
        // An answer counts as received at the terminal's first event after it.
        let terminal_side = matches!(
            e.kind,
            Kind::Display { .. } | Kind::Print { .. } | Kind::Cut { .. } | Kind::Apdu { .. } | Kind::ConsoleLine { .. }
        );
        let answered = if terminal_side {
            self.answer_pending.take().map(|(txn, nth)| LearnedPoint {
                point: Point::HostAnswer { txn, nth },
                label: format!("terminal has the answer to {} #{nth}", txn.name()),
            })
        } else {
            None
        };
        let own = match &e.kind {
            Kind::HostReceived { txn, .. } => {
                self.requests.push(*txn);
                let nth = nth_of(&self.requests, *txn);
                Some(LearnedPoint {
                    point: Point::HostRequest { txn: *txn, nth },
                    label: format!("host has request {} #{nth}", txn.name()),
                })
            }
            Kind::HostSent { txn, .. } => {
                self.answered.push(*txn);
                self.answer_pending = Some((*txn, nth_of(&self.answered, *txn)));
                None
            }
            Kind::Apdu { command, .. } => {
                self.apdus += 1;
                Some(LearnedPoint {
                    point: Point::Apdu { nth: self.apdus },
                    label: format!("APDU #{} {}", self.apdus, crate::card::apdu::command_name_of(command)),
                })
            }
            Kind::KeyPress { .. } => {
                self.keys += 1;
                Some(LearnedPoint {
                    point: Point::Key { nth: self.keys },
                    label: format!("key press #{}", self.keys),
                })
            }
            Kind::Print { .. } if !self.printing => {
                self.printing = true;
                self.receipts += 1;
                Some(LearnedPoint {
                    point: Point::Receipt { nth: self.receipts },
                    label: format!("receipt #{} starts printing", self.receipts),
                })
            }
            Kind::Cut { .. } => {
                self.printing = false;
                None
            }
            _ => None,
        };
        // The answer was received before the terminal did what follows it.
        answered.into_iter().chain(own).collect()
    }
}

/// Every point of a played scenario, in order.
pub fn learn(events: &[Arc<Event>]) -> Vec<LearnedPoint> {
    let mut counter = PointCounter::default();
    let mut out = Vec::new();
    for e in events {
        out.extend(counter.points_of(e));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Source, Timeline};

    #[test]
    fn specs_read_back_as_written() {
        for spec in [
            "none",
            "power@host-request:sale:1",
            "host-late@host-request:pre-auth_cancel:2",
            "power@host-answer:payment_code_sale:1",
            "card-tear@apdu:7",
            "power@key:3",
            "paper-out@receipt:1",
        ] {
            let injection: Injection = spec.parse().unwrap();
            assert_eq!(injection.to_string(), spec);
        }
    }

    #[test]
    fn a_fault_where_it_cannot_strike_is_refused_with_the_usage() {
        for bad in [
            "card-tear@key:1",
            "host-drop@apdu:2",
            "power@key:0",
            "power@host-request:nonsense:1",
            "melt@key:1",
        ] {
            let err = bad.parse::<Injection>().unwrap_err();
            assert!(err.contains(bad) || err.contains("expected"), "{bad}: {err}");
        }
    }

    #[test]
    fn points_count_requests_per_kind_answers_at_the_terminals_next_event_and_receipts_by_their_first_line() {
        let t = Timeline::new();
        let host = |mti: &str, txn: TxnKind, sent: bool| {
            let (fields, raw, masked) = (Vec::new(), String::new(), Vec::new());
            if sent {
                Kind::HostSent {
                    mti: mti.into(),
                    txn,
                    fields,
                    raw,
                    masked,
                }
            } else {
                Kind::HostReceived {
                    mti: mti.into(),
                    txn,
                    fields,
                    raw,
                    masked,
                }
            }
        };
        t.publish(Source::Host, host("0800", TxnKind::SignOn, false));
        t.publish(Source::Host, host("0810", TxnKind::SignOn, true));
        t.publish(
            Source::Keypad,
            Kind::KeyPress {
                key: "1".into(),
                line: None,
            },
        );
        t.publish(
            Source::Console,
            Kind::Display {
                line: String::new(),
                text: "idle".into(),
            },
        );
        t.publish(Source::Host, host("0200", TxnKind::Sale, false));
        t.publish(Source::Host, host("0210", TxnKind::Sale, true));
        t.publish(
            Source::Console,
            Kind::Print {
                line: String::new(),
                text: "a".into(),
            },
        );
        t.publish(
            Source::Console,
            Kind::Print {
                line: String::new(),
                text: "b".into(),
            },
        );
        t.publish(Source::Console, Kind::Cut { line: String::new() });
        t.publish(
            Source::Console,
            Kind::Print {
                line: String::new(),
                text: "c".into(),
            },
        );
        let points: Vec<String> = learn(&t.since(0)).iter().map(|p| p.point.to_string()).collect();
        assert_eq!(
            points,
            [
                "host-request:sign-on:1",
                "key:1",
                "host-answer:sign-on:1",
                "host-request:sale:1",
                "host-answer:sale:1",
                "receipt:1",
                "receipt:2",
            ]
        );
    }
}
