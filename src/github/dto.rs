//! Upstream shapes exactly as GitHub sends them, decoded leniently: unknown fields are ignored,
//! optional fields are optional, ids may be numbers or strings, a bad timestamp is dropped rather
//! than failing its object, and lists are decoded item by item so one bad item never fails a list.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `GET /agents/tasks`: `{"tasks": [...], "total_active_count", "total_archived_count"}`.
#[derive(Debug, Deserialize)]
pub struct TaskListDto {
    #[serde(default)]
    pub tasks: Vec<Value>,
    pub total_active_count: Option<u64>,
}

/// `GET <CAPI>/agents/swe/models`: the models the cloud agent offers, `{"data": [...]}`. The
/// route is undocumented; its shape is the one GitHub's own clients read: the Copilot Chat
/// extension for VS Code (github.com/microsoft/vscode-copilot-chat,
/// `src/platform/github/common/octoKitServiceImpl.ts`, `getCopilotAgentModels`, and its
/// `CCAModel` type: `id`, `name`, `vendor`, `version`, `model_picker_enabled`, `model_picker_category`,
/// `billing {is_premium, multiplier}`, `capabilities`, `policy`, ...) and GitHub's Raycast
/// extension (github.com/raycast/extensions, `extensions/github-copilot/src/services/models.ts`:
/// `id`, `name`, `model_picker_category?`, `billing?.multiplier`).
#[derive(Debug, Deserialize)]
pub struct ModelListDto {
    #[serde(default)]
    pub data: Vec<Value>,
}

/// One model of [`ModelListDto`]; only the fields a picker needs (the rest is ignored).
#[derive(Clone, Debug, Deserialize)]
pub struct ModelDto {
    #[serde(deserialize_with = "required_id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub vendor: Option<String>,
    /// `false` for models a picker should not offer.
    #[serde(default)]
    pub model_picker_enabled: Option<bool>,
    #[serde(default)]
    pub billing: Option<ModelBillingDto>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ModelBillingDto {
    /// Premium requests one use costs (1 for most models).
    #[serde(default, deserialize_with = "lenient_f64")]
    pub multiplier: Option<f64>,
}

/// `GET <CAPI>/agents/swe/custom-agents/{owner}/{repo}?exclude_invalid_config=true`: the custom
/// agents a task in that repository can run, `{"agents": [...]}`; a repository with none may
/// answer 404. Undocumented; the shape is the one GitHub's own clients read: the Copilot Chat
/// extension for VS Code (github.com/microsoft/vscode-copilot-chat,
/// `src/platform/github/common/githubAPIValidators.ts`, `vGetCustomAgentsResponse` of
/// `CustomAgentListItem`s, read by `getCustomAgents` in `octoKitServiceImpl.ts`: `name`, `display_name`, `description`, `repo_owner`, `repo_owner_id`,
/// `repo_name`, `repo_id`, `tools`, `version`) and GitHub's Raycast extension
/// (github.com/raycast/extensions, `extensions/github-copilot/src/services/custom-agents.ts`,
/// which reads a 404 as "none"; `repo_owner`/`repo_name` may be null).
#[derive(Debug, Deserialize)]
pub struct CustomAgentListDto {
    #[serde(default)]
    pub agents: Vec<Value>,
}

/// One custom agent of [`CustomAgentListDto`]. `name` is what a new task's `custom_agent` takes.
#[derive(Clone, Debug, Deserialize)]
pub struct CustomAgentItemDto {
    #[serde(deserialize_with = "required_id")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient_text")]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActorDto {
    #[serde(default, deserialize_with = "lenient_id")]
    pub id: Option<String>,
    pub login: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct RepositoryDto {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub id: Option<u64>,
    pub name: Option<String>,
    pub full_name: Option<String>,
    pub owner: Option<ActorDto>,
}

impl RepositoryDto {
    /// `owner/name` when the object carries it (it may be as thin as `{id}`).
    pub fn name_with_owner(&self) -> Option<String> {
        if let Some(full) = self.full_name.as_deref().filter(|s| s.contains('/')) {
            return Some(full.to_owned());
        }
        match (
            self.owner.as_ref().and_then(|o| o.login.as_deref()),
            self.name.as_deref(),
        ) {
            (Some(owner), Some(name)) => Some(format!("{owner}/{name}")),
            _ => None,
        }
    }
}

/// An artifact's `data`: `{id, global_id?}` for a pull request, `{head_ref, base_ref}` for a
/// branch. The Copilot API's copy of the list repeats the kind here as `type`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ArtifactDataDto {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub id: Option<u64>,
    pub global_id: Option<String>,
    pub head_ref: Option<String>,
    pub base_ref: Option<String>,
}

/// `{provider, type, data}`: the artifact's kind is its own `type` (`pull` or `branch`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ArtifactDto {
    pub provider: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub data: Option<ArtifactDataDto>,
}

