//! Stopping a task cancels the right Actions run in the simulator, and says plainly why not when
//! it cannot.

mod common;

use agentbar::app::{StopError, stop_task};
use agentbar::github::{SyncOptions, TaskSync};
use agentbar::model::{Health, Overview};
use agentbar::sim::Scenario;
use chrono::Utc;
use common::start_sim;

#[tokio::test]
async fn stop_cancels_the_current_sessions_run_and_refuses_what_cannot_stop() {
    let sim = start_sim(Scenario::builtin()).await;
    let client = sim.client();
    let mut sync = TaskSync::new(SyncOptions::default());
    let snapshot = sync.poll(&client, Utc::now()).await.unwrap().snapshot;
    let overview = Overview {
        snapshot,
        health: Health::starting(),
        sources: Vec::new(),
    };

    let running = overview
        .snapshot
        .tasks
        .iter()
        .find(|t| t.is_active())
        .unwrap();
    let run_id = running.sessions[0].workflow_run_id.unwrap();
    let stopped = stop_task(Some(&client), &overview, &running.id)
        .await
        .unwrap();
    assert_eq!(stopped.workflow_run_id, run_id);
    let stats = sim.stats().await;
    assert_eq!(stats["cancelled_runs"], serde_json::json!([run_id]));
    let after = sync.poll(&client, Utc::now()).await.unwrap().snapshot;
    assert_eq!(after.task(&running.id).unwrap().state.as_str(), "cancelled");

    // Stopping again: upstream refuses (the run is finished) with a clear error.
    match stop_task(Some(&client), &overview, &running.id).await {
        Err(StopError::Upstream(e)) => assert!(e.to_string().contains("409"), "{e}"),
        other => panic!("expected an upstream refusal, got {other:?}"),
    }

    let done = overview
        .snapshot
        .tasks
        .iter()
        .find(|t| t.state.is_terminal())
        .unwrap();
    assert!(matches!(
        stop_task(Some(&client), &overview, &done.id).await,
        Err(StopError::NotActive(_))
    ));
    assert!(matches!(
        stop_task(Some(&client), &overview, "no-such-task").await,
        Err(StopError::UnknownTask(_))
    ));
    assert!(matches!(
        stop_task(None, &overview, &running.id).await,
        Err(StopError::SignedOut)
    ));
}
