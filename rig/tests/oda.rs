//! Offline data authentication of every contact card in fixtures/cards/,
//! checked by an independent verifier (rig/tests/oda/verify_oda.py: its own
//! BER-TLV, Python's RSA and SHA-1) from the card's answers and the
//! published CA public key alone (fixtures/keys/ca/A000000333-E1.toml), as a
//! terminal's kernel would: the issuer key recovered from 90/92/9F32, SDA
//! over the records the AFL marks, the ICC key from 9F46/9F48/9F47, DDA
//! over INTERNAL AUTHENTICATE.

use rig::card::emv_card::{EmvCard, Field};
use rig::config::card::{self, Interface};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

#[path = "oda/refused.rs"]
mod refused;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn exchange(card: &mut EmvCard, apdu: &str) -> (Vec<u8>, String) {
    let answer = card.process(&hex::decode(apdu).expect("a test APDU"));
    let (data, sw) = answer.split_at(answer.len() - 2);
    (data.to_vec(), hex::encode_upper(sw))
}

/// The value of `tag` at the top of a constructed answer (77 / 70 / 6F ...).
fn find(data: &[u8], tag: &str) -> Option<Vec<u8>> {
    let map = rig::emv::parse_tlv(data);
    map.get(tag).cloned()
}

/// Every record the AFL lists, by "SFI:NUMBER", as hex.
fn read_records(card: &mut EmvCard, afl: &[u8], name: &str) -> BTreeMap<String, String> {
    let mut records = BTreeMap::new();
    for entry in afl.chunks(4) {
        let sfi = entry[0] >> 3;
        for n in entry[1]..=entry[2] {
            let (record, sw) = exchange(card, &format!("00B2{n:02X}{:02X}00", (sfi << 3) | 4));
            assert_eq!(sw, "9000", "{name}: READ RECORD {sfi}:{n}");
            records.insert(format!("{sfi}:{n}"), hex::encode_upper(record));
        }
    }
    records
}

/// A contact session up to INTERNAL AUTHENTICATE, as the verifier reads it.
fn session(name: &str, profile: &card::CardProfile) -> serde_json::Value {
    let aid = profile
        .applications
        .first()
        .map(|a| hex::encode_upper(a.aid.bytes()))
        .expect("an application");
    let mut card = EmvCard::new(profile.clone(), Field::Contact);
    let (_, sw) = exchange(&mut card, &format!("00A40400{:02X}{aid}00", aid.len() / 2));
    assert_eq!(sw, "9000", "{name}: SELECT");
    let (gpo, sw) = exchange(&mut card, "80A80000048302015600");
    assert_eq!(sw, "9000", "{name}: GPO");
    let aip = find(&gpo, "82").expect("AIP");
    let afl = find(&gpo, "94").expect("AFL");
    let records = read_records(&mut card, &afl, name);
    let un = "12345678";
    let (internal, sw) = exchange(&mut card, &format!("0088000004{un}00"));
    assert_eq!(sw, "9000", "{name}: INTERNAL AUTHENTICATE");
    let mut session = serde_json::json!({
        "card": name,
        "aip": hex::encode_upper(&aip),
        "afl": hex::encode_upper(&afl),
        "records": records,
        "unpredictable_number": un,
        "internal_authenticate": hex::encode_upper(internal),
    });
    // CDA where the AIP offers it: an ARQC asked for with P1 bit 5 (90).
    if aip[0] & 0x01 != 0 {
        let (answer, sw) = exchange(&mut card, &format!("80AE90001D{CDOL1_DATA}00"));
        assert_eq!(sw, "9000", "{name}: GENERATE AC with CDA");
        session["cda"] = serde_json::json!({
            "pdol_data": "0156",
            "cdol1_data": CDOL1_DATA,
            "generate_ac": hex::encode_upper(answer),
        });
    }
    session
}

/// 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37: 100.00 yuan, China, 2026-11-24, UN 12345678.
const CDOL1_DATA: &str = "0000000100000000000000000156000000000001562611240012345678";

