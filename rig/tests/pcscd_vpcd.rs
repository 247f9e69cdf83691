//! The card link against real components: pcscd with vsmartcard's vpcd
//! driver (Debian packages pcscd, vsmartcard-vpcd), read back through the
//! pcsc crate. Run by the README test command (`--features rig/pcsc`).
#![cfg(feature = "pcsc")]

use rig::card::capture;
use rig::card::{EmvCard, Field};
use rig::config::card::{CardProfile, Interface};
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
    /// SIGTERM, so pcscd removes its pid file and socket as it exits: one
    /// killed with SIGKILL leaves /run/pcscd/pcscd.pid behind, and once the
    /// system gives that pid to another process the next pcscd takes it for
    /// a pcscd still running and exits at once (seen in CI).
    fn drop(&mut self) {
        let Some(mut child) = self.0.take() else { return };
        let Ok(pid) = i32::try_from(child.id()) else { return };
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = child.wait();
            let _ = tx.send(());
        });
        if rx.recv_timeout(Duration::from_secs(5)).is_err() {
            // SAFETY: as above; it did not exit on SIGTERM.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let _ = rx.recv_timeout(Duration::from_secs(5));
        }
    }
}

/// A pid file left by a pcscd that did not exit cleanly: removed when the
/// process it names is not a pcscd (its pid may belong to anything now).
fn remove_stale_pid_file() {
    let pid_file = std::path::Path::new("/run/pcscd/pcscd.pid");
    let Ok(text) = std::fs::read_to_string(pid_file) else {
        return;
    };
    let pid = text.trim_matches(char::from(0)).trim();
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim() != "pcscd" {
        let _ = std::fs::remove_file(pid_file);
    }
}

fn start_pcscd() -> Pcscd {
    if pcsc_reader::readers().is_ok_and(|r| r.iter().any(|n| n == VPCD_READER)) {
        return Pcscd(None);
    }
    remove_stale_pid_file();
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
    let pcscd = Pcscd(Some(child));
    await_vpcd_reader_listed(Duration::from_secs(10));
    pcscd
}

