//! What the bench does to the terminal from outside: keys pressed by the
//! robot, cards swiped, inserted, tapped and taken away, codes shown to the
//! scanner, paper, and lines from the cash register.

use super::{BenchError, LiveBench, fault_handles};
use crate::config::card::CardProfile;
use crate::devices::card_link::SmartCard;
use std::time::Duration;

impl LiveBench {
    pub async fn press(&self, key: &str) -> Result<(), BenchError> {
        Ok(self.robot.press(key).await?)
    }

    /// Holds a key for `hold` instead of the robot's configured press time.
    pub async fn press_for(&self, key: &str, hold: Duration) -> Result<(), BenchError> {
        Ok(self.robot.press_for(key, hold).await?)
    }

    pub async fn swipe(&self, card: &CardProfile) -> Result<(), BenchError> {
        let head = self
            .magstripe
            .as_ref()
            .ok_or_else(|| BenchError::Lacks("magnetic stripe emulator".into()))?;
        Ok(head.swipe(&card.track2(), card.track3.as_deref()).await?)
    }

    /// Tells the printer's paper sensor that paper is out, or loaded again.
    pub fn paper(&self, out: bool) -> Result<(), BenchError> {
        self.paper
            .as_ref()
            .ok_or_else(|| BenchError::Lacks("paper sensor line".into()))?
            .set_out(out)?;
        self.note(if out { "printer out of paper" } else { "paper loaded" });
        Ok(())
    }

    /// Sends one request line from the cash register.
    pub fn cash_register(&self, line: &str) -> Result<(), BenchError> {
        let ecr = self
            .cash_register
            .as_ref()
            .ok_or_else(|| BenchError::Lacks("cash register line ([ecr])".into()))?;
        Ok(ecr.send(line)?)
    }

    /// Shows a payment code to the terminal's scanner.
    pub async fn present_code(&self, code: &str) -> Result<(), BenchError> {
        let scanner = self
            .scanner
            .as_ref()
            .ok_or_else(|| BenchError::Lacks("payment code presenter".into()))?;
        Ok(scanner.present(code).await?)
    }

    /// Puts a card in the contact slot.
    pub async fn insert(&mut self, card: impl SmartCard) -> Result<(), BenchError> {
        let card = self.tearable(card);
        Ok(self.card_link.insert(card).await?)
    }

    /// Holds a card (or phone) to the contactless field.
    pub async fn bring_to_field(&mut self, card: impl SmartCard) -> Result<(), BenchError> {
        let card = self.tearable(card);
        Ok(self.card_link.bring_to_field(card).await?)
    }

    /// A new card in a reader, which a fault campaign may tear out.
    fn tearable(&self, card: impl SmartCard) -> Box<dyn SmartCard> {
        self.torn.store(false, std::sync::atomic::Ordering::SeqCst);
        Box::new(crate::card::faults::Tearable {
            card,
            torn: self.torn.clone(),
        })
    }

    /// What a fault campaign acts through, from any thread.
    pub fn fault_handles(&self) -> fault_handles::FaultHandles {
        fault_handles::FaultHandles {
            plug: self.plug.clone(),
            torn: self.torn.clone(),
            paper: self.paper.clone(),
            host: self.host.clone(),
        }
    }

    /// Takes the card out of the slot, or away from the field; false when
    /// none was in a reader.
    pub fn remove_card(&mut self) -> bool {
        self.card_link.remove()
    }
}
