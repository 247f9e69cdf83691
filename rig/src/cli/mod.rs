//! What each subcommand does: one library call each, and one mapping from
//! what went wrong to the exit code (`failure::exit`). The binary only
//! parses the arguments and prints the error.

mod args;

pub use args::{CardCommand, Cli, Command, SnapshotAction};

use crate::failure::{FailureClass, exit};
use crate::scenario::{self, LeaseOptions, RunOptions, SetupError};
use std::time::Duration;

/// Why a command did not do its work; each knows its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The bench is leased by another run: a bench fault.
    #[error("rig: bench fault: {0}")]
    Leased(#[source] SetupError),
    #[error("rig: {0}")]
    Setup(#[source] SetupError),
    #[error("rig flash: {}: {source}", source.class())]
    Flash {
        #[from]
        source: crate::lab_flash::FlashError,
    },
    #[error("rig host: {0}")]
    Host(#[from] crate::host::standalone::StandaloneError),
    /// A trace that cannot be read: a mistake in the command.
    #[error("rig trace: {0}")]
    Trace(crate::trace_tools::TraceError),
    #[error("rig card serve: {0}")]
    Serve(String),
    /// An input file could not be read: a mistake in the command.
    #[error("rig {command}: {what}: {source}")]
    Read {
        command: &'static str,
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// What the command was to write or change could not be.
    #[error("rig {command}: {what}: {source}")]
    Write {
        command: &'static str,
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("rig {command}: {source}")]
    Failed {
        command: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(
        "rig card: this rig was built without PC/SC support; rebuild with `cargo build --features pcsc` (needs libpcsclite-dev)"
    )]
    NoPcsc,
    #[error("rig: cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("rig chaos: {0}")]
    Chaos(#[source] crate::chaos::campaign::CampaignError),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Leased(_) => exit::BENCH_FAULT,
            CliError::Setup(_) | CliError::Host(_) | CliError::Serve(_) | CliError::NoPcsc => exit::MISTAKE,
            CliError::Flash { source } => source.class().exit_code(),
            CliError::Read { .. } | CliError::Trace(_) => exit::MISTAKE,
            CliError::Write { .. } | CliError::Failed { .. } | CliError::Runtime(_) => exit::TERMINAL_FAILURE,
            CliError::Chaos(crate::chaos::campaign::CampaignError::NoBaseline(_)) => exit::BENCH_FAULT,
            CliError::Chaos(_) => exit::MISTAKE,
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

/// Runs one command; `Ok` carries the exit code of a command that did its
/// work (a run whose scenarios failed did its work: its code says how they failed).
pub fn run(cli: Cli) -> Result<u8, CliError> {
    match cli.command {
        Command::Run {
            paths,
            bench,
            tags,
            report_dir,
            shard,
            lease_wait,
            lease_ttl,
            lease_dir,
            retries,
            evidence,
            name,
            fail_fast,
            list,
            jobs,
            inject,
            firmware,
        } => {
            let options = RunOptions {
                paths,
                bench,
                tags,
                report_dir,
                shard,
                lease: LeaseOptions {
                    asked: lease_dir.is_some(),
                    dir: lease_dir.unwrap_or_else(|| std::env::temp_dir().join("rig-leases")),
                    wait: Duration::from_secs(lease_wait),
                    ttl: Duration::from_secs(lease_ttl),
                },
                retries,
                evidence,
                name,
                fail_fast,
                jobs,
                inject,
                firmware,
            };
            if list {
                for line in scenario::list(&options).map_err(CliError::Setup)? {
                    println!("{line}");
                }
                return Ok(exit::PASSED);
            }
            play(options)
        }
        Command::Chaos {
            paths,
            faults,
            firmware,
            bench,
            jobs,
            report_dir,
            lease_dir,
        } => chaos(crate::chaos::campaign::CampaignOptions {
            jobs: jobs.unwrap_or_else(|| chaos_jobs(&bench)),
            paths,
            faults,
            firmware,
            bench,
            report_dir,
            lease_dir,
        }),
        Command::Card(CardCommand::Serve {
            card,
            cards,
            contactless,
            connect,
            listen,
        }) => {
            let options = crate::card::serve::ServeOptions {
                card,
                cards,
                contactless,
                connect,
                listen,
            };
            runtime()?
                .block_on(crate::card::serve::run(options))
                .map_err(CliError::Serve)?;
            Ok(exit::PASSED)
        }
        Command::Card(command) => card(command),
        Command::JunitMerge { out, reports } => {
            let mut texts = Vec::new();
            for r in &reports {
                texts.push(std::fs::read_to_string(r).map_err(|source| CliError::Read {
                    command: "junit-merge",
                    what: r.display().to_string(),
                    source,
                })?);
            }
            let merged = crate::junit::merge(&texts).map_err(|e| CliError::Failed {
                command: "junit-merge",
                source: Box::new(e),
            })?;
            std::fs::write(&out, merged).map_err(|source| CliError::Write {
                command: "junit-merge",
                what: out.display().to_string(),
                source,
            })?;
            Ok(exit::PASSED)
        }
        Command::Steps { lang, format, bench } => {
            use crate::scenario::catalogue;
            let out = match format {
                args::StepsFormat::Text => {
                    // The profile's names, when the bench is there to read.
                    let names = crate::config::bench::Bench::load(&bench)
                        .and_then(|b| {
                            crate::config::terminal::TerminalProfile::load(&b.resolve(&b.file.terminal_profile))
                        })
                        .map(|profile| crate::scenario::vocabulary::text(&profile))
                        .unwrap_or_else(|e| {
                            format!(
                                "
(no profile names: {e})
"
                            )
                        });
                    catalogue::text(lang) + &names
                }
                args::StepsFormat::Markdown => catalogue::markdown(),
                args::StepsFormat::Json => {
                    serde_json::to_string_pretty(&catalogue::entries()).map_err(|e| CliError::Failed {
                        command: "steps",
                        source: Box::new(e),
                    })? + "\n"
                }
            };
            print!("{out}");
            Ok(exit::PASSED)
        }
        Command::Doctor { bench } => {
            let checks = crate::doctor::examine(&bench);
            print!("{}", crate::doctor::table(&checks));
            Ok(if checks.iter().all(|c| c.ok) {
                exit::PASSED
            } else {
                exit::BENCH_FAULT
            })
        }
        Command::Flash {
            bench,
            force,
            check,
            report_dir,
        } => {
            let options = crate::lab_flash::FlashOptions {
                bench,
                force,
                check,
                report_dir,
            };
            runtime()?.block_on(crate::lab_flash::run_job(&options))?;
            Ok(exit::PASSED)
        }
        Command::Trace(command) => trace(command),
        Command::Snapshots { action, dir } => {
            let action = match action.unwrap_or(SnapshotAction::List) {
                SnapshotAction::List => crate::snapshot::Review::List,
                SnapshotAction::Accept => crate::snapshot::Review::Accept,
                SnapshotAction::Reject => crate::snapshot::Review::Reject,
            };
            crate::snapshot::review(action, &dir).map_err(|source| CliError::Write {
                command: "snapshots",
                what: dir.display().to_string(),
                source,
            })?;
            Ok(exit::PASSED)
        }
        Command::Host {
            listen,
            dialect,
            cards,
            master_key,
            evidence,
        } => {
            let options = crate::host::standalone::StandaloneOptions {
                listen,
                dialect,
                cards,
                master_key,
                evidence,
            };
            runtime()?.block_on(crate::host::standalone::run(options))?;
            Ok(exit::PASSED)
        }
    }
}

/// `rig run`: plays the features; the exit code is the worst failure class.
/// Plays at once in a campaign: as `rig run` on a virtual bench, one on a lab bench.
fn chaos_jobs(bench: &std::path::Path) -> usize {
    match crate::bench::BenchPlan::load(bench) {
        Ok(plan) if plan.virtual_plan.is_some() => scenario::virtual_jobs(),
        _ => 1,
    }
}

fn chaos(options: crate::chaos::campaign::CampaignOptions) -> Result<u8, CliError> {
    let firmware = options.firmware.clone();
    let outcome = runtime()?
        .block_on(crate::chaos::campaign::run(options))
        .map_err(CliError::Chaos)?;
    let plays = outcome.plays.len();
    let injections = outcome.plays.iter().filter(|p| p.injection.point.is_some()).count();
    let broke: Vec<_> = outcome.violations().collect();
    let lost: Vec<_> = outcome.without_verdict().collect();
    println!("report: {}", outcome.dir.display());
    if let Some(first) = broke.first() {
        let v = first.verdict.as_ref();
        let why = v
            .and_then(|v| v.recovery_error.clone().map(|e| format!("recovery: {e}")))
            .or_else(|| {
                v.and_then(|v| v.checks.iter().find(|c| !c.held))
                    .map(|c| format!("{}: {}", c.name, c.detail))
            })
            .unwrap_or_default();
        // What went wrong during the recovery (a reprint, the settlement): why a check broke.
        let notes: String = v
            .map(|v| {
                v.notes
                    .iter()
                    .map(|n| format!("\n  note: {}", crate::mask::text(n)))
                    .collect()
            })
            .unwrap_or_default();
        println!(
            "rig chaos: {injections} injections, {} broke an invariant. First counterexample:\n  {} {}, {} at {}\n  {}{notes}\n  trace: {}\n  replay: {}",
            broke.len(),
            first.place,
            first.scenario,
            first.injection.fault,
            first.label,
            crate::mask::text(&why),
            first.dir.display(),
            crate::chaos::campaign::reproduce(first, firmware.as_deref())
        );
        return Ok(exit::TERMINAL_FAILURE);
    }
    if !lost.is_empty() {
        println!(
            "rig chaos: {injections} injections, {} left no verdict (see their rig.log), the rest held every invariant",
            lost.len()
        );
        return Ok(exit::BENCH_FAULT);
    }
    println!("rig chaos: {injections} injections ({plays} plays with the baselines), every invariant held");
    Ok(exit::PASSED)
}

fn play(options: RunOptions) -> Result<u8, CliError> {
    // insta is used at run time, outside `cargo test`: tell it where the
    // project is and let our step errors, not its console output, show diffs.
    // SAFETY: single-threaded here, before the runtime starts.
    unsafe {
        if std::env::var_os("INSTA_WORKSPACE_ROOT").is_none()
            && let Ok(cwd) = std::env::current_dir()
        {
            std::env::set_var("INSTA_WORKSPACE_ROOT", cwd);
        }
        if std::env::var_os("INSTA_OUTPUT").is_none() {
            std::env::set_var("INSTA_OUTPUT", "none");
        }
    }
    let outcome = runtime()?.block_on(scenario::run(options)).map_err(|e| match e {
        SetupError::Lease(_) => CliError::Leased(e),
        e => CliError::Setup(e),
    })?;
    println!("report: {}", outcome.report.dir.display());
    if outcome.tally.interrupted.is_some() {
        return Ok(exit::INTERRUPTED);
    }
    Ok(outcome.tally.worst.map_or(exit::PASSED, FailureClass::exit_code))
}

#[cfg(feature = "pcsc")]
fn card(command: CardCommand) -> Result<u8, CliError> {
    let failed = |command, e: Box<dyn std::error::Error + Send + Sync>| CliError::Failed { command, source: e };
    match command {
        CardCommand::Serve { .. } => unreachable!("served above"),
        CardCommand::Readers => {
            let readers = crate::devices::pcsc_reader::readers()
                .map_err(|e| failed("card readers", format!("{e} (is pcscd running?)").into()))?;
            for r in &readers {
                println!("{r}");
            }
            if readers.is_empty() {
                eprintln!("rig card readers: pcscd knows no reader: plug one in, or check `systemctl status pcscd`");
            }
            Ok(exit::PASSED)
        }
        CardCommand::Capture {
            reader,
            clear,
            out,
            wait,
        } => {
            let profile = crate::card::capture::capture(&reader, clear, Duration::from_secs(wait))
                .map_err(|e| failed("card capture", Box::new(e)))?;
            match out {
                Some(path) => {
                    std::fs::write(&path, profile).map_err(|source| CliError::Write {
                        command: "card capture",
                        what: path.display().to_string(),
                        source,
                    })?;
                    eprintln!("rig card capture: wrote {}", path.display());
                }
                None => print!("{profile}"),
            }
            Ok(exit::PASSED)
        }
    }
}

#[cfg(not(feature = "pcsc"))]
fn card(_: CardCommand) -> Result<u8, CliError> {
    Err(CliError::NoPcsc)
}

/// `rig trace show | diff`.
fn trace(command: args::TraceCommand) -> Result<u8, CliError> {
    use crate::trace_tools::{self, show};
    let unreadable = |e: trace_tools::TraceError| CliError::Trace(e);
    match command {
        args::TraceCommand::Show {
            path,
            source,
            step,
            follow,
        } => {
            use std::io::IsTerminal;
            let options = show::ShowOptions {
                sources: source,
                step,
                colour: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            let mut out = std::io::stdout().lock();
            show::show(&path, &options, follow, &mut out, || false).map_err(unreadable)?;
            Ok(exit::PASSED)
        }
        args::TraceCommand::Pcap { path, out } => {
            let events = trace_tools::load(&path).map_err(unreadable)?;
            let file = trace_tools::trace_file(&path).map_err(unreadable)?;
            let end = std::fs::metadata(&file)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .unwrap_or_default();
            let bytes = trace_tools::pcap::pcapng(&events, end).map_err(unreadable)?;
            std::fs::write(&out, bytes).map_err(|source| CliError::Write {
                command: "trace pcap",
                what: out.display().to_string(),
                source,
            })?;
            println!("wrote {}", out.display());
            Ok(exit::PASSED)
        }
        args::TraceCommand::Dissector => {
            print!("{}", trace_tools::wireshark::dissector());
            Ok(exit::PASSED)
        }
        args::TraceCommand::Diff { a, b, bench, context } => {
            let (left, right) = (
                trace_tools::load(&a).map_err(unreadable)?,
                trace_tools::load(&b).map_err(unreadable)?,
            );
            // The profile's receipt redactions, when the bench file is there.
            let profile = crate::config::bench::Bench::load(&bench).ok().and_then(|b| {
                crate::config::terminal::TerminalProfile::load(&b.resolve(&b.file.terminal_profile)).ok()
            });
            match trace_tools::diff::diff(&left, &right, profile.as_ref(), context) {
                None => {
                    println!("the traces agree (what varies between runs left out)");
                    Ok(exit::PASSED)
                }
                Some(text) => {
                    print!("{text}");
                    Ok(exit::TERMINAL_FAILURE)
                }
            }
        }
    }
}
