//! `rig chaos`: the campaign. Each play is a `rig run --inject SPEC` of one
//! scenario in a process of its own (its own terminal, host, ledger and
//! report folder; one that crashes costs one verdict, not the campaign),
//! several at once on a virtual bench. The first play injects nothing and
//! lists the points; then one play per point and fault.

use super::injection::{FaultKind, Injection, LearnedPoint};
use super::invariants;
use super::recover::{VERDICT_FILE, Verdict};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct CampaignOptions {
    /// Scenarios: FEATURE:LINE (or whole features: each scenario is a campaign of its own).
    pub paths: Vec<PathBuf>,
    pub faults: Vec<FaultKind>,
    pub firmware: Option<PathBuf>,
    pub bench: PathBuf,
    pub jobs: usize,
    pub report_dir: PathBuf,
    pub lease_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the scenarios do not pass without a fault (exit {code}); fix that first: {report}\n{log}")]
    Baseline { code: i32, report: String, log: String },
    #[error("the play without a fault left no verdict ({VERDICT_FILE}) in {0}")]
    NoBaseline(PathBuf),
}

/// One play of the campaign and what it found.
pub struct Play {
    pub scenario: String,
    pub place: String,
    pub label: String,
    pub injection: Injection,
    pub dir: PathBuf,
    /// None: the play left no verdict (the rig itself failed; see its log).
    pub verdict: Option<Verdict>,
}

pub struct CampaignOutcome {
    pub dir: PathBuf,
    pub plays: Vec<Play>,
}

