//! GitHub (one account, or the demo's simulator) as a source: the poller and incremental sync
//! behind the [`Source`] trait, what its tasks allow, stopping (cancelling the Actions run that
//! hosts the newest session), and session logs from the Copilot API.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{BoxFuture, LogBody, LogError, LogFormat, Source, StateSender};
use crate::core::actions::{ActionError, ActionInput, ActionOutcome, ActionSet, TaskAction};
use crate::core::{StopError, StopOutcome};
use crate::github::client::Fetched;
use crate::github::{ClientError, GitHubClient};
use crate::model::{Provider, SourceId, Task};
use crate::poller::{GitHubSource, Poller, RefreshHandle};

/// What a GitHub task allows now: its links, refresh, and stop while the agent works (the
/// stop cancels the Actions run hosting the newest session).
pub fn actions(task: &Task) -> ActionSet {
    let mut set = super::link_actions(task);
    if task.is_active() {
        set.insert(TaskAction::Stop);
    }
    // Anything not working right now can be put away (agentbar's archive, not GitHub's).
    if task.bucket() != crate::model::Bucket::Running {
        set.insert(TaskAction::Archive);
    }
    if crate::start::follow_up(task, "continue").is_ok()
        && task.bucket() != crate::model::Bucket::Running
    {
        set.insert(TaskAction::Continue);
    }
    set
}

/// One GitHub account as a source.
pub struct GitHubAccount {
    id: SourceId,
    name: String,
    /// Taken by [`Source::run`]; `None` once the loop runs.
    poller: Mutex<Option<Poller<GitHubSource>>>,
    refresh: RefreshHandle,
    /// The client in use, `None` while signed out (the poller's source sends it).
    clients: watch::Receiver<Option<Arc<GitHubClient>>>,
    /// Session ids (newest first) fetched for tasks whose detail the list lacked, by task id.
    fetched_sessions: Mutex<HashMap<String, Vec<String>>>,
}

impl GitHubAccount {
    /// `poller` must publish tasks stamped with `id` and [`actions`] (`GitHubSource::with_stamp`).
    pub fn new(
        id: SourceId,
        name: String,
        poller: Poller<GitHubSource>,
        clients: watch::Receiver<Option<Arc<GitHubClient>>>,
    ) -> GitHubAccount {
        GitHubAccount {
            id,
            name,
            refresh: poller.refresh_handle(),
            poller: Mutex::new(Some(poller)),
            clients,
            fetched_sessions: Mutex::default(),
        }
    }

    /// An account with a fixed client (`None`: signed out) and no poll loop of its own: it
    /// serves actions and logs only (one-shot commands, tests).
    pub fn with_client(
        id: SourceId,
        name: String,
        client: Option<Arc<GitHubClient>>,
    ) -> GitHubAccount {
        let (_, clients) = watch::channel(client);
        GitHubAccount {
            id,
            name,
            poller: Mutex::new(None),
            refresh: RefreshHandle::default(),
            clients,
            fetched_sessions: Mutex::default(),
        }
    }

    /// The client this account polls with now.
    pub fn client(&self) -> Option<Arc<GitHubClient>> {
        self.clients.borrow().clone()
    }

    /// The task's session ids, newest first: from the task, else fetched once from its detail
    /// (the list alone does not carry them).
    async fn sessions_of(
        &self,
        client: &GitHubClient,
        task: &Task,
    ) -> Result<Vec<String>, LogError> {
        if !task.sessions.is_empty() {
            return Ok(task.sessions.iter().map(|s| s.id.clone()).collect());
        }
        let cached = self
            .fetched_sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&task.id)
            .cloned();
        if let Some(sessions) = cached {
            return Ok(sessions);
        }
        let detail = client.task(&task.id, None).await.map_err(log_error)?;
        let Fetched::Fresh { value, .. } = detail.body else {
            return Ok(Vec::new());
        };
        let mut sessions = value.sessions;
        // Newest first, as the snapshot holds them; upstream order is not promised.
        sessions.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        let ids: Vec<String> = sessions.into_iter().map(|s| s.id).collect();
        if !ids.is_empty() {
            self.fetched_sessions
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(task.id.clone(), ids.clone());
        }
        Ok(ids)
    }
}

