//! macOS: notify-rust's default backend, `NSUserNotificationCenter` through mac-notification-sys,
//! with the blocking notifier shared with Windows (`blocking.rs`).
//!
//! What it does: shows the title and body; a click on the body opens the task's page. The
//! system's Focus modes apply as for any app.
//!
//! Known not to work, or not everywhere: `NSUserNotificationCenter` is deprecated since
//! macOS 11; clicks reach the app only while the main run loop runs (tao runs it in tray mode;
//! headless, notifications show but clicks may never arrive), and reliable clicks on current
//! macOS need `UNUserNotificationCenter` (notify-rust's `preview-macos-un`), which works only
//! inside a signed app bundle. An unbundled binary's notifications are attributed like
//! Terminal's; inside `agentbar.app` (`scripts/macos-bundle.sh`) they carry its name and icon.
//! The backend's Objective-C shim needs Apple's SDK, so `scripts/cross-check.sh` type-checks
//! this code without compiling that shim; nothing here has run on a Mac in this project's CI.

pub use super::blocking::DesktopNotifier;
