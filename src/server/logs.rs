//! `GET /v1/tasks/{id}/logs?after=CURSOR&session=N|ID`: one [`LogFollower`] per followed
//! session, fed the whole log body on each request (GitHub serves nothing smaller), so parsing
//! costs only the new bytes and clients get only the events past their cursor.
//!
//! The session is the task's newest unless `session` names one (its id, or its number counted
//! from 1 for the first). A task whose sessions the snapshot does not hold (its detail was not
//! fetched) has them fetched here once; a task with no session at all gets a 404 saying why.

use axum::http::StatusCode;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::error::ApiError;
use crate::core::FollowSignal;
use crate::github::client::Fetched;
use crate::github::{ClientError, GitHubClient};
use crate::logs::wire::LogPageJson;
use crate::logs::{Cursor, Event, LogFollower};
use crate::model::Task;

/// Followers kept at once; the least recently read goes first.
const MAX_FOLLOWERS: usize = 32;

struct Followed {
    follower: LogFollower,
    read_at: Instant,
}

/// The followers, by session id.
#[derive(Clone, Default)]
pub struct LogFollowers {
    followers: Arc<Mutex<HashMap<String, Followed>>>,
    /// Session ids (newest first) fetched for tasks the snapshot holds none for, by task id.
    fetched_sessions: Arc<Mutex<HashMap<String, Vec<String>>>>,
    signal: FollowSignal,
}

impl LogFollowers {
    /// Followers that touch `signal` on every read.
    pub fn new(signal: FollowSignal) -> LogFollowers {
        LogFollowers {
            followers: Arc::default(),
            fetched_sessions: Arc::default(),
            signal,
        }
    }

    /// The page of `task`'s log after `after`, for the newest session or the one `session`
    /// names.
    pub async fn page(
        &self,
        client: Option<Arc<GitHubClient>>,
        task: &Task,
        after: Option<&str>,
        session: Option<&str>,
    ) -> Result<LogPageJson, ApiError> {
        let after: Option<Cursor> = match after.filter(|a| !a.is_empty()) {
            None => None,
            Some(raw) => Some(raw.parse().map_err(|_| {
                ApiError::bad_request(format!(
                    "{raw:?} is not a cursor from this API; omit `after` to start from the beginning"
                ))
            })?),
        };
        self.read(client, task, session, |follower| {
            LogPageJson::from(&follower.events_after(after))
        })
        .await
    }

    /// Every event of `task`'s log so far (the newest session, or the one `session` names):
    /// for exports, which want the whole log at once.
    pub async fn whole(
        &self,
        client: Option<Arc<GitHubClient>>,
        task: &Task,
        session: Option<&str>,
    ) -> Result<Vec<Event>, ApiError> {
        self.read(client, task, session, |follower| follower.events().to_vec())
            .await
    }

    /// Fetches the chosen session's log, feeds it to that session's follower and reads it.
    async fn read<R>(
        &self,
        client: Option<Arc<GitHubClient>>,
        task: &Task,
        session: Option<&str>,
        read: impl FnOnce(&LogFollower) -> R,
    ) -> Result<R, ApiError> {
        self.signal.touch();
        let client = client.ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "signed_out",
                "signed out: there is no GitHub client to fetch the log with",
            )
        })?;
        let sessions = self.sessions_of(&client, task).await?;
        let session_id = choose_session(task, &sessions, session.filter(|s| !s.is_empty()))?;
        let session_key = session_id.clone();
        let body = client.session_log(&session_id).await.map_err(fetch_error)?;

        let mut followers = self
            .followers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !followers.contains_key(&session_id)
            && followers.len() >= MAX_FOLLOWERS
            && let Some(oldest) = followers
                .iter()
                .min_by_key(|(_, f)| f.read_at)
                .map(|(id, _)| id.clone())
        {
            followers.remove(&oldest);
        }
        let followed = followers.entry(session_id).or_insert_with(|| Followed {
            follower: LogFollower::new(),
            read_at: Instant::now(),
        });
        followed.read_at = Instant::now();
        // An older session is over once a newer one exists.
        let finished = task.state.is_terminal() || sessions.first() != Some(&session_key);
        if finished {
            // Finished for good: whatever the log holds now is all of it, `stop` or not.
            followed.follower.finish(&body);
        } else {
            followed.follower.update(&body);
        }
        Ok(read(&followed.follower))
    }

    /// The task's session ids, newest first: from the snapshot, else fetched once from the
    /// task's detail (the list alone does not carry them).
    async fn sessions_of(
        &self,
        client: &GitHubClient,
        task: &Task,
    ) -> Result<Vec<String>, ApiError> {
        if !task.sessions.is_empty() {
            return Ok(task.sessions.iter().map(|s| s.id.clone()).collect());
        }
        let cached = self
            .fetched_sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&task.id)
            .cloned();
        if let Some(sessions) = cached {
            return Ok(sessions);
        }
        let detail = client.task(&task.id, None).await.map_err(fetch_error)?;
        let Fetched::Fresh { value, .. } = detail.body else {
            return Ok(Vec::new());
        };
        let mut sessions = value.sessions;
        // Newest first, as the snapshot holds them; upstream order is not promised.
        sessions.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        let ids: Vec<String> = sessions.into_iter().map(|s| s.id).collect();
        if !ids.is_empty() {
            self.fetched_sessions
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(task.id.clone(), ids.clone());
        }
        Ok(ids)
    }
}

/// The session to show: the newest, or the one `wanted` names by id or by number (1 is the
/// first). No session at all, or an unknown one, is a 404 that says why.
fn choose_session(
    task: &Task,
    newest_first: &[String],
    wanted: Option<&str>,
) -> Result<String, ApiError> {
    let Some(newest) = newest_first.first() else {
        let why = if task.state.is_terminal() {
            "GitHub lists no session for this task, so it has no log"
        } else {
            "this task has not started a session yet, so there is no log yet; it appears once the agent starts working"
        };
        return Err(ApiError::new(StatusCode::NOT_FOUND, "no_session", why));
    };
    let Some(wanted) = wanted else {
        return Ok(newest.clone());
    };
    if let Some(id) = newest_first.iter().find(|id| id.as_str() == wanted) {
        return Ok(id.clone());
    }
    let count = newest_first.len();
    match wanted.parse::<usize>() {
        Ok(number) if (1..=count).contains(&number) => Ok(newest_first[count - number].clone()),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_session",
            format!(
                "this task has no session {wanted:?}: it has {count} (give a number from 1 to {count}, or a session id)"
            ),
        )),
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
    fn without_a_session_the_answer_says_why_and_is_not_a_retry_later() {
        use crate::model::fixtures::task;
        let queued = task("q", "queued", 1);
        let error = choose_session(&queued, &[], None).unwrap_err();
        assert_eq!(
            (error.status, error.code),
            (StatusCode::NOT_FOUND, "no_session")
        );
        assert!(
            error.message.contains("not started a session yet"),
            "{}",
            error.message
        );
        let failed = task("f", "failed", 1);
        let error = choose_session(&failed, &[], Some("1")).unwrap_err();
        assert!(
            error.message.contains("lists no session"),
            "{}",
            error.message
        );
        let ids = ["new".to_owned(), "old".to_owned()];
        assert_eq!(choose_session(&failed, &ids, None).unwrap(), "new");
        assert_eq!(choose_session(&failed, &ids, Some("1")).unwrap(), "old");
        assert_eq!(choose_session(&failed, &ids, Some("old")).unwrap(), "old");
        assert!(choose_session(&failed, &ids, Some("-1")).is_err());
    }
}
