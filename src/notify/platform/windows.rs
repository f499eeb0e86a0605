//! Windows: notify-rust's toast backend (tauri-winrt-notification), with the blocking notifier
//! shared with macOS (`blocking.rs`).
//!
//! What it does: shows the title and body as a toast; a click on the toast's body opens the
//! task's page. Focus assist applies as for any app.
//!
//! Known limits: without an AppUserModelID registered by an installer (a Start-menu shortcut
//! carrying it), toasts are attributed to "Windows PowerShell" and use its icon; a toast that
//! sits in the Action Center keeps its waiting thread until it is dismissed. Type-checked here
//! by `scripts/cross-check.sh`; nothing here has run on Windows in this project's CI.

pub use super::blocking::DesktopNotifier;
