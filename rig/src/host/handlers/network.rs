//! Network management: sign-on (working keys in field 62) and downloads.

use super::*;

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
        Outcome::ok().with(62, Value::Bytes(f62))
    }

    pub(super) fn download(&mut self, request: &Message) -> Outcome {
        match self
            .dialect
            .downloads
            .get(txn::network_code(request))
            .and_then(|h| hex::decode(h).ok())
        {
            Some(payload) => Outcome::ok().with(62, Value::Bytes(payload)),
            None => Outcome::code("40"),
        }
    }
}
