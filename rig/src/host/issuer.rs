//! Issuer model: decides on authorisations from the card fixtures and keeps
//! balances moving.

use crate::config::card::CardProfile;
use std::collections::BTreeMap;

/// An authorisation request as the issuer sees it.
pub struct Authorisation<'a> {
    pub pan: &'a str,
    pub amount_fen: u64,
    /// The PIN the cardholder entered, recovered from the PIN block.
    pub pin: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approved,
    InvalidCard,
    WrongPin,
    InsufficientFunds,
}

impl Decision {
    pub fn response_code(self) -> &'static str {
        match self {
            Decision::Approved => "00",
            Decision::InvalidCard => "14",
            Decision::WrongPin => "55",
            Decision::InsufficientFunds => "51",
        }
    }
}

struct Account {
    pin: String,
    balance_fen: u64,
}

pub struct Issuer {
    accounts: BTreeMap<String, Account>,
}

impl Issuer {
    pub fn new<'a>(cards: impl IntoIterator<Item = &'a CardProfile>) -> Issuer {
        let accounts = cards
            .into_iter()
            .map(|c| {
                (
                    c.pan.clone(),
                    Account {
                        pin: c.issuer.pin.clone(),
                        balance_fen: c.balance_fen().unwrap_or(0),
                    },
                )
            })
            .collect();
        Issuer { accounts }
    }

    pub fn authorise(&mut self, request: &Authorisation<'_>) -> Decision {
        let Some(account) = self.accounts.get_mut(request.pan) else {
            return Decision::InvalidCard;
        };
        if request.pin.is_some_and(|p| p != account.pin) {
            return Decision::WrongPin;
        }
        if account.balance_fen < request.amount_fen {
            return Decision::InsufficientFunds;
        }
        account.balance_fen -= request.amount_fen;
        Decision::Approved
    }

    pub fn balance_fen(&self, pan: &str) -> Option<u64> {
        self.accounts.get(pan).map(|a| a.balance_fen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::card::Issuer as CardIssuer;

    fn card(pan: &str, pin: &str, balance: &str) -> CardProfile {
        CardProfile {
            description: "test".into(),
            pan: pan.into(),
            expiry: "2912".into(),
            service_code: "101".into(),
            discretionary: String::new(),
            track3: None,
            issuer: CardIssuer {
                pin: pin.into(),
                balance: balance.into(),
            },
        }
    }

    #[test]
    fn approves_and_debits_then_refuses_what_is_left() {
        let c = card("6222021234567890", "123456", "100.00");
        let mut issuer = Issuer::new([&c]);
        let ok = Authorisation {
            pan: "6222021234567890",
            amount_fen: 6000,
            pin: Some("123456"),
        };
        assert_eq!(issuer.authorise(&ok), Decision::Approved);
        assert_eq!(issuer.balance_fen("6222021234567890"), Some(4000));
        assert_eq!(issuer.authorise(&ok), Decision::InsufficientFunds);
        assert_eq!(issuer.balance_fen("6222021234567890"), Some(4000));
    }

    #[test]
    fn wrong_pin_and_unknown_card() {
        let c = card("6222021234567890", "123456", "100.00");
        let mut issuer = Issuer::new([&c]);
        let wrong = Authorisation {
            pan: "6222021234567890",
            amount_fen: 100,
            pin: Some("000000"),
        };
        assert_eq!(issuer.authorise(&wrong).response_code(), "55");
        let unknown = Authorisation {
            pan: "6222020000000000",
            amount_fen: 100,
            pin: None,
        };
        assert_eq!(issuer.authorise(&unknown).response_code(), "14");
    }
}
