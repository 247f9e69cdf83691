//! What a card keeps between presentations: its application transaction
//! counter and PIN try counter live in the chip's non-volatile memory, so
//! a card removed and inserted again in one scenario goes on from where it
//! was (an issuer takes a repeated ATC for a replay). The session state of
//! one presentation (selection, GPO, the first cryptogram) is the card
//! model's own and resets at power-on.

use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardMemory {
    /// The last ATC the card used (the next cryptogram takes this + 1).
    pub atc: u16,
    pub pin_tries: u8,
}

/// One card's memory, shared by every presentation of it in a scenario.
#[derive(Debug, Clone)]
pub struct SharedMemory(Arc<Mutex<CardMemory>>);

impl SharedMemory {
    /// A card fresh from personalisation: `first_atc` is the ATC its first
    /// cryptogram will carry.
    pub fn personalised(first_atc: u16, pin_tries: u8) -> SharedMemory {
        SharedMemory(Arc::new(Mutex::new(CardMemory {
            atc: first_atc.saturating_sub(1),
            pin_tries,
        })))
    }

    pub fn get(&self) -> MutexGuard<'_, CardMemory> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}
