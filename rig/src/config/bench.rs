//! Bench files (fixtures/benches/*.toml): which terminal, host dialect and
//! cards, and how each device is wired.

use super::lab::{
    CardEmulatorWiring, FirmwareWiring, GpioWiring, NfcFrontendWiring, ProbeWiring, RelayWiring, SerialWiring,
};
use super::{ConfigError, relative_to};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchFile {
    pub name: String,
    /// Terminal profile, relative to this file.
    pub terminal_profile: PathBuf,
    pub host_dialect: PathBuf,
    pub cards: PathBuf,
    /// The terminal master key injected into the terminal's PIN pad (test key file).
    pub master_key: PathBuf,
    pub host: HostWiring,
    pub robot: RobotWiring,
    /// The virtual terminal; a lab bench declares the tables below instead.
    #[serde(rename = "virtual")]
    pub virtual_terminal: Option<VirtualTerminal>,
    /// Lab bench: the debug probe and the image it flashes.
    pub probe: Option<ProbeWiring>,
    pub firmware: Option<FirmwareWiring>,
    /// Lab bench: the terminal's serial console and cash-register port.
    pub console: Option<SerialWiring>,
    pub ecr: Option<SerialWiring>,
    /// Lab bench: the Pi's GPIO for the keypad robot, and the power relay.
    pub gpio: Option<GpioWiring>,
    pub power_relay: Option<RelayWiring>,
    /// Card side on a lab bench.
    pub nfc_frontend: Option<NfcFrontendWiring>,
    pub card_emulator: Option<CardEmulatorWiring>,
    /// Whether `rig run --evidence clear` may write card data and keys
    /// unmasked on this bench (a lab bench with test keys only).
    #[serde(default)]
    pub allow_clear_evidence: bool,
}

/// Which kind of bench a file describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchKind {
    /// vterm as a child process.
    Virtual,
    /// A real terminal wired to a Raspberry Pi.
    Lab,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostWiring {
    /// Listen address of the mock acquirer; port 0 picks a free one.
    pub listen: String,
}

