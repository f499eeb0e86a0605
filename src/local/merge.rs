//! The local sources beside the GitHub poller: started with the core, their tasks merged into the
//! overview every surface reads (the list, counts, tray, notifications, API), each listed as a
//! source of its own. Local tasks are never written to the saved snapshot (that holds the
//! poller's own overview only).

use std::sync::Arc;

use futures_util::future::select_all;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::event::{HookInbox, HookSink};
use super::settings::{LocalSettings, RootEnv};
use super::source::LocalSource;
use super::watch::spawn_hook_router;
use crate::model::{Overview, Snapshot, SourceStatus};
use crate::sources::{Source, SourceState};

/// The running local sources, and where hook events for them go.
#[derive(Clone)]
pub struct LocalSources {
    pub sources: Arc<[Arc<LocalSource>]>,
    /// The route's end of the hook channel (`POST /v1/local/hook` sends here).
    pub hooks: HookSink,
    states: Vec<watch::Receiver<Arc<SourceState>>>,
}

impl LocalSources {
    /// Starts one source per enabled tool (a tool that is not installed costs a `stat` per
    /// rescan) and the hook router.
    pub fn start(
        settings: &LocalSettings,
        env: &RootEnv,
        cancel: &CancellationToken,
        tracker: &TaskTracker,
    ) -> LocalSources {
        let (hooks, inbox) = HookSink::channel();
        let mut sources = Vec::new();
        let mut states = Vec::new();
        for &tool in settings.active_tools() {
            let Some(source) = LocalSource::new(tool, env, settings.clone()) else {
                continue;
            };
            let source = Arc::new(source);
            let (tx, rx) = watch::channel(Arc::new(SourceState::starting(Snapshot::default())));
            tracker.spawn(source.clone().run(tx, cancel.clone()));
            sources.push(source);
            states.push(rx);
        }
        let sources: Arc<[Arc<LocalSource>]> = sources.into();
        route_hooks(inbox, sources.clone());
        LocalSources {
            sources,
            hooks,
            states,
        }
    }

    /// The source that owns a task of this source id.
    pub fn source_of(&self, source: &crate::model::SourceId) -> Option<&Arc<LocalSource>> {
        self.sources.iter().find(|s| s.id() == source)
    }
}

fn route_hooks(inbox: HookInbox, sources: Arc<[Arc<LocalSource>]>) {
    let routed = spawn_hook_router(inbox, move |tool| {
        sources
            .iter()
            .find(|s| s.tool() == tool)
            .and_then(|s| s.handle())
    });
    if let Err(error) = routed {
        tracing::warn!(%error, "hook events will not reach the local sources");
    }
}

/// The poller's overview with every local source's tasks and status added.
pub fn merged(github: &Overview, local: &[(Arc<LocalSource>, Arc<SourceState>)]) -> Overview {
    let mut tasks: Vec<_> = github.snapshot.tasks.to_vec();
    let mut sources = github.sources.clone();
    for (source, state) in local {
        tasks.extend(state.snapshot.tasks.iter().cloned());
        sources.push(SourceStatus {
            id: source.id().clone(),
            kind: source.kind().to_owned(),
            name: source.display_name(),
            health: state.health.clone(),
            tasks: state.snapshot.tasks.len(),
        });
    }
    sources.sort_by(|a, b| a.id.cmp(&b.id));
    let mut snapshot = Snapshot::new(tasks, chrono::Utc::now());
    // Freshness (and the recent window) stay the poller's.
    snapshot.fetched_at = github.snapshot.fetched_at;
    Overview {
        snapshot,
        health: github.health.clone(),
        sources,
    }
}

/// Republishes the poller's overview with the local tasks merged in, whenever either changes,
/// until `cancel` fires.
pub async fn run_merge(
    local: LocalSources,
    mut github: watch::Receiver<Arc<Overview>>,
    out: watch::Sender<Arc<Overview>>,
    cancel: CancellationToken,
) {
    let mut states = local.states.clone();
    loop {
        let current: Vec<_> = local
            .sources
            .iter()
            .cloned()
            .zip(states.iter_mut().map(|rx| rx.borrow_and_update().clone()))
            .collect();
        let overview = merged(&github.borrow_and_update(), &current);
        out.send_if_modified(|old| {
            let changed = **old != overview;
            if changed {
                *old = Arc::new(overview);
            }
            changed
        });
        let local_changed = async {
            if states.is_empty() {
                std::future::pending::<()>().await;
            }
            let _ = select_all(states.iter_mut().map(|rx| Box::pin(rx.changed()))).await;
        };
        tokio::select! {
            () = cancel.cancelled() => return,
            changed = github.changed() => if changed.is_err() { return },
            () = local_changed => {}
        }
    }
}
