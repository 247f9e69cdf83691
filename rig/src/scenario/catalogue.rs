//! The step catalogue (`rig steps`), made from the step inventory itself:
//! every step's pattern in English and Chinese, its kind, its parameters
//! and where it is defined. The README's step table is this catalogue's
//! markdown (a test keeps them equal).

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
    /// Source file and line of the step function.
    pub source: String,
    #[serde(skip)]
    at: (String, u32),
}

/// Every step, sorted by kind, then source.
pub fn entries() -> Vec<StepEntry> {
    let mut all: Vec<StepEntry> = inventory()
        .into_iter()
        .map(|(ty, loc, regex, _)| StepEntry {
            kind: match ty {
                StepType::Given => "given",
                StepType::When => "when",
                StepType::Then => "then",
            },
            chinese: super::zh_cn::pattern_of(regex.as_str()).map(|r| r.as_str().to_string()),
            parameters: parameters(regex.as_str()),
            english: regex.as_str().to_string(),
            source: format!("{}:{}", loc.path, loc.line),
            at: (loc.path.to_string(), loc.line),
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
    let Ok(re) = regex::Regex::new(pattern) else {
        return Vec::new();
    };
    // Each group's own text, in order.
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
                    out.push(kind_of_group(&pattern[s..=i]));
                }
            }
            _ => {}
        }
        i += 1;
    }
    debug_assert!(out.len() <= re.captures_len());
    out
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
        "([a-z -]+)" | "([a-z -]+?)" => "transaction (sale, void, refund, pre-auth, reversal, ...)",
        r"(\d+(?:\.\d+)?)" => "seconds",
        "([0-9A-F]+)" => "hex",
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
        out.push_str(&format!("{:<5} {}\n", e.kind, strip(pattern)));
        if !e.parameters.is_empty() {
            out.push_str(&format!("      parameters: {}\n", e.parameters.join("; ")));
        }
        out.push_str(&format!("      defined at {}\n", e.source));
    }
    out
}

/// The catalogue as the README's markdown table.
pub fn markdown() -> String {
    let mut out = String::from("| kind | English | 中文 (`# language: zh-CN`) | parameters |\n|---|---|---|---|\n");
    for e in entries() {
        out.push_str(&format!(
            "| {} | `{}` | `{}` | {} |\n",
            e.kind,
            cell(&strip(&e.english)),
            cell(&strip(e.chinese.as_deref().unwrap_or(""))),
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
    }
}

/// A pattern as a writer would type it, every capture written `X`
/// (`the cashier starts a sale of X yuan`), alternatives as their first word.
fn readable(pattern: &str) -> String {
    let text = strip(pattern);
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '(' if chars.peek() == Some(&'?') => {
                // (?:a|b): keep the first alternative.
                chars.next();
                chars.next();
                let mut first = String::new();
                let mut nested = 1;
                let mut taking = true;
                for c in chars.by_ref() {
                    match c {
                        '(' => nested += 1,
                        ')' => {
                            nested -= 1;
                            if nested == 0 {
                                break;
                            }
                        }
                        '|' if nested == 1 => taking = false,
                        _ if taking && nested == 1 => first.push(c),
                        _ => {}
                    }
                }
                if depth == 0 {
                    out.push_str(first.trim_end_matches('?'));
                }
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
        .into_iter()
        .filter_map(|e| if chinese { e.chinese } else { Some(e.english) })
        .map(|p| {
            let r = readable(&p);
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
