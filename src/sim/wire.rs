//! The upstream wire shapes (REST agent tasks, CAPI sessions, GraphQL nodes), built from the
//! simulator's own world types so that the real client is tested against GitHub's shapes.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::scenario::{PullRequestState, StepError, Viewer};
use super::world::{PullNow, RepositoryNow, SessionNow, SimSeconds, TaskNow, node_suffix};

/// The Copilot coding agent's bot account, as a task collaborator.
const AGENT_ID: u64 = 198_982_749;

/// Where URLs point and what time the sim's offsets count from.
pub(crate) struct WireContext<'a> {
    /// `http://host:port`, from the request's `Host` header.
    pub origin: &'a str,
    pub epoch: DateTime<Utc>,
    pub viewer: &'a Viewer,
}

impl WireContext<'_> {
    pub fn time(&self, at: SimSeconds) -> DateTime<Utc> {
        self.epoch + chrono::Duration::milliseconds((at * 1000.0).round() as i64)
    }

    pub fn rfc3339(&self, at: SimSeconds) -> String {
        self.time(at).to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    fn user(&self) -> Value {
        json!({
            "id": self.viewer.id,
            "login": self.viewer.login,
            "node_id": user_node_id(self.viewer),
        })
    }

    pub fn pull_url(&self, repository: &RepositoryNow, pull: &PullNow) -> String {
        format!(
            "{}/web/{}/pull/{}",
            self.origin,
            repository.full_name(),
            pull.number
        )
    }

    pub fn task_html_url(&self, task: &TaskNow) -> String {
        format!(
            "{}/web/{}/tasks/{}",
            self.origin,
            task.repository.full_name(),
            task.id
        )
    }
}

pub(crate) fn user_node_id(viewer: &Viewer) -> String {
    format!("U_kgDO{}", node_suffix(&viewer.login))
}

fn error_json(error: Option<&StepError>) -> Value {
    match error {
        None => Value::Null,
        Some(StepError::Plain(text)) => json!(text),
        Some(StepError::Detailed { code, message }) => json!({"code": code, "message": message}),
    }
}

/// `GET /repositories/{id}`, and the full `repository` of a task.
pub(crate) fn repository_json(context: &WireContext<'_>, repository: &RepositoryNow) -> Value {
    json!({
        "id": repository.id,
        "node_id": format!("R_kgDO{}", node_suffix(&repository.full_name())),
        "name": repository.name,
        "full_name": repository.full_name(),
        "owner": {"login": repository.owner, "id": repository.owner_id},
        "html_url": format!("{}/web/{}", context.origin, repository.full_name()),
        "private": repository.private,
    })
}

/// A task as the agent tasks REST API lists it; `detail` adds `sessions[]`, `in_repo` adds
/// `creator_id` as the per-repository routes do.
pub(crate) fn task_json(
    context: &WireContext<'_>,
    task: &TaskNow,
    detail: bool,
    in_repo: bool,
) -> Value {
    let repository = if task.repository.thin {
        json!({"id": task.repository.id})
    } else {
        repository_json(context, &task.repository)
    };
    let artifacts: Vec<Value> = task
        .pull
        .iter()
        .map(|pull| {
            json!({
                "provider": "github",
                "type": "github_resource",
                "data": {"type": "pull", "id": pull.database_id, "global_id": pull.node_id},
            })
        })
        .collect();
    let mut value = json!({
        "id": task.id,
        "url": format!("{}/agents/repos/{}/tasks/{}", context.origin, task.repository.full_name(), task.id),
        "html_url": context.task_html_url(task),
        "name": task.name,
        "creator": context.user(),
        "creator_type": "user",
        "user_collaborators": [],
        "agent_collaborators": [{"id": AGENT_ID, "login": "Copilot", "type": "Bot"}],
        "owner": {"id": task.repository.owner_id, "login": task.repository.owner},
        "repository": repository,
        "state": task.state,
        "session_count": task.sessions.len(),
        "artifacts": artifacts,
        "archived_at": task.archived_at.map(|at| context.rfc3339(at)),
        "created_at": context.rfc3339(task.created_at),
        "updated_at": context.rfc3339(task.updated_at),
    });
    if in_repo {
        value["creator_id"] = json!(context.viewer.id);
    }
    if detail {
        value["sessions"] = task
            .sessions
            .iter()
            .map(|s| rest_session_json(context, task, s))
            .collect();
    }
    value
}

