//! What can go wrong on a bench, and which failure class each is (a bench
//! fault is retried, a mistake is not).

use crate::config::ConfigError;
use crate::devices::DeviceError;
use crate::events::Timeout;
use crate::failure::FailureClass;

/// What a lab bench lacks when a step flashes an image.
pub(super) const STEP_FLASH: &str = "firmware flash a step can write (on a lab bench, run `rig flash` before the run)";

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error("the terminal {0}")]
    Terminal(String),
    #[error("no card profile {name:?} in {dir} (have: {have})")]
    UnknownCard { name: String, dir: String, have: String },
    #[error(transparent)]
    Timeout(#[from] Timeout),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("mock host: {0}")]
    Host(#[from] crate::host::server::HostError),
    #[error(
        "the terminal runs firmware {running}, but the bench file's [firmware] version is {wanted}: \
         run `rig flash --bench FILE` before the run"
    )]
    WrongFirmware { running: String, wanted: String },
    /// A step needs a device this bench does not have.
    #[error("this bench has no {0}")]
    Lacks(String),
    /// The feature asks for what the bench cannot be asked (a release it
    /// does not name, a firmware file that is not an image).
    #[error("{0}")]
    Mistake(String),
}

impl BenchError {
    pub fn class(&self) -> FailureClass {
        match self {
            // A key the bench does not wire is a gap in the bench file, not a broken bench.
            BenchError::Device(DeviceError::UnwiredKey { .. }) => FailureClass::Mistake,
            BenchError::Device(DeviceError::Terminal(_)) => FailureClass::TerminalFailure,
            BenchError::Device(DeviceError::Lacks(_)) => FailureClass::NotOnThisBench,
            BenchError::Device(_) | BenchError::Io(_) | BenchError::Host(_) => FailureClass::BenchFault,
            BenchError::Config(_)
            | BenchError::UnknownCard { .. }
            | BenchError::WrongFirmware { .. }
            | BenchError::Mistake(_) => FailureClass::Mistake,
            BenchError::Lacks(_) => FailureClass::NotOnThisBench,
            // Nothing came because the console was unplugged: the bench's fault.
            BenchError::Timeout(t) if t.port_down.is_some() => FailureClass::BenchFault,
            BenchError::Terminal(_) | BenchError::Timeout(_) => FailureClass::TerminalFailure,
        }
    }
}
