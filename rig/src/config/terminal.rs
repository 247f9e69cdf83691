//! Terminal profiles (fixtures/terminals/*.toml): everything the rig must
//! know to drive one terminal model. Step code reads only this.

use super::ConfigError;
use super::capabilities::Capabilities;
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    model: String,
    /// Prompts a transaction ends on (names in [prompts]).
    #[serde(default)]
    outcomes: Vec<String>,
    console: RawConsole,
    keys: Keys,
    menus: BTreeMap<String, Vec<String>>,
    prompts: BTreeMap<String, String>,
    /// Texts shown within screens, by name (regexes): what features check
    /// instead of one model's wording.
    #[serde(default)]
    messages: BTreeMap<String, String>,
    /// The decline reason shown for each response code (regexes).
    #[serde(default)]
    reasons: BTreeMap<String, String>,
    #[serde(default)]
    formats: Formats,
    #[serde(default)]
    capabilities: Capabilities,
    receipt: RawReceipt,
    timeouts: Timeouts,
    #[serde(default)]
    ecr: Option<RawEcr>,
}

/// The cash-register protocol: request templates and the result line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEcr {
    baud: u32,
    /// `{fen12}`: the amount in fen, 12 digits.
    sale: String,
    /// `{voucher}`: the original's voucher number, 6 digits.
    void: String,
    settle: String,
    /// Captures `code`.
    result: String,
}

#[derive(Debug, Clone)]
pub struct EcrProtocol {
    pub baud: u32,
    pub sale: String,
    pub void: String,
    pub settle: String,
    pub result: Regex,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConsole {
    baud: u32,
    banner: String,
    /// The boot loader refusing its image; captures `reason`.
    #[serde(default)]
    boot_failure: Option<String>,
    display: String,
    print: String,
    cut: String,
}

/// The terminal's names for the keys steps use.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    pub enter: String,
    pub cancel: String,
    pub clear: String,
    /// Digit keys "0".."9" by digit, when the terminal names them otherwise.
    #[serde(default)]
    pub digits: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReceipt {
    #[serde(default)]
    redact: Vec<RawRedaction>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedaction {
    pattern: String,
    replace: String,
}

/// How the terminal writes values on its display.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Formats {
    /// An amount: `{yuan}` is replaced by yuan with two decimals ("10.00").
    pub amount: String,
}

impl Default for Formats {
    fn default() -> Formats {
        Formats {
            amount: "{yuan}".into(),
        }
    }
}

/// How long the terminal may take, in milliseconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    pub boot_ms: u64,
    pub prompt_ms: u64,
    pub online_ms: u64,
    /// How long the terminal itself waits for the host's answer before it
    /// gives up: steps "past the terminal's timeout" are made from it, so a
    /// feature names no terminal's timing. Optional: only those steps need it.
    #[serde(default)]
    pub host_answer_ms: Option<u64>,
}

/// A compiled terminal profile.
#[derive(Debug, Clone)]
pub struct TerminalProfile {
    pub model: String,
    pub baud: u32,
    pub console: ConsoleFormat,
    pub keys: Keys,
    pub menus: BTreeMap<String, Vec<String>>,
    pub prompts: BTreeMap<String, Regex>,
    /// Texts within screens by name (`[messages]`).
    pub messages: BTreeMap<String, Regex>,
    /// Decline reasons by response code (`[reasons]`).
    pub reasons: BTreeMap<String, Regex>,
    pub formats: Formats,
    pub capabilities: Capabilities,
    /// The prompts a transaction ends on: a wait for one of them fails as
    /// soon as another of them shows.
    pub outcomes: Vec<String>,
    pub receipt_redactions: Vec<(Regex, String)>,
    pub timeouts: Timeouts,
    pub ecr: Option<EcrProtocol>,
}

/// Regexes that classify console lines.
#[derive(Debug, Clone)]
pub struct ConsoleFormat {
    /// Boot banner; captures `version`.
    pub banner: Regex,
    pub boot_failure: Option<Regex>,
    /// Display update; captures `text`.
    pub display: Regex,
    /// Printer line; captures `text`.
    pub print: Regex,
    /// Paper cut: the end of one receipt.
    pub cut: Regex,
}

fn compile(path: &Path, what: &str, pattern: &str) -> Result<Regex, ConfigError> {
    Regex::new(pattern).map_err(|e| ConfigError::Semantic {
        path: path.into(),
        message: format!("{what}: bad pattern: {e}"),
    })
}