/// A tap on an offline-capable reader (TTQ 26000000) for 100.00 yuan, read
/// as a qPBOC kernel does: the GPO (the card's TC with fDDA), then the records.
fn tap_session(name: &str, profile: &card::CardProfile) -> serde_json::Value {
    let aid = profile
        .applications
        .first()
        .map(|a| hex::encode_upper(a.aid.bytes()))
        .expect("an application");
    let mut card = EmvCard::new(profile.clone(), Field::Contactless);
    let (_, sw) = exchange(&mut card, &format!("00A40400{:02X}{aid}00", aid.len() / 2));
    assert_eq!(sw, "9000", "{name}: SELECT");
    let (gpo, sw) = exchange(&mut card, &format!("80A80000238321{}{CDOL1_DATA}00", "26000000"));
    assert_eq!(sw, "9000", "{name}: GPO");
    assert_eq!(find(&gpo, "9F27"), Some(vec![0x40]), "{name}: an offline TC");
    let aip = find(&gpo, "82").expect("AIP");
    let afl = find(&gpo, "94").expect("AFL");
    let records = read_records(&mut card, &afl, name);
    serde_json::json!({
        "card": name,
        "aip": hex::encode_upper(&aip),
        "afl": hex::encode_upper(&afl),
        "records": records,
        "fdda": {"gpo": hex::encode_upper(gpo), "9F37": "12345678", "9F02": "000000010000", "5F2A": "0156"},
    })
}

/// The verifier's verdict and what it printed.
fn verify(dir: &Path, name: &str, session: &serde_json::Value) -> (bool, String) {
    let file = dir.join(format!("{}.json", name.replace('/', "-")));
    std::fs::write(&file, session.to_string()).expect("the session file");
    let out = Command::new("python3")
        .arg(Path::new(ROOT).join("rig/tests/oda/verify_oda.py"))
        .arg(&file)
        .arg(Path::new(ROOT).join("fixtures/keys/ca/A000000333-E1.toml"))
        .args(refused::revoked_args())
        .output()
        .expect("python3 runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn cards() -> BTreeMap<String, card::CardProfile> {
    card::load_dir(&Path::new(ROOT).join("fixtures/cards")).expect("the card files load")
}

#[test]
fn every_contact_card_passes_sda_and_dda_in_an_independent_verifier() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (mut checked, mut cda) = (0, 0);
    for (name, profile) in &cards() {
        // A blocked card or application answers no GPO: there is nothing
        // to authenticate in a transaction.
        let blocked = profile.behaviour.blocked_card || profile.behaviour.blocked_application;
        if profile.oda.is_none() || blocked || !profile.interfaces.contains(&Interface::Contact) {
            continue;
        }
        // The kernel test set's broken cards: checked by the next test.
        if refused::refusal(name).is_some() {
            continue;
        }
        let (ok, said) = verify(dir.path(), name, &session(name, profile));
        assert!(ok, "{name}: the independent verifier refused it:\n{said}");
        let dda = profile.perso.sda_only || said.contains("DDA verifies");
        assert!(said.contains("SDA verifies") && dda, "{said}");
        if profile.perso.cda {
            assert!(said.contains("CDA verifies"), "{name}: {said}");
            cda += 1;
        }
        checked += 1;
    }
    assert!(cda >= 1, "no card with CDA was checked");
    assert!(checked >= 4, "only {checked} contact cards with keys were checked");
}

#[test]
fn the_independent_verifier_refuses_the_broken_cards_for_their_reason() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let cards = cards();
    for (name, reason) in refused::REFUSED {
        let profile = cards
            .get(*name)
            .unwrap_or_else(|| panic!("{name} is in fixtures/cards"));
        let session = if profile.interfaces.contains(&Interface::Contact) {
            session(name, profile)
        } else {
            tap_session(name, profile)
        };
        let (ok, said) = verify(dir.path(), &name.replace('/', "-"), &session);
        assert!(!ok, "{name}: the independent verifier accepted it:\n{said}");
        assert!(
            said.contains(reason),
            "{name}: refused for another reason than {reason:?}:\n{said}"
        );
    }
}

#[test]
fn every_contactless_card_passes_fdda_when_it_approves_offline() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut checked = 0;
    for (name, profile) in &cards() {
        let blocked = profile.behaviour.blocked_card || profile.behaviour.blocked_application;
        if profile.oda.is_none() || blocked || !profile.interfaces.contains(&Interface::Contactless) {
            continue;
        }
        // Made offline-capable: a balance and room under its limits.
        let mut offline = profile.clone();
        offline.perso.offline_balance = "100.00".parse().expect("yuan");
        offline.perso.lower_offline_limit = 5;
        offline.behaviour.decline_with_aac = false;
        let (ok, said) = verify(dir.path(), name, &tap_session(name, &offline));
        if let Some(reason) = refused::refusal(name) {
            assert!(
                !ok && said.contains(reason),
                "{name}: not refused for {reason:?}:\n{said}"
            );
            continue;
        }
        assert!(ok, "{name}: the independent verifier refused it:\n{said}");
        assert!(
            said.contains("SDA verifies") && said.contains("fDDA verifies"),
            "{said}"
        );
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} contactless cards with keys were checked");
}

