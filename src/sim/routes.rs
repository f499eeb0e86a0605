//! The simulator's HTTP routes: upstream handlers behind one pipeline (faults, auth, ETag,
//! rate limit, counting), and the `/_sim` control routes.

use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, ETAG, HOST, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::conditional::{etag_for, if_none_match_hits};
use super::create::{Refusal, StartRequest, plan_task};
use super::device::{Decision, PollAnswer};
use super::faults::{FaultKind, FaultRequest};
use super::listing::{TaskQuery, link_header};
use super::logs::render_log;
use super::node_id::user_node_id;
use super::rate_limit::unix_seconds_after;
use super::requests::RecordedRequest;
use super::scenario::Viewer;
use super::wire::{
    WireContext, capi_custom_agent_json, capi_model_json, capi_session_json, capi_task_json,
    organization_account_json, pull_node_json, repository_json, task_json, user_json,
    user_node_json,
};
use super::world::{SessionNow, TaskNow, World, repository_of};
use super::{SimState, Simulator};

const DOCS_URL: &str = "https://docs.github.com/rest";

type Pairs = Query<Vec<(String, String)>>;

pub(crate) fn router(sim: Simulator) -> Router {
    Router::new()
        .route("/agents/tasks", get(list_tasks))
        .route("/agents/tasks/{task_id}", get(one_task))
        .route(
            "/agents/repos/{owner}/{repo}/tasks",
            get(list_repo_tasks).post(start_task),
        )
        .route(
            "/agents/repos/{owner}/{repo}/tasks/{task_id}",
            get(one_repo_task),
        )
        .route("/repositories/{id}", get(one_repository))
        .route("/user", get(viewer_account))
        .route("/user/{account_id}", get(one_account))
        .route(
            "/repos/{owner}/{repo}/actions/runs/{run_id}/cancel",
            post(cancel_run),
        )
        .route("/graphql", post(graphql))
        .route("/copilot/agents/sessions", get(list_sessions))
        .route("/copilot/agents/sessions/{id}", get(one_session))
        .route("/copilot/agents/sessions/{id}/logs", get(session_logs))
        .route("/copilot/agents/resource/pull/{id}", get(pull_sessions))
        .route("/copilot/agents/tasks", get(capi_tasks))
        .route("/copilot/agents/swe/models", get(capi_models))
        .route(
            "/copilot/agents/swe/custom-agents/{owner}/{repo}",
            get(capi_custom_agents),
        )
        .route("/web/{*path}", get(web_page))
        // The sign-in routes live on the web host; the root copies serve clients that point
        // their web base at the simulator's origin.
        .route("/login/device/code", post(device_code))
        .route("/login/oauth/access_token", post(access_token))
        .route("/web/login/device/code", post(device_code))
        .route("/web/login/oauth/access_token", post(access_token))
        .route(
            "/web/login/device",
            get(device_page).post(device_page_decide),
        )
        .route(
            "/_sim/device",
            get(list_device_grants).post(decide_device_grant),
        )
        .route(
            "/_sim/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sim/stats", get(show_stats))
        .route("/_sim/stats/reset", post(reset_stats))
        .route("/_sim/requests", get(list_requests).delete(clear_requests))
        .route("/_sim/clock", get(show_clock).post(advance_clock))
        .route("/_sim/scenario/tasks", get(scenario_tasks))
        .fallback(unknown_route)
        .with_state(sim)
}

/// Which family a route belongs to: decides auth and rate-limit headers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Api {
    Rest,
    Graphql,
    Capi,
    Web,
    /// The OAuth device flow: no token yet, so no auth.
    SignIn,
}

/// What a handler answers, before the pipeline adds headers and counts it.
struct Reply {
    status: StatusCode,
    body: ReplyBody,
    headers: Vec<(HeaderName, String)>,
}

enum ReplyBody {
    Json(Value),
    Text(String),
    Html(String),
    /// `application/x-www-form-urlencoded`, what GitHub's OAuth routes send without
    /// `Accept: application/json`.
    Form(String),
}

impl Reply {
    fn json(status: StatusCode, value: Value) -> Reply {
        Reply {
            status,
            body: ReplyBody::Json(value),
            headers: Vec::new(),
        }
    }

    fn ok(value: Value) -> Reply {
        Reply::json(StatusCode::OK, value)
    }

    fn not_found() -> Reply {
        Reply::json(
            StatusCode::NOT_FOUND,
            json!({"message": "Not Found", "documentation_url": DOCS_URL}),
        )
    }

    fn bad_credentials() -> Reply {
        Reply::json(
            StatusCode::UNAUTHORIZED,
            json!({"message": "Bad credentials", "documentation_url": DOCS_URL}),
        )
    }

    fn with_header(mut self, name: HeaderName, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }
}

/// `http://host:port` from the request's `Host`, so URLs in answers point back here.
fn origin_of(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    // GitHub accepts the older `token` scheme too.
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .or_else(|| value.strip_prefix("token "))
        .map(str::trim)
}

/// What the pipeline needs to know about a request: its method, target and headers.
pub(crate) struct Incoming {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    /// The JSON body, recorded for the tests (set by the handlers of routes that take one).
    body: Option<Value>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Incoming {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Incoming {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
            body: None,
        })
    }
}

