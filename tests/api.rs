//! The loopback API over real HTTP, wired to a real core polling the simulator: every route,
//! every guard, the event stream, cc.xml, and the OpenAPI schema checked against real answers.

mod common;

use agentbar::server::{self, Endpoint};
use common::Harness;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn every_guard_refuses_what_it_must() {
    let h = Harness::start().await;
    let url = |path: &str| format!("{}{path}", h.endpoint.url);

    // No token, wrong token.
    let r = h.http.get(url("/v1/tasks")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_error(&r.json().await.unwrap(), "unauthorized");
    let r = h
        .http
        .get(url("/v1/tasks"))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Health is open, but still guarded by Host and Origin.
    let r = h.http.get(url("/v1/health")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // DNS rebinding: another name, or another port, in Host.
    for host in ["evil.example", "evil.example:47615", "127.0.0.1:1"] {
        let r = h
            .request(Method::GET, "/v1/health")
            .header(header::HOST, host)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::MISDIRECTED_REQUEST, "{host}");
        assert_error(&r.json().await.unwrap(), "bad_host");
    }
    let port = h.endpoint.url.rsplit(':').next().unwrap();
    let r = h
        .request(Method::GET, "/v1/tasks")
        .header(header::HOST, format!("localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "localhost with the right port is fine"
    );

    // Any Origin.
    for origin in ["https://evil.example", "null", &h.endpoint.url] {
        let r = h
            .request(Method::GET, "/v1/tasks")
            .header(header::ORIGIN, origin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{origin}");
        assert_error(&r.json().await.unwrap(), "origin_refused");
    }

    // Oversized bodies, declared or chunked.
    let big = vec![b'x'; 64 * 1024];
    let r = h
        .request(Method::POST, "/v1/refresh")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&r.json().await.unwrap(), "body_too_large");
    // Chunked, so no length is declared up front: still cut off at the bound.
    let address = h.endpoint.url.trim_start_matches("http://").to_owned();
    let mut request = format!(
        "POST /v1/refresh HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        h.endpoint.token
    );
    for _ in 0..16 {
        request.push_str(&format!("1000\r\n{}\r\n", "y".repeat(4096)));
    }
    request.push_str("0\r\n\r\n");
    let answer = raw_http(&address, &request).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // Unknown route, wrong method.
    let (status, body) = h.get_json("/v2/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    let r = h.request(Method::DELETE, "/v1/tasks").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_error(&r.json().await.unwrap(), "method_not_allowed");

    // Every answer, refusals included: no-store, and never a CORS header.
    for path in ["/v1/health", "/v1/tasks", "/v2/nothing", "/cc.xml"] {
        for authed in [true, false] {
            let request = if authed {
                h.request(Method::GET, path)
            } else {
                h.http.get(url(path))
            };
            let r = request
                .header(header::ORIGIN, "https://evil.example")
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.headers().get(header::CACHE_CONTROL).unwrap(),
                "no-store",
                "{path}"
            );
            assert!(
                !r.headers()
                    .keys()
                    .any(|k| k.as_str().starts_with("access-control-")),
                "{path}"
            );
        }
    }
    h.stop().await;
}

#[tokio::test]
async fn the_list_is_in_spec_order_with_counts_and_filters() {
    let h = Harness::start().await;
    let (status, list) = h.get_json("/v1/tasks").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["schema_version"], 1);
    assert!(list["stale_after_seconds"].as_u64().unwrap() > 0);
    assert_eq!(list["health"]["status"], "ok");
    let tasks = list["tasks"].as_array().unwrap();
    let truth = h.sim.truth().await;
    assert_eq!(tasks.len(), truth.len());
    let count = |bucket: &str| tasks.iter().filter(|t| t["bucket"] == bucket).count() as u64;
    for bucket in ["running", "waiting", "failed", "completed", "cancelled"] {
        assert_eq!(
            list["counts"][bucket].as_u64().unwrap(),
            count(bucket),
            "{bucket}"
        );
    }
    assert_eq!(
        list["counts"]["total"].as_u64().unwrap(),
        tasks.len() as u64
    );
    let ranks: Vec<u8> = tasks
        .iter()
        .map(|t| match t["bucket"].as_str().unwrap() {
            "waiting" => 0,
            "running" => 1,
            _ => 2,
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    let finished: Vec<&str> = tasks
        .iter()
        .filter(|t| !["waiting", "running"].contains(&t["bucket"].as_str().unwrap()))
        .map(|t| t["updated_at"].as_str().unwrap())
        .collect();
    assert!(
        finished.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {finished:?}"
    );

    let (_, waiting) = h.get_json("/v1/tasks?bucket=waiting").await;
    assert!(!waiting["tasks"].as_array().unwrap().is_empty());
    assert!(
        waiting["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["bucket"] == "waiting")
    );
    assert_eq!(waiting["counts"], list["counts"], "counts stay global");
    let repo = tasks[0]["repository"].as_str().unwrap();
    let (_, by_repo) = h
        .get_json(&format!("/v1/tasks?repo={}", repo.to_uppercase()))
        .await;
    assert!(
        by_repo["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["repository"] == repo)
    );
    let word = tasks[0]["title"]
        .as_str()
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    let (_, searched) = h
        .get_json(&format!("/v1/tasks?q={}", word.to_lowercase()))
        .await;
    assert!(
        searched["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == tasks[0]["id"])
    );
    let (_, limited) = h.get_json("/v1/tasks?limit=2").await;
    assert_eq!(limited["tasks"].as_array().unwrap().len(), 2);
    let (status, bad) = h.get_json("/v1/tasks?bucket=sleepy").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&bad, "bad_request");
    h.stop().await;
}

#[tokio::test]
async fn detail_logs_refresh_and_stop_do_what_they_say() {
    let h = Harness::start().await;
    let (_, list) = h.get_json("/v1/tasks?bucket=running").await;
    let running = list["tasks"][0].clone();
    let id = running["id"].as_str().unwrap();

    let (status, detail) = h.get_json(&format!("/v1/tasks/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["schema_version"], 1);
    assert_eq!(detail["id"], running["id"]);
    let run_id = detail["sessions"][0]["workflow_run_id"].as_u64().unwrap();
    let (status, body) = h.get_json("/v1/tasks/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "unknown_task");

    // Logs: the events so far, then only what is new past the cursor, growing with the session.
    let (status, first) = h.get_json(&format!("/v1/tasks/{id}/logs")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_valid("LogPage", &first);
    let events = first["events"].as_array().unwrap();
    assert!(!events.is_empty(), "{first}");
    assert_eq!(first["done"], false, "the task is still running");
    let cursor = first["cursor"].as_str().unwrap().to_owned();
    let (_, again) = h
        .get_json(&format!("/v1/tasks/{id}/logs?after={cursor}"))
        .await;
    assert!(again["events"].as_array().unwrap().is_empty(), "{again}");
    h.sim.advance(40.0).await;
    let (_, later) = h
        .get_json(&format!("/v1/tasks/{id}/logs?after={cursor}"))
        .await;
    let new_events = later["events"].as_array().unwrap();
    assert!(!new_events.is_empty(), "the log grew: {later}");
    assert!(
        new_events[0]["seq"].as_u64() > events.last().unwrap()["seq"].as_u64(),
        "only events past the cursor"
    );
    let (status, bad) = h
        .get_json(&format!("/v1/tasks/{id}/logs?after=nonsense"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&bad, "bad_request");
    // Every log served is redacted: the simulator's waiting task prints a token-shaped secret.
    let (_, waiting) = h.get_json("/v1/tasks?bucket=waiting").await;
    for task in waiting["tasks"].as_array().unwrap() {
        let r = h
            .request(
                Method::GET,
                &format!("/v1/tasks/{}/logs", task["id"].as_str().unwrap()),
            )
            .send()
            .await
            .unwrap();
        let text = r.text().await.unwrap();
        assert!(
            !text.contains("ghp_"),
            "an unredacted token was served: {text}"
        );
    }

    let before = common::route(&h.sim.stats().await, "tasks").0;
    let r = h.request(Method::POST, "/v1/refresh").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let mut polled = false;
    for _ in 0..50 {
        if common::route(&h.sim.stats().await, "tasks").0 > before {
            polled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(polled, "refresh made a poll happen");

    let r = h
        .request(Method::POST, &format!("/v1/tasks/{id}/stop"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let reply: Value = r.json().await.unwrap();
    assert_eq!(reply["workflow_run_id"].as_u64(), Some(run_id));
    assert_eq!(h.sim.stats().await["cancelled_runs"], json!([run_id]));

    let r = h
        .request(Method::POST, "/v1/tasks/nope/stop")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The oldest finished task: the newest one may have a follow-up session starting upstream
    // that this core has not polled yet (the clock moved 40 s above).
    let (_, done) = h.get_json("/v1/tasks?bucket=completed").await;
    let done_id = done["tasks"].as_array().unwrap().last().unwrap()["id"]
        .as_str()
        .unwrap();
    let r = h
        .request(Method::POST, &format!("/v1/tasks/{done_id}/stop"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_error(&r.json().await.unwrap(), "not_active");
    h.stop().await;
}

#[tokio::test]
async fn every_action_goes_through_one_door_and_each_task_lists_what_it_allows() {
    let h = Harness::start().await;
    let (_, running) = h.get_json("/v1/tasks?bucket=running").await;
    let task = running["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| !t["pull_request"].is_null())
        .unwrap()
        .clone();
    let (key, id) = (task["key"].as_str().unwrap(), task["id"].as_str().unwrap());
    assert_eq!(key, format!("{}:{id}", task["source"].as_str().unwrap()));
    let allowed: Vec<&str> = task["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        allowed.contains(&"stop") && allowed.contains(&"open-pr"),
        "{allowed:?}"
    );

    // A link action hands the link back; the key and the bare id name the same task.
    for reference in [key, id] {
        let (status, reply) = h.act(reference, "open-pr", None).await;
        assert_eq!(status, 200);
        assert_eq!(reply["url"], task["pull_request"]["url"], "{reply}");
        assert_eq!(reply["task"], key);
    }
    // Unknown actions, malformed bodies and finished tasks are refused with stable codes.
    let (status, refused) = h.act(key, "explode", None).await;
    assert_eq!(status, 404);
    assert_error(&refused, "unknown_action");
    let r = h
        .request(Method::POST, &format!("/v1/tasks/{key}/actions/stop"))
        .header(header::CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        h.sim.stats().await["cancelled_runs"]
            .as_array()
            .unwrap()
            .is_empty(),
        "a refused request cancels nothing"
    );
    let (_, done) = h.get_json("/v1/tasks?bucket=completed").await;
    let finished = done["tasks"].as_array().unwrap().last().unwrap();
    assert!(
        !finished["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("stop"))
    );
    let (status, refused) = h.act(finished["key"].as_str().unwrap(), "stop", None).await;
    assert_eq!(status, 409);
    assert_error(&refused, "not_active");

    // Stop through the door cancels the task's run upstream.
    let (_, detail) = h.get_json(&format!("/v1/tasks/{key}")).await;
    let run_id = detail["sessions"][0]["workflow_run_id"].as_u64().unwrap();
    let (status, reply) = h.act(key, "stop", None).await;
    assert_eq!(status, 202);
    assert_eq!(reply["action"], "stop");
    assert_eq!(h.sim.stats().await["cancelled_runs"], json!([run_id]));
    h.stop().await;
}

#[tokio::test]
async fn the_event_stream_sends_a_snapshot_then_transitions() {
    let h = Harness::start().await;
    let mut response = h.request(Method::GET, "/v1/events").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut seen = String::new();
    read_until(&mut response, &mut seen, "event: snapshot").await;
    h.sim.advance(90.0).await;
    read_until(&mut response, &mut seen, "event: transition").await;
    let data = seen
        .split("event: transition\ndata: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap();
    let transition: Value = serde_json::from_str(data).unwrap();
    assert_eq!(transition["schema_version"], 1);
    let truth = h.sim.truth().await;
    assert!(
        truth
            .iter()
            .any(|(id, state)| transition["task_id"] == id.as_str()
                && transition["to"] == state.as_str()),
        "{transition} not in {truth:?}"
    );
    // Shutdown ends the stream instead of hanging on it.
    tokio::time::timeout(Duration::from_secs(5), h.stop())
        .await
        .expect("shutdown with an open event stream");
}

/// The `id:` of every transition event in `seen`, in order.
fn transition_ids(seen: &str) -> Vec<String> {
    seen.split("\n\n")
        .filter(|event| event.contains("event: transition"))
        .filter_map(|event| event.lines().find_map(|l| l.strip_prefix("id: ")))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_reconnecting_client_gets_the_transitions_it_missed_by_last_event_id() {
    let h = Harness::start().await;
    let mut first = h.request(Method::GET, "/v1/events").send().await.unwrap();
    let mut seen = String::new();
    read_until(&mut first, &mut seen, "event: snapshot").await;
    h.sim.advance(90.0).await;
    read_until(&mut first, &mut seen, "event: transition").await;
    read_until(&mut first, &mut seen, "\n\n").await;
    let last_seen = transition_ids(&seen)[0].clone();
    drop(first);

    // While it is away, more changes happen; another client watches them go by.
    let mut watcher = h.request(Method::GET, "/v1/events").send().await.unwrap();
    let mut watched = String::new();
    read_until(&mut watcher, &mut watched, "event: snapshot").await;
    h.sim.advance(120.0).await;
    read_until(&mut watcher, &mut watched, "event: transition").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    read_until(&mut watcher, &mut watched, "\n\n").await;
    let newest = transition_ids(&watched).last().unwrap().clone();

    let mut back = h
        .request(Method::GET, "/v1/events")
        .header("Last-Event-ID", &last_seen)
        .send()
        .await
        .unwrap();
    let mut replayed = String::new();
    read_until(&mut back, &mut replayed, &format!("id: {newest}\n")).await;
    let ids = transition_ids(&replayed);
    let (prefix, first_seq) = last_seen.rsplit_once('-').unwrap();
    let first_seq: u64 = first_seq.parse().unwrap();
    let expected: Vec<String> = (first_seq + 1..)
        .take(ids.len())
        .map(|n| format!("{prefix}-{n}"))
        .collect();
    assert_eq!(ids, expected, "every missed one, in order, none twice");
    assert!(replayed.starts_with("event: snapshot"), "{replayed}");
    tokio::time::timeout(Duration::from_secs(5), h.stop())
        .await
        .expect("shutdown with open event streams");
}

#[tokio::test]
async fn cc_xml_has_one_project_per_task() {
    let h = Harness::start().await;
    let r = h.request(Method::GET, "/cc.xml").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("xml")
    );
    let xml = r.text().await.unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let projects: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("Project"))
        .collect();
    let (_, list) = h.get_json("/v1/tasks").await;
    assert_eq!(projects.len(), list["tasks"].as_array().unwrap().len());
    for p in &projects {
        for attribute in [
            "name",
            "activity",
            "lastBuildStatus",
            "lastBuildTime",
            "webUrl",
        ] {
            assert!(p.attribute(attribute).is_some(), "{attribute} on {p:?}");
        }
    }
    assert!(
        projects
            .iter()
            .any(|p| p.attribute("activity") == Some("Building"))
    );
    assert!(
        projects
            .iter()
            .any(|p| p.attribute("lastBuildLabel") == Some("Needs you"))
    );
    h.stop().await;
}

/// Gunzips a body, failing the test if it is not gzip.
fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut decoded)
        .expect("a gzip body");
    decoded
}

#[tokio::test]
async fn the_list_and_cc_xml_come_gzipped_when_accepted_and_revalidate_with_their_etag() {
    let h = Harness::start().await;
    let get = |path: &str, accept: Option<&str>| {
        let request = h.request(Method::GET, path);
        match accept {
            Some(accept) => request.header(header::ACCEPT_ENCODING, accept),
            None => request,
        }
    };
    let etag = |r: &reqwest::Response| r.headers()[header::ETAG].to_str().unwrap().to_owned();

    // The harness polls every 0.2 s and each poll renders a new list (it carries generated_at),
    // so an identity answer and a gzip answer are compared only when their tags say they are
    // the same rendering.
    let mut compared = false;
    for _ in 0..50 {
        let plain = get("/v1/tasks", None).send().await.unwrap();
        assert_eq!(plain.status(), StatusCode::OK);
        assert_eq!(plain.headers()[header::VARY], "accept-encoding");
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let plain_tag = etag(&plain);
        let plain_body = plain.bytes().await.unwrap();
        let zipped = get("/v1/tasks", Some("gzip, deflate, br"))
            .send()
            .await
            .unwrap();
        assert_eq!(zipped.status(), StatusCode::OK);
        assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(zipped.headers()[header::VARY], "accept-encoding");
        assert_eq!(zipped.headers()[header::CONTENT_TYPE], "application/json");
        let zipped_tag = etag(&zipped);
        assert_ne!(zipped_tag, plain_tag, "each representation has its own tag");
        let decoded = gunzip(&zipped.bytes().await.unwrap());
        let list: Value = serde_json::from_slice(&decoded).unwrap();
        assert_valid("TaskList", &list);
        if zipped_tag == format!("{}-gzip\"", plain_tag.trim_end_matches('"')) {
            assert_eq!(
                decoded, plain_body,
                "gzip decodes to exactly the identity body"
            );
            compared = true;
            break;
        }
    }
    assert!(compared, "never caught two answers from the same rendering");

    // Refused or less wanted than identity: identity.
    for accept in [
        "gzip;q=0",
        "identity",
        "br",
        "gzip;q=0.5, identity",
        "*;q=0",
    ] {
        let r = get("/v1/tasks", Some(accept)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{accept}");
        assert!(
            r.headers().get(header::CONTENT_ENCODING).is_none(),
            "{accept}"
        );
        assert_eq!(r.headers()[header::VARY], "accept-encoding", "{accept}");
        let list: Value = r.json().await.unwrap();
        assert_eq!(list["schema_version"], 1, "{accept}");
    }
    let r = get("/v1/tasks", Some("*")).send().await.unwrap();
    assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip", "* counts");
    // Filtered lists are built per request and always identity.
    let r = get("/v1/tasks?bucket=running", Some("gzip"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
    assert!(r.headers().get(header::ETAG).is_none());

    // cc.xml holds no times of its own, and the simulator's clock is frozen: its tag holds
    // across polls, so revalidating is answered 304 with no body, in either encoding.
    for accept in [None, Some("gzip")] {
        let first = get("/cc.xml", accept).send().await.unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[header::VARY], "accept-encoding");
        let tag = etag(&first);
        let body = first.bytes().await.unwrap();
        let xml = match accept {
            Some(_) => String::from_utf8(gunzip(&body)).unwrap(),
            None => String::from_utf8(body.to_vec()).unwrap(),
        };
        roxmltree::Document::parse(&xml).unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await; // a few polls later
        let again = get("/cc.xml", accept)
            .header(header::IF_NONE_MATCH, &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{accept:?}");
        assert_eq!(etag(&again), tag);
        assert_eq!(again.headers()[header::CACHE_CONTROL], "no-store");
        assert!(again.bytes().await.unwrap().is_empty());
        // A tag of the other encoding, or a stale one, gets the body.
        let other = get("/cc.xml", accept)
            .header(header::IF_NONE_MATCH, "\"0000000000000000\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::OK);
    }

    // The list revalidates too, while no poll came in between.
    let mut revalidated = false;
    for _ in 0..50 {
        let first = get("/v1/tasks", Some("gzip")).send().await.unwrap();
        let tag = etag(&first);
        let again = get("/v1/tasks", Some("gzip"))
            .header(header::IF_NONE_MATCH, format!("W/{tag}"))
            .send()
            .await
            .unwrap();
        if again.status() == StatusCode::NOT_MODIFIED {
            assert_eq!(etag(&again), tag);
            revalidated = true;
            break;
        }
        assert_eq!(again.status(), StatusCode::OK);
        assert_ne!(etag(&again), tag, "a 200 only when the list changed");
    }
    assert!(revalidated, "never revalidated between two polls");
    h.stop().await;
}

async fn read_until(response: &mut reqwest::Response, seen: &mut String, needle: &str) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while !seen.contains(needle) {
            let chunk = response.chunk().await.unwrap().unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {needle:?} within 10 s"));
}

/// Sends a hand-written HTTP/1.1 request and returns the whole answer.
async fn raw_http(address: &str, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    // The server may answer and close before the whole body is sent: a failed write is fine.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn validator(schema_name: &str) -> jsonschema::Validator {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let schema = json!({
        "$ref": format!("#/components/schemas/{schema_name}"),
        "components": doc["components"].clone(),
    });
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(schema_name: &str, instance: &Value) {
    let v = validator(schema_name);
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{schema_name}: {errors:#?}");
}

#[tokio::test]
async fn real_answers_match_the_openapi_schema_and_the_examples_stay_current() {
    let h = Harness::start().await;
    let (_, health) = h.get_json("/v1/health").await;
    assert_valid("Health", &health);
    let (_, sources) = h.get_json("/v1/sources").await;
    assert_valid("SourceList", &sources);
    let (_, list) = h.get_json("/v1/tasks").await;
    assert_valid("TaskList", &list);
    let id = list["tasks"][0]["id"].as_str().unwrap().to_owned();
    let (_, detail) = h.get_json(&format!("/v1/tasks/{id}")).await;
    assert_valid("TaskDetail", &detail);
    let (_, error) = h.get_json("/v1/tasks/nope").await;
    assert_valid("Error", &error);
    let failed = list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["bucket"] == "failed")
        .unwrap();
    assert!(failed["error"]["message"].is_string());
    let endpoint: Value =
        serde_json::from_slice(&std::fs::read(Endpoint::path(&h.state_dir())).unwrap()).unwrap();
    assert_valid("Endpoint", &endpoint);

    // A live log page with a tool call in it, for the Raycast extension's logs view: a minute
    // into the running task's session, so it holds set-up, messages and tool calls.
    let (_, running) = h.get_json("/v1/tasks?bucket=running").await;
    let running_id = running["tasks"][0]["id"].as_str().unwrap().to_owned();
    h.sim.advance(60.0).await;
    let (status, logs) = h.get_json(&format!("/v1/tasks/{running_id}/logs")).await;
    assert_eq!(status, StatusCode::OK, "{logs}");
    assert_valid("LogPage", &logs);
    assert!(
        logs["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "tool" && e["at"].is_string())
            && logs["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e.get("tool").is_none()),
        "the log example shows a timed tool call and an event without one: {logs}"
    );

    // The lists Create Task offers (the simulator's built-in models and custom agents).
    let (status, models) = h.get_json("/v1/models").await;
    assert_eq!(status, StatusCode::OK, "{models}");
    assert_valid("ModelList", &models);
    let (status, agents) = h.get_json("/v1/custom-agents?repo=octo-org/web-app").await;
    assert_eq!(status, StatusCode::OK, "{agents}");
    assert_valid("CustomAgentList", &agents);

    // The examples the Raycast extension's tests read. They are written only when asked
    // (AGENTBAR_UPDATE_EXAMPLES=1 for all, or a comma-separated list of file names); otherwise a
    // missing one fails, and each must have the live answer's whole shape, nested fields included.
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples");
    let update = std::env::var("AGENTBAR_UPDATE_EXAMPLES").unwrap_or_default();
    for (name, live, schema) in [
        ("v1-tasks.json", &list, "TaskList"),
        ("v1-task.json", &detail, "TaskDetail"),
        ("v1-health.json", &health, "Health"),
        ("v1-sources.json", &sources, "SourceList"),
        ("v1-logs.json", &logs, "LogPage"),
        ("v1-models.json", &models, "ModelList"),
        ("v1-custom-agents.json", &agents, "CustomAgentList"),
    ] {
        let path = examples.join(name);
        if update == "1" || update.split(',').any(|asked| asked.trim() == name) {
            std::fs::write(&path, serde_json::to_string_pretty(live).unwrap() + "\n").unwrap();
            eprintln!("wrote {}", path.display());
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; write it with AGENTBAR_UPDATE_EXAMPLES={name}",
                path.display()
            )
        });
        let example: Value = serde_json::from_str(&text).unwrap();
        assert_valid(schema, &example);
        let (example, live) = (shape(&example), shape(live));
        assert!(
            example == live,
            "{name} has drifted from the live answer; rewrite it with \
             AGENTBAR_UPDATE_EXAMPLES={name}.\nOnly in the example: {:?}\nOnly live: {:?}",
            example.difference(&live).collect::<Vec<_>>(),
            live.difference(&example).collect::<Vec<_>>()
        );
    }
    h.stop().await;
}

/// Every path of a JSON document with the types found there (`tasks[].pull_request.number:
/// integer`), array items merged, so two documents with the same fields at every depth and the
/// same nullability have the same shape whatever their values. A tool's `input` is free-form
/// (the tool's own arguments), so only its presence counts.
fn shape(value: &Value) -> std::collections::BTreeSet<String> {
    fn walk(path: &str, value: &Value, out: &mut std::collections::BTreeSet<String>) {
        let kind = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_f64() => "number",
            Value::Number(_) => "integer",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        out.insert(format!("{path}: {kind}"));
        if path.ends_with("tool.input") {
            return;
        }
        match value {
            Value::Array(items) => {
                for item in items {
                    walk(&format!("{path}[]"), item, out);
                }
            }
            Value::Object(fields) => {
                for (key, field) in fields {
                    walk(&format!("{path}.{key}"), field, out);
                }
            }
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk("", value, &mut out);
    out
}

#[tokio::test]
async fn endpoint_json_lives_while_the_server_does_and_a_taken_port_is_named() {
    let h = Harness::start().await;
    let path = Endpoint::path(&h.state_dir());
    let on_disk = Endpoint::read(&h.state_dir()).unwrap();
    assert_eq!(on_disk, h.endpoint);
    assert_eq!(on_disk.pid, std::process::id());

    let port: u16 = h.endpoint.url.rsplit(':').next().unwrap().parse().unwrap();
    let taken = server::bind(port).await.unwrap_err().to_string();
    assert!(
        taken.contains(&format!("port {port}")) && taken.contains("AGENTBAR_PORT"),
        "{taken}"
    );

    h.stop().await;
    assert!(!path.exists(), "removed on clean exit");
}
