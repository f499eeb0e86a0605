//! The upstream wire shapes (REST agent tasks, CAPI sessions, GraphQL nodes), built from the
//! simulator's own world types so that the real client is tested against GitHub's shapes.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde_json::{Value, json};

use super::node_id::{repository_node_id, user_node_id};
use super::scenario::{CustomAgentSpec, ModelSpec, PullRequestState, StepError, Viewer};
use super::world::{PullNow, RepositoryNow, SessionNow, SimSeconds, TaskNow, stable_hash};

/// The Copilot coding agent's bot account, as a task collaborator.
const AGENT_ID: u64 = 198_982_749;

/// Sessions created from this moment on are billed in AI credits; older ones in premium
/// requests.
fn ai_credits_since() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

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
            "{}/web/{}/copilot/tasks/{}",
            self.origin,
            task.repository.full_name(),
            task.id
        )
    }
}

/// The CAPI copy of an error: an object, a string or null, as scripted.
fn capi_error_json(error: Option<&StepError>) -> Value {
    match error {
        None => Value::Null,
        Some(StepError::Plain(text)) => json!(text),
        Some(StepError::Detailed { code, message }) => json!({"code": code, "message": message}),
    }
}

/// The REST copy of an error: `{message}` only.
fn rest_error_json(error: Option<&StepError>) -> Value {
    match error {
        None => Value::Null,
        Some(StepError::Plain(message) | StepError::Detailed { message, .. }) => {
            json!({"message": message})
        }
    }
}

/// `GET /user` and `GET /user/{account_id}` for a user account.
pub(crate) fn user_json(context: &WireContext<'_>, user: &Viewer) -> Value {
    json!({
        "login": user.login,
        "id": user.id,
        "node_id": user_node_id(user.id),
        "type": "User",
        "html_url": format!("{}/web/{}", context.origin, user.login),
        "name": user.login,
    })
}

/// `GET /user/{account_id}` for an organization that owns repositories.
pub(crate) fn organization_account_json(context: &WireContext<'_>, login: &str, id: u64) -> Value {
    json!({
        "login": login,
        "id": id,
        "node_id": format!("O_{}", &repository_node_id(id)[2..]),
        "type": "Organization",
        "html_url": format!("{}/web/{}", context.origin, login),
    })
}

/// `GET /repositories/{id}`.
pub(crate) fn repository_json(context: &WireContext<'_>, repository: &RepositoryNow) -> Value {
    let owner_type = if repository.owner_is_user {
        "User"
    } else {
        "Organization"
    };
    json!({
        "id": repository.id,
        "node_id": repository_node_id(repository.id),
        "name": repository.name,
        "full_name": repository.full_name(),
        "owner": {
            "login": repository.owner,
            "id": repository.owner_id,
            "type": owner_type,
            "html_url": format!("{}/web/{}", context.origin, repository.owner),
        },
        "html_url": format!("{}/web/{}", context.origin, repository.full_name()),
        "private": repository.private,
    })
}

/// A task's artifacts as the REST API documents them: the kind in the artifact's own `type`.
fn rest_artifacts(task: &TaskNow) -> Vec<Value> {
    if let Some(pull) = &task.pull {
        let mut data = json!({"id": pull.database_id});
        if pull.global_id_in_rest {
            data["global_id"] = json!(pull.node_id);
        }
        vec![json!({"provider": "github", "type": "pull", "data": data})]
    } else if task.branch_only && task.work_started {
        vec![json!({
            "provider": "github",
            "type": "branch",
            "data": {"head_ref": task.head_ref, "base_ref": task.base_ref},
        })]
    } else {
        Vec::new()
    }
}

/// Whether a list answer carries `html_url` for this task: often not, so stable per task.
fn list_has_html_url(task: &TaskNow) -> bool {
    stable_hash(&[&task.id, "html_url"]).is_multiple_of(3)
}

