//! Host-side key handling: wrapping working keys under the terminal master key,
//! check values, PIN block recovery (ISO 9564 format 0) and MACs.

use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit, generic_array::GenericArray};

/// A DES key of single (8) or double (16) length, encrypting 8-byte blocks.
#[derive(Clone)]
pub enum DesKey {
    Single(des::Des),
    Double(des::TdesEde2),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("a DES key is 8 or 16 bytes, not {0}")]
    KeyLength(usize),
    #[error("data is {0} bytes, not a multiple of 8")]
    BlockLength(usize),
    #[error("PIN block does not decode: {0}")]
    PinBlock(&'static str),
    #[error("track data: {0}")]
    Track(&'static str),
}

impl DesKey {
    pub fn new(key: &[u8]) -> Result<DesKey, CryptoError> {
        match key.len() {
            8 => Ok(DesKey::Single(des::Des::new(GenericArray::from_slice(key)))),
            16 => Ok(DesKey::Double(des::TdesEde2::new(GenericArray::from_slice(key)))),
            n => Err(CryptoError::KeyLength(n)),
        }
    }

    pub fn encrypt_block(&self, block: [u8; 8]) -> [u8; 8] {
        let mut b = GenericArray::from(block);
        match self {
            DesKey::Single(c) => c.encrypt_block(&mut b),
            DesKey::Double(c) => c.encrypt_block(&mut b),
        }
        b.into()
    }

    pub fn decrypt_block(&self, block: [u8; 8]) -> [u8; 8] {
        let mut b = GenericArray::from(block);
        match self {
            DesKey::Single(c) => c.decrypt_block(&mut b),
            DesKey::Double(c) => c.decrypt_block(&mut b),
        }
        b.into()
    }

    /// ECB over whole 8-byte blocks.
    pub fn encrypt_ecb(&self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.ecb(data, Self::encrypt_block)
    }

    pub fn decrypt_ecb(&self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.ecb(data, Self::decrypt_block)
    }

    fn ecb(&self, data: &[u8], op: fn(&Self, [u8; 8]) -> [u8; 8]) -> Result<Vec<u8>, CryptoError> {
        if data.len() % 8 != 0 {
            return Err(CryptoError::BlockLength(data.len()));
        }
        Ok(data
            .chunks_exact(8)
            .flat_map(|c| op(self, c.try_into().unwrap_or([0; 8])))
            .collect())
    }
}

/// A block cipher under one key: DES / 3DES (8-byte blocks) or SM4 (16-byte
/// blocks, the national algorithm). Key handling, PIN blocks and MACs are
/// written once over this trait.
pub trait BlockCipher: Send + Sync {
    fn block_size(&self) -> usize;
    fn encrypt(&self, block: &mut [u8]);
    fn decrypt(&self, block: &mut [u8]);
}

impl BlockCipher for DesKey {
    fn block_size(&self) -> usize {
        8
    }
    fn encrypt(&self, block: &mut [u8]) {
        let b = GenericArray::from_mut_slice(block);
        match self {
            DesKey::Single(c) => c.encrypt_block(b),
            DesKey::Double(c) => c.encrypt_block(b),
        }
    }
    fn decrypt(&self, block: &mut [u8]) {
        let b = GenericArray::from_mut_slice(block);
        match self {
            DesKey::Single(c) => c.decrypt_block(b),
            DesKey::Double(c) => c.decrypt_block(b),
        }
    }
}

/// An SM4 key (16 bytes).
#[derive(Clone)]
pub struct Sm4Key(sm4::Sm4);

impl Sm4Key {
    pub fn new(key: &[u8]) -> Result<Sm4Key, CryptoError> {
        if key.len() != 16 {
            return Err(CryptoError::KeyLength(key.len()));
        }
        Ok(Sm4Key(sm4::Sm4::new(GenericArray::from_slice(key))))
    }
}

impl BlockCipher for Sm4Key {
    fn block_size(&self) -> usize {
        16
    }
    fn encrypt(&self, block: &mut [u8]) {
        self.0.encrypt_block(GenericArray::from_mut_slice(block));
    }
    fn decrypt(&self, block: &mut [u8]) {
        self.0.decrypt_block(GenericArray::from_mut_slice(block));
    }
}

/// Which cipher a dialect uses for its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CipherFamily {
    /// DES and 3DES (double-length keys).
    Des,
    Sm4,
}

