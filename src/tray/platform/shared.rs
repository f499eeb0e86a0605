//! What the macOS and Windows modules share: "Copy link" through the system's command-line
//! clipboard tool, and open at login through the `auto-launch` crate (a LaunchAgent on macOS,
//! the `Run` registry key on Windows). Linux has neither: GTK's clipboard, and an XDG autostart
//! entry written here so it honours `XDG_CONFIG_HOME`. Type-checked for both systems by
//! `scripts/cross-check.sh`; not run here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use auto_launch::{AutoLaunch, AutoLaunchBuilder};

use crate::tray::desktop::{Autostart, DesktopError};

/// Hands `text` to a clipboard tool that reads it on standard input (`pbcopy`, `clip`).
pub fn copy_with(program: &str, text: &str) -> Result<(), DesktopError> {
    let fail = |e: std::io::Error| DesktopError::Clipboard(format!("{program}: {e}"));
    let mut child = Command::new(program)
        .stdin(Stdio::piped())
        .spawn()
        .map_err(fail)?;
    if let Some(mut stdin) = child.stdin.take() {
        // Dropped at the end of this block: the tool sees end of input and finishes.
        stdin.write_all(text.as_bytes()).map_err(fail)?;
    }
    let status = child.wait().map_err(fail)?;
    if !status.success() {
        return Err(DesktopError::Clipboard(format!(
            "{program} exited with {status}"
        )));
    }
    Ok(())
}

struct LaunchAtLogin {
    inner: AutoLaunch,
    exe: PathBuf,
}

fn fail(exe: &Path, e: impl std::fmt::Display) -> DesktopError {
    DesktopError::Autostart {
        path: exe.to_owned(),
        message: e.to_string(),
    }
}

/// Registers `exe run` to start at login; `configure` adds what one system needs.
pub fn autostart(
    exe: PathBuf,
    configure: impl FnOnce(&mut AutoLaunchBuilder),
) -> Result<Box<dyn Autostart>, DesktopError> {
    let mut builder = AutoLaunchBuilder::new();
    builder
        .set_app_name("agentbar")
        .set_app_path(&exe.to_string_lossy())
        .set_args(&["run"]);
    configure(&mut builder);
    let inner = builder.build().map_err(|e| fail(&exe, e))?;
    Ok(Box::new(LaunchAtLogin { inner, exe }))
}

impl Autostart for LaunchAtLogin {
    fn is_enabled(&self) -> Result<bool, DesktopError> {
        self.inner.is_enabled().map_err(|e| fail(&self.exe, e))
    }

    fn set_enabled(&self, enabled: bool) -> Result<(), DesktopError> {
        let result = if enabled {
            self.inner.enable()
        } else {
            self.inner.disable()
        };
        result.map_err(|e| fail(&self.exe, e))
    }
}
