//! `rig run` on a lab bench file, on this machine: the lab devices are
//! opened for real (serial ports here are ptys named by path, as a bench
//! file names /dev/serial/by-id/ links), so the run gets as far as the
//! hardware this machine has and says, as a bench fault, what stopped it.

use serialport::{SerialPort, TTYPort};
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

#[test]
fn a_lab_run_off_a_pi_opens_its_serial_ports_then_stops_at_the_gpio_as_a_bench_fault() {
    if rppal::system::DeviceInfo::new().is_ok() {
        return; // on a Pi the solenoids would really fire
    }
    let (_console_terminal_end, console) = TTYPort::pair().expect("pty");
    let (_ecr_terminal_end, ecr) = TTYPort::pair().expect("pty");
    let dir = tempfile::tempdir().expect("tempdir");
    let fixtures = workspace().join("fixtures");
    let example = std::fs::read_to_string(fixtures.join("benches/pi-lab.toml")).expect("pi-lab.toml");
    // The example bench, with its relative paths made absolute and its
    // serial ports pointed at this test's ptys.
    let mut text = String::new();
    let mut table = String::new();
    for line in example.lines() {
        if line.starts_with('[') {
            table = line.to_string();
        }
        let line = line.replace("\"../", &format!("\"{}/", fixtures.display()));
        let line = match table.as_str() {
            "[console]" if line.starts_with("usb = ") => {
                format!("path = {:?}", console.name().expect("pty name"))
            }
            "[ecr]" if line.starts_with("path = ") => format!("path = {:?}", ecr.name().expect("pty name")),
            // Loopback only: a test never listens on the lab network.
            "[host]" if line.starts_with("listen = ") => "listen = \"127.0.0.1:0\"".to_string(),
            _ => line,
        };
        text.push_str(&line);
        text.push('\n');
    }
    let bench = dir.path().join("lab.toml");
    std::fs::write(&bench, text).expect("bench");
    let out = Command::new(env!("CARGO_BIN_EXE_rig"))
        .args([
            "run",
            "features/swipe_sale.feature",
            "--tags",
            "@smoke",
            "--retries",
            "0",
            "--bench",
        ])
        .arg(&bench)
        .args(["--report-dir"])
        .arg(dir.path().join("out"))
        .current_dir(workspace())
        .output()
        .expect("rig runs");
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(3), "{shown}");
    assert!(
        shown.contains("bench fault: GPIO: this machine is not a Raspberry Pi"),
        "{shown}"
    );
    assert!(!shown.contains("serial port"), "the serial ports opened: {shown}");
}
