//! A card file's `[perso]`: the application's data objects as an issuer's
//! personalisation file sets them (EMV Book 3, Annex A and C; PBOC 3.0
//! part 5, Annex B), typed so a bad value is reported at its line. Every
//! key has a default, so a card file that names none is a correct card.

use super::card_values::{Expiry, FixedHex, Yuan};
use serde::Deserialize;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Perso {
    /// Application effective date (5F25) as YYMM: the first of that month.
    #[serde(default = "default_effective")]
    pub effective: Expiry,
    /// Application usage control (9F07).
    #[serde(default = "default_usage_control")]
    pub usage_control: FixedHex<2>,
    /// Application version number (9F08); PBOC 3.0 is 0030.
    #[serde(default = "default_version")]
    pub application_version: FixedHex<2>,
    /// Application currency code (9F42) and issuer country code (5F28), BCD.
    #[serde(default = "default_china")]
    pub currency: FixedHex<2>,
    #[serde(default = "default_china")]
    pub country: FixedHex<2>,
    /// Issuer action codes (9F0D default, 9F0E denial, 9F0F online).
    #[serde(default = "default_iac_default")]
    pub iac_default: FixedHex<5>,
    #[serde(default = "default_iac_denial")]
    pub iac_denial: FixedHex<5>,
    #[serde(default = "default_iac_online")]
    pub iac_online: FixedHex<5>,
    /// Lower and upper consecutive offline limits (9F14, 9F23): how many
    /// transactions the card approves offline since the last online one.
    #[serde(default)]
    pub lower_offline_limit: u8,
    #[serde(default)]
    pub upper_offline_limit: u8,
    /// The CVM list (8E), first rule first.
    #[serde(default = "default_cvm")]
    pub cvm: Vec<CvmRule>,
    /// The CVM list's amounts X and Y, in the application currency.
    #[serde(default)]
    pub cvm_x: Yuan,
    #[serde(default)]
    pub cvm_y: Yuan,
    /// Combined DDA / application cryptogram generation (AIP byte 1 bit 1):
    /// a card with ODA keys signs its GENERATE AC answer when asked.
    #[serde(default)]
    pub cda: bool,
    /// What the card may spend offline over qPBOC (electronic cash balance,
    /// 9F79): 0 (the default) makes every tap go online.
    #[serde(default)]
    pub offline_balance: Yuan,
    /// The AIP offers SDA only (byte 1 = 5C: no DDA, no CDA), for kernel
    /// tests of static data authentication.
    #[serde(default)]
    pub sda_only: bool,
    /// The ATC of the last online transaction (9F13) the card remembers
    /// when it is first presented; 0 (the default) is a new card. With the
    /// file's `atc`, it sets how many transactions have gone offline since
    /// (kernel tests of velocity checking).
    #[serde(default)]
    pub last_online_atc: u16,
    /// Data objects left out of the records (tags, hex), for kernel tests
    /// of missing mandatory data: `["8C"]` is a card without CDOL1.
    #[serde(default)]
    pub omit: Vec<super::card_values::DataTag>,
}

impl Default for Perso {
    fn default() -> Perso {
        Perso {
            effective: default_effective(),
            usage_control: default_usage_control(),
            application_version: default_version(),
            currency: default_china(),
            country: default_china(),
            iac_default: default_iac_default(),
            iac_denial: default_iac_denial(),
            iac_online: default_iac_online(),
            lower_offline_limit: 0,
            upper_offline_limit: 0,
            cvm: default_cvm(),
            cvm_x: Yuan::default(),
            cvm_y: Yuan::default(),
            cda: false,
            offline_balance: Yuan::default(),
            sda_only: false,
            last_online_atc: 0,
            omit: Vec::new(),
        }
    }
}

fn default_effective() -> Expiry {
    Expiry::from_str("2001").unwrap_or_default()
}
/// Valid at ATMs and elsewhere, domestic and international, goods,
/// services and cash: every bit of byte 1, none of byte 2 (no cashback).
fn default_usage_control() -> FixedHex<2> {
    FixedHex([0xFF, 0x00])
}
fn default_version() -> FixedHex<2> {
    FixedHex([0x00, 0x30])
}
fn default_china() -> FixedHex<2> {
    FixedHex([0x01, 0x56])
}
/// Decline offline when offline data authentication failed, the
/// application expired or the card is not yet effective... (ours, common
/// issuer choices): default D84000A800, denial 0010000000, online D84004F800.
fn default_iac_default() -> FixedHex<5> {
    FixedHex([0xD8, 0x40, 0x00, 0xA8, 0x00])
}
fn default_iac_denial() -> FixedHex<5> {
    FixedHex([0x00, 0x10, 0x00, 0x00, 0x00])
}
fn default_iac_online() -> FixedHex<5> {
    FixedHex([0xD8, 0x40, 0x04, 0xF8, 0x00])
}
/// Online PIN where the terminal supports it, else no CVM.
fn default_cvm() -> Vec<CvmRule> {
    vec![
        CvmRule {
            method: CvmMethod::OnlinePin,
            when: CvmCondition::TerminalSupports,
            on_fail: OnFail::Next,
        },
        CvmRule {
            method: CvmMethod::NoCvm,
            when: CvmCondition::Always,
            on_fail: OnFail::Fail,
        },
    ]
}

/// One cardholder verification rule (EMV Book 3, C3, Tables 39 and 40).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CvmRule {
    pub method: CvmMethod,
    #[serde(default)]
    pub when: CvmCondition,
    /// What the terminal does when this method fails: the next rule
    /// (default) or cardholder verification fails.
    #[serde(default)]
    pub on_fail: OnFail,
}

