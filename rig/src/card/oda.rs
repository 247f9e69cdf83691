//! Offline data authentication, the card's side (EMV 4.x Book 2, 5 and 6,
//! as we read them; PBOC 3.0 part 5 takes them over): the signed static
//! application data (93) for SDA, the ICC public key certificate (9F46)
//! that carries the ICC key for DDA, and the signed dynamic application
//! data (9F4B) of INTERNAL AUTHENTICATE. The keys are the card's, made once
//! and kept in fixtures/cards/pki/; the issuer certificate (90) is made with
//! them, by the CA, and read from there.
//!
//! Every signature is raw RSA over "recovered data": 6A, a format byte and
//! its fields, a SHA-1 hash over those fields and the data they vouch for,
//! BC, as long as the signing key's modulus.

use num_bigint::BigUint;
use sha1::{Digest, Sha1};

/// An RSA private key as EMV signs with it: recovered data to signature.
#[derive(Clone)]
pub struct RsaPrivate {
    n: BigUint,
    d: BigUint,
    len: usize,
}

impl RsaPrivate {
    pub fn new(modulus: &[u8], private_exponent: &[u8]) -> RsaPrivate {
        RsaPrivate {
            n: BigUint::from_bytes_be(modulus),
            d: BigUint::from_bytes_be(private_exponent),
            len: modulus.len(),
        }
    }

    /// The modulus's length in bytes (N_I, N_IC of Book 2).
    pub fn modulus_len(&self) -> usize {
        self.len
    }

    /// m^d mod n, left padded to the modulus's length.
    pub fn sign(&self, recovered: &[u8]) -> Vec<u8> {
        let s = BigUint::from_bytes_be(recovered).modpow(&self.d, &self.n).to_bytes_be();
        let mut out = vec![0; self.len.saturating_sub(s.len())];
        out.extend_from_slice(&s);
        out
    }
}

const HEADER: u8 = 0x6A;
const TRAILER: u8 = 0xBC;
const PAD: u8 = 0xBB;
/// Hash algorithm indicator: SHA-1 (Book 2, B2.1); key algorithm: RSA (B2.2).
const SHA1: u8 = 0x01;
const RSA: u8 = 0x01;
/// The ICC certificate's serial number (ours; Book 2, 6.4: assigned by the issuer).
const SERIAL: [u8; 3] = [0x00, 0x00, 0x01];

/// 6A || fields || SHA-1(fields || vouched) || BC, signed with `key`.
fn sealed(key: &RsaPrivate, fields: &[u8], vouched: &[&[u8]]) -> Vec<u8> {
    let mut hash = Sha1::new();
    hash.update(fields);
    for part in vouched {
        hash.update(part);
    }
    let mut recovered = Vec::with_capacity(key.modulus_len());
    recovered.push(HEADER);
    recovered.extend_from_slice(fields);
    recovered.extend_from_slice(&hash.finalize());
    recovered.push(TRAILER);
    key.sign(&recovered)
}

/// Signed static application data (93), Book 2, 5.4 and Table 7: format
/// 03, the data authentication code, padding, over the static data to be
/// authenticated (the records the AFL marks, then the 9F4A list's values).
pub fn signed_static_data(issuer: &RsaPrivate, data_authentication_code: [u8; 2], static_data: &[u8]) -> Vec<u8> {
    let mut fields = vec![0x03, SHA1];
    fields.extend_from_slice(&data_authentication_code);
    fields.resize(fields.len() + issuer.modulus_len().saturating_sub(26), PAD);
    sealed(issuer, &fields, &[static_data])
}

