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
use super::device::{Decision, PollAnswer};
use super::faults::{FaultKind, FaultRequest};
use super::listing::{TaskQuery, link_header};
use super::logs::render_log;
use super::rate_limit::unix_seconds_after;
use super::wire::{
    WireContext, capi_session_json, pull_node_json, repository_json, task_json, user_node_id,
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
        .route("/agents/repos/{owner}/{repo}/tasks", get(list_repo_tasks))
        .route(
            "/agents/repos/{owner}/{repo}/tasks/{task_id}",
            get(one_repo_task),
        )
        .route("/user", get(authenticated_user))
        .route("/repositories/{id}", get(one_repository))
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

/// Serves one upstream request: faults, auth, the handler, then ETag, rate limit and counting.
async fn upstream(
    sim: Simulator,
    route: &'static str,
    api: Api,
    method: Method,
    headers: HeaderMap,
    handler: impl FnOnce(&mut SimState, &str) -> Reply,
) -> Response {
    let origin = origin_of(&headers);
    let applied = sim.lock().faults.take_for(route);
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
    let reply = match reply {
        Some(reply) => reply,
        None if !matches!(api, Api::Web | Api::SignIn)
            && !bearer_token(&headers).is_some_and(|t| state.accepts(t)) =>
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
            if method == Method::GET && status == StatusCode::OK {
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
    let reply = Reply::ok(json!({
        "tasks": page.iter().map(|t| task_json(&context, t, false, repository.is_some())).collect::<Vec<_>>(),
        "total_active_count": in_scope.len() - archived,
        "total_archived_count": archived,
    }));
    match link_header(&format!("{origin}{path}"), pairs, query.page, last_page) {
        Some(link) => reply.with_header(HeaderName::from_static("link"), link),
        None => reply,
    }
}

async fn list_tasks(
    State(sim): State<Simulator>,
    method: Method,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    upstream(sim, "tasks", Api::Rest, method, headers, |state, origin| {
        task_list(state, origin, &pairs, None, "/agents/tasks")
    })
    .await
}

async fn list_repo_tasks(
    State(sim): State<Simulator>,
    method: Method,
    headers: HeaderMap,
    Path((owner, repo)): Path<(String, String)>,
    Query(pairs): Pairs,
) -> Response {
    upstream(
        sim,
        "repo_tasks",
        Api::Rest,
        method,
        headers,
        |state, origin| {
            if !scenario_has_repository(state, &owner, &repo) {
                return Reply::not_found();
            }
            let path = format!("/agents/repos/{owner}/{repo}/tasks");
            task_list(state, origin, &pairs, Some((&owner, &repo)), &path)
        },
    )
    .await
}

async fn one_task(
    State(sim): State<Simulator>,
    method: Method,
    headers: HeaderMap,
    Path(task_id): Path<String>,
) -> Response {
    upstream(sim, "task", Api::Rest, method, headers, |state, origin| {
        let world = state.world();
        match world.tasks.iter().find(|t| t.id == task_id) {
            Some(task) => Reply::ok(task_json(&wire(state, origin), task, true, false)),
            None => Reply::not_found(),
        }
    })
    .await
}

async fn one_repo_task(
    State(sim): State<Simulator>,
    method: Method,
    headers: HeaderMap,
    Path((owner, repo, task_id)): Path<(String, String, String)>,
) -> Response {
    upstream(
        sim,
        "repo_task",
        Api::Rest,
        method,
        headers,
        |state, origin| {
            let world = state.world();
            match world
                .tasks
                .iter()
                .find(|t| t.id == task_id && same_repository(t, &owner, &repo))
            {
                Some(task) => Reply::ok(task_json(&wire(state, origin), task, true, true)),
                None => Reply::not_found(),
            }
        },
    )
    .await
}

/// `GET /user`: the token's owner; a classic or OAuth token's scopes in `X-OAuth-Scopes`.
async fn authenticated_user(
    State(sim): State<Simulator>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    upstream(sim, "user", Api::Rest, method, headers, |state, _| {
        let viewer = &state.scenario.viewer;
        Reply::ok(json!({
            "login": viewer.login,
            "id": viewer.id,
            "node_id": user_node_id(viewer),
            "type": "User",
        }))
        .with_header(
            HeaderName::from_static("x-oauth-scopes"),
            "repo, read:org, workflow".to_owned(),
        )
    })
    .await
}

async fn one_repository(
    State(sim): State<Simulator>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    upstream(
        sim,
        "repository",
        Api::Rest,
        method,
        headers,
        |state, origin| {
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
        },
    )
    .await
}

async fn cancel_run(
    State(sim): State<Simulator>,
    method: Method,
    headers: HeaderMap,
    Path((owner, repo, run_id)): Path<(String, String, String)>,
) -> Response {
    upstream(sim, "actions_cancel", Api::Rest, method, headers, |state, _origin| {
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

async fn graphql(
    State(sim): State<Simulator>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    upstream(sim, "graphql", Api::Graphql, method, headers, |state, origin| {
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
                "id": user_node_id(viewer),
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
    let viewer = &state.scenario.viewer;
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
        let node = pull.or_else(|| (id == user_node_id(viewer)).then(|| user_node_json(viewer)));
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

async fn list_sessions(
    State(sim): State<Simulator>,
    method: Method,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    upstream(
        sim,
        "sessions",
        Api::Capi,
        method,
        headers,
        |state, origin| {
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
            let world = state.world();
            let context = wire(state, origin);
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
            let page: Vec<Value> = sessions
                .iter()
                .skip((page_number - 1).saturating_mul(page_size))
                .take(page_size)
                .map(|(t, s)| capi_session_json(&context, t, s, false))
                .collect();
            Reply::ok(json!({"sessions": page}))
        },
    )
    .await
}

async fn one_session(
    State(sim): State<Simulator>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    upstream(
        sim,
        "session",
        Api::Capi,
        method,
        headers,
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
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    upstream(
        sim,
        "session_logs",
        Api::Capi,
        method,
        headers,
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
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    upstream(
        sim,
        "pull_sessions",
        Api::Capi,
        method,
        headers,
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
    method: Method,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    upstream(sim, "capi_tasks", Api::Capi, method, headers, |state, origin| {
        let world = state.world();
        let context = wire(state, origin);
        let query = TaskQuery::from_pairs(&pairs, state.epoch);
        let matching = query.matching(world.tasks.iter());
        let (page, last_page) = query.page_of(&matching);
        Reply::ok(json!({
            "tasks": page.iter().map(|t| task_json(&context, t, false, false)).collect::<Vec<_>>(),
            "has_next_page": query.page < last_page,
        }))
    })
    .await
}

async fn web_page(
    State(sim): State<Simulator>,
    method: Method,
    headers: HeaderMap,
    Path(path): Path<String>,
) -> Response {
    upstream(sim, "web", Api::Web, method, headers, |_state, _origin| {
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

async fn device_code(State(sim): State<Simulator>, method: Method, headers: HeaderMap) -> Response {
    let reply_headers = headers.clone();
    upstream(
        sim,
        "device_code",
        Api::SignIn,
        method,
        headers,
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
async fn access_token(
    State(sim): State<Simulator>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply_headers = headers.clone();
    upstream(
        sim,
        "access_token",
        Api::SignIn,
        method,
        headers,
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

async fn unknown_route(State(sim): State<Simulator>, method: Method, uri: Uri) -> Response {
    // Fail loudly: a request here means a client and the simulator disagree about a URL.
    tracing::warn!(%method, %uri, "simulator got a request for an unknown route");
    let body = json!({"message": "Not Found", "documentation_url": DOCS_URL}).to_string();
    sim.lock().stats.record("unknown", 404, body.len());
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
            })
        })
        .collect();
    axum::Json(json!(tasks)).into_response()
}
