//! The NFC front end's card-emulation loop against a recorded exchange
//! (tests/vectors/acr122u_card_emulation.txt): the commands it sends to the
//! reader, byte for byte, and the card's answers it relays.

use rig::card::{EmvCard, Field};
use rig::config::card::load_dir;
use rig::devices::DeviceError;
use rig::devices::nfc_frontend::{self, EscapeChannel};
use rig::events::{Kind, Timeline};
use std::collections::VecDeque;
use std::path::Path;

/// Replays the transcript: checks each command, answers with the recorded response.
struct Replay {
    steps: VecDeque<(String, String)>,
    relayed: Vec<Vec<u8>>,
}

impl EscapeChannel for Replay {
    fn control(&mut self, command: &[u8]) -> Result<Vec<u8>, DeviceError> {
        let (expected, answer) = self.steps.pop_front().expect("no more recorded exchanges");
        let sent = hex::encode_upper(command);
        if expected == "FF000000*D48E*" {
            // TgSetData: the length and the card's answer vary with the card.
            assert!(
                sent.starts_with("FF000000") && sent[10..].starts_with("D48E"),
                "expected TgSetData, sent {sent}"
            );
            assert_eq!(usize::from(command[4]), command.len() - 5, "Lc of {sent}");
            self.relayed.push(command[7..].to_vec());
        } else {
            assert_eq!(sent, expected);
        }
        Ok(hex::decode(answer).expect("hex"))
    }
}

fn transcript() -> VecDeque<(String, String)> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/acr122u_card_emulation.txt"))
            .expect("transcript");
    let mut sent = None;
    let mut steps = VecDeque::new();
    for line in text.lines() {
        if let Some(cmd) = line.strip_prefix("> ") {
            sent = Some(cmd.trim().to_string());
        } else if let Some(resp) = line.strip_prefix("< ") {
            steps.push_back((
                sent.take().expect("a command before each answer"),
                resp.trim().to_string(),
            ));
        }
    }
    steps
}

#[test]
fn a_terminal_tapping_the_front_end_talks_to_the_card_model() {
    let cards = load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cards")).expect("cards");
    let profile = cards["unionpay-debit-chip"].clone();
    let mut card = EmvCard::new(profile.clone(), Field::Contactless);
    let mut replay = Replay {
        steps: transcript(),
        relayed: Vec::new(),
    };
    let timeline = Timeline::new();
    let n = nfc_frontend::emulate(&mut replay, &mut card, &timeline).expect("the session runs to the release");
    assert_eq!(n, 4, "four APDUs before the terminal released the card");
    assert!(replay.steps.is_empty(), "every recorded exchange was used");

    // What was relayed is what the card model answers to the same commands.
    let mut twin = EmvCard::new(profile, Field::Contactless);
    let commands: Vec<String> = timeline
        .since(0)
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::Apdu { command, .. } => Some(command.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(commands.len(), 4);
    for (command, relayed) in commands.iter().zip(&replay.relayed) {
        assert_eq!(
            &twin.process(&hex::decode(command).unwrap()),
            relayed,
            "answer to {command}"
        );
    }
    assert!(
        hex::encode_upper(&replay.relayed[2]).contains("9F2608"),
        "the GPO carried the cryptogram"
    );
    assert!(timeline.since(0).iter().any(|e| e.kind == Kind::CardRemoved));
}

#[test]
fn a_reader_that_answers_wrongly_is_a_clear_error() {
    struct Broken;
    impl EscapeChannel for Broken {
        fn control(&mut self, _: &[u8]) -> Result<Vec<u8>, DeviceError> {
            Ok(vec![0x63, 0x00])
        }
    }
    let cards = load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cards")).expect("cards");
    let mut card = EmvCard::new(cards["unionpay-debit-chip"].clone(), Field::Contactless);
    let e = nfc_frontend::emulate(&mut Broken, &mut card, &Timeline::new())
        .unwrap_err()
        .to_string();
    assert_eq!(e, "PC/SC reader NFC front end: no 90 00 after 6300");
}
