//! Following session logs over loopback against the simulator, as the API route will: fetch the
//! whole log with `GitHubClient::session_log`, feed it to a `LogFollower`, hand a client the
//! events after its cursor. In every case the client ends with every event exactly once.

mod common;

use agentbar::github::client::Fetched;
use agentbar::github::{GitHubClient, SyncOptions, TaskSync};
use agentbar::logs::{Cursor, Event, EventKind, LogFollower};
use agentbar::sim::Scenario;
use chrono::Utc;
use common::{SimServer, start_sim};

/// What a client of the logs route keeps: the events it was given, and its cursor.
#[derive(Default)]
struct Client {
    shown: Vec<Event>,
    cursor: Option<Cursor>,
    resets: usize,
}

impl Client {
    fn poll(&mut self, follower: &LogFollower) -> bool {
        let page = follower.events_after(self.cursor);
        if page.reset {
            self.shown.clear();
            self.resets += 1;
        }
        self.shown.extend(page.events.iter().cloned());
        self.cursor = Some(page.cursor);
        page.done
    }

    /// Exactly the follower's events, each once, seqs strictly increasing.
    fn assert_has_everything_once(&self, follower: &LogFollower) {
        assert_eq!(self.shown, follower.events());
        assert!(self.shown.windows(2).all(|w| w[0].seq < w[1].seq));
    }
}

/// The id of the newest session of the builtin task `task_id`.
async fn session_of(sim: &SimServer, task_id: &str) -> String {
    let mut sync = TaskSync::new(SyncOptions::default());
    let snapshot = sync.poll(&sim.client(), Utc::now()).await.unwrap().snapshot;
    let task = snapshot.task(task_id).unwrap();
    task.sessions.last().unwrap().id.clone()
}

async fn session_state(client: &GitHubClient, session: &str) -> String {
    match client.capi_session(session, None).await.unwrap().body {
        Fetched::Fresh { value, .. } => value.state.unwrap_or_default(),
        Fetched::NotModified => panic!("304 to an unconditional request"),
    }
}

fn is_terminal(state: &str) -> bool {
    matches!(state, "completed" | "failed" | "timed_out" | "cancelled")
}

/// Follows a session every `step` sim seconds until the follower is done; returns the follower,
/// the client and how many fetches it took.
async fn follow(sim: &SimServer, session: &str, step: f64) -> (LogFollower, Client, usize) {
    let client = sim.client();
    let mut follower = LogFollower::new();
    let mut reader = Client::default();
    let mut lengths = Vec::new();
    for fetch in 1..=200 {
        // Read the state before the log, so a terminal state means the log is final.
        let state = session_state(&client, session).await;
        let body = client.session_log(session).await.unwrap();
        lengths.push(body.len());
        let update = if is_terminal(&state) {
            follower.finish(&body)
        } else {
            follower.update(&body)
        };
        assert!(!update.reset, "a growing log never resets");
        if reader.poll(&follower) {
            assert!(lengths.windows(2).all(|w| w[0] <= w[1]), "{lengths:?}");
            return (follower, reader, fetch);
        }
        sim.advance(step).await;
    }
    panic!("the follower never finished; log lengths {lengths:?}");
}

#[tokio::test]
async fn a_growing_log_is_followed_to_its_pr_summary_with_every_event_once() {
    let sim = start_sim(Scenario::builtin()).await;
    // Task 2 (bugfix script): working, waiting, working again, completes at 200 s. Its log holds
    // a fake `ghp_` token.
    let session = session_of(&sim, "b1a7c0de-0002-4000-8000-00000000a002").await;
    let (follower, reader, fetches) = follow(&sim, &session, 15.0).await;
    reader.assert_has_everything_once(&follower);
    assert!(fetches > 5, "the log grew over several fetches ({fetches})");
    let events = follower.events();
    let last = events.last().unwrap();
    assert_eq!(last.kind, EventKind::Message);
    assert!(last.title.starts_with("Pull request: "), "{}", last.title);
    assert!(events.iter().all(|e| e.kind != EventKind::Error));
    assert!(
        events
            .iter()
            .filter_map(|e| e.tool.as_ref())
            .all(|t| t.output.is_some()),
        "every tool call got its result"
    );
    let token = events
        .iter()
        .find(|e| e.title == "Bash: Check which tokens the environment provides")
        .unwrap();
    assert!(token.body.contains("GITHUB_TOKEN=[redacted: github token]"));
    assert!(!format!("{events:?}").contains("ghp_"));
    // It is the same as parsing the final log once.
    let body = sim.client().session_log(&session).await.unwrap();
    assert_eq!(follower.events(), agentbar::logs::parse_log(&body));
}

#[tokio::test]
async fn a_session_that_fails_without_stop_ends_when_the_task_is_terminal() {
    let sim = start_sim(Scenario::builtin()).await;
    // Task 4 (failing script): starts at 10 s, fails at 140 s; its log never gets a `stop`.
    sim.advance(12.0).await;
    let session = session_of(&sim, "b1a7c0de-0004-4000-8000-00000000a004").await;
    let (follower, reader, _) = follow(&sim, &session, 20.0).await;
    reader.assert_has_everything_once(&follower);
    assert!(!follower.saw_stop());
    assert!(follower.is_done());
    let titles: Vec<&str> = follower.events().iter().map(|e| e.title.as_str()).collect();
    assert!(
        titles.contains(&"Bash: Retry the Android build"),
        "{titles:?}"
    );
    assert!(follower.pending_tools().is_empty());
}

#[tokio::test]
async fn a_rewritten_or_shrunk_log_resets_and_the_client_ends_with_each_event_once() {
    let sim = start_sim(Scenario::builtin()).await;
    let client = sim.client();
    let session = session_of(&sim, "b1a7c0de-0002-4000-8000-00000000a002").await;
    sim.advance(120.0).await;
    let real = client.session_log(&session).await.unwrap();

    let mut follower = LogFollower::new();
    let mut reader = Client::default();
    follower.update(&real);
    reader.poll(&follower);
    let before = follower.events().len();
    assert!(before > 3);

    // The same length of log, rewritten near its start (a session restarted on the server).
    let rewritten = real.replacen("Let me start by exploring", "Let me start by reading", 1);
    assert_ne!(rewritten, real);
    assert!(follower.update(&rewritten).reset);
    reader.poll(&follower);
    reader.assert_has_everything_once(&follower);
    // The rewritten message is served in place of the old one (wherever the log puts it: the
    // user's prompt comes first now).
    let titles: Vec<&str> = follower.events().iter().map(|e| e.title.as_str()).collect();
    assert!(
        titles.iter().any(|t| t.contains("Let me start by reading"))
            && !titles
                .iter()
                .any(|t| t.contains("Let me start by exploring")),
        "{titles:?}"
    );

    // Shrunk to its first half: again a reset, then growth from there is incremental.
    let mut half = real.len() / 2;
    while !real.is_char_boundary(half) {
        half += 1;
    }
    assert!(follower.update(&real[..half]).reset);
    reader.poll(&follower);
    assert!(!follower.update(&real).reset);
    reader.poll(&follower);
    reader.assert_has_everything_once(&follower);
    assert_eq!(follower.events().len(), before);
    assert_eq!(reader.resets, 2);
    assert_eq!(follower.stats().resets, 2);
    assert_eq!(follower.stats().generation, 2);
}
