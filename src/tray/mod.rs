//! The tray (menu bar) app: tao's event loop on the main thread, the core on a tokio runtime in a
//! named worker thread, a closed [`UiEvent`] enum from the worker to the loop and the core's
//! closed [`Command`](crate::app::Command) enum back.
//!
//! - [`menu`]: the pure model (overview × view state × now → icon, title, tooltip, dropdown);
//! - [`icon`]: the icon drawn in code (states, counts, template variant) and the rows' dots;
//! - [`native`]: the model rendered with muda, updated in place while its shape holds;
//! - [`app`]: the loop's state and what each click does ([`app::perform`]);
//! - [`jobs`]: what a click hands to the worker's runtime (actions, exports, the bulk archive);
//! - [`desktop`]: opening links, the clipboard and open-at-login behind traits;
//! - [`platform`]: one switch per concern for Linux, macOS and Windows.
//!
//! Invariant: nothing here imports `github`; the tray knows the core only through `app::Core`'s
//! channels (every task action is `Command::Act`), and reads a log for export from the task's own
//! source, as the API does.

pub mod icon;
pub mod menu;
// The desktop side: tao, tray-icon and (on Linux) GTK, only with the `tray` feature. Without it
// the binary links no GUI library at all and `run` is headless mode (see `run` below).
#[cfg(feature = "tray")]
pub mod app;
#[cfg(feature = "tray")]
pub mod desktop;
#[cfg(feature = "tray")]
mod event_loop;
#[cfg(feature = "tray")]
pub mod jobs;
#[cfg(feature = "tray")]
mod native;
#[cfg(feature = "tray")]
pub mod platform;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::{AppError, Upstream};
use crate::auth::SignInPrompt;
use crate::config::Config;
use crate::core::Command;
use crate::model::Overview;
#[cfg(feature = "tray")]
pub use event_loop::run;

/// Everything that reaches the event loop: from the worker, from muda's menu handler, and from
/// the quit watchdog. A closed set, so the loop handles every case.
#[derive(Debug)]
pub enum UiEvent {
    /// The core is running; here is how to reach it.
    Ready(CoreLink),
    /// The core could not start.
    Failed(String),
    /// A new overview was published.
    Overview(Arc<Overview>),
    /// A sign-in started here is waiting for the user's code (`None`: it ended).
    SignIn(Option<SignInPrompt>),
    /// Time passed.
    Tick,
    /// A menu item was clicked (its model key).
    Menu(String),
    /// Something to tell the user in the menu's notice line.
    Notice(String),
    /// A log export finished: where the file is, or why there is none.
    Exported {
        title: String,
        result: Result<std::path::PathBuf, String>,
    },
    /// An action the tray asked for came back.
    ActionFinished {
        task: String,
        action: crate::core::TaskAction,
        result: Result<crate::core::ActionOutcome, String>,
    },
    /// The core has shut down and the runtime is stopping: exit the loop.
    Stopped,
    /// Quit was asked for and the core has not finished in time: exit anyway.
    QuitDeadline,
}

/// The UI thread's handles into the running core.
#[derive(Clone, Debug)]
pub struct CoreLink {
    /// Into the core's command loop (the core holds the receiver).
    pub commands: mpsc::Sender<Command>,
    /// The web base: the list page for "N more…" hangs off it.
    pub web_url: String,
    /// The core's sources, for reading a task's log to export it.
    pub sources: crate::sources::SourceSet,
    /// The worker's runtime, for awaiting replies without blocking the UI thread.
    pub runtime: tokio::runtime::Handle,
}

#[derive(Debug, thiserror::Error)]
pub enum TrayError {
    #[error("the core could not start: {0}")]
    Core(String),
    #[error(transparent)]
    App(#[from] AppError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot start the worker thread: {0}")]
    Thread(std::io::Error),
}

/// Built without the `tray` feature there is no tray to show: this is headless mode, said once.
#[cfg(not(feature = "tray"))]
pub fn run(config: Config, upstream: Upstream) -> Result<(), TrayError> {
    tracing::warn!("no tray: this agentbar was built without the `tray` feature; running headless");
    run_headless(config, upstream)
}

/// The core without a tray, until a signal or `Quit`.
pub fn run_headless(config: Config, upstream: Upstream) -> Result<(), TrayError> {
    let runtime = runtime()?;
    let result = runtime.block_on(async move {
        let shutdown = async {
            if let Err(e) = crate::app::shutdown_signal().await {
                tracing::error!(error = %e, "cannot wait for a signal; stopping");
            }
        };
        crate::app::run_headless(config, upstream, shutdown).await
    });
    // Explicitly, so no stray blocking task can hold the process open.
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(result?)
}

fn runtime() -> Result<tokio::runtime::Runtime, TrayError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("agentbar-worker")
        .enable_all()
        .build()
        .map_err(TrayError::Runtime)
}
