//! The GitHub HTTP client: agent tasks REST, the Copilot sessions API, GraphQL and Actions.
//! Stateless apart from the cached Copilot API base; conditional-request state lives with the
//! caller ([`super::sync::TaskSync`]). Every base URL is injected through [`Endpoints`].

use chrono::{DateTime, TimeZone, Utc};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

use super::dto::{
    CapiSessionDto, CustomAgentItemDto, CustomAgentListDto, GraphQlResponse, ModelDto,
    ModelListDto, NodesData, PullRequestNodeDto, RepositoryLookupDto, TaskDto, TaskListDto,
    UserDto, UserNodeDto, ViewerData, decode_items,
};
use super::error::ClientError;
use super::token::Token;
use crate::model::RateLimit;

/// The REST API version the agent tasks API is documented for.
const REST_API_VERSION: &str = "2026-03-10";
/// The version the Copilot sessions API expects.
const CAPI_API_VERSION: &str = "2026-01-09";
/// How long a Copilot API base learned through GraphQL is trusted (the GitHub CLI uses the same).
const CAPI_BASE_TTL: Duration = Duration::from_secs(600);
/// GraphQL `nodes` accepts at most this many ids per call.
pub const NODES_CHUNK: usize = 100;
/// The largest page the tasks list serves.
pub const TASKS_PER_PAGE: u32 = 100;

/// Where each upstream API lives. All are absolute URLs without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// REST API base; GraphQL is `{api}/graphql`.
    pub api: String,
    /// Web pages and sign-in.
    pub web: String,
    /// The Copilot API; `None` asks GraphQL for it.
    pub copilot_api: Option<String>,
}

impl Endpoints {
    /// The endpoints of github.com, or of a `*.ghe.com` tenant when `host` names one.
    pub fn for_host(host: &str) -> Endpoints {
        let host = host.trim().trim_end_matches('/');
        if host.is_empty() || host == "github.com" {
            Endpoints {
                api: "https://api.github.com".into(),
                web: "https://github.com".into(),
                copilot_api: None,
            }
        } else {
            Endpoints {
                api: format!("https://api.{host}"),
                web: format!("https://{host}"),
                copilot_api: None,
            }
        }
    }

    pub fn graphql(&self) -> String {
        format!("{}/graphql", self.api)
    }
}

#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Upper bound for one request, headers and body.
    pub timeout: Duration,
    /// Sent as `Copilot-Integration-Id` to the Copilot API when set. Unset by default: the
    /// Copilot API refuses an id it does not know, and infers one from the token without it.
    pub integration_id: Option<String>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(30),
            integration_id: None,
        }
    }
}

/// What a response said about pacing, whatever its status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pacing {
    pub rate_limit: Option<RateLimit>,
    /// `X-Poll-Interval`: never poll faster than this.
    pub poll_interval: Option<Duration>,
}

impl Pacing {
    /// Keeps the most restrictive of two observations.
    pub fn merge(self, other: Pacing) -> Pacing {
        Pacing {
            rate_limit: match (self.rate_limit, other.rate_limit) {
                (Some(a), Some(b)) => Some(if b.remaining <= a.remaining { b } else { a }),
                (a, b) => a.or(b),
            },
            poll_interval: self.poll_interval.max(other.poll_interval),
        }
    }
}

/// The body of a conditional GET.
#[derive(Debug)]
pub enum Fetched<T> {
    /// 304: what the caller has is still current.
    NotModified,
    Fresh {
        value: T,
        etag: Option<String>,
    },
}

#[derive(Debug)]
pub struct Reply<T> {
    pub body: Fetched<T>,
    pub pacing: Pacing,
    /// The `Link` header's `rel="next"` URL, when there is one.
    pub next_page: Option<String>,
    /// Whether a `Link` header came at all (without one, paging falls back to page sizes).
    pub has_link: bool,
}

/// Pull requests and users resolved through GraphQL `nodes`: the good ones, and the ids that
/// failed.
#[derive(Debug, Default)]
pub struct Nodes {
    pub found: HashMap<String, PullRequestNodeDto>,
    pub users: HashMap<String, UserNodeDto>,
    /// Node id → why it is missing (deleted PR, repository no longer visible…).
    pub missing: HashMap<String, String>,
    pub pacing: Pacing,
}

