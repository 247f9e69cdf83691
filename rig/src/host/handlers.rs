//! What the host answers: one function per transaction kind over the issuer
//! model and the ledger. Pure request -> answer; the TCP side is in server.rs.

use super::faults::{FaultAction, FaultPlan};
use super::issuer::{Authorisation, Issuer, Refusal};
use super::ledger::{Ledger, Record, State, Totals};
use super::txn::{self, TxnKind};
use crate::config::dialect::{Dialect, MacAlgorithm};
use crate::iso8583::codec::{CodecError, Message, Value};
use crate::iso8583::crypto::{self, BlockCipher};
use crate::iso8583::keys::{KeyLayout, KeyMaterial, WorkingKeys};
use std::collections::BTreeMap;

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
    /// Issuer script commands (APDUs) for the next approved chip answer (tag 72).
    pub issuer_scripts: Vec<Vec<u8>>,
}

/// The outcome of one request.
pub struct Processed {
    pub kind: TxnKind,
    pub request: Message,
    /// The answer's bytes (MTI to MAC), ready to frame; None = no answer at all.
    pub answer: Option<(Message, Vec<u8>)>,
    /// Transport faults still to apply (delay, silence, drops).
    pub transport: Vec<FaultAction>,
}

fn fen(msg: &Message) -> u64 {
    msg.text(4).and_then(|a| a.parse().ok()).unwrap_or(0)
}

fn terminal(msg: &Message) -> String {
    msg.text(41).unwrap_or_default().trim().to_string()
}

fn batch(msg: &Message) -> String {
    msg.text(60).and_then(|f| f.get(2..8)).unwrap_or("000000").to_string()
}

