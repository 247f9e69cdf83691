//! The terminal's EMV kernel: application selection, GET PROCESSING OPTIONS,
//! records, GENERATE AC (contact) and the qPBOC path (contactless).

use crate::action::{Actions, Ask, IssuerCodes};
use crate::reader::{CardSession, Slot};
use crate::tlv;
pub use crate::tvr::{set_tvr, tvr_bit};
use std::collections::BTreeMap;

/// Candidate AIDs when a card has no PSE (emv.md).
const UNIONPAY_AIDS: [&str; 4] = [
    "A000000333010101",
    "A000000333010102",
    "A000000333010103",
    "A000000333010106",
];

/// What the terminal read and computed during a chip session.
pub struct ChipRead {
    /// Tags from the card and the terminal's own values.
    pub tags: BTreeMap<String, Vec<u8>>,
    pub pan: String,
    pub expiry: String,
    pub psn: String,
    pub track2: String,
    pub label: String,
    /// Why offline data authentication failed, for the log.
    pub oda_failure: Option<String>,
    /// The GPO's PDOL data (CDA's hash covers it).
    pub pdol_data: Vec<u8>,
    /// CDA chosen and the ICC key recovered: the first GENERATE AC asks
    /// for a CDA signature and checks it with this key.
    pub cda_key: Option<(Vec<u8>, Vec<u8>)>,
    /// The ICC public key as DDA or CDA recovered it: what an offline
    /// PIN is enciphered with (Book 2, 7.1).
    pub icc_key: Option<(Vec<u8>, Vec<u8>)>,
    /// qPBOC: fDDA of a TC in the GPO answer, when the card gave one
    /// (Err says why it failed).
    pub fdda: Option<Result<(), String>>,
}

#[derive(Debug)]
pub enum ChipError {
    Removed,
    Blocked,
    NotSupported,
    Declined,
    Failed(String),
}

impl ChipError {
    /// What went wrong, for the log.
    pub fn detail(&self) -> String {
        match self {
            ChipError::Failed(why) => why.clone(),
            other => other.display().to_string(),
        }
    }

    pub fn display(&self) -> &'static str {
        match self {
            ChipError::Removed => "卡片已移除 CARD REMOVED",
            ChipError::Blocked => "卡片/应用已锁 CARD BLOCKED",
            ChipError::NotSupported => "不支持的卡 CARD NOT SUPPORTED",
            ChipError::Declined => "卡片拒绝 DECLINED BY CARD",
            ChipError::Failed(_) => "读卡失败 READ ERROR",
        }
    }
}

fn apdu(cla: u8, ins: u8, p1: u8, p2: u8, data: &[u8]) -> Vec<u8> {
    let mut a = vec![cla, ins, p1, p2];
    if !data.is_empty() {
        a.push(data.len() as u8);
        a.extend_from_slice(data);
    }
    a.push(0x00);
    a
}

fn x(card: &mut CardSession, a: &[u8]) -> Result<(Vec<u8>, [u8; 2]), ChipError> {
    card.transmit(a).map_err(|_| ChipError::Removed)
}

fn digits(bcd: &[u8]) -> String {
    hex::encode_upper(bcd).trim_end_matches('F').to_string()
}

