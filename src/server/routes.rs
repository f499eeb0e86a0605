//! The routes of API v1. Handlers read the rendered overview and send commands to the core;
//! they never call GitHub themselves.

use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::Stream;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::error::ApiError;
use super::guard::{self, Guard};
use super::transitions::{Numbered, Since, TransitionLog};
use super::{ApiState, Rendered};
use crate::choices::ChoicesError;
use crate::core::{ActionError, ActionInput, ActionOutcome, ArchivedError, Command, TaskAction};
use crate::filter::{Candidate, TaskFilter, source_of};
use crate::logs::export::{ExportFormat, Heading};
use crate::model::Task;
use crate::start::Started;
use crate::start::{StartError, StartRequest};
use crate::wire::{
    SCHEMA_VERSION, WireActionReply, WireCounts, WireCustomAgentList, WireHealthReply,
    WireModelList, WireSnapshotEvent, WireSourceList, WireStopReply, WireTask, WireTaskDetail,
    WireTaskList, WireTransition,
};
use chrono::{DateTime, Utc};

/// Keep-alive comments on the event stream, so proxies and clients see the connection is alive.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long an action (a stop is an upstream request) is waited for before answering.
const ACT_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest `limit` accepted.
const MAX_LIMIT: usize = 10_000;

/// The API's routes behind `guard`.
pub fn router(state: ApiState, guard: Guard) -> Router {
    let guard = Arc::new(guard);
    // Each route names the query parameters it takes; anything else is a mistake worth a 400.
    let takes =
        |known: &'static [&'static str]| middleware::from_fn_with_state(Known(known), known_query);
    Router::new()
        .route("/v1/health", get(health).route_layer(takes(&[])))
        .route("/v1/sources", get(sources).route_layer(takes(&[])))
        .route(
            "/v1/tasks",
            get(list_tasks)
                .route_layer(takes(&[
                    "provider", "source", "bucket", "state", "since", "period", "repo", "q",
                    "archived", "limit",
                ]))
                .merge(post(start_task).route_layer(takes(&[]))),
        )
        .route("/v1/tasks/{id}", get(task_detail).route_layer(takes(&[])))
        .route(
            "/v1/tasks/{id}/logs",
            get(task_logs).route_layer(takes(&["after", "session", "format"])),
        )
        .route(
            "/v1/tasks/{id}/stop",
            post(stop_task).route_layer(takes(&[])),
        )
        .route(
            "/v1/tasks/{id}/actions/{action}",
            post(task_action).route_layer(takes(&[])),
        )
        .route(
            "/v1/archive/finished",
            post(archive_finished).route_layer(takes(&["older_than"])),
        )
        .route(
            "/v1/models",
            get(list_models).route_layer(takes(&["source"])),
        )
        .route(
            "/v1/custom-agents",
            get(list_custom_agents).route_layer(takes(&["repo", "source"])),
        )
        .route("/v1/refresh", post(refresh).route_layer(takes(&[])))
        .route("/v1/sign-in", post(sign_in).route_layer(takes(&["source"])))
        .route(
            "/v1/events",
            get(events).route_layer(takes(&[
                "provider", "source", "bucket", "state", "since", "period", "repo", "q",
            ])),
        )
        .route(
            "/v1/local/hook",
            post(super::local_hook::local_hook).route_layer(takes(&[])),
        )
        .route("/cc.xml", get(cc_xml).route_layer(takes(&[])))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(Arc::new(state))
        .layer(middleware::from_fn_with_state(guard, guard::guard))
}

/// The query parameter names a route takes.
#[derive(Clone, Copy)]
struct Known(&'static [&'static str]);

/// Refuses a query parameter the route does not take, naming the ones it does: a typo such as
/// `?buckets=running` would otherwise be ignored and the whole list served.
async fn known_query(State(Known(known)): State<Known>, request: Request, next: Next) -> Response {
    let names: Option<Vec<String>> = request
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .map(|pair| pair.split_once('=').map_or(pair, |(name, _)| name))
        .filter(|name| !name.is_empty())
        .map(percent_decoded)
        .collect();
    // A name that is not UTF-8 once decoded gets the handler's own, more precise, refusal.
    let unknown: Vec<String> = names
        .unwrap_or_default()
        .into_iter()
        .filter(|name| !known.contains(&name.as_str()))
        .collect();
    if unknown.is_empty() {
        return next.run(request).await;
    }
    let takes = if known.is_empty() {
        "this route takes no query parameters".to_owned()
    } else {
        format!("this route takes {}", known.join(", "))
    };
    let names: Vec<String> = unknown.iter().map(|n| format!("{n:?}")).collect();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "unknown_parameter",
        format!("unknown query parameter {}; {takes}", names.join(", ")),
    )
    .into_response()
}

