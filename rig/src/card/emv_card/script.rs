//! Issuer script commands (EMV Book 3, 10.10 and 6.5; PBOC 3.0 part 5,
//! 7.4.7), sent by the terminal from templates 71 and 72 with secure
//! messaging (CLA 84). What they change is the card's lasting memory.
//! The MAC over a script command is not checked yet (issue 24): every
//! script command the host sends is taken.

use super::EmvCard;
use crate::card::apdu::{Command, Response};
use crate::card::memory::Lifecycle;
use crate::card::sw::Sw;
use crate::instructions::{APPLICATION_BLOCK, APPLICATION_UNBLOCK, CARD_BLOCK, PIN_CHANGE_UNBLOCK, PUT_DATA};

impl EmvCard {
    pub(super) fn script(&mut self, c: &Command) -> Response {
        let pin_tries = self.profile.issuer.pin_tries;
        let mut memory = self.memory.get();
        match c.ins {
            PIN_CHANGE_UNBLOCK => memory.pin_tries = pin_tries,
            APPLICATION_BLOCK if memory.lifecycle == Lifecycle::Active => {
                memory.lifecycle = Lifecycle::ApplicationBlocked;
            }
            APPLICATION_UNBLOCK if memory.lifecycle == Lifecycle::ApplicationBlocked => {
                memory.lifecycle = Lifecycle::Active;
            }
            CARD_BLOCK => memory.lifecycle = Lifecycle::CardBlocked,
            PUT_DATA => {
                memory.written.insert(hex::encode_upper([c.p1, c.p2]), c.data.to_vec());
            }
            // UPDATE RECORD and blocks that change nothing: taken as they are.
            _ => {}
        }
        Sw::OK.into()
    }
}
