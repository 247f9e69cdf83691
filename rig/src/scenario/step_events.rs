//! Steps on the timeline: every step function is called through one
//! wrapper that publishes `step-started` before it runs and `step-finished`
//! (status, duration, error) after, from inside the step's own future, so
//! the trace shows exactly which events each step saw. (A cucumber writer
//! hears of a step only once the step has run up to its first await.)

use super::world::RigWorld;
use crate::events::{Kind, Source};
use cucumber::codegen::{StepConstructor as _, WorldInventory};
use cucumber::step::{Collection, Context};
use futures::FutureExt as _;
use futures::future::LocalBoxFuture;
use std::panic::AssertUnwindSafe;
use std::sync::LazyLock;
use std::time::Instant;

/// The step definitions as the `#[given]` / `#[when]` / `#[then]` macros registered them.
static DEFINED: LazyLock<Collection<RigWorld>> = LazyLock::new(<RigWorld as cucumber::World>::collection);

/// The same definitions (regexes and source locations), each run through [`traced`].
pub fn collection() -> Collection<RigWorld> {
    let mut out = Collection::new();
    for s in cucumber::codegen::inventory::iter::<<RigWorld as WorldInventory>::Given> {
        let (loc, regex, _) = s.inner();
        out = out.given(Some(loc), regex(), traced);
    }
    for s in cucumber::codegen::inventory::iter::<<RigWorld as WorldInventory>::When> {
        let (loc, regex, _) = s.inner();
        out = out.when(Some(loc), regex(), traced);
    }
    for s in cucumber::codegen::inventory::iter::<<RigWorld as WorldInventory>::Then> {
        let (loc, regex, _) = s.inner();
        out = out.then(Some(loc), regex(), traced);
    }
    out
}

fn traced(world: &mut RigWorld, ctx: Context) -> LocalBoxFuture<'_, ()> {
    async move {
        // The same regexes as ours: a step that reached us matches exactly one.
        let Ok(Some((step_fn, _, _, _))) = DEFINED.find(&ctx.step) else {
            panic!(
                "step {:?} matches no definition (the step collection changed)",
                ctx.step.value
            )
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
        let outcome = AssertUnwindSafe(step_fn(world, ctx)).catch_unwind().await;
        let error = outcome.as_ref().err().map(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the step panicked".into())
        });
        publish(
            world,
            Kind::StepFinished {
                text,
                status: if error.is_some() { "failed" } else { "passed" }.into(),
                duration_ms: started.elapsed().as_millis() as u64,
                error,
            },
        );
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
    .boxed_local()
}

fn publish(world: &RigWorld, kind: Kind) {
    if let Some(bench) = &world.bench {
        bench.timeline.publish(Source::Rig, kind);
    }
}
