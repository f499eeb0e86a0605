//! The loopback JSON API (contract v1, SPEC §2.3): what launchers such as the Raycast extension
//! read. Bound to 127.0.0.1 only, guarded by [`guard`], served from bodies rendered once per
//! published overview rather than per request.

mod auto_reply;
pub mod cctray;
pub mod encoding;
pub mod endpoint;
mod error;
pub mod guard;
mod listen;
mod local_hook;
pub mod logs;
mod routes;
pub mod transitions;

use axum::body::Bytes;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::config::ApiLimits;
use crate::core::{Command, Core};
use crate::model::Overview;
use crate::report::STALE_AFTER_SECONDS;
use crate::wire::{WireCounts, WireHealth, WireTaskListView};
use encoding::{GzipDemand, Representation};
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
    #[error("cannot read the feed token in {}: {source}", .path.display())]
    FeedToken {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
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
    pub list: Arc<Representation>,
    /// `GET /cc.xml`; carried over from the previous overview when the feed is the same, so its
    /// tag and its compressed form are too (it holds no times of its own, unlike the list).
    pub cc_xml: Arc<Representation>,
}

/// Whether clients take gzip, per route served from [`Rendered`].
#[derive(Clone, Debug, Default)]
pub struct GzipDemands {
    pub list: GzipDemand,
    pub cc_xml: GzipDemand,
}

impl Rendered {
    pub fn render(
        overview: Arc<Overview>,
        previous: Option<&Rendered>,
        demands: &GzipDemands,
    ) -> Rendered {
        let now = chrono::Utc::now();
        // Serialised straight from the model, without an owned copy of every task.
        let list = WireTaskListView::of(&overview, now, STALE_AFTER_SECONDS);
        // Sized like the last body, so a large list is not grown by doubling and copying.
        let mut list_body = Vec::with_capacity(previous.map_or(0, |p| p.list.identity().len()));
        let list_body = match serde_json::to_writer(&mut list_body, &list) {
            // `Bytes` keeps the whole allocation: trim the spare room a grown list left, or it
            // stays resident until the next render.
            Ok(()) => {
                list_body.shrink_to_fit();
                Bytes::from(list_body)
            }
            Err(e) => {
                // Serialising plain data cannot fail; if it ever does, say so on the wire.
                tracing::error!(error = %e, "cannot serialise the task list");
                Bytes::from_static(b"{\"error\":{\"code\":\"internal\",\"message\":\"cannot serialise the task list\"}}")
            }
        };
        // cc.xml depends on the tasks alone: the very same list (an idle poll republishes it)
        // keeps the previous feed without rendering it again; an equal feed keeps its tag too.
        let cc_xml = match previous {
            Some(previous)
                if previous
                    .overview
                    .snapshot
                    .shares_tasks_with(&overview.snapshot) =>
            {
                previous.cc_xml.clone()
            }
            _ => {
                let cc_xml = Bytes::from(cctray::render(&overview.snapshot.tasks));
                match previous {
                    Some(previous) if *previous.cc_xml.identity() == cc_xml => {
                        previous.cc_xml.clone()
                    }
                    _ => Arc::new(Representation::new(
                        "application/xml; charset=utf-8",
                        cc_xml,
                        demands.cc_xml.clone(),
                    )),
                }
            }
        };
        Rendered {
            generated_at: now,
            counts: list.counts,
            health: list.health,
            list: Arc::new(Representation::new(
                "application/json",
                list_body,
                demands.list.clone(),
            )),
            cc_xml,
            overview,
        }
    }
}

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    /// Re-rendered on every overview the poller publishes (the sender lives in
    /// [`spawn_renderer`]'s task).
    pub rendered: watch::Receiver<Arc<Rendered>>,
    /// Numbered transitions for `/v1/events`, with the last few kept for `Last-Event-ID`.
    pub transitions: transitions::TransitionLog,
    /// Into the core's command loop.
    pub commands: mpsc::Sender<Command>,
    /// Ends server-sent event streams so graceful shutdown does not wait on them forever.
    pub cancel: CancellationToken,
    /// The sources, which serve their tasks' logs.
    pub sources: crate::sources::SourceSet,
    /// One log follower per followed task.
    pub logs: logs::LogFollowers,
    /// Each account's code of a sign-in started here, while it is pending.
    pub sign_ins: crate::core::PendingSignIns,
    /// Where `POST /v1/local/hook` hands local agents' hook events (to the local sources).
    pub local_hooks: crate::local::event::HookSink,
}

