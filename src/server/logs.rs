//! `GET /v1/tasks/{id}/logs?after=CURSOR`: one [`LogFollower`] per followed session, fed the
//! whole log body on each request (GitHub serves nothing smaller), so parsing costs only the new
//! bytes and clients get only the events past their cursor.

use axum::http::StatusCode;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::error::ApiError;
use crate::github::{ClientError, GitHubClient};
use crate::logs::wire::LogPageJson;
use crate::logs::{Cursor, LogFollower};
use crate::model::Task;

/// Followers kept at once; the least recently read goes first.
const MAX_FOLLOWERS: usize = 32;

/// When a client last read a log (Unix milliseconds): the poller polls fast while this is
/// recent, so a followed task's state (and so `done`) is fresh. Shared with the poller.
#[derive(Clone, Debug, Default)]
pub struct FollowSignal(Arc<AtomicI64>);

impl FollowSignal {
    pub fn touch(&self) {
        self.0
            .store(chrono::Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// Whether a client read a log within the last `window`.
    pub fn recent(&self, window: std::time::Duration) -> bool {
        let last = self.0.load(Ordering::Relaxed);
        let age = chrono::Utc::now().timestamp_millis().saturating_sub(last);
        last > 0 && u128::try_from(age).unwrap_or(0) <= window.as_millis()
    }
}

struct Followed {
    session_id: String,
    follower: LogFollower,
    read_at: Instant,
}

/// The followers, by task id.
#[derive(Clone, Default)]
pub struct LogFollowers {
    followers: Arc<Mutex<HashMap<String, Followed>>>,
    signal: FollowSignal,
}

impl LogFollowers {
    /// Followers that touch `signal` on every read.
    pub fn new(signal: FollowSignal) -> LogFollowers {
        LogFollowers {
            followers: Arc::default(),
            signal,
        }
    }

    pub async fn page(
        &self,
        client: Option<Arc<GitHubClient>>,
        task: &Task,
        after: Option<&str>,
    ) -> Result<LogPageJson, ApiError> {
        self.signal.touch();
        let after: Option<Cursor> = match after.filter(|a| !a.is_empty()) {
            None => None,
            Some(raw) => Some(raw.parse().map_err(|_| {
                ApiError::bad_request(format!(
                    "{raw:?} is not a cursor from this API; omit `after` to start from the beginning"
                ))
            })?),
        };
        let session_id = task
            .current_session()
            .map(|s| s.id.clone())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "no_session",
                    "no session of this task is known yet; try again after the next poll",
                )
            })?;
        let client = client.ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "signed_out",
                "signed out: there is no GitHub client to fetch the log with",
            )
        })?;
        let body = client.session_log(&session_id).await.map_err(fetch_error)?;

        let mut followers = self
            .followers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let followed = match followers.get_mut(&task.id) {
            Some(f) if f.session_id == session_id => f,
            _ => {
                // A new session (a follow-up) starts a new log.
                if followers.len() >= MAX_FOLLOWERS
                    && let Some(oldest) = followers
                        .iter()
                        .min_by_key(|(_, f)| f.read_at)
                        .map(|(id, _)| id.clone())
                {
                    followers.remove(&oldest);
                }
                followers.insert(
                    task.id.clone(),
                    Followed {
                        session_id,
                        follower: LogFollower::new(),
                        read_at: Instant::now(),
                    },
                );
                followers
                    .get_mut(&task.id)
                    .ok_or_else(|| ApiError::not_found("the follower vanished"))?
            }
        };
        followed.read_at = Instant::now();
        if task.state.is_terminal() {
            // Finished for good: whatever the log holds now is all of it, `stop` or not.
            followed.follower.finish(&body);
        } else {
            followed.follower.update(&body);
        }
        Ok(LogPageJson::from(&followed.follower.events_after(after)))
    }
}

fn fetch_error(error: ClientError) -> ApiError {
    let message = error.to_string();
    match error {
        ClientError::Unauthorized { .. } | ClientError::Forbidden { .. } => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "logs_unavailable",
            format!("the Copilot API does not serve logs to this token: {message}"),
        ),
        ClientError::NotFound { .. } => ApiError::new(
            StatusCode::NOT_FOUND,
            "no_log",
            "GitHub has no log for this task's session",
        ),
        _ => ApiError::new(StatusCode::BAD_GATEWAY, "upstream_error", message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_follow_signal_is_recent_only_after_a_read() {
        let signal = FollowSignal::default();
        assert!(!signal.recent(std::time::Duration::from_secs(30)));
        signal.touch();
        assert!(signal.recent(std::time::Duration::from_secs(30)));
    }
}
