//! `rig trace show` and `rig trace diff` on traces of real runs.

mod common;

use common::{rig, scratch_project, text};
use std::path::{Path, PathBuf};

/// The folder of the scenario at `line` in the run's `feature` folder.
fn scenario(report: &Path, feature: &str, line: usize) -> PathBuf {
    let prefix = format!("L{line:03}-");
    std::fs::read_dir(report.join("latest").join(feature))
        .expect("feature folder")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&prefix)))
        .expect("scenario folder")
}

#[test]
fn show_and_diff_read_the_traces_of_real_runs() {
    let project = scratch_project();
    let dir = project.path();
    let first = rig(
        &[
            "run",
            "features/firmware.feature",
            "features/swipe_sale.feature:9",
            "--report-dir",
            "one",
        ],
        dir,
    );
    assert!(first.status.success(), "{}", text(&first));
    let second = rig(&["run", "features/swipe_sale.feature:9", "--report-dir", "two"], dir);
    assert!(second.status.success(), "{}", text(&second));
    let sale = scenario(&dir.join("one"), "swipe_sale", 9);

    // show: one line per event, host messages decoded, key releases left out.
    let out = rig(&["trace", "show", &sale.display().to_string()], dir);
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    for line in [
        "host      terminal -> host 0200 sale 100.00 yuan stan",
        "host      host -> terminal 0210 sale 100.00 yuan stan",
        "keypad    key ENTER",
        "console   print: -- cut --",
        "rig       ✔ Then the terminal shows \"approved\"",
    ] {
        assert!(shown.contains(line), "{line:?} not shown:\n{shown}");
    }
    assert!(!shown.contains("release"), "key releases are left out:\n{shown}");
    assert!(
        shown.lines().all(|l| l.contains(" s  ")),
        "every line starts with its time:\n{shown}"
    );

    let hosts = rig(&["trace", "show", &sale.display().to_string(), "--source", "host"], dir);
    let hosts = String::from_utf8_lossy(&hosts.stdout).to_string();
    assert!(
        !hosts.is_empty() && hosts.lines().all(|l| l.contains(" host ")),
        "{hosts}"
    );

    let step = rig(
        &[
            "trace",
            "show",
            &sale.join("trace.jsonl").display().to_string(),
            "--step",
            "2",
        ],
        dir,
    );
    let step = String::from_utf8_lossy(&step.stdout).to_string();
    assert!(
        step.lines()
            .next()
            .is_some_and(|l| l.contains("▶ When the cashier starts a sale of 100.00 yuan")),
        "{step}"
    );
    assert!(!step.contains("swipes the card"), "only step 2:\n{step}");

    // diff: the same scenario in two runs agrees once what varies is left out.
    let again = scenario(&dir.join("two"), "swipe_sale", 9);
    let same = rig(
        &[
            "trace",
            "diff",
            &sale.display().to_string(),
            &again.display().to_string(),
        ],
        dir,
    );
    assert_eq!(same.status.code(), Some(0), "{}", text(&same));

    // ... and the regression image against the current one points at the amount line.
    let current = scenario(&dir.join("one"), "firmware", 14);
    let regression = scenario(&dir.join("one"), "firmware", 6);
    let parted = rig(
        &[
            "trace",
            "diff",
            &current.display().to_string(),
            &regression.display().to_string(),
        ],
        dir,
    );
    assert_eq!(parted.status.code(), Some(1), "{}", text(&parted));
    let diff = String::from_utf8_lossy(&parted.stdout).to_string();
    assert!(diff.starts_with("@@ first divergence"), "{diff}");
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.ends_with("金额(AMOUNT): RMB 100.00")),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('+') && l.ends_with("金额(AMOUNT): RMB 1000.00")),
        "{diff}"
    );
    assert!(
        !diff.contains("参考号(REFER NO): 0"),
        "the RRN varies: left out\n{diff}"
    );

    // A path with no trace is a mistake in the command.
    let none = rig(&["trace", "show", "no/such/folder"], dir);
    assert_eq!(none.status.code(), Some(2), "{}", text(&none));
    assert!(text(&none).contains("no trace.jsonl here"), "{}", text(&none));
}
