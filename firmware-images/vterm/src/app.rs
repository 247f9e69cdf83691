//! The payment application: menus, card reading, PIN entry, online
//! authorisation and receipts. One thread; inputs arrive on a channel.

use crate::Input;
use crate::chip::{self, ChipRead};
use crate::console::Console;
use crate::crypto;
use crate::flash::{Flash, LogEntry, PendingReversal};
use crate::host_link::{self, HostLink, LinkError};
use crate::message::Message;
use crate::params::Params;
use crate::reader::{CardSession, Slot};
use crate::receipt::{self, Slip};
use crate::swipe::Swipe;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

const PROMPT_TIMEOUT: Duration = Duration::from_secs(60);

struct WorkingKeys {
    pin: [u8; 16],
    mac: [u8; 8],
}

pub struct Terminal {
    pub console: Console,
    pub params: Params,
    pub link: HostLink,
    pub flash: Flash,
    pub tmk: [u8; 16],
    pub inputs: Receiver<Input>,
    keys: Option<WorkingKeys>,
    firmware: crate::image::Application,
    ecr: Option<crate::ecr::EcrPort>,
    /// The response code of the last online transaction, for the cash register.
    last_code: Option<String>,
    paper: Option<PaperSensor>,
    /// Script results (DF31) waiting to go to the host in a 0620 notice.
    pending_script_result: Option<Vec<u8>>,
}

/// The printer's paper sensor, a GPIO input line.
pub struct PaperSensor {
    pub gpio: std::fs::File,
    pub line: usize,
}

impl PaperSensor {
    fn out_of_paper(&self) -> bool {
        let mut level = [0u8; 1];
        std::os::unix::fs::FileExt::read_at(&self.gpio, &mut level, self.line as u64)
            .is_ok_and(|n| n == 1 && level[0] != 0)
    }
}

/// A transaction started from the idle menu.
type Transaction = fn(&mut Terminal) -> Result<(), Abort>;

/// Why a transaction stopped before it went online.
enum Abort {
    Cancelled,
    Timeout,
    PowerDown,
    /// The card could not be used; the text is for the display.
    Card(&'static str),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Entry {
    Swipe,
    Insert,
    Tap,
    Scan,
}

struct CardData {
    pan: String,
    expiry: String,
    track2: String,
    track3: Option<String>,
    entry: Entry,
    chip: Option<(ChipRead, CardSession)>,
}

impl CardData {
    /// Entry mode (field 22) digits 1-2 and the receipt's mark.
    fn entry_mode(&self) -> (&'static str, &'static str) {
        match self.entry {
            Entry::Swipe => ("02", "S"),
            Entry::Insert => ("05", "I"),
            Entry::Tap => ("07", "C"),
            Entry::Scan => ("03", "Q"),
        }
    }
}

impl Terminal {
    pub fn new(
        console: Console,
        params: Params,
        link: HostLink,
        flash: Flash,
        tmk: [u8; 16],
        inputs: Receiver<Input>,
        firmware: crate::image::Application,
    ) -> Terminal {
        Terminal {
            console,
            params,
            link,
            flash,
            tmk,
            inputs,
            keys: None,
            firmware,
            ecr: None,
            last_code: None,
            paper: None,
            pending_script_result: None,
        }
    }

    pub fn with_paper_sensor(mut self, paper: PaperSensor) -> Terminal {
        self.paper = Some(paper);
        self
    }

    pub fn with_ecr(mut self, ecr: crate::ecr::EcrPort) -> Terminal {
        self.ecr = Some(ecr);
        self
    }

    /// Runs what the cash register asked for and answers it.
    fn serve_ecr(&mut self, request: crate::ecr::Request) -> Result<(), Abort> {
        use crate::ecr::Request;
        self.last_code = None;
        let outcome = match request {
            Request::Sale(fen) => self.sale_of(Some(fen)),
            Request::Void(voucher) => self.void_of(Some(voucher)),
            Request::Settle => {
                self.settle();
                self.last_code = Some("00".into());
                Ok(())
            }
        };
        let (code, text) = match (&outcome, self.last_code.clone()) {
            (Err(Abort::PowerDown), _) => return Err(Abort::PowerDown),
            (Err(Abort::Cancelled), _) => ("CN".to_string(), "CANCELLED".to_string()),
            (Err(_), _) | (Ok(()), None) => ("ND".to_string(), "NOT DONE".to_string()),
            (Ok(()), Some(code)) if code == "00" => (code, "APPROVED".to_string()),
            (Ok(()), Some(code)) => {
                let text = decline_reason(&code).to_string();
                (code, text)
            }
        };
        if let Some(ecr) = &self.ecr {
            ecr.result(&code, &text);
        }
        if let Err(e) = outcome {
            self.finish(|_| Err(e))?;
        }
        Ok(())
    }

    pub fn run(mut self) {
        self.sign_on();
        // A reversal left from before the power went goes out first.
        self.send_pending_reversal();
        loop {
            self.console.display(&[
                "请选择交易 SELECT TRANSACTION",
                "1.消费 SALE 2.扫码 QR 3.余额 BALANCE 4.撤销 VOID 5.结算 SETTLE 6.重打印 REPRINT 7.预授权 PRE-AUTH 8.退货 REFUND 9.签到 SIGN ON",
            ]);
            let key = match self.next_input(None) {
                Ok(Input::Key(k)) => k,
                Ok(Input::Swipe(_)) | Ok(Input::Scan(_)) => continue,
                Ok(Input::Ecr(request)) => {
                    if let Err(Abort::PowerDown) = self.serve_ecr(request) {
                        return;
                    }
                    continue;
                }
                Ok(Input::EcrGarbage(line)) => {
                    self.console.log(&format!("ECR: not a request: {line:?}"));
                    if let Some(ecr) = &self.ecr {
                        ecr.result("ER", "UNKNOWN REQUEST");
                    }
                    continue;
                }
                Ok(Input::Card(session)) => {
                    self.console
                        .log(&format!("card inserted, ATR {}", hex::encode_upper(&session.atr)));
                    self.await_removal(session);
                    continue;
                }
                Err(Abort::PowerDown) => return,
                Err(_) => continue,
            };
            // Menu keys that start a transaction; how it ended is shown by `finish`.
            let transaction: Option<Transaction> = match key.as_str() {
                "1" => Some(Self::sale),
                "2" => Some(Self::qr_menu),
                "3" => Some(Self::balance_inquiry),
                "4" => Some(Self::void),
                "6" => Some(Self::reprint_menu),
                "7" => Some(Self::preauth_menu),
                "8" => Some(Self::refund),
                "0" => Some(Self::management_menu),
                _ => None,
            };
            if let Some(txn) = transaction {
                if let Err(Abort::PowerDown) = self.finish(txn) {
                    return;
                }
                continue;
            }
            match key.as_str() {
                "5" => self.settle(),
                "9" => self.sign_on(),
                _ => {}
            }
        }
    }

    /// Runs a transaction and shows how an abort ended it.
    fn finish(&mut self, txn: impl FnOnce(&mut Self) -> Result<(), Abort>) -> Result<(), Abort> {
        match txn(self) {
            Err(Abort::PowerDown) => return Err(Abort::PowerDown),
            Err(Abort::Cancelled) => self.console.display(&["交易取消 CANCELLED"]),
            Err(Abort::Timeout) => self.console.display(&["操作超时 TIMEOUT"]),
            Err(Abort::Card(why)) => self.console.display(&["交易失败 FAILED", why]),
            Ok(()) => {}
        }
        if self.keys.is_none() {
            self.sign_on();
        }
        Ok(())
    }

