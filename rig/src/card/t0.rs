//! T=0 as a contact card speaks it (ISO/IEC 7816-3, 10.3 and ISO/IEC
//! 7816-4, 5.3.2; EMV Book 1, 9.3.1 and Annex A): a command that carries
//! data and wants data back (case 4) is answered 61xx, the data waits for
//! GET RESPONSE; a command that only wants data back (case 2) with another
//! length than the card's is answered 6Cxx, and the reader sends it again
//! with that length. A wrapper around any card, so the card model answers
//! APDUs and this layer alone knows the protocol; a contactless card (ISO
//! 14443-4) and a contact card whose file asks for T=1 are not wrapped.

use crate::card::apdu::Command;
use crate::card::sw::Sw;
use crate::devices::card_link::SmartCard;
use crate::instructions::GET_RESPONSE;
use std::time::Duration;

pub struct T0<C> {
    pub card: C,
    /// The answer of the last case-4 command, data and status word, until
    /// GET RESPONSE takes it or another command drops it.
    waiting: Option<Vec<u8>>,
}

impl<C> T0<C> {
    pub fn new(card: C) -> T0<C> {
        T0 { card, waiting: None }
    }
}

/// The length a P3 / Le byte asks for: 00 is 256.
fn asked(le: u8) -> usize {
    if le == 0 { 256 } else { usize::from(le) }
}

impl<C: SmartCard> T0<C> {
    fn get_response(&mut self, le: Option<u8>) -> Vec<u8> {
        let Some(answer) = self.waiting.take() else {
            return Sw::CONDITIONS_NOT_SATISFIED.bytes().to_vec();
        };
        let data_len = answer.len() - 2;
        match le {
            Some(le) if asked(le) == data_len => answer,
            // Another length: say the right one, keep the data for the next try.
            _ => {
                self.waiting = Some(answer);
                Sw::wrong_le(data_len).bytes().to_vec()
            }
        }
    }
}

impl<C: SmartCard> SmartCard for T0<C> {
    fn atr(&self) -> Vec<u8> {
        self.card.atr()
    }
    fn power_on(&mut self) {
        self.waiting = None;
        self.card.power_on();
    }
    fn power_off(&mut self) {
        self.waiting = None;
        self.card.power_off();
    }
    fn present(&self) -> bool {
        self.card.present()
    }
    fn answer_delay(&self) -> Duration {
        self.card.answer_delay()
    }

    fn transmit(&mut self, command: &[u8]) -> Vec<u8> {
        let Some(c) = Command::parse(command) else {
            return self.card.transmit(command);
        };
        if c.ins == GET_RESPONSE {
            return self.get_response(c.le);
        }
        self.waiting = None;
        let answer = self.card.transmit(command);
        let data_len = answer.len().saturating_sub(2);
        if data_len == 0 {
            return answer;
        }
        if !c.data.is_empty() {
            // Case 4: the data waits for GET RESPONSE.
            self.waiting = Some(answer);
            return Sw::response_waiting(data_len).bytes().to_vec();
        }
        match c.le {
            Some(le) if asked(le) == data_len => answer,
            // Case 2 with another length: the reader asks again with this one.
            _ => Sw::wrong_le(data_len).bytes().to_vec(),
        }
    }
}

/// A card as its interface carries it: a contact card of a T=0 file
/// wrapped in T=0, anything else as it is.
pub fn as_transported(
    card: Box<dyn SmartCard>,
    field: crate::card::emv_card::Field,
    protocol: crate::config::card::ContactProtocol,
) -> Box<dyn SmartCard> {
    use crate::card::emv_card::Field;
    use crate::config::card::ContactProtocol;
    match (field, protocol) {
        (Field::Contact, ContactProtocol::T0) => Box::new(T0::new(card)),
        _ => card,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::emv_card::{EmvCard, Field};

    fn card() -> T0<EmvCard> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/cards");
        let cards = crate::config::card::load_dir(std::path::Path::new(path)).expect("the card files");
        T0::new(EmvCard::new(cards["unionpay-debit-chip"].clone(), Field::Contact))
    }

    fn x(card: &mut T0<EmvCard>, apdu: &str) -> String {
        hex::encode_upper(card.transmit(&hex::decode(apdu).expect("a test APDU")))
    }

    #[test]
    fn case_4_answers_61xx_then_get_response_and_case_2_answers_6cxx() {
        let mut card = card();
        // SELECT (case 4): 61xx, then the FCI with GET RESPONSE.
        let sw = x(&mut card, "00A404000E315041592E5359532E444446303100");
        assert!(sw.starts_with("61") && sw.len() == 4, "{sw}");
        let len = &sw[2..];
        assert_eq!(
            x(&mut card, "00C0000001"),
            format!("6C{len}"),
            "a wrong Le says the length"
        );
        let fci = x(&mut card, &format!("00C00000{len}"));
        assert!(fci.starts_with("6F") && fci.ends_with("9000"), "{fci}");
        assert_eq!(x(&mut card, &format!("00C00000{len}")), "6985", "taken once");
        // READ RECORD (case 2) with Le 00: 6Cxx, then again with that length.
        let sw = x(&mut card, "00B2010C00");
        assert!(sw.starts_with("6C"), "{sw}");
        let record = x(&mut card, &format!("00B2010C{}", &sw[2..]));
        assert!(record.starts_with("70") && record.ends_with("9000"), "{record}");
        // A status word alone passes as it is.
        assert_eq!(x(&mut card, "00B2050C00"), "6A83");
    }
}
