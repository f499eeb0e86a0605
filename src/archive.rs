//! agentbar's own archive: tasks the user put away, kept out of the list, the counts, cc.xml and
//! the tray until they change state again. It is not GitHub's `archived_at`, and archiving
//! deletes nothing upstream.
//!
//! - [`Archive`] (pure): task key → the state the task was archived in. A task is archived
//!   while its state is still that one; a task that moves on (a follow-up starts it running)
//!   is back in the list, and its entry is dropped at the next reconciliation. Entries of
//!   tasks no longer listed upstream are dropped too, and the archive never holds more than
//!   [`MAX_ENTRIES`] (the oldest go first).
//! - [`ArchiveStore`]: `archive.json` in the state directory, written atomically (0600); an
//!   unreadable file is set aside (`archive.json.unreadable`), never overwritten.
//! - [`ArchiveView`]: between the poller and the surfaces: republishes each overview without the
//!   archived tasks, and again whenever the archive changes; [`ArchiveHandle`] is the command
//!   loop's door to it.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use crate::core::actions::TaskAction;
use crate::model::{HealthStatus, Overview, Snapshot, State, Task};
use crate::store::{StoreError, write_atomically};
use crate::versioned::{Versioned, VersionedFile};

/// The most entries kept.
pub const MAX_ENTRIES: usize = 10_000;
const FILE_NAME: &str = "archive.json";
const FORMAT: &str = "agentbar-archive";
const VERSION: u32 = 1;

const ARCHIVE: VersionedFile = VersionedFile {
    what: "archive",
    format: FORMAT,
    oldest: VERSION,
    newest: VERSION,
};

/// The key of a task in the archive.
pub fn key_of(task: &Task) -> String {
    task.key().to_string()
}

/// Reads an age such as `90s`, `30m`, `12h`, `1d` or `2w` (a bare number is seconds).
pub fn parse_age(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let seconds_per = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => 0,
    };
    let why = || format!("{raw:?} is not an age such as 30m, 12h, 1d or 2w");
    let number: i64 = number.parse().map_err(|_| why())?;
    if seconds_per == 0 {
        return Err(why());
    }
    number
        .checked_mul(seconds_per)
        .filter(|s| *s <= 100 * 365 * 86_400)
        .map(Duration::seconds)
        .ok_or_else(why)
}

/// One archived task: the state it was archived in, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub state: String,
    pub archived_at: DateTime<Utc>,
}

/// Task key → entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Archive {
    entries: BTreeMap<String, Entry>,
}

impl Archive {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Archived, and still in the state it was archived in.
    pub fn holds(&self, key: &str, state: &State) -> bool {
        self.entries
            .get(key)
            .is_some_and(|e| e.state == state.as_str())
    }

    pub fn contains(&self, task: &Task) -> bool {
        self.holds(&key_of(task), &task.state)
    }

    /// Archives a task in its current state; false when it already was.
    pub fn archive(&mut self, task: &Task, now: DateTime<Utc>) -> bool {
        if self.contains(task) {
            return false;
        }
        self.entries.insert(
            key_of(task),
            Entry {
                state: task.state.as_str().to_owned(),
                archived_at: now,
            },
        );
        self.bound();
        true
    }

    /// False when it was not archived.
    pub fn unarchive(&mut self, task: &Task) -> bool {
        self.entries.remove(&key_of(task)).is_some()
    }

    /// Drops the entries of tasks that are not in `tasks` (no longer listed upstream) or have
    /// changed state since; true when anything was dropped.
    pub fn reconcile<T: Borrow<Task>>(&mut self, tasks: &[T]) -> bool {
        let live: BTreeMap<String, &State> = tasks
            .iter()
            .map(Borrow::borrow)
            .map(|t| (key_of(t), &t.state))
            .collect();
        let before = self.entries.len();
        self.entries
            .retain(|key, entry| live.get(key).is_some_and(|s| s.as_str() == entry.state));
        self.entries.len() != before
    }

