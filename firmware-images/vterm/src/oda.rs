//! Offline data authentication, the terminal's side (EMV 4.x Book 2, 5 and
//! 6; PBOC 3.0 part 7 takes them over): the issuer key recovered from its
//! certificate with a CA public key of the parameters, then SDA (the signed
//! static data over the records the AFL marks) or DDA (the ICC key from its
//! certificate, then INTERNAL AUTHENTICATE over the DDOL). vterm's own code,
//! apart from rig's card on purpose.

use crate::tlv;
use num_bigint::BigUint;
use serde::Deserialize;
use sha1::{Digest, Sha1};
use std::collections::BTreeMap;

/// A CA public key as a terminal loads it (Book 2, 11.2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaKey {
    pub rid: String,
    pub index: String,
    pub modulus: String,
    pub exponent: String,
}

/// An issuer certificate on the revocation list (Book 2, 5.3 step 10):
/// RID, CA index and the certificate's serial number, hex.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    pub rid: String,
    pub index: String,
    pub serial: String,
}

/// Which authentication the kernel chose (Book 3, 10.3: CDA over DDA over SDA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Sda,
    Dda,
    /// Combined with the GENERATE AC: the certificates are checked now,
    /// the signature in the GENERATE AC's answer (`verify_cda`).
    Cda,
}

/// What offline data authentication came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub method: Option<Method>,
    pub failed: bool,
    /// Data it needed was not on the card (TVR "ICC data missing").
    pub data_missing: bool,
    /// Why it failed, for the log.
    pub why: String,
    /// The ICC public key (modulus, exponent), recovered by DDA or CDA: for
    /// CDA's signature and an enciphered offline PIN.
    pub icc_key: Option<(Vec<u8>, Vec<u8>)>,
}

impl Outcome {
    fn not_performed() -> Outcome {
        Outcome {
            method: None,
            failed: false,
            data_missing: false,
            why: String::new(),
            icc_key: None,
        }
    }
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_default()
}

/// sig^e mod n, as long as n, when it has 6A ... BC around it.
fn recover(signature: &[u8], modulus: &[u8], exponent: &[u8]) -> Option<Vec<u8>> {
    if signature.len() != modulus.len() || modulus.is_empty() {
        return None;
    }
    let m =
        BigUint::from_bytes_be(signature).modpow(&BigUint::from_bytes_be(exponent), &BigUint::from_bytes_be(modulus));
    let bytes = m.to_bytes_be();
    let mut out = vec![0; modulus.len().saturating_sub(bytes.len())];
    out.extend(bytes);
    (out.len() == modulus.len() && out.len() > 22 && out[0] == 0x6A && out[out.len() - 1] == 0xBC).then_some(out)
}

/// The hash in recovered data (before BC) is SHA-1 over its fields and `more`.
fn hash_ok(recovered: &[u8], more: &[&[u8]]) -> bool {
    let n = recovered.len();
    let mut hash = Sha1::new();
    hash.update(&recovered[1..n - 21]);
    for part in more {
        hash.update(part);
    }
    hash.finalize().as_slice() == &recovered[n - 21..n - 1]
}

/// A certificate's MMYY is not before this month (YYMMDD).
fn in_date(mmyy: &[u8], today: &[u8]) -> bool {
    match (mmyy, today) {
        ([mm, yy], [ty, tm, ..]) => (*yy, *mm) >= (*ty, *tm),
        _ => false,
    }
}

struct Failure {
    why: String,
    missing: bool,
}

fn fail(why: &str) -> Failure {
    Failure {
        why: why.into(),
        missing: false,
    }
}

fn need<'a>(tags: &'a BTreeMap<String, Vec<u8>>, tag: &str) -> Result<&'a [u8], Failure> {
    tags.get(tag).map(Vec::as_slice).ok_or(Failure {
        why: format!("no {tag}"),
        missing: true,
    })
}

