//! `rig flash` on a lab bench: the decision to flash from the boot banner,
//! the banner check after flashing, and the errors a bench technician sees.
//! The chip is played by a stand-in whose programming goes through
//! probe-rs's real loader on its fake probe (dry run, as no chip is here) and
//! whose resets print a boot banner on a pseudo-terminal the rig opens as
//! the bench's console, as a terminal's UART would.

use probe_rs::flashing::ProgressEvent;
use probe_rs::probe::Probe;
use probe_rs::probe::fake_probe::FakeProbe;
use probe_rs::{Permissions, Session};
use rig::config::bench::Bench;
use rig::devices::console::VirtualCable;
use rig::devices::probe::{FlashPlan, ProbeError};
use rig::events::{Kind, Timeline};
use rig::failure::FailureClass;
use rig::lab_flash::{DebugLink, FlashError, FlashOutcome, LabFlash};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// A lab bench file whose console is `console` and whose image is the
/// example STM32F407 image that boots as 2.3.1.
fn lab_bench(dir: &Path, console: &str, version: &str, boot_timeout_ms: u64) -> Bench {
    let fixtures = workspace().join("fixtures");
    let image = workspace().join("firmware-images/lab/example.hex");
    let text = format!(
        r#"name = "flash-test"
terminal_profile = "{f}/terminals/vterm.toml"
host_dialect = "{f}/hosts/unionpay-pos.toml"
cards = "{f}/cards"
master_key = "{f}/keys/vterm-tmk.toml"
[host]
listen = "127.0.0.1:0"
[robot]
press_ms = 80
gap_ms = 60
[robot.pins]
"0" = 4
[gpio]
active_high = true
[power_relay]
pin = 26
active_high = false
off_ms = 2000
[probe]
chip = "STM32F407VGTx"
[firmware]
image = "{image}"
version = "{version}"
boot_timeout_ms = {boot_timeout_ms}
[console]
path = "{console}"
baud = 115200
"#,
        f = fixtures.display(),
        image = image.display(),
    );
    let path = dir.join("lab.toml");
    std::fs::write(&path, text).expect("write bench");
    Bench::load(&path).expect("the test bench loads")
}

/// The terminal on the bench, as the debug probe and console see it.
struct StandInChip {
    session: Session,
    /// Where the terminal's UART writes (the rig reads the other end).
    uart: serialport::TTYPort,
    running: String,
    /// The version the image boots as once programmed.
    image_boots_as: String,
    /// A terminal that crashes before its banner.
    silent_after_flash: bool,
    /// A boot loader that rejects the new image.
    rejects_new_image: bool,
    programmed: usize,
    progress_events: usize,
}

impl StandInChip {
    fn new(uart: serialport::TTYPort, running: &str) -> StandInChip {
        let session = Probe::from_specific_probe(Box::new(FakeProbe::with_mocked_core()))
            .attach("STM32F407VGTx", Permissions::default())
            .expect("probe-rs attaches its fake probe");
        StandInChip {
            session,
            uart,
            running: running.into(),
            image_boots_as: "2.3.1".into(),
            silent_after_flash: false,
            rejects_new_image: false,
            programmed: 0,
            progress_events: 0,
        }
    }
}

impl DebugLink for StandInChip {
    fn program(&mut self, plan: &FlashPlan, progress: &mut dyn FnMut(ProgressEvent)) -> Result<(), ProbeError> {
        let mut count = 0;
        plan.program(&mut self.session, true, |e| {
            count += 1;
            progress(e)
        })?;
        self.progress_events += count;
        self.programmed += 1;
        self.running = self.image_boots_as.clone();
        Ok(())
    }

    fn reset(&mut self) -> Result<(), ProbeError> {
        if self.programmed > 0 && self.silent_after_flash {
            return Ok(());
        }
        if self.programmed > 0 && self.rejects_new_image {
            write!(self.uart, "\r\nBOOT image rejected: checksum mismatch\r\n").expect("uart write");
            return Ok(());
        }
        // What the example image's boot code prints (firmware-images/lab/example.s).
        write!(self.uart, "\r\nBOOT VTERM VT-2 firmware {}\r\n", self.running).expect("uart write");
        Ok(())
    }
}

struct Rig {
    _dir: tempfile::TempDir,
    _cable: VirtualCable,
    job: LabFlash,
    bench: Bench,
    chip: StandInChip,
}

fn rig_with_terminal_running(running: &str, wanted: &str, boot_timeout_ms: u64) -> Rig {
    let dir = tempfile::tempdir().expect("tempdir");
    let cable = VirtualCable::new().expect("pty");
    let bench = lab_bench(dir.path(), &cable.device_path, wanted, boot_timeout_ms);
    let job = LabFlash::prepare(&bench).expect("desk checks pass");
    let uart = cable.host_end.try_clone_native().expect("clone pty");
    Rig {
        _dir: dir,
        _cable: cable,
        job,
        bench,
        chip: StandInChip::new(uart, running),
    }
}

