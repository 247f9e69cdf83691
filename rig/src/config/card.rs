//! Card profiles (fixtures/cards/*.toml): what the card carries and what its
//! issuer knows about it. Test cards only.

use super::ConfigError;
pub use super::card_values::{Aid, DataTag, DesKey, Expiry, HexBytes, Pan, Psn, Yuan};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardProfile {
    /// Human description, e.g. "UnionPay debit, swipe only".
    pub description: String,
    /// What presents it: a plastic card (default), a phone (云闪付 HCE) or a wallet's payment code.
    #[serde(default)]
    pub kind: CardKind,
    /// PAN; for a phone the token PAN the terminal sees; for a payment code the funding account.
    pub pan: Pan,
    /// Card sequence number (5F34), two digits.
    #[serde(default = "default_psn")]
    pub psn: Psn,
    /// YYMM.
    pub expiry: Expiry,
    /// Cardholder name (5F20), e.g. "ZHANG/SAN".
    #[serde(default)]
    pub name: String,
    /// Magnetic stripe service code; a first digit 2 or 6 means "has a chip".
    pub service_code: String,
    /// Discretionary data of track 2.
    #[serde(default)]
    pub discretionary: String,
    #[serde(default)]
    pub track3: Option<String>,
    /// Where the card can be read: "magstripe", "contact", "contactless".
    #[serde(default = "default_interfaces")]
    pub interfaces: Vec<Interface>,
    /// Chip applications, highest priority (lowest number) first when chosen.
    #[serde(default)]
    pub applications: Vec<Application>,
    /// Application transaction counter the chip starts at.
    #[serde(default = "default_atc")]
    pub atc: u16,
    /// Extra or overriding EMV data objects: tag (hex) -> value (hex).
    #[serde(default)]
    pub data: BTreeMap<DataTag, HexBytes>,
    /// The application's data objects as personalised (`config::card_perso`).
    #[serde(default)]
    pub perso: super::card_perso::Perso,
    #[serde(default)]
    pub behaviour: Behaviour,
    /// The customer's payment code (kind = "payment-code"); qr.md's shapes.
    #[serde(default)]
    pub payment_code: Option<String>,
    pub issuer: Issuer,
    /// The file of the card's offline data authentication keys, relative to
    /// the card file (`pki/<card>.toml`); without one the card offers no
    /// SDA or DDA (its AIP says so).
    #[serde(default)]
    pub pki: Option<String>,
    /// The contact interface's transmission protocol: T=0 (default, as
    /// PBOC contact cards speak it) or T=1.
    #[serde(default)]
    pub contact_protocol: ContactProtocol,
    /// Those keys, read by [`load_dir`].
    #[serde(skip)]
    pub oda: Option<super::card_pki::CardPki>,
}

fn default_psn() -> Psn {
    Psn::from_str("01").unwrap_or_default()
}

fn default_interfaces() -> Vec<Interface> {
    vec![Interface::Magstripe]
}

fn default_atc() -> u16 {
    1
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CardKind {
    #[default]
    Card,
    Phone,
    PaymentCode,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Interface {
    Magstripe,
    Contact,
    Contactless,
}

/// ISO/IEC 7816-3 transmission protocols of the contact interface.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ContactProtocol {
    /// Character protocol: 61xx / GET RESPONSE, 6Cxx (`card::t0`).
    #[default]
    T0,
    /// Block protocol: answers whole.
    T1,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// AID, hex (emv.md: A000000333010101 debit, ...02 credit, ...03 quasi-credit).
    pub aid: Aid,
    pub label: String,
    /// Application priority indicator (87), 1 = highest.
    pub priority: u8,
}

/// How the card misbehaves on purpose.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// First GENERATE AC answers AAC: the card declines offline.
    #[serde(default)]
    pub decline_with_aac: bool,
    /// SELECT of the application answers 6283 (application blocked).
    #[serde(default)]
    pub blocked_application: bool,
    /// SELECT PSE / PPSE answers 6A81 (card blocked).
    #[serde(default)]
    pub blocked_card: bool,
    /// The card asks for online PIN (CVM list / contactless qualifiers).
    #[serde(default = "yes")]
    pub online_pin_required: bool,
    /// The card is pulled away right after GET PROCESSING OPTIONS.
    #[serde(default)]
    pub torn_after_gpo: bool,
    /// Every answer takes this long (ms).
    #[serde(default)]
    pub slow_ms: u64,
    /// A kernel test card: one piece of offline data authentication made
    /// wrong on purpose (its signature's last byte changed), so a correct
    /// kernel's SDA or DDA fails.
    #[serde(default)]
    pub broken_oda: Option<BrokenOda>,
    /// The second GENERATE AC answers AAC whatever the issuer said: the
    /// card declines after the host approved (the terminal must reverse).
    #[serde(default)]
    pub decline_second_ac: bool,
}

/// Which signature of offline data authentication a test card gets wrong.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum BrokenOda {
    /// 93: SDA fails.
    SignedStaticData,
    /// 9F46: the ICC key cannot be recovered, DDA (and CDA) fail.
    IccCertificate,
    /// 9F4B of INTERNAL AUTHENTICATE: DDA fails.
    DynamicSignature,
}

fn yes() -> bool {
    true
}

