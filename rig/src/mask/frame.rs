//! Host frames masked in place: the whole frame (2-byte length, TPDU,
//! header, MTI, bitmap, fields) keeps every byte but those of the
//! sensitive fields, and those keep their length and encoding (BCD digits
//! 0, binary zeros, ASCII '*'), so any ISO 8583 decoder set up for the
//! dialect still decodes it, field for field.

use super::kind::{DataKind, ascii_in_place, mask_chars, nibbles_in_place};
use super::tlv;
use crate::iso8583::codec::{self, Encoding, Message};
use crate::iso8583::txn::TxnKind;
use serde::Serialize;

/// Bytes before the message: length (2), TPDU (5), header (6).
pub const ENVELOPE: usize = 13;

/// How one field of a host message is masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldMask {
    Data(DataKind),
    /// Field 55: BER-TLV, masked object by object (see `tlv`).
    ChipData,
}

/// Which fields of which messages carry sensitive data, for one dialect.
#[derive(Debug, Clone)]
pub struct HostFields {
    /// The field of the customer's payment code in a payment-code sale.
    pub code_field: u8,
    /// The field of the order code in a dynamic-code order's answer.
    pub order_field: u8,
}

impl Default for HostFields {
    /// pos-8583.md and qr.md's defaults.
    fn default() -> Self {
        HostFields {
            code_field: codec::field::ADDITIONAL_DATA,
            order_field: codec::field::RESERVED_63,
        }
    }
}

impl HostFields {
    pub fn of(dialect: &crate::config::dialect::Dialect) -> HostFields {
        HostFields {
            code_field: dialect.qr.code_field,
            order_field: dialect.qr.order_field,
        }
    }

    /// How field `no` of a message the host took for `txn` is masked.
    pub fn mask_of(&self, txn: TxnKind, no: u8) -> Option<FieldMask> {
        use DataKind::*;
        use codec::field;
        Some(match no {
            field::PAN => FieldMask::Data(Pan),
            field::TRACK2 | field::TRACK3 => FieldMask::Data(Track),
            field::PIN_BLOCK => FieldMask::Data(PinBlock),
            field::CHIP_DATA => FieldMask::ChipData,
            // Working keys under the TMK; downloads' field 62 is public data.
            field::KEYS if txn == TxnKind::SignOn => FieldMask::Data(Key),
            n if n == self.code_field && txn == TxnKind::QrPay => FieldMask::Data(PaymentCode),
            n if n == self.order_field && txn == TxnKind::QrCreateOrder => FieldMask::Data(OrderCode),
            _ => return None,
        })
    }
}

/// A frame after masking: its bytes, decoded fields and what was masked.
pub struct MaskedFrame {
    pub raw: Vec<u8>,
    pub fields: Vec<(u8, String)>,
    pub masked: Vec<(u8, FieldMask)>,
}

/// Masks `frame` (length prefix included) in place; `None` when it does
/// not decode (then none of it can be shown masked).
pub fn mask(fields: &HostFields, txn: TxnKind, frame: &[u8]) -> Option<MaskedFrame> {
    let body = frame.get(ENVELOPE..)?;
    let (clear, spans) = Message::unpack_with_spans(body).ok()?;
    let mut raw = frame.to_vec();
    let mut masked = Vec::new();
    for span in spans {
        let Some(how) = fields.mask_of(txn, span.field) else {
            continue;
        };
        let spec = codec::spec(span.field)?;
        let value = &mut raw[ENVELOPE + span.bytes.start..ENVELOPE + span.bytes.end];
        match how {
            FieldMask::ChipData => {
                if !tlv::mask_in_place(value) {
                    value.fill(0);
                }
            }
            FieldMask::Data(kind) => {
                let digits = clear.text(span.field).map_or(0, str::len);
                let fixed = matches!(spec.length, codec::Length::Fixed(_));
                mask_value(kind, spec.encoding, value, digits, fixed);
            }
        }
        masked.push((span.field, how));
    }
    // Decoded again from the masked bytes: the fields are exactly what a decoder reads.
    let message = Message::unpack(&raw[ENVELOPE..]).ok()?;
    Some(MaskedFrame {
        raw,
        fields: message.field_list(),
        masked,
    })
}

