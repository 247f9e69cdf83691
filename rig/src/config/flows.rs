//! Transaction flows (`[flows]` of a terminal profile): per transaction,
//! the prompts the terminal shows after its menu keys, in order, and what is
//! answered at each. Steps supply the data (an amount, a card, a PIN, a
//! voucher number); the strategy (`bench::flow`) walks these prompts, so a
//! terminal that asks for the card first, or puts a confirmation between
//! two prompts, needs only its profile.

use serde::Deserialize;
use std::collections::BTreeMap;

/// What is answered at one prompt of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// The transaction's amount, keyed as `[entry]` says, then enter.
    Amount,
    /// The card: swiped, inserted or tapped, as the step says.
    Card,
    /// The cardholder's PIN, then enter.
    Pin,
    /// The customer's payment code, shown to the scanner.
    Code,
    /// The original's voucher number (its STAN), then enter.
    Voucher,
    /// The original pre-authorisation's authorisation code, then enter.
    AuthCode,
    /// The original sale's retrieval reference number, then enter.
    OriginalRrn,
    /// The original sale's date (MMDD), then enter.
    OriginalDate,
    /// Fixed keys (`keys = [...]`): a confirmation, an account choice.
    Keys,
    /// Nothing: the prompt is only awaited (a screen the flow passes through).
    Wait,
}

impl Answer {
    pub fn name(&self) -> &'static str {
        match self {
            Answer::Amount => "amount",
            Answer::Card => "card",
            Answer::Pin => "pin",
            Answer::Code => "code",
            Answer::Voucher => "voucher",
            Answer::AuthCode => "auth_code",
            Answer::OriginalRrn => "original_rrn",
            Answer::OriginalDate => "original_date",
            Answer::Keys => "keys",
            Answer::Wait => "wait",
        }
    }

    /// The answer a bare prompt name stands for: the datum of the same name.
    fn named(name: &str) -> Option<Answer> {
        Some(match name {
            "amount" => Answer::Amount,
            "card" => Answer::Card,
            "pin" => Answer::Pin,
            "code" => Answer::Code,
            "voucher" => Answer::Voucher,
            "auth_code" => Answer::AuthCode,
            "original_rrn" => Answer::OriginalRrn,
            "original_date" => Answer::OriginalDate,
            _ => return None,
        })
    }
}

/// One prompt of a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStep {
    /// A prompt name of `[prompts]`.
    pub prompt: String,
    pub answer: Answer,
    /// For `Answer::Keys`: key names as in `[keys]`, `[menus]`.
    pub keys: Vec<String>,
    /// The terminal may skip this prompt (a PIN a contactless sale under
    /// the no-PIN limit does not ask for): a flow may end here unanswered.
    pub optional: bool,
}

/// As written in TOML: a bare name (`"amount"`, the prompt and what is
/// answered there share it) or a table.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawStep {
    Name(String),
    Table(RawTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTable {
    prompt: String,
    #[serde(default)]
    answer: Option<Answer>,
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default)]
    optional: bool,
}

/// The flows of one profile, by transaction (`[menus]` names).
#[derive(Debug, Clone, Default)]
pub struct Flows(BTreeMap<String, Vec<FlowStep>>);

