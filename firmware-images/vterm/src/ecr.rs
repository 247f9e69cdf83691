//! The cash-register (ECR) port: a second serial line. The register sends one
//! request a line, the terminal answers one result a line:
//!   SALE <amount in fen, 12 digits>   ->  RESULT <code> <text>
//!   VOID <voucher no, 6 digits>       ->  RESULT <code> <text>
//!   SETTLE                            ->  RESULT 00 SETTLED
//! Codes are the host's response codes, or CN (cancelled), ND (not done).

use crate::Input;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::Sender;

#[derive(Debug)]
pub enum Request {
    Sale(u64),
    Void(u32),
    Settle,
}

pub struct EcrPort {
    out: Mutex<File>,
}

fn raw(file: &File) {
    // SAFETY: termios calls on a descriptor we own; failures leave the line as it was.
    unsafe {
        let fd = file.as_raw_fd();
        let mut tio: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut tio) == 0 {
            libc::cfmakeraw(&mut tio);
            libc::tcsetattr(fd, libc::TCSANOW, &tio);
        }
    }
}

fn parse(line: &str) -> Option<Request> {
    let mut words = line.split_whitespace();
    match (words.next()?, words.next()) {
        ("SALE", Some(a)) => a.parse().ok().filter(|f| *f > 0).map(Request::Sale),
        ("VOID", Some(v)) => v.parse().ok().map(Request::Void),
        ("SETTLE", None) => Some(Request::Settle),
        _ => None,
    }
}

impl EcrPort {
    /// Opens the ECR line and starts reading requests into the input channel.
    pub fn open(device: &Path, tx: Sender<Input>) -> std::io::Result<EcrPort> {
        let file = File::options().read(true).write(true).open(device)?;
        raw(&file);
        let reader = file.try_clone()?;
        let port = EcrPort { out: Mutex::new(file) };
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines().map_while(Result::ok) {
                let line = line.trim().to_string();
                if line.is_empty() {
                    continue;
                }
                let input = match parse(&line) {
                    Some(r) => Input::Ecr(r),
                    None => Input::EcrGarbage(line),
                };
                if tx.send(input).is_err() {
                    return;
                }
            }
        });
        Ok(port)
    }

    pub fn result(&self, code: &str, text: &str) {
        let mut out = match self.out.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let _ = write!(out, "RESULT {code} {text}\r\n");
        let _ = out.flush();
    }
}
