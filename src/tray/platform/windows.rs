//! Windows: a notification-area icon through tray-icon and tao.
//!
//! What it does: the counts are drawn into the icon (running on blue, waiting on amber), since
//! Windows shows no text next to a notification-area icon and tray-icon's `set_title` does
//! nothing there; the tooltip says the same in words, kept within the 127 UTF-16 units
//! `NOTIFYICONDATAW.szTip` holds (the shared model clips it); "Copy link" runs `clip.exe`,
//! which reads its input in the console code page (links are ASCII); open at login is the
//! `Run` registry key through `auto-launch`, naming `agentbar-tray.exe` when it sits next to
//! this executable, so logging in opens no console window.
//!
//! The console: `agentbar.exe` is a console program, so `status`, `tasks`, `login` and the rest
//! behave as command-line programs should (the shell waits for them, Ctrl-C reaches them,
//! prompts and pipes work), and `agentbar run` from a terminal shows its log there.
//! `agentbar-tray.exe` (`src/bin/agentbar-tray.rs`) is a `windows`-subsystem launcher that
//! starts `agentbar run` without a console window, for the Start menu and the `Run` key. A
//! single binary with `windows_subsystem = "windows"` and `AttachConsole` for subcommands was
//! not chosen: shells do not wait for windows-subsystem programs, so `agentbar login` would
//! return the prompt while it still polls.
//!
//! Known limits: the icon is one colour image for light and dark taskbars; type-checked here by
//! `scripts/cross-check.sh` (`x86_64-pc-windows-msvc` and `-gnu`); never run on Windows by this
//! project's CI.

use std::path::{Path, PathBuf};

use crate::tray::UiEvent;
use crate::tray::desktop::{Autostart, DesktopError};
use crate::tray::icon::IconStyle;

/// Windows scales the icon to 16 px at 100 % and 32 px at 200 %; 32 keeps it sharp on both.
pub const ICON_SIZE: u32 = 32;
pub const ICON_STYLE: IconStyle = IconStyle::Color;

/// The console-less launcher's file name (`src/bin/agentbar-tray.rs`).
const TRAY_LAUNCHER: &str = "agentbar-tray.exe";

pub fn tray_support() -> Result<(), String> {
    Ok(())
}

pub fn copy_text(text: &str) -> Result<(), DesktopError> {
    super::shared::copy_with("clip", text)
}

/// Registers the console-less launcher when it is installed next to `exe`, else `exe` itself.
pub fn autostart(exe: PathBuf) -> Result<Box<dyn Autostart>, DesktopError> {
    let launcher = exe.with_file_name(TRAY_LAUNCHER);
    let target = if launcher.is_file() { launcher } else { exe };
    super::shared::autostart(target, |_| {})
}

pub fn prepare_event_loop(_event_loop: &mut tao::event_loop::EventLoop<UiEvent>) {}

pub fn prepare_tray(
    builder: tray_icon::TrayIconBuilder,
    _state_dir: &Path,
) -> tray_icon::TrayIconBuilder {
    builder
}
