//! Snapshots read from the timeline: receipts as text and host messages as a
//! decoded field list, masked and with volatile values redacted, checked with
//! insta against files stored beside the features.

use crate::config::terminal::TerminalProfile;
use crate::events::{Event, Kind};
use crate::iso8583::codec;
use crate::mask::{self, Evidence, HostFields};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Receipts printed in `events`: the printed lines up to each paper cut,
/// masked (steps compare and report these; the run's receipt files follow
/// the run's evidence).
pub fn receipts(events: &[Arc<Event>]) -> Vec<String> {
    receipts_as(events, Evidence::Masked)
}

/// Receipts with card numbers masked unless `evidence` is clear.
pub fn receipts_as(events: &[Arc<Event>], evidence: Evidence) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for e in events {
        match &e.kind {
            Kind::Print { text, .. } => current.push(match evidence {
                Evidence::Masked => mask::text(text),
                Evidence::Clear => text.clone(),
            }),
            Kind::Cut { .. } => out.push(std::mem::take(&mut current).join("\n")),
            _ => {}
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

/// All receipts as one text, redacted for a snapshot.
pub fn receipts_for_snapshot(profile: &TerminalProfile, receipts: &[String]) -> String {
    receipts
        .iter()
        .map(|r| profile.redact_receipt(r))
        .collect::<Vec<_>>()
        .join("\n--8<--\n")
}

/// Chip data objects that change from run to run.
fn volatile_tag(tag: &str) -> Option<&'static str> {
    match tag {
        "9F26" => Some("[cryptogram]"),
        "9F37" => Some("[unpredictable number]"),
        "9A" => Some("[date]"),
        "91" => Some("[issuer authentication data]"),
        _ => None,
    }
}

/// Field 55 as `TAG=value` items, volatile values redacted.
fn chip_data(hex_value: &str) -> String {
    let bytes = hex::decode(hex_value).unwrap_or_default();
    crate::emv::parse_tlv(&bytes)
        .iter()
        .map(|(tag, v)| {
            format!(
                "{tag}={}",
                volatile_tag(tag).map_or_else(|| hex::encode_upper(v), str::to_string)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Host fields whose values change from run to run.
fn volatile(field: u8) -> Option<&'static str> {
    use codec::field::*;
    match field {
        LOCAL_TIME => Some("[time]"),
        LOCAL_DATE => Some("[date]"),
        SETTLEMENT_DATE => Some("[settlement date]"),
        RRN => Some("[rrn]"),
        AUTH_CODE => Some("[auth code]"),
        MAC => Some("[mac]"),
        _ => None,
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The host messages of `events` (as a sink masked them) as YAML:
/// direction, MTI and named fields, masked characters shown as `*`.
/// `redact` blanks volatile values (for snapshots).
pub fn host_messages_yaml(events: &[Event], redact: bool, host: &HostFields) -> String {
    let mut out = String::new();
    for e in events {
        let (direction, mti, txn, fields, masked) = match &e.kind {
            Kind::HostReceived {
                mti,
                txn,
                fields,
                masked,
                ..
            } => ("terminal -> host", mti, txn, fields, masked),
            Kind::HostSent {
                mti,
                txn,
                fields,
                masked,
                ..
            } => ("host -> terminal", mti, txn, fields, masked),
            _ => continue,
        };
        out.push_str(&format!("- direction: {direction}\n  mti: {}\n  fields:\n", quote(mti)));
        for (no, value) in fields {
            let name = codec::spec(*no).map_or("?", |s| s.name);
            let how = host.mask_of(*txn, *no).filter(|_| masked.contains(no));
            let shown = match volatile(*no) {
                Some(mark) if redact => mark.to_string(),
                _ if redact && *no == codec::field::CHIP_DATA => chip_data(value),
                _ => how.map_or_else(|| value.clone(), |how| mask::shown_field(how, value)),
            };
            out.push_str(&format!("    {no:02} {name}: {}\n", quote(&shown)));
        }
    }
    out
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{kind} snapshot {name:?} differs from {}:\n{diff}\nA pending snapshot was written beside it ({}.snap.new): accept it with `rig snapshots accept` or `cargo insta review`.", stored.display(), name)]
    Differs {
        kind: &'static str,
        name: String,
        stored: PathBuf,
        diff: String,
    },
    #[error("{kind} snapshot {name:?} is new: nothing is stored at {} yet.\n{message}\nReview the pending {name}.snap.new beside it and accept it with `rig snapshots accept` (or `cargo insta review`).", stored.display())]
    New {
        kind: &'static str,
        name: String,
        stored: PathBuf,
        message: String,
    },
}

/// Stored content of an insta .snap file (after its metadata header).
fn stored_content(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let body = text.strip_prefix("---\n")?;
    let (_, content) = body.split_once("\n---\n")?;
    Some(content.trim_end_matches('\n').to_string())
}

/// `<feature folder>/snapshots/<model>/`: each terminal model prints its
/// own receipts and sends its own field values, so each has its snapshots.
fn snapshot_dir(feature: &Path, model: &str) -> PathBuf {
    let dir = feature
        .parent()
        .unwrap_or(Path::new("."))
        .join("snapshots")
        .join(crate::report::slug(model));
    std::path::absolute(&dir).unwrap_or(dir)
}

/// The stored content of snapshot `name` of terminal `model` beside `feature`, if any.
pub fn stored(name: &str, feature: &Path, model: &str) -> Option<String> {
    stored_content(&snapshot_dir(feature, model).join(format!("{name}.snap")))
}

/// Checks `content` against snapshot `name` in `<feature folder>/snapshots/<model>/`.
pub fn check(kind: &'static str, name: &str, content: &str, feature: &Path, model: &str) -> Result<(), SnapshotError> {
    let dir = snapshot_dir(feature, model);
    let stored = dir.join(format!("{name}.snap"));
    let before = stored_content(&stored);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(&dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(feature);
    settings.set_description(format!("{kind} snapshot of {}", feature.display()));
    let outcome = settings.bind(|| std::panic::catch_unwind(|| insta::assert_snapshot!(name, content)));
    let Err(panic) = outcome else { return Ok(()) };
    match before {
        Some(old) => {
            let new = content.trim_end_matches('\n').to_string();
            let diff = similar::TextDiff::from_lines(&old, &new)
                .unified_diff()
                .context_radius(3)
                .header("stored", "now")
                .to_string();
            Err(SnapshotError::Differs {
                kind,
                name: name.into(),
                stored,
                diff,
            })
        }
        None => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "insta refused it".into());
            // On CI insta writes no pending file (INSTA_UPDATE=no): say so.
            let message = if std::env::var_os("CI").is_some() {
                format!("{message} (on CI no pending file is written)")
            } else {
                message
            };
            Err(SnapshotError::New {
                kind,
                name: name.into(),
                stored,
                message,
            })
        }
    }
}

/// Pending snapshots (`*.snap.new`) under `root`.
pub fn pending(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(".snap.new") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// What to do with pending snapshots.
#[derive(Debug, Clone, Copy)]
pub enum Review {
    List,
    Accept,
    Reject,
}

/// `rig snapshots`: lists, accepts or rejects the pending snapshots under `dir`.
pub fn review(action: Review, dir: &Path) -> std::io::Result<()> {
    let pending = pending(dir);
    if pending.is_empty() {
        println!("no pending snapshots under {}", dir.display());
        return Ok(());
    }
    for new in &pending {
        let stored = new.with_extension("");
        let done = match action {
            Review::List => {
                println!("pending: {} (stored: {})", new.display(), stored.display());
                Ok(())
            }
            Review::Accept => std::fs::rename(new, &stored).map(|_| println!("accepted: {}", stored.display())),
            Review::Reject => std::fs::remove_file(new).map(|_| println!("rejected: {}", new.display())),
        };
        done.map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", new.display())))?;
    }
    Ok(())
}
