//! What a card keeps between presentations, in its non-volatile memory
//! (EMV Book 3, 10.11 and Annex C; PBOC 3.0 part 5, 7.4): the application
//! transaction counter, the PIN try counter, the application's and the
//! card's lifecycle, the last online ATC, and what issuer scripts wrote. A
//! card removed and inserted again in one scenario goes on from where it
//! was (an issuer takes a repeated ATC for a replay). The session state of
//! one presentation (selection, GPO, the first cryptogram) is the card
//! model's own `State` and resets at power-on.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Where the card is in its life (EMV Book 1, 12.3.2 and 12.4; Book 3,
/// 10.10: script commands move it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Active,
    /// APPLICATION BLOCK: the application answers SELECT with 6283.
    ApplicationBlocked,
    /// CARD BLOCK: every SELECT answers 6A81, for good.
    CardBlocked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardMemory {
    /// The last ATC the card used (the next cryptogram takes this + 1).
    pub atc: u16,
    pub pin_tries: u8,
    /// The offline PIN a PIN change script set (None: the personalised one).
    pub pin: Option<String>,
    pub lifecycle: Lifecycle,
    /// The ATC of the last transaction the issuer authenticated (9F13).
    pub last_online_atc: u16,
    /// Data objects PUT DATA wrote, by tag (upper-case hex): GET DATA
    /// answers them from then on.
    pub written: BTreeMap<String, Vec<u8>>,
    /// Records UPDATE RECORD wrote, by (SFI, number): READ RECORD answers
    /// them instead of the personalised ones.
    pub records: BTreeMap<(u8, u8), Vec<u8>>,
    /// The transaction log's records, newest first (`emv_card::log`).
    pub log: Vec<Vec<u8>>,
    /// What the card may still spend offline over qPBOC, in fen (9F79).
    pub offline_balance: u64,
    /// The last online transaction's issuer authentication failed (CVR).
    pub issuer_authentication_failed: bool,
    /// Script commands the last transaction processed, and whether one failed (CVR).
    pub scripts_processed: u8,
    pub script_failed: bool,
}

/// One card's memory, shared by every presentation of it in a scenario.
#[derive(Debug, Clone)]
pub struct SharedMemory(Arc<Mutex<CardMemory>>);

impl SharedMemory {
    /// A card fresh from personalisation: `first_atc` is the ATC its first
    /// cryptogram will carry.
    pub fn personalised(first_atc: u16, pin_tries: u8, lifecycle: Lifecycle) -> SharedMemory {
        SharedMemory(Arc::new(Mutex::new(CardMemory {
            atc: first_atc.saturating_sub(1),
            pin_tries,
            pin: None,
            lifecycle,
            last_online_atc: 0,
            written: BTreeMap::new(),
            records: BTreeMap::new(),
            log: Vec::new(),
            offline_balance: 0,
            issuer_authentication_failed: false,
            scripts_processed: 0,
            script_failed: false,
        })))
    }

    pub fn get(&self) -> MutexGuard<'_, CardMemory> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}