/// A query name as form decoding reads it (`%XX` escapes, `+` for a space); `None` when the
/// bytes are not UTF-8.
fn percent_decoded(raw: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut rest = raw.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (first, tail) {
            (b'%', [high, low, after @ ..]) if hex(*high).is_some() && hex(*low).is_some() => {
                bytes.push((hex(*high)? * 16 + hex(*low)?) as u8);
                rest = after;
            }
            (b'+', _) => {
                bytes.push(b' ');
                rest = tail;
            }
            _ => {
                bytes.push(first);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes).ok()
}

fn current(state: &ApiState) -> Arc<Rendered> {
    state.rendered.borrow().clone()
}

/// Handlers share one `ApiState` behind an `Arc`, so extracting it is one reference count rather
/// than a clone of every channel handle per request.
type Shared = State<Arc<ApiState>>;

async fn health(State(state): Shared) -> Response {
    let rendered = current(&state);
    axum::Json(WireHealthReply {
        schema_version: SCHEMA_VERSION,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        health: rendered.health.clone(),
    })
    .into_response()
}

/// `GET /v1/sources`: every source with its own health, in a stable order.
async fn sources(State(state): Shared) -> Response {
    let rendered = current(&state);
    axum::Json(WireSourceList::from_overview(&rendered.overview)).into_response()
}

/// The filters of `GET /v1/tasks`: the one task filter, and how many to send at most.
#[derive(Debug, Default, PartialEq)]
struct Filters {
    filter: TaskFilter,
    limit: Option<usize>,
}

impl Filters {
    fn parse(pairs: &[(String, String)]) -> Result<Filters, ApiError> {
        let filter =
            TaskFilter::from_pairs(pairs).map_err(|e| ApiError::bad_request(e.to_string()))?;
        let mut limits = pairs.iter().filter(|(k, _)| k == "limit").map(|(_, v)| v);
        let limit = match (limits.next(), limits.next()) {
            (None, _) => None,
            (Some(_), Some(_)) => return Err(ApiError::bad_request("limit may be given once")),
            (Some(raw), None) => match raw.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => Some(n),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "limit must be a whole number from 1 to {MAX_LIMIT}, got {raw:?}"
                    )));
                }
            },
        };
        Ok(Filters { filter, limit })
    }

    fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// The tasks the filter keeps, archived marked as `archived`, at most `limit` of them.
    fn apply<'t>(
        &self,
        tasks: impl IntoIterator<Item = &'t Task>,
        archived: bool,
        now: DateTime<Utc>,
    ) -> Vec<WireTask> {
        let cutoff = self.filter.cutoff(&now.with_timezone(&chrono::Local));
        tasks
            .into_iter()
            .filter(|t| {
                self.filter
                    .keeps(&Candidate::of(t, source_of(t), archived), cutoff)
            })
            .take(self.limit.unwrap_or(usize::MAX))
            .map(|t| WireTask::from_task(t, now, false))
            .collect()
    }
}

// `request` last and whole, rather than a `HeaderMap` extractor, which would copy the headers.
async fn list_tasks(
    State(state): Shared,
    params: Result<Query<Vec<(String, String)>>, QueryRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let params = query_params(params)?;
    let filters = Filters::parse(&params)?;
    let rendered = current(&state);
    if filters.filter.archived {
        return archived_list(&state, &rendered, &filters).await;
    }
    if filters.is_empty() {
        return Ok(rendered.list.respond(request.headers()).await);
    }
    // Filtered lists are rare (launchers filter locally): build them from the rendered overview.
    let tasks = filters.apply(
        rendered.overview.snapshot.iter(),
        false,
        rendered.generated_at,
    );
    Ok(list_of(&rendered, tasks))
}

