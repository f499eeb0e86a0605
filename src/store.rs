//! The snapshot on disk: written atomically (temporary file in the same directory, fsync,
//! rename, fsync of the directory), read tolerantly (missing, corrupt or newer-version files mean
//! "start empty and say so", and an unreadable file is set aside rather than overwritten; see `versioned`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

use crate::model::{Overview, Snapshot, SourceId, Task};
use crate::versioned::{Versioned, VersionedFile};
use crate::wire::{WireTask, WireTaskSeq};

const SNAPSHOT_FILE: &str = "snapshot.json";
const FORMAT: &str = "agentbar-snapshot";
/// The on-disk format version this build writes (and the newest it reads). 2: every task record
/// carries its `source` (so the file holds each source's tasks); 1 was one source's list, its
/// records without `source`, read as the default account's.
pub const STORE_VERSION: u32 = 2;

const SNAPSHOT: VersionedFile = VersionedFile {
    what: "snapshot",
    format: FORMAT,
    oldest: 1,
    newest: STORE_VERSION,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the snapshot: {0}")]
    Encode(#[from] serde_json::Error),
}

/// The file's body as read; `format` and `version` are checked by [`SNAPSHOT`] first.
#[derive(Deserialize)]
struct Envelope {
    /// Which upstream the tasks came from (`demo`, or the REST API base): a snapshot of another
    /// source is not shown, so demo tasks never mix with the user's own.
    source: String,
    saved_at: DateTime<Utc>,
    fetched_at: Option<DateTime<Utc>>,
    tasks: Vec<WireTask>,
}

/// [`Envelope`] as written: the tasks converted one at a time while serialising, so a save
/// never holds a second copy of the list.
#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: &'static str,
    version: u32,
    source: &'a str,
    saved_at: DateTime<Utc>,
    fetched_at: Option<DateTime<Utc>>,
    tasks: WireTaskSeq<'a>,
}

/// A snapshot read back from disk.
#[derive(Debug)]
pub struct StoredSnapshot {
    pub snapshot: Snapshot,
    pub saved_at: DateTime<Utc>,
    /// `demo`, or the REST API base the tasks came from.
    pub source: String,
    /// The format it was written in; a version-1 file's tasks carry no source of their own.
    pub version: u32,
}

impl StoredSnapshot {
    /// The tasks of the source `id`, the default account being `default`: a version-1 file's
    /// tasks are all the default account's (nothing is lost across the format change).
    pub fn tasks_of(&self, id: &SourceId, default: &SourceId) -> Vec<Task> {
        self.snapshot
            .iter()
            .filter(|task| {
                let source = if self.version < 2 {
                    default
                } else {
                    &task.source
                };
                source == id
            })
            .map(|task| Task {
                source: id.clone(),
                ..task.clone()
            })
            .collect()
    }
}

/// The result of loading: the snapshot when there was a usable one, and a note saying why
/// not when a file was there but could not be used.
#[derive(Debug, Default)]
pub struct Loaded {
    pub stored: Option<StoredSnapshot>,
    pub note: Option<String>,
    /// A file was there but could not be used (corrupt, foreign, newer).
    pub unreadable: bool,
}

#[derive(Clone, Debug)]
pub struct SnapshotStore {
    dir: PathBuf,
}

impl SnapshotStore {
    pub fn new(dir: impl Into<PathBuf>) -> SnapshotStore {
        SnapshotStore { dir: dir.into() }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(SNAPSHOT_FILE)
    }

    /// Loads the snapshot for a process about to poll `source`. Never fails: problems become
    /// an empty start and a note, and an unreadable file is set aside so nothing is lost when
    /// the next save takes its place.
    pub fn load_for(&self, source: &str) -> Loaded {
        let loaded = self.loaded(SNAPSHOT.load(&self.path()).map_err(|unusable| {
            let unreadable = unusable.error.is_unreadable();
            (unusable.to_string(), unreadable)
        }));
        match loaded.stored {
            Some(stored) if stored.source != source => Loaded {
                stored: None,
                note: Some(format!(
                    "the saved snapshot is of another source ({}); starting empty",
                    stored.source
                )),
                unreadable: false,
            },
            None if loaded.unreadable => Loaded {
                note: loaded.note.map(|n| format!("{n}; starting empty")),
                ..loaded
            },
            _ => loaded,
        }
    }

