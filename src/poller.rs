//! The poller: asks the task source for news on an adaptive interval, backs off on errors,
//! honours every pacing hint upstream gives, and publishes each result.
//!
//! The decision of *when* to poll next is the pure [`next_delay`]; [`Poller::run`] is the thin
//! loop that performs it. The poller holds the only sender of the overview watch channel (read by
//! the snapshot writer, and later the tray, API and notifier) and of the transitions broadcast.

use chrono::{DateTime, TimeDelta, Utc};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::auth::CredentialStore;
use crate::core::FollowSignal;
use crate::diff::{Transition, diff};
use crate::github::sync::{Directory, Stamp};
use crate::github::{
    ClientError, ClientOptions, Endpoints, GitHubClient, Pacing, SyncOptions, SyncOutcome,
    TaskSync, Token,
};
use crate::model::{Problem, RateLimit};
use crate::sources::SourceState;

/// Where the poller gets tasks from: GitHub in production, a script in the poller's own tests.
pub trait TaskSource: Send {
    fn poll(
        &mut self,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<SyncOutcome, ClientError>> + Send;

    /// Completes when the credentials change, so a signed-out poller polls again at once
    /// instead of waiting out its backoff. Never, for sources without credentials.
    fn credentials_changed(&mut self) -> impl Future<Output = ()> + Send {
        std::future::pending()
    }
}

/// The real source: a GitHub client for the current token, plus the incremental sync state.
/// A token GitHub refused (401) is not tried again; the source waits for another one.
pub struct GitHubSource {
    endpoints: Endpoints,
    options: ClientOptions,
    sync_options: SyncOptions,
    /// The sender is the core's credential watcher and its sign-in/sign-out commands.
    credentials: watch::Receiver<Option<Token>>,
    client: Option<Arc<GitHubClient>>,
    refused: Option<Token>,
    /// Publishes the client in use, for commands that call GitHub (stop).
    clients: watch::Sender<Option<Arc<GitHubClient>>>,
    sync: TaskSync,
    /// Set when the stored token may have come from the GitHub CLI.
    gh: Option<GhRefresh>,
    /// The source id and action rule every task is stamped with.
    stamp: Stamp,
}

/// Asks the GitHub CLI for its current token when GitHub refused the one taken from it earlier:
/// gh's tokens may be short-lived and refreshed behind our back.
pub struct GhRefresh {
    /// `gh`, or a path to it.
    pub program: std::path::PathBuf,
    pub store: CredentialStore,
    /// The same sender the credential watcher uses: a new token reaches everyone.
    pub credentials: Arc<watch::Sender<Option<Token>>>,
}

impl GhRefresh {
    /// gh's token now, stored, when it differs from `refused`; `None` otherwise.
    async fn renewed(&self, refused: &Token) -> Option<Token> {
        let store = self.store.clone();
        if !tokio::task::spawn_blocking(move || store.came_from_gh())
            .await
            .unwrap_or(false)
        {
            return None;
        }
        let (program, host) = (self.program.clone(), self.store.host().to_owned());
        let asked =
            tokio::task::spawn_blocking(move || crate::auth::token_from_program(&program, &host))
                .await;
        let token = match asked {
            Ok(Ok(token)) => token,
            Ok(Err(error)) => {
                tracing::warn!(%error, "GitHub refused the token, and gh has no other");
                return None;
            }
            Err(_) => return None,
        };
        if &token == refused {
            tracing::warn!("GitHub refused the token, and gh still has the same one");
            return None;
        }
        let (store, saved) = (self.store.clone(), token.clone());
        match tokio::task::spawn_blocking(move || store.save_from_gh(&saved)).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(%error, "gh's new token could not be stored"),
            Err(_) => {}
        }
        tracing::info!("GitHub refused the token; using the GitHub CLI's current one");
        self.credentials.send_replace(Some(token.clone()));
        Some(token)
    }
}

impl GitHubSource {
    pub fn new(
        endpoints: Endpoints,
        options: ClientOptions,
        sync_options: SyncOptions,
        credentials: watch::Receiver<Option<Token>>,
        clients: watch::Sender<Option<Arc<GitHubClient>>>,
    ) -> GitHubSource {
        GitHubSource {
            endpoints,
            options,
            sync: TaskSync::new(sync_options.clone()).with_stamp(Stamp::default()),
            sync_options,
            credentials,
            client: None,
            refused: None,
            clients,
            gh: None,
            stamp: Stamp::default(),
        }
    }

