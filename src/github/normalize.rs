//! Upstream DTOs → the domain model. Pure: everything fetched is passed in.

use chrono::{DateTime, Utc};

use serde_json::Value;

use super::dto::{CapiSessionDto, ErrorDto, PullRequestNodeDto, SessionDto, TaskDto, UsageDto};
use crate::model::{
    Branch, Provider, PullRequest, PullRequestState, Session, SourceId, State, Task, TaskError,
    TaskKind, Usage,
};

/// What was fetched about one task beyond the list entry.
#[derive(Clone, Debug, Default)]
pub struct Extras<'a> {
    /// The task's detail (with sessions), when fetched.
    pub detail: Option<&'a TaskDto>,
    /// The Copilot API's view of the newest session, when fetched.
    pub capi_session: Option<&'a CapiSessionDto>,
    pub pull_request: Option<&'a PullRequest>,
    /// `owner/name` learned from the PR or `GET /repositories/{id}`.
    pub repository: Option<&'a str>,
    /// The owner's login, learned from `GET /user` or GraphQL.
    pub owner: Option<&'a str>,
    /// Why part of the task is missing ("session detail unavailable: …").
    pub note: Option<String>,
}

pub fn pull_request(node: &PullRequestNodeDto) -> PullRequest {
    PullRequest {
        number: node.number,
        title: node.title.clone(),
        url: node.url.clone(),
        state: node
            .state
            .as_deref()
            .and_then(PullRequestState::parse)
            .unwrap_or(PullRequestState::Open),
        draft: node.is_draft,
        node_id: Some(node.id.clone()),
        database_id: node.full_database_id,
    }
}

/// Builds the task every surface shows from what upstream said about it.
pub fn task(list_entry: &TaskDto, extras: Extras<'_>, web: &str) -> Task {
    let dto = extras.detail.unwrap_or(list_entry);
    let mut sessions: Vec<Session> = dto.sessions.iter().map(session).collect();
    sessions.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    if let (Some(capi), Some(newest)) = (extras.capi_session, sessions.first_mut())
        && capi.id == newest.id
    {
        enrich(newest, capi);
    }
    let current = sessions.first();

    let state = match dto.raw_state() {
        "" => current
            .map(|s| s.state.clone())
            .unwrap_or_else(|| State::Unknown("unknown".into())),
        raw => State::parse(raw),
    };
    let repository = dto
        .repository
        .as_ref()
        .and_then(|r| r.name_with_owner())
        .or_else(|| extras.repository.map(str::to_owned));
    let pull_request = extras.pull_request.cloned();
    let html_url = dto.html_url.clone().or_else(|| list_entry.html_url.clone());
    let task_page = html_url
        .clone()
        .or_else(|| {
            repository
                .as_ref()
                .map(|repo| format!("{web}/{repo}/tasks/{}", dto.id))
        })
        .unwrap_or_else(|| format!("{web}/copilot/agents"));
    let session_page = match (&pull_request, current) {
        (Some(pr), Some(session)) => Some(format!("{}/agent-sessions/{}", pr.url, session.id)),
        _ => None,
    };
    let workflow_run_url = match (current.and_then(|s| s.workflow_run_id), &repository) {
        (Some(run), Some(repo)) => Some(format!("{web}/{repo}/actions/runs/{run}")),
        _ => None,
    };
    let branch = if pull_request.is_none() {
        list_entry.branch().or_else(|| dto.branch()).and_then(|b| {
            Some(Branch {
                head_ref: b.head_ref.clone()?,
                base_ref: b.base_ref.clone().filter(|r| !r.is_empty()),
            })
        })
    } else {
        None
    };
    let updated_at = latest([dto.updated_at, current.and_then(|s| s.updated_at)])
        .or(dto.created_at)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let created_at = dto.created_at.unwrap_or(updated_at);
    let completed_at = if state.is_terminal() {
        current.and_then(|s| s.completed_at)
    } else {
        None
    };
    let error = if state.bucket() == crate::model::Bucket::Failed {
        current.and_then(|s| s.error.clone())
    } else {
        None
    };
    let session_count = dto
        .session_count
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
        .max(u32::try_from(sessions.len()).unwrap_or(u32::MAX));
    let progress = (state.bucket().is_active() && session_count > 1)
        .then(|| format!("Follow-up {}", session_count - 1));
    let title = title(dto, pull_request.as_ref(), current, repository.as_deref());
    let usage = Usage::total(sessions.iter().filter_map(|s| s.usage.as_ref()));

    Task {
        id: dto.id.clone(),
        // The GitHub source stamps its own id and the actions it allows.
        source: SourceId::default(),
        provider: Provider::GithubCopilot,
        kind: TaskKind::Task,
        title,
        repository,
        state,
        progress,
        owner: dto.owner_login().or(extras.owner).map(str::to_owned),
        created_at,
        updated_at,
        completed_at,
        // The PR's session page, then the task page GitHub gave, then the PR itself.
        url: session_page
            .clone()
            .or(html_url)
            .or_else(|| pull_request.as_ref().map(|p| p.url.clone()))
            .unwrap_or_else(|| task_page.clone()),
        logs_url: Some(session_page.unwrap_or(task_page)),
        pull_request,
        error,
        sessions,
        session_count,
        branch,
        custom_agent: dto
            .custom_agent
            .as_ref()
            .or(list_entry.custom_agent.as_ref())
            .and_then(|a| a.id.clone()),
        workflow_run_url,
        note: extras.note,
        usage,
        owner_id: dto.owner_id(),
        repository_id: dto.repository.as_ref().and_then(|r| r.id),
        actions: crate::core::actions::ActionSet::EMPTY,
        stale: false,
    }
}