/// Terminal values for DOLs: amount, country, currency, date, type, unpredictable number.
pub fn terminal_values(
    fen: u64,
    date_yymmdd: &str,
    unpredictable: [u8; 4],
    capabilities: [u8; 3],
) -> BTreeMap<String, Vec<u8>> {
    let mut t = BTreeMap::new();
    t.insert("9F02".into(), hex::decode(format!("{fen:012}")).unwrap_or_default());
    t.insert("9F03".into(), vec![0; 6]);
    t.insert("9F1A".into(), vec![0x01, 0x56]);
    t.insert("5F2A".into(), vec![0x01, 0x56]);
    t.insert("95".into(), vec![0; 5]);
    t.insert("9A".into(), hex::decode(date_yymmdd).unwrap_or_default());
    t.insert("9C".into(), vec![0x00]);
    t.insert("9F37".into(), unpredictable.to_vec());
    // Terminal transaction qualifiers: qPBOC, online capable, online PIN supported.
    t.insert("9F66".into(), vec![0x26, 0x00, 0x00, 0x00]);
    // Terminal capabilities (Annex A2), from the parameters: byte 2 the CVMs.
    t.insert("9F33".into(), capabilities.to_vec());
    // Application version number (terminal): PBOC 3.0.
    t.insert("9F09".into(), vec![0x00, 0x30]);
    // Interface device (IFD) serial number: the PIN pad's, 8 characters.
    t.insert("9F1E".into(), b"VTPP0001".to_vec());
    t
}

fn dol_data(dol: &[u8], values: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    for (tag, len) in tlv::dol(dol) {
        let mut v = values.get(&tag).cloned().unwrap_or_default();
        v.resize(len, 0);
        out.extend(v);
    }
    out
}

/// Lists the card's applications, highest priority first.
fn candidates(card: &mut CardSession) -> Result<Vec<(Vec<u8>, String, u8)>, ChipError> {
    let dir_name: &[u8] = if card.slot == Slot::Contact {
        b"1PAY.SYS.DDF01"
    } else {
        b"2PAY.SYS.DDF01"
    };
    let (fci, sw) = x(card, &apdu(0x00, 0xA4, 0x04, 0x00, dir_name))?;
    if sw == [0x6A, 0x81] {
        return Err(ChipError::Blocked);
    }
    let mut apps = Vec::new();
    if sw == [0x90, 0x00] {
        apps = tlv::directory(&fci);
        if card.slot == Slot::Contact {
            let sfi = tlv::parse(&fci).get("88").and_then(|s| s.first().copied()).unwrap_or(1);
            for rec in 1..=10u8 {
                let (data, sw) = x(card, &apdu(0x00, 0xB2, rec, (sfi << 3) | 4, &[]))?;
                if sw != [0x90, 0x00] {
                    break;
                }
                apps.extend(tlv::directory(&data));
            }
        }
    }
    if apps.is_empty() {
        // No directory: try the UnionPay AIDs one by one.
        for aid in UNIONPAY_AIDS {
            let aid = hex::decode(aid).unwrap_or_default();
            let (_, sw) = x(card, &apdu(0x00, 0xA4, 0x04, 0x00, &aid))?;
            if sw == [0x90, 0x00] {
                apps.push((aid, String::new(), 1));
            }
        }
    }
    // This terminal accepts UnionPay applications only (RID A000000333).
    apps.retain(|a| a.0.starts_with(&[0xA0, 0x00, 0x00, 0x03, 0x33]));
    // Application priority indicator (87, Book 3 Annex C): bits 4-1 the
    // priority, 1 highest, 0 none (after every numbered one); bit 8 asks
    // for the cardholder's confirmation.
    apps.sort_by_key(|a| match a.2 & 0x0F {
        0 => 16,
        p => p,
    });
    if apps.is_empty() {
        return Err(ChipError::NotSupported);
    }
    Ok(apps)
}

/// What offline data authentication checks with: the parameters' CA keys
/// and revoked issuer certificates.
pub struct Authorities<'a> {
    pub keys: &'a [crate::oda::CaKey],
    pub revoked: &'a [crate::oda::Revocation],
    /// The broken-kernel image's bug: a failure is not recorded.
    pub ignore_failures: bool,
}

