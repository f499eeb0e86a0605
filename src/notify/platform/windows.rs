//! Windows: notify-rust's toast backend (tauri-winrt-notification).
//!
//! Not verified on this machine (written against notify-rust 4.19's source). Limits: without an
//! app id registered by an installer, toasts are attributed to "Windows PowerShell"; clicks come
//! back through `wait_for_action`, which blocks, so it runs on the runtime's blocking pool and is
//! not part of the shutdown sequence (`main` bounds the runtime's shutdown instead). Focus
//! assist applies as for any app.

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
        let (opener, url) = (self.opener.clone(), notification.url.clone());
        // `show` and the wait for a click both block; the toast's failure is only logged, as
        // the caller has moved on by then.
        tokio::task::spawn_blocking(move || match native.show() {
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "default"
                    && let Err(e) = opener.open(&url)
                {
                    tracing::warn!(error = %e, "could not open the page");
                }
            }),
            Err(e) => tracing::warn!(error = %e, "the toast could not be shown"),
        });
        Ok(())
    }
}
