//! Reading a recorded trace (`trace.jsonl`, masked as written) for a
//! developer: `rig trace show` (the timeline as aligned lines), `rig trace
//! diff` (two timelines aligned event by event, what varies between runs
//! left out). Both read only the file: a trace from CI, another machine or
//! an older rig works the same.

pub mod diff;
pub mod line;
pub mod pcap;
pub mod show;
pub mod wireshark;

use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: not a trace event: {why}")]
    Bad { path: PathBuf, line: usize, why: String },
    #[error("{0}: no trace.jsonl here (give a scenario folder of a report, or its trace.jsonl)")]
    NoTrace(PathBuf),
    #[error("--step {0}: the trace has {1} steps")]
    NoStep(usize, usize),
    #[error("pcapng: {0}")]
    Pcap(String),
}

/// One recorded event: when, from where, what (the JSON object as written).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub seq: u64,
    pub t_us: u64,
    pub source: String,
    pub kind: String,
    pub event: Value,
}

impl Recorded {
    pub fn str(&self, key: &str) -> &str {
        self.event.get(key).and_then(Value::as_str).unwrap_or("")
    }
}

/// The trace file of PATH: PATH itself, or PATH/trace.jsonl.
pub fn trace_file(path: &Path) -> Result<PathBuf, TraceError> {
    if path.is_dir() {
        let file = path.join("trace.jsonl");
        return if file.is_file() {
            Ok(file)
        } else {
            Err(TraceError::NoTrace(path.into()))
        };
    }
    if path.exists() {
        Ok(path.into())
    } else {
        Err(TraceError::NoTrace(path.into()))
    }
}

/// Parses trace lines; `first_line` numbers them for errors (following a growing file).
pub fn parse(path: &Path, text: &str, first_line: usize) -> Result<Vec<Recorded>, TraceError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: String| TraceError::Bad {
            path: path.into(),
            line: first_line + i,
            why,
        };
        let event: Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let num = |k: &str| {
            event
                .get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| bad(format!("no {k}")))
        };
        let text = |k: &str| event.get(k).and_then(Value::as_str).map(str::to_string);
        out.push(Recorded {
            seq: num("seq")?,
            t_us: num("t_us")?,
            source: text("source").ok_or_else(|| bad("no source".into()))?,
            kind: text("kind").ok_or_else(|| bad("no kind".into()))?,
            event,
        });
    }
    Ok(out)
}

/// Every event of the trace at PATH.
pub fn load(path: &Path) -> Result<Vec<Recorded>, TraceError> {
    let file = trace_file(path)?;
    let text = std::fs::read_to_string(&file).map_err(|source| TraceError::Read {
        path: file.clone(),
        source,
    })?;
    parse(&file, &text, 1)
}