/// Selects, runs GPO, reads the records and (contact) authenticates the
/// card offline. `choose` picks among several applications.
pub fn read(
    card: &mut CardSession,
    terminal: &BTreeMap<String, Vec<u8>>,
    authorities: &Authorities<'_>,
    choose: impl FnOnce(&[(Vec<u8>, String, u8)]) -> Option<usize>,
) -> Result<ChipRead, ChipError> {
    let apps = candidates(card)?;
    // Several applications, or one that wants confirming (Book 3, 12.4):
    // the cardholder chooses.
    let confirm = apps.first().is_some_and(|a| a.2 & CONFIRMATION_REQUIRED != 0);
    let pick = if apps.len() > 1 || confirm {
        choose(&apps).ok_or(ChipError::Failed("no application chosen".into()))?
    } else {
        0
    };
    let (aid, label, _) = apps.get(pick).cloned().ok_or(ChipError::NotSupported)?;
    let (fci, sw) = x(card, &apdu(0x00, 0xA4, 0x04, 0x00, &aid))?;
    if sw == [0x62, 0x83] {
        return Err(ChipError::Blocked);
    }
    if sw != [0x90, 0x00] {
        return Err(ChipError::NotSupported);
    }
    let fci = tlv::parse(&fci);
    let pdol = dol_data(fci.get("9F38").map(Vec::as_slice).unwrap_or_default(), terminal);
    let mut gpo_data = vec![0x83, pdol.len() as u8];
    gpo_data.extend(pdol);
    let (gpo, sw) = x(card, &apdu(0x80, 0xA8, 0x00, 0x00, &gpo_data))?;
    if sw != [0x90, 0x00] {
        return Err(ChipError::Failed(format!("GPO answered {}", hex::encode_upper(sw))));
    }
    let mut tags = terminal.clone();
    tags.extend(tlv::parse(&gpo));
    tags.insert("84".into(), aid.clone());
    let afl = tags.get("94").cloned().unwrap_or_default();
    // What ODA signs: the AFL's first entry[3] records of each entry, the
    // value inside their template 70 (Book 3, 10.3).
    let mut signed_records = Vec::new();
    for entry in afl.chunks_exact(4) {
        let sfi = entry[0] >> 3;
        for rec in entry[1]..=entry[2] {
            match x(card, &apdu(0x00, 0xB2, rec, (sfi << 3) | 4, &[])) {
                Ok((data, [0x90, 0x00])) => {
                    if rec < entry[1].saturating_add(entry[3]) {
                        signed_records.extend(tlv::first_value(&data).unwrap_or_default());
                    }
                    tags.extend(tlv::parse(&data));
                }
                Ok((_, sw)) => {
                    return Err(ChipError::Failed(format!(
                        "READ RECORD answered {}",
                        hex::encode_upper(sw)
                    )));
                }
                // A contactless card may leave once it has given its cryptogram.
                Err(e) if card.slot == Slot::Contactless && tags.contains_key("5A") => return finish(tags, label, e),
                Err(e) => return Err(e),
            }
        }
    }
    // Mandatory data (EMV Book 3, 10.2): without it the transaction ends.
    if card.slot == Slot::Contact {
        let missing: Vec<&str> = MANDATORY.iter().copied().filter(|t| !tags.contains_key(*t)).collect();
        if !missing.is_empty() {
            return Err(ChipError::Failed(format!(
                "mandatory data missing: {}",
                missing.join(" ")
            )));
        }
    }
    let oda = if card.slot == Slot::Contact {
        authenticate(card, &mut tags, &signed_records, authorities)
    } else {
        None
    };
    let mut read = finish(tags, label, ChipError::Removed)?;
    read.pdol_data = gpo_data.get(2..).unwrap_or_default().to_vec();
    if let Some(outcome) = oda {
        read.oda_failure = (!outcome.why.is_empty()).then_some(outcome.why);
        read.cda_key = outcome
            .icc_key
            .clone()
            .filter(|_| outcome.method == Some(crate::oda::Method::Cda));
        read.icc_key = outcome.icc_key;
    }
    // qPBOC: a TC in the GPO answer is an offline approval only once fDDA
    // verifies (crate::qpboc decides what follows).
    let offline_tc = read
        .tags
        .get("9F27")
        .is_some_and(|c| c.first().is_some_and(|c| c & 0xC0 == 0x40));
    if card.slot == Slot::Contactless && offline_tc {
        let verified = crate::oda::verify_fdda(&read.tags, &signed_records, authorities.keys, authorities.revoked);
        read.fdda = Some(match verified {
            Err(_) if authorities.ignore_failures => Ok(()),
            other => other,
        });
    }
    Ok(read)
}

