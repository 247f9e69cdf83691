//! The HTML report rendered for real: headless Chromium (Debian's package)
//! loads the run's index and scenario pages from file://, and the DOM it
//! built has one lane per party, one arrow per host message and APDU of the
//! trace, and the failure marked on a failing scenario. Screenshots go into
//! the report for people to look at.

mod common;

use common::{rig, scratch_project, text};
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> &'static str {
    if Command::new("chromium").arg("--version").output().is_ok() {
        "chromium"
    } else {
        "chromium-browser"
    }
}

/// The DOM Chromium built from `page`, and a screenshot of it beside it.
fn render(page: &Path, shot: &Path) -> String {
    let url = format!("file://{}", page.display());
    let base = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"];
    let dom = Command::new(chromium())
        .args(base)
        .args(["--dump-dom", &url])
        .output()
        .expect("chromium runs (the test command installs it)");
    assert!(
        dom.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let shot_arg = format!("--screenshot={}", shot.display());
    let png = Command::new(chromium())
        .args(base)
        .args(["--window-size=1300,1400", &shot_arg, &url])
        .output()
        .expect("chromium runs");
    assert!(
        png.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&png.stderr)
    );
    let bytes = std::fs::read(shot).expect("screenshot");
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG screenshot");
    String::from_utf8_lossy(&dom.stdout).into_owned()
}

fn scenario(run: &Path, feature: &str, line: usize) -> PathBuf {
    let prefix = format!("L{line:03}-");
    std::fs::read_dir(run.join(feature))
        .expect("feature folder")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&prefix)))
        .expect("scenario folder")
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn chromium_renders_the_index_and_the_sequence_charts() {
    let project = scratch_project();
    std::fs::write(
        project.path().join("features/wrong.feature"),
        "Feature: Expecting the wrong outcome\n\n  Scenario: An approved sale expected declined\n    Given the terminal is powered on and signed on\n    When the cashier makes a sale of 1.00 yuan with the card \"unionpay-debit\" and its PIN\n    Then the terminal shows \"declined\"\n",
    )
    .expect("feature");
    let out = rig(
        &[
            "run",
            "features/chip_sale.feature:10",
            "features/wrong.feature",
            "--report-dir",
            "out",
        ],
        project.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let run = std::fs::canonicalize(project.path().join("out/latest")).expect("run folder");

    let index = render(&run.join("index.html"), &run.join("index.png"));
    assert_eq!(count(&index, r#"<tr class="scenario""#), 2, "{index}");
    assert_eq!(count(&index, r#"data-status="failed""#), 1, "{index}");
    assert!(
        index.contains("terminal <b>vterm VT-1</b>, firmware <b>1.0.0</b>"),
        "{index}"
    );

    let chip = scenario(&run, "chip_sale", 10);
    let dom = render(&chip.join("index.html"), &chip.join("chart.png"));
    let trace = std::fs::read_to_string(chip.join("trace.jsonl")).expect("trace");
    let hosts = count(&trace, r#""kind":"host-received""#) + count(&trace, r#""kind":"host-sent""#);
    let apdus = count(&trace, r#""kind":"apdu""#);
    assert!(hosts >= 4 && apdus >= 8, "a chip sale: sign-on, sale, APDUs");
    assert_eq!(count(&dom, r#"class="lane""#), 5, "one lane per party");
    assert_eq!(
        count(&dom, r#"class="arrow host""#),
        hosts,
        "one arrow per host message"
    );
    assert_eq!(count(&dom, r#"class="arrow apdu""#), apdus, "one arrow per APDU");
    assert!(
        !dom.contains(r#"class="step failed""#),
        "a passing scenario has no failed step"
    );
    // The PIN as keyed is masked, in one row of keys.
    assert!(dom.contains("* * * * * * ENTER"), "{dom}");
    // The APDUs' data objects by name, the card's cryptogram by its type.
    assert!(
        dom.contains("9F27 Cryptogram Information Data: 80 (an ARQC)"),
        "the GENERATE AC answer decoded by name"
    );

    let wrong = scenario(&run, "wrong", 3);
    let failed = render(&wrong.join("index.html"), &wrong.join("chart.png"));
    assert_eq!(
        count(&failed, r#"class="step failed""#),
        1,
        "the failing step is marked"
    );
    assert!(
        failed.contains(r#"id="failure""#) && failed.contains("declined"),
        "{failed}"
    );
    assert!(
        failed.contains(r#"class="box failure""#),
        "the failure's message is on the chart"
    );
}
