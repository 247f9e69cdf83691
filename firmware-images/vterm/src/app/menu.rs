//! The menu tree of each model, and menus that are not a card transaction: the cash register's requests, reprints, and management (echo test, downloads, sign-on).

use super::*;

/// What a key on the idle screen starts.
pub(super) enum Choice {
    /// A transaction: how an abort ended it is shown by `finish`.
    Transaction(Transaction),
    /// A function that shows its own end (settlement, sign-on).
    Function(fn(&mut Terminal)),
}

impl Terminal {
    /// The idle screen of this model.
    pub(super) fn show_idle(&self) {
        let menu = match self.params.model {
            Model::Vt1 => {
                "1.消费 SALE 2.扫码 QR 3.余额 BALANCE 4.撤销 VOID 5.结算 SETTLE 6.重打印 REPRINT 7.预授权 PRE-AUTH 8.退货 REFUND 9.签到 SIGN ON"
            }
            Model::Vt2 => "F1 SALE  F2 VOID  F3 SETTLE  F4 MORE",
        };
        self.console.display(&["请选择交易 SELECT TRANSACTION", menu]);
    }

    /// The menu tree: what `key` on the idle screen starts.
    pub(super) fn idle_choice(&self, key: &str) -> Option<Choice> {
        use Choice::{Function, Transaction};
        match (self.params.model, key) {
            (Model::Vt1, "1") | (Model::Vt2, "F1") => Some(Transaction(Self::sale)),
            (Model::Vt1, "2") => Some(Transaction(Self::qr_menu)),
            (Model::Vt1, "3") => Some(Transaction(Self::balance_inquiry)),
            (Model::Vt1, "4") | (Model::Vt2, "F2") => Some(Transaction(Self::void)),
            (Model::Vt1, "5") | (Model::Vt2, "F3") => Some(Function(|t| {
                // The settlement shows its own end, success or failure.
                t.settle();
            })),
            (Model::Vt1, "6") => Some(Transaction(Self::reprint_menu)),
            (Model::Vt1, "7") => Some(Transaction(Self::preauth_menu)),
            (Model::Vt1, "8") => Some(Transaction(Self::refund)),
            (Model::Vt1, "9") => Some(Function(|t| {
                t.sign_on();
                // As after the operator's log-on: a kept reversal goes now
                // (still pending, the next online work tries again).
                t.send_pending_reversal();
            })),
            (Model::Vt1, "0") => Some(Transaction(Self::management_menu)),
            (Model::Vt2, "F4") => Some(Transaction(Self::more_menu)),
            _ => None,
        }
    }

    /// VT-2's second level: everything not on a function key.
    fn more_menu(&mut self) -> Result<(), Abort> {
        self.console
            .display(&["MORE", "1 BALANCE 2 REFUND 3 PRE-AUTH 4 REPRINT 5 ADMIN"]);
        loop {
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "1" => return self.balance_inquiry(),
                "2" => return self.refund(),
                "3" => return self.preauth_menu(),
                "4" => return self.reprint_menu(),
                "5" => return self.admin_menu(),
                _ => {}
            }
        }
    }

    /// VT-2's administration: operator log-on (and sign-on), host test, downloads.
    fn admin_menu(&mut self) -> Result<(), Abort> {
        self.console
            .display(&["ADMIN", "1 LOG ON 2 HOST TEST 3 PARAMETERS 4 CAPK 5 IC PARAMS"]);
        loop {
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "1" => return self.operator_log_on(),
                "2" => return self.management("0820", "301"),
                "3" => return self.management("0800", "360"),
                "4" => return self.management("0800", "370"),
                "5" => return self.management("0800", "380"),
                _ => {}
            }
        }
    }

    /// The operator logs on with number and password, then the terminal
    /// signs on with the host and sends a reversal left from before.
    fn operator_log_on(&mut self) -> Result<(), Abort> {
        let operator = self.read_digits("OPERATOR NO", 2)?;
        let password = self.read_secret("PASSWORD", 4)?;
        let expected = self.params.operator_password.as_deref().unwrap_or("0000");
        if operator != self.params.operator || password != expected {
            self.console.display(&["交易失败 FAILED", "LOG ON REFUSED"]);
            return Ok(());
        }
        self.operator_on = true;
        self.sign_on();
        // Tried now; if it stays pending, the next online work tries again.
        self.send_pending_reversal();
        Ok(())
    }

    /// Runs what the cash register asked for and answers it.
    pub(super) fn serve_ecr(&mut self, request: crate::ecr::Request) -> Result<(), Abort> {
        use crate::ecr::Request;
        self.last_code = None;
        let outcome = match request {
            Request::Sale(fen) => self.sale_of(Some(fen)),
            Request::Void(voucher) => self.void_of(Some(voucher)),
            Request::Settle => {
                // A settlement that failed is answered as not done, never approved.
                if self.settle() {
                    self.last_code = Some("00".into());
                }
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

    /// Reprint (重打印): the last receipt, or any of the batch by voucher number.
    pub(super) fn reprint_menu(&mut self) -> Result<(), Abort> {
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
    pub(super) fn management_menu(&mut self) -> Result<(), Abort> {
        self.console.display(&[
            "管理 MANAGEMENT",
            "1.回响测试 ECHO 2.参数下载 PARAMETERS 3.公钥下载 CAPK 4.IC参数 IC PARAMS",
        ]);
        let (mti, code) = loop {
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "1" => break ("0820", "301"),
                "2" => break ("0800", "360"),
                "3" => break ("0800", "370"),
                "4" => break ("0800", "380"),
                _ => {}
            }
        };
        self.management(mti, code)
    }

    /// One network management exchange (60.3 `code`) and its result on the display.
    fn management(&mut self, mti: &str, code: &str) -> Result<(), Abort> {
        self.console.display(&["通讯中 COMMUNICATING", "请稍候 PLEASE WAIT"]);
        let stan = self.flash.next_stan().map_err(|_| Abort::Card("flash"))?;
        let mut req = self.network_request(mti, stan, code);
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
}
