//! Pre-authorisation, its cancel, completion and completion void, and refund: card transactions described by a `TxnSpec`.

use super::*;

impl Terminal {
    /// The pre-authorisation family (预授权): pre-auth, cancel, completion,
    /// completion void, chosen from a sub-menu.
    pub(super) fn preauth_menu(&mut self) -> Result<(), Abort> {
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
    pub(super) fn refund(&mut self) -> Result<(), Abort> {
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
    pub(super) fn card_transaction(
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
        if self.reversal_blocks() {
            // The host has not taken the earlier reversal: nothing new goes out.
            return Ok(());
        }
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
}