/// `viewer()`: the signed-in user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewerInfo {
    pub login: Option<String>,
    pub scopes: Option<Vec<String>>,
}

/// `X-OAuth-Scopes` as a list; `None` when absent (fine-grained tokens).
fn scopes_of(headers: &reqwest::header::HeaderMap) -> Option<Vec<String>> {
    headers
        .get("x-oauth-scopes")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
}

#[derive(Clone, Copy, Debug)]
enum Api {
    Rest,
    Copilot,
}

pub struct GitHubClient {
    http: reqwest::Client,
    endpoints: Endpoints,
    token: Token,
    options: ClientOptions,
    /// The Copilot API base learned through GraphQL, and when.
    capi_base: Mutex<Option<(String, Instant)>>,
}

impl GitHubClient {
    pub fn new(
        endpoints: Endpoints,
        token: Token,
        options: ClientOptions,
    ) -> Result<GitHubClient, ClientError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("agentbar/", env!("CARGO_PKG_VERSION")))
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            // Never follow a redirect with the token to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Network {
                endpoint: "client set-up".into(),
                detail: e.to_string(),
            })?;
        Ok(GitHubClient {
            http,
            endpoints,
            token,
            options,
            capi_base: Mutex::new(None),
        })
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The token this client presents (redacted in `Debug`).
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// One page of `GET /agents/tasks`, newest update first, optionally only tasks updated at or
    /// after `since`.
    pub async fn list_tasks(
        &self,
        page: u32,
        since: Option<DateTime<Utc>>,
        etag: Option<&str>,
    ) -> Result<Reply<TaskListDto>, ClientError> {
        self.list_tasks_in(page, since, etag, false).await
    }

    /// One page of the archived tasks (`is_archived=true`), newest update first.
    pub async fn list_archived_tasks(&self, page: u32) -> Result<Reply<TaskListDto>, ClientError> {
        self.list_tasks_in(page, None, None, true).await
    }

    async fn list_tasks_in(
        &self,
        page: u32,
        since: Option<DateTime<Utc>>,
        etag: Option<&str>,
        archived: bool,
    ) -> Result<Reply<TaskListDto>, ClientError> {
        let mut query = vec![
            ("per_page", TASKS_PER_PAGE.to_string()),
            ("page", page.to_string()),
            ("sort", "updated_at".to_string()),
            ("direction", "desc".to_string()),
        ];
        if archived {
            query.push(("is_archived", "true".to_string()));
        }
        if let Some(since) = since {
            query.push((
                "since",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ));
        }
        let url = format!("{}/agents/tasks", self.endpoints.api);
        self.get_json(Api::Rest, &url, &query, etag).await
    }

    /// `GET /agents/tasks/{id}`: one task with its sessions.
    pub async fn task(&self, id: &str, etag: Option<&str>) -> Result<Reply<TaskDto>, ClientError> {
        let url = format!("{}/agents/tasks/{}", self.endpoints.api, path_segment(id));
        self.get_json(Api::Rest, &url, &[], etag).await
    }

    /// `GET /repositories/{id}`: the `owner/name` of a repository known only by id.
    pub async fn repository_name(&self, id: u64) -> Result<String, ClientError> {
        let url = format!("{}/repositories/{id}", self.endpoints.api);
        Ok(self.get_fresh::<RepositoryLookupDto>(&url).await?.full_name)
    }

    /// `GET /user`: the account the token belongs to.
    pub async fn user(&self) -> Result<UserDto, ClientError> {
        let url = format!("{}/user", self.endpoints.api);
        self.get_fresh(&url).await
    }

    /// `GET /user/{id}`: an account known only by its database id.
    pub async fn user_by_id(&self, id: u64) -> Result<UserDto, ClientError> {
        let url = format!("{}/user/{id}", self.endpoints.api);
        self.get_fresh(&url).await
    }

    /// An unconditional REST GET, whose answer must have a body.
    async fn get_fresh<T: DeserializeOwned>(&self, url: &str) -> Result<T, ClientError> {
        self.get_fresh_from(Api::Rest, url, &[]).await
    }

    /// An unconditional GET, whose answer must have a body.
    async fn get_fresh_from<T: DeserializeOwned>(
        &self,
        api: Api,
        url: &str,
        query: &[(&str, String)],
    ) -> Result<T, ClientError> {
        match self.get_json::<T>(api, url, query, None).await?.body {
            Fetched::Fresh { value, .. } => Ok(value),
            Fetched::NotModified => Err(ClientError::Malformed {
                endpoint: endpoint_name("GET", url),
                detail: "304 to an unconditional request".into(),
            }),
        }
    }

    /// `GET <CAPI>/agents/swe/models`: the models the cloud agent offers for new tasks, and how
    /// many items did not decode (skipped).
    pub async fn agent_models(&self) -> Result<(Vec<ModelDto>, usize), ClientError> {
        let base = self.copilot_api_base().await?;
        let url = format!("{base}/agents/swe/models");
        let list: ModelListDto = self.get_fresh_from(Api::Copilot, &url, &[]).await?;
        Ok(decode_items(list.data))
    }

    /// `GET <CAPI>/agents/swe/custom-agents/{owner}/{repo}`: the custom agents a task in `repo`
    /// (`owner/name`) can run, without those whose configuration is invalid, and how many items
    /// did not decode. A 404 is read as "none" (the answer for a repository without any).
    pub async fn custom_agents(
        &self,
        repo: &str,
    ) -> Result<(Vec<CustomAgentItemDto>, usize), ClientError> {
        let base = self.copilot_api_base().await?;
        let url = format!(
            "{base}/agents/swe/custom-agents/{}",
            repo.split('/')
                .map(path_segment)
                .collect::<Vec<_>>()
                .join("/")
        );
        let query = [("exclude_invalid_config", "true".to_owned())];
        match self
            .get_fresh_from::<CustomAgentListDto>(Api::Copilot, &url, &query)
            .await
        {
            Ok(list) => Ok(decode_items(list.agents)),
            Err(ClientError::NotFound { .. }) => Ok((Vec::new(), 0)),
            Err(e) => Err(e),
        }
    }

    /// `GET <CAPI>/agents/sessions/{id}`: the Copilot API's view of one session.
    pub async fn capi_session(
        &self,
        id: &str,
        etag: Option<&str>,
    ) -> Result<Reply<CapiSessionDto>, ClientError> {
        let base = self.copilot_api_base().await?;
        let url = format!("{base}/agents/sessions/{}", path_segment(id));
        self.get_json(Api::Copilot, &url, &[], etag).await
    }

    /// `GET <CAPI>/agents/sessions/{id}/logs`: the whole log so far, as text.
    pub async fn session_log(&self, id: &str) -> Result<String, ClientError> {
        let base = self.copilot_api_base().await?;
        let url = format!("{base}/agents/sessions/{}/logs", path_segment(id));
        let endpoint = endpoint_name("GET", &url);
        let response = self
            .send(self.request(Api::Copilot, Method::GET, &url), &endpoint)
            .await?;
        let (status, headers, bytes) = read(response, &endpoint).await?;
        check_status(status, &headers, &bytes, &endpoint)?;
        String::from_utf8(bytes).map_err(|e| ClientError::Malformed {
            endpoint,
            detail: e.to_string(),
        })
    }

    /// The Copilot API base: the configured override, else `viewer.copilotEndpoints.api` from
    /// GraphQL, cached for ten minutes.
    pub async fn copilot_api_base(&self) -> Result<String, ClientError> {
        if let Some(base) = &self.endpoints.copilot_api {
            return Ok(base.clone());
        }
        let mut cached = self.capi_base.lock().await;
        if let Some((base, at)) = cached.as_ref()
            && at.elapsed() < CAPI_BASE_TTL
        {
            return Ok(base.clone());
        }
        let (response, _) = self
            .graphql::<ViewerData>(
                "query { viewer { login copilotEndpoints { api } } }",
                json!({}),
            )
            .await?;
        let base = response
            .data
            .and_then(|d| d.viewer.copilot_endpoints)
            .and_then(|e| e.api)
            .map(|api| api.trim_end_matches('/').to_owned())
            .filter(|api| !api.is_empty())
            .ok_or_else(|| ClientError::GraphQl {
                endpoint: endpoint_name("POST", &self.endpoints.graphql()),
                message: "viewer.copilotEndpoints.api is missing".into(),
            })?;
        *cached = Some((base.clone(), Instant::now()));
        Ok(base)
    }

    /// `GET /user`: who the token belongs to and its scopes (`X-OAuth-Scopes`; absent for
    /// fine-grained tokens). What `login` asks before it stores a token: a token GitHub refuses
    /// is a `ClientError::Unauthorized`.
    pub async fn token_owner(&self) -> Result<ViewerInfo, ClientError> {
        let url = format!("{}/user", self.endpoints.api);
        let endpoint = endpoint_name("GET", &url);
        let response = self
            .send(self.request(Api::Rest, Method::GET, &url), &endpoint)
            .await?;
        let (status, headers, bytes) = read(response, &endpoint).await?;
        check_status(status, &headers, &bytes, &endpoint)?;
        let user: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| ClientError::Malformed {
                endpoint,
                detail: e.to_string(),
            })?;
        Ok(ViewerInfo {
            login: user["login"].as_str().map(str::to_owned),
            scopes: scopes_of(&headers),
        })
    }

    /// Who the token belongs to and the scopes GitHub reports for it (`X-OAuth-Scopes`; absent
    /// for fine-grained tokens, which have permissions instead).
    pub async fn viewer(&self) -> Result<ViewerInfo, ClientError> {
        let url = self.endpoints.graphql();
        let endpoint = endpoint_name("POST", &url);
        let request = self
            .request(Api::Rest, Method::POST, &url)
            .json(&json!({ "query": "query { viewer { login } }" }));
        let response = self.send(request, &endpoint).await?;
        let (status, headers, bytes) = read(response, &endpoint).await?;
        check_status(status, &headers, &bytes, &endpoint)?;
        let decoded: GraphQlResponse<ViewerData> =
            serde_json::from_slice(&bytes).map_err(|e| ClientError::Malformed {
                endpoint,
                detail: e.to_string(),
            })?;
        Ok(ViewerInfo {
            login: decoded.data.and_then(|d| d.viewer.login),
            scopes: scopes_of(&headers),
        })
    }

    /// Resolves pull requests and users by GraphQL node id, at most [`NODES_CHUNK`] per call,
    /// keeping the good nodes when others fail.
    pub async fn nodes(&self, ids: &[String]) -> Result<Nodes, ClientError> {
        const QUERY: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename \
            ... on PullRequest { id fullDatabaseId number title state isDraft url \
            repository { nameWithOwner } } ... on User { id login databaseId } } }";
        let mut result = Nodes::default();
        for chunk in ids.chunks(NODES_CHUNK) {
            let (response, pacing) = self
                .graphql::<NodesData>(QUERY, json!({ "ids": chunk }))
                .await?;
            result.pacing = result.pacing.merge(pacing);
            let errors_by_index: HashMap<usize, String> = response
                .errors
                .iter()
                .filter_map(|e| {
                    let index = e.path.get(1).and_then(Value::as_u64)?;
                    Some((usize::try_from(index).ok()?, e.message.clone()))
                })
                .collect();
            let Some(data) = response.data else {
                let message = response
                    .errors
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_else(|| "no data".into());
                return Err(ClientError::GraphQl {
                    endpoint: endpoint_name("POST", &self.endpoints.graphql()),
                    message,
                });
            };
            for (index, id) in chunk.iter().enumerate() {
                let node = data.nodes.get(index).cloned().unwrap_or(Value::Null);
                let typename = node.get("__typename").and_then(Value::as_str);
                if typename != Some("PullRequest")
                    && let Ok(user) = serde_json::from_value::<UserNodeDto>(node.clone())
                    && &user.id == id
                {
                    result.users.insert(id.clone(), user);
                    continue;
                }
                match serde_json::from_value::<PullRequestNodeDto>(node) {
                    Ok(pr) if &pr.id == id => {
                        result.found.insert(id.clone(), pr);
                    }
                    _ => {
                        let why = errors_by_index
                            .get(&index)
                            .cloned()
                            .unwrap_or_else(|| "not a pull request or user".into());
                        result.missing.insert(id.clone(), why);
                    }
                }
            }
        }
        Ok(result)
    }

    /// `POST /repos/{repo}/actions/runs/{run_id}/cancel`: stops the Actions run hosting a session.
    pub async fn cancel_run(&self, repo: &str, run_id: u64) -> Result<(), ClientError> {
        let url = format!(
            "{}/repos/{}/actions/runs/{run_id}/cancel",
            self.endpoints.api,
            repo.split('/')
                .map(path_segment)
                .collect::<Vec<_>>()
                .join("/")
        );
        let endpoint = endpoint_name("POST", &url);
        let response = self
            .send(self.request(Api::Rest, Method::POST, &url), &endpoint)
            .await?;
        let (status, headers, bytes) = read(response, &endpoint).await?;
        check_status(status, &headers, &bytes, &endpoint)
    }

    /// `POST /agents/repos/{owner}/{repo}/tasks`: starts a task (or, with `head_ref`, a
    /// follow-up on that existing branch); `body` is the documented request. The new task.
    pub async fn start_task(&self, repo: &str, body: &Value) -> Result<TaskDto, ClientError> {
        let url = format!(
            "{}/agents/repos/{}/tasks",
            self.endpoints.api,
            repo.split('/')
                .map(path_segment)
                .collect::<Vec<_>>()
                .join("/")
        );
        let endpoint = endpoint_name("POST", &url);
        let request = self.request(Api::Rest, Method::POST, &url).json(body);
        let response = self.send(request, &endpoint).await?;
        let (status, headers, bytes) = read(response, &endpoint).await?;
        check_status(status, &headers, &bytes, &endpoint)?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Malformed {
            endpoint,
            detail: e.to_string(),
        })
    }

    async fn graphql<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: Value,
    ) -> Result<(GraphQlResponse<T>, Pacing), ClientError> {
        let url = self.endpoints.graphql();
        let endpoint = endpoint_name("POST", &url);
        let request = self
            .request(Api::Rest, Method::POST, &url)
            .json(&json!({ "query": query, "variables": variables }));
        let response = self.send(request, &endpoint).await?;
        let (status, headers, bytes) = read(response, &endpoint).await?;
        check_status(status, &headers, &bytes, &endpoint)?;
        let decoded = serde_json::from_slice(&bytes).map_err(|e| ClientError::Malformed {
            endpoint,
            detail: e.to_string(),
        })?;
        Ok((decoded, pacing(&headers)))
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        api: Api,
        url: &str,
        query: &[(&str, String)],
        etag: Option<&str>,
    ) -> Result<Reply<T>, ClientError> {
        let endpoint = endpoint_name("GET", url);
        let mut request = self.request(api, Method::GET, url).query(query);
        if let Some(etag) = etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        let response = self.send(request, &endpoint).await?;
        let (status, headers, bytes) = read(response, &endpoint).await?;
        let pacing = pacing(&headers);
        let (next_page, has_link) = next_link(&headers);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Reply {
                body: Fetched::NotModified,
                pacing,
                next_page,
                has_link,
            });
        }
        check_status(status, &headers, &bytes, &endpoint)?;
        let value = serde_json::from_slice(&bytes).map_err(|e| ClientError::Malformed {
            endpoint,
            detail: e.to_string(),
        })?;
        let etag = headers
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Reply {
            body: Fetched::Fresh { value, etag },
            pacing,
            next_page,
            has_link,
        })
    }

    fn request(&self, api: Api, method: Method, url: &str) -> RequestBuilder {
        let builder = self
            .http
            .request(method, url)
            .bearer_auth(self.token.expose());
        match api {
            Api::Rest => builder
                .header(reqwest::header::ACCEPT, "application/vnd.github+json")
                .header("X-GitHub-Api-Version", REST_API_VERSION),
            Api::Copilot => {
                let builder = builder
                    .header(reqwest::header::ACCEPT, "application/json")
                    .header("X-GitHub-Api-Version", CAPI_API_VERSION);
                match &self.options.integration_id {
                    Some(id) => builder.header("Copilot-Integration-Id", id),
                    None => builder,
                }
            }
        }
    }

    async fn send(
        &self,
        request: RequestBuilder,
        endpoint: &str,
    ) -> Result<reqwest::Response, ClientError> {
        request
            .send()
            .await
            .map_err(|e| transport_error(e, endpoint, self.options.timeout))
    }
}

