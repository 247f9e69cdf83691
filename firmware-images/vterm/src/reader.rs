//! Card readers, reader side of the vpcd protocol (vpcd.md): the contact slot
//! and the contactless field. A card emulator connects, the reader powers
//! the card and reads its ATR; the application then exchanges APDUs.

use crate::Input;
use std::io::{Read, Write};
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

fn send(stream: &mut TcpStream, payload: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(payload.len()).map_err(|_| std::io::Error::other("payload too long"))?;
    stream.write_all(&len.to_be_bytes())?;
    stream.write_all(payload)
}

fn recv(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len)?;
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut buf)?;
    Ok(buf)
}

impl CardSession {
    /// One command APDU; Err when the card has gone (removed, torn).
    pub fn transmit(&mut self, apdu: &[u8]) -> std::io::Result<(Vec<u8>, [u8; 2])> {
        send(&mut self.stream, apdu)?;
        let mut r = recv(&mut self.stream)?;
        if r.len() < 2 {
            return Err(std::io::Error::other("response without a status word"));
        }
        let sw = [r[r.len() - 2], r[r.len() - 1]];
        r.truncate(r.len() - 2);
        // 61xx: more data waits, fetch it with GET RESPONSE.
        if sw[0] == 0x61 {
            return self.transmit(&[0x00, 0xC0, 0x00, 0x00, sw[1]]);
        }
        Ok((r, sw))
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
