//! What happened to each scenario of a run, over its attempts, with the
//! class of its failure: read after the run to decide retries, the exit
//! code and the reports (JUnit). Filled by `scenario::collect`, a cucumber
//! writer; known to the reports without knowing cucumber's run.

use crate::failure::FailureClass;
use cucumber::gherkin;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone)]
pub struct Failure {
    pub class: FailureClass,
    /// The step (or hook) that failed, as written in the feature.
    pub step: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct ScenarioOutcome {
    pub feature: String,
    /// The Gherkin keywords as the feature wrote them ("Feature", "功能";
    /// "Scenario", "场景"), so reports name it in its own language.
    pub feature_keyword: String,
    pub scenario_keyword: String,
    pub file: Option<PathBuf>,
    pub rule: Option<String>,
    pub scenario: String,
    pub line: usize,
    pub column: usize,
    pub started: SystemTime,
    pub duration: Duration,
    /// Steps as the console showed them, for the report's system-out.
    pub steps: Vec<String>,
    pub failure: Option<Failure>,
    /// Where this attempt's trace and artifacts are.
    pub dir: Option<PathBuf>,
    /// Its tags and its feature's (and rule's), without the @.
    pub tags: Vec<String>,
}

impl ScenarioOutcome {
    /// "features/sale.feature:18 A wrong PIN ...", as summaries name it.
    pub fn place(&self) -> String {
        let file = self
            .file
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        format!("{file}:{} {}", self.line, self.scenario)
    }

    /// Identifies a scenario across attempts (and shards).
    pub fn key(&self) -> ScenarioKey {
        ScenarioKey {
            file: self.file.clone(),
            line: self.line,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScenarioKey {
    pub file: Option<PathBuf>,
    pub line: usize,
}

impl ScenarioKey {
    pub fn of(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> ScenarioKey {
        ScenarioKey {
            file: feature.path.clone(),
            line: scenario.position.line,
        }
    }
}

/// Every attempt at one scenario, oldest first (never empty).
#[derive(Debug, Clone)]
pub struct History {
    pub attempts: Vec<ScenarioOutcome>,
}

impl History {
    pub fn last(&self) -> &ScenarioOutcome {
        // A History is built from at least one attempt.
        &self.attempts[self.attempts.len() - 1]
    }

    pub fn earlier(&self) -> &[ScenarioOutcome] {
        &self.attempts[..self.attempts.len() - 1]
    }

    pub fn passed(&self) -> bool {
        self.last().failure.is_none()
    }

    /// Passed in the end after failing (with a bench fault) before.
    pub fn is_flaky(&self) -> bool {
        self.passed() && self.attempts.len() > 1
    }
}

/// Groups the outcomes of every attempt by scenario, in the first attempt's order.
pub fn histories(attempts: &[Vec<ScenarioOutcome>]) -> Vec<History> {
    let mut out: Vec<History> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for outcome in attempts.iter().flatten() {
        let key = outcome.key();
        match index.get(&key) {
            Some(&i) => {
                let h: &mut History = &mut out[i];
                h.attempts.push(outcome.clone());
            }
            None => {
                index.insert(key, out.len());
                out.push(History {
                    attempts: vec![outcome.clone()],
                });
            }
        }
    }
    out
}

/// The run in one line per class, and the exit class.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub flaky: usize,
    pub failed: std::collections::BTreeMap<&'static str, usize>,
    pub worst: Option<FailureClass>,
    /// Why the run stopped before playing everything, if it did.
    pub interrupted: Option<&'static str>,
}

impl Tally {
    pub fn of(histories: &[History]) -> Tally {
        let mut tally = Tally::default();
        for h in histories {
            match &h.last().failure {
                None if h.is_flaky() => tally.flaky += 1,
                None => tally.passed += 1,
                Some(f) => *tally.failed.entry(f.class.label()).or_default() += 1,
            }
        }
        tally.worst = FailureClass::worst(
            histories
                .iter()
                .filter_map(|h| h.last().failure.as_ref().map(|f| f.class)),
        );
        tally
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let total = self.passed + self.flaky + self.failed.values().sum::<usize>();
        let s = if total == 1 { "" } else { "s" };
        write!(f, "{total} scenario{s}: {} passed", self.passed)?;
        if self.flaky > 0 {
            write!(f, ", {} flaky (passed after a bench fault)", self.flaky)?;
        }
        for (class, n) in &self.failed {
            if FailureClass::ALL.iter().any(|c| c.is_skip() && c.label() == *class) {
                write!(f, ", {n} skipped ({class})")?;
            } else {
                write!(f, ", {n} {class}")?;
            }
        }
        if let Some(why) = self.interrupted {
            write!(f, "; {why} before the rest was played")?;
        }
        Ok(())
    }
}
