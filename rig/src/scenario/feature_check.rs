//! Mistakes in feature files, found before anything plays, each with its
//! file, line and column and what was expected there: Gherkin syntax errors
//! (from the gherkin parser), a misspelt block keyword that the parser would
//! take for description text (`Scenari:`), a Scenario Outline without
//! Examples, and an Examples column no `<placeholder>` uses. (A placeholder
//! no column fills is `expand_examples`' error, reported with its place.) A bad file does
//! not stop the run: it is reported as a feature mistake beside the others.

use crate::failure::FailureClass;
use crate::outcome::{Failure, ScenarioOutcome};
use cucumber::gherkin;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// One mistake in one feature file.
#[derive(Debug, Clone)]
pub struct BadFeature {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl BadFeature {
    fn at(path: &Path, line: usize, column: usize, message: String) -> BadFeature {
        BadFeature {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    }

    /// `path:line:column: message`, as compilers write it.
    pub fn place(&self) -> String {
        format!(
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }

    /// The mistake as a scenario outcome, so the summary, exit code and
    /// junit.xml report it like any other feature mistake.
    pub fn outcome(&self) -> ScenarioOutcome {
        ScenarioOutcome {
            feature: self
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            feature_keyword: "Feature".into(),
            scenario_keyword: "Scenario".into(),
            file: Some(self.path.clone()),
            rule: None,
            scenario: "(the feature file)".into(),
            line: self.line,
            column: self.column,
            started: SystemTime::now(),
            duration: Duration::ZERO,
            steps: Vec::new(),
            failure: Some(Failure {
                class: FailureClass::Mistake,
                step: "reading the feature file".into(),
                message: format!("{}: {}", FailureClass::Mistake, self.place()),
            }),
            dir: None,
            tags: Vec::new(),
        }
    }
}

/// The gherkin parser's error, with its position and what it expected.
pub fn parse_error(path: &Path, error: &gherkin::ParseFileError) -> BadFeature {
    match error {
        gherkin::ParseFileError::Reading { source, .. } => {
            BadFeature::at(path, 1, 1, format!("cannot read it: {source}"))
        }
        gherkin::ParseFileError::Parsing { error, source, .. } => {
            // "Error at 5:7: {"a", "b"}" is the parser's only rendering.
            let shown = source.to_string();
            let (line, column, expected) = shown
                .strip_prefix("Error at ")
                .and_then(|rest| {
                    let (pos, expected) = rest.split_once(": ")?;
                    let (l, c) = pos.split_once(':')?;
                    Some((l.parse().ok()?, c.parse().ok()?, expected.to_string()))
                })
                .unwrap_or((1, 1, shown.clone()));
            let what = match error {
                Some(gherkin::EnvError::UnsupportedLanguage(lang)) => {
                    format!("`# language: {lang}` is not a Gherkin language (en, zh-CN, zh-TW, ...)")
                }
                Some(gherkin::EnvError::InconsistentCellCount(rows)) => format!(
                    "a table's rows have different numbers of cells ({})",
                    rows.iter().map(|r| r.len().to_string()).collect::<Vec<_>>().join(", ")
                ),
                Some(gherkin::EnvError::UnknownKeyword(k)) => format!("unknown keyword {k:?}"),
                None => format!("not valid Gherkin here; expected one of {}", expected.replace('"', "`")),
            };
            // The language comment is the first line, whatever the parser says.
            let (line, column) = match error {
                Some(gherkin::EnvError::UnsupportedLanguage(_)) => (1, 1),
                _ => (line, column),
            };
            BadFeature::at(path, line, column, what)
        }
    }
}

const BLOCK_KEYWORDS: [&str; 17] = [
    "Feature",
    "Background",
    "Rule",
    "Scenario",
    "Example",
    "Scenario Outline",
    "Scenario Template",
    "Examples",
    "Scenarios",
    "功能",
    "背景",
    "规则",
    "场景",
    "剧本",
    "场景大纲",
    "剧本大纲",
    "例子",
];

const STEP_KEYWORDS: [&str; 15] = [
    "Given ", "When ", "Then ", "And ", "But ", "* ", "假如", "假设", "假定", "当", "那么", "而且", "并且", "同时",
    "但是",
];

/// A line such as `Scenari: oops` followed by steps: the parser reads it as
/// description text and silently drops the scenario, so it is said here.
pub fn misspelt_keyword(path: &Path, text: &str) -> Option<BadFeature> {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let Some((word, _)) = trimmed.split_once(':') else {
            continue;
        };
        if word.is_empty() || word.starts_with('#') || word.contains(['|', '"', '<']) || BLOCK_KEYWORDS.contains(&word)
        {
            continue;
        }
        let next = lines[i + 1..].iter().map(|l| l.trim_start()).find(|l| !l.is_empty());
        if !next.is_some_and(|n| STEP_KEYWORDS.iter().any(|k| n.starts_with(k))) {
            continue;
        }
        let nearest = BLOCK_KEYWORDS
            .iter()
            .map(|k| (strsim::levenshtein(word, k), *k))
            .min()
            .filter(|(d, k)| *d <= 2 && *d < k.chars().count());
        if let Some((_, keyword)) = nearest {
            return Some(BadFeature::at(
                path,
                i + 1,
                line.len() - trimmed.len() + 1,
                format!("`{word}:` is no Gherkin keyword (did you mean `{keyword}:`?); its steps would be dropped"),
            ));
        }
    }
    None
}

/// The Scenario Outlines of `feature`, in rules too.
fn outlines(feature: &gherkin::Feature) -> impl Iterator<Item = &gherkin::Scenario> {
    super::select::scenarios(feature)
        .into_iter()
        .map(|(_, s)| s)
        .filter(|s| is_outline(&s.keyword))
}

/// Outlines without Examples, before the examples are expanded.
pub fn outlines_without_examples(path: &Path, feature: &gherkin::Feature) -> Vec<BadFeature> {
    outlines(feature)
        .filter(|s| s.examples.is_empty())
        .map(|s| {
            BadFeature::at(
                path,
                s.position.line,
                s.position.col,
                format!(
                    "the {} {:?} has no Examples table to fill its placeholders",
                    s.keyword, s.name
                ),
            )
        })
        .collect()
}

/// Examples columns no `<placeholder>` of their outline uses (a column
/// name mistyped in the table or in a step), before expansion.
pub fn unused_example_columns(path: &Path, feature: &gherkin::Feature) -> Vec<BadFeature> {
    let mut found = Vec::new();
    for s in outlines(feature) {
        // Everything of the outline a placeholder can stand in.
        let mut text = s.name.clone();
        for step in &s.steps {
            text.push_str(&step.value);
            if let Some(doc) = &step.docstring {
                text.push_str(doc);
            }
            for row in step.table.iter().flat_map(|t| t.rows.iter()) {
                text.push_str(&row.join(" "));
            }
        }
        for examples in &s.examples {
            let Some(header) = examples.table.as_ref().and_then(|t| t.rows.first()) else {
                continue;
            };
            for column in header {
                if !text.contains(&format!("<{column}>")) {
                    found.push(BadFeature::at(
                        path,
                        examples.position.line,
                        examples.position.col,
                        format!(
                            "the Examples column {column:?} fills no <{column}> of the outline {:?}",
                            s.name
                        ),
                    ));
                }
            }
        }
    }
    found
}

fn is_outline(keyword: &str) -> bool {
    keyword.contains("Outline") || keyword.contains("Template") || keyword.contains("大纲")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_examples_column_no_placeholder_uses_is_a_mistake() {
        let text = "Feature: f\n  Scenario Outline: o <a>\n    Given x <b>\n\n    Examples:\n      | a | b | c |\n      | 1 | 2 | 3 |\n";
        let feature = gherkin::Feature::parse(text, gherkin::GherkinEnv::default()).expect("parses");
        let bad = unused_example_columns(Path::new("f.feature"), &feature);
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert_eq!(bad[0].line, 5);
        assert!(bad[0].message.contains("column \"c\""), "{}", bad[0].message);
    }

    #[test]
    fn a_misspelt_scenario_keyword_is_found_with_its_place() {
        let text = "Feature: x\n  Some: description\n  Scenari: oops\n    Given the terminal is powered on\n";
        let bad = misspelt_keyword(Path::new("x.feature"), text).expect("found");
        assert_eq!((bad.line, bad.column), (3, 3));
        assert!(bad.message.contains("did you mean `Scenario:`"), "{}", bad.message);
        // Description text that is no keyword, or not followed by steps, is fine.
        assert!(
            misspelt_keyword(
                Path::new("x.feature"),
                "Feature: x\n  Rules: none here\n\n  Scenario: y\n"
            )
            .is_none()
        );
    }
}
