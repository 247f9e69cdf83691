//! The serial console: the terminal's UART, here the device end of a
//! pseudo-terminal that the bench created (its "serial cable", which stays
//! plugged in across power cycles). Every line shown, printed or logged goes here.

use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::Mutex;

use crate::personality::Model;

pub struct Console {
    uart: Mutex<File>,
    model: Model,
}

impl Console {
    /// Opens the UART device in raw mode.
    pub fn open(device: &Path, model: Model) -> std::io::Result<Console> {
        let uart = File::options().read(true).write(true).open(device)?;
        // SAFETY: termios calls on a descriptor we own; results are checked.
        unsafe {
            let fd = uart.as_raw_fd();
            let mut tio: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(fd, &mut tio) == 0 {
                libc::cfmakeraw(&mut tio);
                libc::tcsetattr(fd, libc::TCSANOW, &tio);
            }
        }
        Ok(Console {
            uart: Mutex::new(uart),
            model,
        })
    }

    pub fn line(&self, channel: &str, text: &str) {
        let mut out = match self.uart.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        // A console nobody reads must not stop the terminal: errors are dropped.
        let _ = write!(out, "{}\r\n", self.model.console_line(channel, text));
        let _ = out.flush();
    }

    pub fn display(&self, lines: &[&str]) {
        // The model words the whole screen (console_line).
        self.line("DSP", &lines.join(self.model.screen_separator()));
    }

    pub fn log(&self, text: &str) {
        self.line("LOG", text);
    }
}
