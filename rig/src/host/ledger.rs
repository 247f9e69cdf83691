//! The host's own record of what it authorised: what voids, refunds,
//! completions and reversals refer to, and what settlement reconciles.

use super::txn::TxnKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Approved,
    Voided,
    Reversed,
    /// A pre-authorisation that a completion or cancel has used up.
    Closed,
}

#[derive(Debug, Clone)]
pub struct Record {
    pub terminal: String,
    pub batch: String,
    pub stan: String,
    pub kind: TxnKind,
    pub pan: String,
    pub amount_fen: u64,
    pub rrn: String,
    pub auth_code: String,
    pub state: State,
    /// The record this one acted on (void -> sale, completion -> pre-auth, ...).
    pub original: Option<usize>,
}

/// Settlement totals of field 48: debits (sales, completions) and credits (refunds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub debit_fen: u64,
    pub debit_count: u32,
    pub credit_fen: u64,
    pub credit_count: u32,
}

/// Where field 48's balance flag sits in a settlement answer (after the
/// domestic totals) and its two values.
pub mod balance_flag {
    pub const AT: std::ops::Range<usize> = 30..31;
    pub const BALANCED: &str = "1";
    pub const OUT_OF_BALANCE: &str = "2";
}

impl Totals {
    /// debit amount n12, count n3, credit amount n12, count n3 (the domestic part of f48).
    pub fn parse(f48: &str) -> Option<Totals> {
        let n = |r: std::ops::Range<usize>| f48.get(r).and_then(|s| s.parse::<u64>().ok());
        Some(Totals {
            debit_fen: n(0..12)?,
            debit_count: n(12..15)? as u32,
            credit_fen: n(15..27)?,
            credit_count: n(27..30)? as u32,
        })
    }

    /// Field 48 of the answer with the balance flag: 1 balanced, 2 out of balance.
    pub fn to_field48(self, balanced: bool) -> String {
        let flag = if balanced {
            balance_flag::BALANCED
        } else {
            balance_flag::OUT_OF_BALANCE
        };
        let zero = format!("{:012}{:03}{:012}{:03}{}", 0, 0, 0, 0, 0);
        format!(
            "{:012}{:03}{:012}{:03}{flag}{zero}",
            self.debit_fen, self.debit_count, self.credit_fen, self.credit_count
        )
    }
}

#[derive(Debug, Default)]
pub struct Ledger {
    records: Vec<Record>,
    /// (terminal, batch, STAN, kind) of every record, for duplicate checks in O(1).
    seen: std::collections::HashSet<(String, String, String, TxnKind)>,
}

impl Ledger {
    pub fn add(&mut self, record: Record) -> usize {
        self.seen.insert((
            record.terminal.clone(),
            record.batch.clone(),
            record.stan.clone(),
            record.kind,
        ));
        self.records.push(record);
        self.records.len() - 1
    }

    /// Forgets every record (a host that runs for ever, such as a fuzzer's).
    pub fn forget_all(&mut self) {
        self.records.clear();
        self.seen.clear();
    }

    /// Every record, in the order the host made them.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    pub fn get(&self, i: usize) -> &Record {
        &self.records[i]
    }

    pub fn get_mut(&mut self, i: usize) -> &mut Record {
        &mut self.records[i]
    }

    fn find(&self, pick: impl Fn(&Record) -> bool) -> Option<usize> {
        self.records.iter().rposition(pick)
    }

    /// The request this terminal sent with this STAN (what a reversal names).
    pub fn by_stan(&self, terminal: &str, stan: &str) -> Option<usize> {
        self.find(|r| r.terminal == terminal && r.stan == stan && r.kind != TxnKind::Reversal)
    }

    /// Field 61 of void-like requests: original batch n6 + STAN n6.
    pub fn by_batch_stan(&self, terminal: &str, batch: &str, stan: &str, kinds: &[TxnKind]) -> Option<usize> {
        self.find(|r| r.terminal == terminal && r.batch == batch && r.stan == stan && kinds.contains(&r.kind))
    }

    pub fn by_rrn(&self, rrn: &str, kinds: &[TxnKind]) -> Option<usize> {
        self.find(|r| r.rrn == rrn && kinds.contains(&r.kind))
    }

    pub fn by_auth_code(&self, terminal: &str, auth_code: &str, kinds: &[TxnKind]) -> Option<usize> {
        self.find(|r| r.terminal == terminal && r.auth_code == auth_code && kinds.contains(&r.kind))
    }

    /// Whether this terminal already used this STAN in this batch for a request of this kind.
    pub fn is_duplicate(&self, terminal: &str, batch: &str, stan: &str, kind: TxnKind) -> bool {
        self.records
            .iter()
            .any(|r| r.terminal == terminal && r.batch == batch && r.stan == stan && r.kind == kind)
    }

    /// What the host counts for one terminal's batch.
    pub fn totals(&self, terminal: &str, batch: &str) -> Totals {
        let mut t = Totals::default();
        for r in self
            .records
            .iter()
            .filter(|r| r.terminal == terminal && r.batch == batch && r.state == State::Approved)
        {
            match r.kind {
                TxnKind::Sale | TxnKind::Completion | TxnKind::CompletionAdvice | TxnKind::QrPay => {
                    t.debit_fen += r.amount_fen;
                    t.debit_count += 1;
                }
                TxnKind::Refund => {
                    t.credit_fen += r.amount_fen;
                    t.credit_count += 1;
                }
                _ => {}
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field48_round_trips_and_carries_the_flag() {
        let t = Totals {
            debit_fen: 12345,
            debit_count: 2,
            credit_fen: 100,
            credit_count: 1,
        };
        let f48 = t.to_field48(false);
        assert_eq!(&f48[..31], "0000000123450020000000001000012");
        assert_eq!(Totals::parse(&f48), Some(t));
    }
}