/// A list answer holding `tasks`, with the counts and health of the active list: a filter
/// narrows what is listed, never what is counted.
fn list_of(rendered: &Rendered, tasks: Vec<WireTask>) -> Response {
    let list = WireTaskList::from_overview(
        &crate::model::Overview {
            snapshot: crate::model::Snapshot::default(),
            health: rendered.overview.health.clone(),
            sources: rendered.overview.sources.clone(),
        },
        rendered.generated_at,
        crate::report::STALE_AFTER_SECONDS,
    );
    axum::Json(WireTaskList {
        counts: rendered.overview.snapshot.counts().into(),
        tasks,
        ..list
    })
    .into_response()
}

/// `GET /v1/tasks?archived=true`: asked of GitHub on demand. `counts` and `health` stay those
/// of the active list: archived tasks are never counted.
async fn archived_list(
    state: &ApiState,
    rendered: &Rendered,
    filters: &Filters,
) -> Result<Response, ApiError> {
    let (reply, answer) = oneshot::channel();
    send(state, Command::ListArchived { reply }).await?;
    let tasks = tokio::time::timeout(ACT_TIMEOUT, answer)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                "GitHub did not list the archived tasks in time",
            )
        })?
        .map_err(|_| shutting_down())?
        .map_err(|e| {
            let message = e.to_string();
            match e {
                ArchivedError::SignedOut => {
                    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "signed_out", message)
                }
                ArchivedError::Upstream(_) => {
                    ApiError::new(StatusCode::BAD_GATEWAY, "upstream_error", message)
                }
                ArchivedError::ShuttingDown => shutting_down(),
            }
        })?;
    let tasks = filters.apply(tasks.iter(), true, rendered.generated_at);
    Ok(list_of(rendered, tasks))
}

fn unknown_task(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_task",
        format!("no task {id:?} in the current list"),
    )
}

/// A path segment that is not UTF-8 once percent-decoded, in our error shape rather than
/// axum's plain-text one.
fn bad_path(rejection: PathRejection) -> ApiError {
    ApiError::bad_request(format!("unreadable path: {}", rejection.body_text()))
}

/// The query's parameters. A `%`-escape that is not UTF-8 is refused rather than matched as
/// U+FFFD, which is what the lenient form decoding turns it into.
fn query_params<P: IntoIterator<Item = (String, String)> + Clone>(
    params: Result<Query<P>, QueryRejection>,
) -> Result<P, ApiError> {
    let Query(params) = params.map_err(|rejection| {
        ApiError::bad_request(format!("unreadable query: {}", rejection.body_text()))
    })?;
    if params
        .clone()
        .into_iter()
        .any(|(k, v)| k.contains('\u{FFFD}') || v.contains('\u{FFFD}'))
    {
        return Err(ApiError::bad_request(
            "query parameters must be UTF-8 once percent-decoded",
        ));
    }
    Ok(params)
}

async fn task_detail(
    State(state): Shared,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(bad_path)?;
    let rendered = current(&state);
    let task = rendered
        .overview
        .snapshot
        .task(&id)
        .ok_or_else(|| unknown_task(&id))?;
    Ok(axum::Json(WireTaskDetail {
        schema_version: SCHEMA_VERSION,
        task: WireTask::from_task(task, rendered.generated_at, true),
    })
    .into_response())
}

async fn task_logs(
    State(state): Shared,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(bad_path)?;
    let params = query_params(params)?;
    let rendered = current(&state);
    let task = rendered
        .overview
        .snapshot
        .task(&id)
        .ok_or_else(|| unknown_task(&id))?;
    let source = state.sources.get(&task.source).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_log",
            format!("the task's source {} is not running", task.source),
        )
    })?;
    let session = params.get("session").map(String::as_str);
    if let Some(raw) = params.get("format").filter(|f| *f != "events") {
        let format = ExportFormat::parse(raw).ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown format {raw:?}; use events (pages, the default), markdown or jsonl"
            ))
        })?;
        if params.contains_key("after") {
            return Err(ApiError::bad_request(
                "an export is the whole log: give format or after, not both",
            ));
        }
        let events = state.logs.whole(source.as_ref(), task, session).await?;
        let heading = Heading {
            title: &task.title,
            repository: task.repository.as_deref(),
            state: Some(task.state.label()),
            url: Some(&task.url),
            session,
        };
        let body = format.render(&heading, &events);
        let file_name = format!(
            "agentbar-{}.{}",
            safe_file_stem(&task.id),
            format.extension()
        );
        return Ok((
            [
                (header::CONTENT_TYPE, format.content_type().to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
            ],
            body,
        )
            .into_response());
    }
    let page = state
        .logs
        .page(
            source.as_ref(),
            task,
            params.get("after").map(String::as_str),
            session,
        )
        .await?;
    Ok(axum::Json(page).into_response())
}

