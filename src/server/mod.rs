//! The loopback JSON API (contract v1, SPEC §2.3): what launchers such as the Raycast extension
//! read. Bound to 127.0.0.1 only, guarded by [`guard`], served from bodies rendered once per
//! published overview rather than per request.

pub mod cctray;
pub mod endpoint;
mod error;
pub mod guard;
pub mod logs;
mod routes;

use axum::body::Bytes;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::app::{Command, Core};
use crate::diff::Transition;
use crate::model::Overview;
use crate::report::STALE_AFTER_SECONDS;
use crate::wire::{WireCounts, WireHealth, WireTaskListView};
pub use endpoint::Endpoint;
pub use error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "port {port} on 127.0.0.1 is taken (is another agentbar running? `agentbar endpoint` shows it); set AGENTBAR_PORT to another port, or 0 for any free one"
    )]
    PortTaken { port: u16 },
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("cannot write the discovery file: {0}")]
    Endpoint(#[from] crate::store::StoreError),
}

/// Binds the API's listener on loopback. Port 0 picks a free one and so never collides.
pub async fn bind(port: u16) -> Result<TcpListener, ServerError> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|source| {
            if source.kind() == std::io::ErrorKind::AddrInUse {
                ServerError::PortTaken { port }
            } else {
                ServerError::Bind { port, source }
            }
        })
}

/// What one published overview looks like on the wire, rendered once.
pub struct Rendered {
    pub overview: Arc<Overview>,
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub counts: WireCounts,
    pub health: WireHealth,
    /// `GET /v1/tasks` without filters: the whole list, serialised.
    pub list_body: Bytes,
    /// `GET /cc.xml`, rendered at the first request for this overview: most users have no
    /// CI-status client, and for 1,000 tasks the feed is 200 KB that would otherwise be held
    /// (and rebuilt at every poll) for nobody.
    cc_xml: OnceLock<Bytes>,
}

impl Rendered {
    pub fn render(overview: Arc<Overview>) -> Rendered {
        let now = chrono::Utc::now();
        let list = WireTaskListView::of(&overview, now, STALE_AFTER_SECONDS);
        let list_body = match serde_json::to_vec(&list) {
            // `Bytes` keeps the whole allocation: without the trim, a growing `Vec`'s spare room
            // (up to a third of a 750 KB body) would stay resident until the next render.
            Ok(mut bytes) => {
                bytes.shrink_to_fit();
                Bytes::from(bytes)
            }
            Err(e) => {
                // Serialising plain data cannot fail; if it ever does, say so on the wire.
                tracing::error!(error = %e, "cannot serialise the task list");
                Bytes::from_static(b"{\"error\":{\"code\":\"internal\",\"message\":\"cannot serialise the task list\"}}")
            }
        };
        let (counts, health) = (list.counts, list.health);
        Rendered {
            generated_at: now,
            counts,
            health,
            list_body,
            cc_xml: OnceLock::new(),
            overview,
        }
    }

    /// `GET /cc.xml` for this overview.
    pub fn cc_xml(&self) -> Bytes {
        self.cc_xml
            .get_or_init(|| {
                let mut xml = cctray::render(&self.overview.snapshot.tasks);
                xml.shrink_to_fit();
                Bytes::from(xml)
            })
            .clone()
    }
}

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    /// Re-rendered on every overview the poller publishes (the sender lives in
    /// [`spawn_renderer`]'s task).
    pub rendered: watch::Receiver<Arc<Rendered>>,
    /// Subscribed per `/v1/events` connection; the poller holds the sending side.
    pub transitions: broadcast::Sender<Transition>,
    /// Into the core's command loop.
    pub commands: mpsc::Sender<Command>,
    /// Ends server-sent event streams so graceful shutdown does not wait on them forever.
    pub cancel: CancellationToken,
    /// The GitHub client in use (none while signed out); the poller's source publishes it.
    pub clients: watch::Receiver<Option<Arc<crate::github::GitHubClient>>>,
    /// One log follower per followed task.
    pub logs: logs::LogFollowers,
}

/// Renders each overview the poller publishes, until the overview channel closes.
pub fn spawn_renderer(
    mut overview: watch::Receiver<Arc<Overview>>,
) -> (
    watch::Receiver<Arc<Rendered>>,
    impl std::future::Future<Output = ()>,
) {
    let first = Rendered::render(overview.borrow_and_update().clone());
    let (tx, rx) = watch::channel(Arc::new(first));
    let task = async move {
        while overview.changed().await.is_ok() {
            let current = overview.borrow_and_update().clone();
            tx.send_replace(Arc::new(Rendered::render(current)));
        }
    };
    (rx, task)
}

/// Serves the API on `listener` until the core is cancelled; writes `endpoint.json` first and
/// removes it after the server has stopped.
pub fn start(core: &Core, listener: TcpListener) -> Result<Endpoint, ServerError> {
    let port = listener
        .local_addr()
        .map_err(|source| ServerError::Bind { port: 0, source })?
        .port();
    let endpoint = Endpoint::new(format!("http://127.0.0.1:{port}"), endpoint::new_token());
    endpoint.write(&core.state_dir)?;
    let (rendered, renderer) = spawn_renderer(core.overview.clone());
    core.spawn(renderer);
    let state = ApiState {
        rendered,
        transitions: core.transitions.clone(),
        commands: core.commands.clone(),
        cancel: core.cancel.clone(),
        clients: core.clients.clone(),
        logs: logs::LogFollowers::new(core.follow.clone()),
    };
    let app = routes::router(state, port, endpoint.token.clone());
    let cancel = core.cancel.clone();
    let state_dir = core.state_dir.clone();
    let ours = endpoint.clone();
    core.spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { cancel.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the loopback API stopped");
        }
        ours.remove_if_ours(&state_dir);
    });
    tracing::info!(url = %endpoint.url, "loopback API listening");
    Ok(endpoint)
}

pub use routes::router;
