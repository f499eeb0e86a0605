//! Shared set-up for the integration tests: the simulator on a real loopback port, a client
//! pointed at it, and helpers for its control routes.
#![allow(dead_code)] // each test binary uses its own subset

mod api;
mod demo;
mod harness;
#[allow(unused_imports)] // only some test binaries start a core of their own
pub use api::Api;
#[allow(unused_imports)] // only some test binaries start the binary
pub use demo::*;
#[allow(unused_imports)] // only some test binaries start a core
pub use harness::Harness;

use agentbar::github::{ClientOptions, Endpoints, GitHubClient, Token};
use agentbar::sim::{Scenario, SimOptions, Simulator};
use serde_json::Value;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub struct SimServer {
    pub base: String,
    http: reqwest::Client,
    stop: CancellationToken,
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts the simulator with its clock frozen (tests move it with [`SimServer::advance`]).
pub async fn start_sim(scenario: Scenario) -> SimServer {
    start_sim_at_speed(scenario, 0.0).await
}

/// Starts the simulator with its clock running at `speed` sim seconds per real second.
pub async fn start_sim_at_speed(scenario: Scenario, speed: f64) -> SimServer {
    start_sim_with(
        scenario,
        SimOptions {
            speed,
            ..SimOptions::default()
        },
    )
    .await
}

/// Two users' tokens, for the tests of several accounts.
pub const ALICE_TOKEN: &str = "gho_alice000000000000000000000000000000";
pub const BOB_TOKEN: &str = "gho_bob00000000000000000000000000000000";

/// A simulator of the built-in world whose viewer is `login` and which accepts only `token`
/// (one account's GitHub).
pub async fn sim_for(login: &str, token: &str) -> SimServer {
    let mut scenario = Scenario::builtin();
    scenario.viewer.login = login.to_owned();
    start_sim_with(
        scenario,
        SimOptions {
            accepted_tokens: Some(vec![token.to_owned()]),
            ..SimOptions::default()
        },
    )
    .await
}

/// Starts the simulator with these options (e.g. only some tokens accepted).
pub async fn start_sim_with(scenario: Scenario, options: SimOptions) -> SimServer {
    let stop = CancellationToken::new();
    let shutdown = stop.clone();
    let served =
        agentbar::sim::spawn_on_loopback(Simulator::new(scenario, options), 0, async move {
            shutdown.cancelled().await
        })
        .await
        .unwrap();
    SimServer {
        base: served.base,
        http: reqwest::Client::new(),
        stop,
    }
}

impl SimServer {
    /// `agentbar run --headless` on `state` (see [`agentbar`]), pointed at this simulator with a
    /// token of its own and no keychain.
    pub fn run_headless(&self, state: &std::path::Path) -> std::process::Command {
        let mut command = agentbar(state, &["run", "--headless"]);
        command
            .env("AGENTBAR_GITHUB_API_URL", &self.base)
            .env("AGENTBAR_GITHUB_WEB_URL", format!("{}/web", self.base))
            .env("AGENTBAR_TOKEN", "gho_test0000000000000000000000000000000")
            .env("AGENTBAR_NO_KEYCHAIN", "1");
        command
    }

    pub fn endpoints(&self) -> Endpoints {
        Endpoints {
            api: self.base.clone(),
            web: format!("{}/web", self.base),
            copilot_api: None,
        }
    }

    pub fn client(&self) -> GitHubClient {
        self.client_with_timeout(Duration::from_secs(10))
    }

    pub fn client_with_timeout(&self, timeout: Duration) -> GitHubClient {
        GitHubClient::new(
            self.endpoints(),
            Token::new("test-token").unwrap(),
            ClientOptions {
                timeout,
                ..ClientOptions::default()
            },
        )
        .unwrap()
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}/_sim/{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "control {path}: {}",
            response.status()
        );
        let text = response.text().await.unwrap();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// A GitHub REST GET as a client sends it (`path` or a whole URL, e.g. from a `Link`
    /// header): status, headers and the body as JSON (null when it is not JSON).
    pub async fn upstream_get(
        &self,
        url: &str,
    ) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Value) {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.base)
        };
        let response = self
            .http
            .get(&url)
            .bearer_auth("sim-token")
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2026-03-10")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, headers, body)
    }

    /// A GitHub REST POST with a JSON body, as a client sends it: status and the body as JSON.
    pub async fn upstream_post(&self, path: &str, body: &Value) -> (reqwest::StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth("sim-token")
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2026-03-10")
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn stats(&self) -> Value {
        self.control(reqwest::Method::GET, "stats", None).await
    }

    pub async fn reset_stats(&self) {
        self.control(reqwest::Method::POST, "stats/reset", None)
            .await;
    }

    pub async fn fault(&self, fault: Value) {
        self.control(reqwest::Method::POST, "faults", Some(fault))
            .await;
    }

    pub async fn clear_faults(&self) {
        self.control(reqwest::Method::DELETE, "faults", None).await;
    }

    pub async fn advance(&self, seconds: f64) {
        self.control(
            reqwest::Method::POST,
            "clock",
            Some(serde_json::json!({ "advance_seconds": seconds })),
        )
        .await;
    }

    /// The simulator's own view of what the user's list holds now (archived tasks are not
    /// listed by default): (id, state) pairs.
    pub async fn truth(&self) -> Vec<(String, String)> {
        let value = self
            .control(reqwest::Method::GET, "scenario/tasks", None)
            .await;
        let list = value
            .as_array()
            .cloned()
            .or_else(|| value.get("tasks").and_then(Value::as_array).cloned())
            .unwrap_or_default();
        let mut pairs: Vec<(String, String)> = list
            .iter()
            .filter(|t| t["archived"] != Value::Bool(true))
            .map(|t| {
                (
                    t["id"].as_str().unwrap_or_default().to_owned(),
                    t["state"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        pairs.sort();
        pairs
    }
}

/// Requests, bytes and 304s the simulator counted for one route.
pub fn route(stats: &Value, name: &str) -> (u64, u64, u64) {
    let r = &stats["routes"][name];
    (
        r["requests"].as_u64().unwrap_or(0),
        r["bytes"].as_u64().unwrap_or(0),
        r["not_modified"].as_u64().unwrap_or(0),
    )
}

pub fn total(stats: &Value) -> (u64, u64, u64) {
    let r = &stats["total"];
    (
        r["requests"].as_u64().unwrap_or(0),
        r["bytes"].as_u64().unwrap_or(0),
        r["not_modified"].as_u64().unwrap_or(0),
    )
}
