//! The bodies of the cargo-fuzz targets (rig/fuzz/fuzz_targets/): one
//! function a parser, taking any bytes. Each may return early but must never
//! panic; the targets call them under libFuzzer, and a stable test
//! (rig/tests/fuzz_corpus.rs) replays every committed corpus file through
//! them, so the test command keeps what fuzzing found.

use crate::card::{EmvCard, Field};
use crate::config::card::{Application, CardKind, CardProfile, Issuer};
use crate::config::dialect::Dialect;
use crate::config::terminal::TerminalProfile;
use crate::host::handlers::HostState;
use crate::iso8583::codec::{Envelope, Message};
use crate::mask::HostFields;
use std::path::Path;
use std::sync::{LazyLock, Mutex};

/// The shipped dialect and profiles, read once (the fixtures are the inputs a user gives).
static DIALECT: LazyLock<Dialect> = LazyLock::new(|| {
    crate::config::parse(
        Path::new("unionpay-pos.toml"),
        include_str!("../../fixtures/hosts/unionpay-pos.toml"),
    )
    .unwrap_or_else(|e| panic!("the shipped dialect: {e}"))
});

static PROFILES: LazyLock<Vec<TerminalProfile>> = LazyLock::new(|| {
    [
        ("vterm.toml", include_str!("../../fixtures/terminals/vterm.toml")),
        ("vt2.toml", include_str!("../../fixtures/terminals/vt2.toml")),
    ]
    .iter()
    .map(|(name, text)| {
        TerminalProfile::parse(Path::new(name), text).unwrap_or_else(|e| panic!("the shipped profile {name}: {e}"))
    })
    .collect()
});

/// BER-TLV as the rig reads it: chip data (field 55, APDU answers), DOLs,
/// and the masker that rewrites it in place.
pub fn ber_tlv(data: &[u8]) {
    let tags = crate::emv::parse_tlv(data);
    for (tag, value) in &tags {
        // What parses builds again.
        let _ = crate::emv::build_tlv(&[(tag.as_str(), value.as_slice())]);
    }
    let _ = crate::emv::arqc_data(&tags);
    if let Some(dol) = crate::card::dol::parse(data) {
        let _ = crate::card::dol::split(&dol, data);
    }
    let mut copy = data.to_vec();
    crate::mask::tlv::mask_in_place(&mut copy);
    assert_eq!(copy.len(), data.len(), "masking keeps the length");
    let mut command = data.to_vec();
    crate::mask::apdu::command(&mut command);
    let mut response = data.to_vec();
    crate::mask::apdu::response(data, &mut response);
}

