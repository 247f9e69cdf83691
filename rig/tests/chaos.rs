//! `rig chaos` on the virtual bench: the current vterm holds every money
//! invariant under power cuts and host faults at every point of a chip
//! sale and a refund, and the shipped reversal-bug image
//! (firmware-images/vterm-1.0.2-reversal-bug.fw) is caught with a
//! counterexample that `rig run --inject` replays.

mod common;

use common::{rig, scratch_project, text};

#[test]
fn the_current_image_holds_every_invariant_at_every_point() {
    let project = scratch_project();
    let out = rig(
        &[
            "chaos",
            "features/chip_sale.feature:10",
            "features/preauth_refund.feature:32",
            "--faults",
            "power,host,card,paper",
            "--report-dir",
            "out",
        ],
        project.path(),
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("every invariant held"), "{all}");
    // Every kind of point and fault was played.
    for needle in [
        "power at host has request sale #1",
        "host-silent at host has request refund #1",
        "host-late at host has request sale #1",
        "paper-out at receipt #1 starts printing",
        "power at terminal has the answer to sale #1",
        "power at key press #1",
    ] {
        assert!(all.contains(needle), "{needle} not played:\n{all}");
    }
    // The card torn out at its GENERATE AC (its number depends on how many
    // records the card has).
    assert!(
        all.lines()
            .any(|l| l.contains("card-tear at APDU #") && l.contains("GENERATE AC")),
        "no card-tear at a GENERATE AC:\n{all}"
    );
    let campaign = std::fs::read_dir(project.path().join("out"))
        .expect("report folder")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("chaos-"))
        .expect("a campaign folder")
        .path();
    let junit = std::fs::read_to_string(campaign.join("junit.xml")).expect("junit.xml");
    let cases = junit.matches("<testcase ").count();
    assert!(cases > 50, "a test case per play: {cases}\n{junit}");
    assert!(junit.contains(r#"failures="0""#), "{junit}");
    let table = std::fs::read_to_string(campaign.join("chaos-table.txt")).expect("the table");
    assert!(
        table.contains("approved-booked") && !table.contains("BROKEN"),
        "{table}"
    );
}

#[test]
fn the_reversal_bug_image_is_caught_with_a_replayable_counterexample() {
    let project = scratch_project();
    let image = "firmware-images/vterm-1.0.2-reversal-bug.fw";
    let out = rig(
        &[
            "chaos",
            "features/swipe_sale.feature:9",
            "--faults",
            "power",
            "--firmware",
            image,
            "--report-dir",
            "out",
        ],
        project.path(),
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("First counterexample"), "{all}");
    assert!(all.contains("power at host has request sale #1"), "{all}");
    assert!(
        all.contains("approved-booked: approved at the host, neither in the terminal's batch nor reversed: sale STAN"),
        "{all}"
    );
    let replay = "rig run features/swipe_sale.feature:9 --inject power@host-request:sale:1 --firmware firmware-images/vterm-1.0.2-reversal-bug.fw";
    assert!(all.contains(replay), "{all}");
    // The replay plays that one injection and leaves the same verdict.
    let again = rig(
        &[
            "run",
            "features/swipe_sale.feature:9",
            "--inject",
            "power@host-request:sale:1",
            "--firmware",
            image,
            "--report-dir",
            "replay",
        ],
        project.path(),
    );
    let verdict = walk(&project.path().join("replay/latest"))
        .into_iter()
        .find(|p| p.ends_with("chaos.json"))
        .unwrap_or_else(|| panic!("no chaos.json in the replay:\n{}", text(&again)));
    let verdict: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(verdict).expect("verdict")).expect("JSON");
    assert_eq!(verdict["struck"], true);
    let booked = verdict["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "approved-booked"))
        .expect("approved-booked");
    assert_eq!(booked["held"], false, "{verdict}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
