//! What the terminal shows, and the host's answer to the authorisation.

use super::*;

#[then(regex = r#"^the terminal shows "([a-z_]+)"$"#)]
async fn then_shows(world: &mut RigWorld, prompt: String) -> Result<(), StepError> {
    shows(world, &prompt).await
}

#[then(regex = r#"^the display reads "([^"]+)"$"#)]
async fn then_display_text(world: &mut RigWorld, text: String) -> Result<(), StepError> {
    shows_text(world, &text).await
}

#[then(regex = r#"^the host answered "([0-9A-Z]{2})"$"#)]
async fn then_host_answered(world: &mut RigWorld, code: ResponseCode) -> Result<(), StepError> {
    host_answered(world, &code).await
}

#[then(regex = r#"^终端显示 "([^"]+)"$"#)]
async fn zh_display(world: &mut RigWorld, text: String) -> Result<(), StepError> {
    shows_text(world, &text).await
}

#[then(regex = r#"^主机应答码为 "([0-9A-Z]{2})"$"#)]
async fn zh_host_answered(world: &mut RigWorld, code: ResponseCode) -> Result<(), StepError> {
    host_answered(world, &code).await
}
