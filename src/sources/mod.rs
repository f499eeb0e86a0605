//! Sources: each is one place tasks come from (a GitHub account, later a local agent), behind
//! one trait. A source runs its own poll loop and pacing, publishes its own tasks and health,
//! decides which actions each of its tasks allows, performs them, and serves a task's log.
//!
//! A source never sees another source: the merge (`crate::merge`) alone combines their states
//! into the overview the surfaces read, and surfaces reach a source only through
//! `Command::Act` and the core.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::core::actions::{ActionError, ActionInput, ActionOutcome, ActionSet, TaskAction};
use crate::model::{Health, Provider, Snapshot, SourceId, Task};

pub use crate::model::TaskKey;

pub mod github;

/// A boxed future a source returns, so the trait stays usable as `dyn Source`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What one source knows at one moment: its own tasks (each carrying this source's id and
/// the actions it allows) and its own health. A failed poll republishes the last good
/// snapshot with the failure in `health` (marked stale); it never empties the list.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceState {
    pub snapshot: Snapshot,
    pub health: Health,
}

impl SourceState {
    /// Before the first poll: an empty list (or one loaded from disk), `starting`.
    pub fn starting(snapshot: Snapshot) -> SourceState {
        SourceState {
            snapshot,
            health: Health::starting(),
        }
    }
}

/// The sending half a source publishes its states into; the merge holds the other end.
pub type StateSender = watch::Sender<Arc<SourceState>>;

/// A log as its source serves it: the whole body of one session, to be parsed into events
/// by `crate::logs` (only new bytes are parsed when it is fetched again).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogBody {
    /// The session the body belongs to (unique within the source).
    pub session_id: String,
    pub body: String,
    /// Whether the session is over, so the body is all there will ever be.
    pub finished: bool,
    pub format: LogFormat,
}

/// How a log body is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// The Copilot API's session log (chunks and message lines).
    Copilot,
    /// A local agent's transcript tail (`crate::logs::formats`).
    Local(crate::logs::formats::LocalFormat),
}

/// Why a source has no log to serve.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The task has no such session (or none yet); says why.
    #[error("{0}")]
    NoSession(String),
    /// Upstream has no log for the session.
    #[error("{0}")]
    NoLog(String),
    /// Upstream will not serve logs with these credentials.
    #[error("{0}")]
    Unavailable(String),
    #[error("signed out: {0} has no credentials to fetch the log with")]
    SignedOut(String),
    #[error("{0}")]
    Upstream(String),
    #[error("this source keeps no logs")]
    Unsupported,
}

impl LogError {
    /// The stable, machine-readable name of the failure.
    pub fn code(&self) -> &'static str {
        match self {
            LogError::NoSession(_) => "no_session",
            LogError::NoLog(_) => "no_log",
            LogError::Unavailable(_) => "logs_unavailable",
            LogError::SignedOut(_) => "signed_out",
            LogError::Upstream(_) => "upstream_error",
            LogError::Unsupported => "no_log",
        }
    }
}

/// Something that yields tasks.
pub trait Source: Send + Sync + 'static {
    /// Stable across restarts and safe in a URL path segment (`gh:octocat`, `claude-code`).
    fn id(&self) -> &SourceId;

    /// What sort of source: `github`, `claude-code`, `codex`, `copilot-cli`, `gemini-cli`.
    fn kind(&self) -> &'static str;

    /// The agent behind its tasks.
    fn provider(&self) -> Provider;

    /// For people: "github.com — octocat", "acme.ghe.com — alice", "Claude Code".
    fn display_name(&self) -> String;

    /// Runs the source's own poll loop (its own pacing and backoff) until `cancel` fires,
    /// publishing every new state into `out`: its tasks (with `source` and `actions` set)
    /// and its health. Returns when cancelled.
    fn run(self: Arc<Self>, out: StateSender, cancel: CancellationToken) -> BoxFuture<'static, ()>;

    /// Asks the loop to poll now (a no-op for sources that are pushed to).
    fn refresh(&self);

    /// The one place that decides what `task` (one of this source's) allows now.
    fn actions(&self, task: &Task) -> ActionSet;

    /// Performs `action` on `task`. Links (open, open-pr, open-logs, copy-link) come back in the
    /// outcome's `url`: the surface that asked opens or copies it (the core opens nothing).
    /// Why `task` does not allow `action` now, in words: the source knows best why (a local
    /// tool may have no way to stop a session at all, where a GitHub task has simply finished).
    fn refusal(&self, task: &Task, action: TaskAction) -> ActionError {
        not_allowed(task, action)
    }

    fn act<'a>(
        &'a self,
        task: &'a Task,
        action: TaskAction,
        input: ActionInput,
    ) -> BoxFuture<'a, Result<ActionOutcome, ActionError>>;

    /// The log of `task`'s newest session, or of the one `session` names (its id, or its
    /// number counted from 1 for the first).
    fn log<'a>(
        &'a self,
        task: &'a Task,
        session: Option<&'a str>,
    ) -> BoxFuture<'a, Result<LogBody, LogError>>;
}