/// A session's `usage`: AI credits in nano-credits (whole numbers), or premium requests.
/// An unknown kind or an amount that is not a number is left out.
fn usage(dto: &UsageDto) -> Option<Usage> {
    let amount = dto.amount.as_ref()?;
    let number = match amount {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => s.trim().parse::<serde_json::Number>().ok(),
        _ => None,
    }?;
    match dto.kind.as_deref()? {
        "ai_credits" => {
            let nanos = number.as_u64().or_else(|| {
                number
                    .as_f64()
                    .filter(|f| *f >= 0.0)
                    .map(|f| f.round() as u64)
            })?;
            Some(Usage {
                ai_credit_nanos: Some(nanos),
                premium_requests: None,
            })
        }
        "premium_requests" => Some(Usage {
            ai_credit_nanos: None,
            premium_requests: number.as_f64().filter(|f| f.is_finite() && *f >= 0.0),
        }),
        other => {
            tracing::debug!(kind = other, "ignoring an unknown kind of usage");
            None
        }
    }
}

fn session(dto: &SessionDto) -> Session {
    Session {
        id: dto.id.clone(),
        name: dto.name.clone(),
        state: State::parse(dto.state.as_deref().unwrap_or("unknown")),
        created_at: dto.created_at,
        updated_at: dto.updated_at,
        completed_at: dto.completed_at,
        prompt: dto.prompt.clone(),
        head_ref: dto.head_ref.clone(),
        base_ref: dto.base_ref.clone(),
        model: dto.model.clone(),
        error: dto.error.as_ref().map(task_error),
        workflow_run_id: None,
        premium_requests: None,
        usage: dto.usage.as_ref().and_then(usage),
    }
}

/// The Copilot API knows what the REST API does not: the Actions run, the premium requests, and
/// often the better error.
fn enrich(session: &mut Session, capi: &CapiSessionDto) {
    session.workflow_run_id = capi.workflow_run_id.filter(|id| *id != 0);
    session.premium_requests = capi.premium_requests;
    if let Some(error) = &capi.error {
        session.error = Some(task_error(error));
    }
    if session.completed_at.is_none() {
        session.completed_at = capi.completed_at;
    }
}

fn task_error(dto: &ErrorDto) -> TaskError {
    TaskError {
        code: dto.code.clone(),
        message: dto.message.clone(),
    }
}

/// PR title, else task name, else the first line of the prompt, else words that are never empty.
fn title(
    dto: &TaskDto,
    pr: Option<&PullRequest>,
    current: Option<&Session>,
    repository: Option<&str>,
) -> String {
    let non_empty = |s: &str| {
        let line = s.lines().map(str::trim).find(|l| !l.is_empty())?;
        Some(crate::model::clip(line, 120))
    };
    pr.and_then(|p| non_empty(&p.title))
        .or_else(|| dto.name.as_deref().and_then(non_empty))
        .or_else(|| {
            current
                .and_then(|s| s.prompt.as_deref())
                .and_then(non_empty)
        })
        .unwrap_or_else(|| match repository {
            Some(repo) => format!("Copilot task in {repo}"),
            None => format!(
                "Copilot task {}",
                dto.id.chars().take(8).collect::<String>()
            ),
        })
}

