//! The cash register (ECR) port: requests and the result line.

use super::*;

pub(super) fn ecr_protocol(world: &RigWorld) -> Result<crate::config::terminal::EcrProtocol, StepError> {
    needs(world, Interface::Ecr)?;
    world
        .bench()?
        .profile()
        .ecr
        .clone()
        .ok_or_else(|| StepError::Mistake("the terminal profile has no [ecr] section".into()))
}

/// Sends a request line from the cash register once the terminal is idle;
/// with `then`, waits for that prompt.
pub(super) async fn ecr_request(
    world: &mut RigWorld,
    txn: &str,
    line: &str,
    then: Option<&str>,
) -> Result<(), StepError> {
    idle(world).await?;
    let bench = world.bench()?;
    let from = bench.timeline.now();
    bench.cash_register(line)?;
    if let Some(prompt) = then {
        bench
            .await_prompt(from, prompt, ms(bench.profile().timeouts.prompt_ms))
            .await?;
    }
    world.mark = from;
    world.started = Some(txn.to_string());
    Ok(())
}

/// The cash register sends a sale request over the ECR port.
#[when(regex = r"^the cash register requests a sale of (\d+\.\d{2}) yuan$")]
async fn when_ecr_sale(world: &mut RigWorld, amount: Yuan) -> Result<(), StepError> {
    let line = ecr_protocol(world)?.sale.replace("{fen12}", &amount.field4());
    ecr_request(world, "sale", &line, Some("card")).await
}

/// The cash register asks to void the last sale.
#[when(regex = r"^the cash register requests a void of the last sale$")]
async fn when_ecr_void(world: &mut RigWorld) -> Result<(), StepError> {
    let voucher = last_approved(world, TxnKind::Sale, field::STAN).await?;
    let line = ecr_protocol(world)?.void.replace("{voucher}", &voucher);
    ecr_request(world, "void", &line, Some("card")).await
}

/// The cash register asks for settlement.
#[when(regex = r"^the cash register requests settlement$")]
async fn when_ecr_settle(world: &mut RigWorld) -> Result<(), StepError> {
    let line = ecr_protocol(world)?.settle;
    ecr_request(world, "settlement", &line, None).await
}

/// Waits for the terminal's result line to the cash register, with that code.
#[then(regex = r#"^the cash register receives the result "([0-9A-Z]{2})"$"#)]
async fn then_ecr_result(world: &mut RigWorld, code: String) -> Result<(), StepError> {
    let protocol = ecr_protocol(world)?;
    let bench = world.bench()?;
    let (got, _) = bench
        .timeline
        .wait_for(
            world.mark,
            ms(bench.profile().timeouts.online_ms),
            "result line on the cash register",
            |e| match &e.kind {
                Kind::EcrReceived { line } => protocol.result.captures(line).map(|c| c["code"].to_string()),
                _ => None,
            },
        )
        .await
        .map_err(crate::bench::BenchError::from)?;
    if got != code {
        return Err(StepError::Expectation(format!(
            "the cash register received result {got}, expected {code}"
        )));
    }
    Ok(())
}
