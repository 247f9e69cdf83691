//! Status words (ISO/IEC 7816-4, 5.6; EMV Book 3, 6.3.5 and Annex A),
//! named once. A response ends in one; trace lines and tests read its name.

use std::fmt;

/// SW1 SW2 as one number (`0x9000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sw(pub u16);

impl Sw {
    pub const OK: Sw = Sw(0x9000);
    /// State of non-volatile memory unchanged; selected file invalidated:
    /// the application is blocked (EMV Book 1, 12.4).
    pub const SELECTED_FILE_INVALIDATED: Sw = Sw(0x6283);
    /// Authentication failed (EXTERNAL AUTHENTICATE with a wrong ARPC).
    pub const AUTHENTICATION_FAILED: Sw = Sw(0x6300);
    pub const WRONG_LENGTH: Sw = Sw(0x6700);
    /// Security status not satisfied (a script command whose MAC fails).
    pub const SECURITY_STATUS_NOT_SATISFIED: Sw = Sw(0x6982);
    /// Authentication method blocked: the PIN try counter is at 0.
    pub const AUTH_METHOD_BLOCKED: Sw = Sw(0x6983);
    /// Conditions of use not satisfied: the command in the wrong state.
    pub const CONDITIONS_NOT_SATISFIED: Sw = Sw(0x6985);
    /// Secure messaging data objects incorrect: a script command's MAC is wrong.
    pub const SECURE_MESSAGING_WRONG: Sw = Sw(0x6988);
    /// Function not supported: the card is blocked (EMV Book 1, 12.3.2).
    pub const FUNCTION_NOT_SUPPORTED: Sw = Sw(0x6A81);
    pub const FILE_NOT_FOUND: Sw = Sw(0x6A82);
    pub const RECORD_NOT_FOUND: Sw = Sw(0x6A83);
    /// Incorrect parameters in the data field.
    pub const WRONG_DATA: Sw = Sw(0x6A80);
    /// Incorrect parameters P1-P2 (ISO 7816-4, 5.1.3).
    pub const INCORRECT_P1_P2: Sw = Sw(0x6A86);
    pub const REFERENCED_DATA_NOT_FOUND: Sw = Sw(0x6A88);
    pub const WRONG_P1_P2: Sw = Sw(0x6B00);
    pub const INS_NOT_SUPPORTED: Sw = Sw(0x6D00);
    pub const CLA_NOT_SUPPORTED: Sw = Sw(0x6E00);

    /// 61xx: `len` bytes wait for GET RESPONSE (T=0; ISO/IEC 7816-4, 5.1.3); 256 is 00.
    pub fn response_waiting(len: usize) -> Sw {
        Sw(0x6100 | (len % 256) as u16)
    }

    /// 6Cxx: wrong Le, the data is `len` bytes long (T=0); 256 is 00.
    pub fn wrong_le(len: usize) -> Sw {
        Sw(0x6C00 | (len % 256) as u16)
    }

    /// 63Cx: verification failed, `left` tries remain (EMV Book 3, 6.5.12.4).
    pub fn tries_left(left: u8) -> Sw {
        Sw(0x63C0 | u16::from(left.min(15)))
    }

    pub fn bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }

    pub fn from_bytes(sw1: u8, sw2: u8) -> Sw {
        Sw(u16::from_be_bytes([sw1, sw2]))
    }

    pub fn is_ok(self) -> bool {
        self == Sw::OK
    }

    /// What the status word means, as a trace line names it.
    pub fn meaning(self) -> &'static str {
        match self {
            Sw::OK => "ok",
            Sw::SELECTED_FILE_INVALIDATED => "selected file invalidated",
            Sw::AUTHENTICATION_FAILED => "authentication failed",
            Sw::WRONG_LENGTH => "wrong length",
            Sw::SECURITY_STATUS_NOT_SATISFIED => "security status not satisfied",
            Sw::CONDITIONS_NOT_SATISFIED => "conditions of use not satisfied",
            Sw::FUNCTION_NOT_SUPPORTED => "function not supported",
            Sw::FILE_NOT_FOUND => "file not found",
            Sw::RECORD_NOT_FOUND => "record not found",
            Sw::INCORRECT_P1_P2 => "incorrect parameters P1 P2",
            Sw::WRONG_DATA => "incorrect data",
            Sw::AUTH_METHOD_BLOCKED => "authentication method blocked",
            Sw::REFERENCED_DATA_NOT_FOUND => "referenced data not found",
            Sw::WRONG_P1_P2 => "wrong P1 P2",
            Sw::INS_NOT_SUPPORTED => "instruction not supported",
            Sw::CLA_NOT_SUPPORTED => "class not supported",
            Sw(w) if w >> 8 == 0x61 => "more data available",
            Sw(w) if w >> 4 == 0x63C => "verification failed, tries left in the low nibble",
            _ => "status",
        }
    }
}

impl fmt::Display for Sw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_both_ways() {
        assert_eq!(Sw::CONDITIONS_NOT_SATISFIED.bytes(), [0x69, 0x85]);
        assert_eq!(Sw::from_bytes(0x6A, 0x82), Sw::FILE_NOT_FOUND);
        assert_eq!(
            Sw(0x63C2).meaning(),
            "verification failed, tries left in the low nibble"
        );
        assert_eq!(Sw::OK.to_string(), "9000");
    }
}
