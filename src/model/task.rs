//! Tasks, their sessions and pull requests: the one shape every source is normalised into.

use chrono::{DateTime, TimeDelta, Utc};
use std::cmp::Reverse;

use super::key::{SourceId, TaskKey};
use super::state::{Bucket, State};
use crate::core::actions::ActionSet;

/// How long a finished task stays "recent" (shown in the tray's dropdown).
pub const RECENT_WINDOW: TimeDelta = TimeDelta::hours(24);

/// The agent that does a task's work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provider {
    /// GitHub Copilot's cloud agent.
    GithubCopilot,
    ClaudeCode,
    Codex,
    CopilotCli,
    GeminiCli,
    /// A provider this build does not know, kept verbatim.
    Other(String),
}

impl Provider {
    /// The wire name. The cloud agent keeps `github-copilot`, the name v1 always served.
    pub fn as_str(&self) -> &str {
        match self {
            Provider::GithubCopilot => "github-copilot",
            Provider::ClaudeCode => "claude-code",
            Provider::Codex => "codex",
            Provider::CopilotCli => "copilot-cli",
            Provider::GeminiCli => "gemini-cli",
            Provider::Other(raw) => raw,
        }
    }

    /// Reads a wire name; `copilot` is accepted for the cloud agent too (the short name filters
    /// use), so compare providers through this, not through strings.
    pub fn parse(raw: &str) -> Provider {
        match raw {
            "github-copilot" | "copilot" => Provider::GithubCopilot,
            "claude-code" => Provider::ClaudeCode,
            "codex" => Provider::Codex,
            "copilot-cli" => Provider::CopilotCli,
            "gemini-cli" => Provider::GeminiCli,
            other => Provider::Other(other.to_owned()),
        }
    }
}

/// What sort of agent activity a task is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    /// Background agent work.
    Task,
    /// A multi-step run.
    Flow,
    /// A conversation.
    Chat,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Task => "task",
            TaskKind::Flow => "flow",
            TaskKind::Chat => "chat",
        }
    }

    pub fn parse(raw: &str) -> TaskKind {
        match raw {
            "flow" => TaskKind::Flow,
            "chat" => TaskKind::Chat,
            _ => TaskKind::Task,
        }
    }
}

/// A failure surfaced on the row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskError {
    pub code: Option<String>,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullRequestState {
    Open,
    Closed,
    Merged,
}

impl PullRequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            PullRequestState::Open => "open",
            PullRequestState::Closed => "closed",
            PullRequestState::Merged => "merged",
        }
    }

    /// Accepts GraphQL's `OPEN`/`CLOSED`/`MERGED` and the lowercase wire names.
    pub fn parse(raw: &str) -> Option<PullRequestState> {
        match raw.to_ascii_lowercase().as_str() {
            "open" => Some(PullRequestState::Open),
            "closed" => Some(PullRequestState::Closed),
            "merged" => Some(PullRequestState::Merged),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    pub url: String,
    pub state: PullRequestState,
    pub draft: bool,
    /// The GraphQL node id, used to hydrate it again.
    pub node_id: Option<String>,
    /// The full database id, which the Copilot API uses to find the PR's sessions.
    pub database_id: Option<u64>,
}

/// What the agent's work cost, as GitHub meters it. Sessions since 2026-06-01 are metered in AI
/// credits (upstream sends nano-credits, which are summed as integers so no rounding creeps in);
/// older ones in premium requests.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Usage {
    pub ai_credit_nanos: Option<u64>,
    pub premium_requests: Option<f64>,
}

impl Usage {
    const NANOS_PER_CREDIT: f64 = 1e9;

    /// Both kinds added up; a kind stays `None` when neither side had it.
    pub fn plus(self, other: Usage) -> Usage {
        let add_nanos = match (self.ai_credit_nanos, other.ai_credit_nanos) {
            (Some(a), Some(b)) => Some(a.saturating_add(b)),
            (a, b) => a.or(b),
        };
        let add_requests = match (self.premium_requests, other.premium_requests) {
            // Kept finite, so it survives JSON (which has no infinity).
            (Some(a), Some(b)) => Some((a + b).min(f64::MAX)),
            (a, b) => a.or(b),
        };
        Usage {
            ai_credit_nanos: add_nanos,
            premium_requests: add_requests,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ai_credit_nanos.is_none() && self.premium_requests.is_none()
    }

    /// AI credits as a number of credits.
    pub fn ai_credits(&self) -> Option<f64> {
        self.ai_credit_nanos
            .map(|nanos| nanos as f64 / Self::NANOS_PER_CREDIT)
    }

    /// "12.3 AI credits", "2.5 premium requests", or both joined; one decimal, as GitHub shows.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(credits) = self.ai_credits() {
            parts.push(format!("{credits:.1} AI credits"));
        }
        if let Some(requests) = self.premium_requests {
            parts.push(format!("{requests:.1} premium requests"));
        }
        parts.join(" · ")
    }

    /// The sum over sessions, `None` when none of them was metered.
    pub fn total<'a>(usages: impl IntoIterator<Item = &'a Usage>) -> Option<Usage> {
        usages
            .into_iter()
            .copied()
            .reduce(Usage::plus)
            .filter(|u| !u.is_empty())
    }
}

