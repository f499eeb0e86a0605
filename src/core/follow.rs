//! The signal that a client is reading a log: the poller polls fast while it is recent, so a
//! followed task's state (and so its log's end) is fresh. Touched by the API, read by sources;
//! one per source, so following one account's task never speeds up another account's polling.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::model::SourceId;

/// When a client last read a log (Unix milliseconds): the poller polls fast while this is
/// recent, so a followed task's state (and so `done`) is fresh. Shared with the sources' poll loops.
#[derive(Clone, Debug, Default)]
pub struct FollowSignal(Arc<AtomicI64>);

impl FollowSignal {
    pub fn touch(&self) {
        self.0
            .store(chrono::Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// Whether a client read a log within the last `window`.
    pub fn recent(&self, window: std::time::Duration) -> bool {
        let last = self.0.load(Ordering::Relaxed);
        let age = chrono::Utc::now().timestamp_millis().saturating_sub(last);
        last > 0 && u128::try_from(age).unwrap_or(0) <= window.as_millis()
    }
}

/// Each polling source's own [`FollowSignal`], by source id; a source without one (a local
/// source, which watches files) is never touched.
#[derive(Clone, Debug, Default)]
pub struct FollowSignals(Arc<HashMap<SourceId, FollowSignal>>);

impl FollowSignals {
    pub fn new(signals: impl IntoIterator<Item = (SourceId, FollowSignal)>) -> FollowSignals {
        FollowSignals(Arc::new(signals.into_iter().collect()))
    }

    /// A client reads a log of `source`'s.
    pub fn touch(&self, source: &SourceId) {
        if let Some(signal) = self.0.get(source) {
            signal.touch();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follow_touches_only_its_own_source() {
        let (work, home) = (FollowSignal::default(), FollowSignal::default());
        let signals = FollowSignals::new([
            (SourceId::github("work"), work.clone()),
            (SourceId::github("home"), home.clone()),
        ]);
        signals.touch(&SourceId::github("work"));
        signals.touch(&SourceId::github("nobody"));
        let window = std::time::Duration::from_secs(30);
        assert!(work.recent(window));
        assert!(!home.recent(window));
    }

    #[test]
    fn the_follow_signal_is_recent_only_after_a_read() {
        let signal = FollowSignal::default();
        assert!(!signal.recent(std::time::Duration::from_secs(30)));
        signal.touch();
        assert!(signal.recent(std::time::Duration::from_secs(30)));
    }
}