impl CvmRule {
    /// The rule's two bytes: method code (bit 7: apply the next rule if
    /// this one fails) and condition code.
    pub fn bytes(&self) -> [u8; 2] {
        let next = if self.on_fail == OnFail::Next { 0x40 } else { 0 };
        [self.method.code() | next, self.when as u8]
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnFail {
    #[default]
    Next,
    Fail,
}

/// The CV rule's method (byte 1, bits 6-1). `code-NN` writes any other
/// (an RFU or proprietary code, two hex digits) for kernels to meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CvmMethod {
    FailCvm,
    OfflinePlaintextPin,
    OnlinePin,
    OfflinePlaintextPinAndSignature,
    OfflineEncipheredPin,
    OfflineEncipheredPinAndSignature,
    Signature,
    NoCvm,
    Code(u8),
}

const METHODS: &[(&str, CvmMethod, u8)] = &[
    ("fail-cvm", CvmMethod::FailCvm, 0x00),
    ("offline-plaintext-pin", CvmMethod::OfflinePlaintextPin, 0x01),
    ("online-pin", CvmMethod::OnlinePin, 0x02),
    (
        "offline-plaintext-pin-and-signature",
        CvmMethod::OfflinePlaintextPinAndSignature,
        0x03,
    ),
    ("offline-enciphered-pin", CvmMethod::OfflineEncipheredPin, 0x04),
    (
        "offline-enciphered-pin-and-signature",
        CvmMethod::OfflineEncipheredPinAndSignature,
        0x05,
    ),
    ("signature", CvmMethod::Signature, 0x1E),
    ("no-cvm", CvmMethod::NoCvm, 0x1F),
];

impl CvmMethod {
    pub fn code(self) -> u8 {
        match self {
            CvmMethod::Code(c) => c & 0x3F,
            known => METHODS.iter().find(|m| m.1 == known).map_or(0, |m| m.2),
        }
    }
}

impl FromStr for CvmMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<CvmMethod, String> {
        if let Some(m) = METHODS.iter().find(|m| m.0 == s) {
            return Ok(m.1);
        }
        if let Some(code) = s.strip_prefix("code-").and_then(|c| u8::from_str_radix(c, 16).ok()) {
            if code <= 0x3F {
                return Ok(CvmMethod::Code(code));
            }
        }
        let names: Vec<&str> = METHODS.iter().map(|m| m.0).collect();
        Err(format!(
            "method {s:?}: expected one of {} or code-NN (hex, 00-3F)",
            names.join(", ")
        ))
    }
}

impl<'de> Deserialize<'de> for CvmMethod {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// The CV rule's condition (byte 2, Book 3 Table 40).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[repr(u8)]
pub enum CvmCondition {
    #[default]
    Always = 0x00,
    UnattendedCash = 0x01,
    NotCashOrCashback = 0x02,
    TerminalSupports = 0x03,
    ManualCash = 0x04,
    Cashback = 0x05,
    UnderX = 0x06,
    OverX = 0x07,
    UnderY = 0x08,
    OverY = 0x09,
}

impl Perso {
    /// The CVM list (8E): amount X, amount Y (4 bytes binary each, in the
    /// currency's minor unit), then the rules.
    pub fn cvm_list(&self) -> Vec<u8> {
        let amount = |y: Yuan| u32::try_from(y.fen()).unwrap_or(u32::MAX).to_be_bytes();
        let mut list = amount(self.cvm_x).to_vec();
        list.extend(amount(self.cvm_y));
        list.extend(self.cvm.iter().flat_map(CvmRule::bytes));
        list
    }

    /// The effective date (5F25): YYMM01.
    pub fn effective_date(&self) -> [u8; 3] {
        let d = hex::decode(format!("{}01", &*self.effective)).unwrap_or_default();
        d.try_into().unwrap_or([0x20, 0x01, 0x01])
    }
}

/// The expiry date (5F24) of a YYMM: the month's last day (YYMMDD, BCD).
pub fn expiry_date(yymm: &str) -> [u8; 3] {
    let year: u32 = yymm.get(..2).and_then(|y| y.parse().ok()).unwrap_or(0);
    let month: u32 = yymm.get(2..).and_then(|m| m.parse().ok()).unwrap_or(12);
    let last = match month {
        2 if year % 4 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let d = hex::decode(format!("{yymm}{last}")).unwrap_or_default();
    d.try_into().unwrap_or([0x49, 0x12, 0x31])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cvm_list_is_online_pin_then_no_cvm() {
        assert_eq!(
            hex::encode_upper(Perso::default().cvm_list()),
            "000000000000000042031F00"
        );
    }

    #[test]
    fn rules_and_dates_encode_as_book_3_says() {
        let rule = CvmRule {
            method: "offline-enciphered-pin".parse().unwrap(),
            when: CvmCondition::UnderX,
            on_fail: OnFail::Fail,
        };
        assert_eq!(rule.bytes(), [0x04, 0x06]);
        assert_eq!("code-2A".parse::<CvmMethod>().map(CvmMethod::code), Ok(0x2A));
        assert!("pin".parse::<CvmMethod>().unwrap_err().contains("online-pin"));
        assert_eq!(expiry_date("2902"), [0x29, 0x02, 0x28]);
        assert_eq!(expiry_date("2802"), [0x28, 0x02, 0x29]);
        assert_eq!(expiry_date("2912"), [0x29, 0x12, 0x31]);
        assert_eq!(expiry_date("3004"), [0x30, 0x04, 0x30]);
    }
}
