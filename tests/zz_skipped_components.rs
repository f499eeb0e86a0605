//! The end-of-run summary of component tests that were skipped (see `tests/support/skipped.rs`):
//! one line each, printed straight to the terminal so `cargo test` never lets a skip pass for a
//! pass. Named to sort last, because `cargo test` runs test binaries in name order.

#[path = "support/skipped.rs"]
mod skipped;

use std::io::Write;

#[test]
fn print_the_component_tests_this_run_skipped() {
    let lines = skipped::take_records(&skipped::records_dir(), skipped::run_id());
    if lines.is_empty() {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(
        stderr,
        "\n{} component test(s) did not run (skipped, not passed):",
        lines.len()
    );
    for line in lines {
        let _ = writeln!(stderr, "  {line}");
    }
    let _ = writeln!(
        stderr,
        "  scripts/test.sh runs them (dbus-run-session, gnome-keyring, xvfb-run)\n"
    );
}

/// The summary shows exactly this run's skips, once: a record of an earlier run whose `cargo`
/// has exited is dropped, one of a run still going is left to it.
#[test]
fn a_recorded_skip_reaches_this_runs_summary_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let this_run = skipped::run_id();
    let line = skipped::record(dir.path(), this_run, "tray", "DISPLAY is not set");
    assert_eq!(line, "SKIPPED tray: DISPLAY is not set");
    // pid_max is at most 2^22 on Linux: this `cargo` cannot exist.
    skipped::record(dir.path(), 4_194_304 + 1, "keychain", "an old run");
    // Our own process stands for another `cargo test` still running.
    let other = std::process::id();
    skipped::record(dir.path(), other, "notifications", "another run");

    assert_eq!(skipped::take_records(dir.path(), this_run), [line]);
    assert!(
        skipped::take_records(dir.path(), this_run).is_empty(),
        "once"
    );
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, [format!("{other}-notifications")]);
}