/// A task id as a file name: letters, digits, `-`, `_` and `.` kept, anything else `_`.
fn safe_file_stem(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

async fn refresh(State(state): Shared) -> Result<Response, ApiError> {
    send(&state, Command::Refresh).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({ "status": "refresh requested" })),
    )
        .into_response())
}

/// How long `POST /v1/sign-in` waits for the device code from upstream.
const SIGN_IN_START_TIMEOUT: Duration = Duration::from_secs(15);

fn already_signed_in() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "already_signed_in",
        "agentbar is signed in; sign out first to sign in again",
    )
}

/// `POST /v1/sign-in`: starts the device flow the tray's "Sign in…" starts (or reuses the
/// pending one) and answers its code and page, so a terminal can sign in a running agent.
async fn sign_in(
    State(state): Shared,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query_params(params)?;
    // `?source=gh:<account>` picks one account; without it, the one signed-out account (the
    // default account's when several are), so `agentbar login` beside a running agent signs in
    // whichever account needs it.
    let rendered = current(&state);
    let accounts: Vec<_> = rendered
        .overview
        .sources
        .iter()
        .filter(|s| s.kind == "github")
        .collect();
    let signed_out: Vec<_> = accounts
        .iter()
        .filter(|s| s.health.status == crate::model::HealthStatus::SignedOut)
        .collect();
    let source = match params.get("source") {
        Some(wanted) => {
            let found = accounts
                .iter()
                .find(|s| s.id.as_str() == wanted)
                .ok_or_else(|| unknown_source(wanted))?;
            if found.health.status != crate::model::HealthStatus::SignedOut {
                return Err(already_signed_in());
            }
            Some(wanted.clone())
        }
        None => match signed_out.as_slice() {
            [] => return Err(already_signed_in()),
            [only] => Some(only.id.as_str().to_owned()),
            _ => None,
        },
    };
    // This account's own pending code: another account's sign-in never answers for it.
    let mut prompt = state
        .sign_ins
        .of(source.as_deref())
        .ok_or_else(|| unknown_source(source.as_deref().unwrap_or_default()))?;
    let pending = prompt
        .borrow_and_update()
        .clone()
        .filter(|p| p.expires_at > chrono::Utc::now());
    let prompt = match pending {
        Some(pending) => pending,
        None => {
            send(&state, Command::SignIn { source }).await?;
            tokio::time::timeout(SIGN_IN_START_TIMEOUT, async {
                loop {
                    prompt.changed().await.ok()?;
                    if let Some(started) = prompt.borrow_and_update().clone() {
                        return Some(started);
                    }
                }
            })
            .await
            .ok()
            .flatten()
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "sign_in_unavailable",
                    "the sign-in could not start (no OAuth client id, or GitHub did not answer); agentbar's log says why",
                )
            })?
        }
    };
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({
            "user_code": prompt.user_code,
            "verification_uri": prompt.verification_uri,
            "expires_at": prompt.expires_at,
        })),
    )
        .into_response())
}

fn unknown_source(wanted: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_source",
        format!("no GitHub account has the source id {wanted:?}"),
    )
}

/// `POST /v1/tasks/{id}/stop`: the older door for `actions/stop`, answered in its own shape.
async fn stop_task(
    State(state): Shared,
    task_id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(task_id) = task_id.map_err(bad_path)?;
    // The run the stop cancels, as the list knows it now (the same one the source cancels).
    let run = current(&state).overview.snapshot.task(&task_id).map(|t| {
        (
            t.id.clone(),
            t.current_session().and_then(|s| s.workflow_run_id),
        )
    });
    act(
        &state,
        task_id,
        TaskAction::Stop,
        ActionInput::default(),
        ACT_TIMEOUT,
    )
    .await?;
    let (task_id, run_id) = run.unwrap_or_default();
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(WireStopReply {
            task_id,
            workflow_run_id: run_id.unwrap_or_default(),
            status: "cancellation requested".into(),
        }),
    )
        .into_response())
}

