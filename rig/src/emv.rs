//! EMV / PBOC application cryptograms (emv.md), shared by the host (ARQC
//! check, ARPC) and card models: option A card keys, session keys, ARQC as
//! ISO 9797-1 MAC algorithm 3, ARPC method 1; and field 55 as BER-TLV.

use crate::iso8583::crypto::{CryptoError, DesKey};
use iso7816_tlv::ber::{Tag, Tlv, Value};
use std::collections::BTreeMap;

/// How the session key comes from the card key and the ATC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionKeyDerivation {
    /// emv.md: E(00..00 || ATC) || E(00..00 || ATC xor FFFF), the PBOC variant.
    #[default]
    Pboc,
    /// EMV Book 2 common session key: E(ATC || F0 || 00..) || E(ATC || 0F || 00..).
    EmvCommon,
}

fn tdes(key: &[u8]) -> Result<DesKey, CryptoError> {
    DesKey::new(key)
}

/// Option A card master key (UDK): X = rightmost 16 digits of PAN || PSN.
pub fn card_key(imk: &[u8], pan: &str, psn: &str) -> Result<[u8; 16], CryptoError> {
    let digits = format!("{pan}{psn:0>2}");
    let digits = format!("{:0>16}", &digits[digits.len().saturating_sub(16)..]);
    let x: [u8; 8] = hex::decode(&digits)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or(CryptoError::PinBlock("PAN digits"))?;
    let k = tdes(imk)?;
    let left = k.encrypt_block(x);
    let right = k.encrypt_block(x.map(|b| b ^ 0xFF));
    let mut udk = [0u8; 16];
    udk[..8].copy_from_slice(&left);
    udk[8..].copy_from_slice(&right);
    Ok(odd_parity(udk))
}

/// Derived DES keys get odd parity (DES ignores the bit; check values and
/// key comparisons do not).
fn odd_parity(key: [u8; 16]) -> [u8; 16] {
    key.map(|b| {
        let b = b & 0xFE;
        if b.count_ones() % 2 == 0 { b | 1 } else { b }
    })
}

pub fn session_key(udk: &[u8; 16], atc: [u8; 2], derivation: SessionKeyDerivation) -> Result<[u8; 16], CryptoError> {
    let k = tdes(udk)?;
    let (r1, r2) = match derivation {
        SessionKeyDerivation::Pboc => ([0, 0, 0, 0, 0, 0, atc[0], atc[1]], [0, 0, 0, 0, 0, 0, !atc[0], !atc[1]]),
        SessionKeyDerivation::EmvCommon => (
            [atc[0], atc[1], 0xF0, 0, 0, 0, 0, 0],
            [atc[0], atc[1], 0x0F, 0, 0, 0, 0, 0],
        ),
    };
    let mut sk = [0u8; 16];
    sk[..8].copy_from_slice(&k.encrypt_block(r1));
    sk[8..].copy_from_slice(&k.encrypt_block(r2));
    Ok(odd_parity(sk))
}

/// ISO 9797-1 MAC algorithm 3 with padding method 2 (0x80 then zeros).
pub fn mac_alg3(key: &[u8; 16], data: &[u8]) -> Result<[u8; 8], CryptoError> {
    let mut padded = data.to_vec();
    padded.push(0x80);
    while padded.len() % 8 != 0 {
        padded.push(0);
    }
    crate::iso8583::crypto::x919_mac(key, &padded)
}

/// ARPC method 1: 3DES_SK(ARQC xor (ARC || 00 x 6)).
pub fn arpc(sk: &[u8; 16], arqc: [u8; 8], arc: [u8; 2]) -> Result<[u8; 8], CryptoError> {
    let mut x = arqc;
    x[0] ^= arc[0];
    x[1] ^= arc[1];
    Ok(tdes(sk)?.encrypt_block(x))
}