fn pan_of(msg: &Message) -> String {
    msg.text(2)
        .map(str::to_string)
        .or_else(|| msg.text(35).and_then(|t| t.split_once('=')).map(|(p, _)| p.to_string()))
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
        let actions = self.faults.take(kind);
        let scripted = actions.iter().find_map(|a| match a {
            FaultAction::Answer(code) => Some(code.clone()),
            _ => None,
        });
        let tid = terminal(&request);
        let now = chrono::Local::now();
        self.rrn_counter = (self.rrn_counter + 1) % 1_000_000;
        self.current_rrn = format!("{}{:06}", now.format("%H%M%S"), self.rrn_counter);
        let mac_ok = !Self::needs_mac(kind)
            || match (request.bytes(64), self.keys.get(&tid)) {
                (Some(_), Some(keys)) => {
                    body.len() > 8
                        && self
                            .mac(keys, &body[..body.len() - 8])
                            .is_some_and(|m| m[..] == body[body.len() - 8..])
                }
                (None, _) => !Self::needs_mac(kind),
                (Some(_), None) => false,
            };
        let outcome = match (scripted, mac_ok) {
            (Some(code), _) => Outcome::code(&code),
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
            answer.fields.remove(&64);
        }
        let mut transport = Vec::new();
        let mut corrupt = false;
        for action in actions {
            match action {
                FaultAction::WrongStan => {
                    let stan = request.text(11).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
                    answer
                        .fields
                        .insert(11, Value::Text(format!("{:06}", (stan + 1) % 1_000_000)));
                }
                FaultAction::WrongTerminal => {
                    answer.fields.insert(41, Value::Text("99999999".into()));
                }
                FaultAction::WrongMti => {
                    let mti = request.mti.parse::<u16>().unwrap_or(0) + 30;
                    answer.mti = format!("{mti:04}");
                }
                FaultAction::CorruptMac => corrupt = true,
                FaultAction::Answer(_) => {}
                other => transport.push(other),
            }
        }
        let mut packed = self.pack(&tid, &mut answer)?;
        if transport.contains(&FaultAction::NoAnswer) {
            return Ok(Processed {
                kind,
                request,
                answer: None,
                transport,
            });
        }
        if corrupt {
            let last = packed.len() - 1;
            packed[last] ^= 0x01;
        }
        Ok(Processed {
            kind,
            request,
            answer: Some((answer, packed)),
            transport,
        })
    }

    /// Packs an answer; answers to MAC'd requests carry a MAC of their own.
    fn pack(&self, tid: &str, answer: &mut Message) -> Result<Vec<u8>, CodecError> {
        let Some(keys) = self.keys.get(tid).filter(|_| answer.fields.contains_key(&64)) else {
            answer.fields.remove(&64);
            return answer.pack();
        };
        answer.fields.insert(64, Value::Bytes(vec![0; 8]));
        let mut body = answer.pack()?;
        let n = body.len() - 8;
        if let Some(mac) = self.mac(keys, &body[..n]) {
            body[n..].copy_from_slice(&mac);
            answer.fields.insert(64, Value::Bytes(mac.to_vec()));
        }
        Ok(body)
    }

    /// The answer skeleton: MTI + 10, the fields a terminal checks echoed.
    fn answer(&mut self, request: &Message, code: &str) -> Message {
        let mti = format!("{:04}", request.mti.parse::<u16>().unwrap_or(0) + 10);
        let mut answer = Message::new(&mti);
        for f in [2, 3, 4, 11, 14, 22, 23, 25, 41, 42, 49, 60, 61] {
            if let Some(v) = request.fields.get(&f) {
                answer.fields.insert(f, v.clone());
            }
        }
        let now = chrono::Local::now();
        answer = answer
            .with(12, now.format("%H%M%S").to_string())
            .with(13, now.format("%m%d").to_string())
            .with(32, self.dialect.acquirer_id.clone())
            .with(37, self.current_rrn.clone())
            .with(39, code);
        if request.fields.contains_key(&64) {
            answer = answer.with_bytes(64, vec![0; 8]);
        }
        answer
    }

    fn decide(&mut self, kind: TxnKind, request: &Message) -> Outcome {
        match kind {
            TxnKind::SignOn => self.sign_on(request),
            TxnKind::SignOff | TxnKind::EchoTest | TxnKind::BatchUpload | TxnKind::BatchEnd | TxnKind::ScriptResult => {
                Outcome::ok()
            }
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

    fn sign_on(&mut self, request: &Message) -> Outcome {
        let code = txn::network_code(request);
        let code = if code.is_empty() {
            self.dialect.key_layout.clone()
        } else {
            code.to_string()
        };
        let Some(layout) = KeyLayout::from_code(&code) else {
            return Outcome::code("30");
        };
        let material = KeyMaterial::random(layout, self.dialect.cipher);
        let Ok(f62) = material.field62(self.tmk.as_ref(), self.dialect.cipher, layout) else {
            return Outcome::code("96");
        };
        let Ok(keys) = material.into_keys(self.dialect.cipher) else {
            return Outcome::code("96");
        };
        self.keys.insert(terminal(request), keys);
        Outcome::ok().with(62, Value::Bytes(f62))
    }

    fn download(&mut self, request: &Message) -> Outcome {
        match self
            .dialect
            .downloads
            .get(txn::network_code(request))
            .and_then(|h| hex::decode(h).ok())
        {
            Some(payload) => Outcome::ok().with(62, Value::Bytes(payload)),
            None => Outcome::code("40"),
        }
    }

    /// The PIN in the request, if any. Err = a PIN block that does not decode (99).
    fn pin(&self, request: &Message, pan: &str) -> Result<Option<String>, Outcome> {
        let Some(block) = request.bytes(52) else {
            return Ok(None);
        };
        let keys = self.keys.get(&terminal(request)).ok_or_else(|| Outcome::code("A0"))?;
        crypto::recover_pin(keys.pin.as_ref(), block, pan)
            .map(Some)
            .map_err(|_| Outcome::code("99"))
    }

    /// The PAN, with track data decrypted first when 53.3 says it is encrypted.
    fn pan(&self, request: &Message) -> String {
        let encrypted = request.text(53).and_then(|f| f.get(2..3)) == Some("1");
        if let (true, Some(track), Some(Some(key))) = (
            encrypted,
            request.text(35),
            self.keys.get(&terminal(request)).map(|k| k.track.as_ref()),
        ) {
            if let Ok(clear) = crypto::crypt_track(key, track, false) {
                if let Some((pan, _)) = clear.split_once('=') {
                    return request.text(2).map_or_else(|| pan.to_string(), str::to_string);
                }
            }
        }
        pan_of(request)
    }

    fn verify(&mut self, request: &Message, amount_fen: u64, debit: bool) -> Result<String, Outcome> {
        let pan = self.pan(request);
        let pin = self.pin(request, &pan)?;
        let today = chrono::Local::now().format("%y%m").to_string();
        let auth = Authorisation {
            pan: &pan,
            amount_fen,
            pin: pin.as_deref(),
            today: &today,
        };
        self.issuer.verify(&auth, debit)?;
        Ok(pan)
    }

    fn balance(&mut self, request: &Message) -> Outcome {
        match self.verify(request, 0, false) {
            Ok(pan) => {
                let fen = self.issuer.balance_fen(&pan).unwrap_or(0);
                Outcome::ok().with(54, Value::Text(format!("1002156C{fen:012}")))
            }
            Err(o) => o,
        }
    }

    fn record(
        &mut self,
        kind: TxnKind,
        request: &Message,
        pan: String,
        amount_fen: u64,
        original: Option<usize>,
    ) -> (usize, String) {
        let auth_code = format!("{:06}", rand::random::<u32>() % 1_000_000);
        let rrn = self.current_rrn.clone();
        let i = self.ledger.add(Record {
            terminal: terminal(request),
            batch: batch(request),
            stan: request.text(11).unwrap_or_default().to_string(),
            kind,
            pan,
            amount_fen,
            rrn,
            auth_code: auth_code.clone(),
            state: State::Approved,
            original,
        });
        (i, auth_code)
    }

    /// Original named by field 61: batch n6 + STAN n6.
    fn original_by_61(&self, request: &Message, kinds: &[TxnKind]) -> Option<usize> {
        let f61 = request.text(61)?;
        self.ledger
            .by_batch_stan(&terminal(request), f61.get(0..6)?, f61.get(6..12)?, kinds)
    }

    fn financial(&mut self, kind: TxnKind, request: &Message) -> Outcome {
        let amount = fen(request);
        let stan = request.text(11).unwrap_or_default();
        if self
            .ledger
            .is_duplicate(&terminal(request), &batch(request), stan, kind)
        {
            return Outcome::code("94");
        }
        // A chip request's cryptogram is checked before any money moves.
        if let Err(refusal) = self.cryptogram(request, *b"00") {
            return refusal.into();
        }
        let result = match kind {
            TxnKind::Sale | TxnKind::PreAuth => self.debit(kind, request, amount, None),
            TxnKind::QrPay => self.qr_pay(request, amount),
            TxnKind::Void | TxnKind::CompletionVoid => self.void(kind, request, amount),
            TxnKind::Refund => self.refund(request, amount),
            TxnKind::PreAuthCancel => self.preauth_cancel(request),
            TxnKind::Completion | TxnKind::CompletionAdvice => self.completion(kind, request, amount),
            _ => Err(Outcome::code("40")),
        };
        let mut outcome = match result {
            Ok(auth_code) => Outcome::ok()
                .with(38, Value::Text(auth_code))
                .with(63, Value::Text(self.dialect.card_brand.clone()))
                .with(
                    44,
                    Value::Text(format!(
                        "{:<11}{:<11}",
                        self.dialect.issuer_id, self.dialect.acquirer_id
                    )),
                ),
            Err(o) => o,
        };
        // The ARPC carries the final answer code back to the card.
        let arc: [u8; 2] = outcome.code.as_bytes().try_into().unwrap_or(*b"05");
        if let Ok(Some(mut f55)) = self.cryptogram(request, arc) {
            if outcome.code == "00" && !self.issuer_scripts.is_empty() {
                // Template 72: scripts the card runs after the second GENERATE AC.
                let mut inner = vec![crate::card::tlv::prim("9F18", &[0, 0, 0, 1])];
                inner.extend(
                    std::mem::take(&mut self.issuer_scripts)
                        .iter()
                        .map(|apdu| crate::card::tlv::prim("86", apdu)),
                );
                f55.extend(crate::card::tlv::cons("72", inner).to_vec());
            }
            outcome = outcome.with(55, Value::Bytes(f55));
        }
        outcome
    }

    /// Field 55 of the answer for a chip request whose card key the issuer holds.
    fn cryptogram(&self, request: &Message, arc: [u8; 2]) -> Result<Option<Vec<u8>>, Refusal> {
        let Some(f55) = request.bytes(55) else { return Ok(None) };
        let psn = request.text(23).map_or("00", |p| &p[p.len().saturating_sub(2)..]);
        self.issuer
            .cryptogram(&self.pan(request), psn, f55, arc, self.dialect.session_key)
    }

    fn debit(
        &mut self,
        kind: TxnKind,
        request: &Message,
        amount: u64,
        original: Option<usize>,
    ) -> Result<String, Outcome> {
        let pan = self.verify(request, amount, true)?;
        self.issuer.debit(&pan, amount)?;
        Ok(self.record(kind, request, pan, amount, original).1)
    }

    fn void(&mut self, kind: TxnKind, request: &Message, amount: u64) -> Result<String, Outcome> {
        let target: &[TxnKind] = if kind == TxnKind::Void {
            &[TxnKind::Sale]
        } else {
            &[TxnKind::Completion, TxnKind::CompletionAdvice]
        };
        let i = self
            .original_by_61(request, target)
            .ok_or_else(|| Outcome::code("25"))?;
        let original = self.ledger.get(i).clone();
        if original.state != State::Approved {
            return Err(Outcome::code("25"));
        }
        if original.amount_fen != amount {
            return Err(Outcome::code("64"));
        }
        self.verify(request, 0, false)?;
        self.issuer.credit(&original.pan, amount);
        self.ledger.get_mut(i).state = State::Voided;
        Ok(self.record(kind, request, original.pan, amount, Some(i)).1)
    }

    fn refund(&mut self, request: &Message, amount: u64) -> Result<String, Outcome> {
        let rrn = request.text(37).unwrap_or_default().trim();
        let i = self
            .ledger
            .by_rrn(rrn, &[TxnKind::Sale, TxnKind::Completion, TxnKind::CompletionAdvice])
            .ok_or_else(|| Outcome::code("25"))?;
        let original = self.ledger.get(i).clone();
        if amount > original.amount_fen || original.state == State::Reversed {
            return Err(Outcome::code("64"));
        }
        self.issuer.credit(&original.pan, amount);
        Ok(self.record(TxnKind::Refund, request, original.pan, amount, Some(i)).1)
    }

    /// Pre-authorisation named by the original auth code (field 38).
    fn preauth_of(&self, request: &Message) -> Result<usize, Outcome> {
        let code = request.text(38).unwrap_or_default().trim();
        let i = self
            .ledger
            .by_auth_code(&terminal(request), code, &[TxnKind::PreAuth])
            .ok_or_else(|| Outcome::code("25"))?;
        if self.ledger.get(i).state != State::Approved {
            return Err(Outcome::code("25"));
        }
        Ok(i)
    }

    fn preauth_cancel(&mut self, request: &Message) -> Result<String, Outcome> {
        let i = self.preauth_of(request)?;
        let original = self.ledger.get(i).clone();
        self.issuer.credit(&original.pan, original.amount_fen);
        self.ledger.get_mut(i).state = State::Closed;
        Ok(self
            .record(
                TxnKind::PreAuthCancel,
                request,
                original.pan,
                original.amount_fen,
                Some(i),
            )
            .1)
    }

    fn completion(&mut self, kind: TxnKind, request: &Message, amount: u64) -> Result<String, Outcome> {
        let i = self.preauth_of(request)?;
        let original = self.ledger.get(i).clone();
        // A completion may exceed its pre-authorisation by at most 15 %.
        if amount * 100 > original.amount_fen * 115 {
            return Err(Outcome::code("64"));
        }
        self.issuer.credit(&original.pan, original.amount_fen);
        if let Err(refusal) = self.issuer.debit(&original.pan, amount) {
            self.issuer.debit(&original.pan, original.amount_fen).ok();
            return Err(refusal.into());
        }
        self.ledger.get_mut(i).state = State::Closed;
        Ok(self.record(kind, request, original.pan, amount, Some(i)).1)
    }

    /// Undoes what an approved record did to the account.
    fn undo(&mut self, i: usize) {
        let r = self.ledger.get(i).clone();
        match r.kind {
            TxnKind::Sale | TxnKind::PreAuth | TxnKind::Completion | TxnKind::CompletionAdvice => {
                self.issuer.credit(&r.pan, r.amount_fen);
                if let (true, Some(pre)) = (
                    matches!(r.kind, TxnKind::Completion | TxnKind::CompletionAdvice),
                    r.original,
                ) {
                    // The pre-authorisation's hold comes back.
                    let hold = self.ledger.get(pre).amount_fen;
                    let _ = self.issuer.debit(&r.pan, hold);
                    self.ledger.get_mut(pre).state = State::Approved;
                }
            }
            TxnKind::Void | TxnKind::CompletionVoid | TxnKind::Refund => {
                let _ = self.issuer.debit(&r.pan, r.amount_fen);
                if let (true, Some(orig)) = (r.kind != TxnKind::Refund, r.original) {
                    self.ledger.get_mut(orig).state = State::Approved;
                }
            }
            TxnKind::PreAuthCancel => {
                let _ = self.issuer.debit(&r.pan, r.amount_fen);
                if let Some(pre) = r.original {
                    self.ledger.get_mut(pre).state = State::Approved;
                }
            }
            _ => {}
        }
        self.ledger.get_mut(i).state = State::Reversed;
    }

    /// Reversal (0400): matched to the original by terminal and STAN; a
    /// repeated reversal is answered 00 again without undoing twice.
    fn reversal(&mut self, request: &Message) -> Outcome {
        let stan = request.text(11).unwrap_or_default();
        if let Some(i) = self.ledger.by_stan(&terminal(request), stan) {
            if self.ledger.get(i).state != State::Reversed {
                if self.ledger.get(i).amount_fen != fen(request) && request.text(4).is_some() {
                    return Outcome::code("64");
                }
                self.undo(i);
            }
        }
        Outcome::ok()
    }

    fn settlement(&mut self, request: &Message) -> Outcome {
        let ours = self.ledger.totals(&terminal(request), &batch(request));
        let theirs = request.text(48).and_then(Totals::parse);
        let balanced = theirs == Some(ours);
        Outcome::ok().with(48, Value::Text(ours.to_field48(balanced)))
    }

    fn qr_pay(&mut self, request: &Message, amount: u64) -> Result<String, Outcome> {
        let code = request
            .text(self.dialect.qr.code_field)
            .unwrap_or_default()
            .trim()
            .to_string();
        if wallet_of(&code).is_none() {
            return Err(Outcome::code("14"));
        }
        let (i, auth_code) = self.record(TxnKind::QrPay, request, code, amount, None);
        if self.next_qr_pending_polls > 0 {
            self.qr_pending
                .insert(i, std::mem::take(&mut self.next_qr_pending_polls));
            return Err(Outcome::code(&self.dialect.qr.pending_response.clone()));
        }
        Ok(auth_code)
    }

    /// The payment-code sale a query or cancel names: by original STAN in field 61 (batch + STAN).
    fn qr_original(&self, request: &Message) -> Option<usize> {
        self.original_by_61(request, &[TxnKind::QrPay, TxnKind::QrCreateOrder])
    }

    fn qr_query(&mut self, request: &Message) -> Outcome {
        let Some(i) = self.qr_original(request) else {
            return Outcome::code("25");
        };
        if let Some(left) = self.qr_pending.get_mut(&i) {
            if *left > 0 {
                *left -= 1;
                return Outcome::code(&self.dialect.qr.pending_response);
            }
            self.qr_pending.remove(&i);
        }
        match self.ledger.get(i).state {
            State::Approved => Outcome::ok().with(38, Value::Text(self.ledger.get(i).auth_code.clone())),
            _ => Outcome::code("25"),
        }
    }

    fn qr_cancel(&mut self, request: &Message) -> Outcome {
        let Some(i) = self.qr_original(request) else {
            return Outcome::code("25");
        };
        self.qr_pending.remove(&i);
        self.ledger.get_mut(i).state = State::Voided;
        Outcome::ok()
    }

    fn qr_create_order(&mut self, request: &Message) -> Outcome {
        let amount = fen(request);
        let (i, _) = self.record(TxnKind::QrCreateOrder, request, String::new(), amount, None);
        // The customer has not paid yet: the order stays pending until they do.
        self.qr_pending.insert(i, u32::MAX);
        let url = format!("https://qr.rig.test/o/{}", self.ledger.get(i).rrn);
        Outcome::ok().with(self.dialect.qr.order_field, Value::Text(url))
    }

    /// The customer pays the newest open dynamic-code order.
    pub fn customer_pays_order(&mut self) -> bool {
        let open = self
            .qr_pending
            .keys()
            .rev()
            .copied()
            .find(|&i| self.ledger.get(i).kind == TxnKind::QrCreateOrder);
        match open {
            Some(i) => {
                self.qr_pending.remove(&i);
                true
            }
            None => false,
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
