//! The desktop notifier, one file per OS behind this one switch. Each shows a notification
//! whose body click opens the notification's URL through a [`UrlOpener`](crate::open::UrlOpener),
//! and says in its doc comment what works on its system and what does not. macOS and Windows
//! share `blocking.rs` (notify-rust blocks there); Linux is asynchronous over D-Bus.

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

#[cfg(any(target_os = "macos", windows))]
mod blocking;

/// The application name the desktop attributes notifications to.
pub const APP_NAME: &str = "agentbar";
