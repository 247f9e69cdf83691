//! The trace: a timeline subscriber writing masked JSONL, one event per line,
//! flushed as it goes so a crash loses nothing; plus the console log.

use crate::events::{Kind, Source, Timeline};
use crate::mask;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;

pub const TRACE_FILE: &str = "trace.jsonl";
pub const CONSOLE_LOG: &str = "console.log";

pub fn attach(timeline: &Timeline, dir: &Path) -> std::io::Result<()> {
    let trace = Mutex::new(BufWriter::new(File::create(dir.join(TRACE_FILE))?));
    let console = Mutex::new(BufWriter::new(File::create(dir.join(CONSOLE_LOG))?));
    timeline.subscribe(move |event| {
        let masked = mask::event(event);
        if let Ok(mut out) = trace.lock() {
            if let Ok(line) = serde_json::to_string(&masked) {
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }
        }
        if event.source == Source::Console {
            let line = match &masked.kind {
                Kind::ConsoleLine { line }
                | Kind::Boot { line, .. }
                | Kind::BootFailure { line, .. }
                | Kind::Display { line, .. }
                | Kind::Print { line, .. }
                | Kind::Cut { line } => line,
                _ => return,
            };
            if let Ok(mut out) = console.lock() {
                let _ = writeln!(out, "{:>10.3} {line}", masked.t_us as f64 / 1e6);
                let _ = out.flush();
            }
        }
    });
    Ok(())
}
