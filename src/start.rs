//! Starting a Copilot task and continuing one: what a request must hold (a repository, a
//! prompt that is neither empty nor too long), the follow-up that continues a task on its own
//! branch (GitHub's documented way: a new task with `head_ref`), and GitHub's refusals said in
//! words (403: the plan or token does not allow it; 422: the repository or request does not).

use serde_json::{Value, json};

use crate::github::{ClientError, GitHubClient};
use crate::model::{Provider, Task};

/// The longest prompt sent, in characters (the API takes bodies up to 16 KiB).
pub const MAX_PROMPT_CHARS: usize = 8_000;

/// A task GitHub started: its id, and the task as the list shows it once a poll has seen it.
#[derive(Clone, Debug)]
pub struct Started {
    pub id: String,
    pub task: Option<Task>,
}

/// A task to start, as `POST /v1/tasks` takes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartRequest {
    /// `owner/name`.
    pub repo: String,
    pub prompt: String,
    pub base_ref: Option<String>,
    /// Continue on this existing branch (a follow-up).
    pub head_ref: Option<String>,
    pub model: Option<String>,
    pub custom_agent: Option<String>,
    pub create_pull_request: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the prompt is empty: say what the agent should do")]
    EmptyPrompt,
    #[error("the prompt is {chars} characters long; at most {MAX_PROMPT_CHARS} are sent")]
    PromptTooLong { chars: usize },
    #[error("{0:?} is not a repository: give it as owner/name")]
    BadRepository(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("only Copilot tasks can be continued here (this one is {0})")]
    NotCopilot(String),
    #[error(
        "the task has no branch agentbar knows of (no pull request branch or session details), so there is nothing to continue on"
    )]
    NoBranch,
    #[error("no task {0} is in the list")]
    UnknownTask(String),
    #[error("GitHub does not allow this account to start Copilot tasks here (HTTP 403): {0}")]
    NotAllowed(String),
    #[error("GitHub refused the task (HTTP 422): {0}")]
    Refused(String),
    #[error("GitHub knows no repository {0} this account can start tasks in (HTTP 404)")]
    UnknownRepository(String),
    #[error("signed out: there is no GitHub client to ask")]
    SignedOut,
    #[error("GitHub did not start the task: {0}")]
    Upstream(ClientError),
    #[error("agentbar is shutting down")]
    ShuttingDown,
}

/// Checks the prompt: trimmed, not empty, bounded.
pub fn checked_prompt(prompt: &str) -> Result<String, StartError> {
    let prompt = prompt.trim();
    if prompt.is_empty() {
        return Err(StartError::EmptyPrompt);
    }
    let chars = prompt.chars().count();
    if chars > MAX_PROMPT_CHARS {
        return Err(StartError::PromptTooLong { chars });
    }
    Ok(prompt.to_owned())
}

/// Whether `repo` is an `owner/name` GitHub could hold (letters, digits, `-`, `_`, `.`).
pub fn is_repository(repo: &str) -> bool {
    repo.split('/').count() == 2
        && repo.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

fn optional_text(body: &Value, field: &str) -> Result<Option<String>, StartError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) if text.len() <= 200 => Ok(Some(text.trim().to_owned())),
        Some(Value::String(_)) => Err(StartError::BadRequest(format!(
            "{field} is longer than 200 bytes"
        ))),
        Some(_) => Err(StartError::BadRequest(format!("{field} must be a string"))),
    }
}

impl StartRequest {
    /// Reads `{"repo", "prompt", "base_ref"?, "model"?, "custom_agent"?,
    /// "create_pull_request"?}`.
    pub fn from_json(body: &Value) -> Result<StartRequest, StartError> {
        if !body.is_object() {
            return Err(StartError::BadRequest(
                "the body must be a JSON object with repo and prompt".to_owned(),
            ));
        }
        let repo = optional_text(body, "repo")?.unwrap_or_default();
        if !is_repository(&repo) {
            return Err(StartError::BadRepository(repo));
        }
        let prompt = match body.get("prompt") {
            Some(Value::String(prompt)) => checked_prompt(prompt)?,
            None | Some(Value::Null) => return Err(StartError::EmptyPrompt),
            Some(_) => return Err(StartError::BadRequest("prompt must be a string".to_owned())),
        };
        let create_pull_request = match body.get("create_pull_request") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(value)) => *value,
            Some(_) => {
                return Err(StartError::BadRequest(
                    "create_pull_request must be true or false".to_owned(),
                ));
            }
        };
        Ok(StartRequest {
            repo,
            prompt,
            base_ref: optional_text(body, "base_ref")?,
            head_ref: None,
            model: optional_text(body, "model")?,
            custom_agent: optional_text(body, "custom_agent")?,
            create_pull_request,
        })
    }

    /// The documented body of `POST /agents/repos/{owner}/{repo}/tasks`.
    pub fn upstream_body(&self) -> Value {
        let mut body = json!({
            "prompt": self.prompt,
            "create_pull_request": self.create_pull_request,
        });
        for (field, value) in [
            ("base_ref", &self.base_ref),
            ("head_ref", &self.head_ref),
            ("model", &self.model),
            ("custom_agent", &self.custom_agent),
        ] {
            if let Some(value) = value {
                body[field] = json!(value);
            }
        }
        body
    }
}

