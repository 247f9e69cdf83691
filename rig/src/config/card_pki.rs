//! A card's offline data authentication keys (fixtures/cards/pki/*.toml,
//! made once by tools/pki/make_card_pki.py): its issuer key pair with the
//! issuer certificate rig's test CA signed, and its ICC key pair. TEST KEYS
//! ONLY. The card file names its file with `pki = "pki/<card>.toml"`.

use super::ConfigError;
use super::card_values::HexBytes;
use serde::Deserialize;
use std::path::Path;

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardPki {
    /// The index (8F) of the CA public key that certifies the issuer key.
    pub ca_index: HexBytes,
    pub issuer: IssuerKeys,
    pub icc: RsaKeyPair,
}

/// The issuer's key pair and its certificate (90) with the remainder of
/// its modulus (92) that did not fit in it.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerKeys {
    pub exponent: HexBytes,
    pub modulus: HexBytes,
    pub private_exponent: HexBytes,
    pub certificate: HexBytes,
    pub remainder: HexBytes,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RsaKeyPair {
    pub exponent: HexBytes,
    pub modulus: HexBytes,
    pub private_exponent: HexBytes,
}

// Keys never reach a log: Debug names the key, not its numbers.
impl std::fmt::Debug for CardPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CardPki {{ ca_index: {}, issuer: {} bits, icc: {} bits }}",
            hex::encode_upper(&self.ca_index.0),
            self.issuer.modulus.0.len() * 8,
            self.icc.modulus.0.len() * 8
        )
    }
}

impl CardPki {
    /// Reads and checks a key file; errors carry file:line.
    pub fn load(path: &Path) -> Result<CardPki, ConfigError> {
        CardPki::parse(path, &super::read(path)?)
    }

    /// A key file's text, as if read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<CardPki, ConfigError> {
        let pki: CardPki = super::parse(path, text)?;
        let semantic = |message: String| ConfigError::Semantic {
            path: path.into(),
            message,
        };
        if pki.ca_index.0.len() != 1 {
            return Err(semantic("ca_index must be one byte".into()));
        }
        let (n_i, n_ic) = (pki.issuer.modulus.0.len(), pki.icc.modulus.0.len());
        if pki.issuer.private_exponent.0.len() != n_i || pki.icc.private_exponent.0.len() != n_ic {
            return Err(semantic("a private exponent is not as long as its modulus".into()));
        }
        // The ICC certificate carries N_I - 42 bytes of the ICC modulus
        // (EMV Book 2, 6.4): an ICC key longer than the issuer's cannot be certified.
        if n_ic > n_i {
            return Err(semantic(format!(
                "the ICC key ({} bits) is longer than the issuer key ({} bits)",
                n_ic * 8,
                n_i * 8
            )));
        }
        Ok(pki)
    }
}
