//! The bench: devices assembled from a bench file, and the verbs steps use.
//! `BenchPlan` is loaded and checked once per run; a `LiveBench` is built per
//! scenario, so every scenario starts from a fresh terminal, flash and host.
//! What differs between the virtual bench and a lab bench lives in
//! `virtual_side` and `lab_side`; the verbs and the timeline are shared.

pub mod lab_side;
pub mod virtual_side;

use crate::config::ConfigError;
use crate::config::bench::Bench;
use crate::config::card::{self, CardProfile};
use crate::config::dialect::Dialect;
use crate::config::terminal::TerminalProfile;
use crate::devices::DeviceError;
use crate::devices::card_link::{self, InsertedCard, SmartCard};
use crate::devices::console::SerialConsole;
use crate::devices::ecr::CashRegister;
use crate::devices::flasher::FirmwareImage;
use crate::devices::keypad::KeypadRobot;
use crate::events::{Cursor, Kind, Seen, Source, Timeline, Timeout};
use crate::failure::FailureClass;
use crate::host::issuer::Issuer;
use crate::host::{HostHandle, MockHost};
use lab_side::LabSide;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use virtual_side::{VirtualPlan, VirtualSide};

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

/// The devices every bench has, virtual or lab.
pub struct Common {
    pub console: SerialConsole,
    pub cash_register: Option<CashRegister>,
    pub robot: KeypadRobot,
}

/// Where the terminal's card readers are once it is on (vpcd addresses).
#[derive(Debug, Clone, Default)]
pub struct Readers {
    pub contact: Option<String>,
    pub contactless: Option<String>,
}

/// What a lab bench lacks when a step flashes an image.
const STEP_FLASH: &str = "firmware flash a step can write (on a lab bench, run `rig flash` before the run)";

/// The terminal and the devices only one kind of bench has.
enum TerminalSide {
    Virtual(Box<VirtualSide>),
    Lab(LabSide),
}

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
    Host(String),
    #[error(
        "the terminal runs firmware {running}, but the bench file's [firmware] version is {wanted}: \
         run `rig flash --bench FILE` before the run"
    )]
    WrongFirmware { running: String, wanted: String },
    /// A step needs a device this bench does not have.
    #[error("this bench has no {0}")]
    Lacks(String),
}