#[test]
fn a_changed_record_or_signature_fails_the_verifier() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let cards = cards();
    let profile = &cards["unionpay-debit-chip"];
    let good = session("unionpay-debit-chip", profile);
    // One byte of the signed card data (in the expiry date of record 3:1).
    let mut changed = good.clone();
    let record = changed["records"]["3:1"].as_str().expect("record 3:1").to_string();
    let at = record.find("5F2403").expect("5F24 in the record") + 6;
    let mut bytes = record.into_bytes();
    bytes[at] = if bytes[at] == b'3' { b'4' } else { b'3' };
    changed["records"]["3:1"] = String::from_utf8(bytes).expect("hex").into();
    let (ok, said) = verify(dir.path(), "changed-record", &changed);
    assert!(!ok && said.contains("SDA"), "{said}");
    // Another terminal number than the one the card signed.
    let mut replayed = good;
    replayed["unpredictable_number"] = "87654321".into();
    let (ok, said) = verify(dir.path(), "replayed", &replayed);
    assert!(!ok && said.contains("DDA"), "{said}");
    // CDA over other terminal data than the card's answer covered.
    let mut cda = session("unionpay-credit", &cards["unionpay-credit"]);
    assert!(cda.get("cda").is_some(), "the credit card offers CDA");
    cda["cda"]["pdol_data"] = "0344".into();
    let (ok, said) = verify(dir.path(), "cda-other-data", &cda);
    assert!(!ok && said.contains("CDA: the transaction data hash code"), "{said}");
}

/// Every answer with data of every chip card on each interface it names
/// (SELECT, GPO, each record the AFL lists, GET DATA, GENERATE AC), for an
/// independent strict BER-TLV parser (rig/tests/oda/parse_images.py).
#[test]
fn every_card_image_is_well_formed_to_an_independent_parser() {
    let mut images = serde_json::Map::new();
    for (name, profile) in &cards() {
        for (interface, field) in [
            (Interface::Contact, Field::Contact),
            (Interface::Contactless, Field::Contactless),
        ] {
            if !profile.interfaces.contains(&interface) {
                continue;
            }
            let mut card = EmvCard::new(profile.clone(), field);
            let mut keep = |what: &str, (data, sw): (Vec<u8>, String)| {
                if sw == "9000" && !data.is_empty() {
                    images.insert(format!("{name}/{interface:?}/{what}"), hex::encode_upper(data).into());
                }
            };
            let directory = if field == Field::Contact {
                "315041592E5359532E4444463031"
            } else {
                "325041592E5359532E4444463031"
            };
            keep(
                "select directory",
                exchange(&mut card, &format!("00A404000E{directory}00")),
            );
            for app in &profile.applications {
                let aid = hex::encode_upper(app.aid.bytes());
                keep(
                    &format!("select {aid}"),
                    exchange(&mut card, &format!("00A40400{:02X}{aid}00", aid.len() / 2)),
                );
            }
            let gpo = if field == Field::Contact {
                "80A80000048302015600".to_string()
            } else {
                format!("80A80000238321{}{CDOL1_DATA}00", "26000000")
            };
            let (answer, sw) = exchange(&mut card, &gpo);
            let afl = find(&answer, "94").unwrap_or_default();
            keep("gpo", (answer, sw));
            for entry in afl.chunks(4) {
                let sfi = entry[0] >> 3;
                for n in entry[1]..=entry[2] {
                    keep(
                        &format!("record {sfi}:{n}"),
                        exchange(&mut card, &format!("00B2{n:02X}{:02X}00", (sfi << 3) | 4)),
                    );
                }
            }
            for tag in ["9F36", "9F13", "9F17", "9F4F"] {
                keep(&format!("get data {tag}"), exchange(&mut card, &format!("80CA{tag}00")));
            }
            if field == Field::Contact {
                keep("generate ac", exchange(&mut card, &format!("80AE80001D{CDOL1_DATA}00")));
            }
        }
    }
    assert!(images.len() > 60, "only {} answers", images.len());
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("images.json");
    std::fs::write(&file, serde_json::Value::Object(images).to_string()).expect("the images file");
    let out = Command::new("python3")
        .arg(Path::new(ROOT).join("rig/tests/oda/parse_images.py"))
        .arg(&file)
        .output()
        .expect("python3 runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
}
