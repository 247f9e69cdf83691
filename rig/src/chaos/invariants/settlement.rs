//! The two invariants read from the recovery's settlement: its totals, the
//! batch upload and what the host approved and still stands.

use super::{Evidence, Finding, Message, Read, booked, broken, describe, held, yuan};
use crate::host::ledger::{Record, State, Totals, balance_flag};
use crate::iso8583::fields::field;
use crate::iso8583::txn::TxnKind;
use std::collections::BTreeSet;

/// The recovery's settlement as the host saw it.
pub(super) enum Settlement {
    NotOffered,
    Missing,
    Seen(Settled),
}

/// A settlement the host answered.
pub(super) struct Settled {
    balanced: bool,
    host: Totals,
    terminal: Option<Totals>,
    /// The batch upload's (STAN, amount) records, when there was one.
    uploaded: Option<Vec<(String, u64)>>,
    /// What the host approved in that batch and still stands.
    standing: Vec<Record>,
}

impl Settlement {
    pub(super) fn of(journal: &[Message<'_>], ev: &Evidence<'_>) -> Settlement {
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
        let f48 = answer.field(field::ADDITIONAL_DATA).unwrap_or("");
        let terminal_id = request.field(field::TERMINAL_ID).unwrap_or("").trim();
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
                let record = m.field(field::ADDITIONAL_DATA)?;
                Some((record.get(0..6)?.to_string(), record.get(6..18)?.parse().ok()?))
            })
            .collect();
        Settlement::Seen(Settled {
            balanced: f48.get(balance_flag::AT) == Some(balance_flag::BALANCED),
            host: Totals::parse(f48).unwrap_or_default(),
            terminal: request.field(field::ADDITIONAL_DATA).and_then(Totals::parse),
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
fn settled(s: &Settlement) -> Result<&Settled, Finding> {
    match s {
        Settlement::NotOffered => Err(held("not checked: the terminal offers no settlement")),
        Settlement::Missing => Err(broken("the recovery's settlement never reached the host")),
        Settlement::Seen(settled) => Ok(settled),
    }
}

/// Every authorisation the host approved is in the terminal's batch or was reversed.
pub(super) fn approved_booked(read: &Read<'_>) -> Finding {
    let Settled {
        balanced,
        host,
        terminal,
        uploaded,
        standing,
    } = match settled(&read.settlement) {
        Ok(settled) => settled,
        Err(verdict) => return verdict,
    };
    if *balanced {
        return held(format!("the terminal's totals are the host's: {}", totals_text(host)));
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
                held("every standing approval is in the uploaded batch")
            } else {
                broken(why.join("; "))
            }
        }
        None => broken(format!(
            "totals differ (terminal {}, host {}) and the terminal uploaded no batch",
            terminal.map(|t| totals_text(&t)).unwrap_or_else(|| "unreadable".into()),
            totals_text(host)
        )),
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
pub(super) fn settlement_balances(read: &Read<'_>) -> Finding {
    let Settled {
        balanced,
        host,
        terminal,
        uploaded,
        standing,
    } = match settled(&read.settlement) {
        Ok(settled) => settled,
        Err(verdict) => return verdict,
    };
    if *balanced {
        return held("balanced at the first settlement request");
    }
    let terminal = terminal.map(|t| totals_text(&t)).unwrap_or_else(|| "unreadable".into());
    match uploaded {
        Some(up) if Settlement::differences(standing, up) == (Vec::new(), Vec::new()) => held(format!(
            "out of balance (terminal {terminal}, host {}), made good by the batch upload",
            totals_text(host)
        )),
        Some(_) => broken(format!(
            "out of balance (terminal {terminal}, host {}), and the batch upload does not reconcile",
            totals_text(host)
        )),
        None => broken(format!(
            "out of balance (terminal {terminal}, host {}), no batch upload",
            totals_text(host)
        )),
    }
}
