//! The money invariants a fault campaign checks after each injection and
//! its recovery, read from the host's journal on the timeline (what crossed
//! the wire), the host's ledger (what it authorised) and the receipts.
//! Pure functions of that evidence, so each is tested on its own.

use super::injection::Injection;
use crate::events::{Event, Kind};
use crate::host::ledger::{Record, State, Totals};
use crate::iso8583::txn::TxnKind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One invariant's verdict.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub held: bool,
    pub detail: String,
}

/// The invariants, by name, in the order the table shows them.
pub const NAMES: [&str; 5] = [
    "approved-booked",
    "reversal-first",
    "settlement-balances",
    "stan-unique",
    "receipt-or-reprint",
];

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
        self.field(60).and_then(|f| f.get(2..8)).unwrap_or("000000")
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

fn check(name: &str, held: bool, detail: impl Into<String>) -> Check {
    Check {
        name: name.into(),
        held,
        detail: detail.into(),
    }
}

/// Every invariant, in [`NAMES`] order.
pub fn check_all(ev: &Evidence<'_>) -> Vec<Check> {
    let journal = journal(ev.events);
    let settlement = Settlement::of(&journal, ev);
    vec![
        approved_booked(&settlement),
        reversal_first(ev, &journal),
        settlement_balances(&settlement),
        stan_unique(&journal),
        receipt_or_reprint(ev),
    ]
}

/// The recovery's settlement as the host saw it.
enum Settlement {
    NotOffered,
    Missing,
    Seen(Settled),
}

/// A settlement the host answered.
struct Settled {
    balanced: bool,
    host: Totals,
    terminal: Option<Totals>,
    /// The batch upload's (STAN, amount) records, when there was one.
    uploaded: Option<Vec<(String, u64)>>,
    /// What the host approved in that batch and still stands.
    standing: Vec<Record>,
}

impl Settlement {
    fn of(journal: &[Message<'_>], ev: &Evidence<'_>) -> Settlement {
        if !ev.settles {
            return Settlement::NotOffered;
        }
        let Some((i, request)) = journal
            .iter()
            .enumerate()
            .rfind(|(_, m)| m.received && m.txn == TxnKind::Settlement && m.seq >= ev.recovery_from)
        else {
            return Settlement::Missing;
        };
        let answer = journal[i..]
            .iter()
            .find(|m| !m.received && m.txn == TxnKind::Settlement);
        let Some(answer) = answer else {
            return Settlement::Missing;
        };
        let f48 = answer.field(48).unwrap_or("");
        let terminal_id = request.field(41).unwrap_or("").trim();
        let batch = request.batch();
        let standing: Vec<Record> = ev
            .ledger
            .iter()
            .filter(|r| r.terminal == terminal_id && r.batch == batch && r.state == State::Approved && booked(r.kind))
            .cloned()
            .collect();
        let after = &journal[i..];
        // A batch end with no upload before it is an upload of an empty batch.
        let uploaded = after
            .iter()
            .any(|m| m.received && matches!(m.txn, TxnKind::BatchUpload | TxnKind::BatchEnd));
        let uploads: Vec<(String, u64)> = after
            .iter()
            .filter(|m| m.received && m.txn == TxnKind::BatchUpload)
            .filter_map(|m| {
                let record = m.field(48)?;
                Some((record.get(0..6)?.to_string(), record.get(6..18)?.parse().ok()?))
            })
            .collect();
        Settlement::Seen(Settled {
            balanced: f48.get(30..31) == Some("1"),
            host: Totals::parse(f48).unwrap_or_default(),
            terminal: request.field(48).and_then(Totals::parse),
            uploaded: uploaded.then_some(uploads),
            standing,
        })
    }

    /// Approved at the host but not in the uploaded batch; uploaded but not standing at the host.
    fn differences(standing: &[Record], uploaded: &[(String, u64)]) -> (Vec<String>, Vec<String>) {
        let up: BTreeSet<&str> = uploaded.iter().map(|(s, _)| s.as_str()).collect();
        let host: BTreeSet<&str> = standing.iter().map(|r| r.stan.as_str()).collect();
        let missing = standing
            .iter()
            .filter(|r| !up.contains(r.stan.as_str()))
            .map(describe)
            .collect();
        let extra = uploaded
            .iter()
            .filter(|(s, _)| !host.contains(s.as_str()))
            .map(|(s, fen)| format!("STAN {s} RMB {}", yuan(*fen)))
            .collect();
        (missing, extra)
    }
}

/// The settlement the check reads, or the check's verdict when there is none.
fn settled<'a>(name: &str, s: &'a Settlement) -> Result<&'a Settled, Check> {
    match s {
        Settlement::NotOffered => Err(check(name, true, "not checked: the terminal offers no settlement")),
        Settlement::Missing => Err(check(name, false, "the recovery's settlement never reached the host")),
        Settlement::Seen(settled) => Ok(settled),
    }
}

