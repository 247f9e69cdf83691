//! Sale, balance inquiry and void, and the script result notice after a chip sale.

use super::online::HOST_UNREACHABLE;
use super::*;

impl Terminal {
    pub(super) fn sale(&mut self) -> Result<(), Abort> {
        self.sale_of(None)
    }

    /// A sale; the amount comes from the cash register or the keypad.
    pub(super) fn sale_of(&mut self, amount: Option<u64>) -> Result<(), Abort> {
        // A card-first model reads the card, then asks the amount.
        let card_first = amount.is_none() && self.params.model.card_first();
        let (fen, mut card) = if card_first {
            let mut card = self.read_card(0)?;
            let fen = self.read_amount()?;
            if let Some((read, _)) = card.chip.as_mut() {
                chip::set_amount(read, fen);
            }
            (fen, card)
        } else {
            let fen = match amount {
                Some(fen) => fen,
                None => self.read_amount()?,
            };
            (fen, self.read_card(fen)?)
        };
        // A tap's GPO answer may already be the outcome (crate::qpboc).
        if let (Entry::Tap, Some((read, _))) = (card.entry, card.chip.as_ref()) {
            match crate::qpboc::outcome(read) {
                crate::qpboc::Tap::Online => {}
                crate::qpboc::Tap::ApprovedOffline => {
                    self.approve_offline(fen, &card, "qPBOC: approved offline (TC, fDDA verified)");
                    return Ok(());
                }
                crate::qpboc::Tap::Declined(why) => {
                    self.console.log(&format!("qPBOC: declined offline: {why}"));
                    self.console
                        .display(&["交易失败 DECLINED", chip::ChipError::Declined.display()]);
                    return Ok(());
                }
            }
        }
        // An inserted chip card's CVM list decides (crate::cvm); a tap or
        // a swipe, the terminal's own rules.
        let online_pin = match (card.entry, card.chip.as_mut()) {
            (Entry::Insert, Some((read, session))) => self.verify_cardholder(read, session, fen)?.online_pin,
            _ => self.needs_pin(&card, fen),
        };
        let mut pin = if online_pin { self.read_pin(fen)? } else { String::new() };
        let first = match (card.entry, card.chip.as_mut()) {
            (Entry::Insert, Some((read, session))) => {
                if !pin.is_empty() {
                    chip::note_online_pin(read);
                }
                Some(chip::first_ac(session, read, &self.params.actions()))
            }
            _ => None,
        };
        match first {
            Some(Err(e)) => {
                self.console.display(&["交易失败 DECLINED", e.display()]);
                return Ok(());
            }
            Some(Ok(chip::FirstAc::ApprovedOffline)) => {
                self.approve_offline(fen, &card, "EMV: approved offline (TC at the first GENERATE AC)");
                return Ok(());
            }
            Some(Ok(chip::FirstAc::Online)) | None => {}
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
            // Nothing reached the host: the default action codes decide (a
            // chip card that went as far as an ARQC).
            Err(why) if why == HOST_UNREACHABLE && card.entry == Entry::Insert => {
                let actions = self.params.actions();
                let second = card
                    .chip
                    .as_mut()
                    .map(|(read, session)| chip::unable_to_go_online(session, read, &actions));
                if let Some(Err(e)) = &second {
                    self.console.log(&format!(
                        "unable to go online: second GENERATE AC failed: {}",
                        e.display()
                    ));
                }
                if matches!(second, Some(Ok(true))) {
                    self.approve_offline(fen, &card, "EMV: unable to go online, approved offline (Y3, TC)");
                } else {
                    self.console.log(&format!("sale failed: {why}"));
                    self.console.display(&["交易失败 FAILED", &why]);
                }
            }
            Err(why) => {
                self.console.log(&format!("sale failed: {why}"));
                self.console.display(&["交易失败 FAILED", &why]);
            }
        }
        if let Some(results) = self.pending_script_result.take() {
            self.send_script_result(&card, fen, &results);
        }
        self.sign_on_again_if_needed();
        Ok(())
    }

    /// An offline approval (a qPBOC TC whose fDDA verified, or a contact
    /// TC the kernel asked for): no host message; the slip and the batch as
    /// for an online one, without reference number or authorisation code.
    /// The host learns of it at settlement: its totals differ, so the batch
    /// is uploaded. (An offline advice carrying the TC is not sent.)
    fn approve_offline(&mut self, fen: u64, card: &CardData, why: &str) {
        let Ok(stan) = self.flash.next_stan() else {
            self.console.display(&["交易失败 FAILED", "flash"]);
            return;
        };
        let today = crate::clock::yymmdd();
        let mut approval = Message::new("0210");
        approval.set(39, "00").set(13, today.get(2..6).unwrap_or("0000"));
        self.console.log(why);
        self.console.display(&[
            "交易成功 APPROVED",
            &format!("RMB {}", receipt::yuan(fen)),
            "脱机批准 OFFLINE",
        ]);
        self.print_slips(fen, card, &approval, stan, "sale");
    }

    /// The script result notice (0620, 60.3 = 951) after issuer scripts ran.
    pub(super) fn send_script_result(&mut self, card: &CardData, fen: u64, results: &[u8]) {
        let (Some(mac_key), Some((read, _))) = (self.keys.as_ref().map(|k| k.mac), card.chip.as_ref()) else {
            return;
        };
        let Ok(stan) = self.flash.next_stan() else { return };
        let mut f55 = crate::tlv::encode("DF31", results);
        // emv.md's script result list (9F1E included), after DF31.
        for tag in ["9F33", "95", "9F37", "9F1E", "9F10", "9F26", "9F36", "82", "9F1A", "9A"] {
            if let Some(v) = read.tags.get(tag) {
                f55.extend(crate::tlv::encode(tag, v));
            }
        }
        let req = self.script_result_request(card, &read.psn, fen, stan, f55);
        if let Err(why) = self.send_online(req, stan, fen, &mac_key, false) {
            self.console.log(&format!("script result notice failed: {why}"));
        }
    }

    /// Balance inquiry (余额查询): card, PIN, the balance on the display, no receipt.
    pub(super) fn balance_inquiry(&mut self) -> Result<(), Abort> {
        let card = self.read_card(0)?;
        let pin = self.read_pin(0)?;
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

    /// Void (撤销) of a sale of this batch, by its voucher number.
    pub(super) fn void(&mut self) -> Result<(), Abort> {
        self.void_of(None)
    }

    pub(super) fn void_of(&mut self, voucher: Option<u32>) -> Result<(), Abort> {
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
            Ok((resp, _, _)) => self.show_decline(&resp),
            Err(why) => self.console.display(&["交易失败 FAILED", &why]),
        }
        Ok(())
    }
}
