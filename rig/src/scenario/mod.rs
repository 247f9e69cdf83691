//! Playing feature files with cucumber-rs used as a library. `run` is the
//! sequence; each step of it lives in its own module: `options` (the flags
//! and the pure `RunPlan` decided from them and the bench), `features`
//! (which files and scenarios play), `retries` (attempts, the reports
//! rewritten as scenarios finish, the summary), `play` (one cucumber pass
//! and its hooks: a fresh bench per scenario, artifacts after it).

pub mod blocks;
pub mod catalogue;
pub mod collect;
pub mod feature_check;
pub mod order;
pub mod select;
pub mod vocabulary;

pub mod step_events;
pub mod steps;
pub mod world;
pub mod zh_cn;

mod features;
mod options;
mod play;
mod retries;

pub use features::{feature_files, list};
pub use options::{LeaseOptions, RunOptions, RunPlan, Shard, VIRTUAL_JOBS_MAX, VIRTUAL_JOBS_PER_CORE, virtual_jobs};

use crate::bench::{BenchError, BenchPlan};
use crate::mask::{Evidence, HostFields};
use crate::outcome::Tally;
use crate::report::{self, RunReport};
use cucumber::gherkin;
use std::path::PathBuf;
use std::sync::Arc;
use world::{RUN, RunContext};

/// Mistakes that stop a run before any scenario plays (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("--tags {expr:?}: {message}")]
    Tags { expr: String, message: String },
    #[error("{}: no such file or folder", .0.display())]
    MissingPath(PathBuf),
    #[error("no .feature files under {0}")]
    NoFeatures(String),
    #[error("{0}")]
    Feature(String),
    #[error("--name {expr:?}: {message}")]
    Name { expr: String, message: String },
    #[error("no scenario matches {0}: nothing to play")]
    NothingSelected(String),
    #[error(
        "--jobs {0}: bench {1} has one terminal, so its scenarios play one at a time \
         (several at once need a bench of several terminals, or the virtual bench)"
    )]
    JobsOnLab(usize, String),
    #[error("bench {}: {source}", path.display())]
    Bench { path: PathBuf, source: Box<BenchError> },
    #[error("report folder {}: {source}", path.display())]
    Report { path: PathBuf, source: std::io::Error },
    #[error(
        "--evidence clear: bench {} is a lab bench whose file does not allow clear evidence \
         (add allow_clear_evidence = true to it only if its terminal carries test keys)", .0.display()
    )]
    ClearEvidenceRefused(PathBuf),
    /// The bench is in use (a bench fault, not a test failure).
    #[error(transparent)]
    Lease(#[from] crate::lease::LeaseError),
}

pub struct RunOutcome {
    pub report: RunReport,
    pub tally: Tally,
}

pub async fn run(options: RunOptions) -> Result<RunOutcome, SetupError> {
    let (parsed, selection, bad) = features::selected(&options)?;
    for b in &bad {
        println!("rig: feature mistake: {}", b.place());
    }
    if options.evidence == Evidence::Clear {
        println!(
            "rig: EVIDENCE IN CLEAR: card numbers, tracks, names, PINs, PIN blocks, payment codes and keys \
             are written unmasked in this run's reports"
        );
    }
    let plan = BenchPlan::load(&options.bench).map_err(|source| SetupError::Bench {
        path: options.bench.clone(),
        source: Box::new(source),
    })?;
    let facts = options::BenchFacts {
        path: options.bench.clone(),
        name: plan.bench.file.name.clone(),
        is_virtual: plan.virtual_plan.is_some(),
        allow_clear_evidence: plan.bench.file.allow_clear_evidence,
    };
    let RunPlan { jobs, lease } = RunPlan::decide(&options, &facts, options::cores())?;
    let lease = if lease {
        let bench_name = facts.name.clone();
        let (lease_dir, ttl, wait) = (options.lease.dir.clone(), options.lease.ttl, options.lease.wait);
        Some(
            tokio::task::spawn_blocking(move || {
                crate::lease::Lease::acquire(&lease_dir, &bench_name, &crate::lease::this_owner(), ttl, wait)
            })
            .await
            .map_err(|e| SetupError::Feature(format!("lease: {e}")))??,
        )
    } else {
        None
    };
    let report = RunReport::create(&options.report_dir).map_err(|source| SetupError::Report {
        path: options.report_dir.clone(),
        source,
    })?;
    let plan = Arc::new(plan);
    let _ = RUN.set(RunContext {
        host_fields: HostFields::of(&plan.dialect),
        plan,
        run_dir: report.dir.clone(),
        evidence: options.evidence,
        inject: options.inject.clone(),
        firmware: options.firmware.clone(),
    });
    let first = selection.keys(&parsed);
    let mut features: Vec<gherkin::Feature> = parsed.into_iter().map(|p| p.feature).collect();
    // Longest first when several play at once, so the run's tail is short.
    if jobs > 1 {
        order::longest_first(&mut features, &order::load(&options.report_dir));
    }
    let tally = retries::play_with_retries(
        features,
        first,
        options.retries,
        play::Play {
            fail_fast: options.fail_fast,
            jobs,
        },
        &retries::RunFiles {
            report: &report,
            evidence: options.evidence,
            roots: &report::FeatureRoots::of(options.paths.iter().map(|p| select::split_line(p).0)),
            bad: &bad,
        },
    )
    .await
    .map_err(|source| SetupError::Report {
        path: report.dir.clone(),
        source,
    })?;
    drop(lease);
    report.point_latest().map_err(|source| SetupError::Report {
        path: options.report_dir.clone(),
        source,
    })?;
    Ok(RunOutcome { report, tally })
}
