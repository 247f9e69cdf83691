//! Magnetic stripe head: each connection to the swipe socket is one swipe,
//! carrying lines `T2=<track 2>` and optionally `T3=<track 3>`. The code
//! scanner works the same way: one connection, one line `QR=<code>`.

use crate::Input;
use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::sync::mpsc::Sender;

pub struct Swipe {
    pub track2: String,
    pub track3: Option<String>,
}

pub fn spawn(path: &Path, tx: Sender<Input>) -> std::io::Result<()> {
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut swipe = Swipe {
                track2: String::new(),
                track3: None,
            };
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Some(t) = line.strip_prefix("T2=") {
                    swipe.track2 = t.trim().to_string();
                } else if let Some(t) = line.strip_prefix("T3=") {
                    swipe.track3 = Some(t.trim().to_string());
                }
            }
            // A swipe too fast or too skewed reads nothing: the head ignores it.
            if !swipe.track2.is_empty() && tx.send(Input::Swipe(swipe)).is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// The payment-code scanner (扫码): each connection is one scan.
pub fn spawn_scanner(path: &Path, tx: Sender<Input>) -> std::io::Result<()> {
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let code = BufReader::new(stream)
                .lines()
                .map_while(Result::ok)
                .find_map(|l| l.strip_prefix("QR=").map(|c| c.trim().to_string()));
            if let Some(code) = code.filter(|c| !c.is_empty()) {
                if tx.send(Input::Scan(code)).is_err() {
                    return;
                }
            }
        }
    });
    Ok(())
}
