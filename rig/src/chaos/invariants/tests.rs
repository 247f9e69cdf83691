//! The invariants on hand-built journals and ledgers.
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

#[test]
fn the_readme_documents_every_invariant_as_the_table_says() {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"));
    for invariant in &INVARIANTS {
        let row = format!("| `{}` | {} |", invariant.name, invariant.holds_when);
        assert!(readme.contains(&row), "README lacks the row\n{row}");
    }
}
