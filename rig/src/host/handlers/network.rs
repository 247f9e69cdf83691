//! Network management: sign-on (working keys in field 62) and downloads.

use super::*;
use crate::iso8583::fields::field;

impl HostState {
    pub(super) fn sign_on(&mut self, request: &Message) -> Outcome {
        let code = txn::network_code(request);
        let code = if code.is_empty() {
            self.dialect.key_layout.clone()
        } else {
            code.to_string()
        };
        let Some(layout) = KeyLayout::from_code(&code) else {
            return Outcome::code("30");
        };
        let material = KeyMaterial::random(layout, self.dialect.cipher);
        let Ok(f62) = material.field62(self.tmk.as_ref(), self.dialect.cipher, layout) else {
            return Outcome::code("96");
        };
        let Ok(keys) = material.into_keys(self.dialect.cipher) else {
            return Outcome::code("96");
        };
        self.keys.insert(terminal(request), keys);
        Outcome::ok().with(field::KEYS, Value::Bytes(f62))
    }

    pub(super) fn download(&mut self, request: &Message) -> Outcome {
        let code = txn::network_code(request);
        if let Some(payload) = self.dialect.downloads.get(code).and_then(|h| hex::decode(h).ok()) {
            return Outcome::ok().with(field::KEYS, Value::Bytes(payload));
        }
        match code {
            // The CA public keys of the dialect's `ca_keys`, one TLV set each.
            CAPK_DOWNLOAD if !self.dialect.capks.is_empty() => {
                let payload: Vec<u8> = self.dialect.capks.iter().flat_map(|k| k.download_tlv()).collect();
                Outcome::ok().with(field::KEYS, Value::Bytes(payload))
            }
            // The end of a download (pos-8583.md: CAPK 370/371, IC parameters
            // 380/381, blacklist 390/391, contactless 394/395) carries nothing.
            CAPK_DOWNLOAD_END | IC_PARAMETERS_END | BLACKLIST_END | CONTACTLESS_END => Outcome::ok(),
            _ => Outcome::code("40"),
        }
    }
}

/// 60.3 network management codes of downloads (pos-8583.md).
const CAPK_DOWNLOAD: &str = "370";
const CAPK_DOWNLOAD_END: &str = "371";
const IC_PARAMETERS_END: &str = "381";
const BLACKLIST_END: &str = "391";
const CONTACTLESS_END: &str = "395";
