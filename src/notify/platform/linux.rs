//! Linux (and other freedesktop systems): notify-rust over D-Bus `org.freedesktop.Notifications`,
//! with a body click (the `default` action) opening the task's page. Built and tested here:
//! `tests/notifications.rs` runs the real demo against a fake notification server.
//!
//! notify-rust's blocking `show`/`wait_for_action` would hold a runtime worker (and, waiting,
//! a whole thread until the notification closes, which outlives a quick quit). Its async
//! `show_async`/`wait_for_action_async` run on zbus's own executor thread and can be awaited
//! here; each wait is a task on the core's tracker that ends on cancellation, so shutdown never
//! waits for a notification the user has not closed. notify-rust matches `ActionInvoked` by
//! notification id only, not by sender (which is how the D-Bus test simulates a click). The
//! server applies the desktop's do-not-disturb mode itself.

use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::APP_NAME;
use crate::notify::{Notification, Notifier, NotifyError};
use crate::open::UrlOpener;

/// Hints naming the kind and the tasks, so tools and tests can tell notifications apart without
/// parsing their text; notification servers ignore hints they do not know.
pub const KIND_HINT: &str = "x-agentbar-kind";
pub const TASKS_HINT: &str = "x-agentbar-tasks";

/// The value of [`KIND_HINT`]: the kind, or `summary` for a burst.
fn kind_hint(notification: &Notification) -> String {
    match (notification.summary, notification.kind) {
        (true, _) | (false, None) => "summary".to_owned(),
        (false, Some(kind)) => kind.as_str().to_owned(),
    }
}

/// Shows notifications on the session bus; clicks open their URL.
#[derive(Clone)]
pub struct DesktopNotifier {
    opener: Arc<dyn UrlOpener>,
    /// The core's tracker and token: each click wait is one of its tasks and ends on shutdown.
    tracker: TaskTracker,
    cancel: CancellationToken,
}

impl DesktopNotifier {
    pub fn new(
        opener: Arc<dyn UrlOpener>,
        tracker: TaskTracker,
        cancel: CancellationToken,
    ) -> DesktopNotifier {
        DesktopNotifier {
            opener,
            tracker,
            cancel,
        }
    }
}

impl Notifier for DesktopNotifier {
    async fn show(&self, notification: &Notification) -> Result<(), NotifyError> {
        let mut native = notify_rust::Notification::new();
        native
            .appname(APP_NAME)
            .summary(&notification.title)
            .body(&escape_markup(&notification.body))
            .action("default", "Open")
            .hint(notify_rust::Hint::Custom(
                KIND_HINT.into(),
                kind_hint(notification),
            ))
            .hint(notify_rust::Hint::Custom(
                TASKS_HINT.into(),
                notification.task_keys.join(","),
            ));
        let handle = native
            .show_async()
            .await
            .map_err(|e| NotifyError::Desktop(e.to_string()))?;
        let (opener, url, cancel) = (
            self.opener.clone(),
            notification.url.clone(),
            self.cancel.clone(),
        );
        self.tracker.spawn(async move {
            let mut clicked = false;
            tokio::select! {
                () = cancel.cancelled() => {}
                () = handle.wait_for_action_async(|response| {
                    clicked = matches!(response, notify_rust::NotificationResponse::Default);
                }) => {}
            }
            if clicked {
                tracing::info!(url = %url, "notification clicked; opening");
                // The launcher is a child process; keep its start off the async workers.
                let opened = tokio::task::spawn_blocking(move || opener.open(&url)).await;
                match opened {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "could not open the page"),
                    Err(e) => tracing::warn!(error = %e, "the URL opener panicked"),
                }
            }
        });
        Ok(())
    }
}

/// Servers that advertise `body-markup` (GNOME, KDE, dunst, xfce4-notifyd all do) parse the body
/// as a small subset of HTML, so a title like "Fix A & B" would break it; servers without it are
/// rare enough that a stray entity there is the lesser evil.
fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn bodies_are_escaped_for_markup_servers() {
        assert_eq!(super::escape_markup("Fix <A> & B"), "Fix &lt;A&gt; &amp; B");
    }
}