const COPILOT_INTEGRATION_ID: &str = "copilot-integration-id";

/// Integration ids the Copilot API knows: GitHub's CLI and GitHub's Raycast extension.
const KNOWN_INTEGRATIONS: [&str; 2] = ["copilot-4-cli", "copilot-raycast"];

impl Incoming {
    fn integration_id(&self) -> Option<String> {
        self.headers
            .get(COPILOT_INTEGRATION_ID)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    }
}

/// Records a request for `GET /_sim/requests`.
fn record_request(state: &mut SimState, route: &str, incoming: &Incoming) {
    let at_ms = state.elapsed_ms();
    state.requests.record(RecordedRequest {
        route: route.to_owned(),
        method: incoming.method.to_string(),
        path: incoming
            .uri
            .path_and_query()
            .map_or_else(|| incoming.uri.path().to_owned(), |p| p.as_str().to_owned()),
        at_ms,
        copilot_integration_id: incoming.integration_id(),
        body: incoming.body.clone(),
    });
}

/// Serves one upstream request that concerns no session in particular.
async fn upstream(
    sim: Simulator,
    route: &'static str,
    api: Api,
    incoming: Incoming,
    handler: impl FnOnce(&mut SimState, &str) -> Reply,
) -> Response {
    upstream_about(sim, route, api, incoming, |_| Vec::new(), handler).await
}

