//! The announcer: reads every overview the poller publishes, diffs its snapshot against the
//! ledger of what was already handled, holds announceable notices for a short burst window,
//! and shows them as one notification each, or one summary for a burst.
//!
//! Each source counts from its own first success in this process (`last_success_at` of its
//! line in `Overview.sources`), so the snapshot loaded from disk is never mistaken for news, and
//! a source that starts later than another does not announce what it finds. A source the ledger
//! holds nothing of (first run, an unreadable ledger, an account or a local tool new since the
//! last run) is recorded silently at that moment: what is found at start-up is never announced. With one, a change that happened while agentbar was down is announced
//! once, and a change handled before the restart is not.
//!
//! Kill safety: a notice stays out of the ledger until its burst is flushed, and the ledger is
//! written (atomically, fsynced) *before* the notification is handed to the desktop. A kill while
//! a notice waits in the window loses nothing (the next start re-derives it from the ledger); a
//! kill (or a shutdown) after the write and before the D-Bus call, a window of microseconds,
//! loses that one notification rather than risking it twice.

use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::format::{Notice, NoticeKind, compose};
use super::ledger::{Ledger, LedgerStore};
use super::settings::{NotificationSettings, RuntimeSettings, SettingsStore, Verdict};
use super::{Notifier, NotifyError};
use crate::diff::changes;
use crate::model::{Overview, SourceId};
use std::collections::HashSet;

/// How long the desktop may take to accept a notification.
const SHOW_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What surfaces may change while running (through `Command::PauseNotifications`).
#[derive(Debug)]
pub enum Control {
    /// Announce nothing until then; `None` resumes.
    Pause { until: Option<DateTime<Utc>> },
}

/// The sending side of the announcer's control channel; the command loop holds it.
#[derive(Clone, Debug)]
pub struct NotificationControl(mpsc::Sender<Control>);

impl NotificationControl {
    pub async fn pause(&self, until: Option<DateTime<Utc>>) {
        // The announcer gone means shutdown is under way; nothing left to pause.
        let _ = self.0.send(Control::Pause { until }).await;
    }
}

/// The control channel of an announcer: the sender for the command loop, the receiver for
/// [`Announcer::run`].
pub fn control_channel() -> (NotificationControl, mpsc::Receiver<Control>) {
    let (tx, rx) = mpsc::channel(8);
    (NotificationControl(tx), rx)
}

pub struct Announcer<N> {
    notifier: N,
    /// As configured in `config.toml`, before run-time changes.
    configured: NotificationSettings,
    runtime: RuntimeSettings,
    settings: NotificationSettings,
    settings_store: SettingsStore,
    ledger: Option<Ledger>,
    ledger_store: LedgerStore,
    /// `{web}/copilot/agents`, what a summary opens.
    list_url: String,
    /// Notices waiting for the burst window to close, at most one per task.
    pending: Vec<Notice>,
    flush_at: Option<Instant>,
    /// Wall clock for the pause (an injected function so tests can pin it).
    now: fn() -> DateTime<Utc>,
    /// Whether a poll of this process has succeeded (logged once).
    armed: bool,
    /// The sources that have published a success in this process: only their tasks are news.
    armed_sources: HashSet<SourceId>,
    /// Whether a desktop failure was already logged as a warning (then only at debug).
    warned: bool,
}

