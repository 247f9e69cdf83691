//! The message type indicator (ISO 8583:1987, 4 digits: version, class,
//! function, origin) and the forms a request has: its answer, its advice and
//! their repeats. The host answers, the chaos checks and the faults all take
//! an answer's MTI from here instead of adding 10 by hand.

use std::fmt;
use std::str::FromStr;

/// One MTI, as its four digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mti([u8; 4]);

/// What a message of a class is (the third digit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Request,
    Response,
    Advice,
    AdviceResponse,
    /// A function digit this dialect does not use (4-9).
    Other(u8),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("MTI {0:?} is not 4 digits")]
pub struct BadMti(pub String);

const FUNCTION: usize = 2;
const ORIGIN: usize = 3;

impl Mti {
    /// The class digit: 1 authorisation, 2 financial, 3 file action, 4
    /// reversal, 5 reconciliation, 6 administrative, 8 network management.
    pub fn class(self) -> u8 {
        self.0[1]
    }

    pub fn function(self) -> Function {
        match self.0[FUNCTION] {
            0 => Function::Request,
            1 => Function::Response,
            2 => Function::Advice,
            3 => Function::AdviceResponse,
            other => Function::Other(other),
        }
    }

    /// A request or advice (the terminal sends these; the host answers them).
    pub fn expects_answer(self) -> bool {
        matches!(self.function(), Function::Request | Function::Advice)
    }

    /// The answer to this message: 0200 → 0210, 0220 and 0221 → 0230.
    pub fn answer(self) -> Mti {
        let mut d = self.0;
        d[FUNCTION] |= 1;
        d[ORIGIN] &= !1;
        Mti(d)
    }

    /// The advice form of a request: 0200 → 0220, 0400 → 0420.
    pub fn advice(self) -> Mti {
        let mut d = self.0;
        d[FUNCTION] = (d[FUNCTION] & !1) | 2;
        Mti(d)
    }

    /// The repeat form (origin digit + 1): 0220 → 0221.
    pub fn repeat(self) -> Mti {
        let mut d = self.0;
        d[ORIGIN] |= 1;
        Mti(d)
    }

    /// The first two digits of the MTI as the wire carries them (BCD).
    pub fn from_bcd(bytes: [u8; 2]) -> Option<Mti> {
        hex::encode(bytes).parse().ok()
    }
}

impl FromStr for Mti {
    type Err = BadMti;
    fn from_str(s: &str) -> Result<Mti, BadMti> {
        let bytes = s.as_bytes();
        if bytes.len() != 4 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(BadMti(s.to_string()));
        }
        let mut d = [0; 4];
        for (out, b) in d.iter_mut().zip(bytes) {
            *out = b - b'0';
        }
        Ok(Mti(d))
    }
}

impl fmt::Display for Mti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.0 {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mti(s: &str) -> Mti {
        s.parse().expect("a test MTI")
    }

    #[test]
    fn answers_advices_and_repeats_follow_iso_8583() {
        // ISO 8583:1987 positions 3 and 4, as pos-8583.md's message table uses them.
        assert_eq!(mti("0200").answer().to_string(), "0210");
        assert_eq!(mti("0800").answer().to_string(), "0810");
        assert_eq!(mti("0400").advice().to_string(), "0420");
        assert_eq!(mti("0320").answer().to_string(), "0330");
        assert_eq!(mti("0220").repeat().to_string(), "0221");
        assert_eq!(mti("0221").answer().to_string(), "0230");
        assert_eq!(mti("0200").advice().answer().to_string(), "0230");
        assert_eq!(mti("0500").class(), 5);
        assert!(mti("0620").expects_answer());
        assert!(!mti("0210").expects_answer());
        assert_eq!(Mti::from_bcd([0x04, 0x00]), Some(mti("0400")));
    }

    #[test]
    fn anything_but_four_digits_is_refused() {
        for bad in ["", "020", "02000", "02a0", "０２００"] {
            assert_eq!(bad.parse::<Mti>(), Err(BadMti(bad.to_string())), "{bad}");
        }
    }
}
