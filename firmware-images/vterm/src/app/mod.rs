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
use crate::personality::Model;
use crate::reader::{CardSession, Slot};
use crate::receipt::{self, Slip};
use crate::swipe::Swipe;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

mod card;
mod menu;
mod online;
mod payment_code;
mod preauth;
mod requests;
mod reversal;
mod sale;
mod settlement;
mod slip;

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
    /// An operator logged on (models with an operator log-on): the terminal
    /// may then sign on again by itself (after a MAC error).
    operator_on: bool,
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
    /// A payment code read by the scanner (its PAN the code, masked or not).
    fn scanned(code: &str) -> CardData {
        CardData {
            pan: code.to_string(),
            expiry: String::new(),
            track2: String::new(),
            track3: None,
            entry: Entry::Scan,
            chip: None,
        }
    }

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
            operator_on: false,
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

    pub fn run(mut self) {
        // A model with an operator log-on signs on when the operator logs on.
        if !self.params.model.operator_log_on() {
            self.sign_on();
            // A reversal left from before the power went goes out first
            // (still pending, the next online work tries again).
            self.send_pending_reversal();
        }
        loop {
            self.show_idle();
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
            match self.idle_choice(&key) {
                Some(menu::Choice::Transaction(txn)) => {
                    if let Err(Abort::PowerDown) = self.finish(txn) {
                        return;
                    }
                }
                Some(menu::Choice::Function(f)) => f(&mut self),
                None => {}
            }
        }
    }

    /// Signs on again when the working keys are gone (a MAC error), unless
    /// an operator must log on first.
    fn sign_on_again_if_needed(&mut self) {
        if self.keys.is_none() && (self.operator_on || !self.params.model.operator_log_on()) {
            self.sign_on();
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
        self.sign_on_again_if_needed();
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

    fn read_amount(&self) -> Result<u64, Abort> {
        if self.params.model.decimal_amounts() {
            return self.read_decimal_amount();
        }
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

    /// An amount in yuan with the decimal key ("12.5" is 12.50): what a
    /// keypad with a "." key does.
    fn read_decimal_amount(&self) -> Result<u64, Abort> {
        let mut typed = String::new();
        loop {
            let fen = fen_of(&typed);
            self.console
                .display(&["请输入金额 ENTER AMOUNT", &format!("RMB {}", receipt::yuan(fen))]);
            let decimals = typed.split_once('.').map(|(_, d)| d.len());
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "CLEAR" => {
                    typed.pop();
                }
                "ENTER" if fen > 0 => return Ok(fen),
                "." if decimals.is_none() => typed.push('.'),
                d if d.len() == 1
                    && d.as_bytes()[0].is_ascii_digit()
                    && decimals.is_none_or(|n| n < 2)
                    && typed.len() < 11 =>
                {
                    typed.push_str(d)
                }
                _ => {}
            }
        }
    }

    /// Reads exactly `n` digits (RRN, dates); ENTER ends it.
    fn read_digits(&self, prompt: &str, n: usize) -> Result<String, Abort> {
        self.read_fixed(prompt, n, false)
    }

    /// Reads `n` digits shown as stars (a password); ENTER ends it.
    fn read_secret(&self, prompt: &str, n: usize) -> Result<String, Abort> {
        self.read_fixed(prompt, n, true)
    }

    fn read_fixed(&self, prompt: &str, n: usize, starred: bool) -> Result<String, Abort> {
        let mut digits = String::new();
        loop {
            let shown = if starred {
                "*".repeat(digits.len())
            } else {
                digits.clone()
            };
            self.console.display(&[prompt, &shown]);
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
}

/// Fen of an amount typed in yuan ("12.5" -> 1250).
fn fen_of(typed: &str) -> u64 {
    let (yuan, decimals) = typed.split_once('.').unwrap_or((typed, ""));
    let yuan: u64 = yuan.parse().unwrap_or(0);
    let cents: u64 = format!("{decimals:0<2}")
        .get(..2)
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    yuan * 100 + cents
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

/// One random byte from the kernel's entropy source (random transaction selection).
pub(crate) fn random_byte() -> u8 {
    rand_bytes()[0]
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
    // An advice the host may have taken without the terminal hearing its
    // answer: reversed like a sale, or the host keeps a credit the batch
    // lacks (found by `rig chaos`: power cut at the refund request).
    reversible: true,
};
