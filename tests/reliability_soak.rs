//! Reliability: a soak. The built-in scenario plays a whole simulated day (the simulator's clock
//! moved a minute every few real milliseconds) against the real `agentbar run --headless` in its
//! own process, with random upstream faults all along and launcher-like clients on the loopback
//! API (an event stream, list reads, a log follower). The process must keep serving, end the day
//! with the simulator's list, and hold no more memory at the end than after warm-up (+10 %).
//!
//! Faults left out on purpose: `unauthorized` signs out by design (the refused token is never
//! retried), and a rate limit's reset time comes from the simulator's clock, which runs up to a
//! day ahead of the wall clock here, so agentbar would rightly wait for hours. Both are covered
//! by `reliability_faults.rs` and `auth.rs`.

mod common;

use agentbar::server::Endpoint;
use agentbar::sim::Scenario;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Simulated seconds per step, and steps in the day.
const STEP_SECONDS: f64 = 60.0;
const STEPS: u32 = 24 * 60;
/// Real time per step: the day lasts STEPS × this (about 90 s).
const STEP_PAUSE: Duration = Duration::from_millis(60);
/// Two simulated hours: past the scenario's kept history (ten six-minute cycles) and a full
/// pass, so the data set has reached its steady size.
const WARM_UP_STEPS: u32 = 120;
/// A new random fault every this many steps (≈ 2 s).
const FAULT_EVERY: u32 = 30;
const SAMPLES: usize = 7;
/// Allowed growth from after warm-up to the end of the day.
const GROWTH: f64 = 1.10;

/// The median of a few samples a little apart, so one allocation burst does not decide.
async fn rss_median(pid: u32) -> u64 {
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        samples.push(common::rss_kib(pid));
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    samples.sort_unstable();
    samples[SAMPLES / 2]
}

fn random_fault(rng: &mut StdRng) -> Value {
    let routes = [
        None,
        Some("tasks"),
        Some("task"),
        Some("graphql"),
        Some("session"),
        Some("session_logs"),
    ];
    let mut fault = match rng.random_range(0..7) {
        0 => json!({"kind": "status", "status": 500}),
        1 => json!({"kind": "status", "status": 502}),
        2 => json!({"kind": "latency", "ms": rng.random_range(100..600)}),
        3 => json!({"kind": "timeout", "ms": 2500}),
        4 => json!({"kind": "malformed_json"}),
        5 => json!({"kind": "truncated"}),
        _ => json!({"kind": "poll_interval", "seconds": rng.random_range(1..3)}),
    };
    fault["times"] = json!(rng.random_range(1..6));
    if let Some(route) = routes[rng.random_range(0..routes.len())] {
        fault["route"] = json!(route);
    }
    fault
}