impl TerminalProfile {
    pub fn load(path: &Path) -> Result<TerminalProfile, ConfigError> {
        let raw: Raw = super::load(path)?;
        let c = &raw.console;
        let console = ConsoleFormat {
            banner: compile(path, "console.banner", &c.banner)?,
            boot_failure: c
                .boot_failure
                .as_deref()
                .map(|p| compile(path, "console.boot_failure", p))
                .transpose()?,
            display: compile(path, "console.display", &c.display)?,
            print: compile(path, "console.print", &c.print)?,
            cut: compile(path, "console.cut", &c.cut)?,
        };
        for (what, re, group) in [
            ("banner", &console.banner, "version"),
            ("display", &console.display, "text"),
            ("print", &console.print, "text"),
        ] {
            if !re.capture_names().flatten().any(|n| n == group) {
                return Err(ConfigError::Semantic {
                    path: path.into(),
                    message: format!("console.{what} must capture (?P<{group}>...)"),
                });
            }
        }
        let mut prompts = BTreeMap::new();
        for (name, pattern) in &raw.prompts {
            prompts.insert(name.clone(), compile(path, &format!("prompts.{name}"), pattern)?);
        }
        let mut messages = BTreeMap::new();
        for (name, pattern) in &raw.messages {
            if prompts.contains_key(name) {
                return Err(ConfigError::Semantic {
                    path: path.into(),
                    message: format!("messages.{name}: also a prompt; a name means one thing"),
                });
            }
            messages.insert(name.clone(), compile(path, &format!("messages.{name}"), pattern)?);
        }
        let mut reasons = BTreeMap::new();
        for (code, pattern) in &raw.reasons {
            reasons.insert(code.clone(), compile(path, &format!("reasons.{code}"), pattern)?);
        }
        if !raw.formats.amount.contains("{yuan}") {
            return Err(ConfigError::Semantic {
                path: path.into(),
                message: "formats.amount must contain {yuan}".into(),
            });
        }
        if let Some(missing) = raw
            .capabilities
            .transactions
            .iter()
            .flatten()
            .find(|t| !raw.menus.contains_key(*t))
        {
            return Err(ConfigError::Semantic {
                path: path.into(),
                message: format!("capabilities.transactions: {missing:?} has no entry in [menus]"),
            });
        }
        if let Some(unknown) = raw.outcomes.iter().find(|o| !prompts.contains_key(*o)) {
            return Err(ConfigError::Semantic {
                path: path.into(),
                message: format!("outcomes: {unknown:?} is not a prompt of [prompts]"),
            });
        }
        let mut receipt_redactions = Vec::new();
        for r in &raw.receipt.redact {
            receipt_redactions.push((compile(path, "receipt.redact", &r.pattern)?, r.replace.clone()));
        }
        let ecr = match &raw.ecr {
            Some(e) => Some(EcrProtocol {
                baud: e.baud,
                sale: e.sale.clone(),
                void: e.void.clone(),
                settle: e.settle.clone(),
                result: compile(path, "ecr.result", &e.result)?,
            }),
            None => None,
        };
        Ok(TerminalProfile {
            ecr,
            model: raw.model,
            baud: c.baud,
            console,
            keys: raw.keys,
            menus: raw.menus,
            prompts,
            messages,
            reasons,
            formats: raw.formats,
            capabilities: raw.capabilities,
            outcomes: raw.outcomes,
            receipt_redactions,
            timeouts: raw.timeouts,
        })
    }

    /// The terminal's key for a digit.
    pub fn digit_key(&self, digit: char) -> String {
        self.keys
            .digits
            .get(&digit.to_string())
            .cloned()
            .unwrap_or_else(|| digit.to_string())
    }

    /// A prompt (`[prompts]`) or, failing that, a message (`[messages]`) by name.
    pub fn prompt(&self, name: &str) -> Option<&Regex> {
        self.prompts.get(name).or_else(|| self.messages.get(name))
    }

    /// The decline reason the terminal shows for response code `code`.
    pub fn reason(&self, code: &str) -> Option<&Regex> {
        self.reasons.get(code)
    }

    /// An amount as the display writes it ("10.00" -> "RMB 10.00").
    pub fn amount(&self, yuan: &str) -> String {
        self.formats.amount.replace("{yuan}", yuan)
    }

    pub fn menu(&self, name: &str) -> Option<&[String]> {
        self.menus.get(name).map(Vec::as_slice)
    }

    /// Applies the receipt redactions (volatile lines: date, RRN, ...).
    pub fn redact_receipt(&self, text: &str) -> String {
        text.lines()
            .map(|line| {
                let mut line = line.to_string();
                for (re, replace) in &self.receipt_redactions {
                    line = re.replace_all(&line, replace.as_str()).into_owned();
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}
