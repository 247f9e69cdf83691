//! What a fault campaign reaches into a live bench with, from the
//! timeline's sinks (any thread, no await): the supply's plug, the card in
//! the reader, the paper sensor and the mock host.

use super::virtual_side::PaperSensor;
use crate::devices::roles::{Plug, SmartCard};
use crate::host::server::MockHost;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Handles that act at once; each is shared with the bench that owns the device.
#[derive(Clone)]
pub struct FaultHandles {
    /// The plug of the terminal as it is now (a new one at every power-on).
    pub plug: Arc<Mutex<Option<Plug>>>,
    /// Set: the card in a reader leaves it after its current answer.
    pub torn: Arc<AtomicBool>,
    pub paper: Option<PaperSensor>,
    pub host: Arc<MockHost>,
}

impl FaultHandles {
    /// Pulls the plug; false when the terminal is off (no plug to pull).
    pub fn cut_power(&self) -> bool {
        let plug = self.plug.lock().unwrap_or_else(|p| p.into_inner()).clone();
        plug.map(|cut| cut()).is_some()
    }

    pub fn tear_card(&self) {
        self.torn.store(true, Ordering::SeqCst);
    }
}

/// A card a campaign can tear out: it reports itself gone once `torn` is set.
pub struct Tearable {
    pub card: Box<dyn SmartCard>,
    pub torn: Arc<AtomicBool>,
}

impl SmartCard for Tearable {
    fn atr(&self) -> Vec<u8> {
        self.card.atr()
    }
    fn power_on(&mut self) {
        self.card.power_on();
    }
    fn power_off(&mut self) {
        self.card.power_off();
    }
    fn transmit(&mut self, command: &[u8]) -> Vec<u8> {
        self.card.transmit(command)
    }
    fn present(&self) -> bool {
        self.card.present() && !self.torn.load(Ordering::SeqCst)
    }
    fn answer_delay(&self) -> std::time::Duration {
        self.card.answer_delay()
    }
}
