//! The trace: a timeline subscriber writing masked JSONL, one event per line,
//! flushed as it goes so a crash loses nothing; plus the console log. A write
//! that fails is said once on stderr: evidence that stops must not stop silently.

use crate::events::{Kind, Source, Timeline};
use crate::mask::Masker;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;

pub const TRACE_FILE: &str = "trace.jsonl";
pub const CONSOLE_LOG: &str = "console.log";

struct Sink {
    masker: Masker,
    trace: BufWriter<File>,
    console: BufWriter<File>,
    failed: bool,
}

impl Sink {
    fn write(&mut self, event: &crate::events::Event) -> std::io::Result<()> {
        let masked = self.masker.event(event);
        let line = serde_json::to_string(&masked).map_err(std::io::Error::other)?;
        writeln!(self.trace, "{line}")?;
        self.trace.flush()?;
        if event.source == Source::Console {
            let line = match &masked.kind {
                Kind::ConsoleLine { line }
                | Kind::Boot { line, .. }
                | Kind::BootFailure { line, .. }
                | Kind::Display { line, .. }
                | Kind::Print { line, .. }
                | Kind::Cut { line } => line,
                _ => return Ok(()),
            };
            writeln!(self.console, "{:>10.3} {line}", masked.t_us as f64 / 1e6)?;
            self.console.flush()?;
        }
        Ok(())
    }
}

/// Records every event of `timeline` from now on in `dir`, through `masker`.
pub fn attach(timeline: &Timeline, dir: &Path, masker: Masker) -> std::io::Result<()> {
    let sink = Mutex::new(Sink {
        masker,
        trace: BufWriter::new(File::create(dir.join(TRACE_FILE))?),
        console: BufWriter::new(File::create(dir.join(CONSOLE_LOG))?),
        failed: false,
    });
    let shown = dir.display().to_string();
    timeline.subscribe(move |event| {
        let mut sink = sink.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = sink.write(event) {
            if !sink.failed {
                eprintln!("rig: the trace in {shown} stops here: {e}");
                sink.failed = true;
            }
        }
    });
    Ok(())
}