/// Sends `Command::Act` and waits for its answer at most `timeout`: the one way a handler acts
/// on a task.
async fn act(
    state: &ApiState,
    task: String,
    action: TaskAction,
    input: ActionInput,
    timeout: Duration,
) -> Result<ActionOutcome, ApiError> {
    let (reply, answer) = oneshot::channel();
    send(
        state,
        Command::Act {
            task,
            action,
            input,
            reply,
        },
    )
    .await?;
    tokio::time::timeout(timeout, answer)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                format!("the task's source did not finish {action} in time"),
            )
        })?
        .map_err(|_| shutting_down())?
        .map_err(action_error)
}

async fn send(state: &ApiState, command: Command) -> Result<(), ApiError> {
    state
        .commands
        .send(command)
        .await
        .map_err(|_| shutting_down())
}

/// How long a start may take: GitHub's answer, then the refreshed list (`STARTED_WAIT`).
const START_TIMEOUT: Duration = Duration::from_secs(75);

/// How long a started task may take to reach the served list once the core has it.
const STARTED_RENDER_WAIT: Duration = Duration::from_secs(2);

/// A start or continue request's JSON body, or a 400 in words.
fn json_body(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))
}

/// A start or continue refusal as an API error, GitHub's 403 and 422 kept as such.
pub(super) fn start_error(error: StartError) -> ApiError {
    let message = error.to_string();
    let (status, code) = match error {
        StartError::EmptyPrompt
        | StartError::PromptTooLong { .. }
        | StartError::BadRepository(_)
        | StartError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
        StartError::NotCopilot(_) | StartError::NoBranch => {
            (StatusCode::CONFLICT, "cannot_continue")
        }
        StartError::UnknownTask(_) => (StatusCode::NOT_FOUND, "unknown_task"),
        StartError::NotAllowed(_) => (StatusCode::FORBIDDEN, "not_allowed"),
        StartError::Refused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "refused"),
        StartError::UnknownRepository(_) => (StatusCode::NOT_FOUND, "unknown_repository"),
        StartError::SignedOut => (StatusCode::SERVICE_UNAVAILABLE, "signed_out"),
        StartError::Upstream(_) => (StatusCode::BAD_GATEWAY, "upstream_error"),
        StartError::ShuttingDown => return shutting_down(),
    };
    ApiError::new(status, code, message)
}

/// Waits (at most [`STARTED_RENDER_WAIT`]) until the list this API serves satisfies `listed`:
/// the core's list leads the rendered one by a moment.
async fn until_served(state: &ApiState, listed: impl Fn(&[Arc<Task>]) -> bool) {
    let mut rendered = state.rendered.clone();
    let _ = tokio::time::timeout(STARTED_RENDER_WAIT, async {
        while !listed(&rendered.borrow_and_update().overview.snapshot.tasks) {
            if rendered.changed().await.is_err() {
                return;
            }
        }
    })
    .await;
}

/// Sends a start or continue command and answers 201 with the new task once the list shows
/// it, else 202 with its id.
pub(super) async fn started(
    state: &ApiState,
    command: Command,
    answer: oneshot::Receiver<Result<Started, StartError>>,
) -> Result<Response, ApiError> {
    send(state, command).await?;
    let started = tokio::time::timeout(START_TIMEOUT, answer)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                "GitHub did not start the task in time",
            )
        })?
        .map_err(|_| shutting_down())?
        .map_err(start_error)?;
    if started.task.is_some() {
        // Answer once the list this API serves holds it too, so the next list shows it.
        until_served(state, |tasks| tasks.iter().any(|t| t.id == started.id)).await;
    }
    Ok(match started.task {
        Some(task) => (
            StatusCode::CREATED,
            axum::Json(WireTask::from_task(&task, chrono::Utc::now(), false)),
        )
            .into_response(),
        None => (
            StatusCode::ACCEPTED,
            axum::Json(serde_json::json!({
                "id": started.id,
                "message": "GitHub started the task; it appears in the list at the next poll",
            })),
        )
            .into_response(),
    })
}

