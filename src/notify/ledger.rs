//! What the notifier has already dealt with, kept on disk so that a restart neither repeats nor
//! misses a notification: per task, the state as of which it was handled (announced, or
//! deliberately not). The announcer diffs each published snapshot against this record rather
//! than trusting the poller's transitions, because the snapshot file and this file are written
//! at different moments: a kill between the two would otherwise lose (snapshot ahead) or repeat
//! (snapshot behind) an announcement.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::model::{Snapshot, SourceId, State, TaskKey};
use crate::store::{StoreError, write_atomically};
use crate::versioned::{Versioned, VersionedFile};

const LEDGER_FILE: &str = "notifications.json";
const LEDGER_FORMAT: &str = "agentbar-notifications";
/// 2: keyed by task key (`<source>:<id>`); 1 was keyed by bare id, for one source.
const LEDGER_VERSION: u32 = 2;

const LEDGER: VersionedFile = VersionedFile {
    what: "notification record",
    format: LEDGER_FORMAT,
    oldest: 1,
    newest: LEDGER_VERSION,
};

/// Per task key (`<source>:<id>`), the state as of which the notifier has handled it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    pub handled: BTreeMap<String, State>,
}

impl Ledger {
    /// Everything in `snapshot` counted as handled: the record a first run starts from, so that
    /// what is found at start-up is never announced.
    pub fn of(snapshot: &Snapshot) -> Ledger {
        Ledger {
            handled: snapshot
                .tasks
                .iter()
                .map(|t| (t.key().to_string(), t.state.clone()))
                .collect(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct LedgerEnvelope {
    format: String,
    version: u32,
    /// The snapshot `source` this record belongs to, so demo tasks never arm the real ones.
    source: String,
    saved_at: DateTime<Utc>,
    /// Task key (version 1: bare task id) → upstream state string.
    handled: BTreeMap<String, String>,
}

/// `notifications.json` in the state directory, written atomically.
#[derive(Clone, Debug)]
pub struct LedgerStore {
    dir: PathBuf,
    source: String,
    /// The source a version-1 record's bare ids belong to (the one account it was kept for).
    legacy_source: SourceId,
}

/// The result of loading the ledger.
#[derive(Debug, Default)]
pub struct LoadedLedger {
    /// `None`: no usable record, so the first successful poll becomes the record silently.
    pub ledger: Option<Ledger>,
    /// Why a file that was there could not be used.
    pub note: Option<String>,
}

impl LedgerStore {
    pub fn new(dir: impl Into<PathBuf>, source: impl Into<String>) -> LedgerStore {
        LedgerStore {
            dir: dir.into(),
            source: source.into(),
            legacy_source: SourceId::default(),
        }
    }

    /// A version-1 record (bare ids) is read as `source`'s.
    pub fn with_legacy_source(mut self, source: SourceId) -> LedgerStore {
        self.legacy_source = source;
        self
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(LEDGER_FILE)
    }

    /// Never fails: a missing, foreign or unreadable file means "no record" (an unreadable
    /// one is set aside, so the next save does not destroy it).
    pub fn load(&self) -> LoadedLedger {
        match LEDGER.load::<LedgerEnvelope>(&self.path()) {
            Ok(None) => LoadedLedger::default(),
            // Another source's record says nothing about these tasks; it is replaced quietly.
            Ok(Some(Versioned { body, .. })) if body.source != self.source => {
                LoadedLedger::default()
            }
            Ok(Some(Versioned { version, body })) => {
                let handled = body
                    .handled
                    .into_iter()
                    .map(|(id, state)| {
                        let key = if version < 2 {
                            TaskKey::new(self.legacy_source.clone(), id).to_string()
                        } else {
                            id
                        };
                        (key, State::parse(&state))
                    })
                    .collect();
                LoadedLedger {
                    ledger: Some(Ledger { handled }),
                    note: None,
                }
            }
            Err(unusable) => LoadedLedger {
                ledger: None,
                note: Some(unusable.to_string()),
            },
        }
    }

    pub fn save(&self, ledger: &Ledger, now: DateTime<Utc>) -> Result<(), StoreError> {
        let envelope = LedgerEnvelope {
            format: LEDGER_FORMAT.into(),
            version: LEDGER_VERSION,
            source: self.source.clone(),
            saved_at: now,
            handled: ledger
                .handled
                .iter()
                .map(|(id, state)| (id.clone(), state.as_str().to_owned()))
                .collect(),
        };
        write_atomically(&self.dir, &self.path(), &serde_json::to_vec(&envelope)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{now, task};

    #[test]
    fn a_saved_ledger_loads_back_for_its_source_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = LedgerStore::new(dir.path(), "demo");
        assert!(store.load().ledger.is_none());
        let ledger = Ledger::of(&Snapshot::new(
            vec![task("a", "in_progress", 1), task("b", "odd_new_state", 2)],
            now(),
        ));
        store.save(&ledger, now()).unwrap();
        assert_eq!(store.load().ledger, Some(ledger));

        let other = LedgerStore::new(dir.path(), "https://api.github.com").load();
        assert!(other.ledger.is_none() && other.note.is_none());

        std::fs::write(store.path(), b"{\"format\":").unwrap();
        let broken = store.load();
        assert!(broken.ledger.is_none());
        assert!(broken.note.unwrap().contains("corrupt"));
        assert_eq!(
            std::fs::read(dir.path().join("notifications.json.unreadable")).unwrap(),
            b"{\"format\":",
            "the broken record is kept, not overwritten by the next save"
        );
    }

    #[test]
    fn a_version_1_record_of_bare_ids_is_read_as_the_default_accounts() {
        let dir = tempfile::tempdir().unwrap();
        // As the release before task keys wrote it.
        std::fs::write(
            dir.path().join(LEDGER_FILE),
            r#"{"format":"agentbar-notifications","version":1,"source":"demo","saved_at":"2026-11-22T12:00:00Z","handled":{"a":"in_progress","b":"completed"}}"#,
        )
        .unwrap();
        let demo = SourceId::github("demo");
        let store = LedgerStore::new(dir.path(), "demo").with_legacy_source(demo.clone());
        let loaded = store.load().ledger.unwrap();
        let mut a = task("a", "in_progress", 1);
        a.source = demo.clone();
        let mut b = task("b", "completed", 1);
        b.source = demo;
        // Nothing lost, and nothing re-announced: the same tasks, now under their keys.
        assert_eq!(loaded, Ledger::of(&Snapshot::new(vec![a, b], now())));
        assert_eq!(
            loaded.handled.keys().collect::<Vec<_>>(),
            ["gh:demo:a", "gh:demo:b"]
        );
    }
}
