//! Contact card reader, reader side of the vpcd protocol (vpcd.md): a card
//! emulator connects, we power the card and read its ATR. Chip transactions
//! come later; for now an inserted card is announced to the application.

use crate::Input;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::Sender;

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

pub fn spawn(listener: TcpListener, tx: Sender<Input>) {
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let atr = send(&mut stream, &[0x01])
                .and_then(|_| send(&mut stream, &[0x04]))
                .and_then(|_| recv(&mut stream));
            let Ok(atr) = atr else { continue };
            if tx.send(Input::CardInserted(atr)).is_err() {
                return;
            }
            // The card stays in the slot until the emulator disconnects.
            let mut probe = [0u8; 1];
            while matches!(stream.read(&mut probe), Ok(n) if n > 0) {}
            if tx.send(Input::CardRemoved).is_err() {
                return;
            }
        }
    });
}
