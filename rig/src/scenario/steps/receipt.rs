//! Receipts and host messages: snapshots and what a slip reads.

use super::*;

pub(super) async fn receipt_snapshot(world: &mut RigWorld, name: &str) -> Result<(), StepError> {
    needs(world, Interface::Printer)?;
    transaction_over(world).await?;
    let bench = world.bench()?;
    let receipts = snapshot::receipts(&bench.timeline.since(world.mark));
    if receipts.is_empty() {
        return Err(StepError::Expectation("the terminal printed no receipt".into()));
    }
    let feature = world.feature.clone().unwrap_or_default();
    snapshot::check(
        "receipt",
        name,
        &snapshot::receipts_for_snapshot(bench.profile(), &receipts),
        &feature,
        &bench.profile().model,
    )?;
    Ok(())
}

pub(super) async fn no_receipt(world: &mut RigWorld) -> Result<(), StepError> {
    transaction_over(world).await?;
    let bench = world.bench()?;
    let receipts = snapshot::receipts(&bench.timeline.since(world.mark));
    if let Some(first) = receipts.first() {
        return Err(StepError::Expectation(format!(
            "the terminal printed {} receipt(s); the first:\n{first}",
            receipts.len()
        )));
    }
    Ok(())
}

pub(super) async fn host_snapshot(world: &mut RigWorld, name: &str) -> Result<(), StepError> {
    transaction_over(world).await?;
    let bench = world.bench()?;
    // Snapshots are committed: masked whatever the run's evidence.
    let host = crate::mask::HostFields::of(&bench.plan.dialect);
    let mut masker = crate::mask::Masker::always(host.clone(), Some(bench.profile()));
    let masked: Vec<_> = bench.timeline.since(0).iter().map(|e| masker.event(e)).collect();
    let yaml = snapshot::host_messages_yaml(&masked, true, &host);
    let feature = world.feature.clone().unwrap_or_default();
    snapshot::check("host messages", name, &yaml, &feature, &bench.profile().model)?;
    Ok(())
}

/// Once the transaction is over: the last receipt contains that text.
#[then(regex = r#"^the last receipt reads "([^"]+)"$"#)]
async fn then_last_receipt_reads(world: &mut RigWorld, text: String) -> Result<(), StepError> {
    needs(world, Interface::Printer)?;
    // The slip may still be printing: read it once the transaction is over.
    transaction_over(world).await?;
    let receipts = snapshot::receipts(&world.bench()?.timeline.since(world.mark));
    match receipts.last() {
        Some(r) if r.contains(&text) => Ok(()),
        Some(r) => Err(StepError::Expectation(format!(
            "the last receipt does not read {text:?}:\n{r}"
        ))),
        None => Err(StepError::Expectation("nothing was printed".into())),
    }
}

/// The transaction's receipts differ from the stored snapshot.
#[then(regex = r#"^the receipt differs from the snapshot "([\w.-]+)"$"#)]
async fn then_receipt_differs(world: &mut RigWorld, name: String) -> Result<(), StepError> {
    needs(world, Interface::Printer)?;
    transaction_over(world).await?;
    let bench = world.bench()?;
    let receipts = snapshot::receipts(&bench.timeline.since(world.mark));
    let now = snapshot::receipts_for_snapshot(bench.profile(), &receipts);
    let feature = world.feature.clone().unwrap_or_default();
    match snapshot::stored(&name, &feature, &bench.profile().model) {
        Some(stored) if stored != now => Ok(()),
        Some(_) => Err(StepError::Expectation(format!(
            "the receipt still matches the snapshot {name:?}"
        ))),
        None => Err(StepError::Expectation(format!(
            "no stored snapshot {name:?} to differ from"
        ))),
    }
}

/// The transaction's receipts match the stored snapshot (of this terminal model).
#[then(regex = r#"^the receipt matches the snapshot "([\w.-]+)"$"#)]
async fn then_receipt(world: &mut RigWorld, name: String) -> Result<(), StepError> {
    receipt_snapshot(world, &name).await
}

/// Once the transaction is over: nothing was printed.
#[then(regex = r"^no receipt is printed$")]
async fn then_no_receipt(world: &mut RigWorld) -> Result<(), StepError> {
    no_receipt(world).await
}

/// The host messages of the scenario match the stored snapshot.
#[then(regex = r#"^the host messages match the snapshot "([\w.-]+)"$"#)]
async fn then_host_messages(world: &mut RigWorld, name: String) -> Result<(), StepError> {
    host_snapshot(world, &name).await
}
