//! Wiring: the core every mode shares (the simulator when demoing, the client and poller, the
//! snapshot writer, the notification announcer, the command loop) and the shutdown sequence.
//! `run_headless` is the core plus a wait for a signal; the tray and the loopback API attach to a
//! running [`Core`].
//!
//! Shutdown order (also in ARCHITECTURE.md): the cancellation token fires → the poller, the
//! command loop, the notification announcer and its click waits stop; the poller drops the only
//! overview sender → the snapshot writer sees the channel close and flushes the last snapshot →
//! the simulator (demo) finishes its graceful shutdown → the tracker has waited for every task,
//! and the runtime is dropped.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::archive::{ArchiveHandle, ArchiveView};
use crate::auth::{CredentialStore, DeviceFlow};
use crate::config::Config;
use crate::core::{ActionError, ActionInput, ActionOutcome, TaskAction};
pub use crate::core::{ArchivedError, Command, Core, StopError, StopOutcome};
use crate::core::{FollowSignal, FollowSignals, PendingSignIns};
use crate::github::sync::Directory;
use crate::github::{ClientError, Endpoints, GitHubClient, Token};
use crate::merge::SourceInfo;
use crate::model::{HealthStatus, Lookup, Overview, SourceId, Task};
use crate::notify::{Announcer, DesktopNotifier, NotificationControl, control_channel};
use crate::open::{DesktopOpener, UrlOpener};
use crate::poller::{GhRefresh, GitHubSource, Poller, RefreshHandle, initial_state};
use crate::sim::{Scenario, SimOptions, Simulator};
use crate::sources::github::GitHubAccount;
use crate::sources::{Source, SourceSet, SourceState};
use crate::store::{SnapshotStore, run_writer};

/// The OAuth client id the signed-out demo signs in with (the simulator takes any).
pub const DEMO_CLIENT_ID: &str = "agentbar-demo";
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
    #[error(transparent)]
    Server(#[from] crate::server::ServerError),
}

/// Where tasks come from in a long-running mode.
pub enum Upstream {
    /// The configured GitHub.
    GitHub,
    /// The built-in simulator on loopback.
    Demo {
        scenario: Option<PathBuf>,
        speed: f64,
        /// Start signed out, so the whole sign-in can be shown: the tray's "Sign in…" runs the
        /// device flow against the simulator, whose verification page has the Authorize button.
        signed_out: bool,
    },
}

use crate::start::Started;

/// How long a start waits for the refreshed list to show the new task.
pub const STARTED_WAIT: Duration = Duration::from_secs(10);

/// Starts the task, has the source refreshed at once, and waits (bounded) for the list to hold
/// the new task.
async fn start_and_show(
    client: Option<Arc<GitHubClient>>,
    request: crate::start::StartRequest,
    refresh: RefreshHandle,
    mut overview: watch::Receiver<Arc<Overview>>,
) -> Result<Started, crate::start::StartError> {
    let client = client.ok_or(crate::start::StartError::SignedOut)?;
    let id = crate::start::start(&client, &request).await?;
    refresh.refresh_now();
    let listed = |overview: &Overview| overview.snapshot.task(&id).cloned();
    let wait = async {
        loop {
            if let Some(task) = listed(&overview.borrow_and_update()) {
                return Some(task);
            }
            if overview.changed().await.is_err() {
                return None;
            }
        }
    };
    let task = tokio::time::timeout(STARTED_WAIT, wait)
        .await
        .ok()
        .flatten();
    Ok(Started { id, task })
}

/// The most archived tasks listed (one page of the largest size).
const ARCHIVED_MAX_PAGES: u32 = 3;

/// Lists the archived tasks (`is_archived=true`), newest first, named with what the current
/// snapshot already knows about their owners and repositories (no further requests).
pub async fn archived_tasks(
    client: Option<&GitHubClient>,
    overview: &Overview,
) -> Result<Vec<crate::model::Task>, ArchivedError> {
    use crate::github::client::Fetched;
    let client = client.ok_or(ArchivedError::SignedOut)?;
    let directory = Directory::from_tasks(&overview.snapshot.tasks);
    let web = client.endpoints().web.clone();
    let mut tasks = Vec::new();
    for page in 1..=ARCHIVED_MAX_PAGES {
        let reply = client
            .list_archived_tasks(page)
            .await
            .map_err(ArchivedError::Upstream)?;
        let Fetched::Fresh { value, .. } = reply.body else {
            break;
        };
        let count = value.tasks.len();
        let (dtos, _) =
            crate::github::dto::decode_items::<crate::github::dto::TaskDto>(value.tasks);
        tasks.extend(dtos.iter().map(|dto| {
            let repository = dto
                .repository
                .as_ref()
                .and_then(|r| r.id)
                .and_then(|id| directory.repositories.get(&id));
            let owner = dto.owner_id().and_then(|id| directory.users.get(&id));
            crate::github::normalize::task(
                dto,
                crate::github::normalize::Extras {
                    repository: repository.map(String::as_str),
                    owner: owner.map(String::as_str),
                    ..Default::default()
                },
                &web,
            )
        }));
        if reply.next_page.is_none() || count == 0 {
            break;
        }
    }
    crate::model::sort_tasks(&mut tasks);
    Ok(tasks)
}

