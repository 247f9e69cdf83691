//! What the tests that run the `rig` binary share: scratch projects and one
//! virtual bench run at a time.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

pub fn rig(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rig"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("rig runs")
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A scratch copy of the fixtures and features, and this test's turn on the machine.
pub struct Project {
    pub dir: tempfile::TempDir,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Project {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// One virtual bench run at a time in this test binary. vterm runs in real
/// time (key debounce, 1 s host timeouts, prompt deadlines); several rig
/// runs side by side on a 2-core CI machine stretch it until a deadline
/// fails, a terminal failure that is the test machine's, not the terminal's.
pub static ONE_RUN_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Copies the fixtures and features into a scratch project so a test can change them.
pub fn scratch_project() -> Project {
    let turn = ONE_RUN_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    for sub in ["fixtures", "features"] {
        copy_dir(&workspace().join(sub), &dir.path().join(sub));
    }
    // The firmware images the bench flashes (not vterm's source).
    let images = dir.path().join("firmware-images");
    std::fs::create_dir_all(&images).expect("mkdir");
    for entry in std::fs::read_dir(workspace().join("firmware-images"))
        .expect("read_dir")
        .flatten()
    {
        // VTERM-FW containers (.fw) and VT-2's plain images (.img).
        if entry.path().extension().is_some_and(|e| e == "fw" || e == "img") {
            std::fs::copy(entry.path(), images.join(entry.file_name())).expect("copy");
        }
    }
    Project { dir, _turn: turn }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if !entry.path().to_string_lossy().ends_with(".snap.new") {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// A junit.xml as its data model (quick-junit's reader): the tests check
/// what it says, not how its attributes happen to be ordered.
pub fn junit(path: &Path) -> quick_junit::Report {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    quick_junit::Report::deserialize_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

/// Every test case of a report, with its suite's name.
pub fn cases(report: &quick_junit::Report) -> Vec<&quick_junit::TestCase> {
    report.test_suites.iter().flat_map(|s| s.test_cases.iter()).collect()
}
