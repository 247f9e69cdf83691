//! The wiring of a lab bench (a Raspberry Pi beside a real terminal): debug
//! probe and firmware image, serial ports, GPIO for the keypad robot and the
//! power relay, and the card-side devices. Every value is checked while the
//! file is parsed, so a mistake is reported with its line.

use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// `[probe]`: the debug probe that flashes the terminal.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeWiring {
    /// Chip name as probe-rs's target database spells it (`probe-rs chip list`).
    pub chip: String,
    /// Which probe, when more than one is plugged in: "VID:PID" or "VID:PID:SERIAL".
    pub selector: Option<UsbSelector>,
    /// SWD/JTAG clock in kHz; the probe's default when absent.
    pub speed_khz: Option<u32>,
    #[serde(default)]
    pub protocol: WireProtocol,
    /// Hold reset while attaching (needed when the firmware disables the debug port).
    #[serde(default)]
    pub connect_under_reset: bool,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum WireProtocol {
    #[default]
    Swd,
    Jtag,
}

/// `[firmware]`: the image a lab terminal must run, and the version its boot
/// banner then shows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirmwareWiring {
    /// ELF, Intel HEX or raw binary, relative to the bench file.
    pub image: PathBuf,
    /// "elf", "hex" or "bin"; taken from the file extension when absent.
    pub format: Option<ImageFormat>,
    /// Where a raw binary goes in the chip's address space (required for "bin").
    pub base_address: Option<u64>,
    /// The version the boot banner must show after flashing.
    pub version: String,
    /// How long to wait for the banner after reset.
    #[serde(default = "default_boot_ms")]
    pub boot_timeout_ms: u64,
}

fn default_boot_ms() -> u64 {
    15_000
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Elf,
    Hex,
    Bin,
}

/// A serial port (`[console]`, `[ecr]`): by device path, or by the USB
/// adapter's identity, which survives re-plugging into another USB socket.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SerialWiring {
    /// e.g. "/dev/ttyUSB0"; give this or `usb`.
    pub path: Option<PathBuf>,
    /// e.g. "0403:6001" or "0403:6001:A10K5R2Q" (VID:PID[:serial number]).
    pub usb: Option<UsbSelector>,
    pub baud: u32,
    #[serde(default = "default_data_bits")]
    pub data_bits: u8,
    #[serde(default)]
    pub parity: Parity,
    #[serde(default = "default_stop_bits")]
    pub stop_bits: u8,
    #[serde(default)]
    pub flow_control: FlowControl,
    /// How long to keep looking for the port after it disappears (an unplug,
    /// the terminal's USB re-enumerating on reset) before it is a bench fault.
    #[serde(default = "default_reconnect_ms")]
    pub reconnect_ms: u64,
}

fn default_data_bits() -> u8 {
    8
}
fn default_stop_bits() -> u8 {
    1
}
fn default_reconnect_ms() -> u64 {
    10_000
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Parity {
    #[default]
    None,
    Odd,
    Even,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FlowControl {
    #[default]
    None,
    Hardware,
    Software,
}

/// `[gpio]`: the Pi's GPIO that drives the keypad solenoids.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpioWiring {
    /// Level that energises a solenoid: true when the driver board switches on a high pin.
    pub active_high: bool,
}

/// `[power_relay]`: the relay in the terminal's supply.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayWiring {
    /// BCM GPIO number of the relay's input.
    pub pin: u8,
    /// Level that closes the relay (terminal powered).
    pub active_high: bool,
    /// How long the supply stays open before it closes again (in a power
    /// cycle, and from one scenario to the next), so the terminal's
    /// capacitors drain and it really resets.
    #[serde(default = "default_off_ms")]
    pub off_ms: u64,
}

fn default_off_ms() -> u64 {
    2_000
}

/// `[nfc_frontend]`: a PC/SC reader (ACR122U class) that emulates a
/// contactless card for the terminal to tap.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NfcFrontendWiring {
    /// Part of the PC/SC reader name, e.g. "ACR122U" (`rig card readers` lists them).
    pub reader: String,
}

/// `[card_emulator]`: a contact-card emulator that speaks vpcd (a card
/// "plug" in the terminal's slot whose other end is the rig's card model).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardEmulatorWiring {
    /// The emulator's vpcd reader address, "host:port".
    pub contact: String,
    /// Its contactless side, when it has one.
    pub contactless: Option<String>,
}

/// A USB device by vendor and product id, and optionally its serial number.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct UsbSelector {
    pub vid: u16,
    pub pid: u16,
    pub serial: Option<String>,
}

impl UsbSelector {
    /// Whether a USB device with these ids is the one selected (any serial
    /// number when the selector names none).
    pub fn matches(&self, vid: u16, pid: u16, serial: Option<&str>) -> bool {
        vid == self.vid && pid == self.pid && self.serial.as_deref().is_none_or(|s| serial == Some(s))
    }
}

