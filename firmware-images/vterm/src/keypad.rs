//! Keypad scanning: the keys are GPIO lines (a file, one byte a line, in the
//! virtual board). A key counts once its line has been driven for the whole
//! debounce time, and again only after it was released.

use crate::Input;
use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

pub fn spawn(gpio: File, keypad: BTreeMap<String, usize>, debounce: Duration, scan: Duration, tx: Sender<Input>) {
    std::thread::spawn(move || {
        let lines = keypad.values().max().map_or(0, |m| m + 1);
        let mut levels = vec![0u8; lines];
        // Per key: when its line went active, and whether it was already reported.
        let mut since: BTreeMap<&str, (Option<Instant>, bool)> = BTreeMap::new();
        loop {
            if gpio.read_at(&mut levels, 0).is_err() {
                return;
            }
            let now = Instant::now();
            for (key, &line) in &keypad {
                let active = levels.get(line).copied().unwrap_or(0) != 0;
                let state = since.entry(key.as_str()).or_insert((None, false));
                match (active, state.0) {
                    (true, None) => *state = (Some(now), false),
                    (true, Some(t)) if !state.1 && now - t >= debounce => {
                        state.1 = true;
                        if tx.send(Input::Key(key.clone())).is_err() {
                            return;
                        }
                    }
                    (false, _) => *state = (None, false),
                    _ => {}
                }
            }
            std::thread::sleep(scan);
        }
    });
}
