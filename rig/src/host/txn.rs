//! Which transaction a request is, from MTI, processing code and the type
//! code of field 60.1 (pos-8583.md's message table).

use crate::config::dialect::QrCodes;
use crate::iso8583::codec::Message;
use crate::iso8583::fields::{field, field60, sub};

pub use crate::iso8583::txn::{ALL, TxnKind};

/// 60.1 (type code) and 60.3 (network management code) of a request.
pub fn type_code(msg: &Message) -> &str {
    sub(msg.text(field::RESERVED_60), field60::TYPE_CODE).unwrap_or("")
}

pub fn network_code(msg: &Message) -> &str {
    sub(msg.text(field::RESERVED_60), field60::NETWORK_CODE).unwrap_or("")
}

pub fn classify(msg: &Message, qr: &QrCodes) -> TxnKind {
    let f3 = msg.text(field::PROCESSING_CODE).unwrap_or("");
    match msg.mti.as_str() {
        "0800" => match network_code(msg) {
            "001" | "003" | "004" | "" => TxnKind::SignOn,
            _ => TxnKind::Download,
        },
        "0820" => match network_code(msg) {
            "002" => TxnKind::SignOff,
            "301" => TxnKind::EchoTest,
            _ => TxnKind::Unknown,
        },
        "0200" if f3 == qr.pay => TxnKind::QrPay,
        "0200" if f3 == qr.create_order => TxnKind::QrCreateOrder,
        "0200" if f3 == qr.query => TxnKind::QrQuery,
        "0200" if f3 == qr.cancel => TxnKind::QrCancel,
        "0200" => match (f3, type_code(msg)) {
            ("310000", _) => TxnKind::BalanceInquiry,
            ("000000", "20") => TxnKind::Completion,
            ("200000", "21") => TxnKind::CompletionVoid,
            ("200000", _) => TxnKind::Void,
            ("000000", _) => TxnKind::Sale,
            _ => TxnKind::Unknown,
        },
        "0220" => match type_code(msg) {
            "24" => TxnKind::CompletionAdvice,
            _ => TxnKind::Refund,
        },
        "0100" => match type_code(msg) {
            "11" => TxnKind::PreAuthCancel,
            _ => TxnKind::PreAuth,
        },
        "0400" => TxnKind::Reversal,
        "0500" => TxnKind::Settlement,
        "0320" => match network_code(msg) {
            "202" | "207" => TxnKind::BatchEnd,
            _ => TxnKind::BatchUpload,
        },
        "0620" => TxnKind::ScriptResult,
        _ => TxnKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(mti: &str, f3: Option<&str>, f60: &str) -> Message {
        let mut m = Message::new(mti).with(60, f60);
        if let Some(f3) = f3 {
            m = m.with(3, f3);
        }
        m
    }

    #[test]
    fn the_message_table_of_pos_8583() {
        let qr = QrCodes::default();
        let cases = [
            (msg("0800", None, "00000001003"), TxnKind::SignOn),
            (msg("0800", None, "00000001360"), TxnKind::Download),
            (msg("0820", None, "00000001002"), TxnKind::SignOff),
            (msg("0820", None, "00000001301"), TxnKind::EchoTest),
            (msg("0200", Some("310000"), "01000001"), TxnKind::BalanceInquiry),
            (msg("0200", Some("000000"), "22000001"), TxnKind::Sale),
            (msg("0200", Some("200000"), "23000001"), TxnKind::Void),
            (msg("0220", Some("200000"), "25000001"), TxnKind::Refund),
            (msg("0100", Some("030000"), "10000001"), TxnKind::PreAuth),
            (msg("0100", Some("200000"), "11000001"), TxnKind::PreAuthCancel),
            (msg("0200", Some("000000"), "20000001"), TxnKind::Completion),
            (msg("0220", Some("000000"), "24000001"), TxnKind::CompletionAdvice),
            (msg("0200", Some("200000"), "21000001"), TxnKind::CompletionVoid),
            (msg("0400", Some("000000"), "22000001"), TxnKind::Reversal),
            (msg("0500", None, "00000001201"), TxnKind::Settlement),
            (msg("0320", None, "00000001201"), TxnKind::BatchUpload),
            (msg("0320", None, "00000001207"), TxnKind::BatchEnd),
            (msg("0620", None, "00000001951"), TxnKind::ScriptResult),
            (msg("0200", Some("700000"), "22000001"), TxnKind::QrPay),
            (msg("0200", Some("730000"), "22000001"), TxnKind::QrQuery),
        ];
        for (m, kind) in cases {
            assert_eq!(classify(&m, &qr), kind, "{} {:?} {:?}", m.mti, m.text(3), m.text(60));
        }
    }

    #[test]
    fn names_round_trip() {
        for k in ALL {
            assert_eq!(TxnKind::from_name(k.name()), Some(k));
        }
    }
}
