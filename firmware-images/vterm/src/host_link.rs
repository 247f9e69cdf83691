//! Link to the acquirer: one TCP connection per exchange, framed as
//! 2-byte length + TPDU + header + message, with the MAC in field 64.

use crate::crypto;
use crate::message::{self, Message};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// Nothing was sent: the request cannot have reached the host.
    #[error("host unreachable: {0}")]
    Unreachable(std::io::Error),
    /// The request may have reached the host, but no whole answer came back.
    #[error("no response from host: {0}")]
    NoAnswer(std::io::Error),
    #[error("bad response: {0}")]
    Format(#[from] message::Error),
    #[error("response too short")]
    Short,
}

pub struct HostLink {
    pub address: String,
    pub tpdu: Vec<u8>,
    pub header: Vec<u8>,
    pub timeout: Duration,
}

impl HostLink {
    /// Packs `msg`; with a MAC key, field 64 is computed over MTI..field 63.
    pub fn pack(&self, msg: &mut Message, mac_key: Option<&[u8; 8]>) -> Result<Vec<u8>, message::Error> {
        if let Some(key) = mac_key {
            msg.set_bytes(64, vec![0; 8]);
            let mut body = msg.pack()?;
            let n = body.len() - 8;
            let mac = crypto::unionpay_ecb_mac(key, &body[..n]);
            body[n..].copy_from_slice(&mac);
            msg.set_bytes(64, mac.to_vec());
            return Ok(body);
        }
        msg.pack()
    }

    /// Sends a request and returns (raw body of the response, decoded response).
    pub fn exchange(&self, body: &[u8]) -> Result<(Vec<u8>, Message), LinkError> {
        let addr = self
            .address
            .parse()
            .map_err(|e| LinkError::Unreachable(std::io::Error::other(e)))?;
        let mut stream = TcpStream::connect_timeout(&addr, self.timeout).map_err(LinkError::Unreachable)?;
        let _ = stream.set_read_timeout(Some(self.timeout));
        let mut frame = Vec::with_capacity(body.len() + 13);
        let len = (self.tpdu.len() + self.header.len() + body.len()) as u16;
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(&self.tpdu);
        frame.extend_from_slice(&self.header);
        frame.extend_from_slice(body);
        stream.write_all(&frame).map_err(LinkError::NoAnswer)?;
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).map_err(LinkError::NoAnswer)?;
        let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
        stream.read_exact(&mut buf).map_err(LinkError::NoAnswer)?;
        let skip = self.tpdu.len() + self.header.len();
        let body = buf.get(skip..).ok_or(LinkError::Short)?.to_vec();
        let msg = Message::unpack(&body)?;
        Ok((body, msg))
    }
}

/// Checks the MAC of a response body whose last 8 bytes are field 64.
pub fn mac_valid(key: &[u8; 8], body: &[u8]) -> bool {
    body.len() > 8 && crypto::unionpay_ecb_mac(key, &body[..body.len() - 8]) == body[body.len() - 8..]
}