    /// The oldest entries go once there are more than [`MAX_ENTRIES`].
    fn bound(&mut self) {
        while self.entries.len() > MAX_ENTRIES {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.archived_at)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(key) => self.entries.remove(&key),
                None => break,
            };
        }
    }

    /// The tasks that are finished (not running, not waiting) and finished at or before
    /// `finished_before`, not yet archived.
    pub fn finished<'t, T: Borrow<Task>>(
        &self,
        tasks: &'t [T],
        finished_before: DateTime<Utc>,
    ) -> Vec<&'t Task> {
        tasks
            .iter()
            .map(Borrow::borrow)
            .filter(|t| !self.contains(t))
            .filter(|t| t.finished_at().is_some_and(|at| at <= finished_before))
            .collect()
    }

    /// The snapshot without the archived tasks: the same shared list when none is archived.
    pub fn visible(&self, snapshot: &Snapshot) -> Snapshot {
        if self.is_empty() || !snapshot.iter().any(|t| self.contains(t)) {
            return snapshot.clone();
        }
        Snapshot {
            tasks: snapshot
                .tasks
                .iter()
                .filter(|t| !self.contains(t))
                .cloned()
                .collect(),
            fetched_at: snapshot.fetched_at,
        }
    }

    /// The archived tasks of `tasks`, in list order, each offering `unarchive` in place of
    /// `archive`.
    pub fn archived<T: Borrow<Task>>(&self, tasks: &[T]) -> Vec<Task> {
        tasks
            .iter()
            .map(Borrow::borrow)
            .filter(|t| self.contains(t))
            .map(|t| {
                let mut task = t.clone();
                task.actions.remove(TaskAction::Archive);
                task.actions.insert(TaskAction::Unarchive);
                task
            })
            .collect()
    }
}

/// `archive.json`: `{format, version, entries: {key: {state, archived_at}}}`.
#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    version: u32,
    entries: BTreeMap<String, Entry>,
}

/// What loading found, with a note when the file could not be used.
pub struct Loaded {
    pub archive: Archive,
    pub note: Option<String>,
}

/// The archive's file in the state directory.
#[derive(Debug, Clone)]
pub struct ArchiveStore {
    dir: PathBuf,
}

