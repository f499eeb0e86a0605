//! The routes of API v1. Handlers read the rendered overview and send commands to the core;
//! they never call GitHub themselves.

use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware;
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
use super::{ApiState, Rendered};
use crate::app::{Command, StopError};
use crate::model::Bucket;
use crate::wire::{
    SCHEMA_VERSION, WireCounts, WireHealthReply, WireSnapshotEvent, WireStopReply, WireTask,
    WireTaskDetail, WireTaskList, WireTransition,
};

/// Keep-alive comments on the event stream, so proxies and clients see the connection is alive.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long `stop` waits for upstream before answering.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest `limit` accepted.
const MAX_LIMIT: usize = 10_000;

/// The API's routes behind the guard; `body_timeout` bounds how long a request body may take to
/// arrive.
pub fn router(state: ApiState, port: u16, token: String, body_timeout: Duration) -> Router {
    let guard = Arc::new(Guard {
        port,
        token,
        body_timeout,
    });
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/tasks", get(list_tasks))
        .route("/v1/tasks/{id}", get(task_detail))
        .route("/v1/tasks/{id}/logs", get(task_logs))
        .route("/v1/tasks/{id}/stop", post(stop_task))
        .route("/v1/refresh", post(refresh))
        .route("/v1/events", get(events))
        .route("/cc.xml", get(cc_xml))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(Arc::new(state))
        .layer(middleware::from_fn_with_state(guard, guard::guard))
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

/// The filters of `GET /v1/tasks`.
#[derive(Debug, Default, PartialEq)]
struct Filters {
    buckets: Option<Vec<Bucket>>,
    repo: Option<String>,
    q: Option<String>,
    limit: Option<usize>,
}

impl Filters {
    fn parse(params: &HashMap<String, String>) -> Result<Filters, ApiError> {
        let buckets = match params.get("bucket").filter(|v| !v.is_empty()) {
            None => None,
            Some(raw) => Some(
                raw.split(',')
                    .map(|b| {
                        Bucket::parse(b.trim()).ok_or_else(|| {
                            ApiError::bad_request(format!(
                                "unknown bucket {b:?}; use running, waiting, completed, failed, cancelled or unknown"
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        let limit = match params.get("limit") {
            None => None,
            Some(raw) => match raw.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => Some(n),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "limit must be a whole number from 1 to {MAX_LIMIT}, got {raw:?}"
                    )));
                }
            },
        };
        let text = |key: &str| {
            params
                .get(key)
                .map(|v| v.trim().to_lowercase())
                .filter(|v| !v.is_empty())
        };
        Ok(Filters {
            buckets,
            repo: text("repo"),
            q: text("q"),
            limit,
        })
    }

    fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    fn keeps(&self, task: &WireTask) -> bool {
        let repo = task.repository.as_deref().unwrap_or("").to_lowercase();
        self.buckets
            .as_ref()
            .is_none_or(|b| Bucket::parse(&task.bucket).is_some_and(|bucket| b.contains(&bucket)))
            && self.repo.as_ref().is_none_or(|r| *r == repo)
            && self
                .q
                .as_ref()
                .is_none_or(|q| task.title.to_lowercase().contains(q) || repo.contains(q))
    }
}

// `request` last and whole, rather than a `HeaderMap` extractor, which would copy the headers.
async fn list_tasks(
    State(state): Shared,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let params = query_params(params)?;
    let filters = Filters::parse(&params)?;
    let rendered = current(&state);
    if filters.is_empty() {
        return Ok(rendered.list.respond(request.headers()).await);
    }
    // Filtered lists are rare (launchers filter locally): build them from the rendered overview.
    let list = WireTaskList::from_overview(
        &rendered.overview,
        rendered.generated_at,
        crate::report::STALE_AFTER_SECONDS,
    );
    let tasks: Vec<WireTask> = list
        .tasks
        .into_iter()
        .filter(|t| filters.keeps(t))
        .take(filters.limit.unwrap_or(usize::MAX))
        .collect();
    Ok(axum::Json(WireTaskList { tasks, ..list }).into_response())
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
fn query_params(
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<HashMap<String, String>, ApiError> {
    let Query(params) = params.map_err(|rejection| {
        ApiError::bad_request(format!("unreadable query: {}", rejection.body_text()))
    })?;
    if params
        .iter()
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
    let client = state.clients.borrow().clone();
    let page = state
        .logs
        .page(
            client,
            task,
            params.get("after").map(String::as_str),
            params.get("session").map(String::as_str),
        )
        .await?;
    Ok(axum::Json(page).into_response())
}

async fn refresh(State(state): Shared) -> Result<Response, ApiError> {
    send(&state, Command::Refresh).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({ "status": "refresh requested" })),
    )
        .into_response())
}

async fn stop_task(
    State(state): Shared,
    task_id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(task_id) = task_id.map_err(bad_path)?;
    let (reply, answer) = oneshot::channel();
    send(&state, Command::StopTask { task_id, reply }).await?;
    let result = tokio::time::timeout(STOP_TIMEOUT, answer)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                "GitHub did not answer the cancellation in time",
            )
        })?
        .map_err(|_| shutting_down())?;
    match result {
        Ok(stopped) => Ok((
            StatusCode::ACCEPTED,
            axum::Json(WireStopReply {
                task_id: stopped.task_id,
                workflow_run_id: stopped.workflow_run_id,
                status: "cancellation requested".into(),
            }),
        )
            .into_response()),
        Err(e) => Err(stop_error(e)),
    }
}

