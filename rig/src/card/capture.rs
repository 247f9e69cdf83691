//! `rig card capture`: reads a real EMV card through a PC/SC reader and writes
//! a card profile of its public data (PAN masked unless asked for clear).

use crate::devices::DeviceError;
use crate::devices::pcsc_reader::{PcscCard, PcscReader};
use crate::emv::parse_tlv;
use crate::instructions::{CLA_EMV, CLA_ISO, GET_PROCESSING_OPTIONS, GET_RESPONSE, READ_RECORD, SELECT};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(transparent)]
    Reader(#[from] DeviceError),
    #[error("not an EMV payment card: {0}")]
    NotEmv(String),
    #[error("the card stopped answering: {0}")]
    Card(String),
}

fn x(card: &PcscCard, apdu: &[u8]) -> Result<(Vec<u8>, [u8; 2]), CaptureError> {
    let r = card.transmit(apdu)?;
    if r.len() < 2 {
        return Err(CaptureError::Card(format!(
            "{} gave no status word",
            hex::encode_upper(apdu)
        )));
    }
    let (data, sw) = r.split_at(r.len() - 2);
    let sw = [sw[0], sw[1]];
    if sw[0] == 0x61 {
        return x(card, &[CLA_ISO, GET_RESPONSE, 0x00, 0x00, sw[1]]);
    }
    if sw[0] == 0x6C {
        let mut again = apdu.to_vec();
        if let Some(le) = again.last_mut() {
            *le = sw[1];
        }
        return x(card, &again);
    }
    Ok((data.to_vec(), sw))
}

fn select(name: &[u8]) -> Vec<u8> {
    let mut a = vec![CLA_ISO, SELECT, 0x04, 0x00, name.len() as u8];
    a.extend_from_slice(name);
    a.push(0x00);
    a
}

/// Applications (AID, label, priority) from a PSE / PPSE and its records.
fn applications(card: &PcscCard, notes: &mut Vec<String>) -> Result<Vec<(Vec<u8>, String, u8)>, CaptureError> {
    let mut apps = Vec::new();
    for dir in [&b"1PAY.SYS.DDF01"[..], &b"2PAY.SYS.DDF01"[..]] {
        let (fci, sw) = x(card, &select(dir))?;
        notes.push(format!(
            "SELECT {}: {}",
            String::from_utf8_lossy(dir),
            hex::encode_upper(sw)
        ));
        if sw != [0x90, 0x00] {
            continue;
        }
        apps.extend(directory(&fci));
        if let Some(sfi) = parse_tlv(&fci).get("88").and_then(|s| s.first().copied()) {
            for rec in 1..=8u8 {
                let (data, sw) = x(card, &[CLA_ISO, READ_RECORD, rec, (sfi << 3) | 4, 0x00])?;
                if sw != [0x90, 0x00] {
                    break;
                }
                apps.extend(directory(&data));
            }
        }
        if !apps.is_empty() {
            break;
        }
    }
    if apps.is_empty() {
        for aid in ["A000000333010101", "A000000333010102", "A000000333010103"] {
            let (_, sw) = x(card, &select(&hex::decode(aid).unwrap_or_default()))?;
            notes.push(format!("SELECT {aid}: {}", hex::encode_upper(sw)));
            if sw == [0x90, 0x00] {
                apps.push((hex::decode(aid).unwrap_or_default(), String::new(), 1));
            }
        }
    }
    apps.sort_by_key(|a| a.2);
    apps.dedup_by(|a, b| a.0 == b.0);
    Ok(apps)
}

