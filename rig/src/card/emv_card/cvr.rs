//! The card verification results and the issuer application data that
//! carries them (9F10, PBOC 3.0 part 5, Annex C as we read it: the Visa
//! VIS layout PBOC takes over). The CVR is what the card tells its issuer
//! about its own decisions; the ARQC, TC and AAC cover it.

/// A cryptogram type as the CVR and the CID name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcType {
    Aac,
    Tc,
    Arqc,
}

impl AcType {
    /// Cryptogram information data (9F27) bits 8-7.
    pub fn cid(self) -> u8 {
        match self {
            AcType::Aac => 0x00,
            AcType::Tc => 0x40,
            AcType::Arqc => 0x80,
        }
    }

    fn bits(self) -> u8 {
        match self {
            AcType::Aac => 0b00,
            AcType::Tc => 0b01,
            AcType::Arqc => 0b10,
        }
    }
}

/// The three CVR bytes, set by name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cvr([u8; 3]);

/// A CVR bit: its byte (0-based after the length byte) and mask.
#[derive(Debug, Clone, Copy)]
pub struct CvrBit(usize, u8);

pub mod bit {
    use super::CvrBit;
    pub const ISSUER_AUTHENTICATION_FAILED: CvrBit = CvrBit(0, 0x08);
    pub const OFFLINE_PIN_PERFORMED: CvrBit = CvrBit(0, 0x04);
    pub const OFFLINE_PIN_FAILED: CvrBit = CvrBit(0, 0x02);
    pub const UNABLE_TO_GO_ONLINE: CvrBit = CvrBit(0, 0x01);
    pub const PIN_TRY_LIMIT_EXCEEDED: CvrBit = CvrBit(1, 0x40);
    pub const VELOCITY_EXCEEDED: CvrBit = CvrBit(1, 0x20);
    pub const NEW_CARD: CvrBit = CvrBit(1, 0x10);
    pub const ISSUER_AUTHENTICATION_FAILED_LAST_ONLINE: CvrBit = CvrBit(1, 0x08);
    pub const SCRIPT_FAILED_LAST: CvrBit = CvrBit(2, 0x08);
    pub const DDA_PERFORMED: CvrBit = CvrBit(2, 0x02);
}

impl Cvr {
    pub fn set(&mut self, bit: CvrBit) {
        self.0[bit.0] |= bit.1;
    }

    pub fn is_set(&self, bit: CvrBit) -> bool {
        self.0[bit.0] & bit.1 != 0
    }

    /// The first GENERATE AC's type; the second "not requested" until it is.
    pub fn first(&mut self, ac: AcType) {
        self.0[0] = (self.0[0] & 0x0F) | 0x80 | (ac.bits() << 4);
    }

    pub fn second(&mut self, ac: AcType) {
        self.0[0] = (self.0[0] & 0x3F) | (ac.bits() << 6);
    }

    /// Issuer script commands processed in the last transaction (byte 3, bits 8-5).
    pub fn scripts(&mut self, count: u8) {
        self.0[2] = (self.0[2] & 0x0F) | (count.min(15) << 4);
    }

    /// Length byte then the three bytes: what the cryptograms cover.
    pub fn bytes(&self) -> [u8; 4] {
        [0x03, self.0[0], self.0[1], self.0[2]]
    }
}

/// Derivation key index and cryptogram version (01: 3DES, PBOC).
const DKI: u8 = 0x01;
const CVN: u8 = 0x01;
/// Algorithm indicator: 01 3DES (04 would be SM4).
const ALGORITHM_3DES: u8 = 0x01;

/// Issuer application data (9F10): length 07, DKI, CVN, the CVR (4),
/// the algorithm; then the issuer discretionary data, length 0A: its
/// identifier 01, the offline balance (5 bytes BCD, fen) and 4 bytes of
/// MAC space (zero: no balance MAC on a test card).
pub fn iad(cvr: &Cvr, offline_balance_fen: u64) -> Vec<u8> {
    let mut iad = vec![0x07, DKI, CVN];
    iad.extend(cvr.bytes());
    iad.push(ALGORITHM_3DES);
    iad.extend([0x0A, 0x01]);
    iad.extend(hex::decode(format!("{:010}", offline_balance_fen % 10_000_000_000)).unwrap_or(vec![0; 5]));
    iad.extend([0; 4]);
    iad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cvr_sits_at_bytes_4_to_7_of_the_iad() {
        let mut cvr = Cvr::default();
        cvr.first(AcType::Arqc);
        cvr.set(bit::NEW_CARD);
        let iad = iad(&cvr, 12345);
        assert_eq!(
            hex::encode_upper(&iad),
            "07010103A0100001".to_string() + "0A01" + "0000012345" + "00000000"
        );
        assert_eq!(&iad[3..7], &cvr.bytes(), "what crate::emv::arqc_data reads");
        cvr.second(AcType::Tc);
        assert_eq!(cvr.bytes()[1], 0x60);
        cvr.second(AcType::Aac);
        assert_eq!(cvr.bytes()[1], 0x20);
    }
}