/// The follow-up that continues `task` on its own branch (and pull request).
pub fn follow_up(task: &Task, prompt: &str) -> Result<StartRequest, StartError> {
    if task.provider != Provider::GithubCopilot {
        return Err(StartError::NotCopilot(task.provider.as_str().to_owned()));
    }
    let prompt = checked_prompt(prompt)?;
    let repo = task.repository.clone().ok_or(StartError::NoBranch)?;
    let (head_ref, base_ref) = match &task.branch {
        Some(branch) => (branch.head_ref.clone(), branch.base_ref.clone()),
        None => {
            let session = task
                .sessions
                .iter()
                .find(|s| s.head_ref.is_some())
                .ok_or(StartError::NoBranch)?;
            (
                session.head_ref.clone().ok_or(StartError::NoBranch)?,
                session.base_ref.clone(),
            )
        }
    };
    Ok(StartRequest {
        repo,
        prompt,
        base_ref,
        head_ref: Some(head_ref),
        model: task.sessions.first().and_then(|s| s.model.clone()),
        custom_agent: task.custom_agent.clone(),
        create_pull_request: task.pull_request.is_some(),
    })
}

/// Asks GitHub to start the task; the new task's id.
pub async fn start(client: &GitHubClient, request: &StartRequest) -> Result<String, StartError> {
    match client
        .start_task(&request.repo, &request.upstream_body())
        .await
    {
        Ok(task) => Ok(task.id),
        Err(ClientError::Forbidden { message, .. }) => Err(StartError::NotAllowed(message)),
        Err(ClientError::Http {
            status: 422,
            message,
            ..
        }) => Err(StartError::Refused(message)),
        Err(ClientError::Http {
            status: 400,
            message,
            ..
        }) => Err(StartError::BadRequest(message)),
        Err(ClientError::NotFound { .. }) => {
            Err(StartError::UnknownRepository(request.repo.clone()))
        }
        Err(e) => Err(StartError::Upstream(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::task;
    use crate::model::{Branch, Session, State};

    #[test]
    fn a_start_request_is_read_and_checked() {
        let request = StartRequest::from_json(&json!({
            "repo": "octo/web", "prompt": "  Fix it  ", "model": "gpt-5", "create_pull_request": false
        }))
        .unwrap();
        assert_eq!(request.prompt, "Fix it");
        assert_eq!(
            request.upstream_body(),
            json!({"prompt": "Fix it", "create_pull_request": false, "model": "gpt-5"})
        );
        let refused = |body: Value| StartRequest::from_json(&body).unwrap_err().to_string();
        assert!(refused(json!({"repo": "octo", "prompt": "x"})).contains("owner/name"));
        assert!(refused(json!({"repo": "a/b/c", "prompt": "x"})).contains("owner/name"));
        assert!(refused(json!({"repo": "a/b", "prompt": " "})).contains("empty"));
        assert!(refused(json!({"repo": "a/b"})).contains("empty"));
        let long = "x".repeat(MAX_PROMPT_CHARS + 1);
        assert!(refused(json!({"repo": "a/b", "prompt": long})).contains("at most"));
        assert!(refused(json!({"repo": "a/b", "prompt": "x", "model": 5})).contains("string"));
        assert!(refused(json!([])).contains("JSON object"));
    }

    #[test]
    fn a_follow_up_continues_on_the_tasks_branch() {
        let mut branch_only = task("b", "completed", 1);
        branch_only.repository = Some("octo/web".into());
        branch_only.branch = Some(Branch {
            head_ref: "copilot/fix".into(),
            base_ref: Some("main".into()),
        });
        let request = follow_up(&branch_only, "also the tests").unwrap();
        assert_eq!(request.head_ref.as_deref(), Some("copilot/fix"));
        assert_eq!(request.base_ref.as_deref(), Some("main"));
        assert_eq!(request.upstream_body()["head_ref"], "copilot/fix");

        let mut with_session = task("s", "waiting_for_user", 1);
        with_session.repository = Some("octo/web".into());
        with_session.sessions = vec![Session {
            id: "x".into(),
            name: None,
            state: State::WaitingForUser,
            created_at: None,
            updated_at: None,
            completed_at: None,
            prompt: None,
            head_ref: Some("copilot/pr-branch".into()),
            base_ref: Some("dev".into()),
            model: Some("gpt-5".into()),
            error: None,
            workflow_run_id: None,
            premium_requests: None,
            usage: None,
        }];
        let request = follow_up(&with_session, "go on").unwrap();
        assert_eq!(request.head_ref.as_deref(), Some("copilot/pr-branch"));
        assert_eq!(request.model.as_deref(), Some("gpt-5"));

        let mut nothing = task("n", "completed", 1);
        nothing.repository = Some("octo/web".into());
        assert!(matches!(
            follow_up(&nothing, "x"),
            Err(StartError::NoBranch)
        ));
        assert!(matches!(
            follow_up(&branch_only, "   "),
            Err(StartError::EmptyPrompt)
        ));
    }
}
