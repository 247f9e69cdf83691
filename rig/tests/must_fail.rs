//! The must-fail corpus (rig/tests/must_fail/*.feature): for the steps that
//! give a verdict, scenarios in which the step must fail, with the message
//! it must give, and scenarios in which it must pass. The comment above each
//! scenario says which: `# must pass`, or `# must fail (CLASS): TEXT`. The
//! test plays the corpus on the virtual bench and checks every scenario's
//! outcome in junit.xml: its status, its failure class, that its message
//! holds TEXT, and that it failed by a judge (the outcome was certain), not
//! because a deadline ran out.

mod common;

use common::{cases, junit, rig, scratch_project, workspace};
use std::collections::BTreeMap;

#[derive(Debug)]
enum Expected {
    Pass,
    Fail { class: String, text: String },
}

/// (file name, scenario line) -> what the comment above it says.
fn expectations(dir: &std::path::Path) -> BTreeMap<(String, usize), Expected> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("the corpus folder").flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "feature") {
            continue;
        }
        let name = path.file_name().expect("name").to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("read feature");
        let mut pending: Option<Expected> = None;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line == "# must pass" {
                pending = Some(Expected::Pass);
            } else if let Some(rest) = line.strip_prefix("# must fail (") {
                let (class, text) = rest.split_once("): ").expect("# must fail (CLASS): TEXT");
                pending = Some(Expected::Fail {
                    class: class.to_string(),
                    text: text.to_string(),
                });
            } else if line.starts_with("Scenario:") || line.starts_with("场景:") {
                let expected = pending
                    .take()
                    .unwrap_or_else(|| panic!("{name}:{}: a scenario without # must pass / # must fail", i + 1));
                out.insert((name.clone(), i + 1), expected);
            }
        }
    }
    out
}

#[test]
fn every_must_fail_scenario_fails_for_its_reason_and_every_must_pass_one_passes() {
    let corpus = workspace().join("rig/tests/must_fail");
    let expected = expectations(&corpus);
    assert!(expected.len() >= 30, "the corpus has {} scenarios", expected.len());
    let project = scratch_project();
    common::copy_dir(&corpus, &project.path().join("must_fail"));
    let out = rig(&["run", "must_fail", "--report-dir", "out"], project.path());
    let report = junit(&project.path().join("out/latest/junit.xml"));
    let mut wrong = Vec::new();
    let mut seen = 0;
    for case in cases(&report) {
        // "Scenario: NAME: FILE:LINE:COLUMN"
        let name = case.name.as_str();
        let place = name.rsplit(": ").next().unwrap_or_default();
        let mut parts = place.split(':');
        let (Some(file), Some(line)) = (parts.next(), parts.next().and_then(|l| l.parse::<usize>().ok())) else {
            wrong.push(format!("{name}: no file:line in the case's name"));
            continue;
        };
        let Some(want) = expected.get(&(file.to_string(), line)) else {
            wrong.push(format!("{file}:{line}: played but not in the corpus"));
            continue;
        };
        seen += 1;
        let failure = match &case.status {
            quick_junit::TestCaseStatus::Success { .. } => None,
            quick_junit::TestCaseStatus::NonSuccess { message, ty, .. } => Some((
                ty.as_ref().map(|t| t.as_str().to_string()).unwrap_or_default(),
                message.as_ref().map(|m| m.as_str().to_string()).unwrap_or_default(),
            )),
            quick_junit::TestCaseStatus::Skipped { message, .. } => Some((
                "skipped".into(),
                message.as_ref().map(|m| m.as_str().to_string()).unwrap_or_default(),
            )),
        };
        match (want, failure) {
            (Expected::Pass, None) => {}
            (Expected::Pass, Some((ty, message))) => wrong.push(format!("{file}:{line}: must pass, {ty}: {message}")),
            (Expected::Fail { .. }, None) => wrong.push(format!("{file}:{line}: must fail, but passed")),
            (Expected::Fail { class, text }, Some((ty, message))) => {
                if ty != *class || !message.contains(text.as_str()) {
                    wrong.push(format!(
                        "{file}:{line}: must fail ({class}) with {text:?}, failed ({ty}): {message}"
                    ));
                } else if message.contains(" within ") {
                    // "no X within 15s": the wait ran out although the outcome was certain.
                    wrong.push(format!("{file}:{line}: failed by a deadline, not at once: {message}"));
                }
            }
        }
    }
    assert_eq!(
        seen,
        expected.len(),
        "every corpus scenario is played\n{}",
        common::text(&out)
    );
    assert!(wrong.is_empty(), "{}\n\n{}", wrong.join("\n"), common::text(&out));
}
