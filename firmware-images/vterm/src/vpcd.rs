//! The vpcd protocol's framing, reader side (vpcd.md): a 2-byte big-endian
//! length, then the payload. Over any byte stream, so it is fuzzed as it
//! runs: the card emulator at the far end is outside the terminal.

use std::io::{Read, Write};

/// GET RESPONSE rounds a card may ask for (61xx) before the terminal gives up:
/// a card answering 61xx for ever must not hang the terminal.
pub const MAX_GET_RESPONSE: usize = 16;

pub fn send(stream: &mut impl Write, payload: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(payload.len()).map_err(|_| std::io::Error::other("payload too long"))?;
    // One write per frame: a length written apart from its payload waits on
    // TCP's Nagle algorithm for the peer's delayed ACK (40 ms a frame).
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)
}

pub fn recv(stream: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len)?;
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut buf)?;
    Ok(buf)
}

/// One command APDU and its response (data, SW1 SW2), as T=0 asks a reader
/// to: 61xx followed with GET RESPONSE, 6Cxx with the command again with
/// that length (ISO/IEC 7816-3, 10.3; EMV Book 1, Annex A).
pub fn exchange(stream: &mut (impl Read + Write), apdu: &[u8]) -> std::io::Result<(Vec<u8>, [u8; 2])> {
    let mut command = apdu.to_vec();
    for _ in 0..=MAX_GET_RESPONSE {
        send(stream, &command)?;
        let mut r = recv(stream)?;
        if r.len() < 2 {
            return Err(std::io::Error::other("response without a status word"));
        }
        let sw = [r[r.len() - 2], r[r.len() - 1]];
        r.truncate(r.len() - 2);
        match sw[0] {
            // 61xx: more data waits, fetch it with GET RESPONSE.
            0x61 => command = vec![0x00, 0xC0, 0x00, 0x00, sw[1]],
            // 6Cxx: the same command again, asking for xx bytes.
            0x6C if command.len() >= 5 => {
                let last = command.len() - 1;
                command[last] = sw[1];
            }
            _ => return Ok((r, sw)),
        }
    }
    Err(std::io::Error::other(format!(
        "the card asked for more than {MAX_GET_RESPONSE} GET RESPONSE or length rounds"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A card side that answers from a script and records what it was sent.
    struct Scripted {
        answers: std::io::Cursor<Vec<u8>>,
        sent: Vec<u8>,
    }
    impl Read for Scripted {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.answers.read(buf)
        }
    }
    impl Write for Scripted {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.sent.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn framed(payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in payloads {
            out.extend((p.len() as u16).to_be_bytes());
            out.extend(*p);
        }
        out
    }

    #[test]
    fn a_61xx_answer_is_followed_by_get_response() {
        let mut card = Scripted {
            answers: std::io::Cursor::new(framed(&[&[0x61, 0x02], &[0xAB, 0xCD, 0x90, 0x00]])),
            sent: Vec::new(),
        };
        let (data, sw) = exchange(&mut card, &[0x00, 0xA4, 0x04, 0x00]).unwrap();
        assert_eq!((data, sw), (vec![0xAB, 0xCD], [0x90, 0x00]));
        assert_eq!(&card.sent[6..], &[0, 5, 0x00, 0xC0, 0x00, 0x00, 0x02]);
    }

    #[test]
    fn a_6cxx_answer_is_followed_by_the_command_with_that_length() {
        let mut card = Scripted {
            answers: std::io::Cursor::new(framed(&[&[0x6C, 0x03], &[1, 2, 3, 0x90, 0x00]])),
            sent: Vec::new(),
        };
        let (data, sw) = exchange(&mut card, &[0x00, 0xB2, 0x01, 0x0C, 0x00]).unwrap();
        assert_eq!((data, sw), (vec![1, 2, 3], [0x90, 0x00]));
        assert_eq!(&card.sent[7..], &[0, 5, 0x00, 0xB2, 0x01, 0x0C, 0x03]);
    }

    #[test]
    fn a_card_that_always_says_61xx_is_given_up_on() {
        let answers: Vec<&[u8]> = vec![&[0x61, 0x01]; MAX_GET_RESPONSE + 2];
        let mut card = Scripted {
            answers: std::io::Cursor::new(framed(&answers)),
            sent: Vec::new(),
        };
        let err = exchange(&mut card, &[0x00, 0xB2, 0x01, 0x0C]).unwrap_err();
        assert!(err.to_string().contains("GET RESPONSE"), "{err}");
    }
}
