//! The end-of-run summary of component tests that were skipped (see `tests/support/skipped.rs`):
//! one line each, printed straight to the terminal so `cargo test` never lets a skip pass for a
//! pass. Named to sort last, because `cargo test` runs test binaries in name order.

#[path = "support/skipped.rs"]
mod skipped;

use std::io::Write;

/// Whether process `pid` still runs (a record of a `cargo` that has exited is stale).
fn alive(pid: &str) -> bool {
    std::path::Path::new("/proc").join(pid).exists()
}

#[test]
fn print_the_component_tests_this_run_skipped() {
    let Ok(entries) = std::fs::read_dir(skipped::records_dir()) else {
        return; // nothing was ever skipped here
    };
    let prefix = skipped::run_prefix();
    let mut lines = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name.split('-').next().unwrap_or_default();
        if name.starts_with(&prefix) {
            lines.push(std::fs::read_to_string(entry.path()).unwrap_or_default());
        } else if alive(pid) {
            continue; // another cargo test running at the same time: its own summary shows it
        }
        let _ = std::fs::remove_file(entry.path());
    }
    if lines.is_empty() {
        return;
    }
    lines.sort();
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