/// What the issuer model knows about the card.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    pub pin: String,
    /// Available balance in yuan, e.g. "1000.00".
    pub balance: Yuan,
    /// Wrong PINs allowed before the card is locked (75).
    #[serde(default = "default_pin_tries")]
    pub pin_tries: u8,
    #[serde(default)]
    pub status: CardStatus,
    /// Largest single transaction in yuan (61 above it).
    #[serde(default)]
    pub single_limit: Option<Yuan>,
    /// Issuer master key for application cryptograms, hex (TEST KEYS ONLY).
    /// With it, the host checks the ARQC of chip transactions (34 when wrong).
    #[serde(default)]
    pub imk: Option<DesKey>,
    /// Issuer master key for script integrity (secure messaging MACs), hex
    /// (TEST KEYS ONLY); without it the `imk` serves.
    #[serde(default)]
    pub imk_smi: Option<DesKey>,
    /// Issuer master key for script confidentiality (a new PIN enciphered
    /// in a PIN change), hex (TEST KEYS ONLY); without it the `imk` serves.
    #[serde(default)]
    pub imk_smc: Option<DesKey>,
}

impl Issuer {
    /// The master key of script MACs: `imk_smi`, else the `imk`.
    pub fn script_integrity_key(&self) -> Option<&DesKey> {
        self.imk_smi.as_ref().or(self.imk.as_ref())
    }

    /// The master key of script encipherment: `imk_smc`, else the `imk`.
    pub fn script_confidentiality_key(&self) -> Option<&DesKey> {
        self.imk_smc.as_ref().or(self.imk.as_ref())
    }
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

    /// Checks what one value alone cannot (each value checked itself when read).
    pub fn validate(&self) -> Result<(), String> {
        let chip = self
            .interfaces
            .iter()
            .any(|i| matches!(i, Interface::Contact | Interface::Contactless));
        if chip && self.applications.is_empty() {
            return Err("a chip card (contact or contactless interface) needs at least one [[applications]]".into());
        }
        if self.kind == CardKind::PaymentCode && self.payment_code.is_none() {
            return Err("kind = \"payment-code\" needs payment_code".into());
        }
        Ok(())
    }

    pub fn single_limit_fen(&self) -> Option<u64> {
        self.issuer.single_limit.map(Yuan::fen)
    }

    pub fn balance_fen(&self) -> u64 {
        self.issuer.balance.fen()
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

impl CardProfile {
    /// A card file's text, as if read from `path`: parsed and checked.
    pub fn parse(path: &Path, text: &str) -> Result<CardProfile, ConfigError> {
        Self::checked(path, text).map_err(|e| e.located(text))
    }

    fn checked(path: &Path, text: &str) -> Result<CardProfile, ConfigError> {
        let card: CardProfile = super::parse(path, text)?;
        card.validate().map_err(|message| ConfigError::Semantic {
            path: path.into(),
            message,
        })?;
        Ok(card)
    }
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
        // A folder of its own (a test card set, `emv/`): its cards are
        // named "<folder>/<file stem>"; pki/ holds keys, not cards.
        if path.is_dir() && path.file_name().is_some_and(|n| n != "pki") {
            let folder = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            for (name, card) in load_dir(&path)? {
                cards.insert(format!("{folder}/{name}"), card);
            }
            continue;
        }
        if path.extension().is_some_and(|e| e == "toml") {
            let mut card = CardProfile::parse(&path, &super::read(&path)?)?;
            if let Some(pki) = &card.pki {
                card.oda = Some(super::card_pki::CardPki::load(&dir.join(pki))?);
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

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_APPS: &str = r#"description = "two applications"
pan = "6222021234567890128"
expiry = "2912"
service_code = "220"
interfaces = ["contact"]

[[applications]]
aid = "A000000333010101"
label = "Debit"
priority = 1

[[applications]]
aid = "A0000003330101XY"
label = "Credit"
priority = 2

[issuer]
pin = "123456"
balance = "100.00"
"#;

    #[test]
    fn a_bad_aid_in_the_second_application_is_reported_at_its_line() {
        let err = CardProfile::parse(Path::new("cards/two.toml"), TWO_APPS).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("cards/two.toml:13:7"), "{text}");
        assert!(
            text.contains("aid \"A0000003330101XY\": expected 5-16 bytes of hex"),
            "{text}"
        );
        let good = TWO_APPS.replace("A0000003330101XY", "A000000333010102");
        let card = CardProfile::parse(Path::new("cards/two.toml"), &good).unwrap();
        assert_eq!(card.applications[1].aid.bytes()[7], 0x02);
    }

    #[test]
    fn every_typed_value_is_reported_where_it_is_written() {
        for (bad, at) in [
            (r#"pan = "62220212""#, "2:7"),
            (r#"expiry = "291""#, "3:10"),
            (r#"balance = "1.5""#, "19:11"),
        ] {
            let key = bad.split(' ').next().unwrap();
            let text: String = TWO_APPS
                .replace("XY", "02")
                .lines()
                .map(|l| if l.starts_with(&format!("{key} =")) { bad } else { l })
                .collect::<Vec<_>>()
                .join("\n");
            let err = CardProfile::parse(Path::new("c.toml"), &text).unwrap_err().to_string();
            assert!(err.starts_with(&format!("c.toml:{at}")), "{bad}: {err}");
        }
    }
}
