//! Redaction end to end: the simulator's logs print one secret of each shape redaction knows
//! (bare GitHub tokens of three kinds in prose and reasoning, a bearer header, a password in a
//! URL, an AWS access key id); the real `run --headless` pointed at it must serve none of them
//! over the API (log pages and exports) and `agentbar logs` must print none of them (events and
//! exports), each replaced by its marker.

mod common;

use agentbar::server::Endpoint;
use agentbar::sim::Scenario;
use serde_json::Value;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Each secret the simulator prints, and the marker that must stand in its place.
const SECRETS: [(&str, &str); 6] = [
    (
        "ghp_SimulatedProseToken0123456789abcdefABC",
        "[redacted: github token]",
    ),
    (
        "github_pat_11SIMULATED0FakePat_0123456789abcdefABCDEF",
        "[redacted: github token]",
    ),
    (
        "gho_SimulatedOAuthToken0123456789abcdefAB",
        "[redacted: github token]",
    ),
    (
        "SimulatedBearerValue0123456789abcdef",
        "Authorization: Bearer [redacted: bearer token]",
    ),
    (
        "SimulatedUrlPassw0rd",
        "https://deploy:[redacted: password]@registry.example.com",
    ),
    ("AKIASIMULATEDFAKE000", "[redacted: aws access key]"),
];

struct Headless {
    child: std::process::Child,
    state: tempfile::TempDir,
    endpoint: Endpoint,
    http: reqwest::Client,
}

impl Drop for Headless {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Headless {
    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.endpoint.url))
            .bearer_auth(&self.endpoint.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `agentbar logs ARGS` against this process's API: (success, stdout).
    fn cli_logs(&self, args: &[&str]) -> (bool, String) {
        let mut all = vec!["logs"];
        all.extend_from_slice(args);
        let output = common::agentbar(self.state.path(), &all).output().unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }
}

async fn start_headless(sim: &common::SimServer) -> Headless {
    let state = tempfile::tempdir().unwrap();
    let child = sim
        .run_headless(state.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let endpoint = loop {
        if let Some(endpoint) = Endpoint::read(state.path()) {
            break endpoint;
        }
        assert!(Instant::now() < deadline, "no endpoint.json within 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let headless = Headless {
        child,
        state,
        endpoint,
        http: reqwest::Client::new(),
    };
    loop {
        let (status, list) = headless.get("/v1/tasks").await;
        if status == 200 && list["health"]["status"] == "ok" {
            return headless;
        }
        assert!(Instant::now() < deadline, "never healthy: {status} {list}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every session log the simulator serves for the tasks in `list`, raw.
async fn raw_logs(sim: &common::SimServer, headless: &Headless, list: &Value) -> String {
    let http = reqwest::Client::new();
    let mut raw = String::new();
    for task in list["tasks"].as_array().unwrap() {
        let id = task["id"].as_str().unwrap();
        let (_, detail) = headless.get(&format!("/v1/tasks/{id}")).await;
        for session in detail["sessions"].as_array().unwrap() {
            let session = session["id"].as_str().unwrap();
            let response = http
                .get(format!(
                    "{}/copilot/agents/sessions/{session}/logs",
                    sim.base
                ))
                .bearer_auth("gho_test0000000000000000000000000000000")
                .send()
                .await
                .unwrap();
            if response.status().is_success() {
                raw.push_str(&response.text().await.unwrap());
            }
        }
    }
    raw
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_the_simulators_logs_is_served_or_printed() {
    let sim = common::start_sim(Scenario::builtin()).await;
    // A minute on, the waiting task's session has resumed and written its whole middle part.
    sim.advance(100.0).await;
    let headless = start_headless(&sim).await;
    let (_, list) = headless.get("/v1/tasks").await;

    // The secrets are really there upstream, or this test would prove nothing.
    let raw = raw_logs(&sim, &headless, &list).await;
    for (secret, _) in SECRETS {
        assert!(raw.contains(secret), "the simulator's logs lack {secret}");
    }

    let mut served = String::new();
    let mut printed = String::new();
    for task in list["tasks"].as_array().unwrap() {
        let id = task["id"].as_str().unwrap();
        let (status, page) = headless.get(&format!("/v1/tasks/{id}/logs")).await;
        if status != 200 {
            continue; // a task without a session log (404/409): nothing to leak
        }
        served.push_str(&page.to_string());
        for format in ["markdown", "jsonl"] {
            let response = headless
                .http
                .get(format!(
                    "{}/v1/tasks/{id}/logs?format={format}",
                    headless.endpoint.url
                ))
                .bearer_auth(&headless.endpoint.token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{id} as {format}");
            served.push_str(&response.text().await.unwrap());
        }
        for args in [
            vec![id],
            vec![id, "--json"],
            vec![id, "--raw"],
            vec![id, "--format", "markdown"],
            vec![id, "--format", "jsonl"],
        ] {
            let (ok, out) = headless.cli_logs(&args);
            assert!(ok, "agentbar logs {args:?} failed");
            printed.push_str(&out);
        }
    }
    for (secret, marker) in SECRETS {
        assert!(!served.contains(secret), "the API served {secret}");
        assert!(!printed.contains(secret), "agentbar logs printed {secret}");
        // JSON escapes nothing in these markers, so both forms hold them verbatim.
        assert!(served.contains(marker), "the API shows no {marker:?}");
        assert!(
            printed.contains(marker),
            "agentbar logs shows no {marker:?}"
        );
    }
}
