//! JUnit reports: written from every attempt of a run, so a scenario that
//! passed on a retry after a bench fault shows as flaky (passed, with a
//! `flakyError`), not as a failure; and merged across shards for CI.
//!
//! The flaky and rerun elements follow Maven Surefire's report schema,
//! which Jenkins, GitLab and most JUnit viewers read.

use crate::failure::FailureClass;
use crate::outcome::{History, ScenarioOutcome};
use quick_xml::escape::{escape, partial_escape};
use std::fmt::Write as _;
use std::path::Path;

/// The report of one run: one `<testsuite>` per feature file.
/// `evidence` goes into each suite's properties: a reader of the report must
/// know whether its traces hold card data in clear.
pub fn report(histories: &[History], cwd: &Path, evidence: crate::mask::Evidence) -> String {
    let evidence = match evidence {
        crate::mask::Evidence::Masked => "masked",
        crate::mask::Evidence::Clear => "clear",
    };
    let mut suites: Vec<(String, Vec<&History>)> = Vec::new();
    for h in histories {
        let name = suite_name(h.last(), cwd);
        match suites.iter_mut().find(|(n, _)| *n == name) {
            Some((_, cases)) => cases.push(h),
            None => suites.push((name, vec![h])),
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (name, cases) in &suites {
        let count = |class: FailureClass| {
            cases
                .iter()
                .filter(|h| h.last().failure.as_ref().is_some_and(|f| f.class == class))
                .count()
        };
        let failures = count(FailureClass::TerminalFailure);
        let errors = count(FailureClass::BenchFault) + count(FailureClass::Mistake);
        let skipped = count(FailureClass::NotOnThisBench);
        let time: f64 = cases.iter().map(|h| h.last().duration.as_secs_f64()).sum();
        let stamp = cases
            .first()
            .map(|h| {
                chrono::DateTime::<chrono::Utc>::from(h.attempts[0].started)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\" timestamp=\"{stamp}\">",
            attr(name),
            cases.len()
        );
        let _ = writeln!(
            out,
            "    <properties>\n      <property name=\"evidence\" value=\"{evidence}\"/>\n    </properties>"
        );
        for h in cases {
            testcase(&mut out, h, cwd);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn shown_path(o: &ScenarioOutcome, cwd: &Path) -> String {
    o.file
        .as_deref()
        .map(|p| p.strip_prefix(cwd).unwrap_or(p).display().to_string())
        .unwrap_or_default()
}

fn suite_name(o: &ScenarioOutcome, cwd: &Path) -> String {
    format!("Feature: {}: {}", o.feature, shown_path(o, cwd))
}

fn testcase(out: &mut String, h: &History, cwd: &Path) {
    let last = h.last();
    let name = format!(
        "{}Scenario: {}: {}:{}:{}",
        last.rule.as_ref().map(|r| format!("Rule: {r}: ")).unwrap_or_default(),
        last.scenario,
        shown_path(last, cwd),
        last.line,
        last.column
    );
    let _ = writeln!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\">",
        attr(&name),
        attr(&format!("Feature: {}", last.feature)),
        last.duration.as_secs_f64()
    );
    if let Some(f) = last.failure.as_ref().filter(|f| f.class.is_skip()) {
        let _ = writeln!(
            out,
            "      <skipped message=\"{}\"/>",
            attr(&format!("{}: {}", f.step, first_line(&f.message)))
        );
    } else if let Some(f) = &last.failure {
        let element = if f.class == FailureClass::TerminalFailure {
            "failure"
        } else {
            "error"
        };
        let _ = writeln!(
            out,
            "      <{element} type=\"{}\" message=\"{}\">{}</{element}>",
            f.class,
            attr(&format!("{}: {}", f.step, first_line(&f.message))),
            content(&f.message)
        );
    }
    // Earlier attempts: flaky when the last one passed, reruns when it failed too.
    let prefix = if h.passed() { "flaky" } else { "rerun" };
    for (i, earlier) in h.earlier().iter().enumerate() {
        let Some(f) = &earlier.failure else { continue };
        let element = if f.class == FailureClass::TerminalFailure {
            format!("{prefix}Failure")
        } else {
            format!("{prefix}Error")
        };
        let _ = writeln!(
            out,
            "      <{element} type=\"{}\" message=\"attempt {}: {}: {}\"><stackTrace>{}</stackTrace><system-out>{}</system-out></{element}>",
            f.class,
            i + 1,
            attr(&f.step),
            attr(first_line(&f.message)),
            content(&f.message),
            content(&system_out(earlier))
        );
    }
    let _ = writeln!(out, "      <system-out>{}</system-out>", content(&system_out(last)));
    out.push_str("    </testcase>\n");
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Report text, escaped for an XML attribute, with card numbers masked: a
/// failure message may quote what the terminal displayed.
fn attr(s: &str) -> String {
    escape(crate::mask::text(s).as_str()).into_owned()
}

/// Report text, escaped for element content, with card numbers masked.
fn content(s: &str) -> String {
    partial_escape(crate::mask::text(s).as_str()).into_owned()
}

fn system_out(o: &ScenarioOutcome) -> String {
    let mut text = o.steps.join("\n");
    if let Some(dir) = &o.dir {
        let _ = write!(text, "\ntrace: {}", dir.display());
    }
    text
}

/// The `<testsuite>` elements of one report.
fn suites(xml: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<testsuite ") {
        let Some(len) = rest[start..].find("</testsuite>") else {
            break;
        };
        let end = start + len + "</testsuite>".len();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

/// One report holding every shard's test suites.
pub fn merge(reports: &[String]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites>");
    for r in reports {
        for s in suites(r) {
            out.push_str(s);
        }
    }
    out.push_str("</testsuites>\n");
    out
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
            Path::new("/bench"),
            crate::mask::Evidence::Masked,
        );
        assert_eq!(xml.matches("<testcase ").count(), 3, "{xml}");
        assert!(xml.contains(r#"tests="3" failures="1" errors="0""#), "{xml}");
        assert!(xml.contains(r#"<flakyError type="bench fault" message="attempt 1: When the cashier &lt;starts&gt; a sale: bench fault: serial port unplugged">"#), "{xml}");
        assert!(xml.contains(r#"<failure type="terminal failure""#), "{xml}");
        // Paths are shown relative to where rig ran, as cucumber shows them.
        assert!(
            xml.contains("Scenario: scenario at 18: features/sale.feature:18:3"),
            "{xml}"
        );
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
            Path::new("/"),
            crate::mask::Evidence::Masked,
        );
        assert!(
            xml.contains(r#"tests="2" failures="0" errors="0" skipped="1""#),
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
            Path::new("/"),
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
            Path::new("/"),
            crate::mask::Evidence::Masked,
        );
        assert!(xml.contains(r#"failures="0" errors="1""#), "{xml}");
        assert!(xml.contains(r#"<error type="bench fault""#), "{xml}");
        assert!(
            xml.contains(r#"<rerunError type="bench fault" message="attempt 1:"#),
            "{xml}"
        );
    }

    #[test]
    fn suites_of_all_shards_end_up_in_one_report() {
        let a = r#"<?xml version="1.0"?><testsuites><testsuite name="A" tests="1"><testcase name="a1"/></testsuite></testsuites>"#;
        let b = r#"<?xml version="1.0"?><testsuites><testsuite name="B" tests="2"><testcase name="b1"/><testcase name="b2"/></testsuite><testsuite name="C" tests="0"></testsuite></testsuites>"#;
        let merged = merge(&[a.to_string(), b.to_string()]);
        assert_eq!(merged.matches("<testsuite ").count(), 3);
        assert_eq!(merged.matches("<testcase ").count(), 3);
        assert!(merged.starts_with("<?xml") && merged.trim_end().ends_with("</testsuites>"));
    }
}