impl Source for GitHubAccount {
    fn id(&self) -> &SourceId {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "github"
    }

    fn provider(&self) -> Provider {
        Provider::GithubCopilot
    }

    fn display_name(&self) -> String {
        self.name.clone()
    }

    fn run(self: Arc<Self>, out: StateSender, cancel: CancellationToken) -> BoxFuture<'static, ()> {
        let poller = self
            .poller
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        Box::pin(async move {
            match poller {
                Some(poller) => poller.run(out, cancel).await,
                None => tracing::error!(source = %self.id, "this source's loop already runs"),
            }
        })
    }

    fn refresh(&self) {
        self.refresh.refresh_now();
    }

    fn actions(&self, task: &Task) -> ActionSet {
        actions(task)
    }

    fn act<'a>(
        &'a self,
        task: &'a Task,
        action: TaskAction,
        _input: ActionInput,
    ) -> BoxFuture<'a, Result<ActionOutcome, ActionError>> {
        Box::pin(async move {
            match action {
                TaskAction::Stop => {
                    let client = self.client();
                    let stopped = stop(client.as_deref(), task)
                        .await
                        .map_err(|e| stop_as_action_error(e, &self.id))?;
                    self.refresh.refresh_now();
                    Ok(ActionOutcome {
                        task: task.key().to_string(),
                        action,
                        message: format!(
                            "cancellation of the Actions run {} requested",
                            stopped.workflow_run_id
                        ),
                        url: None,
                    })
                }
                TaskAction::Refresh => {
                    self.refresh.refresh_now();
                    Ok(ActionOutcome {
                        task: task.key().to_string(),
                        action,
                        message: "asked GitHub for news now".to_owned(),
                        url: None,
                    })
                }
                TaskAction::Open
                | TaskAction::OpenPr
                | TaskAction::OpenLogs
                | TaskAction::CopyLink => super::link_outcome(task, action),
                // The core performs these: the archive is agentbar's own, and a continue is a
                // task start the command loop runs and then waits to see listed.
                TaskAction::Archive | TaskAction::Unarchive | TaskAction::Continue => {
                    Err(ActionError::Unsupported(action))
                }
            }
        })
    }

    fn log<'a>(
        &'a self,
        task: &'a Task,
        session: Option<&'a str>,
    ) -> BoxFuture<'a, Result<LogBody, LogError>> {
        Box::pin(async move {
            let client = self
                .client()
                .ok_or_else(|| LogError::SignedOut(self.id.to_string()))?;
            let sessions = self.sessions_of(&client, task).await?;
            let session_id = choose_session(task, &sessions, session.filter(|s| !s.is_empty()))?;
            let body = client.session_log(&session_id).await.map_err(log_error)?;
            // An older session is over once a newer one exists.
            let finished = task.state.is_terminal() || sessions.first() != Some(&session_id);
            Ok(LogBody {
                session_id,
                body,
                finished,
                format: LogFormat::Copilot,
            })
        })
    }
}

/// Cancels the Actions run hosting `task`'s newest session.
pub async fn stop(client: Option<&GitHubClient>, task: &Task) -> Result<StopOutcome, StopError> {
    if !task.is_active() {
        return Err(StopError::NotActive(task.state.label().to_lowercase()));
    }
    let run_id = task
        .current_session()
        .and_then(|s| s.workflow_run_id)
        .ok_or(StopError::NoRunId)?;
    let repository = task.repository.as_deref().ok_or(StopError::NoRepository)?;
    let client = client.ok_or(StopError::SignedOut)?;
    client
        .cancel_run(repository, run_id)
        .await
        .map_err(StopError::Upstream)?;
    Ok(StopOutcome {
        task_id: task.id.clone(),
        workflow_run_id: run_id,
    })
}