fn stop_error(error: StopError) -> ApiError {
    let message = error.to_string();
    let (status, code) = match error {
        StopError::UnknownTask(_) => (StatusCode::NOT_FOUND, "unknown_task"),
        StopError::NotActive(_) => (StatusCode::CONFLICT, "not_active"),
        StopError::NoRunId => (StatusCode::CONFLICT, "no_run_id"),
        StopError::NoRepository => (StatusCode::CONFLICT, "no_repository"),
        StopError::SignedOut => (StatusCode::SERVICE_UNAVAILABLE, "signed_out"),
        StopError::Upstream(_) => (StatusCode::BAD_GATEWAY, "upstream_refused"),
        StopError::ShuttingDown => (StatusCode::SERVICE_UNAVAILABLE, "shutting_down"),
    };
    ApiError::new(status, code, message)
}

async fn send(state: &ApiState, command: Command) -> Result<(), ApiError> {
    state
        .commands
        .send(command)
        .await
        .map_err(|_| shutting_down())
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

fn snapshot_event(rendered: &Rendered) -> Event {
    let body = WireSnapshotEvent {
        schema_version: SCHEMA_VERSION,
        generated_at: rendered.generated_at,
        counts: rendered.counts,
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
    transitions: tokio::sync::broadcast::Receiver<crate::diff::Transition>,
    last_counts: Option<WireCounts>,
}

async fn events(State(state): Shared) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let cursor = EventCursor {
        rendered: state.rendered.clone(),
        cancel: state.cancel.clone(),
        transitions: state.transitions.subscribe(),
        last_counts: None,
    };
    let stream = futures_util::stream::unfold(cursor, |mut c| async move {
        if c.last_counts.is_none() {
            let rendered = c.rendered.borrow_and_update().clone();
            c.last_counts = Some(rendered.counts);
            return Some((Ok(snapshot_event(&rendered)), c));
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
                    if c.last_counts != Some(rendered.counts) {
                        c.last_counts = Some(rendered.counts);
                        return Some((Ok(snapshot_event(&rendered)), c));
                    }
                }
                received = c.transitions.recv() => match received {
                    Ok(t) => {
                        let body = WireTransition::from_transition(&t, chrono::Utc::now());
                        return Some((Ok(json_event("transition", &body)), c));
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
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
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

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn filters_parse_and_reject_nonsense() {
        let f = Filters::parse(&params(&[
            ("bucket", "waiting,running"),
            ("repo", "Acme/API"),
            ("limit", "5"),
        ]))
        .unwrap();
        assert_eq!(f.buckets, Some(vec![Bucket::Waiting, Bucket::Running]));
        assert_eq!(f.repo.as_deref(), Some("acme/api"));
        assert_eq!(f.limit, Some(5));
        assert!(Filters::parse(&params(&[])).unwrap().is_empty());
        assert!(Filters::parse(&params(&[("bucket", "sleeping")])).is_err());
        assert!(Filters::parse(&params(&[("limit", "0")])).is_err());
        assert!(Filters::parse(&params(&[("limit", "lots")])).is_err());
    }
}
