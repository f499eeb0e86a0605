//! Upstream economy: what the simulator serves to keep 200 tasks fresh for a simulated idle
//! hour and a simulated busy hour, with agentbar's `TaskSync` (since + ETag, hydrate only what
//! changed) next to a naive poller written only here (re-list every page with no ETag or
//! `since`, and re-resolve every pull request through GraphQL, on every poll).
//!
//! Both strategies poll on the same cadence: the poller's defaults, 60 s when idle and 5 s
//! while something runs (the busy hour), so the comparison is per poll, not per schedule.
//! A third run schedules polls with the poller's own `next_delay` while the server asks for a
//! slower pace (`X-Poll-Interval`, a `429` with `Retry-After`) and reports the gaps: agentbar
//! never polls faster than the server asks.
//! `cargo bench --profile bench-fast --bench economy`; the figures are request and byte counts,
//! not timings, so any profile gives the same numbers.

#[path = "scenarios.rs"]
mod scenarios;

use agentbar::github::client::Fetched;
use agentbar::github::dto::TaskDto;
use agentbar::github::{ClientOptions, Endpoints, GitHubClient, SyncOptions, TaskSync, Token};
use agentbar::poller::{Attempt, PollPolicy, next_delay};
use agentbar::sim::{Scenario, SimOptions, Simulator};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const TASKS: usize = 200;
const SEED: u64 = 9;
const HOUR: f64 = 3600.0;

struct Sim {
    base: String,
    epoch: DateTime<Utc>,
    http: reqwest::Client,
    stop: CancellationToken,
}

impl Sim {
    async fn start(scenario: Scenario) -> Sim {
        let epoch = Utc::now();
        let simulator = Simulator::new(
            scenario,
            SimOptions {
                speed: 0.0,
                epoch,
                ..SimOptions::default()
            },
        );
        let stop = CancellationToken::new();
        let shutdown = stop.clone();
        let served =
            agentbar::sim::spawn_on_loopback(
                simulator,
                0,
                async move { shutdown.cancelled().await },
            )
            .await
            .unwrap();
        Sim {
            base: served.base,
            epoch,
            http: reqwest::Client::new(),
            stop,
        }
    }

