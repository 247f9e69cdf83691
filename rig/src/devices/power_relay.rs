//! Power for a lab terminal: a relay in its supply, switched through a GPIO
//! line (the same `GpioLines` the keypad robot uses).

use super::DeviceError;
use super::gpio::GpioLines;
use crate::config::lab::RelayWiring;
use crate::events::{Kind, Source, Timeline};
use std::sync::Arc;
use std::time::Duration;

pub struct PowerRelay {
    lines: Arc<dyn GpioLines>,
    line: usize,
    /// How long the supply stays open in a cycle so the terminal really resets.
    off_time: Duration,
    on: bool,
    timeline: Timeline,
}

impl PowerRelay {
    pub fn new(lines: Arc<dyn GpioLines>, wiring: &RelayWiring, timeline: Timeline) -> PowerRelay {
        PowerRelay {
            lines,
            line: usize::from(wiring.pin),
            off_time: Duration::from_millis(wiring.off_ms),
            on: false,
            timeline,
        }
    }

    pub fn is_on(&self) -> bool {
        self.on
    }

    pub fn on(&mut self) -> Result<(), DeviceError> {
        self.lines.set(self.line, true)?;
        self.on = true;
        self.timeline.publish(
            Source::Power,
            Kind::PowerOn {
                program: format!("relay on GPIO {}", self.line),
            },
        );
        Ok(())
    }

    pub fn off(&mut self) -> Result<(), DeviceError> {
        self.lines.set(self.line, false)?;
        self.on = false;
        self.timeline.publish(
            Source::Power,
            Kind::PowerOff {
                exit: "relay opened".into(),
            },
        );
        Ok(())
    }

    /// Off, the supply's drain time, on: the hold is the hardware's, not a wait for the terminal.
    pub async fn cycle(&mut self) -> Result<(), DeviceError> {
        self.off()?;
        tokio::time::sleep(self.off_time).await;
        self.on()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<(usize, bool)>>);
    impl GpioLines for Recorder {
        fn set(&self, line: usize, active: bool) -> Result<(), DeviceError> {
            self.0.lock().unwrap().push((line, active));
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_cycle_opens_then_closes_the_relay_and_says_so_on_the_timeline() {
        let lines = Arc::new(Recorder::default());
        let timeline = Timeline::new();
        let wiring = RelayWiring {
            pin: 26,
            active_high: true,
            off_ms: 1,
        };
        let mut relay = PowerRelay::new(lines.clone(), &wiring, timeline.clone());
        relay.on().unwrap();
        relay.cycle().await.unwrap();
        assert_eq!(*lines.0.lock().unwrap(), vec![(26, true), (26, false), (26, true)]);
        let kinds: Vec<&str> = timeline
            .since(0)
            .iter()
            .map(|e| match e.kind {
                Kind::PowerOn { .. } => "on",
                Kind::PowerOff { .. } => "off",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["on", "off", "on"]);
        assert!(relay.is_on());
    }
}
