//! Open at login through the `auto-launch` crate, shared by macOS (a LaunchAgent) and Windows
//! (the `Run` registry key). Not built here (Linux CI); Linux writes its own XDG entry.

use std::path::PathBuf;

use auto_launch::{AutoLaunch, AutoLaunchBuilder};

use crate::tray::desktop::{Autostart, DesktopError};

struct LaunchAtLogin {
    inner: AutoLaunch,
    exe: PathBuf,
}

fn fail(exe: &std::path::Path, e: impl std::fmt::Display) -> DesktopError {
    DesktopError::Autostart {
        path: exe.to_owned(),
        message: e.to_string(),
    }
}

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