impl CipherFamily {
    pub fn key(self, bytes: &[u8]) -> Result<Box<dyn BlockCipher>, CryptoError> {
        Ok(match self {
            CipherFamily::Des => Box::new(DesKey::new(bytes)?),
            CipherFamily::Sm4 => Box::new(Sm4Key::new(bytes)?),
        })
    }
}

fn ecb_with(cipher: &dyn BlockCipher, data: &[u8], encrypt: bool) -> Result<Vec<u8>, CryptoError> {
    let bs = cipher.block_size();
    if data.len() % bs != 0 {
        return Err(CryptoError::BlockLength(data.len()));
    }
    let mut out = data.to_vec();
    for block in out.chunks_exact_mut(bs) {
        if encrypt {
            cipher.encrypt(block)
        } else {
            cipher.decrypt(block)
        }
    }
    Ok(out)
}

/// ECB encryption over whole blocks of the cipher.
pub fn encrypt_ecb(cipher: &dyn BlockCipher, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    ecb_with(cipher, data, true)
}

pub fn decrypt_ecb(cipher: &dyn BlockCipher, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    ecb_with(cipher, data, false)
}

/// Check value of any cipher key: first 4 bytes of the encryption of a zero block.
pub fn check_value_of(cipher: &dyn BlockCipher) -> [u8; 4] {
    let mut block = vec![0u8; cipher.block_size()];
    cipher.encrypt(&mut block);
    [block[0], block[1], block[2], block[3]]
}

/// Key check value: first 4 bytes of the key's encryption of 8 zero bytes.
pub fn check_value(key: &[u8]) -> Result<[u8; 4], CryptoError> {
    let e = DesKey::new(key)?.encrypt_block([0; 8]);
    Ok([e[0], e[1], e[2], e[3]])
}

/// The PAN field of ISO 9564 format 0: the 12 rightmost digits before the check digit.
fn pan_field(pan: &str) -> [u8; 8] {
    let body = &pan[..pan.len().saturating_sub(1)];
    let twelve = &body[body.len().saturating_sub(12)..];
    let digits = format!("0000{twelve:0>12}");
    let mut out = [0u8; 8];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    out
}

/// Builds a clear ISO 9564 format 0 PIN block (before encryption).
pub fn pin_block_clear(pin: &str, pan: &str) -> [u8; 8] {
    let mut field = format!("0{:X}{pin}", pin.len());
    while field.len() < 16 {
        field.push('F');
    }
    let p = pan_field(pan);
    let mut out = [0u8; 8];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&field[2 * i..2 * i + 2], 16).unwrap_or(0xFF) ^ p[i];
    }
    out
}

/// Decrypts a format 0 PIN block under the PIN key and returns the PIN.
pub fn recover_pin(pin_key: &dyn BlockCipher, block: &[u8], pan: &str) -> Result<String, CryptoError> {
    if block.len() != 8 || pin_key.block_size() != 8 {
        return Err(CryptoError::PinBlock(
            "ISO format 0 needs an 8-byte block under a DES key",
        ));
    }
    let mut clear = [0u8; 8];
    clear.copy_from_slice(block);
    pin_key.decrypt(&mut clear);
    let p = pan_field(pan);
    let field: String = clear.iter().zip(p).map(|(c, p)| format!("{:02X}", c ^ p)).collect();
    if !field.starts_with('0') {
        return Err(CryptoError::PinBlock("format nibble is not 0"));
    }
    let len = usize::from_str_radix(&field[1..2], 16).map_err(|_| CryptoError::PinBlock("length"))?;
    if !(4..=12).contains(&len) {
        return Err(CryptoError::PinBlock("PIN length outside 4..12"));
    }
    let pin = &field[2..2 + len];
    if !pin.bytes().all(|c| c.is_ascii_digit()) || !field[2 + len..].bytes().all(|c| c == b'F') {
        return Err(CryptoError::PinBlock("PIN digits or fill are wrong"));
    }
    Ok(pin.to_string())
}