/// Directory entries (61 templates) of an FCI or a record.
fn directory(data: &[u8]) -> Vec<(Vec<u8>, String, u8)> {
    use iso7816_tlv::ber::{Tlv, Value};
    fn walk(tlvs: &[Tlv], out: &mut Vec<(Vec<u8>, String, u8)>) {
        for t in tlvs {
            if let Value::Constructed(inner) = t.value() {
                if t.tag().to_bytes() == [0x61] {
                    let mut v = Vec::new();
                    for i in inner {
                        v.extend(i.to_vec());
                    }
                    let e = parse_tlv(&v);
                    let aid = e.get("4F").cloned().unwrap_or_default();
                    let label =
                        String::from_utf8_lossy(e.get("50").map(Vec::as_slice).unwrap_or_default()).into_owned();
                    let prio = e.get("87").and_then(|p| p.first().copied()).unwrap_or(1) & 0x0F;
                    out.push((aid, label, prio));
                } else {
                    walk(inner, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&Tlv::parse_all(data), &mut out);
    out
}

/// Reads the first application's records (after GPO with a zero-filled PDOL).
fn records(card: &PcscCard, aid: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, CaptureError> {
    let (fci, sw) = x(card, &select(aid))?;
    if sw != [0x90, 0x00] {
        return Err(CaptureError::Card(format!(
            "SELECT {} answered {}",
            hex::encode_upper(aid),
            hex::encode_upper(sw)
        )));
    }
    let pdol = parse_tlv(&fci).get("9F38").cloned().unwrap_or_default();
    let len: usize = crate::card::dol::parse(&pdol)
        .unwrap_or_default()
        .iter()
        .map(|(_, l)| l)
        .sum();
    let mut gpo = vec![
        CLA_EMV,
        GET_PROCESSING_OPTIONS,
        0x00,
        0x00,
        (len + 2) as u8,
        0x83,
        len as u8,
    ];
    gpo.extend(vec![0u8; len]);
    gpo.push(0x00);
    let (resp, sw) = x(card, &gpo)?;
    if sw != [0x90, 0x00] {
        return Err(CaptureError::Card(format!(
            "GET PROCESSING OPTIONS answered {}",
            hex::encode_upper(sw)
        )));
    }
    let mut tags = parse_tlv(&resp);
    let afl = tags.get("94").cloned().unwrap_or_default();
    for entry in afl.chunks_exact(4) {
        for rec in entry[1]..=entry[2] {
            let (data, sw) = x(card, &[CLA_ISO, READ_RECORD, rec, (entry[0] & 0xF8) | 4, 0x00])?;
            if sw == [0x90, 0x00] {
                tags.extend(parse_tlv(&data));
            }
        }
    }
    Ok(tags)
}

/// A TOML string literal.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Captures the card in `reader` and returns a card profile as TOML text.
pub fn capture(reader: &str, clear: bool, wait: Duration) -> Result<String, CaptureError> {
    let pcsc = PcscReader::open(reader)?;
    pcsc.wait_for_card(wait)?;
    let card = pcsc.connect()?;
    let atr = card.atr()?;
    let mut notes = Vec::new();
    let apps = applications(&card, &mut notes)?;
    let Some((aid, _, _)) = apps.first() else {
        return Err(CaptureError::NotEmv(format!(
            "no payment application answered (ATR {}; {})",
            hex::encode_upper(&atr),
            notes.join(", ")
        )));
    };
    let tags = records(&card, aid)?;
    let digits = |t: &str| {
        tags.get(t)
            .map(|v| hex::encode_upper(v).trim_end_matches('F').to_string())
    };
    let track2 = digits("57").unwrap_or_default();
    let (pan_t2, rest) = track2.split_once('D').unwrap_or(("", ""));
    let pan = digits("5A").unwrap_or_else(|| pan_t2.to_string());
    if pan.is_empty() {
        return Err(CaptureError::NotEmv(
            "the application has no PAN (5A) nor track 2 equivalent (57)".into(),
        ));
    }
    let expiry = tags
        .get("5F24")
        .map(|e| hex::encode_upper(e)[..4].to_string())
        .unwrap_or_else(|| rest.get(..4).unwrap_or("").to_string());
    let service_code = rest.get(4..7).unwrap_or("").to_string();
    let discretionary = rest.get(7..).unwrap_or("").to_string();
    let psn = tags.get("5F34").map(hex::encode_upper).unwrap_or_else(|| "00".into());
    let name = tags
        .get("5F20")
        .map(|n| String::from_utf8_lossy(n).trim().to_string())
        .unwrap_or_default();
    let shown_pan = if clear { pan.clone() } else { crate::mask::pan(&pan) };
    let shown_disc = if clear {
        discretionary
    } else {
        "*".repeat(discretionary.len())
    };
    let mut out = format!(
        "# Captured from PC/SC reader {} by `rig card capture`. ATR {}.\n",
        quote(reader),
        hex::encode_upper(&atr)
    );
    if !clear {
        out.push_str("# The PAN and discretionary data are masked: write a test card's own before use.\n");
    }
    out.push_str(&format!(
        "description = {}\npan = {}\npsn = {}\nexpiry = {}\nname = {}\nservice_code = {}\ndiscretionary = {}\ninterfaces = [\"contact\"]\n",
        quote(&format!("captured: {}", apps[0].1)),
        quote(&shown_pan),
        quote(&psn),
        quote(&expiry),
        quote(&name),
        quote(&service_code),
        quote(&shown_disc),
    ));
    for (aid, label, prio) in &apps {
        out.push_str(&format!(
            "\n[[applications]]\naid = {}\nlabel = {}\npriority = {prio}\n",
            quote(&hex::encode_upper(aid)),
            quote(label)
        ));
    }
    out.push_str("\n[issuer]\n# Not on the card: set the test PIN and balance the mock host should use.\npin = \"000000\"\nbalance = \"0.00\"\n");
    Ok(out)
}
