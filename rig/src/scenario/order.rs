//! Longest first: each scenario's last duration is kept beside the run
//! reports (`<report-dir>/durations.json`, by file name and line), and the
//! next run starts the longest scenarios first so the tail of a parallel
//! run is short. Unknown scenarios count as long (they may be new and slow).

use crate::outcome::History;
use cucumber::gherkin;
use std::collections::BTreeMap;
use std::path::Path;

pub const DURATIONS: &str = "durations.json";

/// "sale.feature:18": stable across checkouts, as shards name scenarios.
fn key(file: Option<&Path>, line: usize) -> String {
    let name = file
        .and_then(Path::file_name)
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name}:{line}")
}

/// Last durations in seconds, by scenario; empty when none were kept.
pub fn load(report_root: &Path) -> BTreeMap<String, f64> {
    std::fs::read_to_string(report_root.join(DURATIONS))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Keeps the durations of this run's scenarios beside the others'.
pub fn save(report_root: &Path, histories: &[History]) -> std::io::Result<()> {
    let mut known = load(report_root);
    for h in histories {
        let last = h.last();
        known.insert(key(last.file.as_deref(), last.line), last.duration.as_secs_f64());
    }
    let text = serde_json::to_string_pretty(&known).map_err(std::io::Error::other)?;
    std::fs::write(report_root.join(DURATIONS), text)
}

/// Features and their scenarios ordered longest first.
pub fn longest_first(features: &mut [gherkin::Feature], known: &BTreeMap<String, f64>) {
    let took = |f: &gherkin::Feature, s: &gherkin::Scenario| {
        known
            .get(&key(f.path.as_deref(), s.position.line))
            .copied()
            .unwrap_or(f64::INFINITY)
    };
    for f in features.iter_mut() {
        let mut scenarios = std::mem::take(&mut f.scenarios);
        scenarios.sort_by(|a, b| took(f, b).total_cmp(&took(f, a)));
        f.scenarios = scenarios;
    }
    let longest = |f: &gherkin::Feature| f.scenarios.iter().map(|s| took(f, s)).fold(0.0, f64::max);
    features.sort_by(|a, b| longest(b).total_cmp(&longest(a)));
}