impl Flows {
    /// Checks and compiles `[flows]`; `is_prompt` says whether a name is in
    /// `[prompts]`, `is_menu` whether a transaction is in `[menus]`.
    pub(super) fn compile(
        raw: BTreeMap<String, Vec<RawStep>>,
        is_prompt: impl Fn(&str) -> bool,
        is_menu: impl Fn(&str) -> bool,
    ) -> Result<Flows, String> {
        let mut flows = BTreeMap::new();
        for (txn, steps) in raw {
            if !is_menu(&txn) {
                return Err(format!("flows.{txn}: not a transaction of [menus]"));
            }
            let mut compiled = Vec::new();
            for (i, step) in steps.into_iter().enumerate() {
                let at = format!("flows.{txn}[{i}]");
                let step = match step {
                    RawStep::Name(name) => {
                        let (name, optional) = match name.strip_suffix('?') {
                            Some(n) => (n.to_string(), true),
                            None => (name, false),
                        };
                        let answer = Answer::named(&name).ok_or_else(|| {
                            format!(
                                "{at}: {name:?} is not an answer (amount, card, pin, code, voucher, auth_code, \
                                 original_rrn, original_date); write {{ prompt = {name:?}, answer = \"...\" }} \
                                 or {{ prompt = {name:?}, keys = [...] }}"
                            )
                        })?;
                        FlowStep {
                            prompt: name,
                            answer,
                            keys: Vec::new(),
                            optional,
                        }
                    }
                    RawStep::Table(t) => {
                        let answer = match (t.answer, t.keys.is_empty()) {
                            (Some(Answer::Keys) | None, false) => Answer::Keys,
                            (Some(a), true) => a,
                            (None, true) => Answer::Wait,
                            (Some(a), false) => {
                                return Err(format!("{at}: keys are only for answer = \"keys\", not {}", a.name()));
                            }
                        };
                        if answer == Answer::Keys && t.keys.is_empty() {
                            return Err(format!("{at}: answer = \"keys\" needs keys = [...]"));
                        }
                        FlowStep {
                            prompt: t.prompt,
                            answer,
                            keys: t.keys,
                            optional: t.optional,
                        }
                    }
                };
                if !is_prompt(&step.prompt) {
                    return Err(format!("{at}: {:?} is not a prompt of [prompts]", step.prompt));
                }
                compiled.push(step);
            }
            flows.insert(txn, compiled);
        }
        Ok(Flows(flows))
    }

    /// The prompts of transaction `txn` after its menu keys (none listed:
    /// the transaction asks nothing).
    pub fn of(&self, txn: &str) -> &[FlowStep] {
        self.0.get(txn).map_or(&[], Vec::as_slice)
    }

    /// Whether `prompt` is one a flow answers with a datum a step gives
    /// (an amount, a card, a PIN, a voucher number...): a prompt that waits
    /// for the feature's input.
    pub fn takes_input(&self, prompt: &str) -> bool {
        self.0
            .values()
            .flatten()
            .any(|s| s.prompt == prompt && !matches!(s.answer, Answer::Keys | Answer::Wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(toml_text: &str) -> Result<Flows, String> {
        let raw: BTreeMap<String, Vec<RawStep>> = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        Flows::compile(raw, |p| p != "nowhere", |m| m != "bogus")
    }

    #[test]
    fn names_tables_and_optional_prompts() {
        let flows = compile(
            r#"
            sale = ["card", "amount", { prompt = "confirm", keys = ["OK"] }, "pin?"]
            void = [{ prompt = "enter_voucher", answer = "voucher" }, { prompt = "reading" }]
            "#,
        )
        .expect("flows");
        let sale = flows.of("sale");
        assert_eq!(sale.len(), 4);
        assert_eq!(sale[0].answer, Answer::Card);
        assert_eq!(sale[2].answer, Answer::Keys);
        assert_eq!(sale[2].keys, ["OK"]);
        assert!(sale[3].optional && sale[3].prompt == "pin");
        let void = flows.of("void");
        assert_eq!(
            (void[0].prompt.as_str(), &void[0].answer),
            ("enter_voucher", &Answer::Voucher)
        );
        assert_eq!(void[1].answer, Answer::Wait);
        assert!(flows.of("refund").is_empty());
    }

    #[test]
    fn mistakes_name_their_place() {
        let e = compile(r#"sale = ["amount", "tip"]"#).expect_err("unknown answer");
        assert!(e.starts_with("flows.sale[1]: \"tip\" is not an answer"), "{e}");
        let e = compile(r#"sale = [{ prompt = "nowhere", answer = "pin" }]"#).expect_err("unknown prompt");
        assert!(e.contains("\"nowhere\" is not a prompt"), "{e}");
        let e = compile(r#"bogus = ["amount"]"#).expect_err("unknown transaction");
        assert!(e.contains("flows.bogus: not a transaction"), "{e}");
        let e = compile(r#"sale = [{ prompt = "amount", answer = "pin", keys = ["1"] }]"#).expect_err("keys");
        assert!(e.contains("keys are only for"), "{e}");
    }
}
