//! The versioned JSON shapes agentbar shows the outside world: the loopback API (v1), the
//! `--json` output of the command line, and the task records inside the on-disk snapshot.
//! The domain model stays free of serde; each conversion sits here, at the edge.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::core::actions::TaskAction;
use crate::model::{
    Branch, Counts, Health, Problem, Provider, PullRequest, PullRequestState, Session, SourceId,
    State, Task, TaskError, TaskKind, Usage,
};

/// The version of these shapes. New fields may be added within a version; none removed.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireTask {
    /// The upstream id (unique within its source).
    pub id: String,
    /// Unique across sources: `<source>:<id>`. Every route that takes a task takes it (or
    /// `id` where only one source has that id).
    #[serde(default)]
    pub key: String,
    /// The source that yields the task (`gh:octocat`, `claude-code`).
    #[serde(default)]
    pub source: String,
    pub provider: String,
    pub kind: String,
    pub title: String,
    pub repository: Option<String>,
    pub state: String,
    pub bucket: String,
    /// The label shown to people ("Needs you", "Ready for review", …).
    pub label: String,
    pub progress: Option<String>,
    pub owner: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub duration_seconds: i64,
    pub pull_request: Option<WirePullRequest>,
    pub url: String,
    pub logs_url: Option<String>,
    pub error: Option<WireError>,
    #[serde(default)]
    pub session_count: u32,
    /// The branch of a task that opened no pull request (then `pull_request` is null).
    #[serde(default)]
    pub branch: Option<WireBranch>,
    #[serde(default)]
    pub custom_agent: Option<String>,
    /// The GitHub Actions run hosting the newest session.
    #[serde(default)]
    pub workflow_run_url: Option<String>,
    /// Why part of the task is missing, e.g. "session detail unavailable: …".
    #[serde(default)]
    pub note: Option<String>,
    /// What the task's sessions cost, summed.
    #[serde(default)]
    pub usage: Option<WireUsage>,
    #[serde(default)]
    pub owner_id: Option<u64>,
    #[serde(default)]
    pub repository_id: Option<u64>,
    /// What the task allows now: kebab-case action names for
    /// `POST /v1/tasks/{key}/actions/{action}`.
    #[serde(default)]
    pub actions: Vec<String>,
    /// The task's source is failing or signed out: this is its last good state, kept.
    #[serde(default)]
    pub stale: bool,
    /// Present on the task detail and in the on-disk snapshot; absent from lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<Vec<WireSession>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireBranch {
    pub head_ref: String,
    pub base_ref: Option<String>,
}

/// Usage: AI credits (exact, as nano-credits, and as credits) and premium requests, with the
/// words a person reads ("12.3 AI credits").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireUsage {
    pub ai_credits: Option<f64>,
    #[serde(default)]
    pub ai_credits_nanos: Option<u64>,
    pub premium_requests: Option<f64>,
    pub label: String,
}

impl WireUsage {
    fn from_usage(usage: &Usage) -> WireUsage {
        WireUsage {
            ai_credits: usage.ai_credits(),
            ai_credits_nanos: usage.ai_credit_nanos,
            premium_requests: usage.premium_requests,
            label: usage.label(),
        }
    }

