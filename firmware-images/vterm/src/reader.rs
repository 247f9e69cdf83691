//! Card readers, reader side of the vpcd protocol (vpcd.md): the contact slot
//! and the contactless field. A card emulator connects, the reader powers
//! the card and reads its ATR; the application then exchanges APDUs.

use crate::Input;
use crate::vpcd::{recv, send};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::Sender;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Contact,
    Contactless,
}

/// A powered card in a reader.
pub struct CardSession {
    pub slot: Slot,
    pub atr: Vec<u8>,
    stream: TcpStream,
}

impl CardSession {
    /// One command APDU; Err when the card has gone (removed, torn).
    pub fn transmit(&mut self, apdu: &[u8]) -> std::io::Result<(Vec<u8>, [u8; 2])> {
        crate::vpcd::exchange(&mut self.stream, apdu)
    }

    /// Whether the card is still there (the emulator has not disconnected).
    pub fn present(&self) -> bool {
        let _ = self.stream.set_nonblocking(true);
        let mut probe = [0u8; 1];
        let gone = matches!(self.stream.peek(&mut probe), Ok(0));
        let _ = self.stream.set_nonblocking(false);
        !gone
    }
}

pub fn spawn(listener: TcpListener, slot: Slot, tx: Sender<Input>) {
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            // APDUs are small request/answer frames: send each at once.
            if let Err(e) = stream.set_nodelay(true) {
                eprintln!("vterm reader: TCP_NODELAY not set ({e}); APDUs may wait on Nagle");
            }
            let atr = send(&mut stream, &[0x01])
                .and_then(|_| send(&mut stream, &[0x04]))
                .and_then(|_| recv(&mut stream));
            let Ok(atr) = atr else { continue };
            if tx.send(Input::Card(CardSession { slot, atr, stream })).is_err() {
                return;
            }
        }
    });
}
