//! What happened to each scenario of one attempt, with the class of its
//! failure: a cucumber writer teed beside the console, read after the run
//! to decide retries, the exit code and our JUnit report.

use super::world::RigWorld;
use crate::failure::FailureClass;
use cucumber::event::{self, HookType};
use cucumber::{Event, Writer, gherkin, parser};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

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

/// Collects outcomes; clones share one list, so the run keeps a handle while
/// cucumber owns the writer.
#[derive(Clone, Default)]
pub struct Outcomes {
    done: Arc<Mutex<Vec<ScenarioOutcome>>>,
    current: Option<(ScenarioOutcome, Instant)>,
}

impl Outcomes {
    pub fn take(&self) -> Vec<ScenarioOutcome> {
        self.done
            .lock()
            .map(|mut d| std::mem::take(&mut *d))
            .unwrap_or_default()
    }

    fn on_scenario(
        &mut self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        scenario: &gherkin::Scenario,
        ev: event::Scenario<RigWorld>,
    ) {
        use event::{Hook, Scenario, Step};
        match ev {
            Scenario::Started => {
                let dir = super::world::RUN
                    .get()
                    .map(|ctx| crate::report::scenario_dir(&ctx.run_dir, feature, scenario));
                let outcome = ScenarioOutcome {
                    feature: feature.name.clone(),
                    file: feature.path.clone(),
                    rule: rule.map(|r| r.name.clone()),
                    scenario: scenario.name.clone(),
                    line: scenario.position.line,
                    column: scenario.position.col,
                    started: SystemTime::now(),
                    duration: Duration::ZERO,
                    steps: Vec::new(),
                    failure: None,
                    dir,
                };
                self.current = Some((outcome, Instant::now()));
            }
            Scenario::Hook(kind, Hook::Failed(_, info)) => {
                let message = panic_text(&info);
                // The before hook assembles the bench; whatever it cannot do
                // that carries no class of its own is the bench's fault.
                let class = FailureClass::labelled(&message).unwrap_or(FailureClass::BenchFault);
                let step = match kind {
                    HookType::Before => "assembling the bench (before hook)",
                    HookType::After => "taking the bench down (after hook)",
                };
                self.fail(class, step.to_string(), message);
            }
            Scenario::Background(step, ev) | Scenario::Step(step, ev) => {
                let text = format!("{}{}", step.keyword, step.value);
                match ev {
                    Step::Started => {}
                    Step::Passed(..) => self.log(format!("✔ {text}")),
                    Step::Skipped => {
                        self.log(format!("? {text}"));
                        self.fail(
                            FailureClass::Mistake,
                            text,
                            "no step definition matches this step".into(),
                        );
                    }
                    Step::Failed(_, _, _, error) => {
                        self.log(format!("✘ {text}"));
                        let (class, message) = match &error {
                            event::StepError::NotFound => (
                                FailureClass::Mistake,
                                "no step definition matches this step".to_string(),
                            ),
                            event::StepError::AmbiguousMatch(e) => (FailureClass::Mistake, e.to_string()),
                            event::StepError::Panic(info) => {
                                let m = panic_text(info);
                                (FailureClass::of_message(&m), m)
                            }
                        };
                        self.fail(class, text, message);
                    }
                }
            }
            Scenario::Hook(..) | Scenario::Log(_) => {}
            Scenario::Finished => {
                if let Some((mut outcome, started)) = self.current.take() {
                    outcome.duration = started.elapsed();
                    if let Ok(mut done) = self.done.lock() {
                        done.push(outcome);
                    }
                }
            }
        }
    }

    fn log(&mut self, line: String) {
        if let Some((o, _)) = self.current.as_mut() {
            o.steps.push(line);
        }
    }

    fn fail(&mut self, class: FailureClass, step: String, message: String) {
        if let Some((o, _)) = self.current.as_mut() {
            // The first failure is the cause; later ones (an after hook) follow from it.
            if o.failure.is_none() {
                o.failure = Some(Failure { class, step, message });
            }
        }
    }
}

/// The text of a panic payload (steps' errors arrive as formatted strings).
fn panic_text(info: &event::Info) -> String {
    if let Some(s) = info.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = info.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "panicked with a value that is not text".to_string()
    }
}

impl Writer<RigWorld> for Outcomes {
    type Cli = cucumber::cli::Empty;

    async fn handle_event(&mut self, event: parser::Result<Event<event::Cucumber<RigWorld>>>, _: &Self::Cli) {
        use event::{Cucumber, Feature, Rule};
        let Ok(event) = event else { return };
        let (event, _) = event.split();
        if let Cucumber::Feature(feature, ev) = event {
            match ev {
                Feature::Scenario(scenario, ev) => self.on_scenario(&feature, None, &scenario, ev.event),
                Feature::Rule(rule, Rule::Scenario(scenario, ev)) => {
                    self.on_scenario(&feature, Some(&rule), &scenario, ev.event)
                }
                _ => {}
            }
        }
    }
}

impl cucumber::writer::NonTransforming for Outcomes {}

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
            if *class == FailureClass::NotOnThisBench.label() {
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