    /// Reads the snapshot whatever its source, changing nothing on disk (for `status`).
    pub fn load(&self) -> Loaded {
        self.loaded(SNAPSHOT.read(&self.path()).map_err(|e| {
            let unreadable = e.is_unreadable();
            (e.to_string(), unreadable)
        }))
    }

    /// What was read, or the note saying why not and whether the file itself is unusable.
    fn loaded(&self, read: Result<Option<Versioned<Envelope>>, (String, bool)>) -> Loaded {
        match read {
            Ok(None) => Loaded::default(),
            Ok(Some(Versioned { version, body })) => {
                let tasks = body.tasks.into_iter().map(WireTask::into_task).collect();
                let mut snapshot = Snapshot::new(tasks, body.fetched_at.unwrap_or(body.saved_at));
                snapshot.fetched_at = body.fetched_at;
                Loaded {
                    stored: Some(StoredSnapshot {
                        snapshot,
                        saved_at: body.saved_at,
                        source: body.source,
                        version,
                    }),
                    note: None,
                    unreadable: false,
                }
            }
            Err((note, unreadable)) => Loaded {
                stored: None,
                note: Some(note),
                unreadable,
            },
        }
    }

    /// Writes the snapshot atomically: a reader (or a crash) sees the old file or the new one.
    pub fn save(
        &self,
        snapshot: &Snapshot,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let envelope = EnvelopeOut {
            format: FORMAT,
            version: STORE_VERSION,
            source,
            saved_at: now,
            fetched_at: snapshot.fetched_at,
            tasks: WireTaskSeq::new(&snapshot.tasks, now, true),
        };
        let bytes = serde_json::to_vec(&envelope)?;
        write_atomically(&self.dir, &self.path(), &bytes)
    }
}

/// Temporary file in the same directory (mode 0600), fsync, rename over the target, fsync the
/// directory so the rename itself survives a power cut.
pub fn write_atomically(dir: &Path, target: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let fail = |source| StoreError::Write {
        path: target.to_owned(),
        source,
    };
    create_private_dir(dir).map_err(fail)?;
    let mut file = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.as_file().sync_all().map_err(fail)?;
    file.persist(target).map_err(|e| fail(e.error))?;
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(fail)?;
    Ok(())
}

/// Creates `dir` (and its parents) when missing; on Unix the directories it creates are 0700,
/// since the state directory holds the API token and the task list. An existing directory is
/// left as its owner set it.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Temporary files older than this at start are leftovers of a process that was killed between
/// creating and renaming them (a write takes milliseconds).
const STALE_TEMP_AGE: Duration = Duration::from_secs(10);

/// Removes the temporary files a killed process left behind in `dir`, so none pile up across
/// crashes. Returns how many were removed.
pub fn sweep_temp_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|at| at.elapsed().ok())
                .is_some_and(|age| age >= STALE_TEMP_AGE)
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

