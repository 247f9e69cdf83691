//! ISO 7816-4 command and response APDUs.

/// A parsed command APDU (short length form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: &'a [u8],
    pub le: Option<u8>,
}

/// Status words the card models use.
pub mod sw {
    pub const OK: [u8; 2] = [0x90, 0x00];
    pub const WRONG_LENGTH: [u8; 2] = [0x67, 0x00];
    pub const SELECTED_FILE_INVALIDATED: [u8; 2] = [0x62, 0x83];
    pub const CONDITIONS_NOT_SATISFIED: [u8; 2] = [0x69, 0x85];
    pub const FUNCTION_NOT_SUPPORTED: [u8; 2] = [0x6A, 0x81];
    pub const FILE_NOT_FOUND: [u8; 2] = [0x6A, 0x82];
    pub const RECORD_NOT_FOUND: [u8; 2] = [0x6A, 0x83];
    pub const REFERENCED_DATA_NOT_FOUND: [u8; 2] = [0x6A, 0x88];
    pub const INS_NOT_SUPPORTED: [u8; 2] = [0x6D, 0x00];
    pub const CLA_NOT_SUPPORTED: [u8; 2] = [0x6E, 0x00];
    pub const AUTHENTICATION_FAILED: [u8; 2] = [0x63, 0x00];
}

impl<'a> Command<'a> {
    /// Cases 1-4 of ISO 7816-3, short lengths; None for a malformed APDU.
    pub fn parse(raw: &'a [u8]) -> Option<Command<'a>> {
        let (header, body) = raw.split_at_checked(4)?;
        let (cla, ins, p1, p2) = (header[0], header[1], header[2], header[3]);
        let (data, le): (&[u8], Option<u8>) = match body.len() {
            0 => (&[], None),
            1 => (&[], Some(body[0])),
            n => {
                let lc = usize::from(body[0]);
                if lc == 0 {
                    return None;
                }
                match n - 1 {
                    m if m == lc => (&body[1..], None),
                    m if m == lc + 1 => (&body[1..=lc], Some(body[lc + 1])),
                    _ => return None,
                }
            }
        };
        Some(Command {
            cla,
            ins,
            p1,
            p2,
            data,
            le,
        })
    }
}

/// Response data followed by a status word.
pub fn response(data: &[u8], sw: [u8; 2]) -> Vec<u8> {
    let mut out = data.to_vec();
    out.extend_from_slice(&sw);
    out
}

/// ISO 7816-4 / EMV command name by instruction byte (`instructions::TABLE`).
pub fn command_name(_cla: u8, ins: u8) -> &'static str {
    crate::instructions::name(ins)
}

/// The command name of a hex APDU as the trace writes it.
pub fn command_name_of(command_hex: &str) -> &'static str {
    let byte = |i: usize| {
        command_hex
            .get(i..i + 2)
            .and_then(|b| u8::from_str_radix(b, 16).ok())
            .unwrap_or(0)
    };
    command_name(byte(0), byte(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_cases() {
        assert_eq!(
            Command::parse(&[0, 0xB2, 1, 0x0C]).map(|c| (c.data.len(), c.le)),
            Some((0, None))
        );
        assert_eq!(Command::parse(&[0, 0xB2, 1, 0x0C, 0]).map(|c| c.le), Some(Some(0)));
        let select = hex::decode("00A404000E315041592E5359532E444446303100").unwrap();
        let c = Command::parse(&select).unwrap();
        assert_eq!((c.ins, c.data, c.le), (0xA4, &b"1PAY.SYS.DDF01"[..], Some(0)));
        assert_eq!(
            Command::parse(&[0, 0x82, 0, 0, 2, 1, 2]).map(|c| c.data.to_vec()),
            Some(vec![1, 2])
        );
        assert!(
            Command::parse(&[0, 0xA4, 4, 0, 5, 1]).is_none(),
            "Lc larger than the data"
        );
        assert!(Command::parse(&[0, 0xA4]).is_none());
    }
}
