//! `rig flash`: brings a lab terminal to the firmware its bench file names.
//! Desk checks first (chip, image against flash), then the probe; the boot
//! banner on the console says which version runs before and after, so a
//! terminal that already runs the wanted version is left alone.

use crate::config::bench::Bench;
use crate::config::lab::{FirmwareWiring, ProbeWiring};
use crate::config::terminal::TerminalProfile;
use crate::devices::DeviceError;
use crate::devices::console::SerialConsole;
use crate::devices::lab_image::{ImageError, LabImage};
use crate::devices::probe::{self, FlashPlan, ProbeError};
use crate::devices::roles::{Boot, boot_banner};
use crate::events::{Kind, Source, Timeline};
use crate::failure::FailureClass;
use probe_rs::flashing::ProgressEvent;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum FlashError {
    #[error("{0}")]
    Bench(String),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("{}: {source}", dir.display())]
    Trace {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Probe(#[from] ProbeError),
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error("the probe sees a {seen}, but [probe] chip is {chip}: is the right terminal on this bench?")]
    WrongChip { seen: String, chip: String },
    #[error("the terminal showed no boot banner on its console within {0:?} of the reset")]
    NoBanner(Duration),
    #[error("the terminal refused the image it was flashed with: {0}")]
    BootRefused(String),
    #[error(
        "flashed {image}, but the terminal's boot banner shows version {shown} where [firmware] version says {wanted}: \
         fix the bench file or the image"
    )]
    WrongVersion {
        image: String,
        shown: String,
        wanted: String,
    },
}

impl FlashError {
    pub fn class(&self) -> FailureClass {
        match self {
            FlashError::Bench(_)
            | FlashError::Config(_)
            | FlashError::Trace { .. }
            | FlashError::Image(_)
            | FlashError::WrongVersion { .. } => FailureClass::Mistake,
            FlashError::Probe(ProbeError::UnknownChip { .. } | ProbeError::OutsideFlash { .. }) => {
                FailureClass::Mistake
            }
            FlashError::Probe(_) | FlashError::Device(_) | FlashError::WrongChip { .. } => FailureClass::BenchFault,
            FlashError::NoBanner(_) | FlashError::BootRefused(_) => FailureClass::TerminalFailure,
        }
    }
}

/// What flashing needs from the debug probe; the real one is a probe-rs
/// session, tests stand in for the chip.
pub trait DebugLink {
    /// Erases, programs and verifies the image.
    fn program(&mut self, plan: &FlashPlan, progress: &mut dyn FnMut(ProgressEvent)) -> Result<(), ProbeError>;
    /// Resets the chip so its firmware boots (and prints its banner).
    fn reset(&mut self) -> Result<(), ProbeError>;
}

pub struct ProbeLink(pub probe_rs::Session);

impl DebugLink for ProbeLink {
    fn program(&mut self, plan: &FlashPlan, progress: &mut dyn FnMut(ProgressEvent)) -> Result<(), ProbeError> {
        plan.program(&mut self.0, false, progress)
    }

