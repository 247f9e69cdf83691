//! The step catalogue (`rig steps`), made from the step inventory itself:
//! every step's pattern in English and Chinese, its kind, its parameters
//! and where it is defined. The README's step table is this catalogue's
//! markdown (a test keeps them equal).
//!
//! Over 500 lines only with its tests (the code is under 350): they check
//! the catalogue against the inventory and the README, and read best beside it.

use super::step_events::inventory;
use cucumber::gherkin::StepType;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct StepEntry {
    /// given, when or then.
    pub kind: &'static str,
    pub english: String,
    pub chinese: Option<String>,
    /// What each capture takes, in order.
    pub parameters: Vec<&'static str>,
    /// What it does: the step function's doc comment.
    pub does: String,
    /// What it does, in Chinese (zh-CN.toml's `[does]`).
    pub does_chinese: Option<&'static str>,
    /// A line as a feature would write it.
    pub example: String,
    pub example_chinese: Option<String>,
    /// Source file and line of the step function.
    pub source: String,
    #[serde(skip)]
    at: (String, u32),
}

/// The step files, compiled in so the catalogue can read their doc comments.
const SOURCES: [(&str, &str); 13] = [
    ("back_office.rs", include_str!("steps/back_office.rs")),
    ("chip.rs", include_str!("steps/chip.rs")),
    ("display.rs", include_str!("steps/display.rs")),
    ("ecr.rs", include_str!("steps/ecr.rs")),
    ("host.rs", include_str!("steps/host.rs")),
    ("kernel.rs", include_str!("steps/kernel.rs")),
    ("mod.rs", include_str!("steps/mod.rs")),
    ("params.rs", include_str!("steps/params.rs")),
    ("payment_code.rs", include_str!("steps/payment_code.rs")),
    ("power.rs", include_str!("steps/power.rs")),
    ("preauth.rs", include_str!("steps/preauth.rs")),
    ("receipt.rs", include_str!("steps/receipt.rs")),
    ("sale.rs", include_str!("steps/sale.rs")),
];

/// The `///` lines just above line `line` (the step's attribute) of `path`.
fn doc_comment(path: &str, line: u32) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((_, source)) = SOURCES.iter().find(|(n, _)| *n == name) else {
        return String::new();
    };
    let lines: Vec<&str> = source.lines().collect();
    let mut doc: Vec<&str> = lines[..(line as usize).saturating_sub(1).min(lines.len())]
        .iter()
        .rev()
        .map_while(|l| l.trim_start().strip_prefix("///"))
        .map(str::trim)
        .collect();
    doc.reverse();
    doc.join(" ")
}

/// Every step, sorted by kind, then source; made once (an undefined step
/// in a report and on the console both look for the nearest).
pub fn entries() -> &'static [StepEntry] {
    static ALL: std::sync::LazyLock<Vec<StepEntry>> = std::sync::LazyLock::new(catalogue);
    &ALL
}

fn catalogue() -> Vec<StepEntry> {
    let mut all: Vec<StepEntry> = inventory()
        .into_iter()
        .map(|(ty, loc, regex, _)| {
            let chinese = super::zh_cn::pattern_of(regex.as_str());
            StepEntry {
                kind: match ty {
                    StepType::Given => "given",
                    StepType::When => "when",
                    StepType::Then => "then",
                },
                example_chinese: chinese.as_ref().map(|r| example(r.as_str(), true)),
                chinese: chinese.map(|r| r.as_str().to_string()),
                does: doc_comment(loc.path, loc.line),
                does_chinese: super::zh_cn::does_of(regex.as_str()),
                example: example(regex.as_str(), false),
                parameters: parameters(regex.as_str()),
                english: regex.as_str().to_string(),
                source: format!("{}:{}", loc.path, loc.line),
                at: (loc.path.to_string(), loc.line),
            }
        })
        .collect();
    all.sort_by(|a, b| (order(a.kind), &a.at).cmp(&(order(b.kind), &b.at)));
    // The same function registered as given and when (flashing) is one row each.
    all.dedup_by(|a, b| a.english == b.english && a.kind == b.kind);
    all
}

