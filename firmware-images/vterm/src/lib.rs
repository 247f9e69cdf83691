//! vterm's parsers of what comes from outside the terminal, as a library
//! for its fuzz targets (rig/fuzz): the BER-TLV reader, the ISO 8583
//! unpacker (answers from a hostile host) and the vpcd framing (a hostile
//! card emulator). The terminal program itself is `main.rs`.

pub mod message;
pub mod tlv;
// The vector sets the binary's tests share; the library's use only some.
#[cfg(test)]
#[allow(dead_code)]
mod vectors;
pub mod vpcd;

/// The bodies of the fuzz targets; they may return early, never panic.
pub mod fuzzing {
    use std::io::{Read, Write};

    /// Chip data as vterm's kernel reads it: tags, the directory, DOLs, scripts.
    pub fn tlv(data: &[u8]) {
        let tags = crate::tlv::parse(data);
        for (tag, value) in &tags {
            let _ = crate::tlv::encode(tag, value);
        }
        let _ = crate::tlv::directory(data);
        let _ = crate::tlv::dol(data);
        let _ = crate::tlv::scripts(data);
    }

    /// An answer from the host: unpacked, and packed again when it decodes.
    pub fn unpack(data: &[u8]) {
        if let Ok(msg) = crate::message::Message::unpack(data) {
            let _ = msg.pack();
        }
    }

    /// A card emulator answering with any bytes: each exchange ends in an
    /// answer or an error.
    pub fn vpcd_reader(data: &[u8]) {
        struct Card<'a> {
            answers: &'a [u8],
        }
        impl Read for Card<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.answers.read(buf)
            }
        }
        impl Write for Card<'_> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut card = Card { answers: data };
        while crate::vpcd::exchange(&mut card, &[0x00, 0xB2, 0x01, 0x0C, 0x00]).is_ok() {}
    }
}
