//! A lab bench's terminal side: a real terminal beside a Raspberry Pi. Its
//! console and cash-register line are USB serial adapters, its keys are
//! pressed by solenoids and its supply switched by a relay, both on the
//! Pi's GPIO, and cards reach its slot through a vpcd card emulator.

use super::{BenchError, Common, Readers};
use crate::config::bench::Bench;
use crate::config::terminal::TerminalProfile;
use crate::devices::DeviceError;
use crate::devices::card_link::SmartCard;
use crate::devices::console::SerialConsole;
use crate::devices::ecr::CashRegister;
use crate::devices::keypad::KeypadRobot;
use crate::devices::nfc_tap::NfcTap;
use crate::devices::pi_gpio::PiGpio;
use crate::devices::power_relay::{PowerRelay, SupplyOpened};
use crate::devices::serial_port;
use crate::events::Timeline;
use std::sync::Arc;

/// One scenario's lab terminal: its power and where its card readers are.
pub struct LabSide {
    relay: PowerRelay,
    readers: Readers,
    /// PC/SC reader name (part of it) of the NFC front end, if the bench has one.
    nfc_frontend: Option<String>,
    tap: Option<NfcTap>,
}

fn missing(bench: &Bench, table: &str) -> BenchError {
    BenchError::Config(crate::config::ConfigError::Semantic {
        path: bench.path.clone(),
        message: format!("a lab bench needs [{table}]"),
    })
}

/// Opens the lab devices, the serial ports first: they say the most about
/// a bench that is not wired as its file says.
pub fn assemble(
    bench: &Bench,
    profile: &TerminalProfile,
    supply: SupplyOpened,
    timeline: &Timeline,
) -> Result<(LabSide, Common), BenchError> {
    let f = &bench.file;
    let console_wiring = f.console.as_ref().ok_or_else(|| missing(bench, "console"))?;
    let console = SerialConsole::open_lab(console_wiring, profile.console.clone(), timeline.clone())?;
    let cash_register = match &f.ecr {
        Some(wiring) => {
            let name = serial_port::find(wiring)?;
            Some(CashRegister::attach(
                serial_port::open(wiring, &name)?,
                timeline.clone(),
            )?)
        }
        None => None,
    };
    let gpio = f.gpio.as_ref().ok_or_else(|| missing(bench, "gpio"))?;
    let pins: Vec<usize> = f.robot.pins.values().copied().collect();
    let solenoids = Arc::new(PiGpio::open(&pins, gpio.active_high)?);
    let robot = KeypadRobot::new(solenoids, &f.robot, timeline.clone());
    let relay_wiring = f.power_relay.as_ref().ok_or_else(|| missing(bench, "power_relay"))?;
    let relay_line = Arc::new(PiGpio::open(
        &[usize::from(relay_wiring.pin)],
        relay_wiring.active_high,
    )?);
    let relay = PowerRelay::new(relay_line, relay_wiring, supply, timeline.clone());
    let readers = Readers {
        contact: f.card_emulator.as_ref().map(|c| c.contact.clone()),
        contactless: f.card_emulator.as_ref().and_then(|c| c.contactless.clone()),
    };
    let side = LabSide {
        relay,
        readers,
        nfc_frontend: f.nfc_frontend.as_ref().map(|n| n.reader.clone()),
        tap: None,
    };
    Ok((
        side,
        Common {
            console,
            cash_register,
            robot,
        },
    ))
}

impl LabSide {
    pub fn is_on(&self) -> bool {
        self.relay.is_on()
    }

    /// Closes the relay; the card emulator's readers are where the bench file says.
    pub async fn power_on(&mut self) -> Result<Readers, DeviceError> {
        self.relay.on().await?;
        Ok(self.readers.clone())
    }

    /// Holds `card` over the field through the NFC front end, when the bench
    /// has one; `Ok(false)` when it has none.
    pub fn tap(&mut self, card: impl SmartCard, timeline: &Timeline) -> Result<bool, DeviceError> {
        let Some(reader) = &self.nfc_frontend else {
            return Ok(false);
        };
        self.tap = Some(NfcTap::start(reader, card, timeline.clone())?);
        Ok(true)
    }

    pub fn power_off(&mut self) -> Result<(), DeviceError> {
        self.tap = None;
        self.relay.off()
    }
}