    /// Stamps every task with `source` and what `actions` (the source's one rule) allows.
    pub fn with_stamp(
        mut self,
        source: crate::model::SourceId,
        actions: fn(&crate::model::Task) -> crate::core::ActionSet,
    ) -> GitHubSource {
        self.stamp = Stamp {
            source,
            actions: Some(actions),
        };
        self.sync = std::mem::take(&mut self.sync).with_stamp(self.stamp.clone());
        self
    }

    /// Starts from names already known (the saved snapshot), so they are not asked again.
    pub fn with_directory(mut self, directory: Directory) -> GitHubSource {
        self.sync = TaskSync::with_directory(self.sync_options.clone(), directory)
            .with_stamp(self.stamp.clone());
        self
    }

    /// Asks gh for its current token before giving up on a refused one.
    pub fn with_gh_refresh(mut self, gh: GhRefresh) -> GitHubSource {
        self.gh = Some(gh);
        self
    }

    /// The client for the current token, built when the token changed.
    fn client(&mut self) -> Result<Arc<GitHubClient>, ClientError> {
        let token = self
            .credentials
            .borrow_and_update()
            .clone()
            .ok_or(ClientError::NoToken)?;
        if self.refused.as_ref() == Some(&token) {
            return Err(ClientError::Unauthorized {
                endpoint: "the stored token".into(),
                message: "GitHub refused it earlier; sign in again".into(),
            });
        }
        if let Some(client) = &self.client
            && client.token() == &token
        {
            return Ok(client.clone());
        }
        let client = Arc::new(GitHubClient::new(
            self.endpoints.clone(),
            token,
            self.options.clone(),
        )?);
        // A new token may be another account: start the sync afresh, keeping only the names
        // of accounts and repositories, which mean the same to every token.
        self.sync =
            TaskSync::with_directory(self.sync_options.clone(), self.sync.directory().clone())
                .with_stamp(self.stamp.clone());
        self.client = Some(client.clone());
        self.clients.send_replace(Some(client.clone()));
        Ok(client)
    }
}

impl TaskSource for GitHubSource {
    async fn poll(&mut self, now: DateTime<Utc>) -> Result<SyncOutcome, ClientError> {
        let client = self.client()?;
        let mut result = self.sync.poll(&client, now).await;
        if let (Err(ClientError::Unauthorized { .. }), Some(gh)) = (&result, &self.gh)
            && gh.renewed(client.token()).await.is_some()
        {
            let client = self.client()?;
            result = self.sync.poll(&client, now).await;
        }
        let client = self.client.clone().unwrap_or(client);
        if let Err(ClientError::Unauthorized { .. }) = &result {
            self.refused = Some(client.token().clone());
            self.client = None;
            self.clients.send_replace(None);
        }
        result
    }