impl CampaignOutcome {
    pub fn violations(&self) -> impl Iterator<Item = &Play> {
        self.plays
            .iter()
            .filter(|p| p.verdict.as_ref().is_some_and(|v| !v.held()))
    }
    pub fn without_verdict(&self) -> impl Iterator<Item = &Play> {
        self.plays.iter().filter(|p| p.verdict.is_none())
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CampaignError + '_ {
    move |source| CampaignError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The `rig run` arguments every play shares.
fn common_args(o: &CampaignOptions) -> Vec<String> {
    let mut args = vec![
        "--bench".into(),
        o.bench.display().to_string(),
        "--retries".into(),
        "0".into(),
    ];
    if let Some(f) = &o.firmware {
        args.extend(["--firmware".into(), f.display().to_string()]);
    }
    if let Some(l) = &o.lease_dir {
        args.extend(["--lease-dir".into(), l.display().to_string()]);
    }
    args
}

/// Plays `rig run` with `args`, its output in `dir/rig.log`; its exit code.
async fn play_run(args: &[String], dir: &Path, built: bool) -> Result<i32, CampaignError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let log_path = dir.join("rig.log");
    let log = std::fs::File::create(&log_path).map_err(io(&log_path))?;
    let err = log.try_clone().map_err(io(&log_path))?;
    let exe = std::env::current_exe().map_err(io(Path::new("rig")))?;
    let mut cmd = tokio::process::Command::new(exe);
    cmd.arg("run").args(args).stdout(log).stderr(err).kill_on_drop(true);
    if built {
        // The first play built the terminal program; the others must not all build it again.
        cmd.env("RIG_NO_BUILD", "1");
    }
    let status = cmd.status().await.map_err(io(&log_path))?;
    Ok(status.code().unwrap_or(-1))
}

/// Every verdict a run folder holds (one per scenario), with its scenario folder.
fn verdicts(dir: &Path) -> Vec<(PathBuf, Verdict)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            // `latest` is a link to the run folder itself.
            if e.file_name() == "latest" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if e.file_name() == VERDICT_FILE {
                match std::fs::read_to_string(&path).map(|t| serde_json::from_str::<Verdict>(&t)) {
                    Ok(Ok(v)) => out.push((d.clone(), v)),
                    Ok(Err(e)) => eprintln!("rig chaos: {} is not a verdict: {e}", path.display()),
                    Err(e) => eprintln!("rig chaos: cannot read {}: {e}", path.display()),
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Plays the campaign: the baseline, then every injection, `jobs` at once.
pub async fn run(o: CampaignOptions) -> Result<CampaignOutcome, CampaignError> {
    let dir = o
        .report_dir
        .join(format!("chaos-{}", chrono::Local::now().format("%Y%m%d-%H%M%S")));
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let common = common_args(&o);
    println!(
        "rig chaos: playing {} without a fault to learn its injection points",
        o.paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let learn_dir = dir.join("learn");
    let mut args: Vec<String> = o.paths.iter().map(|p| p.display().to_string()).collect();
    args.extend(common.clone());
    args.extend([
        "--inject".into(),
        "none".into(),
        "--report-dir".into(),
        learn_dir.display().to_string(),
    ]);
    let code = play_run(&args, &learn_dir, false).await?;
    if code != 0 {
        return Err(CampaignError::Baseline {
            code,
            report: learn_dir.display().to_string(),
            log: tail(&learn_dir.join("rig.log"), 12),
        });
    }
    let learned = verdicts(&learn_dir);
    if learned.is_empty() {
        return Err(CampaignError::NoBaseline(learn_dir));
    }
    let mut plays: Vec<Play> = Vec::new();
    let mut planned: Vec<(String, String, String, LearnedPoint, Injection)> = Vec::new();
    for (scenario_dir, verdict) in &learned {
        let Some(s) = &verdict.scenario else { continue };
        let place = format!("{}:{}", s.feature, s.line);
        // The baseline is a play too: a scenario that breaks an invariant without a fault.
        plays.push(Play {
            scenario: s.name.clone(),
            place: place.clone(),
            label: "no fault".into(),
            injection: Injection::none(),
            dir: scenario_dir.clone(),
            verdict: Some(verdict.clone()),
        });
        for point in &verdict.points {
            for kind in &o.faults {
                for fault in kind.faults_at(&point.point) {
                    let injection = Injection {
                        fault,
                        point: Some(point.point.clone()),
                    };
                    planned.push((
                        s.name.clone(),
                        place.clone(),
                        point.label.clone(),
                        point.clone(),
                        injection,
                    ));
                }
            }
        }
    }
    let total = planned.len();
    println!(
        "rig chaos: {} point(s) in {} scenario(s): {total} injection(s), {} at once; plays in {}",
        learned.iter().map(|(_, v)| v.points.len()).sum::<usize>(),
        learned.len(),
        o.jobs,
        dir.display()
    );
    let gate = Arc::new(tokio::sync::Semaphore::new(o.jobs.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (n, (scenario, place, label, _point, injection)) in planned.into_iter().enumerate() {
        let play_dir = dir.join(format!("{:03}", n + 1));
        let mut args = vec![place.clone()];
        args.extend(common.clone());
        args.extend([
            "--inject".into(),
            injection.to_string(),
            "--jobs".into(),
            "1".into(),
            "--report-dir".into(),
            play_dir.display().to_string(),
        ]);
        let gate = gate.clone();
        set.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let ran = play_run(&args, &play_dir, true).await;
            let found = verdicts(&play_dir).into_iter().next();
            let (dir, verdict) = match found {
                Some((d, v)) => (d, Some(v)),
                None => (play_dir, None),
            };
            (
                n,
                ran.err(),
                Play {
                    scenario,
                    place,
                    label,
                    injection,
                    dir,
                    verdict,
                },
            )
        });
    }
    let mut done: Vec<(usize, Play)> = Vec::new();
    while let Some(joined) = set.join_next().await {
        let Ok((n, err, play)) = joined else { continue };
        if let Some(e) = err {
            eprintln!("rig chaos: play {}: {e}", n + 1);
        }
        let status = match &play.verdict {
            None => "NO VERDICT".to_string(),
            Some(v) if v.held() => "held".to_string(),
            Some(v) => format!("BROKE {}", broken(v).join(", ")),
        };
        println!(
            "  [{:>3}/{total}] {:<44} {status}",
            done.len() + 1,
            format!("{} at {}", play.injection.fault, play.label)
        );
        done.push((n, play));
    }
    done.sort_by_key(|(n, _)| *n);
    plays.extend(done.into_iter().map(|(_, p)| p));
    let outcome = CampaignOutcome { dir, plays };
    let table = table(&outcome);
    write(&outcome.dir.join("chaos-table.txt"), &table)?;
    write(&outcome.dir.join("junit.xml"), &junit(&outcome, o.firmware.as_deref()))?;
    print!("{table}");
    Ok(outcome)
}

fn write(path: &Path, text: &str) -> Result<(), CampaignError> {
    std::fs::write(path, text).map_err(io(path))
}

fn broken(v: &Verdict) -> Vec<String> {
    let mut out: Vec<String> = v.checks.iter().filter(|c| !c.held).map(|c| c.name.clone()).collect();
    if v.recovery_error.is_some() {
        out.insert(0, "recovery".into());
    }
    out
}

/// The campaign's table: one row per play, a column per invariant.
pub fn table(o: &CampaignOutcome) -> String {
    let mut out = format!("{:>3}  {:<34} {:<12} {:<8}", "#", "point", "fault", "outcome");
    for name in invariants::names() {
        out.push_str(&format!(" {name:<19}"));
    }
    out.push('\n');
    let mut scenario = String::new();
    for (i, p) in o.plays.iter().enumerate() {
        if p.place != scenario {
            scenario = p.place.clone();
            out.push_str(&format!("     {} {}\n", p.place, p.scenario));
        }
        let outcome = match &p.verdict {
            None => "no verdict",
            Some(v) if v.recovery_error.is_some() => "stuck",
            Some(_) if p.injection.point.is_none() => "baseline",
            Some(v) if !v.struck && p.injection.point.is_some() => "not hit",
            Some(_) => "injected",
        };
        let label: String = p.label.chars().take(34).collect();
        out.push_str(&format!(
            "{:>3}  {label:<34} {:<12} {outcome:<8}",
            i + 1,
            p.injection.fault.to_string()
        ));
        for name in invariants::names() {
            let cell = match p
                .verdict
                .as_ref()
                .and_then(|v| v.checks.iter().find(|c| c.name == name))
            {
                Some(c) if c.held => "held",
                Some(_) => "BROKEN",
                None => "-",
            };
            out.push_str(&format!(" {cell:<19}"));
        }
        out.push('\n');
    }
    out
}

/// The command that plays one injection again, for a developer to debug it.
pub fn reproduce(p: &Play, firmware: Option<&Path>) -> String {
    let mut cmd = format!("rig run {} --inject {}", p.place, p.injection);
    if let Some(f) = firmware {
        cmd.push_str(&format!(" --firmware {}", f.display()));
    }
    cmd
}

/// junit.xml: a test case per play, failed when an invariant broke.
fn junit(o: &CampaignOutcome, firmware: Option<&Path>) -> String {
    let mut report = Report::new("rig chaos");
    let mut suite = TestSuite::new("fault campaign");
    for p in &o.plays {
        let name = format!("{} at {}", p.injection.fault, p.label);
        let status = match &p.verdict {
            Some(v) if v.held() => TestCaseStatus::success(),
            Some(v) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let first = v
                    .recovery_error
                    .clone()
                    .map(|e| format!("recovery: {e}"))
                    .or_else(|| {
                        v.checks
                            .iter()
                            .find(|c| !c.held)
                            .map(|c| format!("{}: {}", c.name, c.detail))
                    })
                    .unwrap_or_default();
                s.set_type("invariant broken").set_message(crate::mask::text(&first));
                s
            }
            None => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_type("bench fault")
                    .set_message("the play left no verdict; see its rig.log");
                s
            }
        };
        let mut case = TestCase::new(name, status);
        let mut out = String::new();
        if let Some(v) = &p.verdict {
            for c in &v.checks {
                out.push_str(&format!(
                    "{} {}: {}\n",
                    if c.held { "held  " } else { "BROKEN" },
                    c.name,
                    c.detail
                ));
            }
            for n in &v.notes {
                out.push_str(&format!("note: {n}\n"));
            }
        }
        out.push_str(&format!(
            "trace: {}\nreproduce: {}\n",
            p.dir.display(),
            reproduce(p, firmware)
        ));
        case.set_classname(format!("{} {}", p.place, p.scenario))
            .set_system_out(crate::mask::text(&out));
        case.add_property(Property::new("injection", p.injection.to_string()));
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- junit.xml could not be written: {e} -->"))
}
