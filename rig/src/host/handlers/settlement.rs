//! Settlement (结算): the terminal's totals against the ledger's.

use super::*;
use crate::iso8583::fields::field;

impl HostState {
    pub(super) fn settlement(&mut self, request: &Message) -> Outcome {
        let ours = self.ledger.totals(&terminal(request), &batch(request));
        let theirs = request.text(field::ADDITIONAL_DATA).and_then(Totals::parse);
        let balanced = theirs == Some(ours);
        Outcome::ok().with(field::ADDITIONAL_DATA, Value::Text(ours.to_field48(balanced)))
    }
}
