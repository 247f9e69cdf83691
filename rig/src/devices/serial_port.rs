//! Lab serial ports: found by path or by the USB adapter's identity, opened
//! with the bench's framing, and opened again after an unplug. The gap is put
//! on the timeline, so a trace shows where lines may be missing.

use super::DeviceError;
use super::lines::read_lines;
use crate::config::lab::{FlowControl, Parity, SerialWiring};
use crate::events::{Kind, Source, Timeline};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often a lost port is looked for.
const RETRY: Duration = Duration::from_millis(100);

fn err(port: &str, message: impl Into<String>) -> DeviceError {
    DeviceError::Console {
        port: port.into(),
        message: message.into(),
    }
}

/// The serial ports the system sees now, with USB identities where known.
pub fn list() -> Vec<String> {
    serialport::available_ports()
        .unwrap_or_default()
        .into_iter()
        .map(|p| match p.port_type {
            serialport::SerialPortType::UsbPort(u) => format!(
                "{} (USB {:04x}:{:04x}{})",
                p.port_name,
                u.vid,
                u.pid,
                u.serial_number.map(|s| format!(":{s}")).unwrap_or_default()
            ),
            _ => p.port_name,
        })
        .collect()
}

/// The device path of the bench's port, as it is named right now.
pub fn find(wiring: &SerialWiring) -> Result<String, DeviceError> {
    if let Some(path) = &wiring.path {
        let name = path.display().to_string();
        // A by-id symlink that points nowhere is an unplugged adapter.
        return match std::fs::metadata(path) {
            Ok(_) => Ok(name),
            Err(e) => Err(err(&name, format!("{e} (present: {})", present()))),
        };
    }
    let Some(usb) = &wiring.usb else {
        return Err(err("(none)", "the bench gives neither `path` nor `usb`"));
    };
    let ports = serialport::available_ports().map_err(|e| err(&usb.to_string(), e.to_string()))?;
    let found = ports.into_iter().find(|p| match &p.port_type {
        serialport::SerialPortType::UsbPort(u) => usb.matches(u.vid, u.pid, u.serial_number.as_deref()),
        _ => false,
    });
    found.map(|p| p.port_name).ok_or_else(|| {
        err(
            &format!("USB {usb}"),
            format!("no such adapter plugged in (present: {})", present()),
        )
    })
}

fn present() -> String {
    let ports = list();
    if ports.is_empty() {
        "no serial ports".into()
    } else {
        ports.join(", ")
    }
}

/// Opens the port with the bench's baud rate and framing.
pub fn open(wiring: &SerialWiring, name: &str) -> Result<Box<dyn serialport::SerialPort>, DeviceError> {
    let data_bits = match wiring.data_bits {
        5 => serialport::DataBits::Five,
        6 => serialport::DataBits::Six,
        7 => serialport::DataBits::Seven,
        _ => serialport::DataBits::Eight,
    };
    let parity = match wiring.parity {
        Parity::None => serialport::Parity::None,
        Parity::Odd => serialport::Parity::Odd,
        Parity::Even => serialport::Parity::Even,
    };
    let stop_bits = if wiring.stop_bits == 2 {
        serialport::StopBits::Two
    } else {
        serialport::StopBits::One
    };
    let flow = match wiring.flow_control {
        FlowControl::None => serialport::FlowControl::None,
        FlowControl::Hardware => serialport::FlowControl::Hardware,
        FlowControl::Software => serialport::FlowControl::Software,
    };
    serialport::new(name, wiring.baud)
        .data_bits(data_bits)
        .parity(parity)
        .stop_bits(stop_bits)
        .flow_control(flow)
        .timeout(Duration::from_millis(50))
        .open()
        .map_err(|e| err(name, e.to_string()))
}

