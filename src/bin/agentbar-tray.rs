//! `agentbar-tray`: runs `agentbar` (by default `agentbar run`, the tray) from the same
//! directory, passing any arguments on. It exists for Windows, where a program is either a
//! console program or a windowed one for its whole life: `agentbar.exe` stays a console program
//! so that its subcommands behave in a terminal (the shell waits for them, prompts, pipes and
//! Ctrl-C work), and this small windowed (`windows_subsystem = "windows"`) launcher starts it
//! with `CREATE_NO_WINDOW`, so the tray opened from the Start menu, Explorer or at login shows
//! no console window. Elsewhere it simply becomes `agentbar` (exec), so scripts may use it on
//! any system.

#![cfg_attr(windows, windows_subsystem = "windows")]

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.is_empty() {
        args.push("run".into());
    }
    let agentbar = match sibling() {
        Ok(path) => path,
        Err(e) => {
            // Seen only when started from a terminal; a windowed program has nowhere to say it.
            eprintln!("agentbar-tray: cannot find agentbar next to this program: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut command = Command::new(&agentbar);
    command.args(&args);
    let outcome = start(command);
    eprintln!(
        "agentbar-tray: cannot start {}: {outcome}",
        agentbar.display()
    );
    ExitCode::FAILURE
}

/// `agentbar` in this program's directory.
fn sibling() -> std::io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    Ok(exe.with_file_name(format!("agentbar{}", std::env::consts::EXE_SUFFIX)))
}

/// Becomes `agentbar`: returns only when it could not be started.
#[cfg(unix)]
fn start(mut command: Command) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    command.exec()
}

/// Starts `agentbar` without a console window and ends with its exit code.
#[cfg(windows)]
fn start(mut command: Command) -> std::io::Error {
    use std::os::windows::process::CommandExt;
    /// `CREATE_NO_WINDOW` (winbase.h): the console program gets no console of its own.
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    command.creation_flags(CREATE_NO_WINDOW);
    match command.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(e) => e,
    }
}
