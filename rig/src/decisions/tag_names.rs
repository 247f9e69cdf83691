//! EMV and PBOC data object names by tag (EMV Book 3, Annex A; Book 4,
//! Annex A; PBOC 3.0 part 5, Annex A and part 12 for qPBOC), and what a
//! kernel-decision object says by name: for the evidence's readers (the
//! HTML scenario page's APDU trees), so a tag is never shown as bare hex.

use super::evidence::Cryptogram;
use super::names;

/// (tag, name), as the specifications name them.
pub const NAMES: &[(&str, &str)] = &[
    ("4F", "Application Identifier (AID)"),
    ("50", "Application Label"),
    ("57", "Track 2 Equivalent Data"),
    ("5A", "Application PAN"),
    ("5F20", "Cardholder Name"),
    ("5F24", "Application Expiration Date"),
    ("5F25", "Application Effective Date"),
    ("5F28", "Issuer Country Code"),
    ("5F2A", "Transaction Currency Code"),
    ("5F2D", "Language Preference"),
    ("5F34", "PAN Sequence Number"),
    ("61", "Application Template"),
    ("6F", "FCI Template"),
    ("70", "READ RECORD Response Template"),
    ("71", "Issuer Script Template 1"),
    ("72", "Issuer Script Template 2"),
    ("77", "Response Message Template Format 2"),
    ("80", "Response Message Template Format 1"),
    ("82", "Application Interchange Profile"),
    ("84", "Dedicated File (DF) Name"),
    ("87", "Application Priority Indicator"),
    ("88", "Short File Identifier (SFI)"),
    ("8A", "Authorisation Response Code"),
    ("8C", "CDOL1"),
    ("8D", "CDOL2"),
    ("8E", "CVM List"),
    ("8F", "Certification Authority Public Key Index"),
    ("90", "Issuer Public Key Certificate"),
    ("91", "Issuer Authentication Data"),
    ("92", "Issuer Public Key Remainder"),
    ("93", "Signed Static Application Data"),
    ("94", "Application File Locator (AFL)"),
    ("95", "Terminal Verification Results"),
    ("9A", "Transaction Date"),
    ("9B", "Transaction Status Information"),
    ("9C", "Transaction Type"),
    ("9F02", "Amount, Authorised"),
    ("9F03", "Amount, Other"),
    ("9F07", "Application Usage Control"),
    ("9F08", "Application Version Number"),
    ("9F0D", "Issuer Action Code - Default"),
    ("9F0E", "Issuer Action Code - Denial"),
    ("9F0F", "Issuer Action Code - Online"),
    ("9F10", "Issuer Application Data"),
    ("9F12", "Application Preferred Name"),
    ("9F13", "Last Online ATC Register"),
    ("9F14", "Lower Consecutive Offline Limit"),
    ("9F17", "PIN Try Counter"),
    ("9F1A", "Terminal Country Code"),
    ("9F1E", "Interface Device Serial Number"),
    ("9F1F", "Track 1 Discretionary Data"),
    ("9F23", "Upper Consecutive Offline Limit"),
    ("9F26", "Application Cryptogram"),
    ("9F27", "Cryptogram Information Data"),
    ("9F32", "Issuer Public Key Exponent"),
    ("9F33", "Terminal Capabilities"),
    ("9F34", "CVM Results"),
    ("9F36", "Application Transaction Counter"),
    ("9F37", "Unpredictable Number"),
    ("9F38", "PDOL"),
    ("9F42", "Application Currency Code"),
    ("9F46", "ICC Public Key Certificate"),
    ("9F47", "ICC Public Key Exponent"),
    ("9F48", "ICC Public Key Remainder"),
    ("9F49", "DDOL"),
    ("9F4A", "Static Data Authentication Tag List"),
    ("9F4B", "Signed Dynamic Application Data"),
    ("9F4D", "Log Entry"),
    ("9F4F", "Log Format"),
    ("9F5D", "Available Offline Spending Amount"),
    ("9F66", "Terminal Transaction Qualifiers"),
    ("9F69", "Card Authentication Related Data"),
    ("9F6C", "Card Transaction Qualifiers"),
    ("9F74", "Electronic Cash Issuer Authorisation Code"),
    ("9F79", "Electronic Cash Balance"),
    ("A5", "FCI Proprietary Template"),
    ("BF0C", "FCI Issuer Discretionary Data"),
    ("DF31", "Issuer Script Results"),
];

/// The specification's name of `tag` (hex, upper case), if it has one here.
pub fn name(tag: &str) -> Option<&'static str> {
    NAMES.iter().find(|(t, _)| *t == tag).map(|(_, n)| *n)
}

/// What a decision object's value says, by name: the TVR's and TSI's bits
/// set, the CVM results, the cryptogram type of 9F27.
pub fn meaning(tag: &str, value: &[u8]) -> Option<String> {
    let bits = |table| {
        let set = names::set_in(table, value);
        if set.is_empty() {
            "no bit set".to_string()
        } else {
            set.join(", ")
        }
    };
    match tag {
        "95" => Some(bits(names::TVR)),
        "9B" => Some(bits(names::TSI)),
        "9F34" => Some(names::cvm_results(value)),
        "9F27" => value
            .first()
            .map(|c| Cryptogram::of(*c).map_or("an RFU type", Cryptogram::name).to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_have_names_and_decisions_meanings() {
        assert_eq!(name("9F27"), Some("Cryptogram Information Data"));
        assert_eq!(name("DF99"), None);
        assert_eq!(meaning("9F27", &[0x80]).as_deref(), Some("an ARQC"));
        assert_eq!(
            meaning("9F34", &[0x42, 0x03, 0x00]).as_deref(),
            Some("online PIN, unknown")
        );
        assert_eq!(
            meaning("95", &[0x08, 0x00, 0x00, 0x00, 0x00]).as_deref(),
            Some("DDA failed")
        );
        assert_eq!(meaning("9B", &[0, 0]).as_deref(), Some("no bit set"));
    }
}
