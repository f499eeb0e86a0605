//! Reliability: every simulator fault kind × (first load, steady state, log follow) against a
//! real core and its loopback API. In each case the process keeps running, the last good
//! snapshot is still served by `GET /v1/tasks`, `/v1/health` names the fault, and health is
//! `ok` again once the fault clears.
//!
//! A 401 is injected on the Copilot API's `session` route only: a REST 401 signs the user out,
//! which `tests/auth.rs` and `tests/poller.rs` cover. That refusal never fails the task list, so
//! health names it in `sessions_unavailable` instead of `last_error`.

mod common;

use agentbar::sim::Scenario;
use common::{Harness, start_sim};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The client's request timeout in these tests; the `timeout` fault holds requests longer.
const CLIENT_TIMEOUT: &str = "request_timeout_seconds = 0.5\n";

#[derive(Clone, Copy, Debug)]
enum Phase {
    FirstLoad,
    SteadyState,
    LogFollow,
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    Status503,
    Timeout,
    SessionUnauthorized,
    RateLimit403,
    RateLimit429,
    MalformedJson,
    Truncated,
}

impl Fault {
    fn body(self) -> Value {
        match self {
            Fault::Status503 => json!({"kind": "status", "status": 503}),
            Fault::Timeout => json!({"kind": "timeout", "ms": 2000}),
            Fault::SessionUnauthorized => json!({"kind": "unauthorized", "route": "session"}),
            // A reset one second away, so recovery does not wait a real minute.
            Fault::RateLimit403 => {
                json!({"kind": "rate_limit", "status": 403, "reset_after_seconds": 1})
            }
            Fault::RateLimit429 => json!({"kind": "rate_limit", "status": 429,
                "reset_after_seconds": 1, "retry_after": true}),
            Fault::MalformedJson => json!({"kind": "malformed_json"}),
            Fault::Truncated => json!({"kind": "truncated"}),
        }
    }

    /// The `last_error.code` health must show; `None` for a fault health reports elsewhere.
    fn code(self) -> Option<&'static str> {
        match self {
            Fault::Status503 => Some("server_error"),
            Fault::Timeout => Some("timeout"),
            Fault::SessionUnauthorized => None,
            Fault::RateLimit403 | Fault::RateLimit429 => Some("rate_limited"),
            Fault::MalformedJson | Fault::Truncated => Some("malformed_response"),
        }
    }

    /// Corruptions only touch 200 answers, and the session route is only asked when a task
    /// changes: these need upstream to have news while the fault is on.
    fn needs_news(self) -> bool {
        matches!(
            self,
            Fault::MalformedJson | Fault::Truncated | Fault::SessionUnauthorized
        )
    }
}

async fn get(h: &Harness, path: &str) -> (u16, Value) {
    let response = h.request(Method::GET, path).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("GET {path} answered {status} with no JSON ({e}): {text}"));
    (status, body)
}

/// Waits until `/v1/health` satisfies `check`; panics with the last health after `what`.
async fn wait_for_health(h: &Harness, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, health) = get(h, "/v1/health").await;
        assert_eq!(status, 200, "{health}");
        if check(&health) {
            return health;
        }
        assert!(Instant::now() < deadline, "{what}: health stayed {health}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn names_fault(health: &Value, fault: Fault) -> bool {
    match fault.code() {
        Some(code) => health["last_error"]["code"] == code && health["status"] != "ok",
        None => health["sessions_unavailable"].is_string(),
    }
}

