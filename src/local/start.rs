//! Starting the local sources with the core: one [`LocalSource`] per enabled tool, each a
//! [`Source`] whose state feeds the one merge (`crate::merge`) like a GitHub account's, and the
//! router that hands the hook events of `POST /v1/local/hook` to the source of their tool. Glue
//! only: nothing here publishes an overview.

use std::sync::Arc;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::event::HookInbox;
use super::settings::{LocalSettings, RootEnv};
use super::source::LocalSource;
use super::watch::spawn_hook_router;
use crate::merge::SourceInfo;
use crate::model::Snapshot;
use crate::sources::{Source, SourceState};

/// The started local sources: what the core registers for actions and logs, and what it
/// hands the merge.
pub struct LocalSources {
    pub sources: Vec<Arc<dyn Source>>,
    pub inputs: Vec<(SourceInfo, watch::Receiver<Arc<SourceState>>)>,
    /// The hook inbox, given back when no source runs to take its events.
    pub unrouted: Option<HookInbox>,
}

/// Starts one source per enabled tool (a tool that is not installed costs a `stat` per rescan)
/// and routes `hooks` (the one hook channel's receiving end) to them; with none running, the
/// inbox comes back in [`LocalSources::unrouted`].
pub fn start(
    settings: &LocalSettings,
    env: &RootEnv,
    hooks: HookInbox,
    cancel: &CancellationToken,
    tracker: &TaskTracker,
) -> LocalSources {
    let mut local = Vec::new();
    let mut started = LocalSources {
        sources: Vec::new(),
        inputs: Vec::new(),
        unrouted: None,
    };
    for &tool in settings.active_tools() {
        let Some(source) = LocalSource::new(tool, env, settings.clone()) else {
            continue;
        };
        let source = Arc::new(source);
        let (tx, rx) = watch::channel(Arc::new(SourceState::starting(Snapshot::default())));
        tracker.spawn(source.clone().run(tx, cancel.clone()));
        started.inputs.push((
            SourceInfo {
                id: source.id().clone(),
                kind: source.kind().to_owned(),
                name: source.display_name(),
            },
            rx,
        ));
        started.sources.push(source.clone());
        local.push(source);
    }
    if local.is_empty() {
        started.unrouted = Some(hooks);
    } else {
        route_hooks(hooks, local);
    }
    started
}

fn route_hooks(inbox: HookInbox, sources: Vec<Arc<LocalSource>>) {
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
