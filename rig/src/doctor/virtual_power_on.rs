//! `rig doctor` on a virtual bench: switches the terminal program on once,
//! as a scenario would, and checks it against the contract of
//! firmware-images/VIRTUAL-BENCH.md: its READY line, its boot banner on the
//! console, the readers its profile says it has, and the idle prompt after
//! the sign-on at power-on.

use super::{Check, check};
use crate::bench::BenchPlan;
use crate::config::capabilities::Interface;
use crate::events::Timeline;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const CONTRACT: &str = "firmware-images/VIRTUAL-BENCH.md";

/// The checks of one power-on of the bench file at `path`.
pub fn checks(path: &Path) -> Vec<Check> {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            return vec![check(
                "terminal power-on",
                Err((e.to_string(), "rig needs threads and timers".into())),
            )];
        }
    };
    runtime.block_on(power_on(path))
}

async fn power_on(path: &Path) -> Vec<Check> {
    let mut checks = Vec::new();
    let plan = match BenchPlan::load(path) {
        Ok(plan) => Arc::new(plan),
        // The file checks above already said what is wrong with it.
        Err(_) => return checks,
    };
    let logs = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            checks.push(check(
                "terminal power-on",
                Err((e.to_string(), "make the temp folder writable".into())),
            ));
            return checks;
        }
    };
    let mut bench = match plan.assemble(Timeline::new(), logs.path()).await {
        Ok(b) => b,
        Err(e) => {
            checks.push(check(
                "terminal power-on",
                Err((e.to_string(), format!("see {CONTRACT}"))),
            ));
            return checks;
        }
    };
    let booted = bench.power_on().await;
    let stderr = std::fs::read_to_string(logs.path().join("vterm.stderr.log")).unwrap_or_default();
    let stderr = stderr
        .lines()
        .last()
        .map(|l| format!("; its stderr: {l}"))
        .unwrap_or_default();
    match booted {
        Ok(version) => checks.push(check(
            "READY line and boot banner",
            Ok(format!("firmware {version} booted")),
        )),
        Err(e) => {
            checks.push(check(
                "READY line and boot banner",
                Err((
                    format!("{e}{stderr}"),
                    format!(
                        "print `READY [contact=HOST:PORT] [contactless=HOST:PORT]` as the first stdout line, then the \
                         banner the profile's console.banner matches ({CONTRACT})"
                    ),
                )),
            ));
            bench.power_off().await;
            return checks;
        }
    }
    let profile = bench.profile().clone();
    let readers = bench.readers().clone();
    for (interface, named, key) in [
        (Interface::Contact, readers.contact.as_deref(), "contact"),
        (Interface::Contactless, readers.contactless.as_deref(), "contactless"),
    ] {
        let wanted = profile.capabilities.has_interface(interface);
        let result = match (wanted, named) {
            (true, Some(addr)) => Ok(format!("listens at {addr}")),
            (false, None) => Ok("none (the profile offers none)".into()),
            (false, Some(addr)) => Ok(format!("listens at {addr} (the profile offers none: unused)")),
            (true, None) => Err((
                format!("the READY line names no {key}= reader"),
                format!(
                    "announce the reader's address as {key}=HOST:PORT, or drop \"{}\" from the profile's \
                     capabilities.interfaces",
                    interface.name()
                ),
            )),
        };
        checks.push(check(&format!("{key} reader"), result));
    }
    let wait = Duration::from_millis(profile.timeouts.boot_ms + profile.timeouts.online_ms);
    checks.push(check(
        "idle after power-on",
        bench
            .await_prompt(0, "idle", wait)
            .await
            .map(|(shown, _)| format!("shows {shown:?}"))
            .map_err(|e| {
                (
                    e.to_string(),
                    "sign on at power-on and show the profile's idle prompt (or correct [prompts] idle)".into(),
                )
            }),
    ));
    bench.power_off().await;
    bench.disconnect().await;
    checks
}
