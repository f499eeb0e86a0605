//! Wiring for the long-running modes (`run --headless`, `demo --headless`): the simulator when
//! demoing, the client and poller, the snapshot writer, and the shutdown sequence.
//!
//! Shutdown order (also in ARCHITECTURE.md): the cancellation token fires → the poller stops
//! and drops the only overview sender → the snapshot writer sees the channel close and flushes the
//! last snapshot → the simulator (demo) finishes its graceful shutdown → the tracker has waited
//! for every task, and the runtime is dropped.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::github::{ClientError, Endpoints, GitHubClient, TaskSync, Token};
use crate::model::Problem;
use crate::poller::{GitHubSource, Poller, initial_overview};
use crate::sim::{Scenario, SimOptions, Simulator};
use crate::store::{SnapshotStore, run_writer};

/// The token the demo's client presents to the built-in simulator; it guards nothing real.
pub const DEMO_TOKEN: &str = "agentbar-demo-token";
/// The snapshot's `source` in demo mode, so demo tasks never mix with the user's own.
pub const DEMO_SOURCE: &str = "demo";
/// How often the snapshot file is rewritten even when nothing changed, so its age says how
/// fresh the data is.
const SNAPSHOT_HEARTBEAT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot start the simulator on loopback: {0}")]
    SimulatorBind(std::io::Error),
    #[error("cannot set up the GitHub client: {0}")]
    Client(#[from] ClientError),
    #[error("cannot load the scenario: {0}")]
    Scenario(String),
    #[error("cannot wait for the shutdown signal: {0}")]
    Signal(std::io::Error),
}

/// Where tasks come from in a long-running mode.
pub enum Upstream {
    /// The configured GitHub.
    GitHub,
    /// The built-in simulator on loopback.
    Demo {
        scenario: Option<PathBuf>,
        speed: f64,
    },
}

/// Runs without a tray until `shutdown` completes.
pub async fn run_headless(
    config: Config,
    upstream: Upstream,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), AppError> {
    let cancel = CancellationToken::new();
    let tracker = TaskTracker::new();

    let (endpoints, token, source_name) = match upstream {
        Upstream::GitHub => (
            config.endpoints.clone(),
            config.token.clone(),
            config.endpoints.api.clone(),
        ),
        Upstream::Demo { scenario, speed } => {
            let scenario = match scenario {
                Some(path) => {
                    Scenario::from_file(&path).map_err(|e| AppError::Scenario(e.to_string()))?
                }
                None => Scenario::builtin(),
            };
            let listener =
                tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
                    .await
                    .map_err(AppError::SimulatorBind)?;
            let address = listener.local_addr().map_err(AppError::SimulatorBind)?;
            let simulator = Simulator::new(
                scenario,
                SimOptions {
                    speed,
                    ..SimOptions::default()
                },
            );
            let stop = cancel.clone();
            tracker.spawn(async move {
                if let Err(e) =
                    crate::sim::serve(listener, simulator, async move { stop.cancelled().await })
                        .await
                {
                    tracing::error!(error = %e, "the simulator stopped");
                }
            });
            let base = format!("http://{address}");
            tracing::info!(url = %base, "the GitHub simulator is serving the demo");
            (
                Endpoints {
                    api: base.clone(),
                    web: format!("{base}/web"),
                    // Left unset so the demo learns it through GraphQL, as production does.
                    copilot_api: None,
                },
                Token::new(DEMO_TOKEN),
                DEMO_SOURCE.to_owned(),
            )
        }
    };

    let store = SnapshotStore::new(&config.state_dir);
    let loaded = store.load_for(&source_name);
    if let Some(note) = &loaded.note {
        tracing::warn!("{note}");
    }
    let mut overview = initial_overview(loaded.stored.map(|s| s.snapshot));
    if let Some(fetched_at) = overview.snapshot.fetched_at {
        tracing::info!(
            tasks = overview.snapshot.tasks.len(),
            fetched_at = %fetched_at,
            "showing the saved snapshot until the first poll"
        );
    }
    let (overview_tx, overview_rx) = watch::channel(Arc::new(overview.clone()));
    let (transitions_tx, _) = broadcast::channel(256);
    tracker.spawn(run_writer(
        store,
        source_name,
        overview_rx,
        SNAPSHOT_HEARTBEAT,
    ));

    match token {
        Some(token) => {
            let client = GitHubClient::new(endpoints, token, config.client.clone())?;
            let poller = Poller::new(
                GitHubSource {
                    client: Arc::new(client),
                    sync: TaskSync::new(config.sync.clone()),
                },
                config.poll.clone(),
                overview_tx,
                transitions_tx,
            );
            tracker.spawn(poller.run(cancel.clone()));
        }
        None => {
            let message = "no GitHub token: set AGENTBAR_TOKEN to a token that can read agent \
                           tasks, or try `agentbar demo`";
            tracing::error!("{message}");
            overview.health.failed(Problem {
                code: "no_token",
                message: message.into(),
                at: chrono::Utc::now(),
            });
            overview_tx.send_replace(Arc::new(overview));
            // Held until shutdown so the writer does not mistake an empty start for the end.
            let stop = cancel.clone();
            tracker.spawn(async move {
                stop.cancelled().await;
                drop(overview_tx);
            });
        }
    }
    tracker.close();

    shutdown.await;
    tracing::info!("shutting down");
    cancel.cancel();
    tracker.wait().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Completes on Ctrl-C, or SIGTERM on Unix.
pub async fn shutdown_signal() -> Result<(), AppError> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(AppError::Signal)?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map_err(AppError::Signal),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(AppError::Signal)
    }
}
