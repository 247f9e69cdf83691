//! The money invariants a fault campaign checks after each injection and
//! its recovery, read from the host's journal on the timeline (what crossed
//! the wire), the host's ledger (what it authorised) and the receipts.
//! Pure functions of that evidence, so each is tested on its own.

use super::injection::Injection;
use crate::events::{Event, Kind};
use crate::host::ledger::{Record, State};
use crate::iso8583::fields::{self, field};
use crate::iso8583::mti::Mti;
use crate::iso8583::txn::TxnKind;
use serde::{Deserialize, Serialize};
use settlement::Settlement;
use std::collections::BTreeMap;
use std::sync::Arc;

mod settlement;

/// One invariant's verdict.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub held: bool,
    pub detail: String,
}

/// One money invariant: its name (in chaos.json, the table and junit.xml),
/// when it holds (for `rig chaos --help` and the README) and its check.
pub struct Invariant {
    pub name: &'static str,
    pub holds_when: &'static str,
    check: fn(&Read<'_>) -> Finding,
}

/// Every invariant, in the order the campaign's table shows them: the one
/// place that names, runs and documents them.
pub const INVARIANTS: [Invariant; 5] = [
    Invariant {
        name: "approved-booked",
        holds_when: "every authorisation the host approved is in the terminal's batch or was reversed (none lost, none charged twice)",
        check: settlement::approved_booked,
    },
    Invariant {
        name: "reversal-first",
        holds_when: "a reversible request whose answer never reached the terminal is reversed before its next financial request or settlement (a pending reversal survives the power cut)",
        check: reversal_first,
    },
    Invariant {
        name: "settlement-balances",
        holds_when: "settlement balances, or the batch upload makes it balance",
        check: settlement::settlement_balances,
    },
    Invariant {
        name: "stan-unique",
        holds_when: "no STAN is used twice in a batch: no request was sent twice",
        check: stan_unique,
    },
    Invariant {
        name: "receipt-or-reprint",
        holds_when: "every approved transaction has a receipt, or its reprint printed one",
        check: receipt_or_reprint,
    },
];

/// The invariants' names, in table order.
pub fn names() -> impl Iterator<Item = &'static str> {
    INVARIANTS.iter().map(|i| i.name)
}

/// What a check found: whether the invariant held, and why.
type Finding = (bool, String);

fn held(detail: impl Into<String>) -> Finding {
    (true, detail.into())
}

fn broken(detail: impl Into<String>) -> Finding {
    (false, detail.into())
}

/// What every check reads, gathered once per play.
struct Read<'a> {
    ev: &'a Evidence<'a>,
    journal: Vec<Message<'a>>,
    settlement: Settlement,
}

/// What the checks read.
pub struct Evidence<'a> {
    pub events: &'a [Arc<Event>],
    pub ledger: &'a [Record],
    pub injection: &'a Injection,
    /// The event the fault struck at (its sequence number), if it did.
    pub struck_at: Option<usize>,
    /// Where the recovery began on the timeline (sequence number).
    pub recovery_from: usize,
    /// The terminal offers settlement (its profile's capabilities).
    pub settles: bool,
    /// Every receipt printed, in clear (the checks compare RRNs).
    pub receipts: &'a [String],
}

/// A request or answer of the host's journal.
struct Message<'a> {
    seq: usize,
    received: bool,
    mti: &'a str,
    txn: TxnKind,
    fields: &'a [(u8, String)],
}

impl Message<'_> {
    fn field(&self, n: u8) -> Option<&str> {
        self.fields.iter().find(|(f, _)| *f == n).map(|(_, v)| v.as_str())
    }
    fn batch(&self) -> &str {
        fields::batch_of(self.field(field::RESERVED_60))
    }
}

fn journal(events: &[Arc<Event>]) -> Vec<Message<'_>> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::HostReceived { mti, txn, fields, .. } => Some((e.seq, true, mti, txn, fields)),
            Kind::HostSent { mti, txn, fields, .. } => Some((e.seq, false, mti, txn, fields)),
            _ => None,
        })
        .map(|(seq, received, mti, txn, fields)| Message {
            seq,
            received,
            mti,
            txn: *txn,
            fields,
        })
        .collect()
}

/// Requests a terminal must reverse when their answer did not reach it
/// (the refund advice too: the host may have credited it).
pub fn reversible(txn: TxnKind) -> bool {
    // Every financial kind but the completion advice (sent offline, never reversed).
    txn.is_financial() && txn != TxnKind::CompletionAdvice
}

/// Kinds that settlement counts (debits and credits).
fn booked(kind: TxnKind) -> bool {
    matches!(
        kind,
        TxnKind::Sale | TxnKind::Completion | TxnKind::CompletionAdvice | TxnKind::QrPay | TxnKind::Refund
    )
}

fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn describe(r: &Record) -> String {
    format!(
        "{} STAN {} RMB {} (RRN {})",
        r.kind.name(),
        r.stan,
        yuan(r.amount_fen),
        r.rrn
    )
}

