//! Payment codes (扫码): the customer's code scanned (B scans C) and the terminal's order code (C scans B), with their queries.

use super::*;

impl Terminal {
    /// Payment codes: the customer's code (B scans C) or the terminal's (C scans B).
    pub(super) fn qr_menu(&mut self) -> Result<(), Abort> {
        self.console.display(&[
            "扫码 QR",
            "1.扫付款码 SCAN CUSTOMER CODE 2.出示收款码 SHOW QR CODE 3.扫码撤销 VOID 4.扫码退货 REFUND",
        ]);
        loop {
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "1" => return self.qr_sale(),
                "2" => return self.qr_order(),
                "3" => return self.qr_void(),
                "4" => return self.qr_refund(),
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
                self.print_slips(fen, &CardData::scanned(&code), &resp, pay_stan, "sale");
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

    /// 扫码撤销: voids a payment-code sale of this batch by its voucher
    /// number. No card and no PIN: the wallet's payment is what is voided.
    /// 0200, 200000, 60.1 = 23, entry 03x, the original's RRN, auth code and
    /// batch + voucher (pos-8583.md's void with qr.md's entry mode).
    pub(super) fn qr_void(&mut self) -> Result<(), Abort> {
        let voucher = self.read_number("请输入原凭证号 ENTER VOUCHER NO", 6)?;
        let Some(i) = self
            .flash
            .state
            .log
            .iter()
            .position(|e| e.kind == "sale" && e.entry_mode == "03" && e.stan == voucher && !e.voided)
        else {
            self.console
                .display(&["交易失败 FAILED", "原交易不存在 NO SUCH TRANSACTION"]);
            return Ok(());
        };
        let original = self.flash.state.log[i].clone();
        let Some((stan, mac_key)) = self.qr_online_start()? else {
            return Ok(());
        };
        let batch = self.flash.state.batch;
        let mut req = self.qr_request("200000", original.amount_fen, stan, Some(original.stan));
        req.set(37, original.rrn.clone())
            .set(38, original.auth_code.clone())
            .set(60, format!("23{batch:06}00050"));
        let code = CardData::scanned(&original.masked_pan);
        match self.send_online(req, stan, original.amount_fen, &mac_key, true) {
            Ok((resp, stan, _)) if resp.text(39) == Some("00") => {
                self.flash.state.log[i].voided = true;
                self.console.display(&[
                    "交易成功 APPROVED",
                    &format!("撤销 VOID RMB {}", receipt::yuan(original.amount_fen)),
                ]);
                self.print_slips(original.amount_fen, &code, &resp, stan, "void");
            }
            Ok((resp, _, _)) => self.show_decline(&resp),
            Err(why) => self.console.display(&["交易失败 FAILED", &why]),
        }
        Ok(())
    }

    /// 扫码退货: refunds part or all of a payment-code sale by its reference
    /// number and date. 0220, 200000, 60.1 = 25, entry 03x (pos-8583.md's
    /// refund with qr.md's entry mode).
    pub(super) fn qr_refund(&mut self) -> Result<(), Abort> {
        let rrn = self.read_digits("请输入原参考号 ENTER ORIGINAL RRN", 12)?;
        let date = self.read_digits("请输入原交易日期 ENTER DATE MMDD", 4)?;
        let fen = self.read_amount()?;
        let Some((stan, mac_key)) = self.qr_online_start()? else {
            return Ok(());
        };
        let batch = self.flash.state.batch;
        let mut req = self.qr_request("200000", fen, stan, None);
        req.mti = "0220".to_string();
        req.set(37, rrn.clone())
            .set(61, format!("000000000000{date}"))
            .set(60, format!("25{batch:06}00050"));
        let masked = self
            .flash
            .state
            .log
            .iter()
            .find(|e| e.rrn.trim() == rrn && e.entry_mode == "03")
            .map(|e| e.masked_pan.clone())
            .unwrap_or_default();
        match self.send_online(req, stan, fen, &mac_key, true) {
            Ok((resp, stan, _)) if resp.text(39) == Some("00") => {
                self.console
                    .display(&["交易成功 APPROVED", &format!("退货 REFUND RMB {}", receipt::yuan(fen))]);
                self.print_slips(fen, &CardData::scanned(&masked), &resp, stan, "refund");
            }
            Ok((resp, _, _)) => self.show_decline(&resp),
            Err(why) => self.console.display(&["交易失败 FAILED", &why]),
        }
        Ok(())
    }

    /// Before a payment-code void or refund goes online: a kept reversal
    /// first, then the STAN and MAC key; `None` when it must not go (shown).
    fn qr_online_start(&mut self) -> Result<Option<(u32, [u8; 8])>, Abort> {
        if self.reversal_blocks() {
            // The host has not taken the earlier reversal: nothing new goes out.
            return Ok(None);
        }
        self.console.display(&["处理中 PROCESSING", "请稍候 PLEASE WAIT"]);
        let Some(mac_key) = self.keys.as_ref().map(|k| k.mac) else {
            self.console.display(&["交易失败 FAILED", "未签到 NOT SIGNED ON"]);
            return Ok(None);
        };
        let stan = self.flash.next_stan().map_err(|_| Abort::Card("flash"))?;
        Ok(Some((stan, mac_key)))
    }

    /// A host's decline on the screen: its code and reason.
    pub(super) fn show_decline(&self, resp: &Message) {
        let code = resp.text(39).unwrap_or("--").to_string();
        self.console
            .display(&["交易失败 DECLINED", &format!("{code} {}", decline_reason(&code))]);
    }
}
