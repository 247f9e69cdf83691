//! The `rig` command line: a thin layer over the library.

use clap::{Parser, Subcommand};
use rig::scenario::{self, RunOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes CI can rely on.
const PASSED: u8 = 0;
const FAILED: u8 = 1;
const USAGE: u8 = 2;
const BENCH_FAULT: u8 = 3;
/// Stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = 130;

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
    after_help = "Exit codes: 0 all scenarios passed (some perhaps only on a retry: flaky),\n\
        1 the terminal failed a scenario, 2 a mistake in the command, a feature file or a fixture,\n\
        3 a bench fault (probe, serial port, robot, reader, power, or the bench is leased by another run).\n\
        When several classes fail, the lowest code wins: a terminal failure is the most telling.\n\
        130: stopped by Ctrl-C or SIGTERM; the report holds the scenarios that finished.\n\
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
        points at it. Card data and keys are masked in everything written, in place (a masked\n\
        host frame still decodes; a masked APDU is still TLV); --evidence clear writes them\n\
        unmasked, for a desk with test keys (refused on a lab bench unless its bench file says\n\
        allow_clear_evidence = true).\n\n\
        Failures come in three classes: terminal failure (the terminal did not do what the\n\
        feature says), feature mistake (no step matches, unknown card or menu) and bench fault\n\
        (the rig or its wiring). Only bench faults are retried (--retries); a scenario that\n\
        passes on a retry is reported flaky in junit.xml (Surefire's flakyError), and the failed\n\
        attempt's folder is kept as <scenario>.attempt-N. A scenario that needs a device the\n\
        bench does not have (a stripe head on a lab bench) is skipped and says which.")]
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
        /// Play only shard K of N (e.g. 2/3): every scenario goes to exactly one shard,
        /// the same one on every machine, so N benches can share a suite.
        #[arg(long, value_name = "K/N")]
        shard: Option<rig::scenario::Shard>,
        /// How long to wait for a bench another run holds (0: fail at once).
        #[arg(long, default_value_t = 300, value_name = "SECONDS")]
        lease_wait: u64,
        /// How long a lease lives without renewal; a killed run frees the bench after this.
        #[arg(long, default_value_t = 60, value_name = "SECONDS")]
        lease_ttl: u64,
        /// Folder of bench lease files, shared by every run on this machine.
        #[arg(long)]
        lease_dir: Option<PathBuf>,
        /// How often to play again a scenario that failed with a bench fault
        /// (never one the terminal failed).
        #[arg(long, default_value_t = 1, value_name = "N")]
        retries: u32,
        /// masked (default): card numbers, tracks, names, PINs as keyed, PIN blocks,
        /// payment codes and keys masked in place in every report; clear: as they were.
        #[arg(long, value_enum, default_value_t = rig::mask::Evidence::Masked)]
        evidence: rig::mask::Evidence,
    },
    /// Merge the junit.xml reports of several shards into one.
    #[command(
        name = "junit-merge",
        after_help = "Example: rig junit-merge --out all.xml shard-1/junit.xml shard-2/junit.xml"
    )]
    JunitMerge {
        #[arg(long)]
        out: PathBuf,
        #[arg(required = true)]
        reports: Vec<PathBuf>,
    },
    /// Check every device of a bench and say how to fix what fails.
    #[command(after_help = "Exit code 0 when every check passes, 3 when any fails.")]
    Doctor {
        #[arg(long, default_value = "fixtures/benches/virtual.toml")]
        bench: PathBuf,
    },
    /// Flash a lab terminal with its bench's firmware through the debug probe.
    #[command(after_help = "Example:  rig flash --bench fixtures/benches/pi-lab.toml\n\n\
        Before any probe is opened, the chip must be in probe-rs's target database and every byte of\n\
        [firmware] image (ELF, Intel HEX, or BIN with base_address) must fall in its flash; an error\n\
        names the address range and the chip's flash regions. A chip that identifies itself through\n\
        the probe as another family than [probe] chip is refused. Then rig resets the terminal and reads\n\
        the version from its boot banner on [console]: when it is already [firmware] version, nothing\n\
        is written (unless --force). Otherwise it erases, programs and verifies with progress bars,\n\
        resets, and waits boot_timeout_ms for the banner to show the new version.\n\n\
        Exit codes: 0 the terminal runs the version, 1 it showed no banner, 2 a mistake in the bench\n\
        file or image, 3 a bench fault (no probe, probe or serial port failing).")]
    Flash {
        /// Lab bench file with [probe], [firmware] and (for the version check) [console].
        #[arg(long)]
        bench: PathBuf,
        /// Flash even when the terminal already runs the wanted version.
        #[arg(long)]
        force: bool,
        /// Only the desk checks (chip and image); no probe is opened.
        #[arg(long)]
        check: bool,
        /// Where the flash's trace (console lines, stages) goes: <report-dir>/flash/<time>/.
        #[arg(long, default_value = "reports")]
        report_dir: PathBuf,
    },
    /// Run the mock acquirer host on its own, to try a real terminal by hand.
    #[command(
        after_help = "Point the terminal's host address at ADDR (on a lab network: --listen 0.0.0.0:6000).\n\
        Each message is logged on one line (card data masked):\n  \
        12.345  <- 0200 sale    STAN 000002  TID 10000001  PAN 622202*********0128  amount 100.00\n  \
        12.347  -> 0210 sale    STAN 000002  TID 10000001  code 00  auth 123456  RRN 101112000002\n\n\
        The terminal must carry the test master key of --master-key in its PIN pad; it gets\n\
        working keys at sign-on. Balances and PINs come from the card profiles in --cards."
    )]
    Host {
        /// Address to listen on; loopback unless told otherwise.
        #[arg(long, default_value = "127.0.0.1:6000")]
        listen: String,
        /// Host dialect: MAC algorithm, key layout, institution ids, QR codes, downloads.
        #[arg(long, default_value = "fixtures/hosts/unionpay-pos.toml")]
        dialect: PathBuf,
        /// Folder of card profiles the issuer model knows.
        #[arg(long, default_value = "fixtures/cards")]
        cards: PathBuf,
        /// Test terminal master key file shared with the terminal's PIN pad.
        #[arg(long, default_value = "fixtures/keys/vterm-tmk.toml")]
        master_key: PathBuf,
        /// masked (default) or clear: log card data and keys unmasked.
        #[arg(long, value_enum, default_value_t = rig::mask::Evidence::Masked)]
        evidence: rig::mask::Evidence,
    },
    /// Cards in PC/SC readers: list readers, capture a real card into a profile.
    #[command(subcommand)]
    Card(CardCommand),
    /// List, accept or reject pending snapshots (*.snap.new) left by failed snapshot steps.
    Snapshots {
        #[command(subcommand)]
        action: Option<SnapshotAction>,
        /// Folder searched for pending snapshots.
        #[arg(long, default_value = "features", global = true)]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum CardCommand {
    /// Present an emulated card over the vpcd protocol: to pcscd's vpcd driver,
    /// or to a phone relaying a real terminal's NFC field (vsmartcard's relay app).
    #[command(after_help = "Examples:\n  \
        rig card serve --card unionpay-debit-chip --connect 127.0.0.1:35963   into pcscd's vpcd reader\n  \
        rig card serve --card yunshanfu-phone --contactless --listen 0.0.0.0:35963   for a phone relay")]
    Serve {
        /// Card profile name (a file in --cards without .toml).
        #[arg(long)]
        card: String,
        #[arg(long, default_value = "fixtures/cards")]
        cards: PathBuf,
        /// Present the contactless (qPBOC) side instead of the contact chip.
        #[arg(long)]
        contactless: bool,
        /// Reader to connect to (pcscd's vpcd listens on 127.0.0.1:35963).
        #[arg(long, conflicts_with = "listen")]
        connect: Option<String>,
        /// Where to wait for a reader or relay that connects.
        #[arg(long, default_value = "127.0.0.1:35963")]
        listen: String,
    },
    /// List the PC/SC readers pcscd knows.
    Readers,
    /// Read an EMV card through a PC/SC reader and write a card profile of its public data.
    #[command(
        after_help = "Example:\n  rig card capture --reader 'ACS ACR122U 00 00' --out fixtures/cards/lab-card.toml\n\n\
        The PAN and track discretionary data are masked unless --clear is given (use --clear\n\
        only for test cards). PIN and balance are not on a card: set them in [issuer].\n\
        Needs the `pcsc` cargo feature (libpcsclite) and a running pcscd."
    )]
    Capture {
        /// Reader name as `rig card readers` shows it.
        #[arg(long)]
        reader: String,
        /// Write card data in clear (test cards only).
        #[arg(long)]
        clear: bool,
        /// Write the profile here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// How long to wait for a card in the reader, in seconds.
        #[arg(long, default_value_t = 10)]
        wait: u64,
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
            shard,
            lease_wait,
            lease_ttl,
            lease_dir,
            retries,
            evidence,
        } => {
            let lease = rig::scenario::LeaseOptions {
                dir: lease_dir.unwrap_or_else(|| std::env::temp_dir().join("rig-leases")),
                wait: std::time::Duration::from_secs(lease_wait),
                ttl: std::time::Duration::from_secs(lease_ttl),
            };
            run(RunOptions {
                paths,
                bench,
                tags,
                report_dir,
                shard,
                lease,
                retries,
                evidence,
            })
        }
        Command::Card(CardCommand::Serve {
            card,
            cards,
            contactless,
            connect,
            listen,
        }) => {
            let options = rig::card::serve::ServeOptions {
                card,
                cards,
                contactless,
                connect,
                listen,
            };
            match runtime().map(|rt| rt.block_on(rig::card::serve::run(options))) {
                Ok(Ok(())) => ExitCode::from(PASSED),
                Ok(Err(e)) => {
                    eprintln!("rig card serve: {e}");
                    ExitCode::from(USAGE)
                }
                Err(code) => code,
            }
        }
        Command::Card(command) => card(command),
        Command::JunitMerge { out, reports } => {
            let mut texts = Vec::new();
            for r in &reports {
                match std::fs::read_to_string(r) {
                    Ok(t) => texts.push(t),
                    Err(e) => {
                        eprintln!("rig junit-merge: {}: {e}", r.display());
                        return ExitCode::from(USAGE);
                    }
                }
            }
            match std::fs::write(&out, rig::junit::merge(&texts)) {
                Ok(()) => ExitCode::from(PASSED),
                Err(e) => {
                    eprintln!("rig junit-merge: {}: {e}", out.display());
                    ExitCode::from(FAILED)
                }
            }
        }
        Command::Doctor { bench } => {
            let checks = rig::doctor::examine(&bench);
            print!("{}", rig::doctor::table(&checks));
            if checks.iter().all(|c| c.ok) {
                ExitCode::from(PASSED)
            } else {
                ExitCode::from(BENCH_FAULT)
            }
        }
        Command::Flash {
            bench,
            force,
            check,
            report_dir,
        } => flash(&bench, force, check, &report_dir),
        Command::Snapshots { action, dir } => snapshots(action.unwrap_or(SnapshotAction::List), &dir),
        Command::Host {
            listen,
            dialect,
            cards,
            master_key,
            evidence,
        } => {
            let options = rig::host::standalone::StandaloneOptions {
                listen,
                dialect,
                cards,
                master_key,
                evidence,
            };
            match runtime().map(|rt| rt.block_on(rig::host::standalone::run(options))) {
                Ok(Ok(())) => ExitCode::from(PASSED),
                Ok(Err(e)) => {
                    eprintln!("rig host: {e}");
                    ExitCode::from(USAGE)
                }
                Err(code) => code,
            }
        }
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
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    match runtime.block_on(scenario::run(options)) {
        Ok(outcome) => {
            println!("report: {}", outcome.report.dir.display());
            if outcome.tally.interrupted.is_some() {
                return ExitCode::from(INTERRUPTED);
            }
            ExitCode::from(outcome.tally.worst.map_or(PASSED, |class| class.exit_code()))
        }
        Err(e @ scenario::SetupError::Lease(_)) => {
            eprintln!("rig: bench fault: {e}");
            ExitCode::from(BENCH_FAULT)
        }
        Err(e) => {
            eprintln!("rig: {e}");
            ExitCode::from(USAGE)
        }
    }
}

