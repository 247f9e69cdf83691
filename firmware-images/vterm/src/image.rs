//! Firmware images: a TOML header (magic, version, model, SHA-256 of the
//! payload), a `---` line, then the payload (the application's settings).
//! The boot loader refuses an image whose checksum does not match.

use crate::personality::Model;
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
    /// A deliberate bug: the reversal record is written only after the
    /// request has left and the exchange is over, so a power cut while the
    /// terminal waits for the answer loses it (`rig chaos` finds it).
    #[serde(default)]
    pub reversal_after_send: bool,
    /// A deliberately wrong kernel: offline data authentication that fails
    /// sets no TVR bit, as if it had passed (the kernel test set finds it).
    #[serde(default)]
    pub kernel_ignores_oda_failure: bool,
}

pub struct Image {
    pub version: String,
    pub model: String,
    pub application: Application,
}

/// A plain image (VT-2): the application's settings with its version, no
/// container; the bench file declares the version for the rig.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Plain {
    version: String,
    #[serde(default)]
    receipt_amount_bug: bool,
}

/// Checks and parses an image; the error says why the boot loader refuses it.
/// VT-1 boots VTERM-FW containers; VT-2 also plain images, and only images for VT-2.
pub fn load(bytes: &[u8], model: Model) -> Result<Image, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "image is not text".to_string())?;
    if model == Model::Vt2 && !text.starts_with("magic") {
        let plain: Plain = toml::from_str(text).map_err(|e| format!("bad plain image: {}", e.message()))?;
        return Ok(Image {
            version: plain.version,
            model: "VT-2".into(),
            application: Application {
                receipt_amount_bug: plain.receipt_amount_bug,
                ..Application::default()
            },
        });
    }
    let image = container(text)?;
    if model == Model::Vt2 && image.model != "VT-2" {
        return Err(format!("image is for model {}, this terminal is a VT-2", image.model));
    }
    Ok(image)
}

fn container(text: &str) -> Result<Image, String> {
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
