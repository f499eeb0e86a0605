//! The core, below every surface: the handles of a running core ([`Core`], started by
//! `app::Core::start`), the commands surfaces send ([`command::Command`]) and the task actions
//! ([`actions::TaskAction`], [`actions::ActionError`]).
//! Nothing here imports `server` or `tray` (`tests/layering.rs` checks), so both depend on the
//! core and never the other way round.

pub mod actions;
pub mod command;
pub mod follow;

pub use actions::{ActionError, ActionInput, ActionOutcome, ActionSet, TaskAction};
pub use command::{ArchivedError, Command, StopError, StopOutcome};
pub use follow::FollowSignal;

use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::SignInPrompt;
use crate::diff::Transition;
use crate::github::GitHubClient;
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
    /// The web base (task pages, the list page).
    pub web_url: String,
    /// Where the snapshot and the discovery file live.
    pub state_dir: PathBuf,
    /// Whether this core plays the simulator's world (its data is labelled as demo data).
    pub demo: bool,
    /// The GitHub client in use, `None` while signed out (the poller's source sends it).
    pub clients: watch::Receiver<Option<Arc<GitHubClient>>>,
    /// Every source this core runs, by id (actions and logs go to a task's own source).
    pub sources: SourceSet,
    /// Touched when a client reads a session log; the poller polls fast while it is recent.
    pub follow: FollowSignal,
    /// The code to enter while a sign-in started here is pending (the tray shows it).
    pub sign_in: watch::Receiver<Option<SignInPrompt>>,
    /// Kept so `sign_in` stays open (and quiet) for the core's lifetime even where nothing signs
    /// in (the signed-in demo); a closed channel would read as the core going away.
    pub(crate) _sign_in_sender: Arc<watch::Sender<Option<SignInPrompt>>>,
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
