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
    /// How long the supply stays open before it closes again, so the
    /// terminal's capacitors drain and it really resets.
    off_time: Duration,
    on: bool,
    opened: SupplyOpened,
    timeline: Timeline,
}

/// When the terminal's supply was last opened. Kept across scenarios (each
/// builds its own relay) so the next one does not close the supply before
/// the terminal has drained.
#[derive(Debug, Clone, Default)]
pub struct SupplyOpened(Arc<std::sync::Mutex<Option<tokio::time::Instant>>>);

impl SupplyOpened {
    fn mark(&self) {
        if let Ok(mut at) = self.0.lock() {
            *at = Some(tokio::time::Instant::now());
        }
    }

    fn at(&self) -> Option<tokio::time::Instant> {
        self.0.lock().ok().and_then(|at| *at)
    }
}

impl PowerRelay {
    pub fn new(
        lines: Arc<dyn GpioLines>,
        wiring: &RelayWiring,
        opened: SupplyOpened,
        timeline: Timeline,
    ) -> PowerRelay {
        PowerRelay {
            lines,
            line: usize::from(wiring.pin),
            off_time: Duration::from_millis(wiring.off_ms),
            on: false,
            opened,
            timeline,
        }
    }

    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Closes the relay, once the supply has been open for `off_time`: the
    /// wait is the hardware's drain time, not a wait for the terminal.
    pub async fn on(&mut self) -> Result<(), DeviceError> {
        if let Some(opened) = self.opened.at() {
            tokio::time::sleep_until(opened + self.off_time).await;
        }
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
        self.opened.mark();
        self.timeline.publish(
            Source::Power,
            Kind::PowerOff {
                exit: "relay opened".into(),
            },
        );
        Ok(())
    }
}

impl super::roles::Power for PowerRelay {
    /// Closes the relay; a lab terminal's readers are the card emulator's,
    /// known from the bench file, so none are announced here.
    fn on(
        &mut self,
        _boot: std::time::Duration,
    ) -> futures::future::BoxFuture<'_, Result<super::roles::Readers, DeviceError>> {
        Box::pin(async move {
            PowerRelay::on(self).await?;
            Ok(super::roles::Readers::default())
        })
    }

    fn off(&mut self) -> futures::future::BoxFuture<'_, Result<(), DeviceError>> {
        Box::pin(async move { PowerRelay::off(self) })
    }

    fn is_on(&self) -> bool {
        PowerRelay::is_on(self)
    }

    /// Opens the relay from any thread; `off` afterwards records it.
    fn plug(&self) -> Option<super::roles::Plug> {
        let (lines, line) = (self.lines.clone(), self.line);
        Some(std::sync::Arc::new(move || {
            if let Err(e) = lines.set(line, false) {
                eprintln!("rig: cannot open the power relay on GPIO {line}: {e}");
            }
        }))
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
    async fn off_then_on_opens_then_closes_the_relay_and_says_so_on_the_timeline() {
        let lines = Arc::new(Recorder::default());
        let timeline = Timeline::new();
        let wiring = RelayWiring {
            pin: 26,
            active_high: true,
            off_ms: 1,
        };
        let mut relay = PowerRelay::new(lines.clone(), &wiring, SupplyOpened::default(), timeline.clone());
        relay.on().await.unwrap();
        relay.off().unwrap();
        relay.on().await.unwrap();
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

    #[tokio::test(start_paused = true)]
    async fn the_next_scenarios_relay_waits_until_the_supply_has_drained() {
        let wiring = RelayWiring {
            pin: 26,
            active_high: false,
            off_ms: 2000,
        };
        let supply = SupplyOpened::default();
        let lines = Arc::new(Recorder::default());
        let mut first = PowerRelay::new(lines.clone(), &wiring, supply.clone(), Timeline::new());
        first.on().await.unwrap();
        first.off().unwrap();
        let opened = tokio::time::Instant::now();
        // The next scenario builds its own relay on the same supply.
        let mut second = PowerRelay::new(lines.clone(), &wiring, supply, Timeline::new());
        second.on().await.unwrap();
        assert_eq!(opened.elapsed(), Duration::from_millis(2000));
        assert_eq!(*lines.0.lock().unwrap(), vec![(26, true), (26, false), (26, true)]);
    }
}