impl Core {
    /// Starts the simulator (demo), the poller, the snapshot writer and the command loop.
    pub async fn start(config: &Config, upstream: Upstream) -> Result<Core, AppError> {
        Core::start_with_opener(config, upstream, Arc::new(DesktopOpener)).await
    }

    /// [`Core::start`] with the seam that opens web pages (notification clicks, the sign-in
    /// page) given, so tests can record instead of launching a browser.
    pub async fn start_with_opener(
        config: &Config,
        upstream: Upstream,
        opener: Arc<dyn UrlOpener>,
    ) -> Result<Core, AppError> {
        let cancel = CancellationToken::new();
        let tracker = TaskTracker::new();
        // One hook channel: `POST /v1/local/hook` sends, the local sources receive.
        let (local_hooks, hook_inbox) = crate::local::event::HookSink::channel();
        let mut demo_speed = None;
        let (plans, source_name) = match upstream {
            Upstream::GitHub => {
                let mut plans = Vec::with_capacity(config.accounts.len());
                for account in &config.accounts {
                    let store = config.credentials_for(account);
                    let token = load_token(&store, &account.display_name()).await;
                    plans.push(AccountPlan {
                        id: account.source_id(),
                        name: account.display_name(),
                        endpoints: account.endpoints.clone(),
                        token,
                        store: Some(store),
                        client_id: account.client_id.clone(),
                        gh_refresh: true,
                    });
                }
                (plans, config.endpoints.api.clone())
            }
            Upstream::Demo {
                scenario,
                speed,
                signed_out,
            } => {
                let endpoints = spawn_simulator(scenario, speed, &cancel, &tracker).await?;
                demo_speed = Some(speed);
                let (token, store) = if signed_out {
                    // The demo's tokens are fake and live in a plain file of their own; each
                    // signed-out demo starts from none.
                    let store = CredentialStore::new(
                        DEMO_SOURCE,
                        &config.state_dir.join("demo-credentials"),
                        false,
                        None,
                    );
                    let forgetter = store.clone();
                    let _ = tokio::task::spawn_blocking(move || forgetter.forget()).await;
                    tracing::warn!(
                        "demo: signed out; sign in with the tray's \"Sign in…\" or `agentbar login` in another terminal"
                    );
                    (None, Some(store))
                } else {
                    (Token::new(DEMO_TOKEN), None)
                };
                let plan = AccountPlan {
                    id: SourceId::github(DEMO_SOURCE),
                    name: "demo — the built-in simulator".to_owned(),
                    endpoints,
                    token,
                    store,
                    client_id: Some(DEMO_CLIENT_ID.to_owned()),
                    gh_refresh: false,
                };
                (vec![plan], DEMO_SOURCE.to_owned())
            }
        };
        let demo = demo_source(&source_name);

        let swept = crate::store::sweep_temp_files(&config.state_dir);
        if swept > 0 {
            tracing::info!(
                files = swept,
                "removed temporary files a killed run left behind"
            );
        }
        // The demo's local agents beside its cloud tasks, in a home of the demo's own (after
        // the sweep: a start killed early must still have swept).
        let mut local_home = None;
        if let Some(speed) = demo_speed {
            match crate::hooks::player::LocalPlayer::new(&config.state_dir) {
                Ok(player) => {
                    local_home = Some(player.home().to_owned());
                    tracker.spawn(player.run(local_hooks.clone(), speed, cancel.clone()));
                }
                Err(e) => tracing::warn!(error = %e, "the demo runs without local agents"),
            }
        }
        let store = SnapshotStore::new(&config.state_dir);
        let loaded = store.load_for(&source_name);
        if let Some(note) = &loaded.note {
            tracing::warn!("{note}");
        }
        // A version-1 file holds the default (first) account's tasks only.
        let default_id = plans[0].id.clone();
        let (transitions_tx, _) = broadcast::channel(256);
        // Each account signs in, and is followed, on its own.
        let sign_ins = PendingSignIns::new(plans.iter().map(|plan| plan.id.clone()));
        let mut follows = Vec::with_capacity(plans.len());
        let mut accounts = Vec::with_capacity(plans.len());
        let mut inputs = Vec::with_capacity(plans.len());
        let mut running: Vec<Arc<dyn Source>> = Vec::with_capacity(plans.len());
        let mut states = Vec::with_capacity(plans.len());
        for plan in plans {
            let initial = initial_state(loaded.stored.as_ref().map(|stored| {
                let tasks = stored.tasks_of(&plan.id, &default_id);
                stamp_loaded(
                    crate::model::Snapshot {
                        tasks: tasks.into_iter().map(Arc::new).collect(),
                        fetched_at: stored.snapshot.fetched_at,
                    },
                    &plan.id,
                    crate::sources::github::actions,
                )
            }));
            if let Some(fetched_at) = initial.snapshot.fetched_at {
                tracing::info!(
                    source = %plan.id,
                    tasks = initial.snapshot.tasks.len(),
                    fetched_at = %fetched_at,
                    "showing the saved snapshot until the first poll"
                );
            }
            let info = SourceInfo {
                id: plan.id.clone(),
                kind: "github".to_owned(),
                name: plan.name.clone(),
            };
            let (state_tx, state_rx) = watch::channel(Arc::new(initial));
            let web_url = plan.endpoints.web.clone();
            let (credentials_tx, credentials_rx) = watch::channel(plan.token);
            let credentials_tx = Arc::new(credentials_tx);
            let (clients_tx, clients_rx) = watch::channel(None);
            let mut source = GitHubSource::new(
                plan.endpoints,
                config.client.clone(),
                config.sync.clone(),
                credentials_rx,
                clients_tx,
            )
            .with_stamp(plan.id.clone(), crate::sources::github::actions)
            .with_directory(Directory::from_tasks(&state_rx.borrow().snapshot.tasks));
            if let (Some(store), true) = (&plan.store, plan.gh_refresh) {
                source = source.with_gh_refresh(GhRefresh {
                    program: PathBuf::from("gh"),
                    store: store.clone(),
                    credentials: credentials_tx.clone(),
                });
            }
            let follow = FollowSignal::default();
            follows.push((plan.id.clone(), follow.clone()));
            let poller = Poller::new(source, config.poll.clone(), transitions_tx.clone())
                .with_follow_signal(follow);
            // Starting and continuing tasks refresh this account once GitHub has answered.
            let refresh = poller.refresh_handle();
            let account: Arc<dyn Source> = Arc::new(GitHubAccount::new(
                plan.id.clone(),
                plan.name.clone(),
                poller,
                clients_rx.clone(),
            ));
            tracker.spawn(account.clone().run(state_tx, cancel.clone()));
            running.push(account);
            // Stored credentials are watched (a `login` elsewhere, a 401 here) and this
            // account's own sign-in and sign-out use them.
            let auth = plan.store.map(|store| {
                Arc::new(AuthContext {
                    account: plan.id.clone(),
                    prompt: sign_ins.clone(),
                    store,
                    credentials: credentials_tx.clone(),
                    web_url: web_url.clone(),
                    client_id: plan.client_id.clone(),
                    opener: opener.clone(),
                })
            });
            if let Some(auth) = &auth {
                tracker.spawn(watch_credentials(
                    auth.store.clone(),
                    credentials_tx.clone(),
                    state_rx.clone(),
                    cancel.clone(),
                ));
            }
            states.push((info.clone(), state_rx.borrow().clone()));
            inputs.push((info, state_rx));
            accounts.push(AccountHandles {
                id: plan.id,
                clients: clients_rx,
                refresh,
                auth,
                web_url,
            });
        }
        let (overview_tx, overview_rx) = watch::channel(Arc::new(crate::merge::initial(&states)));
        let (saved_tx, saved_rx) = watch::channel(overview_rx.borrow().clone());
        tracker.spawn(run_writer(
            store,
            source_name.clone(),
            saved_rx,
            SNAPSHOT_HEARTBEAT,
        ));
        // The demo reads its player's home (none if the player could not start), never the
        // user's sessions.
        let local_env = if demo_speed.is_some() {
            crate::local::settings::RootEnv {
                home: local_home.clone(),
                ..crate::local::settings::RootEnv::default()
            }
        } else {
            crate::local::settings::RootEnv::from_process()
        };
        let local =
            crate::local::start::start(&config.local, &local_env, hook_inbox, &cancel, &tracker);
        let sources = SourceSet::new([running, local.sources.clone()].concat());
        // The saved snapshot is the merge of the GitHub accounts alone: local sessions (their
        // titles are the user's prompts) are read again from their files at each start and
        // never written to it.
        tracker.spawn(crate::merge::run(inputs.clone(), saved_tx, cancel.clone()));
        tracker.spawn(crate::merge::run(
            [inputs, local.inputs].concat(),
            overview_tx,
            cancel.clone(),
        ));
        // The surfaces see the list without the tasks the user archived; the snapshot file and
        // the command loop keep them all.
        let all_rx = overview_rx.clone();
        let (overview_rx, archive, archive_view) =
            ArchiveView::start(&config.state_dir, all_rx.clone(), cancel.clone());
        tracker.spawn(archive_view);

        let web_url = accounts[0].web_url.clone();
        // Notifications are part of the core, so headless mode announces too.
        let (notifications, control_rx) = control_channel();
        let announcer = Announcer::new(
            DesktopNotifier::new(opener.clone(), tracker.clone(), cancel.clone()),
            config.notifications.clone(),
            &config.state_dir,
            &source_name,
            &default_id,
            format!("{web_url}/copilot/agents"),
        );
        tracker.spawn(announcer.run(overview_rx.clone(), control_rx, cancel.clone()));

        let (commands_tx, commands_rx) = mpsc::channel(32);
        tracker.spawn(run_commands(
            commands_rx,
            Accounts(accounts),
            sources.clone(),
            notifications,
            archive.clone(),
            cancel.clone(),
        ));
        Ok(Core {
            local_home,
            hook_inbox: Arc::new(std::sync::Mutex::new(local.unrouted)),
            overview: overview_rx,
            archive,
            transitions: transitions_tx,
            commands: commands_tx,
            web_url,
            state_dir: config.state_dir.clone(),
            demo,
            follow: FollowSignals::new(follows),
            sources,
            local_hooks,
            sign_in: sign_ins.newest(),
            sign_ins,
            cancel,
            tracker,
        })
    }
}

