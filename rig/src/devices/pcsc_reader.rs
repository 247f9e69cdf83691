//! PC/SC readers through the pcsc crate (libpcsclite): the lab's way to read
//! real cards and to reach NFC front ends. Built with the `pcsc` feature.

use super::DeviceError;
use std::ffi::CString;
use std::time::Duration;

fn err(reader: &str, e: impl std::fmt::Display) -> DeviceError {
    DeviceError::Reader {
        reader: reader.into(),
        message: e.to_string(),
    }
}

/// Names of the readers pcscd knows.
pub fn readers() -> Result<Vec<String>, DeviceError> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(|e| err("pcscd", e))?;
    let names = ctx.list_readers_owned().map_err(|e| err("pcscd", e))?;
    Ok(names.into_iter().map(|n| n.to_string_lossy().into_owned()).collect())
}

/// The reader whose name contains `part` (names carry slot numbers that
/// change with the USB socket; a bench file names the model).
pub fn find(part: &str) -> Result<String, DeviceError> {
    let all = readers()?;
    all.iter().find(|r| r.contains(part)).cloned().ok_or_else(|| {
        let have = if all.is_empty() { "none".into() } else { all.join(", ") };
        err(part, format!("no PC/SC reader named like {part:?} (readers: {have})"))
    })
}

pub struct PcscReader {
    ctx: pcsc::Context,
    name: CString,
}

/// A card connected through a PC/SC reader.
pub struct PcscCard {
    card: pcsc::Card,
    reader: String,
}

impl PcscReader {
    pub fn open(name: &str) -> Result<PcscReader, DeviceError> {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(|e| err(name, e))?;
        let name = CString::new(name).map_err(|e| err("?", e))?;
        Ok(PcscReader { ctx, name })
    }

    fn label(&self) -> String {
        self.name.to_string_lossy().into_owned()
    }

    /// Waits (with pcscd's status-change event, not by polling) until a card is present.
    pub fn wait_for_card(&self, deadline: Duration) -> Result<(), DeviceError> {
        self.wait_for(deadline, "a card", |s| {
            s.contains(pcsc::State::PRESENT) && !s.contains(pcsc::State::MUTE)
        })
    }

    /// Waits until the reader is empty.
    pub fn wait_for_removal(&self, deadline: Duration) -> Result<(), DeviceError> {
        self.wait_for(deadline, "the card to leave", |s| s.contains(pcsc::State::EMPTY))
    }

    fn wait_for(&self, deadline: Duration, what: &str, done: impl Fn(pcsc::State) -> bool) -> Result<(), DeviceError> {
        let mut states = [pcsc::ReaderState::new(self.name.as_c_str(), pcsc::State::UNAWARE)];
        let until = std::time::Instant::now() + deadline;
        loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            match self.ctx.get_status_change(left, &mut states) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) => return Err(err(&self.label(), format!("waited {deadline:?} for {what}"))),
                Err(e) => return Err(err(&self.label(), e)),
            }
            if done(states[0].event_state()) {
                return Ok(());
            }
            states[0].sync_current_state();
        }
    }

    pub fn connect(&self) -> Result<PcscCard, DeviceError> {
        let card = self
            .ctx
            .connect(&self.name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .map_err(|e| err(&self.label(), e))?;
        Ok(PcscCard {
            card,
            reader: self.label(),
        })
    }
}

impl PcscCard {
    pub fn atr(&self) -> Result<Vec<u8>, DeviceError> {
        let mut names = [0u8; 512];
        let mut atr = [0u8; pcsc::MAX_ATR_SIZE];
        let status = self
            .card
            .status2(&mut names, &mut atr)
            .map_err(|e| err(&self.reader, e))?;
        Ok(status.atr().to_vec())
    }

    pub fn transmit(&self, command: &[u8]) -> Result<Vec<u8>, DeviceError> {
        let mut buf = [0u8; pcsc::MAX_BUFFER_SIZE];
        let response = self
            .card
            .transmit(command, &mut buf)
            .map_err(|e| err(&self.reader, e))?;
        Ok(response.to_vec())
    }
}

/// The reader's escape channel, for NFC front ends (nfc_frontend).
pub struct EscapeConnection {
    card: pcsc::Card,
    reader: String,
}

impl PcscReader {
    /// Connects directly to the reader (no card needed) for escape commands.
    pub fn escape(&self) -> Result<EscapeConnection, DeviceError> {
        let card = self
            .ctx
            .connect(&self.name, pcsc::ShareMode::Direct, pcsc::Protocols::UNDEFINED)
            .map_err(|e| err(&self.label(), e))?;
        Ok(EscapeConnection {
            card,
            reader: self.label(),
        })
    }
}

impl super::nfc_frontend::EscapeChannel for EscapeConnection {
    fn control(&mut self, command: &[u8]) -> Result<Vec<u8>, DeviceError> {
        let mut buf = [0u8; pcsc::MAX_BUFFER_SIZE];
        let out = self
            .card
            .control(super::nfc_frontend::IOCTL_CCID_ESCAPE.into(), command, &mut buf)
            .map_err(|e| err(&self.reader, e))?;
        Ok(out.to_vec())
    }
}
