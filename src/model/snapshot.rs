//! A snapshot of the task list, its counts, and the health of the process that keeps it fresh.

use chrono::{DateTime, Utc};
use std::borrow::Borrow;
use std::sync::Arc;

use super::key::{SourceId, TaskKey};
use super::state::Bucket;
use super::task::{Task, sort_tasks};

/// Everything known about the user's tasks at one moment, in SPEC order.
///
/// The task list is shared, immutable once built: a poll that finds nothing new publishes the
/// same list with a newer `fetched_at`, and every reader (snapshot writer, API, tray) holds the
/// one list instead of a copy each.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub tasks: Arc<[Arc<Task>]>,
    /// When upstream last answered for this list (`None` for an empty start).
    pub fetched_at: Option<DateTime<Utc>>,
}

impl Snapshot {
    /// Builds a snapshot, putting the tasks in SPEC order.
    pub fn new(mut tasks: Vec<Task>, fetched_at: DateTime<Utc>) -> Snapshot {
        sort_tasks(&mut tasks);
        Snapshot {
            tasks: tasks.into_iter().map(Arc::new).collect(),
            fetched_at: Some(fetched_at),
        }
    }

    /// Whether both hold the very same task list (no comparison of the tasks themselves).
    pub fn shares_tasks_with(&self, other: &Snapshot) -> bool {
        Arc::ptr_eq(&self.tasks, &other.tasks)
    }

    /// The counts as of when the list was fetched (failures older than the Recent window no
    /// longer count as failed).
    pub fn counts(&self) -> Counts {
        Counts::of(&self.tasks, self.fetched_at)
    }

    /// The task `reference` names (its key, or a bare upstream id), the first one when a bare
    /// id is shared; [`Snapshot::lookup`] tells such a collision apart.
    pub fn task(&self, reference: &str) -> Option<&Task> {
        self.iter().find(|t| t.answers_to(reference))
    }

    /// The tasks, in SPEC order.
    pub fn iter(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter().map(Arc::as_ref)
    }

    /// The task `reference` names: a full key, or a bare upstream id where exactly one source
    /// has it.
    pub fn lookup(&self, reference: &str) -> Lookup<'_> {
        let mut found = self.iter().filter(|t| t.answers_to(reference));
        let Some(first) = found.next() else {
            return Lookup::None;
        };
        // A full key names one task even if its text is also some other task's bare id.
        if first.key().to_string() == reference {
            return Lookup::One(first);
        }
        let others: Vec<&Task> = found.collect();
        if let Some(exact) = others.iter().find(|t| t.key().to_string() == reference) {
            return Lookup::One(exact);
        }
        if others.is_empty() {
            Lookup::One(first)
        } else {
            Lookup::Ambiguous(
                std::iter::once(first)
                    .chain(others)
                    .map(Task::key)
                    .collect(),
            )
        }
    }

    pub fn any_active(&self) -> bool {
        self.iter().any(Task::is_active)
    }
}

/// What a task reference names in a snapshot.
#[derive(Debug, PartialEq)]
pub enum Lookup<'a> {
    None,
    One(&'a Task),
    /// A bare id that several sources have; the keys that would name each.
    Ambiguous(Vec<TaskKey>),
}

/// How many tasks sit in each bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub running: usize,
    pub waiting: usize,
    /// Failed or timed out within the Recent window ([`super::RECENT_WINDOW`], 24 h) before the
    /// reference time: a failure from last week is history, not something to act on.
    pub failed: usize,
    pub completed: usize,
    pub cancelled: usize,
    pub unknown: usize,
    pub total: usize,
}

impl Counts {
    /// `now` is the reference for the Recent window; without one every failure counts.
    pub fn of<T: Borrow<Task>>(tasks: &[T], now: Option<DateTime<Utc>>) -> Counts {
        let mut counts = Counts::default();
        for task in tasks {
            let task = task.borrow();
            counts.total += 1;
            let slot = match task.bucket() {
                Bucket::Failed if now.is_some_and(|now| !task.is_recent(now)) => continue,
                Bucket::Running => &mut counts.running,
                Bucket::Waiting => &mut counts.waiting,
                Bucket::Failed => &mut counts.failed,
                Bucket::Completed => &mut counts.completed,
                Bucket::Cancelled => &mut counts.cancelled,
                Bucket::Unknown => &mut counts.unknown,
            };
            *slot += 1;
        }
        counts
    }
}

/// The overall state of the connection to upstream, as the tray and the API show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthStatus {
    /// No poll has finished yet.
    Starting,
    Ok,
    /// The last poll failed; the last good snapshot is still shown.
    Degraded,
    /// No token, or upstream refused it.
    SignedOut,
}

