//! Financial messages: balance, sale, void, refund, pre-authorisation and completion, with PIN, cryptogram and ledger checks.

use super::*;
use crate::iso8583::fields::{field, field53, sub};

impl HostState {
    /// The PIN in the request, if any. Err = a PIN block that does not decode (99).
    pub(super) fn pin(&self, request: &Message, pan: &str) -> Result<Option<String>, Outcome> {
        let Some(block) = request.bytes(field::PIN_BLOCK) else {
            return Ok(None);
        };
        let keys = self.keys.get(&terminal(request)).ok_or_else(|| Outcome::code("A0"))?;
        crypto::recover_pin(keys.pin.as_ref(), block, pan)
            .map(Some)
            .map_err(|_| Outcome::code("99"))
    }

    /// The PAN, with track data decrypted first when 53.3 says it is encrypted.
    pub(super) fn pan(&self, request: &Message) -> String {
        let encrypted = sub(request.text(field::SECURITY_CONTROL), field53::TRACK_ENCRYPTED) == Some("1");
        if let (true, Some(track), Some(Some(key))) = (
            encrypted,
            request.text(field::TRACK2),
            self.keys.get(&terminal(request)).map(|k| k.track.as_ref()),
        ) {
            if let Ok(clear) = crypto::crypt_track(key, track, false) {
                if let Some((pan, _)) = clear.split_once('=') {
                    return request.text(field::PAN).map_or_else(|| pan.to_string(), str::to_string);
                }
            }
        }
        pan_of(request)
    }