impl ArchiveStore {
    pub fn new(state_dir: &Path) -> ArchiveStore {
        ArchiveStore {
            dir: state_dir.to_owned(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// The archive, empty when there is no file. A file that cannot be read as an archive is
    /// set aside as `archive.json.unreadable` (so the next save cannot destroy it) and said in
    /// the note.
    pub fn load(&self) -> Loaded {
        match ARCHIVE.load::<File>(&self.path()) {
            Ok(None) => Loaded {
                archive: Archive::default(),
                note: None,
            },
            Ok(Some(Versioned { body, .. })) => {
                let mut archive = Archive {
                    entries: body.entries,
                };
                archive.bound();
                Loaded {
                    archive,
                    note: None,
                }
            }
            Err(unusable) => Loaded {
                archive: Archive::default(),
                note: Some(format!("{unusable}; starting with an empty archive")),
            },
        }
    }

    pub fn save(&self, archive: &Archive) -> Result<(), StoreError> {
        let file = File {
            format: FORMAT.to_owned(),
            version: VERSION,
            entries: archive.entries.clone(),
        };
        let bytes = serde_json::to_vec_pretty(&file)?;
        write_atomically(&self.dir, &self.path(), &bytes)
    }
}

/// Why an archive change failed.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("no task {0} is in the list")]
    UnknownTask(String),
    #[error("the task is {0}: only finished tasks and tasks that wait for you can be archived")]
    Running(String),
    #[error("cannot save the archive: {0}")]
    Save(#[from] StoreError),
}

/// The command loop's door to the archive: changes it, saves it and has the view republish.
#[derive(Clone)]
pub struct ArchiveHandle {
    archive: Arc<Mutex<Archive>>,
    store: ArchiveStore,
    changed: Arc<Notify>,
    /// The poller's overview, with archived tasks in it.
    all: watch::Receiver<Arc<Overview>>,
}

impl ArchiveHandle {
    fn lock(&self) -> std::sync::MutexGuard<'_, Archive> {
        self.archive.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn task(&self, id: &str) -> Option<Task> {
        self.all
            .borrow()
            .snapshot
            .iter()
            .find(|t| t.id == id || key_of(t) == id)
            .cloned()
    }

    /// Saves off the async workers, then has the view republish.
    async fn commit(&self, archive: Archive) -> Result<(), ArchiveError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.save(&archive))
            .await
            .map_err(|e| StoreError::Write {
                path: self.store.path(),
                source: std::io::Error::other(e.to_string()),
            })??;
        self.changed.notify_one();
        Ok(())
    }

    /// Archives (or, with `archived` false, unarchives) the task with this id or key; true
    /// when that changed anything. A running task cannot be archived.
    pub async fn set(&self, id: &str, archived: bool) -> Result<bool, ArchiveError> {
        let task = self
            .task(id)
            .ok_or_else(|| ArchiveError::UnknownTask(id.to_owned()))?;
        if archived && task.bucket() == crate::model::Bucket::Running {
            return Err(ArchiveError::Running(task.state.label().to_owned()));
        }
        let (changed, copy) = {
            let mut archive = self.lock();
            let changed = if archived {
                archive.archive(&task, Utc::now())
            } else {
                archive.unarchive(&task)
            };
            (changed, archive.clone())
        };
        if changed {
            self.commit(copy).await?;
        }
        Ok(changed)
    }

    /// Archives every finished task that finished at least `older_than` ago; the ids archived.
    pub async fn archive_finished(
        &self,
        older_than: Duration,
    ) -> Result<Vec<String>, ArchiveError> {
        let now = Utc::now();
        let tasks = self.all.borrow().snapshot.tasks.clone();
        let (ids, copy) = {
            let mut archive = self.lock();
            let chosen: Vec<Task> = archive
                .finished(&tasks, now - older_than)
                .into_iter()
                .cloned()
                .collect();
            for task in &chosen {
                archive.archive(task, now);
            }
            let ids: Vec<String> = chosen.into_iter().map(|t| t.id).collect();
            (ids, archive.clone())
        };
        if !ids.is_empty() {
            self.commit(copy).await?;
        }
        Ok(ids)
    }

    /// The whole list, archived tasks included (the poller's overview).
    pub fn all(&self) -> watch::Receiver<Arc<Overview>> {
        self.all.clone()
    }

    /// The archived tasks of the current list.
    pub fn archived_tasks(&self) -> Vec<Task> {
        let tasks = self.all.borrow().snapshot.tasks.clone();
        self.lock().archived(&tasks)
    }

    /// Whether the task with this id is archived now.
    pub fn is_archived(&self, task: &Task) -> bool {
        self.lock().contains(task)
    }
}

/// Republishes the poller's overviews without the archived tasks.
pub struct ArchiveView;

impl ArchiveView {
    /// Loads the archive from `state_dir` and starts the view: returns the overview channel the
    /// surfaces read, the handle, and the task to spawn (it ends when the poller's channel
    /// closes or on `cancel`).
    pub fn start(
        state_dir: &Path,
        all: watch::Receiver<Arc<Overview>>,
        cancel: CancellationToken,
    ) -> (
        watch::Receiver<Arc<Overview>>,
        ArchiveHandle,
        impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        let store = ArchiveStore::new(state_dir);
        let loaded = store.load();
        if let Some(note) = &loaded.note {
            tracing::warn!("{note}");
        }
        let handle = ArchiveHandle {
            archive: Arc::new(Mutex::new(loaded.archive)),
            store,
            changed: Arc::new(Notify::new()),
            all: all.clone(),
        };
        let first = {
            let overview = all.borrow();
            Arc::new(visible_overview(&handle.lock(), &overview))
        };
        let (visible_tx, visible_rx) = watch::channel(first);
        let view = handle.clone();
        let run = async move {
            let mut all = all;
            let mut reconciled_at = None;
            loop {
                tokio::select! {
                    () = cancel.cancelled() => return,
                    changed = all.changed() => if changed.is_err() { return },
                    () = view.changed.notified() => {}
                }
                let overview = all.borrow_and_update().clone();
                let mut archive = view.lock();
                // Only a list a poll has just confirmed says which tasks are gone or moved on.
                let confirmed = overview.health.status == HealthStatus::Ok
                    && !overview.health.stale
                    && overview.health.last_success_at != reconciled_at;
                if confirmed {
                    reconciled_at = overview.health.last_success_at;
                    if archive.reconcile(&overview.snapshot.tasks) {
                        let copy = archive.clone();
                        let store = view.store.clone();
                        tokio::task::spawn_blocking(move || {
                            if let Err(e) = store.save(&copy) {
                                tracing::warn!(error = %e, "the archive was not saved");
                            }
                        });
                    }
                }
                let visible = visible_overview(&archive, &overview);
                drop(archive);
                visible_tx.send_replace(Arc::new(visible));
            }
        };
        (visible_rx, handle, run)
    }
}

fn visible_overview(archive: &Archive, overview: &Overview) -> Overview {
    Overview {
        snapshot: archive.visible(&overview.snapshot),
        health: overview.health.clone(),
        sources: overview.sources.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::task;

    fn at(hours_ago: i64) -> DateTime<Utc> {
        Utc::now() - Duration::hours(hours_ago)
    }

    #[test]
    fn a_task_stays_archived_until_its_state_changes() {
        let mut archive = Archive::default();
        let done = task("a", "completed", 1);
        assert!(archive.archive(&done, at(0)));
        assert!(
            !archive.archive(&done, at(0)),
            "archiving twice changes nothing"
        );
        assert!(archive.contains(&done));
        let mut again = done.clone();
        again.state = State::InProgress;
        assert!(!archive.contains(&again), "running again: back in the list");
        assert!(archive.reconcile(std::slice::from_ref(&again)));
        assert!(archive.is_empty());
        // Finished again in the same state: it stays in the list, its entry is gone.
        assert!(!archive.contains(&done));
    }

    #[test]
    fn entries_of_tasks_gone_upstream_are_pruned_and_the_archive_is_bounded() {
        let mut archive = Archive::default();
        let kept = task("kept", "failed", 1);
        let gone = task("gone", "completed", 1);
        archive.archive(&kept, at(2));
        archive.archive(&gone, at(1));
        assert!(archive.reconcile(std::slice::from_ref(&kept)));
        assert_eq!(archive.len(), 1);
        assert!(!archive.reconcile(std::slice::from_ref(&kept)));
        for n in 0..MAX_ENTRIES + 5 {
            archive.archive(&task(&format!("t{n}"), "completed", 1), at(0));
        }
        assert_eq!(archive.len(), MAX_ENTRIES);
        assert!(!archive.contains(&kept), "the oldest entry went first");
    }

    #[test]
    fn the_visible_snapshot_drops_archived_tasks_and_shares_an_untouched_list() {
        let tasks = vec![task("a", "completed", 1), task("b", "in_progress", 1)];
        let snapshot = Snapshot::new(tasks, Utc::now());
        let mut archive = Archive::default();
        assert!(archive.visible(&snapshot).shares_tasks_with(&snapshot));
        archive.archive(&snapshot.tasks[0], at(0));
        let visible = archive.visible(&snapshot);
        assert_eq!(visible.tasks.len(), 1);
        assert_eq!(archive.archived(&snapshot.tasks).len(), 1);
        assert_eq!(
            visible.counts(),
            Snapshot::new(
                vec![Task::clone(&snapshot.tasks[1])],
                snapshot.fetched_at.unwrap()
            )
            .counts()
        );
    }

    #[test]
    fn finished_means_not_active_and_old_enough() {
        let mut old = task("old", "completed", 1);
        old.completed_at = Some(at(30));
        let mut fresh = task("fresh", "failed", 1);
        fresh.completed_at = Some(at(1));
        let running = task("running", "in_progress", 1);
        let waiting = task("waiting", "waiting_for_user", 1);
        let tasks = vec![old, fresh, running, waiting];
        let archive = Archive::default();
        let ids = |list: Vec<&Task>| list.into_iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(archive.finished(&tasks, at(24))), ["old"]);
        assert_eq!(ids(archive.finished(&tasks, at(0))), ["old", "fresh"]);
    }

    #[test]
    fn ages_read_as_people_write_them() {
        assert_eq!(parse_age("1d"), Ok(Duration::days(1)));
        assert_eq!(parse_age("12h"), Ok(Duration::hours(12)));
        assert_eq!(parse_age("30m"), Ok(Duration::minutes(30)));
        assert_eq!(parse_age("2w"), Ok(Duration::weeks(2)));
        assert_eq!(parse_age("0"), Ok(Duration::zero()));
        for bad in ["", "d", "1y", "-1d", "1.5h", "99999999999999w"] {
            assert!(parse_age(bad).unwrap_err().contains("not an age"), "{bad}");
        }
    }

    #[test]
    fn the_file_round_trips_and_a_bad_one_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let store = ArchiveStore::new(dir.path());
        assert!(store.load().archive.is_empty());
        let mut archive = Archive::default();
        archive.archive(&task("a", "completed", 1), at(0));
        store.save(&archive).unwrap();
        assert_eq!(store.load().archive, archive);
        std::fs::write(store.path(), b"{not json").unwrap();
        let loaded = store.load();
        assert!(loaded.archive.is_empty());
        assert!(loaded.note.unwrap().contains("archive.json.unreadable"));
        assert_eq!(
            std::fs::read(dir.path().join("archive.json.unreadable")).unwrap(),
            b"{not json"
        );
        assert!(!store.path().exists());
    }
}
