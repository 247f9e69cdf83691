//! Power, firmware and power cuts.

use super::*;

/// Powers the terminal on (unless it is) and waits until it has signed on and shows idle.
#[given(regex = r"^the terminal is (?:on|powered on) and signed on$")]
async fn given_ready(world: &mut RigWorld) -> Result<(), StepError> {
    terminal_ready(world).await
}

/// Flashes that image (checked first) and, if the terminal was on, boots it.
#[given(regex = r#"^the terminal is flashed with "([^"]+)"$"#)]
async fn given_flashed(world: &mut RigWorld, image: String) -> Result<(), StepError> {
    flash(world, &image).await
}

/// Flashes that image (checked first) and, if the terminal was on, boots it.
#[when(regex = r#"^the terminal is flashed with "([^"]+)"$"#)]
async fn when_flashed(world: &mut RigWorld, image: String) -> Result<(), StepError> {
    flash(world, &image).await
}

/// Flashes the bench's image of that release ("current", "regression": `[virtual.releases]`).
#[given(regex = r"^the terminal is flashed with the ([a-z][a-z0-9_-]*) release$")]
async fn given_release(world: &mut RigWorld, role: String) -> Result<(), StepError> {
    flash_release(world, &role).await
}

/// Flashes the bench's image of that release and, if the terminal was on, boots it.
#[when(regex = r"^the terminal is flashed with the ([a-z][a-z0-9_-]*) release$")]
async fn when_release(world: &mut RigWorld, role: String) -> Result<(), StepError> {
    flash_release(world, &role).await
}

/// The boot banner shows the version of that release's image.
#[then(regex = r"^the terminal runs the ([a-z][a-z0-9_-]*) release$")]
async fn then_runs_release(world: &mut RigWorld, role: String) -> Result<(), StepError> {
    let (_, version) = world.bench()?.release(&role)?;
    runs_firmware(world, &version)
}

async fn flash_release(world: &mut RigWorld, role: &str) -> Result<(), StepError> {
    let (path, _) = world.bench()?.release(role)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    flash(world, &name).await
}

pub(super) async fn flash(world: &mut RigWorld, image: &str) -> Result<(), StepError> {
    let image = plain_name("firmware image", image)?;
    let bench = world.bench_mut()?;
    let dir = bench.firmware_dir()?;
    let header = bench.firmware_image(&dir.join(image))?;
    // An image built for another model is not this terminal's to boot.
    if let Some(takes) = bench.profile().image_model.clone() {
        if !header.model.is_empty() && header.model != takes {
            return Err(StepError::NotOnThisTerminal(format!(
                "{image} is an image for model {}; {} boots {takes} images (its profile's image_model)",
                header.model,
                bench.profile().model
            )));
        }
    }
    let from = bench.timeline.now();
    let powered = bench.is_on();
    bench.flash(&dir.join(image)).await?;
    if powered {
        world.mark = world.bench()?.signed_on_since(from).await?;
    }
    Ok(())
}

/// The boot banner shows that firmware version.
#[then(regex = r#"^the terminal runs firmware "([^"]+)"$"#)]
async fn then_runs_firmware(world: &mut RigWorld, version: String) -> Result<(), StepError> {
    runs_firmware(world, &version)
}

fn runs_firmware(world: &RigWorld, version: &str) -> Result<(), StepError> {
    let running = world
        .bench()?
        .timeline
        .since(0)
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            Kind::Boot { version, .. } => Some(version.clone()),
            _ => None,
        });
    match running {
        Some(v) if v == version => Ok(()),
        Some(v) => Err(StepError::Expectation(format!(
            "the boot banner shows firmware {v}, expected {version}"
        ))),
        None => Err(StepError::Expectation("the terminal has not booted".into())),
    }
}

/// Cuts the power as soon as the host has the sale request.
#[when(regex = r"^the power fails once the host has received the sale$")]
async fn when_power_fails(world: &mut RigWorld) -> Result<(), StepError> {
    if world.started.as_deref() != Some("sale") {
        return Err(StepError::Mistake(format!(
            "no sale is under way for the power to fail in (the transaction started last: {})",
            world.started.as_deref().unwrap_or("none")
        )));
    }
    wait_for_the_sale_at_the_host(world).await?;
    // Pulled plug: no goodbye, whatever the terminal was doing.
    world.bench_mut()?.power_off().await;
    Ok(())
}

async fn wait_for_the_sale_at_the_host(world: &RigWorld) -> Result<(), StepError> {
    let bench = world.bench()?;
    // Placed after the sale's answer, the step would cut a terminal that
    // already has it: not the fault it names.
    let answered = bench.timeline.since(world.mark).iter().find_map(|e| match &e.kind {
        Kind::HostSent { txn, mti, .. } if *txn == TxnKind::Sale => {
            Some(format!("{mti} at {:.3} s", e.t_us as f64 / 1e6))
        }
        _ => None,
    });
    if let Some(answer) = answered {
        return Err(StepError::Mistake(format!(
            "the host had already answered the sale ({answer}): the power can no longer fail before the answer"
        )));
    }
    let ended = bench.ended_by(None);
    bench
        .timeline
        .wait_until(
            bench.wait_start(world.mark),
            ms(bench.profile().timeouts.online_ms),
            "sale at the host",
            |e| match &e.kind {
                Kind::HostReceived { txn, .. } if *txn == TxnKind::Sale => Seen::Found(()),
                _ => ended(e).map_or(Seen::Pending, Seen::Ended),
            },
        )
        .await
        .map_err(crate::bench::BenchError::from)?;
    Ok(())
}

/// Powers the terminal on again and waits until it is signed on and idle.
#[when(regex = r"^the power comes back$")]
async fn when_power_back(world: &mut RigWorld) -> Result<(), StepError> {
    // The interrupted transaction stays the one later steps look at.
    let mark = world.mark;
    terminal_ready(world).await?;
    world.mark = mark;
    Ok(())
}
