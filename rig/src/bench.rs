//! The bench: devices assembled from a bench file, and the verbs steps use.
//! `BenchPlan` is loaded and checked once per run; a `LiveBench` is built per
//! scenario, so every scenario starts from a fresh terminal, flash and host.

use crate::config::ConfigError;
use crate::config::bench::{Bench, VirtualTerminal};
use crate::config::card::{self, CardProfile};
use crate::config::dialect::Dialect;
use crate::config::terminal::TerminalProfile;
use crate::devices::DeviceError;
use crate::devices::card_link::{self, InsertedCard, SmartCard};
use crate::devices::console::{SerialConsole, VirtualCable};
use crate::devices::ecr::CashRegister;
use crate::devices::flasher::{self, FirmwareImage};
use crate::devices::gpio::VirtualGpio;
use crate::devices::keypad::KeypadRobot;
use crate::devices::magstripe::{CodePresenter, MagstripeEmulator};
use crate::devices::power::{self, VirtualPower};
use crate::events::{Cursor, Kind, Source, Timeline, Timeout};
use crate::failure::FailureClass;
use crate::host::issuer::Issuer;
use crate::host::{HostHandle, MockHost};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

/// Everything a run needs from the fixtures, checked before any scenario starts.
#[derive(Debug)]
pub struct BenchPlan {
    pub bench: Bench,
    pub profile: Arc<TerminalProfile>,
    pub dialect: Dialect,
    pub cards: BTreeMap<String, CardProfile>,
    pub tmk: [u8; 16],
    pub program: PathBuf,
    pub parameters: PathBuf,
    /// The checked image every scenario's terminal starts with.
    pub firmware: FirmwareImage,
    pub vt: VirtualTerminal,
    /// Benches assembled so far in this run (simulated faults count them).
    assemblies: std::sync::atomic::AtomicU32,
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
}