fn demo_source(source_name: &str) -> bool {
    source_name == DEMO_SOURCE
}

/// One GitHub account to start: configured, or the demo's simulator.
struct AccountPlan {
    id: SourceId,
    name: String,
    endpoints: Endpoints,
    token: Option<Token>,
    /// Where its token is kept (`None`: the signed-in demo, whose token is fixed).
    store: Option<CredentialStore>,
    client_id: Option<String>,
    /// Whether a refused token may be renewed from the GitHub CLI.
    gh_refresh: bool,
}

/// The account's stored token, if any, saying where it came from.
async fn load_token(store: &CredentialStore, account: &str) -> Option<Token> {
    let reader = store.clone();
    let loaded = tokio::task::spawn_blocking(move || reader.load())
        .await
        .ok()
        .flatten();
    match loaded {
        Some((token, source)) => {
            tracing::info!(%account, "using the token from {source}");
            Some(token)
        }
        None => {
            tracing::warn!(
                %account,
                "signed out: no token; run `agentbar login` (agentbar picks it up within seconds) or set AGENTBAR_TOKEN"
            );
            None
        }
    }
}

/// Tasks read from disk belong to `source` and allow what it decides now (the file's own
/// record of either may be older than this build).
pub fn stamp_loaded(
    snapshot: crate::model::Snapshot,
    source: &SourceId,
    actions: fn(&Task) -> crate::core::ActionSet,
) -> crate::model::Snapshot {
    let tasks: Vec<Task> = snapshot
        .iter()
        .map(|task| {
            let mut task = task.clone();
            task.source = source.clone();
            task.actions = actions(&task);
            task
        })
        .collect();
    crate::model::Snapshot {
        tasks: tasks.into_iter().map(Arc::new).collect(),
        fetched_at: snapshot.fetched_at,
    }
}

