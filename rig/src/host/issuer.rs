//! Issuer model: accounts from the card fixtures. Decides on authorisations
//! (status, expiry, PIN and PIN tries, limit, funds) and moves money.

use crate::config::card::{CardProfile, CardStatus};
use std::collections::BTreeMap;

/// An authorisation request as the issuer sees it.
pub struct Authorisation<'a> {
    pub pan: &'a str,
    pub amount_fen: u64,
    /// The PIN the cardholder entered, recovered from the PIN block.
    pub pin: Option<&'a str>,
    /// YYMM of today, for the expiry check.
    pub today: &'a str,
}

/// Why the issuer said no, with the response code of pos-8583.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    DoNotHonour,
    InvalidCard,
    LostCard,
    StolenCard,
    Expired,
    WrongPin,
    PinTriesExceeded,
    OverLimit,
    InsufficientFunds,
    /// The application cryptogram is wrong, or replayed (an ATC not above the card's last).
    SuspectedFraud,
}

impl Refusal {
    pub fn response_code(self) -> &'static str {
        match self {
            Refusal::DoNotHonour => "05",
            Refusal::InvalidCard => "14",
            Refusal::LostCard => "41",
            Refusal::StolenCard => "43",
            Refusal::Expired => "54",
            Refusal::WrongPin => "55",
            Refusal::PinTriesExceeded => "75",
            Refusal::OverLimit => "61",
            Refusal::InsufficientFunds => "51",
            Refusal::SuspectedFraud => "34",
        }
    }
}

struct Account {
    pin: String,
    tries_left: u8,
    max_tries: u8,
    /// Available funds (holds of pre-authorisations already taken off).
    available_fen: u64,
    status: CardStatus,
    expiry: String,
    single_limit_fen: Option<u64>,
    imk: Option<Vec<u8>>,
    /// The script integrity and confidentiality master keys (`imk_smi`,
    /// `imk_smc`, else the `imk`).
    imk_smi: Option<Vec<u8>>,
    imk_smc: Option<Vec<u8>>,
    /// The ATC (9F36) of the card's last cryptogram the issuer accepted: a
    /// card's counter only goes up, so one not above it is a replay.
    last_atc: Option<u16>,
}

pub struct Issuer {
    accounts: BTreeMap<String, Account>,
}