/// Renders each overview the poller publishes, until the overview channel closes. Rendering and
/// compressing run on the blocking pool; overviews published meanwhile collapse into the latest.
/// The `tracing` debug lines "rendered an overview" and "compressed a body" give their cost
/// (bench/api-load.sh reads them).
pub fn spawn_renderer(
    mut overview: watch::Receiver<Arc<Overview>>,
    demands: GzipDemands,
) -> (
    watch::Receiver<Arc<Rendered>>,
    impl std::future::Future<Output = ()>,
) {
    let first = Arc::new(Rendered::render(
        overview.borrow_and_update().clone(),
        None,
        &demands,
    ));
    let (tx, rx) = watch::channel(first.clone());
    let task = async move {
        let mut previous = first;
        while overview.changed().await.is_ok() {
            let current = overview.borrow_and_update().clone();
            let started = std::time::Instant::now();
            let (last, wanted) = (previous.clone(), demands.clone());
            let rendered = match tokio::task::spawn_blocking(move || {
                Rendered::render(current, Some(&last), &wanted)
            })
            .await
            {
                Ok(rendered) => Arc::new(rendered),
                // Only a panic or a runtime shutting down gets here; keep serving the last one.
                Err(e) => {
                    tracing::error!(error = %e, "cannot render the overview");
                    continue;
                }
            };
            tracing::debug!(
                list_bytes = rendered.list.identity().len(),
                micros = started.elapsed().as_micros() as u64,
                "rendered an overview"
            );
            // If clients took gzip lately, compress before publishing: until then they are
            // served the last rendering, rather than waiting for this one's compression.
            if demands.list.take() {
                rendered.list.gzip().await;
            }
            if demands.cc_xml.take() {
                rendered.cc_xml.gzip().await;
            }
            tx.send_replace(rendered.clone());
            previous = rendered;
        }
    };
    (rx, task)
}

/// Serves the API on `listener` until the core is cancelled; writes `endpoint.json` first and
/// removes it after the server has stopped.
/// `feed_token` is the stable token `/cc.xml` also accepts ([`endpoint::feed_token`]).
pub fn start(
    core: &Core,
    listener: TcpListener,
    limits: ApiLimits,
    feed_token: Option<String>,
) -> Result<Endpoint, ServerError> {
    let port = listener
        .local_addr()
        .map_err(|source| ServerError::Bind { port: 0, source })?
        .port();
    let endpoint = Endpoint {
        demo: core.demo,
        ..Endpoint::new(format!("http://127.0.0.1:{port}"), endpoint::new_token())
    };
    endpoint.write(&core.state_dir)?;
    let (rendered, renderer) = spawn_renderer(core.overview.clone(), GzipDemands::default());
    core.spawn(renderer);
    let (transitions, numbering) =
        transitions::TransitionLog::spawn(&core.transitions, core.cancel.clone());
    core.spawn(numbering);
    let state = ApiState {
        rendered,
        transitions,
        commands: core.commands.clone(),
        cancel: core.cancel.clone(),
        sources: core.sources.clone(),
        logs: logs::LogFollowers::new(core.follow.clone()),
        sign_ins: core.sign_ins.clone(),
        local_hooks: core.local_hooks.clone(),
    };
    let guard = guard::Guard {
        port,
        token: endpoint.token.clone(),
        feed_token,
        body_timeout: limits.header_timeout,
    };
    let app = routes::router(state, guard);
    let cancel = core.cancel.clone();
    let state_dir = core.state_dir.clone();
    let ours = endpoint.clone();
    core.spawn(async move {
        listen::serve(listener, app, limits, cancel).await;
        ours.remove_if_ours(&state_dir);
    });
    tracing::info!(url = %endpoint.url, "loopback API listening");
    Ok(endpoint)
}

pub use routes::router;
