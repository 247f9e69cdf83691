//! The terminal's make, chosen by its parameters (`model`): VT-1 is the
//! reference terminal; VT-2 stands for a terminal of another make, so the
//! rig proves it drives any terminal through a profile alone. VT-2 differs
//! where makes differ: console line format, key labels, menu tree, English
//! wording, operator log-on, a tear-off prompt between the copies, card
//! before amount, amounts keyed with a decimal key, receipt layout, field 60,
//! no payment codes and no contactless reader.
//!
//! VT-2's wording is a gettext-style catalogue keyed by VT-1's text (the
//! application is written once, in VT-1's words): known texts are replaced
//! by VT-2's own, the rest lose their Chinese half.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Model {
    #[default]
    #[serde(rename = "VT-1")]
    Vt1,
    #[serde(rename = "VT-2")]
    Vt2,
}

/// VT-2's own words for VT-1 texts (substrings, replaced longest first).
const VT2_WORDS: &[(&str, &str)] = &[
    ("请选择交易 SELECT TRANSACTION", "READY"),
    ("请输入金额 ENTER AMOUNT", "KEY IN AMOUNT"),
    ("请刷卡/插卡/挥卡 SWIPE/INSERT/TAP CARD", "PRESENT CARD"),
    ("请输入密码 ENTER PIN", "CUSTOMER PIN"),
    ("签到中 SIGNING ON", "LOGGING ON TO HOST"),
    ("签到成功 SIGNED ON", "LOGON OK"),
    ("签到失败 SIGN-ON FAILED", "LOGON FAILED"),
    ("交易成功 APPROVED", "ACCEPTED"),
    ("交易失败 DECLINED", "REFUSED"),
    ("交易失败 FAILED", "ERROR"),
    ("交易取消 CANCELLED", "ABORTED"),
    ("交易超时 NO RESPONSE", "NO HOST RESPONSE"),
    ("操作超时 TIMEOUT", "TIME OUT"),
    ("连接失败 HOST UNREACHABLE", "HOST DOWN"),
    ("冲正中 REVERSING", "AUTO REVERSAL"),
    ("冲正失败 REVERSAL FAILED", "REVERSAL NOT ACCEPTED"),
    ("冲正未完成 REVERSAL PENDING", "REVERSAL OUTSTANDING"),
    ("处理中 PROCESSING", "AUTHORIZING"),
    ("读卡中 READING CARD", "CARD READING"),
    ("请插卡 PLEASE INSERT CARD", "INSERT CHIP CARD"),
    ("卡片已移除 CARD REMOVED", "CARD PULLED OUT"),
    ("卡片拒绝 DECLINED BY CARD", "CARD REFUSED"),
    ("请选择应用 SELECT APPLICATION", "PICK APPLICATION"),
    ("余额 BALANCE", "AVAILABLE BALANCE"),
    ("请输入原凭证号 ENTER VOUCHER NO", "ORIGINAL TRACE NO"),
    ("请输入原参考号 ENTER ORIGINAL RRN", "ORIGINAL REF NO"),
    ("请输入原交易日期 ENTER DATE MMDD", "ORIGINAL DATE MMDD"),
    ("请输入原授权码 ENTER AUTH CODE", "ORIGINAL APPROVAL CODE"),
    ("结算完成 SETTLED", "BATCH CLOSED"),
    ("结算失败 SETTLEMENT FAILED", "BATCH CLOSE FAILED"),
    ("重打印完成 REPRINTED", "COPY PRINTED"),
    ("回响成功 ECHO OK", "HOST TEST OK"),
    ("下载成功 DOWNLOADED", "DOWNLOAD COMPLETE"),
    ("下载失败 FAILED", "DOWNLOAD ERROR"),
    ("打印机缺纸 PAPER OUT", "PRINTER: NO PAPER"),
    ("密码错误 请重试 WRONG PIN, TRY AGAIN", "INCORRECT PIN, RETRY"),
    ("余额不足 INSUFFICIENT FUNDS", "NOT SUFFICIENT FUNDS"),
    ("密码错误次数超限 PIN TRIES EXCEEDED", "PIN TRY LIMIT EXCEEDED"),
    ("不予承兑 DO NOT HONOUR", "DO NOT HONOR"),
    ("无效卡号 INVALID CARD", "INVALID CARD NUMBER"),
    ("卡已过期 EXPIRED CARD", "CARD EXPIRED"),
    ("密码错误 INCORRECT PIN", "WRONG PIN"),
    ("超出金额限制 AMOUNT LIMIT", "EXCEEDS AMOUNT LIMIT"),
    ("重复交易 DUPLICATE", "DUPLICATE TRANSACTION"),
    ("MAC校验错 MAC ERROR", "MAC FAILURE"),
    ("响应不匹配 RESPONSE MISMATCH", "WRONG RESPONSE"),
    ("请联系收单行 CALL ACQUIRER", "CALL YOUR BANK"),
    ("重打印 REPRINT", "*** DUPLICATE COPY ***"),
    ("对账平 BALANCED", "TOTALS AGREE"),
    ("卡片/应用已锁 CARD BLOCKED", "CARD LOCKED"),
    ("不支持的卡 CARD NOT SUPPORTED", "CARD NOT ACCEPTED"),
    ("笔数(COUNT):", "COUNT"),
    ("金额(AMOUNT):", "TOTAL"),
    ("对账结果(RESULT):", "RESULT:"),
    ("RMB ", "CNY "),
];

