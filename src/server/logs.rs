//! `GET /v1/tasks/{id}/logs?after=CURSOR&session=N|ID`: one [`LogFollower`] per followed
//! session, fed the whole log body on each request (GitHub serves nothing smaller), so parsing
//! costs only the new bytes and clients get only the events past their cursor.
//!
//! The log itself comes from the task's own source (`Source::log`), which picks the session:
//! the newest unless `session` names one (its id, or its number counted from 1 for the first).

use axum::http::StatusCode;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::error::ApiError;
use crate::core::FollowSignals;
use crate::logs::wire::LogPageJson;
use crate::logs::{Cursor, Event, LogFollower};
use crate::model::Task;
use crate::sources::{LogError, LogFormat, Source};

/// Followers kept at once; the least recently read goes first.
const MAX_FOLLOWERS: usize = 32;

struct Followed {
    follower: LogFollower,
    read_at: Instant,
}

/// The followers, by source and session id.
#[derive(Clone, Default)]
pub struct LogFollowers {
    followers: Arc<Mutex<HashMap<String, Followed>>>,
    signals: FollowSignals,
}

impl LogFollowers {
    /// Followers that touch the read task's own source's signal on every read.
    pub fn new(signals: FollowSignals) -> LogFollowers {
        LogFollowers {
            followers: Arc::default(),
            signals,
        }
    }

    /// The page of `task`'s log after `after`, for the newest session or the one `session`
    /// names, as `source` (the task's own) serves it.
    pub async fn page(
        &self,
        source: &dyn Source,
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
        self.read(source, task, session, |follower| {
            LogPageJson::from(&follower.events_after(after))
        })
        .await
    }

    /// Every event of `task`'s log so far (the newest session, or the one `session` names):
    /// for exports, which want the whole log at once.
    pub async fn whole(
        &self,
        source: &dyn Source,
        task: &Task,
        session: Option<&str>,
    ) -> Result<Vec<Event>, ApiError> {
        self.read(source, task, session, |follower| follower.events().to_vec())
            .await
    }

    /// Asks `source` for the chosen session's log, feeds it to that session's follower and
    /// reads it.
    async fn read<R>(
        &self,
        source: &dyn Source,
        task: &Task,
        session: Option<&str>,
        read: impl FnOnce(&LogFollower) -> R,
    ) -> Result<R, ApiError> {
        self.signals.touch(source.id());
        let log = source.log(task, session).await.map_err(log_error)?;
        // Session ids are unique within a source; the source id keeps two sources' apart.
        let follower_key = format!("{}\u{0}{}", source.id(), log.session_id);
        let mut followers = self
            .followers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !followers.contains_key(&follower_key)
            && followers.len() >= MAX_FOLLOWERS
            && let Some(oldest) = followers
                .iter()
                .min_by_key(|(_, f)| f.read_at)
                .map(|(id, _)| id.clone())
        {
            followers.remove(&oldest);
        }
        let followed = followers.entry(follower_key).or_insert_with(|| Followed {
            follower: LogFollower::new(),
            read_at: Instant::now(),
        });
        followed.read_at = Instant::now();
        match log.format {
            // Finished for good: whatever the log holds now is all of it, `stop` or not.
            LogFormat::Copilot if log.finished => {
                followed.follower.finish(&log.body);
            }
            LogFormat::Copilot => {
                followed.follower.update(&log.body);
            }
            LogFormat::Local(format) => {
                let events = crate::logs::formats::parse_local(format, &log.body);
                followed.follower.replace(events, log.finished);
            }
        }
        Ok(read(&followed.follower))
    }
}

fn log_error(error: LogError) -> ApiError {
    let status = match &error {
        LogError::NoSession(_) | LogError::NoLog(_) | LogError::Unsupported => {
            StatusCode::NOT_FOUND
        }
        LogError::Unavailable(_) | LogError::SignedOut(_) => StatusCode::SERVICE_UNAVAILABLE,
        LogError::Upstream(_) => StatusCode::BAD_GATEWAY,
    };
    ApiError::new(status, error.code(), error.to_string())
}
