//! Bench files (fixtures/benches/*.toml): which terminal, host dialect and
//! cards, and how each device is wired.

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
    /// The virtual terminal; a lab bench names its probe, serial port and GPIO instead.
    #[serde(rename = "virtual")]
    pub virtual_terminal: VirtualTerminal,
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
    pub press_ms: u64,
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
    pub debounce_ms: u64,
    pub scan_ms: u64,
    /// GPIO line the rig drives to tell the printer it is out of paper.
    pub paper_sensor_line: usize,
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
        let file: BenchFile = super::load(path)?;
        let bench = Bench {
            path: path.to_path_buf(),
            file,
        };
        for (key, p) in [
            ("terminal_profile", &bench.file.terminal_profile),
            ("host_dialect", &bench.file.host_dialect),
            ("cards", &bench.file.cards),
            ("master_key", &bench.file.master_key),
            ("virtual.parameters", &bench.file.virtual_terminal.parameters),
            ("virtual.firmware", &bench.file.virtual_terminal.firmware),
            ("virtual.firmware_dir", &bench.file.virtual_terminal.firmware_dir),
        ] {
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