/// A task as the agent tasks REST API answers it: thin `{id}` objects, no `status` and no
/// `agent_collaborators`; `detail` (the one-task routes) adds `html_url` and `sessions[]`.
pub(crate) fn task_json(context: &WireContext<'_>, task: &TaskNow, detail: bool) -> Value {
    let mut value = json!({
        "id": task.id,
        "url": format!("{}/agents/repos/{}/tasks/{}", context.origin, task.repository.full_name(), task.id),
        "name": task.name,
        "creator": {"id": task.creator.id},
        "creator_type": "user",
        "user_collaborators": collaborators(context, task),
        "owner": {"id": task.repository.owner_id},
        "repository": {"id": task.repository.id},
        "state": task.state,
        "session_count": task.sessions.len(),
        "artifacts": rest_artifacts(task),
        "archived_at": task.archived_at.map(|at| context.rfc3339(at)),
        "created_at": context.rfc3339(task.created_at),
        "updated_at": context.rfc3339(task.updated_at),
    });
    if let Some(agent) = &task.custom_agent {
        value["custom_agent"] = json!({"id": agent});
    }
    if detail || list_has_html_url(task) {
        value["html_url"] = json!(context.task_html_url(task));
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

/// The viewer works with a teammate's task they can see; nobody else is listed.
fn collaborators(context: &WireContext<'_>, task: &TaskNow) -> Value {
    if task.creator.id == context.viewer.id {
        json!([])
    } else {
        json!([{"id": context.viewer.id}])
    }
}

/// A session's `usage`: AI credits in nano-credits since 2026-06-01, premium requests before.
fn usage_json(context: &WireContext<'_>, session: &SessionNow) -> Value {
    if context.time(session.created_at) >= ai_credits_since() {
        json!({"type": "ai_credits", "amount": session.ai_credits_nanos})
    } else {
        json!({"type": "premium_requests", "amount": session.premium_requests})
    }
}

fn rest_session_json(context: &WireContext<'_>, task: &TaskNow, session: &SessionNow) -> Value {
    json!({
        "id": session.id,
        "name": session_name(task, session),
        "task_id": task.id,
        "user": {"id": task.creator.id},
        "owner": {"id": task.repository.owner_id},
        "repository": {"id": task.repository.id},
        "state": session.state,
        "created_at": context.rfc3339(session.created_at),
        "updated_at": context.rfc3339(session.updated_at),
        "completed_at": session.completed_at.map(|at| context.rfc3339(at)),
        "prompt": session.prompt,
        "head_ref": task.head_ref,
        "base_ref": task.base_ref,
        "model": session.model,
        "error": rest_error_json(session.error.as_ref()),
        "usage": usage_json(context, session),
    })
}

/// The Copilot API's copy of the task list: full objects, `type: "pull"` inside `data`, a
/// `status` and the agent as a collaborator.
pub(crate) fn capi_task_json(context: &WireContext<'_>, task: &TaskNow) -> Value {
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
    let user = |u: &Viewer| json!({"id": u.id, "login": u.login, "node_id": user_node_id(u.id)});
    json!({
        "id": task.id,
        "name": task.name,
        "creator": user(&task.creator),
        "creator_type": "user",
        "user_collaborators": [],
        "agent_collaborators": [{"id": AGENT_ID, "login": "Copilot", "type": "Bot"}],
        "owner": {"id": task.repository.owner_id, "login": task.repository.owner},
        "repository": {"id": task.repository.id, "name": task.repository.name, "full_name": task.repository.full_name()},
        "state": task.state,
        "status": if task.archived_at.is_some() { "archived" } else { "active" },
        "session_count": task.sessions.len(),
        "artifacts": artifacts,
        "archived_at": task.archived_at.map(|at| context.rfc3339(at)),
        "created_at": context.rfc3339(task.created_at),
        "updated_at": context.rfc3339(task.updated_at),
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
        "user_id": task.creator.id,
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
        "error": capi_error_json(session.error.as_ref()),
        // Not in every upstream answer, but the `task_id` filter needs something to match.
        "task_id": task.id,
    });
    // Absent for some pull requests, as upstream.
    if let Some(pull) = task.pull.as_ref().filter(|p| p.global_id_in_rest) {
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

/// A GraphQL `User` node.
pub(crate) fn user_node_json(user: &Viewer) -> Value {
    json!({
        "__typename": "User",
        "id": user_node_id(user.id),
        "login": user.login,
        "databaseId": user.id,
    })
}

/// One model of `GET <CAPI>/agents/swe/models`, with the fields GitHub's own clients read (the
/// Copilot Chat extension's `CCAModel`, GitHub's Raycast extension's `Model`).
pub(crate) fn capi_model_json(model: &ModelSpec) -> Value {
    let multiplier = model.multiplier.unwrap_or(1.0);
    json!({
        "id": model.id,
        "name": model.name,
        "object": "model",
        "vendor": model.vendor,
        "version": model.id,
        "preview": false,
        "model_picker_enabled": model.picker,
        "model_picker_category": if multiplier > 1.0 { "powerful" } else { "versatile" },
        "is_chat_default": false,
        "is_chat_fallback": false,
        "billing": {"is_premium": multiplier > 0.0, "multiplier": multiplier},
        "policy": {"state": "enabled", "terms": ""},
        "supported_endpoints": ["/chat/completions"],
    })
}

/// One custom agent of `GET <CAPI>/agents/swe/custom-agents/{owner}/{repo}`, as the Copilot
/// Chat extension's `CustomAgentListItem` reads it.
pub(crate) fn capi_custom_agent_json(agent: &CustomAgentSpec, repository: &RepositoryNow) -> Value {
    json!({
        "name": agent.name,
        "display_name": agent.display_name,
        "description": agent.description,
        "repo_owner": repository.owner,
        "repo_owner_id": repository.owner_id,
        "repo_name": repository.name,
        "repo_id": repository.id,
        "tools": ["read", "edit", "search", "shell"],
        "version": format!("{:016x}", stable_hash(&[&repository.full_name(), &agent.name])),
    })
}
