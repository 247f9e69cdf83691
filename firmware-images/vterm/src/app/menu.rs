//! Menus that are not a card transaction: the cash register's requests, reprints, and management (echo test, downloads, sign-on).

use super::*;

impl Terminal {
    /// Runs what the cash register asked for and answers it.
    pub(super) fn serve_ecr(&mut self, request: crate::ecr::Request) -> Result<(), Abort> {
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
