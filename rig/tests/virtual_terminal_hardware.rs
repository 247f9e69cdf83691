//! The bench's devices against vterm's hardware: keypad debouncing and the
//! vpcd contact reader.

use rig::bench::{BenchPlan, LiveBench};
use rig::devices::card_link::BlankCard;
use rig::events::{Kind, Timeline};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

async fn powered_bench(logs: &Path) -> (LiveBench, Timeline) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace");
    let plan = Arc::new(BenchPlan::load(&root.join("fixtures/benches/virtual.toml")).expect("bench plan"));
    let timeline = Timeline::new();
    let mut bench = plan.assemble(timeline.clone(), logs).await.expect("bench");
    bench.power_on().await.expect("boots");
    bench
        .await_prompt(0, "idle", Duration::from_secs(10))
        .await
        .expect("idle");
    (bench, timeline)
}

async fn console_line(timeline: &Timeline, from: usize, text: &str) -> usize {
    let (_, next) = timeline
        .wait_for(from, Duration::from_secs(10), text, |e| match &e.kind {
            Kind::ConsoleLine { line } if line.contains(text) => Some(()),
            _ => None,
        })
        .await
        .expect("console line");
    next
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contact_reader_powers_an_inserted_card_and_sees_it_removed() {
    let logs = tempfile::tempdir().expect("tempdir");
    let (mut bench, timeline) = powered_bench(logs.path()).await;
    let from = timeline.now();
    bench.insert(BlankCard).await.expect("insert");
    let after = console_line(&timeline, from, "card inserted, ATR 3B80800101").await;
    bench.remove_card();
    console_line(&timeline, after, "card removed").await;
    bench.power_off().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_shorter_than_the_debounce_time_is_not_a_key() {
    let logs = tempfile::tempdir().expect("tempdir");
    let (mut bench, timeline) = powered_bench(logs.path()).await;
    let boot = Duration::from_secs(10);

    // The virtual bench's own tuned timing: the debounce the suite runs with.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace");
    let file = rig::config::bench::Bench::load(&root.join("fixtures/benches/virtual.toml")).expect("bench file");
    let debounce = file.file.virtual_terminal.expect("a virtual bench").debounce_ms;
    assert!(
        debounce >= 5,
        "a {debounce} ms debounce leaves no room for a press clearly shorter"
    );
    // "1" opens the sale; held 1 ms against the debounce it must not.
    let from = timeline.now();
    bench
        .press_for("1", Duration::from_millis(1))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_made_while_the_terminal_was_descheduled_still_counts() {
    let logs = tempfile::tempdir().expect("tempdir");
    let (mut bench, timeline) = powered_bench(logs.path()).await;
    let pid = bench.virtual_terminal_pid().expect("vterm runs").to_string();
    let signal = |sig: &str| {
        let status = std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {sig} {pid}");
    };
    // What a loaded CI machine does now and then: the terminal gets no CPU
    // for the whole of a key press (here: it is stopped through it).
    let from = timeline.now();
    signal("-STOP");
    let pressed = bench.press("9").await;
    signal("-CONT");
    pressed.expect("press");
    let (shown, _) = bench
        .await_display(from, "the next screen", Duration::from_secs(10), |_| true)
        .await
        .expect("a display change");
    assert!(
        shown.contains("签到中"),
        "the press made while stopped was lost: {shown}"
    );
    bench.power_off().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_image_is_refused_at_boot_with_the_reason_on_the_console() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace");
    let plan = Arc::new(BenchPlan::load(&root.join("fixtures/benches/virtual.toml")).expect("bench plan"));
    let logs = tempfile::tempdir().expect("tempdir");
    let timeline = Timeline::new();
    let mut bench = plan.assemble(timeline.clone(), logs.path()).await.expect("bench");
    let image = std::fs::read_to_string(root.join("firmware-images/vterm-1.0.0.fw")).expect("image");
    // One flipped setting after the header: the checksum no longer matches.
    bench
        .write_flash_raw(
            image
                .replace("receipt_amount_bug = false", "receipt_amount_bug = true")
                .as_bytes(),
        )
        .expect("write");
    let err = bench
        .power_on()
        .await
        .expect_err("the boot loader refuses it")
        .to_string();
    assert!(
        err.starts_with("the terminal refused its firmware: checksum mismatch"),
        "{err}"
    );
    let failure = timeline.since(0).iter().find_map(|e| match &e.kind {
        Kind::BootFailure { line, .. } => Some(line.clone()),
        _ => None,
    });
    assert!(failure.is_some_and(|l| l.starts_with("BOOT image rejected: checksum mismatch")));
    bench.power_off().await;
}

/// The profile's `timeouts.host_answer_ms` is what steps "past the terminal's
/// timeout" are made from; for vterm it must be the parameter vterm runs with.
#[test]
fn the_profile_knows_the_host_timeout_vterm_is_configured_with() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace");
    let plan = BenchPlan::load(&root.join("fixtures/benches/virtual.toml")).expect("bench plan");
    let params: toml::Value = toml::from_str(
        &std::fs::read_to_string(root.join("fixtures/terminals/vterm.params.toml")).expect("parameters"),
    )
    .expect("parameters parse");
    let configured = params
        .get("host_timeout_ms")
        .and_then(toml::Value::as_integer)
        .expect("host_timeout_ms");
    assert_eq!(
        plan.profile.timeouts.host_answer_ms,
        Some(u64::try_from(configured).expect("positive")),
        "vterm.toml timeouts.host_answer_ms and vterm.params.toml host_timeout_ms differ"
    );
}
