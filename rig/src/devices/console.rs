//! Serial console: opened with the serialport crate (a pseudo-terminal on the
//! virtual bench, a USB serial adapter on a lab bench). A reader thread turns
//! lines into events, classified by the terminal profile's console format.

use super::DeviceError;
use super::serial_port::ReconnectingReader;
use crate::config::lab::SerialWiring;
use crate::config::terminal::ConsoleFormat;
use crate::events::{Kind, Source, Timeline};
use serialport::SerialPort as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub struct SerialConsole {
    reader: Reader,
}

enum Reader {
    /// A port that lives as long as the bench (the virtual bench's pty).
    Cable {
        stop: Arc<AtomicBool>,
        thread: Option<std::thread::JoinHandle<()>>,
    },
    /// A lab port that may be unplugged and come back.
    Lab(ReconnectingReader),
}

/// What one console line means, per the terminal profile.
pub fn classify(format: &ConsoleFormat, line: &str) -> Kind {
    let line_owned = line.to_string();
    if let Some(c) = format.boot_failure.as_ref().and_then(|re| re.captures(line)) {
        return Kind::BootFailure {
            line: line_owned,
            reason: c.name("reason").map_or("", |m| m.as_str()).to_string(),
        };
    }
    if let Some(c) = format.banner.captures(line) {
        return Kind::Boot {
            line: line_owned,
            version: c["version"].to_string(),
        };
    }
    if let Some(c) = format.display.captures(line) {
        return Kind::Display {
            line: line_owned,
            text: c["text"].to_string(),
        };
    }
    // Cut before print: a cut line is the more specific, so a profile's
    // print pattern need not exclude it (fixtures/terminals/README.md).
    if format.cut.is_match(line) {
        return Kind::Cut { line: line_owned };
    }
    if let Some(c) = format.print.captures(line) {
        return Kind::Print {
            line: line_owned,
            text: c["text"].to_string(),
        };
    }
    Kind::ConsoleLine { line: line_owned }
}

/// The two ends of a pseudo-terminal: a serial cable for a virtual terminal.
/// The rig reads the host end; the terminal opens `device_path`. The rig also
/// holds the device end so the cable survives the terminal's power cycles.
pub struct VirtualCable {
    pub host_end: serialport::TTYPort,
    pub device_end: serialport::TTYPort,
    pub device_path: String,
}

impl VirtualCable {
    pub fn new() -> Result<VirtualCable, DeviceError> {
        let err = |e: serialport::Error| DeviceError::Console {
            port: "pty".into(),
            message: e.to_string(),
        };
        let (mut host_end, device_end) = serialport::TTYPort::pair().map_err(err)?;
        host_end.set_timeout(Duration::from_millis(50)).map_err(err)?;
        let device_path = device_end.name().ok_or_else(|| {
            err(serialport::Error::new(
                serialport::ErrorKind::Unknown,
                "pty has no name",
            ))
        })?;
        Ok(VirtualCable {
            host_end,
            device_end,
            device_path,
        })
    }
}

impl SerialConsole {
    /// Opens a lab bench's console port (found by path or USB identity), and
    /// opens it again after an unplug, with the gap on the timeline.
    pub fn open_lab(
        wiring: &SerialWiring,
        format: ConsoleFormat,
        timeline: Timeline,
    ) -> Result<SerialConsole, DeviceError> {
        let events = timeline.clone();
        let reader = ReconnectingReader::start(wiring.clone(), Source::Console, timeline, move |line| {
            events.publish(Source::Console, classify(&format, &line));
        })?;
        Ok(SerialConsole {
            reader: Reader::Lab(reader),
        })
    }

    /// Reads an already open port until closed.
    pub fn attach(
        port: Box<dyn serialport::SerialPort>,
        port_name: String,
        format: ConsoleFormat,
        timeline: Timeline,
    ) -> Result<SerialConsole, DeviceError> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = super::lines::spawn_line_reader(port_name, port, stop.clone(), move |line| {
            timeline.publish(Source::Console, classify(&format, &line));
        })?;
        Ok(SerialConsole {
            reader: Reader::Cable {
                stop,
                thread: Some(thread),
            },
        })
    }

    /// Stops reading once the remaining buffered lines are published,
    /// waiting for that off the async runtime.
    pub async fn shut(&mut self) -> Result<(), String> {
        match &mut self.reader {
            Reader::Cable { stop, thread } => {
                stop.store(true, Ordering::Relaxed);
                match thread.take() {
                    Some(t) => super::lines::join_stopped(t, "console").await,
                    None => Ok(()),
                }
            }
            Reader::Lab(reader) => reader.shut().await,
        }
    }

    /// Stops reading once the remaining buffered lines are published
    /// (blocking: for `Drop`, where no runtime can be awaited).
    pub fn close(&mut self) {
        match &mut self.reader {
            Reader::Cable { stop, thread } => {
                stop.store(true, Ordering::Relaxed);
                if let Some(t) = thread.take() {
                    let _ = t.join();
                }
            }
            Reader::Lab(reader) => reader.close(),
        }
    }
}

impl Drop for SerialConsole {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn format(print: &str, cut: &str) -> ConsoleFormat {
        ConsoleFormat {
            banner: Regex::new(r"^BOOT (?P<version>\S+)$").expect("regex"),
            boot_failure: None,
            display: Regex::new(r"^DSP (?P<text>.*)$").expect("regex"),
            print: Regex::new(print).expect("regex"),
            cut: Regex::new(cut).expect("regex"),
        }
    }

    #[test]
    fn a_cut_line_is_a_cut_even_when_the_print_pattern_takes_any_line() {
        // A printer that echoes every line to the console, its cut marker among them.
        let f = format(r"^P:(?P<text>.*)$", r"^P:-{8} CUT -{8}$");
        assert!(matches!(classify(&f, "P:-------- CUT --------"), Kind::Cut { .. }));
        assert!(matches!(classify(&f, "P:RMB 10.00"), Kind::Print { text, .. } if text == "RMB 10.00"));
        assert!(matches!(classify(&f, "DSP 请选择交易"), Kind::Display { text, .. } if text == "请选择交易"));
        assert!(matches!(classify(&f, "noise"), Kind::ConsoleLine { .. }));
    }
}
