//! The cucumber World: one scenario's bench and what the steps remember.

use crate::bench::{BenchError, BenchPlan, LiveBench};
use crate::events::Cursor;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// What every scenario of a run shares: the checked bench plan and the run's report folder.
#[derive(Debug)]
pub struct RunContext {
    pub plan: Arc<BenchPlan>,
    pub run_dir: PathBuf,
}

pub static RUN: OnceLock<RunContext> = OnceLock::new();

#[derive(Debug, Default, cucumber::World)]
pub struct RigWorld {
    pub bench: Option<LiveBench>,
    /// Where the current transaction started on the timeline.
    pub mark: Cursor,
    pub feature: Option<PathBuf>,
    /// The last card presented, by profile name.
    pub card: Option<String>,
}

/// Why a step failed, said for the person reading the report.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Bench(#[from] BenchError),
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    #[error("{0}")]
    Expectation(String),
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