/// `POST /v1/tasks/{id}/actions/{action}`: the one door for what a task allows (`actions` on
/// each task); `continue` takes `{"prompt": …}`. Answers `{task, action, message, url}`.
async fn task_action(
    State(state): Shared,
    path: Result<Path<(String, String)>, PathRejection>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let Path((task, name)) = path.map_err(bad_path)?;
    let action = TaskAction::parse(&name).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_action",
            ActionError::UnknownAction(name.clone()).to_string(),
        )
    })?;
    let input = if body.iter().all(u8::is_ascii_whitespace) {
        ActionInput::default()
    } else {
        let value = json_body(&body)?;
        let prompt = match value.get("prompt") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(prompt)) => Some(prompt.clone()),
            Some(_) => return Err(ApiError::bad_request("prompt must be a string")),
        };
        ActionInput { prompt }
    };
    // A continue starts a task upstream: it may take as long as a start.
    let timeout = if action == TaskAction::Continue {
        START_TIMEOUT
    } else {
        ACT_TIMEOUT
    };
    let outcome = act(&state, task, action, input, timeout).await?;
    if let (TaskAction::Continue, Some(url)) = (action, &outcome.url) {
        // The core lists the follow-up before answering; so does this API's next list.
        until_served(&state, |tasks| tasks.iter().any(|t| &t.url == url)).await;
    }
    // A stop is only requested when it answers (GitHub cancels the run afterwards).
    let status = if action == TaskAction::Stop {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(WireActionReply::from_outcome(outcome))).into_response())
}

/// An action's refusal with the status its code means.
fn action_error(error: ActionError) -> ApiError {
    let code = error.code();
    let status = match code {
        "unknown_task" | "unknown_action" => StatusCode::NOT_FOUND,
        "bad_request" => StatusCode::BAD_REQUEST,
        "signed_out" | "shutting_down" => StatusCode::SERVICE_UNAVAILABLE,
        "upstream_refused" => StatusCode::BAD_GATEWAY,
        "upstream_forbidden" => StatusCode::FORBIDDEN,
        "upstream_unprocessable" => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::CONFLICT,
    };
    ApiError::new(status, code, error.to_string())
}

/// `POST /v1/tasks`: start a Copilot task.
async fn start_task(State(state): Shared, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let request = StartRequest::from_json(&body).map_err(start_error)?;
    // Optional: the account to start it under (a source id or an account id).
    let account = match body.get("account") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(account)) => Some(account.clone()),
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "account must be a string (a source id such as gh:github.com)",
            ));
        }
    };
    let (reply, answer) = oneshot::channel();
    let command = Command::StartTask {
        request,
        account,
        reply,
    };
    started(&state, command, answer).await
}

/// How long a model or custom-agent list may take (the client's own timeout comes first).
const CHOICES_TIMEOUT: Duration = Duration::from_secs(30);

/// Waits for a list the core asks the Copilot API for, and says a failure in words: 400 for a
/// bad repository, 503 signed out, 502 when the Copilot API failed or answered nonsense.
async fn choices<T>(
    answer: oneshot::Receiver<Result<T, ChoicesError>>,
    what: &str,
) -> Result<T, ApiError> {
    tokio::time::timeout(CHOICES_TIMEOUT, answer)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                format!("GitHub's Copilot API did not list the {what} in time"),
            )
        })?
        .map_err(|_| shutting_down())?
        .map_err(|e| {
            let message = e.to_string();
            match e {
                ChoicesError::BadRepository(_) => ApiError::bad_request(message),
                ChoicesError::UnknownAccount { .. } => {
                    ApiError::new(StatusCode::NOT_FOUND, "unknown_source", message)
                }
                ChoicesError::SignedOut => {
                    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "signed_out", message)
                }
                ChoicesError::Upstream { .. } => {
                    ApiError::new(StatusCode::BAD_GATEWAY, "upstream_error", message)
                }
                ChoicesError::ShuttingDown => shutting_down(),
            }
        })
}

/// `GET /v1/models[?source=gh:<account>]`: the models a new Copilot task can run under that
/// account, else the default one (`model` of `POST /v1/tasks`).
async fn list_models(
    State(state): Shared,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let source = query_params(params)?.remove("source");
    let (reply, answer) = oneshot::channel();
    send(&state, Command::ListModels { source, reply }).await?;
    let models = choices(answer, "models").await?;
    Ok(axum::Json(WireModelList::from_models(models)).into_response())
}