/// Masks one value of `digits` characters; BCD values of odd length carry a
/// pad nibble, first in fixed fields and last in variable ones.
fn mask_value(kind: DataKind, encoding: Encoding, value: &mut [u8], digits: usize, fixed: bool) {
    match encoding {
        // Nibble by nibble: the pad nibble and the separator D stay.
        Encoding::Bcd | Encoding::Track => nibbles_in_place(value, |nibbles| {
            let body = digits.min(nibbles.len());
            let (before, body, after) = if fixed {
                let pad = nibbles.len() - body;
                (&nibbles[..pad], &nibbles[pad..], "")
            } else {
                ("", &nibbles[..body], &nibbles[body..])
            };
            format!("{before}{}{after}", mask_chars(kind, body, '0'))
        }),
        Encoding::Ascii => ascii_in_place(kind, value),
        Encoding::Binary => value.fill(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sale packed by pyiso8583 (codec tests' vector), in its frame.
    const SALE_0200: &str = "0200702404C020C09811166222021234567890000000000000010000000123291200210012346222021234567890D2912101123456789031303030303030313839383331303034383939303030313135361FD5DAE1829B30B316000000000000000008220000014332334545354637";

    fn framed(body: &str) -> Vec<u8> {
        let body = hex::decode(format!("6000030000603100000000{body}")).unwrap();
        let mut frame = (body.len() as u16).to_be_bytes().to_vec();
        frame.extend(body);
        frame
    }

    #[test]
    fn a_sale_keeps_every_byte_but_the_card_data() {
        let frame = framed(SALE_0200);
        let out = mask(&HostFields::default(), TxnKind::Sale, &frame).expect("decodes");
        assert_eq!(out.raw.len(), frame.len());
        let field = |no| out.fields.iter().find(|(n, _)| *n == no).map(|(_, v)| v.as_str());
        assert_eq!(field(2), Some("6222020000007890"));
        assert_eq!(field(35), Some("6222020000007890=00000000000000000"));
        assert_eq!(field(52), Some("0000000000000000"));
        // Everything else as it was.
        for no in [3, 4, 11, 14, 22, 25, 26, 41, 42, 49, 53, 60, 64] {
            let clear = Message::unpack(&hex::decode(SALE_0200).unwrap()).unwrap();
            assert_eq!(
                field(no),
                clear
                    .field_list()
                    .iter()
                    .find(|(n, _)| *n == no)
                    .map(|(_, v)| v.as_str())
            );
        }
        assert_eq!(&out.raw[..ENVELOPE], &frame[..ENVELOPE]);
        assert!(!hex::encode_upper(&out.raw).contains("1234567890"));
        assert_eq!(
            out.masked,
            vec![
                (2, FieldMask::Data(DataKind::Pan)),
                (35, FieldMask::Data(DataKind::Track)),
                (52, FieldMask::Data(DataKind::PinBlock))
            ]
        );
    }

    #[test]
    fn a_payment_code_is_masked_only_where_it_is_one() {
        let body = Message::new("0200")
            .with(3, "700000")
            .with(48, "134567890123456789")
            .pack()
            .unwrap();
        let frame = framed(&hex::encode_upper(body));
        let out = mask(&HostFields::default(), TxnKind::QrPay, &frame).unwrap();
        assert_eq!(out.fields[1], (48, "130000000000006789".to_string()));
        let out = mask(&HostFields::default(), TxnKind::Settlement, &frame).unwrap();
        assert_eq!(out.fields[1], (48, "134567890123456789".to_string()));
    }

    #[test]
    fn an_undecodable_frame_is_not_shown() {
        assert!(mask(&HostFields::default(), TxnKind::Sale, &framed("0200FFFF")).is_none());
    }
}
