//! Void, settlement, reprints, management functions and the printer's paper.

use super::*;

/// 撤销: voids the batch's last sale by its voucher number, with the card.
#[when(regex = r#"^the cashier voids the last sale with the (?:(inserted|tapped|swiped) )?card "([^"]+)"$"#)]
async fn when_void(world: &mut RigWorld, how: String, card: String) -> Result<(), StepError> {
    // The voucher number of the last sale the host approved (it is on that receipt).
    let voucher = last_approved(world, TxnKind::Sale, field::STAN).await?;
    card_flow(world, "void", vec![(Answer::Voucher, voucher)], &card, &how).await
}

/// 结算: settles the day; uploads the batch when the host's totals differ.
/// Returns once the terminal is back at idle, settled or not: whether it
/// settled is for the steps after it ("settled", "settlement_failed").
#[when(regex = r"^the cashier settles the batch$")]
async fn when_settle(world: &mut RigWorld) -> Result<(), StepError> {
    menu(world, "settlement").await?;
    transaction_over(world).await
}

/// 重打印: reprints the last receipt.
#[when(regex = r"^the cashier reprints the last receipt$")]
async fn when_reprint(world: &mut RigWorld) -> Result<(), StepError> {
    let from = menu(world, "reprint").await?;
    let bench = world.bench()?;
    bench
        .await_prompt(from, "reprinted", ms(bench.profile().timeouts.prompt_ms))
        .await?;
    Ok(())
}

/// Reprints the first sale's receipt by its voucher number.
#[when(regex = r"^the cashier reprints the receipt of the first sale$")]
async fn when_reprint_first(world: &mut RigWorld) -> Result<(), StepError> {
    // The sales before are over: their answers are on the timeline.
    idle(world).await?;
    let first = world
        .bench()?
        .timeline
        .since(0)
        .iter()
        .find_map(|e| match &e.kind {
            Kind::HostSent { txn, fields, .. } if *txn == TxnKind::Sale && approved(fields) => fields
                .iter()
                .find(|(n, _)| *n == crate::iso8583::codec::field::STAN)
                .map(|(_, v)| v.clone()),
            _ => None,
        })
        .ok_or_else(|| StepError::Expectation("the host approved no sale yet".into()))?;
    begin(world, "reprint_voucher", vec![(Answer::Voucher, Datum::Digits(first))]).await?;
    let bench = world.bench()?;
    bench
        .await_prompt(world.mark, "reprinted", ms(bench.profile().timeouts.prompt_ms))
        .await?;
    Ok(())
}

/// Network management from the menu: echo test, parameter, CAPK or IC parameter download.
#[when(regex = r"^the cashier runs the (echo test|parameter download|CAPK download|IC parameter download)$")]
async fn when_management(world: &mut RigWorld, what: String) -> Result<(), StepError> {
    let name = match what.as_str() {
        "echo test" => "echo_test",
        "parameter download" => "parameter_download",
        "IC parameter download" => "ic_parameter_download",
        _ => "capk_download",
    };
    let from = menu(world, name).await?;
    let bench = world.bench()?;
    bench
        .await_prompt(from, "idle", ms(bench.profile().timeouts.online_ms))
        .await?;
    Ok(())
}

/// 签到: signs the terminal on from its menu (the log-on answers from its profile) and waits until it is signed on and idle again.
#[when(regex = r"^the cashier signs the terminal on$")]
async fn when_sign_on(world: &mut RigWorld) -> Result<(), StepError> {
    transaction_keys(world, "sign_on")?;
    world.mark = world.bench_mut()?.sign_on_now().await?;
    world.started = Some("sign_on".to_string());
    Ok(())
}

/// Has the terminal send the reversal it keeps now, through the work its profile says sends it (`[capabilities] sends_reversal_after`: a sign-on, an echo test), and waits until it is idle again. Whether it went is for the steps after it.
#[when(regex = r"^the cashier has the terminal send its pending reversal$")]
async fn when_send_reversal(world: &mut RigWorld) -> Result<(), StepError> {
    use crate::config::capabilities::ReversalTrigger;
    let profile = world.bench()?.profile();
    let Some(trigger) = profile.capabilities.sends_reversal_after else {
        return Err(StepError::NotOnThisTerminal(format!(
            "{} names no work that sends a kept reversal at once (its profile's capabilities.sends_reversal_after)",
            profile.model
        )));
    };
    match trigger {
        ReversalTrigger::SignOn => {
            transaction_keys(world, "sign_on")?;
            world.mark = world.bench_mut()?.sign_on_now().await?;
        }
        ReversalTrigger::EchoTest => {
            let from = menu(world, "echo_test").await?;
            let bench = world.bench()?;
            bench
                .await_prompt(from, "idle", ms(bench.profile().timeouts.online_ms))
                .await?;
        }
    }
    Ok(())
}

/// Drives the printer's paper sensor to "out of paper".
#[given(regex = r"^the printer is out of paper$")]
async fn given_paper_out(world: &mut RigWorld) -> Result<(), StepError> {
    Ok(world.bench()?.paper(true)?)
}

/// Releases the paper sensor: paper is in again.
#[when(regex = r"^paper is loaded$")]
async fn when_paper_loaded(world: &mut RigWorld) -> Result<(), StepError> {
    Ok(world.bench()?.paper(false)?)
}
