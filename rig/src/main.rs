//! The `rig` command line: a thin layer over the library.

use clap::{Parser, Subcommand};
use rig::scenario::{self, RunOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes CI can rely on.
const PASSED: u8 = 0;
const FAILED: u8 = 1;
const USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "rig",
    version,
    about = "Hardware-in-the-loop test rig for UnionPay POS payment terminals",
    long_about = "Hardware-in-the-loop test rig for UnionPay POS payment terminals.\n\n\
        rig plays Gherkin features of whole transactions against a terminal on a bench \
        (by default the virtual bench: the reference terminal vterm as a child process) and \
        a mock acquirer host, records every byte that crossed a wire on one timeline, and \
        checks receipts and host messages against snapshots.",
    after_help = "Exit codes: 0 all scenarios passed, 1 a scenario failed, 2 usage or configuration error.\n\
        Start with:  rig run            (plays features/ on fixtures/benches/virtual.toml)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Play feature files on a bench and write a report.
    #[command(after_help = "Examples:\n  \
        rig run                                   every feature on the virtual bench\n  \
        rig run features/sale.feature --tags @smoke\n  \
        rig run --tags 'not @slow' --report-dir out/reports\n\n\
        Each run writes <report-dir>/<run-id>/ with junit.xml, cucumber.json and one folder per\n\
        scenario (trace.jsonl, console.log, receipts, host-messages.yaml); <report-dir>/latest\n\
        points at it. Card data and keys are masked in everything written.")]
    Run {
        /// Feature files or folders of them.
        #[arg(default_value = "features")]
        paths: Vec<PathBuf>,
        /// Bench file: which terminal, host dialect and cards, and how devices are wired.
        #[arg(long, default_value = "fixtures/benches/virtual.toml")]
        bench: PathBuf,
        /// Tag expression selecting scenarios, e.g. "@smoke and not @slow".
        #[arg(long)]
        tags: Option<String>,
        /// Where run reports go.
        #[arg(long, default_value = "reports")]
        report_dir: PathBuf,
    },
    /// List, accept or reject pending snapshots (*.snap.new) left by failed snapshot steps.
    Snapshots {
        #[command(subcommand)]
        action: Option<SnapshotAction>,
        /// Folder searched for pending snapshots.
        #[arg(long, default_value = "features", global = true)]
        dir: PathBuf,
    },
}

#[derive(Subcommand, Clone, Copy)]
enum SnapshotAction {
    /// Show pending snapshots (the default).
    List,
    /// Make every pending snapshot the stored one.
    Accept,
    /// Delete every pending snapshot.
    Reject,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            paths,
            bench,
            tags,
            report_dir,
        } => run(RunOptions {
            paths,
            bench,
            tags,
            report_dir,
        }),
        Command::Snapshots { action, dir } => snapshots(action.unwrap_or(SnapshotAction::List), &dir),
    }
}

fn run(options: RunOptions) -> ExitCode {
    // insta is used at run time, outside `cargo test`: tell it where the
    // project is and let our step errors, not its console output, show diffs.
    // SAFETY: single-threaded here, before the runtime starts.
    unsafe {
        if std::env::var_os("INSTA_WORKSPACE_ROOT").is_none() {
            if let Ok(cwd) = std::env::current_dir() {
                std::env::set_var("INSTA_WORKSPACE_ROOT", cwd);
            }
        }
        if std::env::var_os("INSTA_OUTPUT").is_none() {
            std::env::set_var("INSTA_OUTPUT", "none");
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rig: cannot start the async runtime: {e}");
            return ExitCode::from(FAILED);
        }
    };
    match runtime.block_on(scenario::run(options)) {
        Ok(outcome) => {
            println!("report: {}", outcome.report.dir.display());
            ExitCode::from(if outcome.failed { FAILED } else { PASSED })
        }
        Err(e) => {
            eprintln!("rig: {e}");
            ExitCode::from(USAGE)
        }
    }
}

fn snapshots(action: SnapshotAction, dir: &std::path::Path) -> ExitCode {
    let pending = rig::snapshot::pending(dir);
    if pending.is_empty() {
        println!("no pending snapshots under {}", dir.display());
        return ExitCode::from(PASSED);
    }
    for new in &pending {
        let stored = new.with_extension("");
        let result = match action {
            SnapshotAction::List => {
                println!("pending: {} (stored: {})", new.display(), stored.display());
                Ok(())
            }
            SnapshotAction::Accept => std::fs::rename(new, &stored).map(|_| println!("accepted: {}", stored.display())),
            SnapshotAction::Reject => std::fs::remove_file(new).map(|_| println!("rejected: {}", new.display())),
        };
        if let Err(e) = result {
            eprintln!("rig: {}: {e}", new.display());
            return ExitCode::from(FAILED);
        }
    }
    ExitCode::from(PASSED)
}