    async fn credentials_changed(&mut self) {
        if self.credentials.changed().await.is_err() {
            // The sender is gone (shutting down): nothing will ever change again.
            std::future::pending::<()>().await;
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct PollPolicy {
    /// While anything is running or waiting.
    pub fast: Duration,
    /// When nothing is active.
    pub slow: Duration,
    /// The first retry after an error; doubles per consecutive failure.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// With this few requests left in the rate-limit window, wait for the window to reset.
    pub reserve_requests: u64,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            fast: Duration::from_secs(5),
            slow: Duration::from_secs(60),
            backoff_base: Duration::from_secs(5),
            backoff_max: Duration::from_secs(300),
            reserve_requests: 10,
        }
    }
}

/// How the last poll went, as far as pacing is concerned.
#[derive(Clone, Copy, Debug)]
pub enum Attempt {
    Succeeded {
        any_active: bool,
        pacing: Pacing,
    },
    Failed {
        consecutive: u32,
        /// `Retry-After` or the rate-limit reset, when upstream said.
        requested_wait: Option<Duration>,
        signed_out: bool,
        pacing: Pacing,
    },
}

/// When to poll next. `jitter` in `[0, 1)` spreads retries so many clients do not retry in step.
pub fn next_delay(
    policy: &PollPolicy,
    attempt: Attempt,
    now: DateTime<Utc>,
    jitter: f64,
) -> Duration {
    let (base, pacing) = match attempt {
        Attempt::Succeeded { any_active, pacing } => {
            (if any_active { policy.fast } else { policy.slow }, pacing)
        }
        Attempt::Failed {
            consecutive,
            requested_wait,
            signed_out,
            pacing,
        } => {
            let backoff = if signed_out {
                policy.backoff_max
            } else {
                let doublings = consecutive.saturating_sub(1).min(16);
                let full = policy.backoff_base.saturating_mul(1 << doublings);
                // "Equal jitter": at least half the backoff, at most all of it.
                full.min(policy.backoff_max)
                    .mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
            };
            (
                backoff.max(requested_wait.unwrap_or(Duration::ZERO)),
                pacing,
            )
        }
    };
    let mut delay = base.max(pacing.poll_interval.unwrap_or(Duration::ZERO));
    if let Some(rate) = pacing.rate_limit
        && rate.remaining <= policy.reserve_requests
    {
        delay = delay.max(until(rate.reset_at, now));
    }
    delay
}

fn until(at: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    at.signed_duration_since(now)
        .to_std()
        .unwrap_or(Duration::ZERO)
}

/// Lets others ask for a poll now (`POST /v1/refresh`, the tray's Refresh, wake from sleep).
#[derive(Clone, Debug, Default)]
pub struct RefreshHandle(Arc<Notify>);

impl RefreshHandle {
    pub fn refresh_now(&self) {
        self.0.notify_one();
    }
}

pub struct Poller<S> {
    source: S,
    policy: PollPolicy,
    /// State changes, for those who announce them.
    transitions: broadcast::Sender<Transition>,
    refresh: RefreshHandle,
    /// A launcher following a session log wants fresh states: poll fast while it reads.
    following: Option<FollowSignal>,
}

/// How long after the last log read polling stays fast.
const FOLLOW_WINDOW: Duration = Duration::from_secs(30);

impl<S: TaskSource> Poller<S> {
    pub fn new(
        source: S,
        policy: PollPolicy,
        transitions: broadcast::Sender<Transition>,
    ) -> Poller<S> {
        Poller {
            source,
            policy,
            transitions,
            refresh: RefreshHandle::default(),
            following: None,
        }
    }

    pub fn with_follow_signal(mut self, signal: FollowSignal) -> Poller<S> {
        self.following = Some(signal);
        self
    }

    pub fn refresh_handle(&self) -> RefreshHandle {
        self.refresh.clone()
    }

