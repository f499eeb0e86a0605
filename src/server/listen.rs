//! The accept loop, in place of `axum::serve`, which offers no way to bound how long a client may
//! take over a request head: hyper's HTTP/1 connection with a header-read timeout (which also
//! closes keep-alive connections left idle that long), a cap on header bytes, a cap on open
//! connections, and a graceful stop with a bounded drain.

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::auto_reply::JsonAutoReplies;
use crate::config::ApiLimits;

/// How long in-flight requests may take to finish once the server is stopping; the process has
/// a 2 s bound on its whole shutdown (ARCHITECTURE.md, shutdown sequence).
const DRAIN: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` until `cancel` fires, then stops accepting, asks every
/// connection to finish (event streams end on the same token) and waits for them, each at most
/// [`DRAIN`].
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ApiLimits,
    cancel: CancellationToken,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(limits.max_header_bytes);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let connections = TaskTracker::new();
    loop {
        // A slot first, so a full house leaves connections in the backlog rather than open.
        let slot = tokio::select! {
            () = cancel.cancelled() => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break, // never closed
            },
        };
        let stream = tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    pause_after_accept_error(&e, &cancel).await;
                    continue;
                }
            },
        };
        let connection = serve_connection(&builder, stream, router.clone());
        let cancel = cancel.clone();
        connections.spawn(async move {
            drive(connection, &cancel).await;
            drop(slot);
        });
    }
    drop(listener);
    connections.close();
    connections.wait().await;
}

type Connection =
    http1::Connection<TokioIo<JsonAutoReplies<TcpStream>>, TowerToHyperService<Router>>;

fn serve_connection(builder: &http1::Builder, stream: TcpStream, router: Router) -> Connection {
    // Answers are written whole; without this, Nagle's algorithm can hold the tail of one for
    // the client's delayed ACK (tens of milliseconds).
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
    }
    builder.serve_connection(
        TokioIo::new(JsonAutoReplies::new(stream)),
        TowerToHyperService::new(router),
    )
}

async fn drive(connection: Connection, cancel: &CancellationToken) {
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            // Timeouts, resets and malformed requests end here; none of them is ours to report.
            if let Err(e) = result {
                tracing::debug!(error = %e, "API connection ended");
            }
            return;
        }
        () = cancel.cancelled() => {}
    }
    connection.as_mut().graceful_shutdown();
    if tokio::time::timeout(DRAIN, connection).await.is_err() {
        tracing::debug!("an API connection did not finish in time; dropped");
    }
}

/// After a failed accept: a connection that died in the backlog is nothing; running out of file
/// descriptors (or another resource) is, and retrying at once would spin.
async fn pause_after_accept_error(error: &std::io::Error, cancel: &CancellationToken) {
    use std::io::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::warn!(error = %error, "the API cannot accept connections; retrying in 100 ms");
    tokio::select! {
        () = cancel.cancelled() => {}
        () = tokio::time::sleep(Duration::from_millis(100)) => {}
    }
}