    fn reset(&mut self) -> Result<(), ProbeError> {
        probe::reset(&mut self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlashOutcome {
    /// The banner already showed the wanted version; nothing was written.
    AlreadyRunning { version: String },
    Flashed {
        /// The version before, when a banner said so.
        from: Option<String>,
        /// The version the banner shows now; `None` without a console.
        to: Option<String>,
        bytes: u64,
    },
}

/// Refuses to flash a chip that identifies itself as another family than
/// the bench file's; one that cannot identify itself is taken at its word.
pub fn check_chip(wiring: &ProbeWiring) -> Result<(), FlashError> {
    match probe::identify(wiring) {
        Ok(seen) if !probe::same_family(&seen, &wiring.chip) => Err(FlashError::WrongChip {
            seen,
            chip: wiring.chip.clone(),
        }),
        Ok(_) => Ok(()),
        Err(e @ ProbeError::NoProbe { .. }) => Err(e.into()),
        // Auto-detection failing says nothing against the bench file's chip.
        Err(_) => Ok(()),
    }
}

/// A lab bench's flash job, checked on the desk.
pub struct LabFlash {
    pub plan: FlashPlan,
    pub probe: ProbeWiring,
    pub firmware: FirmwareWiring,
    pub image: PathBuf,
}

impl LabFlash {
    /// Loads the image and checks it against the chip: no probe is touched.
    pub fn prepare(bench: &Bench) -> Result<LabFlash, FlashError> {
        let (Some(wiring), Some(firmware)) = (&bench.file.probe, &bench.file.firmware) else {
            return Err(FlashError::Bench(format!(
                "{}: `rig flash` needs [probe] and [firmware] tables (see fixtures/benches/pi-lab.toml)",
                bench.path.display()
            )));
        };
        let image = bench.resolve(&firmware.image);
        let loaded = LabImage::load(&image, firmware.format, firmware.base_address)?;
        let plan = FlashPlan::new(&wiring.chip, &loaded)?;
        Ok(LabFlash {
            plan,
            probe: wiring.clone(),
            firmware: firmware.clone(),
            image,
        })
    }

    /// Opens the bench's console so banners reach the timeline; `None` when
    /// the bench has no console (versions then cannot be checked).
    pub fn open_console(bench: &Bench, timeline: &Timeline) -> Result<Option<SerialConsole>, FlashError> {
        let Some(wiring) = &bench.file.console else {
            return Ok(None);
        };
        let profile = TerminalProfile::load(&bench.resolve(&bench.file.terminal_profile))?;
        Ok(Some(SerialConsole::open_lab(
            wiring,
            profile.console,
            timeline.clone(),
        )?))
    }

    /// Resets to read the running version, flashes unless it already is the
    /// wanted one (or `force`), resets again and checks the new banner.
    pub async fn run(
        &self,
        link: &mut dyn DebugLink,
        timeline: &Timeline,
        has_console: bool,
        force: bool,
        progress: &mut dyn FnMut(ProgressEvent),
    ) -> Result<FlashOutcome, FlashError> {
        let wanted = self.firmware.version.as_str();
        let boot = Duration::from_millis(self.firmware.boot_timeout_ms);
        let mut running = None;
        if has_console && !force {
            let from = timeline.now();
            link.reset()?;
            // A terminal whose image is refused or silent gets flashed: that is the cure.
            running = banner(timeline, from, boot).await.and_then(Result::ok);
            if running.as_deref() == Some(wanted) {
                stage(timeline, "skipped", format!("already runs {wanted}"));
                return Ok(FlashOutcome::AlreadyRunning {
                    version: wanted.to_string(),
                });
            }
        }
        stage(
            timeline,
            "program",
            format!(
                "{} ({} bytes) onto {}",
                self.image.display(),
                self.plan.bytes,
                self.plan.target.name
            ),
        );
        link.program(&self.plan, progress)?;
        stage(timeline, "verified", format!("{} bytes", self.plan.bytes));
        let from = timeline.now();
        link.reset()?;
        let now = if has_console {
            let shown = banner(timeline, from, boot)
                .await
                .ok_or(FlashError::NoBanner(boot))?
                .map_err(FlashError::BootRefused)?;
            if shown != wanted {
                return Err(FlashError::WrongVersion {
                    image: self.image.display().to_string(),
                    shown,
                    wanted: wanted.to_string(),
                });
            }
            stage(timeline, "booted", format!("banner shows {shown}"));
            Some(shown)
        } else {
            None
        };
        Ok(FlashOutcome::Flashed {
            from: running,
            to: now,
            bytes: self.plan.bytes,
        })
    }
}

fn stage(timeline: &Timeline, stage: &str, detail: String) {
    timeline.publish(
        Source::Probe,
        Kind::Flash {
            stage: stage.into(),
            detail,
        },
    );
}

/// The banner after a reset (the check every way of flashing shares), or
/// why the image was refused; `None` when the terminal said nothing in time.
async fn banner(timeline: &Timeline, from: crate::events::Cursor, within: Duration) -> Option<Result<String, String>> {
    match boot_banner(timeline, from, within).await.ok()? {
        Boot::Booted(version) => Some(Ok(version)),
        Boot::Refused(reason) => Some(Err(reason)),
    }
}

/// Progress bars for erase, program and verify on a terminal, and one line
/// per finished stage (what CI logs keep).
pub fn progress_bars() -> impl FnMut(ProgressEvent) {
    use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
    use probe_rs::flashing::ProgressOperation;
    use std::collections::HashMap;
    let bars = MultiProgress::new();
    let mut shown: HashMap<&'static str, (ProgressBar, std::time::Instant)> = HashMap::new();
    let style = ProgressStyle::with_template("{prefix:>8} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    // A hidden MultiProgress (not a terminal: CI) drops println: print plainly there.
    let say = |bars: &MultiProgress, line: String| {
        if bars.is_hidden() {
            println!("{line}");
        } else {
            let _ = bars.println(line);
        }
    };
    move |event| {
        let name = |op: ProgressOperation| match op {
            ProgressOperation::Fill => "fill",
            ProgressOperation::Erase => "erase",
            ProgressOperation::Program => "program",
            ProgressOperation::Verify => "verify",
        };
        match event {
            ProgressEvent::AddProgressBar { operation, total } => {
                let bar = bars.add(ProgressBar::new(total.unwrap_or(0)));
                bar.set_style(style.clone());
                bar.set_prefix(name(operation));
                shown.insert(name(operation), (bar, std::time::Instant::now()));
            }
            ProgressEvent::Started(operation) => {
                if let Some((_, started)) = shown.get_mut(name(operation)) {
                    *started = std::time::Instant::now();
                }
            }
            ProgressEvent::Progress { operation, size, .. } => {
                if let Some((bar, _)) = shown.get(name(operation)) {
                    bar.inc(size);
                }
            }
            ProgressEvent::Finished(operation) | ProgressEvent::Failed(operation) => {
                let failed = matches!(event, ProgressEvent::Failed(_));
                if let Some((bar, started)) = shown.get(name(operation)) {
                    bar.finish_and_clear();
                    say(
                        &bars,
                        format!(
                            "{:>8}: {} bytes in {:.1} s{}",
                            name(operation),
                            bar.position(),
                            started.elapsed().as_secs_f64(),
                            if failed { " FAILED" } else { "" }
                        ),
                    );
                }
            }
            ProgressEvent::DiagnosticMessage { message } => {
                say(&bars, format!("probe-rs: {message}"));
            }
            ProgressEvent::FlashLayoutReady { .. } => {}
        }
    }
}

/// What `rig flash` was asked.
pub struct FlashOptions {
    pub bench: PathBuf,
    /// Flash even when the terminal already runs the wanted version.
    pub force: bool,
    /// Only the desk checks (chip and image); no probe is opened.
    pub check: bool,
    /// The trace goes to `<report_dir>/flash/<time>/`.
    pub report_dir: PathBuf,
}

/// `rig flash`: desk checks, then the probe, the banner version before,
/// program and verify unless it already runs, the banner version after.
/// Says each stage on standard output; the trace holds the console lines.
pub async fn run_job(options: &FlashOptions) -> Result<(), FlashError> {
    let bench = Bench::load(&options.bench)?;
    let job = LabFlash::prepare(&bench)?;
    println!(
        "image {}: {} bytes, inside {}'s flash",
        job.image.display(),
        job.plan.bytes,
        job.plan.target.name
    );
    if options.check {
        return Ok(());
    }
    // The probe first: without it nothing can be done.
    check_chip(&job.probe)?;
    let mut link = ProbeLink(probe::attach(&job.probe)?);
    let timeline = Timeline::new();
    // What the console said and each stage, for whoever debugs a failed flash.
    let flashes = options.report_dir.join("flash");
    let report = crate::report::RunReport::create(&flashes)
        .and_then(|report| {
            // A flash trace holds console lines: masked like a run's.
            let masker = crate::mask::Masker::new(crate::mask::Evidence::Masked, Default::default(), None);
            crate::trace::attach(&timeline, &report.dir, masker).map(|()| report)
        })
        .and_then(|report| report.point_latest().map(|()| report))
        .map_err(|source| FlashError::Trace { dir: flashes, source })?;
    println!("trace: {}", report.dir.display());
    let console = LabFlash::open_console(&bench, &timeline)?;
    if console.is_none() {
        println!(
            "no [console] in the bench file: the running version cannot be read, so rig flashes without checking it"
        );
    }
    let mut progress = progress_bars();
    match job
        .run(&mut link, &timeline, console.is_some(), options.force, &mut progress)
        .await?
    {
        FlashOutcome::AlreadyRunning { version } => {
            println!("the terminal already runs {version}: nothing written (--force flashes anyway)");
        }
        FlashOutcome::Flashed { from, to, bytes } => {
            let from = from.unwrap_or_else(|| "an unknown version".into());
            match to {
                Some(to) => println!("flashed {bytes} bytes: {from} -> {to}, verified, booted"),
                None => println!("flashed {bytes} bytes over {from}, verified, reset"),
            }
        }
    }
    Ok(())
}