/// The branch a task works on when it opened no pull request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branch {
    pub head_ref: String,
    pub base_ref: Option<String>,
}

/// One run of the agent on a task.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub id: String,
    pub name: Option<String>,
    pub state: State,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub prompt: Option<String>,
    pub head_ref: Option<String>,
    pub base_ref: Option<String>,
    pub model: Option<String>,
    pub error: Option<TaskError>,
    /// The Actions run hosting the session; stopping a task cancels it.
    pub workflow_run_id: Option<u64>,
    pub premium_requests: Option<f64>,
    /// What the session cost, from the REST API's `usage`.
    pub usage: Option<Usage>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// The upstream id, unique within its source only (see [`Task::key`]).
    pub id: String,
    /// The source that yields it (`gh:octocat`, `claude-code`).
    pub source: SourceId,
    pub provider: Provider,
    pub kind: TaskKind,
    /// Never empty: PR title, else task name, else a fallback.
    pub title: String,
    /// `owner/name` when known.
    pub repository: Option<String>,
    pub state: State,
    pub progress: Option<String>,
    pub owner: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub pull_request: Option<PullRequest>,
    /// The best page to open: the PR's session page, else the task page.
    pub url: String,
    pub logs_url: Option<String>,
    pub error: Option<TaskError>,
    /// Newest first; empty when the task's detail was not fetched.
    pub sessions: Vec<Session>,
    pub session_count: u32,
    /// The branch of a task that opened no pull request.
    pub branch: Option<Branch>,
    /// The custom agent the task runs, when it names one.
    pub custom_agent: Option<String>,
    /// The Actions run hosting the newest session, when the Copilot API told us.
    pub workflow_run_url: Option<String>,
    /// Why part of the task is not shown ("session detail unavailable: …").
    pub note: Option<String>,
    /// What all of its sessions cost, as far as they were fetched.
    pub usage: Option<Usage>,
    /// Upstream's ids of the owner and the repository, kept so their names need no new lookup.
    pub owner_id: Option<u64>,
    pub repository_id: Option<u64>,
    /// What the task allows now, as its source decides (`sources::Source::actions`).
    pub actions: ActionSet,
    /// Its source's last poll failed (or it is signed out): this is the last good state, kept.
    /// Set by the merge.
    pub stale: bool,
}

impl Task {
    /// The name unique across sources: `<source id>:<upstream id>`.
    pub fn key(&self) -> TaskKey {
        TaskKey::new(self.source.clone(), self.id.clone())
    }

    /// Whether `reference` names this task: its full key, or its bare upstream id.
    pub fn answers_to(&self, reference: &str) -> bool {
        self.id == reference
            || reference
                .strip_prefix(self.source.as_str())
                .and_then(|rest| rest.strip_prefix(':'))
                == Some(self.id.as_str())
    }

    pub fn bucket(&self) -> Bucket {
        self.state.bucket()
    }

    /// Running or waiting.
    pub fn is_active(&self) -> bool {
        self.bucket().is_active()
    }

    /// When it finished: `completed_at`, else its last update once it is no longer active.
    pub fn finished_at(&self) -> Option<DateTime<Utc>> {
        if self.is_active() {
            None
        } else {
            Some(self.completed_at.unwrap_or(self.updated_at))
        }
    }

    /// Finished within the last 24 hours.
    pub fn is_recent(&self, now: DateTime<Utc>) -> bool {
        self.finished_at()
            .is_some_and(|at| now.signed_duration_since(at) <= RECENT_WINDOW)
    }

    /// From creation to completion, or to `now` while it is not finished.
    pub fn duration_seconds(&self, now: DateTime<Utc>) -> i64 {
        let end = self.finished_at().unwrap_or(now);
        end.signed_duration_since(self.created_at)
            .num_seconds()
            .max(0)
    }

    /// The newest session, which describes the task now.
    pub fn current_session(&self) -> Option<&Session> {
        self.sessions.first()
    }
}

/// Sorts in SPEC order: waiting first, then running, then everything by `updated_at`, newest
/// first; the id, then the source, break ties so the order is total and stable across polls
/// and across sources.
pub fn sort_tasks(tasks: &mut [Task]) {
    tasks.sort_by(task_order);
}

/// The order [`sort_tasks`] puts tasks in, for sorting references to them.
pub fn task_order(a: &Task, b: &Task) -> std::cmp::Ordering {
    (a.bucket().rank(), Reverse(a.updated_at), &a.id, &a.source).cmp(&(
        b.bucket().rank(),
        Reverse(b.updated_at),
        &b.id,
        &b.source,
    ))
}

