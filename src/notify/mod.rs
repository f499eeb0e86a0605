//! Notifications (SPEC §2.2): state changes worth the user's attention become desktop
//! notifications, and a click opens the task.
//!
//! - [`format`]: transition → notification text, and the summary a burst becomes (pure);
//! - [`settings`]: toggles per kind, muted repositories, the pause, the burst window;
//! - [`ledger`]: what has been handled, on disk, so restarts neither repeat nor miss;
//! - [`announcer`]: the loop that reads published snapshots, coalesces bursts and shows them;
//! - [`platform`]: the desktop [`Notifier`] per OS behind one switch.

pub mod announcer;
pub mod format;
pub mod ledger;
pub mod platform;
pub mod settings;

use std::future::Future;
use std::sync::{Arc, Mutex};

pub use announcer::{Announcer, NotificationControl, control_channel};
pub use format::{Notice, NoticeKind, Notification};
pub use platform::DesktopNotifier;
pub use settings::NotificationSettings;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("the desktop did not take the notification: {0}")]
    Desktop(String),
}

/// Where notifications go: the desktop, or a record in tests.
pub trait Notifier: Send + Sync + 'static {
    /// Shows `notification`; returns once the desktop has it. A click on its body opens
    /// `notification.url` (where the platform reports clicks).
    fn show(
        &self,
        notification: &Notification,
    ) -> impl Future<Output = Result<(), NotifyError>> + Send;
}

/// Records every notification instead of showing it. Clones share the record.
#[derive(Clone, Debug, Default)]
pub struct RecordingNotifier {
    shown: Arc<Mutex<Vec<Notification>>>,
}

impl RecordingNotifier {
    /// Everything shown so far, oldest first.
    pub fn shown(&self) -> Vec<Notification> {
        self.shown.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Notifier for RecordingNotifier {
    async fn show(&self, notification: &Notification) -> Result<(), NotifyError> {
        if let Ok(mut shown) = self.shown.lock() {
            shown.push(notification.clone());
        }
        Ok(())
    }
}