    fn next_input(&self, timeout: Option<Duration>) -> Result<Input, Abort> {
        match timeout {
            None => self.inputs.recv().map_err(|_| Abort::PowerDown),
            Some(t) => self.inputs.recv_timeout(t).map_err(|e| match e {
                RecvTimeoutError::Timeout => Abort::Timeout,
                RecvTimeoutError::Disconnected => Abort::PowerDown,
            }),
        }
    }

    /// Waits until the card leaves the reader (the card-detect switch is polled).
    fn await_removal(&self, session: CardSession) {
        while session.present() {
            if let Ok(Input::Key(k)) = self.inputs.recv_timeout(Duration::from_millis(100)) {
                self.console.log(&format!("key {k} ignored: remove the card first"));
            }
        }
        self.console.log("card removed");
    }

    fn next_key(&self) -> Result<String, Abort> {
        loop {
            if let Input::Key(k) = self.next_input(Some(PROMPT_TIMEOUT))? {
                return Ok(k);
            }
        }
    }

    fn sign_on(&mut self) {
        self.console.display(&["签到中 SIGNING ON"]);
        match self.try_sign_on() {
            Ok(()) => self.console.display(&["签到成功 SIGNED ON"]),
            Err(why) => {
                self.console.log(&format!("sign-on failed: {why}"));
                self.console.display(&["签到失败 SIGN-ON FAILED", &why]);
            }
        }
    }

    fn try_sign_on(&mut self) -> Result<(), String> {
        let stan = self.flash.next_stan().map_err(|e| format!("flash: {e}"))?;
        let mut req = Message::new("0800");
        req.set(11, format!("{stan:06}"))
            .set(41, self.params.terminal_id.clone())
            .set(42, self.params.merchant_id.clone())
            .set(60, format!("00{:06}003", self.flash.state.batch))
            .set(63, format!("{:0>3}", self.params.operator));
        let body = self.link.pack(&mut req, None).map_err(|e| e.to_string())?;
        let (_, resp) = self.link.exchange(&body).map_err(|e| e.to_string())?;
        if resp.mti != "0810" || resp.text(39) != Some("00") {
            return Err(format!("host answered {} {}", resp.mti, resp.text(39).unwrap_or("--")));
        }
        let f62 = resp.bytes(62).ok_or("no working keys in field 62")?;
        if f62.len() < 40 {
            return Err(format!("field 62 has {} bytes, expected 40", f62.len()));
        }
        let pin: [u8; 16] = crypto::unwrap_key(&self.tmk, &f62[0..16])
            .try_into()
            .map_err(|_| "PIN key")?;
        let mac: [u8; 8] = crypto::unwrap_key(&self.tmk, &f62[20..28])
            .try_into()
            .map_err(|_| "MAC key")?;
        if crypto::check_value(&pin) != f62[16..20] {
            return Err("PIN key check value mismatch".into());
        }
        if crypto::check_value(&mac) != f62[36..40] {
            return Err("MAC key check value mismatch".into());
        }
        if let Some(batch) = resp.text(60).and_then(|f| f.get(2..8)).and_then(|b| b.parse().ok()) {
            self.flash.state.batch = batch;
            let _ = self.flash.save();
        }
        self.keys = Some(WorkingKeys { pin, mac });
        Ok(())
    }

    fn read_amount(&self) -> Result<u64, Abort> {
        let mut fen: u64 = 0;
        loop {
            self.console.display(&["请输入金额 ENTER AMOUNT", &receipt::yuan(fen)]);
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "CLEAR" => fen /= 10,
                "ENTER" if fen > 0 => return Ok(fen),
                d if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() && fen < 10_000_000_000 => {
                    fen = fen * 10 + u64::from(d.as_bytes()[0] - b'0');
                }
                _ => {}
            }
        }
    }

    fn read_card(&self, fen: u64) -> Result<CardData, Abort> {
        let amount = format!("RMB {}", receipt::yuan(fen));
        loop {
            self.console
                .display(&["请刷卡/插卡/挥卡 SWIPE/INSERT/TAP CARD", &amount]);
            match self.next_input(Some(PROMPT_TIMEOUT))? {
                Input::Key(k) if k == "CANCEL" => return Err(Abort::Cancelled),
                Input::Swipe(Swipe { track2, track3 }) => {
                    let Some((pan, rest)) = track2.split_once('=') else {
                        self.console
                            .display(&["读卡失败 READ ERROR", "请重刷 PLEASE SWIPE AGAIN"]);
                        continue;
                    };
                    if rest.len() < 7 || pan.len() < 13 {
                        self.console
                            .display(&["读卡失败 READ ERROR", "请重刷 PLEASE SWIPE AGAIN"]);
                        continue;
                    }
                    // Service code 2xx / 6xx: the card has a chip, which must be used.
                    if matches!(rest.as_bytes()[4], b'2' | b'6') {
                        self.console.display(&["请插卡 PLEASE INSERT CARD", "芯片卡 CHIP CARD"]);
                        continue;
                    }
                    return Ok(CardData {
                        pan: pan.into(),
                        expiry: rest[..4].into(),
                        track2: track2.clone(),
                        track3,
                        entry: Entry::Swipe,
                        chip: None,
                    });
                }
                Input::Card(session) => return self.read_chip(session, fen),
                _ => {}
            }
        }
    }

    fn read_chip(&self, mut session: CardSession, fen: u64) -> Result<CardData, Abort> {
        self.console.display(&["读卡中 READING CARD", "请勿移卡 DO NOT REMOVE"]);
        let entry = if session.slot == Slot::Contact {
            Entry::Insert
        } else {
            Entry::Tap
        };
        let terminal = chip::terminal_values(fen, &crate::clock::yymmdd(), rand_bytes());
        let read = chip::read(&mut session, &terminal, |apps| self.choose_application(apps));
        match read {
            Ok(read) => {
                if entry == Entry::Tap {
                    self.console.display(&["读卡完成 请移卡 CARD READ, REMOVE CARD"]);
                }
                Ok(CardData {
                    pan: read.pan.clone(),
                    expiry: read.expiry.clone(),
                    track2: read.track2.clone(),
                    track3: None,
                    entry,
                    chip: Some((read, session)),
                })
            }
            Err(e) => {
                self.console.log(&format!("chip: {}", e.detail()));
                Err(Abort::Card(e.display()))
            }
        }
    }

    /// The cardholder picks an application when the card has several.
    fn choose_application(&self, apps: &[(Vec<u8>, String, u8)]) -> Option<usize> {
        let list: Vec<String> = apps
            .iter()
            .enumerate()
            .map(|(i, a)| format!("{}.{}", i + 1, a.1))
            .collect();
        self.console
            .display(&["请选择应用 SELECT APPLICATION", &list.join(" ")]);
        loop {
            let key = self.next_key().ok()?;
            if key == "CANCEL" {
                return None;
            }
            if let Some(i) = key.parse::<usize>().ok().filter(|i| (1..=apps.len()).contains(i)) {
                return Some(i - 1);
            }
        }
    }

    /// Online PIN unless a phone verified its owner (CDCVM), or a tap is
    /// under the no-PIN limit (免密).
    fn needs_pin(&self, card: &CardData, fen: u64) -> bool {
        if card.entry != Entry::Tap {
            return true;
        }
        let ctq = card
            .chip
            .as_ref()
            .and_then(|(r, _)| r.tags.get("9F6C").cloned())
            .unwrap_or_default();
        let cdcvm = ctq.get(1).is_some_and(|b| b & 0x80 != 0);
        !cdcvm && fen > self.params.no_pin_limit_fen
    }

