//! Playing feature files with cucumber-rs used as a library: our parser,
//! hooks that build a fresh bench per scenario, and the report writers.

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

use crate::bench::{BenchError, BenchPlan};
use crate::mask::{Evidence, HostFields};
use crate::outcome::{self, ScenarioKey, Tally};
use crate::report::{self, RunReport};
use crate::snapshot;
use crate::trace;
use collect::Outcomes;
use cucumber::gherkin::{self, GherkinEnv, tagexpr::TagOperation};
use cucumber::writer;
use cucumber::{World as _, WriterExt as _};
use feature_check::BadFeature;
use futures::FutureExt as _;
use select::{ParsedFeature, Selection};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use world::{RUN, RigWorld, RunContext};

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
/// almost all waiting: measured, one uses about 4 % of a core (README,
/// performance), so 8 a core keep the machine a third busy, with room for
/// the bursts of boots at the start. Capped, so a 64-core CI runner does not
/// start hundreds of terminals for a suite of dozens.
pub fn virtual_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    (cores * VIRTUAL_JOBS_PER_CORE).min(VIRTUAL_JOBS_MAX)
}

pub const VIRTUAL_JOBS_PER_CORE: usize = 8;
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

/// Feature files under `paths`, in a stable order.
pub fn feature_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SetupError> {
    let mut files = Vec::new();
    for path in paths {
        let (path, _) = select::split_line(path);
        let path = &path;
        if path.is_file() {
            files.push(path.clone());
        } else if path.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(dir) = stack.pop() {
                let entries = std::fs::read_dir(&dir).map_err(|_| SetupError::MissingPath(dir.clone()))?;
                for entry in entries.flatten() {
                    let p = entry.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|e| e == "feature") {
                        files.push(p);
                    }
                }
            }
        } else {
            return Err(SetupError::MissingPath(path.clone()));
        }
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(SetupError::NoFeatures(shown.join(", ")));
    }
    Ok(files)
}

/// Parses every feature up front; a file with a mistake (syntax, a
/// misspelt keyword, an outline without examples, an unfilled placeholder)
/// is set aside with its file, line and column, and the others still play.
fn parse_features(files: &[PathBuf]) -> (Vec<ParsedFeature>, Vec<BadFeature>) {
    use cucumber::feature::Ext as _;
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for f in files {
        if let Some(misspelt) = std::fs::read_to_string(f)
            .ok()
            .and_then(|text| feature_check::misspelt_keyword(f, &text))
        {
            bad.push(misspelt);
            continue;
        }
        let feature = match gherkin::Feature::parse_path(f, GherkinEnv::default()) {
            Ok(feature) => feature,
            Err(e) => {
                bad.push(feature_check::parse_error(f, &e));
                continue;
            }
        };
        // A column no placeholder uses may describe its row (Cucumber allows
        // it): a warning, not a mistake. A mistyped column name leaves its
        // placeholder unfilled, which `expand_examples` reports below.
        for unused in feature_check::unused_example_columns(f, &feature) {
            eprintln!(
                "warning: {} (a description column plays; if a placeholder was meant, check its name)",
                unused.place()
            );
        }
        let outlines = feature_check::outlines_without_examples(f, &feature);
        if !outlines.is_empty() {
            bad.extend(outlines);
            continue;
        }
        let scenario_starts = select::scenarios(&feature)
            .iter()
            .map(|(_, s)| s.position.line)
            .collect();
        let feature = match feature.expand_examples() {
            Ok(feature) => feature,
            Err(e) => {
                bad.push(BadFeature {
                    path: f.clone(),
                    line: e.pos.line,
                    column: e.pos.col,
                    message: format!("<{}> is filled by no column of the Examples", e.name),
                });
                continue;
            }
        };
        good.push(ParsedFeature {
            feature,
            scenario_starts,
        });
    }
    (good, bad)
}

