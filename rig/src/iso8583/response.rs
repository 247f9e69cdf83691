//! Response codes of field 39 (pos-8583.md), with what the terminal is to
//! do about each: class A approved, B retry or sign on again, C decline,
//! D pick up the card or a terminal problem, E no response (reverse).

use std::fmt;

/// What a response code asks of the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseClass {
    Approved,
    Retry,
    Decline,
    PickUp,
    NoResponse,
}

/// A response code: the dialect's known ones by name, any other as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseCode {
    Known(&'static str, ResponseClass, &'static str),
    Unknown(String),
}

use ResponseClass::*;

/// pos-8583.md's table: code, class, meaning.
const KNOWN: [(&str, ResponseClass, &str); 39] = [
    ("00", Approved, "approved"),
    ("01", Decline, "refer to issuer"),
    ("03", Decline, "invalid merchant"),
    ("04", PickUp, "pick up"),
    ("05", Decline, "do not honour"),
    ("10", Approved, "partial approval"),
    ("12", Decline, "invalid transaction"),
    ("13", Retry, "invalid amount"),
    ("14", Retry, "invalid card number"),
    ("15", Decline, "no such issuer"),
    ("22", Decline, "suspected malfunction"),
    ("25", Decline, "original not found"),
    ("30", Decline, "format error"),
    ("34", PickUp, "suspected fraud"),
    ("40", Decline, "function not supported"),
    ("41", PickUp, "lost card"),
    ("43", PickUp, "stolen card"),
    ("45", Decline, "fallback not allowed"),
    ("51", Decline, "insufficient funds"),
    ("54", Decline, "expired card"),
    ("55", Decline, "wrong PIN"),
    ("57", Decline, "not permitted to card"),
    ("58", Decline, "not permitted to terminal"),
    ("61", Decline, "amount limit"),
    ("62", Decline, "restricted card"),
    ("64", Decline, "amount differs from original"),
    ("65", Decline, "count limit"),
    ("68", Decline, "issuer timeout"),
    ("75", Decline, "PIN tries exceeded"),
    ("77", Retry, "batch mismatch, sign on again"),
    ("90", Decline, "cut-over in progress"),
    ("91", Decline, "issuer unavailable"),
    ("94", Decline, "duplicate"),
    ("96", Decline, "system error"),
    ("97", PickUp, "terminal not registered"),
    ("98", NoResponse, "no response"),
    ("99", Retry, "PIN format error"),
    ("A0", Retry, "MAC error, sign on again"),
    ("P0", Retry, "customer still paying (payment codes)"),
];

impl ResponseCode {
    pub fn of(code: &str) -> ResponseCode {
        KNOWN.iter().find(|(c, _, _)| *c == code).map_or_else(
            || ResponseCode::Unknown(code.to_string()),
            |&(c, class, what)| ResponseCode::Known(c, class, what),
        )
    }

    pub fn as_str(&self) -> &str {
        match self {
            ResponseCode::Known(code, _, _) => code,
            ResponseCode::Unknown(code) => code,
        }
    }

    /// `None` for a code the table does not know.
    pub fn class(&self) -> Option<ResponseClass> {
        match self {
            ResponseCode::Known(_, class, _) => Some(*class),
            ResponseCode::Unknown(_) => None,
        }
    }

    pub fn is_approval(&self) -> bool {
        self.class() == Some(Approved)
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseCode::Known(code, _, what) => write!(f, "{code} ({what})"),
            ResponseCode::Unknown(code) => write!(f, "{code} (not in the dialect's table)"),
        }
    }
}

impl std::str::FromStr for ResponseCode {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<ResponseCode, Self::Err> {
        Ok(ResponseCode::of(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_say_what_they_mean() {
        assert_eq!(ResponseCode::of("51").to_string(), "51 (insufficient funds)");
        assert_eq!(ResponseCode::of("98").class(), Some(NoResponse));
        assert!(ResponseCode::of("00").is_approval());
        assert_eq!(ResponseCode::of("Z9"), ResponseCode::Unknown("Z9".into()));
        assert_eq!(ResponseCode::of("Z9").as_str(), "Z9");
    }
}