/// A frame from a terminal: the envelope, the 8583 decoder (and packing
/// what decodes), the masker, and the host's whole request handling.
pub fn host_frame(frame: &[u8]) {
    static STATE: LazyLock<Mutex<HostState>> = LazyLock::new(|| {
        let tmk = [0x11u8; 16];
        Mutex::new(
            HostState::new(DIALECT.clone(), &tmk, crate::host::issuer::Issuer::new([]))
                .unwrap_or_else(|e| panic!("host state: {e}")),
        )
    });
    let Ok((_, body)) = Envelope::split(frame) else { return };
    if let Ok(msg) = Message::unpack(body) {
        let _ = msg.pack();
        let kind = crate::host::txn::classify(&msg, &DIALECT.qr);
        let mut framed = (frame.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(frame);
        let _ = crate::mask::frame::mask(&HostFields::of(&DIALECT), kind, &framed);
    }
    let mut state = STATE.lock().unwrap_or_else(|p| p.into_inner());
    let _ = state.process(body);
    // One state for the whole run: the ledger must not grow without bound.
    state.ledger.forget_all();
}

/// A shipped card's offline data authentication keys, compiled in.
static ODA_KEYS: LazyLock<crate::config::card_pki::CardPki> = LazyLock::new(|| {
    let name = "fixtures/cards/pki/unionpay-debit-chip.toml";
    let text = include_str!("../../fixtures/cards/pki/unionpay-debit-chip.toml");
    crate::config::card_pki::CardPki::parse(Path::new(name), text)
        .unwrap_or_else(|e| panic!("the shipped key file {name}: {e}"))
});

fn card_profile(kind: CardKind) -> CardProfile {
    CardProfile {
        description: "fuzz".into(),
        kind,
        pan: "6222021234567890128".parse().expect("a valid constant"),
        psn: "01".parse().expect("a valid constant"),
        expiry: "2912".parse().expect("a valid constant"),
        service_code: "220".into(),
        applications: vec![Application {
            aid: "A000000333010101".parse().expect("a valid constant"),
            label: "Debit".into(),
            priority: 1,
        }],
        atc: 1,
        issuer: Issuer {
            pin: "123456".into(),
            balance: "1.00".parse().expect("a valid constant"),
            imk: Some("0123456789ABCDEFFEDCBA9876543210".parse().expect("a valid constant")),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Splits `data` into length-prefixed pieces (one byte of length each).
fn pieces(mut rest: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        out.push(&tail[..n]);
        rest = &tail[n..];
    }
    out
}

/// Any sequence of command APDUs to the card models, contact and
/// contactless, card and phone: every answer ends in a status word.
pub fn apdu_handler(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let kind = if mode & 2 == 0 { CardKind::Card } else { CardKind::Phone };
    let field = if mode & 1 == 0 {
        Field::Contact
    } else {
        Field::Contactless
    };
    // Bit 2: a card with offline data authentication keys (SDA, DDA).
    let oda = (mode & 4 != 0).then(|| ODA_KEYS.clone());
    // Bit 3: CDA, an offline balance and room under the offline limits
    // (offline TCs, qPBOC with fDDA).
    let mut perso = crate::config::card_perso::Perso::default();
    if mode & 8 != 0 {
        perso.cda = true;
        perso.offline_balance = "500.00".parse().unwrap_or_default();
        perso.lower_offline_limit = 3;
    }
    let mut card = EmvCard::new(
        CardProfile {
            oda,
            perso,
            ..card_profile(kind)
        },
        field,
    );
    for apdu in pieces(rest) {
        let response = card.process(apdu);
        assert!(response.len() >= 2, "every response ends in a status word");
    }
}

/// The card side of the vpcd protocol: any frames a reader sends (power,
/// reset, ATR, APDUs) get their answer or none, never a panic.
pub fn vpcd_card_side(data: &[u8]) {
    let mut card = EmvCard::new(card_profile(CardKind::Card), Field::Contact);
    for frame in pieces(data) {
        if let Some(reply) = crate::devices::card_link::answer(&mut card, frame) {
            assert!(reply.len() <= usize::from(u16::MAX), "a reply fits its length prefix");
        }
    }
}

/// A console line classified with each shipped profile's patterns.
pub fn console_line(data: &[u8]) {
    let line = String::from_utf8_lossy(data);
    for profile in PROFILES.iter() {
        let _ = crate::devices::console::classify(&profile.console, &line);
    }
}

/// Any text as a bench, terminal profile, card or dialect file: loaded or
/// refused with an error that names the file and says where.
pub fn config_loaders(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("fuzz.toml");
    let located = |e: &crate::config::ConfigError| {
        let shown = e.to_string();
        assert!(shown.starts_with("fuzz.toml"), "an error names its file: {shown}");
    };
    if let Err(e) = crate::config::bench::Bench::parse(path, text) {
        located(&e);
    }
    if let Err(e) = TerminalProfile::parse(path, text) {
        located(&e);
    }
    if let Err(e) = crate::config::card::CardProfile::parse(path, text) {
        located(&e);
    }
    if let Err(e) = Dialect::parse(path, text) {
        located(&e);
    }
}
