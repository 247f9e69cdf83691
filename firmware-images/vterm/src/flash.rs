//! The terminal's flash: counters that must survive a power cycle. Written by
//! replacing the whole file, so a kill mid-write leaves the old or the new state.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize, Deserialize)]
pub struct State {
    pub stan: u32,
    pub batch: u32,
    /// A reversal to send before the next online transaction (pos-8583.md).
    #[serde(default)]
    pub reversal: Option<PendingReversal>,
    /// This batch's transactions, for void, reprint and settlement.
    #[serde(default)]
    pub log: Vec<LogEntry>,
}

/// One approved transaction of the current batch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogEntry {
    /// "sale" or "void".
    pub kind: String,
    pub stan: u32,
    pub amount_fen: u64,
    pub masked_pan: String,
    pub rrn: String,
    pub auth_code: String,
    pub voided: bool,
    /// Entry mode digits of field 22 ("02", "05", "07", "03").
    pub entry_mode: String,
    /// The cardholder copy as printed, for reprints.
    pub slip: Vec<String>,
}

impl Default for State {
    fn default() -> Self {
        State {
            stan: 1,
            batch: 1,
            reversal: None,
            log: Vec::new(),
        }
    }
}

/// What a reversal (0400) needs of its original request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingReversal {
    pub mti: String,
    pub stan: u32,
    pub pan: String,
    pub processing_code: String,
    pub amount_fen: u64,
    pub expiry: String,
    pub entry_mode: String,
    pub condition: String,
    pub field60: String,
    /// 98 no response, A0 bad MAC, 06 other.
    pub reason: String,
    pub tries: u32,
}

pub struct Flash {
    path: PathBuf,
    pub state: State,
}

impl Flash {
    pub fn open(path: &Path) -> Flash {
        let state = std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Flash {
            path: path.into(),
            state,
        }
    }

    pub fn save(&self) -> std::io::Result<()> {
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&self.state)?)?;
        std::fs::rename(tmp, &self.path)
    }

    /// Takes the next trace number (STAN, 凭证号), 000001..999999.
    pub fn next_stan(&mut self) -> std::io::Result<u32> {
        let stan = self.state.stan;
        self.state.stan = if stan >= 999_999 { 1 } else { stan + 1 };
        self.save()?;
        Ok(stan)
    }
}