    fn read_pin(&self, fen: u64) -> Result<String, Abort> {
        let mut pin = String::new();
        loop {
            self.console.display(&[
                "请输入密码 ENTER PIN",
                &"*".repeat(pin.len()),
                &format!("RMB {}", receipt::yuan(fen)),
            ]);
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "CLEAR" => {
                    pin.pop();
                }
                "ENTER" if pin.is_empty() || pin.len() >= 4 => return Ok(pin),
                d if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() && pin.len() < 12 => pin.push_str(d),
                _ => {}
            }
        }
    }

    fn sale(&mut self) -> Result<(), Abort> {
        self.sale_of(None)
    }

    /// A sale; the amount comes from the cash register or the keypad.
    fn sale_of(&mut self, amount: Option<u64>) -> Result<(), Abort> {
        let fen = match amount {
            Some(fen) => fen,
            None => self.read_amount()?,
        };
        let mut card = self.read_card(fen)?;
        let mut pin = if self.needs_pin(&card, fen) {
            self.read_pin(fen)?
        } else {
            String::new()
        };
        if card.entry == Entry::Insert {
            if let Some((read, session)) = card.chip.as_mut() {
                if !pin.is_empty() {
                    chip::note_online_pin(read);
                }
                if let Err(e) = chip::first_ac(session, read) {
                    self.console.display(&["交易失败 DECLINED", e.display()]);
                    return Ok(());
                }
            }
        }
        let outcome = loop {
            let outcome = self.authorise(fen, &card, &pin);
            // Wrong PIN (55): the cardholder may try again (a chip's cryptogram
            // is spent, so an inserted card is declined instead).
            let wrong_pin = matches!(&outcome, Ok((resp, _, _)) if resp.text(39) == Some("55"));
            if wrong_pin && card.entry != Entry::Insert && !pin.is_empty() {
                self.console.display(&["密码错误 请重试 WRONG PIN, TRY AGAIN"]);
                pin = self.read_pin(fen)?;
                continue;
            }
            break outcome;
        };
        match outcome {
            Ok((resp, stan, req)) if resp.text(39) == Some("00") => {
                if !self.card_accepts(&mut card, &resp, true) {
                    // Host approved, card declined: the host must take it back.
                    let _ = self.arm_reversal(&req, stan, fen);
                    self.settle_reversal(Some("06"));
                    self.last_code = Some("ND".into());
                    self.console.display(&["交易失败 FAILED", "卡片拒绝 DECLINED BY CARD"]);
                } else {
                    self.console
                        .display(&["交易成功 APPROVED", &format!("RMB {}", receipt::yuan(fen))]);
                    self.print_slips(fen, &card, &resp, stan, "sale");
                }
            }
            Ok((resp, _, _)) => {
                self.card_accepts(&mut card, &resp, false);
                let code = resp.text(39).unwrap_or("--").to_string();
                self.console
                    .display(&["交易失败 DECLINED", &format!("{code} {}", decline_reason(&code))]);
            }
            Err(why) => {
                self.console.log(&format!("sale failed: {why}"));
                self.console.display(&["交易失败 FAILED", &why]);
            }
        }
        if let Some(results) = self.pending_script_result.take() {
            self.send_script_result(&card, fen, &results);
        }
        if self.keys.is_none() {
            self.sign_on();
        }
        Ok(())
    }

    /// The script result notice (0620, 60.3 = 951) after issuer scripts ran.
    fn send_script_result(&mut self, card: &CardData, fen: u64, results: &[u8]) {
        let (Some(mac_key), Some((read, _))) = (self.keys.as_ref().map(|k| k.mac), card.chip.as_ref()) else {
            return;
        };
        let Ok(stan) = self.flash.next_stan() else { return };
        let mut f55 = crate::tlv::encode("DF31", results);
        for tag in ["9F33", "95", "9F37", "9F10", "9F26", "9F36", "82", "9F1A", "9A"] {
            if let Some(v) = read.tags.get(tag) {
                f55.extend(crate::tlv::encode(tag, v));
            }
        }
        let mut req = Message::new("0620");
        req.set(2, card.pan.clone())
            .set(3, "000000")
            .set(4, format!("{fen:012}"))
            .set(11, format!("{stan:06}"))
            .set(22, "051")
            .set(23, format!("0{}", read.psn))
            .set(41, self.params.terminal_id.clone())
            .set(42, self.params.merchant_id.clone())
            .set(49, "156")
            .set(60, format!("00{:06}951", self.flash.state.batch))
            .set_bytes(55, f55);
        if let Err(why) = self.send_online(req, stan, fen, &mac_key, false) {
            self.console.log(&format!("script result notice failed: {why}"));
        }
    }

    /// Payment codes: the customer's code (B scans C) or the terminal's (C scans B).
    fn qr_menu(&mut self) -> Result<(), Abort> {
        self.console
            .display(&["扫码 QR", "1.扫付款码 SCAN CUSTOMER CODE 2.出示收款码 SHOW QR CODE"]);
        loop {
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "1" => return self.qr_sale(),
                "2" => return self.qr_order(),
                _ => {}
            }
        }
    }

    /// C scans B (主扫): the terminal shows an order code from the host, then
    /// asks the host until the customer has paid it in the wallet.
    fn qr_order(&mut self) -> Result<(), Abort> {
        let fen = self.read_amount()?;
        self.send_pending_reversal();
        self.console.display(&["处理中 PROCESSING", "请稍候 PLEASE WAIT"]);
        let Some(mac_key) = self.keys.as_ref().map(|k| k.mac) else {
            self.console.display(&["交易失败 FAILED", "未签到 NOT SIGNED ON"]);
            return Ok(());
        };
        let qr = &self.params.qr;
        let (create, query, cancel) = (qr.create_order.clone(), qr.query.clone(), qr.cancel.clone());
        let (pending, poll, polls) = (
            qr.pending_response.clone(),
            Duration::from_millis(qr.poll_ms),
            qr.order_polls,
        );
        let request = |this: &mut Self, processing: &str, original: Option<u32>| -> Result<(Message, u32), String> {
            let stan = this.flash.next_stan().map_err(|e| format!("flash: {e}"))?;
            let mut req = Message::new("0200");
            req.set(3, processing.to_string())
                .set(4, format!("{fen:012}"))
                .set(11, format!("{stan:06}"))
                .set(22, "032")
                .set(25, "00")
                .set(41, this.params.terminal_id.clone())
                .set(42, this.params.merchant_id.clone())
                .set(49, "156")
                .set(60, format!("22{:06}00050", this.flash.state.batch));
            if let Some(orig) = original {
                req.set(61, format!("{:06}{orig:06}", this.flash.state.batch));
            }
            this.send_online(req, stan, fen, &mac_key, false)
                .map(|(resp, stan, _)| (resp, stan))
        };
        let (order, order_stan) = match request(self, &create, None) {
            Ok(r) if r.0.text(39) == Some("00") => r,
            Ok((r, _)) => {
                let code = r.text(39).unwrap_or("--").to_string();
                self.console
                    .display(&["交易失败 DECLINED", &format!("{code} {}", decline_reason(&code))]);
                return Ok(());
            }
            Err(why) => {
                self.console.display(&["交易失败 FAILED", &why]);
                return Ok(());
            }
        };
        let url = order.text(self.params.qr.order_field).unwrap_or("").trim().to_string();
        // The code itself goes to the terminal's screen; the console shows its content.
        self.console
            .display(&["请扫码支付 SCAN TO PAY", &url, &format!("RMB {}", receipt::yuan(fen))]);
        let mut paid = None;
        for _ in 0..polls {
            std::thread::sleep(poll);
            match request(self, &query, Some(order_stan)) {
                Ok((r, _)) if r.text(39) == Some("00") => {
                    paid = Some(r);
                    break;
                }
                Ok((r, _)) if r.text(39) == Some(pending.as_str()) => {}
                Ok((r, _)) => {
                    let code = r.text(39).unwrap_or("--").to_string();
                    self.console
                        .display(&["交易失败 DECLINED", &format!("{code} {}", decline_reason(&code))]);
                    return Ok(());
                }
                Err(why) => self.console.log(&format!("query failed: {why}")),
            }
        }
        match paid {
            Some(resp) => {
                self.console
                    .display(&["交易成功 APPROVED", &format!("RMB {}", receipt::yuan(fen))]);
                let card = CardData {
                    pan: url.clone(),
                    expiry: String::new(),
                    track2: String::new(),
                    track3: None,
                    entry: Entry::Scan,
                    chip: None,
                };
                self.print_slips(fen, &card, &resp, order_stan, "sale");
            }
            None => {
                let _ = request(self, &cancel, Some(order_stan));
                self.console
                    .display(&["交易失败 FAILED", "支付超时已撤销 PAYMENT TIMED OUT, CANCELLED"]);
            }
        }
        Ok(())
    }

    /// Sale by payment code (B scans C, qr.md): pay, then query while the
    /// customer is still paying, cancel when they never finish.
    fn qr_sale(&mut self) -> Result<(), Abort> {
        let fen = self.read_amount()?;
        let code = loop {
            self.console
                .display(&["请出示付款码 SHOW PAYMENT CODE", &format!("RMB {}", receipt::yuan(fen))]);
            match self.next_input(Some(PROMPT_TIMEOUT))? {
                Input::Key(k) if k == "CANCEL" => return Err(Abort::Cancelled),
                Input::Scan(code) => break code,
                _ => {}
            }
        };
        self.send_pending_reversal();
        self.console.display(&["处理中 PROCESSING", "请稍候 PLEASE WAIT"]);
        let Some(mac_key) = self.keys.as_ref().map(|k| k.mac) else {
            self.console.display(&["交易失败 FAILED", "未签到 NOT SIGNED ON"]);
            return Ok(());
        };
        let qr = &self.params.qr;
        let (pay_code, query_code, cancel_code, field) =
            (qr.pay.clone(), qr.query.clone(), qr.cancel.clone(), qr.code_field);
        let (pending, poll, polls) = (qr.pending_response.clone(), Duration::from_millis(qr.poll_ms), qr.polls);
        let request = |this: &mut Self,
                       processing: &str,
                       with_code: bool,
                       original: Option<u32>|
         -> Result<(Message, u32), String> {
            let stan = this.flash.next_stan().map_err(|e| format!("flash: {e}"))?;
            let mut req = Message::new("0200");
            req.set(3, processing.to_string())
                .set(4, format!("{fen:012}"))
                .set(11, format!("{stan:06}"))
                .set(22, "032")
                .set(25, "00")
                .set(41, this.params.terminal_id.clone())
                .set(42, this.params.merchant_id.clone())
                .set(49, "156")
                .set(60, format!("22{:06}00050", this.flash.state.batch));
            if with_code {
                req.set(field, code.clone());
            }
            if let Some(orig) = original {
                req.set(61, format!("{:06}{orig:06}", this.flash.state.batch));
            }
            let reversible = processing == pay_code;
            this.send_online(req, stan, fen, &mac_key, reversible)
                .map(|(resp, stan, _)| (resp, stan))
        };
        let (mut resp, pay_stan) = match request(self, &pay_code, true, None) {
            Ok(r) => r,
            Err(why) => {
                self.console.display(&["交易失败 FAILED", &why]);
                return Ok(());
            }
        };
        let mut left = polls;
        while resp.text(39) == Some(pending.as_str()) && left > 0 {
            self.console
                .display(&["用户支付中 CUSTOMER PAYING", "请稍候 PLEASE WAIT"]);
            // The customer types a password on the phone: ask again in a while.
            std::thread::sleep(poll);
            left -= 1;
            match request(self, &query_code, false, Some(pay_stan)) {
                Ok((r, _)) => resp = r,
                Err(why) => self.console.log(&format!("query failed: {why}")),
            }
        }
        match resp.text(39) {
            Some("00") => {
                self.console
                    .display(&["交易成功 APPROVED", &format!("RMB {}", receipt::yuan(fen))]);
                let card = CardData {
                    pan: code.clone(),
                    expiry: String::new(),
                    track2: String::new(),
                    track3: None,
                    entry: Entry::Scan,
                    chip: None,
                };
                self.print_slips(fen, &card, &resp, pay_stan, "sale");
            }
            Some(c) if c == pending => {
                let _ = request(self, &cancel_code, false, Some(pay_stan));
                self.console
                    .display(&["交易失败 FAILED", "支付超时已撤销 PAYMENT TIMED OUT, CANCELLED"]);
            }
            other => {
                let code = other.unwrap_or("--").to_string();
                self.console
                    .display(&["交易失败 DECLINED", &format!("{code} {}", decline_reason(&code))]);
            }
        }
        Ok(())
    }

    /// Contact chip: the issuer's answer goes to the card (second GENERATE AC);
    /// true when the card agrees to approve. Other cards agree by definition.
    fn card_accepts(&mut self, card: &mut CardData, resp: &Message, approved: bool) -> bool {
        let (Entry::Insert, Some((read, session))) = (card.entry, card.chip.as_mut()) else {
            return true;
        };
        let arc = resp.text(39).unwrap_or("Z3");
        let raw55 = resp.bytes(55).unwrap_or_default().to_vec();
        let f55 = crate::tlv::parse(&raw55);
        let iad = f55.get("91").cloned();
        let accepted = match chip::second_ac(session, read, arc, iad.as_deref(), approved) {
            Ok(tc) => tc || !approved,
            Err(_) => false,
        };
        let scripts = crate::tlv::scripts(&raw55);
        if !scripts.is_empty() {
            let results = chip::run_scripts(session, &scripts);
            self.pending_script_result = Some(results);
        }
        accepted
    }

    /// Sends a pending reversal, if any; the flash keeps it until the host took it.
    fn send_pending_reversal(&mut self) {
        let Some(mut pending) = self.flash.state.reversal.clone() else {
            return;
        };
        let Some(keys) = &self.keys else { return };
        self.console.display(&["冲正中 REVERSING", "请稍候 PLEASE WAIT"]);
        let mut req = Message::new("0400");
        req.set(2, pending.pan.clone())
            .set(3, pending.processing_code.clone())
            .set(4, format!("{:012}", pending.amount_fen))
            .set(11, format!("{:06}", pending.stan))
            .set(14, pending.expiry.clone())
            .set(22, pending.entry_mode.clone())
            .set(25, pending.condition.clone())
            .set(39, pending.reason.clone())
            .set(41, self.params.terminal_id.clone())
            .set(42, self.params.merchant_id.clone())
            .set(49, "156")
            .set(60, pending.field60.clone());
        let answered = self
            .link
            .pack(&mut req, Some(&keys.mac))
            .ok()
            .and_then(|body| self.link.exchange(&body).ok())
            .is_some_and(|(raw, resp)| {
                resp.mti == "0410" && resp.text(11) == req.text(11) && host_link::mac_valid(&keys.mac, &raw)
            });
        if answered {
            self.console.log(&format!("reversal of {:06} accepted", pending.stan));
            self.flash.state.reversal = None;
        } else {
            pending.tries += 1;
            if pending.tries >= self.params.reversal_retries {
                self.console
                    .display(&["冲正失败 REVERSAL FAILED", &format!("{:06}", pending.stan)]);
                self.flash.state.reversal = None;
            } else {
                self.flash.state.reversal = Some(pending);
            }
        }
        let _ = self.flash.save();
    }

    /// Records the reversal of `req` in flash before it is sent.
    fn arm_reversal(&mut self, req: &Message, stan: u32, fen: u64) -> Result<(), String> {
        let text = |f: u8| req.text(f).unwrap_or_default().to_string();
        self.flash.state.reversal = Some(PendingReversal {
            mti: req.mti.clone(),
            stan,
            pan: text(2),
            processing_code: text(3),
            // The regression image's bug: the receipt shows ten times the amount.
            amount_fen: if self.firmware.receipt_amount_bug {
                fen * 10
            } else {
                fen
            },
            expiry: text(14),
            entry_mode: text(22),
            condition: text(25),
            field60: text(60),
            reason: "98".into(),
            tries: 0,
        });
        self.flash.save().map_err(|e| format!("flash: {e}"))
    }

    fn settle_if(&mut self, reversible: bool, reason: Option<&str>) {
        if reversible {
            self.settle_reversal(reason);
        }
    }

    /// Keeps (with `reason`) or clears the armed reversal after an exchange.
    fn settle_reversal(&mut self, reason: Option<&str>) {
        match reason {
            Some(reason) => {
                if let Some(r) = self.flash.state.reversal.as_mut() {
                    r.reason = reason.to_string();
                }
            }
            None => self.flash.state.reversal = None,
        }
        let _ = self.flash.save();
    }

    fn authorise(&mut self, fen: u64, card: &CardData, pin: &str) -> Result<(Message, u32, Message), String> {
        self.send_pending_reversal();
        self.console.display(&["处理中 PROCESSING", "请稍候 PLEASE WAIT"]);
        let Some(keys) = &self.keys else {
            return Err("未签到 NOT SIGNED ON".into());
        };
        let stan = self.flash.next_stan().map_err(|e| format!("flash: {e}"))?;
        let mac_key = keys.mac;
        let mut req = self.card_request(card, pin, stan, "000000", "22");
        req.set(4, format!("{fen:012}"));
        if let Some((read, _)) = &card.chip {
            req.set(23, format!("0{}", read.psn));
            req.set_bytes(55, chip::field55(read));
        }
        self.send_online(req, stan, fen, &mac_key, true)
    }

    /// Sends a MAC'd request and checks the answer (MTI, echoes, MAC). A
    /// reversible request has its reversal saved in flash first.
    fn send_online(
        &mut self,
        mut req: Message,
        stan: u32,
        fen: u64,
        mac_key: &[u8; 8],
        reversible: bool,
    ) -> Result<(Message, u32, Message), String> {
        let mac_key = *mac_key;
        let body = self.link.pack(&mut req, Some(&mac_key)).map_err(|e| e.to_string())?;
        if reversible {
            self.arm_reversal(&req, stan, fen)?;
        }
        let expected_mti = format!("{:04}", req.mti.parse::<u16>().unwrap_or(0) + 10);
        let (raw, resp) = match self.link.exchange(&body) {
            Ok(answer) => answer,
            Err(LinkError::Unreachable(_)) => {
                // Nothing left the terminal: there is nothing to reverse.
                self.settle_if(reversible, None);
                return Err("连接失败 HOST UNREACHABLE".into());
            }
            Err(LinkError::NoAnswer(_)) => {
                self.settle_if(reversible, Some("98"));
                return Err("交易超时 NO RESPONSE".into());
            }
            Err(other) => {
                self.settle_if(reversible, Some("06"));
                return Err(other.to_string());
            }
        };
        let echoed = |f: u8| resp.text(f) == req.text(f);
        let approved = resp.text(39) == Some("00");
        if resp.mti != expected_mti
            || !echoed(3)
            || !echoed(11)
            || !echoed(41)
            || (approved && (!echoed(4) || !echoed(42)))
        {
            self.settle_if(reversible, Some("06"));
            return Err("响应不匹配 RESPONSE MISMATCH".into());
        }
        let mac_ok = if resp.bytes(64).is_some() {
            host_link::mac_valid(&mac_key, &raw)
        } else {
            !approved
        };
        if !mac_ok {
            self.settle_if(reversible, Some("A0"));
            self.keys = None;
            return Err("MAC校验错 MAC ERROR".into());
        }
        self.settle_if(reversible, None);
        if matches!(resp.text(39), Some("A0") | Some("77")) {
            // The host wants new keys (A0) or a new batch (77): sign on again.
            self.keys = None;
        }
        self.last_code = resp.text(39).map(str::to_string);
        Ok((resp, stan, req))
    }

    fn print_slips(&mut self, fen: u64, card: &CardData, resp: &Message, stan: u32, kind: &str) {
        let f44 = resp.text(44).unwrap_or("");
        let (issuer, acquirer) = if f44.len() >= 22 {
            (f44[..11].trim(), f44[11..22].trim())
        } else {
            (f44.trim(), "")
        };
        let year = crate::clock::year();
        let date = resp.text(13).unwrap_or("0000");
        let time = resp.text(12).unwrap_or("000000");
        let slip = Slip {
            merchant_name: &self.params.merchant_name,
            merchant_id: &self.params.merchant_id,
            terminal_id: &self.params.terminal_id,
            operator: &self.params.operator,
            masked_pan: receipt::mask_pan(&card.pan),
            entry: card.entry_mode().1,
            wallet: (card.entry == Entry::Scan).then(|| wallet_name(&card.pan)),
            application: card.chip.as_ref().map(|(r, _)| {
                let aid = r.tags.get("84").map(hex::encode_upper).unwrap_or_default();
                (aid, r.label.clone())
            }),
            issuer: issuer.to_string(),
            acquirer: if acquirer.is_empty() {
                self.params.acquirer_name.clone()
            } else {
                acquirer.to_string()
            },
            expiry: card.expiry.clone(),
            trans_type: match (kind, card.entry) {
                ("void", _) => "撤销 VOID",
                ("preauth", _) => "预授权 PRE-AUTH",
                ("preauth-cancel", _) => "预授权撤销 PRE-AUTH CANCEL",
                ("completion", _) => "预授权完成 COMPLETION",
                ("completion-void", _) => "完成撤销 COMPLETION VOID",
                ("refund", _) => "退货 REFUND",
                (_, Entry::Scan) => "扫码消费 QR SALE",
                _ => "消费 SALE",
            },
            batch: self.flash.state.batch,
            voucher: stan,
            auth_code: resp.text(38).unwrap_or("").trim().to_string(),
            rrn: resp.text(37).unwrap_or("").trim().to_string(),
            datetime: format!(
                "{year}/{}/{} {}:{}:{}",
                &date[..2],
                &date[2..],
                &time[..2],
                &time[2..4],
                &time[4..]
            ),
            // The regression image's bug: the receipt shows ten times the amount.
            amount_fen: if self.firmware.receipt_amount_bug {
                fen * 10
            } else {
                fen
            },
        };
        let free_of_signature = card.entry == Entry::Tap && fen <= self.params.no_signature_limit_fen;
        let mut cardholder_copy = Vec::new();
        for copy in ["商户存根 MERCHANT COPY", "持卡人存根 CARDHOLDER COPY"] {
            let mut lines = slip.lines(copy);
            if free_of_signature {
                // 免密免签: no signature line on small contactless sales.
                if let Some(at) = lines.iter().position(|l| l.starts_with("持卡人签名")) {
                    lines.splice(at..at + 3, ["免密免签 NO PIN, NO SIGNATURE REQUIRED".to_string()]);
                }
            }
            self.print(&lines);
            cardholder_copy = lines;
        }
        self.flash.state.log.push(LogEntry {
            kind: kind.to_string(),
            stan,
            amount_fen: fen,
            masked_pan: receipt::mask_pan(&card.pan),
            rrn: resp.text(37).unwrap_or("").trim().to_string(),
            auth_code: resp.text(38).unwrap_or("").trim().to_string(),
            voided: false,
            entry_mode: card.entry_mode().0.to_string(),
            slip: cardholder_copy,
        });
        let _ = self.flash.save();
    }

    /// One printed document, then the paper cut. Out of paper, the printer
    /// waits (the sensor is polled, as printer firmware does) until paper is loaded.
    fn print(&self, lines: &[String]) {
        if let Some(sensor) = &self.paper {
            if sensor.out_of_paper() {
                self.console
                    .display(&["打印机缺纸 PAPER OUT", "请装纸 PLEASE LOAD PAPER"]);
                while sensor.out_of_paper() {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        for line in lines {
            self.console.line("PRN", line);
        }
        self.console.line("CUT", "");
    }

    /// Balance inquiry (余额查询): card, PIN, the balance on the display, no receipt.
    fn balance_inquiry(&mut self) -> Result<(), Abort> {
        let card = self.read_card(0)?;
        let pin = self.read_pin(0)?;
        self.send_pending_reversal();
        self.console.display(&["处理中 PROCESSING", "请稍候 PLEASE WAIT"]);
        let Some(mac_key) = self.keys.as_ref().map(|k| k.mac) else {
            self.console.display(&["交易失败 FAILED", "未签到 NOT SIGNED ON"]);
            return Ok(());
        };
        let stan = self.flash.next_stan().map_err(|_| Abort::Card("flash"))?;
        let mut req = self.card_request(&card, &pin, stan, "310000", "01");
        req.fields.remove(&4);
        match self.send_online(req, stan, 0, &mac_key, false) {
            Ok((resp, _, _)) if resp.text(39) == Some("00") => {
                let f54 = resp.text(54).unwrap_or("");
                let fen: u64 = f54.get(8..20).and_then(|a| a.parse().ok()).unwrap_or(0);
                let sign = if f54.get(7..8) == Some("D") { "-" } else { "" };
                self.console
                    .display(&["余额 BALANCE", &format!("RMB {sign}{}", receipt::yuan(fen))]);
            }
            Ok((resp, _, _)) => {
                let code = resp.text(39).unwrap_or("--").to_string();
                self.console
                    .display(&["交易失败 DECLINED", &format!("{code} {}", decline_reason(&code))]);
            }
            Err(why) => self.console.display(&["交易失败 FAILED", &why]),
        }
        Ok(())
    }

    /// The fields every card request shares, for field 3 `processing` and 60.1 `type_code`.
    fn card_request(&self, card: &CardData, pin: &str, stan: u32, processing: &str, type_code: &str) -> Message {
        let mut req = Message::new("0200");
        req.set(2, card.pan.clone())
            .set(3, processing.to_string())
            .set(11, format!("{stan:06}"))
            .set(14, card.expiry.clone())
            .set(
                22,
                format!("{}{}", card.entry_mode().0, if pin.is_empty() { "2" } else { "1" }),
            )
            .set(25, "00")
            .set(35, card.track2.clone())
            .set(41, self.params.terminal_id.clone())
            .set(42, self.params.merchant_id.clone())
            .set(49, "156")
            .set(53, "1600000000000000")
            .set(60, format!("{type_code}{:06}00050", self.flash.state.batch));
        if let (false, Some(keys)) = (pin.is_empty(), &self.keys) {
            req.set(26, "12");
            req.set_bytes(52, crypto::pin_block(&keys.pin, pin, &card.pan).to_vec());
        }
        if let Some(t3) = &card.track3 {
            req.set(36, t3.clone());
        }
        req
    }

    /// Void (撤销) of a sale of this batch, by its voucher number.
    fn void(&mut self) -> Result<(), Abort> {
        self.void_of(None)
    }

    fn void_of(&mut self, voucher: Option<u32>) -> Result<(), Abort> {
        let voucher = match voucher {
            Some(v) => v,
            None => self.read_number("请输入原凭证号 ENTER VOUCHER NO", 6)?,
        };
        let Some(i) = self
            .flash
            .state
            .log
            .iter()
            .position(|e| e.kind == "sale" && e.stan == voucher && !e.voided)
        else {
            self.console
                .display(&["交易失败 FAILED", "原交易不存在 NO SUCH TRANSACTION"]);
            return Ok(());
        };
        let original = self.flash.state.log[i].clone();
        let card = self.read_card(original.amount_fen)?;
        if receipt::mask_pan(&card.pan) != original.masked_pan {
            self.console
                .display(&["交易失败 FAILED", "卡号不符 NOT THE ORIGINAL CARD"]);
            return Ok(());
        }
        let pin = self.read_pin(original.amount_fen)?;
        self.send_pending_reversal();
        self.console.display(&["处理中 PROCESSING", "请稍候 PLEASE WAIT"]);
        let Some(mac_key) = self.keys.as_ref().map(|k| k.mac) else {
            self.console.display(&["交易失败 FAILED", "未签到 NOT SIGNED ON"]);
            return Ok(());
        };
        let stan = self.flash.next_stan().map_err(|_| Abort::Card("flash"))?;
        let mut req = self.card_request(&card, &pin, stan, "200000", "23");
        req.set(4, format!("{:012}", original.amount_fen))
            .set(37, original.rrn.clone())
            .set(38, original.auth_code.clone())
            .set(61, format!("{:06}{:06}", self.flash.state.batch, original.stan));
        match self.send_online(req, stan, original.amount_fen, &mac_key, true) {
            Ok((resp, stan, _)) if resp.text(39) == Some("00") => {
                self.flash.state.log[i].voided = true;
                self.console.display(&[
                    "交易成功 APPROVED",
                    &format!("撤销 VOID RMB {}", receipt::yuan(original.amount_fen)),
                ]);
                self.print_slips(original.amount_fen, &card, &resp, stan, "void");
            }
            Ok((resp, _, _)) => {
                let code = resp.text(39).unwrap_or("--").to_string();
                self.console
                    .display(&["交易失败 DECLINED", &format!("{code} {}", decline_reason(&code))]);
            }
            Err(why) => self.console.display(&["交易失败 FAILED", &why]),
        }
        Ok(())
    }

    /// The pre-authorisation family (预授权): pre-auth, cancel, completion,
    /// completion void, chosen from a sub-menu.
    fn preauth_menu(&mut self) -> Result<(), Abort> {
        self.console.display(&[
            "预授权 PRE-AUTH",
            "1.预授权 PRE-AUTH 2.撤销 CANCEL 3.完成 COMPLETION 4.完成撤销 COMPLETION VOID",
        ]);
        loop {
            let key = self.next_key()?;
            match key.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "1" => {
                    let fen = self.read_amount()?;
                    return self.card_transaction(&PRE_AUTH, fen, |_, _| {});
                }
                "2" | "3" => {
                    let cancel = key == "2";
                    let auth = self.read_number("请输入原授权码 ENTER AUTH CODE", 6)?;
                    let fen = self.read_amount()?;
                    let spec = if cancel { &PRE_AUTH_CANCEL } else { &COMPLETION };
                    return self.card_transaction(spec, fen, move |req, batch| {
                        req.set(38, format!("{auth:06}"));
                        req.set(61, format!("{batch:06}000000"));
                    });
                }
                "4" => {
                    let voucher = self.read_number("请输入原凭证号 ENTER VOUCHER NO", 6)?;
                    let Some(original) = self
                        .flash
                        .state
                        .log
                        .iter()
                        .find(|e| e.kind == "completion" && e.stan == voucher && !e.voided)
                        .cloned()
                    else {
                        self.console
                            .display(&["交易失败 FAILED", "原交易不存在 NO SUCH TRANSACTION"]);
                        return Ok(());
                    };
                    let (orig_stan, rrn, auth) = (original.stan, original.rrn.clone(), original.auth_code.clone());
                    let result = self.card_transaction(&COMPLETION_VOID, original.amount_fen, move |req, batch| {
                        req.set(37, rrn);
                        req.set(38, auth);
                        req.set(61, format!("{batch:06}{orig_stan:06}"));
                    });
                    if self.flash.state.log.last().is_some_and(|e| e.kind == "completion-void") {
                        if let Some(e) = self
                            .flash
                            .state
                            .log
                            .iter_mut()
                            .find(|e| e.kind == "completion" && e.stan == orig_stan)
                        {
                            e.voided = true;
                        }
                        let _ = self.flash.save();
                    }
                    return result;
                }
                _ => {}
            }
        }
    }

    /// Refund (退货): an advice (0220) naming the original's RRN and date.
    fn refund(&mut self) -> Result<(), Abort> {
        let rrn = self.read_digits("请输入原参考号 ENTER ORIGINAL RRN", 12)?;
        let date = self.read_digits("请输入原交易日期 ENTER DATE MMDD", 4)?;
        let fen = self.read_amount()?;
        self.card_transaction(&REFUND, fen, move |req, _| {
            req.set(37, rrn.clone());
            req.set(61, format!("000000000000{date}"));
        })
    }

    /// A card transaction other than the sale: card, PIN, one online request
    /// of `spec`, and the receipt on approval.
    fn card_transaction(
        &mut self,
        spec: &TxnSpec,
        fen: u64,
        extra: impl FnOnce(&mut Message, u32),
    ) -> Result<(), Abort> {
        let card = self.read_card(fen)?;
        let pin = if self.needs_pin(&card, fen) {
            self.read_pin(fen)?
        } else {
            String::new()
        };
        self.send_pending_reversal();
        self.console.display(&["处理中 PROCESSING", "请稍候 PLEASE WAIT"]);
        let Some(mac_key) = self.keys.as_ref().map(|k| k.mac) else {
            self.console.display(&["交易失败 FAILED", "未签到 NOT SIGNED ON"]);
            return Ok(());
        };
        let stan = self.flash.next_stan().map_err(|_| Abort::Card("flash"))?;
        let mut req = self.card_request(&card, &pin, stan, spec.processing, spec.type_code);
        req.mti = spec.mti.to_string();
        req.set(4, format!("{fen:012}")).set(25, spec.condition);
        extra(&mut req, self.flash.state.batch);
        match self.send_online(req, stan, fen, &mac_key, spec.reversible) {
            Ok((resp, stan, _)) if resp.text(39) == Some("00") => {
                self.console.display(&[
                    "交易成功 APPROVED",
                    &format!("{} RMB {}", spec.label, receipt::yuan(fen)),
                ]);
                self.print_slips(fen, &card, &resp, stan, spec.log_kind);
            }
            Ok((resp, _, _)) => {
                let code = resp.text(39).unwrap_or("--").to_string();
                self.console
                    .display(&["交易失败 DECLINED", &format!("{code} {}", decline_reason(&code))]);
            }
            Err(why) => self.console.display(&["交易失败 FAILED", &why]),
        }
        Ok(())
    }

    /// Reads exactly `n` digits (RRN, dates); ENTER ends it.
    fn read_digits(&self, prompt: &str, n: usize) -> Result<String, Abort> {
        let mut digits = String::new();
        loop {
            self.console.display(&[prompt, &digits]);
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "CLEAR" => {
                    digits.pop();
                }
                "ENTER" if digits.len() == n => return Ok(digits),
                d if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() && digits.len() < n => digits.push_str(d),
                _ => {}
            }
        }
    }

    /// Reads a number from the keypad (voucher numbers); ENTER ends it.
    fn read_number(&self, prompt: &str, max_digits: usize) -> Result<u32, Abort> {
        let mut digits = String::new();
        loop {
            self.console.display(&[prompt, &digits]);
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "CLEAR" => {
                    digits.pop();
                }
                "ENTER" if !digits.is_empty() => return digits.parse().map_err(|_| Abort::Cancelled),
                d if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() && digits.len() < max_digits => {
                    digits.push_str(d)
                }
                _ => {}
            }
        }
    }

    /// Reprint (重打印): the last receipt, or any of the batch by voucher number.
    fn reprint_menu(&mut self) -> Result<(), Abort> {
        self.console
            .display(&["重打印 REPRINT", "1.最后一笔 LAST 2.任意一笔 BY VOUCHER"]);
        loop {
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "1" => {
                    self.reprint(self.flash.state.log.len().checked_sub(1));
                    return Ok(());
                }
                "2" => {
                    let voucher = self.read_number("请输入原凭证号 ENTER VOUCHER NO", 6)?;
                    self.reprint(self.flash.state.log.iter().position(|e| e.stan == voucher));
                    return Ok(());
                }
                _ => {}
            }
        }
    }

    /// Network management (管理): echo test and downloads.
    fn management_menu(&mut self) -> Result<(), Abort> {
        self.console.display(&[
            "管理 MANAGEMENT",
            "1.回响测试 ECHO 2.参数下载 PARAMETERS 3.公钥下载 CAPK",
        ]);
        let (mti, code) = loop {
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "1" => break ("0820", "301"),
                "2" => break ("0800", "360"),
                "3" => break ("0800", "370"),
                _ => {}
            }
        };
        self.console.display(&["通讯中 COMMUNICATING", "请稍候 PLEASE WAIT"]);
        let stan = self.flash.next_stan().map_err(|_| Abort::Card("flash"))?;
        let mut req = Message::new(mti);
        req.set(11, format!("{stan:06}"))
            .set(41, self.params.terminal_id.clone())
            .set(42, self.params.merchant_id.clone())
            .set(60, format!("00{:06}{code}", self.flash.state.batch));
        let result = self
            .link
            .pack(&mut req, None)
            .map_err(|e| e.to_string())
            .and_then(|body| self.link.exchange(&body).map_err(|e| e.to_string()));
        match result {
            Ok((_, resp)) if resp.text(39) == Some("00") && code == "301" => {
                self.console.display(&["回响成功 ECHO OK"])
            }
            Ok((_, resp)) if resp.text(39) == Some("00") => {
                let n = resp.bytes(62).map_or(0, <[u8]>::len);
                self.console.display(&["下载成功 DOWNLOADED", &format!("{n} bytes")]);
            }
            Ok((_, resp)) => {
                let c = resp.text(39).unwrap_or("--").to_string();
                self.console
                    .display(&["下载失败 FAILED", &format!("{c} {}", decline_reason(&c))]);
            }
            Err(why) => self.console.display(&["交易失败 FAILED", &why]),
        }
        Ok(())
    }

    /// Reprint (重打印) of a logged receipt, marked as such.
    fn reprint(&self, index: Option<usize>) {
        match index.and_then(|i| self.flash.state.log.get(i)) {
            Some(entry) => {
                let mut lines = entry.slip.clone();
                lines.insert(1, "重打印 REPRINT".to_string());
                self.print(&lines);
                self.console.display(&["重打印完成 REPRINTED"]);
            }
            None => self.console.display(&["交易失败 FAILED", "无交易记录 NO TRANSACTION"]),
        }
    }

    /// Settlement (结算): totals to the host; when they differ, batch upload and
    /// batch end; a settlement report; the next batch.
    fn settle(&mut self) {
        self.send_pending_reversal();
        self.console.display(&["结算中 SETTLING", "请稍候 PLEASE WAIT"]);
        let Some(mac_key) = self.keys.as_ref().map(|k| k.mac) else {
            self.console.display(&["交易失败 FAILED", "未签到 NOT SIGNED ON"]);
            return;
        };
        // Debits: sales and completions still standing; credits: refunds.
        let log = &self.flash.state.log;
        let sales: Vec<LogEntry> = log
            .iter()
            .filter(|e| matches!(e.kind.as_str(), "sale" | "completion") && !e.voided)
            .cloned()
            .collect();
        let refunds: Vec<LogEntry> = log.iter().filter(|e| e.kind == "refund").cloned().collect();
        let (debit_fen, debit_count): (u64, usize) = (sales.iter().map(|e| e.amount_fen).sum(), sales.len());
        let (credit_fen, credit_count): (u64, usize) = (refunds.iter().map(|e| e.amount_fen).sum(), refunds.len());
        let batch = self.flash.state.batch;
        let totals = format!(
            "{debit_fen:012}{debit_count:03}{credit_fen:012}{credit_count:03}0{}",
            "0".repeat(31)
        );
        let network = |this: &mut Self, mti: &str, code: &str, f48: Option<String>| -> Result<Message, String> {
            let stan = this.flash.next_stan().map_err(|e| e.to_string())?;
            let mut req = Message::new(mti);
            req.set(11, format!("{stan:06}"))
                .set(41, this.params.terminal_id.clone())
                .set(42, this.params.merchant_id.clone())
                .set(60, format!("00{batch:06}{code}"));
            if let Some(f48) = f48 {
                req.set(48, f48);
            }
            this.send_online(req, stan, 0, &mac_key, false).map(|(resp, _, _)| resp)
        };
        let resp = match network(self, "0500", "201", Some(totals.clone())) {
            Ok(resp) if resp.text(39) == Some("00") => resp,
            Ok(resp) => {
                self.console
                    .display(&["结算失败 SETTLEMENT FAILED", resp.text(39).unwrap_or("--")]);
                return;
            }
            Err(why) => {
                self.console.display(&["结算失败 SETTLEMENT FAILED", &why]);
                return;
            }
        };
        let balanced = resp.text(48).and_then(|f| f.get(30..31)) == Some("1");
        if !balanced {
            for entry in sales.iter().chain(&refunds) {
                let code = if entry.entry_mode == "05" || entry.entry_mode == "07" {
                    "203"
                } else {
                    "201"
                };
                let record = format!("{:06}{:012}", entry.stan, entry.amount_fen);
                if let Err(why) = network(self, "0320", code, Some(record)) {
                    self.console.display(&["批上送失败 BATCH UPLOAD FAILED", &why]);
                    return;
                }
            }
            let _ = network(self, "0320", "207", Some(format!("{:04}", sales.len())));
        }
        let report = vec![
            "结算单 SETTLEMENT REPORT".to_string(),
            format!("商户名称(MERCHANT NAME): {}", self.params.merchant_name),
            format!("终端编号(TERMINAL NO): {}", self.params.terminal_id),
            format!("批次号(BATCH NO): {batch:06}"),
            "--------------------------------".to_string(),
            format!(
                "借记 DEBIT   笔数(COUNT): {debit_count:>3}  金额(AMOUNT): RMB {}",
                receipt::yuan(debit_fen)
            ),
            format!(
                "贷记 CREDIT  笔数(COUNT): {:>3}  金额(AMOUNT): RMB {}",
                credit_count,
                receipt::yuan(credit_fen)
            ),
            format!(
                "对账结果(RESULT): {}",
                if balanced {
                    "对账平 BALANCED"
                } else {
                    "对账不平 已批上送 OUT OF BALANCE, UPLOADED"
                }
            ),
        ];
        self.print(&report);
        self.flash.state.batch = if batch >= 999_999 { 1 } else { batch + 1 };
        self.flash.state.log.clear();
        let _ = self.flash.save();
        self.console
            .display(&["结算完成 SETTLED", &format!("批次 BATCH {batch:06}")]);
    }
}

