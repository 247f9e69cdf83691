//! The sales slip (签购单), laid out as in flows.md.

pub struct Slip<'a> {
    pub merchant_name: &'a str,
    pub merchant_id: &'a str,
    pub terminal_id: &'a str,
    pub operator: &'a str,
    pub masked_pan: String,
    pub entry: &'a str,
    /// Chip cards: the application's AID and label.
    pub application: Option<(String, String)>,
    /// Payment codes: the wallet.
    pub wallet: Option<&'a str>,
    pub issuer: String,
    pub acquirer: String,
    pub expiry: String,
    pub trans_type: &'a str,
    pub batch: u32,
    pub voucher: u32,
    pub auth_code: String,
    pub rrn: String,
    pub datetime: String,
    pub amount_fen: u64,
}

pub fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

impl Slip<'_> {
    /// VT-2's layout: English, short labels, two columns where they fit.
    pub fn lines_vt2(&self, copy: &str) -> Vec<String> {
        let mut lines = vec![
            "*** UNIONPAY CARD SLIP ***".to_string(),
            copy.to_string(),
            format!("MERCHANT: {}", english(self.merchant_name)),
            format!("MID: {}  TID: {}", self.merchant_id, self.terminal_id),
            format!("OPERATOR: {}", self.operator),
            format!("CARD: {} ({})", self.masked_pan, self.entry),
        ];
        if let Some((aid, label)) = &self.application {
            lines.push(format!("AID: {aid}  APP: {label}"));
        }
        if let Some(wallet) = self.wallet {
            lines.push(format!("WALLET: {wallet}"));
        }
        lines.extend([
            format!("ISSUER: {}  ACQ: {}", self.issuer, self.acquirer),
            format!("EXPIRY: {}", self.expiry),
            format!("TYPE: {}", english(self.trans_type)),
            format!("BATCH: {:06}  TRACE: {:06}", self.batch, self.voucher),
            format!("APPROVAL: {}", self.auth_code),
            format!("REF: {}", self.rrn),
            format!("TIME: {}", self.datetime),
            format!("TOTAL: CNY {}", yuan(self.amount_fen)),
            "SIGNATURE:".into(),
            "________________________________".into(),
        ]);
        lines
    }

    pub fn lines(&self, copy: &str) -> Vec<String> {
        let mut lines = self.body(copy);
        if let Some(wallet) = self.wallet {
            let at = lines
                .iter()
                .position(|l| l.starts_with("卡号"))
                .map_or(lines.len(), |i| i + 1);
            lines[at - 1] = format!("付款码(PAYMENT CODE): {} {}", self.masked_pan, self.entry);
            lines.insert(at, format!("支付方式(WALLET): {wallet}"));
        }
        if let Some((aid, label)) = &self.application {
            // After the card number line.
            let at = lines
                .iter()
                .position(|l| l.starts_with("卡号"))
                .map_or(lines.len(), |i| i + 1);
            lines.insert(at, format!("应用标签(APP LABEL): {label}"));
            lines.insert(at, format!("应用标识(AID): {aid}"));
        }
        lines
    }

    fn body(&self, copy: &str) -> Vec<String> {
        vec![
            "银联POS签购单 POS SALES SLIP".into(),
            format!("{copy}"),
            "--------------------------------".into(),
            format!("商户名称(MERCHANT NAME): {}", self.merchant_name),
            format!("商户编号(MERCHANT NO): {}", self.merchant_id),
            format!("终端编号(TERMINAL NO): {}", self.terminal_id),
            format!("操作员号(OPERATOR NO): {}", self.operator),
            format!("发卡行(ISSUER): {}", self.issuer),
            format!("收单行(ACQUIRER): {}", self.acquirer),
            format!("卡号(CARD NO): {} {}", self.masked_pan, self.entry),
            format!("有效期(EXP DATE): {}", self.expiry),
            format!("交易类型(TRANS TYPE): {}", self.trans_type),
            format!("批次号(BATCH NO): {:06}", self.batch),
            format!("凭证号(VOUCHER NO): {:06}", self.voucher),
            format!("授权码(AUTH NO): {}", self.auth_code),
            format!("参考号(REFER NO): {}", self.rrn),
            format!("日期/时间(DATE/TIME): {}", self.datetime),
            format!("金额(AMOUNT): RMB {}", yuan(self.amount_fen)),
            "--------------------------------".into(),
            "持卡人签名(CARDHOLDER SIGNATURE):".into(),
            "".into(),
            "".into(),
            "本人确认以上交易,同意将其记入本卡账户".into(),
            "I ACKNOWLEDGE SATISFACTORY RECEIPT OF RELATIVE GOODS/SERVICES".into(),
        ]
    }
}

/// The English half of a bilingual text ("撤销 VOID" -> "VOID").
fn english(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| w.is_ascii())
        .collect::<Vec<_>>()
        .join(" ")
}

/// First 6 and last 4 digits shown, the rest starred.
pub fn mask_pan(pan: &str) -> String {
    if pan.len() < 11 {
        return "*".repeat(pan.len());
    }
    format!("{}{}{}", &pan[..6], "*".repeat(pan.len() - 10), &pan[pan.len() - 4..])
}
