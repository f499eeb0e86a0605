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

/// Hints (Linux) naming the kind and the tasks, so tools and tests can tell notifications
/// apart without parsing their text; notification servers ignore hints they do not know.
pub const KIND_HINT: &str = "x-agentbar-kind";
pub const TASKS_HINT: &str = "x-agentbar-tasks";

/// The value of [`KIND_HINT`]: the kind, or `summary` for a burst.
pub fn kind_hint(notification: &super::Notification) -> String {
    match (notification.summary, notification.kind) {
        (true, _) | (false, None) => "summary".to_owned(),
        (false, Some(kind)) => kind.as_str().to_owned(),
    }
}
