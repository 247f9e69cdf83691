//! vterm runs the issuer's scripts where EMV Book 3 (10.10) puts them:
//! template 71 before the second GENERATE AC, template 72 after it; the
//! order is read from the APDUs the card received, as the trace recorded
//! them, and both results reach the host in DF31 of the 0620.

mod common;

use common::{rig, scratch_project, text};
use serde_json::Value;

#[test]
fn template_71_runs_before_the_second_generate_ac_and_template_72_after() {
    let project = scratch_project();
    let feature = "features/chip_sale.feature";
    let source = std::fs::read_to_string(project.path().join(feature)).expect("feature");
    let line = source
        .lines()
        .position(|l| l.contains("Scenario: Issuer scripts: template 71 runs before"))
        .expect("the scenario")
        + 1;
    let out = rig(
        &["run", &format!("{feature}:{line}"), "--report-dir", "out"],
        project.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let folder = std::fs::read_dir(project.path().join("out/latest/chip_sale"))
        .expect("scenario folders")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with(&format!("L{line:03}")))
        .expect("the scenario's folder");
    let trace = std::fs::read_to_string(folder.path().join("trace.jsonl")).expect("trace");
    let commands: Vec<String> = trace
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["kind"] == "apdu")
        .filter_map(|e| e["command"].as_str().map(str::to_string))
        .collect();
    let at = |prefix: &str, nth: usize| {
        commands
            .iter()
            .enumerate()
            .filter(|(_, c)| c.starts_with(prefix))
            .nth(nth)
            .map(|(i, _)| i)
            .unwrap_or_else(|| panic!("no {prefix} #{nth} among {commands:?}"))
    };
    let (first_ac, script_71, second_ac, script_72) = (at("80AE", 0), at("84DA", 0), at("80AE", 1), at("8424", 0));
    assert!(
        first_ac < script_71 && script_71 < second_ac && second_ac < script_72,
        "order: first AC {first_ac}, 71 {script_71}, second AC {second_ac}, 72 {script_72} in {commands:?}"
    );
    // The script result notice reports both, in that order: 20 (done) and the script number.
    let df31 = trace
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["kind"] == "host-received" && e["txn"] == "script result")
        .find_map(|e| {
            e["fields"]
                .as_array()?
                .iter()
                .find_map(|f| (f[0] == 55).then(|| f[1].as_str().map(str::to_string)).flatten())
        })
        .expect("a 0620 with field 55");
    assert!(df31.contains("DF310A20000000012000000002"), "DF31 in {df31}");
}
