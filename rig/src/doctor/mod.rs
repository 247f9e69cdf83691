//! `rig doctor`: checks every device a bench declares and says how to fix
//! what is missing.

use crate::config::ConfigError;
use crate::config::bench::{Bench, BenchKind};
use crate::devices::console::VirtualCable;
use crate::devices::flasher::FirmwareImage;
use crate::devices::gpio::VirtualGpio;
use std::path::Path;

mod access;
mod lab;
mod virtual_power_on;

/// One line of the report.
pub struct Check {
    pub device: String,
    pub ok: bool,
    pub detail: String,
    /// What to do when it failed.
    pub fix: String,
}

pub(crate) fn check(device: &str, result: Result<String, (String, String)>) -> Check {
    match result {
        Ok(detail) => Check {
            device: device.into(),
            ok: true,
            detail,
            fix: String::new(),
        },
        Err((detail, fix)) => Check {
            device: device.into(),
            ok: false,
            detail,
            fix,
        },
    }
}

fn config<T>(r: Result<T, ConfigError>, fix: &str) -> Result<T, (String, String)> {
    r.map_err(|e| (e.to_string(), fix.into()))
}

/// Runs every check of the bench file at `path`.
pub fn examine(path: &Path) -> Vec<Check> {
    let mut checks = Vec::new();
    let bench = match Bench::load(path) {
        Ok(b) => {
            checks.push(check("bench file", Ok(format!("{} ({})", path.display(), b.file.name))));
            b
        }
        Err(e) => {
            let fix = match e {
                ConfigError::Read { .. } => "check the path given to --bench",
                _ => "correct the bench file at the line shown",
            };
            checks.push(check("bench file", Err((e.to_string(), fix.into()))));
            return checks;
        }
    };
    let profile_path = bench.resolve(&bench.file.terminal_profile);
    checks.push(check(
        "terminal profile",
        config(
            crate::config::terminal::TerminalProfile::load(&profile_path),
            "correct the profile at the line shown",
        )
        .map(|p| format!("{} ({})", profile_path.display(), p.model)),
    ));
    let dialect_path = bench.resolve(&bench.file.host_dialect);
    checks.push(check(
        "host dialect",
        config(
            crate::config::dialect::Dialect::load(&dialect_path),
            "correct the dialect file at the line shown",
        )
        .map(|d| d.name),
    ));
    let cards_path = bench.resolve(&bench.file.cards);
    checks.push(check(
        "card profiles",
        config(
            crate::config::card::load_dir(&cards_path),
            "correct the card profile at the line shown",
        )
        .map(|c| format!("{} cards in {}", c.len(), cards_path.display())),
    ));
    checks.push(check(
        "master key",
        config(bench.master_key(), "write the test TMK as 32 hex digits").map(|_| "test TMK loaded".into()),
    ));
    match bench.kind() {
        Ok(BenchKind::Virtual) => {
            virtual_devices(&bench, &mut checks);
            // Only when the program was found: otherwise it cannot start.
            if checks.iter().all(|c| c.ok) {
                checks.extend(virtual_power_on::checks(path));
            }
        }
        Ok(BenchKind::Lab) => {
            access::checks(&bench, &mut checks);
            lab::devices(&bench, &mut checks);
        }
        Err(e) => checks.push(check("bench kind", Err((e, "see fixtures/benches/pi-lab.toml".into())))),
    }
    checks.push(check(
        "host port",
        std::net::TcpListener::bind(&bench.file.host.listen)
            .map(|l| {
                format!(
                    "{} free ({})",
                    bench.file.host.listen,
                    l.local_addr().map(|a| a.to_string()).unwrap_or_default()
                )
            })
            .map_err(|e| {
                (
                    format!("{}: {e}", bench.file.host.listen),
                    "stop what listens there, or change [host] listen".into(),
                )
            }),
    ));
    checks
}