/// Every invariant's verdict, in [`INVARIANTS`] order.
pub fn check_all(ev: &Evidence<'_>) -> Vec<Check> {
    let journal = journal(ev.events);
    let settlement = Settlement::of(&journal, ev);
    let read = Read {
        ev,
        journal,
        settlement,
    };
    INVARIANTS
        .iter()
        .map(|invariant| {
            let (held, detail) = (invariant.check)(&read);
            Check {
                name: invariant.name.to_string(),
                held,
                detail,
            }
        })
        .collect()
}

/// A reversible request whose answer never reached the terminal is reversed
/// (0400 with its STAN) before the terminal's next financial request or settlement.
fn reversal_first(read: &Read<'_>) -> Finding {
    let (ev, journal) = (read.ev, &read.journal);
    let unanswered: Vec<(usize, &Message<'_>)> = journal
        .iter()
        .enumerate()
        .filter(|(_, m)| m.received && reversible(m.txn))
        .filter(|(i, m)| {
            let struck_here = ev.injection.withholds_answer() && ev.struck_at == Some(m.seq);
            let answer_mti = m.mti.parse::<Mti>().map(Mti::answer).ok();
            let answered = journal[*i..].iter().any(|a| {
                !a.received && a.field(field::STAN) == m.field(field::STAN) && a.mti.parse::<Mti>().ok() == answer_mti
            });
            struck_here || !answered
        })
        .collect();
    if unanswered.is_empty() {
        return held("no reversible request went unanswered");
    }
    let mut unreversed = Vec::new();
    for (i, m) in &unanswered {
        let stan = m.field(field::STAN).unwrap_or("");
        let later = &journal[i + 1..];
        let next = later.iter().position(|n| {
            n.received && n.txn != TxnKind::Reversal && (n.txn.is_financial() || n.txn == TxnKind::Settlement)
        });
        let window = &later[..next.unwrap_or(later.len())];
        let reversed = window
            .iter()
            .any(|n| n.received && n.txn == TxnKind::Reversal && n.field(field::STAN) == Some(stan));
        if !reversed {
            let what = match next {
                Some(n) => format!("the next request ({}) went first", later[n].txn.name()),
                None => "and none was ever sent".to_string(),
            };
            unreversed.push(format!("{} STAN {stan} was not reversed: {what}", m.txn.name()));
        }
    }
    if unreversed.is_empty() {
        held(format!(
            "{} unanswered request(s), each reversed before the next",
            unanswered.len()
        ))
    } else {
        broken(unreversed.join("; "))
    }
}

/// No STAN is used twice in a batch: no request is sent twice.
fn stan_unique(read: &Read<'_>) -> Finding {
    let journal = &read.journal;
    let mut uses: BTreeMap<(String, String, String), Vec<&str>> = BTreeMap::new();
    for m in journal.iter().filter(|m| m.received) {
        let exempt = matches!(
            m.txn,
            // A reversal carries its original's STAN; the network messages
            // and the batch upload are not transactions of the batch.
            TxnKind::Reversal
                | TxnKind::BatchUpload
                | TxnKind::BatchEnd
                | TxnKind::SignOn
                | TxnKind::SignOff
                | TxnKind::EchoTest
                | TxnKind::Download
        );
        if exempt {
            continue;
        }
        let key = (
            m.field(field::TERMINAL_ID).unwrap_or("").trim().to_string(),
            m.batch().to_string(),
            m.field(field::STAN).unwrap_or("").to_string(),
        );
        uses.entry(key).or_default().push(m.txn.name());
    }
    let twice: Vec<String> = uses
        .iter()
        .filter(|(_, kinds)| kinds.len() > 1)
        .map(|((_, batch, stan), kinds)| format!("STAN {stan} in batch {batch}: {}", kinds.join(", ")))
        .collect();
    if twice.is_empty() {
        held(format!("{} requests, each with its own STAN", uses.len()))
    } else {
        broken(format!("used twice: {}", twice.join("; ")))
    }
}

/// Receipts a transaction the host approved and that still stands should have.
pub fn without_receipt<'a>(ledger: &'a [Record], receipts: &[String]) -> Vec<&'a Record> {
    ledger
        .iter()
        .filter(|r| matches!(r.state, State::Approved | State::Voided | State::Closed))
        // The kinds that print a slip are those reversed when unanswered.
        .filter(|r| reversible(r.kind))
        .filter(|r| !r.rrn.is_empty() && !receipts.iter().any(|slip| slip.contains(&r.rrn)))
        .collect()
}

/// Every approved transaction has a receipt, or its reprint printed one.
fn receipt_or_reprint(read: &Read<'_>) -> Finding {
    let ev = read.ev;
    let missing = without_receipt(ev.ledger, ev.receipts);
    if missing.is_empty() {
        held("every approved transaction has its receipt")
    } else {
        let list: Vec<String> = missing.iter().map(|r| describe(r)).collect();
        broken(format!("no receipt, and none reprinted: {}", list.join(", ")))
    }
}

#[cfg(test)]
mod tests;