/// Keypad robot: solenoid timing and which GPIO line presses which key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RobotWiring {
    /// How long a solenoid stays energised: the key is held down.
    pub press_ms: u64,
    /// How long a de-energised solenoid takes to lift off the key; the key
    /// counts as released only after it (0 for the virtual bench's lines).
    #[serde(default)]
    pub release_ms: u64,
    /// Pause after a key is released before the next one is pressed.
    pub gap_ms: u64,
    pub pins: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtualTerminal {
    /// vterm executable; a bare name is looked up beside the rig executable.
    pub program: PathBuf,
    /// Terminal parameters (what a TMS would download), relative to this file.
    pub parameters: PathBuf,
    /// The firmware image in the terminal's flash when a scenario starts.
    pub firmware: PathBuf,
    /// Where steps find images by name ("the terminal is flashed with ...").
    pub firmware_dir: PathBuf,
    /// Plain images (no VTERM-FW container) by file name, with the version
    /// their terminal's banner shows once booted.
    #[serde(default)]
    pub image_versions: std::collections::BTreeMap<String, String>,
    /// The terminal's releases by role ("current", "regression") -> image
    /// file in `firmware_dir`: what features flash, whatever the model.
    #[serde(default)]
    pub releases: std::collections::BTreeMap<String, String>,
    pub debounce_ms: u64,
    pub scan_ms: u64,
    /// GPIO line the rig drives to tell the printer it is out of paper.
    pub paper_sensor_line: usize,
    /// Bench faults staged on purpose, to try the rig's own fault handling.
    #[serde(default)]
    pub simulated_faults: SimulatedFaults,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatedFaults {
    /// The console cable is found unplugged when the bench is assembled for
    /// these scenarios of a run (1-based, in the order played; retries count).
    #[serde(default)]
    pub console_unplugged_at_assembly: Vec<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MasterKeyFile {
    pub description: String,
    pub tmk: String,
}

/// A bench file with its paths resolved.
#[derive(Debug, Clone)]
pub struct Bench {
    pub path: PathBuf,
    pub file: BenchFile,
}

impl Bench {
    pub fn load(path: &Path) -> Result<Bench, ConfigError> {
        Bench::parse(path, &super::read(path)?)
    }

    /// A bench file's text, as if read from `path` (its paths resolve from there).
    pub fn parse(path: &Path, text: &str) -> Result<Bench, ConfigError> {
        Self::checked(path, text).map_err(|e| e.located(text))
    }

    fn checked(path: &Path, text: &str) -> Result<Bench, ConfigError> {
        let file: BenchFile = super::parse(path, text)?;
        let bench = Bench {
            path: path.to_path_buf(),
            file,
        };
        let semantic = |message: String| ConfigError::Semantic {
            path: path.into(),
            message,
        };
        bench.kind().map_err(semantic)?;
        let f = &bench.file;
        for (table, port) in [("console", &f.console), ("ecr", &f.ecr)] {
            if let Some(port) = port {
                port.check(table).map_err(semantic)?;
            }
        }
        if f.firmware.is_some() != f.probe.is_some() {
            return Err(semantic(
                "[firmware] and [probe] go together: the probe flashes the image".into(),
            ));
        }
        let mut paths: Vec<(&str, &PathBuf)> = vec![
            ("terminal_profile", &f.terminal_profile),
            ("host_dialect", &f.host_dialect),
            ("cards", &f.cards),
            ("master_key", &f.master_key),
        ];
        if let Some(vt) = &f.virtual_terminal {
            paths.push(("virtual.parameters", &vt.parameters));
            paths.push(("virtual.firmware", &vt.firmware));
            paths.push(("virtual.firmware_dir", &vt.firmware_dir));
        }
        if let Some(fw) = &f.firmware {
            paths.push(("firmware.image", &fw.image));
        }
        for (key, p) in paths {
            let resolved = bench.resolve(p);
            if !resolved.exists() {
                return Err(ConfigError::Semantic {
                    path: path.into(),
                    message: format!("{key} = {:?}: {} does not exist", p, resolved.display()),
                });
            }
        }
        Ok(bench)
    }

    /// Virtual when it has `[virtual]`, lab when it wires a `[console]`; never both.
    pub fn kind(&self) -> Result<BenchKind, String> {
        let f = &self.file;
        let lab_tables = [
            ("console", f.console.is_some()),
            ("gpio", f.gpio.is_some()),
            ("power_relay", f.power_relay.is_some()),
        ];
        match (&f.virtual_terminal, lab_tables.iter().all(|(_, has)| !has)) {
            (Some(_), true) => Ok(BenchKind::Virtual),
            (Some(_), false) => Err(
                "[virtual] and lab wiring ([console], [gpio], [power_relay]) in one file: a bench is one or the other"
                    .into(),
            ),
            (None, _) => {
                let missing: Vec<String> = lab_tables
                    .iter()
                    .filter(|(_, has)| !has)
                    .map(|(t, _)| format!("[{t}]"))
                    .collect();
                if missing.len() == lab_tables.len() {
                    Err("no terminal: declare [virtual] for vterm, or [console], [gpio] and [power_relay] for a lab terminal".into())
                } else if !missing.is_empty() {
                    Err(format!("a lab bench also needs {}", missing.join(", ")))
                } else {
                    Ok(BenchKind::Lab)
                }
            }
        }
    }

    pub fn resolve(&self, p: &Path) -> PathBuf {
        relative_to(&self.path, p)
    }

    pub fn master_key(&self) -> Result<[u8; 16], ConfigError> {
        let path = self.resolve(&self.file.master_key);
        let file: MasterKeyFile = super::load(&path)?;
        hex::decode(&file.tmk)
            .ok()
            .and_then(|k| k.try_into().ok())
            .ok_or(ConfigError::Semantic {
                path,
                message: "tmk must be 32 hex digits (a double-length DES key)".into(),
            })
    }
}