/// UnionPay "ECB" MAC (pos-8583.md): XOR of the zero-padded blocks, its upper-case
/// hex split in halves, two cipher rounds; the first 8 hex characters as ASCII.
/// With SM4 the blocks are 16 bytes and the hex 32 characters (the same shape).
pub fn unionpay_ecb_mac(mac_key: &dyn BlockCipher, data: &[u8]) -> [u8; 8] {
    let bs = mac_key.block_size();
    let mut r = vec![0u8; bs];
    for chunk in data.chunks(bs) {
        for (i, b) in chunk.iter().enumerate() {
            r[i] ^= b;
        }
    }
    let h = hex::encode_upper(&r).into_bytes();
    let mut e = h[..bs].to_vec();
    mac_key.encrypt(&mut e);
    for i in 0..bs {
        e[i] ^= h[bs + i];
    }
    mac_key.encrypt(&mut e);
    let mut mac = [0u8; 8];
    mac.copy_from_slice(&hex::encode_upper(&e).as_bytes()[..8]);
    mac
}

/// Track data encryption (pos-8583.md): the 16 digits ending at the
/// second-to-last digit of the track are replaced by their DES encryption
/// under the track key. `encrypt = false` undoes it.
pub fn crypt_track(track_key: &DesKey, track: &str, encrypt: bool) -> Result<String, CryptoError> {
    let digits: Vec<char> = track.chars().collect();
    if digits.len() < 17 {
        return Err(CryptoError::Track("shorter than 17 characters"));
    }
    let start = digits.len() - 17;
    let window: String = digits[start..start + 16]
        .iter()
        .map(|&c| if c == '=' { 'D' } else { c })
        .collect();
    let block: [u8; 8] = hex::decode(&window)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(CryptoError::Track("window is not hex digits"))?;
    let out = if encrypt {
        track_key.encrypt_block(block)
    } else {
        track_key.decrypt_block(block)
    };
    let replaced = hex::encode_upper(out);
    let mut result: String = digits[..start].iter().collect();
    result.push_str(&replaced);
    result.push(digits[digits.len() - 1]);
    Ok(result)
}

/// ANSI X9.19 retail MAC (ISO 9797-1 algorithm 3, zero padding): DES-CBC under
/// the left key half, then decrypt with the right half and encrypt with the left.
pub fn x919_mac(key: &[u8], data: &[u8]) -> Result<[u8; 8], CryptoError> {
    if key.len() != 16 {
        return Err(CryptoError::KeyLength(key.len()));
    }
    let left = DesKey::new(&key[..8])?;
    let right = DesKey::new(&key[8..])?;
    let mut state = [0u8; 8];
    for chunk in data.chunks(8) {
        for (i, b) in chunk.iter().enumerate() {
            state[i] ^= b;
        }
        state = left.encrypt_block(state);
    }
    Ok(left.encrypt_block(right.decrypt_block(state)))
}

#[cfg(test)]
mod tests {
    //! Vectors from psec 1.3.0 and pycryptodome (PyPI), produced by
    //! rig/tests/vectors/make_crypto_vectors.py (output: crypto_vectors.txt).
    //! The TMK check value 08D7B4FB is also the widely published KCV of the
    //! test key 0123456789ABCDEFFEDCBA9876543210.
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    const TMK: &str = "0123456789ABCDEFFEDCBA9876543210";
    const PIN_KEY: &str = "1C2B3A4958677685ABBACDDCEFFE1001";
    const MAC_KEY: &str = "0A1B2C3D4E5F6071";
    const PAN: &str = "6222021234567890128";

