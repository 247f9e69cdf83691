//! Which feature files and scenarios a run plays: files found under the
//! paths, parsed up front (a file with a mistake is set aside with its
//! place), selected by line, tags, name and shard.

use super::feature_check::{self, BadFeature};
use super::select::{self, ParsedFeature, Selection};
use super::{RunOptions, SetupError};
use cucumber::gherkin::{self, GherkinEnv, tagexpr::TagOperation};
use std::path::PathBuf;

/// Feature files under `paths`, in a stable order.
pub fn feature_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SetupError> {
    let mut files = Vec::new();
    for path in paths {
        let (path, _) = select::split_line(path);
        let path = &path;
        if path.is_file() {
            files.push(path.clone());
        } else if path.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(dir) = stack.pop() {
                let entries = std::fs::read_dir(&dir).map_err(|_| SetupError::MissingPath(dir.clone()))?;
                for entry in entries.flatten() {
                    let p = entry.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|e| e == "feature") {
                        files.push(p);
                    }
                }
            }
        } else {
            return Err(SetupError::MissingPath(path.clone()));
        }
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(SetupError::NoFeatures(shown.join(", ")));
    }
    Ok(files)
}

/// Parses every feature up front; a file with a mistake (syntax, a
/// misspelt keyword, an outline without examples, an unfilled placeholder)
/// is set aside with its file, line and column, and the others still play.
fn parse_features(files: &[PathBuf]) -> (Vec<ParsedFeature>, Vec<BadFeature>) {
    use cucumber::feature::Ext as _;
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for f in files {
        if let Some(misspelt) = std::fs::read_to_string(f)
            .ok()
            .and_then(|text| feature_check::misspelt_keyword(f, &text))
        {
            bad.push(misspelt);
            continue;
        }
        let feature = match gherkin::Feature::parse_path(f, GherkinEnv::default()) {
            Ok(feature) => feature,
            Err(e) => {
                bad.push(feature_check::parse_error(f, &e));
                continue;
            }
        };
        // A column no placeholder uses may describe its row (Cucumber allows
        // it): a warning, not a mistake. A mistyped column name leaves its
        // placeholder unfilled, which `expand_examples` reports below.
        for unused in feature_check::unused_example_columns(f, &feature) {
            eprintln!(
                "warning: {} (a description column plays; if a placeholder was meant, check its name)",
                unused.place()
            );
        }
        let outlines = feature_check::outlines_without_examples(f, &feature);
        if !outlines.is_empty() {
            bad.extend(outlines);
            continue;
        }
        let scenario_starts = select::scenarios(&feature)
            .iter()
            .map(|(_, s)| s.position.line)
            .collect();
        let feature = match feature.expand_examples() {
            Ok(feature) => feature,
            Err(e) => {
                bad.push(BadFeature {
                    path: f.clone(),
                    line: e.pos.line,
                    column: e.pos.col,
                    message: format!("<{}> is filled by no column of the Examples", e.name),
                });
                continue;
            }
        };
        good.push(ParsedFeature {
            feature,
            scenario_starts,
        });
    }
    (good, bad)
}

/// The selection the options ask for, what it selects, and the feature
/// files that cannot play; a selection of nothing (and no bad file) is a mistake.
pub(super) fn selected(options: &RunOptions) -> Result<(Vec<ParsedFeature>, Selection, Vec<BadFeature>), SetupError> {
    let tags = match &options.tags {
        Some(expr) => Some(expr.parse::<TagOperation>().map_err(|e| SetupError::Tags {
            expr: expr.clone(),
            message: e.to_string(),
        })?),
        None => None,
    };
    let name = match &options.name {
        Some(expr) => Some(regex::Regex::new(expr).map_err(|e| SetupError::Name {
            expr: expr.clone(),
            message: e.to_string(),
        })?),
        None => None,
    };
    let mut lines: std::collections::BTreeMap<PathBuf, Vec<usize>> = Default::default();
    for path in &options.paths {
        if let (file, Some(line)) = select::split_line(path) {
            lines.entry(file).or_default().push(line);
        }
    }
    let files = feature_files(&options.paths)?;
    let (parsed, bad) = parse_features(&files);
    let selection = Selection {
        tags,
        shard: options.shard,
        name,
        lines,
    };
    if selection.apply(&parsed).is_empty() && bad.is_empty() {
        let mut asked: Vec<String> = options.paths.iter().map(|p| p.display().to_string()).collect();
        if let Some(t) = &options.tags {
            asked.push(format!("--tags {t:?}"));
        }
        if let Some(n) = &options.name {
            asked.push(format!("--name {n:?}"));
        }
        if let Some(s) = &options.shard {
            asked.push(format!("--shard {}/{}", s.index, s.count));
        }
        return Err(SetupError::NothingSelected(asked.join(" ")));
    }
    Ok((parsed, selection, bad))
}

/// `rig run --list`: the scenarios a run would play, `file:line name`, without playing them.
pub fn list(options: &RunOptions) -> Result<Vec<String>, SetupError> {
    let (parsed, selection, bad) = selected(options)?;
    if let Some(first) = bad.first() {
        return Err(SetupError::Feature(first.place()));
    }
    Ok(selection
        .apply(&parsed)
        .into_iter()
        .map(|(f, s)| {
            let file = f.path.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
            format!("{file}:{} {}", s.position.line, s.name)
        })
        .collect())
}

/// Feeds already parsed features to cucumber.
pub(super) struct Parsed;

impl cucumber::Parser<Vec<gherkin::Feature>> for Parsed {
    type Cli = cucumber::cli::Empty;
    type Output = futures::stream::Iter<std::vec::IntoIter<cucumber::parser::Result<gherkin::Feature>>>;

    fn parse(self, input: Vec<gherkin::Feature>, _: Self::Cli) -> Self::Output {
        futures::stream::iter(input.into_iter().map(Ok).collect::<Vec<_>>())
    }
}