impl BenchError {
    pub fn class(&self) -> FailureClass {
        match self {
            // A key the bench does not wire is a gap in the bench file, not a broken bench.
            BenchError::Device(DeviceError::UnwiredKey { .. }) => FailureClass::Mistake,
            BenchError::Device(_) | BenchError::Io(_) | BenchError::Host(_) => FailureClass::BenchFault,
            BenchError::Config(_) | BenchError::UnknownCard { .. } => FailureClass::Mistake,
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
        let vt = bench.virtual_terminal()?.clone();
        let program = power::locate_program(&vt.program)?;
        let parameters = bench.resolve(&vt.parameters);
        let firmware = FirmwareImage::load(&bench.resolve(&vt.firmware))?;
        Ok(BenchPlan {
            bench,
            profile: Arc::new(profile),
            dialect,
            cards,
            tmk,
            program,
            parameters,
            firmware,
            vt,
            assemblies: Default::default(),
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
        if self
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
        let work = tempfile::Builder::new().prefix("rig-bench-").tempdir()?;
        let issuer = Issuer::new(self.cards.values());
        let host = MockHost::new(self.dialect.clone(), self.tmk, issuer, timeline.clone())
            .map_err(|e| BenchError::Host(e.to_string()))?;
        let host_handle = host
            .start(&self.bench.file.host.listen)
            .await
            .map_err(|e| BenchError::Host(e.to_string()))?;
        let wiring = &self.bench.file.robot;
        let paper_line = self.vt.paper_sensor_line;
        let lines = wiring
            .pins
            .values()
            .copied()
            .chain([paper_line])
            .max()
            .map_or(0, |m| m + 1);
        let gpio = Arc::new(VirtualGpio::create(&work.path().join("gpio"), lines)?);
        let robot = KeypadRobot::new(gpio.clone(), wiring, timeline.clone());
        let board = work.path().join("board.toml");
        let vt = &self.vt;
        let keypad: BTreeMap<String, usize> = wiring.pins.clone();
        let cable = VirtualCable::new()?;
        let profile = self.profile.clone();
        let console = SerialConsole::attach(
            Box::new(cable.host_end),
            cable.device_path.clone(),
            profile.console.clone(),
            timeline.clone(),
        )?;
        // The cash register's line, a second cable.
        let ecr_cable = VirtualCable::new()?;
        let cash_register = CashRegister::attach(Box::new(ecr_cable.host_end), timeline.clone())?;
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
            host_address = (host_handle.addr.to_string())
            tmk = (hex::encode_upper(self.tmk))
        })
        .map_err(|e| BenchError::Terminal(format!("board file: {e}")))?;
        let keypad_toml: String = keypad.iter().map(|(k, l)| format!("{k:?} = {l}\n")).collect();
        std::fs::write(&board, format!("{board_toml}\n[keypad]\n{keypad_toml}"))?;
        let args = vec![
            "--params".to_string(),
            self.parameters.display().to_string(),
            "--board".to_string(),
            board.display().to_string(),
        ];
        // Factory state: the bench's image in flash.
        flasher::write(&self.firmware, &work.path().join("firmware.img"))?;
        let power = VirtualPower::new(
            self.program.clone(),
            args,
            log_dir.join("vterm.stderr.log"),
            timeline.clone(),
        );
        let magstripe = MagstripeEmulator::new(work.path().join("swipe.sock"), timeline.clone());
        let scanner = CodePresenter::new(work.path().join("scanner.sock"), timeline.clone());
        Ok(LiveBench {
            plan: self.clone(),
            timeline,
            host,
            _host: host_handle,
            power,
            console: Some(console),
            _cable_device_end: cable.device_end,
            cash_register,
            _ecr_device_end: ecr_cable.device_end,
            robot,
            gpio,
            paper_line,
            magstripe,
            scanner,
            contact_reader: None,
            contactless_reader: None,
            card_in_slot: None,
            card_in_field: None,
            firmware_file: work.path().join("firmware.img"),
            _work: work,
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
    power: VirtualPower,
    console: Option<SerialConsole>,
    _cable_device_end: serialport::TTYPort,
    cash_register: CashRegister,
    _ecr_device_end: serialport::TTYPort,
    robot: KeypadRobot,
    gpio: Arc<VirtualGpio>,
    paper_line: usize,
    magstripe: MagstripeEmulator,
    scanner: CodePresenter,
    contact_reader: Option<String>,
    contactless_reader: Option<String>,
    card_in_slot: Option<InsertedCard>,
    card_in_field: Option<InsertedCard>,
    /// The terminal's flash, where the flasher writes images.
    firmware_file: PathBuf,
    _work: tempfile::TempDir,
}

impl std::fmt::Debug for LiveBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveBench")
            .field("bench", &self.plan.bench.file.name)
            .field("powered", &self.power.is_on())
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
        let stdout = self.power.on()?;
        let boot = Duration::from_millis(self.profile().timeouts.boot_ms);
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
        self.contact_reader = Some(contact);
        self.contactless_reader = Some(contactless);
        let (booted, _) = self
            .timeline
            .wait_for(from, boot, "boot banner", |e| match &e.kind {
                Kind::Boot { version, .. } => Some(Ok(version.clone())),
                Kind::BootFailure { reason, .. } => Some(Err(reason.clone())),
                _ => None,
            })
            .await?;
        let version = booted.map_err(|reason| BenchError::Terminal(format!("refused its firmware: {reason}")))?;
        Ok(version)
    }

    /// Flashes a firmware image (checked first), power-cycles the terminal and
    /// checks that the boot banner shows the image's version.
    pub async fn flash(&mut self, image: &Path) -> Result<String, BenchError> {
        let image = FirmwareImage::load(image)?;
        let was_on = self.power.is_on();
        self.power_off().await;
        flasher::write(&image, &self.firmware_file)?;
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
        self.power.is_on()
    }

    /// Writes bytes into the terminal's firmware flash unchecked (to test the boot loader).
    pub fn write_flash_raw(&self, bytes: &[u8]) -> Result<(), BenchError> {
        std::fs::write(&self.firmware_file, bytes)?;
        Ok(())
    }

    pub async fn power_off(&mut self) {
        self.card_in_slot = None;
        self.card_in_field = None;
        self.robot.release_all();
        self.power.off().await;
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
        Ok(self.magstripe.swipe(&card.track2(), card.track3.as_deref()).await?)
    }

    /// Tells the printer's paper sensor that paper is out, or loaded again.
    pub fn paper(&self, out: bool) -> Result<(), BenchError> {
        use crate::devices::gpio::GpioLines;
        self.gpio.set(self.paper_line, out)?;
        self.note(if out { "printer out of paper" } else { "paper loaded" });
        Ok(())
    }

    /// Sends one request line from the cash register.
    pub fn cash_register(&self, line: &str) -> Result<(), BenchError> {
        Ok(self.cash_register.send(line)?)
    }

    /// Shows a payment code to the terminal's scanner.
    pub async fn present_code(&self, code: &str) -> Result<(), BenchError> {
        Ok(self.scanner.present(code).await?)
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
        let addr = self
            .contactless_reader
            .clone()
            .ok_or_else(|| BenchError::Terminal("is off: no contactless reader".into()))?;
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
        Ok(self
            .await_display(from, &format!("prompt {name:?} ({re})"), deadline, |t| re.is_match(t))
            .await?)
    }

    pub async fn await_display(
        &self,
        from: Cursor,
        what: &str,
        deadline: Duration,
        matches: impl Fn(&str) -> bool,
    ) -> Result<(String, Cursor), Timeout> {
        let result = self
            .timeline
            .wait_for(from, deadline, what, |e| match &e.kind {
                Kind::Display { text, .. } if matches(text) => Some(text.clone()),
                _ => None,
            })
            .await;
        result.map_err(|mut t| {
            // Say what the terminal showed instead: that is the first thing a reader asks.
            if let Some(last) = self.last_display() {
                t.what = format!("{} (the display shows {:?})", t.what, crate::mask::text(&last));
            }
            t
        })
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
