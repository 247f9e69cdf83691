//! A lab bench's terminal side: a real terminal beside a Raspberry Pi. Its
//! console and cash-register line are USB serial adapters, its keys are
//! pressed by solenoids and its supply switched by a relay, both on the
//! Pi's GPIO, and cards reach its slot through a vpcd card emulator.

use super::{BenchError, Parts};
use crate::config::bench::Bench;
use crate::config::terminal::TerminalProfile;
use crate::devices::card_link::VpcdLink;
use crate::devices::console::SerialConsole;
use crate::devices::ecr::CashRegister;
use crate::devices::keypad::KeypadRobot;
use crate::devices::nfc_tap::LabCardLink;
use crate::devices::pi_gpio::PiGpio;
use crate::devices::power_relay::{PowerRelay, SupplyOpened};
use crate::devices::probe::ProbeFlasher;
use crate::devices::roles::{Flasher, Readers};
use crate::devices::serial_port;
use crate::events::Timeline;
use std::path::Path;
use std::sync::Arc;

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
) -> Result<Parts, BenchError> {
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
    let vpcd = VpcdLink::new(readers, timeline.clone());
    let nfc_frontend = f.nfc_frontend.as_ref().map(|n| n.reader.clone());
    let firmware = f.firmware.as_ref();
    Ok(Parts {
        console,
        cash_register,
        robot,
        power: Box::new(relay),
        flasher: f.probe.as_ref().map(|probe| -> Box<dyn Flasher> {
            Box::new(ProbeFlasher {
                probe: probe.clone(),
                format: firmware.and_then(|fw| fw.format),
                base_address: firmware.and_then(|fw| fw.base_address),
            })
        }),
        card_link: Box::new(LabCardLink::new(vpcd, nfc_frontend, timeline.clone())),
        // A stripe head, code presenter and paper sensor are virtual-only.
        magstripe: None,
        scanner: None,
        paper: None,
        firmware_dir: firmware.and_then(|fw| bench.resolve(&fw.image).parent().map(Path::to_path_buf)),
        wanted_firmware: firmware.map(|fw| fw.version.clone()),
        keep: Vec::new(),
    })
}
