//! Every upstream task state, as the built-in scenario holds them at start-up, through the real
//! core and API: each state's bucket and label (SPEC §1's table, written out here rather than
//! taken from the model), the counts per bucket against the simulator's own list, and each
//! bucket's cc.xml `activity`/`lastBuildStatus` (docs/openapi.json, `GET /cc.xml`).

mod common;

use common::Harness;
use reqwest::Method;
use std::collections::BTreeMap;

/// An upstream state no version of this client knows; shown as it came, in bucket `unknown`.
const UNKNOWN_STATE: &str = "awaiting_review";

/// SPEC §1: upstream state → (bucket, label).
fn expected(state: &str) -> (&str, &str) {
    match state {
        "queued" => ("running", "Queued"),
        "in_progress" => ("running", "Working"),
        "waiting_for_user" | "idle" => ("waiting", "Needs you"),
        "completed" => ("completed", "Ready for review"),
        "failed" => ("failed", "Failed"),
        "timed_out" => ("failed", "Timed out"),
        "cancelled" => ("cancelled", "Cancelled"),
        // Not documented, but GitHub's own clients treat it as finished (UPSTREAM §2).
        "stopped" => ("cancelled", "Stopped"),
        other => ("unknown", other),
    }
}

/// The cctray feed's (activity, lastBuildStatus) for a bucket.
fn cctray(bucket: &str) -> (&'static str, &'static str) {
    match bucket {
        "running" => ("Building", "Unknown"),
        "completed" => ("Sleeping", "Success"),
        "failed" => ("Sleeping", "Failure"),
        "waiting" | "cancelled" | "unknown" => ("Sleeping", "Unknown"),
        other => panic!("no such bucket {other}"),
    }
}

#[tokio::test]
async fn every_upstream_state_has_its_bucket_label_count_and_cc_xml_status() {
    let h = Harness::start().await;
    let truth: BTreeMap<String, String> = h.sim.truth().await.into_iter().collect();
    let states: std::collections::BTreeSet<&str> = truth.values().map(String::as_str).collect();
    for state in [
        "queued",
        "in_progress",
        "waiting_for_user",
        "idle",
        "completed",
        "failed",
        "timed_out",
        "cancelled",
        "stopped",
        UNKNOWN_STATE,
    ] {
        assert!(
            states.contains(state),
            "the start-up world has no {state} task: {truth:?}"
        );
    }

    let (_, list) = h.get_json("/v1/tasks").await;
    let tasks = list["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), truth.len());
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for task in tasks {
        let id = task["id"].as_str().unwrap();
        let state = truth
            .get(id)
            .unwrap_or_else(|| panic!("{id} is not the simulator's"));
        assert_eq!(task["state"], state.as_str(), "{task}");
        let (bucket, label) = expected(state);
        assert_eq!(task["bucket"], bucket, "{state}: {task}");
        assert_eq!(task["label"], label, "{state}: {task}");
        *counts.entry(bucket).or_default() += 1;
    }
    for bucket in [
        "running",
        "waiting",
        "completed",
        "failed",
        "cancelled",
        "unknown",
    ] {
        assert_eq!(
            list["counts"][bucket].as_u64(),
            Some(counts.get(bucket).copied().unwrap_or(0)),
            "{bucket}: {}",
            list["counts"]
        );
    }
    assert_eq!(list["counts"]["total"].as_u64(), Some(truth.len() as u64));

    // cc.xml: one project per task, found by its web URL, with its bucket's activity and status.
    let xml = h
        .request(Method::GET, "/cc.xml")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let projects: BTreeMap<&str, roxmltree::Node> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("Project"))
        .map(|p| (p.attribute("webUrl").unwrap(), p))
        .collect();
    assert_eq!(projects.len(), tasks.len());
    let mut buckets_seen = std::collections::BTreeSet::new();
    for task in tasks {
        let project = projects
            .get(task["url"].as_str().unwrap())
            .unwrap_or_else(|| panic!("no project for {task}"));
        let bucket = task["bucket"].as_str().unwrap();
        let (activity, status) = cctray(bucket);
        assert_eq!(project.attribute("activity"), Some(activity), "{task}");
        assert_eq!(project.attribute("lastBuildStatus"), Some(status), "{task}");
        let label = project.attribute("lastBuildLabel").unwrap();
        assert!(
            label.starts_with(task["label"].as_str().unwrap()),
            "{label} for {task}"
        );
        buckets_seen.insert(bucket.to_owned());
    }
    assert_eq!(
        buckets_seen.len(),
        6,
        "every bucket in cc.xml: {buckets_seen:?}"
    );
    h.stop().await;
}