    fn into_usage(self) -> Usage {
        Usage {
            ai_credit_nanos: self.ai_credits_nanos.or_else(|| {
                self.ai_credits
                    .filter(|c| c.is_finite() && *c >= 0.0)
                    .map(|c| (c * 1e9).round() as u64)
            }),
            premium_requests: self.premium_requests,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WirePullRequest {
    pub number: u64,
    pub title: String,
    pub url: String,
    pub state: String,
    pub draft: bool,
    #[serde(default)]
    pub node_id: Option<String>,
    #[serde(default)]
    pub database_id: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireError {
    pub code: Option<String>,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireSession {
    pub id: String,
    pub name: Option<String>,
    pub state: String,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub prompt: Option<String>,
    pub head_ref: Option<String>,
    pub base_ref: Option<String>,
    pub model: Option<String>,
    pub error: Option<WireError>,
    pub workflow_run_id: Option<u64>,
    pub premium_requests: Option<f64>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireCounts {
    pub running: usize,
    pub waiting: usize,
    pub failed: usize,
    pub completed: usize,
    pub cancelled: usize,
    pub unknown: usize,
    pub total: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireProblem {
    pub code: String,
    pub message: String,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireHealth {
    pub status: String,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    pub last_error: Option<WireProblem>,
    pub stale: bool,
    pub next_poll_at: Option<DateTime<Utc>>,
    pub rate_limit_remaining: Option<u64>,
    pub rate_limit_reset_at: Option<DateTime<Utc>>,
    pub sessions_unavailable: Option<String>,
}

/// `GET /v1/tasks`, `agentbar tasks --json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireTaskList {
    pub schema_version: u32,
    pub generated_at: DateTime<Utc>,
    /// After this many seconds without a newer answer, a reader should treat the list as stale.
    pub stale_after_seconds: u64,
    pub counts: WireCounts,
    pub health: WireHealth,
    pub tasks: Vec<WireTask>,
}

/// [`WireTaskList`]'s JSON written straight from the model: the same fields in the same order,
/// but each task is converted and written in turn, so rendering 1,000 tasks (which the server
/// does at every poll) never holds a second, owned copy of the list.
#[derive(Serialize)]
pub struct WireTaskListView<'a> {
    pub schema_version: u32,
    pub generated_at: DateTime<Utc>,
    pub stale_after_seconds: u64,
    pub counts: WireCounts,
    pub health: WireHealth,
    pub tasks: WireTaskSeq<'a>,
}

impl<'a> WireTaskListView<'a> {
    pub fn of(
        overview: &'a crate::model::Overview,
        now: DateTime<Utc>,
        stale_after_seconds: u64,
    ) -> WireTaskListView<'a> {
        WireTaskListView {
            schema_version: SCHEMA_VERSION,
            generated_at: now,
            stale_after_seconds,
            counts: overview.snapshot.counts().into(),
            health: WireHealth::from(&overview.health),
            tasks: WireTaskSeq::new(&overview.snapshot.tasks, now, false),
        }
    }
}

/// Tasks serialised as a JSON array of [`WireTask`]s, one converted at a time.
pub struct WireTaskSeq<'a> {
    tasks: &'a [Arc<Task>],
    now: DateTime<Utc>,
    with_sessions: bool,
}

impl<'a> WireTaskSeq<'a> {
    pub fn new(tasks: &'a [Arc<Task>], now: DateTime<Utc>, with_sessions: bool) -> WireTaskSeq<'a> {
        WireTaskSeq {
            tasks,
            now,
            with_sessions,
        }
    }
}

impl Serialize for WireTaskSeq<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.tasks
                .iter()
                .map(|t| WireTask::from_task(t, self.now, self.with_sessions)),
        )
    }
}

/// `GET /v1/tasks/{id}`: the task with its sessions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireTaskDetail {
    pub schema_version: u32,
    #[serde(flatten)]
    pub task: WireTask,
}

/// `GET /v1/health`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireHealthReply {
    pub schema_version: u32,
    /// The agent's version.
    pub version: String,
    #[serde(flatten)]
    pub health: WireHealth,
}

/// The `snapshot` server-sent event: sent on connect and whenever the counts change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireSnapshotEvent {
    pub schema_version: u32,
    pub generated_at: DateTime<Utc>,
    pub counts: WireCounts,
    pub health: WireHealth,
}

/// The `transition` server-sent event: one task changed state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireTransition {
    pub schema_version: u32,
    pub task_id: String,
    /// `null` when the task is new.
    pub from: Option<String>,
    pub to: String,
    pub bucket: String,
    pub task: WireTask,
}

/// Every error the API returns: `{"error": {"code", "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireApiError {
    pub error: WireApiErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireApiErrorDetail {
    pub code: String,
    pub message: String,
}

/// `GET /v1/models`: the models a new Copilot task can run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireModelList {
    pub schema_version: u32,
    pub models: Vec<WireModel>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireModel {
    pub id: String,
    pub name: String,
    pub vendor: Option<String>,
    pub multiplier: Option<f64>,
}

/// `GET /v1/custom-agents?repo=owner/name`: the custom agents a new task in `repo` can run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireCustomAgentList {
    pub schema_version: u32,
    pub repo: String,
    pub custom_agents: Vec<WireCustomAgent>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireCustomAgent {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

impl WireModelList {
    pub fn from_models(models: Vec<crate::choices::Model>) -> WireModelList {
        WireModelList {
            schema_version: SCHEMA_VERSION,
            models: models
                .into_iter()
                .map(|m| WireModel {
                    id: m.id,
                    name: m.name,
                    vendor: m.vendor,
                    multiplier: m.multiplier,
                })
                .collect(),
        }
    }
}

impl WireCustomAgentList {
    pub fn from_agents(repo: String, agents: Vec<crate::choices::CustomAgent>) -> Self {
        WireCustomAgentList {
            schema_version: SCHEMA_VERSION,
            repo,
            custom_agents: agents
                .into_iter()
                .map(|a| WireCustomAgent {
                    id: a.id,
                    name: a.name,
                    description: a.description,
                })
                .collect(),
        }
    }
}

/// `POST /v1/tasks/{id}/stop` when upstream accepted the cancellation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireStopReply {
    pub task_id: String,
    pub workflow_run_id: u64,
    pub status: String,
}