fn stop_as_action_error(error: StopError, source: &SourceId) -> ActionError {
    let action = TaskAction::Stop;
    let message = error.to_string();
    let not_allowed = |code| ActionError::NotAllowed {
        action,
        code,
        reason: message.clone(),
    };
    match error {
        StopError::UnknownTask(reference) => ActionError::UnknownTask(reference),
        StopError::NotActive(_) => not_allowed("not_active"),
        StopError::NoRunId => not_allowed("no_run_id"),
        StopError::NoRepository => not_allowed("no_repository"),
        StopError::SignedOut => ActionError::SignedOut(source.to_string()),
        StopError::Upstream(e) => ActionError::Upstream(e.to_string()),
        StopError::ShuttingDown => ActionError::ShuttingDown,
    }
}

/// The session to show: the newest, or the one `wanted` names by id or by number (1 is the
/// first). No session at all, or an unknown one, says why.
pub fn choose_session(
    task: &Task,
    newest_first: &[String],
    wanted: Option<&str>,
) -> Result<String, LogError> {
    let Some(newest) = newest_first.first() else {
        let why = if task.state.is_terminal() {
            "GitHub lists no session for this task, so it has no log"
        } else {
            "this task has not started a session yet, so there is no log yet; it appears once the agent starts working"
        };
        return Err(LogError::NoSession(why.to_owned()));
    };
    let Some(wanted) = wanted else {
        return Ok(newest.clone());
    };
    if let Some(id) = newest_first.iter().find(|id| id.as_str() == wanted) {
        return Ok(id.clone());
    }
    let count = newest_first.len();
    match wanted.parse::<usize>() {
        Ok(number) if (1..=count).contains(&number) => Ok(newest_first[count - number].clone()),
        _ => Err(LogError::NoSession(format!(
            "this task has no session {wanted:?}: it has {count} (give a number from 1 to {count}, or a session id)"
        ))),
    }
}

fn log_error(error: ClientError) -> LogError {
    let message = error.to_string();
    match error {
        ClientError::Unauthorized { .. } | ClientError::Forbidden { .. } => LogError::Unavailable(
            format!("the Copilot API does not serve logs to this token: {message}"),
        ),
        ClientError::NotFound { .. } => {
            LogError::NoLog("GitHub has no log for this task's session".to_owned())
        }
        _ => LogError::Upstream(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::task;

    #[test]
    fn only_active_tasks_can_be_stopped() {
        assert!(actions(&task("1", "in_progress", 1)).contains(TaskAction::Stop));
        assert!(actions(&task("2", "waiting_for_user", 1)).contains(TaskAction::Stop));
        for finished in ["completed", "failed", "cancelled", "stopped"] {
            let allowed = actions(&task("3", finished, 1));
            assert!(!allowed.contains(TaskAction::Stop), "{finished}");
            assert!(allowed.contains(TaskAction::Open), "{finished}");
        }
    }

    #[test]
    fn without_a_session_the_answer_says_why_and_is_not_a_retry_later() {
        let queued = task("q", "queued", 1);
        let error = choose_session(&queued, &[], None).unwrap_err();
        assert_eq!(error.code(), "no_session");
        assert!(
            error.to_string().contains("not started a session yet"),
            "{error}"
        );
        let failed = task("f", "failed", 1);
        let error = choose_session(&failed, &[], Some("1")).unwrap_err();
        assert!(error.to_string().contains("lists no session"), "{error}");
        let ids = ["new".to_owned(), "old".to_owned()];
        assert_eq!(choose_session(&failed, &ids, None).unwrap(), "new");
        assert_eq!(choose_session(&failed, &ids, Some("1")).unwrap(), "old");
        assert_eq!(choose_session(&failed, &ids, Some("old")).unwrap(), "old");
        assert!(choose_session(&failed, &ids, Some("-1")).is_err());
    }
}