/// Saves each new snapshot as it is published, plus a heartbeat so the file's age tells how
/// fresh the data is. Holds a receiver of the poller's watch channel and ends when the poller
/// drops the sender, after one last save: so the final flush always follows the final poll.
pub async fn run_writer(
    store: SnapshotStore,
    source: String,
    mut overview: watch::Receiver<Arc<Overview>>,
    heartbeat: Duration,
) {
    let mut saved: Option<Snapshot> = None;
    let mut saved_at = tokio::time::Instant::now();
    loop {
        let closed = overview.changed().await.is_err();
        let current = overview.borrow_and_update().snapshot.clone();
        // A poll that found nothing new publishes the same shared list: no comparison needed.
        let due = saved
            .as_ref()
            .is_none_or(|s| !s.shares_tasks_with(&current) && s.tasks != current.tasks)
            || saved_at.elapsed() >= heartbeat
            || closed;
        if due && current.fetched_at.is_some() {
            let (store, source, snapshot) = (store.clone(), source.clone(), current.clone());
            let result =
                tokio::task::spawn_blocking(move || store.save(&snapshot, &source, Utc::now()))
                    .await;
            match result {
                Ok(Ok(())) => {
                    saved = Some(current);
                    saved_at = tokio::time::Instant::now();
                }
                Ok(Err(e)) => tracing::error!(error = %e, "could not save the snapshot"),
                Err(e) => tracing::error!(error = %e, "the snapshot writer panicked"),
            }
        }
        if closed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{now, task};

    fn sample() -> Snapshot {
        Snapshot::new(
            vec![task("a", "in_progress", 1), task("b", "completed", 30)],
            now(),
        )
    }

    #[test]
    fn a_saved_snapshot_loads_back_equal() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        store.save(&sample(), "demo", now()).unwrap();
        let loaded = store.load_for("demo");
        assert!(loaded.note.is_none());
        let stored = loaded.stored.unwrap();
        assert_eq!(stored.snapshot, sample());
        assert_eq!(stored.saved_at, now());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            leftovers,
            [SNAPSHOT_FILE],
            "no temporary file is left behind"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn stale_temporary_files_are_swept_and_fresh_ones_left() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".tmp-old");
        std::fs::write(&old, b"half a snapshot").unwrap();
        let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        let fresh = dir.path().join(".tmp-fresh");
        std::fs::write(&fresh, b"being written").unwrap();
        std::fs::write(dir.path().join("snapshot.json"), b"{}").unwrap();
        assert_eq!(sweep_temp_files(dir.path()), 1);
        assert!(!old.exists());
        assert!(fresh.exists(), "possibly another writer's, and young");
        assert!(dir.path().join("snapshot.json").exists());
    }

    #[test]
    fn a_missing_file_is_a_quiet_empty_start() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = SnapshotStore::new(dir.path().join("not-yet")).load_for("demo");
        assert!(loaded.stored.is_none() && loaded.note.is_none());
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        std::fs::write(store.path(), b"{\"format\": \"agentbar-snapshot\", \"tas").unwrap();
        let loaded = store.load_for("demo");
        assert!(loaded.stored.is_none());
        let note = loaded.note.unwrap();
        assert!(note.contains("corrupt"), "{note}");
        let aside = dir.path().join("snapshot.json.unreadable");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&aside).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "kept private whatever its mode was");
        }
        assert_eq!(
            std::fs::read(aside).unwrap(),
            b"{\"format\": \"agentbar-snapshot\", \"tas",
            "the bad file is kept, not lost"
        );
        store.save(&sample(), "demo", now()).unwrap();
        assert!(store.load_for("demo").stored.is_some());
    }

    #[test]
    fn a_newer_version_is_not_read_and_not_overwritten_blindly() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        let newer = br#"{"format":"agentbar-snapshot","version":9,"shape":"different"}"#;
        std::fs::write(store.path(), newer).unwrap();
        let loaded = store.load_for("demo");
        assert!(loaded.note.unwrap().contains("newer agentbar"));
        assert_eq!(
            std::fs::read(dir.path().join("snapshot.json.unreadable")).unwrap(),
            newer
        );
    }

    #[test]
    fn another_source_is_not_shown() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        store.save(&sample(), "demo", now()).unwrap();
        let loaded = store.load_for("https://api.github.com");
        assert!(loaded.stored.is_none());
        assert!(loaded.note.unwrap().contains("another source"));
        assert!(
            store.path().exists(),
            "it stays for the source it belongs to"
        );
    }
}
