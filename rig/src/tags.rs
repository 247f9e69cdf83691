//! EMV data objects named once (EMV Book 3, Annex A; PBOC 3.0 part 5,
//! Annex A; part 12 for qPBOC): the card model builds its templates with
//! these tags, the cryptogram code reads them, masking learns from
//! [`TABLE`] which ones carry cardholder data and how they are coded. Tags
//! are upper-case hex, the form the TLV maps of `emv` are keyed by. It
//! imports nothing of the rig, so every layer can read it.

/// How a data object that carries cardholder data is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardholder {
    /// The PAN in BCD (pad nibble F).
    PanDigits,
    /// Track data in BCD (separator D, pad F).
    TrackDigits,
    /// Track data as ASCII.
    TrackText,
    /// The cardholder's name as ASCII.
    NameText,
    /// The cardholder's name in BCD-coded form (PBOC 9F20 is n: track 2
    /// discretionary in some profiles; masked as digits).
    NameDigits,
}

/// One data object: its tag, its name in the specifications, and what it
/// carries of the cardholder's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataObject {
    pub tag: &'static str,
    pub name: &'static str,
    pub cardholder: Option<Cardholder>,
}

macro_rules! tags {
    ($($konst:ident = $tag:literal, $name:literal $(, $ch:ident)?;)*) => {
        $(#[doc = $name] pub const $konst: &str = $tag;)*
        /// Every data object rig's cards, kernel checks and masking name.
        pub const TABLE: &[DataObject] = &[
            $(DataObject { tag: $tag, name: $name, cardholder: tags!(@ch $($ch)?) },)*
        ];
    };
    (@ch) => { None };
    (@ch $ch:ident) => { Some(Cardholder::$ch) };
}

tags! {
    // Templates.
    FCI = "6F", "File Control Information template";
    FCI_PROPRIETARY = "A5", "FCI proprietary template";
    FCI_ISSUER_DISCRETIONARY = "BF0C", "FCI issuer discretionary data";
    DIRECTORY_ENTRY = "61", "Application template (directory entry)";
    RECORD = "70", "READ RECORD response template";
    RESPONSE_FORMAT_2 = "77", "Response message template format 2";
    SCRIPT_BEFORE_FINAL_AC = "71", "Issuer script template 1";
    SCRIPT_AFTER_FINAL_AC = "72", "Issuer script template 2";
    // Selection.
    DF_NAME = "84", "Dedicated file name";
    AID = "4F", "Application identifier (card)";
    LABEL = "50", "Application label";
    PRIORITY = "87", "Application priority indicator";
    SFI_OF_DIRECTORY = "88", "Short file identifier of the directory";
    LANGUAGE_PREFERENCE = "5F2D", "Language preference";
    PDOL = "9F38", "Processing options data object list";
    // Card data.
    PAN = "5A", "Application primary account number", PanDigits;
    PSN = "5F34", "PAN sequence number";
    TRACK2_EQUIVALENT = "57", "Track 2 equivalent data", TrackDigits;
    TRACK1_DISCRETIONARY = "9F1F", "Track 1 discretionary data", NameText;
    TRACK2_CONTACTLESS = "9F6B", "Track 2 data (contactless)", TrackDigits;
    TRACK1_DATA = "56", "Track 1 data", TrackText;
    CARDHOLDER_NAME = "5F20", "Cardholder name", NameText;
    CARDHOLDER_NAME_EXTENDED = "9F0B", "Cardholder name extended", NameText;
    CARDHOLDER_NAME_PBOC = "9F20", "Track 2 discretionary data", NameDigits;
    EXPIRY = "5F24", "Application expiration date";
    EFFECTIVE = "5F25", "Application effective date";
    ISSUER_COUNTRY = "5F28", "Issuer country code";
    USAGE_CONTROL = "9F07", "Application usage control";
    CDOL1 = "8C", "Card risk management data object list 1";
    CDOL2 = "8D", "Card risk management data object list 2";
    CVM_LIST = "8E", "Cardholder verification method list";
    AIP = "82", "Application interchange profile";
    APPLICATION_VERSION = "9F08", "Application version number (card)";
    APPLICATION_CURRENCY = "9F42", "Application currency code";
    IAC_DEFAULT = "9F0D", "Issuer action code - default";
    IAC_DENIAL = "9F0E", "Issuer action code - denial";
    IAC_ONLINE = "9F0F", "Issuer action code - online";
    LOWER_OFFLINE_LIMIT = "9F14", "Lower consecutive offline limit";
    UPPER_OFFLINE_LIMIT = "9F23", "Upper consecutive offline limit";
    OFFLINE_BALANCE = "9F79", "Electronic cash balance";
    AFL = "94", "Application file locator";
    // Offline data authentication (EMV Book 2, 5 and 6).
    CA_INDEX = "8F", "Certification authority public key index";
    ISSUER_CERTIFICATE = "90", "Issuer public key certificate";
    ISSUER_REMAINDER = "92", "Issuer public key remainder";
    ISSUER_EXPONENT = "9F32", "Issuer public key exponent";
    SIGNED_STATIC_DATA = "93", "Signed static application data";
    SDA_TAG_LIST = "9F4A", "Static data authentication tag list";
    ICC_CERTIFICATE = "9F46", "ICC public key certificate";
    ICC_EXPONENT = "9F47", "ICC public key exponent";
    ICC_REMAINDER = "9F48", "ICC public key remainder";
    DDOL = "9F49", "Dynamic data authentication data object list";
    SIGNED_DYNAMIC_DATA = "9F4B", "Signed dynamic application data";
    CARD_AUTHENTICATION_DATA = "9F69", "Card authentication related data";
    // The transaction log.
    LOG_ENTRY = "9F4D", "Log entry";
    LOG_FORMAT = "9F4F", "Log format";
    // Cryptograms.
    ATC = "9F36", "Application transaction counter";
    LAST_ONLINE_ATC = "9F13", "Last online ATC register";
    PIN_TRY_COUNTER = "9F17", "PIN try counter";
    CRYPTOGRAM = "9F26", "Application cryptogram";
    CID = "9F27", "Cryptogram information data";
    IAD = "9F10", "Issuer application data";
    CTQ = "9F6C", "Card transaction qualifiers";
    ISSUER_AUTHENTICATION_DATA = "91", "Issuer authentication data";
    AUTHORISATION_RESPONSE_CODE = "8A", "Authorisation response code";
    SCRIPT_RESULTS = "DF31", "Issuer script results";
    // The terminal's data.
    AMOUNT = "9F02", "Amount, authorised";
    AMOUNT_OTHER = "9F03", "Amount, other";
    TERMINAL_COUNTRY = "9F1A", "Terminal country code";
    TVR = "95", "Terminal verification results";
    CURRENCY = "5F2A", "Transaction currency code";
    DATE = "9A", "Transaction date";
    TYPE = "9C", "Transaction type";
    UNPREDICTABLE_NUMBER = "9F37", "Unpredictable number";
    TTQ = "9F66", "Terminal transaction qualifiers";
    TSI = "9B", "Transaction status information";
    CVM_RESULTS = "9F34", "Cardholder verification method results";
}

/// The data object of a tag (any case).
pub fn of(tag: &str) -> Option<&'static DataObject> {
    TABLE.iter().find(|d| d.tag.eq_ignore_ascii_case(tag))
}

/// What a tag given as bytes carries of the cardholder's.
pub fn cardholder(tag: &[u8]) -> Option<Cardholder> {
    TABLE
        .iter()
        .find(|d| hex::decode(d.tag).is_ok_and(|t| t == tag))
        .and_then(|d| d.cardholder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tag_is_named_once_and_is_ber_tlv() {
        for (n, a) in TABLE.iter().enumerate() {
            assert!(TABLE[n + 1..].iter().all(|b| b.tag != a.tag), "{a:?} twice");
            let bytes = hex::decode(a.tag).unwrap();
            let t = iso7816_tlv::ber::Tag::try_from(u64::from_str_radix(a.tag, 16).unwrap());
            assert_eq!(t.as_ref().map(|t| t.to_bytes().to_vec()), Ok(bytes.clone()));
            assert!(t.is_ok(), "{} is not a BER-TLV tag", a.tag);
        }
        assert_eq!(of("9f36").map(|d| d.name), Some("Application transaction counter"));
        assert_eq!(cardholder(&[0x5A]), Some(Cardholder::PanDigits));
        assert_eq!(cardholder(&[0x9F, 0x36]), None);
    }
}
