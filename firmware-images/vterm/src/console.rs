//! The serial console: a pseudo-terminal whose other end the bench opens like
//! any serial device. Every line the terminal shows, prints or logs goes here.

use std::ffi::CStr;
use std::fs::File;
use std::io::Write;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::sync::Mutex;

pub struct Console {
    path: std::path::PathBuf,
    master: Mutex<File>,
    // Held open so that the line discipline keeps raw mode and buffered output
    // while the bench has not opened its end yet (or reopens it).
    _slave: OwnedFd,
}

impl Console {
    /// Creates the pseudo-terminal and points `link` at its device path.
    pub fn open(link: &Path) -> std::io::Result<Console> {
        // SAFETY: plain libc calls on descriptors we own; every result is checked.
        unsafe {
            let fd = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
            if fd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let master = File::from_raw_fd(fd);
            if libc::grantpt(fd) != 0 || libc::unlockpt(fd) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let mut buf = [0 as libc::c_char; 128];
            if libc::ptsname_r(fd, buf.as_mut_ptr(), buf.len()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let name = CStr::from_ptr(buf.as_ptr()).to_owned();
            let sfd = libc::open(name.as_ptr(), libc::O_RDWR | libc::O_NOCTTY);
            if sfd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let slave = OwnedFd::from_raw_fd(sfd);
            let mut tio: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(sfd, &mut tio) == 0 {
                libc::cfmakeraw(&mut tio);
                libc::tcsetattr(sfd, libc::TCSANOW, &tio);
            }
            let path = std::path::PathBuf::from(name.to_string_lossy().into_owned());
            let _ = std::fs::remove_file(link);
            std::os::unix::fs::symlink(&path, link)?;
            let path = link.to_path_buf();
            Ok(Console { path, master: Mutex::new(master), _slave: slave })
        }
    }

    /// The console's device path as published (the link).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn line(&self, channel: &str, text: &str) {
        let mut out = match self.master.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        // A console nobody reads must not stop the terminal: errors are dropped.
        let _ = write!(out, "{channel} {text}\r\n");
        let _ = out.flush();
    }

    pub fn display(&self, lines: &[&str]) {
        self.line("DSP", &lines.join(" | "));
    }

    pub fn log(&self, text: &str) {
        self.line("LOG", text);
    }
}