fn flash(bench: &std::path::Path, force: bool, check: bool, report_dir: &std::path::Path) -> ExitCode {
    use rig::lab_flash::{FlashOutcome, LabFlash, ProbeLink};
    let bench = match rig::config::bench::Bench::load(bench) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("rig flash: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let fail = |e: rig::lab_flash::FlashError| {
        eprintln!("rig flash: {}: {e}", e.class());
        ExitCode::from(e.class().exit_code())
    };
    let job = match LabFlash::prepare(&bench) {
        Ok(job) => job,
        Err(e) => return fail(e),
    };
    println!(
        "image {}: {} bytes, inside {}'s flash",
        job.image.display(),
        job.plan.bytes,
        job.plan.target.name
    );
    if check {
        return ExitCode::from(PASSED);
    }
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    // The probe first: without it nothing can be done.
    if let Err(e) = rig::lab_flash::check_chip(&job.probe) {
        return fail(e);
    }
    let mut link = match rig::devices::probe::attach(&job.probe) {
        Ok(session) => ProbeLink(session),
        Err(e) => return fail(e.into()),
    };
    let timeline = rig::events::Timeline::new();
    // What the console said and each stage, for whoever debugs a failed flash.
    let flashes = report_dir.join("flash");
    let trace = rig::report::RunReport::create(&flashes)
        .and_then(|report| {
            // A flash trace holds console lines: masked like a run's.
            let masker = rig::mask::Masker::new(rig::mask::Evidence::Masked, Default::default(), None);
            rig::trace::attach(&timeline, &report.dir, masker).map(|()| report)
        })
        .and_then(|report| report.point_latest().map(|()| report));
    match trace {
        Ok(report) => println!("trace: {}", report.dir.display()),
        Err(e) => {
            eprintln!("rig flash: {}: {e}", flashes.display());
            return ExitCode::from(USAGE);
        }
    }
    let console = match LabFlash::open_console(&bench, &timeline) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    if console.is_none() {
        println!(
            "no [console] in the bench file: the running version cannot be read, so rig flashes without checking it"
        );
    }
    let mut progress = rig::lab_flash::progress_bars();
    match runtime.block_on(job.run(&mut link, &timeline, console.is_some(), force, &mut progress)) {
        Ok(FlashOutcome::AlreadyRunning { version }) => {
            println!("the terminal already runs {version}: nothing written (--force flashes anyway)");
            ExitCode::from(PASSED)
        }
        Ok(FlashOutcome::Flashed { from, to, bytes }) => {
            let from = from.unwrap_or_else(|| "an unknown version".into());
            match to {
                Some(to) => println!("flashed {bytes} bytes: {from} -> {to}, verified, booted"),
                None => println!("flashed {bytes} bytes over {from}, verified, reset"),
            }
            ExitCode::from(PASSED)
        }
        Err(e) => fail(e),
    }
}