/// The sources a core runs, by id; cheap to clone.
#[derive(Clone, Default)]
pub struct SourceSet(Arc<[Arc<dyn Source>]>);

impl SourceSet {
    pub fn new(sources: Vec<Arc<dyn Source>>) -> SourceSet {
        SourceSet(sources.into())
    }

    pub fn get(&self, id: &SourceId) -> Option<&Arc<dyn Source>> {
        self.0.iter().find(|source| source.id() == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Source>> {
        self.0.iter()
    }

    pub fn ids(&self) -> Vec<SourceId> {
        self.0.iter().map(|source| source.id().clone()).collect()
    }

    /// Asks every source to poll now.
    pub fn refresh_all(&self) {
        for source in self.0.iter() {
            source.refresh();
        }
    }
}

impl std::fmt::Debug for SourceSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|s| s.id()))
            .finish()
    }
}

/// The link each opening action is about, the same for every source: `None` when the task has
/// none (so the action is not allowed).
pub fn link_for(task: &Task, action: TaskAction) -> Option<&str> {
    match action {
        TaskAction::Open | TaskAction::CopyLink => Some(task.url.as_str()),
        TaskAction::OpenPr => task.pull_request.as_ref().map(|pr| pr.url.as_str()),
        TaskAction::OpenLogs => task
            .logs_url
            .as_deref()
            .or(task.workflow_run_url.as_deref()),
        TaskAction::Stop
        | TaskAction::Refresh
        | TaskAction::Archive
        | TaskAction::Unarchive
        | TaskAction::Continue
        | TaskAction::Resume
        | TaskAction::OpenFolder => None,
    }
    .filter(|url| !url.is_empty())
}

/// The actions every source's tasks share: the links the task has, and refresh.
pub fn link_actions(task: &Task) -> ActionSet {
    [
        TaskAction::Open,
        TaskAction::OpenPr,
        TaskAction::OpenLogs,
        TaskAction::CopyLink,
    ]
    .into_iter()
    .filter(|action| link_for(task, *action).is_some())
    .collect::<ActionSet>()
    .with(TaskAction::Refresh)
}

/// Performs an opening action the same way for every source: the outcome carries the link.
pub fn link_outcome(task: &Task, action: TaskAction) -> Result<ActionOutcome, ActionError> {
    let url = link_for(task, action).ok_or_else(|| ActionError::NotAllowed {
        action,
        code: "no_link",
        reason: match action {
            TaskAction::OpenPr => "the task has opened no pull request".to_owned(),
            _ => "the task has no such link".to_owned(),
        },
    })?;
    Ok(ActionOutcome {
        task: task.key().to_string(),
        action,
        message: format!("{action}: {url}"),
        url: Some(url.to_owned()),
    })
}

/// Why `task` does not allow `action`, in words, when its source has nothing better to say.
pub fn not_allowed(task: &Task, action: TaskAction) -> ActionError {
    match action {
        TaskAction::Stop => ActionError::NotAllowed {
            action,
            code: "not_active",
            reason: format!(
                "the task is {}, so there is nothing to stop",
                task.state.label().to_lowercase()
            ),
        },
        _ => match link_outcome(task, action) {
            Err(e) => e,
            Ok(_) => ActionError::Unsupported(action),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::task;

    #[test]
    fn link_actions_follow_the_links_a_task_has() {
        let mut bare = task("1", "in_progress", 1);
        bare.url = String::new();
        assert_eq!(link_actions(&bare).names(), ["refresh"]);
        let mut full = task("2", "completed", 1);
        full.logs_url = None;
        full.workflow_run_url = Some("https://github.com/acme/api/actions/runs/9".into());
        full.pull_request = Some(crate::model::PullRequest {
            number: 3,
            title: "t".into(),
            url: "https://github.com/acme/api/pull/3".into(),
            state: crate::model::PullRequestState::Open,
            draft: false,
            node_id: None,
            database_id: None,
        });
        assert_eq!(
            link_actions(&full).names(),
            ["open", "open-pr", "open-logs", "copy-link", "refresh"]
        );
        let outcome = link_outcome(&full, TaskAction::OpenPr).unwrap();
        assert_eq!(
            outcome.url.as_deref(),
            Some("https://github.com/acme/api/pull/3")
        );
        assert_eq!(outcome.task, "gh:default:2");
        let error = link_outcome(&bare, TaskAction::OpenPr).unwrap_err();
        assert_eq!(error.code(), "no_link");
    }
}
