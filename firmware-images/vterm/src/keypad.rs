//! Keypad scanning: the keys are GPIO lines (a file in the virtual board:
//! one level byte a line, and from byte 4096 an edge record a line, see
//! firmware-images/README.md). A key counts once its line has been driven
//! for the whole debounce time, and again only after it was released.
//!
//! A scan thread can be descheduled for longer than a key press. The edge
//! records (completed presses and the last hold time, as a GPIO controller
//! with edge events keeps them) let it still count a press it never saw
//! driven, judged by its real hold time.

use crate::Input;
use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

const EDGE_RECORDS_AT: u64 = 4096;
const RECORD_LEN: usize = 16;

/// One key's scan state.
struct KeyState {
    /// When its line was first seen driven in the current press.
    since: Option<Instant>,
    /// Whether the current press was counted from the levels.
    reported: bool,
    /// Presses counted so far, in the numbering of the edge records (the
    /// press in progress is number `completed + 1`).
    counted: u64,
    /// Completed presses already looked at in the edge records.
    completed: u64,
}

impl KeyState {
    /// At power-on, presses already in the records are history.
    fn new(completed: u64) -> KeyState {
        KeyState {
            since: None,
            reported: false,
            counted: completed,
            completed,
        }
    }
}

/// Completed presses and the last hold of `line`, from the edge records.
fn edge_record(records: &[u8], line: usize) -> Option<(u64, Duration)> {
    let r = records.get(line * RECORD_LEN..(line + 1) * RECORD_LEN)?;
    let completed = u64::from_le_bytes(r[..8].try_into().ok()?);
    let held_us = u64::from_le_bytes(r[8..].try_into().ok()?);
    Some((completed, Duration::from_micros(held_us)))
}

pub fn spawn(gpio: File, keypad: BTreeMap<String, usize>, debounce: Duration, scan: Duration, tx: Sender<Input>) {
    let lines = keypad.values().max().map_or(0, |m| m + 1);
    let mut records = vec![0u8; lines * RECORD_LEN];
    // The presses already in the records are history: read now, before boot
    // goes on, not at the scan thread's first scan. A thread that starts
    // late (a loaded machine) would otherwise take a press made after the
    // menu showed for history, and lose it.
    let have_records = matches!(gpio.read_at(&mut records, EDGE_RECORDS_AT), Ok(n) if n == records.len());
    let history: BTreeMap<String, u64> = keypad
        .iter()
        .map(|(key, &line)| {
            let completed = have_records
                .then(|| edge_record(&records, line))
                .flatten()
                .map_or(0, |(completed, _)| completed);
            (key.clone(), completed)
        })
        .collect();
    std::thread::spawn(move || {
        let mut levels = vec![0u8; lines];
        let mut keys: BTreeMap<&str, KeyState> = keypad
            .keys()
            .map(|key| (key.as_str(), KeyState::new(history.get(key).copied().unwrap_or(0))))
            .collect();
        loop {
            // Records before levels: a release seen in the levels is then
            // always already counted in the records.
            let have_records = matches!(gpio.read_at(&mut records, EDGE_RECORDS_AT), Ok(n) if n == records.len());
            if gpio.read_at(&mut levels, 0).is_err() {
                return;
            }
            let now = Instant::now();
            for (key, &line) in &keypad {
                let record = have_records.then(|| edge_record(&records, line)).flatten();
                // Every key has its state from `spawn` (its history).
                let Some(state) = keys.get_mut(key.as_str()) else {
                    continue;
                };
                if let Some((completed, held)) = record.filter(|(completed, _)| *completed > state.completed) {
                    // A press ended since the last scan. Not counted from the
                    // levels (the scan was descheduled through it): count it
                    // by its real hold.
                    if state.counted < completed && held >= debounce && tx.send(Input::Key(key.clone())).is_err() {
                        return;
                    }
                    state.completed = completed;
                    state.counted = state.counted.max(completed);
                    // A line driven now is a new press.
                    state.since = None;
                    state.reported = false;
                }
                let active = levels.get(line).copied().unwrap_or(0) != 0;
                match (active, state.since) {
                    (true, None) => state.since = Some(now),
                    (true, Some(t)) if !state.reported && now - t >= debounce => {
                        state.reported = true;
                        state.counted = state.completed + 1;
                        if tx.send(Input::Key(key.clone())).is_err() {
                            return;
                        }
                    }
                    (false, _) => {
                        state.since = None;
                        state.reported = false;
                    }
                    _ => {}
                }
            }
            std::thread::sleep(scan);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A GPIO file of `lines` levels and edge records, as the bench writes it.
    fn gpio_file(path: &std::path::Path, completed: u64) -> File {
        let mut bytes = vec![0u8; EDGE_RECORDS_AT as usize + 2 * RECORD_LEN];
        let at = EDGE_RECORDS_AT as usize;
        bytes[at..at + 8].copy_from_slice(&completed.to_le_bytes());
        bytes[at + 8..at + 16].copy_from_slice(&20_000u64.to_le_bytes());
        let mut f = File::create(path).expect("gpio file");
        f.write_all(&bytes).expect("write");
        File::open(path).expect("open")
    }

    #[test]
    fn presses_before_power_on_are_history_and_one_made_at_once_after_still_counts() {
        let dir = std::env::temp_dir().join(format!("vterm-keypad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("gpio");
        // Three presses of line 0 before power-on.
        let gpio = gpio_file(&path, 3);
        let (tx, rx) = std::sync::mpsc::channel();
        let keypad = BTreeMap::from([("5".to_string(), 0usize), ("9".to_string(), 1usize)]);
        spawn(gpio, keypad, Duration::from_millis(5), Duration::from_millis(2), tx);
        // A whole press right after spawn returns (the terminal showed its
        // menu): whenever the scan thread first looks, it is a new press.
        drop(gpio_file(&path, 4));
        let key = rx.recv_timeout(Duration::from_secs(5));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(matches!(key, Ok(Input::Key(k)) if k == "5"), "the press was lost");
        assert!(
            rx.recv_timeout(Duration::from_millis(50)).is_err(),
            "history counted as a press"
        );
    }
}
