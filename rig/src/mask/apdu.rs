//! APDUs masked in place (ISO 7816-4 framing kept): the TLV data of the
//! answers that carry card data, and the PIN of an offline VERIFY.

use super::tlv;

use crate::instructions;

/// Instructions whose answer data is BER-TLV (EMV Book 1 and 3).
fn answers_with_tlv(ins: u8) -> bool {
    instructions::of(ins).is_some_and(|i| i.answers_tlv)
}

/// Instructions whose command data is a PIN or a PIN block: VERIFY, and
/// issuer scripts' PIN CHANGE / UNBLOCK (proprietary class only: 0x24 is
/// CHANGE REFERENCE DATA in the interindustry class).
fn carries_pin(cla: u8, ins: u8) -> bool {
    instructions::of(ins).is_some_and(|i| i.carries_pin && (!i.script || cla & 0xF0 == 0x80))
}

/// The command with a PIN in its data hidden (zeros, same length).
pub fn command(bytes: &mut [u8]) {
    if bytes.len() > 5 && carries_pin(bytes[0], bytes[1]) {
        let lc = usize::from(bytes[4]);
        let end = (5 + lc).min(bytes.len());
        bytes[5..end].fill(0);
    }
}

/// The answer to `command` with its card data masked; the status word stays.
pub fn response(command: &[u8], bytes: &mut [u8]) {
    if bytes.len() <= 2 {
        return;
    }
    let data_len = bytes.len() - 2;
    let data = &mut bytes[..data_len];
    let tlv_expected = command.get(1).is_some_and(|&ins| answers_with_tlv(ins));
    // Data that should be TLV but is not cannot be searched: it goes whole.
    // Other answers (GET CHALLENGE, EXTERNAL AUTHENTICATE) carry no card data,
    // but are masked as TLV too when they parse as such.
    if !tlv::mask_in_place(data) && tlv_expected {
        data.fill(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_record_answer_keeps_its_status_word() {
        let cmd = hex::decode("00B2010C00").unwrap();
        let mut resp = hex::decode("700C5A0A6222021234567890128F9000").unwrap();
        response(&cmd, &mut resp);
        assert_eq!(hex::encode_upper(resp), "700C5A0A6222020000000000128F9000");
    }

    #[test]
    fn an_offline_pin_never_shows() {
        let mut verify = hex::decode("0020008008241234FFFFFFFFFF").unwrap();
        command(&mut verify);
        assert_eq!(hex::encode_upper(verify), "00200080080000000000000000");
    }

    #[test]
    fn a_broken_record_is_hidden_whole() {
        let cmd = hex::decode("00B2010C00").unwrap();
        let mut resp = hex::decode("705A0A62229000").unwrap();
        response(&cmd, &mut resp);
        assert_eq!(hex::encode_upper(resp), "00000000009000");
    }
}
