//! Pre-authorisation, completion, their cancels and voids, and refund.

use super::*;

/// 预授权: a whole pre-authorisation from the idle screen, with the card and its PIN.
#[when(
    regex = r#"^the cashier makes a pre-authorisation of (\d+\.\d{2}) yuan with the (?:(inserted|tapped|swiped) )?card "([^"]+)" and its PIN$"#
)]
async fn when_preauth(world: &mut RigWorld, amount: Yuan, how: String, card: String) -> Result<(), StepError> {
    card_flow(world, "preauth", vec![(Answer::Amount, amount.keyed())], &card, &how).await
}

/// 预授权完成: completes the last pre-authorisation for that amount.
#[when(
    regex = r#"^the cashier completes the last pre-authorisation with (\d+\.\d{2}) yuan with the (?:(inserted|tapped|swiped) )?card "([^"]+)" and its PIN$"#
)]
async fn when_completion(world: &mut RigWorld, amount: Yuan, how: String, card: String) -> Result<(), StepError> {
    let auth = last_approved(world, TxnKind::PreAuth, field::AUTH_CODE).await?;
    card_flow(
        world,
        "completion",
        vec![(Answer::AuthCode, auth), (Answer::Amount, amount.keyed())],
        &card,
        &how,
    )
    .await
}

/// 预授权撤销: cancels the last pre-authorisation.
#[when(
    regex = r#"^the cashier cancels the last pre-authorisation with the (?:(inserted|tapped|swiped) )?card "([^"]+)" and its PIN$"#
)]
async fn when_preauth_cancel(world: &mut RigWorld, how: String, card: String) -> Result<(), StepError> {
    let auth = last_approved(world, TxnKind::PreAuth, field::AUTH_CODE).await?;
    let amount = last_approved(world, TxnKind::PreAuth, field::AMOUNT)
        .await?
        .trim_start_matches('0')
        .to_string();
    card_flow(
        world,
        "preauth_cancel",
        vec![(Answer::AuthCode, auth), (Answer::Amount, amount)],
        &card,
        &how,
    )
    .await
}

/// 完成撤销: voids the last completion.
#[when(
    regex = r#"^the cashier voids the last completion with the (?:(inserted|tapped|swiped) )?card "([^"]+)" and its PIN$"#
)]
async fn when_completion_void(world: &mut RigWorld, how: String, card: String) -> Result<(), StepError> {
    let voucher = last_approved(world, TxnKind::Completion, field::STAN).await?;
    card_flow(world, "completion_void", vec![(Answer::Voucher, voucher)], &card, &how).await
}

/// 退货: refunds that amount of the last sale (its RRN and date keyed).
#[when(
    regex = r#"^the cashier refunds (\d+\.\d{2}) yuan of the last sale with the (?:(inserted|tapped|swiped) )?card "([^"]+)" and its PIN$"#
)]
async fn when_refund(world: &mut RigWorld, amount: Yuan, how: String, card: String) -> Result<(), StepError> {
    let rrn = last_approved(world, TxnKind::Sale, field::RRN).await?;
    let date = last_approved(world, TxnKind::Sale, field::LOCAL_DATE).await?;
    card_flow(
        world,
        "refund",
        vec![
            (Answer::OriginalRrn, rrn),
            (Answer::OriginalDate, date),
            (Answer::Amount, amount.keyed()),
        ],
        &card,
        &how,
    )
    .await
}
