//! JUnit reports on quick-junit (cargo-nextest's data model): written from
//! every attempt of a run, so a scenario that passed on a retry after a
//! bench fault shows as flaky (passed, with a `flakyError`), not as a
//! failure; one that failed on every attempt carries its earlier attempts as
//! `rerunError`s; and reports are merged across shards for CI.
//!
//! The flaky and rerun elements follow Maven Surefire's report schema,
//! which Jenkins, GitLab and most JUnit viewers read.

use crate::failure::FailureClass;
use crate::outcome::{History, ScenarioOutcome};
use crate::report::FeatureRoots;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestRerun, TestSuite};

/// The report of one run: one `<testsuite>` per feature file.
/// `evidence` goes into each suite's properties: a reader of the report must
/// know whether its traces hold card data in clear.
pub fn report(histories: &[History], roots: &FeatureRoots, evidence: crate::mask::Evidence) -> String {
    let evidence = match evidence {
        crate::mask::Evidence::Masked => "masked",
        crate::mask::Evidence::Clear => "clear",
    };
    let mut suites: Vec<(String, Vec<&History>)> = Vec::new();
    for h in histories {
        let name = suite_name(h.last(), roots);
        match suites.iter_mut().find(|(n, _)| *n == name) {
            Some((_, cases)) => cases.push(h),
            None => suites.push((name, vec![h])),
        }
    }
    let mut report = Report::new("rig");
    for (name, cases) in &suites {
        let mut suite = TestSuite::new(name.as_str());
        suite.set_time(cases.iter().map(|h| h.last().duration).sum());
        if let Some(first) = cases.first() {
            suite.set_timestamp(chrono::DateTime::<chrono::Utc>::from(first.attempts[0].started).fixed_offset());
        }
        suite.add_property(Property::new("evidence", evidence));
        suite.add_test_cases(cases.iter().map(|h| testcase(h, roots)));
        report.add_test_suite(suite);
    }
    // Serializing our own strings to a String cannot fail for I/O; were it
    // to fail for another reason, the report says so rather than vanishing.
    report.to_string().unwrap_or_else(|e| {
        format!("<?xml version=\"1.0\"?><!-- rig could not write this report: {e} --><testsuites/>\n")
    })
}

/// Relative to the folder the feature was found in (`FeatureRoots`).
fn shown_path(o: &ScenarioOutcome, roots: &FeatureRoots) -> String {
    o.file.as_deref().map(|p| roots.shown(p)).unwrap_or_default()
}

fn suite_name(o: &ScenarioOutcome, roots: &FeatureRoots) -> String {
    format!("{}: {}: {}", o.feature_keyword, o.feature, shown_path(o, roots))
}

/// A terminal failure is what the test is for (`failure`); a bench fault or
/// a feature mistake is an error around it (`error`).
fn kind_of(class: FailureClass) -> NonSuccessKind {
    if class == FailureClass::TerminalFailure {
        NonSuccessKind::Failure
    } else {
        NonSuccessKind::Error
    }
}

