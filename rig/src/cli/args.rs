//! The command line's words: subcommands, options and their help texts
//! (clap). What each subcommand does is in `cli::run`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

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
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Play feature files on a bench and write a report.
    #[command(after_help = "Examples:\n  \
        rig run                                   every feature on the virtual bench\n  \
        rig run features/sale.feature --tags @smoke\n  \
        rig run --tags 'not @slow' --report-dir out/reports\n  \
        rig run features/swipe_sale.feature:18      the scenario at line 18\n  \
        rig run --name 'wrong PIN' --list          what would play, without playing\n\n\
        A selection (paths, FILE:LINE, --tags, --name, --shard) that matches no scenario\n\
        is a mistake (exit 2), so a typo never passes green.\n\n\
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
        /// Feature files or folders of them; FILE:LINE plays the scenario at that
        /// line (a Scenario Outline's line plays all its examples, an Examples row one).
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
        shard: Option<crate::scenario::Shard>,
        /// How long to wait for a bench another run holds (0: fail at once).
        #[arg(long, default_value_t = 300, value_name = "SECONDS")]
        lease_wait: u64,
        /// How long a lease lives without renewal; a killed run frees the bench after this.
        #[arg(long, default_value_t = 60, value_name = "SECONDS")]
        lease_ttl: u64,
        /// Folder of bench lease files, shared by every run on this machine. A lab bench
        /// is always leased; a virtual bench only when this is given.
        #[arg(long)]
        lease_dir: Option<PathBuf>,
        /// How often to play again a scenario that failed with a bench fault
        /// (never one the terminal failed).
        #[arg(long, default_value_t = 1, value_name = "N")]
        retries: u32,
        /// masked (default): card numbers, tracks, names, PINs as keyed, PIN blocks,
        /// payment codes and keys masked in place in every report; clear: as they were.
        #[arg(long, value_enum, default_value_t = crate::mask::Evidence::Masked)]
        evidence: crate::mask::Evidence,
        /// Only scenarios whose name matches this regex (e.g. "wrong PIN").
        #[arg(long, value_name = "REGEX")]
        name: Option<String>,
        /// Stop at the first scenario that fails; what finished is reported.
        #[arg(long)]
        fail_fast: bool,
        /// Print the scenarios the selection plays (file:line name) and stop.
        #[arg(long)]
        list: bool,
        /// Scenarios played at once, each on its own virtual terminal and mock host
        /// (default on the virtual bench: 12 a CPU core, at most 32; 1 on a lab bench,
        /// which has one terminal).
        #[arg(long, short = 'j', value_name = "N")]
        jobs: Option<usize>,
        /// One play of a fault campaign: inject FAULT@POINT (as `rig chaos` prints it
        /// to reproduce a counterexample, e.g. power@host-request:sale:1), then
        /// recover the terminal, settle and check the money invariants; the verdict
        /// is chaos.json in the scenario's folder. `none` injects nothing.
        #[arg(long, value_name = "FAULT@POINT")]
        inject: Option<crate::chaos::injection::Injection>,
        /// Flash this firmware image before each scenario (e.g. an image under test).
        #[arg(long, value_name = "IMAGE")]
        firmware: Option<PathBuf>,
    },
    /// Inject faults at every point of scenarios and check the money invariants.
    #[command(after_help = chaos_help())]
    Chaos {
        /// Scenarios, FILE:LINE (a whole feature file: every scenario in it).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Which faults to inject (comma-separated).
        #[arg(long, value_enum, value_delimiter = ',', default_values_t = [
            crate::chaos::injection::FaultKind::Power,
            crate::chaos::injection::FaultKind::Host,
            crate::chaos::injection::FaultKind::Card,
            crate::chaos::injection::FaultKind::Paper,
        ])]
        faults: Vec<crate::chaos::injection::FaultKind>,
        /// Flash this image before each play (the image under test).
        #[arg(long, value_name = "IMAGE")]
        firmware: Option<PathBuf>,
        /// Bench file, as for `rig run`.
        #[arg(long, default_value = "fixtures/benches/virtual.toml")]
        bench: PathBuf,
        /// Plays at once (default on the virtual bench: as `rig run`; 1 on a lab bench).
        #[arg(long, short = 'j', value_name = "N")]
        jobs: Option<usize>,
        /// Where the campaign's folder (chaos-<time>/) goes.
        #[arg(long, default_value = "reports")]
        report_dir: PathBuf,
        /// Folder of bench lease files (a lab bench is always leased, per play).
        #[arg(long)]
        lease_dir: Option<PathBuf>,
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
    /// List every step a feature can use, in English and Chinese, with its parameters.
    #[command(
        after_help = "Examples:\n  rig steps                      every step, English patterns\n  \
        rig steps --lang zh-CN         the Chinese forms (# language: zh-CN)\n  \
        rig steps --format json        for tools: kind, english, chinese, parameters, source\n  \
        rig steps --format markdown    the README's step table\n\n\
        A pattern is a regex: (\\d+\\.\\d{2}) is an amount such as 12.50, \"([^\"]+)\" a name in quotes,\n\
        (?:a|b) either word. Prompt and message names come from the terminal profile."
    )]
    Steps {
        #[arg(long, value_enum, default_value = "en")]
        lang: crate::scenario::catalogue::Lang,
        /// The bench whose terminal profile's names (prompts, outcomes,
        /// messages, reasons, receipt marks, transactions) the text format
        /// lists after the steps.
        #[arg(long, default_value = "fixtures/benches/virtual.toml")]
        bench: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: StepsFormat,
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
        #[arg(long, value_enum, default_value_t = crate::mask::Evidence::Masked)]
        evidence: crate::mask::Evidence,
    },
    /// Cards in PC/SC readers: list readers, capture a real card into a profile.
    #[command(subcommand)]
    Card(CardCommand),
    /// Read a recorded trace: the timeline as lines, or two runs compared.
    #[command(subcommand)]
    Trace(TraceCommand),
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
pub enum CardCommand {
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

#[derive(Subcommand)]
pub enum TraceCommand {
    /// The timeline of one scenario as aligned lines: time since the bench was
    /// assembled, source, what happened (host messages and APDUs decoded in one line).
    #[command(after_help = "Examples:\n  \
        rig trace show reports/latest/swipe_sale/L009-an-approved-swipe-sale-prints-both-copies-of-the-slip\n  \
        rig trace show out/latest/host_faults/L017-no-answer/trace.jsonl --source host,console\n  \
        rig trace show PATH --step 4              what happened during the 4th step\n  \
        rig trace show PATH --follow              while the scenario is playing\n\n\
        Sources: rig (steps and notes), power, console (display, printer, log), keypad, swipe,\n\
        scanner, card-link (APDUs), ecr (cash register), host. The trace is masked as written.")]
    Show {
        /// A scenario folder of a report, or its trace.jsonl.
        path: PathBuf,
        /// Only these sources, comma-separated.
        #[arg(long, value_delimiter = ',')]
        source: Vec<String>,
        /// Only the events of step N (1-based, as played: background steps count).
        #[arg(long, value_name = "N")]
        step: Option<usize>,
        /// Keep printing events as they are written (stop with Ctrl-C).
        #[arg(long)]
        follow: bool,
    },
    /// Two timelines aligned event by event; exit 1 when they differ.
    #[command(after_help = "Examples:\n  \
        rig trace diff good/latest/swipe_sale/L009-x bad/latest/swipe_sale/L009-x\n\n\
        Left out as varying between runs: times, STAN, RRN, dates, authorisation codes,\n\
        field 55 and APDU data (cryptograms, unpredictable numbers), MACs, working keys,\n\
        and the receipt lines the bench's terminal profile redacts ([receipt] redact).\n\
        Each divergence is shown with the events around it, the first one first.\n\
        Exit codes: 0 the same, 1 they differ, 2 a trace could not be read.")]
    Diff {
        a: PathBuf,
        b: PathBuf,
        /// Bench file whose terminal profile says which receipt lines vary.
        #[arg(long, default_value = "fixtures/benches/virtual.toml")]
        bench: PathBuf,
        /// Events shown around each divergence.
        #[arg(long, default_value_t = 3)]
        context: usize,
    },
    /// The host link as a TCP conversation and the card link's APDUs, as pcapng for Wireshark.
    #[command(after_help = "Examples:\n  \
        rig trace pcap reports/latest/swipe_sale/L009-x -o sale.pcapng\n  \
        wireshark -X lua_script:tools/wireshark/pos8583.lua sale.pcapng\n\n\
        The terminal is 192.0.2.2, the host 192.0.2.1:6000 (the dissector's port); each\n\
        request opens a connection, its answer closes it, a failed link is a reset. APDUs are\n\
        on a second interface (DLT USER0: a direction byte, then the APDU). Frames are masked\n\
        as the trace is; a masked frame still decodes.")]
    Pcap {
        /// A scenario folder of a report, or its trace.jsonl.
        path: PathBuf,
        /// The pcapng file to write.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Print the Wireshark Lua dissector for the dialect (tools/wireshark/pos8583.lua is this).
    Dissector,
}

#[derive(Subcommand, Clone, Copy)]
pub enum SnapshotAction {
    /// Show pending snapshots (the default).
    List,
    /// Make every pending snapshot the stored one.
    Accept,
    /// Delete every pending snapshot.
    Reject,
}

/// How `rig steps` writes the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StepsFormat {
    Text,
    Json,
    Markdown,
}

/// `rig chaos --help`'s explanation, its invariants read from the one table.
fn chaos_help() -> String {
    let mut help = String::from(
        "Examples:\n  \
        rig chaos features/chip_sale.feature:10\n  \
        rig chaos features/swipe_sale.feature:9 --faults power,host\n  \
        rig chaos features/chip_sale.feature:10 --firmware firmware-images/vterm-1.0.2-reversal-bug.fw\n\n\
        The scenario is played once without a fault; its timeline gives the injection points\n\
        (each host request and answer, each APDU, each key, each receipt). Then it is played once\n\
        per point and fault with exactly that fault injected: power (cut at once), host (drops the\n\
        connection, never answers, answers after the terminal's timeout: at host requests), card\n\
        (torn out: at APDUs), paper (out: as a receipt starts). After each play the terminal is\n\
        recovered (faults lifted, power off and on, signed on), receipts it lacks are reprinted,\n\
        the batch is settled, and these invariants are checked against the mock host's ledger:\n",
    );
    for invariant in &crate::chaos::invariants::INVARIANTS {
        // Wrapped here so continuation lines stay in the meaning column.
        let mut line = format!("  {:<20}", invariant.name);
        for word in invariant.holds_when.split(' ') {
            if line.len() + word.len() > 90 {
                help.push_str(&line);
                help.push('\n');
                line = " ".repeat(22);
            }
            line.push(' ');
            line.push_str(word);
        }
        help.push_str(&line);
        help.push('\n');
    }
    help.push_str(
        "\nWrites <report-dir>/chaos-<time>/: chaos-table.txt, junit.xml (a test case per play) and a\n\
        folder per play with its trace. Exit 0 when every invariant held, 1 with the first\n\
        counterexample and the command that replays it (rig run FILE:LINE --inject ...), 2 for a\n\
        mistake (or a scenario that fails without a fault), 3 when a play left no verdict.",
    );
    help
}
