//! Working keys: generated at sign-on, sent in field 62 under the terminal
//! master key with check values, in the layout the dialect or 60.3 chooses.

use super::crypto::{self, BlockCipher, CipherFamily, CryptoError};

/// Field 62 layouts of pos-8583.md, by 60.3 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLayout {
    /// 001: single-length PIN and MAC keys.
    Single,
    /// 003: double-length PIN key, single MAC key padded with 8 zero bytes.
    Double,
    /// 004: as 003, plus a double-length track key.
    DoubleWithTrack,
}

impl KeyLayout {
    pub fn from_code(code: &str) -> Option<KeyLayout> {
        match code {
            "001" => Some(KeyLayout::Single),
            "003" => Some(KeyLayout::Double),
            "004" => Some(KeyLayout::DoubleWithTrack),
            _ => None,
        }
    }
}

/// One terminal's working keys, clear (the host's secret).
pub struct WorkingKeys {
    pub pin: Box<dyn BlockCipher>,
    pub mac_key: Vec<u8>,
    pub mac: Box<dyn BlockCipher>,
    pub track: Option<crypto::DesKey>,
}

/// Clear key bytes, before wrapping.
pub struct KeyMaterial {
    pub pin: Vec<u8>,
    pub mac: Vec<u8>,
    pub track: Option<Vec<u8>>,
}

impl KeyMaterial {
    /// Fresh random keys of the sizes the layout and cipher call for.
    pub fn random(layout: KeyLayout, family: CipherFamily) -> KeyMaterial {
        let random = |n: usize| (0..n).map(|_| rand::random::<u8>()).collect::<Vec<u8>>();
        let (pin, mac) = match (family, layout) {
            (CipherFamily::Sm4, _) => (16, 16),
            (CipherFamily::Des, KeyLayout::Single) => (8, 8),
            (CipherFamily::Des, _) => (16, 8),
        };
        let track = (layout == KeyLayout::DoubleWithTrack).then(|| random(16));
        KeyMaterial {
            pin: random(pin),
            mac: random(mac),
            track,
        }
    }

    /// Field 62: each key wrapped under the TMK and followed by its check value.
    /// A single-length DES MAC key in layouts 003/004 is padded with 8 zero bytes.
    pub fn field62(
        &self,
        tmk: &dyn BlockCipher,
        family: CipherFamily,
        layout: KeyLayout,
    ) -> Result<Vec<u8>, CryptoError> {
        let mut out = Vec::new();
        let pin = family.key(&self.pin)?;
        out.extend(crypto::encrypt_ecb(tmk, &self.pin)?);
        out.extend(crypto::check_value_of(pin.as_ref()));
        let mac = family.key(&self.mac)?;
        out.extend(crypto::encrypt_ecb(tmk, &self.mac)?);
        if family == CipherFamily::Des && layout != KeyLayout::Single {
            out.extend([0u8; 8]);
        }
        out.extend(crypto::check_value_of(mac.as_ref()));
        if let Some(track) = &self.track {
            let key = family.key(track)?;
            out.extend(crypto::encrypt_ecb(tmk, track)?);
            out.extend(crypto::check_value_of(key.as_ref()));
        }
        Ok(out)
    }

    pub fn into_keys(self, family: CipherFamily) -> Result<WorkingKeys, CryptoError> {
        Ok(WorkingKeys {
            pin: family.key(&self.pin)?,
            mac: family.key(&self.mac)?,
            mac_key: self.mac,
            track: self.track.as_deref().map(crypto::DesKey::new).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iso8583::crypto::DesKey;

    const TMK: &str = "0123456789ABCDEFFEDCBA9876543210";

    fn material(track: bool) -> KeyMaterial {
        KeyMaterial {
            pin: hex::decode("1C2B3A4958677685ABBACDDCEFFE1001").unwrap(),
            mac: hex::decode("0A1B2C3D4E5F6071").unwrap(),
            track: track.then(|| hex::decode("1C2B3A4958677685ABBACDDCEFFE1001").unwrap()),
        }
    }

    #[test]
    fn layout_003_matches_the_psec_vectors() {
        // Wrapped keys and check values: rig/tests/vectors/crypto_vectors.txt (psec 1.3.0).
        let tmk = DesKey::new(&hex::decode(TMK).unwrap()).unwrap();
        let f62 = material(false)
            .field62(&tmk, CipherFamily::Des, KeyLayout::Double)
            .unwrap();
        assert_eq!(
            hex::encode_upper(f62),
            concat!(
                "4D3D041E3DA9554180BD099FB104F1F4",
                "B887FC25",
                "0B4A115296A668D3",
                "0000000000000000",
                "C55BF93C"
            )
        );
    }

    #[test]
    fn layout_004_appends_the_track_key() {
        let tmk = DesKey::new(&hex::decode(TMK).unwrap()).unwrap();
        let f62 = material(true)
            .field62(&tmk, CipherFamily::Des, KeyLayout::DoubleWithTrack)
            .unwrap();
        assert_eq!(f62.len(), 60);
        assert_eq!(
            hex::encode_upper(&f62[40..]),
            "4D3D041E3DA9554180BD099FB104F1F4B887FC25"
        );
    }

    #[test]
    fn random_keys_have_layout_sizes() {
        assert_eq!(KeyMaterial::random(KeyLayout::Single, CipherFamily::Des).pin.len(), 8);
        let sm4 = KeyMaterial::random(KeyLayout::Double, CipherFamily::Sm4);
        assert_eq!((sm4.pin.len(), sm4.mac.len()), (16, 16));
    }
}