async fn read(
    response: reqwest::Response,
    endpoint: &str,
) -> Result<(StatusCode, HeaderMap, Vec<u8>), ClientError> {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.map_err(|e| {
        if e.is_timeout() {
            ClientError::Timeout {
                endpoint: endpoint.to_owned(),
                seconds: 0,
            }
        } else {
            ClientError::Malformed {
                endpoint: endpoint.to_owned(),
                detail: format!("the body was cut short: {e}"),
            }
        }
    })?;
    Ok((status, headers, bytes.to_vec()))
}

fn transport_error(error: reqwest::Error, endpoint: &str, timeout: Duration) -> ClientError {
    if error.is_timeout() {
        return ClientError::Timeout {
            endpoint: endpoint.to_owned(),
            seconds: timeout.as_secs(),
        };
    }
    // The source chain carries the useful part ("Connection refused"); reqwest's top-level
    // message alone only says "error sending request".
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        detail = format!("{detail}: {inner}");
        source = inner.source();
    }
    ClientError::Network {
        endpoint: endpoint.to_owned(),
        detail,
    }
}

/// Maps a non-success status to its error; 2xx passes.
fn check_status(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    endpoint: &str,
) -> Result<(), ClientError> {
    if status.is_success() {
        return Ok(());
    }
    let endpoint = endpoint.to_owned();
    let message = upstream_message(body);
    let pacing = pacing(headers);
    let retry_after = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| parse_retry_after(v, Utc::now()));
    let exhausted = pacing.rate_limit.is_some_and(|r| r.remaining == 0);
    Err(match status.as_u16() {
        401 => ClientError::Unauthorized { endpoint, message },
        403 | 429 if exhausted || retry_after.is_some() || status.as_u16() == 429 => {
            ClientError::RateLimited {
                endpoint,
                status: status.as_u16(),
                reset_at: pacing
                    .rate_limit
                    .filter(|r| r.remaining == 0)
                    .map(|r| r.reset_at),
                retry_after,
            }
        }
        403 => ClientError::Forbidden { endpoint, message },
        404 => ClientError::NotFound { endpoint },
        code @ 500..=599 => ClientError::Server {
            endpoint,
            status: code,
        },
        code => ClientError::Http {
            endpoint,
            status: code,
            message,
        },
    })
}

