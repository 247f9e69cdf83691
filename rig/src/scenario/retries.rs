//! A run's attempts: one pass over the selection, then again the scenarios
//! that failed with a bench fault; junit.xml and the HTML index rewritten as
//! each scenario finishes, the summary printed at the end.

use super::collect::Outcomes;
use super::feature_check::BadFeature;
use super::order;
use super::play::{Play, json_name, play};
use super::world;
use crate::mask::Evidence;
use crate::outcome::{self, ScenarioKey, Tally};
use crate::report::{self, RunReport};
use cucumber::gherkin;
use std::collections::HashSet;
use std::path::PathBuf;

/// Where a run reports, and what it reports besides the scenarios it plays.
#[derive(Clone, Copy)]
pub(super) struct RunFiles<'a> {
    pub(super) report: &'a RunReport,
    pub(super) evidence: Evidence,
    pub(super) roots: &'a report::FeatureRoots,
    /// Feature files that could not play: feature mistakes of the run.
    pub(super) bad: &'a [BadFeature],
}

/// Plays the scenarios, then again those that failed with a bench fault (up
/// to `retries` times), and writes one JUnit report over every attempt.
pub(super) async fn play_with_retries(
    features: Vec<gherkin::Feature>,
    selected: HashSet<ScenarioKey>,
    retries: u32,
    how: Play,
    run: &RunFiles<'_>,
) -> std::io::Result<Tally> {
    let RunFiles {
        report,
        evidence,
        roots,
        bad,
    } = *run;
    let began = std::time::Instant::now();
    let played: Vec<PathBuf> = features.iter().filter_map(|f| f.path.clone()).collect();
    let mut attempts: Vec<Vec<outcome::ScenarioOutcome>> = Vec::new();
    let mut only = selected;
    let mut interrupted = None;
    for attempt in 1..=retries + 1 {
        // junit.xml of what finished so far, rewritten after each scenario
        // (written whole, then renamed): a run killed with SIGKILL mid-scenario
        // still leaves a valid report.
        let collected = {
            let (earlier, dir, roots) = (attempts.clone(), report.dir.clone(), roots.clone());
            Outcomes::with_progress(move |done| {
                let mut all = earlier.clone();
                all.push(done.to_vec());
                let histories = outcome::histories(&all);
                let xml = crate::junit::report(&histories, &roots, evidence);
                let (tmp, path) = (dir.join("junit.xml.part"), dir.join(report::JUNIT));
                if let Err(e) = std::fs::write(&tmp, xml).and_then(|()| std::fs::rename(&tmp, &path)) {
                    eprintln!("rig: cannot update {}: {e}", path.display());
                }
                // The HTML index too, with the page of the scenario that just finished.
                let (bench, model) = bench_and_model();
                let newest = done.last().and_then(|o| o.dir.clone());
                if let Err(e) = crate::html::write_pages(&dir, &histories, &bench, &model, newest.as_deref()) {
                    eprintln!("rig: cannot update the HTML index in {}: {e}", dir.display());
                }
            })
        };
        let pass = play(features.clone(), only.clone(), how, attempt, report, collected.clone());
        // Ctrl-C or a cancelled CI job: stop playing, but report what finished.
        tokio::select! {
            played = pass => played?,
            why = interruption() => {
                println!("\nrig: {why}: not playing the rest; reporting what finished");
                interrupted = Some(why);
            }
        }
        let mut outcomes = collected.take();
        if interrupted.is_none()
            && let Err(e) = crate::cucumber_json::tidy(&report.dir.join(json_name(attempt)), roots, &played, &outcomes)
        {
            eprintln!("rig: cannot tidy {} for reporters: {e}", json_name(attempt));
        }
        // The feature files that could not play are mistakes of the first attempt.
        if attempt == 1 {
            outcomes.extend(bad.iter().map(BadFeature::outcome));
        }
        if interrupted.is_some() {
            attempts.push(outcomes);
            break;
        }
        let again: HashSet<ScenarioKey> = outcomes
            .iter()
            .filter(|o| o.failure.as_ref().is_some_and(|f| f.class.is_retried()))
            .map(|o| o.key())
            .collect();
        if !again.is_empty() && attempt <= retries {
            let (count, pronoun) = match again.len() {
                1 => ("1 scenario".to_string(), "it"),
                n => (format!("{n} scenarios"), "them"),
            };
            println!(
                "\nrig: {count} failed with a bench fault; playing {pronoun} again (attempt {} of {}):",
                attempt + 1,
                retries + 1
            );
            for o in outcomes.iter_mut().filter(|o| again.contains(&o.key())) {
                println!("  {}", o.place());
                keep_attempt(o, attempt);
            }
        }
        attempts.push(outcomes);
        if again.is_empty() {
            break;
        }
        only = again;
    }
    let histories = outcome::histories(&attempts);
    if let Err(e) = order::save(&report.root, &histories) {
        eprintln!(
            "rig: cannot keep the scenario durations in {}: {e}",
            report.root.display()
        );
    }
    std::fs::write(
        report.dir.join(report::JUNIT),
        crate::junit::report(&histories, roots, evidence),
    )?;
    // The HTML report: the run's index and a page per scenario, from the
    // masked files just written.
    let (bench, model) = bench_and_model();
    if let Err(e) = crate::html::write(&report.dir, &histories, &bench, &model) {
        eprintln!("rig: cannot write the HTML report in {}: {e}", report.dir.display());
    }
    let mut tally = Tally::of(&histories);
    tally.interrupted = interrupted;
    println!(
        "rig: {tally} in {:.1} s ({} at once)",
        began.elapsed().as_secs_f64(),
        how.jobs
    );
    let mut slowest: Vec<&outcome::History> = histories.iter().collect();
    slowest.sort_by_key(|h| std::cmp::Reverse(h.last().duration));
    if slowest.len() > 1 {
        println!("  slowest:");
        for h in slowest.iter().take(5) {
            println!("  {:>7.2} s  {}", h.last().duration.as_secs_f64(), h.last().place());
        }
    }
    for h in histories.iter().filter(|h| !h.passed()) {
        if let Some(f) = &h.last().failure {
            let why = f.message.lines().next().unwrap_or("");
            let why = why.trim_start_matches(&format!("{}: ", f.class));
            println!("  {}: {}: {why}", f.class, h.last().place());
        }
    }
    Ok(tally)
}

/// The run's bench and terminal model, as the HTML report names them.
fn bench_and_model() -> (String, String) {
    world::RUN
        .get()
        .map(|r| (r.plan.bench.file.name.clone(), r.plan.profile.model.clone()))
        .unwrap_or_default()
}

/// Moves a failed attempt's folder aside so the retry does not overwrite
/// the trace that shows the fault.
fn keep_attempt(o: &mut outcome::ScenarioOutcome, attempt: u32) {
    let Some(dir) = &o.dir else { return };
    let mut aside = dir.clone().into_os_string();
    aside.push(format!(".attempt-{attempt}"));
    match std::fs::rename(dir, &aside) {
        Ok(()) => o.dir = Some(aside.into()),
        Err(e) => eprintln!("rig: cannot keep {} of attempt {attempt}: {e}", dir.display()),
    }
}

/// Resolves when the run is asked to stop: Ctrl-C (SIGINT) or SIGTERM.
async fn interruption() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    tokio::select! {
        Ok(()) = tokio::signal::ctrl_c() => "interrupted (SIGINT)",
        Some(()) = async {
            match term.as_mut() {
                Some(t) => t.recv().await,
                None => std::future::pending().await,
            }
        } => "terminated (SIGTERM)",
        else => std::future::pending().await,
    }
}
