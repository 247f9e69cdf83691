//! Reversal (冲正): the record saved before a reversible request, cleared by a valid answer, sent before the next online transaction.

use super::*;

impl Terminal {
    /// Sends a pending reversal, if any, up to `reversal_retries` times in a
    /// row while the host leaves it unanswered; the flash keeps it until the
    /// host took it. True when no reversal is pending afterwards: online
    /// work (a transaction, a settlement) goes ahead only then.
    pub(super) fn send_pending_reversal(&mut self) -> bool {
        for _ in 0..self.params.reversal_retries.max(1) {
            let Some(pending) = self.flash.state.reversal.clone() else {
                return true;
            };
            let Some(keys) = &self.keys else { return false };
            self.console.display(&["冲正中 REVERSING", "请稍候 PLEASE WAIT"]);
            let req = self.reversal_request(&pending);
            let mut req = req;
            let answered = self
                .link
                .pack(&mut req, Some(&keys.mac))
                .ok()
                .and_then(|body| self.link.exchange(&body).ok())
                .is_some_and(|(raw, resp)| {
                    resp.mti == "0410" && resp.text(11) == req.text(11) && host_link::mac_valid(&keys.mac, &raw)
                });
            if answered {
                self.console.log(&format!("reversal of {:06} accepted", pending.stan));
                self.flash.state.reversal = None;
            } else if let Some(r) = self.flash.state.reversal.as_mut() {
                r.tries += 1;
            }
            let _ = self.flash.save();
        }
        self.flash.state.reversal.is_none()
    }

    /// Before a transaction goes online: true (and the failure shown) when
    /// the pending reversal stays unanswered, so the transaction must not go.
    pub(super) fn reversal_blocks(&mut self) -> bool {
        if self.send_pending_reversal() {
            return false;
        }
        self.console.display(&["交易失败 FAILED", "冲正失败 REVERSAL FAILED"]);
        true
    }

    /// Records the reversal of `req` in flash before it is sent.
    pub(super) fn arm_reversal(&mut self, req: &Message, stan: u32, fen: u64) -> Result<(), String> {
        let text = |f: u8| req.text(f).unwrap_or_default().to_string();
        self.flash.state.reversal = Some(PendingReversal {
            mti: req.mti.clone(),
            stan,
            pan: text(2),
            processing_code: text(3),
            // The regression image's bug: the receipt shows ten times the amount.
            amount_fen: if self.firmware.receipt_amount_bug {
                fen * 10
            } else {
                fen
            },
            expiry: text(14),
            entry_mode: text(22),
            condition: text(25),
            field60: text(60),
            reason: "98".into(),
            tries: 0,
        });
        self.flash.save().map_err(|e| format!("flash: {e}"))
    }

    pub(super) fn settle_if(&mut self, reversible: bool, reason: Option<&str>) {
        if reversible {
            self.settle_reversal(reason);
        }
    }

    /// Keeps (with `reason`) or clears the armed reversal after an exchange.
    pub(super) fn settle_reversal(&mut self, reason: Option<&str>) {
        match reason {
            Some(reason) => {
                if let Some(r) = self.flash.state.reversal.as_mut() {
                    r.reason = reason.to_string();
                }
            }
            None => self.flash.state.reversal = None,
        }
        let _ = self.flash.save();
    }
}
