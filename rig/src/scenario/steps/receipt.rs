//! Receipts and host messages: snapshots and what a slip reads.

use super::*;

pub(super) async fn receipt_snapshot(world: &mut RigWorld, name: &str) -> Result<(), StepError> {
    let name = plain_name("snapshot", name)?;
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
    let name = plain_name("snapshot", name)?;
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

/// Once the transaction is over: the last receipt contains that literal text (one model's wording: prefer marks).
#[then(regex = r#"^the last receipt reads "([^"]+)"$"#)]
async fn then_last_receipt_reads(world: &mut RigWorld, text: String) -> Result<(), StepError> {
    // The slip may still be printing: it is read once the transaction is over.
    last_receipt_where(world, &crate::mask::as_written(&format!("{text:?}")), |r| {
        r.contains(&text)
    })
    .await
}

/// Once the transaction is over: the last receipt carries the profile's mark of that name (`[receipt] marks`).
#[then(regex = r#"^the last receipt shows "([a-z][a-z_]*)"$"#)]
async fn then_last_receipt_shows(world: &mut RigWorld, mark: String) -> Result<(), StepError> {
    let re = receipt_mark(world, &mark, "the slip's text for it")?;
    last_receipt_where(world, &format!("mark {mark:?} ({re})"), |r| {
        r.lines().any(|l| re.is_match(l))
    })
    .await
}

/// Once the transaction is over: the settlement slip counts that many credits or debits (marks `credits`, `debits`).
#[then(regex = r"^the last receipt counts (\d+) (credit|debit)s?$")]
async fn then_last_receipt_counts(world: &mut RigWorld, n: String, side: String) -> Result<(), StepError> {
    let mark = format!("{side}s");
    let re = receipt_mark(world, &mark, "capturing its count")?;
    let counted = |r: &str| {
        r.lines().any(|l| {
            re.captures(l)
                .and_then(|c| c.name("count"))
                .is_some_and(|c| c.as_str().trim_start_matches('0') == n.trim_start_matches('0'))
        })
    };
    last_receipt_where(world, &format!("{n} {side}(s) ({re})"), counted).await
}

/// Once the transaction is over: the last receipt carries that amount, in the profile's receipt format.
#[then(regex = r"^the last receipt shows the amount (\d+\.\d{2}) yuan$")]
async fn then_last_receipt_amount(world: &mut RigWorld, amount: Yuan) -> Result<(), StepError> {
    let shown = world.bench()?.profile().receipt_amount(&amount.to_string());
    last_receipt_where(world, &format!("{shown:?}"), |r| r.contains(&shown)).await
}

/// The profile's `[receipt.marks]` pattern of that name.
fn receipt_mark(world: &RigWorld, mark: &str, what: &str) -> Result<regex::Regex, StepError> {
    world
        .bench()?
        .profile()
        .receipt_marks
        .get(mark)
        .cloned()
        .ok_or_else(|| StepError::Mistake(format!("the terminal profile has no [receipt] marks.{mark} ({what})")))
}

async fn last_receipt_where(world: &mut RigWorld, what: &str, ok: impl Fn(&str) -> bool) -> Result<(), StepError> {
    needs(world, Interface::Printer)?;
    transaction_over(world).await?;
    let receipts = snapshot::receipts(&world.bench()?.timeline.since(world.mark));
    match receipts.last() {
        Some(r) if ok(r) => Ok(()),
        Some(r) => Err(StepError::Expectation(format!(
            "the last receipt does not show {what}:\n{r}"
        ))),
        None => Err(StepError::Expectation("nothing was printed".into())),
    }
}

/// The transaction's receipts differ from the stored snapshot.
#[then(regex = r#"^the receipt differs from the snapshot "([\w.-]+)"$"#)]
async fn then_receipt_differs(world: &mut RigWorld, name: String) -> Result<(), StepError> {
    plain_name("snapshot", &name)?;
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

/// Once the transaction is over: the last receipt does not carry the profile's mark of that name.
#[then(regex = r#"^the last receipt does not show "([a-z][a-z_]*)"$"#)]
async fn then_last_receipt_lacks(world: &mut RigWorld, mark: String) -> Result<(), StepError> {
    let re = receipt_mark(world, &mark, "the slip's text for it")?;
    needs(world, Interface::Printer)?;
    transaction_over(world).await?;
    let receipts = snapshot::receipts(&world.bench()?.timeline.since(world.mark));
    match receipts.last() {
        Some(r) if r.lines().any(|l| re.is_match(l)) => Err(StepError::Expectation(format!(
            "the last receipt shows mark {mark:?} ({re}):\n{r}"
        ))),
        Some(_) => Ok(()),
        None => Err(StepError::Expectation("nothing was printed".into())),
    }
}

/// Once the transaction is over: it printed that many copies (slips ended by a cut).
#[then(regex = r"^the terminal printed (\d+) cop(?:y|ies)$")]
async fn then_copies(world: &mut RigWorld, n: String) -> Result<(), StepError> {
    needs(world, Interface::Printer)?;
    transaction_over(world).await?;
    let want: usize = n
        .parse()
        .map_err(|_| StepError::Mistake(format!("{n} is not a number of copies")))?;
    let got = snapshot::receipts(&world.bench()?.timeline.since(world.mark)).len();
    if got != want {
        return Err(StepError::Expectation(format!(
            "the terminal printed {got} copies, expected {want}"
        )));
    }
    Ok(())
}

/// Once the transaction is over: the last receipt carries the voucher number (凭证号, the STAN), reference number (参考号, the RRN) or authorisation code (授权码) of the host's approval.
#[then(regex = r"^the last receipt shows the (voucher number|reference number|authorisation code) of the approval$")]
async fn then_receipt_field(world: &mut RigWorld, what: String) -> Result<(), StepError> {
    let no = match what.as_str() {
        "voucher number" => field::STAN,
        "reference number" => field::RRN,
        _ => field::AUTH_CODE,
    };
    needs(world, Interface::Printer)?;
    transaction_over(world).await?;
    let bench = world.bench()?;
    let events = bench.timeline.since(world.mark);
    let value = events
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            Kind::HostSent { txn, fields, .. } if of_the_transaction(*txn) && approved(fields) => {
                fields.iter().find(|(n, _)| *n == no).map(|(_, v)| v.trim().to_string())
            }
            _ => None,
        })
        .ok_or_else(|| {
            StepError::Expectation(format!(
                "the host approved nothing since the transaction began, so there is no {what}"
            ))
        })?;
    let receipts = snapshot::receipts(&events);
    match receipts.last() {
        Some(r) if r.contains(&value) => Ok(()),
        Some(r) => Err(StepError::Expectation(format!(
            "the last receipt does not show the {what} {value} of the approval:\n{r}"
        ))),
        None => Err(StepError::Expectation("nothing was printed".into())),
    }
}