/// One source in `GET /v1/sources`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireSource {
    /// Stable, path-safe: `gh:<account>`, `claude-code`, …
    pub id: String,
    /// `github`, `claude-code`, `codex`, `copilot-cli`, `gemini-cli`.
    pub kind: String,
    /// For people: "github.com — octocat".
    pub name: String,
    /// How many of the listed tasks are this source's.
    pub tasks: usize,
    /// Whether the source needs the user to sign in.
    pub signed_out: bool,
    pub health: WireHealth,
}

/// The answer of `GET /v1/sources`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireSourceList {
    pub schema_version: u32,
    pub sources: Vec<WireSource>,
}

impl WireSourceList {
    pub fn from_overview(overview: &crate::model::Overview) -> WireSourceList {
        WireSourceList {
            schema_version: SCHEMA_VERSION,
            sources: overview
                .sources
                .iter()
                .map(|source| WireSource {
                    id: source.id.to_string(),
                    kind: source.kind.clone(),
                    name: source.name.clone(),
                    tasks: source.tasks,
                    signed_out: source.health.status == crate::model::HealthStatus::SignedOut,
                    health: WireHealth::from(&source.health),
                })
                .collect(),
        }
    }
}

/// The answer of `POST /v1/tasks/{key}/actions/{action}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireActionReply {
    /// The task's key.
    pub task: String,
    pub action: String,
    pub message: String,
    /// The link the action is about (open, open-pr, open-logs, copy-link): the client opens
    /// or copies it.
    pub url: Option<String>,
}

impl WireActionReply {
    pub fn from_outcome(outcome: crate::core::actions::ActionOutcome) -> WireActionReply {
        WireActionReply {
            task: outcome.task,
            action: outcome.action.as_str().to_owned(),
            message: outcome.message,
            url: outcome.url,
        }
    }
}

impl WireTransition {
    pub fn from_transition(t: &crate::diff::Transition, now: DateTime<Utc>) -> WireTransition {
        WireTransition {
            schema_version: SCHEMA_VERSION,
            task_id: t.task_id.clone(),
            from: t.from.as_ref().map(|s| s.as_str().to_owned()),
            to: t.to.as_str().to_owned(),
            bucket: t.to.bucket().as_str().to_owned(),
            task: WireTask::from_task(&t.task, now, false),
        }
    }
}

impl WireTaskList {
    /// The list of every task in `overview`, in SPEC order.
    pub fn from_overview(
        overview: &crate::model::Overview,
        now: DateTime<Utc>,
        stale_after_seconds: u64,
    ) -> WireTaskList {
        WireTaskList {
            schema_version: SCHEMA_VERSION,
            generated_at: now,
            stale_after_seconds,
            counts: overview.snapshot.counts().into(),
            health: WireHealth::from(&overview.health),
            tasks: overview
                .snapshot
                .tasks
                .iter()
                .map(|t| WireTask::from_task(t, now, false))
                .collect(),
        }
    }

    /// Back into a snapshot (for `status`/`tasks` reading a running agent).
    pub fn into_snapshot(self) -> crate::model::Snapshot {
        let fetched_at = self.health.last_success_at;
        let mut snapshot = crate::model::Snapshot::new(
            self.tasks.into_iter().map(WireTask::into_task).collect(),
            fetched_at.unwrap_or(self.generated_at),
        );
        snapshot.fetched_at = fetched_at;
        snapshot
    }
}