impl ArtifactDto {
    /// Whether this artifact is of `kind`, by its own `type` or (Copilot API) `data.type`.
    fn is(&self, kind: &str) -> bool {
        self.kind.as_deref() == Some(kind)
            || self.data.as_ref().and_then(|d| d.kind.as_deref()) == Some(kind)
    }
}

/// `{id}`: what the REST API says about a custom agent.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CustomAgentDto {
    #[serde(default, deserialize_with = "lenient_id")]
    pub id: Option<String>,
}

/// A session's `usage`: `{type: ai_credits | premium_requests, amount}`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UsageDto {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub amount: Option<Value>,
}

/// `GET /user` and `GET /user/{id}`.
#[derive(Clone, Debug, Deserialize)]
pub struct UserDto {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub id: Option<u64>,
    pub login: String,
}

/// A GraphQL `User` node.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserNodeDto {
    pub id: String,
    pub login: String,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub database_id: Option<u64>,
}

/// A task, from the list or the detail route (which adds `sessions`).
#[derive(Clone, Debug, Deserialize)]
pub struct TaskDto {
    #[serde(deserialize_with = "required_id")]
    pub id: String,
    pub html_url: Option<String>,
    pub name: Option<String>,
    pub creator: Option<ActorDto>,
    pub owner: Option<ActorDto>,
    pub repository: Option<RepositoryDto>,
    pub state: Option<String>,
    /// Some responses carry `status` beside or instead of `state`.
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub session_count: Option<u64>,
    #[serde(default, deserialize_with = "lenient_list")]
    pub artifacts: Vec<ArtifactDto>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub archived_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_list")]
    pub sessions: Vec<SessionDto>,
    pub custom_agent: Option<CustomAgentDto>,
}

impl TaskDto {
    /// The upstream state, preferring `state` over `status`; empty when neither came.
    pub fn raw_state(&self) -> &str {
        self.state
            .as_deref()
            .or(self.status.as_deref())
            .unwrap_or("")
    }

    /// The pull request artifact: the one whose `type` (or `data.type`) is `pull`.
    pub fn pull_request(&self) -> Option<&ArtifactDataDto> {
        self.artifacts
            .iter()
            .filter(|a| a.is("pull"))
            .find_map(|a| a.data.as_ref())
    }

    /// The pull request's GraphQL node id: `global_id` when upstream sent it, else computed from
    /// the repository's and the PR's database ids.
    pub fn pull_request_node_id(&self) -> Option<String> {
        let pr = self.pull_request()?;
        if let Some(global_id) = pr.global_id.as_ref().filter(|g| !g.is_empty()) {
            return Some(global_id.clone());
        }
        let repository_id = self.repository.as_ref().and_then(|r| r.id)?;
        Some(super::node_id::pull_request(repository_id, pr.id?))
    }

    /// The branch artifact of a task that opened no pull request.
    pub fn branch(&self) -> Option<&ArtifactDataDto> {
        self.artifacts
            .iter()
            .filter(|a| a.is("branch"))
            .filter_map(|a| a.data.as_ref())
            .find(|d| d.head_ref.as_deref().is_some_and(|h| !h.is_empty()))
    }

