//! The recent requests the simulator served, for tests that check what a client sent (which
//! routes, in what order, with which `Copilot-Integration-Id`): `GET /_sim/requests`.

use std::collections::VecDeque;

use serde::Serialize;

/// How many requests are kept; older ones are dropped first.
pub(crate) const KEPT_REQUESTS: usize = 10_000;

/// One request as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct RecordedRequest {
    /// The route name (see `ROUTE_NAMES`), or `unknown`.
    pub route: String,
    pub method: String,
    /// The request target: path and query.
    pub path: String,
    /// Milliseconds since the simulator started, on a monotonic clock.
    pub at_ms: u64,
    /// The `Copilot-Integration-Id` header, or null when the request had none.
    pub copilot_integration_id: Option<String>,
    /// The JSON body of a request that carries one (starting a task), so tests can check what
    /// a client asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

/// A bounded ring of the most recent requests.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    requests: VecDeque<RecordedRequest>,
}

impl RequestLog {
    pub fn record(&mut self, request: RecordedRequest) {
        if self.requests.len() == KEPT_REQUESTS {
            self.requests.pop_front();
        }
        self.requests.push_back(request);
    }

    /// Oldest first.
    pub fn recent(&self) -> impl Iterator<Item = &RecordedRequest> {
        self.requests.iter()
    }

    pub fn clear(&mut self) {
        self.requests.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(at_ms: u64) -> RecordedRequest {
        RecordedRequest {
            route: "tasks".into(),
            method: "GET".into(),
            path: "/agents/tasks".into(),
            at_ms,
            copilot_integration_id: None,
            body: None,
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_requests() {
        let mut log = RequestLog::default();
        for at in 0..(KEPT_REQUESTS as u64 + 5) {
            log.record(request(at));
        }
        let kept: Vec<u64> = log.recent().map(|r| r.at_ms).collect();
        assert_eq!(kept.len(), KEPT_REQUESTS);
        assert_eq!(kept[0], 5);
        assert_eq!(kept.last(), Some(&(KEPT_REQUESTS as u64 + 4)));
        log.clear();
        assert_eq!(log.recent().count(), 0);
    }
}