impl WireTask {
    /// The task as served; `with_sessions` adds `sessions[]` (task detail, on-disk snapshot).
    pub fn from_task(task: &Task, now: DateTime<Utc>, with_sessions: bool) -> WireTask {
        WireTask {
            id: task.id.clone(),
            key: task.key().to_string(),
            source: task.source.to_string(),
            provider: task.provider.as_str().to_owned(),
            kind: task.kind.as_str().to_owned(),
            title: task.title.clone(),
            repository: task.repository.clone(),
            state: task.state.as_str().to_owned(),
            bucket: task.bucket().as_str().to_owned(),
            label: task.state.label().to_owned(),
            progress: task.progress.clone(),
            owner: task.owner.clone(),
            created_at: task.created_at,
            updated_at: task.updated_at,
            completed_at: task.completed_at,
            duration_seconds: task.duration_seconds(now),
            pull_request: task.pull_request.as_ref().map(|pr| WirePullRequest {
                number: pr.number,
                title: pr.title.clone(),
                url: pr.url.clone(),
                state: pr.state.as_str().to_owned(),
                draft: pr.draft,
                node_id: pr.node_id.clone(),
                database_id: pr.database_id,
            }),
            url: task.url.clone(),
            logs_url: task.logs_url.clone(),
            error: task.error.as_ref().map(WireError::from_error),
            session_count: task.session_count,
            branch: task.branch.as_ref().map(|b| WireBranch {
                head_ref: b.head_ref.clone(),
                base_ref: b.base_ref.clone(),
            }),
            custom_agent: task.custom_agent.clone(),
            workflow_run_url: task.workflow_run_url.clone(),
            note: task.note.clone(),
            usage: task.usage.as_ref().map(WireUsage::from_usage),
            owner_id: task.owner_id,
            repository_id: task.repository_id,
            actions: task
                .actions
                .names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            stale: task.stale,
            sessions: with_sessions.then(|| {
                task.sessions
                    .iter()
                    .map(WireSession::from_session)
                    .collect()
            }),
        }
    }

    /// Back into the model; derived fields (`bucket`, `label`, `duration_seconds`) are
    /// recomputed from the state and times rather than trusted.
    pub fn into_task(self) -> Task {
        Task {
            id: self.id,
            source: SourceId::new(&self.source).unwrap_or_default(),
            provider: Provider::parse(&self.provider),
            kind: TaskKind::parse(&self.kind),
            title: self.title,
            repository: self.repository,
            state: State::parse(&self.state),
            progress: self.progress,
            owner: self.owner,
            created_at: self.created_at,
            updated_at: self.updated_at,
            completed_at: self.completed_at,
            pull_request: self.pull_request.map(|pr| PullRequest {
                number: pr.number,
                title: pr.title,
                url: pr.url,
                state: PullRequestState::parse(&pr.state).unwrap_or(PullRequestState::Open),
                draft: pr.draft,
                node_id: pr.node_id,
                database_id: pr.database_id,
            }),
            url: self.url,
            logs_url: self.logs_url,
            error: self.error.map(WireError::into_error),
            session_count: self.session_count,
            branch: self.branch.map(|b| Branch {
                head_ref: b.head_ref,
                base_ref: b.base_ref,
            }),
            custom_agent: self.custom_agent,
            workflow_run_url: self.workflow_run_url,
            note: self.note,
            usage: self.usage.map(WireUsage::into_usage),
            owner_id: self.owner_id,
            repository_id: self.repository_id,
            actions: self
                .actions
                .iter()
                .filter_map(|name| TaskAction::parse(name))
                .collect(),
            stale: self.stale,
            sessions: self
                .sessions
                .unwrap_or_default()
                .into_iter()
                .map(WireSession::into_session)
                .collect(),
        }
    }
}

impl WireError {
    fn from_error(error: &TaskError) -> WireError {
        WireError {
            code: error.code.clone(),
            message: error.message.clone(),
        }
    }

    fn into_error(self) -> TaskError {
        TaskError {
            code: self.code,
            message: self.message,
        }
    }
}

impl WireSession {
    fn from_session(s: &Session) -> WireSession {
        WireSession {
            id: s.id.clone(),
            name: s.name.clone(),
            state: s.state.as_str().to_owned(),
            created_at: s.created_at,
            updated_at: s.updated_at,
            completed_at: s.completed_at,
            prompt: s.prompt.clone(),
            head_ref: s.head_ref.clone(),
            base_ref: s.base_ref.clone(),
            model: s.model.clone(),
            error: s.error.as_ref().map(WireError::from_error),
            workflow_run_id: s.workflow_run_id,
            premium_requests: s.premium_requests,
            usage: s.usage.as_ref().map(WireUsage::from_usage),
        }
    }

    fn into_session(self) -> Session {
        Session {
            id: self.id,
            name: self.name,
            state: State::parse(&self.state),
            created_at: self.created_at,
            updated_at: self.updated_at,
            completed_at: self.completed_at,
            prompt: self.prompt,
            head_ref: self.head_ref,
            base_ref: self.base_ref,
            model: self.model,
            error: self.error.map(WireError::into_error),
            workflow_run_id: self.workflow_run_id,
            premium_requests: self.premium_requests,
            usage: self.usage.map(WireUsage::into_usage),
        }
    }
}

impl From<Counts> for WireCounts {
    fn from(c: Counts) -> WireCounts {
        WireCounts {
            running: c.running,
            waiting: c.waiting,
            failed: c.failed,
            completed: c.completed,
            cancelled: c.cancelled,
            unknown: c.unknown,
            total: c.total,
        }
    }
}

