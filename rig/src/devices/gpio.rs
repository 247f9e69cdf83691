//! GPIO output lines. The virtual implementation is a file with one byte per
//! line that the virtual terminal's keypad scanner reads; rppal backs the lab.

use super::DeviceError;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

pub trait GpioLines: Send + Sync {
    /// Drives `line` active (a solenoid energised, a relay closed) or releases it.
    fn set(&self, line: usize, active: bool) -> Result<(), DeviceError>;
}

pub struct VirtualGpio {
    file: File,
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
        file.write_all_at(&vec![0u8; lines], 0)
            .map_err(|e| DeviceError::Gpio(e.to_string()))?;
        Ok(VirtualGpio { file })
    }
}

impl GpioLines for VirtualGpio {
    fn set(&self, line: usize, active: bool) -> Result<(), DeviceError> {
        self.file
            .write_all_at(&[u8::from(active)], line as u64)
            .map_err(|e| DeviceError::Gpio(format!("line {line}: {e}")))
    }
}
