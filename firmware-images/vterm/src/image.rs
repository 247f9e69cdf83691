//! Firmware images: a TOML header (magic, version, model, SHA-256 of the
//! payload), a `---` line, then the payload (the application's settings).
//! The boot loader refuses an image whose checksum does not match.

use serde::Deserialize;
use sha2::{Digest, Sha256};

pub const MAGIC: &str = "VTERM-FW/1";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    magic: String,
    version: String,
    model: String,
    sha256: String,
}

/// What the application image configures.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// A deliberate regression: the receipt shows ten times the amount.
    #[serde(default)]
    pub receipt_amount_bug: bool,
}

pub struct Image {
    pub version: String,
    pub model: String,
    pub application: Application,
}

/// Checks and parses an image; the error says why the boot loader refuses it.
pub fn load(bytes: &[u8]) -> Result<Image, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "image is not text".to_string())?;
    let (header, payload) = text.split_once("\n---\n").ok_or("no header separator (---)")?;
    let header: Header = toml::from_str(header).map_err(|e| format!("bad header: {}", e.message()))?;
    if header.magic != MAGIC {
        return Err(format!("magic {:?} is not {MAGIC:?}", header.magic));
    }
    let computed = hex::encode(Sha256::digest(payload.as_bytes()));
    if !computed.eq_ignore_ascii_case(&header.sha256) {
        return Err(format!(
            "checksum mismatch (header {}, payload {computed})",
            header.sha256
        ));
    }
    let application = toml::from_str(payload).map_err(|e| format!("bad payload: {}", e.message()))?;
    Ok(Image {
        version: header.version,
        model: header.model,
        application,
    })
}