fn rest_session_json(context: &WireContext<'_>, task: &TaskNow, session: &SessionNow) -> Value {
    json!({
        "id": session.id,
        "name": session_name(task, session),
        "task_id": task.id,
        "user": context.user(),
        "owner": {"id": task.repository.owner_id, "login": task.repository.owner},
        "repository": {"id": task.repository.id},
        "state": session.state,
        "created_at": context.rfc3339(session.created_at),
        "updated_at": context.rfc3339(session.updated_at),
        "completed_at": session.completed_at.map(|at| context.rfc3339(at)),
        "prompt": session.prompt,
        "head_ref": format!("copilot/{}", &task.id[..8.min(task.id.len())]),
        "base_ref": "main",
        "model": session.model,
        "error": error_json(session.error.as_ref()),
    })
}

fn session_name(task: &TaskNow, session: &SessionNow) -> String {
    let title = task
        .name
        .clone()
        .unwrap_or_else(|| "Copilot task".to_owned());
    if session.is_follow_up {
        format!("Addressing comment on {title}")
    } else {
        title
    }
}

/// A CAPI session object; `unix_times` gives Unix seconds as the per-PR route does.
pub(crate) fn capi_session_json(
    context: &WireContext<'_>,
    task: &TaskNow,
    session: &SessionNow,
    unix_times: bool,
) -> Value {
    let time = |at: SimSeconds| -> Value {
        if unix_times {
            json!(context.time(at).timestamp())
        } else {
            json!(context.rfc3339(at))
        }
    };
    let event_url = match &task.pull {
        Some(pull) => context.pull_url(&task.repository, pull),
        None => context.task_html_url(task),
    };
    let mut value = json!({
        "id": session.id,
        "name": session_name(task, session),
        "user_id": context.viewer.id,
        "agent_id": AGENT_ID,
        "state": session.state,
        "owner_id": task.repository.owner_id,
        "repo_id": task.repository.id,
        "resource_type": if task.pull.is_some() { "pull" } else { "" },
        "resource_id": task.pull.as_ref().map_or(0, |p| p.database_id),
        "created_at": time(session.created_at),
        "last_updated_at": time(session.updated_at),
        "event_type": if session.is_follow_up { "pull_request_comment" } else { "agent_task_created" },
        "event_url": event_url,
        "premium_requests": session.premium_requests,
        "workflow_run_id": session.workflow_run_id,
        "error": error_json(session.error.as_ref()),
        // Not in every upstream answer, but the `task_id` filter needs something to match.
        "task_id": task.id,
    });
    if let Some(pull) = &task.pull {
        value["resource_global_id"] = json!(pull.node_id);
    }
    // Absent, not null, while the session runs: that is what upstream does.
    if let Some(done) = session.completed_at {
        value["completed_at"] = time(done);
    }
    value
}

/// A GraphQL `PullRequest` node.
pub(crate) fn pull_node_json(
    context: &WireContext<'_>,
    repository: &RepositoryNow,
    pull: &PullNow,
) -> Value {
    let state = match pull.state {
        PullRequestState::Open => "OPEN",
        PullRequestState::Closed => "CLOSED",
        PullRequestState::Merged => "MERGED",
    };
    json!({
        "__typename": "PullRequest",
        "id": pull.node_id,
        "fullDatabaseId": pull.database_id.to_string(),
        "number": pull.number,
        "title": pull.title,
        "state": state,
        "isDraft": pull.draft,
        "url": context.pull_url(repository, pull),
        "repository": {"nameWithOwner": repository.full_name()},
    })
}

/// A GraphQL `User` node for the viewer.
pub(crate) fn user_node_json(viewer: &Viewer) -> Value {
    json!({
        "__typename": "User",
        "id": user_node_id(viewer),
        "login": viewer.login,
        "databaseId": viewer.id,
    })
}
