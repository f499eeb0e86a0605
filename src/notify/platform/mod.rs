//! The desktop notifier, one file per OS behind this one switch. Each shows a notification
//! with a body-click ("default") action that opens the notification's URL through a
//! [`UrlOpener`](crate::open::UrlOpener).

#[cfg(all(unix, not(target_os = "macos")))]
mod linux;
#[cfg(all(unix, not(target_os = "macos")))]
pub use linux::DesktopNotifier;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
pub use macos::DesktopNotifier;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::DesktopNotifier;

/// The application name the desktop attributes notifications to.
pub const APP_NAME: &str = "agentbar";