/// Serves one upstream request: faults, the integration check, auth, the handler, then ETag,
/// rate limit and counting. `about` names the sessions the request concerns, for faults
/// restricted to one session (only asked when such a fault exists).
async fn upstream_about(
    sim: Simulator,
    route: &'static str,
    api: Api,
    incoming: Incoming,
    about: impl FnOnce(&SimState) -> Vec<String>,
    handler: impl FnOnce(&mut SimState, &str) -> Reply,
) -> Response {
    let Incoming {
        ref method,
        ref headers,
        ..
    } = incoming;
    let origin = origin_of(headers);
    let applied = {
        let mut state = sim.lock();
        record_request(&mut state, route, &incoming);
        let sessions = if state.faults.has_session_faults() {
            about(&state)
        } else {
            Vec::new()
        };
        state.faults.take_for(route, &sessions)
    };
    if applied.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(applied.latency_ms)).await;
    }
    let mut corruption = None;
    let mut rate_limit_fault = None;
    let reply = match applied.outcome {
        Some(FaultKind::Timeout { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Some(Reply::json(
                StatusCode::GATEWAY_TIMEOUT,
                json!({"message": "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists."}),
            ))
        }
        Some(FaultKind::Status { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = status.canonical_reason().unwrap_or("Simulated failure");
            Some(Reply::json(
                status,
                json!({"message": message, "documentation_url": DOCS_URL}),
            ))
        }
        Some(FaultKind::Unauthorized) => Some(Reply::bad_credentials()),
        Some(FaultKind::RateLimit {
            status,
            reset_after_seconds,
            retry_after,
        }) => {
            rate_limit_fault = Some(reset_after_seconds);
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
            let message = if status == StatusCode::TOO_MANY_REQUESTS {
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
            } else {
                "API rate limit exceeded for user. (But here's the good news: Authenticated requests get a higher rate limit.)"
            };
            let mut reply = Reply::json(
                status,
                json!({"message": message, "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}),
            );
            if retry_after {
                reply = reply.with_header(
                    HeaderName::from_static("retry-after"),
                    reset_after_seconds.to_string(),
                );
            }
            Some(reply)
        }
        Some(kind @ (FaultKind::MalformedJson | FaultKind::Truncated)) => {
            corruption = Some(kind);
            None
        }
        Some(FaultKind::Latency { .. } | FaultKind::PollInterval { .. }) | None => None,
    };

    let mut state = sim.lock();
    let integration = incoming.integration_id();
    let reply = match reply {
        Some(reply) => reply,
        // The Copilot API refuses an integration it does not know (and infers one when the
        // header is absent).
        None if api == Api::Capi
            && integration.as_deref().is_some_and(|id| {
                !KNOWN_INTEGRATIONS.contains(&id)
                    && !state
                        .scenario
                        .copilot_integration_ids
                        .iter()
                        .any(|k| k == id)
            }) =>
        {
            Reply {
                status: StatusCode::BAD_REQUEST,
                body: ReplyBody::Text("bad request: unknown integration\n".to_owned()),
                headers: Vec::new(),
            }
        }
        None if !matches!(api, Api::Web | Api::SignIn)
            && !bearer_token(headers).is_some_and(|t| state.accepts(t)) =>
        {
            Reply::bad_credentials()
        }
        None => handler(&mut state, &origin),
    };

    let (content_type, mut body) = match reply.body {
        ReplyBody::Json(value) => ("application/json; charset=utf-8", value.to_string()),
        ReplyBody::Text(text) => ("text/plain; charset=utf-8", text),
        ReplyBody::Html(html) => ("text/html; charset=utf-8", html),
        ReplyBody::Form(form) => ("application/x-www-form-urlencoded; charset=utf-8", form),
    };
    let mut status = reply.status;
    let mut extra = reply.headers;

    match corruption {
        Some(FaultKind::MalformedJson) if status == StatusCode::OK => {
            body = "{\"message\": \"simulated malformed body\", \"tasks\": [ {\"id\": ".to_owned();
        }
        Some(FaultKind::Truncated) if status == StatusCode::OK => {
            let mut cut = body.len() / 2;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
        }
        _ => {
            // An answer that may be cached gets a strong ETag, and a matching
            // If-None-Match turns it into a bodyless 304.
            if *method == Method::GET && status == StatusCode::OK {
                let etag = etag_for(body.as_bytes());
                let hit = headers
                    .get(IF_NONE_MATCH)
                    .and_then(|h| h.to_str().ok())
                    .is_some_and(|h| if_none_match_hits(h, &etag));
                if hit {
                    status = StatusCode::NOT_MODIFIED;
                    body.clear();
                }
                extra.push((ETAG, etag));
            }
        }
    }

    let resource = match api {
        Api::Rest => Some("core"),
        Api::Graphql => Some("graphql"),
        Api::Capi | Api::Web | Api::SignIn => None,
    };
    if resource.is_some() {
        // GitHub reports a classic or OAuth token's scopes on every answer.
        extra.push((
            HeaderName::from_static("x-oauth-scopes"),
            "repo, read:org, workflow".to_owned(),
        ));
    }
    if let Some(resource) = resource {
        let cost = u64::from(status != StatusCode::NOT_MODIFIED);
        let mut limits = state.rate_limits.spend(resource, cost);
        if let Some(reset_after) = rate_limit_fault {
            limits.remaining = 0;
            limits.used = limits.limit;
            limits.reset = unix_seconds_after(reset_after);
        }
        for (name, value) in [
            ("x-ratelimit-limit", limits.limit.to_string()),
            ("x-ratelimit-remaining", limits.remaining.to_string()),
            ("x-ratelimit-used", limits.used.to_string()),
            ("x-ratelimit-reset", limits.reset.to_string()),
            ("x-ratelimit-resource", limits.resource.to_owned()),
        ] {
            extra.push((HeaderName::from_static(name), value));
        }
    }
    if let Some(seconds) = applied.poll_interval_seconds {
        extra.push((
            HeaderName::from_static("x-poll-interval"),
            seconds.to_string(),
        ));
    }
    state.stats.record(route, status.as_u16(), body.len());
    drop(state);

    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let response_headers = response.headers_mut();
    if status != StatusCode::NOT_MODIFIED {
        response_headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    for (name, value) in extra {
        match HeaderValue::from_str(&value) {
            Ok(value) => {
                response_headers.append(name, value);
            }
            Err(error) => tracing::warn!(%name, %error, "simulator header value dropped"),
        }
    }
    response
}

fn wire<'a>(state: &'a SimState, origin: &'a str) -> WireContext<'a> {
    WireContext {
        origin,
        epoch: state.epoch,
        viewer: &state.scenario.viewer,
    }
}

fn same_repository(task: &TaskNow, owner: &str, repo: &str) -> bool {
    task.repository.owner.eq_ignore_ascii_case(owner)
        && task.repository.name.eq_ignore_ascii_case(repo)
}

fn scenario_has_repository(state: &SimState, owner: &str, repo: &str) -> bool {
    let wanted = format!("{owner}/{repo}");
    state
        .scenario
        .tasks
        .iter()
        .any(|t| t.repository.eq_ignore_ascii_case(&wanted))
}

/// The list answer shared by `/agents/tasks` and the per-repository list.
fn task_list(
    state: &SimState,
    origin: &str,
    pairs: &[(String, String)],
    repository: Option<(&str, &str)>,
    path: &str,
) -> Reply {
    let world = state.world();
    let context = wire(state, origin);
    let in_scope: Vec<&TaskNow> = world
        .tasks
        .iter()
        .filter(|t| repository.is_none_or(|(owner, repo)| same_repository(t, owner, repo)))
        .collect();
    let query = TaskQuery::from_pairs(pairs, state.epoch);
    let matching = query.matching(in_scope.iter().copied());
    let (page, last_page) = query.page_of(&matching);
    let archived = in_scope.iter().filter(|t| t.archived_at.is_some()).count();
    Reply::ok(json!({
        "tasks": page.iter().map(|t| task_json(&context, t, false)).collect::<Vec<_>>(),
        "total_active_count": in_scope.len() - archived,
        "total_archived_count": archived,
    }))
    .with_header(
        HeaderName::from_static("link"),
        link_header(&format!("{origin}{path}"), pairs, query.page, last_page),
    )
}

async fn list_tasks(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Query(pairs): Pairs,
) -> Response {
    upstream(sim, "tasks", Api::Rest, incoming, |state, origin| {
        task_list(state, origin, &pairs, None, "/agents/tasks")
    })
    .await
}

async fn list_repo_tasks(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Path((owner, repo)): Path<(String, String)>,
    Query(pairs): Pairs,
) -> Response {
    upstream(sim, "repo_tasks", Api::Rest, incoming, |state, origin| {
        if !scenario_has_repository(state, &owner, &repo) {
            return Reply::not_found();
        }
        let path = format!("/agents/repos/{owner}/{repo}/tasks");
        task_list(state, origin, &pairs, Some((&owner, &repo)), &path)
    })
    .await
}

/// `POST /agents/repos/{owner}/{repo}/tasks`: a new task that plays a short timeline from now
/// on (queued, working, completed), or GitHub's refusal.
async fn start_task(
    State(sim): State<Simulator>,
    mut incoming: Incoming,
    Path((owner, repo)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    incoming.body = serde_json::from_slice(&body).ok();
    upstream(sim, "create_task", Api::Rest, incoming, |state, origin| {
        let refused = |refusal: Refusal| {
            let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::BAD_REQUEST);
            Reply::json(
                status,
                json!({"message": refusal.message, "documentation_url": DOCS_URL}),
            )
        };
        let request = match StartRequest::parse(&body) {
            Ok(request) => request,
            Err(refusal) => return refused(refusal),
        };
        let now = state.now();
        let world = state.world();
        let ordinal = state.started_tasks;
        let spec = match plan_task(
            &state.scenario,
            &world,
            &owner,
            &repo,
            &request,
            now,
            ordinal,
        ) {
            Ok(spec) => spec,
            Err(refusal) => return refused(refusal),
        };
        let id = spec.id.clone().unwrap_or_default();
        state.started_tasks += 1;
        state.scenario.tasks.push(spec);
        let world = state.world();
        match world.tasks.iter().find(|t| t.id == id) {
            Some(task) => Reply::json(
                StatusCode::CREATED,
                task_json(&wire(state, origin), task, true),
            ),
            None => Reply::not_found(),
        }
    })
    .await
}

async fn one_task(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Path(task_id): Path<String>,
) -> Response {
    upstream(sim, "task", Api::Rest, incoming, |state, origin| {
        let world = state.world();
        match world.tasks.iter().find(|t| t.id == task_id) {
            Some(task) => Reply::ok(task_json(&wire(state, origin), task, true)),
            None => Reply::not_found(),
        }
    })
    .await
}

async fn one_repo_task(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Path((owner, repo, task_id)): Path<(String, String, String)>,
) -> Response {
    upstream(sim, "repo_task", Api::Rest, incoming, |state, origin| {
        let world = state.world();
        match world
            .tasks
            .iter()
            .find(|t| t.id == task_id && same_repository(t, &owner, &repo))
        {
            Some(task) => Reply::ok(task_json(&wire(state, origin), task, true)),
            None => Reply::not_found(),
        }
    })
    .await
}

async fn one_repository(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Path(id): Path<String>,
) -> Response {
    upstream(sim, "repository", Api::Rest, incoming, |state, origin| {
        let Ok(id) = id.parse::<u64>() else {
            return Reply::not_found();
        };
        let found = state
            .scenario
            .tasks
            .iter()
            .map(|t| repository_of(t, &state.scenario))
            .find(|r| r.id == id);
        match found {
            Some(repository) => Reply::ok(repository_json(&wire(state, origin), &repository)),
            None => Reply::not_found(),
        }
    })
    .await
}

/// Every account the simulated GitHub knows: the viewer, the scenario's other users.
fn user_accounts(state: &SimState) -> impl Iterator<Item = &Viewer> {
    std::iter::once(&state.scenario.viewer).chain(&state.scenario.users)
}

/// `GET /user`: the signed-in account (the pipeline adds `X-OAuth-Scopes`).
async fn viewer_account(State(sim): State<Simulator>, incoming: Incoming) -> Response {
    upstream(sim, "user", Api::Rest, incoming, |state, origin| {
        Reply::ok(user_json(&wire(state, origin), &state.scenario.viewer))
    })
    .await
}

/// `GET /user/{account_id}`: any account by id, users and organizations alike.
async fn one_account(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Path(id): Path<String>,
) -> Response {
    upstream(sim, "account", Api::Rest, incoming, |state, origin| {
        let Ok(id) = id.parse::<u64>() else {
            return Reply::not_found();
        };
        let context = wire(state, origin);
        if let Some(user) = user_accounts(state).find(|u| u.id == id) {
            return Reply::ok(user_json(&context, user));
        }
        let organization = state
            .scenario
            .tasks
            .iter()
            .map(|t| repository_of(t, &state.scenario))
            .find(|r| !r.owner_is_user && r.owner_id == id);
        match organization {
            Some(repository) => Reply::ok(organization_account_json(
                &context,
                &repository.owner,
                repository.owner_id,
            )),
            None => Reply::not_found(),
        }
    })
    .await
}

async fn cancel_run(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Path((owner, repo, run_id)): Path<(String, String, String)>,
) -> Response {
    upstream(sim, "actions_cancel", Api::Rest, incoming, |state, _origin| {
        let Ok(run_id) = run_id.parse::<u64>() else {
            return Reply::not_found();
        };
        let now = state.now();
        let world = state.world();
        let session = world
            .tasks
            .iter()
            .filter(|t| same_repository(t, &owner, &repo))
            .flat_map(|t| t.sessions.iter())
            .find(|s| s.workflow_run_id == run_id);
        match session {
            None => Reply::not_found(),
            Some(session) if session.is_terminal() => Reply::json(
                StatusCode::CONFLICT,
                json!({"message": "Cannot cancel a workflow run that is completed.", "documentation_url": DOCS_URL}),
            ),
            Some(_) => {
                state.cancellations.insert(run_id, now);
                state.stats.record_cancelled_run(run_id);
                Reply::json(StatusCode::ACCEPTED, json!({}))
            }
        }
    })
    .await
}

async fn graphql(State(sim): State<Simulator>, incoming: Incoming, body: Bytes) -> Response {
    upstream(sim, "graphql", Api::Graphql, incoming, |state, origin| {
        let Ok(request) = serde_json::from_slice::<Value>(&body) else {
            return Reply::json(
                StatusCode::BAD_REQUEST,
                json!({"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/graphql"}),
            );
        };
        let query = request["query"].as_str().unwrap_or_default();
        let viewer = &state.scenario.viewer;
        if query.contains("copilotEndpoints") {
            Reply::ok(json!({"data": {"viewer": {
                "login": viewer.login,
                "copilotEndpoints": {"api": format!("{origin}/copilot")},
            }}}))
        } else if query.contains("nodes") {
            resolve_nodes(state, origin, &request["variables"]["ids"])
        } else if query.contains("viewer") {
            Reply::ok(json!({"data": {"viewer": {
                "login": viewer.login,
                "id": user_node_id(viewer.id),
                "databaseId": viewer.id,
            }}}))
        } else {
            Reply::ok(json!({"errors": [{"message": "The simulator answers only viewer, copilotEndpoints and nodes queries."}]}))
        }
    })
    .await
}

fn resolve_nodes(state: &SimState, origin: &str, ids: &Value) -> Reply {
    let Some(ids) = ids.as_array() else {
        return Reply::ok(json!({"errors": [{
            "message": "Variable $ids of type [ID!]! was provided invalid value",
        }]}));
    };
    if ids.len() > 100 {
        return Reply::ok(json!({"data": null, "errors": [{
            "type": "EXCESSIVE_PAGINATION",
            "message": format!("You may not request more than 100 node IDs; you requested {}.", ids.len()),
        }]}));
    }
    let world = state.world();
    let context = wire(state, origin);
    let mut nodes = Vec::new();
    let mut errors = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        let id = id.as_str().unwrap_or_default();
        let pull = world.tasks.iter().find_map(|t| {
            t.pull
                .as_ref()
                .filter(|p| p.node_id == id && !p.deleted)
                .map(|p| pull_node_json(&context, &t.repository, p))
        });
        let node = pull.or_else(|| {
            user_accounts(state)
                .find(|u| user_node_id(u.id) == id)
                .map(user_node_json)
        });
        if node.is_none() {
            errors.push(json!({
                "type": "NOT_FOUND",
                "path": ["nodes", index],
                "locations": [{"line": 1, "column": 30}],
                "message": format!("Could not resolve to a node with the global id of '{id}'"),
            }));
        }
        nodes.push(node.unwrap_or(Value::Null));
    }
    let mut answer = json!({"data": {"nodes": nodes}});
    if !errors.is_empty() {
        answer["errors"] = json!(errors);
    }
    Reply::ok(answer)
}

fn find_session<'a>(world: &'a World, session_id: &str) -> Option<(&'a TaskNow, &'a SessionNow)> {
    world.tasks.iter().find_map(|t| {
        t.sessions
            .iter()
            .find(|s| s.id == session_id)
            .map(|s| (t, s))
    })
}

/// One page of `GET /agents/sessions`: its query's sort, `task_id` filter and paging.
fn session_page<'a>(
    world: &'a World,
    pairs: &[(String, String)],
) -> Vec<(&'a TaskNow, &'a SessionNow)> {
    let value = |key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let page_size = value("page_size")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .map_or(50, |n| n.min(100));
    let page_number = value("page_number")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1);
    let ascending = value("sort").is_some_and(|s| s.ends_with(",asc"));
    let by_created = value("sort").is_some_and(|s| s.starts_with("created_at"));
    let task_filter = value("task_id").filter(|v| !v.is_empty());
    let mut sessions: Vec<(&TaskNow, &SessionNow)> = world
        .tasks
        .iter()
        .filter(|t| task_filter.is_none_or(|id| t.id == id))
        .flat_map(|t| t.sessions.iter().map(move |s| (t, s)))
        .collect();
    sessions.sort_by(|a, b| {
        let key = |s: &SessionNow| {
            if by_created {
                s.created_at
            } else {
                s.updated_at
            }
        };
        key(a.1)
            .total_cmp(&key(b.1))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    if !ascending {
        sessions.reverse();
    }
    sessions
        .into_iter()
        .skip((page_number - 1).saturating_mul(page_size))
        .take(page_size)
        .collect()
}

async fn list_sessions(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Query(pairs): Pairs,
) -> Response {
    upstream_about(
        sim,
        "sessions",
        Api::Capi,
        incoming,
        |state| {
            let world = state.world();
            session_page(&world, &pairs)
                .iter()
                .map(|(_, s)| s.id.clone())
                .collect()
        },
        |state, origin| {
            let world = state.world();
            let context = wire(state, origin);
            let page: Vec<Value> = session_page(&world, &pairs)
                .iter()
                .map(|(t, s)| capi_session_json(&context, t, s, false))
                .collect();
            Reply::ok(json!({"sessions": page}))
        },
    )
    .await
}

/// The ids of the sessions of the task whose pull request has this database id.
fn sessions_of_pull(state: &SimState, pull_id: &str) -> Vec<String> {
    let Ok(pull_id) = pull_id.parse::<u64>() else {
        return Vec::new();
    };
    state
        .world()
        .tasks
        .iter()
        .filter(|t| t.pull.as_ref().is_some_and(|p| p.database_id == pull_id))
        .flat_map(|t| t.sessions.iter().map(|s| s.id.clone()))
        .collect()
}

async fn one_session(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Path(id): Path<String>,
) -> Response {
    let about = vec![id.clone()];
    upstream_about(
        sim,
        "session",
        Api::Capi,
        incoming,
        move |_| about,
        |state, origin| {
            let world = state.world();
            match find_session(&world, &id) {
                Some((task, session)) => Reply::ok(capi_session_json(
                    &wire(state, origin),
                    task,
                    session,
                    false,
                )),
                None => Reply::not_found(),
            }
        },
    )
    .await
}

async fn session_logs(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Path(id): Path<String>,
) -> Response {
    let about = vec![id.clone()];
    upstream_about(
        sim,
        "session_logs",
        Api::Capi,
        incoming,
        move |_| about,
        |state, _origin| {
            let world = state.world();
            match find_session(&world, &id) {
                Some((task, session)) => {
                    let title = task
                        .pull
                        .as_ref()
                        .map(|p| p.title.clone())
                        .or_else(|| task.name.clone())
                        .unwrap_or_else(|| "the task".to_owned());
                    Reply {
                        status: StatusCode::OK,
                        body: ReplyBody::Text(render_log(
                            session,
                            &task.repository.full_name(),
                            &title,
                            state.epoch,
                        )),
                        headers: Vec::new(),
                    }
                }
                None => Reply::not_found(),
            }
        },
    )
    .await
}

async fn pull_sessions(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Path(id): Path<String>,
) -> Response {
    let about_id = id.clone();
    upstream_about(
        sim,
        "pull_sessions",
        Api::Capi,
        incoming,
        move |state| sessions_of_pull(state, &about_id),
        |state, origin| {
            let Ok(id) = id.parse::<u64>() else {
                return Reply::not_found();
            };
            let world = state.world();
            let context = wire(state, origin);
            let task = world.tasks.iter().find(|t| {
                t.pull
                    .as_ref()
                    .is_some_and(|p| p.database_id == id && !p.deleted)
            });
            match task {
                Some(task) => {
                    let mut sessions: Vec<Value> = task
                        .sessions
                        .iter()
                        .map(|s| capi_session_json(&context, task, s, true))
                        .collect();
                    // Newest first: the newest session describes the PR now.
                    sessions.reverse();
                    Reply::ok(json!({"sessions": sessions}))
                }
                None => Reply::not_found(),
            }
        },
    )
    .await
}

async fn capi_tasks(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Query(pairs): Pairs,
) -> Response {
    upstream(sim, "capi_tasks", Api::Capi, incoming, |state, origin| {
        let world = state.world();
        let context = wire(state, origin);
        let query = TaskQuery::from_pairs(&pairs, state.epoch);
        let matching = query.matching(world.tasks.iter());
        let (page, last_page) = query.page_of(&matching);
        Reply::ok(json!({
            "tasks": page.iter().map(|t| capi_task_json(&context, t)).collect::<Vec<_>>(),
            "has_next_page": query.page < last_page,
        }))
    })
    .await
}

/// `GET <CAPI>/agents/swe/models`: `{"data": [...]}`, each model in the shape GitHub's own
/// clients read (see `capi_model_json`).
async fn capi_models(State(sim): State<Simulator>, incoming: Incoming) -> Response {
    upstream(sim, "capi_models", Api::Capi, incoming, |state, _origin| {
        let models: Vec<Value> = state.scenario.models.iter().map(capi_model_json).collect();
        Reply::ok(json!({ "data": models }))
    })
    .await
}

/// `GET <CAPI>/agents/swe/custom-agents/{owner}/{repo}`: `{"agents": [...]}` for a repository
/// with custom agents, 404 for one with none (as observed of the real route).
async fn capi_custom_agents(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Path((owner, repo)): Path<(String, String)>,
) -> Response {
    upstream(
        sim,
        "capi_custom_agents",
        Api::Capi,
        incoming,
        |state, _origin| {
            let full_name = format!("{owner}/{repo}");
            let scenario = &state.scenario;
            let Some(known) = scenario
                .tasks
                .iter()
                .find(|t| t.repository.eq_ignore_ascii_case(&full_name))
            else {
                return Reply::not_found();
            };
            let repository = repository_of(known, scenario);
            let agents: Vec<Value> = scenario
                .custom_agents
                .iter()
                .filter(|a| a.repository.eq_ignore_ascii_case(&full_name))
                .map(|a| capi_custom_agent_json(a, &repository))
                .collect();
            if agents.is_empty() {
                return Reply::not_found();
            }
            Reply::ok(json!({ "agents": agents }))
        },
    )
    .await
}

async fn web_page(
    State(sim): State<Simulator>,
    incoming: Incoming,
    Path(path): Path<String>,
) -> Response {
    upstream(sim, "web", Api::Web, incoming, |_state, _origin| {
        let escaped = path
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        Reply {
            status: StatusCode::OK,
            body: ReplyBody::Html(format!(
                "<!doctype html>\n<html><head><title>GitHub simulator: {escaped}</title></head>\
                 <body><h1>GitHub simulator</h1><p>This page stands for \
                 <code>https://github.com/{escaped}</code>.</p></body></html>\n"
            )),
            headers: Vec::new(),
        }
    })
    .await
}

/// GitHub answers the OAuth routes in JSON only when asked to.
fn oauth_reply(headers: &HeaderMap, fields: &[(&str, Value)]) -> Reply {
    let wants_json = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h.contains("application/json"));
    let body = if wants_json {
        ReplyBody::Json(Value::Object(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        ))
    } else {
        ReplyBody::Form(
            fields
                .iter()
                .map(|(k, v)| match v {
                    Value::String(text) => format!("{k}={}", text.replace(' ', "+")),
                    other => format!("{k}={other}"),
                })
                .collect::<Vec<_>>()
                .join("&"),
        )
    };
    Reply {
        status: StatusCode::OK,
        body,
        headers: Vec::new(),
    }
}

async fn device_code(State(sim): State<Simulator>, incoming: Incoming) -> Response {
    let reply_headers = incoming.headers.clone();
    upstream(
        sim,
        "device_code",
        Api::SignIn,
        incoming,
        move |state, origin| {
            let now = state.now();
            let grant = state.device_grants.issue(now);
            oauth_reply(
                &reply_headers,
                &[
                    ("device_code", json!(grant.device_code)),
                    ("user_code", json!(grant.user_code)),
                    (
                        "verification_uri",
                        json!(format!("{origin}/web/login/device")),
                    ),
                    ("expires_in", json!(grant.expires_in)),
                    ("interval", json!(grant.interval)),
                ],
            )
        },
    )
    .await
}

/// GitHub's token route for the device flow: HTTP 200 with an `error` while the user has not
/// decided, `slow_down` when polled too fast, then the token, a denial or an expiry.
async fn access_token(State(sim): State<Simulator>, incoming: Incoming, body: Bytes) -> Response {
    let reply_headers = incoming.headers.clone();
    upstream(
        sim,
        "access_token",
        Api::SignIn,
        incoming,
        move |state, _origin| {
            let text = String::from_utf8_lossy(&body);
            let from_json = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["device_code"].as_str().map(str::to_owned));
            let from_form = text
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| *k == "device_code")
                .map(|(_, v)| v.to_owned());
            let code = from_json.or(from_form).unwrap_or_default();
            let now = state.now();
            let error = |code: &str, description: &str| {
                oauth_reply(
                    &reply_headers,
                    &[
                        ("error", json!(code)),
                        ("error_description", json!(description)),
                    ],
                )
            };
            match state
                .device_grants
                .poll(&code, now, std::time::Instant::now())
            {
                PollAnswer::UnknownCode => error(
                    "incorrect_device_code",
                    "The device_code provided is not valid.",
                ),
                PollAnswer::Pending => error(
                    "authorization_pending",
                    "The authorization request is still pending.",
                ),
                PollAnswer::SlowDown { interval } => oauth_reply(
                    &reply_headers,
                    &[
                        ("error", json!("slow_down")),
                        (
                            "error_description",
                            json!("Too many requests have been made in the same timeframe."),
                        ),
                        ("interval", json!(interval)),
                    ],
                ),
                PollAnswer::Expired => error("expired_token", "The device_code has expired."),
                PollAnswer::Denied => {
                    error("access_denied", "The authorization request was denied.")
                }
                PollAnswer::Token(issued) => oauth_reply(
                    &reply_headers,
                    &[
                        // A simulator that accepts only some tokens hands out one of them.
                        (
                            "access_token",
                            json!(
                                state
                                    .accepted_tokens
                                    .as_ref()
                                    .and_then(|tokens| tokens.first().cloned())
                                    .unwrap_or(issued)
                            ),
                        ),
                        ("token_type", json!("bearer")),
                        ("scope", json!("repo,read:org,workflow")),
                    ],
                ),
            }
        },
    )
    .await
}

