//! cucumber.json as a CI publishes it: rendered by multiple-cucumber-html-reporter
//! (npm, installed by the README's test command into rig/tests/html-reporter),
//! the report must show every feature and scenario with its count, and the
//! receipts rig attached to the scenario's steps.

mod common;

use common::{cases, junit, rig, scratch_project, text};
use std::process::Command;

#[test]
fn cucumber_json_renders_in_an_html_reporter_with_counts_names_and_receipts() {
    let reporter = common::workspace().join("rig/tests/html-reporter");
    assert!(
        reporter.join("node_modules/multiple-cucumber-html-reporter").is_dir(),
        "multiple-cucumber-html-reporter is not installed: npm install --prefix {}",
        reporter.display()
    );
    let project = scratch_project();
    let out = rig(
        &["run", "features/swipe_sale.feature", "--report-dir", "out"],
        project.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let latest = project.path().join("out/latest");
    let json_dir = project.path().join("json");
    std::fs::create_dir_all(&json_dir).expect("mkdir");
    std::fs::copy(latest.join("cucumber.json"), json_dir.join("cucumber.json")).expect("copy");
    let html = project.path().join("html");
    let node = Command::new("node")
        .arg(reporter.join("generate.js"))
        .arg(&json_dir)
        .arg(&html)
        .env("NODE_PATH", reporter.join("node_modules"))
        .output()
        .expect("node runs (Node.js is installed by the README's test command)");
    assert!(node.status.success(), "{}", text(&node));
    let index = std::fs::read_to_string(html.join("index.html")).expect("index.html");
    assert!(index.contains("Sale by swipe with online PIN"), "the feature is listed");
    let scenarios = cases(&junit(&latest.join("junit.xml"))).len();
    assert!(
        index.contains(&format!("<td class=\"text-right \">{scenarios}</td>")),
        "the index counts {scenarios} scenarios"
    );
    let page = std::fs::read_dir(html.join("features"))
        .expect("features pages")
        .flatten()
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .ends_with("sale-by-swipe-with-online-pin.html")
        })
        .expect("the feature's page");
    let page = std::fs::read_to_string(page.path()).expect("page");
    assert!(
        page.contains("An approved swipe sale prints both copies of the slip"),
        "a scenario by name"
    );
    // The receipts attached to the scenario, masked as everywhere.
    assert!(page.contains("POS SALES SLIP"), "the receipt is attached");
    assert!(page.contains("trace: "), "the trace folder is named");
    assert!(!page.contains("6222021234567890128"), "no card number in clear");
}
