//! One builder per kind of request the terminal sends (pos-8583.md's
//! message table): the fields each kind carries, in one place.

use super::*;
use crate::flash::PendingReversal;

impl Terminal {
    /// Network management (sign-on, echo test, downloads, settlement,
    /// batch upload): field 60 carries the batch and the management code.
    pub(super) fn network_request(&self, mti: &str, stan: u32, code: &str) -> Message {
        let mut req = Message::new(mti);
        req.set(11, format!("{stan:06}"))
            .set(41, self.params.terminal_id.clone())
            .set(42, self.params.merchant_id.clone())
            .set(60, format!("00{:06}{code}", self.flash.state.batch));
        req
    }

    /// The fields every card request shares, for field 3 `processing` and 60.1 `type_code`.
    pub(super) fn card_request(
        &self,
        card: &CardData,
        pin: &str,
        stan: u32,
        processing: &str,
        type_code: &str,
    ) -> Message {
        let mut req = Message::new("0200");
        req.set(2, card.pan.clone())
            .set(3, processing.to_string())
            .set(11, format!("{stan:06}"))
            .set(14, card.expiry.clone())
            .set(
                22,
                format!("{}{}", card.entry_mode().0, if pin.is_empty() { "2" } else { "1" }),
            )
            .set(25, "00")
            .set(35, card.track2.clone())
            .set(41, self.params.terminal_id.clone())
            .set(42, self.params.merchant_id.clone())
            .set(49, "156")
            .set(53, "1600000000000000")
            .set(60, self.params.model.field60(type_code, self.flash.state.batch));
        if let (false, Some(keys)) = (pin.is_empty(), &self.keys) {
            req.set(26, "12");
            req.set_bytes(52, crypto::pin_block(&keys.pin, pin, &card.pan).to_vec());
        }
        if let Some(t3) = &card.track3 {
            req.set(36, t3.clone());
        }
        req
    }

    /// A payment-code request (qr.md): pay, create order, query or cancel
    /// by field 3; a query or cancel names its original in field 61.
    pub(super) fn qr_request(&self, processing: &str, fen: u64, stan: u32, original: Option<u32>) -> Message {
        let mut req = Message::new("0200");
        req.set(3, processing.to_string())
            .set(4, format!("{fen:012}"))
            .set(11, format!("{stan:06}"))
            .set(22, "032")
            .set(25, "00")
            .set(41, self.params.terminal_id.clone())
            .set(42, self.params.merchant_id.clone())
            .set(49, "156")
            .set(60, format!("22{:06}00050", self.flash.state.batch));
        if let Some(orig) = original {
            req.set(61, format!("{:06}{orig:06}", self.flash.state.batch));
        }
        req
    }

    /// The reversal (0400) of a request the host did not answer validly:
    /// the original's STAN and fields, field 39 the reason.
    pub(super) fn reversal_request(&self, pending: &PendingReversal) -> Message {
        let mut req = Message::new("0400");
        req.set(2, pending.pan.clone())
            .set(3, pending.processing_code.clone())
            .set(4, format!("{:012}", pending.amount_fen))
            .set(11, format!("{:06}", pending.stan))
            .set(14, pending.expiry.clone())
            .set(22, pending.entry_mode.clone())
            .set(25, pending.condition.clone())
            .set(39, pending.reason.clone())
            .set(41, self.params.terminal_id.clone())
            .set(42, self.params.merchant_id.clone())
            .set(49, "156")
            .set(60, pending.field60.clone());
        req
    }

    /// The script result notice (0620) after issuer scripts ran on the card.
    pub(super) fn script_result_request(
        &self,
        card: &CardData,
        psn: &str,
        fen: u64,
        stan: u32,
        f55: Vec<u8>,
    ) -> Message {
        let mut req = Message::new("0620");
        req.set(2, card.pan.clone())
            .set(3, "000000")
            .set(4, format!("{fen:012}"))
            .set(11, format!("{stan:06}"))
            .set(22, "051")
            .set(23, format!("0{psn}"))
            .set(41, self.params.terminal_id.clone())
            .set(42, self.params.merchant_id.clone())
            .set(49, "156")
            .set(60, format!("00{:06}951", self.flash.state.batch))
            .set_bytes(55, f55);
        req
    }
}
