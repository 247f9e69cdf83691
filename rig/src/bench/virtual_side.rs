//! The virtual bench's terminal side: vterm as a child process, reached
//! through ptys (console, cash register), a GPIO file (keypad solenoids,
//! paper sensor), unix sockets (swipe head, code scanner) and a flash file.

use super::{BenchError, Common, Readers};
use crate::config::bench::{Bench, VirtualTerminal};
use crate::config::terminal::TerminalProfile;
use crate::devices::console::{SerialConsole, VirtualCable};
use crate::devices::ecr::CashRegister;
use crate::devices::flasher::{self, FirmwareImage};
use crate::devices::gpio::{GpioLines, VirtualGpio};
use crate::devices::keypad::KeypadRobot;
use crate::devices::magstripe::{CodePresenter, MagstripeEmulator};
use crate::devices::power::{self, VirtualPower};
use crate::events::Timeline;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

/// What the virtual terminal needs from the fixtures, checked once per run.
#[derive(Debug)]
pub struct VirtualPlan {
    pub vt: VirtualTerminal,
    program: PathBuf,
    parameters: PathBuf,
    /// The checked image every scenario's terminal starts with.
    firmware: FirmwareImage,
}

impl VirtualPlan {
    pub fn load(bench: &Bench, vt: &VirtualTerminal) -> Result<VirtualPlan, BenchError> {
        Ok(VirtualPlan {
            vt: vt.clone(),
            program: power::locate_program(&vt.program)?,
            parameters: bench.resolve(&vt.parameters),
            firmware: FirmwareImage::load(&bench.resolve(&vt.firmware))?,
        })
    }
}

/// One scenario's virtual terminal and the devices only it has.
pub struct VirtualSide {
    power: VirtualPower,
    _cable_device_end: serialport::TTYPort,
    _ecr_device_end: serialport::TTYPort,
    gpio: Arc<VirtualGpio>,
    paper_line: usize,
    pub magstripe: MagstripeEmulator,
    pub scanner: CodePresenter,
    /// The terminal's flash, where the flasher writes images.
    firmware_file: PathBuf,
    _work: tempfile::TempDir,
}

/// Builds the devices of one scenario around a vterm that `power_on` starts.
pub fn assemble(
    plan: &VirtualPlan,
    bench: &Bench,
    profile: &TerminalProfile,
    tmk: [u8; 16],
    host_address: String,
    timeline: &Timeline,
    log_dir: &Path,
) -> Result<(VirtualSide, Common), BenchError> {
    let work = tempfile::Builder::new().prefix("rig-bench-").tempdir()?;
    let wiring = &bench.file.robot;
    let vt = &plan.vt;
    let paper_line = vt.paper_sensor_line;
    let lines = wiring
        .pins
        .values()
        .copied()
        .chain([paper_line])
        .max()
        .map_or(0, |m| m + 1);
    let gpio = Arc::new(VirtualGpio::create(&work.path().join("gpio"), lines)?);
    let robot = KeypadRobot::new(gpio.clone(), wiring, timeline.clone());
    let cable = VirtualCable::new()?;
    let console = SerialConsole::attach(
        Box::new(cable.host_end),
        cable.device_path.clone(),
        profile.console.clone(),
        timeline.clone(),
    )?;
    // The cash register's line, a second cable.
    let ecr_cable = VirtualCable::new()?;
    let cash_register = CashRegister::attach(Box::new(ecr_cable.host_end), timeline.clone())?;
    let board = work.path().join("board.toml");
    let board_toml = toml::to_string(&toml::toml! {
        console = (cable.device_path.clone())
        ecr = (ecr_cable.device_path.clone())
        gpio = (work.path().join("gpio").display().to_string())
        debounce_ms = (vt.debounce_ms as i64)
        scan_ms = (vt.scan_ms as i64)
        paper_sensor = (paper_line as i64)
        swipe_socket = (work.path().join("swipe.sock").display().to_string())
        scanner_socket = (work.path().join("scanner.sock").display().to_string())
        contact_reader = "127.0.0.1:0"
        contactless_reader = "127.0.0.1:0"
        flash = (work.path().join("flash.json").display().to_string())
        firmware = (work.path().join("firmware.img").display().to_string())
        host_address = host_address
        tmk = (hex::encode_upper(tmk))
    })
    .map_err(|e| BenchError::Terminal(format!("board file: {e}")))?;
    let keypad: BTreeMap<String, usize> = wiring.pins.clone();
    let keypad_toml: String = keypad.iter().map(|(k, l)| format!("{k:?} = {l}\n")).collect();
    std::fs::write(&board, format!("{board_toml}\n[keypad]\n{keypad_toml}"))?;
    let args = vec![
        "--params".to_string(),
        plan.parameters.display().to_string(),
        "--board".to_string(),
        board.display().to_string(),
    ];
    // Factory state: the bench's image in flash.
    flasher::write(&plan.firmware, &work.path().join("firmware.img"))?;
    let power = VirtualPower::new(
        plan.program.clone(),
        args,
        log_dir.join("vterm.stderr.log"),
        timeline.clone(),
    );
    let side = VirtualSide {
        power,
        _cable_device_end: cable.device_end,
        _ecr_device_end: ecr_cable.device_end,
        gpio,
        paper_line,
        magstripe: MagstripeEmulator::new(work.path().join("swipe.sock"), timeline.clone()),
        scanner: CodePresenter::new(work.path().join("scanner.sock"), timeline.clone()),
        firmware_file: work.path().join("firmware.img"),
        _work: work,
    };
    let common = Common {
        console,
        cash_register: Some(cash_register),
        robot,
    };
    Ok((side, common))
}

impl VirtualSide {
    pub fn is_on(&self) -> bool {
        self.power.is_on()
    }

    pub fn terminal_pid(&self) -> Option<u32> {
        self.power.pid()
    }

    /// Starts vterm; its card readers are wherever it says it put them.
    pub async fn power_on(&mut self, boot: Duration) -> Result<Readers, BenchError> {
        let stdout = self.power.on()?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(boot, lines.next_line())
            .await
            .map_err(|_| BenchError::Terminal(format!("did not enumerate its ports within {boot:?}")))?
            .map_err(BenchError::Io)?
            .ok_or_else(|| BenchError::Terminal("stopped during boot (see vterm.stderr.log)".into()))?;
        let port = |name: &str| {
            ready
                .split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .map(str::to_string)
        };
        let (Some(contact), Some(contactless)) = (port("contact="), port("contactless=")) else {
            return Err(BenchError::Terminal(format!(
                "announced an unexpected board line: {ready:?}"
            )));
        };
        Ok(Readers {
            contact: Some(contact),
            contactless: Some(contactless),
        })
    }

    pub async fn power_off(&mut self) {
        self.power.off().await;
    }

    /// Writes a checked image into the terminal's flash (while it is off).
    pub fn write_flash(&self, image: &FirmwareImage) -> Result<(), BenchError> {
        Ok(flasher::write(image, &self.firmware_file)?)
    }

    /// Writes bytes into the terminal's flash unchecked (to test the boot loader).
    pub fn write_flash_raw(&self, bytes: &[u8]) -> Result<(), BenchError> {
        std::fs::write(&self.firmware_file, bytes)?;
        Ok(())
    }

    /// Drives the printer's paper sensor line.
    pub fn paper(&self, out: bool) -> Result<(), BenchError> {
        Ok(self.gpio.set(self.paper_line, out)?)
    }
}