/// GitHub's error bodies are `{"message": ...}`; anything else is summarised, never echoed whole.
fn upstream_message(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| format!("{} bytes of non-JSON body", body.len()))
        .chars()
        .take(200)
        .collect()
}

/// Reads the rate-limit and poll-interval headers.
pub fn pacing(headers: &HeaderMap) -> Pacing {
    let number = |name: &str| -> Option<u64> {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse().ok())
    };
    let rate_limit = match (
        number("x-ratelimit-limit"),
        number("x-ratelimit-remaining"),
        number("x-ratelimit-reset"),
    ) {
        (Some(limit), Some(remaining), Some(reset)) => i64::try_from(reset)
            .ok()
            .and_then(|secs| Utc.timestamp_opt(secs, 0).single())
            .map(|reset_at| RateLimit {
                limit,
                remaining,
                reset_at,
            }),
        _ => None,
    };
    Pacing {
        rate_limit,
        poll_interval: number("x-poll-interval").map(Duration::from_secs),
    }
}

/// `Retry-After` as delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &HeaderValue, now: DateTime<Utc>) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at: DateTime<Utc> = httpdate::parse_http_date(text).ok()?.into();
    Some(
        at.signed_duration_since(now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// The `rel="next"` target of a `Link` header, and whether the header was there at all.
fn next_link(headers: &HeaderMap) -> (Option<String>, bool) {
    let Some(link) = headers
        .get(reqwest::header::LINK)
        .and_then(|v| v.to_str().ok())
    else {
        return (None, false);
    };
    let next = link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
            .then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
    });
    (next, true)
}

