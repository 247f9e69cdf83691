//! The run's report folder: reports/<run-id>/ with JUnit, cucumber JSON and a
//! folder per scenario; reports/latest points at the newest run.

use cucumber::gherkin;
use std::path::{Path, PathBuf};

pub const JUNIT: &str = "junit.xml";
pub const CUCUMBER_JSON: &str = "cucumber.json";

pub struct RunReport {
    pub root: PathBuf,
    pub dir: PathBuf,
}

impl RunReport {
    pub fn create(root: &Path) -> std::io::Result<RunReport> {
        std::fs::create_dir_all(root)?;
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
        // Two runs in one second each get their own folder.
        let mut n = 0;
        loop {
            let id = if n == 0 { stamp.clone() } else { format!("{stamp}-{n}") };
            let dir = root.join(&id);
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    return Ok(RunReport {
                        root: root.to_path_buf(),
                        dir,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// Points `latest` at this run (a relative symlink, replaced atomically).
    pub fn point_latest(&self) -> std::io::Result<()> {
        let latest = self.root.join("latest");
        let tmp = self.root.join(format!(".latest-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let name = self.dir.file_name().unwrap_or_default();
        std::os::unix::fs::symlink(name, &tmp)?;
        std::fs::rename(&tmp, &latest)
    }
}

/// A file-name-safe version of a title, keeping CJK and other letters.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(60).collect()
}

/// reports/<run>/<feature file>/<line>-<scenario title>/
pub fn scenario_dir(run: &Path, feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> PathBuf {
    let file = feature
        .path
        .as_ref()
        .and_then(|p| p.file_stem())
        .map_or_else(|| slug(&feature.name), |s| s.to_string_lossy().into_owned());
    run.join(file)
        .join(format!("L{:03}-{}", scenario.position.line, slug(&scenario.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_chinese_and_drop_punctuation() {
        assert_eq!(slug("Wrong PIN (55) is declined!"), "wrong-pin-55-is-declined");
        assert_eq!(slug("密码错误 被拒绝"), "密码错误-被拒绝");
    }
}