impl<N: Notifier> Announcer<N> {
    /// Loads the ledger and the run-time settings from `state_dir`; problems are logged and
    /// mean "start without them".
    pub fn new(
        notifier: N,
        configured: NotificationSettings,
        state_dir: &std::path::Path,
        source: &str,
        default_source: &crate::model::SourceId,
        list_url: String,
    ) -> Announcer<N> {
        // A record from before task keys belongs to the one account there was.
        let ledger_store =
            LedgerStore::new(state_dir, source).with_legacy_source(default_source.clone());
        let loaded = ledger_store.load();
        if let Some(note) = &loaded.note {
            tracing::warn!("{note}; what is there at the first poll will not be announced");
        }
        let settings_store = SettingsStore::new(state_dir);
        let runtime = match settings_store.load() {
            Ok(Some(runtime)) => Some(runtime),
            Ok(None) => None,
            Err(note) => {
                tracing::warn!("{note}; using the configured notification settings");
                None
            }
        };
        let settings = match &runtime {
            Some(r) => r.apply(&configured),
            None => configured.clone(),
        };
        Announcer {
            notifier,
            runtime: runtime
                .unwrap_or_else(|| RuntimeSettings::paused(configured.paused_until, &configured)),
            configured,
            settings,
            settings_store,
            ledger: loaded.ledger,
            ledger_store,
            list_url,
            pending: Vec::new(),
            flush_at: None,
            now: Utc::now,
            armed: false,
            armed_sources: HashSet::new(),
            warned: false,
        }
    }

    /// Replaces the wall clock (tests).
    pub fn with_clock(mut self, now: fn() -> DateTime<Utc>) -> Announcer<N> {
        self.now = now;
        self
    }

