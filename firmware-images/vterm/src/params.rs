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
    /// 10.7, crate::action): the floor limit in fen, the terminal type,
    /// random selection, and the terminal action codes (hex; omitted, no
    /// bits).
    #[serde(default)]
    pub floor_limit_fen: u64,
    #[serde(default)]
    pub terminal_type: TerminalTypeParam,
    #[serde(default)]
    pub random_selection: Option<RandomSelectionParams>,
    #[serde(default)]
    pub tac_denial: Hex<5>,
    #[serde(default)]
    pub tac_online: Hex<5>,
    #[serde(default)]
    pub tac_default: Hex<5>,
    /// Terminal capabilities (9F33, Annex A2), hex: byte 2 names the CVMs
    /// the kernel can perform (cardholder verification, crate::cvm).
    #[serde(default = "all_capabilities")]
    pub terminal_capabilities: Hex<3>,
}

/// A fixed-length hex value (a TAC, 9F33): a malformed one is refused when
/// the parameters load, at its line, never taken for a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hex<const N: usize>(pub [u8; N]);

impl<const N: usize> Default for Hex<N> {
    fn default() -> Self {
        Hex([0; N])
    }
}

impl<'de, const N: usize> Deserialize<'de> for Hex<N> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let bytes = hex::decode(&text).map_err(|e| serde::de::Error::custom(format!("{text:?} is not hex: {e}")))?;
        <[u8; N]>::try_from(bytes)
            .map(Hex)
            .map_err(|_| serde::de::Error::custom(format!("{text:?}: expected {N} bytes ({} hex digits)", 2 * N)))
    }
}

/// `terminal_type`: "21" online only, "22" offline with online capability
/// (9F35, attended; Book 4 Annex A1). Omitted: online only.
#[derive(Debug, Clone, Copy, Default)]
pub struct TerminalTypeParam(pub crate::action::TerminalType);

impl<'de> Deserialize<'de> for TerminalTypeParam {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::action::TerminalType;
        match String::deserialize(d)?.as_str() {
            "21" => Ok(TerminalTypeParam(TerminalType::OnlineOnly)),
            "22" => Ok(TerminalTypeParam(TerminalType::OfflineWithOnline)),
            other => Err(serde::de::Error::custom(format!(
                "terminal type {other:?}: expected \"21\" (attended, online only) or \"22\" (attended, offline with online capability)"
            ))),
        }
    }
}

/// `[random_selection]` (Book 3, 10.6.2): percentages 0-99, the maximum
/// not under the target.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "RandomSelectionRaw")]
pub struct RandomSelectionParams {
    pub threshold_fen: u64,
    pub target_percent: u8,
    pub max_target_percent: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RandomSelectionRaw {
    threshold_fen: u64,
    target_percent: u8,
    max_target_percent: u8,
}

impl TryFrom<RandomSelectionRaw> for RandomSelectionParams {
    type Error = String;
    fn try_from(r: RandomSelectionRaw) -> Result<Self, String> {
        if r.max_target_percent > 99 || r.target_percent > r.max_target_percent {
            return Err(format!(
                "random selection: expected 0 <= target_percent ({}) <= max_target_percent ({}) <= 99",
                r.target_percent, r.max_target_percent
            ));
        }
        Ok(RandomSelectionParams {
            threshold_fen: r.threshold_fen,
            target_percent: r.target_percent,
            max_target_percent: r.max_target_percent,
        })
    }
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

/// Manual key entry, magnetic stripe, IC; plaintext PIN, enciphered PIN
/// online, signature, enciphered PIN offline, no CVM; SDA, DDA, card
/// capture, CDA.
fn all_capabilities() -> Hex<3> {
    Hex([0xE0, 0xF8, 0xC8])
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

    /// 9F33 as the kernel sends it.
    pub fn capabilities(&self) -> [u8; 3] {
        self.terminal_capabilities.0
    }

    /// What the kernel's risk management and action analysis take.
    pub fn actions(&self) -> crate::action::Actions {
        crate::action::Actions {
            terminal_type: self.terminal_type.0,
            floor_limit_fen: self.floor_limit_fen,
            random_selection: self.random_selection.map(|r| crate::action::RandomSelection {
                threshold_fen: r.threshold_fen,
                target_percent: r.target_percent,
                max_target_percent: r.max_target_percent,
            }),
            tac_denial: self.tac_denial.0,
            tac_online: self.tac_online.0,
            tac_default: self.tac_default.0,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Codes {
        tac: Hex<5>,
        #[serde(default)]
        kind: TerminalTypeParam,
        random_selection: Option<RandomSelectionParams>,
    }

    #[test]
    fn a_malformed_action_code_is_refused_at_its_line_not_defaulted() {
        let err = toml::from_str::<Codes>("kind = \"22\"\ntac = \"D84004F8\"\n").unwrap_err();
        assert!(err.to_string().contains("expected 5 bytes"), "{err}");
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = toml::from_str::<Codes>("tac = \"D84004F80G\"\n").unwrap_err();
        assert!(err.to_string().contains("not hex"), "{err}");
        let ok = toml::from_str::<Codes>("tac = \"D84004F800\"\n").expect("good codes");
        assert_eq!(ok.tac.0, [0xD8, 0x40, 0x04, 0xF8, 0x00]);
        assert_eq!(ok.kind.0, crate::action::TerminalType::OnlineOnly);
        assert!(ok.random_selection.is_none());
    }

    #[test]
    fn an_unknown_terminal_type_and_a_random_selection_over_99_percent_are_refused() {
        let err = toml::from_str::<Codes>("tac = \"0000000000\"\nkind = \"23\"\n").unwrap_err();
        assert!(err.to_string().contains("\"21\""), "{err}");
        let text = "tac = \"0000000000\"\n[random_selection]\nthreshold_fen = 0\ntarget_percent = 50\nmax_target_percent = 100\n";
        let err = toml::from_str::<Codes>(text).unwrap_err();
        assert!(err.to_string().contains("<= 99"), "{err}");
    }
}