    /// The account the task belongs to, by id: its creator, else its owner.
    pub fn owner_id(&self) -> Option<u64> {
        [self.creator.as_ref(), self.owner.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|a| a.id.as_deref().and_then(|id| id.parse().ok()))
    }

    /// A login upstream sent along (the REST API sends only ids; other copies may carry more).
    pub fn owner_login(&self) -> Option<&str> {
        [self.creator.as_ref(), self.owner.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|a| a.login.as_deref())
    }
}

/// A session as the agent tasks REST API describes it (task detail).
#[derive(Clone, Debug, Deserialize)]
pub struct SessionDto {
    #[serde(deserialize_with = "required_id")]
    pub id: String,
    pub name: Option<String>,
    pub state: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub completed_at: Option<DateTime<Utc>>,
    pub prompt: Option<String>,
    pub head_ref: Option<String>,
    pub base_ref: Option<String>,
    pub model: Option<String>,
    #[serde(default, deserialize_with = "lenient_error")]
    pub error: Option<ErrorDto>,
    #[serde(default, deserialize_with = "lenient_usage")]
    pub usage: Option<UsageDto>,
}

/// A session as the Copilot API describes it.
#[derive(Clone, Debug, Deserialize)]
pub struct CapiSessionDto {
    #[serde(deserialize_with = "required_id")]
    pub id: String,
    pub name: Option<String>,
    pub state: Option<String>,
    pub resource_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub resource_id: Option<u64>,
    pub resource_global_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub last_updated_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub completed_at: Option<DateTime<Utc>>,
    pub premium_requests: Option<f64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub workflow_run_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient_error")]
    pub error: Option<ErrorDto>,
}

/// A session's error, which upstream sends as an object, a string or null.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorDto {
    pub code: Option<String>,
    pub message: String,
}

/// A GraphQL response: `data` may be partly good while `errors` names what failed.
#[derive(Debug, Deserialize)]
pub struct GraphQlResponse<T> {
    pub data: Option<T>,
    #[serde(default)]
    pub errors: Vec<GraphQlErrorDto>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct GraphQlErrorDto {
    #[serde(default)]
    pub message: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub path: Vec<Value>,
}

#[derive(Debug, Deserialize)]
pub struct ViewerData {
    pub viewer: ViewerDto,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewerDto {
    pub login: Option<String>,
    pub copilot_endpoints: Option<CopilotEndpointsDto>,
}

#[derive(Debug, Deserialize)]
pub struct CopilotEndpointsDto {
    pub api: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NodesData {
    #[serde(default)]
    pub nodes: Vec<Value>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequestNodeDto {
    pub id: String,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub full_database_id: Option<u64>,
    pub number: u64,
    #[serde(default)]
    pub title: String,
    pub state: Option<String>,
    #[serde(default)]
    pub is_draft: bool,
    pub url: String,
    pub repository: Option<NameWithOwnerDto>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NameWithOwnerDto {
    pub name_with_owner: String,
}

/// `GET /repositories/{id}`.
#[derive(Debug, Deserialize)]
pub struct RepositoryLookupDto {
    pub full_name: String,
}

/// Decodes each element on its own, keeping the good ones and reporting how many were bad.
pub fn decode_items<T: serde::de::DeserializeOwned>(items: Vec<Value>) -> (Vec<T>, usize) {
    let mut bad = 0;
    let good = items
        .into_iter()
        .filter_map(|item| match serde_json::from_value(item) {
            Ok(decoded) => Some(decoded),
            Err(error) => {
                bad += 1;
                tracing::warn!(%error, "skipping an upstream item that does not decode");
                None
            }
        })
        .collect();
    (good, bad)
}

fn required_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) if !s.is_empty() => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!("bad id: {other}"))),
    }
}

fn lenient_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// A non-empty string; anything else (null, a number, an object) becomes `None`.
fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) if !s.trim().is_empty() => Some(s),
        _ => None,
    })
}

fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64(),
        _ => None,
    })
}

fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

