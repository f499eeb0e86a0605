//! The GitHub client and incremental sync against the simulator over real loopback HTTP.

mod common;

use agentbar::github::{SyncOptions, TaskSync};
use agentbar::model::{Bucket, Snapshot};
use agentbar::sim::Scenario;
use chrono::{TimeDelta, Utc};
use common::{route, start_sim, total};
use serde_json::json;
use std::time::Duration;

fn states(snapshot: &Snapshot) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = snapshot
        .tasks
        .iter()
        .map(|t| (t.id.clone(), t.state.as_str().to_owned()))
        .collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn the_first_load_matches_the_scenario_with_prs_repositories_and_sessions_hydrated() {
    let sim = start_sim(Scenario::builtin()).await;
    let client = sim.client();
    let mut sync = TaskSync::new(SyncOptions::default());
    let outcome = sync.poll(&client, Utc::now()).await.unwrap();
    let snapshot = outcome.snapshot;

    assert_eq!(states(&snapshot), sim.truth().await);
    let counts = snapshot.counts();
    assert!(counts.running > 0 && counts.waiting > 0, "{counts:?}");

    // SPEC order: waiting, running, then newest first.
    let ranks: Vec<u8> = snapshot
        .tasks
        .iter()
        .map(|t| match t.bucket() {
            Bucket::Waiting => 0,
            Bucket::Running => 1,
            _ => 2,
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    for task in snapshot.tasks.iter() {
        assert!(!task.title.is_empty());
        assert!(task.repository.is_some(), "{} has no repository", task.id);
        assert!(task.url.starts_with(&sim.base), "{}", task.url);
    }
    let with_pr = snapshot
        .tasks
        .iter()
        .filter(|t| t.pull_request.is_some())
        .count();
    assert!(with_pr > 0, "pull requests were hydrated");
    // Active tasks carry their sessions and the Actions run that hosts the newest one.
    let active = snapshot.tasks.iter().find(|t| t.is_active()).unwrap();
    assert!(!active.sessions.is_empty());
    assert!(active.sessions[0].workflow_run_id.is_some());
    // A failed task carries its error.
    let failed: Vec<_> = snapshot
        .tasks
        .iter()
        .filter(|t| t.bucket() == Bucket::Failed && t.is_recent(Utc::now()))
        .collect();
    assert!(failed.iter().all(|t| t.error.is_some()), "{failed:?}");
}

#[tokio::test]
async fn idle_polls_cost_one_304_each_and_a_change_is_picked_up() {
    let sim = start_sim(Scenario::builtin()).await;
    let client = sim.client();
    let mut sync = TaskSync::new(SyncOptions::default());
    let first = sync.poll(&client, Utc::now()).await.unwrap();
    sim.reset_stats().await;

    for _ in 0..10 {
        let outcome = sync.poll(&client, Utc::now()).await.unwrap();
        assert!(!outcome.changed);
    }
    let stats = sim.stats().await;
    // The first incremental poll establishes the ETag of the `since` query; the rest are 304s.
    let (requests, _, not_modified) = route(&stats, "tasks");
    assert_eq!((requests, not_modified), (10, 9), "{stats}");
    assert_eq!(
        total(&stats).0,
        10,
        "nothing but the list was asked: {stats}"
    );

    sim.advance(90.0).await;
    let outcome = sync.poll(&client, Utc::now()).await.unwrap();
    assert!(outcome.changed);
    assert_ne!(states(&outcome.snapshot), states(&first.snapshot));
    assert_eq!(states(&outcome.snapshot), sim.truth().await);
}

#[tokio::test]
async fn paging_walks_every_page_of_a_long_list() {
    let sim = start_sim(Scenario::bulk(250, 7)).await;
    let client = sim.client();
    let mut sync = TaskSync::new(SyncOptions::default());
    let outcome = sync.poll(&client, Utc::now()).await.unwrap();
    let truth = sim.truth().await;
    assert!(
        truth.len() > 200,
        "the bulk scenario lists more than two pages"
    );
    assert_eq!(states(&outcome.snapshot), truth);
    let stats = sim.stats().await;
    assert_eq!(route(&stats, "tasks").0, 3, "three pages of 100: {stats}");
    assert!(
        route(&stats, "graphql").0 >= 3,
        "PRs hydrated in chunks of at most 100: {stats}"
    );
}

#[tokio::test]
async fn a_full_pass_later_is_answered_by_304s_page_by_page() {
    let sim = start_sim(Scenario::bulk(150, 3)).await;
    let client = sim.client();
    let mut sync = TaskSync::new(SyncOptions {
        full_resync: Duration::from_secs(600),
    });
    let now = Utc::now();
    let first = sync.poll(&client, now).await.unwrap();
    sim.reset_stats().await;
    let later = sync
        .poll(&client, now + TimeDelta::seconds(601))
        .await
        .unwrap();
    let stats = sim.stats().await;
    assert_eq!(route(&stats, "tasks"), (2, 0, 2), "{stats}");
    assert_eq!(later.snapshot.tasks.len(), first.snapshot.tasks.len());
}

#[tokio::test]
async fn a_deleted_pull_request_leaves_the_task_listed_without_one() {
    let sim = start_sim(Scenario::builtin()).await;
    let mut sync = TaskSync::new(SyncOptions::default());
    let snapshot = sync.poll(&sim.client(), Utc::now()).await.unwrap().snapshot;
    let stats = sim.stats().await;
    assert!(
        route(&stats, "repository").0 >= 1,
        "thin repository looked up: {stats}"
    );
    // The builtin scenario has a task whose PR node resolves to null; every task is still there.
    assert_eq!(snapshot.tasks.len(), sim.truth().await.len());
    let orphan = snapshot
        .tasks
        .iter()
        .find(|t| t.pull_request.is_none() && t.repository.is_some() && !t.is_active());
    assert!(
        orphan.is_some(),
        "a task without its (deleted) PR is still listed"
    );
}

#[tokio::test]
async fn every_fault_fails_the_poll_cleanly_and_the_next_poll_recovers() {
    let faults = [
        (json!({"kind": "status", "status": 503}), "server_error"),
        (json!({"kind": "unauthorized"}), "unauthorized"),
        (
            json!({"kind": "rate_limit", "status": 403, "reset_after_seconds": 60}),
            "rate_limited",
        ),
        (
            json!({"kind": "rate_limit", "status": 429, "reset_after_seconds": 60, "retry_after": true}),
            "rate_limited",
        ),
        (json!({"kind": "malformed_json"}), "malformed_response"),
        (json!({"kind": "truncated"}), "malformed_response"),
        (json!({"kind": "timeout", "ms": 5000}), "timeout"),
    ];
    let sim = start_sim(Scenario::builtin()).await;
    let client = sim.client_with_timeout(Duration::from_secs(1));
    let mut sync = TaskSync::new(SyncOptions::default());
    sync.poll(&client, Utc::now()).await.unwrap();
    for (fault, code) in faults {
        let before = sync.snapshot(&sim.endpoints().web, Utc::now());
        // A change upstream, hidden behind the fault: it must be seen once the fault clears.
        sim.advance(30.0).await;
        let mut scoped = fault.clone();
        scoped["route"] = json!("tasks");
        scoped["times"] = json!(1);
        sim.fault(scoped).await;
        let error = sync.poll(&client, Utc::now()).await.unwrap_err();
        assert_eq!(error.code(), code, "{fault}: {error}");
        assert_eq!(
            states(&sync.snapshot(&sim.endpoints().web, Utc::now())),
            states(&before),
            "what was known survives {fault} unchanged"
        );
        let recovered = sync.poll(&client, Utc::now()).await.unwrap();
        assert_eq!(
            states(&recovered.snapshot),
            sim.truth().await,
            "recovered after {fault}"
        );
    }
}

#[tokio::test]
async fn a_rate_limit_says_when_it_resets() {
    let sim = start_sim(Scenario::builtin()).await;
    let client = sim.client();
    let mut sync = TaskSync::new(SyncOptions::default());
    sim.fault(json!({"kind": "rate_limit", "status": 403, "reset_after_seconds": 120, "times": 1}))
        .await;
    let error = sync.poll(&client, Utc::now()).await.unwrap_err();
    let wait = error.requested_wait(Utc::now()).unwrap();
    assert!(
        (Duration::from_secs(110)..=Duration::from_secs(121)).contains(&wait),
        "{wait:?}"
    );
    sim.fault(json!({"kind": "rate_limit", "status": 429, "reset_after_seconds": 30, "retry_after": true, "times": 1}))
        .await;
    let error = sync.poll(&client, Utc::now()).await.unwrap_err();
    assert_eq!(
        error.requested_wait(Utc::now()),
        Some(Duration::from_secs(30))
    );
}

#[tokio::test]
async fn a_refusing_copilot_api_costs_session_details_not_the_list() {
    let sim = start_sim(Scenario::builtin()).await;
    sim.fault(json!({"kind": "unauthorized", "route": "session"}))
        .await;
    let mut sync = TaskSync::new(SyncOptions::default());
    let outcome = sync.poll(&sim.client(), Utc::now()).await.unwrap();
    assert_eq!(states(&outcome.snapshot), sim.truth().await);
    let why = outcome.sessions_unavailable.unwrap();
    assert!(why.contains("401"), "{why}");
}

/// After the first load, an idle simulated hour (a poll a minute, full passes included) costs
/// the simulator almost only 304s.
#[tokio::test]
async fn an_idle_hour_costs_almost_only_304s() {
    let scenario_file = tempfile::NamedTempFile::with_suffix(".toml").unwrap();
    let mut text = String::from("[viewer]\nlogin = \"idle-user\"\nid = 1\n");
    for i in 0..40 {
        text.push_str(&format!(
            "\n[[tasks]]\nid = \"idle-{i:03}\"\nrepository = \"acme/repo{r}\"\nname = \"Finished task {i}\"\n\
             [tasks.pull_request]\nnumber = {n}\ntitle = \"Finished task {i}\"\n\
             [[tasks.sessions]]\nlog = \"feature\"\nsteps = [{{ at = -{a}, state = \"queued\" }}, {{ at = -{b}, state = \"completed\" }}]\n",
            r = i % 4,
            n = i + 1,
            a = 7200 + i * 60,
            b = 3600 + i * 60,
        ));
    }
    std::fs::write(scenario_file.path(), text).unwrap();
    let sim = start_sim(Scenario::from_file(scenario_file.path()).unwrap()).await;
    let client = sim.client();
    let mut sync = TaskSync::new(SyncOptions::default());
    let start = Utc::now();
    let first = sync.poll(&client, start).await.unwrap();
    assert_eq!(first.snapshot.tasks.len(), 40);
    // The first incremental poll establishes the ETag of the `since` query.
    sync.poll(&client, start).await.unwrap();
    let first_load = total(&sim.stats().await);
    sim.reset_stats().await;

    for minute in 1..=60 {
        sim.advance(60.0).await;
        let at = start + TimeDelta::minutes(minute);
        let outcome = sync.poll(&client, at).await.unwrap();
        assert!(!outcome.changed, "minute {minute}");
    }
    let stats = sim.stats().await;
    let (requests, bytes, not_modified) = total(&stats);
    assert!(requests >= 60, "{stats}");
    assert_eq!(
        requests, not_modified,
        "every idle request was a 304: {stats}"
    );
    assert_eq!(bytes, 0, "{stats}");
    println!(
        "first load: {} requests, {} bytes; idle hour: {requests} requests, all 304",
        first_load.0, first_load.1
    );
}
