//! GitHub-style rate limit accounting: 5000 requests per hour per resource (`core`, `graphql`).

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) const LIMIT_PER_HOUR: u64 = 5000;

/// The numbers a response reports in its `X-RateLimit-*` headers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RateLimitStatus {
    pub resource: &'static str,
    pub limit: u64,
    pub remaining: u64,
    pub used: u64,
    /// Unix seconds (real time) when the window resets.
    pub reset: u64,
}

#[derive(Debug, Default)]
pub(crate) struct RateLimits {
    windows: HashMap<&'static str, (u64, u64)>,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl RateLimits {
    /// Spends `cost` requests from `resource` (0 to only look) and reports the window.
    pub fn spend(&mut self, resource: &'static str, cost: u64) -> RateLimitStatus {
        self.spend_at(resource, cost, unix_now())
    }

    fn spend_at(&mut self, resource: &'static str, cost: u64, now: u64) -> RateLimitStatus {
        let window = self.windows.entry(resource).or_insert((0, now + 3600));
        if now >= window.1 {
            *window = (0, now + 3600);
        }
        window.0 = (window.0 + cost).min(LIMIT_PER_HOUR);
        RateLimitStatus {
            resource,
            limit: LIMIT_PER_HOUR,
            remaining: LIMIT_PER_HOUR - window.0,
            used: window.0,
            reset: window.1,
        }
    }
}

/// Unix seconds `after` seconds from now, for injected rate-limit resets.
pub(crate) fn unix_seconds_after(after: u64) -> u64 {
    unix_now() + after
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spending_counts_per_resource_and_resets_hourly() {
        let mut limits = RateLimits::default();
        let first = limits.spend_at("core", 1, 1000);
        assert_eq!((first.used, first.remaining, first.reset), (1, 4999, 4600));
        assert_eq!(limits.spend_at("core", 0, 1001).used, 1);
        assert_eq!(limits.spend_at("graphql", 1, 1001).used, 1);
        let after = limits.spend_at("core", 1, 4600);
        assert_eq!((after.used, after.reset), (1, 8200));
    }
}
