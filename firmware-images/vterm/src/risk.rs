//! Terminal risk management's velocity checking (EMV Book 3, 10.6.3):
//! when the card gives both consecutive offline limits (9F14, 9F23), the
//! kernel reads the ATC (9F36) and the last online ATC (9F13) with GET
//! DATA and marks in the TVR how far the card has gone offline since it
//! last went online, and a new card (9F13 = 0). vterm's own reading.

use crate::reader::CardSession;
use crate::tvr::set_tvr;
use crate::tvr::tvr_bit::{ICC_DATA_MISSING, LOWER_LIMIT_EXCEEDED, NEW_CARD, UPPER_LIMIT_EXCEEDED};
use std::collections::BTreeMap;

/// A two-byte counter by GET DATA, None when the card does not give it.
fn get_counter(card: &mut CardSession, tag: [u8; 2]) -> Option<u16> {
    let (data, sw) = card.transmit(&[0x80, 0xCA, tag[0], tag[1], 0x00]).ok()?;
    if sw != [0x90, 0x00] {
        return None;
    }
    let value = crate::tlv::parse(&data).get(&hex::encode_upper(tag)).cloned()?;
    Some(u16::from_be_bytes(value.try_into().ok()?))
}

/// Velocity checking on `tags` (the card's and the terminal's objects).
pub fn velocity(card: &mut CardSession, tags: &mut BTreeMap<String, Vec<u8>>) {
    let limit = |t: &str| tags.get(t).and_then(|v| v.first().copied());
    let (Some(lower), Some(upper)) = (limit("9F14"), limit("9F23")) else {
        return;
    };
    let atc = get_counter(card, [0x9F, 0x36]);
    let last_online = get_counter(card, [0x9F, 0x13]);
    let mut tvr = tags.get("95").cloned().unwrap_or_else(|| vec![0; 5]);
    tvr.resize(5, 0);
    match (atc, last_online) {
        (Some(atc), Some(last_online)) => {
            let offline = atc.saturating_sub(last_online);
            if offline > u16::from(lower) {
                set_tvr(&mut tvr, LOWER_LIMIT_EXCEEDED);
            }
            if offline > u16::from(upper) {
                set_tvr(&mut tvr, UPPER_LIMIT_EXCEEDED);
            }
            if last_online == 0 {
                set_tvr(&mut tvr, NEW_CARD);
            }
        }
        // Either counter missing: both limits count as exceeded.
        _ => {
            set_tvr(&mut tvr, LOWER_LIMIT_EXCEEDED);
            set_tvr(&mut tvr, UPPER_LIMIT_EXCEEDED);
            set_tvr(&mut tvr, ICC_DATA_MISSING);
        }
    }
    tags.insert("95".into(), tvr);
}
