//! The bench: devices assembled from a bench file, and the verbs steps use.
//! `BenchPlan` is loaded and checked once per run; a `LiveBench` is built per
//! scenario, so every scenario starts from a fresh terminal, flash and host.
//! What differs between the virtual bench and a lab bench lives in
//! `virtual_side` and `lab_side`; the verbs and the timeline are shared.
//! Here: the `LiveBench` and its power and firmware verbs; `plan` (loading
//! and assembly), `inputs` (keys, cards, codes, paper, cash register),
//! `waits` (what steps await), `flow` and `strategy` (getting the terminal
//! where a step needs it), `error` (what fails and its class).

pub mod fault_handles;
pub mod flow;
pub mod lab_side;
pub mod responders;
pub mod strategy;
pub mod virtual_side;
mod waits;

use crate::config::terminal::TerminalProfile;
use crate::devices::console::SerialConsole;
use crate::devices::ecr::CashRegister;
use crate::devices::keypad::KeypadRobot;
use crate::devices::magstripe::{CodePresenter, MagstripeEmulator};
use crate::devices::roles::{Boot, CardLink, Flasher, Power, boot_banner};
use crate::events::{Kind, Source, Timeline};
use crate::host::{HostHandle, MockHost};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use virtual_side::PaperSensor;

mod error;
mod inputs;
mod plan;

pub use error::BenchError;
use error::STEP_FLASH;
use plan::same_firmware;
pub use plan::{BenchPlan, Parts};

/// One scenario's bench, powered or not.
pub struct LiveBench {
    pub plan: Arc<BenchPlan>,
    pub timeline: Timeline,
    /// The mock acquirer, for steps that script its faults.
    pub host: Arc<MockHost>,
    _host: HostHandle,
    console: Option<SerialConsole>,
    cash_register: Option<CashRegister>,
    robot: KeypadRobot,
    power: Box<dyn Power>,
    flasher: Option<Box<dyn Flasher>>,
    card_link: Box<dyn CardLink>,
    magstripe: Option<MagstripeEmulator>,
    scanner: Option<CodePresenter>,
    paper: Option<PaperSensor>,
    firmware_dir: Option<PathBuf>,
    wanted_firmware: Option<String>,
    /// The card readers the terminal named at its last power-on.
    readers: crate::devices::roles::Readers,
    _responders: responders::Responders,
    /// The transaction flow in progress (`flow`).
    flow: Option<flow::FlowWalk>,
    /// The plug of the terminal as it is now, and the tear-out switch of the
    /// card in a reader: what a fault campaign acts through (`fault_handles`).
    plug: Arc<std::sync::Mutex<Option<crate::devices::roles::Plug>>>,
    torn: Arc<std::sync::atomic::AtomicBool>,
    /// What each card of the scenario kept (ATC, PIN try counter), by PAN:
    /// the same card presented again goes on from there.
    card_memory: std::collections::HashMap<String, crate::card::memory::SharedMemory>,
    _keep: Vec<Box<dyn Send>>,
}

impl std::fmt::Debug for LiveBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveBench")
            .field("bench", &self.plan.bench.file.name)
            .field("powered", &self.is_on())
            .finish()
    }
}

impl LiveBench {
    pub fn profile(&self) -> &TerminalProfile {
        &self.plan.profile
    }

    /// The card readers the terminal named when it was last switched on.
    pub fn readers(&self) -> &crate::devices::roles::Readers {
        &self.readers
    }

    /// Switches the terminal on, waits for its boot banner and returns the
    /// firmware version it shows.
    pub async fn power_on(&mut self) -> Result<String, BenchError> {
        let from = self.timeline.now();
        let boot = Duration::from_millis(self.profile().timeouts.boot_ms);
        let readers = self.power.on(boot).await?;
        *self.plug.lock().unwrap_or_else(|p| p.into_inner()) = self.power.plug();
        self.card_link.terminal_on(&readers);
        self.readers = readers;
        let version = match boot_banner(&self.timeline, from, boot).await? {
            Boot::Booted(version) => version,
            Boot::Refused(reason) => return Err(BenchError::Terminal(format!("refused its firmware: {reason}"))),
        };
        if let Some(wanted) = &self.wanted_firmware {
            same_firmware(&version, wanted)?;
        }
        Ok(version)
    }

