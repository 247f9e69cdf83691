//! What the host answers: one function per transaction kind over the issuer
//! model and the ledger. Pure request -> answer; the TCP side is in server.rs.

use super::faults::{FaultPlan, TransportFault};
use super::issuer::{Authorisation, Issuer, Refusal};
use super::ledger::{Ledger, Record, State, Totals};
use super::txn::{self, TxnKind};
use crate::config::dialect::{Dialect, MacAlgorithm};
use crate::iso8583::codec::{CodecError, Message, Value};
use crate::iso8583::crypto::{self, BlockCipher};
use crate::iso8583::fields::field;
use crate::iso8583::keys::{KeyLayout, KeyMaterial, WorkingKeys};
use std::collections::BTreeMap;

mod financial;
mod network;
mod payment_code;
mod reversal;
mod settlement;

/// The host's whole state; one lock around it keeps every answer consistent.
pub struct HostState {
    pub dialect: Dialect,
    tmk: Box<dyn BlockCipher>,
    pub issuer: Issuer,
    pub ledger: Ledger,
    keys: BTreeMap<String, WorkingKeys>,
    pub faults: FaultPlan,
    rrn_counter: u32,
    /// The RRN of the request being processed: the answer and the ledger share it.
    current_rrn: String,
    /// Payment-code sales left pending: ledger index -> queries still to answer "pending".
    qr_pending: BTreeMap<usize, u32>,
    /// How many queries the next payment-code sale stays pending for.
    pub next_qr_pending_polls: u32,
    /// Issuer scripts for the next approved chip answer: the template
    /// (ScriptTemplate) and its command (an APDU), one script each.
    pub issuer_scripts: Vec<(crate::emv::ScriptTemplate, Vec<u8>, crate::emv::ScriptMac)>,
}

/// The outcome of one request.
pub struct Processed {
    pub kind: TxnKind,
    pub request: Message,
    /// The answer's bytes (MTI to MAC), ready to frame.
    pub answer: Option<(Message, Vec<u8>)>,
    /// Transport faults for the server to apply (delay, silence, drops).
    pub transport: Vec<TransportFault>,
}

fn fen(msg: &Message) -> u64 {
    msg.text(field::AMOUNT).and_then(|a| a.parse().ok()).unwrap_or(0)
}

fn terminal(msg: &Message) -> String {
    msg.text(field::TERMINAL_ID).unwrap_or_default().trim().to_string()
}

fn batch(msg: &Message) -> String {
    crate::iso8583::fields::batch_of(msg.text(field::RESERVED_60)).to_string()
}

fn pan_of(msg: &Message) -> String {
    msg.text(field::PAN)
        .map(str::to_string)
        .or_else(|| {
            msg.text(field::TRACK2)
                .and_then(|t| t.split_once('='))
                .map(|(p, _)| p.to_string())
        })
        .unwrap_or_default()
}

/// A decision of a handler: the response code and what to add to the answer.
struct Outcome {
    code: String,
    extra: Vec<(u8, Value)>,
}

impl Outcome {
    fn code(code: &str) -> Outcome {
        Outcome {
            code: code.into(),
            extra: Vec::new(),
        }
    }
    fn ok() -> Outcome {
        Outcome::code("00")
    }
    fn with(mut self, field: u8, value: Value) -> Outcome {
        self.extra.push((field, value));
        self
    }
}

impl From<Refusal> for Outcome {
    fn from(r: Refusal) -> Outcome {
        Outcome::code(r.response_code())
    }
}

impl HostState {
    pub fn new(dialect: Dialect, tmk: &[u8], issuer: Issuer) -> Result<HostState, crypto::CryptoError> {
        Ok(HostState {
            tmk: dialect.cipher.key(tmk)?,
            dialect,
            issuer,
            ledger: Ledger::default(),
            keys: BTreeMap::new(),
            faults: FaultPlan::default(),
            rrn_counter: 0,
            current_rrn: String::new(),
            qr_pending: BTreeMap::new(),
            next_qr_pending_polls: 0,
            issuer_scripts: Vec::new(),
        })
    }

    fn mac(&self, keys: &WorkingKeys, data: &[u8]) -> Option<[u8; 8]> {
        match self.dialect.mac {
            MacAlgorithm::UnionpayEcb => Some(crypto::unionpay_ecb_mac(keys.mac.as_ref(), data)),
            MacAlgorithm::AnsiX919 => {
                // X9.19 wants a double-length key; a single one is used twice.
                let key = if keys.mac_key.len() == 8 {
                    [&keys.mac_key[..], &keys.mac_key[..]].concat()
                } else {
                    keys.mac_key.clone()
                };
                crypto::x919_mac(&key, data).ok()
            }
        }
    }

    fn needs_mac(kind: TxnKind) -> bool {
        !matches!(
            kind,
            TxnKind::SignOn | TxnKind::SignOff | TxnKind::EchoTest | TxnKind::Download | TxnKind::Unknown
        )
    }