/// The issuer public key (modulus, exponent): Book 2, 5.3 / 6.3.
fn issuer_key(
    tags: &BTreeMap<String, Vec<u8>>,
    keys: &[CaKey],
    revoked: &[Revocation],
) -> Result<(Vec<u8>, Vec<u8>), Failure> {
    let index = need(tags, "8F")?;
    let certificate = need(tags, "90")?;
    let exponent = need(tags, "9F32")?.to_vec();
    let rid = tags
        .get("84")
        .map(|a| a.iter().take(5).copied().collect::<Vec<u8>>())
        .unwrap_or_default();
    let ca = keys
        .iter()
        .find(|k| h(&k.rid) == rid && h(&k.index) == index)
        .ok_or_else(|| {
            fail(&format!(
                "no CA key {} index {}",
                hex::encode_upper(&rid),
                hex::encode_upper(index)
            ))
        })?;
    let r = recover(certificate, &h(&ca.modulus), &h(&ca.exponent))
        .ok_or_else(|| fail("issuer certificate: not 6A..BC"))?;
    let remainder = tags.get("92").cloned().unwrap_or_default();
    if r[1] != 0x02 || !hash_ok(&r, &[&remainder, &exponent]) {
        return Err(fail("issuer certificate: format or hash"));
    }
    let pan = hex::encode_upper(tags.get("5A").cloned().unwrap_or_default());
    let identifier = hex::encode_upper(&r[2..6]);
    if !pan.starts_with(identifier.trim_end_matches('F')) {
        return Err(fail("issuer identifier is not the PAN's"));
    }
    if !in_date(&r[6..8], tags.get("9A").map(Vec::as_slice).unwrap_or_default()) {
        return Err(fail("issuer certificate expired"));
    }
    let serial = hex::encode_upper(&r[8..11]);
    if revoked
        .iter()
        .any(|v| h(&v.rid) == rid && h(&v.index) == index && v.serial.eq_ignore_ascii_case(&serial))
    {
        return Err(fail("issuer certificate revoked"));
    }
    let length = usize::from(r[13]);
    let mut modulus = r[15..r.len() - 21].to_vec();
    modulus.extend(remainder);
    modulus.truncate(length);
    Ok((modulus, exponent))
}

/// The static data to be authenticated: the signed records, then 9F4A's tags' values.
fn static_data(signed_records: &[u8], tags: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut data = signed_records.to_vec();
    for tag in tlv::tag_list(tags.get("9F4A").map(Vec::as_slice).unwrap_or_default()) {
        data.extend(tags.get(&tag).cloned().unwrap_or_default());
    }
    data
}

/// Runs offline data authentication. `internal_authenticate` sends the
/// DDOL data and returns the card's answer (None when it refused).
pub fn authenticate(
    tags: &BTreeMap<String, Vec<u8>>,
    signed_records: &[u8],
    keys: &[CaKey],
    revoked: &[Revocation],
    internal_authenticate: impl FnOnce(&[u8]) -> Option<Vec<u8>>,
) -> Outcome {
    let aip = tags.get("82").and_then(|a| a.first().copied()).unwrap_or(0);
    let method = if aip & 0x01 != 0 {
        Method::Cda
    } else if aip & 0x20 != 0 {
        Method::Dda
    } else if aip & 0x40 != 0 {
        Method::Sda
    } else {
        return Outcome::not_performed();
    };
    let static_data = static_data(signed_records, tags);
    let result = issuer_key(tags, keys, revoked).and_then(|(n, e)| match method {
        Method::Sda => sda(tags, &static_data, &n, &e).map(|()| None),
        Method::Dda => dda(tags, &static_data, &n, &e, internal_authenticate).map(Some),
        Method::Cda => icc_key(tags, &static_data, &n, &e).map(Some),
    });
    match result {
        Ok(icc_key) => Outcome {
            method: Some(method),
            failed: false,
            data_missing: false,
            why: String::new(),
            icc_key,
        },
        Err(f) => Outcome {
            method: Some(method),
            failed: true,
            data_missing: f.missing,
            why: f.why,
            icc_key: None,
        },
    }
}

