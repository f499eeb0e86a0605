//! `agentbar-tray`, the launcher that starts the tray without a console window on Windows: here
//! (Unix) it becomes `agentbar` with the same arguments, defaulting to `run`.
#![cfg(feature = "tray")]

use std::process::Command;

#[test]
fn the_launcher_runs_agentbar_with_its_arguments_and_exit_code() {
    let direct = Command::new(env!("CARGO_BIN_EXE_agentbar"))
        .arg("--version")
        .output()
        .unwrap();
    let launched = Command::new(env!("CARGO_BIN_EXE_agentbar-tray"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(launched.status.success());
    assert_eq!(launched.stdout, direct.stdout);

    let bad = Command::new(env!("CARGO_BIN_EXE_agentbar-tray"))
        .arg("no-such-command")
        .output()
        .unwrap();
    assert_eq!(
        bad.status.code(),
        Some(2),
        "agentbar's usage error comes back"
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no-such-command"));
}

#[test]
fn the_launcher_alone_says_it_cannot_find_agentbar() {
    let dir = tempfile::tempdir().unwrap();
    let lonely = dir.path().join("agentbar-tray");
    std::fs::copy(env!("CARGO_BIN_EXE_agentbar-tray"), &lonely).unwrap();
    // A fresh copy can be "busy" for a moment: another test thread's fork may still hold the
    // copy's write descriptor until its exec closes it. Ask again briefly.
    let mut tries = 0;
    let output = loop {
        match Command::new(&lonely).output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other.unwrap(),
        }
    };
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot start"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
