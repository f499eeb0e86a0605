//! Component tests that cannot run here (no session bus, no keyring, no display) pass without
//! testing anything, so a skip must never read as a pass. [`skip`] says so on the terminal at
//! once (libtest hides what a passing test prints with `eprintln!`, so it writes to stderr
//! directly) and leaves a one-line record that `tests/zz_skipped_components.rs`, the last test
//! binary `cargo test` runs, prints again at the end of the run.
//!
//! Records live under the target directory, named after the `cargo` process that runs the test
//! binaries (their parent), so the summary lists this run's skips and no earlier run's.
#![allow(dead_code)] // the reporter reads records, the component tests write them

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where skip records are kept: the target directory's scratch space, never the user's.
pub fn records_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skipped-components")
}

/// The id of this run: the `cargo` process that started this test binary. Elsewhere std has no
/// parent pid, so every run shares one id there: a summary may then also list the skips of an
/// earlier run that was stopped before its own summary.
pub fn run_id() -> u32 {
    #[cfg(unix)]
    let id = std::os::unix::process::parent_id();
    #[cfg(not(unix))]
    let id = 0;
    id
}

/// Reports `component` as skipped because of `why`, now and in the end-of-run summary.
pub fn skip(component: &str, why: &str) {
    let line = record(&records_dir(), run_id(), component, why);
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Writes the skip record of `component` for run `run` into `dir`; returns its line.
pub fn record(dir: &Path, run: u32, component: &str, why: &str) -> String {
    let line = format!("SKIPPED {component}: {why}");
    let path = dir.join(format!("{run}-{component}"));
    if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, &line)) {
        let _ = writeln!(
            std::io::stderr(),
            "(could not record the skip in {}: {e})",
            path.display()
        );
    }
    line
}

/// The skip lines recorded in `dir` for run `run`, sorted; reading them removes them, and the
/// records of runs whose `cargo` has exited too. Records of another run still going are kept
/// for its own summary.
pub fn take_records(dir: &Path, run: u32) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new(); // nothing was ever skipped here
    };
    let mut lines = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let owner = name.split('-').next().unwrap_or_default();
        if owner == run.to_string() {
            lines.push(std::fs::read_to_string(entry.path()).unwrap_or_default());
        } else if Path::new("/proc").join(owner).exists() {
            continue;
        }
        let _ = std::fs::remove_file(entry.path());
    }
    lines.sort();
    lines
}