#[cfg(feature = "pcsc")]
fn card(command: CardCommand) -> ExitCode {
    match command {
        CardCommand::Serve { .. } => ExitCode::from(USAGE),
        CardCommand::Readers => match rig::devices::pcsc_reader::readers() {
            Ok(readers) => {
                for r in &readers {
                    println!("{r}");
                }
                if readers.is_empty() {
                    eprintln!(
                        "rig card readers: pcscd knows no reader: plug one in, or check `systemctl status pcscd`"
                    );
                }
                ExitCode::from(PASSED)
            }
            Err(e) => {
                eprintln!("rig card readers: {e} (is pcscd running?)");
                ExitCode::from(FAILED)
            }
        },
        CardCommand::Capture {
            reader,
            clear,
            out,
            wait,
        } => match rig::card::capture::capture(&reader, clear, std::time::Duration::from_secs(wait)) {
            Ok(profile) => match out {
                Some(path) => match std::fs::write(&path, profile) {
                    Ok(()) => {
                        eprintln!("rig card capture: wrote {}", path.display());
                        ExitCode::from(PASSED)
                    }
                    Err(e) => {
                        eprintln!("rig card capture: {}: {e}", path.display());
                        ExitCode::from(FAILED)
                    }
                },
                None => {
                    print!("{profile}");
                    ExitCode::from(PASSED)
                }
            },
            Err(e) => {
                eprintln!("rig card capture: {e}");
                ExitCode::from(FAILED)
            }
        },
    }
}

#[cfg(not(feature = "pcsc"))]
fn card(_: CardCommand) -> ExitCode {
    eprintln!(
        "rig card: this rig was built without PC/SC support; rebuild with `cargo build --features pcsc` (needs libpcsclite-dev)"
    );
    ExitCode::from(USAGE)
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("rig: cannot start the async runtime: {e}");
            ExitCode::from(FAILED)
        })
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