impl HealthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Starting => "starting",
            HealthStatus::Ok => "ok",
            HealthStatus::Degraded => "degraded",
            HealthStatus::SignedOut => "signed_out",
        }
    }

    pub fn parse(raw: &str) -> Option<HealthStatus> {
        [
            HealthStatus::Starting,
            HealthStatus::Ok,
            HealthStatus::Degraded,
            HealthStatus::SignedOut,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// What went wrong with a poll, in words and as a stable code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Stable, machine-readable: `network`, `timeout`, `server_error`, `unauthorized`,
    /// `forbidden`, `rate_limited`, `malformed_response`, `not_found`, `http_error`, `no_token`.
    pub code: &'static str,
    pub message: String,
    pub at: DateTime<Utc>,
}

/// The rate-limit budget upstream last reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u64,
    pub remaining: u64,
    pub reset_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Health {
    pub status: HealthStatus,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    pub last_error: Option<Problem>,
    /// The snapshot shown is not known to be current (loaded from disk, or the last poll failed).
    pub stale: bool,
    pub next_poll_at: Option<DateTime<Utc>>,
    pub rate_limit: Option<RateLimit>,
    /// Why session details and logs are unavailable, when the Copilot API refused us.
    pub sessions_unavailable: Option<String>,
}

impl Health {
    /// The health of a process that has not polled yet.
    pub fn starting() -> Health {
        Health {
            status: HealthStatus::Starting,
            last_success_at: None,
            last_attempt_at: None,
            consecutive_failures: 0,
            last_error: None,
            stale: true,
            next_poll_at: None,
            rate_limit: None,
            sessions_unavailable: None,
        }
    }

    /// Records a successful poll.
    pub fn succeeded(&mut self, at: DateTime<Utc>) {
        self.status = HealthStatus::Ok;
        self.last_success_at = Some(at);
        self.last_attempt_at = Some(at);
        self.consecutive_failures = 0;
        self.stale = false;
    }

    /// Records a failed poll; the snapshot already shown stays, marked stale.
    pub fn failed(&mut self, problem: Problem) {
        self.status = if problem.code == "unauthorized" || problem.code == "no_token" {
            HealthStatus::SignedOut
        } else {
            HealthStatus::Degraded
        };
        self.last_attempt_at = Some(problem.at);
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        self.last_error = Some(problem);
        self.stale = true;
    }
}

/// One source as the surfaces list it: what it is and how it is doing.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceStatus {
    pub id: SourceId,
    /// What sort of source: `github`, `claude-code`, …
    pub kind: String,
    /// For people: "github.com — octocat".
    pub name: String,
    pub health: Health,
    /// How many of the merged tasks are this source's.
    pub tasks: usize,
}

/// What every surface shows: the merged snapshot, the combined health, and each source's own.
/// Published through a `tokio::sync::watch` channel whose one sender the merge holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Overview {
    pub snapshot: Snapshot,
    /// All sources together: the worst of them (see the merge).
    pub health: Health,
    /// Each source, in a stable order (by id).
    pub sources: Vec<SourceStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::task::fixtures::{now, task};

    #[test]
    fn counts_cover_every_bucket_and_add_up() {
        let tasks = vec![
            task("1", "queued", 1),
            task("2", "in_progress", 1),
            task("3", "waiting_for_user", 1),
            task("4", "idle", 1),
            task("5", "completed", 1),
            task("6", "failed", 1),
            task("7", "timed_out", 1),
            task("8", "cancelled", 1),
            task("9", "brand_new_state", 1),
        ];
        let counts = Counts::of(&tasks, Some(now()));
        assert_eq!(
            counts,
            Counts {
                running: 2,
                waiting: 2,
                failed: 2,
                completed: 1,
                cancelled: 1,
                unknown: 1,
                total: 9
            }
        );
    }

    #[test]
    fn failures_older_than_the_recent_window_are_not_counted_as_failed() {
        let old = task("old", "failed", 25 * 60);
        let tasks = vec![old, task("new", "timed_out", 23 * 60)];
        let counts = Counts::of(&tasks, Some(now()));
        assert_eq!((counts.failed, counts.total), (1, 2));
        assert_eq!(Counts::of(&tasks, None).failed, 2);
        assert_eq!(Snapshot::new(tasks, now()).counts().failed, 1);
    }

    #[test]
    fn a_new_snapshot_is_in_spec_order() {
        let snapshot = Snapshot::new(
            vec![task("done", "completed", 1), task("wait", "idle", 9)],
            now(),
        );
        assert_eq!(snapshot.tasks[0].id, "wait");
        assert!(snapshot.any_active());
        assert_eq!(snapshot.task("done").map(|t| t.id.as_str()), Some("done"));
    }

    #[test]
    fn failures_degrade_or_sign_out_and_success_clears_them() {
        let mut health = Health::starting();
        assert!(health.stale);
        health.failed(Problem {
            code: "server_error",
            message: "HTTP 503".into(),
            at: now(),
        });
        health.failed(Problem {
            code: "timeout",
            message: "timed out".into(),
            at: now(),
        });
        assert_eq!(health.status, HealthStatus::Degraded);
        assert_eq!(health.consecutive_failures, 2);
        health.failed(Problem {
            code: "unauthorized",
            message: "Bad credentials".into(),
            at: now(),
        });
        assert_eq!(health.status, HealthStatus::SignedOut);
        health.succeeded(now());
        assert_eq!(health.status, HealthStatus::Ok);
        assert_eq!(health.consecutive_failures, 0);
        assert!(!health.stale);
        assert_eq!(
            health.last_error.as_ref().map(|p| p.code),
            Some("unauthorized"),
            "the last error stays visible for diagnosis"
        );
    }
}