/// Application priority indicator bit 8: not without confirmation.
const CONFIRMATION_REQUIRED: u8 = 0x80;

/// The data objects a contact card must give (Book 3, 10.2): expiry date,
/// PAN, CDOL1, CDOL2.
const MANDATORY: [&str; 4] = ["5F24", "5A", "8C", "8D"];

/// Offline data authentication (crate::oda) and what it puts in the TVR
/// and the TSI (Book 3, 10.3 and Annexes C5, C6).
fn authenticate(
    card: &mut CardSession,
    tags: &mut BTreeMap<String, Vec<u8>>,
    signed_records: &[u8],
    authorities: &Authorities<'_>,
) -> Option<crate::oda::Outcome> {
    let outcome = crate::oda::authenticate(
        tags,
        signed_records,
        authorities.keys,
        authorities.revoked,
        |data| match x(card, &apdu(0x00, 0x88, 0x00, 0x00, data)) {
            Ok((answer, [0x90, 0x00])) => Some(answer),
            _ => None,
        },
    );
    let mut tvr = tags.get("95").cloned().unwrap_or_else(|| vec![0; 5]);
    tvr.resize(5, 0);
    let mut tsi = tags.get("9B").cloned().unwrap_or_else(|| vec![0; 2]);
    tsi.resize(2, 0);
    match outcome.method {
        None => set_tvr(&mut tvr, tvr_bit::ODA_NOT_PERFORMED),
        Some(method) => {
            tsi[0] |= TSI_ODA_PERFORMED;
            if method == crate::oda::Method::Sda {
                set_tvr(&mut tvr, tvr_bit::SDA_SELECTED);
            }
            if outcome.failed && !authorities.ignore_failures {
                set_tvr(
                    &mut tvr,
                    match method {
                        crate::oda::Method::Sda => tvr_bit::SDA_FAILED,
                        crate::oda::Method::Dda => tvr_bit::DDA_FAILED,
                        crate::oda::Method::Cda => tvr_bit::CDA_FAILED,
                    },
                );
            }
            if outcome.data_missing && !authorities.ignore_failures {
                set_tvr(&mut tvr, tvr_bit::ICC_DATA_MISSING);
            }
        }
    }
    tags.insert("95".into(), tvr);
    tags.insert("9B".into(), tsi);
    Some(outcome)
}

/// TSI byte 1 bit 8: offline data authentication was performed (Annex C6).
const TSI_ODA_PERFORMED: u8 = 0x80;

/// The amount keyed after the card was read (a card-first terminal): the
/// value GENERATE AC's CDOL1 and field 55 carry.
pub fn set_amount(read: &mut ChipRead, fen: u64) {
    read.tags
        .insert("9F02".into(), hex::decode(format!("{fen:012}")).unwrap_or_default());
}

/// The TVR says an online PIN was entered.
pub fn note_online_pin(read: &mut ChipRead) {
    if let Some(tvr) = read.tags.get_mut("95") {
        if tvr.len() == 5 {
            set_tvr(tvr, tvr_bit::ONLINE_PIN_ENTERED);
        }
    }
}

fn finish(mut tags: BTreeMap<String, Vec<u8>>, label: String, missing: ChipError) -> Result<ChipRead, ChipError> {
    crate::tvr::restrictions(&mut tags);
    let track2 = tags.get("57").map(|t| digits(t).replace('D', "=")).unwrap_or_default();
    let pan = tags
        .get("5A")
        .map(|p| digits(p))
        .or_else(|| track2.split_once('=').map(|(p, _)| p.to_string()));
    let Some(pan) = pan else { return Err(missing) };
    let expiry = tags
        .get("5F24")
        .map(|e| hex::encode_upper(e)[..4].to_string())
        .unwrap_or_default();
    let psn = tags.get("5F34").map(hex::encode_upper).unwrap_or_else(|| "00".into());
    Ok(ChipRead {
        tags,
        pan,
        expiry,
        psn,
        track2,
        label,
        oda_failure: None,
        pdol_data: Vec::new(),
        cda_key: None,
        icc_key: None,
        fdda: None,
    })
}

