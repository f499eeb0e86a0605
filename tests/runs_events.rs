//! The event stream with the list's filters, over loopback: `GET /v1/events?…` takes the filters
//! of `GET /v1/tasks` (one filter, one meaning): its snapshot counts the tasks they keep and only
//! their transitions are sent, while an unfiltered stream sees every one.

mod common;

use common::{Harness, start_sim};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn harness() -> Harness {
    let h = Harness::start_unloaded(start_sim(agentbar::sim::Scenario::builtin()).await, "").await;
    h.wait_until_loaded().await;
    h
}

/// Reads the stream until `seen` holds `count` events named `name`; their data, in order.
async fn events(
    response: &mut reqwest::Response,
    seen: &mut String,
    name: &str,
    count: usize,
) -> Vec<Value> {
    let of = |seen: &str| -> Vec<Value> {
        seen.split("\n\n")
            .filter(|e| e.lines().any(|l| l == format!("event: {name}")))
            .filter_map(|e| e.lines().find_map(|l| l.strip_prefix("data: ")))
            .map(|data| serde_json::from_str(data).unwrap())
            .collect()
    };
    tokio::time::timeout(Duration::from_secs(10), async {
        while of(seen).len() < count {
            let chunk = response.chunk().await.unwrap().unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("fewer than {count} {name} events within 10 s: {seen}"));
    of(seen)
}

async fn stream(h: &Harness, query: &str) -> reqwest::Response {
    let response = h
        .request(Method::GET, &format!("/v1/events{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filtered_stream_counts_and_sends_only_what_its_filter_keeps() {
    let h = harness().await;
    let (_, running) = h.get_json("/v1/tasks?bucket=running").await;
    let running = running["tasks"].as_array().unwrap().len();
    assert!(running > 0);

    let (mut all, mut all_seen) = (stream(&h, "").await, String::new());
    let (mut narrow, mut narrow_seen) = (stream(&h, "?bucket=running").await, String::new());
    let whole = events(&mut all, &mut all_seen, "snapshot", 1).await;
    let kept = events(&mut narrow, &mut narrow_seen, "snapshot", 1).await;
    assert_eq!(kept[0]["counts"]["total"], running, "{}", kept[0]);
    assert_eq!(kept[0]["counts"]["waiting"], 0);
    assert!(whole[0]["counts"]["total"].as_u64() > kept[0]["counts"]["total"].as_u64());

    // Two new tasks in two repositories; a stream about one repository sees only its own.
    let (mut web, mut web_seen) = (stream(&h, "?repo=octo-org/web-app").await, String::new());
    events(&mut web, &mut web_seen, "snapshot", 1).await;
    let mut started = Vec::new();
    for repo in ["acme/mobile-app", "octo-org/web-app"] {
        let response = h
            .request(Method::POST, "/v1/tasks")
            .json(&json!({"repo": repo, "prompt": format!("Add a changelog to {repo}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let task: Value = response.json().await.unwrap();
        started.push(task["id"].as_str().unwrap().to_owned());
    }
    let seen_by_all: Vec<Value> = events(&mut all, &mut all_seen, "transition", 2).await;
    let ids = |events: &[Value]| -> Vec<String> {
        events
            .iter()
            .map(|e| e["task_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(&seen_by_all),
        started,
        "the unfiltered stream sees both"
    );
    let seen_by_web = events(&mut web, &mut web_seen, "transition", 1).await;
    assert_eq!(ids(&seen_by_web), [started[1].clone()], "{web_seen}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_refuses_filters_it_cannot_keep() {
    let h = harness().await;
    for (query, code) in [
        ("?bucket=nope", "bad_request"),
        ("?period=yesterday", "bad_request"),
        ("?archived=true", "unknown_parameter"),
        ("?limit=3", "unknown_parameter"),
    ] {
        let (status, body) = h.get_json(&format!("/v1/events{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["code"], code, "{query}: {body}");
    }
    h.stop().await;
}
