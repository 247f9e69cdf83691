//! The virtual bench's terminal side: vterm as a child process, reached
//! through ptys (console, cash register), a GPIO file (keypad solenoids,
//! paper sensor), unix sockets (swipe head, code scanner) and a flash file.

use super::{BenchError, Parts};
use crate::config::bench::{Bench, VirtualTerminal};
use crate::config::terminal::TerminalProfile;
use crate::devices::card_link::VpcdLink;
use crate::devices::console::{SerialConsole, VirtualCable};
use crate::devices::ecr::CashRegister;
use crate::devices::flasher::{self, FirmwareImage, FlashFile};
use crate::devices::gpio::{GpioLines, VirtualGpio};
use crate::devices::keypad::KeypadRobot;
use crate::devices::magstripe::{CodePresenter, MagstripeEmulator};
use crate::devices::power::{self, VirtualPower};
use crate::devices::roles::Readers;
use crate::events::Timeline;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
            firmware: FirmwareImage::load(&bench.resolve(&vt.firmware), &vt.image_versions)?,
        })
    }
}

/// The virtual terminal's paper sensor: a GPIO line vterm reads.
#[derive(Clone)]
pub struct PaperSensor {
    gpio: Arc<VirtualGpio>,
    line: usize,
}

impl PaperSensor {
    pub fn set_out(&self, out: bool) -> Result<(), BenchError> {
        Ok(self.gpio.set(self.line, out)?)
    }
}

/// Builds the devices of one scenario around a vterm that powering on starts.
pub fn assemble(
    plan: &VirtualPlan,
    bench: &Bench,
    profile: &TerminalProfile,
    tmk: [u8; 16],
    host_address: String,
    timeline: &Timeline,
    log_dir: &Path,
) -> Result<Parts, BenchError> {
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
    let firmware_file = work.path().join("firmware.img");
    Ok(Parts {
        console,
        cash_register: Some(cash_register),
        robot,
        power: Box::new(power),
        flasher: Some(Box::new(FlashFile {
            path: firmware_file,
            declared: vt.image_versions.clone(),
        })),
        card_link: Box::new(VpcdLink::new(Readers::default(), timeline.clone())),
        magstripe: Some(MagstripeEmulator::new(work.path().join("swipe.sock"), timeline.clone())),
        scanner: Some(CodePresenter::new(work.path().join("scanner.sock"), timeline.clone())),
        paper: Some(PaperSensor { gpio, line: paper_line }),
        firmware_dir: Some(bench.resolve(&vt.firmware_dir)),
        wanted_firmware: None,
        // The cables' device ends keep the ptys alive across power cycles.
        keep: vec![
            Box::new(cable.device_end),
            Box::new(ecr_cable.device_end),
            Box::new(work),
        ],
    })
}