/// Every authorisation the host approved is in the terminal's batch or was reversed.
fn approved_booked(s: &Settlement) -> Check {
    const NAME: &str = "approved-booked";
    let Settled {
        balanced,
        host,
        terminal,
        uploaded,
        standing,
    } = match settled(NAME, s) {
        Ok(settled) => settled,
        Err(verdict) => return verdict,
    };
    if *balanced {
        return check(
            NAME,
            true,
            format!("the terminal's totals are the host's: {}", totals_text(host)),
        );
    }
    match uploaded {
        Some(up) => {
            let (missing, extra) = Settlement::differences(standing, up);
            let mut why = Vec::new();
            if !missing.is_empty() {
                why.push(format!(
                    "approved at the host, neither in the terminal's batch nor reversed: {}",
                    missing.join(", ")
                ));
            }
            if !extra.is_empty() {
                why.push(format!(
                    "in the terminal's batch, not standing at the host: {}",
                    extra.join(", ")
                ));
            }
            if why.is_empty() {
                check(NAME, true, "every standing approval is in the uploaded batch")
            } else {
                check(NAME, false, why.join("; "))
            }
        }
        None => check(
            NAME,
            false,
            format!(
                "totals differ (terminal {}, host {}) and the terminal uploaded no batch",
                terminal.map(|t| totals_text(&t)).unwrap_or_else(|| "unreadable".into()),
                totals_text(host)
            ),
        ),
    }
}

fn totals_text(t: &Totals) -> String {
    format!(
        "{} debits RMB {}, {} credits RMB {}",
        t.debit_count,
        yuan(t.debit_fen),
        t.credit_count,
        yuan(t.credit_fen)
    )
}

/// Settlement balances, or the batch upload makes it balance.
fn settlement_balances(s: &Settlement) -> Check {
    const NAME: &str = "settlement-balances";
    let Settled {
        balanced,
        host,
        terminal,
        uploaded,
        standing,
    } = match settled(NAME, s) {
        Ok(settled) => settled,
        Err(verdict) => return verdict,
    };
    if *balanced {
        return check(NAME, true, "balanced at the first settlement request");
    }
    let terminal = terminal.map(|t| totals_text(&t)).unwrap_or_else(|| "unreadable".into());
    match uploaded {
        Some(up) if Settlement::differences(standing, up) == (Vec::new(), Vec::new()) => check(
            NAME,
            true,
            format!(
                "out of balance (terminal {terminal}, host {}), made good by the batch upload",
                totals_text(host)
            ),
        ),
        Some(_) => check(
            NAME,
            false,
            format!(
                "out of balance (terminal {terminal}, host {}), and the batch upload does not reconcile",
                totals_text(host)
            ),
        ),
        None => check(
            NAME,
            false,
            format!(
                "out of balance (terminal {terminal}, host {}), no batch upload",
                totals_text(host)
            ),
        ),
    }
}

