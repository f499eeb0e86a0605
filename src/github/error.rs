//! Errors of the GitHub client, with the endpoint and what upstream said.

use chrono::{DateTime, Utc};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("signed out: no GitHub token (run `agentbar login`, or set AGENTBAR_TOKEN)")]
    NoToken,
    #[error("{endpoint}: cannot reach GitHub: {detail}")]
    Network { endpoint: String, detail: String },
    #[error("{endpoint}: no answer within {seconds} s")]
    Timeout { endpoint: String, seconds: u64 },
    #[error("{endpoint}: the token was refused (HTTP 401): {message}")]
    Unauthorized { endpoint: String, message: String },
    #[error("{endpoint}: access denied (HTTP 403): {message}")]
    Forbidden { endpoint: String, message: String },
    #[error("{endpoint}: rate limited (HTTP {status}){}", wait_text(*reset_at, *retry_after))]
    RateLimited {
        endpoint: String,
        status: u16,
        reset_at: Option<DateTime<Utc>>,
        retry_after: Option<Duration>,
    },
    #[error("{endpoint}: not found (HTTP 404)")]
    NotFound { endpoint: String },
    #[error("{endpoint}: GitHub had a server error (HTTP {status})")]
    Server { endpoint: String, status: u16 },
    #[error("{endpoint}: unexpected HTTP {status}: {message}")]
    Http {
        endpoint: String,
        status: u16,
        message: String,
    },
    #[error("{endpoint}: the response could not be read: {detail}")]
    Malformed { endpoint: String, detail: String },
    #[error("{endpoint}: GraphQL error: {message}")]
    GraphQl { endpoint: String, message: String },
}

fn wait_text(reset_at: Option<DateTime<Utc>>, retry_after: Option<Duration>) -> String {
    match (retry_after, reset_at) {
        (Some(wait), _) => format!("; retry after {} s", wait.as_secs()),
        (None, Some(at)) => format!("; the limit resets at {}", at.format("%H:%M:%S UTC")),
        (None, None) => String::new(),
    }
}

impl ClientError {
    /// The stable code `Health` and the API report for this kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::NoToken => "no_token",
            ClientError::Network { .. } => "network",
            ClientError::Timeout { .. } => "timeout",
            ClientError::Unauthorized { .. } => "unauthorized",
            ClientError::Forbidden { .. } => "forbidden",
            ClientError::RateLimited { .. } => "rate_limited",
            ClientError::NotFound { .. } => "not_found",
            ClientError::Server { .. } => "server_error",
            ClientError::Http { .. } => "http_error",
            ClientError::Malformed { .. } | ClientError::GraphQl { .. } => "malformed_response",
        }
    }

    /// How long upstream asked us to wait before trying again, if it said.
    pub fn requested_wait(&self, now: DateTime<Utc>) -> Option<Duration> {
        match self {
            ClientError::RateLimited {
                retry_after: Some(wait),
                ..
            } => Some(*wait),
            ClientError::RateLimited {
                reset_at: Some(at), ..
            } => Some(
                at.signed_duration_since(now)
                    .to_std()
                    .unwrap_or(Duration::ZERO),
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        let now = Utc::now();
        let reset = ClientError::RateLimited {
            endpoint: "GET /agents/tasks".into(),
            status: 403,
            reset_at: Some(now + TimeDelta::seconds(90)),
            retry_after: None,
        };
        assert_eq!(reset.requested_wait(now), Some(Duration::from_secs(90)));
        assert!(reset.to_string().contains("resets at"));
        let retry = ClientError::RateLimited {
            endpoint: "GET /agents/tasks".into(),
            status: 429,
            reset_at: Some(now + TimeDelta::seconds(90)),
            retry_after: Some(Duration::from_secs(7)),
        };
        assert_eq!(retry.requested_wait(now), Some(Duration::from_secs(7)));
        let past = ClientError::RateLimited {
            endpoint: "x".into(),
            status: 403,
            reset_at: Some(now - TimeDelta::seconds(5)),
            retry_after: None,
        };
        assert_eq!(past.requested_wait(now), Some(Duration::ZERO));
        let server = ClientError::Server {
            endpoint: "x".into(),
            status: 502,
        };
        assert_eq!(server.requested_wait(now), None);
        assert_eq!(server.code(), "server_error");
    }
}
