//! Magnetic stripe emulator: plays track data into the terminal's stripe head
//! (a unix socket on the virtual terminal; a coil driver on a lab bench);
//! and the payment-code presenter for the terminal's scanner.

use super::DeviceError;
use crate::events::{Kind, Source, Timeline};
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

pub struct MagstripeEmulator {
    head: PathBuf,
    timeline: Timeline,
}

impl MagstripeEmulator {
    pub fn new(head: PathBuf, timeline: Timeline) -> MagstripeEmulator {
        MagstripeEmulator { head, timeline }
    }

    pub async fn swipe(&self, track2: &str, track3: Option<&str>) -> Result<(), DeviceError> {
        let err = |source| DeviceError::Magstripe {
            path: self.head.display().to_string(),
            source,
        };
        let mut stream = tokio::net::UnixStream::connect(&self.head).await.map_err(err)?;
        let mut data = format!("T2={track2}\n");
        if let Some(t3) = track3 {
            data.push_str(&format!("T3={t3}\n"));
        }
        self.timeline.publish(
            Source::Swipe,
            Kind::Swipe {
                track2: track2.into(),
                track3: track3.map(str::to_string),
            },
        );
        stream.write_all(data.as_bytes()).await.map_err(err)?;
        stream.shutdown().await.map_err(err)?;
        Ok(())
    }
}

/// Presents payment codes to the terminal's scanner (a unix socket on the
/// virtual terminal; a screen held to the scanner on a lab bench).
pub struct CodePresenter {
    scanner: PathBuf,
    timeline: Timeline,
}

impl CodePresenter {
    pub fn new(scanner: PathBuf, timeline: Timeline) -> CodePresenter {
        CodePresenter { scanner, timeline }
    }

    pub async fn present(&self, code: &str) -> Result<(), DeviceError> {
        let err = |source| DeviceError::Magstripe {
            path: self.scanner.display().to_string(),
            source,
        };
        let mut stream = tokio::net::UnixStream::connect(&self.scanner).await.map_err(err)?;
        self.timeline
            .publish(Source::Scanner, Kind::CodeShown { code: code.into() });
        stream.write_all(format!("QR={code}\n").as_bytes()).await.map_err(err)?;
        stream.shutdown().await.map_err(err)?;
        Ok(())
    }
}