/// TSI byte 1 bit 4: terminal risk management was performed (Annex C6).
const TSI_RISK_MANAGEMENT: u8 = 0x08;

/// The card's issuer action code (9F0D, 9F0E, 9F0F), None when absent.
fn issuer_code(read: &ChipRead, tag: &str) -> Option<[u8; 5]> {
    read.tags.get(tag).and_then(|v| <[u8; 5]>::try_from(v.as_slice()).ok())
}

fn issuer_codes(read: &ChipRead) -> IssuerCodes {
    IssuerCodes {
        default: issuer_code(read, "9F0D"),
        denial: issuer_code(read, "9F0E"),
        online: issuer_code(read, "9F0F"),
    }
}

fn tvr_of(read: &ChipRead) -> Vec<u8> {
    let mut tvr = read.tags.get("95").cloned().unwrap_or_else(|| vec![0; 5]);
    tvr.resize(5, 0);
    tvr
}

/// Terminal risk management (floor limit, random selection) and terminal
/// action analysis (crate::action) on what was read; TVR and TSI updated.
fn action_analysis(read: &mut ChipRead, actions: &Actions) -> Ask {
    let fen: u64 = read
        .tags
        .get("9F02")
        .and_then(|a| hex::encode(a).parse().ok())
        .unwrap_or(0);
    let mut tvr = tvr_of(read);
    // The terminal's random number for random selection, 1-99.
    let roll = 1 + crate::app::random_byte() % 99;
    let ask = crate::action::first(&mut tvr, fen, actions, &issuer_codes(read), roll);
    let mut tsi = read.tags.get("9B").cloned().unwrap_or_else(|| vec![0; 2]);
    tsi.resize(2, 0);
    tsi[0] |= TSI_RISK_MANAGEMENT;
    read.tags.insert("95".into(), tvr);
    read.tags.insert("9B".into(), tsi);
    ask
}

/// What the first GENERATE AC came to when the card did not decline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstAc {
    /// An ARQC: the host decides.
    Online,
    /// A TC: approved offline, nothing goes to the host.
    ApprovedOffline,
}

/// First GENERATE AC (contact): what action analysis asks for (an ARQC to
/// go online, a TC to approve offline, an AAC to decline), and what the
/// card gave (it may only go down: a TC asked may come back an ARQC).
pub fn first_ac(card: &mut CardSession, read: &mut ChipRead, actions: &Actions) -> Result<FirstAc, ChipError> {
    crate::risk::velocity(card, &mut read.tags);
    let asked = action_analysis(read, actions);
    let mut p1 = asked.p1();
    // CDA: asked with a cryptogram other than an AAC (Book 2, 6.6).
    let cda = read.cda_key.is_some() && asked != Ask::Aac;
    if cda {
        p1 |= 0x10;
    }
    let cdol1 = read.tags.get("8C").cloned().unwrap_or_default();
    let data = dol_data(&cdol1, &read.tags);
    let (r, sw) = x(card, &apdu(0x80, 0xAE, p1, 0x00, &data))?;
    if sw != [0x90, 0x00] {
        return Err(ChipError::Failed(format!(
            "GENERATE AC answered {}",
            hex::encode_upper(sw)
        )));
    }
    read.tags.extend(tlv::parse(&r));
    let declined = read
        .tags
        .get("9F27")
        .is_some_and(|c| c.first().is_some_and(|c| c & 0xC0 == 0x00));
    if declined {
        return Err(ChipError::Declined);
    }
    if let (true, Some(key)) = (cda, &read.cda_key) {
        let un = read.tags.get("9F37").cloned().unwrap_or_default();
        match crate::oda::verify_cda(key, &tlv::items(&r), &read.pdol_data, &data, &un) {
            // The cryptogram the host checks comes out of the signature.
            Some(ac) => {
                read.tags.insert("9F26".into(), ac);
            }
            // CDA failed with the first GENERATE AC: the terminal declines
            // (Book 2, 6.6.2 as we read it); nothing goes online.
            None => {
                if let Some(tvr) = read.tags.get_mut("95") {
                    set_tvr(tvr, tvr_bit::CDA_FAILED);
                }
                read.oda_failure = Some("CDA: the GENERATE AC signature does not verify".into());
                return Err(ChipError::Declined);
            }
        }
    }
    let tc = read
        .tags
        .get("9F27")
        .is_some_and(|c| c.first().is_some_and(|c| c & 0xC0 == 0x40));
    // A TC only where one was asked: a card cannot raise the terminal's decision.
    Ok(if tc && asked == Ask::Tc {
        FirstAc::ApprovedOffline
    } else {
        FirstAc::Online
    })
}