/// Finds and opens the port, looking again until `wait` runs out.
fn reopen(
    wiring: &SerialWiring,
    stop: &AtomicBool,
    wait: Duration,
) -> Option<(String, Box<dyn serialport::SerialPort>)> {
    let until = Instant::now() + wait;
    loop {
        if let Ok(found) = find(wiring).and_then(|name| open(wiring, &name).map(|port| (name, port))) {
            return Some(found);
        }
        if stop.load(Ordering::Relaxed) || Instant::now() >= until {
            return None;
        }
        std::thread::sleep(RETRY);
    }
}

/// Reads lines from a lab port on a thread of its own. When the port goes
/// away the reader publishes `PortLost`, looks for it for `reconnect_ms`,
/// then publishes `PortBack` with the gap and goes on, or `PortGone` and ends.
pub struct ReconnectingReader {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ReconnectingReader {
    pub fn start(
        wiring: SerialWiring,
        source: Source,
        timeline: Timeline,
        mut on_line: impl FnMut(String) + Send + 'static,
    ) -> Result<ReconnectingReader, DeviceError> {
        let name = find(&wiring)?;
        let first = open(&wiring, &name)?;
        let label = wiring.describe();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("serial {label}"))
            .spawn(move || {
                let mut port = first;
                loop {
                    let ended = read_lines(&mut port, &stopped, &mut on_line);
                    if stopped.load(Ordering::Relaxed) {
                        return;
                    }
                    drop(port);
                    let lost_at = Instant::now();
                    timeline.publish(
                        source,
                        Kind::PortLost {
                            port: label.clone(),
                            error: ended,
                        },
                    );
                    let wait = Duration::from_millis(wiring.reconnect_ms);
                    match reopen(&wiring, &stopped, wait) {
                        Some((_, reopened)) => {
                            timeline.publish(
                                source,
                                Kind::PortBack {
                                    port: label.clone(),
                                    gap_ms: lost_at.elapsed().as_millis() as u64,
                                },
                            );
                            port = reopened;
                        }
                        None => {
                            if !stopped.load(Ordering::Relaxed) {
                                timeline.publish(
                                    source,
                                    Kind::PortGone {
                                        port: label.clone(),
                                        waited_ms: wiring.reconnect_ms,
                                    },
                                );
                            }
                            return;
                        }
                    }
                }
            })
            .map_err(|e| err(&name, e.to_string()))?;
        Ok(ReconnectingReader {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops reading, waiting for the reader off the async runtime.
    pub async fn shut(&mut self) -> Result<(), String> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take() {
            Some(t) => super::lines::join_stopped(t, "serial").await,
            None => Ok(()),
        }
    }

    pub fn close(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ReconnectingReader {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serialport::SerialPort as _;

    #[test]
    fn a_port_opens_with_the_bench_files_baud_and_framing() {
        let (_terminal_end, device) = serialport::TTYPort::pair().expect("pty");
        let name = device.name().expect("pty name");
        let wiring: SerialWiring = toml::from_str(&format!(
            "path = {name:?}\nbaud = 9600\ndata_bits = 7\nparity = \"even\"\nstop_bits = 2\nflow_control = \"software\"\n"
        ))
        .expect("wiring");
        assert_eq!(find(&wiring).expect("found by path"), name);
        let port = open(&wiring, &name).expect("opens");
        assert_eq!(port.baud_rate().expect("baud"), 9600);
        // Linux ptys force 8 data bits without parity (pty_set_termios), so
        // only a real UART keeps 7E; the rest of the framing sticks here.
        assert_eq!(port.stop_bits().expect("stop bits"), serialport::StopBits::Two);
        assert_eq!(port.flow_control().expect("flow"), serialport::FlowControl::Software);
    }

    #[test]
    fn a_missing_port_names_what_is_there() {
        let wiring: SerialWiring =
            toml::from_str("path = \"/dev/serial/by-id/usb-nothing-here\"\nbaud = 115200\n").expect("wiring");
        let err = find(&wiring).expect_err("absent").to_string();
        assert!(
            err.starts_with("serial port /dev/serial/by-id/usb-nothing-here:"),
            "{err}"
        );
        assert!(err.contains("(present: "), "{err}");
    }
}
