//! `rig trace show`: the timeline as aligned lines (relative time, source,
//! one line per event), coloured on a terminal; `--follow` while a scenario
//! is still writing it.

use super::{Recorded, TraceError, line::describe, parse, trace_file};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Default, Clone)]
pub struct ShowOptions {
    /// Only these sources (as in the trace: host, card-link, console, keypad, ...).
    pub sources: Vec<String>,
    /// Only the events of step N (1-based, in the order played).
    pub step: Option<usize>,
    pub colour: bool,
}

/// The lines of `events` as `show` prints them.
pub fn render(events: &[Recorded], options: &ShowOptions) -> Result<Vec<String>, TraceError> {
    let selected = select_step(events, options.step)?;
    Ok(selected
        .iter()
        .filter(|e| options.sources.is_empty() || options.sources.contains(&e.source))
        .filter_map(|e| describe(e).map(|text| format_line(e, &text, options.colour)))
        .collect())
}

fn select_step(events: &[Recorded], step: Option<usize>) -> Result<&[Recorded], TraceError> {
    let Some(n) = step else { return Ok(events) };
    let starts: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == "step-started")
        .map(|(i, _)| i)
        .collect();
    let from = *starts
        .get(n.wrapping_sub(1))
        .ok_or(TraceError::NoStep(n, starts.len()))?;
    let to = starts.get(n).copied().unwrap_or(events.len());
    Ok(&events[from..to])
}

fn format_line(e: &Recorded, text: &str, colour: bool) -> String {
    let time = format!("{:>9.3} s", e.t_us as f64 / 1e6);
    let source = format!("{:<9}", e.source);
    if !colour {
        return format!("{time}  {source} {text}");
    }
    let paint = match e.source.as_str() {
        "host" => "36",
        "card-link" | "swipe" | "scanner" => "35",
        "keypad" => "33",
        "console" => "32",
        "ecr" => "34",
        _ if e.kind == "step-finished" && e.str("status") != "passed" => "1;31",
        _ => "1",
    };
    format!("\x1b[2m{time}\x1b[0m  \x1b[{paint}m{source}\x1b[0m {text}")
}

/// Prints the trace at `path`; with `follow`, keeps printing what is
/// appended until `stop` says so (Ctrl-C in the CLI).
pub fn show(
    path: &Path,
    options: &ShowOptions,
    follow: bool,
    out: &mut impl Write,
    stop: impl Fn() -> bool,
) -> Result<(), TraceError> {
    let file = trace_file(path)?;
    let read = |from: u64| -> Result<(String, u64), TraceError> {
        let bytes = std::fs::read(&file).map_err(|source| TraceError::Read {
            path: file.clone(),
            source,
        })?;
        // Only whole lines: the writer may be halfway through one.
        let upto = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) as u64;
        let start = from.min(upto) as usize;
        Ok((String::from_utf8_lossy(&bytes[start..upto as usize]).into_owned(), upto))
    };
    let (text, mut offset) = read(0)?;
    let mut lines_read = text.lines().count();
    let mut events = parse(&file, &text, 1)?;
    for line in render(&events, options)? {
        let _ = writeln!(out, "{line}");
    }
    if !follow {
        return Ok(());
    }
    let step_filter = options.step.is_some();
    while !stop() {
        // The trace is flushed per event; a poll interval of 200 ms is what a
        // person watching sees as live.
        std::thread::sleep(Duration::from_millis(200));
        let (more, upto) = read(offset)?;
        if more.is_empty() {
            continue;
        }
        offset = upto;
        let new = parse(&file, &more, lines_read + 1)?;
        lines_read += more.lines().count();
        if step_filter {
            // A step filter needs the whole timeline: re-render the step's part.
            let before = render(&events, options).map(|l| l.len()).unwrap_or(0);
            events.extend(new);
            if let Ok(lines) = render(&events, options) {
                for line in lines.iter().skip(before) {
                    let _ = writeln!(out, "{line}");
                }
            }
        } else {
            for line in render(&new, options)? {
                let _ = writeln!(out, "{line}");
            }
            events.extend(new);
        }
        let _ = out.flush();
    }
    Ok(())
}