fn testcase(h: &History, roots: &FeatureRoots) -> TestCase {
    let last = h.last();
    let name = format!(
        "{}{}: {}: {}:{}:{}",
        last.rule.as_ref().map(|r| format!("Rule: {r}: ")).unwrap_or_default(),
        last.scenario_keyword,
        last.scenario,
        shown_path(last, roots),
        last.line,
        last.column
    );
    // Earlier attempts: flaky when the last one passed, reruns when it failed too.
    let earlier: Vec<TestRerun> = h
        .earlier()
        .iter()
        .enumerate()
        .filter_map(|(i, earlier)| {
            let f = earlier.failure.as_ref()?;
            let mut rerun = TestRerun::new(kind_of(f.class));
            rerun
                .set_type(f.class.label())
                .set_message(masked(&format!(
                    "attempt {}: {}: {}",
                    i + 1,
                    f.step,
                    first_line(&f.message)
                )))
                .set_stack_trace(masked(&f.message))
                .set_system_out(masked(&system_out(earlier)));
            Some(rerun)
        })
        .collect();
    let status = match &last.failure {
        Some(f) if f.class.is_skip() => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(masked(&format!("{}: {}", f.step, first_line(&f.message))));
            status
        }
        Some(f) => {
            let mut status = TestCaseStatus::non_success(kind_of(f.class));
            status
                .set_type(f.class.label())
                .set_message(masked(&format!("{}: {}", f.step, first_line(&f.message))))
                .set_description(masked(&f.message))
                .add_reruns(earlier);
            status
        }
        None => TestCaseStatus::Success { flaky_runs: earlier },
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(format!("{}: {}", last.feature_keyword, last.feature))
        .set_time(last.duration)
        .set_system_out(masked(&system_out(last)));
    case
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Report text with card numbers masked: a failure message may quote what
/// the terminal displayed.
fn masked(s: &str) -> String {
    crate::mask::text(s)
}

fn system_out(o: &ScenarioOutcome) -> String {
    let mut text = o.steps.join("\n");
    if let Some(dir) = &o.dir {
        text.push_str(&format!("\ntrace: {}", dir.display()));
    }
    text
}

/// One report holding every shard's test suites.
pub fn merge(reports: &[String]) -> Result<String, MergeError> {
    let mut merged = Report::new("rig");
    for (i, text) in reports.iter().enumerate() {
        let report = Report::deserialize_from_str(text).map_err(|source| MergeError::Read { index: i, source })?;
        merged.add_test_suites(report.test_suites);
    }
    merged.to_string().map_err(MergeError::Write)
}

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("report {} is not JUnit XML: {source}", index + 1)]
    Read {
        index: usize,
        #[source]
        source: quick_junit::DeserializeError,
    },
    #[error("cannot write the merged report: {0}")]
    Write(#[source] quick_junit::SerializeError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Failure, histories};
    use std::path::PathBuf;
    use std::time::{Duration, SystemTime};

    fn outcome(line: usize, failure: Option<(FailureClass, &str)>) -> ScenarioOutcome {
        ScenarioOutcome {
            feature: "Sale".into(),
            feature_keyword: "Feature".into(),
            scenario_keyword: "Scenario".into(),
            file: Some(PathBuf::from("/bench/features/sale.feature")),
            rule: None,
            scenario: format!("scenario at {line}"),
            line,
            column: 3,
            started: SystemTime::UNIX_EPOCH,
            duration: Duration::from_millis(1500),
            steps: vec!["✔ Given the terminal is powered on".into()],
            failure: failure.map(|(class, message)| Failure {
                class,
                step: "When the cashier <starts> a sale".into(),
                message: message.into(),
            }),
            dir: None,
            tags: Vec::new(),
        }
    }

    #[test]
    fn a_retry_that_passes_is_flaky_not_a_failure() {
        let first = vec![
            outcome(9, None),
            outcome(
                18,
                Some((FailureClass::BenchFault, "bench fault: serial port unplugged")),
            ),
            outcome(
                27,
                Some((FailureClass::TerminalFailure, "terminal failure: showed \"declined\"")),
            ),
        ];
        let retry = vec![outcome(18, None)];
        let xml = report(
            &histories(&[first, retry]),
            &FeatureRoots::folders([PathBuf::from("/bench/features")]),
            crate::mask::Evidence::Masked,
        );
        assert_eq!(xml.matches("<testcase ").count(), 3, "{xml}");
        assert!(
            xml.contains(r#"tests="3" skipped="0" errors="0" failures="1""#),
            "{xml}"
        );
        assert!(xml.contains(r#"<flakyError message="attempt 1: When the cashier &lt;starts&gt; a sale: bench fault: serial port unplugged" type="bench fault">"#), "{xml}");
        assert!(xml.contains(r#"<failure message="When the cashier &lt;starts&gt; a sale: terminal failure: showed &quot;declined&quot;" type="terminal failure">"#), "{xml}");
        // Paths are shown relative to the folder the features were found in.
        assert!(xml.contains("Scenario: scenario at 18: sale.feature:18:3"), "{xml}");
        assert!(!xml.contains("rerun"), "{xml}");
    }

    #[test]
    fn a_scenario_needing_a_device_the_bench_lacks_is_skipped_not_failed() {
        let lacks = Some((
            FailureClass::NotOnThisBench,
            "not on this bench: this bench has no magnetic stripe emulator",
        ));
        let xml = report(
            &histories(&[vec![outcome(5, lacks), outcome(9, None)]]),
            &FeatureRoots::default(),
            crate::mask::Evidence::Masked,
        );
        assert!(
            xml.contains(r#"tests="2" skipped="1" errors="0" failures="0""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<skipped message="When the cashier &lt;starts&gt; a sale: not on this bench: this bench has no magnetic stripe emulator"/>"#),
            "{xml}"
        );
    }

    #[test]
    fn card_numbers_in_failure_messages_are_masked() {
        let shown = "terminal failure: no prompt \"approved\" (the display shows \"6222021234567890128\")";
        let xml = report(
            &histories(&[vec![outcome(7, Some((FailureClass::TerminalFailure, shown)))]]),
            &FeatureRoots::default(),
            crate::mask::Evidence::Masked,
        );
        assert!(!xml.contains("6222021234567890128"), "{xml}");
        assert!(xml.contains("622202*********0128"), "{xml}");
    }

    #[test]
    fn a_bench_fault_on_every_attempt_is_an_error_with_its_reruns() {
        let fault = Some((FailureClass::BenchFault, "bench fault: probe not found"));
        let xml = report(
            &histories(&[vec![outcome(5, fault)], vec![outcome(5, fault)]]),
            &FeatureRoots::default(),
            crate::mask::Evidence::Masked,
        );
        assert!(xml.contains(r#"errors="1" failures="0""#), "{xml}");
        assert!(xml.contains(r#"<error message="When the cashier &lt;starts&gt; a sale: bench fault: probe not found" type="bench fault">"#), "{xml}");
        assert!(
            xml.contains(r#"<rerunError message="attempt 1: When the cashier &lt;starts&gt; a sale: bench fault: probe not found" type="bench fault">"#),
            "{xml}"
        );
    }

    #[test]
    fn suites_of_all_shards_end_up_in_one_report() {
        let a = r#"<?xml version="1.0"?><testsuites><testsuite name="A" tests="1"><testcase name="a1"/></testsuite></testsuites>"#;
        let b = r#"<?xml version="1.0"?><testsuites><testsuite name="B" tests="2"><testcase name="b1"/><testcase name="b2"/></testsuite><testsuite name="C" tests="0"></testsuite></testsuites>"#;
        let merged = merge(&[a.to_string(), b.to_string()]).expect("both are JUnit");
        assert_eq!(merged.matches("<testsuite ").count(), 3);
        assert_eq!(merged.matches("<testcase ").count(), 3);
        assert!(merged.starts_with("<?xml") && merged.trim_end().ends_with("</testsuites>"));
    }
}