/// "GET /agents/tasks" for errors and logs: the method and path, never the query or host.
fn endpoint_name(method: &str, url: &str) -> String {
    let path = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or(url);
    format!("{method} {path}")
}

/// Ids come from upstream: keep them from changing the path's shape.
fn path_segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn pacing_reads_rate_limits_and_poll_interval() {
        let p = pacing(&headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "12"),
            ("x-ratelimit-reset", "1800000000"),
            ("x-poll-interval", "60"),
        ]));
        let rate = p.rate_limit.unwrap();
        assert_eq!((rate.limit, rate.remaining), (5000, 12));
        assert_eq!(rate.reset_at.timestamp(), 1_800_000_000);
        assert_eq!(p.poll_interval, Some(Duration::from_secs(60)));
        assert_eq!(pacing(&HeaderMap::new()), Pacing::default());
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        assert_eq!(
            parse_retry_after(&HeaderValue::from_static("42"), now),
            Some(Duration::from_secs(42))
        );
        let later = httpdate::fmt_http_date((now + chrono::TimeDelta::seconds(30)).into());
        assert_eq!(
            parse_retry_after(&HeaderValue::from_str(&later).unwrap(), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after(&HeaderValue::from_static("soon"), now),
            None
        );
    }

    #[test]
    fn status_mapping_tells_rate_limits_from_plain_403s() {
        let limited = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1800000000"),
        ]);
        let e = check_status(StatusCode::FORBIDDEN, &limited, b"{}", "GET /x").unwrap_err();
        assert_eq!(e.code(), "rate_limited");
        let e = check_status(
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            br#"{"message":"Resource not accessible by integration"}"#,
            "GET /x",
        )
        .unwrap_err();
        assert_eq!(e.code(), "forbidden");
        assert!(e.to_string().contains("Resource not accessible"));
        let e = check_status(
            StatusCode::TOO_MANY_REQUESTS,
            &HeaderMap::new(),
            b"",
            "GET /x",
        )
        .unwrap_err();
        assert_eq!(e.code(), "rate_limited");
        let e = check_status(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>",
            "GET /x",
        )
        .unwrap_err();
        assert_eq!(e.code(), "server_error");
        assert!(check_status(StatusCode::ACCEPTED, &HeaderMap::new(), b"", "x").is_ok());
    }

    #[test]
    fn link_headers_yield_the_next_page() {
        let h = headers(&[(
            "link",
            "<https://api.github.com/agents/tasks?page=2>; rel=\"next\", \
             <https://api.github.com/agents/tasks?page=5>; rel=\"last\"",
        )]);
        assert_eq!(
            next_link(&h),
            (
                Some("https://api.github.com/agents/tasks?page=2".into()),
                true
            )
        );
        let last = headers(&[("link", "<https://x/?page=1>; rel=\"first\"")]);
        assert_eq!(next_link(&last), (None, true));
        assert_eq!(next_link(&HeaderMap::new()), (None, false));
    }

    #[test]
    fn endpoints_derive_from_the_host_and_names_hide_hosts() {
        let tenant = Endpoints::for_host("acme.ghe.com");
        assert_eq!(tenant.api, "https://api.acme.ghe.com");
        assert_eq!(tenant.graphql(), "https://api.acme.ghe.com/graphql");
        assert_eq!(tenant.web, "https://acme.ghe.com");
        assert_eq!(
            Endpoints::for_host("github.com").api,
            "https://api.github.com"
        );
        assert_eq!(
            endpoint_name("GET", "http://127.0.0.1:9/agents/tasks"),
            "GET /agents/tasks"
        );
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }
}
