//! The Raspberry Pi's GPIO through rppal: the lab implementation of
//! `GpioLines`, so the keypad robot and the power relay run the same logic on
//! a Pi as on the virtual bench. Lines are BCM GPIO numbers.

use super::DeviceError;
use super::gpio::GpioLines;
use rppal::gpio::{Gpio, Level, OutputPin};
use std::collections::BTreeMap;
use std::sync::Mutex;

pub struct PiGpio {
    pins: BTreeMap<usize, Mutex<OutputPin>>,
    active_high: bool,
}

/// What this machine is, in rppal's words, or why it is not a Pi.
pub fn board() -> Result<String, DeviceError> {
    rppal::system::DeviceInfo::new()
        .map(|info| format!("{} ({})", info.model(), info.soc()))
        .map_err(|e| {
            DeviceError::Gpio(format!(
                "this machine is not a Raspberry Pi ({e}): lab benches drive the terminal from the bench's Pi; \
                 on a desk, use fixtures/benches/virtual.toml"
            ))
        })
}

impl PiGpio {
    /// Claims `lines` as outputs, all released (inactive) from the start, so
    /// opening the bench never presses a key or cuts the power.
    pub fn open(lines: &[usize], active_high: bool) -> Result<PiGpio, DeviceError> {
        board()?;
        let gpio = Gpio::new().map_err(|e| {
            DeviceError::Gpio(format!(
                "{e}: the rig's user needs access to /dev/gpiomem (add it to the `gpio` group)"
            ))
        })?;
        let released = if active_high { Level::Low } else { Level::High };
        let mut pins = BTreeMap::new();
        for &line in lines {
            let bcm = u8::try_from(line).map_err(|_| DeviceError::Gpio(format!("GPIO {line} does not exist")))?;
            let pin = gpio
                .get(bcm)
                .map_err(|e| DeviceError::Gpio(format!("GPIO {bcm}: {e}")))?;
            let mut out = pin.into_output();
            out.write(released);
            // rppal would turn the pin back into an input when the bench is
            // dropped at the end of a scenario, leaving a relay or solenoid
            // driver floating: keep it driven at its released level instead.
            out.set_reset_on_drop(false);
            pins.insert(line, Mutex::new(out));
        }
        Ok(PiGpio { pins, active_high })
    }
}

impl GpioLines for PiGpio {
    fn set(&self, line: usize, active: bool) -> Result<(), DeviceError> {
        let pin = self
            .pins
            .get(&line)
            .ok_or_else(|| DeviceError::Gpio(format!("GPIO {line} was not claimed for this bench")))?;
        let level = if active == self.active_high {
            Level::High
        } else {
            Level::Low
        };
        pin.lock()
            .map_err(|_| DeviceError::Gpio(format!("GPIO {line}: a previous press panicked")))?
            .write(level);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_a_pi_the_error_says_so_and_what_to_do() {
        if rppal::system::DeviceInfo::new().is_ok() {
            return; // on a Pi the GPIO is real: nothing to refuse
        }
        let err = match PiGpio::open(&[17], true) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("GPIO opened on a machine rppal does not know as a Pi"),
        };
        assert!(err.contains("not a Raspberry Pi"), "{err}");
        assert!(err.contains("fixtures/benches/virtual.toml"), "{err}");
    }
}
