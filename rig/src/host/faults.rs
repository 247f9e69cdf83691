//! Faults a step can script into the mock host: wrong answers, silence,
//! dropped connections, lies about the MAC or the echoed fields.

use super::txn::TxnKind;
use crate::iso8583::codec::{Message, Value};
use crate::iso8583::fields::field;
use std::time::Duration;

/// A scripted misbehaviour: of the answer's content, or of its delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    Answer(AnswerFault),
    Transport(TransportFault),
}

/// What the answer says, applied to it by the handlers (`edit_answer`, `edit_packed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerFault {
    /// Answer with this response code instead of the issuer's decision.
    Code(String),
    /// Flip a bit of the answer's MAC.
    CorruptMac,
    /// Echo another STAN (field 11).
    WrongStan,
    /// Echo another terminal ID (field 41).
    WrongTerminal,
    /// Answer with an MTI that does not belong to the request.
    WrongMti,
    /// Say the terminal's settlement totals differ from the host's (对账不平),
    /// whatever they are: the terminal must upload its batch.
    OutOfBalance,
}

/// How the answer travels, applied by the server when it delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportFault {
    /// Wait before answering.
    Delay(Duration),
    /// Read the request, never answer (the connection stays open).
    NoAnswer,
    /// Close the connection once the request is read.
    DropAfterRequest,
    /// Send the first half of the answer, then close.
    DropMidResponse,
}

/// The faults that hit one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    pub answer: Vec<AnswerFault>,
    pub transport: Vec<TransportFault>,
}

impl Faults {
    /// The response code a fault scripts in place of the issuer's.
    pub fn scripted_code(&self) -> Option<&str> {
        self.answer.iter().find_map(|f| match f {
            AnswerFault::Code(code) => Some(code.as_str()),
            _ => None,
        })
    }

    /// Edits the answer's fields and MTI as the answer faults say.
    pub fn edit_answer(&self, request: &Message, answer: &mut Message) {
        for fault in &self.answer {
            match fault {
                AnswerFault::WrongStan => {
                    let stan = request
                        .text(field::STAN)
                        .and_then(|s| s.parse::<u32>().ok())
                        .unwrap_or(0);
                    answer
                        .fields
                        .insert(field::STAN, Value::Text(format!("{:06}", (stan + 1) % 1_000_000)));
                }
                AnswerFault::WrongTerminal => {
                    answer.fields.insert(field::TERMINAL_ID, Value::Text("99999999".into()));
                }
                AnswerFault::WrongMti => {
                    // The answer to the request's advice form (0200 -> 0230).
                    if let Some(mti) = request.mti_type() {
                        answer.mti = mti.advice().answer().to_string();
                    }
                }
                AnswerFault::OutOfBalance => {
                    use super::ledger::balance_flag;
                    if let Some(f48) = answer.text(field::ADDITIONAL_DATA)
                        && f48.get(balance_flag::AT).is_some()
                    {
                        let mut f48 = f48.to_string();
                        f48.replace_range(balance_flag::AT, balance_flag::OUT_OF_BALANCE);
                        answer.fields.insert(field::ADDITIONAL_DATA, Value::Text(f48));
                    }
                }
                AnswerFault::Code(_) | AnswerFault::CorruptMac => {}
            }
        }
    }

    /// Edits the packed answer (its MAC is the last 8 bytes).
    pub fn edit_packed(&self, packed: &mut [u8]) {
        if self.answer.contains(&AnswerFault::CorruptMac)
            && let Some(last) = packed.last_mut()
        {
            *last ^= 0x01;
        }
    }
}

#[derive(Debug, Clone)]
pub struct Fault {
    /// Which requests it hits; None = every request.
    pub kind: Option<TxnKind>,
    /// How many more requests it hits; None = until cleared.
    pub remaining: Option<usize>,
    /// How many requests of its kind it lets pass first (a fault campaign's
    /// "the second sale").
    pub skip: usize,
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

    /// The faults for one request of `kind`, counting it against each.
    pub fn take(&mut self, kind: TxnKind) -> Faults {
        let mut actions = Faults::default();
        for fault in &mut self.faults {
            if fault.kind.is_some_and(|k| k != kind) || fault.remaining == Some(0) {
                continue;
            }
            if fault.skip > 0 {
                fault.skip -= 1;
                continue;
            }
            match &fault.action {
                FaultAction::Answer(a) => actions.answer.push(a.clone()),
                FaultAction::Transport(t) => actions.transport.push(t.clone()),
            }
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
            skip: 0,
            action: FaultAction::Answer(AnswerFault::Code("05".into())),
        });
        plan.add(Fault {
            kind: None,
            remaining: None,
            skip: 0,
            action: FaultAction::Transport(TransportFault::Delay(Duration::from_millis(5))),
        });
        let delay = vec![TransportFault::Delay(Duration::from_millis(5))];
        let only_delay = Faults {
            answer: vec![],
            transport: delay.clone(),
        };
        assert_eq!(plan.take(TxnKind::SignOn), only_delay);
        let both = Faults {
            answer: vec![AnswerFault::Code("05".into())],
            transport: delay,
        };
        assert_eq!(plan.take(TxnKind::Sale), both);
        assert_eq!(plan.take(TxnKind::Sale), both);
        assert_eq!(plan.take(TxnKind::Sale), only_delay);
        plan.clear();
        assert_eq!(plan.take(TxnKind::Sale), Faults::default());
    }
}
