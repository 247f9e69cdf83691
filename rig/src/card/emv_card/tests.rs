//! Sessions APDU by APDU. Cryptograms: rig/tests/vectors/emv_vectors.txt
//! (pyemv 1.5.0): card_arqc, card_arpc, card_tc, card_aac for the card below at ATC 0001.
use super::records::CDOL1;
use super::select::{CPDOL, PPDOL};
use super::*;
use crate::config::card::{Application, Issuer};
use crate::emv;
use std::collections::BTreeMap;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// The committed ODA keys of a card with this PAN: the vectors' AIP (7C00)
/// says SDA and DDA, which the card offers only with keys.
fn oda_keys() -> crate::config::card_pki::CardPki {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/cards/pki/unionpay-debit-chip.toml"
    );
    crate::config::card_pki::CardPki::load(std::path::Path::new(path)).expect("committed key file")
}

fn profile(kind: CardKind) -> CardProfile {
    CardProfile {
        oda: Some(oda_keys()),
        description: "test".into(),
        kind,
        pan: "6222021234567890128".parse().unwrap(),
        psn: "01".parse().unwrap(),
        expiry: "2912".parse().unwrap(),
        name: "ZHANG/SAN".into(),
        service_code: "220".into(),
        discretionary: "1234".into(),
        applications: vec![
            Application {
                aid: "A000000333010102".parse().unwrap(),
                label: "UnionPay Credit".into(),
                priority: 2,
            },
            Application {
                aid: "A000000333010101".parse().unwrap(),
                label: "UnionPay Debit".into(),
                priority: 1,
            },
        ],
        atc: 1,
        behaviour: crate::config::card::Behaviour {
            online_pin_required: true,
            ..Default::default()
        },
        issuer: Issuer {
            pin: "123456".into(),
            balance: "100.00".parse().unwrap(),
            pin_tries: 3,
            imk: Some("0123456789ABCDEFFEDCBA9876543210".parse().unwrap()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn x(card: &mut EmvCard, apdu: &str) -> (BTreeMap<String, Vec<u8>>, String) {
    let r = card.process(&h(apdu));
    let (data, sw) = r.split_at(r.len() - 2);
    (emv::parse_tlv(data), hex::encode_upper(sw))
}

/// 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 of the vector.
const CDOL1_DATA: &str = "0000000100000000000000000156000000000001562611240012345678";
/// The same after the online step: TVR 0000008000 (online PIN), a new unpredictable number.
const CDOL2_DATA: &str = "0000000100000000000000000156000000800001562611240087654321";

#[test]
fn contact_session_from_pse_to_tc() {
    let mut card = EmvCard::new(profile(CardKind::Card), Field::Contact);
    let (fci, sw) = x(&mut card, "00A404000E315041592E5359532E444446303100");
    assert_eq!((sw.as_str(), fci.get("88").cloned()), ("9000", Some(vec![1])));
    let dir = hex::encode_upper(card.process(&h("00B2010C00")));
    let (debit, credit) = (dir.find("4F08A000000333010101"), dir.find("4F08A000000333010102"));
    assert!(debit.is_some() && credit.is_some(), "both applications listed: {dir}");
    assert!(debit < credit, "debit (priority 1) first");
    let (fci, sw) = x(&mut card, "00A4040008A00000033301010100");
    assert_eq!(sw, "9000");
    assert_eq!(fci.get("9F38"), Some(&h(CPDOL)));
    let (gpo, sw) = x(&mut card, "80A80000048302015600");
    assert_eq!(
        (sw.as_str(), gpo.get("82"), gpo.get("94")),
        // SDA and DDA: both records signed, then the certificates' file (SFI 4).
        ("9000", Some(&h("7C00")), Some(&h("100101011801020220010300")))
    );
    let (rec, _) = x(&mut card, "00B2011400");
    assert_eq!(rec.get("57"), Some(&h("6222021234567890128D29122201234F")));
    let (rec, _) = x(&mut card, "00B2011C00");
    assert_eq!(
        (rec.get("5A"), rec.get("5F34")),
        (Some(&h("6222021234567890128F")), Some(&h("01")))
    );
    let (risk, _) = x(&mut card, "00B2021C00");
    assert_eq!(risk.get("8C"), Some(&h(CDOL1)));
    assert_eq!(risk.get("8E"), Some(&h("000000000000000042031F00")));
    assert_eq!(
        (risk.get("9F08"), risk.get("9F42"), risk.get("9F0E")),
        (Some(&h("0030")), Some(&h("0156")), Some(&h("0010000000")))
    );
    let (ptc, _) = x(&mut card, "80CA9F1700");
    assert_eq!(ptc.get("9F17"), Some(&vec![3]));
    let (ac1, sw) = x(&mut card, &format!("80AE80001D{}00", CDOL1_DATA));
    assert_eq!(sw, "9000");
    assert_eq!(ac1.get("9F27"), Some(&vec![0x80]), "ARQC");
    assert_eq!(ac1.get("9F36"), Some(&vec![0, 1]));
    assert_eq!(hex::encode_upper(&ac1["9F26"]), "62F43F6045B2FEE5", "card_arqc");
    assert_eq!(
        hex::encode_upper(&ac1["9F10"]),
        "07010103A01000010A01000000000000000000",
        "PBOC IAD: the CVR says ARQC, second AC not asked, a new card"
    );
    let (_, sw) = x(&mut card, "008200000A229904F1D0D56B513030");
    assert_eq!(sw, "9000", "ARPC verifies");
    // CDOL2: 91 (ARPC || ARC), 8A, then the terminal data as it is now.
    let (ac2, sw) = x(&mut card, &format!("80AE400029229904F1D0D56B5130303030{CDOL2_DATA}00"));
    assert_eq!(
        (sw.as_str(), ac2.get("9F27")),
        ("9000", Some(&vec![0x40])),
        "TC after an approved, authenticated online answer"
    );
    assert_eq!(ac2.get("9F36"), Some(&vec![0, 1]), "the second AC does not count");
    assert_eq!(
        hex::encode_upper(&ac2["9F26"]),
        "557219F92C858D88",
        "card_tc of the vectors"
    );
    // The approved transaction is in the log (SFI 11, newest first), laid
    // out as 9F4F says: date, time, amount, other amount, country,
    // currency, merchant name, type, ATC.
    let (format, _) = x(&mut card, "80CA9F4F00");
    assert_eq!(format.get("9F4F"), Some(&h(super::log::LOG_FORMAT)));
    let r = card.process(&h("00B2015C00"));
    let expected = format!("261124000000000000010000000000000000015601560{}000001", "0".repeat(39));
    assert_eq!(hex::encode_upper(&r[..r.len() - 2]), expected);
    assert_eq!(hex::encode_upper(&r[r.len() - 2..]), "9000");
    assert_eq!(x(&mut card, "00B2025C00").1, "6A83", "one transaction, one record");
}

#[test]
fn the_log_is_where_the_fci_says_and_outlasts_the_presentation() {
    let profile = profile(CardKind::Card);
    let memory = personalised(&profile);
    let mut card = EmvCard::with_memory(profile.clone(), Field::Contact, memory.clone());
    assert_eq!(x(&mut card, "00B2015C00").1, "6985", "nothing selected");
    let (fci, _) = x(&mut card, "00A4040008A00000033301010100");
    assert_eq!(fci.get("9F4D"), Some(&vec![11, 10]), "SFI 11, 10 records");
    assert_eq!(x(&mut card, "00B2015C00").1, "6A83", "empty");
    memory.get().log.push(vec![1, 2, 3]);
    let mut again = EmvCard::with_memory(profile, Field::Contact, memory);
    x(&mut again, "00A4040008A00000033301010100");
    assert_eq!(again.process(&h("00B2015C00")), vec![1, 2, 3, 0x90, 0x00]);
}

#[test]
fn a_wrong_arpc_or_a_decline_gets_an_aac() {
    let mut card = EmvCard::new(profile(CardKind::Card), Field::Contact);
    for apdu in ["00A4040008A00000033301010100", "80A80000048302015600"] {
        card.process(&h(apdu));
    }
    x(&mut card, &format!("80AE80001D{}00", CDOL1_DATA));
    let (_, sw) = x(&mut card, "008200000A00000000000000003030");
    assert_eq!(sw, "6300");
    let (ac2, _) = x(&mut card, &format!("80AE400029000000000000000030303030{CDOL2_DATA}00"));
    assert_eq!(ac2.get("9F27"), Some(&vec![0x00]), "AAC");
    assert_eq!(
        hex::encode_upper(&ac2["9F26"]),
        "F8DFB2B15DF5F704",
        "card_aac of the vectors"
    );
}

/// TTQ 26000000, then the same terminal data as CDOL1_DATA.
const PDOL_DATA: &str = "260000000000000100000000000000000156000000000001562611240012345678";

#[test]
fn contactless_session_returns_the_arqc_in_the_gpo() {
    let mut card = EmvCard::new(profile(CardKind::Card), Field::Contactless);
    let fci = hex::encode_upper(card.process(&h("00A404000E325041592E5359532E444446303100")));
    assert!(fci.ends_with("9000"));
    assert!(
        fci.contains("BF0C") && fci.contains("4F08A000000333010101"),
        "the directory is in the FCI: {fci}"
    );
    let (fci, _) = x(&mut card, "00A4040008A00000033301010100");
    assert_eq!(fci.get("9F38"), Some(&h(PPDOL)));
    let pdol = PDOL_DATA;
    let (gpo, sw) = x(&mut card, &format!("80A80000238321{pdol}00"));
    assert_eq!(sw, "9000");
    assert_eq!(
        hex::encode_upper(&gpo["9F26"]),
        "62F43F6045B2FEE5",
        "same cryptogram as contact at ATC 1"
    );
    assert_eq!(gpo.get("9F6C"), Some(&vec![0x80, 0x00]), "online PIN required");
    let (rec, sw) = x(&mut card, "00B2011C00");
    assert_eq!((sw.as_str(), rec.get("5F24")), ("9000", Some(&h("291231"))));
}

#[test]
fn a_phone_reports_device_verification_instead_of_asking_for_a_pin() {
    let mut card = EmvCard::new(profile(CardKind::Phone), Field::Contactless);
    card.process(&h("00A4040008A00000033301010100"));
    let (gpo, _) = x(&mut card, &format!("80A80000238321{PDOL_DATA}00"));
    assert_eq!(gpo.get("9F6C"), Some(&vec![0x00, 0x80]));
}

#[test]
fn behaviours_block_decline_and_tear() {
    let mut p = profile(CardKind::Card);
    p.behaviour.blocked_application = true;
    assert_eq!(
        x(
            &mut EmvCard::new(p.clone(), Field::Contact),
            "00A4040008A00000033301010100"
        )
        .1,
        "6283"
    );
    p.behaviour.blocked_application = false;
    p.behaviour.blocked_card = true;
    assert_eq!(
        x(
            &mut EmvCard::new(p.clone(), Field::Contact),
            "00A404000E315041592E5359532E444446303100"
        )
        .1,
        "6A81"
    );
    p.behaviour.blocked_card = false;
    p.behaviour.decline_with_aac = true;
    p.behaviour.torn_after_gpo = true;
    let behaviour = p.behaviour.clone();
    let mut card = crate::card::faults::as_behaves(EmvCard::new(p, Field::Contactless), &behaviour);
    card.transmit(&h("00A4040008A00000033301010100"));
    let gpo = card.transmit(&h(&format!("80A80000238321{PDOL_DATA}00")));
    let (data, _) = gpo.split_at(gpo.len() - 2);
    assert_eq!(emv::parse_tlv(data).get("9F27"), Some(&vec![0x00]), "AAC in the GPO");
    assert!(!card.present(), "torn away after the GPO");
    assert!(card.transmit(&h("00B2011C00")).ends_with(&[0x90, 0x00]));
    assert_eq!(card.transmit(&h("00C0000000")), h("6D00"));
    assert_eq!(card.transmit(&h("A0A4040000")), h("6E00"));
}

/// The (state, command) table: commands out of turn answer 6985.
#[test]
fn commands_out_of_turn_are_refused() {
    let mut card = EmvCard::new(profile(CardKind::Card), Field::Contact);
    assert_eq!(x(&mut card, "80A80000048302015600").1, "6985", "GPO before a selection");
    assert_eq!(
        x(&mut card, &format!("80AE80001D{CDOL1_DATA}00")).1,
        "6985",
        "GENERATE AC before GPO"
    );
    assert_eq!(
        x(&mut card, "008200000A00000000000000003030").1,
        "6985",
        "no ARQC to authenticate"
    );
    assert_eq!(
        x(&mut card, "841E000004AABBCCDD").1,
        "6985",
        "a script outside the online step"
    );
    x(&mut card, "00A4040008A00000033301010100");
    x(&mut card, "80A80000048302015600");
    let (ac1, _) = x(&mut card, &format!("80AE00001D{CDOL1_DATA}00"));
    assert_eq!(ac1.get("9F27"), Some(&vec![0x00]), "an AAC asked for is an AAC");
    assert_eq!(card.state().phase(), Phase::Completed);
    assert_eq!(
        x(&mut card, &format!("80AE400029000000000000000030303030{CDOL2_DATA}00")).1,
        "6985",
        "no second GENERATE AC after an AAC (Book 3, 9.3)"
    );
    card.power_on();
    assert_eq!(card.state(), &State::Idle, "session state resets at power-on");
}

/// Memory lasts across presentations: the ATC goes on, scripts' effects stay.
#[test]
fn the_atc_goes_on_and_script_effects_stay_across_presentations() {
    let p = profile(CardKind::Card);
    let memory = personalised(&p);
    for expected_atc in [1u16, 2] {
        let mut card = EmvCard::with_memory(p.clone(), Field::Contact, memory.clone());
        x(&mut card, "00A4040008A00000033301010100");
        x(&mut card, "80A80000048302015600");
        let (ac1, _) = x(&mut card, &format!("80AE80001D{CDOL1_DATA}00"));
        assert_eq!(ac1.get("9F36"), Some(&expected_atc.to_be_bytes().to_vec()));
        let put = secured(&ac1, "84DA9F4F0401020304", emv::ScriptMac::Right);
        assert_eq!(x(&mut card, &put).1, "9000", "PUT DATA");
        let block = secured(&ac1, "841E0000", emv::ScriptMac::Right);
        assert_eq!(x(&mut card, &block).1, "9000", "APPLICATION BLOCK");
        if expected_atc == 1 {
            let unblock = secured(&ac1, "84180000", emv::ScriptMac::Right);
            assert_eq!(x(&mut card, &unblock).1, "9000", "APPLICATION UNBLOCK");
        }
    }
    let mut card = EmvCard::with_memory(p.clone(), Field::Contact, memory.clone());
    let (data, sw) = x(&mut card, "80CA9F4F00");
    assert_eq!(
        (data.get("9F4F"), sw.as_str()),
        (Some(&h("01020304")), "9000"),
        "PUT DATA kept"
    );
    assert_eq!(
        x(&mut card, "00A4040008A00000033301010100").1,
        "6283",
        "blocked by the script"
    );
    memory.get().lifecycle = crate::card::memory::Lifecycle::CardBlocked;
    let mut card = EmvCard::with_memory(p, Field::Contact, memory);
    assert_eq!(x(&mut card, "00A404000E315041592E5359532E444446303100").1, "6A81");
}

#[test]
fn internal_authenticate_comes_after_gpo_and_checks_its_parameters() {
    let mut card = EmvCard::new(profile(CardKind::Card), Field::Contact);
    x(&mut card, "00A4040008A00000033301010100");
    assert_eq!(x(&mut card, "008800000412345678").1, "6985", "before GPO");
    x(&mut card, "80A80000048302015600");
    assert_eq!(x(&mut card, "008801000412345678").1, "6A86", "P1 other than 00");
    assert_eq!(x(&mut card, "0088000003123456").1, "6700", "not the DDOL's 4 bytes");
    let (answer, sw) = x(&mut card, "008800000412345678");
    assert_eq!(sw, "9000");
    assert_eq!(
        answer.get("9F4B").map(Vec::len),
        Some(128),
        "signed with the 1024-bit ICC key"
    );
    // Without keys there is no DDA at all.
    let mut plain = EmvCard::new(
        CardProfile {
            oda: None,
            ..profile(CardKind::Card)
        },
        Field::Contact,
    );
    x(&mut plain, "00A4040008A00000033301010100");
    let (gpo, _) = x(&mut plain, "80A80000048302015600");
    assert_eq!(gpo.get("82"), Some(&h("1C00")), "no SDA, no DDA");
    assert_eq!(x(&mut plain, "008800000412345678").1, "6D00");
}

#[test]
fn offline_pin_plaintext_counts_tries_that_outlast_the_presentation() {
    let profile = profile(CardKind::Card);
    let memory = personalised(&profile);
    let start = |memory: &SharedMemory| {
        let mut card = EmvCard::with_memory(profile.clone(), Field::Contact, memory.clone());
        x(&mut card, "00A4040008A00000033301010100");
        x(&mut card, "80A80000048302015600");
        card
    };
    let mut card = start(&memory);
    assert_eq!(x(&mut card, "002000800726123456FFFFFF").1, "6700", "not 8 bytes");
    assert_eq!(x(&mut card, "0020008008261234FFFFFFFFFF").1, "6A80", "not a PIN block");
    assert_eq!(
        x(&mut card, "002000800826654321FFFFFFFF").1,
        "63C2",
        "wrong PIN, 2 left"
    );
    assert_eq!(x(&mut card, "002000800826123456FFFFFFFF").1, "9000", "right PIN");
    assert_eq!(
        x(&mut card, "80CA9F1700").0.get("9F17"),
        Some(&vec![3]),
        "reset to the limit"
    );
    assert_eq!(x(&mut card, "002000800826654321FFFFFFFF").1, "63C2");
    // Taken out and in again: the tries used stay used.
    let mut card = start(&memory);
    assert_eq!(x(&mut card, "002000800826654321FFFFFFFF").1, "63C1");
    assert_eq!(x(&mut card, "002000800826654321FFFFFFFF").1, "63C0");
    assert_eq!(
        x(&mut card, "002000800826123456FFFFFFFF").1,
        "6983",
        "blocked, even for the right PIN"
    );
    assert_eq!(
        x(&mut card, "002000820826123456FFFFFFFF").1,
        "6A86",
        "P2 neither 80 nor 88"
    );
}

#[test]
fn offline_pin_enciphered_with_the_icc_key_needs_the_cards_challenge() {
    use num_bigint::BigUint;
    let profile = profile(CardKind::Card);
    let keys = profile.oda.clone().expect("keys");
    let mut card = EmvCard::new(profile, Field::Contact);
    assert_eq!(x(&mut card, "0084000000").1, "6985", "before GPO");
    x(&mut card, "00A4040008A00000033301010100");
    x(&mut card, "80A80000048302015600");
    // The terminal's side (Book 2, 7.1): 7F || PIN block || challenge ||
    // padding, enciphered with the ICC public key.
    let encipher = |challenge: &[u8], pin_block: &str| {
        let mut plain = vec![0x7F];
        plain.extend(h(pin_block));
        plain.extend_from_slice(challenge);
        plain.resize(keys.icc.modulus.0.len(), 0x55);
        let n = BigUint::from_bytes_be(&keys.icc.modulus.0);
        let c = BigUint::from_bytes_be(&plain).modpow(&BigUint::from_bytes_be(&keys.icc.exponent.0), &n);
        let mut out = c.to_bytes_be();
        while out.len() < keys.icc.modulus.0.len() {
            out.insert(0, 0);
        }
        hex::encode_upper(out)
    };
    let verify = |data: &str| format!("00200088{:02X}{data}", data.len() / 2);
    let r = card.process(&h("0084000000"));
    assert_eq!(&r[r.len() - 2..], &[0x90, 0x00]);
    let challenge = r[..8].to_vec();
    assert_eq!(
        x(&mut card, &verify(&encipher(&challenge, "26123456FFFFFFFF"))).1,
        "9000"
    );
    // The challenge served once: the same cryptogram again is refused.
    assert_eq!(
        x(&mut card, &verify(&encipher(&challenge, "26123456FFFFFFFF"))).1,
        "6985"
    );
    let r = card.process(&h("0084000000"));
    let challenge = r[..8].to_vec();
    assert_eq!(
        x(&mut card, &verify(&encipher(&[0; 8], "26123456FFFFFFFF"))).1,
        "6A80",
        "another challenge"
    );
    let r = card.process(&h("0084000000"));
    let fresh = r[..8].to_vec();
    assert_ne!(fresh, challenge);
    assert_eq!(x(&mut card, &verify(&encipher(&fresh, "26654321FFFFFFFF"))).1, "63C2");
}

#[test]
fn select_next_occurrence_walks_the_applications_of_a_partial_aid() {
    let mut card = EmvCard::new(profile(CardKind::Card), Field::Contact);
    // A000000333 names both: debit (priority 1) first, then credit.
    let (fci, sw) = x(&mut card, "00A4040005A00000033300");
    assert_eq!((sw.as_str(), fci.get("84")), ("9000", Some(&h("A000000333010101"))));
    let (fci, sw) = x(&mut card, "00A4040205A00000033300");
    assert_eq!((sw.as_str(), fci.get("84")), ("9000", Some(&h("A000000333010102"))));
    assert_eq!(x(&mut card, "00A4040205A00000033300").1, "6A82", "no third");
    assert_eq!(x(&mut card, "00A4040C05A00000033300").1, "6A86", "P2 neither 00 nor 02");
}

/// A contact card up to its first GENERATE AC asking for `p1`'s type.
fn first_ac(card: &mut EmvCard, p1: &str) -> BTreeMap<String, Vec<u8>> {
    x(card, "00A4040008A00000033301010100");
    x(card, "80A80000048302015600");
    let (ac, sw) = x(card, &format!("80AE{p1}001D{CDOL1_DATA}00"));
    assert_eq!(sw, "9000");
    ac
}

/// The CVR (bytes 4-7 of 9F10) of an answer.
fn cvr(answer: &BTreeMap<String, Vec<u8>>) -> String {
    hex::encode_upper(&answer["9F10"][3..7])
}

#[test]
fn card_risk_management_decides_the_first_cryptogram() {
    let mut p = profile(CardKind::Card);
    p.perso.lower_offline_limit = 2;
    let memory = personalised(&p);
    // A new card asked for a TC goes online.
    let ac = first_ac(
        &mut EmvCard::with_memory(p.clone(), Field::Contact, memory.clone()),
        "40",
    );
    assert_eq!((ac["9F27"][0], cvr(&ac)), (0x80, "03A01000".into()), "ARQC, new card");
    // Once online (last online ATC 1), two offline TCs, then the lower limit.
    memory.get().last_online_atc = 1;
    for (atc, cid, cvr_bytes) in [(2u16, 0x40, "03900000"), (3, 0x40, "03900000"), (4, 0x80, "03A02000")] {
        let ac = first_ac(
            &mut EmvCard::with_memory(p.clone(), Field::Contact, memory.clone()),
            "40",
        );
        assert_eq!(ac["9F36"], atc.to_be_bytes().to_vec());
        assert_eq!((ac["9F27"][0], cvr(&ac)), (cid, cvr_bytes.into()), "ATC {atc}");
    }
    assert_eq!(memory.get().log.len(), 2, "the offline TCs are logged");
    // Never more than asked: an ARQC asked is an ARQC, an AAC an AAC.
    let ac = first_ac(
        &mut EmvCard::with_memory(p.clone(), Field::Contact, memory.clone()),
        "00",
    );
    assert_eq!(ac["9F27"][0], 0x00);
    assert_eq!(
        x(&mut EmvCard::with_memory(p, Field::Contact, memory), "80AEC000").1,
        "6985",
        "no GENERATE AC before GPO; RFU type checked after"
    );
}

#[test]
fn an_rfu_cryptogram_type_or_a_short_gpo_is_refused() {
    let mut card = EmvCard::new(profile(CardKind::Card), Field::Contact);
    x(&mut card, "00A4040008A00000033301010100");
    assert_eq!(
        x(&mut card, "80A8000003830100").1,
        "6700",
        "PDOL data shorter than the PDOL"
    );
    assert_eq!(
        x(&mut card, "80A80000058303015600").1,
        "6700",
        "L not the data's length"
    );
    x(&mut card, "80A80000048302015600");
    assert_eq!(x(&mut card, &format!("80AEC0001D{CDOL1_DATA}00")).1, "6A86");
    assert_eq!(x(&mut card, "80AE80000400000000").1, "6700", "not CDOL1's length");
}

#[test]
fn cda_signs_the_cryptogram_instead_of_showing_it() {
    use num_bigint::BigUint;
    let mut p = profile(CardKind::Card);
    p.perso.cda = true;
    let cda_card = p.clone();
    let mut card = EmvCard::new(p.clone(), Field::Contact);
    x(&mut card, "00A4040008A00000033301010100");
    let (gpo, _) = x(&mut card, "80A80000048302015600");
    assert_eq!(gpo.get("82"), Some(&h("7D00")), "CDA in the AIP");
    let (ac, sw) = x(&mut card, &format!("80AE90001D{CDOL1_DATA}00"));
    assert_eq!(sw, "9000");
    assert!(!ac.contains_key("9F26"), "the cryptogram is inside 9F4B");
    let keys = p.oda.as_ref().unwrap();
    let n = BigUint::from_bytes_be(&keys.icc.modulus.0);
    let recovered = BigUint::from_bytes_be(&ac["9F4B"])
        .modpow(&BigUint::from(3u8), &n)
        .to_bytes_be();
    // 6A 05 01 LDD | 08 number(8) | CID | AC(8) | hash code(20) ...
    assert_eq!(&recovered[..4], &[0x6A, 0x05, 0x01, 38]);
    assert_eq!(recovered[13], 0x80, "the CID signed");
    // Not asked for CDA (P1 80), the card gives the same ARQC in clear.
    let plain = first_ac(&mut EmvCard::new(p, Field::Contact), "80");
    assert_eq!(&recovered[14..22], &plain["9F26"][..]);
    // An AAC is never signed.
    let mut card = EmvCard::new(cda_card, Field::Contact);
    x(&mut card, "00A4040008A00000033301010100");
    x(&mut card, "80A80000048302015600");
    let (aac, _) = x(&mut card, &format!("80AE10001D{CDOL1_DATA}00"));
    assert!(aac.contains_key("9F26") && !aac.contains_key("9F4B"));
}

/// A tap with this TTQ for 100.00 yuan.
fn tap(p: &CardProfile, memory: &SharedMemory, ttq: &str) -> BTreeMap<String, Vec<u8>> {
    let mut card = EmvCard::with_memory(p.clone(), Field::Contactless, memory.clone());
    x(&mut card, "00A4040008A00000033301010100");
    let (gpo, sw) = x(&mut card, &format!("80A80000238321{ttq}{}00", &PDOL_DATA[8..]));
    assert_eq!(sw, "9000");
    gpo
}

#[test]
fn qpboc_follows_the_ttq_and_the_cards_offline_balance() {
    let mut p = profile(CardKind::Card);
    p.perso.offline_balance = "150.00".parse().unwrap();
    p.perso.lower_offline_limit = 5;
    let memory = personalised(&p);
    // Online cryptogram required: an ARQC, online PIN as the reader takes it.
    let gpo = tap(&p, &memory, "26800000");
    assert_eq!((gpo["9F27"][0], gpo["9F6C"].clone()), (0x80, vec![0x80, 0x00]));
    assert!(!gpo.contains_key("9F4B"));
    // An offline-capable reader: a TC with fDDA, the balance spent.
    let gpo = tap(&p, &memory, "26000000");
    assert_eq!(gpo["9F27"][0], 0x40, "{}", cvr(&gpo));
    assert_eq!(gpo["9F6C"], vec![0x20, 0x00], "go online if fDDA fails");
    assert_eq!(gpo["9F69"][0], 0x01, "fDDA version 01");
    assert_eq!(&gpo["9F69"][5..], &gpo["9F6C"][..]);
    assert_eq!(gpo["9F4B"].len(), 128);
    assert_eq!(memory.get().offline_balance, 5000);
    assert_eq!(&gpo["9F10"][10..15], &h("0000005000"), "the balance in the IAD");
    // Not enough left: online, or a decline on an offline-only reader.
    assert_eq!(tap(&p, &memory, "26000000")["9F27"][0], 0x80);
    assert_eq!(tap(&p, &memory, "2E000000")["9F27"][0], 0x00);
    // CVM required, no PIN wanted: signature.
    p.behaviour.online_pin_required = false;
    assert_eq!(tap(&p, &memory, "26C00000")["9F6C"], vec![0x40, 0x00]);
}

/// The script commands of the test's transaction with their MAC (the
/// issuer's side, `emv::secured_script`; its MACs match pyemv's in emv.rs).
fn secured(ac1: &BTreeMap<String, Vec<u8>>, command: &str, which: emv::ScriptMac) -> String {
    let key = emv::ScriptKey {
        imk_smi: &h("0123456789ABCDEFFEDCBA9876543210"),
        imk_smc: &h("0123456789ABCDEFFEDCBA9876543210"),
        pan: "6222021234567890128",
        psn: "01",
        derivation: emv::SessionKeyDerivation::Pboc,
    };
    let f55 = emv::build_tlv(&[("9F36", &ac1["9F36"]), ("9F26", &ac1["9F26"])]);
    hex::encode_upper(emv::secured_script(&key, &f55, &h(command), which).unwrap())
}

#[test]
fn a_script_with_a_wrong_mac_changes_nothing_and_the_next_cvr_says_so() {
    let p = profile(CardKind::Card);
    let memory = personalised(&p);
    let mut card = EmvCard::with_memory(p.clone(), Field::Contact, memory.clone());
    let ac1 = first_ac(&mut card, "80");
    let wrong = secured(&ac1, "841E0000", emv::ScriptMac::Wrong);
    assert_eq!(x(&mut card, &wrong).1, "6988", "APPLICATION BLOCK, wrong MAC");
    assert_eq!(x(&mut card, "841E000000").1, "6988", "no MAC at all");
    assert_eq!(memory.get().lifecycle, crate::card::memory::Lifecycle::Active);
    let put = secured(&ac1, "84DA9F4F0401020304", emv::ScriptMac::Right);
    assert_eq!(x(&mut card, &put).1, "9000");
    // UPDATE RECORD of the track record (SFI 2, record 1).
    let update = secured(&ac1, "84DC01140670045F200141", emv::ScriptMac::Right);
    assert_eq!(x(&mut card, &update).1, "9000");
    assert_eq!(x(&mut card, "00B2011400").0.get("5F20"), Some(&h("41")), "read back");
    // The next transaction's CVR: three script commands, one failed... the
    // counter says how many were processed, the bit that one failed.
    let next = first_ac(&mut EmvCard::with_memory(p, Field::Contact, memory), "80");
    assert_eq!(&cvr(&next)[6..], "48", "4 commands, a failure");
}

#[test]
fn a_pin_change_script_sets_the_offline_pin() {
    let p = profile(CardKind::Card);
    let memory = personalised(&p);
    let mut card = EmvCard::with_memory(p.clone(), Field::Contact, memory.clone());
    let ac1 = first_ac(&mut card, "80");
    // The new PIN 654321 (ISO 9564 format 2), enciphered by the issuer.
    let change = secured(&ac1, "842400020826654321FFFFFFFF", emv::ScriptMac::Right);
    assert_eq!(x(&mut card, &change).1, "9000");
    // The next presentation verifies the new PIN offline, not the old one.
    let mut card = EmvCard::with_memory(p, Field::Contact, memory);
    x(&mut card, "00A4040008A00000033301010100");
    x(&mut card, "80A80000048302015600");
    assert_eq!(x(&mut card, "002000800826123456FFFFFFFF").1, "63C2", "the old PIN");
    assert_eq!(x(&mut card, "002000800826654321FFFFFFFF").1, "9000", "the new one");
}

/// The second GENERATE AC of a terminal that could not go online (ARC Y3,
/// no issuer data): the card approves offline only within its offline limits.
fn unable_to_go_online(p: &CardProfile, memory: &SharedMemory) -> u8 {
    let mut card = EmvCard::with_memory(p.clone(), Field::Contact, memory.clone());
    let ac1 = first_ac(&mut card, "80");
    assert_eq!(ac1["9F27"][0], 0x80, "ARQC asked, ARQC given");
    let (ac2, sw) = x(&mut card, &format!("80AE400029{}5933{CDOL2_DATA}00", "00".repeat(10)));
    assert_eq!(sw, "9000");
    ac2["9F27"][0]
}

#[test]
fn unable_to_go_online_the_card_approves_offline_only_within_its_upper_limit() {
    let mut p = profile(CardKind::Card);
    p.perso.upper_offline_limit = 2;
    let memory = personalised(&p);
    assert_eq!(unable_to_go_online(&p, &memory), 0x00, "a new card: AAC");
    memory.get().last_online_atc = 1;
    // ATC 2 and 3 are within 2 of the last online ATC; ATC 4 is not.
    assert_eq!(unable_to_go_online(&p, &memory), 0x40, "ATC 2: TC");
    assert_eq!(unable_to_go_online(&p, &memory), 0x40, "ATC 3: TC");
    assert_eq!(
        unable_to_go_online(&p, &memory),
        0x00,
        "ATC 4: over the upper limit, AAC"
    );
}
