//! What a terminal model offers (its profile's `[capabilities]`): the card
//! and cash-register interfaces and the transactions. A scenario that needs
//! something else is skipped as "not on this terminal" rather than failed,
//! so one feature set serves every model.

use serde::Deserialize;
use std::collections::BTreeSet;

/// A way into the terminal that a step may need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interface {
    /// Magnetic stripe reader.
    Stripe,
    /// Contact chip reader.
    Contact,
    /// Contactless (闪付, phone taps).
    Contactless,
    /// Scanner for payment codes and shown QR codes (扫码).
    PaymentCode,
    /// Cash-register (ECR) serial port.
    Ecr,
    /// Receipt printer.
    Printer,
}

impl Interface {
    pub fn name(self) -> &'static str {
        match self {
            Interface::Stripe => "stripe",
            Interface::Contact => "contact",
            Interface::Contactless => "contactless",
            Interface::PaymentCode => "payment_code",
            Interface::Ecr => "ecr",
            Interface::Printer => "printer",
        }
    }
}

/// `[capabilities]`; a profile without it offers everything its menus name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// Omitted: every interface.
    #[serde(default)]
    pub interfaces: Option<BTreeSet<Interface>>,
    /// Transactions by their `[menus]` name; omitted: every menu.
    #[serde(default)]
    pub transactions: Option<BTreeSet<String>>,
    /// When the terminal sends a reversal it owes.
    #[serde(default)]
    pub reversal: ReversalTiming,
    /// The work after which the terminal sends a reversal it keeps, at once:
    /// what a step runs to have it sent now. Omitted: the model has no such
    /// work ("not on this terminal").
    #[serde(default)]
    pub sends_reversal_after: Option<ReversalTrigger>,
    /// The cardholder verification methods its EMV kernel performs (its
    /// terminal capabilities, 9F33 byte 2); omitted: every one.
    #[serde(default)]
    pub cvm: Option<BTreeSet<Cvm>>,
    /// Whether its EMV kernel may approve a chip sale offline (its terminal
    /// type, 9F35); omitted: not said, so scenarios that depend on it skip.
    #[serde(default)]
    pub terminal_type: Option<TerminalType>,
}

/// A terminal type as far as terminal action analysis is concerned (EMV
/// Book 4, Annex A1; Book 3, 10.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalType {
    /// 21 (attended) or 24: every chip sale not declined goes online; the
    /// default action codes are never used.
    OnlineOnly,
    /// 22 (attended) or 25: TAC/IAC-online decide between online and an
    /// offline approval, TAC/IAC-default when the host cannot be reached.
    OfflineWithOnlineCapability,
}

/// A cardholder verification method a kernel can perform (EMV Book 3,
/// Annex C3; Book 4, Annex A2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cvm {
    OfflinePlaintextPin,
    OfflineEncipheredPin,
    OnlinePin,
    Signature,
    NoCvm,
}

impl Cvm {
    /// What a CVM code (bits 6-1 of a CV rule) needs of the terminal;
    /// empty for codes that need nothing (fail CVM processing) or that no
    /// terminal performs.
    pub fn needed_by(code: u8) -> &'static [Cvm] {
        match code {
            0x01 => &[Cvm::OfflinePlaintextPin],
            0x02 => &[Cvm::OnlinePin],
            0x03 => &[Cvm::OfflinePlaintextPin, Cvm::Signature],
            0x04 => &[Cvm::OfflineEncipheredPin],
            0x05 => &[Cvm::OfflineEncipheredPin, Cvm::Signature],
            0x1E => &[Cvm::Signature],
            0x1F => &[Cvm::NoCvm],
            _ => &[],
        }
    }
}

/// Work that makes a terminal send the reversal it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReversalTrigger {
    /// A sign-on from the menu (with the profile's `[sign_on] answers`).
    SignOn,
    /// The echo test from the menu (`[menus] echo_test`).
    EchoTest,
}

/// When a terminal sends the reversal of a transaction whose answer it did
/// not get: what tells a step that waits for one that none is coming.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReversalTiming {
    /// Kept pending, sent before the next online transaction or settlement
    /// (the UnionPay rule): a terminal back at idle sends none by itself.
    #[default]
    BeforeNextOnline,
    /// Sent as soon as the answer is missed, before the terminal is idle again.
    AtOnce,
}

impl Capabilities {
    pub fn has_interface(&self, interface: Interface) -> bool {
        self.interfaces.as_ref().is_none_or(|all| all.contains(&interface))
    }

    pub fn has_transaction(&self, name: &str) -> bool {
        self.transactions.as_ref().is_none_or(|all| all.contains(name))
    }

    /// Whether the kernel performs the CVM of this code (bits 6-1).
    pub fn performs_cvm(&self, code: u8) -> bool {
        self.cvm
            .as_ref()
            .is_none_or(|all| Cvm::needed_by(code).iter().all(|c| all.contains(c)))
    }
}