impl Model {
    /// A console line of `channel` (BOOT, DSP, PRN, CUT, LOG as VT-1 names them).
    pub fn console_line(self, channel: &str, text: &str) -> String {
        match self {
            Model::Vt1 => format!("{channel} {text}"),
            Model::Vt2 => {
                let tag = match channel {
                    "DSP" => "LCD",
                    // A cut is a printer line too: a profile must classify it before print.
                    "PRN" | "CUT" => "PRT",
                    "BOOT" => "SYS",
                    _ => "DBG",
                };
                let text = if channel == "CUT" {
                    "<<CUT>>".to_string()
                } else {
                    self.wording(text)
                };
                format!("{tag}|{text}")
            }
        }
    }

    /// The boot banner of application `version` from an image for `image_model`.
    pub fn banner(self, image_model: &str, version: &str) -> String {
        match self {
            Model::Vt1 => format!("VTERM {image_model} firmware {version}"),
            Model::Vt2 => format!("POS VT-2 READY, APPLICATION VERSION {version}"),
        }
    }

    /// What the boot loader says of an image it refuses.
    pub fn image_rejected(self, why: &str) -> String {
        match self {
            Model::Vt1 => format!("image rejected: {why}"),
            Model::Vt2 => format!("BAD IMAGE ({why})"),
        }
    }

    /// How the lines of one screen are joined on the console.
    pub fn screen_separator(self) -> &'static str {
        match self {
            Model::Vt1 => " | ",
            Model::Vt2 => " / ",
        }
    }

    /// The application's name for a key labelled `label` on this keypad.
    pub fn key(self, label: &str) -> String {
        match (self, label) {
            (Model::Vt2, "OK") => "ENTER".into(),
            (Model::Vt2, "ESC") => "CANCEL".into(),
            (Model::Vt2, "BKSP") => "CLEAR".into(),
            _ => label.into(),
        }
    }

    /// The keypad's key labels by line, renamed to the application's names.
    pub fn keypad(self, labels: BTreeMap<String, usize>) -> BTreeMap<String, usize> {
        labels
            .into_iter()
            .map(|(label, line)| (self.key(&label), line))
            .collect()
    }

    /// A text as this model words it.
    pub fn wording(self, text: &str) -> String {
        match self {
            Model::Vt1 => text.to_string(),
            Model::Vt2 => {
                let mut out = text.to_string();
                for (vt1, vt2) in VT2_WORDS {
                    out = out.replace(vt1, vt2);
                }
                english_only(&out)
            }
        }
    }

    /// Amounts keyed in yuan with a decimal key (VT-2) or in fen (VT-1).
    pub fn decimal_amounts(self) -> bool {
        self == Model::Vt2
    }

    pub fn card_first(self) -> bool {
        self == Model::Vt2
    }

    pub fn operator_log_on(self) -> bool {
        self == Model::Vt2
    }

    pub fn tear_off_prompt(self) -> bool {
        self == Model::Vt2
    }

    pub fn payment_codes(self) -> bool {
        self == Model::Vt1
    }

    pub fn contactless(self) -> bool {
        self == Model::Vt1
    }

    /// Field 60 of a card request from 60.1 and the batch: VT-1 sends 60.3-60.5
    /// `000 5 0`, VT-2 also 60.6 (partial approval: not supported) and reads
    /// chip and stripe only (60.4 = 2).
    pub fn field60(self, type_code: &str, batch: u32) -> String {
        match self {
            Model::Vt1 => format!("{type_code}{batch:06}00050"),
            Model::Vt2 => format!("{type_code}{batch:06}000200"),
        }
    }
}

/// The English part of a bilingual text: Chinese characters and the
/// punctuation around them dropped.
fn english_only(text: &str) -> String {
    let kept: String = text.chars().map(|c| if is_chinese(c) { ' ' } else { c }).collect();
    let squeezed = kept.split_whitespace().collect::<Vec<_>>().join(" ");
    squeezed.replace("( ", "(").replace(" )", ")").replace("()", "")
}

fn is_chinese(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vt2_words_its_own_texts_and_drops_the_chinese_of_others() {
        assert_eq!(
            Model::Vt2.wording("余额不足 INSUFFICIENT FUNDS"),
            "NOT SUFFICIENT FUNDS"
        );
        assert_eq!(
            Model::Vt2.wording("51 余额不足 INSUFFICIENT FUNDS"),
            "51 NOT SUFFICIENT FUNDS"
        );
        assert_eq!(Model::Vt2.wording("RMB 10.00"), "CNY 10.00");
        assert_eq!(Model::Vt2.wording("芯片卡 CHIP CARD"), "CHIP CARD");
        assert_eq!(Model::Vt1.wording("RMB 10.00"), "RMB 10.00");
    }

    #[test]
    fn console_lines_and_keys() {
        assert_eq!(
            Model::Vt1.console_line("DSP", "请输入金额 ENTER AMOUNT"),
            "DSP 请输入金额 ENTER AMOUNT"
        );
        assert_eq!(Model::Vt1.console_line("CUT", ""), "CUT ");
        assert_eq!(
            Model::Vt2.console_line("DSP", "请输入金额 ENTER AMOUNT"),
            "LCD|KEY IN AMOUNT"
        );
        assert_eq!(Model::Vt2.console_line("CUT", ""), "PRT|<<CUT>>");
        assert_eq!(Model::Vt2.key("OK"), "ENTER");
        assert_eq!(Model::Vt1.key("OK"), "OK");
    }
}