/// The ICC public key certificate (9F46) and the ICC modulus's remainder
/// (9F48), Book 2, 6.4 and Table 14: format 04, the PAN, the certificate's
/// expiry (the card's, MMYY), serial, algorithms, the key's lengths and as
/// much of its modulus as fits, over the remainder, the exponent and the
/// static data to be authenticated.
pub fn icc_certificate(
    issuer: &RsaPrivate,
    pan: &str,
    expiry_yymm: &str,
    icc_modulus: &[u8],
    icc_exponent: &[u8],
    static_data: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    let room = issuer.modulus_len().saturating_sub(42);
    let (leftmost, remainder) = icc_modulus.split_at(room.min(icc_modulus.len()));
    let mut fields = vec![0x04];
    fields.extend(hex::decode(format!("{pan:F<20}")).unwrap_or_default());
    let (yy, mm) = expiry_yymm.split_at(2.min(expiry_yymm.len()));
    fields.extend(hex::decode(format!("{mm}{yy}")).unwrap_or_default());
    fields.extend_from_slice(&SERIAL);
    fields.extend_from_slice(&[SHA1, RSA, icc_modulus.len() as u8, icc_exponent.len() as u8]);
    fields.extend_from_slice(leftmost);
    fields.resize(fields.len() + room - leftmost.len(), PAD);
    let certificate = sealed(issuer, &fields, &[remainder, icc_exponent, static_data]);
    (certificate, remainder.to_vec())
}

/// The ICC dynamic data's first field (Book 2, Table 18): the ICC dynamic
/// number's length, then the number.
pub fn dynamic_number_field(number: &[u8]) -> Vec<u8> {
    let mut field = vec![number.len() as u8];
    field.extend_from_slice(number);
    field
}

/// Signed dynamic application data (9F4B), Book 2, 6.5.1 and Table 17:
/// format 05, the ICC dynamic data (for DDA and fDDA the dynamic number;
/// for CDA also the CID, the cryptogram and the transaction data hash
/// code, Table 22), padding, over the terminal's dynamic data (the DDOL's
/// values; the unpredictable number for CDA; fDDA's list for qPBOC).
pub fn signed_dynamic_data(icc: &RsaPrivate, icc_dynamic_data: &[u8], terminal_data: &[u8]) -> Vec<u8> {
    let dynamic_len = icc_dynamic_data.len();
    let mut fields = vec![0x05, SHA1, dynamic_len as u8];
    fields.extend_from_slice(icc_dynamic_data);
    fields.resize(fields.len() + icc.modulus_len().saturating_sub(dynamic_len + 25), PAD);
    sealed(icc, &fields, &[terminal_data])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A committed card key pair (e = 3), made by tools/pki/make_card_pki.py.
    fn icc_key() -> (RsaPrivate, BigUint) {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/cards/pki/unionpay-debit-chip.toml"
        );
        let pki = crate::config::card_pki::CardPki::load(std::path::Path::new(path)).expect("committed key file");
        let n = BigUint::from_bytes_be(&pki.icc.modulus.0);
        (RsaPrivate::new(&pki.icc.modulus.0, &pki.icc.private_exponent.0), n)
    }

    #[test]
    fn a_dynamic_signature_recovers_to_table_17_with_the_public_exponent() {
        let (key, n) = icc_key();
        let sdad = signed_dynamic_data(&key, &dynamic_number_field(&[0x12, 0x34]), &[1, 2, 3, 4]);
        assert_eq!(sdad.len(), key.modulus_len());
        let recovered = BigUint::from_bytes_be(&sdad)
            .modpow(&BigUint::from(3u8), &n)
            .to_bytes_be();
        assert_eq!(recovered.len(), key.modulus_len());
        assert_eq!(&recovered[..7], &[0x6A, 0x05, 0x01, 0x03, 0x02, 0x12, 0x34]);
        assert!(recovered[7..recovered.len() - 21].iter().all(|&b| b == 0xBB));
        assert_eq!(recovered.last(), Some(&0xBC));
        let mut hash = Sha1::new();
        hash.update(&recovered[1..recovered.len() - 21]);
        hash.update([1, 2, 3, 4]);
        assert_eq!(
            &recovered[recovered.len() - 21..recovered.len() - 1],
            hash.finalize().as_slice()
        );
    }
}
