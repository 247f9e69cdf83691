//! Card profiles (fixtures/cards/*.toml): what the card carries and what its
//! issuer knows about it. Test cards only.

use super::ConfigError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardProfile {
    /// Human description, e.g. "UnionPay debit, swipe only".
    pub description: String,
    pub pan: String,
    /// YYMM.
    pub expiry: String,
    /// Magnetic stripe service code; a first digit 2 or 6 means "has a chip".
    pub service_code: String,
    /// Discretionary data of track 2.
    #[serde(default)]
    pub discretionary: String,
    #[serde(default)]
    pub track3: Option<String>,
    pub issuer: Issuer,
}

/// What the issuer model knows about the card.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    pub pin: String,
    /// Available balance in yuan, e.g. "1000.00".
    pub balance: String,
    /// Wrong PINs allowed before the card is locked (75).
    #[serde(default = "default_pin_tries")]
    pub pin_tries: u8,
    #[serde(default)]
    pub status: CardStatus,
    /// Largest single transaction in yuan (61 above it).
    #[serde(default)]
    pub single_limit: Option<String>,
    /// Issuer master key for application cryptograms, hex (TEST KEYS ONLY).
    /// With it, the host checks the ARQC of chip transactions (34 when wrong).
    #[serde(default)]
    pub imk: Option<String>,
}

fn default_pin_tries() -> u8 {
    3
}

/// The account's standing at the issuer.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CardStatus {
    #[default]
    Active,
    /// Do not honour (05).
    Blocked,
    /// Lost card (41).
    Lost,
    /// Stolen card (43).
    Stolen,
}

impl CardProfile {
    pub fn track2(&self) -> String {
        format!(
            "{}={}{}{}",
            self.pan, self.expiry, self.service_code, self.discretionary
        )
    }

    /// Checks what serde cannot: amounts, expiry, PAN digits.
    pub fn validate(&self) -> Result<(), String> {
        if self.balance_fen().is_none() {
            return Err(format!("balance {:?} is not yuan like \"100.00\"", self.issuer.balance));
        }
        if let Some(limit) = &self.issuer.single_limit {
            if parse_yuan(limit).is_none() {
                return Err(format!("single_limit {limit:?} is not yuan like \"100.00\""));
            }
        }
        if self.expiry.len() != 4 || !self.expiry.bytes().all(|c| c.is_ascii_digit()) {
            return Err(format!("expiry {:?}: expected YYMM", self.expiry));
        }
        if let Some(imk) = &self.issuer.imk {
            if hex::decode(imk).map(|k| k.len()) != Ok(16) {
                return Err(format!("imk {imk:?}: expected 32 hex digits (a double-length DES key)"));
            }
        }
        if !(13..=19).contains(&self.pan.len()) || !self.pan.bytes().all(|c| c.is_ascii_digit()) {
            return Err(format!("pan {:?}: expected 13 to 19 digits", self.pan));
        }
        Ok(())
    }

    pub fn single_limit_fen(&self) -> Option<u64> {
        self.issuer.single_limit.as_deref().and_then(parse_yuan)
    }

    pub fn balance_fen(&self) -> Option<u64> {
        parse_yuan(&self.issuer.balance)
    }
}

/// "1234.56" -> 123456 fen.
pub fn parse_yuan(text: &str) -> Option<u64> {
    let (y, f) = text.split_once('.').unwrap_or((text, "00"));
    if f.len() != 2 || y.is_empty() {
        return None;
    }
    Some(y.parse::<u64>().ok()? * 100 + f.parse::<u64>().ok()?)
}

/// Every card profile in a folder, by file stem ("unionpay-debit").
pub fn load_dir(dir: &Path) -> Result<BTreeMap<String, CardProfile>, ConfigError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ConfigError::Read {
        path: dir.into(),
        source,
    })?;
    let mut cards = BTreeMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let card: CardProfile = super::load(&path)?;
            if let Err(message) = card.validate() {
                return Err(ConfigError::Semantic { path, message });
            }
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            cards.insert(name, card);
        }
    }
    Ok(cards)
}
