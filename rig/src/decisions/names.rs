//! The names of a kernel's decisions, as the specifications give them: the
//! terminal verification results (95, EMV Book 3, Annex C5), the
//! transaction status information (9B, Annex C6), the CVM results (9F34,
//! Book 3 Annex C3 method codes and Book 4, A4: the result byte) and the
//! cryptogram types (Book 3, Table 12 / 9F27). Steps name bits this way,
//! never in hex; a failure names the bits that differ.

/// One named bit: its byte (0-based) and mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bit {
    pub name: &'static str,
    /// Its name in PBOC's Chinese (JR/T 0025), for zh-CN features.
    pub zh: &'static str,
    pub byte: usize,
    pub mask: u8,
}

const fn bit(name: &'static str, zh: &'static str, byte: usize, mask: u8) -> Bit {
    Bit { name, zh, byte, mask }
}

/// TVR bits (Book 3, Annex C5, EMV 4.3).
pub const TVR: &[Bit] = &[
    bit(
        "offline data authentication was not performed",
        "未进行脱机数据认证",
        0,
        0x80,
    ),
    bit("SDA failed", "脱机静态数据认证失败", 0, 0x40),
    bit("ICC data missing", "IC卡数据缺失", 0, 0x20),
    bit(
        "card appears on terminal exception file",
        "卡片出现在终端异常文件中",
        0,
        0x10,
    ),
    bit("DDA failed", "脱机动态数据认证失败", 0, 0x08),
    bit("CDA failed", "复合动态数据认证失败", 0, 0x04),
    bit("SDA selected", "选择了静态数据认证", 0, 0x02),
    bit(
        "ICC and terminal have different application versions",
        "IC卡和终端应用版本不一致",
        1,
        0x80,
    ),
    bit("expired application", "应用已过期", 1, 0x40),
    bit("application not yet effective", "应用尚未生效", 1, 0x20),
    bit(
        "requested service not allowed for card product",
        "卡片产品不允许所请求的服务",
        1,
        0x10,
    ),
    bit("new card", "新卡", 1, 0x08),
    bit("cardholder verification was not successful", "持卡人验证失败", 2, 0x80),
    bit("unrecognised CVM", "未知的CVM", 2, 0x40),
    bit("PIN try limit exceeded", "超过PIN尝试次数", 2, 0x20),
    bit(
        "PIN entry required and PIN pad not present or not working",
        "要求输入PIN但密码键盘不存在或不工作",
        2,
        0x10,
    ),
    bit(
        "PIN entry required, PIN pad present, but PIN was not entered",
        "要求输入PIN且有密码键盘但未输入PIN",
        2,
        0x08,
    ),
    bit("online PIN entered", "输入了联机PIN", 2, 0x04),
    bit("transaction exceeds floor limit", "交易超过最低限额", 3, 0x80),
    bit(
        "lower consecutive offline limit exceeded",
        "超过连续脱机交易下限",
        3,
        0x40,
    ),
    bit(
        "upper consecutive offline limit exceeded",
        "超过连续脱机交易上限",
        3,
        0x20,
    ),
    bit(
        "transaction selected randomly for online processing",
        "交易被随机选择联机处理",
        3,
        0x10,
    ),
    bit("merchant forced transaction online", "商户要求联机交易", 3, 0x08),
    bit("default TDOL used", "使用了缺省TDOL", 4, 0x80),
    bit("issuer authentication failed", "发卡行认证失败", 4, 0x40),
    bit(
        "script processing failed before final GENERATE AC",
        "最后一次GENERATE AC之前脚本处理失败",
        4,
        0x20,
    ),
    bit(
        "script processing failed after final GENERATE AC",
        "最后一次GENERATE AC之后脚本处理失败",
        4,
        0x10,
    ),
];

/// Named groups of bits: a name and the names of its members.
pub type Groups = &'static [(&'static str, &'static [&'static str])];

/// Names for a group of TVR bits, any of which says it: "offline data
/// authentication failed" (EMV 4.0's one bit, now SDA, DDA or CDA failed).
pub const TVR_GROUPS: Groups = &[
    (
        "offline data authentication failed",
        &["SDA failed", "DDA failed", "CDA failed"],
    ),
    ("脱机数据认证失败", &["SDA failed", "DDA failed", "CDA failed"]),
];

/// TSI bits (Book 3, Annex C6).
pub const TSI: &[Bit] = &[
    bit(
        "offline data authentication was performed",
        "脱机数据认证已进行",
        0,
        0x80,
    ),
    bit("cardholder verification was performed", "持卡人验证已进行", 0, 0x40),
    bit("card risk management was performed", "卡片风险管理已进行", 0, 0x20),
    bit("issuer authentication was performed", "发卡行认证已进行", 0, 0x10),
    bit("terminal risk management was performed", "终端风险管理已进行", 0, 0x08),
    bit("script processing was performed", "脚本处理已进行", 0, 0x04),
];

