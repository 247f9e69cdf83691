//! Settlement (结算): the terminal's totals against the ledger's.

use super::*;

impl HostState {
    pub(super) fn settlement(&mut self, request: &Message) -> Outcome {
        let ours = self.ledger.totals(&terminal(request), &batch(request));
        let theirs = request.text(48).and_then(Totals::parse);
        let balanced = theirs == Some(ours);
        Outcome::ok().with(48, Value::Text(ours.to_field48(balanced)))
    }
}
