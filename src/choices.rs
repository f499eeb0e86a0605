//! What a new task can be started with: the models and the custom agents the Copilot API offers
//! (`GET <CAPI>/agents/swe/models`, `GET <CAPI>/agents/swe/custom-agents/{owner}/{repo}`), read
//! leniently (a bad item is skipped, a model a picker should not offer is left out) for
//! `GET /v1/models` and `GET /v1/custom-agents`. A failure is said in words and names the list.

use crate::github::{ClientError, GitHubClient};

/// A model a new task can run.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// What `model` in a start request takes.
    pub id: String,
    pub name: String,
    pub vendor: Option<String>,
    /// Premium requests one use costs, when the list says.
    pub multiplier: Option<f64>,
}

/// A custom agent a new task in one repository can run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomAgent {
    /// What `custom_agent` in a start request takes (the agent file's name).
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChoicesError {
    #[error("{0:?} is not a repository: give it as owner/name")]
    BadRepository(String),
    #[error("signed out: there is no GitHub client to ask")]
    SignedOut,
    #[error("no account {wanted:?}; the accounts are {known}")]
    UnknownAccount { wanted: String, known: String },
    #[error("GitHub's Copilot API did not list the {what}: {source}")]
    Upstream {
        what: &'static str,
        source: ClientError,
    },
    #[error("agentbar is shutting down")]
    ShuttingDown,
}

/// The models the cloud agent offers, in the Copilot API's order.
pub async fn models(client: Option<&GitHubClient>) -> Result<Vec<Model>, ChoicesError> {
    let client = client.ok_or(ChoicesError::SignedOut)?;
    let (models, skipped) =
        client
            .agent_models()
            .await
            .map_err(|source| ChoicesError::Upstream {
                what: "models",
                source,
            })?;
    if skipped > 0 {
        tracing::warn!(skipped, "the model list held items that did not decode");
    }
    Ok(models
        .into_iter()
        .filter(|m| m.model_picker_enabled != Some(false))
        .map(|m| Model {
            name: m.name.unwrap_or_else(|| m.id.clone()),
            id: m.id,
            vendor: m.vendor,
            multiplier: m.billing.and_then(|b| b.multiplier),
        })
        .collect())
}

/// The custom agents a task in `repo` (`owner/name`) can run; none when the repository has none.
pub async fn custom_agents(
    client: Option<&GitHubClient>,
    repo: &str,
) -> Result<Vec<CustomAgent>, ChoicesError> {
    if !crate::start::is_repository(repo) {
        return Err(ChoicesError::BadRepository(repo.to_owned()));
    }
    let client = client.ok_or(ChoicesError::SignedOut)?;
    let (agents, skipped) =
        client
            .custom_agents(repo)
            .await
            .map_err(|source| ChoicesError::Upstream {
                what: "custom agents",
                source,
            })?;
    if skipped > 0 {
        tracing::warn!(
            skipped,
            repo,
            "the custom-agent list held items that did not decode"
        );
    }
    Ok(agents
        .into_iter()
        .map(|a| CustomAgent {
            name: a.display_name.unwrap_or_else(|| a.name.clone()),
            id: a.name,
            description: a.description,
        })
        .collect())
}