    fn client(&self) -> GitHubClient {
        GitHubClient::new(
            Endpoints {
                api: self.base.clone(),
                web: format!("{}/web", self.base),
                copilot_api: None,
            },
            Token::new("bench-token").unwrap(),
            ClientOptions {
                timeout: Duration::from_secs(30),
                ..ClientOptions::default()
            },
        )
        .unwrap()
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}/_sim/{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "{path}");
        serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null)
    }

    async fn advance(&self, seconds: f64) {
        self.control(
            reqwest::Method::POST,
            "clock",
            Some(json!({ "advance_seconds": seconds })),
        )
        .await;
    }

    /// (requests, bytes, 304s) served so far.
    async fn totals(&self) -> (u64, u64, u64) {
        let stats = self.control(reqwest::Method::GET, "stats", None).await;
        let t = &stats["total"];
        (
            t["requests"].as_u64().unwrap_or(0),
            t["bytes"].as_u64().unwrap_or(0),
            t["not_modified"].as_u64().unwrap_or(0),
        )
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The naive poll: every page, unconditionally, then every pull request again.
async fn naive_poll(client: &GitHubClient) {
    let mut pull_ids = Vec::new();
    for page in 1.. {
        let reply = client.list_tasks(page, None, None).await.unwrap();
        let Fetched::Fresh { value, .. } = reply.body else {
            panic!("an unconditional request got a 304")
        };
        let count = value.tasks.len();
        for item in value.tasks {
            if let Ok(task) = serde_json::from_value::<TaskDto>(item)
                && let Some(id) = task.pull_request_node_id()
            {
                pull_ids.push(id);
            }
        }
        if reply.next_page.is_none() && (reply.has_link || count < 100) {
            break;
        }
    }
    client.nodes(&pull_ids).await.unwrap();
}

#[derive(Clone, Copy)]
enum Strategy {
    Agentbar,
    Naive,
}

/// Polls every `interval` seconds for an hour of sim time, after a first load that is not
/// counted (both strategies pay it once). Returns (polls, requests, bytes, 304s).
async fn measure(scenario: Scenario, strategy: Strategy, interval: f64) -> (u64, u64, u64, u64) {
    let sim = Sim::start(scenario).await;
    let client = sim.client();
    let mut sync = TaskSync::new(SyncOptions::default());
    let now = |t: f64| sim.epoch + TimeDelta::milliseconds((t * 1000.0) as i64);
    let poll = async |sync: &mut TaskSync, t: f64| match strategy {
        Strategy::Agentbar => {
            sync.poll(&client, now(t)).await.unwrap();
        }
        Strategy::Naive => naive_poll(&client).await,
    };
    poll(&mut sync, 0.0).await;
    let (r0, b0, n0) = sim.totals().await;
    let mut t = 0.0;
    let mut polls = 0;
    while t + interval <= HOUR {
        sim.advance(interval).await;
        t += interval;
        poll(&mut sync, t).await;
        polls += 1;
    }
    let (r1, b1, n1) = sim.totals().await;
    (polls, r1 - r0, b1 - b0, n1 - n0)
}

/// "Never faster than the server asks": an idle hour scheduled by the poller's own `next_delay`
/// while the server sends `X-Poll-Interval: 120` on every answer, with one `429` + `Retry-After:
/// 300` on the task list at the ten-minute mark. Returns the sim times at which polls started and
/// the time of the refused poll.
async fn obey_the_server(scenario: Scenario, policy: &PollPolicy) -> (Vec<f64>, f64) {
    let sim = Sim::start(scenario).await;
    let client = sim.client();
    let mut sync = TaskSync::new(SyncOptions::default());
    let now = |t: f64| sim.epoch + TimeDelta::milliseconds((t * 1000.0) as i64);
    sim.control(
        reqwest::Method::POST,
        "faults",
        Some(json!({"kind": "poll_interval", "seconds": 120})),
    )
    .await;
    let mut t = 0.0;
    let mut starts = Vec::new();
    let mut refused_at = f64::NAN;
    let mut rate_limited = false;
    let mut consecutive = 0;
    while t <= HOUR {
        if !rate_limited && t >= 600.0 {
            rate_limited = true;
            sim.control(
                reqwest::Method::POST,
                "faults",
                Some(
                    json!({"kind": "rate_limit", "status": 429, "retry_after": true,
                            "reset_after_seconds": 300, "route": "tasks", "times": 1}),
                ),
            )
            .await;
        }
        starts.push(t);
        let attempt = match sync.poll(&client, now(t)).await {
            Ok(outcome) => {
                consecutive = 0;
                Attempt::Succeeded {
                    any_active: outcome.snapshot.tasks.iter().any(|task| task.is_active()),
                    pacing: outcome.pacing,
                }
            }
            Err(error) => {
                consecutive += 1;
                refused_at = t;
                Attempt::Failed {
                    consecutive,
                    requested_wait: error.requested_wait(now(t)),
                    signed_out: false,
                    pacing: Default::default(),
                }
            }
        };
        // The middle of the jitter range; the delay never goes below what was asked anyway.
        let delay = next_delay(policy, attempt, now(t), 0.5).as_secs_f64();
        sim.advance(delay).await;
        t += delay;
    }
    (starts, refused_at)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let policy = PollPolicy::default();
    // `cargo test --all-targets` runs this without `--bench`: then only the idle hour, as a
    // check that the target holds.
    let full = std::env::args().any(|a| a == "--bench");
    let mut hours = vec![("idle", scenarios::idle(TASKS, SEED), policy.slow)];
    if full {
        hours.push(("busy", scenarios::busy(TASKS, SEED, HOUR), policy.fast));
    }
    println!("economy: {TASKS} tasks, one simulated hour each, first load not counted");
    println!(
        "{:<6} {:<9} {:>6} {:>9} {:>12} {:>6}",
        "hour", "strategy", "polls", "requests", "bytes", "304s"
    );
    for (name, scenario, interval) in hours {
        let interval = interval.as_secs_f64();
        let ours = runtime.block_on(measure(scenario.clone(), Strategy::Agentbar, interval));
        let naive = runtime.block_on(measure(scenario, Strategy::Naive, interval));
        for (label, (polls, requests, bytes, not_modified)) in
            [("agentbar", ours), ("naive", naive)]
        {
            println!("{name:<6} {label:<9} {polls:>6} {requests:>9} {bytes:>12} {not_modified:>6}");
        }
        let byte_ratio = naive.2 as f64 / ours.2.max(1) as f64;
        println!(
            "{name:<6} ratio naive/agentbar (poll every {interval} s): requests {:.1}×, bytes {byte_ratio:.1}×",
            naive.1 as f64 / ours.1.max(1) as f64,
        );
        if name == "idle" {
            assert!(byte_ratio >= 20.0, "idle target: at least 20× fewer bytes");
            // An idle poll is one conditional request, answered 304: owners and repositories
            // named at the first load are never asked again. The only extra requests are the
            // second pages of the 15-minute full passes.
            let (polls, requests, _, not_modified) = ours;
            let full_passes = (HOUR / SyncOptions::default().full_resync.as_secs_f64()) as u64;
            assert!(
                requests <= polls + full_passes && requests - not_modified <= 1,
                "an idle poll must stay one conditional request: {requests} requests, {not_modified} 304s in {polls} polls"
            );
        }
    }

    let (starts, refused_at) =
        runtime.block_on(obey_the_server(scenarios::idle(TASKS, SEED), &policy));
    let gaps: Vec<f64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    let shortest = gaps.iter().copied().fold(f64::INFINITY, f64::min);
    let after_refusal = starts
        .iter()
        .find(|&&t| t > refused_at)
        .map_or(f64::NAN, |next| next - refused_at);
    println!(
        "obey   agentbar: {} polls in the hour with X-Poll-Interval: 120 (default idle cadence {} s); \
         shortest gap {shortest:.0} s; after a 429 with Retry-After: 300 the next poll came {after_refusal:.0} s later",
        starts.len(),
        policy.slow.as_secs()
    );
    assert!(
        shortest >= 120.0,
        "polled {shortest} s after an answer that asked for 120"
    );
    assert!(
        after_refusal >= 300.0,
        "polled {after_refusal} s after a Retry-After of 300"
    );
}
