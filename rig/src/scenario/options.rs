//! What a run is asked to do (`RunOptions`, from `rig run`'s flags) and the
//! decisions taken from those options and the bench before anything plays
//! (`RunPlan`: how many scenarios at once, whether the bench is leased,
//! whether clear evidence is allowed), kept pure so each is unit tested.

use super::SetupError;
use crate::mask::Evidence;
use cucumber::gherkin;
use std::path::PathBuf;

pub struct RunOptions {
    pub paths: Vec<PathBuf>,
    pub bench: PathBuf,
    pub tags: Option<String>,
    pub report_dir: PathBuf,
    /// This run plays shard K of N (1-based).
    pub shard: Option<Shard>,
    pub lease: LeaseOptions,
    /// How often a scenario that failed with a bench fault is played again.
    pub retries: u32,
    /// Masked (default) or clear evidence in every report.
    pub evidence: Evidence,
    /// Only scenarios whose name matches this regex.
    pub name: Option<String>,
    /// Stop at the first scenario that fails.
    pub fail_fast: bool,
    /// How many scenarios play at once; `None`: the bench's default.
    pub jobs: Option<usize>,
    /// A fault campaign's play: inject this, then recover, settle and check
    /// the invariants after each scenario (`chaos.json` in its folder).
    pub inject: Option<crate::chaos::injection::Injection>,
    /// Flash this image before each scenario.
    pub firmware: Option<PathBuf>,
}

/// Scenarios at once on the virtual bench unless `--jobs` says otherwise:
/// each has its own vterm, ptys, GPIO file and mock host, and a scenario is
/// almost all waiting (key holds, host and card round trips): measured with
/// the kernel test set, one uses about 4-7 % of a core (README, performance),
/// so 12 a core keep the machine about half busy, with room for the bursts
/// of boots at the start (at 8 a core the machine idled half the run and the
/// suite took 1.3x as long). Capped, so a 64-core CI runner does not
/// start hundreds of terminals for a suite of dozens.
pub fn virtual_jobs() -> usize {
    jobs_for(cores())
}

/// This machine's cores (1 when it cannot say).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

pub const VIRTUAL_JOBS_PER_CORE: usize = 12;
pub const VIRTUAL_JOBS_MAX: usize = 32;

pub struct LeaseOptions {
    pub dir: PathBuf,
    /// The folder was given on the command line: a virtual bench is leased too.
    pub asked: bool,
    pub wait: std::time::Duration,
    pub ttl: std::time::Duration,
}

/// A stable share of the scenarios: each goes to exactly one of N shards, by
/// a hash of its feature file name and line, the same on every machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?}: expected K/N, e.g. 2/3"))?;
        let (index, count): (u32, u32) = (
            k.parse().map_err(|_| format!("{k:?} is not a number"))?,
            n.parse().map_err(|_| format!("{n:?} is not a number"))?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(format!("{s:?}: K must be between 1 and N"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    pub fn includes(&self, feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> bool {
        // FNV-1a over "file name:line": independent of checkout paths and of Rust's hasher.
        let file = feature
            .path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let key = format!("{file}:{}", scenario.position.line);
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in key.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// What the bench file says that the run's decisions depend on.
#[derive(Debug, Clone)]
pub struct BenchFacts {
    pub path: PathBuf,
    pub name: String,
    pub is_virtual: bool,
    pub allow_clear_evidence: bool,
}

/// The run's decisions, taken before anything plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunPlan {
    /// Scenarios played at once.
    pub jobs: usize,
    /// The bench is leased for the run.
    pub lease: bool,
}

impl RunPlan {
    /// Decides from the options and the bench, `cores` being this machine's.
    pub fn decide(options: &RunOptions, bench: &BenchFacts, cores: usize) -> Result<RunPlan, SetupError> {
        if options.evidence == Evidence::Clear && !bench.is_virtual && !bench.allow_clear_evidence {
            return Err(SetupError::ClearEvidenceRefused(bench.path.clone()));
        }
        let jobs = match (options.jobs, bench.is_virtual) {
            (Some(n), false) if n > 1 => return Err(SetupError::JobsOnLab(n, bench.name.clone())),
            (Some(n), _) => n.max(1),
            (None, true) => jobs_for(cores),
            (None, false) => 1,
        };
        // One run at a time per lab bench; a killed run's lease expires by
        // itself. Virtual benches are made per scenario: none is leased
        // unless --lease-dir asks.
        let lease = !bench.is_virtual || options.lease.asked;
        Ok(RunPlan { jobs, lease })
    }
}

fn jobs_for(cores: usize) -> usize {
    (cores.max(1) * VIRTUAL_JOBS_PER_CORE).min(VIRTUAL_JOBS_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn options(jobs: Option<usize>, evidence: Evidence, lease_asked: bool) -> RunOptions {
        RunOptions {
            paths: vec![],
            bench: PathBuf::from("bench.toml"),
            tags: None,
            report_dir: PathBuf::from("reports"),
            shard: None,
            lease: LeaseOptions {
                dir: PathBuf::from("leases"),
                asked: lease_asked,
                wait: Duration::ZERO,
                ttl: Duration::from_secs(60),
            },
            retries: 0,
            evidence,
            name: None,
            fail_fast: false,
            jobs,
            inject: None,
            firmware: None,
        }
    }

    fn bench(is_virtual: bool, allow_clear_evidence: bool) -> BenchFacts {
        BenchFacts {
            path: PathBuf::from("fixtures/benches/x.toml"),
            name: "x".into(),
            is_virtual,
            allow_clear_evidence,
        }
    }

    #[test]
    fn a_virtual_bench_plays_several_at_once_and_is_not_leased_unless_asked() {
        // 12 a core: 24 on this 2-core machine (README, performance).
        let plan = RunPlan::decide(&options(None, Evidence::Masked, false), &bench(true, false), 2);
        assert_eq!(plan.ok(), Some(RunPlan { jobs: 24, lease: false }));
        let plan = RunPlan::decide(&options(None, Evidence::Masked, true), &bench(true, false), 64);
        assert_eq!(
            plan.ok(),
            Some(RunPlan {
                jobs: VIRTUAL_JOBS_MAX,
                lease: true
            })
        );
        let plan = RunPlan::decide(&options(Some(0), Evidence::Clear, false), &bench(true, false), 2);
        assert_eq!(plan.ok(), Some(RunPlan { jobs: 1, lease: false }));
    }

    #[test]
    fn a_lab_bench_plays_one_at_a_time_under_a_lease() {
        let plan = RunPlan::decide(&options(None, Evidence::Masked, false), &bench(false, false), 8);
        assert_eq!(plan.ok(), Some(RunPlan { jobs: 1, lease: true }));
        let refused = RunPlan::decide(&options(Some(4), Evidence::Masked, false), &bench(false, false), 8);
        assert!(matches!(refused, Err(SetupError::JobsOnLab(4, name)) if name == "x"));
    }

    #[test]
    fn clear_evidence_on_a_lab_bench_needs_its_file_to_allow_it() {
        let refused = RunPlan::decide(&options(None, Evidence::Clear, false), &bench(false, false), 2);
        assert!(matches!(refused, Err(SetupError::ClearEvidenceRefused(_))));
        let allowed = RunPlan::decide(&options(None, Evidence::Clear, false), &bench(false, true), 2);
        assert!(allowed.is_ok());
    }
}
