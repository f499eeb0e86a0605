//! Starting a task, `POST /agents/repos/{owner}/{repo}/tasks`, as GitHub documents it: the body
//! (`prompt` required; `model`, `custom_agent`, `create_pull_request`, `base_ref`, `head_ref`),
//! the refusals, and the scripted timeline a started task then plays.

use serde_json::Value;

use super::scenario::{PullRequestSpec, Scenario, SessionSpec, StepSpec, TaskSpec};
use super::world::{SimSeconds, World, uuid_like};

/// Seconds a started task waits in the queue, then works, before it completes.
pub(crate) const QUEUED_FOR: SimSeconds = 10.0;
pub(crate) const WORKS_FOR: SimSeconds = 300.0;

/// Why a start is refused: the status GitHub answers and its message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Refusal {
    pub status: u16,
    pub message: String,
}

impl Refusal {
    fn new(status: u16, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            message: message.into(),
        }
    }
}

/// The documented body, read from JSON.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StartRequest {
    pub prompt: String,
    pub model: Option<String>,
    pub custom_agent: Option<String>,
    pub create_pull_request: bool,
    pub base_ref: Option<String>,
    pub head_ref: Option<String>,
}

fn optional_string(body: &Value, field: &str) -> Result<Option<String>, Refusal> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Err(Refusal::new(
            422,
            format!("Invalid request.\n\n{field} must not be empty."),
        )),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(Refusal::new(
            422,
            format!("Invalid request.\n\nFor 'properties/{field}', the value is not a string."),
        )),
    }
}

impl StartRequest {
    /// Reads the body: 400 when it is not JSON, 422 when a field is missing or of the wrong
    /// type (unknown fields are ignored).
    pub fn parse(body: &[u8]) -> Result<StartRequest, Refusal> {
        let Ok(body) = serde_json::from_slice::<Value>(body) else {
            return Err(Refusal::new(400, "Problems parsing JSON"));
        };
        if !body.is_object() {
            return Err(Refusal::new(400, "Problems parsing JSON"));
        }
        let prompt = optional_string(&body, "prompt")?
            .ok_or_else(|| Refusal::new(422, "Invalid request.\n\n\"prompt\" wasn't supplied."))?;
        let create_pull_request = match body.get("create_pull_request") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(value)) => *value,
            Some(_) => {
                return Err(Refusal::new(
                    422,
                    "Invalid request.\n\nFor 'properties/create_pull_request', the value is not a boolean.",
                ));
            }
        };
        Ok(StartRequest {
            prompt,
            model: optional_string(&body, "model")?,
            custom_agent: optional_string(&body, "custom_agent")?,
            create_pull_request,
            base_ref: optional_string(&body, "base_ref")?,
            head_ref: optional_string(&body, "head_ref")?,
        })
    }
}

/// Checks a start against the account and the repository (403 for a plan without the agent
/// API, 404 for a repository the account cannot see, 422 for one without the agent or a
/// `head_ref` that names no branch of it), then scripts the new task from `now` on. `ordinal`
/// makes its id unique.
pub(crate) fn plan_task(
    scenario: &Scenario,
    world: &World,
    owner: &str,
    repo: &str,
    request: &StartRequest,
    now: SimSeconds,
    ordinal: u64,
) -> Result<TaskSpec, Refusal> {
    if !scenario.can_start_tasks {
        return Err(Refusal::new(
            403,
            "Starting Copilot cloud agent tasks through the API requires a Copilot Business or Copilot Enterprise plan.",
        ));
    }
    let full_name = format!("{owner}/{repo}");
    let Some(known) = scenario
        .tasks
        .iter()
        .find(|t| t.repository.eq_ignore_ascii_case(&full_name))
    else {
        return Err(Refusal::new(404, "Not Found"));
    };
    let repository = known.repository.clone();
    if scenario
        .repositories_without_agent
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&full_name))
    {
        return Err(Refusal::new(
            422,
            format!("Copilot cloud agent is not enabled for the repository {repository}."),
        ));
    }
    // With `head_ref` the agent commits to that existing branch, and to its pull request when
    // the branch has one.
    let mut pull_request = None;
    let mut branch_only = !request.create_pull_request;
    if let Some(head_ref) = &request.head_ref {
        let Some(earlier) = world
            .tasks
            .iter()
            .filter(|t| t.repository.full_name().eq_ignore_ascii_case(&full_name))
            .filter(|t| t.work_started && t.head_ref == *head_ref)
            .max_by(|a, b| a.created_at.total_cmp(&b.created_at))
        else {
            return Err(Refusal::new(
                422,
                format!(
                    "Invalid request.\n\nThe branch {head_ref} does not exist in {repository}."
                ),
            ));
        };
        pull_request = earlier.pull.as_ref().map(|p| PullRequestSpec {
            number: p.number,
            title: p.title.clone(),
            draft: p.draft,
            deleted: p.deleted,
            state: p.state,
            global_id: p.global_id_in_rest,
        });
        branch_only = pull_request.is_none();
    } else if request.create_pull_request {
        let taken = scenario
            .tasks
            .iter()
            .filter(|t| t.repository.eq_ignore_ascii_case(&full_name))
            .filter_map(|t| t.pull_request.as_ref().map(|p| p.number))
            .max()
            .unwrap_or(0);
        pull_request = Some(PullRequestSpec {
            number: taken + 1,
            title: title_of(&request.prompt),
            draft: true,
            deleted: false,
            state: Default::default(),
            global_id: false,
        });
    }
    Ok(TaskSpec {
        id: Some(uuid_like(&["started", &repository, &ordinal.to_string()])),
        repository,
        thin_repository: false,
        private_repository: known.private_repository,
        name: Some(title_of(&request.prompt)),
        creator: None,
        custom_agent: request.custom_agent.clone(),
        branch_only,
        archived: false,
        repeats: false,
        pull_request,
        head_ref: request.head_ref.clone(),
        base_ref: request.base_ref.clone(),
        sessions: vec![SessionSpec {
            prompt: Some(request.prompt.clone()),
            log: "quick".to_owned(),
            model: request.model.clone(),
            premium_requests: Some(1.0),
            steps: vec![
                step(now, "queued"),
                step(now + QUEUED_FOR, "in_progress"),
                step(now + QUEUED_FOR + WORKS_FOR, "completed"),
            ],
        }],
    })
}

