//! The cucumber World: one scenario's bench and what the steps remember.

use crate::bench::{BenchError, BenchPlan, LiveBench};
use crate::events::Cursor;
use crate::failure::FailureClass;
use crate::mask::{Evidence, HostFields, Masker};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// What every scenario of a run shares: the checked bench plan and the run's report folder.
#[derive(Debug)]
pub struct RunContext {
    pub plan: Arc<BenchPlan>,
    pub run_dir: PathBuf,
    pub evidence: Evidence,
    /// Where the dialect puts sensitive data in host messages.
    pub host_fields: HostFields,
    /// A fault campaign's play: the fault to inject (`rig run --inject`).
    pub inject: Option<crate::chaos::injection::Injection>,
    /// An image flashed before each scenario (`rig run --firmware`).
    pub firmware: Option<PathBuf>,
}

impl RunContext {
    /// A masker for one sink of one scenario.
    pub fn masker(&self) -> Masker {
        Masker::new(self.evidence, self.host_fields.clone(), Some(&self.plan.profile))
    }
}

pub static RUN: OnceLock<RunContext> = OnceLock::new();

#[derive(Debug, Default, cucumber::World)]
pub struct RigWorld {
    pub bench: Option<LiveBench>,
    /// Where the current transaction started on the timeline.
    pub mark: Cursor,
    /// The transaction the scenario last started (a `[menus]` name, or
    /// "sale" for a cash register's sale), if any.
    pub started: Option<String>,
    pub feature: Option<PathBuf>,
    /// The last card presented, by profile name.
    pub card: Option<String>,
    /// The fault armed for this play of a campaign, and whether it struck.
    pub chaos: Option<Arc<crate::chaos::arm::Fired>>,
}

/// Why a step failed, said for the person reading the report. Its text
/// starts with its [`FailureClass`] label: cucumber turns a step's error
/// into a panic message, and the reports read the class back from it.
#[derive(Debug)]
pub enum StepError {
    Bench(BenchError),
    Snapshot(crate::snapshot::SnapshotError),
    /// The terminal did not do what the feature expects.
    Expectation(String),
    /// The feature asks for something that cannot be (an amount that is not
    /// one, a menu the terminal profile lacks).
    Mistake(String),
    /// The terminal model does not offer what the scenario needs (its
    /// profile says so): the scenario is skipped, not failed.
    NotOnThisTerminal(String),
}

impl StepError {
    pub fn class(&self) -> FailureClass {
        match self {
            StepError::Bench(e) => e.class(),
            // A snapshot not stored yet is set-up work for the feature's
            // writer (review and accept it), not something the terminal did.
            StepError::Snapshot(crate::snapshot::SnapshotError::New { .. }) => FailureClass::Mistake,
            StepError::Snapshot(_) | StepError::Expectation(_) => FailureClass::TerminalFailure,
            StepError::Mistake(_) => FailureClass::Mistake,
            StepError::NotOnThisTerminal(_) => FailureClass::NotOnThisTerminal,
        }
    }
}

impl std::fmt::Display for StepError {
    /// Masked: the text goes to the console, cucumber.json, junit.xml and
    /// the trace, and may quote the display or a receipt.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let message = match self {
            StepError::Bench(e) => e.to_string(),
            StepError::Snapshot(e) => e.to_string(),
            StepError::Expectation(m) | StepError::Mistake(m) | StepError::NotOnThisTerminal(m) => m.clone(),
        };
        write!(f, "{}: {}", self.class(), crate::mask::text(&message))
    }
}

impl std::error::Error for StepError {}

impl From<BenchError> for StepError {
    fn from(e: BenchError) -> StepError {
        StepError::Bench(e)
    }
}

impl From<crate::snapshot::SnapshotError> for StepError {
    fn from(e: crate::snapshot::SnapshotError) -> StepError {
        StepError::Snapshot(e)
    }
}

impl RigWorld {
    pub fn bench(&self) -> Result<&LiveBench, StepError> {
        self.bench
            .as_ref()
            .ok_or_else(|| StepError::Expectation("no bench was assembled for this scenario".into()))
    }

    pub fn bench_mut(&mut self) -> Result<&mut LiveBench, StepError> {
        self.bench
            .as_mut()
            .ok_or_else(|| StepError::Expectation("no bench was assembled for this scenario".into()))
    }
}