/// `GET /v1/custom-agents?repo=owner/name[&source=gh:<account>]`: the custom agents a new task
/// in that repository can run under that account, else the default one (`custom_agent` of
/// `POST /v1/tasks`).
async fn list_custom_agents(
    State(state): Shared,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query_params(params)?;
    let Some(repo) = params.get("repo").map(|r| r.trim().to_owned()) else {
        return Err(ApiError::bad_request(
            "repo is required: the repository as owner/name",
        ));
    };
    let (reply, answer) = oneshot::channel();
    let command = Command::ListCustomAgents {
        source: params.get("source").cloned(),
        repo: repo.clone(),
        reply,
    };
    send(&state, command).await?;
    let agents = choices(answer, "custom agents").await?;
    Ok(axum::Json(WireCustomAgentList::from_agents(repo, agents)).into_response())
}

/// `POST /v1/archive/finished[?older_than=1d]`: archives every finished task (completed,
/// failed, cancelled) that finished at least that long ago, in agentbar's own archive.
async fn archive_finished(
    State(state): Shared,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query_params(params)?;
    let older_than = match params.get("older_than") {
        None => chrono::Duration::zero(),
        Some(raw) => crate::archive::parse_age(raw)
            .map_err(|why| ApiError::bad_request(format!("older_than: {why}")))?,
    };
    let (reply, answer) = oneshot::channel();
    send(&state, Command::ArchiveFinished { older_than, reply }).await?;
    let archived = answer.await.map_err(|_| shutting_down())?.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "archive_failed",
            e.to_string(),
        )
    })?;
    Ok(axum::Json(serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "archived": archived,
        "count": archived.len(),
    }))
    .into_response())
}

fn shutting_down() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "shutting_down",
        "agentbar is shutting down",
    )
}

async fn cc_xml(State(state): Shared, request: Request) -> Response {
    current(&state).cc_xml.respond(request.headers()).await
}

/// The counts a stream's snapshot event carries: the whole list's, or those of the tasks its
/// filter keeps (the filter `GET /v1/tasks` takes, the same meaning).
fn stream_counts(rendered: &Rendered, filter: Option<&TaskFilter>) -> WireCounts {
    let Some(filter) = filter else {
        return rendered.counts;
    };
    let snapshot = &rendered.overview.snapshot;
    let cutoff = filter.cutoff(&rendered.generated_at.with_timezone(&chrono::Local));
    let kept: Vec<&Task> = snapshot
        .iter()
        .filter(|t| filter.keeps(&Candidate::of(t, source_of(t), false), cutoff))
        .collect();
    crate::model::Counts::of(&kept, snapshot.fetched_at).into()
}

/// Whether a stream with `filter` shows this transition.
fn stream_keeps(filter: Option<&TaskFilter>, numbered: &Numbered) -> bool {
    filter.is_none_or(|filter| {
        let task = &numbered.transition.task;
        let cutoff = filter.cutoff(&chrono::Local::now());
        filter.keeps(&Candidate::of(task, source_of(task), false), cutoff)
    })
}

fn snapshot_event(rendered: &Rendered, counts: WireCounts) -> Event {
    let body = WireSnapshotEvent {
        schema_version: SCHEMA_VERSION,
        generated_at: rendered.generated_at,
        counts,
        health: rendered.health.clone(),
    };
    json_event("snapshot", &body)
}

fn json_event(name: &str, body: &impl serde::Serialize) -> Event {
    match Event::default().event(name).json_data(body) {
        Ok(event) => event,
        Err(e) => Event::default().comment(format!("could not encode a {name} event: {e}")),
    }
}

/// Per connection: where the stream is, and what it last told the client.
struct EventCursor {
    rendered: watch::Receiver<Arc<Rendered>>,
    cancel: CancellationToken,
    log: TransitionLog,
    transitions: tokio::sync::broadcast::Receiver<Numbered>,
    last_counts: Option<WireCounts>,
    /// Transitions missed while disconnected (`Last-Event-ID`), sent after the snapshot.
    replay: std::collections::VecDeque<Numbered>,
    /// The newest transition sent, so the live feed does not repeat the replayed ones.
    sent_seq: u64,
    /// The tasks the stream is about (`None`: all of the active list).
    filter: Option<TaskFilter>,
}

