//! Doctor checks for a lab bench's devices: what is plugged in, as the
//! operating system sees it now, and what to do about what is not.

use super::{Check, check};
use crate::config::bench::Bench;
use crate::config::lab::{SerialWiring, UsbSelector};
use crate::devices::lab_image::LabImage;
use crate::devices::{pi_gpio, probe, serial_port};
use std::net::ToSocketAddrs;
use std::time::Duration;

type Outcome = Result<String, (String, String)>;

pub fn devices(bench: &Bench, checks: &mut Vec<Check>) {
    let f = &bench.file;
    if let (Some(wiring), Some(firmware)) = (&f.probe, &f.firmware) {
        let chip = probe::lookup_chip(&wiring.chip);
        checks.push(check(
            "chip",
            chip.as_ref()
                .map(|t| format!("{} in probe-rs's target database", t.name))
                .map_err(|e| {
                    (
                        e.to_string(),
                        "spell [probe] chip as probe-rs's target database does".into(),
                    )
                }),
        ));
        checks.push(check("firmware image", image(bench, firmware, chip.as_ref().ok())));
        checks.push(check("debug probe", debug_probe(wiring)));
    }
    if let Some(console) = &f.console {
        checks.push(check("serial console", serial(console, "console")));
    }
    if let Some(ecr) = &f.ecr {
        checks.push(check("cash register port", serial(ecr, "ecr")));
    }
    let gpio = pi_gpio::board().map_err(|e| {
        (
            e.to_string(),
            "run `rig doctor` and `rig run` for this bench on its Raspberry Pi".to_string(),
        )
    });
    if let Some(g) = &f.gpio {
        let level = if g.active_high { "high" } else { "low" };
        checks.push(check(
            "keypad robot (GPIO)",
            gpio.clone()
                .map(|board| format!("{board}: {} solenoids, active {level}", f.robot.pins.len())),
        ));
    }
    if let Some(relay) = &f.power_relay {
        checks.push(check(
            "power relay (GPIO)",
            gpio.map(|board| format!("{board}: relay on GPIO {}", relay.pin)),
        ));
    }
    if let Some(nfc) = &f.nfc_frontend {
        checks.push(check("NFC front end (PC/SC)", pcsc_reader(&nfc.reader)));
    }
    if let Some(emulator) = &f.card_emulator {
        checks.push(check("card emulator (contact)", reachable(&emulator.contact)));
        if let Some(contactless) = &emulator.contactless {
            checks.push(check("card emulator (contactless)", reachable(contactless)));
        }
    }
}

fn image(
    bench: &Bench,
    firmware: &crate::config::lab::FirmwareWiring,
    chip: Option<&probe_rs::config::Target>,
) -> Outcome {
    let path = bench.resolve(&firmware.image);
    let image = LabImage::load(&path, firmware.format, firmware.base_address).map_err(|e| {
        (
            e.to_string(),
            "point [firmware] image at the terminal's build output".to_string(),
        )
    })?;
    let summary = format!(
        "{}: {} bytes in {} block(s), version {}",
        path.display(),
        image.size(),
        image.segments.len(),
        firmware.version
    );
    match chip {
        None => Ok(summary),
        Some(target) => probe::check_fits(target, &image)
            .map(|_| format!("{summary}, fits flash"))
            .map_err(|e| {
                (
                    e.to_string(),
                    "build the image for this chip's flash, or correct [firmware] base_address".into(),
                )
            }),
    }
}

fn debug_probe(wiring: &crate::config::lab::ProbeWiring) -> Outcome {
    let info = probe::find_probe(wiring.selector.as_ref()).map_err(|e| {
        let fix = match &wiring.selector {
            Some(s) => format!("plug in the probe {s}, or correct [probe] selector"),
            None => "plug in the debug probe (and check its USB permissions: udev rules)".into(),
        };
        (e.to_string(), fix)
    })?;
    let probe_name = format!("{} {:04x}:{:04x}", info.identifier, info.vendor_id, info.product_id);
    // The chip on the bench must be the one the bench file (and its image) is for.
    match probe::identify(wiring) {
        Ok(seen) if probe::same_family(&seen, &wiring.chip) => Ok(format!(
            "{probe_name}, attached to {seen} ([probe] chip {})",
            wiring.chip
        )),
        Ok(seen) => Err((
            format!("{probe_name} sees a {seen}, but [probe] chip is {}", wiring.chip),
            "check which terminal is on this bench, or correct [probe] chip (and [firmware] image)".into(),
        )),
        // Not every chip can identify itself: attach as the bench file says.
        Err(_) => probe::attach(wiring)
            .map(|session| format!("{probe_name}, attached to {}", session.target().name))
            .map_err(|e| {
                (
                    e.to_string(),
                    format!(
                        "power the terminal and check the SWD wiring; is the chip really {}?",
                        wiring.chip
                    ),
                )
            }),
    }
}

fn serial(wiring: &SerialWiring, table: &str) -> Outcome {
    let fix = || match &wiring.usb {
        Some(UsbSelector { .. }) => format!("plug in the USB serial adapter, or correct [{table}] usb"),
        None => {
            format!("plug in the adapter, or correct [{table}] path (a /dev/serial/by-id/ name survives re-plugging)")
        }
    };
    let name = serial_port::find(wiring).map_err(|e| (e.to_string(), fix()))?;
    serial_port::open(wiring, &name).map_err(|e| {
        (
            e.to_string(),
            "another program holds the port, or the rig's user is not in the `dialout` group".into(),
        )
    })?;
    let parity = match wiring.parity {
        crate::config::lab::Parity::None => 'N',
        crate::config::lab::Parity::Odd => 'O',
        crate::config::lab::Parity::Even => 'E',
    };
    Ok(format!(
        "{name} opens at {} {}{parity}{}",
        wiring.baud, wiring.data_bits, wiring.stop_bits
    ))
}

#[cfg(feature = "pcsc")]
fn pcsc_reader(wanted: &str) -> Outcome {
    use crate::devices::pcsc_reader;
    pcsc_reader::readers().map_err(|e| {
        (
            e.to_string(),
            "start pcscd (`systemctl start pcscd`; Debian package pcscd)".to_string(),
        )
    })?;
    pcsc_reader::find(wanted).map_err(|e| {
        (
            e.to_string(),
            "plug in the reader, or correct [nfc_frontend] reader".into(),
        )
    })
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_reader(_wanted: &str) -> Outcome {
    Err((
        "this rig was built without PC/SC".into(),
        "build with `cargo build --release --features pcsc` (needs libpcsclite-dev)".into(),
    ))
}

fn reachable(addr: &str) -> Outcome {
    let fix = || "power the card emulator and check its address in [card_emulator]".to_string();
    let resolved = addr
        .to_socket_addrs()
        .map_err(|e| (format!("{addr}: {e}"), fix()))?
        .next()
        .ok_or_else(|| (format!("{addr}: no address"), fix()))?;
    std::net::TcpStream::connect_timeout(&resolved, Duration::from_secs(1))
        .map(|_| format!("{addr} answers"))
        .map_err(|e| (format!("{addr}: {e}"), fix()))
}