fn step(at: SimSeconds, state: &str) -> StepSpec {
    StepSpec {
        at,
        state: state.to_owned(),
        error: None,
    }
}

/// The task's name: the prompt's first line, shortened as GitHub does for titles.
fn title_of(prompt: &str) -> String {
    let line = prompt.lines().next().unwrap_or_default().trim();
    if line.chars().count() > 72 {
        let cut: String = line.chars().take(71).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world::world_at;

    fn scenario() -> Scenario {
        Scenario::builtin()
    }

    #[test]
    fn the_body_is_read_as_documented() {
        let request = StartRequest::parse(
            br#"{"prompt":"Fix it","model":"gpt-5","create_pull_request":true,"base_ref":"dev","extra":1}"#,
        )
        .unwrap();
        assert_eq!(request.prompt, "Fix it");
        assert_eq!(request.model.as_deref(), Some("gpt-5"));
        assert!(request.create_pull_request);
        assert_eq!(request.base_ref.as_deref(), Some("dev"));
        assert_eq!(request.head_ref, None);
        assert_eq!(StartRequest::parse(b"not json").unwrap_err().status, 400);
        assert_eq!(StartRequest::parse(b"[]").unwrap_err().status, 400);
        assert_eq!(StartRequest::parse(b"{}").unwrap_err().status, 422);
        assert_eq!(
            StartRequest::parse(br#"{"prompt":"  "}"#)
                .unwrap_err()
                .status,
            422
        );
        assert_eq!(
            StartRequest::parse(br#"{"prompt":"x","create_pull_request":"yes"}"#)
                .unwrap_err()
                .status,
            422
        );
    }

    #[test]
    fn refusals_follow_the_account_and_the_repository() {
        let request = StartRequest::parse(br#"{"prompt":"Fix it"}"#).unwrap();
        let mut scenario = scenario();
        let world = world_at(&scenario, 0.0, &Default::default());
        let repository = scenario.tasks[0].repository.clone();
        let (owner, repo) = repository.split_once('/').unwrap();
        assert!(plan_task(&scenario, &world, owner, repo, &request, 0.0, 0).is_ok());
        assert_eq!(
            plan_task(&scenario, &world, "nobody", "nothing", &request, 0.0, 0)
                .unwrap_err()
                .status,
            404
        );
        scenario.repositories_without_agent = vec![repository.to_uppercase()];
        assert_eq!(
            plan_task(&scenario, &world, owner, repo, &request, 0.0, 0)
                .unwrap_err()
                .status,
            422
        );
        scenario.can_start_tasks = false;
        assert_eq!(
            plan_task(&scenario, &world, owner, repo, &request, 0.0, 0)
                .unwrap_err()
                .status,
            403
        );
    }

    #[test]
    fn a_follow_up_works_on_the_existing_branch_and_pull_request() {
        let scenario = scenario();
        let world = world_at(&scenario, 0.0, &Default::default());
        let earlier = world
            .tasks
            .iter()
            .find(|t| t.pull.is_some() && t.work_started)
            .unwrap();
        let (owner, repo) = (&earlier.repository.owner, &earlier.repository.name);
        let body = serde_json::json!({"prompt": "Also add tests", "head_ref": earlier.head_ref});
        let request = StartRequest::parse(body.to_string().as_bytes()).unwrap();
        let spec = plan_task(&scenario, &world, owner, repo, &request, 0.0, 7).unwrap();
        assert_eq!(spec.head_ref.as_deref(), Some(earlier.head_ref.as_str()));
        assert_eq!(
            spec.pull_request.map(|p| p.number),
            earlier.pull.as_ref().map(|p| p.number)
        );
        let missing = serde_json::json!({"prompt": "x", "head_ref": "no/such-branch"});
        let request = StartRequest::parse(missing.to_string().as_bytes()).unwrap();
        assert_eq!(
            plan_task(&scenario, &world, owner, repo, &request, 0.0, 8)
                .unwrap_err()
                .status,
            422
        );
    }
}