fn decline_reason(code: &str) -> &'static str {
    match code {
        "05" => "不予承兑 DO NOT HONOUR",
        "14" => "无效卡号 INVALID CARD",
        "51" => "余额不足 INSUFFICIENT FUNDS",
        "54" => "卡已过期 EXPIRED CARD",
        "55" => "密码错误 INCORRECT PIN",
        "61" => "超出金额限制 AMOUNT LIMIT",
        "75" => "密码错误次数超限 PIN TRIES EXCEEDED",
        "94" => "重复交易 DUPLICATE",
        "A0" => "MAC校验错 MAC ERROR",
        _ => "请联系收单行 CALL ACQUIRER",
    }
}

/// An unpredictable number (9F37) from the kernel's entropy source.
fn rand_bytes() -> [u8; 4] {
    let mut b = [0u8; 4];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut b);
    }
    b
}

/// The wallet a payment code belongs to (qr.md's code shapes).
fn wallet_name(code: &str) -> &'static str {
    match (code.get(0..2).and_then(|p| p.parse::<u32>().ok()), code.len()) {
        (Some(10..=15), 18) => "微信支付 WECHAT PAY",
        (Some(25..=30), 16..=24) => "支付宝 ALIPAY",
        (Some(62), 19) => "银联云闪付 UNIONPAY",
        _ => "其他 OTHER",
    }
}

