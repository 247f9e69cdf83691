//! Power for the virtual terminal: switching on spawns the vterm process,
//! switching off kills it, as pulling the plug would.

use super::DeviceError;
use super::roles::{Power, Readers};
use crate::events::{Kind, Source, Timeline};
use futures::future::BoxFuture;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

pub struct VirtualPower {
    program: PathBuf,
    args: Vec<String>,
    /// Where the terminal's own stderr goes (crashes, boot refusals).
    stderr_log: PathBuf,
    child: Option<Child>,
    timeline: Timeline,
}

/// Finds the virtual terminal's executable. A bare name is looked for beside
/// the rig executable. When the rig runs from a cargo target folder of the
/// workspace (`cargo run`), the terminal is built first so it is never stale;
/// RIG_NO_BUILD=1 turns that off (tests build the workspace beforehand).
pub fn locate_program(program: &Path) -> Result<PathBuf, DeviceError> {
    if program.components().count() > 1 || program.is_absolute() {
        return if program.exists() {
            Ok(program.into())
        } else {
            Err(DeviceError::Power(format!("{} does not exist", program.display())))
        };
    }
    let exe = std::env::current_exe().map_err(|e| DeviceError::Power(e.to_string()))?;
    let mut dir = exe.parent().unwrap_or(Path::new("."));
    // Test executables live one level down, in target/<profile>/deps.
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir = dir.parent().unwrap_or(dir);
    }
    let profile = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let target = dir.parent().filter(|p| p.file_name().is_some_and(|n| n == "target"));
    let workspace = target.and_then(Path::parent).filter(|w| w.join("Cargo.toml").is_file());
    let wants_build = std::env::var_os("RIG_NO_BUILD").is_none() && (profile == "release" || profile == "debug");
    if let (Some(workspace), true) = (workspace, wants_build) {
        let mut cmd = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.current_dir(workspace)
            .args(["build", "--quiet", "-p", &program.to_string_lossy()]);
        if profile == "release" {
            cmd.arg("--release");
        }
        let status = cmd
            .status()
            .map_err(|e| DeviceError::Power(format!("cannot run cargo to build {}: {e}", program.display())))?;
        if !status.success() {
            return Err(DeviceError::Power(format!(
                "building {} failed ({status})",
                program.display()
            )));
        }
    }
    let beside = dir.join(program);
    if beside.is_file() {
        return Ok(beside);
    }
    Err(DeviceError::Power(format!(
        "virtual terminal {:?} not found beside {}; build it with `cargo build --release -p vterm`",
        program,
        exe.display()
    )))
}

impl VirtualPower {
    pub fn new(program: PathBuf, args: Vec<String>, stderr_log: PathBuf, timeline: Timeline) -> VirtualPower {
        VirtualPower {
            program,
            args,
            stderr_log,
            child: None,
            timeline,
        }
    }

    /// Switches on; returns the board's enumeration channel (its stdout).
    fn start(&mut self) -> Result<tokio::process::ChildStdout, DeviceError> {
        if self.child.is_some() {
            return Err(DeviceError::Power("already on".into()));
        }
        let stderr = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&self.stderr_log)
            .map_err(|e| DeviceError::Power(format!("{}: {e}", self.stderr_log.display())))?;
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true);
        // The plug is pulled when the rig itself dies, even by SIGKILL (no
        // drop runs then): the kernel kills the terminal with its parent.
        // SAFETY: prctl is async-signal-safe and touches no memory of ours.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .map_err(|e| DeviceError::Power(format!("cannot start {}: {e}", self.program.display())))?;
        let mut child = child;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| DeviceError::Power("no stdout from the terminal process".into()))?;
        self.timeline.publish(
            Source::Power,
            Kind::PowerOn {
                program: self.program.display().to_string(),
            },
        );
        self.child = Some(child);
        Ok(stdout)
    }

    async fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let exit = match child.try_wait() {
            // It had already stopped by itself: that is worth knowing.
            Ok(Some(status)) => format!("had exited: {status}"),
            _ => {
                let _ = child.kill().await;
                "switched off".to_string()
            }
        };
        self.timeline.publish(Source::Power, Kind::PowerOff { exit });
    }
}

impl Power for VirtualPower {
    /// Starts vterm; its card readers are wherever its READY line says it
    /// put them (firmware-images/VIRTUAL-BENCH.md).
    fn on(&mut self, boot: Duration) -> BoxFuture<'_, Result<Readers, DeviceError>> {
        Box::pin(async move {
            let stdout = self.start()?;
            let mut lines = tokio::io::BufReader::new(stdout).lines();
            let ready = tokio::time::timeout(boot, lines.next_line())
                .await
                .map_err(|_| DeviceError::Terminal(format!("did not enumerate its ports within {boot:?}")))?
                .map_err(|e| DeviceError::Power(format!("reading the terminal's READY line: {e}")))?
                .ok_or_else(|| DeviceError::Terminal("stopped during boot (see vterm.stderr.log)".into()))?;
            let port = |name: &str| {
                ready
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix(name))
                    .map(str::to_string)
            };
            // READY names the readers the terminal has (VIRTUAL-BENCH.md); a
            // stripe-only terminal names none.
            if ready.split_whitespace().next() != Some("READY") {
                return Err(DeviceError::Terminal(format!(
                    "announced {ready:?} instead of its READY line (firmware-images/VIRTUAL-BENCH.md)"
                )));
            }
            Ok(Readers {
                contact: port("contact="),
                contactless: port("contactless="),
            })
        })
    }

    fn off(&mut self) -> BoxFuture<'_, Result<(), DeviceError>> {
        Box::pin(async move {
            self.stop().await;
            Ok(())
        })
    }

    fn is_on(&self) -> bool {
        self.child.is_some()
    }

    fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(tokio::process::Child::id)
    }

    /// SIGKILL to the terminal's process: no goodbye, as a pulled plug.
    fn plug(&self) -> Option<super::roles::Plug> {
        let pid = i32::try_from(self.pid()?).ok()?;
        Some(std::sync::Arc::new(move || {
            // SAFETY: kill(2) with a pid we spawned and a constant signal; no memory is shared.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }))
    }
}
