//! The poller against the simulator over loopback: faults show in `Health`, the last good
//! snapshot stays, and polling recovers when the fault clears.

mod common;

use agentbar::github::{ClientOptions, SyncOptions, Token};
use agentbar::model::HealthStatus;
use agentbar::poller::{GitHubSource, PollPolicy, Poller, initial_state};
use agentbar::sim::Scenario;
use agentbar::sources::SourceState;
use common::start_sim;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

/// A source for the simulator, and the sender of its credentials (a test's `login`).
fn source_for(
    sim: &common::SimServer,
    timeout: Duration,
) -> (GitHubSource, watch::Sender<Option<Token>>) {
    let (credentials_tx, credentials) = watch::channel(Token::new("test-token"));
    let (clients, _) = watch::channel(None);
    let source = GitHubSource::new(
        sim.endpoints(),
        ClientOptions {
            timeout,
            ..ClientOptions::default()
        },
        SyncOptions::default(),
        credentials,
        clients,
    );
    (source, credentials_tx)
}

async fn wait_for(
    rx: &mut watch::Receiver<Arc<SourceState>>,
    what: &str,
    mut done: impl FnMut(&SourceState) -> bool,
) -> Arc<SourceState> {
    let waited = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let current = rx.borrow_and_update().clone();
            if done(&current) {
                return current;
            }
            rx.changed().await.unwrap();
        }
    })
    .await;
    match waited {
        Ok(overview) => overview,
        Err(_) => panic!("gave up waiting for {what}: {:?}", rx.borrow().health),
    }
}

#[tokio::test]
async fn every_fault_shows_in_health_keeps_the_snapshot_and_clears() {
    let sim = start_sim(Scenario::builtin()).await;
    let (source, credentials) = source_for(&sim, Duration::from_millis(500));
    let policy = PollPolicy {
        fast: Duration::from_millis(100),
        slow: Duration::from_millis(100),
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        reserve_requests: 0,
    };
    let (tx, mut rx) = watch::channel(Arc::new(initial_state(None)));
    let (transitions, _) = broadcast::channel(64);
    let cancel = CancellationToken::new();
    let poller = tokio::spawn(Poller::new(source, policy, transitions).run(tx, cancel.clone()));

    let good = wait_for(&mut rx, "the first load", |o| {
        o.health.status == HealthStatus::Ok
    })
    .await;
    let task_count = good.snapshot.tasks.len();
    assert!(task_count > 0);

    let faults = [
        (
            json!({"kind": "status", "status": 502}),
            "server_error",
            HealthStatus::Degraded,
        ),
        (
            json!({"kind": "unauthorized"}),
            "unauthorized",
            HealthStatus::SignedOut,
        ),
        (
            json!({"kind": "rate_limit", "status": 429, "reset_after_seconds": 1}),
            "rate_limited",
            HealthStatus::Degraded,
        ),
        (
            json!({"kind": "malformed_json"}),
            "malformed_response",
            HealthStatus::Degraded,
        ),
        (
            json!({"kind": "truncated"}),
            "malformed_response",
            HealthStatus::Degraded,
        ),
        (
            json!({"kind": "timeout", "ms": 2000}),
            "timeout",
            HealthStatus::Degraded,
        ),
    ];
    for (fault, code, status) in faults {
        let mut on_list = fault.clone();
        on_list["route"] = json!("tasks");
        sim.fault(on_list).await;
        let seen = wait_for(&mut rx, code, |o| {
            o.health.last_error.as_ref().is_some_and(|p| p.code == code)
                && o.health.status == status
        })
        .await;
        assert!(seen.health.stale, "{fault}");
        assert_eq!(
            seen.snapshot.tasks.len(),
            task_count,
            "snapshot kept under {fault}"
        );
        sim.clear_faults().await;
        if status == HealthStatus::SignedOut {
            // A refused token is not tried again: recovery takes a new one (a new sign-in).
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(rx.borrow().health.status, HealthStatus::SignedOut);
            credentials.send_replace(Token::new("a-new-token"));
        }
        let back = wait_for(&mut rx, "recovery", |o| o.health.status == HealthStatus::Ok).await;
        assert_eq!(back.health.consecutive_failures, 0);
        assert!(!back.health.stale);
    }
    cancel.cancel();
    poller.await.unwrap();
}

#[tokio::test]
async fn a_state_change_upstream_reaches_the_overview_and_the_transitions() {
    let sim = start_sim(Scenario::builtin()).await;
    let (source, _credentials) = source_for(&sim, Duration::from_secs(10));
    let policy = PollPolicy {
        fast: Duration::from_millis(100),
        slow: Duration::from_millis(100),
        ..PollPolicy::default()
    };
    let (tx, mut rx) = watch::channel(Arc::new(initial_state(None)));
    let (transitions, mut transitions_rx) = broadcast::channel(64);
    let cancel = CancellationToken::new();
    let poller = tokio::spawn(Poller::new(source, policy, transitions).run(tx, cancel.clone()));
    wait_for(&mut rx, "the first load", |o| {
        o.health.status == HealthStatus::Ok
    })
    .await;
    sim.advance(120.0).await;
    let transition = tokio::time::timeout(Duration::from_secs(10), transitions_rx.recv())
        .await
        .expect("a transition within a few fast polls")
        .unwrap();
    let truth = sim.truth().await;
    assert!(
        truth
            .iter()
            .any(|(id, state)| *id == transition.task_id && state == transition.to.as_str()),
        "{transition:?} not in {truth:?}"
    );
    cancel.cancel();
    poller.await.unwrap();
}
