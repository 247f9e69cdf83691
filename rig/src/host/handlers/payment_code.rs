//! Payment codes (扫码): the customer's code paid, orders created, queried and cancelled.

use super::*;
use crate::iso8583::fields::field;

impl HostState {
    pub(super) fn qr_pay(&mut self, request: &Message, amount: u64) -> Result<String, Outcome> {
        let code = request
            .text(self.dialect.qr.code_field)
            .unwrap_or_default()
            .trim()
            .to_string();
        if wallet_of(&code).is_none() {
            return Err(Outcome::code("14"));
        }
        let (i, auth_code) = self.record(TxnKind::QrPay, request, code, amount, None);
        if self.next_qr_pending_polls > 0 {
            self.qr_pending
                .insert(i, std::mem::take(&mut self.next_qr_pending_polls));
            return Err(Outcome::code(&self.dialect.qr.pending_response.clone()));
        }
        Ok(auth_code)
    }

    /// The payment-code sale a query or cancel names: by original STAN in field 61 (batch + STAN).
    pub(super) fn qr_original(&self, request: &Message) -> Option<usize> {
        self.original_by_61(request, &[TxnKind::QrPay, TxnKind::QrCreateOrder])
    }

    pub(super) fn qr_query(&mut self, request: &Message) -> Outcome {
        let Some(i) = self.qr_original(request) else {
            return Outcome::code("25");
        };
        if let Some(left) = self.qr_pending.get_mut(&i) {
            if *left > 0 {
                *left -= 1;
                return Outcome::code(&self.dialect.qr.pending_response);
            }
            self.qr_pending.remove(&i);
        }
        match self.ledger.get(i).state {
            State::Approved => Outcome::ok().with(field::AUTH_CODE, Value::Text(self.ledger.get(i).auth_code.clone())),
            _ => Outcome::code("25"),
        }
    }

    pub(super) fn qr_cancel(&mut self, request: &Message) -> Outcome {
        let Some(i) = self.qr_original(request) else {
            return Outcome::code("25");
        };
        self.qr_pending.remove(&i);
        self.ledger.get_mut(i).state = State::Voided;
        Outcome::ok()
    }

    pub(super) fn qr_create_order(&mut self, request: &Message) -> Outcome {
        let amount = fen(request);
        let (i, _) = self.record(TxnKind::QrCreateOrder, request, String::new(), amount, None);
        // The customer has not paid yet: the order stays pending until they do.
        self.qr_pending.insert(i, u32::MAX);
        let url = format!("https://qr.rig.test/o/{}", self.ledger.get(i).rrn);
        Outcome::ok().with(self.dialect.qr.order_field, Value::Text(url))
    }

    /// The customer pays the newest open dynamic-code order.
    pub fn customer_pays_order(&mut self) -> bool {
        let open = self
            .qr_pending
            .keys()
            .rev()
            .copied()
            .find(|&i| self.ledger.get(i).kind == TxnKind::QrCreateOrder);
        match open {
            Some(i) => {
                self.qr_pending.remove(&i);
                true
            }
            None => false,
        }
    }
}
