//! What the surfaces (tray, loopback API, CLI through the API) ask the core to do: one closed
//! set of commands, so every surface goes through the same doors. Every action on a task goes
//! through [`Command::Act`].

use tokio::sync::oneshot;

use super::actions::{ActionError, ActionInput, ActionOutcome, TaskAction};
use crate::github::ClientError;

#[derive(Debug)]
pub enum Command {
    /// Poll every source now.
    Refresh,
    /// Perform `action` on the task `task` names (a key `<source id>:<upstream id>`, or a bare
    /// upstream id that only one source has); the task's source does the work.
    Act {
        task: String,
        action: TaskAction,
        input: ActionInput,
        reply: oneshot::Sender<Result<ActionOutcome, ActionError>>,
    },
    /// List the archived tasks (asked of GitHub on demand; never part of the snapshot or counts).
    ListArchived {
        reply: oneshot::Sender<Result<Vec<crate::model::Task>, ArchivedError>>,
    },
    /// Archive every finished task that finished at least this long ago (agentbar's own
    /// archive); replies with the ids archived.
    ArchiveFinished {
        older_than: chrono::Duration,
        reply: oneshot::Sender<Result<Vec<String>, crate::archive::ArchiveError>>,
    },
    /// Start a Copilot task; replies once the poll it triggers lists the new task, or after a
    /// bounded wait without it.
    StartTask {
        request: crate::start::StartRequest,
        /// The account to start it under (a source id `gh:<id>` or the account id); `None`:
        /// the default account.
        account: Option<String>,
        reply: oneshot::Sender<Result<crate::start::Started, crate::start::StartError>>,
    },
    /// List the models a new Copilot task can run (asked of the Copilot API on demand), under
    /// the account `source` names (a source id or an account id; `None`: the default one).
    ListModels {
        source: Option<String>,
        reply: oneshot::Sender<Result<Vec<crate::choices::Model>, crate::choices::ChoicesError>>,
    },
    /// List the custom agents a new Copilot task in `repo` (`owner/name`) can run, under the
    /// account `source` names (`None`: the default one).
    ListCustomAgents {
        source: Option<String>,
        repo: String,
        reply:
            oneshot::Sender<Result<Vec<crate::choices::CustomAgent>, crate::choices::ChoicesError>>,
    },
    /// Hold notifications until the given time; `None` resumes them.
    PauseNotifications {
        until: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Start signing in (device flow) to one account: `source` names it (a source id
    /// `gh:<id>` or the account id); `None`: the default account.
    SignIn { source: Option<String> },
    /// Forget one account's token (`source` as for `SignIn`).
    SignOut { source: Option<String> },
    /// Shut everything down.
    Quit,
}

/// A stop request that upstream accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StopOutcome {
    pub task_id: String,
    pub workflow_run_id: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StopError {
    #[error("no task {0} is known")]
    UnknownTask(String),
    #[error("the task is {0}, so there is nothing to stop")]
    NotActive(String),
    #[error(
        "the Actions run hosting this task's session is not known (session details may be unavailable with this token)"
    )]
    NoRunId,
    #[error("the task's repository is not known")]
    NoRepository,
    #[error("signed out: there is no GitHub client to ask")]
    SignedOut,
    #[error("GitHub refused to cancel the run: {0}")]
    Upstream(ClientError),
    #[error("agentbar is shutting down")]
    ShuttingDown,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchivedError {
    #[error("signed out: there is no GitHub client to ask")]
    SignedOut,
    #[error("GitHub did not list the archived tasks: {0}")]
    Upstream(ClientError),
    #[error("agentbar is shutting down")]
    ShuttingDown,
}
