//! What a fault campaign reaches into a live bench with, from the
//! timeline's sinks (any thread, no await): the supply's plug, the card in
//! the reader, the paper sensor and the mock host.

use super::virtual_side::PaperSensor;
use crate::devices::roles::Plug;
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
