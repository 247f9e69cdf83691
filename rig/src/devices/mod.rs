//! Devices: one trait per role, with the virtual implementations the
//! virtual bench uses. Each publishes what crosses its wire on the timeline.

pub mod card_link;
pub mod console;
pub mod ecr;
pub mod flasher;
pub mod gpio;
pub mod keypad;
pub mod lab_image;
pub mod lines;
pub mod magstripe;
pub mod nfc_frontend;
pub mod nfc_tap;
#[cfg(feature = "pcsc")]
pub mod pcsc_reader;
pub mod pi_gpio;
pub mod power;
pub mod power_relay;
pub mod probe;
pub mod roles;
pub mod serial_port;

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("serial port {port}: {message}")]
    Console { port: String, message: String },
    #[error("GPIO: {0}")]
    Gpio(String),
    #[error("keypad robot: no GPIO line is wired to key {key:?} (bench file [robot.pins])")]
    UnwiredKey { key: String },
    #[error("flash: {0}")]
    Flash(String),
    #[error("power: {0}")]
    Power(String),
    #[error("magnetic stripe emulator at {path}: {source}")]
    Magstripe { path: String, source: std::io::Error },
    #[error("PC/SC reader {reader}: {message}")]
    Reader { reader: String, message: String },
    #[error("card link to {addr}: {message}")]
    CardLink { addr: String, message: String },
    #[error(transparent)]
    Probe(#[from] probe::ProbeError),
    #[error(transparent)]
    Image(#[from] lab_image::ImageError),
    /// The terminal, not the device, did not do its part (no reader up, no
    /// enumeration at boot): a terminal failure.
    #[error("the terminal {0}")]
    Terminal(String),
    /// The bench has no device for this: the scenario is not for this bench.
    #[error("this bench has no {0}")]
    Lacks(String),
}
