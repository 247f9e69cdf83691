//! Flashing a lab terminal through a debug probe, with probe-rs. Everything
//! that can be checked on the desk is checked before a probe is opened: the
//! chip must be in probe-rs's target database and every byte of the image
//! must land in one of its flash regions.

use super::lab_image::{LabImage, Segment};
use crate::config::lab::{ProbeWiring, UsbSelector, WireProtocol};
use probe_rs::config::{MemoryRegion, Registry, Target, TargetSelector};
use probe_rs::flashing::{DownloadOptions, FlashLoader, FlashProgress, ProgressEvent};
use probe_rs::probe::list::Lister;
use probe_rs::probe::{DebugProbeInfo, DebugProbeSelector, Probe};
use probe_rs::{Permissions, Session};
use std::ops::Range;

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("chip {chip:?} is not in probe-rs's target database{}", suggest(.similar))]
    UnknownChip { chip: String, similar: Vec<String> },
    #[error(
        "{image}: bytes {:#010x}..{:#010x} are outside {chip}'s flash ({})",
        .range.start, .range.end, regions(.flash)
    )]
    OutsideFlash {
        image: String,
        chip: String,
        range: Range<u64>,
        flash: Vec<(String, Range<u64>)>,
    },
    #[error("no debug probe{} is plugged in (found: {})", wanted(.selector), found_list(.found))]
    NoProbe {
        selector: Option<UsbSelector>,
        found: Vec<String>,
    },
    #[error("debug probe {probe}: {message}")]
    Probe { probe: String, message: String },
    #[error("flashing {chip}: {message}")]
    Flash { chip: String, message: String },
}

fn suggest(similar: &[String]) -> String {
    if similar.is_empty() {
        String::new()
    } else {
        format!(" (similar: {})", similar.join(", "))
    }
}

fn regions(flash: &[(String, Range<u64>)]) -> String {
    if flash.is_empty() {
        return "the chip has no flash regions".into();
    }
    flash
        .iter()
        .map(|(name, r)| format!("{name} {:#010x}..{:#010x}", r.start, r.end))
        .collect::<Vec<_>>()
        .join(", ")
}

fn wanted(selector: &Option<UsbSelector>) -> String {
    selector.as_ref().map(|s| format!(" matching {s}")).unwrap_or_default()
}

fn found_list(found: &[String]) -> String {
    if found.is_empty() {
        "none".into()
    } else {
        found.join(", ")
    }
}

/// The chip's description from probe-rs's built-in target database.
pub fn lookup_chip(chip: &str) -> Result<Target, ProbeError> {
    let registry = Registry::from_builtin_families();
    registry.get_target_by_name(chip).map_err(|_| {
        // Suggest by the family prefix (STM32F407VGTx -> STM32F407...).
        let prefix: String = chip.chars().take(9).collect();
        let mut similar = registry.search_chips(&prefix);
        similar.truncate(8);
        ProbeError::UnknownChip {
            chip: chip.into(),
            similar,
        }
    })
}