/// The host could not be reached after an ARQC (Book 3, 10.7): the default
/// action codes decide, and the second GENERATE AC asks for a TC with the
/// authorisation response code Y3 (unable to go online, offline approved)
/// or an AAC with Z3 (... offline declined). True when the card gave a TC.
pub fn unable_to_go_online(card: &mut CardSession, read: &mut ChipRead, actions: &Actions) -> Result<bool, ChipError> {
    let approve = crate::action::unable_to_go_online(&tvr_of(read), actions, &issuer_codes(read)) == Ask::Tc;
    second_ac(card, read, if approve { "Y3" } else { "Z3" }, None, approve)
}

/// Second GENERATE AC with the issuer's answer: true for a TC.
pub fn second_ac(
    card: &mut CardSession,
    read: &mut ChipRead,
    arc: &str,
    issuer_auth: Option<&[u8]>,
    approve: bool,
) -> Result<bool, ChipError> {
    let mut values = read.tags.clone();
    values.insert("8A".into(), arc.as_bytes().to_vec());
    if let Some(iad) = issuer_auth {
        values.insert("91".into(), iad.to_vec());
    }
    let cdol2 = read.tags.get("8D").cloned().unwrap_or_default();
    let data = dol_data(&cdol2, &values);
    let p1 = if approve { 0x40 } else { 0x00 };
    let (r, sw) = x(card, &apdu(0x80, 0xAE, p1, 0x00, &data))?;
    if sw != [0x90, 0x00] {
        return Ok(false);
    }
    let t = tlv::parse(&r);
    // The final cryptogram, its CID and the card's new CVR are what later
    // messages (the script result notice) carry.
    for tag in ["9F26", "9F27", "9F10", "9F36"] {
        if let Some(v) = t.get(tag) {
            read.tags.insert(tag.into(), v.clone());
        }
    }
    Ok(t.get("9F27")
        .is_some_and(|c| c.first().is_some_and(|c| c & 0xC0 == 0x40)))
}

/// Field 55 of the online request (emv.md's mandatory list).
pub fn field55(read: &ChipRead) -> Vec<u8> {
    let mut out = Vec::new();
    for tag in [
        "9F26", "9F27", "9F10", "9F37", "9F36", "95", "9A", "9C", "9F02", "5F2A", "82", "9F1A", "9F03", "9F33",
        // Optional, sent when the kernel has them: the transaction status
        // information and the CVM results.
        "9B", "9F34",
    ] {
        if let Some(v) = read.tags.get(tag) {
            out.extend(tlv::encode(tag, v));
        }
    }
    out
}

/// TSI byte 1 bit 3: script processing was performed (Annex C6).
const TSI_SCRIPT_PROCESSING: u8 = 0x04;

