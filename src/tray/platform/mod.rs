//! Platform specifics of the tray, one switch per concern: whether a tray can exist here, the
//! icon's size and style and how it is set, the clipboard, open-at-login and event-loop set-up.
//! Shared code calls only these names; each platform file says what it does on its system and
//! what is known not to work. Linux is built and tested here; macOS and Windows are
//! type-checked and clippy-checked by `scripts/cross-check.sh` (part of `scripts/test.sh`).
//!
//! Every platform module provides:
//! - `tray_support() -> Result<(), String>`: `Err` says in words why only headless can run;
//! - `ICON_SIZE`, `ICON_STYLE`: what the icon is rendered as;
//! - `copy_text(&str)`: the clipboard;
//! - `autostart(exe)`: the open-at-login registration;
//! - `prepare_event_loop(&mut EventLoop)`: anything the loop needs before it runs;
//! - `prepare_tray(TrayIconBuilder, state_dir)`: anything the tray icon needs when built;
//! - `with_icon(TrayIconBuilder, Icon)`, `set_icon(&TrayIcon, Icon)`: the first and each later
//!   icon (macOS draws them as templates; the others, below, as they are).

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::*;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
pub use macos::*;

#[cfg(target_os = "windows")]
mod windows;
#[cfg(target_os = "windows")]
pub use windows::*;

#[cfg(any(target_os = "macos", target_os = "windows"))]
mod shared;

/// The first icon, drawn as it is (colour, with the counts in it).
#[cfg(not(target_os = "macos"))]
pub fn with_icon(
    builder: tray_icon::TrayIconBuilder,
    icon: tray_icon::Icon,
) -> tray_icon::TrayIconBuilder {
    builder.with_icon(icon)
}

/// A new icon, drawn as it is.
#[cfg(not(target_os = "macos"))]
pub fn set_icon(tray: &tray_icon::TrayIcon, icon: tray_icon::Icon) -> tray_icon::Result<()> {
    tray.set_icon(Some(icon))
}

/// Whether Raycast is installed (it exists on macOS only), so "Continue…" can open its form.
pub fn raycast_installed() -> bool {
    if !cfg!(target_os = "macos") {
        return false;
    }
    let mut places = vec![std::path::PathBuf::from("/Applications/Raycast.app")];
    if let Some(home) = std::env::var_os("HOME") {
        places.push(std::path::Path::new(&home).join("Applications/Raycast.app"));
    }
    places.iter().any(|place| place.is_dir())
}
