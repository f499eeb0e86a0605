//! macOS: an `NSStatusItem` through tray-icon. Not built or run here (the project's CI is
//! Linux); written against the crates' documented macOS APIs.
//!
//! Limits: the menu bar draws the title, so the counts go there and the icon is a monochrome
//! template (the system tints it for light and dark menu bars); the tray must be created after
//! the loop starts (`StartCause::Init`, which the shared code does everywhere); the `Accessory`
//! activation policy keeps agentbar out of the Dock; "Copy link" uses `pbcopy`; open at login is
//! a LaunchAgent through `auto-launch`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::tray::UiEvent;
use crate::tray::desktop::{Autostart, DesktopError};
use crate::tray::icon::IconStyle;

/// 18 pt at 2x: the menu bar's icon height on Retina displays.
pub const ICON_SIZE: u32 = 36;
pub const ICON_STYLE: IconStyle = IconStyle::Template;

pub fn tray_support() -> Result<(), String> {
    Ok(())
}

pub fn copy_text(text: &str) -> Result<(), DesktopError> {
    let fail = |e: std::io::Error| DesktopError::Clipboard(format!("pbcopy: {e}"));
    let mut child = Command::new("pbcopy")
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
    super::launch::autostart(exe, |builder| {
        builder.set_use_launch_agent(true);
    })
}

pub fn prepare_event_loop(event_loop: &mut tao::event_loop::EventLoop<UiEvent>) {
    use tao::platform::macos::{ActivationPolicy, EventLoopExtMacOS};
    event_loop.set_activation_policy(ActivationPolicy::Accessory);
}

pub fn prepare_tray(
    builder: tray_icon::TrayIconBuilder,
    _state_dir: &Path,
) -> tray_icon::TrayIconBuilder {
    builder.with_icon_as_template(true)
}