    #[test]
    fn key_check_values() {
        assert_eq!(hex::encode_upper(check_value(&h(TMK)).unwrap()), "08D7B4FB");
        assert_eq!(hex::encode_upper(check_value(&h(PIN_KEY)).unwrap()), "B887FC25");
        assert_eq!(hex::encode_upper(check_value(&h(MAC_KEY)).unwrap()), "C55BF93C");
    }

    #[test]
    fn working_keys_wrap_under_the_tmk() {
        let tmk = DesKey::new(&h(TMK)).unwrap();
        assert_eq!(
            hex::encode_upper(tmk.encrypt_ecb(&h(PIN_KEY)).unwrap()),
            "4D3D041E3DA9554180BD099FB104F1F4"
        );
        assert_eq!(
            hex::encode_upper(tmk.encrypt_ecb(&h(MAC_KEY)).unwrap()),
            "0B4A115296A668D3"
        );
        assert_eq!(tmk.decrypt_ecb(&h("0B4A115296A668D3")).unwrap(), h(MAC_KEY));
    }

    #[test]
    fn pin_block_format_0() {
        assert_eq!(hex::encode_upper(pin_block_clear("123456", PAN)), "06122662A9876FED");
        let pin_key = DesKey::new(&h(PIN_KEY)).unwrap();
        assert_eq!(recover_pin(&pin_key, &h("1FD5DAE1829B30B3"), PAN).unwrap(), "123456");
        // The same block read against another PAN does not decode to a PIN.
        assert!(recover_pin(&pin_key, &h("1FD5DAE1829B30B3"), "6222020000000000001").is_err());
    }

    const MAC_DATA: &str = "0200702406C020C09811166222021234567890128000000000000000100000000123";

    #[test]
    fn unionpay_ecb_mac_vector() {
        let key = DesKey::new(&h(MAC_KEY)).unwrap();
        assert_eq!(&unionpay_ecb_mac(&key, &h(MAC_DATA)), b"C23EE5F7");
    }

    #[test]
    fn sm4_standard_vector() {
        // GB/T 32907-2016 (SM4) example 1: key = plaintext = 0123456789ABCDEFFEDCBA9876543210.
        let key = Sm4Key::new(&h(TMK)).unwrap();
        assert_eq!(
            hex::encode_upper(encrypt_ecb(&key, &h(TMK)).unwrap()),
            "681EDF34D206965E86B3E94F536E4246"
        );
        assert_eq!(
            decrypt_ecb(&key, &h("681EDF34D206965E86B3E94F536E4246")).unwrap(),
            h(TMK)
        );
        assert_eq!(
            hex::encode_upper(check_value_of(&key)),
            hex::encode_upper(&encrypt_ecb(&key, &[0; 16]).unwrap()[..4])
        );
    }

    #[test]
    fn track_encryption_round_trips_and_keeps_the_last_digit() {
        let key = DesKey::new(&h(PIN_KEY)).unwrap();
        let track = "6222021234567890128=29121011234567890";
        let enc = crypt_track(&key, track, true).unwrap();
        assert_eq!(enc.len(), track.len());
        assert_eq!(&enc[..20], &track[..20]);
        assert!(enc.ends_with('0'));
        assert_ne!(enc, track);
        assert_eq!(crypt_track(&key, &enc, false).unwrap(), track);
    }

    #[test]
    fn x919_mac_vector() {
        assert_eq!(
            hex::encode_upper(x919_mac(&h(PIN_KEY), &h(MAC_DATA)).unwrap()),
            "463DCA2ABA360D44"
        );
    }
}
