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
