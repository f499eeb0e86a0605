//! `POST /v1/local/hook`: a local agent's hook event, as `agentbar hook` posts it. Behind the
//! same guard as every route (Host, Origin, token, 16 KiB); the body must be exactly the
//! whitelisted event — an unknown field, tool or event is a 400 naming it — and is handed to
//! the local sources. 204 when taken, 503 when their queue is full.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use super::{ApiError, ApiState};
use crate::local::event::LocalHookEvent;

pub async fn local_hook(State(state): State<Arc<ApiState>>, body: Bytes) -> Response {
    let event: LocalHookEvent = match serde_json::from_slice(&body) {
        Ok(event) => event,
        Err(e) => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_hook_event",
                format!("the body is not a hook event: {e}"),
            )
            .into_response();
        }
    };
    if let Err(e) = event.validate() {
        return ApiError::new(StatusCode::BAD_REQUEST, "bad_hook_event", e.to_string())
            .into_response();
    }
    // Ids and the event's kind only: hook payloads are user data (cwd included).
    let (tool, kind) = (event.tool, event.event);
    let prefix: String = event.session_id.chars().take(8).collect();
    if state.local_hooks.send(event) {
        tracing::debug!(tool = tool.as_str(), session = %prefix, event = ?kind, "hook event");
        StatusCode::NO_CONTENT.into_response()
    } else {
        tracing::warn!(tool = tool.as_str(), event = ?kind, "hook event dropped: queue full");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "hooks_busy",
            "the local sources are not taking hook events now; the event was dropped",
        )
        .into_response()
    }
}