async fn flash(rig: &mut Rig, force: bool) -> (Result<FlashOutcome, FlashError>, Vec<String>) {
    let timeline = Timeline::new();
    let console = LabFlash::open_console(&rig.bench, &timeline).expect("console opens");
    assert!(console.is_some());
    let result = rig.job.run(&mut rig.chip, &timeline, true, force, &mut |_| {}).await;
    let stages = timeline
        .since(0)
        .into_iter()
        .filter_map(|e| match &e.kind {
            Kind::Flash { stage, .. } => Some(stage.clone()),
            _ => None,
        })
        .collect();
    (result, stages)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_version_is_flashed_verified_and_its_banner_checked() {
    let mut rig = rig_with_terminal_running("2.3.0", "2.3.1", 5_000);
    let (result, stages) = flash(&mut rig, false).await;
    assert_eq!(
        result.expect("flashes"),
        FlashOutcome::Flashed {
            from: Some("2.3.0".into()),
            to: Some("2.3.1".into()),
            bytes: 47,
        }
    );
    assert_eq!(rig.chip.programmed, 1);
    assert!(rig.chip.progress_events > 0, "probe-rs reported progress");
    assert_eq!(stages, ["program", "verified", "booted"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_running_version_is_left_alone_unless_forced() {
    let mut rig = rig_with_terminal_running("2.3.1", "2.3.1", 5_000);
    let (result, stages) = flash(&mut rig, false).await;
    assert_eq!(
        result.expect("skips"),
        FlashOutcome::AlreadyRunning {
            version: "2.3.1".into()
        }
    );
    assert_eq!(rig.chip.programmed, 0, "nothing written");
    assert_eq!(stages, ["skipped"]);

    let (result, _) = flash(&mut rig, true).await;
    assert!(
        matches!(result, Ok(FlashOutcome::Flashed { from: None, .. })),
        "{result:?}"
    );
    assert_eq!(rig.chip.programmed, 1, "--force flashes");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_image_that_boots_as_another_version_is_a_mistake_in_the_bench_file() {
    let mut rig = rig_with_terminal_running("2.3.0", "2.4.0", 5_000);
    let (result, _) = flash(&mut rig, false).await;
    let err = result.expect_err("wrong version");
    assert_eq!(err.class(), FailureClass::Mistake);
    assert!(
        err.to_string()
            .contains("shows version 2.3.1 where [firmware] version says 2.4.0"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_silent_after_flashing_fails_with_the_wait_it_was_given() {
    let mut rig = rig_with_terminal_running("2.3.0", "2.3.1", 300);
    rig.chip.silent_after_flash = true;
    let (result, _) = flash(&mut rig, false).await;
    let err = result.expect_err("no banner");
    assert_eq!(err.class(), FailureClass::TerminalFailure);
    assert!(err.to_string().contains("no boot banner"), "{err}");
}

fn rig_cli(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rig"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("rig runs");
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn flashing_the_example_lab_bench_here_is_a_bench_fault_naming_the_missing_probe() {
    let (code, shown) = rig_cli(&["flash", "--bench", "fixtures/benches/pi-lab.toml", "--check"]);
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains("47 bytes, inside STM32F407VGTx's flash"), "{shown}");
    // This machine has no debug probe.
    let (code, shown) = rig_cli(&["flash", "--bench", "fixtures/benches/pi-lab.toml"]);
    assert_eq!(code, Some(3), "{shown}");
    assert!(
        shown.contains("bench fault: no debug probe matching 0d28:0204 is plugged in"),
        "{shown}"
    );
}

#[test]
fn an_image_outside_flash_is_refused_before_any_probe_is_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 64 KiB placed in SRAM (0x2000_0000), not flash.
    std::fs::write(dir.path().join("app.bin"), vec![0xA5u8; 0x1_0000]).expect("image");
    let original = std::fs::read_to_string(workspace().join("fixtures/benches/pi-lab.toml")).expect("pi-lab");
    let fixtures = workspace().join("fixtures");
    let text = original
        .replace("\"../", &format!("\"{}/", fixtures.display()))
        .replace(
            &format!("\"{}/../firmware-images/lab/example.hex\"", fixtures.display()),
            "\"app.bin\"",
        )
        .replace("format = \"hex\"", "format = \"bin\"\nbase_address = 0x20000000");
    std::fs::write(dir.path().join("lab.toml"), text).expect("bench");
    let bench = dir.path().join("lab.toml");
    let (code, shown) = rig_cli(&["flash", "--bench", bench.to_str().expect("utf-8")]);
    assert_eq!(code, Some(2), "{shown}");
    assert!(
        shown.contains("bytes 0x20000000..0x20010000 are outside STM32F407VGTx's flash"),
        "{shown}"
    );
    assert!(!shown.contains("debug probe"), "refused before the probe: {shown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_boot_loader_that_rejects_the_new_image_is_a_terminal_failure_saying_why() {
    let mut rig = rig_with_terminal_running("2.3.0", "2.3.1", 5_000);
    rig.chip.rejects_new_image = true;
    let (result, _) = flash(&mut rig, false).await;
    let err = result.expect_err("rejected");
    assert_eq!(err.class(), FailureClass::TerminalFailure);
    assert_eq!(
        err.to_string(),
        "the terminal refused the image it was flashed with: checksum mismatch"
    );
}
