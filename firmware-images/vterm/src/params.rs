//! What the terminal is told from outside: its parameters (as a terminal
//! management system would download them) and its board wiring (what the bench
//! connected it to).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The terminal's make (crate::personality): "VT-1" (the default) or "VT-2".
    #[serde(default)]
    pub model: crate::personality::Model,
    /// The operator's password at log-on, for a model that asks for one.
    #[serde(default)]
    pub operator_password: Option<String>,
    pub merchant_name: String,
    pub merchant_id: String,
    pub terminal_id: String,
    pub operator: String,
    /// TPDU as hex, e.g. "6000030000".
    pub tpdu: String,
    /// Message header as hex, e.g. "603100000000".
    pub header: String,
    pub host_timeout_ms: u64,
    /// Sends of a pending reversal in a row before online work; while it
    /// stays unanswered, the work does not go (the reversal stays pending).
    pub reversal_retries: u32,
    pub acquirer_name: String,
    /// Contactless sales up to this amount (fen) need no PIN (免密).
    pub no_pin_limit_fen: u64,
    /// Contactless sales up to this amount (fen) print no signature line (免签).
    pub no_signature_limit_fen: u64,
    /// qPBOC reader limits (crate::qpboc), in fen: over the contactless
    /// floor limit the card must go online; over the contactless
    /// transaction limit the card must be inserted instead.
    #[serde(default)]
    pub contactless_floor_limit_fen: u64,
    #[serde(default = "no_limit")]
    pub contactless_transaction_limit_fen: u64,
    pub qr: QrParams,
    /// CA public keys for offline data authentication (a TMS's CAPK
    /// download), and issuer certificates revoked.
    #[serde(default)]
    pub ca_keys: Vec<crate::oda::CaKey>,
    #[serde(default)]
    pub revoked: Vec<crate::oda::Revocation>,
    /// Terminal risk management and action analysis (EMV Book 3, 10.6 and
    /// 10.7): the floor limit in fen and the terminal action code - denial, hex.
    #[serde(default)]
    pub floor_limit_fen: u64,
    #[serde(default = "no_action")]
    pub tac_denial: String,
    /// Terminal capabilities (9F33, Annex A2), hex: byte 2 names the CVMs
    /// the kernel can perform (cardholder verification, crate::cvm).
    #[serde(default = "all_capabilities")]
    pub terminal_capabilities: String,
}

/// Payment-code processing (acquirer-private, qr.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrParams {
    pub pay: String,
    pub create_order: String,
    /// Field of the order URL in the answer (C scans B).
    pub order_field: u8,
    /// Queries of a shown order code before it is cancelled.
    pub order_polls: u32,
    pub query: String,
    pub cancel: String,
    /// Field carrying the payment code.
    pub code_field: u8,
    /// Response code meaning "the customer is still paying".
    pub pending_response: String,
    /// Query interval and how many queries before giving up (then cancel).
    pub poll_ms: u64,
    pub polls: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    /// The serial console device (the UART's end of the bench's cable).
    pub console: PathBuf,
    /// The cash-register (ECR) serial line.
    pub ecr: PathBuf,
    /// File standing for the GPIO lines: one byte a line, non-zero = driven.
    pub gpio: PathBuf,
    /// Key name -> GPIO line of the keypad.
    pub keypad: BTreeMap<String, usize>,
    pub debounce_ms: u64,
    /// GPIO line of the printer's paper sensor (driven = out of paper).
    pub paper_sensor: usize,
    pub scan_ms: u64,
    /// Unix socket of the magnetic stripe head.
    pub swipe_socket: PathBuf,
    /// Unix socket of the payment-code scanner.
    pub scanner_socket: PathBuf,
    /// Listen address of the contact reader (vpcd protocol, reader side).
    pub contact_reader: String,
    /// Listen address of the contactless reader (vpcd protocol, reader side).
    pub contactless_reader: String,
    pub flash: PathBuf,
    /// The firmware image in flash (what the flasher wrote).
    pub firmware: PathBuf,
    pub host_address: String,
    /// Terminal master key as injected into the PIN pad, hex.
    pub tmk: String,
}

fn no_limit() -> u64 {
    u64::MAX
}

fn no_action() -> String {
    "0000000000".into()
}

/// Manual key entry, magnetic stripe, IC; plaintext PIN, enciphered PIN
/// online, signature, enciphered PIN offline, no CVM; SDA, DDA, card
/// capture, CDA.
fn all_capabilities() -> String {
    "E0F8C8".into()
}

impl Params {
    /// The contactless reader's limits; the CVM limit is the no-PIN limit.
    pub fn contactless_limits(&self) -> crate::qpboc::Limits {
        crate::qpboc::Limits {
            floor_fen: self.contactless_floor_limit_fen,
            cvm_fen: self.no_pin_limit_fen,
            transaction_fen: self.contactless_transaction_limit_fen,
        }
    }

    /// 9F33 as the kernel sends it; a malformed value counts as the default.
    pub fn capabilities(&self) -> [u8; 3] {
        hex::decode(&self.terminal_capabilities)
            .ok()
            .and_then(|b| <[u8; 3]>::try_from(b).ok())
            .unwrap_or([0xE0, 0xF8, 0xC8])
    }

    /// What the kernel's risk management and action analysis take.
    pub fn actions(&self) -> crate::chip::Actions {
        let code = |s: &str| {
            hex::decode(s)
                .ok()
                .and_then(|b| <[u8; 5]>::try_from(b).ok())
                .unwrap_or([0; 5])
        };
        crate::chip::Actions {
            floor_limit_fen: self.floor_limit_fen,
            tac_denial: code(&self.tac_denial),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Parse { path: PathBuf, source: toml::de::Error },
}

pub fn load<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.into(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| LoadError::Parse {
        path: path.into(),
        source,
    })
}
