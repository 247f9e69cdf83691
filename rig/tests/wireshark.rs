//! Every host frame of a whole run, written by `rig trace pcap` and decoded
//! by tshark (Debian's package; an independent ISO 8583 reader driven by
//! the shipped Lua dissector, tools/wireshark/pos8583.lua), equals the
//! trace's fields, field for field. And the shipped dissector is the one
//! the codec's field table generates.

mod common;

use common::{rig, scratch_project, text, workspace};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Field numbers the dialect has (the dissector's columns).
const FIELDS: &[u64] = &[
    2, 3, 4, 11, 12, 13, 14, 15, 22, 23, 25, 26, 32, 35, 36, 37, 38, 39, 41, 42, 44, 48, 49, 52, 53, 54, 55, 60, 61,
    62, 63, 64,
];

#[test]
fn the_shipped_dissector_is_the_generated_one() {
    let out = rig(&["trace", "dissector"], &workspace());
    assert!(out.status.success(), "{}", text(&out));
    let shipped = std::fs::read_to_string(workspace().join("tools/wireshark/pos8583.lua")).expect("pos8583.lua");
    assert_eq!(
        shipped,
        String::from_utf8_lossy(&out.stdout),
        "regenerate it: rig trace dissector > tools/wireshark/pos8583.lua"
    );
}

#[test]
fn tshark_with_the_dissector_decodes_every_host_frame_of_a_run_to_the_traces_fields() {
    let project = scratch_project();
    let run = rig(&["run", "--report-dir", "out"], project.path());
    assert!(run.status.success(), "{}", text(&run));
    let mut found = Vec::new();
    traces(&project.path().join("out/latest"), &mut found);
    let lua = workspace().join("tools/wireshark/pos8583.lua");
    let mut frames = 0;
    for trace in &found {
        let pcap = trace.with_file_name("host.pcapng");
        let out = rig(
            &[
                "trace",
                "pcap",
                &trace.display().to_string(),
                "-o",
                &pcap.display().to_string(),
            ],
            project.path(),
        );
        assert!(out.status.success(), "{}", text(&out));
        let mut args = vec![
            "-X".to_string(),
            format!("lua_script:{}", lua.display()),
            "-r".into(),
            pcap.display().to_string(),
            "-Y".into(),
            "pos8583".into(),
            "-T".into(),
            "fields".into(),
            "-E".into(),
            "occurrence=f".into(),
            "-e".into(),
            "pos8583.mti".into(),
        ];
        for n in FIELDS {
            args.push("-e".into());
            args.push(format!("pos8583.f{n}"));
        }
        let decoded = Command::new("tshark")
            .args(&args)
            .output()
            .expect("tshark runs (the test command installs it)");
        assert!(
            decoded.status.success(),
            "tshark: {}",
            String::from_utf8_lossy(&decoded.stderr)
        );
        let decoded = String::from_utf8_lossy(&decoded.stdout).to_string();
        let rows: Vec<Vec<&str>> = decoded.lines().map(|l| l.split('\t').collect()).collect();
        let expected: Vec<Value> = std::fs::read_to_string(trace)
            .expect("trace")
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).expect("JSON"))
            .filter(|e| matches!(e["kind"].as_str(), Some("host-received" | "host-sent")) && e["raw"].is_string())
            .collect();
        assert_eq!(
            rows.len(),
            expected.len(),
            "{}: frames decoded\n{decoded}",
            trace.display()
        );
        for (row, event) in rows.iter().zip(&expected) {
            assert_eq!(row[0], event["mti"].as_str().unwrap_or(""), "{}: MTI", trace.display());
            let fields: Vec<(u64, String)> = event["fields"]
                .as_array()
                .map(|fs| {
                    fs.iter()
                        .filter_map(|f| Some((f[0].as_u64()?, f[1].as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            for (i, n) in FIELDS.iter().enumerate() {
                let shown = row.get(i + 1).copied().unwrap_or("");
                let traced = fields
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("");
                assert_eq!(shown, traced, "{}: field {n} of {}", trace.display(), row[0]);
            }
            frames += 1;
        }
    }
    // Field 55 and the card's answers as BER-TLV, each object by its name.
    let chip = found
        .iter()
        .find(|t| std::fs::read_to_string(t).is_ok_and(|s| s.contains(r#""kind":"apdu""#) && s.contains("9F26")))
        .expect("a run has a chip sale");
    let verbose = Command::new("tshark")
        .arg("-X")
        .arg(format!("lua_script:{}", lua.display()))
        .arg("-r")
        .arg(chip.with_file_name("host.pcapng"))
        .arg("-V")
        .output()
        .expect("tshark runs");
    let verbose = String::from_utf8_lossy(&verbose.stdout);
    for object in [
        "Data object: 9F26 Application Cryptogram",
        "Data object: 9F27 Cryptogram Information Data",
        "Data object: 82 Application Interchange Profile",
        "Data object: 95 Terminal Verification Results",
    ] {
        assert!(verbose.contains(object), "{}: no {object:?}", chip.display());
    }
    assert!(
        frames > 300,
        "a whole run has hundreds of host frames, decoded {frames}"
    );
}