/// Returns once a PC/SC context lists the vpcd reader. pcscd's "daemon
/// ready" line has been seen to come before its socket takes clients, and
/// before a context exists there is no PC/SC event to wait on: so this asks
/// again every 50 ms, up to `deadline`, and fails with pcscd's last answer.
fn await_vpcd_reader_listed(deadline: Duration) {
    let until = std::time::Instant::now() + deadline;
    loop {
        match pcsc_reader::readers() {
            Ok(r) if r.iter().any(|n| n == VPCD_READER) => return,
            answer if std::time::Instant::now() >= until => {
                panic!("pcscd does not list {VPCD_READER:?} within {deadline:?}: {answer:?}")
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
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

/// One test, in steps: pcscd and the vpcd port are shared by all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcscd_with_vpcd_drives_emulated_and_third_party_cards() {
    let _pcscd = start_pcscd();
    pcscd_sees_the_emulated_card_through_vpcd().await;
    capture_writes_the_public_data_of_the_source_profile().await;
    capturing_a_non_emv_card_fails_with_a_clear_message().await;
    an_independent_terminal_authenticates_every_card_over_pcscd().await;
}

async fn pcscd_sees_the_emulated_card_through_vpcd() {
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
    await_empty(VPCD_READER).await;
}

fn chip_profile() -> rig::config::card::CardProfile {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cards");
    rig::config::card::load_dir(&path).expect("cards")["unionpay-debit-chip"].clone()
}

async fn capture_writes_the_public_data_of_the_source_profile() {
    let timeline = Timeline::new();
    let source = chip_profile();
    // As the bench and `rig card serve` present it: T=0, so capture
    // follows 61xx with GET RESPONSE and 6Cxx with the right length.
    let card = rig::card::t0::T0::new(EmvCard::new(source.clone(), Field::Contact));
    let link = card_link::insert(VPCD_PORT, card, timeline.clone())
        .await
        .expect("vpcd accepts the card");
    let (clear, masked) = tokio::task::spawn_blocking(|| {
        let clear = capture::capture(VPCD_READER, true, Duration::from_secs(20)).expect("capture");
        let masked = capture::capture(VPCD_READER, false, Duration::from_secs(20)).expect("capture");
        (clear, masked)
    })
    .await
    .expect("capture thread");
    link.remove(&timeline);
    await_empty(VPCD_READER).await;
    let captured: CardProfile = toml::from_str(&clear).expect("a loadable profile");
    assert_eq!(captured.pan, source.pan);
    assert_eq!(captured.psn, source.psn);
    assert_eq!(captured.expiry, source.expiry);
    assert_eq!(captured.name, source.name);
    assert_eq!(captured.service_code, source.service_code);
    assert_eq!(captured.discretionary, source.discretionary);
    assert_eq!(captured.applications, source.applications);
    assert!(!masked.contains(&*source.pan), "masked by default:\n{masked}");
    assert!(masked.contains("622202*********0128"), "{masked}");
}

async fn capturing_a_non_emv_card_fails_with_a_clear_message() {
    // vsmartcard's own virtual card (Debian package vsmartcard-vpicc), on the second slot.
    // Debian 12's python3-virtualsmartcard installs the module off sys.path
    // (/usr/lib/python3/site-packages/virtualsmartcard/virtualsmartcard) and
    // does not pull in the Crypto module it imports: point at the module, and
    // run it with the python3 that has pycryptodome (the test command installs it).
    let mut vicc = Command::new("python3")
        .args([
            "/usr/bin/vicc",
            "--type",
            "iso7816",
            "--hostname",
            "127.0.0.1",
            "--port",
            "35964",
        ])
        .env("PYTHONPATH", "/usr/lib/python3/site-packages/virtualsmartcard")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("vicc runs (Debian package vsmartcard-vpicc; the README test command installs it)");
    let result = tokio::task::spawn_blocking(|| capture::capture("Virtual PCD 00 01", false, Duration::from_secs(30)))
        .await
        .expect("thread");
    let _ = vicc.kill();
    let _ = vicc.wait();
    let message = result.expect_err("vicc is not a payment card").to_string();
    assert!(
        message.starts_with("not an EMV payment card: no payment application answered"),
        "{message}"
    );
    assert!(message.contains("SELECT 1PAY.SYS.DDF01: 6A82"), "{message}");
}

/// Waits for pcscd to see the reader empty, so the next card is a new one.
async fn await_empty(reader: &'static str) {
    tokio::task::spawn_blocking(move || {
        PcscReader::open(reader)
            .expect("reader")
            .wait_for_removal(Duration::from_secs(20))
    })
    .await
    .expect("thread")
    .expect("the reader empties");
}

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

#[path = "oda/refused.rs"]
mod refused;

/// Every card with keys, served through vpcd as the bench serves it (T=0
/// wrapped on contact, a T=1 contactless card made offline-capable), read by
/// an independent terminal over pcscd (rig/tests/oda/pcsc_terminal.py,
/// pyscard) and authenticated by verify_oda.py with the published CA key
/// only: SDA, DDA and CDA on contact, fDDA on a tap; the broken cards fail.
async fn an_independent_terminal_authenticates_every_card_over_pcscd() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let cards = rig::config::card::load_dir(&std::path::Path::new(ROOT).join("fixtures/cards")).expect("cards");
    let (mut contact, mut cda, mut tapped, mut refused) = (0, 0, 0, 0);
    for (name, profile) in &cards {
        let blocked = profile.behaviour.blocked_card || profile.behaviour.blocked_application;
        if profile.oda.is_none() || blocked {
            continue;
        }
        if profile.interfaces.contains(&Interface::Contact) {
            let card = rig::card::t0::T0::new(EmvCard::new(profile.clone(), Field::Contact));
            let said = read_and_verify(dir.path(), name, card, false).await;
            if let Some(reason) = refused::refusal(name) {
                assert!(
                    said.contains("FAIL") && said.contains(reason),
                    "{name}: not refused for {reason:?}\n{said}"
                );
                refused += 1;
            } else {
                let dda = profile.perso.sda_only || said.contains("DDA verifies");
                assert!(
                    said.contains("over T=0") && said.contains("SDA verifies") && dda,
                    "{name}:\n{said}"
                );
                assert!(!said.contains("FAIL"), "{name}:\n{said}");
                assert!(
                    !said.contains(" 0 GET RESPONSE"),
                    "{name}: case-4 answers come by GET RESPONSE\n{said}"
                );
                if profile.perso.cda {
                    assert!(said.contains("CDA verifies"), "{name}:\n{said}");
                    cda += 1;
                }
                contact += 1;
            }
        }
        if profile.interfaces.contains(&Interface::Contactless) {
            // Offline-capable: a balance and room under its limits.
            let mut offline = profile.clone();
            offline.perso.offline_balance = "100.00".parse().expect("yuan");
            offline.perso.lower_offline_limit = 5;
            offline.behaviour.decline_with_aac = false;
            let said = read_and_verify(dir.path(), name, EmvCard::new(offline, Field::Contactless), true).await;
            if let Some(reason) = refused::refusal(name) {
                assert!(
                    said.contains("FAIL") && said.contains(reason),
                    "{name}: not refused for {reason:?}\n{said}"
                );
                refused += 1;
                continue;
            }
            assert!(
                said.contains("over T=1") && said.contains("fDDA verifies"),
                "{name}:\n{said}"
            );
            assert!(!said.contains("FAIL"), "{name}:\n{said}");
            tapped += 1;
        }
    }
    eprintln!("over pcscd: {contact} contact cards verified ({cda} with CDA), {tapped} taps, {refused} broken refused");
    assert!(
        contact >= 4 && cda >= 1 && tapped >= 2 && refused >= 3,
        "{contact} contact ({cda} CDA), {tapped} taps, {refused} refused"
    );
}

/// Inserts `card` into the vpcd reader, runs the independent terminal and
/// then the verifier on what it read; what both printed. The card is
/// taken out, and pcscd seen to have noticed, before this returns.
async fn read_and_verify<C: SmartCard + Send + 'static>(
    dir: &std::path::Path,
    name: &str,
    card: C,
    tap: bool,
) -> String {
    let timeline = Timeline::new();
    let link = card_link::insert(VPCD_PORT, card, timeline.clone())
        .await
        .expect("vpcd accepts the card");
    tokio::task::spawn_blocking(|| {
        PcscReader::open(VPCD_READER)
            .expect("reader")
            .wait_for_card(Duration::from_secs(20))
    })
    .await
    .expect("thread")
    .expect("pcscd sees the card");
    let session = dir.join(format!("{}.json", name.replace('/', "-")));
    let mut terminal = Command::new("python3");
    terminal
        .arg(std::path::Path::new(ROOT).join("rig/tests/oda/pcsc_terminal.py"))
        .arg(VPCD_READER)
        .arg(&session);
    if tap {
        terminal.arg("--tap");
    }
    let read = tokio::task::spawn_blocking(move || terminal.output())
        .await
        .expect("thread")
        .expect("python3 runs pcsc_terminal.py (pyscard: the README test command installs it)");
    link.remove(&timeline);
    await_empty(VPCD_READER).await;
    let mut said = String::from_utf8_lossy(&read.stdout).into_owned();
    if !read.status.success() {
        return format!("{said}{}", String::from_utf8_lossy(&read.stderr));
    }
    let verified = Command::new("python3")
        .arg(std::path::Path::new(ROOT).join("rig/tests/oda/verify_oda.py"))
        .arg(&session)
        .arg(std::path::Path::new(ROOT).join("fixtures/keys/ca/A000000333-E1.toml"))
        .args(refused::revoked_args())
        .output()
        .expect("python3 runs verify_oda.py");
    said.push_str(&String::from_utf8_lossy(&verified.stdout));
    said
}