impl From<&Problem> for WireProblem {
    fn from(p: &Problem) -> WireProblem {
        WireProblem {
            code: p.code.to_owned(),
            message: p.message.clone(),
            at: p.at,
        }
    }
}

impl From<&Health> for WireHealth {
    fn from(h: &Health) -> WireHealth {
        WireHealth {
            status: h.status.as_str().to_owned(),
            last_success_at: h.last_success_at,
            last_attempt_at: h.last_attempt_at,
            consecutive_failures: h.consecutive_failures,
            last_error: h.last_error.as_ref().map(WireProblem::from),
            stale: h.stale,
            next_poll_at: h.next_poll_at,
            rate_limit_remaining: h.rate_limit.map(|r| r.remaining),
            rate_limit_reset_at: h.rate_limit.map(|r| r.reset_at),
            sessions_unavailable: h.sessions_unavailable.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{now, task};

    #[test]
    fn the_streamed_list_is_byte_for_byte_the_owned_list() {
        let mut failed = task("t2", "failed", 30);
        failed.error = Some(TaskError {
            code: None,
            message: "it broke".into(),
        });
        let overview = crate::model::Overview {
            snapshot: crate::model::Snapshot::new(
                vec![
                    task("t1", "in_progress", 1),
                    failed,
                    task("t3", "completed", 90),
                ],
                now(),
            ),
            health: crate::model::Health::starting(),
            sources: Vec::new(),
        };
        let owned = serde_json::to_string(&WireTaskList::from_overview(&overview, now(), 90));
        let streamed = serde_json::to_string(&WireTaskListView::of(&overview, now(), 90));
        assert_eq!(owned.unwrap(), streamed.unwrap());
    }

    #[test]
    fn a_task_survives_the_round_trip_through_json() {
        let mut original = task("t1", "failed", 30);
        original.completed_at = Some(now());
        original.error = Some(TaskError {
            code: Some("E".into()),
            message: "it broke".into(),
        });
        original.pull_request = Some(PullRequest {
            number: 7,
            title: "Fix".into(),
            url: "https://github.com/acme/api/pull/7".into(),
            state: PullRequestState::Merged,
            draft: false,
            node_id: Some("PR_7".into()),
            database_id: Some(70),
        });
        original.sessions = vec![Session {
            id: "s".into(),
            name: None,
            state: State::Failed,
            created_at: Some(now()),
            updated_at: None,
            completed_at: Some(now()),
            prompt: Some("do it".into()),
            head_ref: None,
            base_ref: Some("main".into()),
            model: None,
            error: None,
            workflow_run_id: Some(99),
            premium_requests: Some(2.0),
            usage: Some(Usage {
                ai_credit_nanos: Some(1_234_567_891),
                premium_requests: None,
            }),
        }];
        original.usage = original.sessions[0].usage;
        original.branch = Some(Branch {
            head_ref: "copilot/x".into(),
            base_ref: None,
        });
        original.custom_agent = Some("reviewer".into());
        original.workflow_run_url = Some("https://github.com/acme/api/actions/runs/99".into());
        original.note = Some("session detail unavailable: HTTP 500".into());
        original.owner_id = Some(583231);
        original.repository_id = Some(5);
        let wire = WireTask::from_task(&original, now(), true);
        assert_eq!(
            wire.usage.as_ref().map(|u| u.label.as_str()),
            Some("1.2 AI credits")
        );
        assert_eq!(wire.bucket, "failed");
        assert_eq!(wire.label, "Failed");
        let json = serde_json::to_string(&wire).unwrap();
        let back: WireTask = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_task(), original);
    }

    /// Regression (found by fuzzing): serde_json's default float parser can read a float back
    /// one unit off, so a snapshot restored premium requests that differed from what was shown.
    #[test]
    fn premium_requests_read_back_to_the_same_float() {
        let mut original = task("t1", "completed", 30);
        original.usage = Some(Usage {
            ai_credit_nanos: None,
            premium_requests: Some(7.976131348623158e307),
        });
        let json = serde_json::to_string(&WireTask::from_task(&original, now(), false)).unwrap();
        let back: WireTask = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_task().usage, original.usage, "{json}");
    }

    #[test]
    fn lists_leave_sessions_out() {
        let wire = WireTask::from_task(&task("t", "queued", 1), now(), false);
        let json = serde_json::to_value(&wire).unwrap();
        assert!(json.get("sessions").is_none());
        assert_eq!(json["bucket"], "running");
    }
}