/// Serves the built-in simulator on a free loopback port; returns the endpoints pointing at it.
async fn spawn_simulator(
    scenario: Option<PathBuf>,
    speed: f64,
    cancel: &CancellationToken,
    tracker: &TaskTracker,
) -> Result<Endpoints, AppError> {
    let scenario = match scenario {
        Some(path) => Scenario::from_file(&path).map_err(|e| AppError::Scenario(e.to_string()))?,
        None => Scenario::builtin(),
    };
    // The speed compresses the scenario; the clock keeps wall time, so no date is in the future.
    let simulator = Simulator::new(scenario.compressed(speed), SimOptions::default());
    let stop = cancel.clone();
    let served = crate::sim::spawn_on_loopback(simulator, 0, async move { stop.cancelled().await })
        .await
        .map_err(AppError::SimulatorBind)?;
    tracker.spawn(async move {
        match served.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "the simulator stopped"),
            Err(e) => tracing::error!(error = %e, "the simulator's task failed"),
        }
    });
    let base = served.base;
    tracing::info!(url = %base, "the GitHub simulator is serving the demo");
    Ok(Endpoints {
        api: base.clone(),
        web: format!("{base}/web"),
        // Left unset so the demo learns it through GraphQL, as production does.
        copilot_api: None,
    })
}

/// What sign-in and sign-out need.
struct AuthContext {
    store: CredentialStore,
    /// Shared with the credential watcher; the poller's source holds the receiver.
    credentials: Arc<watch::Sender<Option<Token>>>,
    web_url: String,
    client_id: Option<String>,
    /// Opens the verification page.
    opener: Arc<dyn UrlOpener>,
    /// The account signing in (its pending code is its own).
    account: SourceId,
    /// The pending codes, for the surfaces; this account's is cleared when its sign-in ends
    /// either way.
    prompt: PendingSignIns,
}

/// How often the stored token is read again: soon while signed out (a `login` in another
/// terminal should take effect within seconds), rarely otherwise.
const CREDENTIALS_CHECK_SIGNED_OUT: Duration = Duration::from_secs(2);
const CREDENTIALS_CHECK_SIGNED_IN: Duration = Duration::from_secs(60);

