//! Fault injection: what tests ask the simulator to get wrong, which requests it applies to,
//! and how many times.

use serde::{Deserialize, Serialize};

/// Route names as used in faults and statistics.
pub const ROUTE_NAMES: [&str; 20] = [
    "tasks",
    "create_task",
    "task",
    "repo_tasks",
    "repo_task",
    "repository",
    "user",
    "account",
    "graphql",
    "actions_cancel",
    "sessions",
    "session",
    "session_logs",
    "pull_sessions",
    "capi_tasks",
    "capi_models",
    "capi_custom_agents",
    "web",
    "device_code",
    "access_token",
];

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultKind {
    /// Answer with this status and a GitHub-style message.
    Status { status: u16 },
    /// Delay the answer (the request is then served normally).
    Latency { ms: u64 },
    /// Hold the request this long, then answer 504.
    Timeout { ms: u64 },
    /// Answer 401 Bad credentials.
    Unauthorized,
    /// Answer like an exhausted rate limit.
    RateLimit {
        #[serde(default = "default_rate_limit_status")]
        status: u16,
        #[serde(default = "default_reset_after")]
        reset_after_seconds: u64,
        #[serde(default)]
        retry_after: bool,
    },
    /// 200 with a body that is not JSON.
    MalformedJson,
    /// 200 with the real body cut short.
    Truncated,
    /// Add `X-Poll-Interval` (the request is then served normally).
    PollInterval { seconds: u64 },
}

fn default_rate_limit_status() -> u16 {
    403
}

fn default_reset_after() -> u64 {
    60
}

impl FaultKind {
    /// Faults that only decorate a normal answer; the others replace or corrupt it.
    fn is_decoration(&self) -> bool {
        matches!(
            self,
            FaultKind::Latency { .. } | FaultKind::PollInterval { .. }
        )
    }
}

/// The body of `POST /_sim/faults`.
#[derive(Debug, Clone, Deserialize)]
pub struct FaultRequest {
    #[serde(flatten)]
    pub kind: FaultKind,
    /// One route name (see `ROUTE_NAMES`); all upstream routes but `web` when absent.
    #[serde(default)]
    pub route: Option<String>,
    /// How many requests it applies to; until cleared when absent.
    #[serde(default)]
    pub times: Option<u32>,
    /// Only requests about this session (`session`, `session_logs`, a `pull_sessions` or
    /// `sessions` answer that lists it); any request when absent.
    #[serde(default)]
    pub session: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fault {
    pub id: u64,
    #[serde(flatten)]
    pub kind: FaultKind,
    pub route: Option<String>,
    /// Requests left; `None` means until cleared.
    pub remaining: Option<u32>,
    pub session: Option<String>,
}

/// What one request gets.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct AppliedFaults {
    pub latency_ms: u64,
    pub poll_interval_seconds: Option<u64>,
    /// The first matching fault that replaces or corrupts the answer.
    pub outcome: Option<FaultKind>,
}

/// The active faults, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    next_id: u64,
    faults: Vec<Fault>,
}

impl FaultBook {
    pub fn add(&mut self, request: FaultRequest) -> Result<u64, String> {
        if let Some(route) = &request.route
            && !ROUTE_NAMES.contains(&route.as_str())
        {
            return Err(format!(
                "unknown route {route:?}; known routes: {}",
                ROUTE_NAMES.join(", ")
            ));
        }
        if request.times == Some(0) {
            return Err("times must be at least 1 (leave it out for \"until cleared\")".to_owned());
        }
        self.next_id += 1;
        self.faults.push(Fault {
            id: self.next_id,
            kind: request.kind,
            route: request.route,
            remaining: request.times,
            session: request.session,
        });
        Ok(self.next_id)
    }