fn latest<const N: usize>(times: [Option<DateTime<Utc>>; N]) -> Option<DateTime<Utc>> {
    times.into_iter().flatten().max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Bucket;
    use serde_json::json;

    const WEB: &str = "https://github.com";

    fn dto(value: serde_json::Value) -> TaskDto {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_bare_list_entry_gets_a_title_a_task_page_and_no_pr() {
        let t = task(
            &dto(json!({
                "id": "abcdef123456",
                "state": "queued",
                "repository": {"id": 1, "full_name": "acme/api"},
                "creator": {"id": 9, "login": "octocat"},
                "created_at": "2026-11-22T10:00:00Z",
                "updated_at": "2026-11-22T10:05:00Z"
            })),
            Extras::default(),
            WEB,
        );
        assert_eq!(t.title, "Copilot task in acme/api");
        assert_eq!(t.url, "https://github.com/acme/api/tasks/abcdef123456");
        assert_eq!(t.logs_url.as_deref(), Some(t.url.as_str()));
        assert_eq!(t.owner.as_deref(), Some("octocat"));
        assert_eq!(t.bucket(), Bucket::Running);
        assert_eq!(t.pull_request, None);
        assert_eq!(t.progress, None);
    }

    #[test]
    fn a_hydrated_failed_task_links_the_session_page_and_carries_the_capi_error() {
        let list = dto(json!({"id": "t1", "state": "failed", "repository": {"id": 5}}));
        let detail = dto(json!({
            "id": "t1", "state": "failed", "repository": {"id": 5}, "session_count": 2,
            "created_at": "2026-11-22T09:00:00Z", "updated_at": "2026-11-22T10:00:00Z",
            "sessions": [
                {"id": "s-old", "state": "completed", "created_at": "2026-11-22T09:00:00Z",
                 "prompt": "first go"},
                {"id": "s-new", "state": "failed", "created_at": "2026-11-22T09:30:00Z",
                 "completed_at": "2026-11-22T10:00:00Z", "error": "rest says no"}
            ]
        }));
        let capi: CapiSessionDto = serde_json::from_value(json!({
            "id": "s-new", "workflow_run_id": 777, "premium_requests": 1.5,
            "error": {"code": "E_BUILD", "message": "The build failed"}
        }))
        .unwrap();
        let pr = PullRequest {
            number: 42,
            title: "Fix the flaky test\nmore text".into(),
            url: "https://github.com/acme/api/pull/42".into(),
            state: PullRequestState::Open,
            draft: true,
            node_id: Some("PR_42".into()),
            database_id: Some(4242),
        };
        let t = task(
            &list,
            Extras {
                detail: Some(&detail),
                capi_session: Some(&capi),
                pull_request: Some(&pr),
                repository: Some("acme/api"),
                ..Extras::default()
            },
            WEB,
        );
        assert_eq!(t.title, "Fix the flaky test");
        assert_eq!(t.repository.as_deref(), Some("acme/api"));
        assert_eq!(
            t.url,
            "https://github.com/acme/api/pull/42/agent-sessions/s-new"
        );
        assert_eq!(t.sessions[0].id, "s-new", "newest session first");
        assert_eq!(t.sessions[0].workflow_run_id, Some(777));
        assert_eq!(t.sessions[0].premium_requests, Some(1.5));
        assert_eq!(
            t.error,
            Some(TaskError {
                code: Some("E_BUILD".into()),
                message: "The build failed".into()
            })
        );
        assert_eq!(
            t.completed_at.map(|c| c.to_rfc3339()),
            Some("2026-11-22T10:00:00+00:00".into())
        );
        assert_eq!(t.session_count, 2);
        assert_eq!(t.duration_seconds(Utc::now()), 3600);
    }

    #[test]
    fn a_documented_rest_task_gets_its_owner_branch_usage_agent_and_run_link() {
        let list = dto(json!({
            "id": "t9", "state": "stopped", "repository": {"id": 5}, "creator": {"id": 583231},
            "custom_agent": {"id": "docs-writer"},
            "html_url": "https://github.com/acme/api/copilot/tasks/t9",
            "artifacts": [{"provider": "github", "type": "branch",
                           "data": {"head_ref": "copilot/docs", "base_ref": "main"}}]
        }));
        let detail = dto(json!({
            "id": "t9", "state": "stopped", "repository": {"id": 5}, "creator": {"id": 583231},
            "sessions": [
                {"id": "s1", "state": "completed", "created_at": "2026-11-22T09:00:00Z",
                 "usage": {"type": "ai_credits", "amount": 1_250_000_000u64}},
                {"id": "s2", "state": "stopped", "created_at": "2026-11-22T10:00:00Z",
                 "usage": {"type": "ai_credits", "amount": "100000001"}},
                {"id": "s0", "state": "completed", "created_at": "2026-05-01T10:00:00Z",
                 "usage": {"type": "premium_requests", "amount": 0.5}},
                {"id": "sx", "state": "completed", "created_at": "2026-05-01T09:00:00Z",
                 "usage": {"type": "ai_credits", "amount": "lots"}}
            ]
        }));
        let capi: CapiSessionDto =
            serde_json::from_value(json!({"id": "s2", "workflow_run_id": 4242})).unwrap();
        let t = task(
            &list,
            Extras {
                detail: Some(&detail),
                capi_session: Some(&capi),
                repository: Some("acme/api"),
                owner: Some("hubot"),
                note: Some("session detail unavailable: x".into()),
                ..Extras::default()
            },
            WEB,
        );
        assert_eq!(t.owner.as_deref(), Some("hubot"));
        assert_eq!((t.owner_id, t.repository_id), (Some(583231), Some(5)));
        assert_eq!(t.bucket(), Bucket::Cancelled);
        assert_eq!(t.state.label(), "Stopped");
        assert_eq!(
            t.branch,
            Some(Branch {
                head_ref: "copilot/docs".into(),
                base_ref: Some("main".into())
            })
        );
        assert_eq!(t.custom_agent.as_deref(), Some("docs-writer"));
        assert_eq!(t.url, "https://github.com/acme/api/copilot/tasks/t9");
        assert_eq!(
            t.workflow_run_url.as_deref(),
            Some("https://github.com/acme/api/actions/runs/4242")
        );
        let usage = t.usage.unwrap();
        assert_eq!(usage.ai_credit_nanos, Some(1_350_000_001));
        assert_eq!(usage.premium_requests, Some(0.5));
        assert_eq!(usage.label(), "1.4 AI credits · 0.5 premium requests");
        assert_eq!(t.sessions.iter().filter(|s| s.usage.is_some()).count(), 3);
        assert_eq!(t.note.as_deref(), Some("session detail unavailable: x"));
    }

    #[test]
    fn titles_fall_back_from_name_to_prompt_to_id_and_are_never_empty() {
        let named = dto(json!({"id": "t", "name": "  Add a README  ", "state": "queued"}));
        assert_eq!(task(&named, Extras::default(), WEB).title, "Add a README");
        let prompted = dto(json!({"id": "t", "name": "", "state": "in_progress",
            "sessions": [{"id": "s", "prompt": "\n\nPlease write tests for the parser\nthanks"}]}));
        assert_eq!(
            task(&prompted, Extras::default(), WEB).title,
            "Please write tests for the parser"
        );
        let bare = dto(json!({"id": "0123456789abcdef"}));
        let t = task(&bare, Extras::default(), WEB);
        assert_eq!(t.title, "Copilot task 01234567");
        assert_eq!(t.state, State::Unknown("unknown".into()));
        assert_eq!(t.url, "https://github.com/copilot/agents");
    }

    #[test]
    fn a_running_follow_up_says_so_and_errors_stay_off_healthy_rows() {
        let t = task(
            &dto(
                json!({"id": "t", "state": "in_progress", "session_count": 3,
                "sessions": [{"id": "s", "state": "in_progress", "error": "stale error"}]}),
            ),
            Extras::default(),
            WEB,
        );
        assert_eq!(t.progress.as_deref(), Some("Follow-up 2"));
        assert_eq!(t.error, None);
    }
}
