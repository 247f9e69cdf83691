//! Reversals (冲正): the original found by STAN and undone in the ledger.

use super::*;
use crate::iso8583::fields::field;

impl HostState {
    /// Undoes what an approved record did to the account.
    pub(super) fn undo(&mut self, i: usize) {
        let r = self.ledger.get(i).clone();
        match r.kind {
            TxnKind::Sale | TxnKind::PreAuth | TxnKind::Completion | TxnKind::CompletionAdvice => {
                self.issuer.credit(&r.pan, r.amount_fen);
                if let (true, Some(pre)) = (
                    matches!(r.kind, TxnKind::Completion | TxnKind::CompletionAdvice),
                    r.original,
                ) {
                    // The pre-authorisation's hold comes back.
                    let hold = self.ledger.get(pre).amount_fen;
                    let _ = self.issuer.debit(&r.pan, hold);
                    self.ledger.get_mut(pre).state = State::Approved;
                }
            }
            TxnKind::Void | TxnKind::CompletionVoid | TxnKind::Refund => {
                let _ = self.issuer.debit(&r.pan, r.amount_fen);
                if let (true, Some(orig)) = (r.kind != TxnKind::Refund, r.original) {
                    self.ledger.get_mut(orig).state = State::Approved;
                }
            }
            TxnKind::PreAuthCancel => {
                let _ = self.issuer.debit(&r.pan, r.amount_fen);
                if let Some(pre) = r.original {
                    self.ledger.get_mut(pre).state = State::Approved;
                }
            }
            _ => {}
        }
        self.ledger.get_mut(i).state = State::Reversed;
    }

    /// Reversal (0400): matched to the original by terminal and STAN; a
    /// repeated reversal is answered 00 again without undoing twice.
    pub(super) fn reversal(&mut self, request: &Message) -> Outcome {
        let stan = request.text(field::STAN).unwrap_or_default();
        if let Some(i) = self.ledger.by_stan(&terminal(request), stan) {
            if self.ledger.get(i).state != State::Reversed {
                if self.ledger.get(i).amount_fen != fen(request) && request.text(field::AMOUNT).is_some() {
                    return Outcome::code("64");
                }
                self.undo(i);
            }
        }
        Outcome::ok()
    }
}