/// The selection the options ask for, what it selects, and the feature
/// files that cannot play; a selection of nothing (and no bad file) is a mistake.
fn selected(options: &RunOptions) -> Result<(Vec<ParsedFeature>, Selection, Vec<BadFeature>), SetupError> {
    let tags = match &options.tags {
        Some(expr) => Some(expr.parse::<TagOperation>().map_err(|e| SetupError::Tags {
            expr: expr.clone(),
            message: e.to_string(),
        })?),
        None => None,
    };
    let name = match &options.name {
        Some(expr) => Some(regex::Regex::new(expr).map_err(|e| SetupError::Name {
            expr: expr.clone(),
            message: e.to_string(),
        })?),
        None => None,
    };
    let mut lines: std::collections::BTreeMap<PathBuf, Vec<usize>> = Default::default();
    for path in &options.paths {
        if let (file, Some(line)) = select::split_line(path) {
            lines.entry(file).or_default().push(line);
        }
    }
    let files = feature_files(&options.paths)?;
    let (parsed, bad) = parse_features(&files);
    let selection = Selection {
        tags,
        shard: options.shard,
        name,
        lines,
    };
    if selection.apply(&parsed).is_empty() && bad.is_empty() {
        let mut asked: Vec<String> = options.paths.iter().map(|p| p.display().to_string()).collect();
        if let Some(t) = &options.tags {
            asked.push(format!("--tags {t:?}"));
        }
        if let Some(n) = &options.name {
            asked.push(format!("--name {n:?}"));
        }
        if let Some(s) = &options.shard {
            asked.push(format!("--shard {}/{}", s.index, s.count));
        }
        return Err(SetupError::NothingSelected(asked.join(" ")));
    }
    Ok((parsed, selection, bad))
}

/// `rig run --list`: the scenarios a run would play, `file:line name`, without playing them.
pub fn list(options: &RunOptions) -> Result<Vec<String>, SetupError> {
    let (parsed, selection, bad) = selected(options)?;
    if let Some(first) = bad.first() {
        return Err(SetupError::Feature(first.place()));
    }
    Ok(selection
        .apply(&parsed)
        .into_iter()
        .map(|(f, s)| {
            let file = f.path.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
            format!("{file}:{} {}", s.position.line, s.name)
        })
        .collect())
}

/// Feeds already parsed features to cucumber.
struct Parsed;

impl cucumber::Parser<Vec<gherkin::Feature>> for Parsed {
    type Cli = cucumber::cli::Empty;
    type Output = futures::stream::Iter<std::vec::IntoIter<cucumber::parser::Result<gherkin::Feature>>>;

    fn parse(self, input: Vec<gherkin::Feature>, _: Self::Cli) -> Self::Output {
        futures::stream::iter(input.into_iter().map(Ok).collect::<Vec<_>>())
    }
}

