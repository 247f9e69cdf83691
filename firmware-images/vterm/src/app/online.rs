//! Talking to the host: sign-on, one online request (reversal record armed first), and the request of a card transaction.

use super::*;

/// Why an online request failed when nothing left the terminal (the host
/// could not be reached): a chip sale's default action codes then decide.
pub(super) const HOST_UNREACHABLE: &str = "连接失败 HOST UNREACHABLE";

impl Terminal {
    pub(super) fn sign_on(&mut self) {
        self.console.display(&["签到中 SIGNING ON"]);
        match self.try_sign_on() {
            Ok(()) => self.console.display(&["签到成功 SIGNED ON"]),
            Err(why) => {
                self.console.log(&format!("sign-on failed: {why}"));
                self.console.display(&["签到失败 SIGN-ON FAILED", &why]);
            }
        }
    }

    pub(super) fn try_sign_on(&mut self) -> Result<(), String> {
        let stan = self.flash.next_stan().map_err(|e| format!("flash: {e}"))?;
        let mut req = self.network_request("0800", stan, "003");
        req.set(63, format!("{:0>3}", self.params.operator));
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

    pub(super) fn authorise(
        &mut self,
        fen: u64,
        card: &CardData,
        pin: &str,
    ) -> Result<(Message, u32, Message), String> {
        if !self.send_pending_reversal() {
            return Err("冲正失败 REVERSAL FAILED".into());
        }
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
    pub(super) fn send_online(
        &mut self,
        mut req: Message,
        stan: u32,
        fen: u64,
        mac_key: &[u8; 8],
        reversible: bool,
    ) -> Result<(Message, u32, Message), String> {
        let mac_key = *mac_key;
        let body = self.link.pack(&mut req, Some(&mac_key)).map_err(|e| e.to_string())?;
        // The reversal-bug image writes the record only once the exchange is
        // over: a power cut while the request is out then loses it.
        let late_reversal = self.firmware.reversal_after_send;
        if reversible && !late_reversal {
            self.arm_reversal(&req, stan, fen)?;
        }
        let expected_mti = format!("{:04}", req.mti.parse::<u16>().unwrap_or(0) + 10);
        let exchanged = self.link.exchange(&body);
        if reversible && late_reversal {
            self.arm_reversal(&req, stan, fen)?;
        }
        let (raw, resp) = match exchanged {
            Ok(answer) => answer,
            Err(LinkError::Unreachable(_)) => {
                // Nothing left the terminal: there is nothing to reverse.
                self.settle_if(reversible, None);
                return Err(HOST_UNREACHABLE.into());
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
        // An approval keeps its reversal armed until the caller has the
        // transaction in the batch (`commit`): a power cut before that (during
        // the card's second GENERATE AC, or while the slip prints) must not
        // leave the host with a sale the terminal does not know.
        if !approved {
            self.settle_if(reversible, None);
        }
        if matches!(resp.text(39), Some("A0") | Some("77")) {
            // The host wants new keys (A0) or a new batch (77): sign on again.
            self.keys = None;
        }
        self.last_code = resp.text(39).map(str::to_string);
        Ok((resp, stan, req))
    }
}
