//! Chip cards inserted and contactless cards or phones tapped (闪付, 云闪付).

use super::*;

/// 插卡: the card model goes into the contact reader.
#[when(regex = r#"^the cardholder inserts the card "([^"]+)"$"#)]
async fn when_insert(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    insert(world, &card).await
}

/// 挥卡: the card or phone is brought to the contactless field until read, then taken away.
#[when(regex = r#"^the cardholder taps the (?:card|phone) "([^"]+)"$"#)]
async fn when_tap(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    tap(world, &card).await
}

/// Picks the chip application at the terminal's list, by its number.
#[when(regex = r"^the cardholder chooses application (\d)$")]
async fn when_choose(world: &mut RigWorld, n: String) -> Result<(), StepError> {
    let digit = n.chars().next().unwrap_or('1');
    // The list shows the card's applications: a number past them (or 0)
    // picks nothing, whatever the terminal does with the key.
    if let Some(name) = world.card.clone() {
        let apps = world.bench()?.plan.card(&name)?.applications.len();
        let chosen = digit.to_digit(10).unwrap_or(0) as usize;
        if chosen == 0 || chosen > apps {
            return Err(StepError::Mistake(format!(
                "the card {name:?} has {apps} application(s): there is no application {chosen} to choose"
            )));
        }
    }
    let bench = world.bench()?;
    bench
        .await_current_prompt(
            "choose_application",
            &["pin", "approved"],
            ms(bench.profile().timeouts.prompt_ms),
        )
        .await?;
    let key = bench.profile().digit_key(digit);
    bench.press(&key).await?;
    Ok(())
}