/// A reversible request whose answer never reached the terminal is reversed
/// (0400 with its STAN) before the terminal's next financial request or settlement.
fn reversal_first(ev: &Evidence<'_>, journal: &[Message<'_>]) -> Check {
    const NAME: &str = "reversal-first";
    let unanswered: Vec<(usize, &Message<'_>)> = journal
        .iter()
        .enumerate()
        .filter(|(_, m)| m.received && reversible(m.txn))
        .filter(|(i, m)| {
            let struck_here = ev.injection.withholds_answer() && ev.struck_at == Some(m.seq);
            let answer_mti = m.mti.parse::<u16>().map(|n| n + 10).ok();
            let answered = journal[*i..]
                .iter()
                .any(|a| !a.received && a.field(11) == m.field(11) && a.mti.parse::<u16>().ok() == answer_mti);
            struck_here || !answered
        })
        .collect();
    if unanswered.is_empty() {
        return check(NAME, true, "no reversible request went unanswered");
    }
    let mut broken = Vec::new();
    for (i, m) in &unanswered {
        let stan = m.field(11).unwrap_or("");
        let later = &journal[i + 1..];
        let next = later.iter().position(|n| {
            n.received && n.txn != TxnKind::Reversal && (n.txn.is_financial() || n.txn == TxnKind::Settlement)
        });
        let window = &later[..next.unwrap_or(later.len())];
        let reversed = window
            .iter()
            .any(|n| n.received && n.txn == TxnKind::Reversal && n.field(11) == Some(stan));
        if !reversed {
            let what = match next {
                Some(n) => format!("the next request ({}) went first", later[n].txn.name()),
                None => "and none was ever sent".to_string(),
            };
            broken.push(format!("{} STAN {stan} was not reversed: {what}", m.txn.name()));
        }
    }
    if broken.is_empty() {
        check(
            NAME,
            true,
            format!(
                "{} unanswered request(s), each reversed before the next",
                unanswered.len()
            ),
        )
    } else {
        check(NAME, false, broken.join("; "))
    }
}

/// No STAN is used twice in a batch: no request is sent twice.
fn stan_unique(journal: &[Message<'_>]) -> Check {
    const NAME: &str = "stan-unique";
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
            m.field(41).unwrap_or("").trim().to_string(),
            m.batch().to_string(),
            m.field(11).unwrap_or("").to_string(),
        );
        uses.entry(key).or_default().push(m.txn.name());
    }
    let twice: Vec<String> = uses
        .iter()
        .filter(|(_, kinds)| kinds.len() > 1)
        .map(|((_, batch, stan), kinds)| format!("STAN {stan} in batch {batch}: {}", kinds.join(", ")))
        .collect();
    if twice.is_empty() {
        check(NAME, true, format!("{} requests, each with its own STAN", uses.len()))
    } else {
        check(NAME, false, format!("used twice: {}", twice.join("; ")))
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
fn receipt_or_reprint(ev: &Evidence<'_>) -> Check {
    const NAME: &str = "receipt-or-reprint";
    let missing = without_receipt(ev.ledger, ev.receipts);
    if missing.is_empty() {
        check(NAME, true, "every approved transaction has its receipt")
    } else {
        let list: Vec<String> = missing.iter().map(|r| describe(r)).collect();
        check(
            NAME,
            false,
            format!("no receipt, and none reprinted: {}", list.join(", ")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::injection::Injection;
    use crate::events::{Source, Timeline};

    fn fields(list: &[(u8, &str)]) -> Vec<(u8, String)> {
        list.iter().map(|(n, v)| (*n, v.to_string())).collect()
    }

    fn received(t: &Timeline, mti: &str, txn: TxnKind, f: &[(u8, &str)]) {
        let (mti, fields, raw, masked) = (mti.into(), fields(f), String::new(), Vec::new());
        t.publish(
            Source::Host,
            Kind::HostReceived {
                mti,
                txn,
                fields,
                raw,
                masked,
            },
        );
    }

    fn sent(t: &Timeline, mti: &str, txn: TxnKind, f: &[(u8, &str)]) {
        let (mti, fields, raw, masked) = (mti.into(), fields(f), String::new(), Vec::new());
        t.publish(
            Source::Host,
            Kind::HostSent {
                mti,
                txn,
                fields,
                raw,
                masked,
            },
        );
    }

    fn sale(stan: &str, state: State) -> Record {
        Record {
            terminal: "10000001".into(),
            batch: "000001".into(),
            stan: stan.into(),
            kind: TxnKind::Sale,
            pan: String::new(),
            amount_fen: 200,
            rrn: format!("RRN{stan}"),
            auth_code: String::new(),
            state,
            original: None,
        }
    }

    const F60: &str = "22000001000";

    fn verdicts(t: &Timeline, ledger: &[Record], receipts: &[String]) -> BTreeMap<String, Check> {
        let events = t.since(0);
        check_all(&Evidence {
            events: &events,
            ledger,
            injection: &Injection::none(),
            struck_at: None,
            recovery_from: 0,
            settles: true,
            receipts,
        })
        .into_iter()
        .map(|c| (c.name.clone(), c))
        .collect()
    }

    /// A sale the host approved but never answered, then a settlement that knows nothing of it.
    fn lost_sale(t: &Timeline, reversed_first: bool) {
        received(t, "0200", TxnKind::Sale, &[(11, "000002"), (41, "10000001"), (60, F60)]);
        if reversed_first {
            received(
                t,
                "0400",
                TxnKind::Reversal,
                &[(11, "000002"), (41, "10000001"), (60, F60)],
            );
            sent(t, "0410", TxnKind::Reversal, &[(11, "000002"), (39, "00")]);
        }
        let zero = "000000000000000000000000000000";
        received(
            t,
            "0500",
            TxnKind::Settlement,
            &[(11, "000003"), (41, "10000001"), (48, zero), (60, F60)],
        );
    }

    #[test]
    fn a_sale_approved_at_the_host_and_lost_by_the_terminal_breaks_booking_balance_reversal_and_receipt() {
        let t = Timeline::new();
        lost_sale(&t, false);
        let f48 = format!("{:012}{:03}{:012}{:03}2", 200, 1, 0, 0);
        sent(&t, "0510", TxnKind::Settlement, &[(11, "000003"), (48, &f48)]);
        received(
            &t,
            "0320",
            TxnKind::BatchEnd,
            &[(11, "000004"), (41, "10000001"), (60, F60)],
        );
        let v = verdicts(&t, &[sale("000002", State::Approved)], &[]);
        assert!(!v["approved-booked"].held);
        assert!(
            v["approved-booked"].detail.contains("sale STAN 000002 RMB 2.00"),
            "{:?}",
            v["approved-booked"]
        );
        assert!(!v["settlement-balances"].held);
        assert!(!v["reversal-first"].held);
        assert!(
            v["reversal-first"].detail.contains("settlement"),
            "{:?}",
            v["reversal-first"]
        );
        assert!(!v["receipt-or-reprint"].held);
        assert!(v["stan-unique"].held);
    }

    #[test]
    fn a_sale_reversed_before_the_settlement_holds_every_invariant() {
        let t = Timeline::new();
        lost_sale(&t, true);
        let f48 = format!("{:012}{:03}{:012}{:03}1", 0, 0, 0, 0);
        sent(&t, "0510", TxnKind::Settlement, &[(11, "000003"), (48, &f48)]);
        let v = verdicts(&t, &[sale("000002", State::Reversed)], &[]);
        for (name, c) in &v {
            assert!(c.held, "{name}: {}", c.detail);
        }
    }

    #[test]
    fn a_request_sent_twice_with_one_stan_breaks_stan_unique() {
        let t = Timeline::new();
        for _ in 0..2 {
            received(
                &t,
                "0200",
                TxnKind::Sale,
                &[(11, "000005"), (41, "10000001"), (60, F60)],
            );
            sent(&t, "0210", TxnKind::Sale, &[(11, "000005"), (39, "00")]);
        }
        let v = verdicts(&t, &[], &[]);
        assert!(!v["stan-unique"].held);
        assert!(v["stan-unique"].detail.contains("STAN 000005"));
    }

    #[test]
    fn a_receipt_naming_the_rrn_satisfies_receipt_or_reprint() {
        let ledger = [sale("000002", State::Approved)];
        assert_eq!(
            without_receipt(&ledger, &["参考号(REFER NO): RRN000002".into()]).len(),
            0
        );
        assert_eq!(without_receipt(&ledger, &["another slip".into()]).len(), 1);
    }
}