/// The virtual terminal's executable, image, pty and GPIO file.
fn virtual_devices(bench: &Bench, checks: &mut Vec<Check>) {
    let Some(vt) = &bench.file.virtual_terminal else { return };
    checks.push(check(
        "virtual terminal",
        crate::devices::power::locate_program(&vt.program)
            .map_err(|e| (e.to_string(), "cargo build --release -p vterm".into()))
            .and_then(|p| {
                let out = std::process::Command::new(&p)
                    .arg("--version")
                    .output()
                    .map_err(|e| (format!("{}: {e}", p.display()), "rebuild vterm".into()))?;
                Ok(format!(
                    "{} ({})",
                    p.display(),
                    String::from_utf8_lossy(&out.stdout).trim()
                ))
            }),
    ));
    checks.push(check(
        "firmware image",
        FirmwareImage::load(&bench.resolve(&vt.firmware), &vt.image_versions)
            .map(|i| format!("{} version {}", i.path.display(), i.version))
            .map_err(|e| {
                (
                    e.to_string(),
                    "rebuild the image (firmware-images/README.md) or point [virtual] firmware at a good one".into(),
                )
            }),
    ));
    checks.push(check(
        "serial console (pty)",
        VirtualCable::new()
            .map(|c| format!("pseudo-terminal {} opens", c.device_path))
            .map_err(|e| (e.to_string(), "the machine needs /dev/ptmx (devpts mounted)".into())),
    ));
    checks.push(check("GPIO lines (virtual)", {
        let dir = std::env::temp_dir().join(format!("rig-doctor-{}", std::process::id()));
        let r = std::fs::create_dir_all(&dir)
            .map_err(|e| (e.to_string(), format!("make {} writable", dir.display())))
            .and_then(|_| {
                VirtualGpio::create(&dir.join("gpio"), 32)
                    .map_err(|e| (e.to_string(), "free disk space in the temp folder".into()))
            })
            .map(|_| format!("{} robot lines wired", bench.file.robot.pins.len()));
        let _ = std::fs::remove_dir_all(&dir);
        r
    }));
    // The virtual bench declares no PC/SC reader: pcscd is reported, not required.
    #[cfg(feature = "pcsc")]
    checks.push(check(
        "PC/SC (pcscd)",
        Ok(match crate::devices::pcsc_reader::readers() {
            Ok(r) if r.is_empty() => "pcscd runs, no reader".into(),
            Ok(r) => format!("readers: {}", r.join(", ")),
            Err(e) => format!("not needed by this bench ({e})"),
        }),
    ));
}

/// The report as a table.
pub fn table(checks: &[Check]) -> String {
    let w = checks.iter().map(|c| c.device.chars().count()).max().unwrap_or(6);
    let mut out = String::new();
    for c in checks {
        let mark = if c.ok { "ok  " } else { "FAIL" };
        out.push_str(&format!("{mark}  {:<w$}  {}\n", c.device, c.detail));
        if !c.ok {
            out.push_str(&format!("      {:<w$}  fix: {}\n", "", c.fix));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_virtual_bench_checks_out_and_a_broken_one_says_how_to_fix_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let checks = examine(&root.join("fixtures/benches/virtual.toml"));
        let failed: Vec<&Check> = checks
            .iter()
            .filter(|c| !c.ok && c.device != "virtual terminal")
            .collect();
        assert!(failed.is_empty(), "{}", table(&checks));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.toml"), "name = \"x\"\n").unwrap();
        let checks = examine(&dir.path().join("b.toml"));
        assert!(!checks[0].ok);
        assert!(
            table(&checks).contains("fix: correct the bench file"),
            "{}",
            table(&checks)
        );
    }

    #[test]
    fn the_example_lab_bench_gets_a_line_per_device_and_a_fix_for_each_failure() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let checks = examine(&root.join("fixtures/benches/pi-lab.toml"));
        let shown = table(&checks);
        let line = |device: &str| {
            checks
                .iter()
                .find(|c| c.device == device)
                .unwrap_or_else(|| panic!("no {device} line:\n{shown}"))
        };
        // Desk checks hold anywhere.
        assert!(line("chip").ok, "{shown}");
        assert!(
            line("firmware image").ok && line("firmware image").detail.contains("fits flash"),
            "{shown}"
        );
        // Every declared device is looked at; what is absent here says how to fix it.
        for device in [
            "debug probe",
            "serial console",
            "cash register port",
            "keypad robot (GPIO)",
            "power relay (GPIO)",
            "NFC front end (PC/SC)",
            "card emulator (contact)",
            "host port",
        ] {
            let c = line(device);
            assert!(c.ok || !c.fix.is_empty(), "{device} failed without a fix:\n{shown}");
        }
        if !pi_gpio_present() {
            assert!(
                line("keypad robot (GPIO)").detail.contains("not a Raspberry Pi"),
                "{shown}"
            );
        }
    }

    fn pi_gpio_present() -> bool {
        crate::devices::pi_gpio::board().is_ok()
    }
}