impl FromStr for UsbSelector {
    type Err = String;

    fn from_str(s: &str) -> Result<UsbSelector, String> {
        let mut parts = s.splitn(3, ':');
        let hex16 = |part: Option<&str>, what: &str| {
            part.filter(|p| p.len() == 4)
                .and_then(|p| u16::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("{s:?}: expected VID:PID[:SERIAL] with 4 hex digits for the {what}"))
        };
        let vid = hex16(parts.next(), "vendor id")?;
        let pid = hex16(parts.next(), "product id")?;
        let serial = parts.next().map(str::to_string).filter(|s| !s.is_empty());
        Ok(UsbSelector { vid, pid, serial })
    }
}

impl TryFrom<String> for UsbSelector {
    type Error = String;
    fn try_from(s: String) -> Result<UsbSelector, String> {
        s.parse()
    }
}

impl fmt::Display for UsbSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{:04x}", self.vid, self.pid)?;
        if let Some(serial) = &self.serial {
            write!(f, ":{serial}")?;
        }
        Ok(())
    }
}

impl SerialWiring {
    /// Checks what serde cannot: exactly one way to find the port, and a framing serialport supports.
    pub fn check(&self, table: &str) -> Result<(), String> {
        match (&self.path, &self.usb) {
            (None, None) => return Err(format!("[{table}] needs `path` or `usb` to find the port")),
            (Some(_), Some(_)) => return Err(format!("[{table}] has both `path` and `usb`: give one")),
            _ => {}
        }
        if !(5..=8).contains(&self.data_bits) {
            return Err(format!("[{table}] data_bits = {}: expected 5 to 8", self.data_bits));
        }
        if !(1..=2).contains(&self.stop_bits) {
            return Err(format!("[{table}] stop_bits = {}: expected 1 or 2", self.stop_bits));
        }
        Ok(())
    }

    /// How the port is found, for messages.
    pub fn describe(&self) -> String {
        match (&self.path, &self.usb) {
            (Some(p), _) => p.display().to_string(),
            (None, Some(u)) => format!("USB {u}"),
            (None, None) => "(no port)".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usb_selectors_parse_with_and_without_serial() {
        let s: UsbSelector = "0403:6001".parse().unwrap();
        assert_eq!((s.vid, s.pid, s.serial), (0x0403, 0x6001, None));
        let s: UsbSelector = "0d28:0204:0240000034544e45".parse().unwrap();
        assert_eq!(s.serial.as_deref(), Some("0240000034544e45"));
        assert_eq!(s.to_string(), "0d28:0204:0240000034544e45");
    }

    #[test]
    fn a_selector_without_serial_takes_any_serial_number() {
        let any: UsbSelector = "0403:6001".parse().unwrap();
        let one: UsbSelector = "0403:6001:A10K5R2Q".parse().unwrap();
        assert!(any.matches(0x0403, 0x6001, Some("B77")) && any.matches(0x0403, 0x6001, None));
        assert!(one.matches(0x0403, 0x6001, Some("A10K5R2Q")));
        assert!(!one.matches(0x0403, 0x6001, Some("B77")) && !one.matches(0x0403, 0x6001, None));
        assert!(!any.matches(0x0403, 0x6015, None));
    }

    #[test]
    fn bad_usb_selectors_say_what_was_expected() {
        for bad in ["0403", "403:6001", "0403:zz01", ""] {
            let err = bad.parse::<UsbSelector>().unwrap_err();
            assert!(err.contains("VID:PID[:SERIAL]"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_bad_selector_in_a_file_names_its_line() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct F {
            console: SerialWiring,
        }
        let err = crate::config::parse::<F>(
            std::path::Path::new("pi.toml"),
            "[console]\nbaud = 115200\nusb = \"0403-6001\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("pi.toml:3:7: "), "{err}");
        assert!(err.contains("VID:PID"), "{err}");
    }

    #[test]
    fn a_port_needs_exactly_one_way_to_be_found() {
        let w = |path: Option<&str>, usb: Option<&str>| SerialWiring {
            path: path.map(PathBuf::from),
            usb: usb.map(|u| u.parse().unwrap()),
            baud: 115_200,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1,
            flow_control: FlowControl::None,
            reconnect_ms: 1000,
        };
        assert!(
            w(None, None)
                .check("console")
                .unwrap_err()
                .contains("needs `path` or `usb`")
        );
        assert!(w(Some("/dev/ttyUSB0"), Some("0403:6001")).check("ecr").is_err());
        assert!(w(Some("/dev/ttyUSB0"), None).check("console").is_ok());
    }
}
