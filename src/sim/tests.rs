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
    assert_eq!(list["total_archived_count"], 2);
    let states: Vec<&str> = tasks.iter().filter_map(|t| t["state"].as_str()).collect();
    assert!(
        states.contains(&"in_progress") && states.contains(&"waiting_for_user"),
        "{states:?}"
    );
    assert!(
        tasks[0]["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/agents/repos/", sim.base))
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

    // Task detail with sessions; the repository (`{id}` only) resolves through
    // /repositories/{id}.
    let all = sim.json("/agents/tasks?per_page=100").await;
    let thin = all["tasks"][0].clone();
    assert_eq!(thin["repository"].as_object().unwrap().len(), 1);
    let repository = sim
        .json(&format!("/repositories/{}", thin["repository"]["id"]))
        .await;
    assert!(repository["full_name"].as_str().unwrap().contains('/'));
    let running_id = "b1a7c0de-0001-4000-8000-00000000a001";
    let detail = sim.json(&format!("/agents/tasks/{running_id}")).await;
    assert_eq!(detail["sessions"][0]["state"], "in_progress");
    assert!(
        detail["html_url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/web/", sim.base))
    );
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

/// Node ids as GitHub computes them, written out here from the documented recipe (so that a
/// change to the simulator's encoder cannot pass by agreeing with itself).
fn documented_node_id(prefix: &str, values: &[u64]) -> String {
    use base64::Engine as _;
    let mut bytes = vec![0x90 | values.len() as u8];
    for value in values {
        match *value {
            v if v < 128 => bytes.push(v as u8),
            v if v <= 0xff => bytes.extend([0xcc, v as u8]),
            v if v <= 0xffff => {
                bytes.push(0xcd);
                bytes.extend((v as u16).to_be_bytes());
            }
            v if v <= 0xffff_ffff => {
                bytes.push(0xce);
                bytes.extend((v as u32).to_be_bytes());
            }
            v => {
                bytes.push(0xcf);
                bytes.extend(v.to_be_bytes());
            }
        }
    }
    format!(
        "{prefix}_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

#[tokio::test]
async fn thin_objects_resolve_through_user_repositories_and_computed_node_ids() {
    let sim = Running::start(Scenario::builtin(), frozen()).await;

    // The viewer, with the token's scopes in a header.
    let response = sim.get("/user").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["x-oauth-scopes"],
        "repo, read:org, workflow"
    );
    let viewer: Value = response.json().await.unwrap();
    assert_eq!(viewer["login"], "sim-user");
    assert_eq!(viewer["node_id"], "U_kgDOAAjmPw");

    let mut tasks: Vec<Value> = Vec::new();
    for archived in ["false", "true"] {
        let list = sim
            .json(&format!(
                "/agents/tasks?per_page=100&is_archived={archived}"
            ))
            .await;
        tasks.extend(list["tasks"].as_array().unwrap().iter().cloned());
    }
    let (mut with_global_id, mut computed, mut branches, mut teammates) = (0, 0, 0, 0);
    let mut repository_names = std::collections::HashMap::new();
    let mut pull_ids = Vec::new();
    for task in &tasks {
        assert!(task.get("status").is_none() && task.get("agent_collaborators").is_none());
        for thin in ["creator", "owner", "repository"] {
            assert_eq!(task[thin].as_object().unwrap().len(), 1, "{thin}: {task}");
        }
        let creator = task["creator"]["id"].as_u64().unwrap();
        let account = sim.json(&format!("/user/{creator}")).await;
        assert_eq!(account["id"], creator);
        if creator != 583_231 {
            teammates += 1;
            assert_eq!(task["user_collaborators"], json!([{"id": 583_231}]));
        }
        let owner = sim.json(&format!("/user/{}", task["owner"]["id"])).await;
        assert!(owner["login"].is_string());
        let repository_id = task["repository"]["id"].as_u64().unwrap();
        let repository = sim.json(&format!("/repositories/{repository_id}")).await;
        assert_eq!(repository["owner"]["login"], owner["login"]);
        repository_names.insert(repository_id, repository["full_name"].clone());
        for artifact in task["artifacts"].as_array().unwrap() {
            assert_eq!(artifact["provider"], "github");
            match artifact["type"].as_str().unwrap() {
                "pull" => {
                    let id = artifact["data"]["id"].as_u64().unwrap();
                    let expected = documented_node_id("PR", &[0, repository_id, id]);
                    match artifact["data"]["global_id"].as_str() {
                        Some(global) => {
                            assert_eq!(global, expected);
                            with_global_id += 1;
                        }
                        None => computed += 1,
                    }
                    pull_ids.push((expected, repository_id));
                }
                "branch" => {
                    assert!(artifact["data"]["head_ref"].is_string());
                    assert_eq!(artifact["data"]["base_ref"], "main");
                    branches += 1;
                }
                other => panic!("unexpected artifact type {other}"),
            }
        }
    }
    assert!(
        with_global_id > 0 && computed > 0,
        "{with_global_id} {computed}"
    );
    assert!(branches > 0 && teammates > 0, "{branches} {teammates}");
    assert!(tasks.iter().any(|t| t["name"].is_null()));
    assert!(tasks.iter().any(|t| t["state"] == "stopped"));
    assert!(tasks.iter().any(|t| t["custom_agent"]["id"].is_string()));
    // Organizations resolve as accounts too.
    let organization = sim
        .json(&format!("/user/{}", tasks[0]["owner"]["id"]))
        .await;
    assert!(organization["type"] == "Organization" || organization["type"] == "User");
    assert_eq!(
        sim.get("/user/1").send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // GraphQL resolves every computed PR id and the users' ids; a deleted PR is a null node
    // with an error while the rest of the answer stands.
    let mut ids: Vec<String> = pull_ids.iter().map(|(id, _)| id.clone()).collect();
    ids.push(documented_node_id("U", &[0, 583_231]));
    ids.push(documented_node_id("U", &[0, 1_024_025]));
    let answer: Value = sim
        .post(
            "/graphql",
            json!({"query": "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }", "variables": {"ids": ids}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let nodes = answer["data"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), ids.len());
    let errors = answer["errors"].as_array().map_or(0, Vec::len);
    assert_eq!(errors, 1, "only the deleted PR is missing: {answer}");
    for (node, (_, repository_id)) in nodes.iter().zip(&pull_ids) {
        if node.is_null() {
            continue;
        }
        assert_eq!(node["__typename"], "PullRequest");
        assert_eq!(
            node["repository"]["nameWithOwner"],
            repository_names[repository_id]
        );
    }
    let users = &nodes[nodes.len() - 2..];
    assert_eq!(users[0]["login"], "sim-user");
    assert_eq!(users[1]["login"], "mona-dev");
    assert_eq!(users[1]["databaseId"], 1_024_025);
    sim.stop().await;
}

#[tokio::test]
async fn rest_sessions_carry_usage_and_thin_errors_and_capi_keeps_its_shapes() {
    let sim = Running::start(Scenario::builtin(), frozen()).await;
    let mut kinds = std::collections::HashSet::new();
    for archived in ["false", "true"] {
        let list = sim
            .json(&format!(
                "/agents/tasks?per_page=100&is_archived={archived}"
            ))
            .await;
        for task in list["tasks"].as_array().unwrap() {
            let detail = sim
                .json(&format!("/agents/tasks/{}", task["id"].as_str().unwrap()))
                .await;
            assert!(detail["html_url"].is_string());
            for session in detail["sessions"].as_array().unwrap() {
                assert!(session.get("workflow_run_id").is_none());
                assert_eq!(session["user"], detail["creator"]);
                let usage = &session["usage"];
                match usage["type"].as_str().unwrap() {
                    "ai_credits" => assert!(usage["amount"].as_u64().unwrap() > 1_000_000_000),
                    "premium_requests" => assert!(usage["amount"].as_f64().unwrap() > 0.0),
                    other => panic!("usage type {other}"),
                }
                kinds.insert(usage["type"].as_str().unwrap().to_owned());
                if !session["error"].is_null() {
                    assert_eq!(session["error"].as_object().unwrap().len(), 1);
                    assert!(session["error"]["message"].is_string());
                }
            }
        }
    }
    assert_eq!(kinds.len(), 2, "{kinds:?}");

    // The Copilot API's copy of the list: `type: "pull"` inside `data`, `status`, the agent.
    let capi = sim
        .json("/copilot/agents/tasks?sort=updated_at&direction=desc")
        .await;
    assert!(capi["has_next_page"].is_boolean());
    let first = &capi["tasks"][0];
    assert!(first["status"].is_string());
    assert!(first["agent_collaborators"].is_array());
    assert!(
        capi["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["artifacts"][0]["data"]["type"] == "pull")
    );
    // CAPI session objects: `resource_global_id` sometimes absent, errors in either shape.
    let sessions = sim
        .json("/copilot/agents/sessions?page_size=100&page_number=1")
        .await;
    let sessions = sessions["sessions"].as_array().unwrap();
    assert!(
        sessions
            .iter()
            .any(|s| s.get("resource_global_id").is_some())
    );
    assert!(
        sessions
            .iter()
            .any(|s| s["resource_type"] == "pull" && s.get("resource_global_id").is_none())
    );
    assert!(sessions.iter().all(|s| s["workflow_run_id"].is_u64()));
    sim.stop().await;
}

#[tokio::test]
async fn capi_refuses_unknown_integrations_and_requests_are_recorded() {
    let mut scenario = Scenario::builtin();
    scenario.copilot_integration_ids = vec!["my-tool".into()];
    let sim = Running::start(scenario, frozen()).await;
    let path = "/copilot/agents/sessions?page_size=5&page_number=1";
    let status = |id: Option<&'static str>| {
        let mut request = sim.get(path);
        if let Some(id) = id {
            request = request.header("Copilot-Integration-Id", id);
        }
        async move { request.send().await.unwrap() }
    };
    let refused = status(Some("agentbar")).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.text().await.unwrap().trim(),
        "bad request: unknown integration"
    );
    for id in [
        None,
        Some("copilot-4-cli"),
        Some("copilot-raycast"),
        Some("my-tool"),
    ] {
        assert_eq!(status(id).await.status(), StatusCode::OK, "{id:?}");
    }
    // REST does not care about the header.
    let rest = sim
        .get("/agents/tasks")
        .header("Copilot-Integration-Id", "agentbar")
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), StatusCode::OK);
    sim.get("/nowhere").send().await.unwrap();

    let recorded = sim.json("/_sim/requests").await;
    let requests = recorded["requests"].as_array().unwrap();
    let fields: Vec<_> = requests
        .iter()
        .map(|r| {
            (
                r["route"].as_str().unwrap(),
                r["copilot_integration_id"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("sessions", Some("agentbar")),
            ("sessions", None),
            ("sessions", Some("copilot-4-cli")),
            ("sessions", Some("copilot-raycast")),
            ("sessions", Some("my-tool")),
            ("tasks", Some("agentbar")),
            ("unknown", None),
        ]
    );
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(requests[0]["path"], path);
    assert!(requests[0]["copilot_integration_id"].is_string());
    assert!(requests[1]["copilot_integration_id"].is_null());
    let times: Vec<u64> = requests
        .iter()
        .map(|r| r["at_ms"].as_u64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let clear = sim
        .client
        .delete(format!("{}/_sim/requests", sim.base))
        .send()
        .await
        .unwrap();
    assert_eq!(clear.status(), StatusCode::NO_CONTENT);
    assert_eq!(sim.json("/_sim/requests").await["requests"], json!([]));
    sim.stop().await;
}

#[tokio::test]
async fn a_session_fault_fails_that_session_forever_and_nothing_else() {
    let sim = Running::start(Scenario::builtin(), frozen()).await;
    let scenario_tasks = sim.json("/_sim/scenario/tasks").await;
    let task = scenario_tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["pull_database_id"].is_u64() && t["sessions"].as_array().unwrap().len() == 1)
        .unwrap()
        .clone();
    let broken = task["sessions"][0]["id"].as_str().unwrap().to_owned();
    let fault = sim
        .client
        .post(format!("{}/_sim/faults", sim.base))
        .json(&json!({"kind": "status", "status": 500, "route": "session", "session": broken}))
        .send()
        .await
        .unwrap();
    assert_eq!(fault.status(), StatusCode::CREATED);
    let everywhere = sim
        .client
        .post(format!("{}/_sim/faults", sim.base))
        .json(&json!({"kind": "status", "status": 502, "session": broken}))
        .send()
        .await
        .unwrap();
    assert_eq!(everywhere.status(), StatusCode::CREATED);

    for _ in 0..3 {
        let answer = sim
            .get(&format!("/copilot/agents/sessions/{broken}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
    let logs = sim
        .get(&format!("/copilot/agents/sessions/{broken}/logs"))
        .send()
        .await
        .unwrap();
    assert_eq!(logs.status(), StatusCode::BAD_GATEWAY);
    let pull = sim
        .get(&format!(
            "/copilot/agents/resource/pull/{}",
            task["pull_database_id"]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(pull.status(), StatusCode::BAD_GATEWAY);

    // Other sessions and the REST list are untouched.
    let other = scenario_tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] != task["id"])
        .unwrap();
    let other_session = other["sessions"][0]["id"].as_str().unwrap();
    sim.json(&format!("/copilot/agents/sessions/{other_session}"))
        .await;
    let other_logs = sim
        .get(&format!("/copilot/agents/sessions/{other_session}/logs"))
        .send()
        .await
        .unwrap();
    assert_eq!(other_logs.status(), StatusCode::OK);
    sim.json("/agents/tasks?per_page=100").await;
    sim.json(&format!("/agents/tasks/{}", task["id"].as_str().unwrap()))
        .await;
    sim.stop().await;
}
