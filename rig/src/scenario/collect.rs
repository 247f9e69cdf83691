//! A cucumber writer teed beside the console: it collects each scenario's
//! outcome of one attempt, with the class of its failure (`crate::outcome`).

use super::world::RigWorld;
use crate::failure::FailureClass;
use crate::outcome::{Failure, ScenarioOutcome};
use cucumber::event::{self, HookType};
use cucumber::{Event, Writer, gherkin, parser};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Told the outcomes so far each time a scenario finishes.
type Progress = Arc<dyn Fn(&[ScenarioOutcome]) + Send + Sync>;

/// Collects outcomes; clones share one list, so the run keeps a handle while
/// cucumber owns the writer.
#[derive(Clone, Default)]
pub struct Outcomes {
    done: Arc<Mutex<Vec<ScenarioOutcome>>>,
    current: Option<ScenarioOutcome>,
    progress: Option<Progress>,
}

impl Outcomes {
    /// Outcomes that tell `progress` what finished after each scenario (the
    /// run rewrites junit.xml then, so a killed run leaves a valid report).
    pub fn with_progress(progress: impl Fn(&[ScenarioOutcome]) + Send + Sync + 'static) -> Outcomes {
        Outcomes {
            progress: Some(Arc::new(progress)),
            ..Outcomes::default()
        }
    }

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
        // When it happened (cucumber stamps each event as it happens; with
        // scenarios in parallel this writer hears of them later, in order).
        at: SystemTime,
    ) {
        use event::{Hook, Scenario, Step};
        match ev {
            Scenario::Started => {
                let dir = super::world::RUN
                    .get()
                    .map(|ctx| crate::report::scenario_dir(&ctx.run_dir, feature, scenario));
                let outcome = ScenarioOutcome {
                    feature: feature.name.clone(),
                    feature_keyword: feature.keyword.clone(),
                    scenario_keyword: scenario.keyword.clone(),
                    file: feature.path.clone(),
                    rule: rule.map(|r| r.name.clone()),
                    scenario: scenario.name.clone(),
                    line: scenario.position.line,
                    column: scenario.position.col,
                    started: at,
                    duration: Duration::ZERO,
                    steps: Vec::new(),
                    failure: None,
                    dir,
                    tags: feature
                        .tags
                        .iter()
                        .chain(rule.map(|r| r.tags.as_slice()).unwrap_or_default())
                        .chain(&scenario.tags)
                        .cloned()
                        .collect(),
                };
                self.current = Some(outcome);
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
                        let why = undefined_at(feature, &step);
                        self.fail(FailureClass::Mistake, text, why);
                    }
                    Step::Failed(_, _, _, error) => {
                        self.log(format!("✘ {text}"));
                        let (class, message) = match &error {
                            event::StepError::NotFound => (FailureClass::Mistake, undefined_at(feature, &step)),
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
                if let Some(mut outcome) = self.current.take() {
                    outcome.duration = at.duration_since(outcome.started).unwrap_or_default();
                    if let Ok(mut done) = self.done.lock() {
                        done.push(outcome);
                        if let Some(progress) = &self.progress {
                            progress(&done);
                        }
                    }
                }
            }
        }
    }

    fn log(&mut self, line: String) {
        if let Some(o) = self.current.as_mut() {
            o.steps.push(line);
        }
    }

    fn fail(&mut self, class: FailureClass, step: String, message: String) {
        if let Some(o) = self.current.as_mut() {
            // The first failure is the cause; later ones (an after hook) follow from it.
            if o.failure.is_none() {
                o.failure = Some(Failure { class, step, message });
            }
        }
    }
}

/// An undefined step's message: where it is and the nearest defined steps.
pub(super) fn undefined_at(feature: &gherkin::Feature, step: &gherkin::Step) -> String {
    let file = feature
        .path
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    format!(
        "{file}:{}: {}",
        step.position.line,
        super::catalogue::undefined(&step.value)
    )
}

/// The text of a panic payload (steps' errors arrive as formatted strings).
pub(super) fn panic_text(info: &event::Info) -> String {
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
        let (event, meta) = event.split();
        if let Cucumber::Feature(feature, ev) = event {
            match ev {
                Feature::Scenario(scenario, ev) => self.on_scenario(&feature, None, &scenario, ev.event, meta.at),
                Feature::Rule(rule, Rule::Scenario(scenario, ev)) => {
                    self.on_scenario(&feature, Some(&rule), &scenario, ev.event, meta.at)
                }
                _ => {}
            }
        }
    }
}

impl cucumber::writer::NonTransforming for Outcomes {}