fn transition_event(log: &TransitionLog, numbered: &Numbered) -> Event {
    let body = WireTransition::from_transition(&numbered.transition, chrono::Utc::now());
    json_event("transition", &body).id(log.id(numbered.seq))
}

/// `GET /v1/events[?filters]`: a snapshot event (counts and health), then each transition; with
/// the filters of `GET /v1/tasks` (but `archived` and `limit`), the snapshot counts the tasks
/// they keep and only their transitions are sent.
async fn events(
    State(state): Shared,
    params: Result<Query<Vec<(String, String)>>, QueryRejection>,
    request: Request,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let params = query_params(params)?;
    let filter =
        TaskFilter::from_pairs(&params).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let filter = (!filter.keeps_all_active()).then_some(filter);
    // Subscribed before the kept ones are read, so none falls between the two.
    let transitions = state.transitions.subscribe();
    let last_event_id = request
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok());
    let replay = match last_event_id.map(|id| state.transitions.since(id.trim())) {
        Some(Since::Missed(missed)) => missed
            .into_iter()
            .filter(|m| stream_keeps(filter.as_ref(), m))
            .collect(),
        // Unknown or absent: the snapshot event that opens every stream is the truth.
        Some(Since::Unknown) | None => Default::default(),
    };
    let cursor = EventCursor {
        rendered: state.rendered.clone(),
        cancel: state.cancel.clone(),
        log: state.transitions.clone(),
        transitions,
        last_counts: None,
        replay,
        sent_seq: 0,
        filter,
    };
    let stream = futures_util::stream::unfold(cursor, |mut c| async move {
        if c.last_counts.is_none() {
            let rendered = c.rendered.borrow_and_update().clone();
            let counts = stream_counts(&rendered, c.filter.as_ref());
            c.last_counts = Some(counts);
            return Some((Ok(snapshot_event(&rendered, counts)), c));
        }
        if let Some(missed) = c.replay.pop_front() {
            c.sent_seq = missed.seq;
            return Some((Ok(transition_event(&c.log, &missed)), c));
        }
        loop {
            tokio::select! {
                // Ending the stream on shutdown lets the server's graceful shutdown finish.
                () = c.cancel.cancelled() => return None,
                changed = c.rendered.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                    let rendered = c.rendered.borrow_and_update().clone();
                    let counts = stream_counts(&rendered, c.filter.as_ref());
                    if c.last_counts != Some(counts) {
                        c.last_counts = Some(counts);
                        return Some((Ok(snapshot_event(&rendered, counts)), c));
                    }
                }
                received = c.transitions.recv() => match received {
                    Ok(numbered) if numbered.seq <= c.sent_seq => {}
                    Ok(numbered) if !stream_keeps(c.filter.as_ref(), &numbered) => {
                        c.sent_seq = numbered.seq;
                    }
                    Ok(numbered) => {
                        c.sent_seq = numbered.seq;
                        return Some((Ok(transition_event(&c.log, &numbered)), c));
                    }
                    Err(RecvError::Lagged(missed)) => {
                        let note = Event::default().comment(format!("{missed} transitions were missed"));
                        return Some((Ok(note), c));
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route; see docs/openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn query_names_are_read_as_form_decoding_reads_them() {
        assert_eq!(percent_decoded("%62ucket").as_deref(), Some("bucket"));
        assert_eq!(percent_decoded("a+b%2").as_deref(), Some("a b%2"));
        assert_eq!(percent_decoded("%ff"), None);
    }

    #[test]
    fn filters_parse_and_reject_nonsense() {
        let f = Filters::parse(&params(&[
            ("bucket", "waiting,running"),
            ("repo", "Acme/API"),
            ("limit", "5"),
        ]))
        .unwrap();
        assert_eq!(
            f.filter.buckets,
            [crate::model::Bucket::Waiting, crate::model::Bucket::Running]
        );
        assert_eq!(f.filter.repo.as_deref(), Some("acme/api"));
        assert_eq!(f.limit, Some(5));
        assert!(Filters::parse(&params(&[])).unwrap().is_empty());
        assert!(Filters::parse(&params(&[("bucket", "sleeping")])).is_err());
        assert!(Filters::parse(&params(&[("limit", "0")])).is_err());
        assert!(Filters::parse(&params(&[("limit", "lots")])).is_err());
        assert!(Filters::parse(&params(&[("limit", "1"), ("limit", "2")])).is_err());
    }
}
