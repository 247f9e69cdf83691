//! A card held over a lab terminal's contactless field through the PC/SC
//! NFC front end: `nfc_frontend::emulate` on a thread of its own (PC/SC
//! calls block), until the terminal releases the card.

use super::DeviceError;
use super::card_link::SmartCard;
use super::roles::CardLink;
use crate::events::{Kind, Source, Timeline};

/// A card in the field; the terminal ends the exchange by releasing it
/// (PC/SC calls cannot be cut short, so dropping this only lets go).
pub struct NfcTap {
    _thread: std::thread::JoinHandle<()>,
}

impl NfcTap {
    /// Puts the front end named like `reader` into card emulation for `card`.
    pub fn start(reader: &str, card: impl SmartCard, timeline: Timeline) -> Result<NfcTap, DeviceError> {
        let mut channel = open(reader)?;
        let label = reader.to_string();
        let thread = std::thread::Builder::new()
            .name(format!("nfc {label}"))
            .spawn(move || {
                let mut card = card;
                if let Err(e) = super::nfc_frontend::emulate(&mut channel, &mut card, &timeline) {
                    // The step that waits for the terminal sees the note beside its timeout.
                    timeline.publish(
                        Source::CardLink,
                        Kind::Step {
                            text: format!("NFC front end {label} stopped: {e}"),
                        },
                    );
                }
            })
            .map_err(|e| DeviceError::Reader {
                reader: reader.into(),
                message: e.to_string(),
            })?;
        Ok(NfcTap { _thread: thread })
    }
}

#[cfg(feature = "pcsc")]
fn open(reader: &str) -> Result<super::pcsc_reader::EscapeConnection, DeviceError> {
    use super::pcsc_reader::{PcscReader, find};
    PcscReader::open(&find(reader)?)?.escape()
}

#[cfg(not(feature = "pcsc"))]
fn open(reader: &str) -> Result<NoPcsc, DeviceError> {
    Err(DeviceError::Reader {
        reader: reader.into(),
        message: "this rig was built without PC/SC: rebuild with `--features pcsc` (needs libpcsclite-dev)".into(),
    })
}

/// Stands in for the escape channel in a build without PC/SC (never made).
#[cfg(not(feature = "pcsc"))]
enum NoPcsc {}

#[cfg(not(feature = "pcsc"))]
impl super::nfc_frontend::EscapeChannel for NoPcsc {
    fn control(&mut self, _: &[u8]) -> Result<Vec<u8>, DeviceError> {
        match *self {}
    }
}

/// A lab terminal's card side: its slot (and field, when the card emulator
/// has one) over vpcd, or its field through the PC/SC NFC front end.
pub struct LabCardLink {
    vpcd: super::card_link::VpcdLink,
    /// PC/SC reader name (part of it) of the NFC front end, if the bench has one.
    nfc_frontend: Option<String>,
    tap: Option<NfcTap>,
    on: bool,
    timeline: Timeline,
}

impl LabCardLink {
    pub fn new(vpcd: super::card_link::VpcdLink, nfc_frontend: Option<String>, timeline: Timeline) -> LabCardLink {
        LabCardLink {
            vpcd,
            nfc_frontend,
            tap: None,
            on: false,
            timeline,
        }
    }
}

impl CardLink for LabCardLink {
    fn terminal_on(&mut self, readers: &super::roles::Readers) {
        self.on = true;
        self.vpcd.terminal_on(readers);
    }

    fn insert(&mut self, card: Box<dyn SmartCard>) -> futures::future::BoxFuture<'_, Result<(), DeviceError>> {
        self.vpcd.insert(card)
    }

    fn bring_to_field(&mut self, card: Box<dyn SmartCard>) -> futures::future::BoxFuture<'_, Result<(), DeviceError>> {
        if self.vpcd.has_contactless() {
            return self.vpcd.bring_to_field(card);
        }
        Box::pin(async move {
            let Some(reader) = &self.nfc_frontend else {
                return Err(DeviceError::Lacks(
                    "contactless card emulator ([card_emulator] contactless or [nfc_frontend])".into(),
                ));
            };
            if !self.on {
                return Err(DeviceError::Terminal("is off: no contactless reader".into()));
            }
            self.tap = Some(NfcTap::start(reader, card, self.timeline.clone())?);
            Ok(())
        })
    }

    fn remove(&mut self) -> bool {
        let tapped = self.tap.take().is_some();
        self.vpcd.remove() || tapped
    }

    fn terminal_off(&mut self) {
        self.on = false;
        self.tap = None;
        self.vpcd.terminal_off();
    }
}
