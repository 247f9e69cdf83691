//! `rig trace diff A B`: two timelines aligned event by event (an LCS diff
//! over one comparable line per event, `similar`), leaving out what varies
//! between runs of the same scenario: times, STAN, RRN, dates and times,
//! authorisation codes, cryptograms and unpredictable numbers (field 55, APDU
//! data), MACs, working keys, and receipt lines the terminal profile redacts.

use super::{Recorded, line};
use crate::config::terminal::TerminalProfile;
use regex::Regex;
use similar::{Algorithm, DiffOp, capture_diff_slices, group_diff_ops};
use std::sync::LazyLock;

/// Host fields that differ on every run: transmission date/time (7), STAN
/// (11), local time and date (12, 13), settlement date (15), RRN (37), auth
/// code (38), chip data with cryptograms (55), working keys (62), MACs (64, 128).
const VARYING_FIELDS: &[u64] = &[7, 11, 12, 13, 15, 37, 38, 55, 62, 64, 128];

static DATE_TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}").expect("date-time pattern"));

/// The event as compared: its source and what it says, the varying parts out.
pub fn comparable(e: &Recorded, profile: Option<&TerminalProfile>) -> Option<String> {
    let text = match e.kind.as_str() {
        "host-received" | "host-sent" => {
            let fields: Vec<String> = line::fields(e)
                .into_iter()
                .map(|(n, v)| {
                    if VARYING_FIELDS.contains(&n) {
                        format!("{n}=*")
                    } else {
                        format!("{n}={v}")
                    }
                })
                .collect();
            let dir = if e.kind == "host-received" {
                "terminal -> host"
            } else {
                "host -> terminal"
            };
            format!("{dir} {} {} {}", e.str("mti"), e.str("txn"), fields.join(" "))
        }
        // Command header and status word: the data carries unpredictable numbers and cryptograms.
        "apdu" => {
            let c = e.str("command");
            let r = e.str("response");
            format!(
                "card: {} -> SW {}",
                c.get(..8).unwrap_or(c),
                r.get(r.len().saturating_sub(4)..).unwrap_or("")
            )
        }
        "step-finished" => format!("{} {}", e.str("status"), e.str("text")),
        "print" => {
            let text = e.str("text");
            let text = profile.map_or_else(|| text.to_string(), |p| p.redact_receipt(text));
            format!("print: {}", DATE_TIME.replace_all(&text, "[date time]"))
        }
        "power-off" => "power off".into(),
        _ => line::describe(e)?,
    };
    Some(format!("{:<9} {text}", e.source))
}

/// Where two traces part, as text; None when they agree. Each source (the
/// console, the host, the keypad, the rig's steps, ...) is aligned on its
/// own: the order of events of one wire is the terminal's doing, while how
/// two wires interleave within a millisecond is the scheduler's.
pub fn diff(a: &[Recorded], b: &[Recorded], profile: Option<&TerminalProfile>, context: usize) -> Option<String> {
    let keep = |events: &[Recorded]| -> Vec<(String, Recorded)> {
        events
            .iter()
            .filter_map(|e| Some((comparable(e, profile)?, e.clone())))
            .collect()
    };
    let (a, b) = (keep(a), keep(b));
    let mut sources: Vec<&str> = a.iter().chain(&b).map(|(_, e)| e.source.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    // (time of the first divergence, position in A, the hunk's text)
    let mut hunks: Vec<(u64, usize, String)> = Vec::new();
    for source in sources {
        let lane = |events: &[(String, Recorded)]| -> Vec<(String, Recorded)> {
            events.iter().filter(|(_, e)| e.source == source).cloned().collect()
        };
        let (la, lb) = (lane(&a), lane(&b));
        let left: Vec<&str> = la.iter().map(|(k, _)| k.as_str()).collect();
        let right: Vec<&str> = lb.iter().map(|(k, _)| k.as_str()).collect();
        let ops = capture_diff_slices(Algorithm::Myers, &left, &right);
        for hunk in group_diff_ops(ops, context) {
            let Some(first) = hunk.iter().find(|op| !matches!(op, DiffOp::Equal { .. })) else {
                continue;
            };
            let at = first.old_range().start;
            let when = la.get(at).or_else(|| la.last()).map_or(0, |(_, e)| e.t_us);
            let seq = |events: &[(String, Recorded)], i: usize| {
                events
                    .get(i)
                    .map_or("its end".to_string(), |(_, e)| format!("seq {}", e.seq))
            };
            let mut text = format!(
                "{source}: A {} / B {} @@\n",
                seq(&la, at),
                seq(&lb, first.new_range().start)
            );
            for op in &hunk {
                for change in op.iter_changes(&left, &right) {
                    let (mark, event) = match change.tag() {
                        similar::ChangeTag::Equal => (' ', &la[change.old_index().unwrap_or(0)].1),
                        similar::ChangeTag::Delete => ('-', &la[change.old_index().unwrap_or(0)].1),
                        similar::ChangeTag::Insert => ('+', &lb[change.new_index().unwrap_or(0)].1),
                    };
                    text.push_str(&format!(
                        "{mark} {:>8.3} s  {}\n",
                        event.t_us as f64 / 1e6,
                        change.value()
                    ));
                }
            }
            hunks.push((when, at, text));
        }
    }
    if hunks.is_empty() {
        return None;
    }
    hunks.sort_by_key(|(when, at, _)| (*when, *at));
    let mut out = String::new();
    for (i, (_, _, text)) in hunks.iter().enumerate() {
        out.push_str(if i == 0 {
            "@@ first divergence, "
        } else {
            "@@ next divergence, "
        });
        out.push_str(text);
    }
    Some(out)
}