impl Issuer {
    pub fn new<'a>(cards: impl IntoIterator<Item = &'a CardProfile>) -> Issuer {
        let accounts = cards
            .into_iter()
            .map(|c| {
                let account = Account {
                    pin: c.issuer.pin.clone(),
                    tries_left: c.issuer.pin_tries,
                    max_tries: c.issuer.pin_tries,
                    available_fen: c.balance_fen(),
                    status: c.issuer.status,
                    expiry: c.expiry.to_string(),
                    single_limit_fen: c.single_limit_fen(),
                    imk: c.issuer.imk.as_ref().map(|k| k.bytes().to_vec()),
                    imk_smi: c.issuer.script_integrity_key().map(|k| k.bytes().to_vec()),
                    imk_smc: c.issuer.script_confidentiality_key().map(|k| k.bytes().to_vec()),
                    last_atc: None,
                };
                (c.pan.to_string(), account)
            })
            .collect();
        Issuer { accounts }
    }

    /// Checks card, PIN and (for debits) funds; takes nothing yet.
    pub fn verify(&mut self, request: &Authorisation<'_>, debit: bool) -> Result<(), Refusal> {
        let account = self.accounts.get_mut(request.pan).ok_or(Refusal::InvalidCard)?;
        match account.status {
            CardStatus::Active => {}
            CardStatus::Blocked => return Err(Refusal::DoNotHonour),
            CardStatus::Lost => return Err(Refusal::LostCard),
            CardStatus::Stolen => return Err(Refusal::StolenCard),
        }
        if account.expiry.as_str() < request.today {
            return Err(Refusal::Expired);
        }
        if let Some(pin) = request.pin {
            if account.tries_left == 0 {
                return Err(Refusal::PinTriesExceeded);
            }
            if pin != account.pin {
                account.tries_left -= 1;
                return Err(if account.tries_left == 0 {
                    Refusal::PinTriesExceeded
                } else {
                    Refusal::WrongPin
                });
            }
            account.tries_left = account.max_tries;
        }
        if debit {
            if account.single_limit_fen.is_some_and(|l| request.amount_fen > l) {
                return Err(Refusal::OverLimit);
            }
            if account.available_fen < request.amount_fen {
                return Err(Refusal::InsufficientFunds);
            }
        }
        Ok(())
    }

    /// Takes money (sale, completion, pre-auth hold). Fails with 51 if not there.
    pub fn debit(&mut self, pan: &str, fen: u64) -> Result<(), Refusal> {
        let account = self.accounts.get_mut(pan).ok_or(Refusal::InvalidCard)?;
        account.available_fen = account
            .available_fen
            .checked_sub(fen)
            .ok_or(Refusal::InsufficientFunds)?;
        Ok(())
    }

    /// Gives money back (void, refund, reversal, hold release).
    pub fn credit(&mut self, pan: &str, fen: u64) {
        if let Some(account) = self.accounts.get_mut(pan) {
            account.available_fen += fen;
        }
    }

    /// Checks a chip transaction's ARQC (field 55) and returns the answer's
    /// field 55 (tag 91: ARPC || ARC). Ok(None) when the issuer holds no key
    /// for the card, so cryptograms cannot be checked.
    pub fn cryptogram(
        &self,
        pan: &str,
        psn: &str,
        f55: &[u8],
        arc: [u8; 2],
        derivation: crate::emv::SessionKeyDerivation,
    ) -> Result<Option<Vec<u8>>, Refusal> {
        let Some(imk) = self.accounts.get(pan).and_then(|a| a.imk.as_deref()) else {
            return Ok(None);
        };
        crate::emv::verify_arqc(imk, pan, psn, f55, arc, derivation)
            .map(Some)
            .map_err(|_| Refusal::SuspectedFraud)
    }

    /// A script command with its MAC for the transaction of this field 55
    /// (`emv::secured_script`); None when the issuer holds no key for the card.
    pub fn secured_script(
        &self,
        pan: &str,
        psn: &str,
        f55: &[u8],
        command: &[u8],
        mac: crate::emv::ScriptMac,
        derivation: crate::emv::SessionKeyDerivation,
    ) -> Option<Vec<u8>> {
        let account = self.accounts.get(pan)?;
        let key = crate::emv::ScriptKey {
            imk_smi: account.imk_smi.as_deref()?,
            imk_smc: account.imk_smc.as_deref()?,
            pan,
            psn,
            derivation,
        };
        crate::emv::secured_script(&key, f55, command, mac).ok()
    }

    /// Takes the ATC (9F36) of a cryptogram that verified: one not above the
    /// card's last is a replayed or cloned card's, refused as a failed
    /// cryptogram check (34, suspected fraud: the dialect's answer to a
    /// cryptogram that does not verify).
    pub fn fresh_atc(&mut self, pan: &str, f55: &[u8]) -> Result<(), Refusal> {
        let Some(account) = self.accounts.get_mut(pan) else {
            return Ok(());
        };
        let Some(atc) = crate::emv::parse_tlv(f55)
            .get("9F36")
            .and_then(|a| <[u8; 2]>::try_from(a.as_slice()).ok())
            .map(u16::from_be_bytes)
        else {
            return Ok(());
        };
        if account.last_atc.is_some_and(|last| atc <= last) {
            return Err(Refusal::SuspectedFraud);
        }
        account.last_atc = Some(atc);
        Ok(())
    }

    /// Checks the TC of a message after the online step (emv::verify_tc);
    /// Ok when the issuer holds no key for the card.
    pub fn verify_tc(
        &self,
        pan: &str,
        psn: &str,
        f55: &[u8],
        amount: &str,
        currency: &str,
        derivation: crate::emv::SessionKeyDerivation,
    ) -> Result<(), Refusal> {
        let Some(imk) = self.accounts.get(pan).and_then(|a| a.imk.as_deref()) else {
            return Ok(());
        };
        crate::emv::verify_tc(imk, pan, psn, f55, amount, currency, derivation).map_err(|_| Refusal::SuspectedFraud)
    }

    pub fn balance_fen(&self, pan: &str) -> Option<u64> {
        self.accounts.get(pan).map(|a| a.available_fen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::card::Issuer as CardIssuer;

    fn card(status: CardStatus, expiry: &str, limit: Option<&str>) -> CardProfile {
        CardProfile {
            description: "test".into(),
            pan: "6222021234567890128".parse().unwrap(),
            expiry: expiry.parse().unwrap(),
            service_code: "101".into(),
            discretionary: String::new(),
            track3: None,
            issuer: CardIssuer {
                pin: "123456".into(),
                balance: "100.00".parse().unwrap(),
                pin_tries: 3,
                status,
                single_limit: limit.map(|l| l.parse().unwrap()),
                imk: None,
                imk_smi: None,
                imk_smc: None,
            },
            ..Default::default()
        }
    }

    #[test]
    fn an_atc_not_above_the_cards_last_is_a_replay() {
        let mut issuer = Issuer::new([&card(CardStatus::Active, "4912", None)]);
        let pan = "6222021234567890128";
        let f55 = |atc: u16| crate::emv::build_tlv(&[("9F36", &atc.to_be_bytes())]);
        assert!(issuer.fresh_atc(pan, &f55(2)).is_ok());
        assert!(
            matches!(issuer.fresh_atc(pan, &f55(2)), Err(Refusal::SuspectedFraud)),
            "repeated"
        );
        assert!(
            matches!(issuer.fresh_atc(pan, &f55(1)), Err(Refusal::SuspectedFraud)),
            "lower"
        );
        assert!(issuer.fresh_atc(pan, &f55(3)).is_ok());
        assert_eq!(Refusal::SuspectedFraud.response_code(), "34");
    }

    fn auth(amount_fen: u64, pin: Option<&'static str>) -> Authorisation<'static> {
        Authorisation {
            pan: "6222021234567890128",
            amount_fen,
            pin,
            today: "2611",
        }
    }

    #[test]
    fn funds_limit_and_money_movement() {
        let mut issuer = Issuer::new([&card(CardStatus::Active, "2912", Some("80.00"))]);
        assert_eq!(
            issuer.verify(&auth(9000, Some("123456")), true),
            Err(Refusal::OverLimit)
        );
        assert_eq!(issuer.verify(&auth(6000, Some("123456")), true), Ok(()));
        issuer.debit("6222021234567890128", 6000).unwrap();
        assert_eq!(
            issuer.verify(&auth(6000, None), true).map_err(Refusal::response_code),
            Err("51")
        );
        issuer.credit("6222021234567890128", 6000);
        assert_eq!(issuer.balance_fen("6222021234567890128"), Some(10000));
    }

    #[test]
    fn pin_tries_run_out_into_75_and_a_good_pin_resets_them() {
        let mut issuer = Issuer::new([&card(CardStatus::Active, "2912", None)]);
        assert_eq!(issuer.verify(&auth(100, Some("000000")), true), Err(Refusal::WrongPin));
        assert_eq!(issuer.verify(&auth(100, Some("123456")), true), Ok(()));
        assert_eq!(issuer.verify(&auth(100, Some("000000")), true), Err(Refusal::WrongPin));
        assert_eq!(issuer.verify(&auth(100, Some("000000")), true), Err(Refusal::WrongPin));
        assert_eq!(
            issuer.verify(&auth(100, Some("000000")), true),
            Err(Refusal::PinTriesExceeded)
        );
        assert_eq!(
            issuer.verify(&auth(100, Some("123456")), true),
            Err(Refusal::PinTriesExceeded)
        );
    }

    #[test]
    fn status_expiry_and_unknown_cards() {
        let codes = |c: CardProfile| {
            Issuer::new([&c])
                .verify(&auth(100, None), true)
                .map_err(Refusal::response_code)
        };
        assert_eq!(codes(card(CardStatus::Blocked, "2912", None)), Err("05"));
        assert_eq!(codes(card(CardStatus::Lost, "2912", None)), Err("41"));
        assert_eq!(codes(card(CardStatus::Stolen, "2912", None)), Err("43"));
        assert_eq!(codes(card(CardStatus::Active, "2610", None)), Err("54"));
        let mut issuer = Issuer::new([&card(CardStatus::Active, "2912", None)]);
        let unknown = Authorisation {
            pan: "6222020000000000",
            amount_fen: 1,
            pin: None,
            today: "2611",
        };
        assert_eq!(issuer.verify(&unknown, true), Err(Refusal::InvalidCard));
    }
}
