//! Keypad robot: a solenoid over each key, driven through GPIO lines. A press
//! holds the line for `press`, waits `release` for the plunger to lift, then
//! leaves `gap` before the next key, so the terminal's debouncing sees real
//! key strokes. The same logic drives the virtual bench's GPIO file and a
//! Pi's GPIO (rppal).

use super::DeviceError;
use super::gpio::GpioLines;
use crate::config::bench::RobotWiring;
use crate::events::{Kind, Source, Timeline};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Clones drive the same solenoids (the prompt responders hold one).
#[derive(Clone)]
pub struct KeypadRobot {
    lines: Arc<dyn GpioLines>,
    /// One stroke at a time across clones: a responder pressing a key a step
    /// still holds would only extend that press (the terminal counts one key),
    /// so its stroke waits for the other to be released and spaced.
    stroke: Arc<tokio::sync::Mutex<()>>,
    pins: BTreeMap<String, usize>,
    press: Duration,
    release: Duration,
    gap: Duration,
    timeline: Timeline,
}

impl KeypadRobot {
    pub fn new(lines: Arc<dyn GpioLines>, wiring: &RobotWiring, timeline: Timeline) -> KeypadRobot {
        KeypadRobot {
            lines,
            stroke: Arc::new(tokio::sync::Mutex::new(())),
            pins: wiring.pins.clone(),
            press: Duration::from_millis(wiring.press_ms),
            release: Duration::from_millis(wiring.release_ms),
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
        let _stroke = self.stroke.lock().await;
        self.timeline.publish(
            Source::Keypad,
            Kind::KeyPress {
                key: key.into(),
                line: Some(line),
            },
        );
        self.lines.set(line, true)?;
        tokio::time::sleep(hold).await;
        self.lines.set(line, false)?;
        tokio::time::sleep(self.release).await;
        self.timeline.publish(
            Source::Keypad,
            Kind::KeyRelease {
                key: key.into(),
                line: Some(line),
            },
        );
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Lines that remember every change, as a logic analyser on the GPIO header would.
    #[derive(Default)]
    struct Recorded(Mutex<Vec<(usize, bool, tokio::time::Instant)>>);

    impl GpioLines for Recorded {
        fn set(&self, line: usize, active: bool) -> Result<(), DeviceError> {
            if let Ok(mut changes) = self.0.lock() {
                changes.push((line, active, tokio::time::Instant::now()));
            }
            Ok(())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn keys_are_held_released_and_spaced_as_the_bench_file_says() {
        let wiring = RobotWiring {
            press_ms: 80,
            release_ms: 15,
            gap_ms: 60,
            pins: BTreeMap::from([("1".to_string(), 5), ("ENTER".to_string(), 21)]),
        };
        let lines = Arc::new(Recorded::default());
        let robot = KeypadRobot::new(lines.clone(), &wiring, Timeline::new());
        robot.press("1").await.expect("press");
        robot.press("ENTER").await.expect("press");
        let changes = lines.0.lock().expect("lock").clone();
        let shape: Vec<(usize, bool)> = changes.iter().map(|&(l, a, _)| (l, a)).collect();
        assert_eq!(shape, [(5, true), (5, false), (21, true), (21, false)]);
        let ms = |a: usize, b: usize| (changes[b].2 - changes[a].2).as_millis();
        assert_eq!(ms(0, 1), 80, "hold");
        assert_eq!(ms(1, 2), 15 + 60, "release, then the gap before the next key");
        let err = robot.press("F1").await.expect_err("unwired");
        assert!(err.to_string().contains("no GPIO line is wired to key \"F1\""), "{err}");
    }
}
