//! The card link against real components: pcscd with vsmartcard's vpcd
//! driver (Debian packages pcscd, vsmartcard-vpcd), read back through the
//! pcsc crate. Run by the README test command (`--features rig/pcsc`).
#![cfg(feature = "pcsc")]

use rig::devices::card_link::{self, BlankCard, SmartCard};
use rig::devices::pcsc_reader::{self, PcscReader};
use rig::events::Timeline;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const VPCD_PORT: &str = "127.0.0.1:35963";
const VPCD_READER: &str = "Virtual PCD 00 00";

/// pcscd for this test, unless one is already running; killed on drop.
struct Pcscd(Option<Child>);

impl Drop for Pcscd {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn start_pcscd() -> Pcscd {
    if pcsc_reader::readers().is_ok_and(|r| r.iter().any(|n| n == VPCD_READER)) {
        return Pcscd(None);
    }
    let mut child = Command::new("pcscd")
        .args(["--foreground", "--info"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pcscd runs (Debian package pcscd; the README test command installs it)");
    // pcscd says when it is ready; read its log until then, with a deadline.
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("daemon ready") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("pcscd ready within 20 s");
    Pcscd(Some(child))
}

/// BlankCard with an ATR of its own, to tell it from whatever else is around.
struct TestCard;

impl SmartCard for TestCard {
    fn atr(&self) -> Vec<u8> {
        vec![
            0x3B, 0x8A, 0x80, 0x01, b'R', b'I', b'G', b'T', b'E', b'S', b'T', 0x00, 0x00, 0x00, 0x71,
        ]
    }
    fn transmit(&mut self, command: &[u8]) -> Vec<u8> {
        BlankCard.transmit(command)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcscd_sees_the_emulated_card_through_vpcd() {
    let _pcscd = start_pcscd();
    let timeline = Timeline::new();
    let card = card_link::insert(VPCD_PORT, TestCard, timeline.clone())
        .await
        .expect("vpcd accepts the card");
    let result = tokio::task::spawn_blocking(|| {
        let reader = PcscReader::open(VPCD_READER).expect("reader");
        reader.wait_for_card(Duration::from_secs(20)).expect("card present");
        let card = reader.connect().expect("connect");
        let atr = card.atr().expect("atr");
        let select_pse = hex::decode("00A404000E315041592E5359532E444446303100").expect("hex");
        (atr, card.transmit(&select_pse).expect("transmit"))
    })
    .await
    .expect("pcsc thread");
    assert_eq!(result.0, TestCard.atr());
    assert_eq!(result.1, vec![0x6A, 0x82]);
    card.remove(&timeline);
}