    /// Runs until cancelled or until the poller drops the overview sender. Notices still in
    /// their burst window are left to the next start (they are not in the ledger yet).
    pub async fn run(
        mut self,
        mut overview: watch::Receiver<Arc<Overview>>,
        mut control: mpsc::Receiver<Control>,
        cancel: CancellationToken,
    ) {
        let current = overview.borrow_and_update().clone();
        self.observe(&current).await;
        loop {
            let flush_at = self.flush_at;
            tokio::select! {
                biased;
                () = cancel.cancelled() => return,
                changed = overview.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let current = overview.borrow_and_update().clone();
                    self.observe(&current).await;
                }
                Some(command) = control.recv() => self.apply(command).await,
                () = sleep_until(flush_at), if flush_at.is_some() => self.flush(&cancel).await,
            }
        }
    }

    async fn observe(&mut self, overview: &Overview) {
        if overview.health.last_success_at.is_none() {
            return;
        }
        let snapshot = &overview.snapshot;
        if !self.armed {
            self.armed = true;
            let since = if self.ledger.is_some() {
                "what changed since the last run is announced once"
            } else {
                "what is there now is not announced"
            };
            tracing::info!(tasks = snapshot.tasks.len(), "notifications armed; {since}");
        }
        // Each source counts from its own first success in this process: sources start at
        // different speeds, and one that publishes later must not have what it finds at start-up
        // taken for news. A source the ledger holds nothing of (a first run, an unreadable
        // ledger, an account or a local tool new since the last run) is recorded silently then.
        let empty = Ledger::default();
        let ledger = self.ledger.as_ref().unwrap_or(&empty);
        let mut silent: HashSet<&SourceId> = HashSet::new();
        for source in &overview.sources {
            if source.health.last_success_at.is_some()
                && self.armed_sources.insert(source.id.clone())
            {
                let prefix = format!("{}:", source.id);
                if !ledger.handled.keys().any(|key| key.starts_with(&prefix)) {
                    silent.insert(&source.id);
                }
            }
        }
        let armed = &self.armed_sources;
        let now = (self.now)();
        let mut transitions = changes(|task| ledger.handled.get(&task.key().to_string()), snapshot);
        transitions.retain(|t| armed.contains(&t.task.source) && !silent.contains(&t.task.source));
        // A notice whose moment has passed (the task moved on within the window) is dropped.
        self.pending.retain(|n| {
            snapshot
                .task(&n.transition.task.key().to_string())
                .is_some_and(|t| t.state.bucket() == n.transition.to.bucket())
        });
        for transition in transitions {
            let Some(kind) = NoticeKind::of(&transition) else {
                continue;
            };
            match self.settings.verdict(kind, &transition.task, now) {
                Verdict::Announce => {
                    self.pending
                        .retain(|n| n.transition.task.key() != transition.task.key());
                    self.pending.push(Notice { kind, transition });
                }
                verdict => tracing::debug!(
                    task = %transition.task.key(),
                    kind = kind.as_str(),
                    ?verdict,
                    "not announced"
                ),
            }
        }
        // Everything in the snapshot is handled except what waits in the window, which keeps
        // its old entry (or none) so a restart re-derives it.
        let mut handled: std::collections::BTreeMap<_, _> = snapshot
            .tasks
            .iter()
            .map(|t| (t.key().to_string(), t.state.clone()))
            .collect();
        // Likewise the tasks of a source not armed yet (those of the saved snapshot).
        let unarmed = snapshot
            .tasks
            .iter()
            .filter(|t| !armed.contains(&t.source))
            .map(|t| t.key().to_string());
        let waiting = self
            .pending
            .iter()
            .map(|n| n.transition.task.key().to_string());
        for key in unarmed.chain(waiting) {
            match ledger.handled.get(&key) {
                Some(before) => handled.insert(key, before.clone()),
                None => handled.remove(&key),
            };
        }
        if self.ledger.is_none() || handled != ledger.handled {
            self.ledger = Some(Ledger { handled });
            self.save_ledger().await;
        }
        if !self.pending.is_empty() && self.flush_at.is_none() {
            self.flush_at = Some(Instant::now() + self.settings.burst_window);
        }
    }

    async fn flush(&mut self, cancel: &CancellationToken) {
        self.flush_at = None;
        let now = (self.now)();
        let mut notices = std::mem::take(&mut self.pending);
        if let Some(ledger) = &mut self.ledger {
            for notice in &notices {
                ledger.handled.insert(
                    notice.transition.task.key().to_string(),
                    notice.transition.to.clone(),
                );
            }
        }
        // Settings may have changed while the notices waited (a pause from the tray).
        notices.retain(|n| {
            self.settings.verdict(n.kind, &n.transition.task, now) == Verdict::Announce
        });
        // Written before the desktop sees anything: see the module comment.
        self.save_ledger().await;
        let Some(notification) = compose(&notices, &self.list_url) else {
            return;
        };
        // Which task reached which state, and when it changed upstream (a follow-up reaches the
        // same state again later): enough to prove from the log that nothing is announced twice.
        // Task ids and states are not secrets.
        let announced: Vec<String> = notices
            .iter()
            .map(|n| {
                format!(
                    "{}={}@{}",
                    n.transition.task.key(),
                    n.transition.to.as_str(),
                    n.transition.task.updated_at.timestamp()
                )
            })
            .collect();
        tracing::info!(
            title = %notification.title,
            tasks = notification.task_keys.len(),
            announced = %announced.join(","),
            "announcing"
        );
        // Bounded, and abandoned on shutdown: a notification server that never answers must
        // hold neither the next announcements nor the shutdown sequence.
        let shown = tokio::select! {
            () = cancel.cancelled() => return,
            shown = tokio::time::timeout(SHOW_TIMEOUT, self.notifier.show(&notification)) => shown,
        };
        match shown {
            Ok(Ok(())) => {}
            Ok(Err(e)) => self.report(e),
            Err(_) => self.report(NotifyError::Desktop(format!(
                "no answer within {} s",
                SHOW_TIMEOUT.as_secs()
            ))),
        }
    }

    async fn apply(&mut self, command: Control) {
        match command {
            Control::Pause { until } => {
                match until {
                    Some(until) => tracing::info!(until = %until, "notifications paused"),
                    None => tracing::info!("notifications resumed"),
                }
                self.runtime = RuntimeSettings::paused(until, &self.configured);
                self.settings = self.runtime.apply(&self.configured);
                let (store, runtime) = (self.settings_store.clone(), self.runtime.clone());
                match tokio::task::spawn_blocking(move || store.save(&runtime)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::error!(error = %e, "could not save the pause"),
                    Err(e) => tracing::error!(error = %e, "saving the pause panicked"),
                }
            }
        }
    }

    async fn save_ledger(&self) {
        let Some(ledger) = self.ledger.clone() else {
            return;
        };
        let (store, now) = (self.ledger_store.clone(), (self.now)());
        match tokio::task::spawn_blocking(move || store.save(&ledger, now)).await {
            Ok(Ok(())) => {}
            // Kept in memory; only a restart before the next successful save could repeat.
            Ok(Err(e)) => tracing::error!(error = %e, "could not save what was announced"),
            Err(e) => tracing::error!(error = %e, "saving what was announced panicked"),
        }
    }

    fn report(&mut self, error: NotifyError) {
        if self.warned {
            tracing::debug!(error = %error, "notification not shown");
        } else {
            self.warned = true;
            tracing::warn!(error = %error, "notification not shown (further failures at debug level)");
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{now, task};
    use crate::model::{Health, Snapshot, SourceStatus, Task};
    use crate::notify::RecordingNotifier;
    use chrono::TimeDelta;
    use std::time::Duration;

    const LIST: &str = "https://github.com/copilot/agents";

    /// An overview as the poller publishes it; `polled` says a poll of this process succeeded.
    fn overview(tasks: Vec<Task>, polled: bool) -> Arc<Overview> {
        let mut health = Health::starting();
        if polled {
            health.succeeded(now());
        }
        // One source line per source the tasks name, as the merge publishes them.
        let mut ids: Vec<SourceId> = tasks.iter().map(|t| t.source.clone()).collect();
        ids.sort();
        ids.dedup();
        let sources = ids
            .into_iter()
            .map(|id| SourceStatus {
                kind: "github".into(),
                name: id.to_string(),
                id,
                health: health.clone(),
                tasks: 0,
            })
            .collect();
        Arc::new(Overview {
            snapshot: Snapshot::new(tasks, now()),
            health,
            sources,
        })
    }

    fn in_repo(mut t: Task, repository: &str) -> Task {
        t.repository = Some(repository.into());
        t
    }

    struct Running {
        overview: watch::Sender<Arc<Overview>>,
        control: NotificationControl,
        cancel: CancellationToken,
        task: tokio::task::JoinHandle<()>,
    }

    impl Running {
        async fn publish(&self, tasks: Vec<Task>) {
            self.overview.send_replace(overview(tasks, true));
            // Let the announcer see it (and write its ledger) before time moves on.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        async fn stop(self) {
            self.cancel.cancel();
            self.task.await.unwrap();
        }
    }

    fn start(
        dir: &std::path::Path,
        settings: NotificationSettings,
        notifier: &RecordingNotifier,
        on_disk: Vec<Task>,
    ) -> Running {
        let announcer = Announcer::new(
            notifier.clone(),
            settings,
            dir,
            "demo",
            &crate::model::SourceId::default(),
            LIST.into(),
        )
        .with_clock(now);
        let (overview_tx, overview_rx) = watch::channel(overview(on_disk, false));
        let (control, control_rx) = control_channel();
        let cancel = CancellationToken::new();
        let task = tokio::spawn(announcer.run(overview_rx, control_rx, cancel.clone()));
        Running {
            overview: overview_tx,
            control,
            cancel,
            task,
        }
    }

    fn titles(notifier: &RecordingNotifier) -> Vec<String> {
        notifier.shown().into_iter().map(|n| n.title).collect()
    }

    /// The state directory as the release before task keys left it (`agentbar demo`, stopped
    /// cleanly): snapshot and ledger in format version 1, tasks under bare ids.
    fn release_v1_state(dir: &std::path::Path) {
        let fixtures =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/state-v1");
        for name in ["snapshot.json", "notifications.json"] {
            std::fs::copy(fixtures.join(name), dir.join(name)).unwrap();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn state_from_the_release_before_task_keys_loses_nothing_and_repeats_nothing() {
        let dir = tempfile::tempdir().unwrap();
        release_v1_state(dir.path());
        let demo = crate::model::SourceId::github("demo");
        let stored = crate::store::SnapshotStore::new(dir.path())
            .load_for("demo")
            .stored
            .unwrap();
        assert_eq!(stored.version, 1);
        let tasks = stored.tasks_of(&demo, &demo);
        // Nothing lost: every record of the file, each now the default account's.
        let raw: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("snapshot.json")).unwrap())
                .unwrap();
        assert_eq!(tasks.len(), raw["tasks"].as_array().unwrap().len());
        assert!(tasks.len() > 10 && tasks.iter().all(|t| t.source == demo));
        let ledger = LedgerStore::new(dir.path(), "demo")
            .with_legacy_source(demo.clone())
            .load()
            .ledger
            .unwrap();
        for task in &tasks {
            assert_eq!(
                ledger.handled.get(&task.key().to_string()),
                Some(&task.state),
                "{} is in the ledger under its key",
                task.key()
            );
        }

        // Nothing announced twice: the loaded list, then the first poll finding it unchanged.
        let shown = RecordingNotifier::default();
        let announcer = Announcer::new(
            shown.clone(),
            NotificationSettings::default(),
            dir.path(),
            "demo",
            &demo,
            LIST.into(),
        )
        .with_clock(now);
        let (overview_tx, overview_rx) = watch::channel(overview(tasks.clone(), false));
        let (_control, control_rx) = control_channel();
        let cancel = CancellationToken::new();
        let running = tokio::spawn(announcer.run(overview_rx, control_rx, cancel.clone()));
        overview_tx.send_replace(overview(tasks.clone(), true));
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert!(shown.shown().is_empty(), "{:?}", titles(&shown));

        // A real change after the upgrade is still announced, once.
        let mut moved = tasks.clone();
        let running_task = moved
            .iter_mut()
            .find(|t| t.bucket() == crate::model::Bucket::Running)
            .unwrap();
        running_task.state = crate::model::State::parse("waiting_for_user");
        let title = running_task.title.clone();
        overview_tx.send_replace(overview(moved, true));
        tokio::time::sleep(Duration::from_secs(30)).await;
        let notices = shown.shown();
        assert_eq!(notices.len(), 1, "{:?}", titles(&shown));
        let notice = &notices[0];
        assert!(
            notice.title.contains(&title) || notice.body.contains(&title),
            "{notice:?}"
        );
        cancel.cancel();
        running.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_source_that_starts_later_is_silent_about_what_it_finds_then() {
        let dir = tempfile::tempdir().unwrap();
        let shown = RecordingNotifier::default();
        let local = |id: &str, state: &str| {
            let mut t = task(id, state, 1);
            t.source = SourceId::new("claude-code").unwrap();
            t
        };
        let run = start(dir.path(), NotificationSettings::default(), &shown, vec![]);
        run.publish(vec![task("a", "in_progress", 1)]).await;
        // The local source's first scan arrives after the account's first poll.
        run.publish(vec![task("a", "in_progress", 1), local("s1", "failed")])
            .await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(shown.shown().is_empty(), "{:?}", titles(&shown));
        // From then on its changes are news like any other.
        run.publish(vec![
            task("a", "in_progress", 1),
            local("s1", "failed"),
            local("s2", "waiting_for_user"),
        ])
        .await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(shown.shown().len(), 1);
        assert_eq!(shown.shown()[0].task_keys, ["claude-code:s2"]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_start_up_state_is_silent_and_a_burst_becomes_one_summary() {
        let dir = tempfile::tempdir().unwrap();
        let shown = RecordingNotifier::default();
        let start_up = vec![
            task("a", "waiting_for_user", 1),
            task("b", "in_progress", 1),
        ];
        let run = start(
            dir.path(),
            NotificationSettings::default(),
            &shown,
            start_up.clone(),
        );
        // The disk snapshot, then the first poll: both are what is "found at start-up".
        run.publish(start_up).await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(shown.shown().is_empty());

        // Three tasks need the user within the window: one summary, after the window.
        run.publish(vec![
            task("a", "waiting_for_user", 1),
            task("b", "waiting_for_user", 1),
        ])
        .await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        run.publish(vec![
            task("a", "waiting_for_user", 1),
            task("b", "waiting_for_user", 1),
            task("c", "idle", 1),
            task("d", "waiting_for_user", 1),
        ])
        .await;
        assert!(shown.shown().is_empty(), "held for the burst window");
        tokio::time::sleep(Duration::from_millis(600)).await;
        let summary = shown.shown();
        assert_eq!(titles(&shown), ["3 tasks need you"]);
        assert_eq!(summary[0].url, LIST);
        assert_eq!(
            summary[0].task_keys,
            ["gh:default:b", "gh:default:c", "gh:default:d"]
        );

        // A lone change later is its own notification, opening the task.
        run.publish(vec![
            task("a", "completed", 1),
            task("b", "waiting_for_user", 1),
            task("c", "idle", 1),
            task("d", "waiting_for_user", 1),
        ])
        .await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let all = shown.shown();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].title, "Ready for review");
        assert_eq!(all[1].url, "https://github.com/acme/api/tasks/a");
        run.stop().await;
    }

    #[tokio::test(start_paused = true)]
    async fn muted_repositories_and_a_pause_announce_nothing_and_resuming_does() {
        let dir = tempfile::tempdir().unwrap();
        let shown = RecordingNotifier::default();
        let settings = NotificationSettings {
            muted_repositories: vec!["acme/noisy".into()],
            ..NotificationSettings::default()
        };
        let noisy = |state| in_repo(task("n", state, 1), "acme/noisy");
        let run = start(dir.path(), settings, &shown, Vec::new());
        run.publish(vec![noisy("in_progress"), task("q", "in_progress", 1)])
            .await;

        run.publish(vec![noisy("failed"), task("q", "in_progress", 1)])
            .await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(
            shown.shown().is_empty(),
            "a muted repository is never announced"
        );

        run.control.pause(Some(now() + TimeDelta::hours(1))).await;
        run.publish(vec![noisy("failed"), task("q", "waiting_for_user", 1)])
            .await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(shown.shown().is_empty(), "paused");
        let saved = SettingsStore::new(dir.path()).load().unwrap().unwrap();
        assert_eq!(saved.paused_until, Some(now() + TimeDelta::hours(1)));

        run.control.pause(None).await;
        tokio::time::sleep(Duration::from_millis(10)).await;
        run.publish(vec![noisy("failed"), task("q", "failed", 1)])
            .await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(
            titles(&shown),
            ["Copilot failed"],
            "what happened during the pause stays unannounced; what follows is announced"
        );
        run.stop().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_restart_repeats_nothing_and_misses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let first = RecordingNotifier::default();
        let run = start(
            dir.path(),
            NotificationSettings::default(),
            &first,
            Vec::new(),
        );
        run.publish(vec![
            task("a", "in_progress", 1),
            task("b", "in_progress", 1),
        ])
        .await;
        run.publish(vec![
            task("a", "waiting_for_user", 1),
            task("b", "in_progress", 1),
        ])
        .await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(titles(&first), ["Copilot needs your input"]);
        // b completes, and the process dies inside the burst window: not announced yet.
        run.publish(vec![
            task("a", "waiting_for_user", 1),
            task("b", "completed", 1),
        ])
        .await;
        run.stop().await;
        assert_eq!(first.shown().len(), 1);

        // The next start: b's completion is still owed; a's state was already announced, and c
        // failed while agentbar was down.
        let second = RecordingNotifier::default();
        let now_upstream = vec![
            task("a", "waiting_for_user", 1),
            task("b", "completed", 1),
            task("c", "failed", 1),
        ];
        let run = start(
            dir.path(),
            NotificationSettings::default(),
            &second,
            vec![task("a", "waiting_for_user", 1), task("b", "completed", 1)],
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert!(second.shown().is_empty(), "the disk snapshot is not news");
        run.publish(now_upstream.clone()).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let shown = second.shown();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].title, "2 Copilot task updates");
        let mut ids = shown[0].task_keys.clone();
        ids.sort();
        assert_eq!(ids, ["gh:default:b", "gh:default:c"]);
        run.stop().await;

        // And once more: everything is handled, so nothing at all.
        let third = RecordingNotifier::default();
        let run = start(
            dir.path(),
            NotificationSettings::default(),
            &third,
            now_upstream.clone(),
        );
        run.publish(now_upstream).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(third.shown().is_empty());
        run.stop().await;
    }
}
