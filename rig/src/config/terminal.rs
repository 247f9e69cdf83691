//! Terminal profiles (fixtures/terminals/*.toml): everything the rig must
//! know to drive one terminal model. Step code reads only this.
//!
//! Over 500 lines only with its tests (the code is under 490): a profile's
//! sections are read and checked together (a prompt names a key, a flow a
//! prompt), so their types stay in one file.

use super::ConfigError;
use super::capabilities::Capabilities;
use super::flows::Flows;
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    model: String,
    /// The model named in the VTERM-FW images this terminal boots.
    #[serde(default)]
    image_model: Option<String>,
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
    /// Prompt name -> keys pressed whenever it shows.
    #[serde(default)]
    responders: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    sign_on: SignOn,
    #[serde(default)]
    entry: Entry,
    /// Per transaction: its prompts after the menu keys and what is answered at each.
    #[serde(default)]
    flows: BTreeMap<String, Vec<super::flows::RawStep>>,
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
    /// Texts on a slip by name (regexes over its lines): `the last receipt shows "void"`.
    #[serde(default)]
    marks: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedaction {
    pattern: String,
    replace: String,
}

/// How the terminal signs on after power-on (`[sign_on]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOn {
    #[serde(default)]
    pub at_boot: SignOnAtBoot,
    /// For `menu`: each prompt of the log-on and what is keyed at it
    /// (digits, then enter), in the order they show.
    #[serde(default)]
    pub answers: Vec<SignOnAnswer>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOnAtBoot {
    /// The terminal signs on by itself, then shows idle.
    #[default]
    Auto,
    /// It boots to idle; the rig opens `[menus] sign_on` and answers the log-on.
    Menu,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOnAnswer {
    pub prompt: String,
    /// Digits keyed at the prompt (an operator number, a password).
    pub keys: String,
}

/// How amounts are keyed (`[entry]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    #[serde(default)]
    pub amount: AmountEntry,
    /// The decimal point key, for `amount = "decimal"`.
    #[serde(default)]
    pub decimal_key: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmountEntry {
    /// In fen, digits only: 100.00 is 1 0 0 0 0.
    #[default]
    Fen,
    /// In yuan with the decimal key: 100.00 is 1 0 0 . 0 0.
    Decimal,
}

/// How the terminal writes values on its display.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Formats {
    /// An amount: `{yuan}` is replaced by yuan with two decimals ("10.00").
    pub amount: String,
    /// An amount on a receipt, when the slip writes it otherwise than the display.
    #[serde(default)]
    pub receipt_amount: Option<String>,
}

impl Default for Formats {
    fn default() -> Formats {
        Formats {
            amount: "{yuan}".into(),
            receipt_amount: None,
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
    /// The model a VTERM-FW image must name to be this terminal's (`image_model`).
    pub image_model: Option<String>,
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
    /// Prompt name -> keys the robot presses whenever it shows (`[responders]`).
    pub responders: BTreeMap<String, Vec<String>>,
    pub sign_on: SignOn,
    pub entry: Entry,
    /// Per transaction, the prompts after its menu keys (`[flows]`).
    pub flows: Flows,
    /// Slip texts by name (`[receipt] marks`).
    pub receipt_marks: BTreeMap<String, Regex>,
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
        TerminalProfile::parse(path, &super::read(path)?)
    }

    /// A profile's text, as if read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<TerminalProfile, ConfigError> {
        Self::checked(path, text).map_err(|e| e.located(text))
    }

