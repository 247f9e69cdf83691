//! PC/SC NFC front end in card-emulation mode: an ACR122U-class reader
//! (NXP PN532 inside) made to act as a contactless card, so a real terminal
//! can tap it. The PN532 is driven through the reader's escape channel
//! (SCardControl with the ACR122U "direct transmit" pseudo-APDU FF 00 00 00).
//!
//! The protocol logic is here and pure; `pcsc_reader` supplies the channel.

use super::DeviceError;
use super::card_link::SmartCard;
use crate::events::{Kind, Source, Timeline};

/// SCardControl code of the CCID escape command (SCARD_CTL_CODE(3500) on Linux).
pub const IOCTL_CCID_ESCAPE: u32 = 0x4200_0000 + 3500;

/// Sends one escape command and returns the reader's answer.
pub trait EscapeChannel {
    fn control(&mut self, command: &[u8]) -> Result<Vec<u8>, DeviceError>;
}

fn err(message: impl Into<String>) -> DeviceError {
    DeviceError::Reader {
        reader: "NFC front end".into(),
        message: message.into(),
    }
}

/// Wraps a PN532 command (D4 ...) in the ACR122U direct-transmit pseudo-APDU.
pub fn direct_transmit(pn532: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, 0x00, 0x00, 0x00, pn532.len() as u8];
    out.extend_from_slice(pn532);
    out
}

/// TgInitAsTarget (PN532 user manual 7.3.14) as an ISO/IEC 14443-4 PICC:
/// mode 05 (PICC only, passive only), SENS_RES 0400, NFCID1 with the
/// given 3 bytes, SEL_RES 20 (ISO 14443-4 compliant), no FeliCa, no NFCID3.
pub fn init_as_target(nfcid1: [u8; 3]) -> Vec<u8> {
    let mut cmd = vec![0xD4, 0x8C, 0x05, 0x04, 0x00];
    cmd.extend_from_slice(&nfcid1);
    cmd.push(0x20);
    cmd.extend_from_slice(&[0u8; 18]);
    cmd.extend_from_slice(&[0u8; 10]);
    cmd.extend_from_slice(&[0x00, 0x00]);
    cmd
}

/// Strips the PN532 answer frame: checks the response code and the trailing 90 00.
fn answer(resp: &[u8], code: u8) -> Result<&[u8], DeviceError> {
    let body = resp
        .strip_suffix(&[0x90, 0x00])
        .ok_or_else(|| err(format!("no 90 00 after {}", hex::encode_upper(resp))))?;
    match body {
        [0xD5, c, rest @ ..] if *c == code => Ok(rest),
        _ => Err(err(format!("expected D5 {code:02X}, got {}", hex::encode_upper(body)))),
    }
}

/// Serves `card` to the terminal that taps the front end, until the terminal
/// releases it. Returns how many APDUs were exchanged.
pub fn emulate(
    channel: &mut dyn EscapeChannel,
    card: &mut dyn SmartCard,
    timeline: &Timeline,
) -> Result<usize, DeviceError> {
    let resp = channel.control(&direct_transmit(&init_as_target([0x12, 0x34, 0x56])))?;
    answer(&resp, 0x8D)?;
    timeline.publish(
        Source::CardLink,
        Kind::CardInserted {
            atr: hex::encode_upper(card.atr()),
        },
    );
    let mut exchanged = 0;
    loop {
        let resp = channel.control(&direct_transmit(&[0xD4, 0x86]))?;
        let got = answer(&resp, 0x87)?;
        let (&status, command) = got.split_first().ok_or_else(|| err("TgGetData without a status"))?;
        match status {
            0x00 => {}
            // 29: the initiator released the target (the terminal is done); 25 / 01: field gone.
            0x29 | 0x25 | 0x01 => break,
            other => return Err(err(format!("TgGetData status {other:02X}"))),
        }
        let response = card.transmit(command);
        timeline.publish(
            Source::CardLink,
            Kind::Apdu {
                command: hex::encode_upper(command),
                response: hex::encode_upper(&response),
            },
        );
        let mut set = vec![0xD4, 0x8E];
        set.extend_from_slice(&response);
        let resp = channel.control(&direct_transmit(&set))?;
        let status = answer(&resp, 0x8F)?;
        if status.first() != Some(&0x00) {
            return Err(err(format!("TgSetData status {}", hex::encode_upper(status))));
        }
        exchanged += 1;
    }
    timeline.publish(Source::CardLink, Kind::CardRemoved);
    Ok(exchanged)
}
