//! Flashing against probe-rs's target database and loaders, without a probe:
//! firmware is assembled and linked here with Debian's binutils-arm-none-eabi
//! (an independent toolchain), converted to HEX and BIN by its objcopy, and
//! each is read by rig and by probe-rs's own loaders through its fake probe.

use probe_rs::flashing::{ProgressEvent, ProgressOperation, build_loader, image_format};
use probe_rs::probe::Probe;
use probe_rs::probe::fake_probe::FakeProbe;
use probe_rs::{Permissions, Session};
use rig::config::lab::{ImageFormat, UsbSelector};
use rig::devices::lab_image::{LabImage, Segment};
use rig::devices::probe::{self, FlashPlan, ProbeError};
use std::path::{Path, PathBuf};
use std::process::Command;

const CHIP: &str = "STM32F407VGTx";

fn tool(name: &str) -> String {
    let tool = format!("arm-none-eabi-{name}");
    assert!(
        Command::new(&tool).arg("--version").output().is_ok(),
        "{tool} is missing: install Debian's binutils-arm-none-eabi (bash .ci/test does)"
    );
    tool
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// firmware-images/lab/example.s linked by example.ld: a vector table and a
/// loop in flash at 0x0800_0000, and initialised data (the boot banner) whose
/// load address follows the code in flash while it runs from RAM.
fn build_firmware(dir: &Path) -> PathBuf {
    tool("as");
    run(Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware-images/lab/build.sh"))
        .arg(dir));
    dir.join("example.elf")
}

fn objcopy(elf: &Path, format: &str, out: &Path) {
    run(Command::new(tool("objcopy")).args(["-O", format]).arg(elf).arg(out));
}

fn fake_session() -> Session {
    Probe::from_specific_probe(Box::new(FakeProbe::with_mocked_core()))
        .attach(CHIP, Permissions::default())
        .expect("probe-rs attaches its fake probe to the chip")
}

/// What probe-rs's own loader for `format` would write, address by address.
fn probe_rs_view(path: &Path, format: &str) -> Vec<Segment> {
    let mut session = fake_session();
    let loader = build_loader(
        &mut session,
        path,
        image_format(format).unwrap().create_loader(None),
        None,
    )
    .unwrap();
    let mut segments: Vec<Segment> = loader
        .data()
        .map(|(address, data)| Segment {
            address,
            data: data.to_vec(),
        })
        .collect();
    segments.sort_by_key(|s| s.address);
    // Join touching blocks the way rig reports them.
    let mut merged: Vec<Segment> = Vec::new();
    for s in segments {
        match merged.last_mut() {
            Some(last) if last.end() == s.address => last.data.extend_from_slice(&s.data),
            _ => merged.push(s),
        }
    }
    merged
}

#[test]
fn elf_hex_and_bin_images_agree_with_probe_rs_loaders() {
    let dir = tempfile::tempdir().unwrap();
    let elf = build_firmware(dir.path());
    let hex = dir.path().join("example.hex");
    let bin = dir.path().join("example.bin");
    objcopy(&elf, "binary", &bin);

    let ours = LabImage::load(&elf, None, None).unwrap();
    assert_eq!(ours.format, ImageFormat::Elf);
    assert_eq!(
        ours.segments.len(),
        1,
        "vectors, code and the data's load image are one block"
    );
    assert_eq!(ours.segments[0].address, 0x0800_0000);
    assert!(
        ours.segments[0]
            .data
            .windows(30)
            .any(|w| w == b"BOOT VTERM VT-2 firmware 2.3.1"),
        "the initialised data is written at its load address in flash"
    );
    assert_eq!(ours.segments, probe_rs_view(&elf, "elf"));

    let from_hex = LabImage::load(&hex, None, None).unwrap();
    assert_eq!(from_hex.segments, ours.segments);
    assert_eq!(from_hex.segments, probe_rs_view(&hex, "hex"));

    let from_bin = LabImage::load(&bin, None, Some(0x0800_0000)).unwrap();
    assert_eq!(from_bin.segments, ours.segments);

    // The image the example lab bench names is this build.
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware-images/lab/example.hex");
    assert_eq!(LabImage::load(&committed, None, None).unwrap().segments, ours.segments);
}

#[test]
fn a_checked_plan_passes_probe_rs_dry_run_on_the_fake_probe() {
    let dir = tempfile::tempdir().unwrap();
    let elf = build_firmware(dir.path());
    let image = LabImage::load(&elf, None, None).unwrap();
    let plan = FlashPlan::new(CHIP, &image).unwrap();
    assert_eq!(plan.bytes, image.size());
    let mut session = fake_session();
    let mut events = Vec::new();
    // A dry run: probe-rs chooses the chip's flash algorithm for the image,
    // then stops short of the hardware.
    plan.program(&mut session, true, |e| events.push(e)).unwrap();
    // probe-rs found a flash algorithm for every byte (else commit fails),
    // and says it stopped before programming.
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ProgressEvent::Failed(ProgressOperation::Program))),
        "{events:?}"
    );
}

#[test]
fn an_unknown_chip_is_refused_with_similar_names() {
    let err = probe::lookup_chip("STM32F407ZZ").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("\"STM32F407ZZ\" is not in probe-rs's target database"),
        "{text}"
    );
    assert!(text.contains("STM32F407"), "suggests the family: {text}");
}

#[test]
fn an_image_outside_flash_names_the_region_and_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    // 2 KiB starting 1 KiB before the end of the 1 MiB flash.
    std::fs::write(&path, vec![0x5A; 2048]).unwrap();
    let image = LabImage::load(&path, None, Some(0x080F_FC00)).unwrap();
    let err = match FlashPlan::new(CHIP, &image) {
        Err(e) => e,
        Ok(_) => panic!("an image past the end of flash was accepted"),
    };
    assert!(matches!(err, ProbeError::OutsideFlash { .. }));
    let text = err.to_string();
    assert!(
        text.contains("bytes 0x08100000..0x08100400 are outside STM32F407VGTx's flash"),
        "{text}"
    );
    assert!(
        text.contains("0x08000000..0x08100000"),
        "names the flash region: {text}"
    );

    // RAM is not flash either.
    let ram = dir.path().join("ram.bin");
    std::fs::write(&ram, [0u8; 16]).unwrap();
    let image = LabImage::load(&ram, None, Some(0x2000_0000)).unwrap();
    assert!(matches!(
        FlashPlan::new(CHIP, &image),
        Err(ProbeError::OutsideFlash { .. })
    ));
}

#[test]
fn no_probe_says_what_was_looked_for() {
    // No probe has this id, on this machine or any other.
    let selector: UsbSelector = "ffff:fffe:RIG-TEST".parse().unwrap();
    let err = probe::find_probe(Some(&selector)).unwrap_err().to_string();
    assert!(
        err.starts_with("no debug probe matching ffff:fffe:RIG-TEST is plugged in (found: "),
        "{err}"
    );
}

#[test]
fn a_detected_chip_matches_the_bench_file_by_family_in_the_target_database() {
    // Siblings auto-detection cannot tell apart, from probe-rs's database.
    assert!(probe::same_family("STM32F407VGTx", "STM32F407VETx"));
    assert!(probe::same_family("stm32f407vgtx", "STM32F407VGTx"));
    // Another vendor's chip on the bench is a wiring mistake to report.
    assert!(!probe::same_family("STM32F407VGTx", "nRF52840_xxAA"));
    assert!(!probe::same_family("STM32F407VGTx", "no-such-chip"));
}