fn spawn_agent(state: &Path, sim: &common::SimServer) -> Child {
    let config = state.join("config");
    std::fs::create_dir_all(&config).unwrap();
    // Fast polls and a full pass every few seconds, so a simulated day is also many polls and
    // the tasks the scenario deletes for age leave the list within the test.
    std::fs::write(
        config.join("config.toml"),
        "[poll]\nfast_seconds = 0.25\nslow_seconds = 1\nbackoff_base_seconds = 0.2\n\
         backoff_max_seconds = 2\nfull_resync_seconds = 5\nrequest_timeout_seconds = 2\n",
    )
    .unwrap();
    sim.run_headless(state)
        .env("RUST_LOG", "agentbar=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Kills the agent if the test fails half-way, so no orphan keeps polling.
struct Agent(Child);

impl Drop for Agent {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

struct Api {
    url: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    async fn wait_for(state: &Path) -> Api {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(endpoint) = Endpoint::read(state) {
                return Api {
                    url: endpoint.url,
                    token: endpoint.token,
                    http: reqwest::Client::builder()
                        .timeout(Duration::from_secs(10))
                        .build()
                        .unwrap(),
                };
            }
            assert!(Instant::now() < deadline, "endpoint.json never appeared");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
    }

    async fn json(&self, path: &str) -> (u16, Value) {
        let response = self.get(path).send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.json().await.unwrap();
        (status, body)
    }
}

#[derive(Default)]
struct ClientCounts {
    lists: AtomicU64,
    events: AtomicU64,
    log_pages: AtomicU64,
    log_events: AtomicU64,
}

/// Launcher-like clients until `stop`: each asserts what it must never see.
fn spawn_clients(
    api: Arc<Api>,
    stop: Arc<AtomicBool>,
    counts: Arc<ClientCounts>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let lister = {
        let (api, stop, counts) = (api.clone(), stop.clone(), counts.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let (status, list) = api.json("/v1/tasks").await;
                assert_eq!(status, 200, "{list}");
                assert!(list["tasks"].is_array(), "{list}");
                counts.lists.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let events = {
        let (api, stop, counts) = (api.clone(), stop.clone(), counts.clone());
        tokio::spawn(async move {
            // A client without the overall timeout: the stream is meant to last the whole day.
            let mut response = reqwest::Client::new()
                .get(format!("{}/v1/events", api.url))
                .bearer_auth(&api.token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            while !stop.load(Ordering::Relaxed) {
                match tokio::time::timeout(Duration::from_millis(500), response.chunk()).await {
                    Ok(Ok(Some(chunk))) => {
                        let text = String::from_utf8_lossy(&chunk);
                        let n = text.matches("event: transition").count();
                        counts.events.fetch_add(n as u64, Ordering::Relaxed);
                    }
                    Ok(Ok(None)) => panic!("the event stream ended while the agent runs"),
                    Ok(Err(e)) => panic!("the event stream broke: {e}"),
                    Err(_) => {}
                }
            }
        })
    };
    let follower = tokio::spawn(async move {
        let mut following: Option<(String, String)> = None;
        let mut turn = 0usize;
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let (id, cursor) = match following.take() {
                Some(f) => f,
                // Running tasks rarely last more than a few polls at this speed: take the next
                // task of any kind in turn, so followers come and go for many tasks.
                None => {
                    let (_, list) = api.json("/v1/tasks").await;
                    let tasks = list["tasks"].as_array().cloned().unwrap_or_default();
                    if tasks.is_empty() {
                        continue;
                    }
                    turn += 1;
                    let id = tasks[turn % tasks.len()]["id"].as_str().unwrap().to_owned();
                    (id, String::new())
                }
            };
            let path = if cursor.is_empty() {
                format!("/v1/tasks/{id}/logs")
            } else {
                format!("/v1/tasks/{id}/logs?after={cursor}")
            };
            let (status, page) = api.json(&path).await;
            match status {
                200 => {
                    counts.log_pages.fetch_add(1, Ordering::Relaxed);
                    let events = page["events"].as_array().expect("events[]").len();
                    counts
                        .log_events
                        .fetch_add(events as u64, Ordering::Relaxed);
                    if page["done"] != json!(true) {
                        following = Some((id, page["cursor"].as_str().unwrap().to_owned()));
                    }
                }
                // Upstream trouble (a fault) or the task gone: a JSON error, never a hang-up.
                _ => assert!(page["error"]["code"].is_string(), "{status}: {page}"),
            }
        }
    });
    vec![lister, events, follower]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_day_with_random_faults_keeps_memory_flat() {
    let sim = common::start_sim(Scenario::builtin()).await;
    let state = tempfile::tempdir().unwrap();
    let mut agent = Agent(spawn_agent(state.path(), &sim));
    let pid = agent.0.id();
    let api = Arc::new(Api::wait_for(state.path()).await);
    let stop = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(ClientCounts::default());
    let mut clients = spawn_clients(api.clone(), stop.clone(), counts.clone());

    let seed: u64 = rand::rng().random();
    eprintln!("soak: fault seed {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let mut warm = None;
    let mut midday = 0;
    let mut faults = 0;
    for step in 1..=STEPS {
        sim.advance(STEP_SECONDS).await;
        if step % FAULT_EVERY == 0 {
            sim.fault(random_fault(&mut rng)).await;
            faults += 1;
        }
        if step == WARM_UP_STEPS {
            warm = Some(rss_median(pid).await);
        }
        if step == STEPS / 2 {
            midday = rss_median(pid).await;
        }
        assert!(
            agent.0.try_wait().unwrap().is_none(),
            "agentbar exited during the soak (step {step}, seed {seed})"
        );
        // A client that stopped early found something wrong: say what now, not after the day.
        if let Some(done) = clients.iter().position(|c| c.is_finished()) {
            let client = clients.swap_remove(done);
            client.await.expect("a client found something wrong");
            panic!("a client stopped early (step {step}, seed {seed})");
        }
        tokio::time::sleep(STEP_PAUSE).await;
    }
    let day = started.elapsed();

    // The day is over: faults cleared, the agent catches up with the simulator's truth.
    sim.clear_faults().await;
    let truth = sim.truth().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let listed = loop {
        let (_, list) = api.json("/v1/tasks").await;
        let mut listed: Vec<(String, String)> = list["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["id"].as_str().unwrap().to_owned(),
                    t["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        listed.sort();
        let mut expected = truth.clone();
        expected.sort();
        if list["health"]["status"] == "ok" && listed == expected {
            break listed;
        }
        assert!(
            Instant::now() < deadline,
            "after the day the list never matched the simulator: health {}, {} listed, {} in truth",
            list["health"],
            listed.len(),
            expected.len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let end = rss_median(pid).await;
    let warm = warm.expect("sampled after warm-up");
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.expect("a client found something wrong");
    }

    let lists = counts.lists.load(Ordering::Relaxed);
    let transitions = counts.events.load(Ordering::Relaxed);
    let log_pages = counts.log_pages.load(Ordering::Relaxed);
    let log_events = counts.log_events.load(Ordering::Relaxed);
    let stats = sim.stats().await;
    let (requests, _, _) = common::total(&stats);
    eprintln!(
        "soak: a simulated day in {:.0} s: {requests} upstream requests, {faults} faults, \
         {lists} list reads, {transitions} transitions streamed, {log_pages} log pages \
         ({log_events} events); {} tasks at the end; RSS after warm-up {warm} KiB, at midday \
         {midday} KiB, at the end {end} KiB ({:+.1} %)",
        day.as_secs_f64(),
        listed.len(),
        (end as f64 / warm as f64 - 1.0) * 100.0
    );

    // The day really happened: the scenario moved and clients read. The floors are loose on
    // purpose (a busy machine polls less often in the same real time); a broken stream, list or
    // follower reads nothing at all.
    assert!(transitions >= 50, "only {transitions} transitions streamed");
    assert!(
        lists >= 100 && log_pages >= 10,
        "{lists} lists, {log_pages} log pages"
    );
    assert!(
        end as f64 <= warm as f64 * GROWTH,
        "memory grew from {warm} KiB after warm-up to {end} KiB at the end of the day"
    );

    // And it still stops cleanly.
    let term = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = agent.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "no clean exit after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit after SIGTERM: {status}");
}