    /// Decodes, decides, applies scripted answer faults and packs the answer.
    pub fn process(&mut self, body: &[u8]) -> Result<Processed, CodecError> {
        let request = Message::unpack(body)?;
        let kind = txn::classify(&request, &self.dialect.qr);
        let faults = self.faults.take(kind);
        let tid = terminal(&request);
        let now = chrono::Local::now();
        self.rrn_counter = (self.rrn_counter + 1) % 1_000_000;
        self.current_rrn = format!("{}{:06}", now.format("%H%M%S"), self.rrn_counter);
        let mac_ok = !Self::needs_mac(kind)
            || match (request.bytes(field::MAC), self.keys.get(&tid)) {
                (Some(_), Some(keys)) => {
                    body.len() > 8
                        && self
                            .mac(keys, &body[..body.len() - 8])
                            .is_some_and(|m| m[..] == body[body.len() - 8..])
                }
                (None, _) => !Self::needs_mac(kind),
                (Some(_), None) => false,
            };
        let outcome = match (faults.scripted_code(), mac_ok) {
            (Some(code), _) => Outcome::code(code),
            (None, false) => Outcome::code("A0"),
            (None, true) => self.decide(kind, &request),
        };
        let mut answer = self.answer(&request, &outcome.code);
        for (f, v) in outcome.extra {
            answer.fields.insert(f, v);
        }
        if !Self::needs_mac(kind) {
            // Network management answers carry no MAC (a sign-on answer would
            // otherwise be MAC'd with keys the terminal does not have yet).
            answer.fields.remove(&field::MAC);
        }
        faults.edit_answer(&request, &mut answer);
        let mut packed = self.pack(&tid, &mut answer)?;
        faults.edit_packed(&mut packed);
        Ok(Processed {
            kind,
            request,
            answer: Some((answer, packed)),
            transport: faults.transport,
        })
    }

    /// Packs an answer; answers to MAC'd requests carry a MAC of their own.
    fn pack(&self, tid: &str, answer: &mut Message) -> Result<Vec<u8>, CodecError> {
        let Some(keys) = self.keys.get(tid).filter(|_| answer.fields.contains_key(&field::MAC)) else {
            answer.fields.remove(&field::MAC);
            return answer.pack();
        };
        answer.fields.insert(field::MAC, Value::Bytes(vec![0; 8]));
        let mut body = answer.pack()?;
        let n = body.len() - 8;
        if let Some(mac) = self.mac(keys, &body[..n]) {
            body[n..].copy_from_slice(&mac);
            answer.fields.insert(field::MAC, Value::Bytes(mac.to_vec()));
        }
        Ok(body)
    }

    /// The answer skeleton: MTI + 10, the fields a terminal checks echoed.
    fn answer(&mut self, request: &Message, code: &str) -> Message {
        let mti = request
            .mti_type()
            .map_or_else(|| request.mti.clone(), |m| m.answer().to_string());
        let mut answer = Message::new(&mti);
        for f in [
            field::PAN,
            field::PROCESSING_CODE,
            field::AMOUNT,
            field::STAN,
            field::EXPIRY,
            field::ENTRY_MODE,
            field::CARD_SEQUENCE,
            field::CONDITION_CODE,
            field::TERMINAL_ID,
            field::MERCHANT_ID,
            field::CURRENCY,
            field::RESERVED_60,
            field::ORIGINAL,
        ] {
            if let Some(v) = request.fields.get(&f) {
                answer.fields.insert(f, v.clone());
            }
        }
        let now = chrono::Local::now();
        answer = answer
            .with(field::LOCAL_TIME, now.format("%H%M%S").to_string())
            .with(field::LOCAL_DATE, now.format("%m%d").to_string())
            .with(field::ACQUIRER, self.dialect.acquirer_id.clone())
            .with(field::RRN, self.current_rrn.clone())
            .with(field::RESPONSE_CODE, code);
        if request.fields.contains_key(&field::MAC) {
            answer = answer.with_bytes(field::MAC, vec![0; 8]);
        }
        answer
    }

    fn decide(&mut self, kind: TxnKind, request: &Message) -> Outcome {
        match kind {
            TxnKind::SignOn => self.sign_on(request),
            TxnKind::SignOff | TxnKind::EchoTest | TxnKind::BatchUpload | TxnKind::BatchEnd => Outcome::ok(),
            TxnKind::ScriptResult => self.script_result(request),
            TxnKind::Download => self.download(request),
            TxnKind::BalanceInquiry => self.balance(request),
            TxnKind::Reversal => self.reversal(request),
            TxnKind::Settlement => self.settlement(request),
            TxnKind::QrQuery => self.qr_query(request),
            TxnKind::QrCancel => self.qr_cancel(request),
            TxnKind::QrCreateOrder => self.qr_create_order(request),
            TxnKind::Unknown => Outcome::code("40"),
            financial => self.financial(financial, request),
        }
    }
}

/// Which wallet a payment code belongs to (qr.md code shapes).
pub fn wallet_of(code: &str) -> Option<&'static str> {
    if !code.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let prefix: u32 = code.get(0..2)?.parse().ok()?;
    match (prefix, code.len()) {
        (10..=15, 18) => Some("wechat"),
        (25..=30, 16..=24) => Some("alipay"),
        (62, 19) => Some("unionpay"),
        _ => None,
    }
}
