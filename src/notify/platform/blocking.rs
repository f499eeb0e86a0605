//! The notifier shared by macOS and Windows, where notify-rust's API blocks: showing (Windows)
//! and waiting for the click (both) run on the runtime's blocking pool, one thread per
//! notification until it is clicked or closed. That wait is not part of the shutdown sequence
//! (`main` bounds the runtime's shutdown instead), and a failure there can only be logged, as
//! the caller has moved on by then.
//!
//! Clicks are read with `wait_for_response`, whose `NotificationResponse::Default` is a click on
//! the notification's body on both systems; `wait_for_action` reports that click as "default" on
//! macOS but as "__closed" on Windows (notify-rust 4.19), so it would never open anything there.

use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::notify::{Notification, Notifier, NotifyError};
use crate::open::UrlOpener;

/// Shows notifications; a click on one opens its URL.
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
        let (opener, url) = (self.opener.clone(), notification.url.clone());
        tokio::task::spawn_blocking(move || {
            let handle = match native.show() {
                Ok(handle) => handle,
                Err(e) => {
                    tracing::warn!(error = %e, "the notification could not be shown");
                    return;
                }
            };
            let waited =
                handle.wait_for_response(|response: &notify_rust::NotificationResponse| {
                    if matches!(response, notify_rust::NotificationResponse::Default) {
                        tracing::info!(url = %url, "notification clicked; opening");
                        if let Err(e) = opener.open(&url) {
                            tracing::warn!(error = %e, "could not open the page");
                        }
                    }
                });
            if let Err(e) = waited {
                tracing::warn!(error = %e, "no answer from the notification");
            }
        });
        Ok(())
    }
}