    /// Polls until cancelled, publishing each result into `out` (this source's state; the
    /// merge holds the receiver). A failed poll never drops the snapshot already published.
    pub async fn run(mut self, out: watch::Sender<Arc<SourceState>>, cancel: CancellationToken) {
        let mut last_rate_limit: Option<RateLimit> = None;
        loop {
            let now = Utc::now();
            let result = tokio::select! {
                () = cancel.cancelled() => return,
                result = self.source.poll(now) => result,
            };
            let current = out.borrow().clone();
            let mut health = current.health.clone();
            let mut snapshot = current.snapshot.clone();
            let attempt = match result {
                Ok(outcome) => {
                    health.succeeded(now);
                    health.sessions_unavailable = outcome.sessions_unavailable.clone();
                    if outcome.skipped_items > 0 {
                        tracing::warn!(
                            skipped = outcome.skipped_items,
                            "some tasks upstream sent could not be read and were skipped"
                        );
                    }
                    if outcome.changed || snapshot.fetched_at.is_none() {
                        if snapshot.fetched_at.is_some() {
                            self.announce(diff(&snapshot, &outcome.snapshot));
                        }
                        snapshot = outcome.snapshot;
                    } else {
                        snapshot.fetched_at = Some(now);
                    }
                    last_rate_limit = outcome.pacing.rate_limit.or(last_rate_limit);
                    let followed = self
                        .following
                        .as_ref()
                        .is_some_and(|f| f.recent(FOLLOW_WINDOW));
                    Attempt::Succeeded {
                        any_active: snapshot.any_active() || followed,
                        pacing: outcome.pacing,
                    }
                }
                Err(error) => {
                    tracing::warn!(error = %error, "poll failed; keeping the last good snapshot");
                    let requested_wait = error.requested_wait(now);
                    health.failed(Problem {
                        code: error.code(),
                        message: error.to_string(),
                        at: now,
                    });
                    Attempt::Failed {
                        consecutive: health.consecutive_failures,
                        requested_wait,
                        signed_out: matches!(error.code(), "unauthorized" | "no_token"),
                        pacing: Pacing::default(),
                    }
                }
            };
            let delay = next_delay(&self.policy, attempt, now, rand::random::<f64>());
            health.rate_limit = last_rate_limit;
            health.next_poll_at = TimeDelta::from_std(delay).ok().map(|d| now + d);
            tracing::debug!(delay_ms = delay.as_millis() as u64, "next poll scheduled");
            out.send_replace(Arc::new(SourceState { snapshot, health }));

            tokio::select! {
                () = cancel.cancelled() => return,
                () = self.refresh.0.notified() => tracing::debug!("refresh requested"),
                () = self.source.credentials_changed() => tracing::info!("credentials changed; polling now"),
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    fn announce(&self, transitions: Vec<Transition>) {
        for t in transitions {
            tracing::info!(
                task = %t.task_id,
                from = t.from.as_ref().map_or("new", |s| s.as_str()),
                to = %t.to,
                title = %t.task.title,
                repository = t.task.repository.as_deref().unwrap_or("-"),
                "task changed state"
            );
            // Nobody listening is fine: the broadcast is for surfaces that choose to.
            let _ = self.transitions.send(t);
        }
    }
}

/// The state a source starts with: the saved snapshot (if any), stale until the first poll.
pub fn initial_state(snapshot: Option<crate::model::Snapshot>) -> SourceState {
    SourceState::starting(snapshot.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::task;
    use crate::model::{HealthStatus, Snapshot};
    use std::collections::VecDeque;
    use tokio::time::Instant;

    fn policy() -> PollPolicy {
        PollPolicy {
            fast: Duration::from_secs(5),
            slow: Duration::from_secs(60),
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(120),
            reserve_requests: 10,
        }
    }

    fn ok(active: bool) -> Attempt {
        Attempt::Succeeded {
            any_active: active,
            pacing: Pacing::default(),
        }
    }

    fn failed(consecutive: u32) -> Attempt {
        Attempt::Failed {
            consecutive,
            requested_wait: None,
            signed_out: false,
            pacing: Pacing::default(),
        }
    }

    #[test]
    fn fast_while_active_slow_when_idle() {
        let now = Utc::now();
        assert_eq!(
            next_delay(&policy(), ok(true), now, 0.3),
            Duration::from_secs(5)
        );
        assert_eq!(
            next_delay(&policy(), ok(false), now, 0.3),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let now = Utc::now();
        let p = policy();
        assert_eq!(next_delay(&p, failed(1), now, 0.0), Duration::from_secs(1));
        assert_eq!(next_delay(&p, failed(1), now, 1.0), Duration::from_secs(2));
        assert_eq!(next_delay(&p, failed(3), now, 1.0), Duration::from_secs(8));
        assert_eq!(next_delay(&p, failed(3), now, 0.0), Duration::from_secs(4));
        assert_eq!(
            next_delay(&p, failed(30), now, 1.0),
            Duration::from_secs(120)
        );
        assert_eq!(
            next_delay(&p, failed(30), now, 0.0),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn upstream_hints_are_never_undercut() {
        let now = Utc::now();
        let p = policy();
        let retry = Attempt::Failed {
            consecutive: 1,
            requested_wait: Some(Duration::from_secs(90)),
            signed_out: false,
            pacing: Pacing::default(),
        };
        assert_eq!(next_delay(&p, retry, now, 0.5), Duration::from_secs(90));

        let interval = Attempt::Succeeded {
            any_active: true,
            pacing: Pacing {
                rate_limit: None,
                poll_interval: Some(Duration::from_secs(30)),
            },
        };
        assert_eq!(next_delay(&p, interval, now, 0.5), Duration::from_secs(30));

        let low = |remaining| Attempt::Succeeded {
            any_active: true,
            pacing: Pacing {
                rate_limit: Some(RateLimit {
                    limit: 5000,
                    remaining,
                    reset_at: now + TimeDelta::seconds(600),
                }),
                poll_interval: None,
            },
        };
        assert_eq!(next_delay(&p, low(3), now, 0.5), Duration::from_secs(600));
        assert_eq!(next_delay(&p, low(4000), now, 0.5), Duration::from_secs(5));

        let signed_out = Attempt::Failed {
            consecutive: 1,
            requested_wait: None,
            signed_out: true,
            pacing: Pacing::default(),
        };
        assert_eq!(
            next_delay(&p, signed_out, now, 0.0),
            Duration::from_secs(120)
        );
    }

    /// A source that plays back a script and records when it was asked.
    struct Scripted {
        script: VecDeque<Result<SyncOutcome, ClientError>>,
        asked_at: Arc<std::sync::Mutex<Vec<Instant>>>,
    }

    impl TaskSource for Scripted {
        async fn poll(&mut self, _now: DateTime<Utc>) -> Result<SyncOutcome, ClientError> {
            if let Ok(mut asked) = self.asked_at.lock() {
                asked.push(Instant::now());
            }
            self.script.pop_front().unwrap_or(Err(ClientError::Server {
                endpoint: "script".into(),
                status: 599,
            }))
        }
    }

    fn outcome(state: &str) -> Result<SyncOutcome, ClientError> {
        Ok(SyncOutcome {
            snapshot: Snapshot::new(vec![task("t", state, 1)], Utc::now()),
            changed: true,
            pacing: Pacing::default(),
            sessions_unavailable: None,
            skipped_items: 0,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn the_loop_paces_itself_keeps_the_snapshot_on_errors_and_reports_transitions() {
        let asked_at = Arc::new(std::sync::Mutex::new(Vec::new()));
        let script = VecDeque::from([
            outcome("in_progress"),
            Err(ClientError::Server {
                endpoint: "GET /agents/tasks".into(),
                status: 503,
            }),
            outcome("waiting_for_user"),
            outcome("completed"),
        ]);
        let (overview_tx, mut overview_rx) = watch::channel(Arc::new(initial_state(None)));
        let (transitions_tx, mut transitions_rx) = broadcast::channel(16);
        let poller = Poller::new(
            Scripted {
                script,
                asked_at: asked_at.clone(),
            },
            policy(),
            transitions_tx,
        );
        let cancel = CancellationToken::new();
        let start = Instant::now();
        let task = tokio::spawn(poller.run(overview_tx, cancel.clone()));

        overview_rx.changed().await.unwrap();
        assert_eq!(overview_rx.borrow().health.status, HealthStatus::Ok);
        overview_rx.changed().await.unwrap();
        {
            let seen = overview_rx.borrow();
            assert_eq!(seen.health.status, HealthStatus::Degraded);
            assert_eq!(
                seen.health.last_error.as_ref().map(|p| p.code),
                Some("server_error")
            );
            assert!(seen.health.stale);
            assert_eq!(seen.snapshot.tasks.len(), 1, "the last good snapshot stays");
        }
        overview_rx.changed().await.unwrap();
        overview_rx.changed().await.unwrap();
        assert_eq!(overview_rx.borrow().health.status, HealthStatus::Ok);
        cancel.cancel();
        task.await.unwrap();

        let gaps: Vec<u64> = asked_at
            .lock()
            .unwrap()
            .iter()
            .map(|at| at.duration_since(start).as_secs())
            .collect();
        // Active → 5 s; after the error a backoff of 1–2 s; then 5 s again.
        assert_eq!(gaps[0], 0);
        assert_eq!(gaps[1], 5);
        assert!((6..=7).contains(&gaps[2]), "{gaps:?}");
        assert_eq!(gaps[3], gaps[2] + 5);

        let first = transitions_rx.recv().await.unwrap();
        assert_eq!(first.to.as_str(), "waiting_for_user");
        let second = transitions_rx.recv().await.unwrap();
        assert_eq!(second.to.as_str(), "completed");
        assert!(
            transitions_rx.try_recv().is_err(),
            "no transition for the first load"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn refresh_polls_at_once_instead_of_waiting_out_the_interval() {
        let asked_at = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (overview_tx, mut overview_rx) = watch::channel(Arc::new(initial_state(None)));
        let (transitions_tx, _) = broadcast::channel(4);
        let poller = Poller::new(
            Scripted {
                script: VecDeque::from([outcome("completed"), outcome("completed")]),
                asked_at: asked_at.clone(),
            },
            policy(),
            transitions_tx,
        );
        let refresh = poller.refresh_handle();
        let cancel = CancellationToken::new();
        let start = Instant::now();
        let task = tokio::spawn(poller.run(overview_tx, cancel.clone()));
        overview_rx.changed().await.unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        refresh.refresh_now();
        overview_rx.changed().await.unwrap();
        cancel.cancel();
        task.await.unwrap();
        let asked = asked_at.lock().unwrap();
        assert_eq!(
            asked[1].duration_since(start).as_secs(),
            3,
            "not the idle 60 s"
        );
    }
}