    pub(super) fn verify(&mut self, request: &Message, amount_fen: u64, debit: bool) -> Result<String, Outcome> {
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

    pub(super) fn balance(&mut self, request: &Message) -> Outcome {
        match self.verify(request, 0, false) {
            Ok(pan) => {
                let fen = self.issuer.balance_fen(&pan).unwrap_or(0);
                Outcome::ok().with(field::BALANCE, Value::Text(format!("1002156C{fen:012}")))
            }
            Err(o) => o,
        }
    }

    pub(super) fn record(
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
            stan: request.text(field::STAN).unwrap_or_default().to_string(),
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
    pub(super) fn original_by_61(&self, request: &Message, kinds: &[TxnKind]) -> Option<usize> {
        let f61 = request.text(field::ORIGINAL)?;
        self.ledger
            .by_batch_stan(&terminal(request), f61.get(0..6)?, f61.get(6..12)?, kinds)
    }

    pub(super) fn financial(&mut self, kind: TxnKind, request: &Message) -> Outcome {
        let amount = fen(request);
        let stan = request.text(field::STAN).unwrap_or_default();
        if self
            .ledger
            .is_duplicate(&terminal(request), &batch(request), stan, kind)
        {
            return Outcome::code("94");
        }
        // A chip request's cryptogram is checked before any money moves,
        // and its ATC must be above the card's last (no replay).
        match self.cryptogram(request, *b"00") {
            Err(refusal) => return refusal.into(),
            Ok(Some(_)) => {
                let pan = self.pan(request);
                let f55 = request.bytes(field::CHIP_DATA).unwrap_or_default();
                if let Err(refusal) = self.issuer.fresh_atc(&pan, f55) {
                    return refusal.into();
                }
            }
            Ok(None) => {}
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
                .with(field::AUTH_CODE, Value::Text(auth_code))
                .with(field::RESERVED_63, Value::Text(self.dialect.card_brand.clone()))
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
            if outcome.code == "00" {
                // One template per script: 71 runs before the second GENERATE
                // AC, 72 after it (EMV Book 3, 10.10); 9F18 numbers them.
                for (n, (template, command, mac)) in std::mem::take(&mut self.issuer_scripts).into_iter().enumerate() {
                    let id = u32::try_from(n + 1).unwrap_or(u32::MAX).to_be_bytes();
                    // The issuer MACs each command for this card's transaction
                    // (a card without a key gets it as written).
                    let apdu = self.secured_script(request, &command, mac).unwrap_or(command);
                    let inner = vec![crate::card::tlv::prim("9F18", &id), crate::card::tlv::prim("86", &apdu)];
                    f55.extend(crate::card::tlv::cons(template.tag(), inner).to_vec());
                }
            }
            outcome = outcome.with(field::CHIP_DATA, Value::Bytes(f55));
        }
        outcome
    }

    /// Field 55 of the answer for a chip request whose card key the issuer holds.
    pub(super) fn cryptogram(&self, request: &Message, arc: [u8; 2]) -> Result<Option<Vec<u8>>, Refusal> {
        let Some(f55) = request.bytes(field::CHIP_DATA) else {
            return Ok(None);
        };
        let psn = request
            .text(field::CARD_SEQUENCE)
            .map_or("00", |p| &p[p.len().saturating_sub(2)..]);
        self.issuer
            .cryptogram(&self.pan(request), psn, f55, arc, self.dialect.session_key)
    }

    /// A script command with its MAC for the card of this request.
    fn secured_script(&self, request: &Message, command: &[u8], mac: crate::emv::ScriptMac) -> Option<Vec<u8>> {
        let f55 = request.bytes(field::CHIP_DATA)?;
        let psn = request
            .text(field::CARD_SEQUENCE)
            .map_or("00", |p| &p[p.len().saturating_sub(2)..]);
        self.issuer
            .secured_script(&self.pan(request), psn, f55, command, mac, self.dialect.session_key)
    }

    /// The script result notice (0620) carries the card's final cryptogram:
    /// a TC that does not verify is answered 34 (suspected fraud).
    pub(super) fn script_result(&self, request: &Message) -> Outcome {
        let Some(f55) = request.bytes(field::CHIP_DATA) else {
            return Outcome::ok();
        };
        let psn = request
            .text(field::CARD_SEQUENCE)
            .map_or("00", |p| &p[p.len().saturating_sub(2)..]);
        let (amount, currency) = (
            request.text(field::AMOUNT).unwrap_or("0"),
            request.text(field::CURRENCY).unwrap_or("156"),
        );
        match self
            .issuer
            .verify_tc(&self.pan(request), psn, f55, amount, currency, self.dialect.session_key)
        {
            Err(_) => Outcome::code("34"),
            Ok(()) => Outcome::ok(),
        }
    }

    pub(super) fn debit(
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

    pub(super) fn void(&mut self, kind: TxnKind, request: &Message, amount: u64) -> Result<String, Outcome> {
        let target: &[TxnKind] = if kind == TxnKind::Void {
            // A payment-code sale is voided as a card sale is, by its voucher.
            &[TxnKind::Sale, TxnKind::QrPay]
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
        // A wallet's payment is voided without a card: nothing to verify.
        if original.kind != TxnKind::QrPay {
            self.verify(request, 0, false)?;
        }
        self.issuer.credit(&original.pan, amount);
        self.ledger.get_mut(i).state = State::Voided;
        Ok(self.record(kind, request, original.pan, amount, Some(i)).1)
    }

    pub(super) fn refund(&mut self, request: &Message, amount: u64) -> Result<String, Outcome> {
        let rrn = request.text(field::RRN).unwrap_or_default().trim();
        let i = self
            .ledger
            .by_rrn(
                rrn,
                &[
                    TxnKind::Sale,
                    TxnKind::QrPay,
                    TxnKind::Completion,
                    TxnKind::CompletionAdvice,
                ],
            )
            .ok_or_else(|| Outcome::code("25"))?;
        let original = self.ledger.get(i).clone();
        if amount > original.amount_fen || original.state == State::Reversed {
            return Err(Outcome::code("64"));
        }
        self.issuer.credit(&original.pan, amount);
        Ok(self.record(TxnKind::Refund, request, original.pan, amount, Some(i)).1)
    }

    /// Pre-authorisation named by the original auth code (field 38).
    pub(super) fn preauth_of(&self, request: &Message) -> Result<usize, Outcome> {
        let code = request.text(field::AUTH_CODE).unwrap_or_default().trim();
        let i = self
            .ledger
            .by_auth_code(&terminal(request), code, &[TxnKind::PreAuth])
            .ok_or_else(|| Outcome::code("25"))?;
        if self.ledger.get(i).state != State::Approved {
            return Err(Outcome::code("25"));
        }
        Ok(i)
    }

    pub(super) fn preauth_cancel(&mut self, request: &Message) -> Result<String, Outcome> {
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

    pub(super) fn completion(&mut self, kind: TxnKind, request: &Message, amount: u64) -> Result<String, Outcome> {
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
}
