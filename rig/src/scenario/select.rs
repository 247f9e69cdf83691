//! Which scenarios a run plays: tags, shard, `--name` and `PATH:LINE`,
//! decided once over the parsed features, so `--list` shows exactly what a
//! run would play and a selection that matches nothing is a mistake (a tag
//! typo must not pass green in CI).

use super::Shard;
use crate::outcome::ScenarioKey;
use cucumber::gherkin::{self, tagexpr::TagOperation};
use cucumber::tag::Ext as _;
use regex::Regex;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// What the command line selects.
#[derive(Default, Clone)]
pub struct Selection {
    pub tags: Option<TagOperation>,
    pub shard: Option<Shard>,
    /// Scenarios whose name this matches.
    pub name: Option<Regex>,
    /// `PATH:LINE`: per feature file, the lines asked for.
    pub lines: BTreeMap<PathBuf, Vec<usize>>,
}

/// A feature as parsed (Scenario Outlines expanded to one scenario per
/// Examples row), with the lines its scenarios started on before expansion.
pub struct ParsedFeature {
    pub feature: gherkin::Feature,
    pub scenario_starts: Vec<usize>,
}

/// `features/sale.feature:18` -> the file and line 18, when the path with
/// its `:LINE` is not a file itself.
pub fn split_line(path: &Path) -> (PathBuf, Option<usize>) {
    if path.exists() {
        return (path.to_path_buf(), None);
    }
    let text = path.to_string_lossy();
    match text.rsplit_once(':') {
        Some((file, line)) if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) => {
            (PathBuf::from(file), line.parse().ok())
        }
        _ => (path.to_path_buf(), None),
    }
}

/// Every scenario of a feature, with the rule it is in.
pub fn scenarios(feature: &gherkin::Feature) -> Vec<(Option<&gherkin::Rule>, &gherkin::Scenario)> {
    feature
        .scenarios
        .iter()
        .map(|s| (None, s))
        .chain(
            feature
                .rules
                .iter()
                .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s))),
        )
        .collect()
}

impl Selection {
    /// The scenarios selected, in file order.
    pub fn apply<'a>(&self, parsed: &'a [ParsedFeature]) -> Vec<(&'a gherkin::Feature, &'a gherkin::Scenario)> {
        let mut out = Vec::new();
        for p in parsed {
            let asked = p
                .feature
                .path
                .as_ref()
                .and_then(|f| self.lines.iter().find(|(file, _)| same_file(file, f)))
                .map(|(_, lines)| lines);
            for (rule, scenario) in scenarios(&p.feature) {
                if let Some(lines) = asked
                    && !lines.iter().any(|&l| at_line(p, scenario, l))
                {
                    continue;
                }
                if self.name.as_ref().is_some_and(|re| !re.is_match(&scenario.name)) {
                    continue;
                }
                if self.shard.is_some_and(|s| !s.includes(&p.feature, scenario)) {
                    continue;
                }
                if let Some(op) = &self.tags {
                    let all = p
                        .feature
                        .tags
                        .iter()
                        .chain(rule.iter().flat_map(|r| r.tags.iter()))
                        .chain(scenario.tags.iter());
                    if !op.eval(all) {
                        continue;
                    }
                }
                out.push((&p.feature, scenario));
            }
        }
        out
    }

    pub fn keys(&self, parsed: &[ParsedFeature]) -> HashSet<ScenarioKey> {
        self.apply(parsed)
            .into_iter()
            .map(|(f, s)| ScenarioKey::of(f, s))
            .collect()
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || std::fs::canonicalize(a)
            .ok()
            .zip(std::fs::canonicalize(b).ok())
            .is_some_and(|(x, y)| x == y)
}

/// Whether `line` asks for `scenario`: its own line (an Examples row
/// selects that example alone), or any line of the scenario (or outline)
/// it was expanded from.
fn at_line(p: &ParsedFeature, scenario: &gherkin::Scenario, line: usize) -> bool {
    let own = scenario.position.line;
    if own == line {
        return true;
    }
    let rows: HashSet<usize> = scenarios(&p.feature).iter().map(|(_, s)| s.position.line).collect();
    if rows.contains(&line) {
        return false;
    }
    // The original scenario containing `line`: the last that starts at or before it.
    let Some(start) = p.scenario_starts.iter().copied().filter(|&s| s <= line).max() else {
        return false;
    };
    let end = p
        .scenario_starts
        .iter()
        .copied()
        .filter(|&s| s > start)
        .min()
        .unwrap_or(usize::MAX);
    (start..end).contains(&own)
}