/// Notices a token stored (or removed) by another process, e.g. `agentbar login`.
async fn watch_credentials(
    store: CredentialStore,
    credentials: Arc<watch::Sender<Option<Token>>>,
    state: watch::Receiver<Arc<SourceState>>,
    cancel: CancellationToken,
) {
    loop {
        let signed_out = credentials.borrow().is_none()
            || state.borrow().health.status == HealthStatus::SignedOut;
        let wait = if signed_out {
            CREDENTIALS_CHECK_SIGNED_OUT
        } else {
            CREDENTIALS_CHECK_SIGNED_IN
        };
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        let reader = store.clone();
        let Ok(loaded) = tokio::task::spawn_blocking(move || reader.load()).await else {
            continue;
        };
        let loaded = loaded.map(|(token, _)| token);
        let changed = credentials.send_if_modified(|current| {
            let changed = *current != loaded;
            if changed {
                current.clone_from(&loaded);
            }
            changed
        });
        if changed {
            tracing::info!(signed_in = loaded.is_some(), "the stored token changed");
        }
    }
}

/// One running GitHub account's handles that signing in and out, starting, continuing and
/// listing archived tasks use (they are GitHub's, not a source's).
struct AccountHandles {
    id: SourceId,
    /// Its client, `None` while signed out.
    clients: watch::Receiver<Option<Arc<GitHubClient>>>,
    refresh: RefreshHandle,
    /// Its stored credentials and sign-in (`None`: the signed-in demo).
    auth: Option<Arc<AuthContext>>,
    web_url: String,
}

/// The running accounts, the default first (never empty).
struct Accounts(Vec<AccountHandles>);

impl Accounts {
    /// The account `wanted` names (a source id `gh:<id>` or the bare account id), else the
    /// default one when nothing is named; `None` when a name matches no account.
    fn chosen(&self, wanted: Option<&str>) -> Option<&AccountHandles> {
        match wanted.map(str::trim).filter(|w| !w.is_empty()) {
            None => self.0.first(),
            Some(wanted) => {
                let wanted = wanted.to_ascii_lowercase();
                self.0.iter().find(|account| {
                    let id = account.id.as_str();
                    id == wanted || id.strip_prefix("gh:") == Some(wanted.as_str())
                })
            }
        }
    }

    /// The client of the account `wanted` names (else the default one), itself `None` while
    /// that account is signed out; `None` when no account has that name.
    fn client_for_choices(&self, wanted: Option<&str>) -> Option<Option<Arc<GitHubClient>>> {
        self.chosen(wanted)
            .map(|account| account.clients.borrow().clone())
    }

    /// The refusal for a name no account has, listing the accounts.
    fn unknown_for_choices(&self, wanted: Option<String>) -> crate::choices::ChoicesError {
        crate::choices::ChoicesError::UnknownAccount {
            wanted: wanted.unwrap_or_default(),
            known: self.known(),
        }
    }

