//! The evidence of a whole run: every feature played once on the virtual
//! bench, then its report folder read as an auditor and a developer would.
//! - no card number, track, PIN (as keyed or as a clear PIN field), payment
//!   code or key of the fixtures in any file (the leak test);
//! - every raw host frame decodes with pyiso8583 (PyPI), an independent
//!   ISO 8583 implementation set up for the dialect, to the fields beside it;
//! - every step on the timeline.
//!
//! And the waits: a receipt is read only when it is complete; a wait for
//! an outcome fails as soon as another one shows.

mod common;

use common::{rig, scratch_project, text, workspace};
use rig::config::card::{self, CardProfile};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

struct FullRun {
    _dir: tempfile::TempDir,
    report: PathBuf,
    out: Output,
}

/// The one full run this binary's tests read.
fn full_run() -> &'static FullRun {
    static RUN: OnceLock<FullRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let project = scratch_project();
        let out = rig(&["run", "--report-dir", "out"], project.path());
        let report = std::fs::canonicalize(project.path().join("out/latest")).expect("out/latest");
        let common::Project { dir, .. } = project;
        FullRun { _dir: dir, report, out }
    })
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                found.push(p);
            }
        }
    }
    found.sort();
    found
}

/// Every event of every trace of the run, with its file.
fn trace_events(report: &Path) -> Vec<(PathBuf, Value)> {
    files_under(report)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|f| f == "trace.jsonl"))
        .flat_map(|p| {
            std::fs::read_to_string(&p)
                .expect("trace")
                .lines()
                .map(|l| (p.clone(), serde_json::from_str::<Value>(l).expect("JSON line")))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_feature_passes_and_reports_are_complete() {
    let run = full_run();
    assert!(run.out.status.success(), "rig run failed:\n{}", text(&run.out));
    let latest = &run.report;
    let junit = std::fs::read_to_string(latest.join("junit.xml")).expect("junit.xml");
    // As many test cases as the run summary counted scenarios, all passed.
    let stdout = String::from_utf8_lossy(&run.out.stdout);
    let summary = stdout
        .lines()
        .find(|l| l.contains(" scenarios ("))
        .expect("summary line");
    let scenarios: usize = summary
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("count");
    // Every scenario passed, but those not on this terminal (VT-1 takes
    // signatures: the scenario of a kernel that does not is skipped).
    let skipped = summary
        .split_once(" skipped")
        .and_then(|(before, _)| before.rsplit(' ').next()?.parse::<usize>().ok())
        .unwrap_or(0);
    assert!(
        summary.contains(&format!("({} passed", scenarios - skipped)) && !summary.contains("failed"),
        "{summary}"
    );
    assert!(scenarios >= 4);
    assert_eq!(junit.matches("<testcase").count(), scenarios, "{junit}");
    assert!(junit.contains("failures=\"0\""), "{junit}");
    assert!(
        junit.contains(r#"<property name="evidence" value="masked"/>"#),
        "{junit}"
    );
    assert!(latest.join("cucumber.json").is_file());

    let approved = std::fs::read_dir(latest.join("swipe_sale"))
        .expect("feature folder")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().contains("approved"))
        .expect("approved scenario folder");
    let trace = std::fs::read_to_string(approved.join("trace.jsonl")).expect("trace");
    let kinds: Vec<String> = trace
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("json line")["kind"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let first = |k: &str| {
        kinds
            .iter()
            .position(|x| x == k)
            .unwrap_or_else(|| panic!("no {k} in trace: {kinds:?}"))
    };
    assert!(first("boot") < first("key-press"));
    assert!(first("key-press") < first("swipe"));
    assert!(first("swipe") < kinds.iter().rposition(|k| k == "host-received").expect("0200"));
    assert!(first("print") > first("swipe"));
    let receipt = std::fs::read_to_string(approved.join("receipt-01.txt")).expect("receipt");
    assert!(receipt.contains("622202*********0128"), "{receipt}");
    assert!(
        std::fs::read_to_string(approved.join("console.log"))
            .expect("console log")
            .contains("BOOT VTERM")
    );
}

/// What must never be found in a report, with what it is.
fn secrets() -> Vec<(String, String)> {
    let cards: BTreeMap<String, CardProfile> = card::load_dir(&workspace().join("fixtures/cards")).expect("cards");
    let mut secrets = Vec::new();
    let mut add = |what: String, value: String| {
        if !value.is_empty() {
            // As text, and as the hex of its ASCII (inside a raw frame or an APDU).
            secrets.push((format!("{what} (as hex of ASCII)"), hex::encode_upper(value.as_bytes())));
            secrets.push((what, value));
        }
    };
    for (name, card) in &cards {
        add(format!("{name}: PAN"), card.pan.to_string());
        let track2 = card.track2();
        add(format!("{name}: track 2"), track2.clone());
        add(format!("{name}: track 2 (chip, D separator)"), track2.replace('=', "D"));
        // What follows the PAN in track 2 (expiry, service code, discretionary data).
        if let Some((_, after)) = track2.split_once('=') {
            add(format!("{name}: track 2 after the separator"), format!("D{after}"));
        }
        if let Some(t3) = &card.track3 {
            add(format!("{name}: track 3"), t3.clone());
        }
        if card.name.trim().len() >= 4 {
            add(format!("{name}: cardholder name"), card.name.trim().to_string());
        }
        if let Some(code) = &card.payment_code {
            add(format!("{name}: payment code"), code.clone());
        }
        // The clear PIN field of ISO 9564 format 0 (before the PAN is XORed in).
        let pin = &card.issuer.pin;
        let field = format!("0{:X}{pin}{}", pin.len(), "F".repeat(14 - pin.len()));
        add(format!("{name}: clear PIN field"), field);
        if let Some(imk) = &card.issuer.imk {
            let imk = hex::encode_upper(imk.bytes());
            add(format!("{name}: issuer master key"), imk.clone());
            add(format!("{name}: issuer master key, left half"), imk[..16].to_string());
            add(format!("{name}: issuer master key, right half"), imk[16..].to_string());
        }
    }
    // The key files (the CA folder holds public keys and the test PKI's
    // signing key, which the rig never loads).
    for file in std::fs::read_dir(workspace().join("fixtures/keys"))
        .expect("keys")
        .flatten()
        .filter(|f| f.path().is_file())
    {
        let text = std::fs::read_to_string(file.path()).expect("key file");
        let table: toml::Table = text.parse().expect("key file TOML");
        for (field, value) in table {
            if let Some(key) = value.as_str().filter(|k| k.len() == 32 && hex::decode(k).is_ok()) {
                let what = format!("{}: {field}", file.file_name().to_string_lossy());
                add(what.clone(), key.to_string());
                add(format!("{what}, left half"), key[..16].to_string());
                add(format!("{what}, right half"), key[16..].to_string());
            }
        }
    }
    secrets
}

/// The digits keyed between two non-digit keys, per scenario trace, as the trace shows them.
fn keyed_sequences(events: &[(PathBuf, Value)]) -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = Vec::new();
    let mut current = String::new();
    let mut file = PathBuf::new();
    for (path, e) in events {
        if *path != file {
            out.push((file.clone(), std::mem::take(&mut current)));
            file = path.clone();
        }
        if e["kind"] == "key-press" {
            let key = e["key"].as_str().unwrap_or("");
            if key.len() == 1 && key.as_bytes()[0].is_ascii_digit() {
                current.push_str(key);
            } else {
                out.push((file.clone(), std::mem::take(&mut current)));
            }
        }
    }
    out.push((file, current));
    out
}

#[test]
fn no_report_file_holds_cardholder_data_or_a_key() {
    let run = full_run();
    assert!(run.out.status.success(), "rig run failed:\n{}", text(&run.out));
    let secrets = secrets();
    assert!(secrets.len() > 40, "the fixtures give the scan something to look for");
    let mut found = Vec::new();
    for file in files_under(&run.report) {
        let content = String::from_utf8_lossy(&std::fs::read(&file).expect("read")).to_uppercase();
        for (what, secret) in &secrets {
            if content.contains(&secret.to_uppercase()) {
                found.push(format!(
                    "{}: {what}",
                    file.strip_prefix(&run.report).unwrap_or(&file).display()
                ));
            }
        }
    }
    let cards = card::load_dir(&workspace().join("fixtures/cards")).expect("cards");
    let pins: Vec<&String> = cards.values().map(|c| &c.issuer.pin).collect();
    for (file, keyed) in keyed_sequences(&trace_events(&run.report)) {
        for pin in &pins {
            // A PIN is keyed as a whole entry (digits, then enter). Equality,
            // not containment: other entries hold digit runs by chance (an
            // original RRN keyed for a refund, time-based: 025440000002
            // holds 000000 at hh:mm:40).
            if keyed == **pin {
                found.push(format!("{}: a PIN ({pin}) as keyed", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "{} finding(s):\n{}", found.len(), found.join("\n"));
}

/// The value pyiso8583 gives for a field, as the trace writes it.
fn as_traced(no: u8, value: &Value) -> String {
    let v = value.as_str().unwrap_or_default().to_string();
    // Track data travels with nibble D as its separator; the trace shows '='.
    if no == 35 || no == 36 { v.replace('D', "=") } else { v }
}

#[test]
fn every_raw_host_frame_decodes_with_pyiso8583_to_the_fields_beside_it() {
    let run = full_run();
    assert!(run.out.status.success(), "rig run failed:\n{}", text(&run.out));
    let messages: Vec<(PathBuf, Value)> = trace_events(&run.report)
        .into_iter()
        .filter(|(_, e)| e["kind"] == "host-received" || e["kind"] == "host-sent")
        .collect();
    assert!(
        messages.len() > 200,
        "a full run has many host messages: {}",
        messages.len()
    );
    let script = workspace().join("rig/tests/vectors/pyiso8583_decode_frames.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with pyiso8583 (the README test command installs it)");
    // Written from a thread of its own while the answers are read: with
    // both pipes on one thread, a run whose answers fill the stdout pipe
    // (64 KiB) before all frames are written would wait on itself forever.
    let frames: Vec<String> = messages
        .iter()
        .map(|(_, e)| e["raw"].as_str().expect("raw frame hex").to_string())
        .collect();
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        for frame in frames {
            writeln!(stdin, "{frame}").expect("write");
        }
    });
    let out = child.wait_with_output().expect("pyiso8583 ran");
    writer.join().expect("the frames were written");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let decoded: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(decoded.len(), messages.len());
    let mut differences = Vec::new();
    for ((file, e), d) in messages.iter().zip(&decoded) {
        let place = format!("{} seq {}", file.display(), e["seq"]);
        if let Some(err) = d.get("error") {
            differences.push(format!("{place}: pyiso8583: {err}"));
            continue;
        }
        if d["t"] != e["mti"] {
            differences.push(format!("{place}: MTI {} vs {}", d["t"], e["mti"]));
        }
        let traced: Vec<(u8, String)> = serde_json::from_value(e["fields"].clone()).expect("fields");
        let theirs: BTreeMap<u8, String> = d
            .as_object()
            .expect("object")
            .iter()
            .filter_map(|(k, v)| k.parse::<u8>().ok().map(|no| (no, as_traced(no, v))))
            .collect();
        let ours: BTreeMap<u8, String> = traced.into_iter().collect();
        if ours != theirs {
            differences.push(format!("{place}:\n  trace     {ours:?}\n  pyiso8583 {theirs:?}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn every_step_is_on_the_timeline_with_its_outcome() {
    let run = full_run();
    let events = trace_events(&run.report);
    let started = events.iter().filter(|(_, e)| e["kind"] == "step-started").count();
    let finished: Vec<&Value> = events
        .iter()
        .filter(|(_, e)| e["kind"] == "step-finished")
        .map(|(_, e)| e)
        .collect();
    let stdout = String::from_utf8_lossy(&run.out.stdout);
    let steps: usize = stdout
        .lines()
        .find(|l| l.contains(" steps ("))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .expect("steps summary");
    assert_eq!(started, steps, "a step-started per step");
    assert_eq!(finished.len(), steps, "a step-finished per step");
    assert!(
        finished
            .iter()
            .all(|e| (e["status"] == "passed" || e["status"] == "skipped") && e["duration_ms"].is_u64())
    );
}

/// A scratch project with one extra feature, played alone.
fn play(name: &str, feature: &str) -> (common::Project, Output) {
    play_with(name, feature, &[])
}

fn play_with(name: &str, feature: &str, options: &[&str]) -> (common::Project, Output) {
    let project = scratch_project();
    let path = project.path().join("features").join(name);
    std::fs::write(&path, feature).expect("write feature");
    let target = format!("features/{name}");
    let mut args = vec!["run", &target, "--report-dir", "out", "--retries", "0"];
    args.extend_from_slice(options);
    let out = rig(&args, project.path());
    (project, out)
}

const SWIPE_SALE: &str = "Feature: One swipe sale\n\
    \x20 Scenario: Approved\n\
    \x20   Given the terminal is powered on and signed on\n\
    \x20   When the cashier makes a sale of 1.00 yuan with the card \"unionpay-debit\" and its PIN\n\
    \x20   Then the terminal shows \"approved\"\n";

#[test]
fn clear_evidence_is_clear_and_says_so() {
    let (project, out) = play_with("swipe.feature", SWIPE_SALE, &["--evidence", "clear"]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(shown.starts_with("rig: EVIDENCE IN CLEAR"), "{shown}");
    let latest = project.path().join("out/latest");
    let junit = std::fs::read_to_string(latest.join("junit.xml")).expect("junit");
    assert!(
        junit.contains(r#"<property name="evidence" value="clear"/>"#),
        "{junit}"
    );
    let trace = files_under(&latest)
        .into_iter()
        .find(|p| p.ends_with("trace.jsonl"))
        .expect("trace");
    let trace = std::fs::read_to_string(trace).expect("trace");
    assert!(trace.contains("6222021234567890128"), "the PAN as it crossed the wire");
    let keyed = keyed_sequences(&trace_events(&latest));
    assert!(keyed.iter().any(|(_, k)| k == "123456"), "the PIN as keyed: {keyed:?}");
}

#[test]
fn clear_evidence_is_refused_on_a_lab_bench_that_does_not_allow_it() {
    let project = scratch_project();
    // The example lab bench where it stands (its firmware image beside it).
    let bench = workspace().join("fixtures/benches/pi-lab.toml");
    let bench = bench.to_string_lossy();
    let out = rig(
        &["run", "--bench", &bench, "--evidence", "clear", "--report-dir", "out"],
        project.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("allow_clear_evidence = true"), "{}", text(&out));
    assert!(!project.path().join("out/latest").exists(), "nothing was played");
}

#[test]
fn the_last_receipt_is_read_whole_every_time() {
    let mut feature = String::from(
        "Feature: Reading the slip of a chip sale\n\
         \x20 Scenario Outline: The slip is read once it is printed (<n>)\n\
         \x20   Given the terminal is powered on and signed on\n\
         \x20   When the cashier starts a sale of 30.00 yuan\n\
         \x20   And the cardholder inserts the card \"unionpay-debit-chip\"\n\
         \x20   And the cardholder enters the card's PIN\n\
         \x20   Then the terminal shows \"approved\"\n\
         \x20   And the last receipt reads \"RMB 30.00\"\n\n\
         \x20   Examples:\n\
         \x20     | n |\n",
    );
    for n in 1..=20 {
        feature.push_str(&format!("      | {n} |\n"));
    }
    let (_project, out) = play("receipt_race.feature", &feature);
    let stdout = text(&out);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("20 scenarios (20 passed)"), "{stdout}");
}

#[test]
fn a_wait_for_approval_fails_at_once_on_a_decline_and_says_why() {
    let feature = "Feature: A decline while approval is awaited\n\
        \x20 Scenario: Low balance\n\
        \x20   Given the terminal is powered on and signed on\n\
        \x20   When the cashier makes a sale of 1000.00 yuan with the card \"unionpay-debit-low-balance\" and its PIN\n\
        \x20   Then the terminal shows \"approved\"\n";
    let (project, out) = play("decline.feature", feature);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let junit = std::fs::read_to_string(project.path().join("out/latest/junit.xml")).expect("junit");
    assert!(junit.contains("the terminal showed &quot;declined&quot;"), "{junit}");
    assert!(junit.contains("51"), "{junit}");
    assert!(junit.contains("last display lines:"), "{junit}");
    // The step failed as soon as the decline showed, not at its 15 s deadline.
    let trace = std::fs::read_to_string(
        std::fs::read_dir(project.path().join("out/latest/decline"))
            .expect("feature folder")
            .flatten()
            .next()
            .expect("scenario folder")
            .path()
            .join("trace.jsonl"),
    )
    .expect("trace");
    let then = trace
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON"))
        .find(|e| e["kind"] == "step-finished" && e["text"].as_str().is_some_and(|t| t.contains("approved")))
        .expect("the Then step finished");
    assert_eq!(then["status"], "failed");
    assert!(then["duration_ms"].as_u64().expect("ms") < 1000, "{then}");
}
