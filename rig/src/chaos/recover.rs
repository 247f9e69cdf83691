//! After a scenario played with an injection: recover the terminal (let it
//! finish, cut and restore its power, sign on), reprint what has no
//! receipt, settle, then check the invariants. The verdict goes to the
//! scenario's folder as `chaos.json`, which `rig chaos` reads.

use super::arm::Fired;
use super::injection::{self, Fault, Injection, LearnedPoint};
use super::invariants::{self, Check, Evidence};
use crate::bench::flow::Datum;
use crate::bench::strategy::TerminalState;
use crate::bench::{BenchError, LiveBench};
use crate::config::flows::Answer;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The file a play with `--inject` leaves in its scenario folder.
pub const VERDICT_FILE: &str = "chaos.json";

/// The scenario a verdict is about, as `rig run FEATURE:LINE` selects it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioRef {
    pub feature: String,
    pub line: usize,
    pub name: String,
}

/// What one play found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub scenario: Option<ScenarioRef>,
    pub injection: String,
    /// The fault struck (its point came); false: the play never reached it.
    pub struck: bool,
    /// Why the terminal could not be recovered, if it could not.
    pub recovery_error: Option<String>,
    /// What went wrong after the recovery (a reprint, the settlement): the checks show its effect.
    pub notes: Vec<String>,
    pub checks: Vec<Check>,
    /// The scenario's injection points, as this play met them.
    pub points: Vec<LearnedPoint>,
}

impl Verdict {
    pub fn held(&self) -> bool {
        self.recovery_error.is_none() && self.checks.iter().all(|c| c.held)
    }
}

/// Recovers, reprints, settles and checks; every failure of the recovery is in the verdict.
pub async fn play_out(bench: &mut LiveBench, scenario: ScenarioRef, injection: &Injection, fired: &Fired) -> Verdict {
    fired.disarm();
    let struck = fired.at().is_some();
    let points = injection::learn(&bench.timeline.since(0));
    let recovery_from = bench.timeline.now();
    bench.note(&format!(
        "chaos: recovery after {injection}{}",
        if struck { "" } else { " (its point never came)" }
    ));
    let mut notes = Vec::new();
    let recovery_error = match recover(bench, injection.fault == Fault::Power && struck).await {
        Err(e) => Some(e.to_string()),
        Ok(()) => {
            // What goes wrong from here shows in the checks; the notes say why.
            if let Err(e) = reprint_missing(bench).await {
                notes.push(format!("reprint: {e}"));
                let _ = bench.bring_to(TerminalState::Idle).await;
            }
            if let Err(e) = settle(bench).await {
                notes.push(format!("settlement: {e}"));
            }
            None
        }
    };
    let events = bench.timeline.since(0);
    let receipts = crate::snapshot::receipts_as(&events, crate::mask::Evidence::Clear);
    let ledger = bench.host.ledger();
    let checks = invariants::check_all(&Evidence {
        events: &events,
        ledger: &ledger,
        injection,
        struck_at: fired.at(),
        recovery_from,
        settles: bench.profile().capabilities.has_transaction("settlement"),
        receipts: &receipts,
    });
    Verdict {
        scenario: Some(scenario),
        injection: injection.to_string(),
        struck,
        recovery_error,
        notes,
        checks,
        points,
    }
}

/// The fault is lifted, the terminal finishes what it can, then is switched
/// off and on again and signed on: what a cashier does after a fault.
async fn recover(bench: &mut LiveBench, power_was_cut: bool) -> Result<(), BenchError> {
    bench.host.clear_faults();
    match bench.paper(false) {
        // A bench without a paper sensor has no paper to load.
        Err(BenchError::Lacks(_)) | Ok(()) => {}
        Err(e) => return Err(e),
    }
    // A card may or may not still be in: either way none is after this.
    let _ = bench.remove_card();
    if !power_was_cut {
        // Whatever it was doing (printing once paper is back, a reversal
        // after a timeout) it may finish; a terminal that hangs is switched off.
        let _ = bench.bring_to(TerminalState::Idle).await;
    }
    bench.power_off().await;
    bench.bring_to(TerminalState::Ready).await?;
    Ok(())
}

/// Reprints each approved transaction that has no receipt, by its voucher number.
async fn reprint_missing(bench: &mut LiveBench) -> Result<(), BenchError> {
    if !bench.profile().capabilities.has_transaction("reprint_voucher") {
        return Ok(());
    }
    let prompt = Duration::from_millis(bench.profile().timeouts.prompt_ms);
    let receipts = crate::snapshot::receipts_as(&bench.timeline.since(0), crate::mask::Evidence::Clear);
    let ledger = bench.host.ledger();
    let stans: Vec<String> = invariants::without_receipt(&ledger, &receipts)
        .iter()
        .map(|r| r.stan.clone())
        .collect();
    for stan in stans {
        let from = bench
            .begin("reprint_voucher", vec![(Answer::Voucher, Datum::Digits(stan))])
            .await?;
        bench.await_prompt(from, "reprinted", prompt).await?;
        bench.bring_to(TerminalState::Idle).await?;
    }
    Ok(())
}

/// Settles the batch, when the terminal offers settlement.
async fn settle(bench: &mut LiveBench) -> Result<(), BenchError> {
    if !bench.profile().capabilities.has_transaction("settlement") {
        return Ok(());
    }
    let online = Duration::from_millis(bench.profile().timeouts.online_ms);
    let from = bench.begin("settlement", Vec::new()).await?;
    bench.await_prompt(from, "settled", online).await?;
    bench.bring_to(TerminalState::Idle).await?;
    Ok(())
}
