//! Flashing the virtual terminal: the image is checked (magic, SHA-256 of its
//! payload) before anything is written, then written into the terminal's flash.
//! A lab bench flashes through probe-rs instead.

use super::DeviceError;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A checked firmware image for the virtual bench: a VTERM-FW container
/// (firmware-images/README.md), or a plain image the bench file declares a
/// version for (`[virtual] image_versions`; its bytes are the terminal's own).
#[derive(Debug, Clone)]
pub struct FirmwareImage {
    pub path: PathBuf,
    pub version: String,
    pub model: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, serde::Deserialize)]
struct Header {
    magic: String,
    version: String,
    model: String,
    sha256: String,
}

fn bad(path: &Path, why: impl std::fmt::Display) -> DeviceError {
    DeviceError::Flash(format!("{}: {why}", path.display()))
}

impl FirmwareImage {
    /// Loads and checks `path`; `declared` maps plain images' file names to
    /// their versions.
    pub fn load(path: &Path, declared: &BTreeMap<String, String>) -> Result<FirmwareImage, DeviceError> {
        let bytes = std::fs::read(path).map_err(|e| bad(path, e))?;
        if !bytes.starts_with(b"magic") {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            return match declared.get(&name) {
                Some(version) => Ok(FirmwareImage {
                    path: path.into(),
                    version: version.clone(),
                    model: String::new(),
                    bytes,
                }),
                None => Err(bad(
                    path,
                    format!(
                        "not a VTERM-FW container, and the bench file declares no version for a plain image \
                         {name:?} ([virtual] image_versions = {{ {name:?} = \"1.2.3\" }})"
                    ),
                )),
            };
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| bad(path, "not a vterm image (not text)"))?;
        let (header, payload) = text
            .split_once("\n---\n")
            .ok_or_else(|| bad(path, "no --- line after the header"))?;
        let header: Header = toml::from_str(header).map_err(|e| bad(path, format!("header: {}", e.message())))?;
        if header.magic != "VTERM-FW/1" {
            return Err(bad(path, format!("magic {:?} is not \"VTERM-FW/1\"", header.magic)));
        }
        let computed = hex::encode(Sha256::digest(payload.as_bytes()));
        if !computed.eq_ignore_ascii_case(&header.sha256) {
            return Err(bad(
                path,
                format!(
                    "checksum mismatch: header says {}, payload is {computed}",
                    header.sha256
                ),
            ));
        }
        Ok(FirmwareImage {
            path: path.into(),
            version: header.version,
            model: header.model,
            bytes,
        })
    }
}

/// Writes an image into the virtual terminal's flash (the board's firmware file).
pub fn write(image: &FirmwareImage, flash: &Path) -> Result<(), DeviceError> {
    let tmp = flash.with_extension("tmp");
    std::fs::write(&tmp, &image.bytes).map_err(|e| bad(flash, e))?;
    std::fs::rename(&tmp, flash).map_err(|e| bad(flash, e))
}

/// The virtual terminal's flash: a file the flasher writes checked images
/// into while the terminal is off, and its boot loader reads at power-on.
pub struct FlashFile {
    pub path: PathBuf,
    /// Versions of plain images by file name (the bench file's `image_versions`).
    pub declared: BTreeMap<String, String>,
}

impl super::roles::Flasher for FlashFile {
    fn program(&mut self, image: &Path) -> Result<Option<String>, DeviceError> {
        let image = FirmwareImage::load(image, &self.declared)?;
        write(&image, &self.path)?;
        Ok(Some(image.version))
    }

    fn resets_the_terminal(&self) -> bool {
        false
    }

    fn program_raw(&mut self, bytes: &[u8]) -> Result<(), DeviceError> {
        std::fs::write(&self.path, bytes).map_err(|e| DeviceError::Flash(format!("{}: {e}", self.path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware-images")
    }

    #[test]
    fn shipped_images_check_out() {
        let current = FirmwareImage::load(&image_dir().join("vterm-1.0.0.fw"), &BTreeMap::new()).unwrap();
        assert_eq!((current.version.as_str(), current.model.as_str()), ("1.0.0", "VT-1"));
        assert_eq!(
            FirmwareImage::load(&image_dir().join("vterm-1.0.1-regression.fw"), &BTreeMap::new())
                .unwrap()
                .version,
            "1.0.1"
        );
    }

    #[test]
    fn a_changed_payload_is_refused_before_flashing() {
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(image_dir().join("vterm-1.0.0.fw")).unwrap();
        let path = dir.path().join("bad.fw");
        std::fs::write(
            &path,
            text.replace("receipt_amount_bug = false", "receipt_amount_bug = true"),
        )
        .unwrap();
        let err = FirmwareImage::load(&path, &BTreeMap::new()).unwrap_err().to_string();
        assert!(err.contains("checksum mismatch"), "{err}");
    }

    #[test]
    fn a_plain_image_needs_the_version_the_bench_file_declares() {
        let path = image_dir().join("vt2-2.0.0.img");
        let err = FirmwareImage::load(&path, &BTreeMap::new()).unwrap_err().to_string();
        assert!(
            err.contains("declares no version for a plain image \"vt2-2.0.0.img\""),
            "{err}"
        );
        let declared = BTreeMap::from([("vt2-2.0.0.img".to_string(), "2.0.0".to_string())]);
        let image = FirmwareImage::load(&path, &declared).unwrap();
        assert_eq!(image.version, "2.0.0");
        assert_eq!(
            image.bytes,
            std::fs::read(&path).unwrap(),
            "a plain image is written as it is"
        );
    }
}