/// (id, state) of every task served, to compare snapshots.
fn task_states(list: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = list["tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("no tasks array: {list}"))
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

async fn run_case(fault: Fault, phase: Phase) {
    let sim = start_sim(Scenario::builtin()).await;
    if let Phase::FirstLoad = phase {
        sim.fault(fault.body()).await;
    }
    let h = Harness::start_unloaded(sim, CLIENT_TIMEOUT).await;
    let case = format!("{fault:?} during {phase:?}");

    let mut followed = None;
    if let Phase::FirstLoad = phase {
        let health = wait_for_health(&h, &case, |health| names_fault(health, fault)).await;
        // Nothing good was ever loaded: the list answers, empty or with what the session
        // refusal left out, but it answers.
        let (status, list) = get(&h, "/v1/tasks").await;
        assert_eq!(status, 200, "{case}: {list}");
        if fault.code().is_some() {
            assert!(task_states(&list).is_empty(), "{case}: {list} / {health}");
        }
    } else {
        h.wait_until_loaded().await;
        let (_, list) = get(&h, "/v1/tasks").await;
        let before = task_states(&list);
        assert!(!before.is_empty(), "{case}: nothing loaded");
        if let Phase::LogFollow = phase {
            let id = list["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["state"] == "in_progress")
                .or_else(|| list["tasks"].as_array().unwrap().first())
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let (status, page) = get(&h, &format!("/v1/tasks/{id}/logs")).await;
            assert_eq!(status, 200, "{case}: {page}");
            followed = Some(id);
        }
        h.sim.fault(fault.body()).await;
        if fault.needs_news() {
            h.sim.advance(40.0).await;
        }
        if let Some(id) = &followed {
            // The follower asks upstream again: whatever upstream does, the answer is a page
            // or an error in the API's own shape, never a dropped connection.
            let (status, page) = get(&h, &format!("/v1/tasks/{id}/logs")).await;
            assert!(
                status == 200 || page["error"]["code"].is_string(),
                "{case}: {status} {page}"
            );
        }
        wait_for_health(&h, &case, |health| names_fault(health, fault)).await;
        let (status, list) = get(&h, "/v1/tasks").await;
        assert_eq!(status, 200, "{case}: {list}");
        if fault.code().is_some() {
            // The poll failed, so the last good snapshot is what is served.
            assert_eq!(task_states(&list), before, "{case}: the snapshot changed");
        } else {
            assert!(!task_states(&list).is_empty(), "{case}: {list}");
        }
    }

    // The process is still here and recovers once upstream behaves.
    assert!(!h.core.as_ref().unwrap().cancel.is_cancelled(), "{case}");
    h.sim.clear_faults().await;
    if fault.code().is_none() {
        // The Copilot API is asked again only when a task changes.
        h.sim.advance(40.0).await;
    }
    wait_for_health(&h, &format!("{case}, after clearing"), |health| {
        health["status"] == "ok" && health["sessions_unavailable"].is_null()
    })
    .await;
    let (status, list) = get(&h, "/v1/tasks").await;
    assert_eq!(status, 200);
    assert!(!task_states(&list).is_empty(), "{case}: {list}");
    if let Some(id) = &followed {
        let (status, page) = get(&h, &format!("/v1/tasks/{id}/logs")).await;
        assert_eq!(status, 200, "{case}, after clearing: {page}");
    }
    h.stop().await;
}

macro_rules! matrix {
    ($($name:ident: $fault:ident, $phase:ident;)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                run_case(Fault::$fault, Phase::$phase).await;
            }
        )*
    };
}

matrix! {
    status_503_on_first_load: Status503, FirstLoad;
    status_503_in_steady_state: Status503, SteadyState;
    status_503_while_following_a_log: Status503, LogFollow;
    timeout_on_first_load: Timeout, FirstLoad;
    timeout_in_steady_state: Timeout, SteadyState;
    timeout_while_following_a_log: Timeout, LogFollow;
    session_401_on_first_load: SessionUnauthorized, FirstLoad;
    session_401_in_steady_state: SessionUnauthorized, SteadyState;
    session_401_while_following_a_log: SessionUnauthorized, LogFollow;
    rate_limit_403_on_first_load: RateLimit403, FirstLoad;
    rate_limit_403_in_steady_state: RateLimit403, SteadyState;
    rate_limit_403_while_following_a_log: RateLimit403, LogFollow;
    rate_limit_429_on_first_load: RateLimit429, FirstLoad;
    rate_limit_429_in_steady_state: RateLimit429, SteadyState;
    rate_limit_429_while_following_a_log: RateLimit429, LogFollow;
    malformed_json_on_first_load: MalformedJson, FirstLoad;
    malformed_json_in_steady_state: MalformedJson, SteadyState;
    malformed_json_while_following_a_log: MalformedJson, LogFollow;
    truncated_on_first_load: Truncated, FirstLoad;
    truncated_in_steady_state: Truncated, SteadyState;
    truncated_while_following_a_log: Truncated, LogFollow;
}