/// What one kind of card transaction sends and prints.
struct TxnSpec {
    mti: &'static str,
    processing: &'static str,
    condition: &'static str,
    type_code: &'static str,
    label: &'static str,
    log_kind: &'static str,
    reversible: bool,
}

const PRE_AUTH: TxnSpec = TxnSpec {
    mti: "0100",
    processing: "030000",
    condition: "06",
    type_code: "10",
    label: "预授权 PRE-AUTH",
    log_kind: "preauth",
    reversible: true,
};
const PRE_AUTH_CANCEL: TxnSpec = TxnSpec {
    mti: "0100",
    processing: "200000",
    condition: "06",
    type_code: "11",
    label: "预授权撤销 CANCEL",
    log_kind: "preauth-cancel",
    reversible: true,
};
const COMPLETION: TxnSpec = TxnSpec {
    mti: "0200",
    processing: "000000",
    condition: "06",
    type_code: "20",
    label: "预授权完成 COMPLETION",
    log_kind: "completion",
    reversible: true,
};
const COMPLETION_VOID: TxnSpec = TxnSpec {
    mti: "0200",
    processing: "200000",
    condition: "06",
    type_code: "21",
    label: "完成撤销 COMPLETION VOID",
    log_kind: "completion-void",
    reversible: true,
};
const REFUND: TxnSpec = TxnSpec {
    mti: "0220",
    processing: "200000",
    condition: "00",
    type_code: "25",
    label: "退货 REFUND",
    log_kind: "refund",
    reversible: false,
};
