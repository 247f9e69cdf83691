//! Steps on the timeline: every step function is called through one
//! wrapper that publishes `step-started` before it runs and `step-finished`
//! (status, duration, error) after, from inside the step's own future, so
//! the trace shows exactly which events each step saw. (A cucumber writer
//! hears of a step only once the step has run up to its first await.)

use super::world::RigWorld;
use crate::events::{Kind, Source};
use cucumber::codegen::{StepConstructor as _, WorldInventory};
use cucumber::gherkin::StepType;
use cucumber::step::Step;
use cucumber::step::{Collection, Context};
use futures::FutureExt as _;
use futures::future::LocalBoxFuture;
use std::panic::AssertUnwindSafe;
use std::sync::LazyLock;
use std::time::Instant;

/// The step definitions as the `#[given]` / `#[when]` / `#[then]` macros registered them.
static DEFINED: LazyLock<Collection<RigWorld>> = LazyLock::new(<RigWorld as cucumber::World>::collection);

/// The same step functions under their Chinese patterns (`zh-CN.toml`).
static DEFINED_ZH: LazyLock<Collection<RigWorld>> = LazyLock::new(|| {
    let mut out = Collection::new();
    for (ty, loc, regex, step) in inventory() {
        if let Some(zh) = super::zh_cn::matcher_of(regex.as_str()) {
            out = register(out, ty, loc, zh, step);
        }
    }
    out
});

/// Every macro-defined step: its type, source, regex and function.
pub(crate) fn inventory() -> Vec<(StepType, cucumber::step::Location, regex::Regex, Step<RigWorld>)> {
    let mut all = Vec::new();
    for s in cucumber::codegen::inventory::iter::<<RigWorld as WorldInventory>::Given> {
        let (loc, regex, step) = s.inner();
        all.push((StepType::Given, loc, regex(), step));
    }
    for s in cucumber::codegen::inventory::iter::<<RigWorld as WorldInventory>::When> {
        let (loc, regex, step) = s.inner();
        all.push((StepType::When, loc, regex(), step));
    }
    for s in cucumber::codegen::inventory::iter::<<RigWorld as WorldInventory>::Then> {
        let (loc, regex, step) = s.inner();
        all.push((StepType::Then, loc, regex(), step));
    }
    all
}

fn register(
    out: Collection<RigWorld>,
    ty: StepType,
    loc: cucumber::step::Location,
    regex: regex::Regex,
    step: Step<RigWorld>,
) -> Collection<RigWorld> {
    match ty {
        StepType::Given => out.given(Some(loc), regex, step),
        StepType::When => out.when(Some(loc), regex, step),
        StepType::Then => out.then(Some(loc), regex, step),
    }
}

/// The same definitions (regexes and source locations) in English and in
/// Chinese, each run through [`traced`].
pub fn collection() -> Collection<RigWorld> {
    let mut out = Collection::new();
    for (ty, loc, regex, _) in inventory() {
        if let Some(zh) = super::zh_cn::matcher_of(regex.as_str()) {
            out = register(out, ty, loc, zh, traced);
        }
        out = register(out, ty, loc, regex, traced);
    }
    out
}

fn traced(world: &mut RigWorld, ctx: Context) -> LocalBoxFuture<'_, ()> {
    async move {
        // The same regexes as ours: a step that reached us matches exactly
        // one, English or Chinese; a Chinese one's captures are given to the
        // step in its English words.
        let (step_fn, ctx, chinese) = match DEFINED.find(&ctx.step) {
            Ok(Some((step_fn, _, _, _))) => (step_fn, ctx, false),
            _ => match DEFINED_ZH.find(&ctx.step) {
                Ok(Some((step_fn, _, _, _))) => (step_fn, super::zh_cn::in_english(ctx), true),
                _ => panic!(
                    "step {:?} matches no definition (the step collection changed)",
                    ctx.step.value
                ),
            },
        };
        let text = format!("{}{}", ctx.step.keyword, ctx.step.value);
        publish(
            world,
            Kind::StepStarted {
                text: text.clone(),
                line: ctx.step.position.line,
            },
        );
        let started = Instant::now();
        // A campaign's power cut ends the scenario at once: nothing a step
        // awaits can come from a terminal without power (the recovery follows).
        let cut = world.chaos.clone().filter(|f| f.ends_steps);
        let step = AssertUnwindSafe(step_fn(world, ctx)).catch_unwind();
        let outcome = match cut {
            None => step.await,
            Some(cut) => {
                tokio::select! {
                    outcome = step => outcome,
                    () = cut.struck() => Err(Box::new(
                        "chaos: the power was cut here (rig run --inject); the scenario's other steps are not played"
                            .to_string(),
                    ) as Box<dyn std::any::Any + Send>),
                }
            }
        };
        let error = outcome.as_ref().err().map(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the step panicked".into());
            // A Chinese step's verdict reads in Chinese first.
            if chinese {
                super::zh_cn::verdict(&message)
            } else {
                message
            }
        });
        publish(
            world,
            Kind::StepFinished {
                text,
                // A step that finds the model lacks what the scenario needs
                // skips it: the trace says so rather than "failed".
                status: match &error {
                    None => "passed",
                    Some(m) if crate::failure::FailureClass::labelled(m).is_some_and(|c| c.is_skip()) => "skipped",
                    Some(_) => "failed",
                }
                .into(),
                duration_ms: started.elapsed().as_millis() as u64,
                error: error.clone(),
            },
        );
        if let Err(panic) = outcome {
            match (chinese, error) {
                // The report and console take the step's panic message.
                (true, Some(message)) => std::panic::resume_unwind(Box::new(message)),
                _ => std::panic::resume_unwind(panic),
            }
        }
    }
    .boxed_local()
}

fn publish(world: &RigWorld, kind: Kind) {
    if let Some(bench) = &world.bench {
        bench.timeline.publish(Source::Rig, kind);
    }
}