/// CVM codes (Book 3, Annex C3, Table 39, bits 6-1) and the CVM results'
/// "no CVM performed" (3F).
pub const CVM_METHODS: &[(u8, &str, &str)] = &[
    (0x00, "fail CVM processing", "CVM失败处理"),
    (0x01, "offline plaintext PIN", "脱机明文PIN"),
    (0x02, "online PIN", "联机加密PIN"),
    (0x03, "offline plaintext PIN and signature", "脱机明文PIN和签名"),
    (0x04, "offline enciphered PIN", "脱机加密PIN"),
    (0x05, "offline enciphered PIN and signature", "脱机加密PIN和签名"),
    (0x1E, "signature", "签名"),
    (0x1F, "no CVM required", "无需CVM"),
    (0x3F, "no CVM performed", "未执行CVM"),
];

/// The CVM results' third byte (Book 4, A4).
pub const CVM_RESULTS: &[(u8, &str, &str)] = &[
    (0x00, "unknown", "未知"),
    (0x01, "failed", "失败"),
    (0x02, "successful", "成功"),
];

/// Bits of `table` named `name` (case and surrounding spaces ignored),
/// a group's members included; None for a name the table lacks.
pub fn lookup(table: &[Bit], groups: &[(&str, &[&str])], name: &str) -> Option<Vec<Bit>> {
    let name = name.trim();
    if let Some(b) = table.iter().find(|b| b.name.eq_ignore_ascii_case(name) || b.zh == name) {
        return Some(vec![*b]);
    }
    let (_, members) = groups.iter().find(|(g, _)| g.eq_ignore_ascii_case(name))?;
    Some(
        members
            .iter()
            .filter_map(|m| table.iter().find(|b| b.name == *m).copied())
            .collect(),
    )
}

/// The names of the bits set in `bytes`.
pub fn set_in(table: &[Bit], bytes: &[u8]) -> Vec<&'static str> {
    table
        .iter()
        .filter(|b| bytes.get(b.byte).is_some_and(|v| v & b.mask != 0))
        .map(|b| b.name)
        .collect()
}

/// "online PIN, unknown": the CVM results by name (method, result).
pub fn cvm_results(bytes: &[u8]) -> String {
    let method = bytes.first().map(|m| m & 0x3F);
    let method = method.map_or("no CVM results".to_string(), |m| {
        CVM_METHODS
            .iter()
            .find(|(c, ..)| *c == m)
            .map_or(format!("CVM code {m:02X}"), |(_, n, _)| n.to_string())
    });
    let result = bytes.get(2).map_or("unknown", |r| {
        CVM_RESULTS
            .iter()
            .find(|(c, ..)| c == r)
            .map_or("unknown", |(_, n, _)| n)
    });
    format!("{method}, {result}")
}

/// A CVM's code by its English or Chinese name ("signature", "签名").
pub fn cvm_method(name: &str) -> Option<u8> {
    let name = name.trim();
    CVM_METHODS
        .iter()
        .find(|(_, n, zh)| n.eq_ignore_ascii_case(name) || *zh == name)
        .map(|m| m.0)
}

/// "offline enciphered PIN, successful" (or its Chinese, "脱机加密PIN, 成功")
/// to the method code and result byte; None for names the tables lack.
pub fn parse_cvm_results(text: &str) -> Option<(u8, u8)> {
    let (method, result) = text.split_once([',', '，'])?;
    let m = cvm_method(method)?;
    let result = result.trim();
    let r = CVM_RESULTS
        .iter()
        .find(|(_, n, zh)| n.eq_ignore_ascii_case(result) || *zh == result)?
        .0;
    Some((m, r))
}

/// Every name a step may write for the TVR, one per line, for `rig steps`
/// and the failure of an unknown name.
pub fn tvr_names() -> Vec<&'static str> {
    TVR.iter()
        .map(|b| b.name)
        .chain(TVR_GROUPS.iter().map(|g| g.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_find_their_bits_and_bits_their_names() {
        let bits = lookup(TVR, TVR_GROUPS, "Expired application").unwrap();
        assert_eq!((bits[0].byte, bits[0].mask), (1, 0x40));
        assert_eq!(
            lookup(TVR, TVR_GROUPS, "offline data authentication failed")
                .unwrap()
                .len(),
            3
        );
        assert!(lookup(TVR, TVR_GROUPS, "expired").is_none());
        assert_eq!(
            set_in(TVR, &[0x80, 0x00, 0x04, 0x80, 0x00]),
            vec![
                "offline data authentication was not performed",
                "online PIN entered",
                "transaction exceeds floor limit"
            ]
        );
        assert_eq!(cvm_results(&[0x42, 0x03, 0x00]), "online PIN, unknown");
        assert_eq!(cvm_results(&[0x44, 0x03, 0x02]), "offline enciphered PIN, successful");
        assert_eq!(cvm_results(&[0x3F, 0x00, 0x02]), "no CVM performed, successful");
        assert_eq!(
            parse_cvm_results("offline enciphered PIN, successful"),
            Some((0x04, 0x02))
        );
        assert_eq!(parse_cvm_results("脱机加密PIN，成功"), Some((0x04, 0x02)));
        assert_eq!(lookup(TVR, TVR_GROUPS, "应用已过期").map(|b| b[0].mask), Some(0x40));
        // Every bit of the tables is a distinct bit.
        for table in [TVR, TSI] {
            for (i, a) in table.iter().enumerate() {
                assert!(table[i + 1..].iter().all(|b| (a.byte, a.mask) != (b.byte, b.mask)));
            }
        }
    }
}
