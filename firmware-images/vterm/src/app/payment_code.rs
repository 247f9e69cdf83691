//! Payment codes (扫码): the customer's code scanned (B scans C) and the terminal's order code (C scans B), with their queries.

use super::*;

impl Terminal {
    /// Payment codes: the customer's code (B scans C) or the terminal's (C scans B).
    pub(super) fn qr_menu(&mut self) -> Result<(), Abort> {
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
    pub(super) fn qr_order(&mut self) -> Result<(), Abort> {
        let fen = self.read_amount()?;
        if self.reversal_blocks() {
            // The host has not taken the earlier reversal: nothing new goes out.
            return Ok(());
        }
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
            let req = this.qr_request(processing, fen, stan, original);
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
    pub(super) fn qr_sale(&mut self) -> Result<(), Abort> {
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
        if self.reversal_blocks() {
            // The host has not taken the earlier reversal: nothing new goes out.
            return Ok(());
        }
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
            let mut req = this.qr_request(processing, fen, stan, original);
            if with_code {
                req.set(field, code.clone());
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
}
