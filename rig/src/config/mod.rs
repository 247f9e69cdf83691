//! Configuration files: benches, terminal profiles, card profiles, host
//! dialects. All TOML; unknown keys are refused, and every error names the
//! file and the line.

pub mod bench;
pub mod capabilities;
pub mod card;
pub mod dialect;
pub mod flows;
pub mod lab;
pub mod terminal;

use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Semantic { path: PathBuf, message: String },
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Parses a TOML file into `T`, mapping errors to file:line:column.
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    parse(path, &read(path)?)
}

/// A config file's text.
pub fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.into(),
        source,
    })
}

pub fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        ConfigError::Invalid {
            path: path.into(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })
}

/// Resolves a path written in a config file relative to that file's folder.
pub fn relative_to(file: &Path, written: &Path) -> PathBuf {
    if written.is_absolute() {
        written.to_path_buf()
    } else {
        file.parent().unwrap_or(Path::new(".")).join(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        speed: u32,
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let err = parse::<Sample>(Path::new("bench.toml"), "name = \"a\"\nspeed = \"fast\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("bench.toml:2:9: "), "{text}");
        assert!(text.contains("invalid type"), "{text}");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let err = parse::<Sample>(Path::new("b.toml"), "name = \"a\"\nspeed = 1\nsped = 2\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("b.toml:3:1: unknown field `sped`"), "{text}");
    }
}
