//! Serial lines: a port read line by line, the framing the console, the
//! cash-register port and lab serial adapters share.

use super::DeviceError;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Waits for a reader thread that was told to stop, without holding up the
/// async runtime: the thread sees its stop flag only at its next read
/// timeout, and every scenario of a parallel run shares the runtime's task
/// (a blocking join there stalled all the others' key timing by ~100 ms).
/// `Err` says the reader panicked, so lines may be missing.
pub async fn join_stopped(thread: std::thread::JoinHandle<()>, port_name: &str) -> Result<(), String> {
    match tokio::task::spawn_blocking(move || thread.join()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(format!("the {port_name} reader panicked; lines after it are missing")),
        Err(e) => Err(format!("waiting for the {port_name} reader: {e}")),
    }
}
