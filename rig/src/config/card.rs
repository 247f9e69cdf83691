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
}

impl CardProfile {
    pub fn track2(&self) -> String {
        format!(
            "{}={}{}{}",
            self.pan, self.expiry, self.service_code, self.discretionary
        )
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
            if card.balance_fen().is_none() {
                return Err(ConfigError::Semantic {
                    path,
                    message: format!("balance {:?} is not yuan like \"100.00\"", card.issuer.balance),
                });
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
