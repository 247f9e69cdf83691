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
