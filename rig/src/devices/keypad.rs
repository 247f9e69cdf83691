//! Keypad robot: a solenoid over each key, driven through GPIO lines. A press
//! holds the line for `press`, then leaves `gap` before the next key, so the
//! terminal's debouncing sees real key strokes.

use super::DeviceError;
use super::gpio::GpioLines;
use crate::config::bench::RobotWiring;
use crate::events::{Kind, Source, Timeline};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub struct KeypadRobot {
    lines: Arc<dyn GpioLines>,
    pins: BTreeMap<String, usize>,
    press: Duration,
    gap: Duration,
    timeline: Timeline,
}

impl KeypadRobot {
    pub fn new(lines: Arc<dyn GpioLines>, wiring: &RobotWiring, timeline: Timeline) -> KeypadRobot {
        KeypadRobot {
            lines,
            pins: wiring.pins.clone(),
            press: Duration::from_millis(wiring.press_ms),
            gap: Duration::from_millis(wiring.gap_ms),
            timeline,
        }
    }

    pub fn line_of(&self, key: &str) -> Result<usize, DeviceError> {
        self.pins
            .get(key)
            .copied()
            .ok_or_else(|| DeviceError::UnwiredKey { key: key.into() })
    }

    /// Presses one key: the solenoid's hold and release times are the
    /// mechanism's, not a wait for the terminal.
    pub async fn press(&self, key: &str) -> Result<(), DeviceError> {
        self.press_for(key, self.press).await
    }

    pub async fn press_for(&self, key: &str, hold: Duration) -> Result<(), DeviceError> {
        let line = self.line_of(key)?;
        self.timeline
            .publish(Source::Keypad, Kind::KeyPress { key: key.into(), line });
        self.lines.set(line, true)?;
        tokio::time::sleep(hold).await;
        self.lines.set(line, false)?;
        self.timeline
            .publish(Source::Keypad, Kind::KeyRelease { key: key.into(), line });
        tokio::time::sleep(self.gap).await;
        Ok(())
    }

    /// Every line released: a robot must never leave a key held down.
    pub fn release_all(&self) {
        for &line in self.pins.values() {
            let _ = self.lines.set(line, false);
        }
    }
}
