//! The PIN pad's security module: key unwrapping, PIN blocks and MACs.
//!
//! This is the terminal's own implementation, written apart from the rig's on
//! purpose: if both sides shared one, a bug in it would pass every test.

use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit, generic_array::GenericArray};

fn des_encrypt(key: &[u8; 8], block: [u8; 8]) -> [u8; 8] {
    let cipher = des::Des::new(GenericArray::from_slice(key));
    let mut b = GenericArray::from(block);
    cipher.encrypt_block(&mut b);
    b.into()
}

fn tdes(key: &[u8; 16]) -> des::TdesEde2 {
    des::TdesEde2::new(GenericArray::from_slice(key))
}

/// 3DES-ECB decryption of a key wrapped under the terminal master key.
pub fn unwrap_key(tmk: &[u8; 16], wrapped: &[u8]) -> Vec<u8> {
    let cipher = tdes(tmk);
    let mut out = wrapped.to_vec();
    for chunk in out.chunks_exact_mut(8) {
        cipher.decrypt_block(GenericArray::from_mut_slice(chunk));
    }
    out
}

/// Key check value: the first 4 bytes of the key's encryption of eight zero bytes.
pub fn check_value(key: &[u8]) -> [u8; 4] {
    let mut block = GenericArray::from([0u8; 8]);
    match key.len() {
        8 => des::Des::new(GenericArray::from_slice(key)).encrypt_block(&mut block),
        _ => des::TdesEde2::new(GenericArray::from_slice(&key[..16])).encrypt_block(&mut block),
    }
    [block[0], block[1], block[2], block[3]]
}

/// ISO 9564 format 0 PIN block, encrypted under the double-length PIN key.
pub fn pin_block(pin_key: &[u8; 16], pin: &str, pan: &str) -> [u8; 8] {
    let mut field = format!("0{:X}{}", pin.len(), pin);
    while field.len() < 16 {
        field.push('F');
    }
    let digits: String = pan[..pan.len() - 1]
        .chars()
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let pan_field = format!("0000{digits:0>12}");
    let mut block = [0u8; 8];
    for (i, b) in block.iter_mut().enumerate() {
        let p = u8::from_str_radix(&field[2 * i..2 * i + 2], 16).unwrap_or(0xFF);
        let a = u8::from_str_radix(&pan_field[2 * i..2 * i + 2], 16).unwrap_or(0);
        *b = p ^ a;
    }
    let mut b = GenericArray::from(block);
    tdes(pin_key).encrypt_block(&mut b);
    b.into()
}

/// UnionPay "ECB" MAC (pos-8583.md): XOR the blocks, hex the result, two DES
/// rounds under the MAC key; the MAC is the first 8 hex characters as ASCII.
pub fn unionpay_ecb_mac(mac_key: &[u8; 8], data: &[u8]) -> [u8; 8] {
    let mut r = [0u8; 8];
    for chunk in data.chunks(8) {
        for (i, b) in chunk.iter().enumerate() {
            r[i] ^= b;
        }
    }
    let h = hex::encode_upper(r);
    let h = h.as_bytes();
    let mut left = [0u8; 8];
    left.copy_from_slice(&h[..8]);
    let e1 = des_encrypt(mac_key, left);
    let mut x = [0u8; 8];
    for i in 0..8 {
        x[i] = e1[i] ^ h[8 + i];
    }
    let e2 = des_encrypt(mac_key, x);
    let mut mac = [0u8; 8];
    mac.copy_from_slice(&hex::encode_upper(e2).as_bytes()[..8]);
    mac
}

#[cfg(test)]
mod tests {
    //! Against rig/tests/vectors/crypto_vectors.txt (psec and pycryptodome, PyPI).
    use super::*;
    use crate::vectors::{bytes, crypto};

    const TMK: [u8; 16] = *b"\x01\x23\x45\x67\x89\xAB\xCD\xEF\xFE\xDC\xBA\x98\x76\x54\x32\x10";
    const PIN_KEY: &str = "1C2B3A4958677685ABBACDDCEFFE1001";
    const MAC_KEY8: &str = "0A1B2C3D4E5F6071";

    fn key16(hex_text: &str) -> [u8; 16] {
        bytes(hex_text).try_into().expect("16 bytes")
    }

    #[test]
    fn check_values_of_each_key() {
        let text = include_str!("../../../rig/tests/vectors/crypto_vectors.txt");
        let kcv = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("kcv {name} ")))
                .expect("vector")
                .to_string()
        };
        assert_eq!(hex::encode_upper(check_value(&TMK)), kcv("tmk"));
        assert_eq!(hex::encode_upper(check_value(&bytes(PIN_KEY))), kcv("pin_key"));
        assert_eq!(hex::encode_upper(check_value(&bytes(MAC_KEY8))), kcv("mac_key8"));
    }

    #[test]
    fn working_keys_unwrap_from_under_the_tmk() {
        let text = include_str!("../../../rig/tests/vectors/crypto_vectors.txt");
        let wrapped = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("wrapped {name} ")))
                .map(bytes)
                .expect("vector")
        };
        assert_eq!(unwrap_key(&TMK, &wrapped("pin_key")), bytes(PIN_KEY));
        assert_eq!(unwrap_key(&TMK, &wrapped("mac_key8")), bytes(MAC_KEY8));
    }

    #[test]
    fn pin_block_is_iso_9564_format_0_under_3des() {
        let text = include_str!("../../../rig/tests/vectors/crypto_vectors.txt");
        let enc = text
            .lines()
            .find_map(|l| l.strip_prefix("pinblock enc "))
            .expect("vector");
        let block = pin_block(&key16(PIN_KEY), "123456", "6222021234567890128");
        assert_eq!(hex::encode_upper(block), enc);
    }

    #[test]
    fn unionpay_ecb_mac_matches_the_independent_composition() {
        let v = crypto();
        let data = bytes("0200702406C020C09811166222021234567890128000000000000000100000000123");
        let key: [u8; 8] = bytes(MAC_KEY8).try_into().expect("8 bytes");
        assert_eq!(&unionpay_ecb_mac(&key, &data), v["upecb"].as_bytes());
    }
}