/// RFC 3339 strings, or Unix seconds (some Copilot API routes); anything else becomes `None`.
fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => DateTime::parse_from_rfc3339(&s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        Value::Number(n) => n
            .as_i64()
            .and_then(|secs| Utc.timestamp_opt(secs, 0).single()),
        _ => None,
    })
}

fn lenient_error<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ErrorDto>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(message) if !message.trim().is_empty() => Some(ErrorDto {
            code: None,
            message,
        }),
        Value::Object(map) => {
            let text = |key: &str| match map.get(key) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            let code = text("code");
            match (text("message"), code) {
                (Some(message), code) => Some(ErrorDto { code, message }),
                (None, Some(code)) => Some(ErrorDto {
                    message: code.clone(),
                    code: Some(code),
                }),
                (None, None) => None,
            }
        }
        _ => None,
    })
}

/// A `usage` that is not an object is dropped, not fatal.
fn lenient_usage<'de, D: Deserializer<'de>>(d: D) -> Result<Option<UsageDto>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

fn lenient_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => decode_items(items).0,
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn model_and_custom_agent_lists_skip_bad_items_and_odd_fields() {
        let list: ModelListDto = serde_json::from_value(json!({"data": [
            {"id": "gpt-5", "name": "GPT-5", "billing": {"multiplier": "1x"}, "extra": true},
            {"name": "no id"},
            42,
            {"id": 7, "name": null, "vendor": 3, "model_picker_enabled": false},
        ]}))
        .unwrap();
        let (models, bad): (Vec<ModelDto>, usize) = decode_items(list.data);
        assert_eq!(bad, 2);
        assert_eq!(models[0].id, "gpt-5");
        assert_eq!(models[0].billing.as_ref().unwrap().multiplier, None);
        assert_eq!(
            (models[1].id.as_str(), models[1].name.as_deref()),
            ("7", None)
        );
        assert_eq!(models[1].model_picker_enabled, Some(false));

        let list: CustomAgentListDto = serde_json::from_value(json!({"agents": [
            {"name": "docs-writer", "display_name": "Docs writer", "repo_owner": null},
            {"display_name": "no name"},
            {"name": "", "display_name": "empty name"},
        ]}))
        .unwrap();
        let (agents, bad): (Vec<CustomAgentItemDto>, usize) = decode_items(list.agents);
        assert_eq!(bad, 2);
        assert_eq!(agents[0].name, "docs-writer");
        assert_eq!(agents[0].description, None);
        // A body without the list is an empty one, not a failure.
        let empty: CustomAgentListDto = serde_json::from_value(json!({})).unwrap();
        assert!(empty.agents.is_empty());
    }

    #[test]
    fn a_task_decodes_with_unknown_fields_numeric_ids_and_a_thin_repository() {
        let task: TaskDto = serde_json::from_value(json!({
            "id": 12345,
            "state": "some_future_state",
            "repository": {"id": "77"},
            "brand_new_field": {"nested": true},
            "artifacts": [
                {"provider": "github", "type": "branch", "data": {"head_ref": "copilot/x", "base_ref": "main"}},
                {"provider": "github", "type": "pull", "data": {"id": "901", "global_id": "PR_x"}},
                "not even an object"
            ],
            "created_at": "not a time",
            "updated_at": "2026-11-22T10:00:00Z"
        }))
        .unwrap();
        assert_eq!(task.id, "12345");
        assert_eq!(task.raw_state(), "some_future_state");
        assert_eq!(task.repository.as_ref().and_then(|r| r.id), Some(77));
        assert_eq!(
            task.repository.as_ref().and_then(|r| r.name_with_owner()),
            None
        );
        let pr = task.pull_request().unwrap();
        assert_eq!((pr.id, pr.global_id.as_deref()), (Some(901), Some("PR_x")));
        assert_eq!(
            task.created_at, None,
            "a bad timestamp is dropped, not fatal"
        );
        assert!(task.updated_at.is_some());
    }

    #[test]
    fn the_pull_request_is_found_by_its_own_type_or_data_type_and_its_id_computed() {
        // The documented REST shape: the kind is the artifact's own `type`, no `global_id`.
        let rest: TaskDto = serde_json::from_value(json!({
            "id": "t", "repository": {"id": 1_000_000_007},
            "creator": {"id": 583231}, "owner": {"id": 9},
            "custom_agent": {"id": "reviewer"},
            "artifacts": [{"provider": "github", "type": "pull", "data": {"id": 901}}]
        }))
        .unwrap();
        assert_eq!(rest.pull_request().and_then(|p| p.id), Some(901));
        assert_eq!(
            rest.pull_request_node_id().as_deref(),
            Some("PR_kwDOO5rKB80DhQ")
        );
        assert_eq!(rest.owner_id(), Some(583231));
        assert!(rest.branch().is_none());
        assert_eq!(
            rest.custom_agent.and_then(|a| a.id).as_deref(),
            Some("reviewer")
        );
        // The Copilot API's copy: `type` inside `data`, and a `global_id` that wins.
        let capi: TaskDto = serde_json::from_value(json!({
            "id": "t", "repository": {"id": 5},
            "artifacts": [{"provider": "github", "data": {"type": "pull", "id": 3, "global_id": "PR_given"}}]
        }))
        .unwrap();
        assert_eq!(capi.pull_request_node_id().as_deref(), Some("PR_given"));
        // A branch-only task.
        let branch: TaskDto = serde_json::from_value(json!({
            "id": "t", "repository": {"id": 5},
            "artifacts": [{"provider": "github", "type": "branch",
                           "data": {"head_ref": "copilot/fix-docs", "base_ref": "main"}}]
        }))
        .unwrap();
        assert!(branch.pull_request().is_none());
        assert_eq!(
            branch.branch().and_then(|b| b.head_ref.as_deref()),
            Some("copilot/fix-docs")
        );
    }

    #[test]
    fn usage_decodes_both_kinds_and_a_bad_one_is_dropped() {
        let session = |usage: Value| -> Option<UsageDto> {
            serde_json::from_value::<SessionDto>(json!({"id": "s", "usage": usage}))
                .unwrap()
                .usage
        };
        let credits = session(json!({"type": "ai_credits", "amount": 1_500_000_000u64})).unwrap();
        assert_eq!(credits.kind.as_deref(), Some("ai_credits"));
        assert_eq!(credits.amount, Some(json!(1_500_000_000u64)));
        assert!(session(json!("lots")).is_none());
    }

    #[test]
    fn status_stands_in_for_a_missing_state() {
        let task: TaskDto = serde_json::from_value(json!({"id": "t", "status": "queued"})).unwrap();
        assert_eq!(task.raw_state(), "queued");
    }

    #[test]
    fn session_errors_decode_as_object_string_or_null() {
        let decode = |error: Value| -> Option<ErrorDto> {
            serde_json::from_value::<CapiSessionDto>(json!({"id": "s", "error": error}))
                .unwrap()
                .error
        };
        assert_eq!(
            decode(json!({"code": "E1", "message": "boom"})),
            Some(ErrorDto {
                code: Some("E1".into()),
                message: "boom".into()
            })
        );
        assert_eq!(
            decode(json!("plain words")),
            Some(ErrorDto {
                code: None,
                message: "plain words".into()
            })
        );
        assert_eq!(decode(Value::Null), None);
        assert_eq!(decode(json!({})), None);
    }

    #[test]
    fn unix_seconds_are_accepted_as_timestamps() {
        let s: CapiSessionDto =
            serde_json::from_value(json!({"id": "s", "created_at": 1_763_800_000})).unwrap();
        assert_eq!(s.created_at.map(|t| t.timestamp()), Some(1_763_800_000));
    }

    #[test]
    fn one_bad_item_does_not_fail_the_list() {
        let (tasks, bad): (Vec<TaskDto>, usize) = decode_items(vec![
            json!({"id": "good"}),
            json!({"no_id": true}),
            json!(42),
            json!({"id": "also-good"}),
        ]);
        assert_eq!(bad, 2);
        assert_eq!(
            tasks.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            ["good", "also-good"]
        );
    }
}
