//! Payment codes (扫码): the customer's code, the terminal's order code.

use super::*;

/// 扫码: opens the payment-code sale and keys the amount; the terminal asks for the code.
#[when(regex = r"^the cashier starts a payment-code sale of (\d+\.\d{2}) yuan$")]
async fn when_qr_sale(world: &mut RigWorld, amount: Yuan) -> Result<(), StepError> {
    begin(world, "qr_sale", vec![(Answer::Amount, Datum::Digits(amount.keyed()))]).await
}

/// The terminal shows its own order code for that amount (C scans B).
#[when(regex = r"^the cashier shows a payment QR code for (\d+\.\d{2}) yuan$")]
async fn when_qr_order(world: &mut RigWorld, amount: Yuan) -> Result<(), StepError> {
    begin(world, "qr_order", vec![(Answer::Amount, Datum::Digits(amount.keyed()))]).await?;
    let bench = world.bench()?;
    bench
        .await_prompt(world.mark, "show_qr", ms(bench.profile().timeouts.online_ms))
        .await?;
    Ok(())
}

/// 扫码撤销: voids the batch's last payment-code sale by its voucher number (no card, no PIN).
#[when(regex = r"^the cashier voids the last payment-code sale$")]
async fn when_qr_void(world: &mut RigWorld) -> Result<(), StepError> {
    transaction_keys(world, "qr_void")?;
    let voucher = last_approved(world, TxnKind::QrPay, field::STAN).await?;
    begin(world, "qr_void", vec![(Answer::Voucher, Datum::Digits(voucher))]).await
}

/// 扫码退货: refunds that amount of the last payment-code sale (its reference number and date keyed; no card).
#[when(regex = r"^the cashier refunds (\d+\.\d{2}) yuan of the last payment-code sale$")]
async fn when_qr_refund(world: &mut RigWorld, amount: Yuan) -> Result<(), StepError> {
    transaction_keys(world, "qr_refund")?;
    let rrn = last_approved(world, TxnKind::QrPay, field::RRN).await?;
    let date = last_approved(world, TxnKind::QrPay, field::LOCAL_DATE).await?;
    begin(
        world,
        "qr_refund",
        vec![
            (Answer::OriginalRrn, Datum::Digits(rrn)),
            (Answer::OriginalDate, Datum::Digits(date)),
            (Answer::Amount, Datum::Digits(amount.keyed())),
        ],
    )
    .await
}

/// The customer pays the terminal's open order in the wallet.
#[when(regex = r"^the customer scans it and pays in the wallet$")]
async fn when_customer_pays(world: &mut RigWorld) -> Result<(), StepError> {
    if !world.bench()?.host.customer_pays_order() {
        return Err(StepError::Expectation("the host has no open order to pay".into()));
    }
    Ok(())
}

/// The scanner reads that wallet's payment code (B scans C).
#[when(regex = r#"^the customer presents the payment code of "([^"]+)"$"#)]
async fn when_present_code(world: &mut RigWorld, wallet: String) -> Result<(), StepError> {
    needs(world, Interface::PaymentCode)?;
    let profile = world.bench()?.plan.card(&wallet)?;
    let code = profile.payment_code.clone().ok_or_else(|| {
        StepError::Expectation(format!(
            "card profile {wallet:?} has no payment_code (kind = \"payment-code\")"
        ))
    })?;
    if !supply(world, Answer::Code, Datum::Code(code.clone())).await? {
        // No flow asks for it: the terminal must be at its code prompt, or
        // the code is shown to a scanner no one reads.
        let bench = world.bench()?;
        bench
            .await_current_prompt("show_code", &[], ms(bench.profile().timeouts.prompt_ms))
            .await?;
        bench.present_code(&code).await?;
    }
    world.card = Some(wallet);
    Ok(())
}

/// The host answers "still paying" to that many queries, then the payment.
#[given(regex = r"^the customer is still paying for the first (\d+) quer(?:y|ies)$")]
async fn given_customer_paying(world: &mut RigWorld, n: String) -> Result<(), StepError> {
    let polls = n
        .parse()
        .map_err(|_| StepError::Mistake(format!("{n} is not a number")))?;
    world.bench()?.host.qr_pending_for(polls);
    Ok(())
}
