//! Notification settings: a toggle per kind, muted repositories, a pause, the burst window.
//! The user's defaults come from `[notifications]` in `config.toml`; what the surfaces change
//! while running (today: the pause) is kept in `notification-settings.json` in the state
//! directory, written atomically, and wins over the file's value until the file's value is
//! edited.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

use super::format::NoticeKind;
use crate::model::Task;
use crate::store::{StoreError, write_atomically};
use crate::versioned::VersionedFile;

const SETTINGS_FILE: &str = "notification-settings.json";
const SETTINGS_FORMAT: &str = "agentbar-notification-settings";
const SETTINGS_VERSION: u32 = 1;

const SETTINGS: VersionedFile = VersionedFile {
    what: "settings file",
    format: SETTINGS_FORMAT,
    oldest: 1,
    newest: SETTINGS_VERSION,
};

/// The effective settings the announcer applies.
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationSettings {
    /// Off: nothing is announced at all (the list still updates).
    pub enabled: bool,
    pub needs_you: bool,
    pub ready_for_review: bool,
    pub failed: bool,
    pub started: bool,
    /// `owner/name`, compared without regard to case. Their tasks stay listed.
    pub muted_repositories: Vec<String>,
    /// Nothing is announced before this instant.
    pub paused_until: Option<DateTime<Utc>>,
    /// Transitions seen within this window of the first one are announced together.
    pub burst_window: Duration,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        NotificationSettings {
            enabled: true,
            needs_you: true,
            ready_for_review: true,
            failed: true,
            started: false,
            muted_repositories: Vec::new(),
            paused_until: None,
            burst_window: Duration::from_secs(2),
        }
    }
}

/// Why a notice is or is not announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Announce,
    Disabled,
    KindOff,
    Muted,
    Paused,
}

impl NotificationSettings {
    pub fn wants(&self, kind: NoticeKind) -> bool {
        match kind {
            NoticeKind::NeedsYou => self.needs_you,
            NoticeKind::ReadyForReview => self.ready_for_review,
            NoticeKind::Failed => self.failed,
            NoticeKind::Started => self.started,
        }
    }

    pub fn is_muted(&self, task: &Task) -> bool {
        task.repository.as_deref().is_some_and(|repository| {
            self.muted_repositories
                .iter()
                .any(|m| m.eq_ignore_ascii_case(repository))
        })
    }

    pub fn is_paused(&self, now: DateTime<Utc>) -> bool {
        self.paused_until.is_some_and(|until| now < until)
    }

    /// Whether a notice of `kind` about `task` is announced at `now`.
    pub fn verdict(&self, kind: NoticeKind, task: &Task, now: DateTime<Utc>) -> Verdict {
        if !self.enabled {
            Verdict::Disabled
        } else if !self.wants(kind) {
            Verdict::KindOff
        } else if self.is_muted(task) {
            Verdict::Muted
        } else if self.is_paused(now) {
            Verdict::Paused
        } else {
            Verdict::Announce
        }
    }
}

/// What the surfaces changed at run time, as saved.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RuntimeSettings {
    /// Set by `Command::PauseNotifications`; `None` means "resumed", which also ends a pause
    /// from `config.toml`.
    pub paused_until: Option<DateTime<Utc>>,
    /// `config.toml`'s `paused_until` when the pause above was set: once the user edits that
    /// value, the file speaks again (a "resume" clicked last week must not veto a pause
    /// written today).
    #[serde(default)]
    pub configured_pause: Option<DateTime<Utc>>,
}

impl RuntimeSettings {
    /// A pause (or resume) chosen now, over `configured`.
    pub fn paused(
        until: Option<DateTime<Utc>>,
        configured: &NotificationSettings,
    ) -> RuntimeSettings {
        RuntimeSettings {
            paused_until: until,
            configured_pause: configured.paused_until,
        }
    }

