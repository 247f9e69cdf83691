//! The card's instruction bytes, named once (ISO/IEC 7816-4 and EMV Book
//! 3, 6.5; issuer script commands Book 3, 6.5 and PBOC part 5): what the
//! card models answer, how masking reads an APDU, how trace lines and
//! fault points name one, and the instruction names of the Wireshark
//! dissector (`rig trace dissector`) all come from [`TABLE`]. It imports
//! nothing of the rig, so every layer can read it.

/// Interindustry class (ISO 7816-4).
pub const CLA_ISO: u8 = 0x00;
/// Proprietary class of EMV's own commands (GPO, GENERATE AC, GET DATA).
pub const CLA_EMV: u8 = 0x80;
/// Proprietary class with secure messaging: issuer script commands.
pub const CLA_EMV_SECURE: u8 = 0x84;

pub const SELECT: u8 = 0xA4;
pub const READ_RECORD: u8 = 0xB2;
pub const GET_PROCESSING_OPTIONS: u8 = 0xA8;
pub const GENERATE_AC: u8 = 0xAE;
pub const GET_DATA: u8 = 0xCA;
pub const GET_RESPONSE: u8 = 0xC0;
pub const INTERNAL_AUTHENTICATE: u8 = 0x88;
pub const EXTERNAL_AUTHENTICATE: u8 = 0x82;
pub const GET_CHALLENGE: u8 = 0x84;
pub const VERIFY: u8 = 0x20;
pub const PIN_CHANGE_UNBLOCK: u8 = 0x24;
pub const APPLICATION_BLOCK: u8 = 0x1E;
pub const APPLICATION_UNBLOCK: u8 = 0x18;
pub const CARD_BLOCK: u8 = 0x16;
pub const PUT_DATA: u8 = 0xDA;
pub const UPDATE_RECORD: u8 = 0xDC;

/// One instruction and what an APDU of it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instruction {
    pub ins: u8,
    pub name: &'static str,
    /// Its answer data is BER-TLV (and may hold card data to mask).
    pub answers_tlv: bool,
    /// Its command data is a PIN or a PIN block.
    pub carries_pin: bool,
    /// An issuer script command (sent with secure messaging, CLA 84).
    pub script: bool,
}

const fn i(ins: u8, name: &'static str, answers_tlv: bool, carries_pin: bool, script: bool) -> Instruction {
    Instruction {
        ins,
        name,
        answers_tlv,
        carries_pin,
        script,
    }
}

/// Every instruction rig's cards answer or its tools send.
pub const TABLE: &[Instruction] = &[
    i(SELECT, "SELECT", true, false, false),
    i(READ_RECORD, "READ RECORD", true, false, false),
    i(GET_PROCESSING_OPTIONS, "GET PROCESSING OPTIONS", true, false, false),
    i(GENERATE_AC, "GENERATE AC", true, false, false),
    i(GET_DATA, "GET DATA", true, false, false),
    i(GET_RESPONSE, "GET RESPONSE", true, false, false),
    i(INTERNAL_AUTHENTICATE, "INTERNAL AUTHENTICATE", true, false, false),
    i(EXTERNAL_AUTHENTICATE, "EXTERNAL AUTHENTICATE", false, false, false),
    i(GET_CHALLENGE, "GET CHALLENGE", false, false, false),
    i(VERIFY, "VERIFY", false, true, false),
    i(PIN_CHANGE_UNBLOCK, "PIN CHANGE / UNBLOCK", false, true, true),
    i(APPLICATION_BLOCK, "APPLICATION BLOCK", false, false, true),
    i(APPLICATION_UNBLOCK, "APPLICATION UNBLOCK", false, false, true),
    i(CARD_BLOCK, "CARD BLOCK", false, false, true),
    i(PUT_DATA, "PUT DATA", false, false, true),
    i(UPDATE_RECORD, "UPDATE RECORD", false, false, true),
];

/// The instruction of an APDU's INS byte.
pub fn of(ins: u8) -> Option<&'static Instruction> {
    TABLE.iter().find(|i| i.ins == ins)
}

/// How trace lines and reports name an APDU's instruction.
pub fn name(ins: u8) -> &'static str {
    of(ins).map_or("APDU", |i| i.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_instruction_byte_is_named_once() {
        for (n, a) in TABLE.iter().enumerate() {
            assert!(
                TABLE[n + 1..].iter().all(|b| b.ins != a.ins && b.name != a.name),
                "{a:?} twice"
            );
        }
        assert_eq!(name(0xB2), "READ RECORD");
        assert_eq!(name(0x99), "APDU");
    }
}
