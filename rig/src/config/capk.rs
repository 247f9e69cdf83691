//! CA public keys (CAPK) as terminals load them: the test PKI's published
//! keys in fixtures/keys/ca/ (tools/pki/make_test_ca.py), typed and checked
//! when read. The mock host downloads them to terminals (0800, 60.3 = 370).

use super::ConfigError;
use serde::Deserialize;
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};

/// One certification authority public key (EMV Book 2, 5.1 and 11.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaPublicKey {
    /// Registered application provider identifier (5 bytes).
    pub rid: [u8; 5],
    pub index: u8,
    pub hash_algorithm: u8,
    pub key_algorithm: u8,
    pub modulus: Vec<u8>,
    pub exponent: Vec<u8>,
    /// YYYYMMDD.
    pub expiry: String,
    /// SHA-1 over RID || index || modulus || exponent.
    pub checksum: [u8; 20],
    pub origin: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    rid: String,
    index: String,
    hash_algorithm: String,
    key_algorithm: String,
    exponent: String,
    expiry: String,
    checksum: String,
    modulus: String,
}

fn bytes<const N: usize>(name: &str, value: &str) -> Result<[u8; N], String> {
    hex::decode(value)
        .ok()
        .and_then(|b| <[u8; N]>::try_from(b).ok())
        .ok_or_else(|| format!("{name} {value:?}: expected {N} bytes of hex"))
}

impl CaPublicKey {
    pub fn load(path: &Path) -> Result<CaPublicKey, ConfigError> {
        let text = super::read(path)?;
        let raw: Raw = super::parse(path, &text)?;
        let semantic = |message: String| ConfigError::Semantic {
            path: path.into(),
            message,
        };
        let key = (|| -> Result<CaPublicKey, String> {
            let modulus = hex::decode(&raw.modulus).map_err(|_| "modulus: not hex".to_string())?;
            if !(64..=248).contains(&modulus.len()) {
                return Err(format!(
                    "modulus: {} bytes, expected 64 to 248 (EMV Book 2, 5.1)",
                    modulus.len()
                ));
            }
            let exponent = hex::decode(&raw.exponent).map_err(|_| "exponent: not hex".to_string())?;
            if exponent != [3] && exponent != [1, 0, 1] {
                return Err(format!("exponent {:?}: expected 03 or 010001", raw.exponent));
            }
            if raw.expiry.len() != 8 || !raw.expiry.bytes().all(|c| c.is_ascii_digit()) {
                return Err(format!("expiry {:?}: expected YYYYMMDD", raw.expiry));
            }
            let key = CaPublicKey {
                rid: bytes::<5>("rid", &raw.rid)?,
                index: bytes::<1>("index", &raw.index)?[0],
                hash_algorithm: bytes::<1>("hash_algorithm", &raw.hash_algorithm)?[0],
                key_algorithm: bytes::<1>("key_algorithm", &raw.key_algorithm)?[0],
                modulus,
                exponent,
                expiry: raw.expiry.clone(),
                checksum: bytes::<20>("checksum", &raw.checksum)?,
                origin: path.into(),
            };
            if key.computed_checksum() != key.checksum {
                return Err(format!(
                    "checksum {} does not match SHA-1 over RID, index, modulus and exponent ({})",
                    raw.checksum,
                    hex::encode_upper(key.computed_checksum())
                ));
            }
            Ok(key)
        })()
        .map_err(semantic)?;
        Ok(key)
    }

    pub fn computed_checksum(&self) -> [u8; 20] {
        let mut sha = Sha1::new();
        sha.update(self.rid);
        sha.update([self.index]);
        sha.update(&self.modulus);
        sha.update(&self.exponent);
        sha.finalize().into()
    }

    /// The key as the CAPK download carries it (UnionPay POS, 60.3 = 370):
    /// 9F06 RID, 9F22 index, DF05 expiry, DF06 hash algorithm, DF07 key
    /// algorithm, DF02 modulus, DF04 exponent, DF03 checksum.
    pub fn download_tlv(&self) -> Vec<u8> {
        crate::emv::build_tlv(&[
            ("9F06", &self.rid),
            ("9F22", &[self.index]),
            ("DF05", self.expiry.as_bytes()),
            ("DF06", &[self.hash_algorithm]),
            ("DF07", &[self.key_algorithm]),
            ("DF02", &self.modulus),
            ("DF04", &self.exponent),
            ("DF03", &self.checksum),
        ])
    }
}

/// Every `*.toml` of `dir`, in file-name order.
pub fn load_dir(dir: &Path) -> Result<Vec<CaPublicKey>, ConfigError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| ConfigError::Read {
            path: dir.into(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| CaPublicKey::load(p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_ca_key_loads_and_its_checksum_holds() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/keys/ca");
        let keys = load_dir(&dir).unwrap();
        let key = keys.iter().find(|k| k.index == 0xE1).expect("index E1");
        assert_eq!(hex::encode_upper(key.rid), "A000000333");
        assert_eq!(key.modulus.len(), 176);
        let tlv = crate::emv::parse_tlv(&key.download_tlv());
        assert_eq!(tlv.get("9F22").map(Vec::as_slice), Some(&[0xE1][..]));
        assert_eq!(tlv.get("DF02"), Some(&key.modulus));
    }

    #[test]
    fn a_wrong_checksum_is_refused_with_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/keys/ca/A000000333-E1.toml");
        let text = std::fs::read_to_string(good).unwrap();
        let line = text.lines().find(|l| l.starts_with("checksum")).unwrap();
        let broken = text.replace(line, "checksum = \"0000000000000000000000000000000000000000\"");
        std::fs::write(dir.path().join("k.toml"), broken).unwrap();
        let err = load_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("k.toml") && err.contains("does not match SHA-1"), "{err}");
    }
}
