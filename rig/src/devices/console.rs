//! Serial console: opened with the serialport crate (a pseudo-terminal on the
//! virtual bench, a USB serial adapter on a lab bench). A reader thread turns
//! lines into events, classified by the terminal profile's console format.

use super::DeviceError;
use super::serial_port::ReconnectingReader;
use crate::config::lab::SerialWiring;
use crate::config::terminal::ConsoleFormat;
use crate::events::{Kind, Source, Timeline};
use serialport::SerialPort as _;
use std::io::Read;
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
    if let Some(c) = format.print.captures(line) {
        return Kind::Print {
            line: line_owned,
            text: c["text"].to_string(),
        };
    }
    if format.cut.is_match(line) {
        return Kind::Cut { line: line_owned };
    }
    Kind::ConsoleLine { line: line_owned }
}

/// Reads `port` line by line until `stop` is set or the other side goes
/// away; a last partial line is delivered too. Returns why reading ended.
pub fn read_lines(
    port: &mut Box<dyn serialport::SerialPort>,
    stop: &AtomicBool,
    on_line: &mut impl FnMut(String),
) -> String {
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 1024];
    let ended = loop {
        if stop.load(Ordering::Relaxed) {
            break "stopped".to_string();
        }
        match port.read(&mut buf) {
            Ok(0) => break "end of file".to_string(),
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
            // EIO: the other side went away (power off, unplug).
            Err(e) => break e.to_string(),
        }
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let raw: Vec<u8> = pending.drain(..=end).collect();
            on_line(String::from_utf8_lossy(&raw).trim_end_matches(['\r', '\n']).to_string());
        }
    };
    if !pending.is_empty() {
        on_line(String::from_utf8_lossy(&pending).trim_end().to_string());
    }
    ended
}

/// Reads a serial port line by line on a thread of its own (see `read_lines`).
pub fn spawn_line_reader(
    port_name: String,
    mut port: Box<dyn serialport::SerialPort>,
    stop: Arc<AtomicBool>,
    mut on_line: impl FnMut(String) + Send + 'static,
) -> Result<std::thread::JoinHandle<()>, DeviceError> {
    std::thread::Builder::new()
        .name(format!("serial {port_name}"))
        .spawn(move || {
            read_lines(&mut port, &stop, &mut on_line);
        })
        .map_err(|e| DeviceError::Console {
            port: port_name,
            message: e.to_string(),
        })
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
        let thread = spawn_line_reader(port_name, port, stop.clone(), move |line| {
            timeline.publish(Source::Console, classify(&format, &line));
        })?;
        Ok(SerialConsole {
            reader: Reader::Cable {
                stop,
                thread: Some(thread),
            },
        })
    }

    /// Stops reading once the remaining buffered lines are published.
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