#[doc(hidden)]
pub mod fixtures {
    use super::*;

    /// A minimal task for tests, updated `minutes_ago` before a fixed instant.
    pub fn task(id: &str, state: &str, minutes_ago: i64) -> Task {
        let now = now();
        let updated_at = now - TimeDelta::minutes(minutes_ago);
        Task {
            id: id.into(),
            source: SourceId::default(),
            provider: Provider::GithubCopilot,
            kind: TaskKind::Task,
            title: format!("Task {id}"),
            repository: Some("acme/api".into()),
            state: State::parse(state),
            progress: None,
            owner: Some("octocat".into()),
            created_at: updated_at - TimeDelta::minutes(10),
            updated_at,
            completed_at: None,
            pull_request: None,
            url: format!("https://github.com/acme/api/tasks/{id}"),
            logs_url: None,
            error: None,
            sessions: Vec::new(),
            session_count: 1,
            branch: None,
            custom_agent: None,
            workflow_run_url: None,
            note: None,
            usage: None,
            owner_id: None,
            repository_id: None,
            actions: ActionSet::EMPTY,
            stale: false,
        }
    }

    pub fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{now, task};
    use super::*;

    #[test]
    fn order_is_waiting_then_running_then_newest_first() {
        let mut tasks = vec![
            task("done-old", "completed", 300),
            task("run-old", "in_progress", 50),
            task("wait-old", "idle", 90),
            task("failed-new", "failed", 1),
            task("queued-new", "queued", 2),
            task("wait-new", "waiting_for_user", 5),
            task("odd", "paused_for_review", 20),
            task("cancel", "cancelled", 40),
        ];
        sort_tasks(&mut tasks);
        let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "wait-new",
                "wait-old",
                "queued-new",
                "run-old",
                "failed-new",
                "odd",
                "cancel",
                "done-old"
            ]
        );
    }

    #[test]
    fn ties_on_time_are_broken_by_id_so_the_order_is_stable() {
        let mut a = vec![task("b", "completed", 5), task("a", "completed", 5)];
        let mut b = vec![task("a", "completed", 5), task("b", "completed", 5)];
        sort_tasks(&mut a);
        sort_tasks(&mut b);
        assert_eq!(a, b);
        assert_eq!(a[0].id, "a");
    }

    #[test]
    fn recent_means_finished_within_a_day() {
        let now = now();
        let mut fresh = task("fresh", "completed", 60);
        fresh.completed_at = Some(now - TimeDelta::hours(23));
        assert!(fresh.is_recent(now));

        let mut old = task("old", "failed", 60 * 30);
        old.completed_at = None;
        assert!(!old.is_recent(now), "updated 30 h ago is not recent");

        let running = task("run", "in_progress", 1);
        assert!(!running.is_recent(now), "active work is not 'recent'");
        assert!(running.is_active());
    }

    #[test]
    fn duration_runs_to_completion_or_to_now() {
        let now = now();
        let mut done = task("done", "completed", 60);
        done.created_at = now - TimeDelta::minutes(100);
        done.completed_at = Some(now - TimeDelta::minutes(70));
        assert_eq!(done.duration_seconds(now), 30 * 60);

        let mut running = task("run", "in_progress", 1);
        running.created_at = now - TimeDelta::minutes(7);
        assert_eq!(running.duration_seconds(now), 7 * 60);

        let mut clock_skew = task("skew", "queued", 0);
        clock_skew.created_at = now + TimeDelta::minutes(1);
        assert_eq!(clock_skew.duration_seconds(now), 0);
    }

    #[test]
    fn usage_sums_nanos_exactly_and_shows_one_decimal() {
        let a = Usage {
            ai_credit_nanos: Some(1_250_000_000),
            premium_requests: None,
        };
        let b = Usage {
            ai_credit_nanos: Some(100_000_001),
            premium_requests: Some(2.5),
        };
        let total = Usage::total([&a, &b]).unwrap();
        assert_eq!(total.ai_credit_nanos, Some(1_350_000_001));
        assert_eq!(total.premium_requests, Some(2.5));
        assert_eq!(total.label(), "1.4 AI credits · 2.5 premium requests");
        assert_eq!(Usage::total([&Usage::default()]), None);
        assert_eq!(Usage::total(std::iter::empty()), None);
    }

    #[test]
    fn pull_request_state_accepts_graphql_and_wire_spellings() {
        assert_eq!(
            PullRequestState::parse("MERGED"),
            Some(PullRequestState::Merged)
        );
        assert_eq!(
            PullRequestState::parse("open"),
            Some(PullRequestState::Open)
        );
        assert_eq!(PullRequestState::parse("draft"), None);
    }
}
