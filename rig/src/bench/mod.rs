//! The bench: devices assembled from a bench file, and the verbs steps use.
//! `BenchPlan` is loaded and checked once per run; a `LiveBench` is built per
//! scenario, so every scenario starts from a fresh terminal, flash and host.
//! What differs between the virtual bench and a lab bench lives in
//! `virtual_side` and `lab_side`; the verbs and the timeline are shared.

pub mod fault_handles;
pub mod flow;
pub mod lab_side;
pub mod responders;
pub mod strategy;
pub mod virtual_side;
mod waits;

use crate::config::ConfigError;
use crate::config::bench::Bench;
use crate::config::card::{self, CardProfile};
use crate::config::dialect::Dialect;
use crate::config::terminal::TerminalProfile;
use crate::devices::DeviceError;
use crate::devices::card_link::SmartCard;
use crate::devices::console::SerialConsole;
use crate::devices::ecr::CashRegister;
use crate::devices::keypad::KeypadRobot;
use crate::devices::magstripe::{CodePresenter, MagstripeEmulator};
use crate::devices::roles::{Boot, CardLink, Flasher, Power, boot_banner};
use crate::events::{Kind, Source, Timeline, Timeout};
use crate::failure::FailureClass;
use crate::host::issuer::Issuer;
use crate::host::{HostHandle, MockHost};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use virtual_side::{PaperSensor, VirtualPlan};

/// Everything a run needs from the fixtures, checked before any scenario starts.
#[derive(Debug)]
pub struct BenchPlan {
    pub bench: Bench,
    pub profile: Arc<TerminalProfile>,
    pub dialect: Dialect,
    pub cards: BTreeMap<String, CardProfile>,
    pub tmk: [u8; 16],
    /// The virtual terminal's plan; `None` on a lab bench.
    pub virtual_plan: Option<VirtualPlan>,
    /// Benches assembled so far in this run (simulated faults count them).
    assemblies: std::sync::atomic::AtomicU32,
    /// When a lab terminal's supply was last opened, across scenarios.
    supply: crate::devices::power_relay::SupplyOpened,
}

/// One scenario's devices, one object per role; a role the bench lacks is
/// `None`, so a step that needs it is "not on this bench".
pub struct Parts {
    pub console: SerialConsole,
    pub cash_register: Option<CashRegister>,
    pub robot: KeypadRobot,
    pub power: Box<dyn Power>,
    pub flasher: Option<Box<dyn Flasher>>,
    pub card_link: Box<dyn CardLink>,
    pub magstripe: Option<MagstripeEmulator>,
    pub scanner: Option<CodePresenter>,
    pub paper: Option<PaperSensor>,
    /// Where steps find firmware images by name.
    pub firmware_dir: Option<PathBuf>,
    /// The version the bench file says the terminal must run (a lab bench's [firmware]).
    pub wanted_firmware: Option<String>,
    /// What must live as long as the bench (the virtual bench's ptys and work folder).
    pub keep: Vec<Box<dyn Send>>,
}

/// What a lab bench lacks when a step flashes an image.
const STEP_FLASH: &str = "firmware flash a step can write (on a lab bench, run `rig flash` before the run)";

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error("the terminal {0}")]
    Terminal(String),
    #[error("no card profile {name:?} in {dir} (have: {have})")]
    UnknownCard { name: String, dir: String, have: String },
    #[error(transparent)]
    Timeout(#[from] Timeout),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("mock host: {0}")]
    Host(#[from] crate::host::server::HostError),
    #[error(
        "the terminal runs firmware {running}, but the bench file's [firmware] version is {wanted}: \
         run `rig flash --bench FILE` before the run"
    )]
    WrongFirmware { running: String, wanted: String },
    /// A step needs a device this bench does not have.
    #[error("this bench has no {0}")]
    Lacks(String),
    /// The feature asks for what the bench cannot be asked (a release it
    /// does not name, a firmware file that is not an image).
    #[error("{0}")]
    Mistake(String),
}

