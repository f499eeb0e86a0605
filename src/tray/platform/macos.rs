//! macOS: a menu-bar item (`NSStatusItem`) through tray-icon and tao.
//!
//! What it does: the counts are the menu-bar title next to a monochrome *template* icon, which
//! the system tints for light and dark menu bars (tray-icon 0.26 drops the template flag on a
//! plain `set_icon`, so every icon change goes through [`set_icon`] here); the `Accessory`
//! activation policy keeps agentbar out of the Dock and the app switcher (the bundle's
//! `LSUIElement` does the same before the first line runs, see `scripts/macos-bundle.sh`);
//! the tooltip shows the status in words; "Copy link" runs `pbcopy`; open at login is a
//! LaunchAgent through `auto-launch` naming this executable.
//!
//! Known limits: the status item must be created after the loop starts (`StartCause::Init`,
//! which the shared code does on every system); a LaunchAgent names the binary's path, so moving
//! the app or the binary breaks it until "Open at login" is ticked again. Type-checked here by
//! `scripts/cross-check.sh` (both `aarch64-apple-darwin` and `x86_64-apple-darwin`); never run
//! on a Mac by this project's CI.

use std::path::{Path, PathBuf};

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
    super::shared::copy_with("pbcopy", text)
}

pub fn autostart(exe: PathBuf) -> Result<Box<dyn Autostart>, DesktopError> {
    super::shared::autostart(exe, |builder| {
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
    builder
}

/// The first icon, drawn as a template.
pub fn with_icon(
    builder: tray_icon::TrayIconBuilder,
    icon: tray_icon::Icon,
) -> tray_icon::TrayIconBuilder {
    builder.with_icon_templated(icon)
}

/// A new icon, still drawn as a template.
pub fn set_icon(tray: &tray_icon::TrayIcon, icon: tray_icon::Icon) -> tray_icon::Result<()> {
    tray.set_icon_templated(Some(icon))
}
