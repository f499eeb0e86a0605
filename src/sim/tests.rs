//! End-to-end tests of the simulator over real loopback HTTP.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

struct Running {
    base: String,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    async fn start(scenario: Scenario, options: SimOptions) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let sim = Simulator::new(scenario, options);
        let server = tokio::spawn(serve(listener, sim, async {
            let _ = stopped.await;
        }));
        Running {
            base,
            client: reqwest::Client::new(),
            stop: Some(stop),
            server,
        }
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth("sim-token")
    }

    fn post(&self, path: &str, body: Value) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth("sim-token")
            .json(&body)
    }

    async fn json(&self, path: &str) -> Value {
        let response = self.get(path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.server.await.unwrap().unwrap();
    }
}

fn frozen() -> SimOptions {
    SimOptions {
        speed: 0.0,
        ..SimOptions::default()
    }
}

#[tokio::test]
async fn rest_capi_graphql_and_control_routes_work_together() {
    let sim = Running::start(Scenario::builtin(), frozen()).await;

    // Auth is required on upstream routes and control routes need none.
    let anonymous = sim
        .client
        .get(format!("{}/agents/tasks", sim.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["message"], "Bad credentials");

    // The list: states at t=0, URLs pointing back here, rate limit headers and an ETag.
    let response = sim.get("/agents/tasks?per_page=5").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["x-ratelimit-resource"], "core");
    assert_eq!(headers["x-ratelimit-remaining"], "4998");
    let link = headers["link"].to_str().unwrap();
    assert!(
        link.contains("rel=\"next\"") && link.contains(&sim.base),
        "{link}"
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let list: Value = response.json().await.unwrap();
    let tasks = list["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 5);
    assert!(list["total_active_count"].as_u64().unwrap() > 5);
    assert_eq!(list["total_archived_count"], 1);
    let states: Vec<&str> = tasks.iter().filter_map(|t| t["state"].as_str()).collect();
    assert!(
        states.contains(&"in_progress") && states.contains(&"waiting_for_user"),
        "{states:?}"
    );
    assert!(
        tasks[0]["html_url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/web/", sim.base))
    );

    // A conditional request is answered 304 without a body and without spending quota.
    let again = sim
        .get("/agents/tasks?per_page=5")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["x-ratelimit-remaining"], "4998");
    assert!(again.bytes().await.unwrap().is_empty());

    // Task detail with sessions; the thin repository resolves through /repositories/{id}.
    let all = sim.json("/agents/tasks?per_page=100").await;
    let thin = all["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["repository"].get("full_name").is_none())
        .unwrap()
        .clone();
    let repository = sim
        .json(&format!("/repositories/{}", thin["repository"]["id"]))
        .await;
    assert!(repository["full_name"].as_str().unwrap().contains('/'));
    let running_id = "b1a7c0de-0001-4000-8000-00000000a001";
    let detail = sim.json(&format!("/agents/tasks/{running_id}")).await;
    assert_eq!(detail["sessions"][0]["state"], "in_progress");
    let missing = sim.get("/agents/tasks/nope").send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // GraphQL: the CAPI endpoint, and nodes with a deleted PR among them.
    let endpoints: Value = sim
        .post(
            "/graphql",
            json!({"query": "query { viewer { login copilotEndpoints { api } } }"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let capi = endpoints["data"]["viewer"]["copilotEndpoints"]["api"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(capi, format!("{}/copilot", sim.base));
    let pull_id = detail["artifacts"][0]["data"]["global_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let nodes: Value = sim
        .post(
            "/graphql",
            json!({"query": "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }", "variables": {"ids": [pull_id, "PR_gone"]}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(nodes["data"]["nodes"][0]["__typename"], "PullRequest");
    assert_eq!(
        nodes["data"]["nodes"][0]["fullDatabaseId"],
        detail["artifacts"][0]["data"]["id"].to_string()
    );
    assert!(nodes["data"]["nodes"][1].is_null());
    assert_eq!(nodes["errors"][0]["type"], "NOT_FOUND");
    assert_eq!(nodes["errors"][0]["path"], json!(["nodes", 1]));

    // CAPI sessions and a log that grows as sim time advances.
    let sessions = sim
        .json(&format!("/copilot/agents/sessions?page_size=50&page_number=1&sort=last_updated_at,desc&task_id={running_id}"))
        .await;
    let session = &sessions["sessions"][0];
    assert_eq!(session["resource_type"], "pull");
    assert!(session.get("completed_at").is_none());
    let session_id = session["id"].as_str().unwrap().to_owned();
    let run_id = session["workflow_run_id"].as_u64().unwrap();
    let log_path = format!("/copilot/agents/sessions/{session_id}/logs");
    let early = sim
        .get(&log_path)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let clock: Value = sim
        .client
        .post(format!("{}/_sim/clock", sim.base))
        .json(&json!({"advance_seconds": 60}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["speed"], 0.0);
    let later = sim
        .get(&log_path)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(later.len() > early.len() && later.starts_with(&early));
    assert!(later.starts_with("data: {"));

    // Cancelling the run ends the task; cancelling again is a conflict.
    let cancel = format!("/repos/octo-org/web-app/actions/runs/{run_id}/cancel");
    let response = sim.post(&cancel, json!({})).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let detail = sim.json(&format!("/agents/tasks/{running_id}")).await;
    assert_eq!(detail["state"], "cancelled");
    let response = sim.post(&cancel, json!({})).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let pull_sessions = sim
        .json(&format!(
            "/copilot/agents/resource/pull/{}",
            detail["artifacts"][0]["data"]["id"]
        ))
        .await;
    assert!(pull_sessions["sessions"][0]["completed_at"].is_i64());

    let scenario_tasks = sim.json("/_sim/scenario/tasks").await;
    assert!(
        scenario_tasks
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == running_id && t["state"] == "cancelled")
    );

    // Web pages need no token.
    let page = sim
        .client
        .get(format!(
            "{}/web/octo-org/web-app/tasks/{running_id}",
            sim.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    // Unknown routes fail loudly.
    assert_eq!(
        sim.get("/agents/taskz").send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    let stats = sim.json("/_sim/stats").await;
    assert_eq!(stats["routes"]["tasks"]["requests"], 4);
    assert_eq!(stats["routes"]["tasks"]["not_modified"], 1);
    assert_eq!(stats["routes"]["tasks"]["status"]["401"], 1);
    assert_eq!(stats["routes"]["actions_cancel"]["status"]["409"], 1);
    assert_eq!(stats["cancelled_runs"], json!([run_id]));
    assert!(stats["total"]["bytes"].as_u64().unwrap() > 1000);
    assert!(stats["routes"].get("_sim").is_none());
    sim.stop().await;
}

#[tokio::test]
async fn faults_are_injected_counted_down_and_cleared() {
    let sim = Running::start(
        Scenario::bulk(120, 3),
        SimOptions {
            accepted_tokens: Some(vec!["sim-token".into()]),
            ..frozen()
        },
    )
    .await;
    let control = |path: &str| format!("{}/_sim/{path}", sim.base);

    let wrong_token = sim
        .client
        .get(format!("{}/agents/tasks", sim.base))
        .bearer_auth("other")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_token.status(), StatusCode::UNAUTHORIZED);

    let add = |fault: Value| sim.client.post(control("faults")).json(&fault).send();
    assert_eq!(
        add(json!({"kind": "status", "status": 503, "route": "tasks", "times": 1}))
            .await
            .unwrap()
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        sim.get("/agents/tasks").send().await.unwrap().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        sim.get("/agents/tasks").send().await.unwrap().status(),
        StatusCode::OK
    );

    add(json!({"kind": "rate_limit", "status": 429, "reset_after_seconds": 30, "retry_after": true, "times": 1})).await.unwrap();
    let limited = sim.get("/agents/tasks").send().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(limited.headers()["retry-after"], "30");

    add(json!({"kind": "malformed_json", "times": 1}))
        .await
        .unwrap();
    let malformed = sim.get("/agents/tasks").send().await.unwrap();
    assert_eq!(malformed.status(), StatusCode::OK);
    assert!(serde_json::from_str::<Value>(&malformed.text().await.unwrap()).is_err());

    add(json!({"kind": "truncated", "times": 1})).await.unwrap();
    let truncated = sim
        .get("/agents/tasks")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&truncated).is_err());

    add(json!({"kind": "poll_interval", "seconds": 60, "route": "capi_tasks"}))
        .await
        .unwrap();
    let polled = sim.get("/copilot/agents/tasks").send().await.unwrap();
    assert_eq!(polled.headers()["x-poll-interval"], "60");
    let body: Value = polled.json().await.unwrap();
    assert_eq!(body["has_next_page"], true);

    add(json!({"kind": "timeout", "ms": 50, "route": "session", "times": 1}))
        .await
        .unwrap();
    add(json!({"kind": "latency", "ms": 30, "route": "session", "times": 1}))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let timed_out = sim
        .get("/copilot/agents/sessions/whatever")
        .send()
        .await
        .unwrap();
    assert_eq!(timed_out.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(started.elapsed() >= std::time::Duration::from_millis(80));
    add(json!({"kind": "unauthorized", "route": "session_logs", "times": 1}))
        .await
        .unwrap();
    let refused_logs = sim
        .get("/copilot/agents/sessions/whatever/logs")
        .send()
        .await
        .unwrap();
    assert_eq!(refused_logs.status(), StatusCode::UNAUTHORIZED);

    let listed: Value = sim
        .client
        .get(control("faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["faults"].as_array().unwrap().len(), 1);
    let refused = add(json!({"kind": "unauthorized", "route": "nowhere"}))
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    sim.client.delete(control("faults")).send().await.unwrap();
    assert!(
        sim.get("/copilot/agents/tasks")
            .send()
            .await
            .unwrap()
            .headers()
            .get("x-poll-interval")
            .is_none()
    );

    // Paging through every page finds every active task exactly once.
    let mut seen = Vec::new();
    for page in 1.. {
        let response = sim
            .get(&format!("/agents/tasks?per_page=25&page={page}"))
            .send()
            .await
            .unwrap();
        let more = response
            .headers()
            .get("link")
            .is_some_and(|l| l.to_str().unwrap().contains("rel=\"next\""));
        let body: Value = response.json().await.unwrap();
        seen.extend(
            body["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned()),
        );
        if !more {
            assert_eq!(
                seen.len() as u64,
                body["total_active_count"].as_u64().unwrap()
            );
            break;
        }
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len());

    sim.client
        .post(control("stats/reset"))
        .send()
        .await
        .unwrap();
    let stats: Value = sim
        .client
        .get(control("stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["total"]["requests"], 0);
    sim.stop().await;
}

#[tokio::test]
async fn device_flow_waits_slows_down_and_signs_in_once_approved() {
    let sim = Running::start(
        Scenario::builtin(),
        SimOptions {
            accepted_tokens: Some(vec!["the-token".into()]),
            ..frozen()
        },
    )
    .await;
    let code: Value = sim
        .client
        .post(format!("{}/login/device/code", sim.base))
        .header("Accept", "application/json")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("client_id=x&scope=repo+read%3Aorg+workflow")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device_code = code["device_code"].as_str().unwrap().to_owned();
    assert!(
        code["verification_uri"]
            .as_str()
            .unwrap()
            .starts_with(&sim.base)
    );
    let poll = || {
        sim.client
            .post(format!("{}/login/oauth/access_token", sim.base))
            .header("Accept", "application/json")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!(
                "client_id=x&device_code={device_code}&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"
            ))
            .send()
    };
    let pending = poll().await.unwrap();
    assert_eq!(pending.status(), StatusCode::OK);
    assert_eq!(
        pending.json::<Value>().await.unwrap()["error"],
        "authorization_pending"
    );
    // Polling again at once is too fast: GitHub says slow down, and adds five seconds.
    let hasty: Value = poll().await.unwrap().json().await.unwrap();
    assert_eq!(hasty["error"], "slow_down");
    assert_eq!(hasty["interval"], 6);
    // Without `Accept: application/json` the answer is form-encoded, as GitHub's is.
    let form = sim
        .client
        .post(format!("{}/login/oauth/access_token", sim.base))
        .body(format!("device_code={device_code}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.starts_with("error="), "{form}");
    let approved = sim
        .client
        .post(format!("{}/_sim/device", sim.base))
        .json(&serde_json::json!({"action": "approve"}))
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), StatusCode::OK);
    let granted: Value = poll().await.unwrap().json().await.unwrap();
    assert_eq!(granted["access_token"], "the-token");
    assert_eq!(granted["token_type"], "bearer");
    sim.stop().await;
}
