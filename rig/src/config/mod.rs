//! Configuration files: benches, terminal profiles, card profiles, host
//! dialects. All TOML; unknown keys are refused, and every error names the
//! file and the line.

pub mod bench;
pub mod capabilities;
pub mod capk;
pub mod card;
pub mod card_perso;
pub mod card_pki;
pub mod card_values;
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

impl ConfigError {
    /// A check's error placed on its line: the key its message starts with
    /// (`console.display: ...`, `[firmware] and ...`, `expiry "1": ...`) found
    /// in the file's text. Left as it is when the key cannot be found.
    pub fn located(self, text: &str) -> ConfigError {
        let ConfigError::Semantic { path, message } = self else {
            return self;
        };
        match locate(text, &message) {
            Some((line, column)) => ConfigError::Invalid {
                path,
                line,
                column,
                message,
            },
            None => ConfigError::Semantic { path, message },
        }
    }
}

/// The line and column of the key a message names first: `[table]`,
/// `table.key` (the key inside `[table]`, or written dotted), or a top-level `key`.
pub fn locate(text: &str, message: &str) -> Option<(usize, usize)> {
    let first = message.split([':', ' ', '=']).next()?.trim();
    let lines: Vec<&str> = text.lines().collect();
    let header = |table: &str| {
        lines.iter().position(|l| {
            let t = l.trim();
            t == format!("[{table}]") || t == format!("[[{table}]]")
        })
    };
    let key_at = |from: usize, key: &str| {
        lines[from..]
            .iter()
            .take_while(|l| from == 0 || !l.trim_start().starts_with('['))
            .position(|l| {
                let t = l.trim_start();
                let quoted = format!("\"{key}\"");
                (t.starts_with(key) || t.starts_with(&quoted))
                    && t[if t.starts_with(key) { key.len() } else { quoted.len() }..]
                        .trim_start()
                        .starts_with(['=', '.'])
            })
            .map(|i| from + i)
    };
    let at = if let Some(table) = first.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        header(table)
    } else if let Some((table, key)) = first.split_once('.') {
        let key = key.split('.').next().unwrap_or(key);
        header(table)
            .and_then(|h| key_at(h + 1, key))
            .or_else(|| header(table))
            .or_else(|| key_at(0, first))
    } else if !first.is_empty() && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        key_at(0, first)
    } else {
        None
    }?;
    let column = lines[at].len() - lines[at].trim_start().len() + 1;
    Some((at + 1, column))
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
    fn a_checks_error_is_put_on_the_line_of_the_key_it_names() {
        let text = "name = \"x\"\n\n[console]\nbanner = \"a\"\ndisplay = \"(\"\n\n[firmware]\nimage = \"a.hex\"\n";
        let at = |m: &str| locate(text, m);
        assert_eq!(at("console.display: bad pattern"), Some((5, 1)));
        assert_eq!(at("[firmware] and [probe] go together"), Some((7, 1)));
        assert_eq!(at("name \"x\" is taken"), Some((1, 1)));
        assert_eq!(
            at("console.print must capture"),
            Some((3, 1)),
            "a key not written: its table"
        );
        assert_eq!(at("nothing like a key here"), None);
        let err = ConfigError::Semantic {
            path: "t.toml".into(),
            message: "console.display: bad pattern".into(),
        }
        .located(text);
        assert_eq!(err.to_string(), "t.toml:5:1: console.display: bad pattern");
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
