//! Windows: a notification-area icon through tray-icon. Not built or run here (the project's CI
//! is Linux); written against the crates' documented Windows APIs.
//!
//! Limits: `set_title` does nothing, so the counts are drawn into the icon; tooltips are cut at
//! 127 characters (the shared model keeps them shorter); "Copy link" uses `clip.exe`, which
//! reads the text in the console code page (links are ASCII); open at login is the `Run`
//! registry key through `auto-launch`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::tray::UiEvent;
use crate::tray::desktop::{Autostart, DesktopError};
use crate::tray::icon::IconStyle;

/// Windows scales the icon to 16 px at 100 % and 32 px at 200 %; 32 keeps it sharp on both.
pub const ICON_SIZE: u32 = 32;
pub const ICON_STYLE: IconStyle = IconStyle::Color;

pub fn tray_support() -> Result<(), String> {
    Ok(())
}

pub fn copy_text(text: &str) -> Result<(), DesktopError> {
    let fail = |e: std::io::Error| DesktopError::Clipboard(format!("clip.exe: {e}"));
    let mut child = Command::new("clip")
        .stdin(Stdio::piped())
        .spawn()
        .map_err(fail)?;
    if let Some(stdin) = child.stdin.as_mut() {
        stdin.write_all(text.as_bytes()).map_err(fail)?;
    }
    child.wait().map_err(fail)?;
    Ok(())
}

pub fn autostart(exe: PathBuf) -> Result<Box<dyn Autostart>, DesktopError> {
    super::launch::autostart(exe, |_| {})
}

pub fn prepare_event_loop(_event_loop: &mut tao::event_loop::EventLoop<UiEvent>) {}

pub fn prepare_tray(
    builder: tray_icon::TrayIconBuilder,
    _state_dir: &Path,
) -> tray_icon::TrayIconBuilder {
    builder
}
