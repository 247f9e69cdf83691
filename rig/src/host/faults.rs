//! Faults a step can script into the mock host: wrong answers, silence,
//! dropped connections, lies about the MAC or the echoed fields.

use super::txn::TxnKind;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer with this response code instead of the issuer's decision.
    Answer(String),
    /// Wait before answering.
    Delay(Duration),
    /// Read the request, never answer (the connection stays open).
    NoAnswer,
    /// Close the connection once the request is read.
    DropAfterRequest,
    /// Send the first half of the answer, then close.
    DropMidResponse,
    /// Flip a bit of the answer's MAC.
    CorruptMac,
    /// Echo another STAN (field 11).
    WrongStan,
    /// Echo another terminal ID (field 41).
    WrongTerminal,
    /// Answer with an MTI that does not belong to the request.
    WrongMti,
}

#[derive(Debug, Clone)]
pub struct Fault {
    /// Which requests it hits; None = every request.
    pub kind: Option<TxnKind>,
    /// How many more requests it hits; None = until cleared.
    pub remaining: Option<usize>,
    pub action: FaultAction,
}

#[derive(Debug, Default)]
pub struct FaultPlan {
    faults: Vec<Fault>,
}

impl FaultPlan {
    pub fn add(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    /// The actions for one request of `kind`, counting it against each fault.
    pub fn take(&mut self, kind: TxnKind) -> Vec<FaultAction> {
        let mut actions = Vec::new();
        for fault in &mut self.faults {
            if fault.kind.is_some_and(|k| k != kind) || fault.remaining == Some(0) {
                continue;
            }
            actions.push(fault.action.clone());
            if let Some(n) = fault.remaining.as_mut() {
                *n -= 1;
            }
        }
        self.faults.retain(|f| f.remaining != Some(0));
        actions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_count_down_per_kind() {
        let mut plan = FaultPlan::default();
        plan.add(Fault {
            kind: Some(TxnKind::Sale),
            remaining: Some(2),
            action: FaultAction::Answer("05".into()),
        });
        plan.add(Fault {
            kind: None,
            remaining: None,
            action: FaultAction::Delay(Duration::from_millis(5)),
        });
        assert_eq!(
            plan.take(TxnKind::SignOn),
            vec![FaultAction::Delay(Duration::from_millis(5))]
        );
        assert_eq!(plan.take(TxnKind::Sale).len(), 2);
        assert_eq!(plan.take(TxnKind::Sale).len(), 2);
        assert_eq!(
            plan.take(TxnKind::Sale),
            vec![FaultAction::Delay(Duration::from_millis(5))]
        );
        plan.clear();
        assert!(plan.take(TxnKind::Sale).is_empty());
    }
}
