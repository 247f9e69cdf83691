//! A lab terminal's firmware image as the bytes it puts at each address:
//! ELF program segments (by physical address, the load address in flash),
//! Intel HEX records, or a raw binary at a base address. Read before any
//! hardware is touched, so a wrong file is refused on the desk.

use crate::config::lab::ImageFormat;
use object::read::elf::{FileHeader, ProgramHeader};
use std::path::{Path, PathBuf};

/// Bytes for one contiguous address range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub address: u64,
    pub data: Vec<u8>,
}

impl Segment {
    pub fn end(&self) -> u64 {
        self.address + self.data.len() as u64
    }
}

#[derive(Debug, Clone)]
pub struct LabImage {
    pub path: PathBuf,
    pub format: ImageFormat,
    /// Sorted by address, adjacent ranges merged.
    pub segments: Vec<Segment>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{}: cannot read: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}: cannot tell the image format from the extension: set `format` to \"elf\", \"hex\" or \"bin\"", path.display())]
    UnknownFormat { path: PathBuf },
    #[error("{}: a raw binary needs `base_address` (where its first byte goes in flash)", path.display())]
    NoBaseAddress { path: PathBuf },
    #[error("{}: not a valid {format} image: {message}", path.display())]
    Malformed {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("{}: the image has no loadable bytes", path.display())]
    Empty { path: PathBuf },
}

impl LabImage {
    pub fn load(path: &Path, format: Option<ImageFormat>, base_address: Option<u64>) -> Result<LabImage, ImageError> {
        let format = match format {
            Some(f) => f,
            None => format_from_extension(path).ok_or_else(|| ImageError::UnknownFormat { path: path.into() })?,
        };
        let bytes = std::fs::read(path).map_err(|source| ImageError::Read {
            path: path.into(),
            source,
        })?;
        let malformed = |format: &'static str| {
            move |message: String| ImageError::Malformed {
                path: path.into(),
                format,
                message,
            }
        };
        let segments = match format {
            ImageFormat::Elf => elf_segments(&bytes).map_err(malformed("ELF"))?,
            ImageFormat::Hex => hex_segments(&bytes).map_err(malformed("Intel HEX"))?,
            ImageFormat::Bin => {
                let base = base_address.ok_or_else(|| ImageError::NoBaseAddress { path: path.into() })?;
                vec![Segment {
                    address: base,
                    data: bytes,
                }]
            }
        };
        let segments = merge(segments);
        if segments.iter().all(|s| s.data.is_empty()) {
            return Err(ImageError::Empty { path: path.into() });
        }
        Ok(LabImage {
            path: path.into(),
            format,
            segments,
        })
    }

    pub fn size(&self) -> u64 {
        self.segments.iter().map(|s| s.data.len() as u64).sum()
    }
}

fn format_from_extension(path: &Path) -> Option<ImageFormat> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "elf" | "axf" | "out" => Some(ImageFormat::Elf),
        "hex" | "ihex" => Some(ImageFormat::Hex),
        "bin" => Some(ImageFormat::Bin),
        _ => None,
    }
}

/// PT_LOAD segments with file bytes, at their physical (load) address: the
/// address in flash, where initialised data is copied from at start-up.
fn elf_segments(bytes: &[u8]) -> Result<Vec<Segment>, String> {
    match object::FileKind::parse(bytes).map_err(|e| e.to_string())? {
        object::FileKind::Elf32 => segments_of::<object::elf::FileHeader32<object::Endianness>>(bytes),
        object::FileKind::Elf64 => segments_of::<object::elf::FileHeader64<object::Endianness>>(bytes),
        other => Err(format!("a {other:?} file, not ELF")),
    }
}

fn segments_of<H: FileHeader<Endian = object::Endianness>>(bytes: &[u8]) -> Result<Vec<Segment>, String> {
    let header = H::parse(bytes).map_err(|e| e.to_string())?;
    let endian = header.endian().map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for ph in header.program_headers(endian, bytes).map_err(|e| e.to_string())? {
        if ph.p_type(endian) != object::elf::PT_LOAD {
            continue;
        }
        let data = ph
            .data(endian, bytes)
            .map_err(|_| "a segment runs past the end of the file")?;
        if data.is_empty() {
            continue; // .bss: nothing to write
        }
        out.push(Segment {
            address: ph.p_paddr(endian).into(),
            data: data.to_vec(),
        });
    }
    Ok(out)
}

fn hex_segments(bytes: &[u8]) -> Result<Vec<Segment>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not text".to_string())?;
    let mut upper: u64 = 0;
    let mut out = Vec::new();
    for (n, record) in ihex::Reader::new(text).enumerate() {
        let record = record.map_err(|e| format!("record {}: {e}", n + 1))?;
        match record {
            ihex::Record::Data { offset, value } => out.push(Segment {
                address: upper + u64::from(offset),
                data: value,
            }),
            ihex::Record::ExtendedSegmentAddress(seg) => upper = u64::from(seg) * 16,
            ihex::Record::ExtendedLinearAddress(hi) => upper = u64::from(hi) << 16,
            ihex::Record::EndOfFile => break,
            ihex::Record::StartSegmentAddress { .. } | ihex::Record::StartLinearAddress(_) => {}
        }
    }
    Ok(out)
}

/// Sorts and joins touching ranges, so checks and messages speak of whole blocks.
fn merge(mut segments: Vec<Segment>) -> Vec<Segment> {
    segments.sort_by_key(|s| s.address);
    let mut out: Vec<Segment> = Vec::new();
    for s in segments {
        match out.last_mut() {
            Some(last) if last.end() == s.address => last.data.extend_from_slice(&s.data),
            _ => out.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_goes_at_its_base_address() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.bin");
        std::fs::write(&path, [1, 2, 3, 4]).unwrap();
        let image = LabImage::load(&path, None, Some(0x0800_4000)).unwrap();
        assert_eq!(
            image.segments,
            vec![Segment {
                address: 0x0800_4000,
                data: vec![1, 2, 3, 4]
            }]
        );
        let err = LabImage::load(&path, None, None).unwrap_err().to_string();
        assert!(err.contains("needs `base_address`"), "{err}");
    }

    #[test]
    fn hex_records_use_extended_linear_addresses() {
        // Written by hand from the Intel HEX specification: an extended linear
        // address record for 0x0800, then two touching data records.
        let text = ":020000040800F2\n:0400000001020304F2\n:02000400AABB95\n:00000001FF\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.hex");
        std::fs::write(&path, text).unwrap();
        let image = LabImage::load(&path, None, None).unwrap();
        assert_eq!(
            image.segments,
            vec![Segment {
                address: 0x0800_0000,
                data: vec![1, 2, 3, 4, 0xAA, 0xBB]
            }]
        );
    }

    #[test]
    fn a_corrupt_hex_file_names_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.hex");
        std::fs::write(&path, ":020000040800F2\n:0400000001020304F3\n").unwrap();
        let err = LabImage::load(&path, None, None).unwrap_err().to_string();
        assert!(err.contains("not a valid Intel HEX image: record 2"), "{err}");
    }

    #[test]
    fn an_unknown_extension_asks_for_the_format() {
        let err = LabImage::load(Path::new("firmware.img"), None, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("set `format`"), "{err}");
    }
}
