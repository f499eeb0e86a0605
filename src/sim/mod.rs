//! The GitHub simulator: a loopback HTTP server that speaks GitHub's agent-task REST API, the
//! Copilot sessions API (with growing logs), GraphQL for pull requests and users, the account
//! and repository routes and the Actions cancel route, playing back a scripted [`Scenario`]
//! over sim time. It drives demo mode and the integration tests, can inject faults, and counts
//! and records every request it serves.
//!
//! Its shapes follow GitHub's documentation, not this crate's client: the REST task names its
//! creator, owner and repository by `{id}` alone, puts an artifact's kind in its own `type`
//! (`pull`, with `global_id` only sometimes, or `branch`), has no `status`, and its sessions
//! carry `usage` and `error {message}`; node ids are GitHub's (`node_id`); the Copilot API keeps
//! its own, fuller shapes and refuses unknown `Copilot-Integration-Id`s. Starting a task
//! (`POST /agents/repos/{owner}/{repo}/tasks`, `create`) answers 201 with a task that then plays
//! a short timeline; with `head_ref` it works on that existing branch and its pull request;
//! a plan without the agent API (`can_start_tasks = false`) gets 403, a repository in
//! `repositories_without_agent` 422. The Copilot API lists the scenario's `models` and each
//! repository's `custom_agents` (`GET /agents/swe/models`, `/agents/swe/custom-agents/{owner}/
//! {repo}`, 404 for a repository with none) in the shapes GitHub's own clients read.
//! `tests/upstream_schema.rs` checks every REST answer of a scenario run against a schema
//! written from the documentation.
//!
//! Layout: `scenario` (the script and its file format) → `world` (what exists at one sim time,
//! pure) → `wire` (upstream JSON shapes), `node_id` and `logs` (session log text); `listing`
//! (task list filters and paging), `faults`, `stats`, `requests`, `conditional` (ETags) and
//! `rate_limit` are the request-level concerns that `routes` ties together. The simulator
//! shares nothing with the rest of the crate on purpose: it must speak GitHub's wire shapes from
//! its own types, so that it tests the real client honestly.
//!
//! URLs: REST and GraphQL (`/graphql`) at the origin, the OAuth device flow at `/login/...`,
//! the Copilot API under `/copilot`, web pages under `/web`, control routes (no auth, never
//! counted, recorded or faulted) under `/_sim`:
//! - `GET/POST/DELETE /_sim/faults`: list, add (`{"kind", "route"?, "times"?, "session"?}`;
//!   `session` restricts a fault to requests about that session), clear.
//! - `GET /_sim/stats`, `POST /_sim/stats/reset`: request counters per route.
//! - `GET /_sim/requests`: the last 10,000 upstream requests, oldest first, as
//!   `{"requests": [{"route", "method", "path", "at_ms", "copilot_integration_id", "body"?}]}`
//!   (`path` with its query; `at_ms` since the simulator started, monotonic; the header or
//!   null; `body`, the JSON a task start sent);
//!   `DELETE /_sim/requests` forgets them.
//! - `GET/POST /_sim/clock`: the sim time; `{"advance_seconds": N}` moves it.
//! - `GET /_sim/scenario/tasks`: every task now, with its sessions' ids, states and run ids.
//! - `GET/POST /_sim/device`: the device-flow grants; approve or deny one.

mod conditional;
mod create;
mod device;
mod faults;
mod listing;
mod logs;
mod node_id;
mod rate_limit;
mod requests;
mod routes;
mod scenario;
mod stats;
mod wire;
mod world;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use chrono::{DateTime, Utc};

pub use faults::{Fault, FaultKind, FaultRequest, ROUTE_NAMES};
pub use scenario::{
    CustomAgentSpec, LOG_SCRIPTS, ModelSpec, PullRequestSpec, PullRequestState, Scenario,
    ScenarioError, SessionSpec, StepError, StepSpec, TaskSpec, Viewer,
};

use faults::FaultBook;
use rate_limit::RateLimits;
use requests::RequestLog;
use stats::StatsBook;
use world::{Cancellations, SimSeconds, World};

