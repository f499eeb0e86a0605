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
use std::path::PathBuf;

/// Where skip records are kept: the target directory's scratch space, never the user's.
pub fn records_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skipped-components")
}

/// The prefix of this run's records: the id of the `cargo` process that started this binary.
pub fn run_prefix() -> String {
    format!("{}-", std::os::unix::process::parent_id())
}

/// Reports `component` as skipped because of `why`, now and in the end-of-run summary.
pub fn skip(component: &str, why: &str) {
    let line = format!("SKIPPED {component}: {why}");
    let _ = writeln!(std::io::stderr(), "{line}");
    let dir = records_dir();
    let record = dir.join(format!("{}{component}", run_prefix()));
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&record, &line)) {
        let _ = writeln!(
            std::io::stderr(),
            "(could not record the skip in {}: {e})",
            record.display()
        );
    }
}
