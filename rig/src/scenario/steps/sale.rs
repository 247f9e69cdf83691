//! Sales started on the keypad, cards swiped, PINs entered, balance inquiry.

use super::*;

/// 消费: opens the sale and keys the amount; the terminal asks for the card.
#[when(regex = r"^the cashier starts a sale of (\d+\.\d{2}) yuan$")]
async fn when_sale(world: &mut RigWorld, amount: Yuan) -> Result<(), StepError> {
    start_sale(world, amount).await
}

/// 刷卡: plays the card's tracks into the stripe head.
#[when(regex = r#"^the cardholder swipes the card "([^"]+)"$"#)]
async fn when_swipe(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    swipe(world, &card).await
}

/// Opens the sale and stops at that prompt (what the terminal asks before
/// it given: 1.00 yuan, the card "unionpay-debit" swiped).
#[when(regex = r"^the cashier opens the sale and waits for the (amount|card|pin) prompt$")]
async fn when_open_sale_until(world: &mut RigWorld, prompt: String) -> Result<(), StepError> {
    let card = world.bench()?.plan.card("unionpay-debit")?.clone();
    let mut data = Vec::new();
    // The answers of the prompts the sale's flow shows before that one.
    for step in world.bench()?.profile().flows.of("sale") {
        if step.prompt == prompt {
            break;
        }
        match step.answer {
            Answer::Amount => data.push((Answer::Amount, Datum::Digits("100".into()))),
            Answer::Card => data.push((Answer::Card, Datum::Card(Box::new(Presentation::Swipe(card.clone()))))),
            _ => {}
        }
    }
    begin(world, "sale", data).await?;
    Ok(world.bench()?.await_flow_prompt(&prompt).await?)
}

/// Presses the cancel key.
#[when(regex = r"^the (?:cashier|cardholder) presses cancel$")]
async fn when_cancel(world: &mut RigWorld) -> Result<(), StepError> {
    let bench = world.bench()?;
    let key = bench.profile().keys.cancel.clone();
    bench.press(&key).await?;
    Ok(())
}

/// Takes the card out of the reader or the field.
#[when(regex = r"^the cardholder removes the card$")]
async fn when_remove(world: &mut RigWorld) -> Result<(), StepError> {
    if !world.bench_mut()?.remove_card() {
        return Err(StepError::Mistake(
            "no card is in the reader or the field to remove (a tap takes the card away by itself)".into(),
        ));
    }
    Ok(())
}

/// Keys those digits at the PIN prompt (a wrong PIN, say), then enter.
#[when(regex = r#"^the cardholder enters the PIN "(\d*)"$"#)]
async fn when_pin(world: &mut RigWorld, pin: String) -> Result<(), StepError> {
    enter_pin(world, &pin).await
}

/// Keys the card's own PIN at the PIN prompt, then enter.
#[when(regex = r"^the cardholder enters the card's PIN$")]
async fn when_card_pin(world: &mut RigWorld) -> Result<(), StepError> {
    let name = world
        .card
        .clone()
        .ok_or_else(|| StepError::Mistake("no card was presented yet".into()))?;
    let pin = world.bench()?.plan.card(&name)?.issuer.pin.clone();
    enter_pin(world, &pin).await
}

/// A whole sale from the idle screen: amount, the card (swiped, or inserted / tapped as written), its PIN if asked.
#[when(
    regex = r#"^the cashier makes a sale of (\d+\.\d{2}) yuan with the (?:(inserted|tapped|swiped) )?card "([^"]+)" and its PIN$"#
)]
async fn when_whole_sale(world: &mut RigWorld, amount: Yuan, how: String, card: String) -> Result<(), StepError> {
    card_flow(world, "sale", vec![(Answer::Amount, amount.keyed())], &card, &how).await
}

/// 余额查询: a balance inquiry with the card and its PIN.
#[when(regex = r#"^the cashier asks for the balance of the (?:(inserted|tapped|swiped) )?card "([^"]+)"$"#)]
async fn when_balance(world: &mut RigWorld, how: String, card: String) -> Result<(), StepError> {
    card_flow(world, "balance", Vec::new(), &card, &how).await
}
