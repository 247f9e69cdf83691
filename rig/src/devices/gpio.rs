//! GPIO output lines. The virtual implementation is a file the virtual
//! terminal's keypad scanner reads; rppal backs the lab.
//!
//! The virtual GPIO file, like a GPIO controller with edge events (Linux's
//! gpio character device queues timestamped edges so none is missed):
//! - bytes `0..lines`: each line's level (0 released, 1 driven);
//! - from byte 4096, 16 bytes a line: completed presses (u64 LE) and how long
//!   the last one was held, in microseconds (u64 LE).
//!
//! The records let a scanner that was descheduled through a whole press
//! still see it, and judge it by its real hold time against its debounce.

use super::DeviceError;
use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// Where the edge records start in the virtual GPIO file.
pub const EDGE_RECORDS_AT: u64 = 4096;
const RECORD_LEN: u64 = 16;

pub trait GpioLines: Send + Sync {
    /// Drives `line` active (a solenoid energised, a relay closed) or releases it.
    fn set(&self, line: usize, active: bool) -> Result<(), DeviceError>;
}

pub struct VirtualGpio {
    file: File,
    /// Per line: when it was driven, and how many presses it has completed.
    presses: Mutex<HashMap<usize, (Option<Instant>, u64)>>,
}

impl VirtualGpio {
    /// Creates `lines` released lines at `path`.
    pub fn create(path: &Path, lines: usize) -> Result<VirtualGpio, DeviceError> {
        let file = File::options()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| DeviceError::Gpio(format!("{}: {e}", path.display())))?;
        let write = |bytes: &[u8], at: u64| {
            file.write_all_at(bytes, at)
                .map_err(|e| DeviceError::Gpio(e.to_string()))
        };
        write(&vec![0u8; lines], 0)?;
        write(&vec![0u8; lines * RECORD_LEN as usize], EDGE_RECORDS_AT)?;
        Ok(VirtualGpio {
            file,
            presses: Mutex::new(HashMap::new()),
        })
    }
}

impl GpioLines for VirtualGpio {
    fn set(&self, line: usize, active: bool) -> Result<(), DeviceError> {
        let fail = |e: std::io::Error| DeviceError::Gpio(format!("line {line}: {e}"));
        let mut presses = self
            .presses
            .lock()
            .map_err(|_| DeviceError::Gpio(format!("line {line}: a previous change panicked")))?;
        let (driven_since, completed) = presses.entry(line).or_insert((None, 0));
        if active {
            driven_since.get_or_insert_with(Instant::now);
        } else if let Some(since) = driven_since.take() {
            // The record first, then the level: a scanner that sees the line
            // released also sees the press it completed.
            *completed += 1;
            let held_us = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
            let mut record = [0u8; RECORD_LEN as usize];
            record[..8].copy_from_slice(&completed.to_le_bytes());
            record[8..].copy_from_slice(&held_us.to_le_bytes());
            self.file
                .write_all_at(&record, EDGE_RECORDS_AT + line as u64 * RECORD_LEN)
                .map_err(fail)?;
        }
        self.file.write_all_at(&[u8::from(active)], line as u64).map_err(fail)
    }
}
