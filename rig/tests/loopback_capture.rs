//! The timeline's host journal is what crossed the wire: a loopback capture
//! (dumpcap, Debian's package, capturing as root as CI does) taken while
//! the host-fault features play holds, message for message, the frames the
//! traces record as sent and received, and none that a trace records as
//! withheld (the answers a fault kept off the wire).

mod common;

use common::{rig, scratch_project, text};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn traces(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            traces(&p, found);
        } else if p.file_name().is_some_and(|n| n == "trace.jsonl") {
            found.push(p);
        }
    }
}

/// Whole ISO 8583 frames (2-byte length, TPDU 60..., the message) found in
/// the captured TCP streams, each direction of each connection read in
/// order; a frame cut off by a dropped connection is not whole.
fn captured_frames(pcap: &Path) -> BTreeMap<String, usize> {
    let out = Command::new("tshark")
        .args(["-r", &pcap.display().to_string(), "-Y", "tcp.len > 0", "-T", "fields"])
        .args(["-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.payload"])
        .output()
        .expect("tshark runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut streams: BTreeMap<(u64, u64), Vec<u8>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut parts = line.split('\t');
        let (Some(stream), Some(port), Some(payload)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let key = (stream.parse().unwrap_or(0), port.parse().unwrap_or(0));
        let bytes = hex::decode(payload.replace(':', "")).expect("payload hex");
        streams.entry(key).or_default().extend(bytes);
    }
    let mut frames = BTreeMap::new();
    for bytes in streams.values() {
        let mut at = 0;
        while at + 2 <= bytes.len() {
            let len = usize::from(u16::from_be_bytes([bytes[at], bytes[at + 1]]));
            let end = at + 2 + len;
            // The host link's frames start with a TPDU (60 ...); vpcd's
            // card traffic, on the same interface, with an APDU or a control byte.
            if bytes.get(at + 2) != Some(&0x60) || end > bytes.len() {
                break;
            }
            *frames.entry(hex::encode_upper(&bytes[at..end])).or_insert(0) += 1;
            at = end;
        }
    }
    frames
}

#[test]
fn a_loopback_capture_holds_the_host_journal_message_for_message() {
    let project = scratch_project();
    let pcap = project.path().join("lo.pcapng");
    let mut dumpcap = Command::new("dumpcap")
        .args(["-i", "lo", "-f", "tcp", "-w", &pcap.display().to_string()])
        .stderr(Stdio::piped())
        .spawn()
        .expect("dumpcap runs (Debian's wireshark-common; the test command installs tshark)");
    // Capturing once it says so; nothing may play before.
    let mut said = BufReader::new(dumpcap.stderr.take().expect("stderr"));
    let mut line = String::new();
    while said.read_line(&mut line).expect("dumpcap's stderr") > 0 && !line.contains("Capturing on") {
        line.clear();
    }
    assert!(line.contains("Capturing on"), "dumpcap did not start capturing: {line}");
    let run = rig(
        &[
            "run",
            "features/host_faults.feature",
            "--evidence",
            "clear",
            "--report-dir",
            "out",
        ],
        project.path(),
    );
    // SIGINT: dumpcap writes what it has and ends.
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(dumpcap.id() as i32, libc::SIGINT) };
    let status = dumpcap.wait().expect("dumpcap ends");
    assert!(status.success(), "dumpcap: {status}");
    assert!(run.status.success(), "{}", text(&run));

    let mut journal: BTreeMap<String, usize> = BTreeMap::new();
    let mut withheld = Vec::new();
    let mut found = Vec::new();
    traces(&project.path().join("out/latest"), &mut found);
    for trace in &found {
        let text = std::fs::read_to_string(trace).expect("trace");
        for line in text.lines() {
            let e: Value = serde_json::from_str(line).expect("a JSON line");
            let raw = e["raw"].as_str().unwrap_or_default().to_string();
            match e["kind"].as_str() {
                Some("host-received" | "host-sent") => *journal.entry(raw).or_insert(0) += 1,
                Some("host-withheld") => withheld.push(raw),
                _ => {}
            }
        }
    }
    assert!(!withheld.is_empty(), "the host-fault features withhold answers");
    let wire = captured_frames(&pcap);
    let missing: Vec<&String> = journal.keys().filter(|f| wire.get(*f) != journal.get(*f)).collect();
    let extra: Vec<&String> = wire.keys().filter(|f| !journal.contains_key(*f)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "journal and wire differ: {} journaled frames not on the wire as often, {} on the wire not journaled\n{missing:?}\n{extra:?}",
        missing.len(),
        extra.len()
    );
    for frame in &withheld {
        assert!(!wire.contains_key(frame), "a withheld answer crossed the wire: {frame}");
    }
    assert!(journal.values().sum::<usize>() > 50, "{journal:?}");
}
