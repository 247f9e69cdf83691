//! Host dialect (fixtures/hosts/*.toml): the choices an acquirer makes
//! within the UnionPay POS ISO 8583 family.

use crate::iso8583::crypto::CipherFamily;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dialect {
    pub name: String,
    pub mac: MacAlgorithm,
    /// Cipher of the working keys: "des" (3DES) or "sm4".
    #[serde(default = "default_cipher")]
    pub cipher: CipherFamily,
    /// Field 62 key layout used when the sign-on's 60.3 does not choose one:
    /// "001" single-length keys, "003" double-length PIN key, "004" plus a track key.
    pub key_layout: String,
    /// Acquirer institution code (field 32) and issuer/acquirer ids (field 44).
    pub acquirer_id: String,
    pub issuer_id: String,
    /// Card brand printed by the terminal (field 63 of the answer).
    pub card_brand: String,
    /// Header of the host's answers, hex; absent = echo the terminal's header.
    #[serde(default)]
    pub answer_header: Option<String>,
    /// Session key derivation for application cryptograms: "pboc" (emv.md) or "emv-common".
    #[serde(default)]
    pub session_key: crate::emv::SessionKeyDerivation,
    #[serde(default)]
    pub timeouts: HostTimeouts,
    #[serde(default)]
    pub qr: QrCodes,
    /// Download payloads (field 62 of the 0810), hex, by 60.3 code ("360", "380", ...).
    #[serde(default)]
    pub downloads: BTreeMap<String, String>,
    /// The folder of CA public keys the CAPK download (60.3 = 370) carries,
    /// relative to this file (fixtures/keys/ca/).
    #[serde(default)]
    pub ca_keys: Option<String>,
    /// The keys of `ca_keys`, loaded with the dialect.
    #[serde(skip)]
    pub capks: Vec<super::capk::CaPublicKey>,
}

fn default_cipher() -> CipherFamily {
    CipherFamily::Des
}

/// How long the host waits on a terminal.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostTimeouts {
    /// A frame must arrive whole within this time once its length was read.
    pub frame_ms: u64,
    /// An idle connection is closed after this time.
    pub idle_ms: u64,
}

impl Default for HostTimeouts {
    fn default() -> Self {
        HostTimeouts {
            frame_ms: 5_000,
            idle_ms: 120_000,
        }
    }
}

/// Processing codes (field 3) of payment-code transactions, and where the
/// code and the wallet travel (qr.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrCodes {
    pub pay: String,
    pub create_order: String,
    pub query: String,
    pub cancel: String,
    /// Field carrying the customer's payment code (B scans C).
    pub code_field: u8,
    /// Field carrying the order URL of a dynamic code (C scans B) in the answer.
    pub order_field: u8,
    /// Response code meaning "the customer is still paying" (acquirer-private).
    pub pending_response: String,
}

impl Default for QrCodes {
    fn default() -> Self {
        QrCodes {
            pay: "700000".into(),
            create_order: "710000".into(),
            query: "730000".into(),
            cancel: "720000".into(),
            code_field: 48,
            order_field: 63,
            pending_response: "P0".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum MacAlgorithm {
    UnionpayEcb,
    AnsiX919,
}

impl Dialect {
    /// Checks what serde cannot: layouts, hex values, field numbers.
    pub fn validate(&self) -> Result<(), String> {
        if !["001", "003", "004"].contains(&self.key_layout.as_str()) {
            return Err(format!(
                "key_layout {:?}: expected \"001\", \"003\" or \"004\"",
                self.key_layout
            ));
        }
        if self.cipher == CipherFamily::Sm4 && self.mac == MacAlgorithm::AnsiX919 {
            return Err("mac = \"ansi-x919\" is a DES algorithm; with cipher = \"sm4\" use \"unionpay-ecb\"".into());
        }
        if let Some(h) = &self.answer_header {
            if hex::decode(h).map(|b| b.len()) != Ok(6) {
                return Err(format!("answer_header {h:?}: expected 12 hex digits (6 bytes)"));
            }
        }
        for (code, payload) in &self.downloads {
            if hex::decode(payload).is_err() {
                return Err(format!("downloads.{code}: not hex"));
            }
        }
        for (name, code) in [
            ("pay", &self.qr.pay),
            ("create_order", &self.qr.create_order),
            ("query", &self.qr.query),
            ("cancel", &self.qr.cancel),
        ] {
            if code.len() != 6 || !code.bytes().all(|c| c.is_ascii_digit()) {
                return Err(format!("qr.{name} {code:?}: expected a 6-digit processing code"));
            }
        }
        for f in [self.qr.code_field, self.qr.order_field] {
            if crate::iso8583::codec::spec(f).is_none() {
                return Err(format!("qr field {f} is not a field of the dialect"));
            }
        }
        Ok(())
    }

    /// Loads and validates a dialect file.
    pub fn load(path: &std::path::Path) -> Result<Dialect, super::ConfigError> {
        Dialect::parse(path, &super::read(path)?)
    }

    /// A dialect file's text, as if read from `path`.
    pub fn parse(path: &std::path::Path, text: &str) -> Result<Dialect, super::ConfigError> {
        Self::checked(path, text).map_err(|e| e.located(text))
    }

    fn checked(path: &std::path::Path, text: &str) -> Result<Dialect, super::ConfigError> {
        let mut dialect: Dialect = super::parse(path, text)?;
        dialect.validate().map_err(|message| super::ConfigError::Semantic {
            path: path.into(),
            message,
        })?;
        if let Some(dir) = &dialect.ca_keys {
            let dir = path.parent().unwrap_or(std::path::Path::new(".")).join(dir);
            dialect.capks = super::capk::load_dir(&dir)?;
        }
        Ok(dialect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_shipped_dialect_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/hosts/unionpay-pos.toml");
        let dialect = Dialect::load(&path).unwrap();
        assert_eq!(dialect.qr.pay, "700000");
        assert_eq!(dialect.downloads.get("360").map(String::len), Some(22));
    }

    #[test]
    fn mistakes_are_reported_with_file_and_line() {
        let text = "name = \"x\"\nmac = \"md5\"\nkey_layout = \"003\"\nacquirer_id = \"1\"\nissuer_id = \"2\"\ncard_brand = \"CUP\"\n";
        let err = crate::config::parse::<Dialect>(Path::new("h.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("h.toml:2:7: unknown variant `md5`"), "{err}");
        let text = text.replace("md5", "unionpay-ecb").replace("\"003\"", "\"002\"");
        let dialect: Dialect = crate::config::parse(Path::new("h.toml"), &text).unwrap();
        assert!(dialect.validate().unwrap_err().contains("key_layout"));
    }
}
