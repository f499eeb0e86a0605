//! The list routes while signed out, as a launcher sees them over loopback: with nothing known
//! yet, `GET /v1/tasks` and the event stream answer 200 with health `signed_out` and the
//! `no_token` problem (signing in is a state the surfaces show, not a failure to retry), while
//! what must ask GitHub (the archived list, a task's log export) answers 503 `signed_out`; once
//! a list was seen, signing out (a 401, or a restart without a token) keeps serving it, every
//! task marked stale.

mod common;

use agentbar::app::{Core, Upstream};
use agentbar::config::{Config, Overrides};
use agentbar::github::Token;
use agentbar::server;
use agentbar::sim::Scenario;
use common::{Api, SimServer, start_sim};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

impl Api {
    /// Waits (bounded) for `GET /v1/health` to say `status`.
    async fn wait_for_health(&self, status: &str) {
        for _ in 0..300 {
            if self.get_json("/v1/health").await.1["status"] == status {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "health never became {status}: {}",
            self.get_json("/v1/health").await.1
        );
    }

    /// The first event of `GET /v1/events`: its status, and the snapshot event's data.
    async fn first_snapshot(&self) -> (StatusCode, Value) {
        let mut response = self
            .request(Method::GET, "/v1/events")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let mut seen = String::new();
        tokio::time::timeout(Duration::from_secs(10), async {
            while !seen.contains("event: snapshot\ndata: ") || !seen.ends_with("\n\n") {
                let chunk = response.chunk().await.unwrap().unwrap();
                seen.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no snapshot event within 10 s: {seen:?}"));
        let data = seen
            .split("event: snapshot\ndata: ")
            .nth(1)
            .and_then(|rest| rest.lines().next())
            .unwrap();
        (status, serde_json::from_str(data).unwrap())
    }
}

fn config(sim: &SimServer, dir: &Path) -> Config {
    let overrides = Overrides {
        config_dir: Some(dir.to_owned()),
        state_dir: Some(dir.join("state")),
        api_url: Some(sim.base.clone()),
        web_url: Some(format!("{}/web", sim.base)),
        port: Some(0),
        use_keychain: Some(false),
        // Never the local agents of whoever runs the tests.
        local: Some(false),
        ..Overrides::default()
    };
    Config::load(&overrides, None).unwrap()
}

async fn start(config: &Config) -> (Core, Api) {
    let listener = server::bind(0).await.unwrap();
    let core = Core::start(config, Upstream::GitHub).await.unwrap();
    let endpoint = server::start(&core, listener, config.api_limits.clone(), None).unwrap();
    (core, Api::new(endpoint))
}

/// The routes that must ask GitHub: 503 `signed_out` in words.
async fn assert_upstream_routes_refuse(api: &Api, task: &str) {
    for path in [
        "/v1/tasks?archived=true".to_owned(),
        format!("/v1/tasks/{task}/logs?format=markdown"),
    ] {
        let (status, answer) = api.get_json(&path).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {answer}");
        assert_eq!(answer["error"]["code"], "signed_out", "{path}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("signed out"), "{path}: {message}");
    }
}

/// Every list route while signed out: the list with `stale` tasks (or none), health
/// `signed_out`, the counts of what is listed; the same health on the event stream.
async fn assert_signed_out_list(api: &Api, expect_tasks: bool) -> Vec<Value> {
    let (status, list) = api.get_json("/v1/tasks").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["health"]["status"], "signed_out", "{list}");
    let tasks = list["tasks"].as_array().unwrap().clone();
    assert_eq!(!tasks.is_empty(), expect_tasks, "{list}");
    assert!(
        tasks.iter().all(|t| t["stale"] == true),
        "a signed-out account's tasks are its last good state, marked stale: {:?}",
        tasks.iter().map(|t| &t["stale"]).collect::<Vec<_>>()
    );
    let waiting = tasks.iter().filter(|t| t["bucket"] == "waiting").count();
    assert_eq!(list["counts"]["waiting"], waiting, "{list}");

    let (status, filtered) = api.get_json("/v1/tasks?bucket=running").await;
    assert_eq!(status, StatusCode::OK, "{filtered}");
    assert_eq!(filtered["health"]["status"], "signed_out");

    let (status, snapshot) = api.first_snapshot().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(snapshot["health"]["status"], "signed_out", "{snapshot}");
    assert_eq!(snapshot["counts"], list["counts"], "{snapshot}");
    tasks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_out_lists_say_so_and_keep_the_last_list() {
    let sim = start_sim(Scenario::builtin()).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[poll]\nfast_seconds = 0.2\nslow_seconds = 0.2\nbackoff_base_seconds = 0.1\n",
    )
    .unwrap();
    let config = config(&sim, dir.path());

    // Nothing known yet: an empty list that says why, never an error a client would retry.
    let (core, api) = start(&config).await;
    api.wait_for_health("signed_out").await;
    let (_, health) = api.get_json("/v1/health").await;
    assert_eq!(health["last_error"]["code"], "no_token", "{health}");
    assert_signed_out_list(&api, false).await;
    // No task is known, so a log export names the task it cannot find.
    let (status, answer) = api
        .get_json("/v1/tasks/no-such-task/logs?format=markdown")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(answer["error"]["code"], "unknown_task");
    let (status, answer) = api.get_json("/v1/tasks?archived=true").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(answer["error"]["code"], "signed_out");

    // Signed in (the running agent finds the stored token by itself), then GitHub refuses it.
    config
        .credentials()
        .save(&Token::new("test-token").unwrap())
        .unwrap();
    api.wait_for_health("ok").await;
    let (_, live) = api.get_json("/v1/tasks").await;
    let live_ids: Vec<Value> = live["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert!(!live_ids.is_empty());
    sim.fault(json!({"kind": "unauthorized", "route": "tasks"}))
        .await;
    api.wait_for_health("signed_out").await;
    let kept = assert_signed_out_list(&api, true).await;
    let kept_ids: Vec<Value> = kept.iter().map(|t| t["id"].clone()).collect();
    assert_eq!(kept_ids, live_ids, "the last list is kept whole");
    let task = kept[0]["key"].as_str().unwrap().to_owned();
    assert_upstream_routes_refuse(&api, &task).await;
    core.shutdown().await;

    // A restart without a token serves the saved list, stale, the same way.
    config.credentials().forget().unwrap();
    sim.clear_faults().await;
    let (core, api) = start(&config).await;
    api.wait_for_health("signed_out").await;
    let restored = assert_signed_out_list(&api, true).await;
    let restored_ids: Vec<Value> = restored.iter().map(|t| t["id"].clone()).collect();
    assert_eq!(
        restored_ids, live_ids,
        "the saved list is served after a restart"
    );
    assert_upstream_routes_refuse(&api, &task).await;
    core.shutdown().await;
}