impl BenchError {
    pub fn class(&self) -> FailureClass {
        match self {
            // A key the bench does not wire is a gap in the bench file, not a broken bench.
            BenchError::Device(DeviceError::UnwiredKey { .. }) => FailureClass::Mistake,
            BenchError::Device(DeviceError::Terminal(_)) => FailureClass::TerminalFailure,
            BenchError::Device(DeviceError::Lacks(_)) => FailureClass::NotOnThisBench,
            BenchError::Device(_) | BenchError::Io(_) | BenchError::Host(_) => FailureClass::BenchFault,
            BenchError::Config(_)
            | BenchError::UnknownCard { .. }
            | BenchError::WrongFirmware { .. }
            | BenchError::Mistake(_) => FailureClass::Mistake,
            BenchError::Lacks(_) => FailureClass::NotOnThisBench,
            // Nothing came because the console was unplugged: the bench's fault.
            BenchError::Timeout(t) if t.port_down.is_some() => FailureClass::BenchFault,
            BenchError::Terminal(_) | BenchError::Timeout(_) => FailureClass::TerminalFailure,
        }
    }
}

impl BenchPlan {
    pub fn load(path: &Path) -> Result<BenchPlan, BenchError> {
        let bench = Bench::load(path)?;
        let profile = TerminalProfile::load(&bench.resolve(&bench.file.terminal_profile))?;
        let dialect = Dialect::load(&bench.resolve(&bench.file.host_dialect))?;
        let cards = card::load_dir(&bench.resolve(&bench.file.cards))?;
        let tmk = bench.master_key()?;
        check_wiring(&bench, &profile)?;
        // `Bench::load` has checked the file is one kind or the other.
        let virtual_plan = match &bench.file.virtual_terminal {
            Some(vt) => Some(VirtualPlan::load(&bench, vt)?),
            None => None,
        };
        Ok(BenchPlan {
            bench,
            profile: Arc::new(profile),
            dialect,
            cards,
            tmk,
            virtual_plan,
            assemblies: Default::default(),
            supply: Default::default(),
        })
    }

    pub fn card(&self, name: &str) -> Result<&CardProfile, BenchError> {
        self.cards.get(name).ok_or_else(|| BenchError::UnknownCard {
            name: name.into(),
            dir: self.bench.resolve(&self.bench.file.cards).display().to_string(),
            have: self.cards.keys().cloned().collect::<Vec<_>>().join(", "),
        })
    }

    /// Builds the devices of one scenario and starts the mock host.
    pub async fn assemble(self: &Arc<Self>, timeline: Timeline, log_dir: &Path) -> Result<LiveBench, BenchError> {
        let assembly = self.assemblies.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if let Some(plan) = &self.virtual_plan
            && plan
                .vt
                .simulated_faults
                .console_unplugged_at_assembly
                .contains(&assembly)
        {
            return Err(DeviceError::Console {
                port: "virtual console cable".into(),
                message: format!(
                    "unplugged (simulated for scenario {assembly} of this run by [virtual.simulated_faults] in {})",
                    self.bench.path.display()
                ),
            }
            .into());
        }
        let issuer = Issuer::new(self.cards.values());
        let host = MockHost::new(self.dialect.clone(), self.tmk, issuer, timeline.clone())?;
        let host_handle = host.start(&self.bench.file.host.listen).await?;
        let parts = match &self.virtual_plan {
            Some(plan) => virtual_side::assemble(
                plan,
                &self.bench,
                &self.profile,
                self.tmk,
                host_handle.addr.to_string(),
                &timeline,
                log_dir,
            )?,
            None => lab_side::assemble(&self.bench, &self.profile, self.supply.clone(), &timeline)?,
        };
        let answering = responders::Responders::start(&self.profile, parts.robot.clone(), timeline.clone());
        Ok(LiveBench {
            plan: self.clone(),
            timeline,
            host,
            _host: host_handle,
            console: Some(parts.console),
            cash_register: parts.cash_register,
            robot: parts.robot,
            power: parts.power,
            flasher: parts.flasher,
            card_link: parts.card_link,
            magstripe: parts.magstripe,
            scanner: parts.scanner,
            paper: parts.paper,
            firmware_dir: parts.firmware_dir,
            wanted_firmware: parts.wanted_firmware,
            readers: Default::default(),
            _responders: answering,
            flow: None,
            plug: Arc::default(),
            torn: Arc::default(),
            card_memory: Default::default(),
            _keep: parts.keep,
        })
    }
}

/// A lab terminal must run the firmware its bench file names: testing
/// another version would pass or fail the wrong build.
fn same_firmware(running: &str, wanted: &str) -> Result<(), BenchError> {
    if running == wanted {
        Ok(())
    } else {
        Err(BenchError::WrongFirmware {
            running: running.into(),
            wanted: wanted.into(),
        })
    }
}

