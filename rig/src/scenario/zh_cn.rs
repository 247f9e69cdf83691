//! The Chinese form of every step, from `zh-CN.toml` (English pattern ->
//! Chinese pattern, captures in the same order, and the words a Chinese
//! capture stands for). One step function serves both languages: the
//! Chinese patterns are registered beside the English ones, and a Chinese
//! step's captures reach the function in English.

use cucumber::step::Context;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    steps: BTreeMap<String, String>,
    words: BTreeMap<String, String>,
    classes: BTreeMap<String, String>,
    verdicts: Vec<Verdict>,
    /// What each step does, in Chinese, by its English pattern.
    does: BTreeMap<String, String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Verdict {
    pattern: String,
    zh: String,
}

/// The verdict patterns, compiled once.
static VERDICTS: LazyLock<Vec<(Regex, String)>> = LazyLock::new(|| {
    TABLE
        .verdicts
        .iter()
        .filter_map(|v| Regex::new(&v.pattern).ok().map(|re| (re, v.zh.clone())))
        .collect()
});

/// A failure message of a Chinese step, in Chinese first: `CLASS: 类别:
/// 中文 | English`. The English class label stays first (reports read the
/// class from it), the English text last (for log readers).
pub fn verdict(message: &str) -> String {
    let Some((label, text)) = message.split_once(": ") else {
        return message.to_string();
    };
    let Some(class) = TABLE.classes.get(label) else {
        return message.to_string();
    };
    let first_line = text.lines().next().unwrap_or_default();
    let chinese = VERDICTS
        .iter()
        .find_map(|(re, zh)| {
            re.captures(first_line).map(|c| {
                let mut out = String::new();
                c.expand(zh, &mut out);
                out
            })
        })
        .unwrap_or_else(|| {
            // A skip did not fail: it did not apply here.
            let skipped = crate::failure::FailureClass::labelled(message).is_some_and(|c| c.is_skip());
            if skipped { "跳过" } else { "步骤失败" }.to_string()
        });
    format!("{label}: {class}: {chinese} | {text}")
}

/// The table as compiled into the rig.
pub const SOURCE: &str = include_str!("zh-CN.toml");

static TABLE: LazyLock<Table> = LazyLock::new(|| match toml::from_str(SOURCE) {
    Ok(t) => t,
    // Compiled in and checked by this module's tests: a broken table is a
    // build of the rig that must not ship.
    Err(e) => panic!("rig/src/scenario/zh-CN.toml: {e}"),
});

/// The Chinese pattern of the English step pattern `english`, as the
/// table writes it (what the catalogue shows).
pub fn pattern_of(english: &str) -> Option<Regex> {
    TABLE.steps.get(english).and_then(|zh| Regex::new(zh).ok())
}

/// [`pattern_of`] widened so that a step typed with full-width
/// punctuation matches too: what steps are registered under.
pub fn matcher_of(english: &str) -> Option<Regex> {
    TABLE
        .steps
        .get(english)
        .and_then(|zh| Regex::new(&full_width_too(zh)).ok())
}