    /// The accounts' source ids, for messages.
    fn known(&self) -> String {
        self.0
            .iter()
            .map(|a| a.id.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The account a task belongs to (its source).
    fn of_task(&self, task: &Task) -> Option<&AccountHandles> {
        self.0.iter().find(|account| account.id == task.source)
    }
}

/// Performs the surfaces' commands until cancelled.
async fn run_commands(
    mut commands: mpsc::Receiver<Command>,
    accounts: Accounts,
    sources: SourceSet,
    notifications: NotificationControl,
    archive: ArchiveHandle,
    cancel: CancellationToken,
) {
    // The whole list: actions reach archived tasks too.
    let overview = archive.all();
    let accounts = Arc::new(accounts);
    loop {
        let command = tokio::select! {
            () = cancel.cancelled() => return,
            command = commands.recv() => match command {
                Some(command) => command,
                None => return,
            },
        };
        match command {
            Command::Refresh => sources.refresh_all(),
            Command::Quit => cancel.cancel(),
            Command::PauseNotifications { until } => notifications.pause(until).await,
            Command::SignIn { source } => match accounts.chosen(source.as_deref()) {
                // Minutes long (the user types a code): off the command loop.
                Some(AccountHandles {
                    auth: Some(auth), ..
                }) => {
                    let (auth, stop) = (auth.clone(), cancel.clone());
                    tokio::spawn(async move {
                        tokio::select! {
                            () = stop.cancelled() => {}
                            () = sign_in(&auth) => {}
                        }
                    });
                }
                Some(_) => tracing::warn!(
                    "this demo is signed in; start it with --signed-out to try the sign-in"
                ),
                None => tracing::warn!(source = ?source, "no such account to sign in"),
            },
            Command::SignOut { source } => match accounts.chosen(source.as_deref()) {
                Some(AccountHandles {
                    auth: Some(auth), ..
                }) => sign_out(auth).await,
                Some(_) => tracing::warn!("the demo cannot sign out"),
                None => tracing::warn!(source = ?source, "no such account to sign out"),
            },
            Command::ListArchived { reply } => {
                let current = overview.borrow().clone();
                let stop = cancel.clone();
                let accounts = accounts.clone();
                // Ours first, then GitHub's; ours stay listed while signed out.
                let ours = archive.archived_tasks();
                // Off the command loop: it is a few upstream requests per account.
                tokio::spawn(async move {
                    let result = tokio::select! {
                        () = stop.cancelled() => Err(ArchivedError::ShuttingDown),
                        result = archived_of_all(&accounts, &current) => result,
                    };
                    let result = match result {
                        Ok(theirs) => Ok(ours.into_iter().chain(theirs).collect()),
                        Err(ArchivedError::SignedOut) if !ours.is_empty() => Ok(ours),
                        Err(e) => Err(e),
                    };
                    let _ = reply.send(result);
                });
            }
            // Off the command loop: each is a Copilot API request (the account asked, else the
            // default one).
            Command::ListModels { source, reply } => {
                let Some(client) = accounts.client_for_choices(source.as_deref()) else {
                    let _ = reply.send(Err(accounts.unknown_for_choices(source)));
                    continue;
                };
                spawn_choices(&cancel, reply, async move {
                    crate::choices::models(client.as_deref()).await
                });
            }
            Command::ListCustomAgents {
                source,
                repo,
                reply,
            } => {
                let Some(client) = accounts.client_for_choices(source.as_deref()) else {
                    let _ = reply.send(Err(accounts.unknown_for_choices(source)));
                    continue;
                };
                spawn_choices(&cancel, reply, async move {
                    crate::choices::custom_agents(client.as_deref(), &repo).await
                });
            }
            Command::ArchiveFinished { older_than, reply } => {
                let archive = archive.clone();
                tokio::spawn(async move {
                    let _ = reply.send(archive.archive_finished(older_than).await);
                });
            }
            Command::StartTask {
                request,
                account,
                reply,
            } => {
                let Some(chosen) = accounts.chosen(account.as_deref()) else {
                    let _ = reply.send(Err(crate::start::StartError::BadRequest(format!(
                        "no account {:?}; the accounts are {}",
                        account.unwrap_or_default(),
                        accounts.known()
                    ))));
                    continue;
                };
                let client = chosen.clients.borrow().clone();
                let (refresh, overview, stop) =
                    (chosen.refresh.clone(), overview.clone(), cancel.clone());
                tokio::spawn(async move {
                    let result = tokio::select! {
                        () = stop.cancelled() => Err(crate::start::StartError::ShuttingDown),
                        result = start_and_show(client, request, refresh, overview) => result,
                    };
                    let _ = reply.send(result);
                });
            }
            Command::Act {
                task,
                action,
                input,
                reply,
            } if matches!(
                action,
                TaskAction::Archive | TaskAction::Unarchive | TaskAction::Continue
            ) =>
            {
                // Off the loop: a continue waits for GitHub and for the list to show its task.
                let (archive, accounts) = (archive.clone(), accounts.clone());
                let (overview, stop) = (overview.clone(), cancel.clone());
                tokio::spawn(async move {
                    let result = tokio::select! {
                        () = stop.cancelled() => Err(ActionError::ShuttingDown),
                        result = act_on_runs(&archive, &accounts, overview, &task, action, input) => result,
                    };
                    let _ = reply.send(result);
                });
            }
            Command::Act {
                task,
                action,
                input,
                reply,
            } => {
                let current = overview.borrow().clone();
                let (sources, stop) = (sources.clone(), cancel.clone());
                // Off the command loop: a stop is an upstream request, and other commands
                // (refresh, quit) must not wait behind it.
                tokio::spawn(async move {
                    let result = tokio::select! {
                        () = stop.cancelled() => Err(ActionError::ShuttingDown),
                        result = act(&sources, &current, &task, action, input) => result,
                    };
                    match &result {
                        Ok(done) => tracing::info!(task = %done.task, %action, "{}", done.message),
                        Err(e) => tracing::info!(%task, %action, "not performed: {e}"),
                    }
                    // The asker may have given up waiting; that is fine.
                    let _ = reply.send(result);
                });
            }
        }
    }
}

/// Every signed-in account's archived tasks, each stamped with its account, newest first;
/// signed out only when no account is signed in. One account's failure fails the list (it
/// would otherwise look complete).
async fn archived_of_all(
    accounts: &Accounts,
    overview: &Overview,
) -> Result<Vec<Task>, ArchivedError> {
    let mut all = Vec::new();
    let mut any_signed_in = false;
    for account in &accounts.0 {
        let client = account.clients.borrow().clone();
        if client.is_none() {
            continue;
        }
        any_signed_in = true;
        let tasks = archived_tasks(client.as_deref(), overview).await?;
        let stamped = stamp_loaded(
            crate::model::Snapshot {
                tasks: tasks.into_iter().map(Arc::new).collect(),
                fetched_at: None,
            },
            &account.id,
            crate::sources::github::actions,
        );
        all.extend(stamped.iter().cloned());
    }
    if !any_signed_in {
        return Err(ArchivedError::SignedOut);
    }
    crate::model::sort_tasks(&mut all);
    Ok(all)
}

/// The device flow inside the running app (the tray's "Sign in…"); the pending code is
/// published for the surfaces until the flow ends.
async fn sign_in(auth: &AuthContext) {
    run_sign_in(auth).await;
    auth.prompt.publish(&auth.account, None);
}

async fn run_sign_in(auth: &AuthContext) {
    let flow = match DeviceFlow::new(&auth.web_url, auth.client_id.as_deref()) {
        Ok(flow) => flow,
        Err(e) => {
            tracing::error!("cannot sign in: {e}");
            return;
        }
    };
    let code = match flow.start().await {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("cannot sign in: {e}");
            return;
        }
    };
    tracing::warn!(
        code = %code.user_code,
        url = %code.verification_uri,
        "to sign in, open the page and enter the code"
    );
    auth.prompt
        .publish(&auth.account, Some(code.prompt(chrono::Utc::now())));
    let (url, opener) = (code.verification_uri.clone(), auth.opener.clone());
    // Opening may block on a slow browser start.
    let _ = tokio::task::spawn_blocking(move || {
        if let Err(e) = opener.open(&url) {
            tracing::warn!(error = %e, "could not open the browser; open the page yourself");
        }
    })
    .await;
    let signed_in = match flow.finish(&code).await {
        Ok(signed_in) => signed_in,
        Err(e) => {
            tracing::error!("sign-in failed: {e}");
            return;
        }
    };
    let store = auth.store.clone();
    let token = signed_in.token.clone();
    match tokio::task::spawn_blocking(move || store.save(&token)).await {
        Ok(Ok(source)) => tracing::info!("signed in; the token is kept in {source}"),
        Ok(Err(e)) => tracing::error!("signed in, but the token could not be stored: {e}"),
        Err(e) => tracing::error!(error = %e, "storing the token failed"),
    }
    auth.credentials.send_replace(Some(signed_in.token));
}

async fn sign_out(auth: &AuthContext) {
    let store = auth.store.clone();
    match tokio::task::spawn_blocking(move || store.forget()).await {
        Ok(Ok(removed)) => {
            tracing::info!(places = removed.len(), "signed out; the token is forgotten")
        }
        Ok(Err(e)) => tracing::error!("could not forget the token: {e}"),
        Err(e) => tracing::error!(error = %e, "forgetting the token failed"),
    }
    if auth.store.has_environment_token() {
        tracing::warn!("AGENTBAR_TOKEN is still set in agentbar's environment");
    }
    auth.credentials.send_replace(None);
}

/// Asks a Copilot API list off the command loop and answers `reply`, or says the core is
/// shutting down when `cancel` fires first.
fn spawn_choices<T: Send + 'static>(
    cancel: &CancellationToken,
    reply: tokio::sync::oneshot::Sender<Result<T, crate::choices::ChoicesError>>,
    list: impl std::future::Future<Output = Result<T, crate::choices::ChoicesError>> + Send + 'static,
) {
    let stop = cancel.clone();
    tokio::spawn(async move {
        let result = tokio::select! {
            () = stop.cancelled() => Err(crate::choices::ChoicesError::ShuttingDown),
            result = list => result,
        };
        let _ = reply.send(result);
    });
}

