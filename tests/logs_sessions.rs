//! The logs route's choice of session, over loopback against the simulator: the newest session
//! by default, another by number or id, and a task whose sessions the snapshot does not hold
//! has them fetched (once) from its detail instead of an endless "try again" answer.

mod common;

use std::sync::Arc;

use agentbar::core::FollowSignals;
use agentbar::github::{SyncOptions, TaskSync};
use agentbar::model::SourceId;
use agentbar::model::Task;
use agentbar::server::logs::LogFollowers;
use agentbar::sim::Scenario;
use agentbar::sources::github::GitHubAccount;
use axum::http::StatusCode;
use chrono::Utc;
use common::{route, start_sim};

const SCENARIO: &str = r#"
[[tasks]]
id = "7a5e0000-0000-4000-8000-00000000f002"
repository = "octo-org/docs"
name = "Document the deploy"

[[tasks.sessions]]
log = "docs"
steps = [{ at = -900, state = "queued" }, { at = -600, state = "completed" }]

[[tasks.sessions]]
log = "failing"
steps = [{ at = -300, state = "queued" }, { at = -60, state = "failed", error = "Build broke" }]
"#;

async fn task_and_client() -> (common::SimServer, Task, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two-sessions.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    let sim = start_sim(Scenario::from_file(&path).unwrap()).await;
    let mut sync = TaskSync::new(SyncOptions::default());
    let snapshot = sync.poll(&sim.client(), Utc::now()).await.unwrap().snapshot;
    let task = agentbar::model::Task::clone(&snapshot.tasks[0]);
    assert_eq!(task.sessions.len(), 2, "{task:?}");
    (sim, task, dir)
}

/// The simulator's account as a source that serves logs with a fixed client.
fn account(sim: &common::SimServer) -> GitHubAccount {
    GitHubAccount::with_client(
        SourceId::default(),
        "simulator".into(),
        Some(Arc::new(sim.client())),
    )
}

fn titles(page: &agentbar::logs::wire::LogPageJson) -> Vec<String> {
    page.events.iter().map(|e| e.title.clone()).collect()
}

#[tokio::test]
async fn the_newest_session_by_default_and_any_other_by_number_or_id() {
    let (sim, task, _dir) = task_and_client().await;
    let client = &account(&sim);
    let followers = LogFollowers::new(FollowSignals::default());

    let newest = followers.page(client, &task, None, None).await.unwrap();
    assert!(newest.done, "the task is finished");
    assert!(titles(&newest).contains(&"Bash: Install and build".to_owned()));
    let first = followers
        .page(client, &task, None, Some("1"))
        .await
        .unwrap();
    assert!(first.done, "an older session is over");
    assert!(!titles(&first).contains(&"Bash: Install and build".to_owned()));
    assert_ne!(titles(&first), titles(&newest));
    let first_id = task.sessions[1].id.clone();
    let by_id = followers
        .page(client, &task, None, Some(&first_id))
        .await
        .unwrap();
    assert_eq!(titles(&by_id), titles(&first));
    assert_eq!(
        titles(
            &followers
                .page(client, &task, None, Some("2"))
                .await
                .unwrap()
        ),
        titles(&newest)
    );
    for wrong in ["0", "3", "no-such-session"] {
        let error = followers
            .page(client, &task, None, Some(wrong))
            .await
            .unwrap_err();
        assert_eq!(error.status, StatusCode::NOT_FOUND, "{wrong}");
        assert_eq!(error.code, "no_session");
        assert!(error.message.contains("has 2"), "{}", error.message);
    }
}

#[tokio::test]
async fn sessions_unknown_to_the_snapshot_are_fetched_once() {
    let (sim, mut task, _dir) = task_and_client().await;
    let expected = {
        let followers = LogFollowers::new(FollowSignals::default());
        titles(
            &followers
                .page(&account(&sim), &task, None, None)
                .await
                .unwrap(),
        )
    };
    // As for a task whose detail the poller never fetched.
    task.sessions.clear();
    let client = &account(&sim);
    let followers = LogFollowers::new(FollowSignals::default());
    sim.reset_stats().await;
    let page = followers.page(client, &task, None, None).await.unwrap();
    assert_eq!(titles(&page), expected, "the newest session's log");
    assert_eq!(
        route(&sim.stats().await, "task").0,
        1,
        "the detail was fetched"
    );
    let first = followers
        .page(client, &task, None, Some("1"))
        .await
        .unwrap();
    assert_ne!(titles(&first), expected, "the first session, by number");
    assert_eq!(
        route(&sim.stats().await, "task").0,
        1,
        "and kept: no second fetch"
    );
    // Signed out, the answer says so rather than asking to try again later.
    let signed_out = GitHubAccount::with_client(SourceId::default(), "signed out".into(), None);
    let error = followers
        .page(&signed_out, &task, None, None)
        .await
        .unwrap_err();
    assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error.code, "signed_out");
}