/// Runs the issuer's scripts on the card (Book 3, 10.10): the script
/// results (DF31), one 5-byte entry per script: result (20 = done, 10 =
/// failed) and the script id. A command answered other than 90xx, 62xx or
/// 63xx ends its script as failed, and the TVR says so, before or after the
/// final GENERATE AC; the TSI says scripts were processed.
pub fn run_scripts(
    card: &mut CardSession,
    read: &mut ChipRead,
    scripts: &[tlv::Script],
    before_final: bool,
) -> Vec<u8> {
    let mut results = Vec::new();
    for (_, id, commands) in scripts {
        let ok = commands
            .iter()
            .all(|c| matches!(card.transmit(c), Ok((_, [0x90 | 0x62 | 0x63, _]))));
        let mut tsi = read.tags.get("9B").cloned().unwrap_or_else(|| vec![0; 2]);
        tsi.resize(2, 0);
        tsi[0] |= TSI_SCRIPT_PROCESSING;
        read.tags.insert("9B".into(), tsi);
        if !ok {
            let mut tvr = tvr_of(read);
            set_tvr(
                &mut tvr,
                if before_final {
                    tvr_bit::SCRIPT_FAILED_BEFORE_FINAL_AC
                } else {
                    tvr_bit::SCRIPT_FAILED_AFTER_FINAL_AC
                },
            );
            read.tags.insert("95".into(), tvr);
        }
        results.push(if ok { 0x20 } else { 0x10 });
        let mut id = id.clone();
        id.resize(4, 0);
        results.extend(id);
    }
    results
}

#[cfg(test)]
mod tests {
    //! The kernel's data for the card's cryptogram, against
    //! rig/tests/vectors/emv_vectors.txt (pyemv 1.5.0, PyPI): the CDOL1 data
    //! the kernel gives is the head of the data the ARQC vector is computed over.
    use super::*;
    use crate::vectors::{bytes, emv, tlv as tlv_vectors};

    #[test]
    fn cdol1_data_is_what_the_arqc_vector_is_computed_over() {
        let values = terminal_values(10_000, "261124", [0x12, 0x34, 0x56, 0x78], [0xE0, 0xF8, 0xC8]);
        let cdol1 = crate::tlv::parse(&bytes(tlv_vectors()["record"]))["8C"].clone();
        let data = dol_data(&cdol1, &values);
        // 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37: 29 bytes, then the card adds AIP, ATC and CVR.
        assert_eq!(hex::encode_upper(&data), emv()["arqc_data"][..58]);
    }

    #[test]
    fn a_dol_entry_the_terminal_lacks_is_zero_filled_to_its_length() {
        let data = dol_data(&bytes("9F7C04DF0102"), &BTreeMap::new());
        assert_eq!(data, vec![0; 6]);
    }

    #[test]
    fn field_55_carries_the_mandatory_online_tags_in_tlv() {
        let mut tags = terminal_values(10_000, "261124", [1, 2, 3, 4], [0xE0, 0xF8, 0xC8]);
        for (tag, v) in [
            ("9F26", "F2296AB9717D2AC0"),
            ("9F27", "80"),
            ("9F10", "07010103A0A000"),
            ("9F36", "0001"),
            ("82", "7C00"),
        ] {
            tags.insert(tag.into(), bytes(v));
        }
        let read = ChipRead {
            tags,
            pan: String::new(),
            expiry: String::new(),
            psn: String::new(),
            track2: String::new(),
            label: String::new(),
            oda_failure: None,
            pdol_data: Vec::new(),
            cda_key: None,
            icc_key: None,
            fdda: None,
        };
        let back = crate::tlv::parse(&field55(&read));
        for tag in [
            "9F26", "9F27", "9F10", "9F37", "9F36", "95", "9A", "9C", "9F02", "5F2A", "82", "9F1A", "9F03", "9F33",
        ] {
            assert_eq!(back.get(tag), read.tags.get(tag), "tag {tag}");
        }
    }
}
