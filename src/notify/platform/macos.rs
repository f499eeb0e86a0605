//! macOS: notify-rust's default backend (NSUserNotification through mac-notification-sys).
//!
//! Not verified on this machine (written against notify-rust 4.19's source). Limits: the
//! backend sends the notification from `wait_for_action`, which blocks until it is clicked or
//! closed and needs the main run loop running (tao provides it in tray mode; headless, clicks
//! may never arrive); an unbundled binary is attributed like Terminal unless
//! `set_application` names a bundle. The blocking wait runs on the runtime's blocking pool, so
//! it is not part of the shutdown sequence: `main` bounds the runtime's shutdown instead. The
//! system's Focus modes apply as for any app.

use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::notify::{Notification, Notifier, NotifyError};
use crate::open::UrlOpener;

#[derive(Clone)]
pub struct DesktopNotifier {
    opener: Arc<dyn UrlOpener>,
}

impl DesktopNotifier {
    pub fn new(
        opener: Arc<dyn UrlOpener>,
        _tracker: TaskTracker,
        _cancel: CancellationToken,
    ) -> DesktopNotifier {
        DesktopNotifier { opener }
    }
}

impl Notifier for DesktopNotifier {
    async fn show(&self, notification: &Notification) -> Result<(), NotifyError> {
        let mut native = notify_rust::Notification::new();
        native
            .appname(super::APP_NAME)
            .summary(&notification.title)
            .body(&notification.body);
        let handle = native
            .show()
            .map_err(|e| NotifyError::Desktop(e.to_string()))?;
        let (opener, url) = (self.opener.clone(), notification.url.clone());
        tokio::task::spawn_blocking(move || {
            handle.wait_for_action(|action| {
                if action == "default"
                    && let Err(e) = opener.open(&url)
                {
                    tracing::warn!(error = %e, "could not open the page");
                }
            });
        });
        Ok(())
    }
}