pub async fn run(options: RunOptions) -> Result<RunOutcome, SetupError> {
    let (parsed, selection, bad) = selected(&options)?;
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
    if options.evidence == Evidence::Clear && plan.virtual_plan.is_none() && !plan.bench.file.allow_clear_evidence {
        return Err(SetupError::ClearEvidenceRefused(options.bench.clone()));
    }
    let is_virtual = plan.virtual_plan.is_some();
    let jobs = match (options.jobs, is_virtual) {
        (Some(n), false) if n > 1 => return Err(SetupError::JobsOnLab(n, plan.bench.file.name.clone())),
        (Some(n), _) => n.max(1),
        (None, true) => virtual_jobs(),
        (None, false) => 1,
    };
    // One run at a time per lab bench; a killed run's lease expires by itself.
    // Virtual benches are made per scenario: none is leased unless --lease-dir asks.
    let lease = if is_virtual && !options.lease.asked {
        None
    } else {
        let bench_name = plan.bench.file.name.clone();
        let (lease_dir, ttl, wait) = (options.lease.dir.clone(), options.lease.ttl, options.lease.wait);
        Some(
            tokio::task::spawn_blocking(move || {
                crate::lease::Lease::acquire(&lease_dir, &bench_name, &crate::lease::this_owner(), ttl, wait)
            })
            .await
            .map_err(|e| SetupError::Feature(format!("lease: {e}")))??,
        )
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
    let tally = play_with_retries(
        features,
        first,
        options.retries,
        Play {
            fail_fast: options.fail_fast,
            jobs,
        },
        &RunFiles {
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

/// Where a run reports, and what it reports besides the scenarios it plays.
#[derive(Clone, Copy)]
struct RunFiles<'a> {
    report: &'a RunReport,
    evidence: Evidence,
    roots: &'a report::FeatureRoots,
    /// Feature files that could not play: feature mistakes of the run.
    bad: &'a [BadFeature],
}

/// Plays the scenarios, then again those that failed with a bench fault (up
/// to `retries` times), and writes one JUnit report over every attempt.
async fn play_with_retries(
    features: Vec<gherkin::Feature>,
    selected: HashSet<ScenarioKey>,
    retries: u32,
    how: Play,
    run: &RunFiles<'_>,
) -> std::io::Result<Tally> {
    let RunFiles {
        report,
        evidence,
        roots,
        bad,
    } = *run;
    let began = std::time::Instant::now();
    let played: Vec<PathBuf> = features.iter().filter_map(|f| f.path.clone()).collect();
    let mut attempts: Vec<Vec<outcome::ScenarioOutcome>> = Vec::new();
    let mut only = selected;
    let mut interrupted = None;
    for attempt in 1..=retries + 1 {
        // junit.xml of what finished so far, rewritten after each scenario
        // (written whole, then renamed): a run killed with SIGKILL mid-scenario
        // still leaves a valid report.
        let collected = {
            let (earlier, dir, roots) = (attempts.clone(), report.dir.clone(), roots.clone());
            Outcomes::with_progress(move |done| {
                let mut all = earlier.clone();
                all.push(done.to_vec());
                let histories = outcome::histories(&all);
                let xml = crate::junit::report(&histories, &roots, evidence);
                let (tmp, path) = (dir.join("junit.xml.part"), dir.join(report::JUNIT));
                if let Err(e) = std::fs::write(&tmp, xml).and_then(|()| std::fs::rename(&tmp, &path)) {
                    eprintln!("rig: cannot update {}: {e}", path.display());
                }
                // The HTML index too, with the page of the scenario that just finished.
                let (bench, model) = bench_and_model();
                let newest = done.last().and_then(|o| o.dir.clone());
                if let Err(e) = crate::html::write_pages(&dir, &histories, &bench, &model, newest.as_deref()) {
                    eprintln!("rig: cannot update the HTML index in {}: {e}", dir.display());
                }
            })
        };
        let pass = play(features.clone(), only.clone(), how, attempt, report, collected.clone());
        // Ctrl-C or a cancelled CI job: stop playing, but report what finished.
        tokio::select! {
            played = pass => played?,
            why = interruption() => {
                println!("\nrig: {why}: not playing the rest; reporting what finished");
                interrupted = Some(why);
            }
        }
        let mut outcomes = collected.take();
        if interrupted.is_none()
            && let Err(e) = crate::cucumber_json::tidy(&report.dir.join(json_name(attempt)), roots, &played, &outcomes)
        {
            eprintln!("rig: cannot tidy {} for reporters: {e}", json_name(attempt));
        }
        // The feature files that could not play are mistakes of the first attempt.
        if attempt == 1 {
            outcomes.extend(bad.iter().map(BadFeature::outcome));
        }
        if interrupted.is_some() {
            attempts.push(outcomes);
            break;
        }
        let again: HashSet<ScenarioKey> = outcomes
            .iter()
            .filter(|o| o.failure.as_ref().is_some_and(|f| f.class.is_retried()))
            .map(|o| o.key())
            .collect();
        if !again.is_empty() && attempt <= retries {
            let (count, pronoun) = match again.len() {
                1 => ("1 scenario".to_string(), "it"),
                n => (format!("{n} scenarios"), "them"),
            };
            println!(
                "\nrig: {count} failed with a bench fault; playing {pronoun} again (attempt {} of {}):",
                attempt + 1,
                retries + 1
            );
            for o in outcomes.iter_mut().filter(|o| again.contains(&o.key())) {
                println!("  {}", o.place());
                keep_attempt(o, attempt);
            }
        }
        attempts.push(outcomes);
        if again.is_empty() {
            break;
        }
        only = again;
    }
    let histories = outcome::histories(&attempts);
    if let Err(e) = order::save(&report.root, &histories) {
        eprintln!(
            "rig: cannot keep the scenario durations in {}: {e}",
            report.root.display()
        );
    }
    std::fs::write(
        report.dir.join(report::JUNIT),
        crate::junit::report(&histories, roots, evidence),
    )?;
    // The HTML report: the run's index and a page per scenario, from the
    // masked files just written.
    let (bench, model) = bench_and_model();
    if let Err(e) = crate::html::write(&report.dir, &histories, &bench, &model) {
        eprintln!("rig: cannot write the HTML report in {}: {e}", report.dir.display());
    }
    let mut tally = Tally::of(&histories);
    tally.interrupted = interrupted;
    println!(
        "rig: {tally} in {:.1} s ({} at once)",
        began.elapsed().as_secs_f64(),
        how.jobs
    );
    let mut slowest: Vec<&outcome::History> = histories.iter().collect();
    slowest.sort_by_key(|h| std::cmp::Reverse(h.last().duration));
    if slowest.len() > 1 {
        println!("  slowest:");
        for h in slowest.iter().take(5) {
            println!("  {:>7.2} s  {}", h.last().duration.as_secs_f64(), h.last().place());
        }
    }
    for h in histories.iter().filter(|h| !h.passed()) {
        if let Some(f) = &h.last().failure {
            let why = f.message.lines().next().unwrap_or("");
            let why = why.trim_start_matches(&format!("{}: ", f.class));
            println!("  {}: {}: {why}", f.class, h.last().place());
        }
    }
    Ok(tally)
}

/// The run's bench and terminal model, as the HTML report names them.
fn bench_and_model() -> (String, String) {
    world::RUN
        .get()
        .map(|r| (r.plan.bench.file.name.clone(), r.plan.profile.model.clone()))
        .unwrap_or_default()
}

/// Moves a failed attempt's folder aside so the retry does not overwrite
/// the trace that shows the fault.
fn keep_attempt(o: &mut outcome::ScenarioOutcome, attempt: u32) {
    let Some(dir) = &o.dir else { return };
    let mut aside = dir.clone().into_os_string();
    aside.push(format!(".attempt-{attempt}"));
    match std::fs::rename(dir, &aside) {
        Ok(()) => o.dir = Some(aside.into()),
        Err(e) => eprintln!("rig: cannot keep {} of attempt {attempt}: {e}", dir.display()),
    }
}

/// Resolves when the run is asked to stop: Ctrl-C (SIGINT) or SIGTERM.
async fn interruption() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    tokio::select! {
        Ok(()) = tokio::signal::ctrl_c() => "interrupted (SIGINT)",
        Some(()) = async {
            match term.as_mut() {
                Some(t) => t.recv().await,
                None => std::future::pending().await,
            }
        } => "terminated (SIGTERM)",
        else => std::future::pending().await,
    }
}

/// One pass of cucumber over the features (or only the scenarios in
/// `only`), each scenario's outcome going to `outcomes` as it finishes.
/// How one pass plays its scenarios.
#[derive(Debug, Clone, Copy)]
struct Play {
    fail_fast: bool,
    jobs: usize,
}

async fn play(
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
fn json_name(attempt: u32) -> String {
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