fn order(kind: &str) -> u8 {
    match kind {
        "given" => 0,
        "when" => 1,
        _ => 2,
    }
}

/// A name for what each capturing group takes, from its pattern.
fn parameters(pattern: &str) -> Vec<&'static str> {
    groups(pattern)
        .into_iter()
        .map(|(s, e)| kind_of_group(&pattern[s..e]))
        .collect()
}

/// The byte spans of the top-level capturing groups of `pattern`.
fn groups(pattern: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = None;
    let bytes = pattern.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'(' if bytes.get(i + 1) != Some(&b'?') => {
                if depth == 0 {
                    start = Some(i);
                }
                depth += 1;
            }
            b'(' => depth += usize::from(depth > 0),
            b')' if depth > 0 => {
                depth -= 1;
                if depth == 0
                    && let Some(s) = start.take()
                {
                    out.push((s, i + 1));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// A line of a feature for the step of `pattern`, each capture filled with
/// a value of its kind (in the pattern's language).
fn example(pattern: &str, chinese: bool) -> String {
    let simple = without_options(pattern);
    let pattern = simple.as_str();
    let mut out = String::new();
    let mut at = 0;
    for (start, end) in groups(pattern) {
        out.push_str(&readable(&pattern[at..start]));
        out.push_str(&sample(pattern, &pattern[start..end], chinese));
        at = end;
    }
    out.push_str(&readable(&pattern[at..]));
    out
}

/// `pattern` with each non-capturing group resolved the plain way: an
/// optional one `(?:...)?` left out, alternatives `(?:a (\d+) b|c)` as the
/// first one without a capture (so an example takes the simplest form).
fn without_options(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(at) = rest.find("(?:") {
        out.push_str(&rest[..at]);
        let inner_start = at + 3;
        let mut depth = 1;
        let mut end = None;
        let mut escaped = false;
        for (i, c) in rest[inner_start..].char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(inner_start + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            out.push_str(&rest[at..]);
            return out;
        };
        let inner = &rest[inner_start..end];
        let optional = rest[end + 1..].starts_with('?');
        if !optional {
            let alternatives: Vec<&str> = split_top(inner);
            let chosen = alternatives
                .iter()
                .find(|a| !a.contains('('))
                .or(alternatives.first())
                .copied()
                .unwrap_or_default();
            out.push_str(chosen);
        }
        rest = &rest[end + 1 + usize::from(optional)..];
    }
    out.push_str(rest);
    out
}

/// `a|b(c|d)|e` -> `a`, `b(c|d)`, `e`.
fn split_top(inner: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut from) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '|' if depth == 0 => {
                parts.push(&inner[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[from..]);
    parts
}

/// A value for one capture group, from what it takes and what the step is about.
fn sample(pattern: &str, group: &str, chinese: bool) -> String {
    let about = |words: &[&str]| words.iter().any(|w| pattern.contains(w));
    let quoted = kind_of_group(group) == "name or text (in quotes)";
    let value = match kind_of_group(group) {
        _ if quoted && about(&["flashed", "刷入"]) => "vterm-1.0.1-regression.fw",
        _ if quoted && about(&["firmware", "固件"]) => "1.0.1",
        _ if quoted && about(&["payment code", "付款码"]) => "wechat-code",
        _ if quoted && about(&["card", "卡"]) => "unionpay-debit",
        _ if quoted => "RMB 1.00",
        "amount in yuan (12.50)" => "100.00",
        "response code (two characters)" => "00",
        // One: the singular reads right ("the host received 1 sale").
        "count" | "digit" => "1",
        "PIN digits" => "123456",
        "prompt or message name of the profile" => "approved",
        "receipt mark of the profile" => "void",
        "release of the bench ([virtual.releases])" => "regression",
        "seconds" => "5",
        "hex" => "8424000000",
        "snapshot name" => "swipe-sale-approved-receipt",
        "AID (hex)" => "A000000333010101",
        // (a|b): the first word.
        _ if group.contains('|') => {
            return group
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split('|')
                .next()
                .unwrap_or_default()
                .to_string();
        }
        _ if chinese => "消费",
        _ => "sale",
    };
    value.to_string()
}

fn kind_of_group(group: &str) -> &'static str {
    match group {
        r"(\d+\.\d{2})" => "amount in yuan (12.50)",
        r#"([^"]+)"# => "name or text (in quotes)",
        "([0-9A-Z]{2})" => "response code (two characters)",
        r"(\d+)" => "count",
        r"(\d)" => "digit",
        r"(\d*)" => "PIN digits",
        "([a-z_]+)" => "prompt or message name of the profile",
        "([a-z][a-z_]*)" => "receipt mark of the profile",
        "([a-z][a-z0-9_-]*)" => "release of the bench ([virtual.releases])",
        "([a-z -]+)" | "([a-z -]+?)" => "transaction (sale, void, refund, pre-auth, reversal, ...)",
        r"(\d+(?:\.\d+)?)" => "seconds",
        "([0-9A-F]+)" => "hex",
        "([0-9A-Fa-f]{10,32})" => "AID (hex)",
        r"([\w.-]+)" => "snapshot name",
        _ if group.contains('|') => "one of the listed words",
        _ => "text",
    }
}

/// The catalogue as text: one block a step.
pub fn text(lang: Lang) -> String {
    let mut out = String::new();
    for e in entries() {
        let pattern = match lang {
            Lang::En => e.english.as_str(),
            Lang::ZhCn => e.chinese.as_deref().unwrap_or("(no Chinese form)"),
        };
        let example = match lang {
            Lang::En => e.example.as_str(),
            Lang::ZhCn => e.example_chinese.as_deref().unwrap_or(""),
        };
        out.push_str(&format!("{:<5} {}\n", e.kind, strip(pattern)));
        out.push_str(&format!("      example: {example}\n"));
        // In Chinese, the English beside it for those who read logs in English.
        if let (Lang::ZhCn, Some(zh)) = (lang, e.does_chinese) {
            out.push_str(&format!("      {zh}\n"));
        }
        if !e.does.is_empty() {
            out.push_str(&format!("      {}\n", e.does));
        }
        if !e.parameters.is_empty() {
            out.push_str(&format!("      parameters: {}\n", e.parameters.join("; ")));
        }
        out.push_str(&format!("      defined at {}\n", e.source));
    }
    out
}

/// The catalogue as the README's markdown table.
pub fn markdown() -> String {
    let mut out = String::from(
        "| kind | English | 中文 (`# language: zh-CN`) | what it does | parameters |\n|---|---|---|---|---|\n",
    );
    for e in entries() {
        out.push_str(&format!(
            "| {} | `{}` | `{}` | {} | {} |\n",
            e.kind,
            cell(&e.example),
            cell(e.example_chinese.as_deref().unwrap_or("")),
            cell(&e.does),
            e.parameters.join("; ")
        ));
    }
    out
}

/// A pattern without its anchors, as a writer reads it.
fn strip(pattern: &str) -> String {
    pattern.trim_start_matches('^').trim_end_matches('$').to_string()
}

/// Markdown table cells cannot hold a bare `|`.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    En,
    #[value(name = "zh-CN")]
    ZhCn,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_step_table_is_the_catalogue() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README");
        let table = markdown();
        assert!(
            readme.contains(&table),
            "README.md's step table differs from the catalogue; replace it with `rig steps --format markdown`:\n{table}"
        );
    }

    #[test]
    fn examples_take_the_plain_form_of_each_step() {
        assert_eq!(
            example(
                r#"^the host answers "([0-9A-Z]{2})" to the next (?:(\d+) )?([a-z -]+?)$"#,
                false
            ),
            r#"the host answers "00" to the next sale"#
        );
        assert_eq!(
            example(
                r#"^主机以应答码 "([0-9A-Z]{2})" 回复(?:接下来的 (\d+) 笔|下一笔)(.+?)$"#,
                true
            ),
            r#"主机以应答码 "00" 回复下一笔消费"#
        );
        assert_eq!(
            example(r#"^the cardholder taps the (?:card|phone) "([^"]+)"$"#, false),
            r#"the cardholder taps the card "unionpay-debit""#
        );
    }

    #[test]
    fn every_example_is_a_line_its_own_step_takes() {
        for e in entries() {
            let english = regex::Regex::new(&e.english).expect("pattern");
            assert!(
                english.is_match(&e.example),
                "{:?} does not match {}",
                e.example,
                e.english
            );
            if let (Some(zh), Some(example)) = (&e.chinese, &e.example_chinese) {
                let zh = regex::Regex::new(zh).expect("pattern");
                assert!(zh.is_match(example), "{example:?} does not match {zh}");
            }
        }
    }

    #[test]
    fn every_step_is_listed_with_its_parameters() {
        let all = entries();
        assert!(all.len() >= 60, "{}", all.len());
        let sale = all
            .iter()
            .find(|e| e.english.contains("the cashier starts a sale of"))
            .expect("sale step");
        assert_eq!(sale.parameters, ["amount in yuan (12.50)"]);
        assert_eq!(sale.chinese.as_deref(), Some(r"^收银员发起一笔 (\d+\.\d{2}) 元的消费$"));
        assert!(sale.source.contains("steps/sale.rs:"), "{}", sale.source);
        assert!(sale.does.starts_with("消费: opens the sale"), "{}", sale.does);
        for e in all {
            assert!(!e.does.is_empty(), "{} has no doc comment ({})", e.english, e.source);
        }
    }
}

/// A pattern as a writer would type it, every capture written `X`
/// (`the cashier starts a sale of X yuan`), non-capturing groups resolved as
/// `without_options` does.
fn readable(pattern: &str) -> String {
    let text = without_options(&strip(pattern));
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '(' => {
                if depth == 0 {
                    out.push('X');
                }
                depth += 1;
            }
            ')' => depth = depth.saturating_sub(1),
            '?' | '+' | '*' if depth == 0 => {}
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// A step's text with what a writer fills in written `X`: quoted text and numbers.
fn shape(text: &str) -> String {
    static FILLED: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r#""[^"]*"|\d+(?:\.\d+)?"#).expect("pattern"));
    FILLED
        .replace_all(
            text,
            |c: &regex::Captures| if c[0].starts_with('"') { "\"X\"" } else { "X" },
        )
        .into_owned()
}

/// The defined steps nearest to `text` (a step no definition matched), in
/// the language it is written in, as a writer would type them; at most three.
pub fn nearest(text: &str) -> Vec<String> {
    let chinese = text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let wanted = shape(text);
    let mut scored: Vec<(f64, String)> = entries()
        .iter()
        .filter_map(|e| {
            if chinese {
                e.chinese.as_deref()
            } else {
                Some(e.english.as_str())
            }
        })
        .map(|p| {
            let r = readable(p);
            (strsim::normalized_levenshtein(&wanted, &r), r)
        })
        .filter(|(score, _)| *score >= 0.6)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, r)| r).collect()
}

/// "no step definition matches this step" with the nearest ones, for reports.
pub fn undefined(text: &str) -> String {
    let near = nearest(text);
    if near.is_empty() {
        "no step definition matches this step (`rig steps` lists them all)".into()
    } else {
        format!(
            "no step definition matches this step; did you mean:\n{}",
            near.iter().map(|n| format!("  {n}")).collect::<Vec<_>>().join("\n")
        )
    }
}

#[cfg(test)]
mod nearest_tests {
    use super::*;

    #[test]
    fn a_misspelt_step_gets_the_nearest_defined_ones() {
        let near = nearest("the cashier start a sale of 100.00 yuans");
        assert_eq!(
            near.first().map(String::as_str),
            Some("the cashier starts a sale of X yuan"),
            "{near:?}"
        );
        let near = nearest("持卡人刷卡片 \"unionpay-debit\"");
        assert_eq!(near.first().map(String::as_str), Some("持卡人刷卡 \"X\""), "{near:?}");
        assert!(nearest("the moon is made of cheese").is_empty());
        assert_eq!(
            readable(r"^the terminal is (?:on|powered on) and signed on$"),
            "the terminal is on and signed on"
        );
    }
}