/// Performs `action` on the task `reference` names (a key, or a bare id only one source has):
/// its source decides whether the task allows it now, and performs it.
pub async fn act(
    sources: &SourceSet,
    overview: &Overview,
    reference: &str,
    action: TaskAction,
    input: ActionInput,
) -> Result<ActionOutcome, ActionError> {
    let task = find_task(overview, reference)?;
    let source = sources
        .get(&task.source)
        .ok_or_else(|| ActionError::UnknownTask(reference.to_owned()))?;
    if !source.actions(task).contains(action) {
        return Err(source.refusal(task, action));
    }
    source.act(task, action, input).await
}

/// The one task `reference` names (a key, or an upstream id only one source has).
fn find_task<'o>(overview: &'o Overview, reference: &str) -> Result<&'o Task, ActionError> {
    match overview.snapshot.lookup(reference) {
        Lookup::One(task) => Ok(task),
        Lookup::None => Err(ActionError::UnknownTask(reference.to_owned())),
        Lookup::Ambiguous(keys) => Err(ActionError::AmbiguousTask {
            reference: reference.to_owned(),
            keys: keys.iter().map(ToString::to_string).collect(),
        }),
    }
}

/// `archive`, `unarchive` (agentbar's own archive) and `continue` (a follow-up task on the
/// task's branch, which the list shows before the answer comes).
async fn act_on_runs(
    archive: &ArchiveHandle,
    accounts: &Accounts,
    overview: watch::Receiver<Arc<Overview>>,
    reference: &str,
    action: TaskAction,
    input: ActionInput,
) -> Result<ActionOutcome, ActionError> {
    let task = find_task(&overview.borrow(), reference)?.clone();
    let key = task.key().to_string();
    match action {
        TaskAction::Continue => {
            // The follow-up runs under the account the task belongs to.
            let account = accounts
                .of_task(&task)
                .ok_or(ActionError::Unsupported(action))?;
            let (client, refresh) = (account.clients.borrow().clone(), account.refresh.clone());
            let prompt = input.prompt.unwrap_or_default();
            let request = crate::start::follow_up(&task, &prompt).map_err(start_as_action_error)?;
            let started = start_and_show(client, request, refresh, overview)
                .await
                .map_err(start_as_action_error)?;
            Ok(ActionOutcome {
                task: key,
                action,
                message: format!(
                    "GitHub started follow-up task {} on the task's branch",
                    started.id
                ),
                url: started.task.map(|t| t.url),
            })
        }
        _ => {
            let archived = action == TaskAction::Archive;
            let changed = archive.set(&key, archived).await.map_err(|e| {
                let reason = e.to_string();
                match e {
                    crate::archive::ArchiveError::UnknownTask(_) => {
                        ActionError::UnknownTask(key.clone())
                    }
                    crate::archive::ArchiveError::Running(_) => ActionError::NotAllowed {
                        action,
                        code: "running",
                        reason,
                    },
                    crate::archive::ArchiveError::Save(_) => ActionError::NotAllowed {
                        action,
                        code: "archive_unsaved",
                        reason,
                    },
                }
            })?;
            let message = match (archived, changed) {
                (true, true) => "archived: out of the list until it changes state",
                (true, false) => "already archived",
                (false, true) => "back in the list",
                (false, false) => "was not archived",
            };
            Ok(ActionOutcome {
                task: key,
                action,
                message: message.to_owned(),
                url: None,
            })
        }
    }
}

