//! What the terminal shows, and the host's answer to the authorisation.

use super::*;

/// Waits for a prompt or message of the profile, by name, since the transaction began.
#[then(regex = r#"^the terminal shows "([a-z_]+)"$"#)]
async fn then_shows(world: &mut RigWorld, prompt: String) -> Result<(), StepError> {
    shows(world, &prompt).await
}

/// Waits for the decline reason the profile gives for that response code.
#[then(regex = r#"^the terminal shows the reason for "([0-9A-Z]{2})"$"#)]
async fn then_shows_reason(world: &mut RigWorld, code: ResponseCode) -> Result<(), StepError> {
    shows_reason(world, &code).await
}

/// Waits for the balance screen showing that amount, in the profile's amount format.
#[then(regex = r"^the terminal shows the balance (\d+\.\d{2}) yuan$")]
async fn then_shows_balance(world: &mut RigWorld, amount: Yuan) -> Result<(), StepError> {
    shows_amount_on(world, "balance", amount).await
}

/// Waits for that amount on the display, in the profile's amount format.
#[then(regex = r"^the terminal shows the amount (\d+\.\d{2}) yuan$")]
async fn then_shows_amount(world: &mut RigWorld, amount: Yuan) -> Result<(), StepError> {
    shows_amount(world, amount).await
}

/// Waits for literal text on the display (one model's wording: prefer names).
#[then(regex = r#"^the display reads "([^"]+)"$"#)]
async fn then_display_text(world: &mut RigWorld, text: String) -> Result<(), StepError> {
    shows_text(world, &text).await
}

/// The host's answer to the transaction's authorisation carried that response code.
#[then(regex = r#"^the host answered "([0-9A-Z]{2})"$"#)]
async fn then_host_answered(world: &mut RigWorld, code: ResponseCode) -> Result<(), StepError> {
    host_answered(world, &code).await
}

/// The decline reason the profile gives for `code`, on the display since the transaction began.
async fn shows_reason(world: &mut RigWorld, code: &ResponseCode) -> Result<(), StepError> {
    let bench = world.bench()?;
    let re = bench.profile().reason(code.as_str()).cloned().ok_or_else(|| {
        StepError::Mistake(format!(
            "the terminal profile of {} has no [reasons] {:?} (the text it shows for that response code)",
            bench.profile().model,
            code.as_str()
        ))
    })?;
    let what = format!("reason for {} ({re})", code.as_str());
    shown_since_mark(world, &what, |t| re.is_match(t)).await
}

/// Prompt `prompt` showing `amount` in the profile's amount format.
async fn shows_amount_on(world: &mut RigWorld, prompt: &str, amount: Yuan) -> Result<(), StepError> {
    let bench = world.bench()?;
    let re = bench
        .profile()
        .prompt(prompt)
        .cloned()
        .ok_or_else(|| StepError::Mistake(format!("the terminal profile has no prompt {prompt:?}")))?;
    let shown = bench.profile().amount(&amount.to_string());
    let what = format!("prompt {prompt:?} with {shown:?}");
    shown_since_mark(world, &what, |t| re.is_match(t) && t.contains(&shown)).await
}

/// `amount` in the profile's amount format, on the display since the transaction began.
async fn shows_amount(world: &mut RigWorld, amount: Yuan) -> Result<(), StepError> {
    let shown = world.bench()?.profile().amount(&amount.to_string());
    shows_text(world, &shown).await
}

/// Once the transaction is over: the terminal asked for no PIN (a 免密 tap, a phone that verified its owner).
#[then(regex = r"^no PIN was asked$")]
async fn then_no_pin(world: &mut RigWorld) -> Result<(), StepError> {
    not_shown(world, "pin").await
}

/// Once the transaction is over: the terminal did not show that prompt or message (a profile name).
#[then(regex = r#"^the terminal did not show "([a-z_]+)"$"#)]
async fn then_not_shown(world: &mut RigWorld, name: String) -> Result<(), StepError> {
    not_shown(world, &name).await
}

async fn not_shown(world: &mut RigWorld, name: &str) -> Result<(), StepError> {
    some_transaction(world, &format!("screen to check for {name:?}"))?;
    let re = {
        let profile = world.bench()?.profile();
        profile
            .prompt(name)
            .or_else(|| profile.messages.get(name))
            .cloned()
            .ok_or_else(|| StepError::Mistake(format!("the terminal profile has no prompt or message {name:?}")))?
    };
    // Only a transaction that is over can be said not to have shown it.
    transaction_over(world).await?;
    let shown = world
        .bench()?
        .timeline
        .since(world.mark)
        .iter()
        .find_map(|e| match &e.kind {
            Kind::Display { text, .. } if re.is_match(text) => Some((e.t_us, text.clone())),
            _ => None,
        });
    match shown {
        Some((t_us, text)) => Err(StepError::Expectation(format!(
            "the terminal showed {name:?} ({text}) at {:.3} s",
            t_us as f64 / 1e6
        ))),
        None => Ok(()),
    }
}