/// The chip's flash (non-volatile) regions, named as the database names them.
pub fn flash_regions(target: &Target) -> Vec<(String, Range<u64>)> {
    target
        .memory_map
        .iter()
        .filter_map(|r| match r {
            MemoryRegion::Nvm(nvm) if !nvm.is_alias => {
                Some((nvm.name.clone().unwrap_or_else(|| "flash".into()), nvm.range.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Checks that every segment lies in flash; regions that touch count as one.
pub fn check_fits(target: &Target, image: &LabImage) -> Result<(), ProbeError> {
    let flash = flash_regions(target);
    for segment in &image.segments {
        if let Some(range) = first_uncovered(segment, &flash) {
            return Err(ProbeError::OutsideFlash {
                image: image.path.display().to_string(),
                chip: target.name.clone(),
                range,
                flash,
            });
        }
    }
    Ok(())
}

/// The first part of `segment` that no flash region covers.
fn first_uncovered(segment: &Segment, flash: &[(String, Range<u64>)]) -> Option<Range<u64>> {
    let mut at = segment.address;
    while at < segment.end() {
        match flash.iter().find(|(_, r)| r.contains(&at)) {
            Some((_, r)) => at = r.end,
            None => {
                let next_start = flash
                    .iter()
                    .map(|(_, r)| r.start)
                    .filter(|&s| s > at)
                    .min()
                    .unwrap_or(u64::MAX);
                return Some(at..segment.end().min(next_start));
            }
        }
    }
    None
}

/// A flash job checked on the desk: the chip's description and probe-rs's
/// loader holding the image.
pub struct FlashPlan {
    pub target: Target,
    pub loader: FlashLoader,
    pub bytes: u64,
}

impl FlashPlan {
    pub fn new(chip: &str, image: &LabImage) -> Result<FlashPlan, ProbeError> {
        let target = lookup_chip(chip)?;
        check_fits(&target, image)?;
        let mut loader = target.flash_loader();
        for segment in &image.segments {
            loader
                .add_data(segment.address, &segment.data)
                .map_err(|e| ProbeError::Flash {
                    chip: target.name.clone(),
                    message: e.to_string(),
                })?;
        }
        Ok(FlashPlan {
            target,
            loader,
            bytes: image.size(),
        })
    }

    /// Erases, programs and verifies; `progress` sees probe-rs's events.
    pub fn program(
        &self,
        session: &mut Session,
        dry_run: bool,
        progress: impl FnMut(ProgressEvent),
    ) -> Result<(), ProbeError> {
        let mut options = DownloadOptions::new();
        options.verify = true;
        options.dry_run = dry_run;
        options.progress = FlashProgress::new(progress);
        self.loader.commit(session, options).map_err(|e| ProbeError::Flash {
            chip: self.target.name.clone(),
            message: e.to_string(),
        })
    }
}

fn describe(info: &DebugProbeInfo) -> String {
    let mut s = format!("{} {:04x}:{:04x}", info.identifier, info.vendor_id, info.product_id);
    if let Some(serial) = &info.serial_number {
        s.push(':');
        s.push_str(serial);
    }
    s
}

/// The probes plugged in now, as "name VID:PID:SERIAL".
pub fn list_probes() -> Vec<String> {
    Lister::new().list_all().iter().map(describe).collect()
}

fn selects(selector: &UsbSelector, info: &DebugProbeInfo) -> bool {
    selector.matches(info.vendor_id, info.product_id, info.serial_number.as_deref())
}

/// Finds the bench's probe: the one the selector names, or the only one plugged in.
pub fn find_probe(selector: Option<&UsbSelector>) -> Result<DebugProbeInfo, ProbeError> {
    let all = Lister::new().list_all();
    let mut matching: Vec<&DebugProbeInfo> = all.iter().filter(|p| selector.is_none_or(|s| selects(s, p))).collect();
    match matching.len() {
        1 => Ok(matching.remove(0).clone()),
        0 => Err(ProbeError::NoProbe {
            selector: selector.cloned(),
            found: all.iter().map(describe).collect(),
        }),
        _ => Err(ProbeError::Probe {
            probe: matching.iter().map(|p| describe(p)).collect::<Vec<_>>().join(", "),
            message: "more than one probe matches: set [probe] selector = \"VID:PID:SERIAL\"".into(),
        }),
    }
}

/// Opens the bench's probe, sets protocol and speed, and attaches to the chip.
pub fn attach(wiring: &ProbeWiring) -> Result<Session, ProbeError> {
    attach_as(wiring, wiring.chip.as_str().into())
}

/// Attaches letting the chip say what it is (probe-rs's auto-detection);
/// returns the name the target database gives it.
pub fn identify(wiring: &ProbeWiring) -> Result<String, ProbeError> {
    attach_as(wiring, TargetSelector::Auto).map(|session| session.target().name.clone())
}

fn attach_as(wiring: &ProbeWiring, target: TargetSelector) -> Result<Session, ProbeError> {
    let info = find_probe(wiring.selector.as_ref())?;
    let name = describe(&info);
    let fail = |message: String| ProbeError::Probe {
        probe: name.clone(),
        message,
    };
    let selector = DebugProbeSelector::from(&info);
    let mut probe: Probe = Lister::new().open(selector).map_err(|e| fail(e.to_string()))?;
    let protocol = match wiring.protocol {
        WireProtocol::Swd => probe_rs::probe::WireProtocol::Swd,
        WireProtocol::Jtag => probe_rs::probe::WireProtocol::Jtag,
    };
    probe.select_protocol(protocol).map_err(|e| fail(e.to_string()))?;
    if let Some(khz) = wiring.speed_khz {
        probe.set_speed(khz).map_err(|e| fail(e.to_string()))?;
    }
    let what = match &target {
        TargetSelector::Auto => "the chip (auto-detect)".to_string(),
        _ => wiring.chip.clone(),
    };
    let session = if wiring.connect_under_reset {
        probe.attach_under_reset(target, Permissions::default())
    } else {
        probe.attach(target, Permissions::default())
    };
    session.map_err(|e| fail(format!("attaching to {what}: {e}")))
}

/// Whether two chip names are the same chip, or variants of one family in
/// the target database (a family is a series, e.g. STM32F4): auto-detection
/// names one variant among those that share an ID code, so a sibling of the
/// configured chip still matches; another series or vendor does not.
pub fn same_family(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let registry = Registry::from_builtin_families();
    // A chip is named by its variant ("STM32F407VG") or a package of it ("STM32F407VGTx").
    let family_of = |name: &str| {
        registry.families().iter().position(|family| {
            family
                .variants()
                .iter()
                .any(|chip| chip.package_variants().any(|p| p.eq_ignore_ascii_case(name)))
        })
    };
    matches!((family_of(a), family_of(b)), (Some(x), Some(y)) if x == y)
}

/// Resets the chip so the new firmware boots.
pub fn reset(session: &mut Session) -> Result<(), ProbeError> {
    let chip = session.target().name.clone();
    let fail = |e: probe_rs::Error| ProbeError::Flash {
        chip: chip.clone(),
        message: format!("reset: {e}"),
    };
    session.core(0).map_err(fail)?.reset().map_err(fail)
}

/// A lab terminal's flash through its debug probe: the image checked
/// against the chip's flash, programmed and verified, then the chip reset.
/// The probe is attached for each image, so a bench without one fails only
/// when a step flashes.
pub struct ProbeFlasher {
    pub probe: ProbeWiring,
    /// How the bench file says its images are laid out (BIN needs a base address).
    pub format: Option<crate::config::lab::ImageFormat>,
    pub base_address: Option<u64>,
}

impl super::roles::Flasher for ProbeFlasher {
    fn program(&mut self, image: &std::path::Path) -> Result<Option<String>, super::DeviceError> {
        let image = LabImage::load(image, self.format, self.base_address)?;
        let plan = FlashPlan::new(&self.probe.chip, &image)?;
        let mut session = attach(&self.probe)?;
        plan.program(&mut session, false, |_| {})?;
        reset(&mut session)?;
        // An ELF, HEX or BIN image carries no version of ours: the banner tells.
        Ok(None)
    }

    fn resets_the_terminal(&self) -> bool {
        true
    }
}