/// The table writes ASCII punctuation; a Chinese input method types the
/// full-width forms (，：； and “ ” quotes). Both are accepted.
fn full_width_too(pattern: &str) -> String {
    pattern
        .replace(r#"[^"]"#, "\u{0}")
        .replace('"', r#"["“”]"#)
        .replace("\u{0}", r#"[^"“”]"#)
        .replace(", ", "[,，] ?")
        .replace(": ", "[:：] ?")
        .replace("; ", "[;；] ?")
}

/// What the step of English pattern `english` does, in Chinese.
pub fn does_of(english: &str) -> Option<&'static str> {
    TABLE.does.get(english).map(String::as_str)
}

/// The Chinese word a step may write for the English `word` ("sale" -> 消费).
pub fn chinese_of(word: &str) -> Option<&'static str> {
    TABLE
        .words
        .iter()
        .find(|(_, english)| english.as_str() == word)
        .map(|(chinese, _)| chinese.as_str())
}

/// A Chinese step's context with its captures in the step's English words.
pub fn in_english(mut ctx: Context) -> Context {
    for (_, value) in ctx.matches.iter_mut().skip(1) {
        if let Some(word) = TABLE.words.get(value.trim()) {
            *value = word.clone();
        }
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_has_a_chinese_form_whose_captures_line_up() {
        let steps = super::super::step_events::inventory();
        let mut missing = Vec::new();
        for (_, loc, regex, _) in &steps {
            let english = regex.as_str();
            let Some(zh) = TABLE.steps.get(english) else {
                missing.push(format!("{}:{} {english}", loc.path, loc.line));
                continue;
            };
            let zh = Regex::new(zh).unwrap_or_else(|e| panic!("{zh}: {e}"));
            assert_eq!(
                zh.captures_len(),
                regex.captures_len(),
                "{english} -> {zh}: the captures must line up"
            );
        }
        assert!(
            missing.is_empty(),
            "steps without a Chinese form in zh-CN.toml:\n{}",
            missing.join("\n")
        );
        // No stale lines: each translation is of a step that exists.
        for english in TABLE.steps.keys() {
            assert!(
                steps.iter().any(|(_, _, r, _)| r.as_str() == english),
                "zh-CN.toml translates {english}, which is no step"
            );
        }
    }

    #[test]
    fn every_step_says_what_it_does_in_chinese() {
        let steps = super::super::step_events::inventory();
        let missing: Vec<&str> = steps
            .iter()
            .map(|(_, _, r, _)| r.as_str())
            .filter(|english| !TABLE.does.contains_key(*english))
            .collect();
        assert!(
            missing.is_empty(),
            "no [does] line in zh-CN.toml for:\n{}",
            missing.join("\n")
        );
        for english in TABLE.does.keys() {
            assert!(
                steps.iter().any(|(_, _, r, _)| r.as_str() == english),
                "zh-CN.toml [does] describes {english}, which is no step"
            );
        }
    }

    #[test]
    fn no_chinese_step_text_matches_two_patterns() {
        // Each pattern's own example must match it alone among the Chinese ones.
        let examples = [
            "终端已开机并签到",
            "收银员发起一笔 100.00 元的消费",
            "收银员发起一笔 100.00 元的扫码消费",
            "主机以应答码 \"05\" 回复下一笔消费",
            "主机以应答码 \"05\" 回复接下来的 2 笔消费",
            "主机收到 2 笔签到",
            "主机收到 100.00 元消费的冲正, 原因码 \"98\"",
            "主机未收到冲正",
            "签购单与快照 \"x\" 一致",
            "签购单与快照 \"x\" 不一致",
            "终端显示 \"approved\"",
            "终端显示文字 \"RMB\"",
        ];
        let all: Vec<Regex> = TABLE
            .steps
            .values()
            .map(|p| Regex::new(&full_width_too(p)).expect("pattern"))
            .collect();
        for example in examples {
            let n = all.iter().filter(|r| r.is_match(example)).count();
            assert_eq!(n, 1, "{example:?} matches {n} Chinese patterns");
        }
    }

    #[test]
    fn a_verdict_reads_in_chinese_first_and_keeps_its_english() {
        let v = verdict(
            "terminal failure: the host answered 0210 with response code 51 (insufficient funds), expected 00 (approved)",
        );
        assert!(
            v.starts_with("terminal failure: 终端失败: 主机以 0210 应答, 应答码 51, 预期应答码 00 | the host answered"),
            "{v}"
        );
        assert_eq!(
            crate::failure::FailureClass::labelled(&v),
            Some(crate::failure::FailureClass::TerminalFailure)
        );
        let v = verdict("feature mistake: something new");
        assert!(
            v.starts_with("feature mistake: 用例错误: 步骤失败 | something new"),
            "{v}"
        );
        // Every verdict pattern compiles.
        assert_eq!(VERDICTS.len(), TABLE.verdicts.len());
    }

    #[test]
    fn full_width_punctuation_matches_like_ascii() {
        let zh = matcher_of(
            r#"^the cashier makes a sale of (\d+\.\d{2}) yuan with the (?:(inserted|tapped|swiped) )?card "([^"]+)" and its PIN$"#,
        )
        .expect("translated");
        for typed in [
            "收银员完成一笔 10.00 元的消费, 持卡人用卡 \"unionpay-debit\" 并输入密码",
            "收银员完成一笔 10.00 元的消费，持卡人用卡 “unionpay-debit” 并输入密码",
        ] {
            let caps = zh
                .captures(typed)
                .unwrap_or_else(|| panic!("{typed} does not match {zh}"));
            assert_eq!(&caps[3], "unionpay-debit");
        }
    }

    #[test]
    fn a_chinese_capture_reaches_the_step_in_english() {
        let zh = pattern_of(r"^the host does not answer the next (?:(\d+) )?([a-z -]+?)$").expect("translated");
        let caps = zh.captures("主机不应答下一笔预授权完成").expect("matches");
        assert_eq!(&caps[2], "预授权完成");
        let caps = zh.captures("主机不应答接下来的 3 笔冲正").expect("matches");
        assert_eq!((&caps[1], &caps[2]), ("3", "冲正"));
        assert_eq!(TABLE.words.get("预授权完成").map(String::as_str), Some("completion"));
    }
}
