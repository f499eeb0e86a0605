//! A real core and its loopback API over the simulator, for the API and reliability tests.

use super::{Api, SimServer, start_sim};
use agentbar::app::{Core, Upstream};
use agentbar::config::{Config, Overrides};
use agentbar::github::Token;
use agentbar::server::{self, Endpoint};
use agentbar::sim::Scenario;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;

pub struct Harness {
    pub sim: SimServer,
    pub core: Option<Core>,
    pub endpoint: Endpoint,
    pub http: reqwest::Client,
    pub state: tempfile::TempDir,
}

impl Harness {
    /// The built-in scenario, polled every 0.2 s, loaded before it returns.
    pub async fn start() -> Harness {
        let harness = Harness::start_unloaded(start_sim(Scenario::builtin()).await, "").await;
        harness.wait_until_loaded().await;
        harness
    }

    /// A core and its API over `sim`, polling every 0.2 s, with `extra_poll_settings` (lines
    /// of the config file's `[poll]` section) added; returns without waiting for a first poll.
    pub async fn start_unloaded(sim: SimServer, extra_poll_settings: &str) -> Harness {
        let state = tempfile::tempdir().unwrap();
        std::fs::write(
            state.path().join("config.toml"),
            format!(
                "[poll]\nfast_seconds = 0.2\nslow_seconds = 0.2\nbackoff_base_seconds = 0.1\n\
                 {extra_poll_settings}"
            ),
        )
        .unwrap();
        let overrides = Overrides {
            config_dir: Some(state.path().to_owned()),
            state_dir: Some(state.path().join("state")),
            api_url: Some(sim.base.clone()),
            web_url: Some(format!("{}/web", sim.base)),
            port: Some(0),
            // The core's own sources only: never the local agents of whoever runs the tests.
            local: Some(false),
            ..Overrides::default()
        };
        let config = Config::load(&overrides, Token::new("test-token")).unwrap();
        let listener = server::bind(0).await.unwrap();
        let core = Core::start(&config, Upstream::GitHub).await.unwrap();
        let endpoint = server::start(&core, listener, config.api_limits.clone(), None).unwrap();
        Harness {
            sim,
            core: Some(core),
            endpoint,
            http: reqwest::Client::new(),
            state,
        }
    }

    pub fn state_dir(&self) -> std::path::PathBuf {
        self.state.path().join("state")
    }

    /// The loopback API client for this core (the one the tests that start a core themselves
    /// use).
    pub fn api(&self) -> Api {
        Api {
            http: self.http.clone(),
            endpoint: self.endpoint.clone(),
        }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.api().request(method, path)
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        self.api().get_json(path).await
    }

    /// `POST /v1/tasks/{task}/actions/{action}`, with `body` as JSON when given: the status and
    /// the answer (null when it is not JSON).
    pub async fn act(&self, task: &str, action: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.request(Method::POST, &format!("/v1/tasks/{task}/actions/{action}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `agentbar ARGS`, the real binary, on this core's state directory; run off the async
    /// workers, so the core keeps answering it.
    pub async fn cli(&self, args: &[&str]) -> std::process::Output {
        let state = self.state_dir();
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            super::agentbar(&state, &args).output().unwrap()
        })
        .await
        .unwrap()
    }

    pub async fn wait_until_loaded(&self) {
        for _ in 0..100 {
            let (_, health) = self.get_json("/v1/health").await;
            if health["status"] == "ok" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the first poll never succeeded");
    }

    pub async fn stop(mut self) {
        if let Some(core) = self.core.take() {
            core.shutdown().await;
        }
    }
}
