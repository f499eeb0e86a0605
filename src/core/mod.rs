//! The core, below every surface: the handles of a running core ([`Core`], started by
//! `app::Core::start`), the commands surfaces send ([`command::Command`]) and the task actions
//! ([`actions::TaskAction`], [`actions::ActionError`]).
//! Nothing here imports `server` or `tray` (`tests/layering.rs` checks), so both depend on the
//! core and never the other way round.

pub mod actions;
pub mod command;
pub mod follow;
pub mod sign_in;

pub use actions::{ActionError, ActionInput, ActionOutcome, ActionSet, TaskAction};
pub use command::{ArchivedError, Command, StopError, StopOutcome};
pub use follow::{FollowSignal, FollowSignals};
pub use sign_in::PendingSignIns;

use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::SignInPrompt;
use crate::diff::Transition;
use crate::model::Overview;
use crate::sources::SourceSet;

/// A running core: the handles surfaces use. Dropping it does not stop anything; call
/// [`Core::shutdown`].
pub struct Core {
    /// The merged overview without the tasks the user archived; clone freely.
    pub overview: watch::Receiver<Arc<Overview>>,
    /// agentbar's own archive: archive, unarchive, archive what is finished.
    pub archive: crate::archive::ArchiveHandle,
    /// State changes as the poller sees them; subscribe for notifications or server-sent events.
    pub transitions: broadcast::Sender<Transition>,
    /// Into the command loop.
    pub commands: mpsc::Sender<Command>,
    /// The default account's web base (its list page).
    pub web_url: String,
    /// Where the snapshot and the discovery file live.
    pub state_dir: PathBuf,
    /// Whether this core plays the simulator's world (its data is labelled as demo data).
    pub demo: bool,
    /// Every source this core runs, by id (actions and logs go to a task's own source).
    pub sources: SourceSet,
    /// Where `POST /v1/local/hook` hands hook events to the local sources.
    pub local_hooks: crate::local::event::HookSink,
    /// The hook channel's receiving end while no local source holds it (local agents are off):
    /// events beyond the queue's bound are dropped meanwhile.
    pub hook_inbox: Arc<std::sync::Mutex<Option<crate::local::event::HookInbox>>>,
    /// The home the local sources read in place of the user's: the demo's private one, where
    /// its player acts out local agents' sessions (removed when the core stops).
    pub local_home: Option<PathBuf>,
    /// Touched per source when a client reads one of its session logs; that source's poller
    /// polls fast while it is recent.
    pub follow: FollowSignals,
    /// The newest code to enter while a sign-in started here is pending, of any account (the
    /// tray shows it).
    pub sign_in: watch::Receiver<Option<SignInPrompt>>,
    /// Each account's pending code (`POST /v1/sign-in?source=`); holding it keeps `sign_in`
    /// open for the core's lifetime even where nothing signs in (the signed-in demo).
    pub sign_ins: PendingSignIns,
    /// Fired by `Quit`, by a signal, or by [`Core::shutdown`].
    pub cancel: CancellationToken,
    pub(crate) tracker: TaskTracker,
}

impl Core {
    /// Spawns a task that is part of the shutdown sequence (it must end once `cancel` fires).
    pub fn spawn<F>(&self, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.tracker.spawn(task);
    }

    /// Fires the cancellation token and waits for every task of the core to finish.
    pub async fn shutdown(self) {
        tracing::info!("shutting down");
        self.cancel.cancel();
        self.tracker.close();
        self.tracker.wait().await;
        tracing::info!("stopped cleanly");
    }
}
