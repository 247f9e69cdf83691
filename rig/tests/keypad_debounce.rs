//! The keypad robot against vterm's debouncing: a press shorter than the
//! debounce time is not a key stroke, a press at the robot's timing is.

use rig::bench::BenchPlan;
use rig::events::Timeline;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_shorter_than_the_debounce_time_is_not_a_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace");
    let plan = Arc::new(BenchPlan::load(&root.join("fixtures/benches/virtual.toml")).expect("bench plan"));
    let logs = tempfile::tempdir().expect("tempdir");
    let timeline = Timeline::new();
    let mut bench = plan.assemble(timeline.clone(), logs.path()).await.expect("bench");
    bench.power_on().await.expect("boots");
    let boot = Duration::from_secs(10);
    bench.await_prompt(0, "idle", boot).await.expect("idle");

    // "1" opens the sale; held 3 ms against vterm's 20 ms debounce it must not.
    let from = timeline.now();
    bench
        .press_for("1", Duration::from_millis(3))
        .await
        .expect("short press");
    // "9" (sign on) at normal timing: the next screen must be sign-on, not the amount.
    bench.press("9").await.expect("press");
    let (shown, _) = bench
        .await_display(from, "the next screen", boot, |_| true)
        .await
        .expect("a display change");
    assert!(shown.contains("签到中"), "the short press was taken as a key: {shown}");
    bench.power_off().await;
}