impl BenchError {
    pub fn class(&self) -> FailureClass {
        match self {
            // A key the bench does not wire is a gap in the bench file, not a broken bench.
            BenchError::Device(DeviceError::UnwiredKey { .. }) => FailureClass::Mistake,
            BenchError::Device(_) | BenchError::Io(_) | BenchError::Host(_) => FailureClass::BenchFault,
            BenchError::Config(_) | BenchError::UnknownCard { .. } | BenchError::WrongFirmware { .. } => {
                FailureClass::Mistake
            }
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
        let host = MockHost::new(self.dialect.clone(), self.tmk, issuer, timeline.clone())
            .map_err(|e| BenchError::Host(e.to_string()))?;
        let host_handle = host
            .start(&self.bench.file.host.listen)
            .await
            .map_err(|e| BenchError::Host(e.to_string()))?;
        let (side, common) = match &self.virtual_plan {
            Some(plan) => {
                let (side, common) = virtual_side::assemble(
                    plan,
                    &self.bench,
                    &self.profile,
                    self.tmk,
                    host_handle.addr.to_string(),
                    &timeline,
                    log_dir,
                )?;
                (TerminalSide::Virtual(Box::new(side)), common)
            }
            None => {
                let (side, common) = lab_side::assemble(&self.bench, &self.profile, self.supply.clone(), &timeline)?;
                (TerminalSide::Lab(side), common)
            }
        };
        Ok(LiveBench {
            plan: self.clone(),
            timeline,
            host,
            _host: host_handle,
            side,
            console: Some(common.console),
            cash_register: common.cash_register,
            robot: common.robot,
            contact_reader: None,
            contactless_reader: None,
            card_in_slot: None,
            card_in_field: None,
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
    side: TerminalSide,
    console: Option<SerialConsole>,
    cash_register: Option<CashRegister>,
    robot: KeypadRobot,
    contact_reader: Option<String>,
    contactless_reader: Option<String>,
    card_in_slot: Option<InsertedCard>,
    card_in_field: Option<InsertedCard>,
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

    /// Switches the terminal on, connects its console, and returns the boot
    /// banner's firmware version.
    pub async fn power_on(&mut self) -> Result<String, BenchError> {
        let from = self.timeline.now();
        let boot = Duration::from_millis(self.profile().timeouts.boot_ms);
        let readers = match &mut self.side {
            TerminalSide::Virtual(v) => v.power_on(boot).await?,
            TerminalSide::Lab(l) => l.power_on().await?,
        };
        self.contact_reader = readers.contact;
        self.contactless_reader = readers.contactless;
        let (booted, _) = self
            .timeline
            .wait_for(from, boot, "boot banner", |e| match &e.kind {
                Kind::Boot { version, .. } => Some(Ok(version.clone())),
                Kind::BootFailure { reason, .. } => Some(Err(reason.clone())),
                _ => None,
            })
            .await?;
        let version = booted.map_err(|reason| BenchError::Terminal(format!("refused its firmware: {reason}")))?;
        if let (TerminalSide::Lab(_), Some(firmware)) = (&self.side, &self.plan.bench.file.firmware) {
            same_firmware(&version, &firmware.version)?;
        }
        Ok(version)
    }

    /// Flashes a firmware image (checked first), power-cycles the terminal and
    /// checks that the boot banner shows the image's version.
    pub async fn flash(&mut self, image: &Path) -> Result<String, BenchError> {
        let image = FirmwareImage::load(image)?;
        let was_on = self.is_on();
        self.power_off().await;
        self.virtual_side(STEP_FLASH)?.write_flash(&image)?;
        self.note(&format!("flashed {} (version {})", image.path.display(), image.version));
        if !was_on {
            return Ok(image.version);
        }
        let running = self.power_on().await?;
        if running != image.version {
            return Err(BenchError::Terminal(format!(
                "runs firmware {running} after flashing {}",
                image.version
            )));
        }
        Ok(running)
    }

    pub fn is_on(&self) -> bool {
        match &self.side {
            TerminalSide::Virtual(v) => v.is_on(),
            TerminalSide::Lab(l) => l.is_on(),
        }
    }

    /// The virtual terminal's process while it runs (tests stall it to
    /// play a loaded machine); `None` on a lab bench or when it is off.
    pub fn virtual_terminal_pid(&self) -> Option<u32> {
        match &self.side {
            TerminalSide::Virtual(v) => v.terminal_pid(),
            TerminalSide::Lab(_) => None,
        }
    }

    /// Where steps find firmware images by name.
    pub fn firmware_dir(&self) -> Result<PathBuf, BenchError> {
        let plan = self
            .plan
            .virtual_plan
            .as_ref()
            .ok_or_else(|| BenchError::Lacks(STEP_FLASH.into()))?;
        Ok(self.plan.bench.resolve(&plan.vt.firmware_dir))
    }

    /// The virtual terminal's own devices, or which of them this bench lacks.
    fn virtual_side(&self, what: &str) -> Result<&VirtualSide, BenchError> {
        match &self.side {
            TerminalSide::Virtual(v) => Ok(v),
            TerminalSide::Lab(_) => Err(BenchError::Lacks(what.into())),
        }
    }

    /// Writes bytes into the terminal's firmware flash unchecked (to test the boot loader).
    pub fn write_flash_raw(&self, bytes: &[u8]) -> Result<(), BenchError> {
        self.virtual_side(STEP_FLASH)?.write_flash_raw(bytes)
    }

    pub async fn power_off(&mut self) {
        self.card_in_slot = None;
        self.card_in_field = None;
        self.robot.release_all();
        match &mut self.side {
            TerminalSide::Virtual(v) => v.power_off().await,
            TerminalSide::Lab(l) => {
                // The scenario is over either way; the trace must still show
                // that the terminal may have stayed powered.
                if let Err(e) = l.power_off() {
                    self.timeline.publish(
                        Source::Power,
                        Kind::Step {
                            text: format!("power relay did not open: {e}"),
                        },
                    );
                }
            }
        }
    }

    /// Stops the console reader once it has published what it read.
    pub fn disconnect(&mut self) {
        if let Some(mut console) = self.console.take() {
            console.close();
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
        let head = &self.virtual_side("magnetic stripe emulator")?.magstripe;
        Ok(head.swipe(&card.track2(), card.track3.as_deref()).await?)
    }

    /// Tells the printer's paper sensor that paper is out, or loaded again.
    pub fn paper(&self, out: bool) -> Result<(), BenchError> {
        self.virtual_side("paper sensor line")?.paper(out)?;
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
        Ok(self
            .virtual_side("payment code presenter")?
            .scanner
            .present(code)
            .await?)
    }

    /// Puts a card in the contact slot.
    pub async fn insert(&mut self, card: impl SmartCard) -> Result<(), BenchError> {
        let addr = self
            .contact_reader
            .clone()
            .ok_or_else(|| BenchError::Terminal("is off: no card reader".into()))?;
        self.card_in_slot = Some(card_link::insert(&addr, card, self.timeline.clone()).await?);
        Ok(())
    }

    /// Holds a card (or phone) to the contactless field.
    pub async fn bring_to_field(&mut self, card: impl SmartCard) -> Result<(), BenchError> {
        let Some(addr) = self.contactless_reader.clone() else {
            return match &mut self.side {
                // A lab terminal's field is reached by the NFC front end.
                TerminalSide::Lab(lab) if lab.is_on() => {
                    if lab.tap(card, &self.timeline)? {
                        Ok(())
                    } else {
                        Err(BenchError::Lacks(
                            "contactless card emulator ([card_emulator] contactless or [nfc_frontend])".into(),
                        ))
                    }
                }
                _ => Err(BenchError::Terminal("is off: no contactless reader".into())),
            };
        };
        self.card_in_field = Some(card_link::insert(&addr, card, self.timeline.clone()).await?);
        Ok(())
    }

    /// Takes the card out of the slot, or away from the field.
    pub fn remove_card(&mut self) {
        for card in [self.card_in_slot.take(), self.card_in_field.take()]
            .into_iter()
            .flatten()
        {
            card.remove(&self.timeline);
        }
    }

    /// Waits for the display to show the profile's prompt `name`.
    pub async fn await_prompt(
        &self,
        from: Cursor,
        name: &str,
        deadline: Duration,
    ) -> Result<(String, Cursor), BenchError> {
        let re = self.profile().prompt(name).ok_or_else(|| {
            BenchError::Config(ConfigError::Semantic {
                path: self.plan.bench.resolve(&self.plan.bench.file.terminal_profile),
                message: format!("no prompt {name:?} in [prompts]"),
            })
        })?;
        let ended = self.ended_by(Some(name));
        Ok(self
            .timeline
            .wait_until(from, deadline, format!("prompt {name:?} ({re})"), |e| match &e.kind {
                Kind::Display { text, .. } if re.is_match(text) => Seen::Found(text.clone()),
                _ => ended(e).map_or(Seen::Pending, Seen::Ended),
            })
            .await?)
    }

    /// What ends a wait during a transaction before its deadline: the
    /// terminal back at idle (unless idle is `awaited`), or, when `awaited`
    /// is one of the profile's outcomes, another outcome shown.
    pub fn ended_by(&self, awaited: Option<&str>) -> impl Fn(&crate::events::Event) -> Option<String> + '_ {
        let profile = self.profile();
        let awaited_outcome: Option<&str> = awaited
            .and_then(|a| profile.outcomes.iter().find(|o| *o == a))
            .map(String::as_str);
        let idle = profile.prompt("idle").filter(|_| awaited != Some("idle"));
        let awaited_outcome = awaited_outcome.map(str::to_string);
        move |e| {
            let Kind::Display { text, .. } = &e.kind else {
                return None;
            };
            if awaited_outcome.is_some() {
                let other = profile
                    .outcomes
                    .iter()
                    .filter(|o| Some(o.as_str()) != awaited_outcome.as_deref());
                for name in other {
                    if profile.prompt(name).is_some_and(|re| re.is_match(text)) {
                        return Some(format!("the terminal showed {name:?} ({text})"));
                    }
                }
            }
            idle.filter(|re| re.is_match(text))
                .map(|_| format!("the terminal was back at idle ({text})"))
        }
    }

    /// Waits for a display text `matches` accepts; fails at once when the
    /// transaction is over without it.
    pub async fn await_display(
        &self,
        from: Cursor,
        what: &str,
        deadline: Duration,
        matches: impl Fn(&str) -> bool,
    ) -> Result<(String, Cursor), Timeout> {
        let ended = self.ended_by(None);
        self.timeline
            .wait_until(from, deadline, what, |e| match &e.kind {
                Kind::Display { text, .. } if matches(text) => Seen::Found(text.clone()),
                _ => ended(e).map_or(Seen::Pending, Seen::Ended),
            })
            .await
    }

    /// Returns once the display shows the profile's prompt `name`: at once if it
    /// already does, else when it next changes to it.
    pub async fn await_current_prompt(&self, name: &str, deadline: Duration) -> Result<(), BenchError> {
        let events = self.timeline.since(0);
        let last = events.iter().rev().find_map(|e| match &e.kind {
            Kind::Display { text, .. } => Some((e.seq, text.clone())),
            _ => None,
        });
        let showing = last
            .as_ref()
            .is_some_and(|(_, text)| self.profile().prompt(name).is_some_and(|re| re.is_match(text)));
        if !showing {
            let from = last.map_or(0, |(seq, _)| seq + 1);
            self.await_prompt(from, name, deadline).await?;
        }
        Ok(())
    }

    pub fn last_display(&self) -> Option<String> {
        self.timeline.since(0).iter().rev().find_map(|e| match &e.kind {
            Kind::Display { text, .. } => Some(text.clone()),
            _ => None,
        })
    }

    pub fn note(&self, text: &str) {
        self.timeline.publish(Source::Rig, Kind::Step { text: text.into() });
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
