//! The mock host's TCP side: frames in, answers out, every message on the
//! timeline. One task per connection; bad input closes only its connection
//! (or gets a format-error answer), the others keep being served.

use super::faults::{Fault, TransportFault};
use super::handlers::HostState;
use super::issuer::Issuer;
use crate::config::dialect::Dialect;
use crate::events::{Kind, Source, Timeline};
use crate::iso8583::codec::{CodecError, Envelope, Message};
use crate::iso8583::fields::field;
use crate::iso8583::mti::Mti;
use crate::iso8583::txn::TxnKind;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The largest frame a terminal may send (the 2-byte length allows more).
pub const MAX_FRAME: usize = 4096;

pub struct MockHost {
    state: Mutex<HostState>,
    timeline: Timeline,
    listen: Mutex<Option<Listening>>,
}

struct Listening {
    addr: SocketAddr,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// A running host; dropping it stops the listener.
pub struct HostHandle {
    pub addr: SocketAddr,
    host: Arc<MockHost>,
}

impl Drop for HostHandle {
    fn drop(&mut self) {
        self.host.go_down();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
    #[error("terminal master key: {0}")]
    Key(#[from] crate::iso8583::crypto::CryptoError),
}

impl MockHost {
    pub fn new(
        dialect: Dialect,
        tmk: [u8; 16],
        issuer: Issuer,
        timeline: Timeline,
    ) -> Result<Arc<MockHost>, HostError> {
        Ok(Arc::new(MockHost {
            state: Mutex::new(HostState::new(dialect, &tmk, issuer)?),
            timeline,
            listen: Mutex::new(None),
        }))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, HostState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
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
        let task = self.accept_loop(listener);
        *self.listen.lock().unwrap_or_else(|p| p.into_inner()) = Some(Listening { addr, task: Some(task) });
        Ok(HostHandle {
            addr,
            host: self.clone(),
        })
    }

    fn accept_loop(self: &Arc<Self>, listener: TcpListener) -> tokio::task::JoinHandle<()> {
        let host = self.clone();
        tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let host = host.clone();
                connections.spawn(async move { host.serve(stream).await });
            }
        })
    }

    /// Stops listening and drops every connection: terminals get "connection refused".
    /// The accept task's handle is kept: its listener is closed only once
    /// the runtime has dropped the task, which `come_up` waits for.
    pub fn go_down(&self) {
        if let Some(task) = self
            .listen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .and_then(|l| l.task.as_ref())
        {
            task.abort();
        }
    }