/// The verification page: the pending codes, each with Authorize and Deny buttons, so a demo
/// user can sign in the way they would on GitHub.
async fn device_page(State(sim): State<Simulator>) -> Response {
    let state = sim.lock();
    let rows: String = state
        .device_grants
        .grants()
        .iter()
        .filter(|g| g.decision == Decision::Pending)
        .map(|g| {
            format!(
                "<li><code>{code}</code> <form method=\"post\" style=\"display:inline\">\
                 <input type=\"hidden\" name=\"user_code\" value=\"{code}\">\
                 <button name=\"action\" value=\"approve\">Authorize agentbar</button> \
                 <button name=\"action\" value=\"deny\">Deny</button></form></li>",
                code = g.user_code
            )
        })
        .collect();
    let list = if rows.is_empty() {
        "<p>No device is waiting to be authorized.</p>".to_owned()
    } else {
        format!("<ul>{rows}</ul>")
    };
    axum::response::Html(format!(
        "<!doctype html>\n<html><head><title>Device activation (GitHub simulator)</title></head>\
         <body><h1>Device activation</h1><p>Check that the code matches the one agentbar shows.</p>\
         {list}</body></html>\n"
    ))
    .into_response()
}

async fn device_page_decide(State(sim): State<Simulator>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    let field = |name: &str| {
        text.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.replace('+', " "))
    };
    let action = field("action").unwrap_or_default();
    let result = sim
        .lock()
        .device_grants
        .decide(field("user_code").as_deref(), &action);
    let message = match result {
        Ok(code) if action == "approve" => {
            format!("Device {code} is authorized. You can close this page.")
        }
        Ok(code) => format!("Device {code}: {action}."),
        Err(e) => e,
    };
    axum::response::Html(format!(
        "<!doctype html>\n<html><body><h1>Device activation</h1><p>{message}</p></body></html>\n"
    ))
    .into_response()
}

