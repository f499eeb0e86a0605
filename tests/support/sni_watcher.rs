//! A StatusNotifierWatcher stand-in (zbus): the part of the protocol a tray item talks to, so a
//! tray can run on a bare session bus with no panel. Owning `org.kde.StatusNotifierWatcher` is
//! what makes appindicator register over StatusNotifierItem. Shared by `tests/tray.rs` and the
//! benchmarks' probe (`bench/probe.rs`), each including this file with `#[path]`.

use std::sync::{Arc, Mutex};
use zbus::object_server::SignalEmitter;

pub const WATCHER: &str = "org.kde.StatusNotifierWatcher";
pub const WATCHER_PATH: &str = "/StatusNotifierWatcher";

/// Told of each new item: the registering connection's unique name, then the item's bus name
/// and object path.
pub type OnRegister = Box<dyn Fn(&str, &str, &str) + Send + Sync>;

/// Records registrations (`bus name + object path`, once each, as real watchers keep them).
pub struct Watcher {
    pub items: Arc<Mutex<Vec<String>>>,
    pub on_register: Option<OnRegister>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    async fn register_status_notifier_item(
        &self,
        service: &str,
        #[zbus(header)] header: zbus::message::Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        // appindicator registers its object path; others register a bus name.
        let (name, path) = if service.starts_with('/') {
            (sender.clone(), service.to_owned())
        } else {
            (service.to_owned(), "/StatusNotifierItem".to_owned())
        };
        let item = format!("{name}{path}");
        // appindicator registers again on changes; a real watcher keeps one entry per item.
        let fresh = match self.items.lock() {
            Ok(mut items) if !items.contains(&item) => {
                items.push(item.clone());
                true
            }
            _ => false,
        };
        if fresh && let Some(on_register) = &self.on_register {
            on_register(&sender, &name, &path);
        }
        let _ = Self::status_notifier_item_registered(&emitter, &item).await;
    }

    async fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    async fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.lock().map(|i| i.clone()).unwrap_or_default()
    }

    #[zbus(property)]
    async fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    async fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(signal)]
    async fn status_notifier_item_registered(
        emitter: &SignalEmitter<'_>,
        service: &str,
    ) -> zbus::Result<()>;
}