    /// Listens again on the same address. The old listener must be closed
    /// first: `abort` only asks the runtime to drop the accept task, and a
    /// busy runtime (many scenarios at once) may not have done so yet, when
    /// binding the address again would fail with "address already in use".
    pub async fn come_up(self: &Arc<Self>) -> Result<(), HostError> {
        let (addr, old) = {
            let mut listen = self.listen.lock().unwrap_or_else(|p| p.into_inner());
            let Some(l) = listen.as_mut() else { return Ok(()) };
            (l.addr, l.task.take())
        };
        if let Some(old) = old {
            old.abort();
            // Resolves once the task (and with it the listener) is dropped;
            // its result is "cancelled", which is what was asked for.
            let _ = old.await;
        }
        let listener = TcpListener::bind(addr).await.map_err(|source| HostError::Listen {
            addr: addr.to_string(),
            source,
        })?;
        let task = self.accept_loop(listener);
        if let Some(l) = self.listen.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            l.task = Some(task);
        }
        Ok(())
    }

    pub fn script(&self, fault: Fault) {
        self.state().faults.add(fault);
    }

    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    /// The next payment-code sale stays "customer paying" for this many queries.
    pub fn qr_pending_for(&self, polls: u32) {
        self.state().next_qr_pending_polls = polls;
    }

    /// The next approved chip answer carries this issuer script command, in that template.
    pub fn issuer_script(&self, template: crate::emv::ScriptTemplate, apdu: Vec<u8>, mac: crate::emv::ScriptMac) {
        self.state().issuer_scripts.push((template, apdu, mac));
    }

    pub fn customer_pays_order(&self) -> bool {
        self.state().customer_pays_order()
    }

    /// What the host has authorised so far: its ledger's records, in order.
    pub fn ledger(&self) -> Vec<super::ledger::Record> {
        self.state().ledger.records().to_vec()
    }

    pub fn balance_fen(&self, pan: &str) -> Option<u64> {
        self.state().issuer.balance_fen(pan)
    }

    fn error(&self, error: String) {
        self.timeline
            .publish(Source::Host, Kind::HostError { error, raw: None });
    }

    async fn serve(&self, mut stream: TcpStream) {
        let timeouts = self.state().dialect.timeouts.clone();
        loop {
            let mut len = [0u8; 2];
            match tokio::time::timeout(Duration::from_millis(timeouts.idle_ms), stream.read_exact(&mut len)).await {
                Ok(Ok(_)) => {}
                _ => return,
            }
            let len = usize::from(u16::from_be_bytes(len));
            if len == 0 || len > MAX_FRAME {
                self.error(format!("frame length {len} outside 1..={MAX_FRAME}: connection closed"));
                return;
            }
            let mut frame = vec![0u8; len];
            match tokio::time::timeout(Duration::from_millis(timeouts.frame_ms), stream.read_exact(&mut frame)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return self.error(format!("truncated frame ({len} bytes announced): {e}")),
                Err(_) => {
                    return self.error(format!(
                        "frame of {len} bytes not complete within {} ms",
                        timeouts.frame_ms
                    ));
                }
            }
            match self.handle_frame(&frame) {
                Ok((reply, transport)) => {
                    if !self.deliver(&mut stream, reply, transport).await {
                        return;
                    }
                }
                Err(e) => {
                    // The bytes as they came, for the packer's developer; sinks mask them.
                    self.timeline.publish(
                        Source::Host,
                        Kind::HostError {
                            error: format!("undecodable request ({e})"),
                            raw: Some(hex::encode_upper(framed(&frame))),
                        },
                    );
                    if let Some(reply) = format_error(&frame) {
                        let _ = stream.write_all(&reply).await;
                    }
                    return;
                }
            }
        }
    }

    /// Sends an answer as the transport faults say, and journals it as it
    /// crossed the wire: `HostSent` once its last byte is written (so a
    /// delayed answer is stamped when it left), `HostWithheld` when a fault
    /// kept it (or part of it) off the wire. Returns false when the
    /// connection is done.
    async fn deliver(&self, stream: &mut TcpStream, reply: Option<Answer>, transport: Vec<TransportFault>) -> bool {
        for action in &transport {
            if let TransportFault::Delay(d) = action {
                tokio::time::sleep(*d).await;
            }
        }
        let Some(reply) = reply else {
            self.error("the host decided no answer to the request".into());
            return !transport.contains(&TransportFault::DropAfterRequest);
        };
        if transport.contains(&TransportFault::NoAnswer) {
            self.withheld(reply, "the host left the request unanswered", 0);
            return true;
        }
        if transport.contains(&TransportFault::DropAfterRequest) {
            self.withheld(reply, "the host dropped the connection after the request", 0);
            return false;
        }
        if transport.contains(&TransportFault::DropMidResponse) {
            let half = reply.frame.len() / 2;
            let sent = match stream.write_all(&reply.frame[..half]).await {
                Ok(()) => half,
                Err(_) => 0,
            };
            self.withheld(
                reply,
                "the host dropped the connection halfway through its answer",
                sent,
            );
            return false;
        }
        // The answer is journaled in the same moment its bytes go to the
        // kernel (a non-blocking write under the timeline's lock), so
        // nothing the terminal does about it can be stamped before it.
        let sent = Kind::HostSent {
            mti: reply.mti.clone(),
            txn: reply.txn,
            fields: reply.fields.clone(),
            raw: hex::encode_upper(&reply.frame),
            masked: Vec::new(),
        };
        let mut written = 0;
        let at_once = self
            .timeline
            .publish_if(Source::Host, || match stream.try_write(&reply.frame) {
                Ok(n) if n == reply.frame.len() => Ok(sent.clone()),
                Ok(n) => {
                    written = n;
                    Err(None)
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Err(None),
                Err(e) => Err(Some(e)),
            });
        let failed = match at_once {
            Ok(()) => return true,
            // The kernel took part of it (or none yet): the rest is written
            // as the socket allows, and journaled once all of it went.
            Err(None) => match stream.write_all(&reply.frame[written..]).await {
                Ok(()) => {
                    self.timeline.publish(Source::Host, sent);
                    return true;
                }
                Err(e) => e,
            },
            Err(Some(e)) => e,
        };
        let why = format!("the terminal's connection failed while the host wrote its answer ({failed})");
        self.withheld(reply, &why, written);
        false
    }

    fn withheld(&self, reply: Answer, why: &str, sent: usize) {
        self.timeline.publish(
            Source::Host,
            Kind::HostWithheld {
                mti: reply.mti,
                txn: reply.txn,
                fields: reply.fields,
                raw: hex::encode_upper(&reply.frame),
                masked: Vec::new(),
                why: why.to_string(),
                sent,
            },
        );
    }

    fn handle_frame(&self, frame: &[u8]) -> Result<(Option<Answer>, Vec<TransportFault>), CodecError> {
        let (envelope, body) = Envelope::split(frame)?;
        let mut state = self.state();
        let processed = state.process(body)?;
        let request = &processed.request;
        self.timeline.publish(
            Source::Host,
            Kind::HostReceived {
                mti: request.mti.clone(),
                txn: processed.kind,
                fields: request.field_list(),
                raw: hex::encode_upper(framed(frame)),
                masked: Vec::new(),
            },
        );
        let mut reply_envelope = envelope.reply();
        if let Some(header) = state.dialect.answer_header.as_deref().and_then(|h| hex::decode(h).ok()) {
            reply_envelope.header = header;
        }
        drop(state);
        // The answer is journaled by `deliver`, when (and if) it crosses the wire.
        let reply = processed.answer.map(|(answer, bytes)| Answer {
            mti: answer.mti.clone(),
            txn: processed.kind,
            fields: answer.field_list(),
            frame: reply_envelope.frame(&bytes),
        });
        Ok((reply, processed.transport))
    }
}

/// An answer the host decided on, framed, not yet on the wire.
struct Answer {
    mti: String,
    txn: TxnKind,
    fields: Vec<(u8, String)>,
    frame: Vec<u8>,
}

/// The frame as it crossed the wire: its 2-byte length, then TPDU, header and message.
fn framed(frame: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(frame.len() + 2);
    out.extend_from_slice(&(frame.len() as u16).to_be_bytes());
    out.extend_from_slice(frame);
    out
}

/// A format-error answer (39 = 30) when at least the envelope and MTI are readable.
fn format_error(frame: &[u8]) -> Option<Vec<u8>> {
    let (envelope, body) = Envelope::split(frame).ok()?;
    let mti = Mti::from_bcd([*body.first()?, *body.get(1)?])?;
    let answer = Message::new(&mti.answer().to_string()).with(field::RESPONSE_CODE, "30");
    Some(envelope.reply().frame(&answer.pack().ok()?))
}