#[derive(serde::Deserialize)]
struct DeviceDecision {
    user_code: Option<String>,
    action: String,
}

async fn decide_device_grant(
    State(sim): State<Simulator>,
    axum::Json(decision): axum::Json<DeviceDecision>,
) -> Response {
    match sim
        .lock()
        .device_grants
        .decide(decision.user_code.as_deref(), &decision.action)
    {
        Ok(code) => {
            axum::Json(json!({ "user_code": code, "action": decision.action })).into_response()
        }
        Err(e) => control_error(e),
    }
}

async fn list_device_grants(State(sim): State<Simulator>) -> Response {
    let state = sim.lock();
    let grants: Vec<Value> = state
        .device_grants
        .grants()
        .iter()
        .map(|g| {
            json!({
                "user_code": g.user_code,
                "decision": format!("{:?}", g.decision).to_lowercase(),
                "polls": g.polls,
                "interval": g.interval,
            })
        })
        .collect();
    axum::Json(json!(grants)).into_response()
}

async fn unknown_route(State(sim): State<Simulator>, incoming: Incoming) -> Response {
    // Fail loudly: a request here means a client and the simulator disagree about a URL.
    let (method, uri) = (&incoming.method, &incoming.uri);
    tracing::warn!(%method, %uri, "simulator got a request for an unknown route");
    let body = json!({"message": "Not Found", "documentation_url": DOCS_URL}).to_string();
    let mut state = sim.lock();
    record_request(&mut state, "unknown", &incoming);
    state.stats.record("unknown", 404, body.len());
    drop(state);
    (
        StatusCode::NOT_FOUND,
        [(CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

// Control routes: no auth, never counted, never faulted.

fn control_error(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"message": message})),
    )
        .into_response()
}

