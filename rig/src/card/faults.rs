//! Card faults as wrappers around a card, not flags inside the model: a
//! card that answers slowly, one pulled away right after an instruction,
//! one a campaign tears out at an exact event. Each wraps any `SmartCard`
//! (an EMV card, a blank one, another wrapper).

use crate::config::card::Behaviour;
use crate::devices::card_link::SmartCard;
use crate::instructions::GET_PROCESSING_OPTIONS;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Every answer takes `delay` (a slow card is a test case: the terminal's
/// reader timeouts).
pub struct Slow<C> {
    pub card: C,
    pub delay: Duration,
}

/// The card leaves the reader once it has answered instruction `ins`
/// (torn away mid-transaction).
pub struct TornAfter<C> {
    pub card: C,
    pub ins: u8,
    gone: bool,
}

impl<C> TornAfter<C> {
    pub fn new(card: C, ins: u8) -> TornAfter<C> {
        TornAfter { card, ins, gone: false }
    }
}

/// A card a campaign can tear out: it reports itself gone once `torn` is set.
pub struct Tearable<C> {
    pub card: C,
    pub torn: Arc<AtomicBool>,
}

/// The card of a card file as its `[behaviour]` presents it: its faults
/// wrapped around it.
pub fn as_behaves(card: impl SmartCard, behaviour: &Behaviour) -> Box<dyn SmartCard> {
    let mut card: Box<dyn SmartCard> = Box::new(card);
    if behaviour.torn_after_gpo {
        card = Box::new(TornAfter::new(card, GET_PROCESSING_OPTIONS));
    }
    if behaviour.slow_ms > 0 {
        card = Box::new(Slow {
            card,
            delay: Duration::from_millis(behaviour.slow_ms),
        });
    }
    card
}

/// What every wrapper passes through to the card it wraps.
macro_rules! pass_through {
    () => {
        fn atr(&self) -> Vec<u8> {
            self.card.atr()
        }
        fn power_on(&mut self) {
            self.card.power_on();
        }
        fn power_off(&mut self) {
            self.card.power_off();
        }
    };
}

impl<C: SmartCard> SmartCard for Slow<C> {
    pass_through!();
    fn transmit(&mut self, command: &[u8]) -> Vec<u8> {
        self.card.transmit(command)
    }
    fn present(&self) -> bool {
        self.card.present()
    }
    fn answer_delay(&self) -> Duration {
        self.delay + self.card.answer_delay()
    }
}

impl<C: SmartCard> SmartCard for TornAfter<C> {
    pass_through!();
    fn transmit(&mut self, command: &[u8]) -> Vec<u8> {
        let answer = self.card.transmit(command);
        if command.get(1) == Some(&self.ins) {
            self.gone = true;
        }
        answer
    }
    fn present(&self) -> bool {
        !self.gone && self.card.present()
    }
    fn answer_delay(&self) -> Duration {
        self.card.answer_delay()
    }
}

impl<C: SmartCard> SmartCard for Tearable<C> {
    pass_through!();
    fn transmit(&mut self, command: &[u8]) -> Vec<u8> {
        self.card.transmit(command)
    }
    fn present(&self) -> bool {
        self.card.present() && !self.torn.load(Ordering::SeqCst)
    }
    fn answer_delay(&self) -> Duration {
        self.card.answer_delay()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::card_link::BlankCard;

    #[test]
    fn torn_after_its_instruction_and_slow_as_configured() {
        let behaviour = Behaviour {
            torn_after_gpo: true,
            slow_ms: 30,
            ..Default::default()
        };
        let mut card = as_behaves(BlankCard, &behaviour);
        assert_eq!(card.answer_delay(), Duration::from_millis(30));
        card.transmit(&[0x00, 0xA4, 0x04, 0x00]);
        assert!(card.present(), "still there after SELECT");
        card.transmit(&[0x80, 0xA8, 0x00, 0x00, 0x02, 0x83, 0x00]);
        assert!(!card.present(), "gone after its GPO");
    }
}
