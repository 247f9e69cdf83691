//! Any sequence of command APDUs gets a response with a status word from
//! the card models, contact and contactless; they never panic.
//! Run: cd rig && cargo +nightly fuzz run apdu_handler -- -max_total_time=60
#![no_main]

use libfuzzer_sys::fuzz_target;
use rig::card::{EmvCard, Field};
use rig::config::card::{Application, CardKind, CardProfile, Issuer};

fn profile(kind: CardKind) -> CardProfile {
    CardProfile {
        description: "fuzz".into(),
        kind,
        pan: "6222021234567890128".into(),
        psn: "01".into(),
        expiry: "2912".into(),
        service_code: "220".into(),
        applications: vec![Application { aid: "A000000333010101".into(), label: "Debit".into(), priority: 1 }],
        atc: 1,
        issuer: Issuer { pin: "123456".into(), balance: "1.00".into(), imk: Some("0123456789ABCDEFFEDCBA9876543210".into()), ..Default::default() },
        ..Default::default()
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the presentation; the rest is APDUs, each prefixed by its length.
    let Some((&mode, mut rest)) = data.split_first() else { return };
    let kind = if mode & 2 == 0 { CardKind::Card } else { CardKind::Phone };
    let field = if mode & 1 == 0 { Field::Contact } else { Field::Contactless };
    let mut card = EmvCard::new(profile(kind), field);
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let response = card.process(&tail[..n]);
        assert!(response.len() >= 2, "every response ends in a status word");
        rest = &tail[n..];
    }
});
