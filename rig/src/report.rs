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

/// The folders features were found in (each directory given, or the folder
/// of each file given): reports name a feature relative to its folder, so a
/// CI's test history survives a change of checkout path.
#[derive(Debug, Clone, Default)]
pub struct FeatureRoots(Vec<PathBuf>);

impl FeatureRoots {
    /// From the paths a run was given (`FILE:LINE` already split off).
    pub fn of(paths: impl IntoIterator<Item = PathBuf>) -> FeatureRoots {
        FeatureRoots::folders(paths.into_iter().map(|p| {
            if p.is_dir() {
                p
            } else {
                // "sale.feature" is in the working directory (its parent is "").
                p.parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            }
        }))
    }

    /// These folders themselves (relative ones from the working directory).
    pub fn folders(folders: impl IntoIterator<Item = PathBuf>) -> FeatureRoots {
        let mut roots: Vec<PathBuf> = folders.into_iter().map(|f| absolute(&f)).collect();
        // The deepest root that holds a file names it.
        roots.sort_by_key(|r| std::cmp::Reverse(r.components().count()));
        FeatureRoots(roots)
    }

    /// `file` relative to the folder it was found in.
    /// (cucumber names a file relative to the working directory, a user may
    /// give it absolute: both are taken from the working directory.)
    pub fn shown(&self, file: &Path) -> String {
        let whole = absolute(file);
        self.0
            .iter()
            .find_map(|root| whole.strip_prefix(root).ok())
            .unwrap_or(file)
            .display()
            .to_string()
    }
}

/// `path` from the working directory (no symlinks resolved: the names are
/// the ones the user gave).
pub(crate) fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_chinese_and_drop_punctuation() {
        assert_eq!(slug("Wrong PIN (55) is declined!"), "wrong-pin-55-is-declined");
        assert_eq!(slug("密码错误 被拒绝"), "密码错误-被拒绝");
    }

    #[test]
    fn features_are_named_relative_to_the_folder_they_were_found_in() {
        let dir = tempfile::tempdir().expect("tempdir");
        let features = dir.path().join("features");
        std::fs::create_dir_all(features.join("payments")).expect("mkdir");
        let single = dir.path().join("extra.feature");
        std::fs::write(&single, "Feature: x\n").expect("write");
        let roots = FeatureRoots::of([features.clone(), single.clone()]);
        assert_eq!(
            roots.shown(&features.join("payments/qr.feature")),
            "payments/qr.feature"
        );
        assert_eq!(roots.shown(&features.join("sale.feature")), "sale.feature");
        assert_eq!(roots.shown(&single), "extra.feature");
        let relative = FeatureRoots::of([PathBuf::from("x.feature")]);
        assert_eq!(relative.shown(Path::new("x.feature")), "x.feature");
    }
}