/// Every key the profile may press must have a solenoid on the bench.
fn check_wiring(bench: &Bench, profile: &TerminalProfile) -> Result<(), ConfigError> {
    let keys = &profile.keys;
    let digits = ('0'..='9').map(|d| profile.digit_key(d));
    let menus = profile.menus.values().flatten().cloned();
    let needed = [keys.enter.clone(), keys.cancel.clone(), keys.clear.clone()]
        .into_iter()
        .chain(digits)
        .chain(menus);
    let missing: Vec<String> = needed.filter(|k| !bench.file.robot.pins.contains_key(k)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ConfigError::Semantic {
        path: bench.path.clone(),
        message: format!(
            "[robot.pins] wires no solenoid for key(s) {} that the terminal profile uses",
            missing.join(", ")
        ),
    })
}

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

    pub async fn press(&self, key: &str) -> Result<(), BenchError> {
        Ok(self.robot.press(key).await?)
    }

    /// Holds a key for `hold` instead of the robot's configured press time.
    pub async fn press_for(&self, key: &str, hold: Duration) -> Result<(), BenchError> {
        Ok(self.robot.press_for(key, hold).await?)
    }

    pub async fn swipe(&self, card: &CardProfile) -> Result<(), BenchError> {
        let head = self
            .magstripe
            .as_ref()
            .ok_or_else(|| BenchError::Lacks("magnetic stripe emulator".into()))?;
        Ok(head.swipe(&card.track2(), card.track3.as_deref()).await?)
    }

    /// Tells the printer's paper sensor that paper is out, or loaded again.
    pub fn paper(&self, out: bool) -> Result<(), BenchError> {
        self.paper
            .as_ref()
            .ok_or_else(|| BenchError::Lacks("paper sensor line".into()))?
            .set_out(out)?;
        self.note(if out { "printer out of paper" } else { "paper loaded" });
        Ok(())
    }

    /// Sends one request line from the cash register.
    pub fn cash_register(&self, line: &str) -> Result<(), BenchError> {
        let ecr = self
            .cash_register
            .as_ref()
            .ok_or_else(|| BenchError::Lacks("cash register line ([ecr])".into()))?;
        Ok(ecr.send(line)?)
    }

    /// Shows a payment code to the terminal's scanner.
    pub async fn present_code(&self, code: &str) -> Result<(), BenchError> {
        let scanner = self
            .scanner
            .as_ref()
            .ok_or_else(|| BenchError::Lacks("payment code presenter".into()))?;
        Ok(scanner.present(code).await?)
    }

    /// Puts a card in the contact slot.
    pub async fn insert(&mut self, card: impl SmartCard) -> Result<(), BenchError> {
        let card = self.tearable(card);
        Ok(self.card_link.insert(card).await?)
    }

    /// Holds a card (or phone) to the contactless field.
    pub async fn bring_to_field(&mut self, card: impl SmartCard) -> Result<(), BenchError> {
        let card = self.tearable(card);
        Ok(self.card_link.bring_to_field(card).await?)
    }

    /// A new card in a reader, which a fault campaign may tear out.
    fn tearable(&self, card: impl SmartCard) -> Box<dyn SmartCard> {
        self.torn.store(false, std::sync::atomic::Ordering::SeqCst);
        Box::new(crate::card::faults::Tearable {
            card,
            torn: self.torn.clone(),
        })
    }

    /// What a fault campaign acts through, from any thread.
    pub fn fault_handles(&self) -> fault_handles::FaultHandles {
        fault_handles::FaultHandles {
            plug: self.plug.clone(),
            torn: self.torn.clone(),
            paper: self.paper.clone(),
            host: self.host.clone(),
        }
    }

    /// Takes the card out of the slot, or away from the field.
    /// Takes the card away; false when none was in a reader.
    pub fn remove_card(&mut self) -> bool {
        self.card_link.remove()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lab_terminal_on_other_firmware_is_a_mistake_to_fix_with_rig_flash() {
        assert!(same_firmware("2.3.1", "2.3.1").is_ok());
        let err = same_firmware("2.3.0", "2.3.1").expect_err("other version");
        assert_eq!(err.class(), FailureClass::Mistake);
        assert!(
            err.to_string()
                .contains("runs firmware 2.3.0, but the bench file's [firmware] version is 2.3.1"),
            "{err}"
        );
        assert!(err.to_string().contains("rig flash"), "{err}");
    }
}