    /// These settings laid over the configured ones.
    pub fn apply(&self, configured: &NotificationSettings) -> NotificationSettings {
        let paused_until = if self.configured_pause == configured.paused_until {
            self.paused_until
        } else {
            configured.paused_until
        };
        NotificationSettings {
            paused_until,
            ..configured.clone()
        }
    }
}

#[derive(Serialize, Deserialize)]
struct SettingsEnvelope {
    format: String,
    version: u32,
    #[serde(flatten)]
    settings: RuntimeSettings,
}

/// `notification-settings.json` in the state directory.
#[derive(Clone, Debug)]
pub struct SettingsStore {
    dir: PathBuf,
}

impl SettingsStore {
    pub fn new(dir: impl Into<PathBuf>) -> SettingsStore {
        SettingsStore { dir: dir.into() }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(SETTINGS_FILE)
    }

    /// The saved run-time settings; `Err` carries a note when a file was there but unusable
    /// (it is then set aside, and a fresh one is written at the next change).
    pub fn load(&self) -> Result<Option<RuntimeSettings>, String> {
        match SETTINGS.load::<SettingsEnvelope>(&self.path()) {
            Ok(read) => Ok(read.map(|read| read.body.settings)),
            Err(unusable) => Err(unusable.to_string()),
        }
    }

    pub fn save(&self, settings: &RuntimeSettings) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(&SettingsEnvelope {
            format: SETTINGS_FORMAT.into(),
            version: SETTINGS_VERSION,
            settings: settings.clone(),
        })?;
        write_atomically(&self.dir, &self.path(), &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{now, task};
    use chrono::TimeDelta;

    #[test]
    fn verdicts_follow_toggles_mutes_and_the_pause() {
        let t = task("t", "waiting_for_user", 1);
        let mut s = NotificationSettings::default();
        assert_eq!(
            s.verdict(NoticeKind::NeedsYou, &t, now()),
            Verdict::Announce
        );
        assert_eq!(s.verdict(NoticeKind::Started, &t, now()), Verdict::KindOff);

        s.muted_repositories = vec!["ACME/Api".into()];
        assert_eq!(s.verdict(NoticeKind::NeedsYou, &t, now()), Verdict::Muted);
        s.muted_repositories.clear();

        s.paused_until = Some(now() + TimeDelta::minutes(30));
        assert_eq!(s.verdict(NoticeKind::NeedsYou, &t, now()), Verdict::Paused);
        let later = now() + TimeDelta::minutes(30);
        assert_eq!(
            s.verdict(NoticeKind::NeedsYou, &t, later),
            Verdict::Announce,
            "a pause ends by itself"
        );

        s.enabled = false;
        assert_eq!(s.verdict(NoticeKind::Failed, &t, later), Verdict::Disabled);
    }

    #[test]
    fn run_time_settings_round_trip_and_override_the_configured_pause() {
        let dir = tempfile::tempdir().unwrap();
        let store = SettingsStore::new(dir.path());
        assert_eq!(store.load(), Ok(None));
        let saved = RuntimeSettings {
            paused_until: Some(now()),
            configured_pause: None,
        };
        store.save(&saved).unwrap();
        assert_eq!(store.load(), Ok(Some(saved)));

        let configured = NotificationSettings {
            paused_until: Some(now() + TimeDelta::hours(1)),
            ..NotificationSettings::default()
        };
        let resumed = RuntimeSettings::paused(None, &configured);
        assert_eq!(resumed.apply(&configured).paused_until, None);
        assert!(resumed.apply(&configured).needs_you);

        // The user then writes a new pause into config.toml: the file speaks again.
        let edited = NotificationSettings {
            paused_until: Some(now() + TimeDelta::hours(5)),
            ..NotificationSettings::default()
        };
        assert_eq!(resumed.apply(&edited).paused_until, edited.paused_until);

        std::fs::write(store.path(), b"{not json").unwrap();
        assert!(store.load().unwrap_err().contains("corrupt"));
    }
}
