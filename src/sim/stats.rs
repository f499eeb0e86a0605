//! Request counters per route, served at `/_sim/stats` so tests can check how much a client asks.

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct RouteCounters {
    pub requests: u64,
    /// Response body bytes.
    pub bytes: u64,
    pub not_modified: u64,
    /// Requests by status code.
    pub status: BTreeMap<String, u64>,
}

impl RouteCounters {
    fn add(&mut self, other: &RouteCounters) {
        self.requests += other.requests;
        self.bytes += other.bytes;
        self.not_modified += other.not_modified;
        for (status, count) in &other.status {
            *self.status.entry(status.clone()).or_default() += count;
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct StatsBook {
    routes: BTreeMap<String, RouteCounters>,
    cancelled_runs: Vec<u64>,
}

#[derive(Debug, Serialize)]
pub(crate) struct StatsReport {
    pub routes: BTreeMap<String, RouteCounters>,
    pub total: RouteCounters,
    pub cancelled_runs: Vec<u64>,
}

impl StatsBook {
    pub fn record(&mut self, route: &str, status: u16, body_bytes: usize) {
        let counters = self.routes.entry(route.to_owned()).or_default();
        counters.requests += 1;
        counters.bytes += body_bytes as u64;
        if status == 304 {
            counters.not_modified += 1;
        }
        *counters.status.entry(status.to_string()).or_default() += 1;
    }

    pub fn record_cancelled_run(&mut self, run_id: u64) {
        self.cancelled_runs.push(run_id);
    }

    pub fn reset(&mut self) {
        *self = StatsBook::default();
    }

    pub fn report(&self) -> StatsReport {
        let mut total = RouteCounters::default();
        for counters in self.routes.values() {
            total.add(counters);
        }
        StatsReport {
            routes: self.routes.clone(),
            total,
            cancelled_runs: self.cancelled_runs.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_up_routes() {
        let mut book = StatsBook::default();
        book.record("tasks", 200, 100);
        book.record("tasks", 304, 0);
        book.record("session", 200, 50);
        book.record_cancelled_run(9);
        let report = book.report();
        assert_eq!(report.routes["tasks"].requests, 2);
        assert_eq!(report.routes["tasks"].not_modified, 1);
        assert_eq!(report.total.requests, 3);
        assert_eq!(report.total.bytes, 150);
        assert_eq!(report.total.status["200"], 2);
        assert_eq!(report.cancelled_runs, [9]);
        book.reset();
        assert_eq!(book.report().total.requests, 0);
    }
}