/// fDDA of a qPBOC offline approval (PBOC 3.0 part 12; the qVSDC layout):
/// the issuer and ICC keys as for DDA, then the GPO's signed dynamic data
/// (9F4B) over the terminal's 9F37, 9F02, 5F2A and the card's 9F69
/// (version 01). Err says why it failed, for the log.
pub fn verify_fdda(
    tags: &BTreeMap<String, Vec<u8>>,
    signed_records: &[u8],
    keys: &[CaKey],
    revoked: &[Revocation],
) -> Result<(), String> {
    let static_data = static_data(signed_records, tags);
    let check = || -> Result<(), Failure> {
        let (n, e) = issuer_key(tags, keys, revoked)?;
        let (icc_modulus, icc_exponent) = icc_key(tags, &static_data, &n, &e)?;
        let related = need(tags, "9F69")?;
        if related.first() != Some(&0x01) {
            return Err(fail("fDDA: 9F69 is not version 01"));
        }
        let s = recover(need(tags, "9F4B")?, &icc_modulus, &icc_exponent)
            .ok_or_else(|| fail("fDDA signed dynamic data: not 6A..BC"))?;
        let mut terminal = Vec::new();
        for tag in ["9F37", "9F02", "5F2A"] {
            terminal.extend_from_slice(need(tags, tag)?);
        }
        terminal.extend_from_slice(related);
        if s[1] != 0x05 || !hash_ok(&s, &[&terminal]) {
            return Err(fail("fDDA signed dynamic data: format or hash"));
        }
        Ok(())
    };
    check().map_err(|f| f.why)
}

/// CDA's signature in a GENERATE AC answer (Book 2, 6.6.2): recovered with
/// the ICC key, over the unpredictable number; its ICC dynamic data holds
/// the CID (which must be 9F27's), the cryptogram, and the transaction data
/// hash code over the PDOL data, the CDOL data and the answer's objects but
/// 9F4B. Returns the cryptogram.
pub fn verify_cda(
    icc_key: &(Vec<u8>, Vec<u8>),
    answer_objects: &[(String, Vec<u8>)],
    pdol_data: &[u8],
    cdol_data: &[u8],
    unpredictable: &[u8],
) -> Option<Vec<u8>> {
    let sdad = &answer_objects.iter().find(|(t, _)| t == "9F4B")?.1;
    let cid = answer_objects.iter().find(|(t, _)| t == "9F27")?.1.first().copied()?;
    let s = recover(sdad, &icc_key.0, &icc_key.1)?;
    if s[1] != 0x05 || !hash_ok(&s, &[unpredictable]) {
        return None;
    }
    let dynamic = s.get(4..4 + usize::from(s[3]))?;
    let n = usize::from(*dynamic.first()?);
    let signed_cid = *dynamic.get(1 + n)?;
    let ac = dynamic.get(2 + n..10 + n)?;
    let hash_code = dynamic.get(10 + n..30 + n)?;
    let mut hash = Sha1::new();
    hash.update(pdol_data);
    hash.update(cdol_data);
    for (tag, value) in answer_objects.iter().filter(|(t, _)| t != "9F4B") {
        hash.update(tlv::encode(tag, value));
    }
    (signed_cid == cid && hash.finalize().as_slice() == hash_code).then(|| ac.to_vec())
}

fn sda(tags: &BTreeMap<String, Vec<u8>>, static_data: &[u8], n: &[u8], e: &[u8]) -> Result<(), Failure> {
    let r = recover(need(tags, "93")?, n, e).ok_or_else(|| fail("signed static data: not 6A..BC"))?;
    if r[1] != 0x03 || !hash_ok(&r, &[static_data]) {
        return Err(fail("signed static data: format or hash"));
    }
    Ok(())
}

/// The ICC public key from its certificate (Book 2, 6.4).
fn icc_key(
    tags: &BTreeMap<String, Vec<u8>>,
    static_data: &[u8],
    n: &[u8],
    e: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), Failure> {
    let certificate = need(tags, "9F46")?;
    let icc_exponent = need(tags, "9F47")?.to_vec();
    let r = recover(certificate, n, e).ok_or_else(|| fail("ICC certificate: not 6A..BC"))?;
    let remainder = tags.get("9F48").cloned().unwrap_or_default();
    if r[1] != 0x04 || !hash_ok(&r, &[&remainder, &icc_exponent, static_data]) {
        return Err(fail("ICC certificate: format or hash"));
    }
    let pan = hex::encode_upper(tags.get("5A").cloned().unwrap_or_default());
    if hex::encode_upper(&r[2..12]).trim_end_matches('F') != pan.trim_end_matches('F') {
        return Err(fail("ICC certificate: not this PAN's"));
    }
    if !in_date(&r[12..14], tags.get("9A").map(Vec::as_slice).unwrap_or_default()) {
        return Err(fail("ICC certificate expired"));
    }
    let length = usize::from(r[19]);
    let mut icc_modulus = r[21..r.len() - 21].to_vec();
    icc_modulus.extend(remainder);
    icc_modulus.truncate(length);
    Ok((icc_modulus, icc_exponent))
}

