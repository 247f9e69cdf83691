//! The cards of fixtures/cards/ whose offline data authentication a correct
//! kernel refuses, and what the independent verifier (verify_oda.py) names
//! as the reason: shared by rig/tests/oda.rs (the card's answers in
//! process) and rig/tests/pcscd_vpcd.rs (read over pcscd + vpcd). Every
//! other card with keys must pass.

/// (card, a substring of the verifier's reason).
pub const REFUSED: &[(&str, &str)] = &[
    ("emv/dda-broken-icc-certificate", "ICC certificate"),
    ("emv/dda-broken-signature", "signed dynamic data"),
    ("emv/dda-unknown-ca-index", "CA index"),
    ("emv/iac-denial-dda-failed", "signed dynamic data"),
    ("emv/cda-broken-signature", "signed dynamic data"),
    ("emv/sda-broken-signed-static-data", "signed static data"),
    ("emv/issuer-certificate-expired", "issuer certificate expired"),
    ("emv/issuer-certificate-revoked", "issuer certificate revoked"),
    // A tap's fDDA signature (9F4B in the GPO answer).
    ("emv/tap-fdda-failure", "fDDA signed dynamic data"),
    // Cards whose application expired: so did their ICC certificate.
    ("emv/expired-application", "ICC certificate expired"),
    ("unionpay-expired", "ICC certificate expired"),
];

/// The issuer certificate serials the terminals' parameters revoke under
/// the test CA key (fixtures/terminals/*.params.toml `[[revoked]]`).
pub const REVOKED_SERIALS: &[&str] = &["00A001"];

/// The verifier's options for the revocation list.
pub fn revoked_args() -> Vec<String> {
    REVOKED_SERIALS
        .iter()
        .flat_map(|s| ["--revoked".to_string(), (*s).to_string()])
        .collect()
}

/// The reason the verifier must give for `card`, when it must refuse it.
pub fn refusal(card: &str) -> Option<&'static str> {
    REFUSED.iter().find(|(c, _)| *c == card).map(|(_, why)| *why)
}
