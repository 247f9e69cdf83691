//! One pass of cucumber over the features: the hooks that build a fresh
//! bench per scenario (flash, arm a chaos injection) and take it down after
//! (play out the recovery, save the artifacts a developer debugs with).

use super::collect::Outcomes;
use super::features::Parsed;
use super::world::{RUN, RigWorld, RunContext};
use super::{blocks, step_events};
use crate::outcome::ScenarioKey;
use crate::report::{self, RunReport};
use crate::snapshot;
use crate::trace;
use cucumber::gherkin;
use cucumber::writer;
use cucumber::{World as _, WriterExt as _};
use futures::FutureExt as _;
use std::collections::HashSet;
use std::path::Path;

/// How one pass plays its scenarios.
#[derive(Debug, Clone, Copy)]
pub(super) struct Play {
    pub(super) fail_fast: bool,
    pub(super) jobs: usize,
}

/// One pass of cucumber over the features (or only the scenarios in
/// `only`), each scenario's outcome going to `outcomes` as it finishes.
pub(super) async fn play(
    features: Vec<gherkin::Feature>,
    only: HashSet<ScenarioKey>,
    how: Play,
    attempt: u32,
    report: &RunReport,
    outcomes: Outcomes,
) -> std::io::Result<()> {
    let json_path = report.dir.join(json_name(attempt));
    let json = std::fs::File::create(&json_path)?;
    // The console hears events as they happen (each scenario printed when it
    // finishes); outcomes and cucumber.json hear them in feature order.
    let in_order = outcomes
        .clone()
        .discard_stats_writes()
        .discard_arbitrary_writes()
        .tee::<RigWorld, _>(writer::Json::for_tee(json))
        .normalized();
    let out = blocks::Blocks::new(only.len(), how.jobs)
        .tee::<RigWorld, _>(in_order)
        .assert_normalized();
    let cucumber = RigWorld::cucumber::<&str>()
        .with_parser(Parsed)
        .with_writer(out)
        .steps(step_events::collection())
        .with_cli(cucumber::cli::Opts::<_, _, _, cucumber::cli::Empty>::default())
        .max_concurrent_scenarios(how.jobs)
        .fail_on_skipped();
    // --fail-fast: the first failed scenario ends the run (its report is kept).
    let cucumber = if how.fail_fast { cucumber.fail_fast() } else { cucumber };
    cucumber
        .before(|feature, _rule, scenario, world| {
            async move {
                let ctx = RUN.get().unwrap_or_else(|| panic!("run context missing"));
                let dir = report::scenario_dir(&ctx.run_dir, feature, scenario);
                if let Err(e) = std::fs::create_dir_all(&dir) {
                    panic!("cannot create {}: {e}", dir.display());
                }
                let timeline = crate::events::Timeline::new();
                if let Err(e) = trace::attach(&timeline, &dir, ctx.masker()) {
                    panic!("cannot write the trace in {}: {e}", dir.display());
                }
                let mut bench = match ctx.plan.assemble(timeline, &dir).await {
                    Ok(bench) => bench,
                    Err(e) => panic!("{}: {e}", e.class()),
                };
                if let Some(image) = &ctx.firmware
                    && let Err(e) = bench.flash(image).await
                {
                    panic!("{}: --firmware {}: {e}", e.class(), image.display());
                }
                if let Some(injection) = &ctx.inject {
                    match crate::chaos::arm::arm(&bench, injection) {
                        Ok(fired) => world.chaos = Some(fired),
                        Err(e) => panic!("{}: --inject {injection}: {e}", crate::failure::FailureClass::Mistake),
                    }
                }
                world.bench = Some(bench);
                world.feature = feature.path.clone();
            }
            .boxed_local()
        })
        .after(|feature, _rule, scenario, _finished, world| {
            async move {
                let Some(world) = world else { return };
                let Some(bench) = world.bench.as_mut() else { return };
                let verdict = match (RUN.get().and_then(|c| c.inject.as_ref()), world.chaos.as_ref()) {
                    (Some(injection), Some(fired)) => {
                        let scenario_ref = crate::chaos::recover::ScenarioRef {
                            feature: feature
                                .path
                                .as_deref()
                                .map(|p| p.display().to_string())
                                .unwrap_or_default(),
                            line: scenario.position.line,
                            name: scenario.name.clone(),
                        };
                        Some(crate::chaos::recover::play_out(bench, scenario_ref, injection, fired).await)
                    }
                    _ => None,
                };
                bench.power_off().await;
                bench.disconnect().await;
                if let Some(ctx) = RUN.get() {
                    let dir = report::scenario_dir(&ctx.run_dir, feature, scenario);
                    save_artifacts(&dir, bench, ctx);
                    if let Some(verdict) = verdict {
                        let path = dir.join(crate::chaos::recover::VERDICT_FILE);
                        let json = serde_json::to_string_pretty(&verdict).unwrap_or_default();
                        if let Err(e) = std::fs::write(&path, crate::mask::text(&json)) {
                            eprintln!("rig: cannot write {}: {e}", path.display());
                        }
                    }
                }
                world.bench = None;
            }
            .boxed_local()
        })
        .filter_run(features, move |feature, _rule, scenario| {
            only.contains(&ScenarioKey::of(feature, scenario))
        })
        .await;
    Ok(())
}

/// The cucumber.json of attempt `attempt` (retries get their own).
pub(super) fn json_name(attempt: u32) -> String {
    if attempt == 1 {
        report::CUCUMBER_JSON.to_string()
    } else {
        format!("cucumber-attempt-{attempt}.json")
    }
}

/// What a developer needs to debug a scenario, beside its trace. A file
/// that cannot be written is said on stderr (and noted in no other way: the
/// scenario is over).
fn save_artifacts(dir: &Path, bench: &crate::bench::LiveBench, ctx: &RunContext) {
    let events = bench.timeline.since(0);
    let receipts = snapshot::receipts_as(&events, ctx.evidence);
    let mut files: Vec<(String, String)> = receipts
        .iter()
        .enumerate()
        .map(|(i, receipt)| (format!("receipt-{:02}.txt", i + 1), format!("{receipt}\n")))
        .collect();
    let mut masker = ctx.masker();
    let masked: Vec<_> = events.iter().map(|e| masker.event(e)).collect();
    files.push((
        "host-messages.yaml".into(),
        snapshot::host_messages_yaml(&masked, false, &ctx.host_fields),
    ));
    for (name, content) in files {
        if let Err(e) = std::fs::write(dir.join(&name), content) {
            eprintln!("rig: cannot save {}: {e}", dir.join(name).display());
        }
    }
}