fn dda(
    tags: &BTreeMap<String, Vec<u8>>,
    static_data: &[u8],
    n: &[u8],
    e: &[u8],
    internal_authenticate: impl FnOnce(&[u8]) -> Option<Vec<u8>>,
) -> Result<(Vec<u8>, Vec<u8>), Failure> {
    let (icc_modulus, icc_exponent) = icc_key(tags, static_data, n, e)?;
    // The DDOL (the card's, else the default: the unpredictable number).
    let ddol = tags.get("9F49").cloned().unwrap_or_else(|| h("9F3704"));
    let mut ddol_data = Vec::new();
    for (tag, len) in tlv::dol(&ddol) {
        let mut v = tags.get(&tag).cloned().unwrap_or_default();
        v.resize(len, 0);
        ddol_data.extend(v);
    }
    let answer = internal_authenticate(&ddol_data).ok_or_else(|| fail("INTERNAL AUTHENTICATE refused"))?;
    // Format 1 (80: the signature alone) or format 2 (77 with 9F4B).
    let sdad = match answer.first() {
        Some(0x80) => tlv::first_value(&answer).map(<[u8]>::to_vec),
        _ => tlv::parse(&answer).get("9F4B").cloned(),
    }
    .ok_or(Failure {
        why: "no 9F4B".into(),
        missing: true,
    })?;
    let s = recover(&sdad, &icc_modulus, &icc_exponent).ok_or_else(|| fail("signed dynamic data: not 6A..BC"))?;
    if s[1] != 0x05 || !hash_ok(&s, &[&ddol_data]) {
        return Err(fail("signed dynamic data: format or hash"));
    }
    Ok((icc_modulus, icc_exponent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_are_good_through_their_month() {
        // MMYY against today's YYMMDD.
        assert!(in_date(&[0x12, 0x26], &[0x26, 0x12, 0x07]));
        assert!(in_date(&[0x01, 0x27], &[0x26, 0x12, 0x07]));
        assert!(!in_date(&[0x11, 0x26], &[0x26, 0x12, 0x07]));
        assert!(!in_date(&[0x12], &[0x26, 0x12, 0x07]));
    }

    #[test]
    fn a_card_whose_aip_offers_no_oda_is_not_authenticated() {
        let mut tags = BTreeMap::new();
        tags.insert("82".to_string(), vec![0x1C, 0x00]);
        let outcome = authenticate(&tags, &[], &[], &[], |_| None);
        assert_eq!(outcome.method, None);
        // DDA offered, its data absent: failed, ICC data missing.
        tags.insert("82".to_string(), vec![0x7C, 0x00]);
        let outcome = authenticate(&tags, &[], &[], &[], |_| None);
        assert_eq!(
            (outcome.method, outcome.failed, outcome.data_missing),
            (Some(Method::Dda), true, true)
        );
    }

    #[test]
    fn recovery_wants_the_keys_length_and_the_6a_bc_frame() {
        // 1^e mod n = 1: not framed.
        let n = vec![0xFF; 32];
        let mut one = vec![0; 32];
        one[31] = 1;
        assert!(recover(&one, &n, &[3]).is_none());
        assert!(recover(&one[1..], &n, &[3]).is_none());
    }

    #[test]
    fn a_tag_list_and_a_records_value() {
        assert_eq!(
            tlv::tag_list(&[0x82, 0x9F, 0x36]),
            vec!["82".to_string(), "9F36".to_string()]
        );
        assert_eq!(
            tlv::first_value(&[0x70, 0x03, 0x5A, 0x01, 0x62]),
            Some(&[0x5A, 0x01, 0x62][..])
        );
    }
}
