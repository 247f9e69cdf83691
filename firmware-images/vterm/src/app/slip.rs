//! Receipts (签购单): the merchant and cardholder copies, printing with the paper sensor, reprints.

use super::*;

impl Terminal {
    pub(super) fn print_slips(&mut self, fen: u64, card: &CardData, resp: &Message, stan: u32, kind: &str) {
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
        let model = self.params.model;
        let copies = match model {
            Model::Vt1 => ["商户存根 MERCHANT COPY", "持卡人存根 CARDHOLDER COPY"],
            Model::Vt2 => ["-- MERCHANT COPY --", "-- CUSTOMER COPY --"],
        };
        let documents: Vec<Vec<String>> = copies
            .into_iter()
            .map(|copy| {
                let mut lines = match model {
                    Model::Vt1 => slip.lines(copy),
                    Model::Vt2 => slip.lines_vt2(copy),
                };
                if free_of_signature {
                    // 免密免签: no signature line on small contactless sales.
                    if let Some(at) = lines.iter().position(|l| l.starts_with("持卡人签名")) {
                        lines.splice(at..at + 3, ["免密免签 NO PIN, NO SIGNATURE REQUIRED".to_string()]);
                    }
                }
                lines
            })
            .collect();
        // In the batch before a line prints: a power cut or paper out while
        // printing leaves a transaction the batch knows and a reprint can show.
        self.commit(LogEntry {
            kind: kind.to_string(),
            stan,
            amount_fen: fen,
            masked_pan: receipt::mask_pan(&card.pan),
            rrn: resp.text(37).unwrap_or("").trim().to_string(),
            auth_code: resp.text(38).unwrap_or("").trim().to_string(),
            voided: false,
            entry_mode: card.entry_mode().0.to_string(),
            slip: documents.last().cloned().unwrap_or_default(),
        });
        for (n, lines) in documents.iter().enumerate() {
            if n == 1 && model.tear_off_prompt() {
                self.await_tear_off();
            }
            self.print(lines);
        }
    }

    /// Puts an approved transaction in the batch and clears its reversal, in
    /// one flash write: from here on the terminal owns it.
    pub(super) fn commit(&mut self, entry: LogEntry) {
        self.flash.state.log.push(entry);
        self.flash.state.reversal = None;
        let _ = self.flash.save();
    }

    /// Between the copies: the cashier tears off the merchant copy and
    /// presses OK (after the prompt timeout the second copy prints anyway).
    fn await_tear_off(&self) {
        self.console
            .display(&["TEAR OFF MERCHANT COPY", "PRESS OK FOR CUSTOMER COPY"]);
        loop {
            match self.next_input(Some(PROMPT_TIMEOUT)) {
                Ok(Input::Key(k)) if k == "ENTER" => return,
                Ok(_) => {}
                Err(_) => return,
            }
        }
    }

    /// One printed document, then the paper cut. Out of paper, the printer
    /// waits (the sensor is polled, as printer firmware does) until paper is loaded.
    pub(super) fn print(&self, lines: &[String]) {
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

    /// Reprint (重打印) of a logged receipt, marked as such.
    pub(super) fn reprint(&self, index: Option<usize>) {
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
}
