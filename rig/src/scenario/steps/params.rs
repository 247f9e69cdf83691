//! Typed step parameters: what a step's capture means, parsed in one place
//! with one error message. Step functions take these instead of strings
//! (cucumber parses a capture with `FromStr`); a capture that does not
//! parse is a feature mistake (see `failure::FailureClass::of_message`).

use crate::config::card::parse_yuan;
use std::fmt;

/// An amount as features write it, "100.00" yuan, held in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Yuan {
    pub fen: u64,
}

/// A capture that is not what its step expects.
pub struct BadParameter(pub String);

/// Debug is what cucumber shows when a capture does not parse: the class
/// label first, so the failure is a feature mistake.
impl fmt::Debug for BadParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", crate::failure::FailureClass::Mistake, self.0)
    }
}

impl std::str::FromStr for Yuan {
    type Err = BadParameter;

    fn from_str(s: &str) -> Result<Yuan, BadParameter> {
        // Field 4 holds 12 digits of fen.
        match parse_yuan(s) {
            Some(fen) if fen < 1_000_000_000_000 => Ok(Yuan { fen }),
            _ => Err(BadParameter(format!(
                "amount {s:?} is not yuan like 100.00 (at most 9999999999.99)"
            ))),
        }
    }
}

impl Yuan {
    /// The digits the cashier keys: 100.00 is 1 0 0 0 0.
    pub fn keyed(self) -> String {
        self.fen.to_string()
    }

    /// Field 4's 12 digits.
    pub fn field4(self) -> String {
        format!("{:012}", self.fen)
    }
}

impl fmt::Display for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.fen / 100, self.fen % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amount_is_fen_and_says_what_was_wrong() {
        let y: Yuan = "100.00".parse().expect("yuan");
        assert_eq!(
            (y.fen, y.keyed(), y.field4(), y.to_string()),
            (10_000, "10000".into(), "000000010000".into(), "100.00".into())
        );
        let err = "99999999999.00".parse::<Yuan>().expect_err("too large");
        assert!(
            format!("{err:?}").starts_with("feature mistake: amount \"99999999999.00\""),
            "{err:?}"
        );
    }
}
