//! A lab console cable unplugged and plugged back in. The "adapter" is a
//! pseudo-terminal reached through a symlink, as udev's
//! /dev/serial/by-id/ links reach a USB serial adapter: unplugging closes the
//! terminal side and removes the link, replugging makes a new device (another
//! /dev/pts number, as a USB adapter may come back as another ttyUSB) and
//! points the link at it.

use rig::config::lab::SerialWiring;
use rig::devices::serial_port::ReconnectingReader;
use rig::events::{Event, Kind, Source, Timeline};
use serialport::{SerialPort, TTYPort};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

fn wiring(link: &Path, reconnect_ms: u64) -> SerialWiring {
    toml::from_str(&format!(
        "path = {:?}\nbaud = 115200\nreconnect_ms = {reconnect_ms}\n",
        link.display().to_string()
    ))
    .expect("wiring")
}

/// A plugged-in adapter: the terminal's end and the device node the link names.
struct Adapter {
    terminal_end: TTYPort,
    _device_end: TTYPort,
}

fn plug_in(link: &Path) -> Adapter {
    let (terminal_end, device_end) = TTYPort::pair().expect("pty");
    let node = device_end.name().expect("pty name");
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(node, link).expect("symlink");
    Adapter {
        terminal_end,
        _device_end: device_end,
    }
}

fn unplug(adapter: Adapter, link: &Path) {
    drop(adapter);
    std::fs::remove_file(link).expect("the link goes with the adapter");
}

async fn wait(timeline: &Timeline, from: usize, what: &str, pick: impl FnMut(&Event) -> Option<()>) -> usize {
    timeline
        .wait_for(from, Duration::from_secs(10), what, pick)
        .await
        .unwrap_or_else(|e| panic!("{e}; timeline: {:#?}", timeline.since(0)))
        .1
}

fn line_is(text: &'static str) -> impl FnMut(&Event) -> Option<()> {
    move |e| matches!(&e.kind, Kind::ConsoleLine { line } if line == text).then_some(())
}

fn start(link: &Path, reconnect_ms: u64, timeline: &Timeline) -> ReconnectingReader {
    let events = timeline.clone();
    ReconnectingReader::start(
        wiring(link, reconnect_ms),
        Source::Console,
        timeline.clone(),
        move |line| events.publish(Source::Console, Kind::ConsoleLine { line }),
    )
    .expect("the console opens through the link")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unplugged_console_is_found_again_with_the_gap_on_the_timeline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("usb-FTDI_FT232R_A10K5R2Q-if00-port0");
    let mut adapter = plug_in(&link);
    let timeline = Timeline::new();
    let mut reader = start(&link, 10_000, &timeline);

    adapter
        .terminal_end
        .write_all(b"BOOT VTERM VT-2 firmware 2.3.1\r\n")
        .expect("write");
    let seen = wait(
        &timeline,
        0,
        "line before the unplug",
        line_is("BOOT VTERM VT-2 firmware 2.3.1"),
    )
    .await;

    unplug(adapter, &link);
    let lost = wait(&timeline, seen, "port lost", |e| {
        matches!(e.kind, Kind::PortLost { .. }).then_some(())
    })
    .await;

    let mut adapter = plug_in(&link);
    let (gap, back) = timeline
        .wait_for(lost, Duration::from_secs(10), "port back", |e| match &e.kind {
            Kind::PortBack { gap_ms, .. } => Some(*gap_ms),
            _ => None,
        })
        .await
        .expect("the reader finds the port again");
    // The replug follows the loss at once here, so the gap may round to 0 ms.
    assert!(gap < 10_000, "gap {gap} ms");

    adapter.terminal_end.write_all(b"READY\r\n").expect("write");
    wait(&timeline, back, "line after the replug", line_is("READY")).await;
    reader.close();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_console_that_stays_away_is_reported_gone_after_the_bench_files_wait() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("ttyUSB-console");
    let adapter = plug_in(&link);
    let timeline = Timeline::new();
    let mut reader = start(&link, 300, &timeline);
    unplug(adapter, &link);
    let (waited, _) = timeline
        .wait_for(0, Duration::from_secs(10), "port gone", |e| match &e.kind {
            Kind::PortGone { waited_ms, .. } => Some(*waited_ms),
            _ => None,
        })
        .await
        .expect("the reader gives up");
    assert_eq!(waited, 300);
    reader.close();
}
