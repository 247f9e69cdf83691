//! Settlement (结算): totals to the host, batch upload when it is out of balance, batch end.

use super::*;

impl Terminal {
    /// Settlement (结算): totals to the host; when they differ, batch upload and
    /// batch end; a settlement report; the next batch. False when it did
    /// not settle (the cash register is told so). Never with a reversal
    /// pending: the host's totals would count a transaction the batch lacks.
    pub(super) fn settle(&mut self) -> bool {
        if !self.send_pending_reversal() {
            self.console
                .display(&["结算失败 SETTLEMENT FAILED", "冲正未完成 REVERSAL PENDING"]);
            return false;
        }
        self.console.display(&["结算中 SETTLING", "请稍候 PLEASE WAIT"]);
        let Some(mac_key) = self.keys.as_ref().map(|k| k.mac) else {
            self.console.display(&["交易失败 FAILED", "未签到 NOT SIGNED ON"]);
            return false;
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
            let mut req = this.network_request(mti, stan, code);
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
                return false;
            }
            Err(why) => {
                self.console.display(&["结算失败 SETTLEMENT FAILED", &why]);
                return false;
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
                    return false;
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
        true
    }
}
