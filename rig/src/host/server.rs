//! The mock host's TCP side: frames in, decisions out, every message on the
//! timeline. One task per connection; a bad frame closes only its connection.

use super::codec::{CodecError, Envelope, Message, Value};
use super::crypto::{self, DesKey};
use super::issuer::{Authorisation, Issuer};
use crate::config::dialect::{Dialect, MacAlgorithm};
use crate::events::{Kind, Source, Timeline};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Working keys the host gave one terminal at sign-on.
#[derive(Clone)]
struct WorkingKeys {
    pin: DesKey,
    mac: Vec<u8>,
}

pub struct MockHost {
    dialect: Dialect,
    tmk: [u8; 16],
    issuer: Mutex<Issuer>,
    keys: Mutex<BTreeMap<String, WorkingKeys>>,
    timeline: Timeline,
    rrn_counter: Mutex<u32>,
}

/// A running host; dropping it stops the listener.
pub struct HostHandle {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HostHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
}

fn fields_of(msg: &Message) -> Vec<(u8, String)> {
    msg.fields.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

impl MockHost {
    pub fn new(dialect: Dialect, tmk: [u8; 16], issuer: Issuer, timeline: Timeline) -> Arc<MockHost> {
        Arc::new(MockHost {
            dialect,
            tmk,
            issuer: Mutex::new(issuer),
            keys: Mutex::new(BTreeMap::new()),
            timeline,
            rrn_counter: Mutex::new(0),
        })
    }

    pub async fn start(self: &Arc<Self>, listen: &str) -> Result<HostHandle, HostError> {
        let listener = TcpListener::bind(listen).await.map_err(|source| HostError::Listen {
            addr: listen.into(),
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| HostError::Listen {
            addr: listen.into(),
            source,
        })?;
        let host = self.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let host = host.clone();
                tokio::spawn(async move { host.serve(stream).await });
            }
        });
        Ok(HostHandle { addr, task })
    }

    async fn serve(&self, mut stream: TcpStream) {
        loop {
            let mut len = [0u8; 2];
            if stream.read_exact(&mut len).await.is_err() {
                return;
            }
            let mut frame = vec![0u8; usize::from(u16::from_be_bytes(len))];
            if let Err(e) = stream.read_exact(&mut frame).await {
                self.error(format!("truncated frame: {e}"));
                return;
            }
            let reply = match self.handle_frame(&frame) {
                Ok(reply) => reply,
                Err(e) => {
                    self.error(format!("undecodable request ({e}): {}", hex::encode_upper(&frame)));
                    return;
                }
            };
            if stream.write_all(&reply).await.is_err() {
                return;
            }
        }
    }

    fn error(&self, error: String) {
        self.timeline.publish(Source::Host, Kind::HostError { error });
    }

    fn handle_frame(&self, frame: &[u8]) -> Result<Vec<u8>, CodecError> {
        let (envelope, body) = Envelope::split(frame)?;
        let request = Message::unpack(body)?;
        self.timeline.publish(
            Source::Host,
            Kind::HostReceived {
                mti: request.mti.clone(),
                fields: fields_of(&request),
                raw: hex::encode_upper(body),
            },
        );
        let terminal = request.text(41).unwrap_or_default().trim().to_string();
        let keys = self
            .keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&terminal)
            .cloned();
        let mut response = match request.mti.as_str() {
            "0800" => self.sign_on(&request, &terminal),
            "0200" => self.financial(&request, body, keys.as_ref()),
            _ => self.answer(&request, "40"),
        };
        let keys = self
            .keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&terminal)
            .cloned();
        let body = self.pack_with_mac(&mut response, keys.as_ref())?;
        self.timeline.publish(
            Source::Host,
            Kind::HostSent {
                mti: response.mti.clone(),
                fields: fields_of(&response),
                raw: hex::encode_upper(&body),
            },
        );
        Ok(envelope.reply().frame(&body))
    }

    fn mac(&self, key: &[u8], data: &[u8]) -> Option<[u8; 8]> {
        match self.dialect.mac {
            MacAlgorithm::UnionpayEcb => DesKey::new(key).ok().map(|k| crypto::unionpay_ecb_mac(&k, data)),
            MacAlgorithm::AnsiX919 => crypto::x919_mac(key, data).ok(),
        }
    }

    /// Packs a response; responses to MAC'd requests carry a MAC of their own.
    fn pack_with_mac(&self, response: &mut Message, keys: Option<&WorkingKeys>) -> Result<Vec<u8>, CodecError> {
        let (Some(keys), true) = (keys, response.fields.contains_key(&64)) else {
            return response.pack();
        };
        response.fields.insert(64, Value::Bytes(vec![0; 8]));
        let mut body = response.pack()?;
        let n = body.len() - 8;
        if let Some(mac) = self.mac(&keys.mac, &body[..n]) {
            body[n..].copy_from_slice(&mac);
            response.fields.insert(64, Value::Bytes(mac.to_vec()));
        }
        Ok(body)
    }

    /// The answer skeleton: MTI + 10 and the fields a terminal checks are echoed.
    fn answer(&self, request: &Message, code: &str) -> Message {
        let mti = format!("{:04}", request.mti.parse::<u16>().unwrap_or(0) + 10);
        let mut response = Message::new(&mti);
        for f in [3, 4, 11, 25, 41, 42, 49, 60] {
            if let Some(v) = request.fields.get(&f) {
                response.fields.insert(f, v.clone());
            }
        }
        let now = chrono::Local::now();
        response = response
            .with(12, now.format("%H%M%S").to_string())
            .with(13, now.format("%m%d").to_string())
            .with(32, self.dialect.acquirer_id.clone())
            .with(37, self.next_rrn(&now))
            .with(39, code);
        if request.fields.contains_key(&64) {
            response = response.with_bytes(64, vec![0; 8]);
        }
        response
    }

    fn next_rrn(&self, now: &chrono::DateTime<chrono::Local>) -> String {
        let mut counter = self.rrn_counter.lock().unwrap_or_else(|p| p.into_inner());
        *counter = (*counter + 1) % 1_000_000;
        format!("{}{:06}", now.format("%H%M%S"), *counter)
    }

    fn sign_on(&self, request: &Message, terminal: &str) -> Message {
        let pin_key: [u8; 16] = rand::random();
        let mac_key: [u8; 8] = rand::random();
        let Ok(layout) = self.key_block(&pin_key, &mac_key) else {
            return self.answer(request, "96");
        };
        let (Ok(pin), Ok(_)) = (DesKey::new(&pin_key), DesKey::new(&mac_key)) else {
            return self.answer(request, "96");
        };
        self.keys.lock().unwrap_or_else(|p| p.into_inner()).insert(
            terminal.to_string(),
            WorkingKeys {
                pin,
                mac: mac_key.to_vec(),
            },
        );
        self.answer(request, "00").with_bytes(62, layout)
    }

    /// Field 62 of layout 003: PIN key + KCV, MAC key + 8 zero bytes + KCV, all under the TMK.
    fn key_block(&self, pin_key: &[u8; 16], mac_key: &[u8; 8]) -> Result<Vec<u8>, crypto::CryptoError> {
        let tmk = DesKey::new(&self.tmk)?;
        let mut out = tmk.encrypt_ecb(pin_key)?;
        out.extend(crypto::check_value(pin_key)?);
        out.extend(tmk.encrypt_ecb(mac_key)?);
        out.extend([0u8; 8]);
        out.extend(crypto::check_value(mac_key)?);
        Ok(out)
    }

    fn financial(&self, request: &Message, body: &[u8], keys: Option<&WorkingKeys>) -> Message {
        let Some(keys) = keys else {
            // Never signed on: the terminal has no MAC key we know of.
            return self.answer(request, "A0");
        };
        let mac_ok = body.len() > 8
            && request.bytes(64).is_some()
            && self
                .mac(&keys.mac, &body[..body.len() - 8])
                .is_some_and(|m| m[..] == body[body.len() - 8..]);
        if !mac_ok {
            return self.answer(request, "A0");
        }
        if request.text(3) != Some("000000") {
            return self.answer(request, "40");
        }
        let pan = request
            .text(2)
            .map(str::to_string)
            .or_else(|| {
                request
                    .text(35)
                    .and_then(|t| t.split_once('='))
                    .map(|(p, _)| p.to_string())
            })
            .unwrap_or_default();
        let amount_fen = request.text(4).and_then(|a| a.parse().ok()).unwrap_or(0);
        let pin = match request.bytes(52).map(|b| crypto::recover_pin(&keys.pin, b, &pan)) {
            Some(Ok(pin)) => Some(pin),
            Some(Err(_)) => return self.answer(request, "99"),
            None => None,
        };
        let decision = self
            .issuer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .authorise(&Authorisation {
                pan: &pan,
                amount_fen,
                pin: pin.as_deref(),
            });
        let code = decision.response_code();
        let mut response = self.answer(request, code).with(63, self.dialect.card_brand.clone());
        response = response.with(
            44,
            format!("{:<11}{:<11}", self.dialect.issuer_id, self.dialect.acquirer_id),
        );
        if let Some(exp) = request.text(14) {
            response = response.with(14, exp);
        }
        if code == "00" {
            response = response.with(38, format!("{:06}", rand::random::<u32>() % 1_000_000));
        }
        response
    }
}
