//! Merging the JUnit reports of several shards into one for CI.

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
