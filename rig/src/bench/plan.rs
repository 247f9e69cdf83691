//! The bench plan: the fixtures a run needs (bench, terminal profile,
//! dialect, cards, keys), loaded and checked once, and the assembly of one
//! scenario's `LiveBench` from it.

use super::virtual_side::{self, VirtualPlan};
use super::{BenchError, LiveBench, lab_side, responders};
use crate::config::ConfigError;
use crate::config::bench::Bench;
use crate::config::card::{self, CardProfile};
use crate::config::dialect::Dialect;
use crate::config::terminal::TerminalProfile;
use crate::devices::DeviceError;
use crate::devices::console::SerialConsole;
use crate::devices::ecr::CashRegister;
use crate::devices::keypad::KeypadRobot;
use crate::devices::magstripe::{CodePresenter, MagstripeEmulator};
use crate::devices::roles::{CardLink, Flasher, Power};
use crate::events::Timeline;
use crate::host::MockHost;
use crate::host::issuer::Issuer;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use virtual_side::PaperSensor;

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
pub(super) fn same_firmware(running: &str, wanted: &str) -> Result<(), BenchError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::FailureClass;

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