/// How the simulator runs its scenario.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Sim seconds per real second (0 freezes the clock; `/_sim/clock` still moves it).
    pub speed: f64,
    /// Sim time at start; scenario times count from here.
    pub epoch: DateTime<Utc>,
    /// Bearer tokens the simulator accepts; `None` accepts any non-empty token.
    pub accepted_tokens: Option<Vec<String>>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            speed: 1.0,
            epoch: Utc::now(),
            accepted_tokens: None,
        }
    }
}

/// A running simulation; clones share one state (a std `Mutex`, never held across `.await`).
#[derive(Clone)]
pub struct Simulator {
    state: Arc<Mutex<SimState>>,
}

/// Everything that changes while the simulator runs.
pub(crate) struct SimState {
    scenario: Scenario,
    epoch: DateTime<Utc>,
    speed: f64,
    started: Instant,
    /// Sim seconds added through `POST /_sim/clock`.
    manual_offset: SimSeconds,
    accepted_tokens: Option<Vec<String>>,
    cancellations: Cancellations,
    faults: FaultBook,
    stats: StatsBook,
    /// The recent requests, for `GET /_sim/requests`.
    requests: RequestLog,
    rate_limits: RateLimits,
    /// Device-flow codes handed out, with how often each was polled.
    device_grants: device::DeviceGrants,
    /// Tasks started through `POST /agents/repos/{owner}/{repo}/tasks` so far.
    started_tasks: u64,
}

impl SimState {
    /// Sim seconds since the epoch.
    fn now(&self) -> SimSeconds {
        self.started.elapsed().as_secs_f64() * self.speed + self.manual_offset
    }

    fn world(&self) -> World {
        world::world_at(&self.scenario, self.now(), &self.cancellations)
    }

    /// Milliseconds since the simulator started (monotonic).
    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn accepts(&self, token: &str) -> bool {
        match &self.accepted_tokens {
            None => !token.is_empty(),
            Some(tokens) => tokens.iter().any(|t| t == token),
        }
    }
}

impl Simulator {
    pub fn new(scenario: Scenario, options: SimOptions) -> Simulator {
        let speed = if options.speed.is_finite() && options.speed >= 0.0 {
            options.speed
        } else {
            tracing::warn!(speed = options.speed, "unusable simulator speed; using 1.0");
            1.0
        };
        Simulator {
            state: Arc::new(Mutex::new(SimState {
                scenario,
                epoch: options.epoch,
                speed,
                started: Instant::now(),
                manual_offset: 0.0,
                accepted_tokens: options.accepted_tokens,
                cancellations: Cancellations::new(),
                faults: FaultBook::default(),
                stats: StatsBook::default(),
                requests: RequestLog::default(),
                rate_limits: RateLimits::default(),
                device_grants: device::DeviceGrants::default(),
                started_tasks: 0,
            })),
        }
    }

    /// The simulator's routes, for `serve` or for embedding in another router.
    pub fn router(&self) -> axum::Router {
        routes::router(self.clone())
    }

    /// The state; a panic elsewhere while it was held leaves it usable, since every update
    /// to it is a single assignment or push.
    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A simulator being served on loopback.
pub struct OnLoopback {
    /// `http://127.0.0.1:PORT`: the REST, GraphQL and Copilot API base.
    pub base: String,
    pub address: std::net::SocketAddr,
    /// Ends after `shutdown` completes and the graceful shutdown is done.
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds `127.0.0.1:port` (0: any free port) and serves `sim` there on a task of its own until
/// `shutdown` completes: the one way the demo, the `sim` command, the tests and the benches
/// start the simulator.
pub async fn spawn_on_loopback(
    sim: Simulator,
    port: u16,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<OnLoopback> {
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)).await?;
    let address = listener.local_addr()?;
    let task = tokio::spawn(serve(listener, sim, shutdown));
    Ok(OnLoopback {
        base: format!("http://{address}"),
        address,
        task,
    })
}

/// Serves the simulator on an already-bound listener until `shutdown` completes
/// (tests bind `127.0.0.1:0`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    sim: Simulator,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, sim.router())
        .with_graceful_shutdown(shutdown)
        .await
}
