//! Platform specifics of the tray, one switch per concern: whether a tray can exist here, the
//! icon's size and style, the clipboard, open-at-login and event-loop set-up. Shared code calls
//! only these names; each platform file documents its limits.
//!
//! Every platform module provides:
//! - `tray_support() -> Result<(), String>`: `Err` says in words why only headless can run;
//! - `ICON_SIZE`, `ICON_STYLE`: what the icon is rendered as;
//! - `copy_text(&str)`: the clipboard;
//! - `autostart(exe)`: the open-at-login registration;
//! - `prepare_event_loop(&mut EventLoop)`: anything the loop needs before it runs;
//! - `prepare_tray(TrayIconBuilder, state_dir)`: anything the tray icon needs when built.

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
mod launch;