/// Field 55 as tag (upper-case hex) -> value bytes; templates are flattened.
pub fn parse_tlv(data: &[u8]) -> BTreeMap<String, Vec<u8>> {
    fn walk(tlvs: &[Tlv], out: &mut BTreeMap<String, Vec<u8>>) {
        for tlv in tlvs {
            match tlv.value() {
                Value::Primitive(v) => {
                    out.insert(hex::encode_upper(tlv.tag().to_bytes()), v.clone());
                }
                Value::Constructed(inner) => walk(inner, out),
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&Tlv::parse_all(data), &mut out);
    out
}

/// BER-TLV encoding of (tag hex, value) pairs, in order.
pub fn build_tlv(items: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (tag, value) in items {
        let tlv = u64::from_str_radix(tag, 16)
            .ok()
            .and_then(|t| Tag::try_from(t).ok())
            .and_then(|t| Tlv::new(t, Value::Primitive(value.to_vec())).ok());
        if let Some(tlv) = tlv {
            out.extend(tlv.to_vec());
        }
    }
    out
}

/// The data an ARQC covers (emv.md): 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 82 9F36
/// and the CVR of 9F10 (its bytes 3..7 in the PBOC layout).
pub fn arqc_data(tags: &BTreeMap<String, Vec<u8>>) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    for tag in ["9F02", "9F03", "9F1A", "95", "5F2A", "9A", "9C", "9F37", "82", "9F36"] {
        data.extend(tags.get(tag)?);
    }
    data.extend(tags.get("9F10")?.get(3..7)?);
    Some(data)
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptogramError {
    #[error("field 55 lacks {0} or has it malformed")]
    Missing(&'static str),
    #[error("the ARQC does not verify")]
    Wrong,
    #[error(transparent)]
    Key(#[from] CryptoError),
}

/// Checks the ARQC of a field 55 and returns field 55 of the answer (tag 91 =
/// ARPC || ARC). An error means the host answers 34.
pub fn verify_arqc(
    imk: &[u8],
    pan: &str,
    psn: &str,
    f55: &[u8],
    arc: [u8; 2],
    derivation: SessionKeyDerivation,
) -> Result<Vec<u8>, CryptogramError> {
    let tags = parse_tlv(f55);
    let (atc, arqc) = atc_and_cryptogram(&tags)?;
    let data = arqc_data(&tags).ok_or(CryptogramError::Missing("the ARQC data objects"))?;
    let udk = card_key(imk, pan, psn)?;
    let sk = session_key(&udk, atc, derivation)?;
    if mac_alg3(&sk, &data)? != arqc {
        return Err(CryptogramError::Wrong);
    }
    let arpc = arpc(&sk, arqc, arc)?;
    Ok(build_tlv(&[("91", &[&arpc[..], &arc[..]].concat())]))
}

/// The ATC (9F36) and the cryptogram (9F26) of field 55.
fn atc_and_cryptogram(tags: &BTreeMap<String, Vec<u8>>) -> Result<([u8; 2], [u8; 8]), CryptogramError> {
    let atc = tags
        .get("9F36")
        .and_then(|a| a.as_slice().try_into().ok())
        .ok_or(CryptogramError::Missing("9F36"))?;
    let ac = tags
        .get("9F26")
        .and_then(|a| a.as_slice().try_into().ok())
        .ok_or(CryptogramError::Missing("9F26"))?;
    Ok((atc, ac))
}

/// Checks the TC (or AAC) of a message after the second GENERATE AC (the
/// script result notice): the same MAC under the session key of its ATC,
/// over the data it covers (emv.md). Messages after the online step carry
/// 9F26 9F36 82 9F10 95 9F37 9F1A 9A in field 55 but not the amount,
/// currency and type, so those come from the message: `amount` (field 4,
/// 12 digits), `currency` (field 49, 3 digits), type 00, other amount 0.
pub fn verify_tc(
    imk: &[u8],
    pan: &str,
    psn: &str,
    f55: &[u8],
    amount: &str,
    currency: &str,
    derivation: SessionKeyDerivation,
) -> Result<(), CryptogramError> {
    let mut tags = parse_tlv(f55);
    let digits = |s: &str, n: usize| {
        hex::decode(format!("{s:0>n$}")).map_err(|_| CryptogramError::Missing("the amount or currency"))
    };
    tags.entry("9F02".into()).or_insert(digits(amount, 12)?);
    tags.entry("9F03".into()).or_insert(vec![0; 6]);
    tags.entry("5F2A".into()).or_insert(digits(currency, 4)?);
    tags.entry("9C".into()).or_insert(vec![0]);
    let (atc, tc) = atc_and_cryptogram(&tags)?;
    let data = arqc_data(&tags).ok_or(CryptogramError::Missing("the TC data objects"))?;
    let sk = session_key(&card_key(imk, pan, psn)?, atc, derivation)?;
    if mac_alg3(&sk, &data)? != tc {
        return Err(CryptogramError::Wrong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Vectors from pyemv 1.5.0 (PyPI) and pycryptodome, made by
    //! rig/tests/vectors/make_emv_vectors.py (output: emv_vectors.txt); the
    //! first is emv.md's public vector.
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    const IMK: &str = "0123456789ABCDEFFEDCBA9876543210";

    #[test]
    fn a_tc_verifies_from_a_notice_and_its_message_fields() {
        // card_tc of the vectors: CVR 03 60 10 00, TVR 0000008000, UN 87654321, ATC 0001.
        let iad = h("07010103601000010A01000000000000000000");
        let f55 = build_tlv(&[
            ("9F26", &h("557219F92C858D88")),
            ("9F36", &h("0001")),
            ("82", &h("7C00")),
            ("9F10", &iad),
            ("95", &h("0000008000")),
            ("9F37", &h("87654321")),
            ("9F1A", &h("0156")),
            ("9A", &h("261124")),
        ]);
        let pboc = SessionKeyDerivation::Pboc;
        assert_eq!(
            verify_tc(&h(IMK), "6222021234567890128", "01", &f55, "000000010000", "156", pboc),
            Ok(())
        );
        assert_eq!(
            verify_tc(&h(IMK), "6222021234567890128", "01", &f55, "000000020000", "156", pboc),
            Err(CryptogramError::Wrong),
            "another amount: the TC does not cover it"
        );
    }
    /// script_mac_* of rig/tests/vectors/emv_vectors.txt (pyemv's
    /// generate_command_mac): the card at ATC 0001 after card_arqc.
    #[test]
    fn script_macs_match_pyemv() {
        let key = ScriptKey {
            imk_smi: &h(IMK),
            imk_smc: &h(IMK),
            pan: "6222021234567890128",
            psn: "01",
            derivation: SessionKeyDerivation::Pboc,
        };
        let f55 = build_tlv(&[("9F36", &h("0001")), ("9F26", &h("62F43F6045B2FEE5"))]);
        let secured = |c: &str, which| hex::encode_upper(secured_script(&key, &f55, &h(c), which).unwrap());
        assert_eq!(secured("8424000000", ScriptMac::Right), "842400000476BA37E9");
        assert_eq!(secured("84240000", ScriptMac::Right), "842400000476BA37E9");
        assert_eq!(
            secured("84DA9F580400000005", ScriptMac::Right),
            "84DA9F5808000000058C881F57"
        );
        assert_eq!(
            secured("84DA9F580400000005", ScriptMac::Wrong),
            "84DA9F58080000000573881F57"
        );
        assert!(
            secured_script(&key, &f55, &h("84DA9F580500"), ScriptMac::Right).is_err(),
            "Lc not the data's length"
        );
        // PIN change to 654321 (script_pin_change_* of the vectors): the PIN
        // block enciphered, then the MAC over the enciphered data.
        assert_eq!(
            secured("842400020826654321FFFFFFFF", ScriptMac::Right),
            "842400021401E3A9558B2B41380876A8044DFD810276F7F01E"
        );
        let sk: [u8; 16] = h("A11F5DE36186133B3ECD5B9E02CD5245").try_into().unwrap();
        assert_eq!(
            decipher_script_data(&sk, &h("01E3A9558B2B41380876A8044DFD8102")),
            Some(h("26654321FFFFFFFF"))
        );
    }

    const ARQC_DATA: &str = "00000001000000000000000001560000000000015626112400123456787C00000103A0A000";

    #[test]
    fn option_a_card_key() {
        assert_eq!(
            hex::encode_upper(card_key(&h(IMK), "99012345678901234", "45").unwrap()),
            "67F8292358083E5EA7AB7FDA58D53B6B"
        );
        assert_eq!(
            hex::encode_upper(card_key(&h(IMK), "6222021234567890128", "01").unwrap()),
            "F1DCDA8CD63D750DD9E6A21F7589CECE"
        );
    }

    #[test]
    fn session_keys_both_variants() {
        let udk: [u8; 16] = h("F1DCDA8CD63D750DD9E6A21F7589CECE").try_into().unwrap();
        assert_eq!(
            hex::encode_upper(session_key(&udk, [0, 1], SessionKeyDerivation::Pboc).unwrap()),
            "A11F5DE36186133B3ECD5B9E02CD5245"
        );
        assert_eq!(
            hex::encode_upper(session_key(&udk, [0, 1], SessionKeyDerivation::EmvCommon).unwrap()),
            "8C92C42034233D5D7CC1A7E5BFD97FB9"
        );
    }

    #[test]
    fn arqc_and_arpc() {
        let sk: [u8; 16] = h("A11F5DE36186133B3ECD5B9E02CD5245").try_into().unwrap();
        let arqc = mac_alg3(&sk, &h(ARQC_DATA)).unwrap();
        assert_eq!(hex::encode_upper(arqc), "F2296AB9717D2AC0");
        assert_eq!(hex::encode_upper(arpc(&sk, arqc, *b"00").unwrap()), "BCD720F4567F5ECF");
    }

    fn field55(arqc: &str) -> Vec<u8> {
        build_tlv(&[
            ("9F26", &h(arqc)),
            ("9F27", &h("80")),
            ("9F10", &h("07010103A0A000010A01000000000000")),
            ("9F37", &h("12345678")),
            ("9F36", &h("0001")),
            ("95", &h("0000000000")),
            ("9A", &h("261124")),
            ("9C", &h("00")),
            ("9F02", &h("000000010000")),
            ("5F2A", &h("0156")),
            ("82", &h("7C00")),
            ("9F1A", &h("0156")),
            ("9F03", &h("000000000000")),
        ])
    }

    #[test]
    fn the_host_checks_a_field_55_and_answers_tag_91() {
        let answer = verify_arqc(
            &h(IMK),
            "6222021234567890128",
            "01",
            &field55("F2296AB9717D2AC0"),
            *b"00",
            SessionKeyDerivation::Pboc,
        )
        .unwrap();
        assert_eq!(hex::encode_upper(answer), "910ABCD720F4567F5ECF3030");
        assert!(
            verify_arqc(
                &h(IMK),
                "6222021234567890128",
                "01",
                &field55("F2296AB9717D2AC1"),
                *b"00",
                SessionKeyDerivation::Pboc
            )
            .is_err()
        );
    }
}

/// Where an issuer script runs (EMV Book 3, 10.10 issuer script processing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptTemplate {
    /// Template 71: before the final GENERATE AC.
    BeforeFinalAc,
    /// Template 72: after it.
    AfterFinalAc,
}

impl ScriptTemplate {
    pub fn tag(self) -> &'static str {
        match self {
            ScriptTemplate::BeforeFinalAc => "71",
            ScriptTemplate::AfterFinalAc => "72",
        }
    }
}

/// What the issuer puts on a script command: its right MAC, or (a test
/// of the card's secure messaging) a wrong one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptMac {
    Right,
    Wrong,
}

/// The card a script MAC is for: its script integrity master key, PAN and
/// PSN, and how session keys derive.
pub struct ScriptKey<'a> {
    pub imk_smi: &'a [u8],
    /// The script confidentiality master key (a new PIN is enciphered under its session key).
    pub imk_smc: &'a [u8],
    pub pan: &'a str,
    pub psn: &'a str,
    pub derivation: SessionKeyDerivation,
}

/// Script MAC length (PBOC 3.0 part 5, 7.4.7; EMV Book 2, 9.2.1: 4 to 8 bytes).
pub const SCRIPT_MAC_LEN: usize = 4;

/// The MAC of a script command (EMV Book 2, 9.2.1 and A1.2.1; pyemv's
/// `sm.generate_command_mac`): ISO 9797-1 algorithm 3, method 2 padding,
/// under the card's script integrity session key (the card's SMI key from
/// `imk_smi`, the session key of the transaction's ATC), over the header
/// with the Lc as sent (MAC included), the ATC, the ARQC and the plain data.
pub fn script_mac(
    key: &ScriptKey<'_>,
    atc: [u8; 2],
    arqc: [u8; 8],
    header: [u8; 5],
    data: &[u8],
) -> Result<[u8; SCRIPT_MAC_LEN], CryptoError> {
    let sk = session_key(&card_key(key.imk_smi, key.pan, key.psn)?, atc, key.derivation)?;
    let mut covered = header.to_vec();
    covered.extend_from_slice(&atc);
    covered.extend_from_slice(&arqc);
    covered.extend_from_slice(data);
    let mac = mac_alg3(&sk, &covered)?;
    let mut out = [0; SCRIPT_MAC_LEN];
    out.copy_from_slice(&mac[..SCRIPT_MAC_LEN]);
    Ok(out)
}

/// Script data enciphered for confidentiality (EMV Book 2, 9.3 and A1.1;
/// pyemv's `sm.encrypt_command_data`, EMV type): ISO 9797-1 method 2
/// padding, then 3DES CBC with a zero IV under the confidentiality session key.
pub fn encipher_script_data(sk_smc: &[u8; 16], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let key = tdes(sk_smc)?;
    let mut padded = data.to_vec();
    padded.push(0x80);
    padded.resize(padded.len().div_ceil(8) * 8, 0);
    let mut chain = [0u8; 8];
    let mut out = Vec::with_capacity(padded.len());
    for block in padded.chunks_exact(8) {
        let mut b = [0u8; 8];
        for (i, v) in b.iter_mut().enumerate() {
            *v = block[i] ^ chain[i];
        }
        chain = key.encrypt_block(b);
        out.extend_from_slice(&chain);
    }
    Ok(out)
}

/// The inverse of [`encipher_script_data`]; None when the data is not
/// whole blocks or its padding is not method 2's.
pub fn decipher_script_data(sk_smc: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    if data.is_empty() || data.len() % 8 != 0 {
        return None;
    }
    let key = tdes(sk_smc).ok()?;
    let mut chain = [0u8; 8];
    let mut out = Vec::with_capacity(data.len());
    for block in data.chunks_exact(8) {
        let b: [u8; 8] = block.try_into().ok()?;
        let plain = key.decrypt_block(b);
        out.extend(plain.iter().zip(chain).map(|(p, c)| p ^ c));
        chain = b;
    }
    let end = out.iter().rposition(|&b| b != 0)?;
    (out[end] == 0x80).then(|| out[..end].to_vec())
}

/// PIN CHANGE / UNBLOCK's P2 for a new PIN without the current one (EMV
/// Book 3, 6.5.10): its data is the new PIN block, enciphered.
pub const PIN_CHANGE_NEW_PIN: u8 = 0x02;

/// A script command as written (CLA INS P1 P2, then Lc and data, or a lone
/// Lc 00) given its MAC: the Lc counts the MAC, which follows the data. A
/// PIN change's data (the new PIN block) is enciphered first.
/// The card's transaction (ATC, ARQC) comes from the request's field 55.
pub fn secured_script(
    key: &ScriptKey<'_>,
    f55: &[u8],
    command: &[u8],
    which: ScriptMac,
) -> Result<Vec<u8>, CryptogramError> {
    let (atc, arqc) = atc_and_cryptogram(&parse_tlv(f55))?;
    let (head, data) = match command {
        [h0, h1, h2, h3] => ([*h0, *h1, *h2, *h3], &[][..]),
        [h0, h1, h2, h3, lc, data @ ..] if usize::from(*lc) == data.len() => ([*h0, *h1, *h2, *h3], data),
        _ => return Err(CryptogramError::Missing("a script command (CLA INS P1 P2 [Lc data])")),
    };
    let enciphered;
    let data = if head[1] == crate::instructions::PIN_CHANGE_UNBLOCK && head[3] == PIN_CHANGE_NEW_PIN {
        let sk_smc = session_key(&card_key(key.imk_smc, key.pan, key.psn)?, atc, key.derivation)?;
        enciphered = encipher_script_data(&sk_smc, data)?;
        &enciphered[..]
    } else {
        data
    };
    let lc =
        u8::try_from(data.len() + SCRIPT_MAC_LEN).map_err(|_| CryptogramError::Missing("a short script command"))?;
    let header = [head[0], head[1], head[2], head[3], lc];
    let mut mac = script_mac(key, atc, arqc, header, data)?;
    if which == ScriptMac::Wrong {
        mac[0] ^= 0xFF;
    }
    Ok([&header[..], data, &mac[..]].concat())
}
