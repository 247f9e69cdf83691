//! Host dialect (fixtures/hosts/*.toml): the choices an acquirer makes
//! within the UnionPay POS ISO 8583 family.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dialect {
    pub name: String,
    pub mac: MacAlgorithm,
    /// Field 62 key layout in the sign-on answer (60.3): "003" PIN + MAC keys.
    pub key_layout: String,
    /// Acquirer institution code (field 32) and issuer/acquirer ids (field 44).
    pub acquirer_id: String,
    pub issuer_id: String,
    /// Card brand printed by the terminal (field 63 of the answer).
    pub card_brand: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum MacAlgorithm {
    UnionpayEcb,
    AnsiX919,
}
