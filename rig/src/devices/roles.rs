//! The device roles a bench is made of, one trait each, with a virtual and
//! a lab implementation (the probe-rs / labgrid shape). A live bench holds
//! one object per role; a role a bench lacks is simply absent.
//!
//! | role | virtual bench | lab bench |
//! |---|---|---|
//! | [`Power`] | spawn / kill vterm (`power::VirtualPower`) | the supply relay (`power_relay::PowerRelay`) |
//! | [`Flasher`] | the flash file (`flasher::FlashFile`) | the debug probe (`probe::ProbeFlasher`) |
//! | [`CardLink`] | vpcd to vterm's readers (`card_link::VpcdLink`) | vpcd to the card emulator, taps through the NFC front end (`nfc_tap::LabCardLink`) |
//!
//! The other roles have one shape for both: `console::SerialConsole`,
//! `keypad::KeypadRobot` over `gpio::GpioLines` (virtual file | rppal), and
//! the virtual bench's own stripe head, code presenter and paper sensor.

use super::DeviceError;
use crate::events::{Cursor, Kind, Timeline, Timeout};
use futures::future::BoxFuture;
use std::path::Path;
use std::time::Duration;

/// What sits at the far end of the link: a card model answering APDUs.
pub trait SmartCard: Send + 'static {
    fn atr(&self) -> Vec<u8>;
    fn power_on(&mut self) {}
    fn power_off(&mut self) {}
    /// One command APDU in, one response APDU (data + SW1 SW2) out.
    fn transmit(&mut self, command: &[u8]) -> Vec<u8>;
    /// False once the card has left the reader (torn away): the link then closes.
    fn present(&self) -> bool {
        true
    }
    /// How long the card takes to answer (a slow card is a test case).
    fn answer_delay(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

/// Where the terminal's card readers are once it is on (vpcd addresses).
#[derive(Debug, Clone, Default)]
pub struct Readers {
    pub contact: Option<String>,
    pub contactless: Option<String>,
}

/// The terminal's power.
pub trait Power: Send {
    /// Switches the terminal on; says where its card readers are.
    fn on(&mut self, boot: Duration) -> BoxFuture<'_, Result<Readers, DeviceError>>;
    /// Switches it off, whatever it was doing (a pulled plug).
    fn off(&mut self) -> BoxFuture<'_, Result<(), DeviceError>>;
    fn is_on(&self) -> bool;
    /// The terminal's process, on a virtual bench while it runs (tests stall it).
    fn pid(&self) -> Option<u32> {
        None
    }
    /// Pulls the plug from any thread, at once and without waiting (a fault
    /// campaign cuts the power at an exact event); `off` afterwards tidies up.
    fn plug(&self) -> Option<Plug> {
        None
    }
}

/// What cuts a terminal's supply when called.
pub type Plug = std::sync::Arc<dyn Fn() + Send + Sync>;

/// Puts a firmware image into the terminal.
pub trait Flasher: Send {
    /// Checks and writes the image at `image`; the version it carries, when
    /// its format says one.
    fn program(&mut self, image: &Path) -> Result<Option<String>, DeviceError>;
    /// True when programming also resets the terminal (a debug probe); false
    /// when the terminal must be off while its flash is written and powered
    /// on to boot it (a flash file).
    fn resets_the_terminal(&self) -> bool;
    /// Writes bytes unchecked, to test the boot loader; only a flash file can.
    fn program_raw(&mut self, _bytes: &[u8]) -> Result<(), DeviceError> {
        Err(DeviceError::Flash("this flasher writes checked images only".into()))
    }
}

/// How cards reach the terminal: its contact slot and its contactless field.
pub trait CardLink: Send {
    /// The terminal came up with its readers at `readers`.
    fn terminal_on(&mut self, readers: &Readers);
    fn insert(&mut self, card: Box<dyn SmartCard>) -> BoxFuture<'_, Result<(), DeviceError>>;
    fn bring_to_field(&mut self, card: Box<dyn SmartCard>) -> BoxFuture<'_, Result<(), DeviceError>>;
    /// Takes the card out of the slot, or away from the field; false when
    /// no card was in either.
    fn remove(&mut self) -> bool;
    /// The terminal went off: nothing is in a reader any more.
    fn terminal_off(&mut self);
}

/// What a terminal's boot loader said after a reset or a power-on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Boot {
    /// The boot banner, with the version it shows.
    Booted(String),
    /// The boot loader refused its image: why.
    Refused(String),
}

/// The boot banner the terminal prints after `from` (a reset or a power-on):
/// the one check every way of flashing and powering ends with. A timeout
/// says whether a serial port was down meanwhile.
pub async fn boot_banner(timeline: &Timeline, from: Cursor, within: Duration) -> Result<Boot, Timeout> {
    timeline
        .wait_for(from, within, "boot banner", |e| match &e.kind {
            Kind::Boot { version, .. } => Some(Boot::Booted(version.clone())),
            Kind::BootFailure { reason, .. } => Some(Boot::Refused(reason.clone())),
            _ => None,
        })
        .await
        .map(|(boot, _)| boot)
}
