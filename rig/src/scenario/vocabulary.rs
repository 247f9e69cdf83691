//! The names steps take from a terminal profile and the host, listed for
//! feature writers (`rig steps`): prompts and outcomes, messages, decline
//! reasons, receipt marks, the model's transactions, and the transaction
//! words of host steps in English and Chinese. Without it, names such as
//! `use_chip` or `timed_out` turn up only in a failure.

use crate::config::terminal::TerminalProfile;
use crate::iso8583::txn::{ALL, TxnKind};
use crate::scenario::zh_cn::chinese_of;

/// The vocabulary of `profile` (its model's names) as text.
pub fn text(profile: &TerminalProfile) -> String {
    let mut out = format!(
        "\nNames from the terminal profile of {} and the mock host\n",
        profile.model
    );
    let list = |title: &str, names: Vec<String>| {
        if names.is_empty() {
            String::new()
        } else {
            format!("\n{title}:\n  {}\n", names.join(", "))
        }
    };
    let (outcomes, prompts): (Vec<&String>, Vec<&String>) =
        profile.prompts.keys().partition(|n| profile.outcomes.contains(n));
    let named = |names: Vec<&String>| -> Vec<String> { names.into_iter().map(|n| with_chinese(n)).collect() };
    out.push_str(&list(
        "outcomes (`the terminal shows \"NAME\"`; a wait for one ends when another shows)",
        named(outcomes),
    ));
    out.push_str(&list("prompts (`the terminal shows \"NAME\"`)", named(prompts)));
    out.push_str(&list(
        "messages",
        profile.messages.keys().map(|n| with_chinese(n)).collect(),
    ));
    out.push_str(&list(
        "decline reasons by response code (`the terminal shows the reason for \"CODE\"`)",
        profile.reasons.keys().cloned().collect(),
    ));
    out.push_str(&list(
        "receipt marks (`the last receipt shows \"NAME\"`)",
        profile.receipt_marks.keys().map(|n| with_chinese(n)).collect(),
    ));
    out.push_str(&list(
        "transactions of this model (its menus)",
        profile.menus.keys().cloned().collect(),
    ));
    out.push_str(&list(
        "transaction words of host steps (`the host received 2 reversals`, `主机收到 2 笔冲正`)",
        ALL.iter()
            .filter(|k| **k != TxnKind::Unknown)
            .map(|k| with_chinese(k.name()))
            .collect(),
    ));
    out
}

fn with_chinese(name: &str) -> String {
    match chinese_of(name) {
        Some(zh) => format!("{name} ({zh})"),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_profile_names_its_outcomes_prompts_and_words() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/terminals/vterm.toml");
        let profile = TerminalProfile::load(&path).expect("profile");
        let text = text(&profile);
        for name in [
            "use_chip",
            "timed_out",
            "reversal_failed",
            "failed",
            "balanced",
            "sale (消费)",
            "reversal (冲正)",
        ] {
            assert!(text.contains(name), "{name} missing:\n{text}");
        }
    }
}
