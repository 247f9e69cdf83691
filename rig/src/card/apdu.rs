//! ISO 7816-4 command and response APDUs (short lengths, cases 1-4 of
//! ISO/IEC 7816-3, 12.1): a zero-copy view of a command as it came off the
//! wire, a response as data and a status word; each parses and emits.

use super::sw::Sw;

/// A command APDU: a view into the bytes it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: &'a [u8],
    pub le: Option<u8>,
}

impl<'a> Command<'a> {
    /// Cases 1-4, short lengths; None for a malformed APDU.
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

    /// The APDU's bytes (None when the data is longer than a short Lc).
    pub fn to_vec(&self) -> Option<Vec<u8>> {
        let mut out = vec![self.cla, self.ins, self.p1, self.p2];
        if !self.data.is_empty() {
            out.push(u8::try_from(self.data.len()).ok()?);
            out.extend_from_slice(self.data);
        }
        out.extend(self.le);
        Some(out)
    }
}

/// A response APDU: its data, then SW1 SW2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: Sw,
}

impl Response {
    pub fn ok(data: Vec<u8>) -> Response {
        Response { data, sw: Sw::OK }
    }

    /// A bare status word (no data).
    pub fn status(sw: Sw) -> Response {
        Response { data: Vec::new(), sw }
    }

    /// None when the bytes are too short to end in a status word.
    pub fn parse(raw: &[u8]) -> Option<Response> {
        let (data, sw) = raw.split_at_checked(raw.len().checked_sub(2)?)?;
        Some(Response {
            data: data.to_vec(),
            sw: Sw::from_bytes(sw[0], sw[1]),
        })
    }

    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.bytes());
        out
    }
}

impl From<Sw> for Response {
    fn from(sw: Sw) -> Response {
        Response::status(sw)
    }
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

    #[test]
    fn commands_emit_what_they_parsed() {
        for apdu in [
            "00B2010C",
            "00B2010C00",
            "00A404000E315041592E5359532E444446303100",
            "0082000002AABB",
            "80AE80001D0000000100000000000000000156000000000001562611240012345678",
        ] {
            let raw = hex::decode(apdu).unwrap();
            let parsed = Command::parse(&raw).unwrap();
            assert_eq!(parsed.to_vec().map(hex::encode_upper), Some(apdu.to_string()));
        }
    }

    #[test]
    fn responses_both_ways() {
        let r = Response::parse(&hex::decode("7001AA9000").unwrap()).unwrap();
        assert_eq!((r.data.as_slice(), r.sw), (&[0x70, 0x01, 0xAA][..], Sw::OK));
        assert_eq!(hex::encode_upper(r.to_vec()), "7001AA9000");
        assert_eq!(Response::status(Sw::FILE_NOT_FOUND).to_vec(), vec![0x6A, 0x82]);
        assert!(Response::parse(&[0x90]).is_none());
    }
}
