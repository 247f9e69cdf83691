//! What a run prints while it plays: each scenario as one block when it
//! finishes (its result, duration, place and steps, as cargo nextest prints
//! tests), so the output stays readable however many scenarios play at once.
//! On a terminal a progress line (elapsed, done / total, passed, failed)
//! stays under the blocks (indicatif); without one (CI) there are plain
//! lines only, and no colour.
//!
//! The writer hears cucumber's events as they happen (not normalised): the
//! steps of scenarios playing at once arrive interleaved, and are kept per
//! scenario until it finishes.

use super::world::RigWorld;
use cucumber::event::{self, HookType};
use cucumber::{Event, Writer, gherkin, parser};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// One scenario still playing.
struct Block {
    started: SystemTime,
    lines: Vec<String>,
    failed: bool,
    /// Skipped by a step: not on this bench or terminal.
    skipped: bool,
}

#[derive(Default)]
struct Counts {
    scenarios: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    steps_passed: usize,
    steps_failed: usize,
    steps_skipped: usize,
}

pub struct Blocks {
    total: usize,
    jobs: usize,
    playing: HashMap<(Option<PathBuf>, usize), Block>,
    counts: Counts,
    /// `Some` on a terminal: the progress line the blocks are printed above.
    bar: Option<ProgressBar>,
    colour: bool,
}

impl Blocks {
    /// A writer for a run of `total` scenarios, `jobs` at once.
    pub fn new(total: usize, jobs: usize) -> Blocks {
        let tty = std::io::stdout().is_terminal();
        let bar = tty.then(|| {
            let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stdout());
            if let Ok(style) = ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Blocks {
            total,
            jobs,
            playing: HashMap::new(),
            counts: Counts::default(),
            bar,
            colour: tty && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn print(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => println!("{text}"),
        }
    }

    fn paint(&self, text: &str, ansi: &str) -> String {
        if self.colour {
            format!("\x1b[{ansi}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn on_scenario(
        &mut self,
        feature: &gherkin::Feature,
        scenario: &gherkin::Scenario,
        ev: event::Scenario<RigWorld>,
        at: SystemTime,
    ) {
        use event::{Hook, Scenario, Step};
        let key = (feature.path.clone(), scenario.position.line);
        if let Scenario::Started = ev {
            self.playing.insert(
                key,
                Block {
                    started: at,
                    lines: Vec::new(),
                    failed: false,
                    skipped: false,
                },
            );
            return;
        }
        if let Scenario::Finished = ev {
            if let Some(block) = self.playing.remove(&key) {
                self.finish(feature, scenario, block, at);
            }
            return;
        }
        let Some(block) = self.playing.get_mut(&key) else {
            return;
        };
        match ev {
            Scenario::Background(step, ev) | Scenario::Step(step, ev) => {
                let text = format!("{}{}", step.keyword, step.value);
                match ev {
                    Step::Started => {}
                    Step::Passed(..) => {
                        self.counts.steps_passed += 1;
                        block.lines.push(format!("  ✔ {text}"));
                    }
                    Step::Skipped => {
                        self.counts.steps_skipped += 1;
                        block.failed = true;
                        block.lines.push(format!("  ? {text}"));
                        let why = super::collect::undefined_at(feature, &step);
                        block.lines.extend(why.lines().map(|l| format!("      {l}")));
                    }
                    Step::Failed(_, _, _, error) => {
                        let why = match &error {
                            event::StepError::NotFound => super::collect::undefined_at(feature, &step),
                            event::StepError::AmbiguousMatch(e) => e.to_string(),
                            event::StepError::Panic(info) => super::collect::panic_text(info),
                        };
                        // "Not on this bench / terminal": the scenario is skipped, not failed.
                        if crate::failure::FailureClass::labelled(&why).is_some_and(|c| c.is_skip()) {
                            self.counts.steps_skipped += 1;
                            block.skipped = true;
                            block.lines.push(format!("  - {text}"));
                        } else {
                            self.counts.steps_failed += 1;
                            block.failed = true;
                            block.lines.push(format!("  ✘ {text}"));
                        }
                        block.lines.extend(why.lines().map(|l| format!("      {l}")));
                    }
                }
            }
            Scenario::Hook(kind, Hook::Failed(_, info)) => {
                block.failed = true;
                let hook = match kind {
                    HookType::Before => "assembling the bench (before hook)",
                    HookType::After => "taking the bench down (after hook)",
                };
                block.lines.push(format!("  ✘ {hook}"));
                let why = super::collect::panic_text(&info);
                block.lines.extend(why.lines().map(|l| format!("      {l}")));
            }
            Scenario::Hook(..) | Scenario::Log(_) | Scenario::Started | Scenario::Finished => {}
        }
    }

    fn finish(&mut self, feature: &gherkin::Feature, scenario: &gherkin::Scenario, block: Block, at: SystemTime) {
        let took = at.duration_since(block.started).unwrap_or_default();
        self.counts.scenarios += 1;
        let verdict = if block.failed {
            self.counts.failed += 1;
            self.paint("FAIL", "1;31")
        } else if block.skipped {
            self.counts.skipped += 1;
            self.paint("SKIP", "33")
        } else {
            self.counts.passed += 1;
            self.paint("PASS", "32")
        };
        let file = feature
            .path
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let mut text = format!(
            "{verdict} [{:>6.2} s] {file}:{} {}",
            took.as_secs_f64(),
            scenario.position.line,
            scenario.name
        );
        for line in &block.lines {
            text.push('\n');
            text.push_str(line);
        }
        self.print(&text);
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!("passed {}, failed {}", self.counts.passed, self.counts.failed));
        }
    }

    fn summary(&self) -> String {
        let c = &self.counts;
        let part = |n: usize, what: &str| (n > 0).then(|| format!("{n} {what}"));
        let scenarios: Vec<String> = [
            part(c.passed, "passed"),
            part(c.failed, "failed"),
            part(c.skipped, "skipped"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let steps: Vec<String> = [
            part(c.steps_passed, "passed"),
            part(c.steps_failed, "failed"),
            part(c.steps_skipped, "skipped"),
        ]
        .into_iter()
        .flatten()
        .collect();
        format!(
            "{} scenarios ({})\n{} steps ({})",
            c.scenarios,
            scenarios.join(", "),
            c.steps_passed + c.steps_failed + c.steps_skipped,
            steps.join(", ")
        )
    }
}

impl Writer<RigWorld> for Blocks {
    type Cli = cucumber::cli::Empty;

    async fn handle_event(&mut self, event: parser::Result<Event<event::Cucumber<RigWorld>>>, _: &Self::Cli) {
        use event::{Cucumber, Feature, Rule};
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                self.print(&format!("rig: cannot read a feature: {e}"));
                return;
            }
        };
        let (event, meta) = event.split();
        match event {
            Cucumber::Started => {
                self.print(&format!("rig: playing {} scenarios, {} at once", self.total, self.jobs));
            }
            Cucumber::Feature(feature, Feature::Scenario(scenario, ev))
            | Cucumber::Feature(feature, Feature::Rule(_, Rule::Scenario(scenario, ev))) => {
                self.on_scenario(&feature, &scenario, ev.event, meta.at);
            }
            Cucumber::Finished => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                println!("{}", self.summary());
            }
            Cucumber::Feature(..) | Cucumber::ParsingFinished { .. } => {}
        }
    }
}

impl cucumber::writer::NonTransforming for Blocks {}