async fn list_faults(State(sim): State<Simulator>) -> Response {
    axum::Json(json!({"faults": sim.lock().faults.list()})).into_response()
}

async fn add_fault(State(sim): State<Simulator>, body: Bytes) -> Response {
    let request: FaultRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return control_error(format!("not a fault: {error}")),
    };
    match sim.lock().faults.add(request) {
        Ok(id) => (StatusCode::CREATED, axum::Json(json!({"id": id}))).into_response(),
        Err(problem) => control_error(problem),
    }
}

async fn clear_faults(State(sim): State<Simulator>) -> Response {
    sim.lock().faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn show_stats(State(sim): State<Simulator>) -> Response {
    axum::Json(sim.lock().stats.report()).into_response()
}

/// `GET /_sim/requests`: the recent upstream requests, oldest first.
async fn list_requests(State(sim): State<Simulator>) -> Response {
    let state = sim.lock();
    let requests: Vec<_> = state.requests.recent().collect();
    axum::Json(json!({ "requests": requests })).into_response()
}

async fn clear_requests(State(sim): State<Simulator>) -> Response {
    sim.lock().requests.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn reset_stats(State(sim): State<Simulator>) -> Response {
    sim.lock().stats.reset();
    StatusCode::NO_CONTENT.into_response()
}

fn clock_json(state: &SimState) -> Value {
    let now = wire(state, "").rfc3339(state.now());
    json!({"now": now, "speed": state.speed})
}

async fn show_clock(State(sim): State<Simulator>) -> Response {
    axum::Json(clock_json(&sim.lock())).into_response()
}

async fn advance_clock(State(sim): State<Simulator>, body: Bytes) -> Response {
    let seconds = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["advance_seconds"].as_f64())
        .filter(|s| s.is_finite() && *s >= 0.0);
    let Some(seconds) = seconds else {
        return control_error(
            "expected {\"advance_seconds\": N} with N >= 0 (sim time only moves forward)"
                .to_owned(),
        );
    };
    let mut state = sim.lock();
    state.manual_offset += seconds;
    axum::Json(clock_json(&state)).into_response()
}

async fn scenario_tasks(State(sim): State<Simulator>) -> Response {
    let state = sim.lock();
    let world = state.world();
    let context = wire(&state, "");
    let tasks: Vec<Value> = world
        .tasks
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "repository": t.repository.full_name(),
                "state": t.state,
                "archived": t.archived_at.is_some(),
                "updated_at": context.rfc3339(t.updated_at),
                "workflow_run_ids": t.sessions.iter().map(|s| s.workflow_run_id).collect::<Vec<_>>(),
                "creator": t.creator.login,
                "pull_database_id": t.pull.as_ref().map(|p| p.database_id),
                "sessions": t.sessions.iter().map(|s| json!({
                    "id": s.id,
                    "state": s.state,
                    "workflow_run_id": s.workflow_run_id,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    axum::Json(json!(tasks)).into_response()
}