    /// Flashes a firmware image (checked first) and checks that the boot
    /// banner then shows the image's version: with a flash file, the
    /// terminal is off while it is written and powered on to boot it; a
    /// debug probe programs and resets it as it is.
    pub async fn flash(&mut self, image: &Path) -> Result<String, BenchError> {
        let was_on = self.is_on();
        let resets = self
            .flasher
            .as_ref()
            .ok_or_else(|| BenchError::Lacks(STEP_FLASH.into()))?
            .resets_the_terminal();
        if !resets {
            self.power_off().await;
        }
        let from = self.timeline.now();
        let version = self.flasher_mut()?.program(image)?;
        self.note(&format!(
            "flashed {} (version {})",
            image.display(),
            version.as_deref().unwrap_or("in its banner")
        ));
        if !was_on {
            return Ok(version.unwrap_or_default());
        }
        let running = if resets {
            let boot = Duration::from_millis(self.profile().timeouts.boot_ms);
            match boot_banner(&self.timeline, from, boot).await? {
                Boot::Booted(v) => v,
                Boot::Refused(reason) => return Err(BenchError::Terminal(format!("refused its firmware: {reason}"))),
            }
        } else {
            self.power_on().await?
        };
        match version {
            Some(wanted) if running != wanted => Err(BenchError::Terminal(format!(
                "runs firmware {running} after flashing {wanted}"
            ))),
            _ => Ok(running),
        }
    }

    fn flasher_mut(&mut self) -> Result<&mut Box<dyn Flasher>, BenchError> {
        self.flasher
            .as_mut()
            .ok_or_else(|| BenchError::Lacks(STEP_FLASH.into()))
    }

    pub fn is_on(&self) -> bool {
        self.power.is_on()
    }

    /// The virtual terminal's process while it runs (tests stall it to
    /// play a loaded machine); `None` on a lab bench or when it is off.
    pub fn virtual_terminal_pid(&self) -> Option<u32> {
        self.power.pid()
    }

    /// Where steps find firmware images by name.
    /// The image of release `role` (`[virtual.releases]`) and its version.
    pub fn release(&self, role: &str) -> Result<(PathBuf, String), BenchError> {
        let vt = self
            .plan
            .virtual_plan
            .as_ref()
            .map(|p| &p.vt)
            .ok_or_else(|| BenchError::Lacks(STEP_FLASH.into()))?;
        let file = vt.releases.get(role).ok_or_else(|| {
            let known: Vec<&str> = vt.releases.keys().map(String::as_str).collect();
            BenchError::Mistake(format!(
                "the bench names no release {role:?} (its [virtual.releases]: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })?;
        let path = self.firmware_dir()?.join(file);
        let image = self.firmware_image(&path)?;
        Ok((path, image.version))
    }

    /// The firmware image at `path`, checked before anything is flashed: a
    /// missing file or one that is no image is the feature's (or the bench
    /// file's) mistake, not a fault of the bench.
    pub fn firmware_image(&self, path: &Path) -> Result<crate::devices::flasher::FirmwareImage, BenchError> {
        let declared = self
            .plan
            .virtual_plan
            .as_ref()
            .map(|p| p.vt.image_versions.clone())
            .unwrap_or_default();
        crate::devices::flasher::FirmwareImage::load(path, &declared).map_err(|e| BenchError::Mistake(e.to_string()))
    }

    pub fn firmware_dir(&self) -> Result<PathBuf, BenchError> {
        self.firmware_dir
            .clone()
            .ok_or_else(|| BenchError::Lacks(STEP_FLASH.into()))
    }

    /// Writes bytes into the terminal's firmware flash unchecked (to test the boot loader).
    pub fn write_flash_raw(&mut self, bytes: &[u8]) -> Result<(), BenchError> {
        Ok(self.flasher_mut()?.program_raw(bytes)?)
    }

    pub async fn power_off(&mut self) {
        *self.plug.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.card_link.terminal_off();
        self.robot.release_all();
        // The scenario is over either way; the trace must still show
        // that the terminal may have stayed powered.
        if let Err(e) = self.power.off().await {
            self.timeline.publish(
                Source::Power,
                Kind::Step {
                    text: format!("power did not switch off: {e}"),
                },
            );
        }
    }

    /// Stops the serial readers once they have published what they read.
    pub async fn disconnect(&mut self) {
        if let Some(mut console) = self.console.take()
            && let Err(e) = console.shut().await
        {
            self.note(&e);
        }
        if let Some(ecr) = self.cash_register.as_mut()
            && let Err(e) = ecr.shut().await
        {
            self.note(&e);
        }
    }
}