    pub fn list(&self) -> &[Fault] {
        &self.faults
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    /// Whether some fault is restricted to one session (so requests must say which sessions
    /// they concern).
    pub fn has_session_faults(&self) -> bool {
        self.faults.iter().any(|f| f.session.is_some())
    }

    /// Picks the faults for one request on `route` about `sessions` and counts them down.
    pub fn take_for(&mut self, route: &str, sessions: &[String]) -> AppliedFaults {
        let mut applied = AppliedFaults::default();
        for fault in &mut self.faults {
            let route_matches = match &fault.route {
                Some(r) => r == route,
                // The web pages are opened in a browser; only fault them when asked by name.
                None => route != "web",
            };
            let session_matches = fault
                .session
                .as_ref()
                .is_none_or(|id| sessions.contains(id));
            let matches = route_matches && session_matches;
            if !matches {
                continue;
            }
            let used = match &fault.kind {
                FaultKind::Latency { ms } => {
                    applied.latency_ms += ms;
                    true
                }
                FaultKind::PollInterval { seconds } => {
                    applied.poll_interval_seconds = Some(*seconds);
                    true
                }
                kind if applied.outcome.is_none() => {
                    debug_assert!(!kind.is_decoration());
                    applied.outcome = Some(kind.clone());
                    true
                }
                _ => false,
            };
            if used && let Some(remaining) = fault.remaining.as_mut() {
                *remaining = remaining.saturating_sub(1);
            }
        }
        self.faults.retain(|f| f.remaining != Some(0));
        applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> FaultRequest {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn request_bodies_parse() {
        let r = request(
            r#"{"kind":"rate_limit","status":429,"retry_after":true,"route":"tasks","times":2}"#,
        );
        assert_eq!(
            r.kind,
            FaultKind::RateLimit {
                status: 429,
                reset_after_seconds: 60,
                retry_after: true
            }
        );
        assert_eq!(r.route.as_deref(), Some("tasks"));
        assert_eq!(r.times, Some(2));
        assert_eq!(
            request(r#"{"kind":"unauthorized"}"#).kind,
            FaultKind::Unauthorized
        );
        assert!(serde_json::from_str::<FaultRequest>(r#"{"kind":"explode"}"#).is_err());
    }

    #[test]
    fn times_counts_down_and_the_fault_goes_away() {
        let mut book = FaultBook::default();
        book.add(request(r#"{"kind":"status","status":503,"times":2}"#))
            .unwrap();
        assert_eq!(
            book.take_for("tasks", &[]).outcome,
            Some(FaultKind::Status { status: 503 })
        );
        assert_eq!(book.list()[0].remaining, Some(1));
        assert!(book.take_for("session", &[]).outcome.is_some());
        assert!(book.list().is_empty());
        assert_eq!(book.take_for("tasks", &[]), AppliedFaults::default());
    }

    #[test]
    fn route_matching_and_decorations_stack() {
        let mut book = FaultBook::default();
        book.add(request(r#"{"kind":"latency","ms":100}"#)).unwrap();
        book.add(request(
            r#"{"kind":"poll_interval","seconds":60,"route":"tasks"}"#,
        ))
        .unwrap();
        book.add(request(
            r#"{"kind":"malformed_json","route":"graphql","times":1}"#,
        ))
        .unwrap();
        book.add(request(
            r#"{"kind":"truncated","route":"graphql","times":1}"#,
        ))
        .unwrap();

        let tasks = book.take_for("tasks", &[]);
        assert_eq!(
            (tasks.latency_ms, tasks.poll_interval_seconds),
            (100, Some(60))
        );
        assert!(tasks.outcome.is_none());

        // Only the first corrupting fault applies, and only it is counted down.
        assert_eq!(
            book.take_for("graphql", &[]).outcome,
            Some(FaultKind::MalformedJson)
        );
        assert_eq!(
            book.take_for("graphql", &[]).outcome,
            Some(FaultKind::Truncated)
        );
        assert_eq!(book.take_for("graphql", &[]).outcome, None);

        assert_eq!(
            book.take_for("web", &[]).latency_ms,
            0,
            "web only when named"
        );
        book.clear();
        assert!(book.list().is_empty());
    }

    #[test]
    fn a_session_fault_hits_only_requests_about_that_session() {
        let mut book = FaultBook::default();
        assert!(!book.has_session_faults());
        book.add(request(
            r#"{"kind":"status","status":500,"route":"session","session":"s-1"}"#,
        ))
        .unwrap();
        assert!(book.has_session_faults());
        let about = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(book.take_for("session", &about(&["s-2"])).outcome, None);
        assert_eq!(
            book.take_for("session_logs", &about(&["s-1"])).outcome,
            None
        );
        for _ in 0..3 {
            assert_eq!(
                book.take_for("session", &about(&["s-1"])).outcome,
                Some(FaultKind::Status { status: 500 }),
                "forever, until cleared"
            );
        }
        book.add(request(r#"{"kind":"timeout","ms":5,"session":"s-2"}"#))
            .unwrap();
        assert!(
            book.take_for("pull_sessions", &about(&["s-3", "s-2"]))
                .outcome
                .is_some()
        );
        assert!(book.take_for("tasks", &[]).outcome.is_none());
    }

    #[test]
    fn unknown_route_names_are_refused() {
        let mut book = FaultBook::default();
        let error = book
            .add(request(r#"{"kind":"unauthorized","route":"taks"}"#))
            .unwrap_err();
        assert!(error.contains("taks") && error.contains("tasks"));
    }
}