/// A start refusal as an action error: GitHub's 403 and 422 keep their meaning in `code`.
fn start_as_action_error(error: crate::start::StartError) -> ActionError {
    use crate::start::StartError;
    let action = TaskAction::Continue;
    let reason = error.to_string();
    match error {
        StartError::EmptyPrompt
        | StartError::PromptTooLong { .. }
        | StartError::BadRepository(_)
        | StartError::BadRequest(_) => ActionError::BadInput(reason),
        StartError::NotCopilot(_) => ActionError::Unsupported(action),
        StartError::NoBranch => ActionError::NotAllowed {
            action,
            code: "no_branch",
            reason,
        },
        StartError::UnknownTask(task) => ActionError::UnknownTask(task),
        StartError::NotAllowed(_) => ActionError::NotAllowed {
            action,
            code: "upstream_forbidden",
            reason,
        },
        StartError::Refused(_) | StartError::UnknownRepository(_) => ActionError::NotAllowed {
            action,
            code: "upstream_unprocessable",
            reason,
        },
        StartError::SignedOut => ActionError::SignedOut("GitHub".to_owned()),
        StartError::Upstream(_) => ActionError::Upstream(reason),
        StartError::ShuttingDown => ActionError::ShuttingDown,
    }
}

/// Cancels the Actions run hosting the newest session of the task `task_id` names.
pub async fn stop_task(
    client: Option<&GitHubClient>,
    overview: &Overview,
    task_id: &str,
) -> Result<StopOutcome, StopError> {
    let task = overview
        .snapshot
        .task(task_id)
        .ok_or_else(|| StopError::UnknownTask(task_id.to_owned()))?;
    crate::sources::github::stop(client, task).await
}

/// Starts the core and the loopback API on the configured port (what `run` and `demo` serve,
/// with or without a tray).
pub async fn start_with_api(config: &Config, upstream: Upstream) -> Result<Core, AppError> {
    // The API's port first: if it is taken, fail before starting anything else.
    let listener = crate::server::bind(config.port).await?;
    let feed_token = match &config.feed_token_file {
        Some(path) => Some(crate::server::endpoint::feed_token(path, true)?),
        None => None,
    };
    let core = Core::start(config, upstream).await?;
    if let Err(e) = crate::server::start(&core, listener, config.api_limits.clone(), feed_token) {
        core.shutdown().await;
        return Err(e.into());
    }
    Ok(core)
}

/// Runs the core and the loopback API without a tray until `shutdown` completes or a `Quit`
/// command arrives.
pub async fn run_headless(
    config: Config,
    upstream: Upstream,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), AppError> {
    let core = start_with_api(&config, upstream).await?;
    tokio::select! {
        () = shutdown => {}
        () = core.cancel.cancelled() => {}
    }
    core.shutdown().await;
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