    fn checked(path: &Path, text: &str) -> Result<TerminalProfile, ConfigError> {
        let raw: Raw = super::parse(path, text)?;
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
        let named = |n: &String| prompts.contains_key(n) || messages.contains_key(n);
        if let Some(unknown) = raw.responders.keys().find(|n| !named(n)) {
            return Err(ConfigError::Semantic {
                path: path.into(),
                message: format!("responders: {unknown:?} is not a prompt of [prompts]"),
            });
        }
        if let Some(unknown) = raw.sign_on.answers.iter().find(|a| !named(&a.prompt)) {
            return Err(ConfigError::Semantic {
                path: path.into(),
                message: format!("sign_on.answers: {:?} is not a prompt of [prompts]", unknown.prompt),
            });
        }
        if raw.entry.amount == AmountEntry::Decimal && raw.entry.decimal_key.is_none() {
            return Err(ConfigError::Semantic {
                path: path.into(),
                message: "entry.amount = \"decimal\" needs entry.decimal_key (the key's name)".into(),
            });
        }
        if raw.sign_on.at_boot == SignOnAtBoot::Menu && !raw.menus.contains_key("sign_on") {
            return Err(ConfigError::Semantic {
                path: path.into(),
                message: "sign_on.at_boot = \"menu\" needs [menus] sign_on".into(),
            });
        }
        if let Some(unknown) = raw.outcomes.iter().find(|o| !prompts.contains_key(*o)) {
            return Err(ConfigError::Semantic {
                path: path.into(),
                message: format!("outcomes: {unknown:?} is not a prompt of [prompts]"),
            });
        }
        let flows = Flows::compile(raw.flows, |p| prompts.contains_key(p), |m| raw.menus.contains_key(m)).map_err(
            |message| ConfigError::Semantic {
                path: path.into(),
                message,
            },
        )?;
        let mut receipt_marks = BTreeMap::new();
        for (name, pattern) in &raw.receipt.marks {
            receipt_marks.insert(name.clone(), compile(path, &format!("receipt.marks.{name}"), pattern)?);
        }
        if let Some(f) = raw.formats.receipt_amount.as_deref().filter(|f| !f.contains("{yuan}")) {
            return Err(ConfigError::Semantic {
                path: path.into(),
                message: format!("formats.receipt_amount {f:?} must contain {{yuan}}"),
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
            image_model: raw.image_model,
            baud: c.baud,
            console,
            keys: raw.keys,
            menus: raw.menus,
            prompts,
            messages,
            reasons,
            formats: raw.formats,
            capabilities: raw.capabilities,
            responders: raw.responders,
            sign_on: raw.sign_on,
            entry: raw.entry,
            flows,
            receipt_marks,
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

    /// The keys of an amount given in fen digits ("10000"), as this model
    /// keys it (`[entry]`), without the final enter.
    pub fn amount_keys(&self, fen: &str) -> Vec<String> {
        let digits = |s: &str| s.chars().map(|d| self.digit_key(d)).collect::<Vec<_>>();
        match (self.entry.amount, &self.entry.decimal_key) {
            (AmountEntry::Decimal, Some(point)) => {
                let fen: u64 = fen.parse().unwrap_or(0);
                let mut keys = digits(&(fen / 100).to_string());
                keys.push(point.clone());
                keys.extend(digits(&format!("{:02}", fen % 100)));
                keys
            }
            _ => digits(fen),
        }
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

    /// An amount as a receipt writes it (`formats.receipt_amount`, else the display's format).
    pub fn receipt_amount(&self, yuan: &str) -> String {
        self.formats
            .receipt_amount
            .as_deref()
            .unwrap_or(&self.formats.amount)
            .replace("{yuan}", yuan)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// vterm's profile with `edit` applied, loaded from a temporary file.
    fn vterm_with(edit: impl Fn(&str) -> String) -> Result<TerminalProfile, ConfigError> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/terminals/vterm.toml");
        let text = std::fs::read_to_string(root).expect("vterm.toml");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.toml");
        std::fs::write(&path, edit(&text)).expect("write");
        TerminalProfile::load(&path)
    }

    #[test]
    fn amounts_are_keyed_in_fen_or_with_the_decimal_key() {
        let fen = vterm_with(str::to_string).expect("vterm profile");
        assert_eq!(fen.amount_keys("10050"), ["1", "0", "0", "5", "0"]);
        let decimal = vterm_with(|t| {
            t.replace(
                "[receipt]\n",
                "[entry]\namount = \"decimal\"\ndecimal_key = \"DOT\"\n\n[receipt]\n",
            )
        })
        .expect("decimal profile");
        assert_eq!(decimal.amount_keys("10050"), ["1", "0", "0", "DOT", "5", "0"]);
        assert_eq!(decimal.amount_keys("5"), ["0", "DOT", "0", "5"]);
        let err = vterm_with(|t| t.replace("[receipt]\n", "[entry]\namount = \"decimal\"\n\n[receipt]\n"))
            .expect_err("no decimal key");
        assert!(err.to_string().contains("decimal_key"), "{err}");
    }

    #[test]
    fn names_that_mean_two_things_or_nothing_are_refused() {
        let twice = vterm_with(|t| t.replace("[messages]\n", "[messages]\nidle = 'x'\n")).expect_err("collision");
        assert!(twice.to_string().contains("messages.idle: also a prompt"), "{twice}");
        let unknown = vterm_with(|t| t.replace("[receipt]\n", "[responders]\nno_such = [\"1\"]\n\n[receipt]\n"))
            .expect_err("unknown responder prompt");
        assert!(unknown.to_string().contains("responders: \"no_such\""), "{unknown}");
        let missing = vterm_with(|t| t.replace("\"sale\", \"qr_sale\"", "\"sale\", \"bogus\", \"qr_sale\""))
            .expect_err("capability without menu");
        assert!(
            missing.to_string().contains("\"bogus\" has no entry in [menus]"),
            "{missing}"
        );
        let reason = vterm_with(str::to_string).expect("vterm profile");
        assert!(
            reason
                .reason("51")
                .is_some_and(|r| r.is_match("余额不足 INSUFFICIENT FUNDS"))
        );
        assert_eq!(reason.amount("10.00"), "RMB 10.00");
    }
}
