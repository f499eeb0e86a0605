//! The model and custom-agent lists a new task can be started with, over loopback: `GET
//! /v1/models` and `GET /v1/custom-agents?repo=owner/name` against a real core over the
//! simulator (what the Copilot API lists, the request it was sent), guarded like every route,
//! and every failure said in words while the process keeps serving.

mod common;

use common::{Harness, start_sim};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn harness() -> Harness {
    let h = Harness::start_unloaded(start_sim(agentbar::sim::Scenario::builtin()).await, "").await;
    h.wait_until_loaded().await;
    h
}

/// The paths of the upstream requests the simulator recorded for `route`.
async fn requested(h: &Harness, route: &str) -> Vec<String> {
    let recorded = h.sim.control(Method::GET, "requests", None).await;
    recorded["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["route"] == route)
        .filter_map(|r| r["path"].as_str().map(str::to_owned))
        .collect()
}

fn ids(list: &Value, field: &str) -> Vec<String> {
    list[field]
        .as_array()
        .unwrap_or_else(|| panic!("no {field} in {list}"))
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_models_are_the_copilot_apis_picker_models() {
    let h = harness().await;
    let (status, list) = h.get_json("/v1/models").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["schema_version"], 1);
    // The simulator's built-in list, in its order, without the model pickers must not offer.
    assert_eq!(
        ids(&list, "models"),
        ["claude-sonnet-4", "gpt-5", "claude-opus-4.1"]
    );
    assert_eq!(
        list["models"][2],
        json!({"id": "claude-opus-4.1", "name": "Claude Opus 4.1", "vendor": "Anthropic",
               "multiplier": 10.0})
    );
    assert_eq!(
        requested(&h, "capi_models").await,
        ["/copilot/agents/swe/models"]
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_custom_agents_are_the_repositorys_and_none_is_an_empty_list() {
    let h = harness().await;
    let (status, list) = h
        .get_json("/v1/custom-agents?repo=octo-org%2Fweb-app")
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["repo"], "octo-org/web-app");
    assert_eq!(
        ids(&list, "custom_agents"),
        ["test-writer", "accessibility-reviewer"]
    );
    assert_eq!(list["custom_agents"][0]["name"], "Test writer");
    assert!(list["custom_agents"][0]["description"].is_string());
    assert_eq!(
        requested(&h, "capi_custom_agents").await,
        ["/copilot/agents/swe/custom-agents/octo-org/web-app?exclude_invalid_config=true"]
    );

    // The Copilot API answers 404 for a repository with no custom agents: an empty list here.
    let (status, list) = h
        .get_json("/v1/custom-agents?repo=octo-org/api-server")
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["custom_agents"], json!([]));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_and_upstream_failures_are_said_in_words() {
    let h = harness().await;
    let message = |body: &Value| body["error"]["message"].as_str().unwrap_or("").to_owned();

    // Guarded like every route: no token, no answer.
    for path in ["/v1/models", "/v1/custom-agents?repo=octo-org/web-app"] {
        let r = h
            .http
            .get(format!("{}{path}", h.endpoint.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
    }

    // Our own refusals, before GitHub is asked.
    let (status, body) = h.get_json("/v1/custom-agents").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&body).contains("repo is required"), "{body}");
    let (status, body) = h.get_json("/v1/custom-agents?repo=web-app").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&body).contains("owner/name"), "{body}");
    let (status, body) = h.get_json("/v1/models?repo=octo-org/web-app").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "unknown_parameter");
    assert!(requested(&h, "capi_custom_agents").await.is_empty());

    // The Copilot API failing: a 502 naming the list and GitHub's status.
    h.sim
        .fault(json!({"kind": "status", "status": 500, "route": "capi_models", "times": 1}))
        .await;
    let (status, body) = h.get_json("/v1/models").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "upstream_error");
    let said = message(&body);
    assert!(
        said.contains("did not list the models") && said.contains("500"),
        "{said}"
    );

    // An answer that is not JSON: a 502 saying it could not be read.
    h.sim
        .fault(json!({"kind": "malformed_json", "route": "capi_custom_agents", "times": 1}))
        .await;
    let (status, body) = h.get_json("/v1/custom-agents?repo=octo-org/web-app").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let said = message(&body);
    assert!(
        said.contains("did not list the custom agents") && said.contains("could not be read"),
        "{said}"
    );

    // A refused token on the Copilot API is a failure of the list, not a sign-out.
    h.sim
        .fault(json!({"kind": "unauthorized", "route": "capi_models", "times": 1}))
        .await;
    let (status, body) = h.get_json("/v1/models").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let (_, health) = h.get_json("/v1/health").await;
    assert_eq!(health["status"], "ok", "{health}");

    // Each failure was contained: the next requests are answered.
    let (status, list) = h.get_json("/v1/models").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(ids(&list, "models").len(), 3);
    let (status, list) = h.get_json("/v1/custom-agents?repo=octo-org/web-app").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(ids(&list, "custom_agents").len(), 2);
    h.stop().await;
}
