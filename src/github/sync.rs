//! Keeps the user's task list in step with GitHub as cheaply as the APIs allow.
//!
//! A first load pages through `GET /agents/tasks`; later polls ask only for tasks updated since
//! the newest one the last full pass saw, with `If-None-Match`, so an idle poll is a single 304.
//! Every so often a full pass (also conditional, page by page) catches tasks that were archived
//! or deleted, and moves the `since` mark forward.
//! Only tasks that changed are hydrated: their detail and newest Copilot session when they are
//! active or recent, their pull request through GraphQL `nodes`, their repository name when the
//! list gave only an id. A poll is a transaction: if any request fails, nothing it learned is
//! kept, so the next poll asks again instead of trusting a 304 for data it never processed.

use chrono::{DateTime, TimeDelta, Utc};
use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use super::client::{Fetched, GitHubClient, Pacing, TASKS_PER_PAGE};
use super::dto::{CapiSessionDto, TaskDto, TaskListDto, decode_items};
use super::error::ClientError;
use super::node_id;
use super::normalize::{self, Extras};
use crate::core::actions::ActionSet;
use crate::model::{PullRequest, RECENT_WINDOW, Snapshot, SourceId, State, Task};

/// The most pages a single pass follows; a safety net against a server that never ends a list.
const MAX_PAGES: u32 = 100;
/// The first wait before a failed Copilot API session detail is asked for again; doubles per
/// failure up to [`CAPI_RETRY_MAX`].
const CAPI_RETRY_BASE: TimeDelta = TimeDelta::seconds(30);
const CAPI_RETRY_MAX: TimeDelta = TimeDelta::minutes(15);
/// The longest one Copilot API request may hold up a poll of the task list.
const CAPI_DEADLINE: Duration = Duration::from_secs(10);

/// Names of accounts and repositories known by id. They never change meaning, so they are kept
/// for the process's lifetime (across tokens) and seeded from the saved snapshot: an idle poll
/// never asks for them again.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    /// Account id → login.
    pub users: HashMap<u64, String>,
    /// Repository id → `owner/name`.
    pub repositories: HashMap<u64, String>,
}

impl Directory {
    /// What a list of tasks (the saved snapshot) already says about ids and names.
    pub fn from_tasks<T: Borrow<Task>>(tasks: &[T]) -> Directory {
        let mut directory = Directory::default();
        for task in tasks.iter().map(Borrow::borrow) {
            if let (Some(id), Some(login)) = (task.owner_id, &task.owner) {
                directory.users.insert(id, login.clone());
            }
            if let (Some(id), Some(name)) = (task.repository_id, &task.repository) {
                directory.repositories.insert(id, name.clone());
            }
        }
        directory
    }
}

/// A Copilot API session detail that failed, and when to ask again.
#[derive(Clone, Debug, PartialEq, Eq)]
struct CapiFailure {
    session_id: String,
    attempts: u32,
    retry_at: DateTime<Utc>,
    message: String,
}

impl CapiFailure {
    fn after(
        previous: Option<&CapiFailure>,
        session_id: &str,
        message: String,
        now: DateTime<Utc>,
    ) -> CapiFailure {
        let attempts = previous
            .filter(|p| p.session_id == session_id)
            .map_or(1, |p| p.attempts.saturating_add(1));
        let wait = CAPI_RETRY_BASE
            .checked_mul(1 << attempts.saturating_sub(1).min(10))
            .unwrap_or(CAPI_RETRY_MAX)
            .min(CAPI_RETRY_MAX);
        CapiFailure {
            session_id: session_id.to_owned(),
            attempts,
            retry_at: now + wait,
            message,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// How often the whole list is walked again to notice tasks that disappeared.
    pub full_resync: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            full_resync: Duration::from_secs(15 * 60),
        }
    }
}

/// What one poll produced.
#[derive(Debug)]
pub struct SyncOutcome {
    pub snapshot: Snapshot,
    /// False when upstream confirmed nothing changed (all 304s).
    pub changed: bool,
    pub pacing: Pacing,
    /// Why session details are unavailable (the Copilot API refused this token).
    pub sessions_unavailable: Option<String>,
    /// List items that did not decode and were skipped.
    pub skipped_items: usize,
}

/// A task as last listed, plus what was fetched about it when it last changed. Kept boxed in
/// the map, and the hydration boxed inside, because most tasks are old and never hydrated: the
/// map's table then holds pointers rather than three DTOs' worth of mostly empty room per slot
/// (for 1,000 tasks that room was 2.3 MB, the largest single item of the headless heap).
#[derive(Clone, Debug)]
struct Known {
    entry: TaskDto,
    detail: Option<Box<TaskDto>>,
    capi_session: Option<Box<CapiSessionDto>>,
}

/// The conditional-request and hydration state carried from poll to poll.
#[derive(Debug, Default)]
pub struct TaskSync {
    known: HashMap<String, Box<Known>>,
    /// Full pass: page → (ETag, the ids that page listed).
    page_etags: BTreeMap<u32, (String, Vec<String>)>,
    /// Incremental passes ask for tasks updated at or after this: the newest update seen by the
    /// last full pass. It stays put between full passes on purpose, so the answer (and its ETag)
    /// stays the same until something changes, and each change costs one 200, not two.
    since: Option<DateTime<Utc>>,
    /// Incremental pass: the `since` value and the ETag of its first page.
    since_etag: Option<(DateTime<Utc>, String)>,
    last_full_pass: Option<DateTime<Utc>>,
    pull_requests: HashMap<String, PullRequest>,
    /// PR node ids GraphQL could not resolve (deleted, no longer visible): not asked again
    /// until their task changes.
    missing_pull_requests: HashSet<String>,
    directory: Directory,
    /// Whether `GET /user` was asked with this token (once is enough).
    viewer_checked: bool,
    /// Account ids no lookup could name: not asked again.
    unnamed_users: HashSet<u64>,
    /// Task id → its Copilot API session detail that failed; retried with backoff.
    capi_failures: HashMap<String, CapiFailure>,
    sessions_unavailable: Option<String>,
    /// The task list of the last snapshot built, shared with the published one.
    last_tasks: Option<Arc<[Arc<Task>]>>,
    options: SyncOptions,
    /// Stamped on every task: the source it belongs to, and what it allows.
    stamp: Stamp,
}

/// What the source that owns a sync stamps on each of its tasks.
#[derive(Clone, Debug, Default)]
pub struct Stamp {
    pub source: SourceId,
    /// The source's one decision of what a task allows.
    pub actions: Option<fn(&Task) -> ActionSet>,
}

/// What a poll learned, applied to [`TaskSync`] only when the whole poll succeeded.
#[derive(Default)]
struct Pending {
    listed: Vec<TaskDto>,
    full_pass: Option<BTreeMap<u32, (String, Vec<String>)>>,
    since_etag: Option<(DateTime<Utc>, String)>,
    hydrated: HashMap<String, (Option<TaskDto>, Option<CapiSessionDto>)>,
    /// Copilot API details fetched again for tasks that did not change.
    capi_retried: HashMap<String, CapiSessionDto>,
    /// Task id → a new failure (`Some`) or a recovery (`None`).
    capi_outcomes: HashMap<String, Option<CapiFailure>>,
    pull_requests: HashMap<String, PullRequest>,
    missing_pull_requests: HashSet<String>,
    directory: Directory,
    viewer_checked: bool,
    unnamed_users: HashSet<u64>,
    sessions_unavailable: Option<Option<String>>,
    pacing: Pacing,
    skipped: usize,
}

impl TaskSync {
    pub fn new(options: SyncOptions) -> TaskSync {
        TaskSync::with_directory(options, Directory::default())
    }

    /// A sync that starts out knowing these names (from the saved snapshot, or an earlier token).
    pub fn with_directory(options: SyncOptions, directory: Directory) -> TaskSync {
        TaskSync {
            options,
            directory,
            ..TaskSync::default()
        }
    }

    /// Tasks are stamped with `stamp`'s source id and actions.
    pub fn with_stamp(mut self, stamp: Stamp) -> TaskSync {
        self.stamp = stamp;
        self
    }

    /// The names learned so far, to carry over to the next sync.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// Polls upstream once. On error nothing changes, and the error says what failed.
    pub async fn poll(
        &mut self,
        client: &GitHubClient,
        now: DateTime<Utc>,
    ) -> Result<SyncOutcome, ClientError> {
        let mut pending = Pending::default();
        let full = self.known.is_empty()
            || self.last_full_pass.is_none_or(|at| {
                now.signed_duration_since(at)
                    >= TimeDelta::from_std(self.options.full_resync).unwrap_or(TimeDelta::MAX)
            });
        if full {
            self.list_full(client, &mut pending).await?;
        } else {
            self.list_since(client, &mut pending).await?;
        }

        let changed_ids = self.changed(&pending.listed);
        if !changed_ids.is_empty() {
            let listed = std::mem::take(&mut pending.listed);
            self.hydrate(client, &changed_ids, &listed, now, &mut pending)
                .await?;
            pending.listed = listed;
        }
        self.retry_capi(client, &changed_ids, now, &mut pending)
            .await;
        let vanished = pending.full_pass.as_ref().is_some_and(|pages| {
            let listed: HashSet<&String> = pages.values().flat_map(|(_, ids)| ids).collect();
            self.known.keys().any(|id| !listed.contains(id))
        });
        let capi_changed = !pending.capi_retried.is_empty()
            || pending.capi_outcomes.iter().any(|(id, outcome)| {
                self.capi_failures.get(id).map(|f| &f.message)
                    != outcome.as_ref().map(|f| &f.message)
            });
        let changed = !changed_ids.is_empty() || vanished || capi_changed || self.known.is_empty();
        let pacing = pending.pacing;
        let skipped = pending.skipped;
        self.commit(pending, &changed_ids, full, now);
        // Nothing changed: the tasks normalise to the same list as last time, so share it rather
        // than rebuild 1,000 tasks at every idle poll.
        let snapshot = match &self.last_tasks {
            Some(tasks) if !changed => Snapshot {
                tasks: tasks.clone(),
                fetched_at: Some(now),
            },
            _ => {
                let snapshot = self.snapshot(client.endpoints().web.as_str(), now);
                self.last_tasks = Some(snapshot.tasks.clone());
                snapshot
            }
        };
        Ok(SyncOutcome {
            snapshot,
            changed,
            pacing,
            sessions_unavailable: self.sessions_problem(),
            skipped_items: skipped,
        })
    }

    /// What `health` says about session details: the Copilot API refusing the token, else how
    /// many tasks lack their detail and why.
    fn sessions_problem(&self) -> Option<String> {
        if let Some(refused) = &self.sessions_unavailable {
            return Some(refused.clone());
        }
        let mut failures: Vec<&CapiFailure> = self.capi_failures.values().collect();
        failures.sort_by(|a, b| a.session_id.cmp(&b.session_id));
        let first = failures.first()?;
        Some(match failures.len() {
            1 => format!("session detail unavailable for 1 task: {}", first.message),
            n => format!(
                "session detail unavailable for {n} tasks: {}",
                first.message
            ),
        })
    }

    /// Asks the Copilot API again for the session details that failed and are due, for tasks
    /// this poll did not hydrate anyway. Never fails the poll.
    async fn retry_capi(
        &self,
        client: &GitHubClient,
        hydrated: &[String],
        now: DateTime<Utc>,
        pending: &mut Pending,
    ) {
        let mut due: Vec<(&String, &CapiFailure)> = self
            .capi_failures
            .iter()
            .filter(|(id, failure)| failure.retry_at <= now && !hydrated.contains(id))
            .collect();
        due.sort_by_key(|(_, failure)| failure.retry_at);
        let mut down = None;
        for (task_id, failure) in due {
            if !self.known.contains_key(task_id) {
                continue;
            }
            let result = match &down {
                Some(message) => Err(CapiError::Down(String::clone(message))),
                None => capi_session_of(client, &failure.session_id).await,
            };
            match result {
                Ok((session, pacing)) => {
                    pending.pacing = pending.pacing.merge(pacing);
                    if let Some(session) = session {
                        pending.capi_retried.insert(task_id.clone(), session);
                    }
                    pending.capi_outcomes.insert(task_id.clone(), None);
                }
                Err(error) => {
                    if error.service_down() {
                        down.get_or_insert_with(|| error.to_string());
                    }
                    let message = error.to_string();
                    tracing::info!(task = %task_id, reason = %message, "session detail still unavailable");
                    pending.capi_outcomes.insert(
                        task_id.clone(),
                        Some(CapiFailure::after(
                            Some(failure),
                            &failure.session_id,
                            message,
                            now,
                        )),
                    );
                }
            }
        }
    }

    /// Walks every page, each with its own ETag; a 304 page reuses the tasks it listed before.
    async fn list_full(
        &self,
        client: &GitHubClient,
        pending: &mut Pending,
    ) -> Result<(), ClientError> {
        let mut pages = BTreeMap::new();
        for page in 1..=MAX_PAGES {
            let etag = self.page_etags.get(&page).map(|(etag, _)| etag.as_str());
            let reply = client.list_tasks(page, None, etag).await?;
            pending.pacing = pending.pacing.merge(reply.pacing);
            let (ids, count) = match reply.body {
                Fetched::NotModified => {
                    let ids = self
                        .page_etags
                        .get(&page)
                        .map(|(_, ids)| ids.clone())
                        .unwrap_or_default();
                    pending.listed.extend(
                        ids.iter()
                            .filter_map(|id| self.known.get(id))
                            .map(|k| k.entry.clone()),
                    );
                    let count = ids.len();
                    if let Some((etag, _)) = self.page_etags.get(&page) {
                        pages.insert(page, (etag.clone(), ids));
                    }
                    (None, count)
                }
                Fetched::Fresh { value, etag } => {
                    let (tasks, count) = decode_list(value, pending);
                    let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
                    pending.listed.extend(tasks);
                    (etag.map(|etag| (etag, ids)), count)
                }
            };
            if let Some(entry) = ids {
                pages.insert(page, entry);
            }
            if !another_page(reply.has_link, reply.next_page.is_some(), count) {
                break;
            }
        }
        pending.full_pass = Some(pages);
        Ok(())
    }

    /// Asks only for tasks updated at or after the newest one known.
    async fn list_since(
        &self,
        client: &GitHubClient,
        pending: &mut Pending,
    ) -> Result<(), ClientError> {
        let since = self.since;
        let etag = match (&self.since_etag, since) {
            (Some((at, etag)), Some(since)) if *at == since => Some(etag.as_str()),
            // Nothing listed yet: the request is the full pass's first page, with its ETag.
            (_, None) => self.page_etags.get(&1).map(|(etag, _)| etag.as_str()),
            _ => None,
        };
        for page in 1..=MAX_PAGES {
            let reply = client
                .list_tasks(page, since, if page == 1 { etag } else { None })
                .await?;
            pending.pacing = pending.pacing.merge(reply.pacing);
            let Fetched::Fresh { value, etag } = reply.body else {
                return Ok(());
            };
            let (tasks, count) = decode_list(value, pending);
            pending.listed.extend(tasks);
            if page == 1
                && let (Some(since), Some(etag)) = (since, etag)
            {
                pending.since_etag = Some((since, etag));
            }
            if !another_page(reply.has_link, reply.next_page.is_some(), count) {
                break;
            }
        }
        Ok(())
    }

    /// Ids of listed tasks that are new or differ from what is known.
    fn changed(&self, listed: &[TaskDto]) -> Vec<String> {
        listed
            .iter()
            .filter(|t| {
                self.known.get(&t.id).is_none_or(|k| {
                    k.entry.updated_at != t.updated_at || k.entry.raw_state() != t.raw_state()
                })
            })
            .map(|t| t.id.clone())
            .collect()
    }

    async fn hydrate(
        &self,
        client: &GitHubClient,
        changed: &[String],
        listed: &[TaskDto],
        now: DateTime<Utc>,
        pending: &mut Pending,
    ) -> Result<(), ClientError> {
        let by_id: HashMap<&str, &TaskDto> = listed.iter().map(|t| (t.id.as_str(), t)).collect();
        let mut capi_refused = false;
        // Set when the Copilot API as a whole is unreachable: the rest of this poll skips it.
        let mut capi_down: Option<String> = None;
        let mut node_ids = Vec::new();
        for id in changed {
            let Some(entry) = by_id.get(id.as_str()) else {
                continue;
            };
            if let Some(node_id) = entry.pull_request_node_id() {
                node_ids.push(node_id);
            }
            if !worth_detail(entry, now) {
                continue;
            }
            let detail = match client.task(id, None).await {
                Ok(reply) => {
                    pending.pacing = pending.pacing.merge(reply.pacing);
                    match reply.body {
                        Fetched::Fresh { value, .. } => Some(value),
                        Fetched::NotModified => None,
                    }
                }
                // Deleted between the list and now: the next full pass drops it.
                Err(ClientError::NotFound { .. }) => None,
                Err(e) => return Err(e),
            };
            let newest = detail.as_ref().and_then(|d| {
                d.sessions
                    .iter()
                    .max_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)))
                    .map(|s| s.id.clone())
            });
            let mut capi_session = None;
            if let Some(session_id) = newest.filter(|_| !capi_refused) {
                let result = match &capi_down {
                    Some(message) => Err(CapiError::Down(message.clone())),
                    None => capi_session_of(client, &session_id).await,
                };
                match result {
                    Ok((session, pacing)) => {
                        pending.pacing = pending.pacing.merge(pacing);
                        capi_session = session;
                        pending.sessions_unavailable.get_or_insert(None);
                        pending.capi_outcomes.insert(id.clone(), None);
                    }
                    // The Copilot API decides on its own which tokens it takes: a refusal there
                    // costs session details and logs, not the task list.
                    Err(CapiError::Client(
                        e @ (ClientError::Unauthorized { .. } | ClientError::Forbidden { .. }),
                    )) => {
                        capi_refused = true;
                        pending.sessions_unavailable =
                            Some(Some(format!("session details are unavailable: {e}")));
                    }
                    // Any other failure costs this task its session detail, never the list;
                    // it is asked again later, with backoff.
                    Err(error) => {
                        if error.service_down() {
                            capi_down.get_or_insert_with(|| error.to_string());
                        }
                        let message = error.to_string();
                        tracing::info!(task = %id, reason = %message, "session detail unavailable");
                        pending.capi_outcomes.insert(
                            id.clone(),
                            Some(CapiFailure::after(
                                self.capi_failures.get(id),
                                &session_id,
                                message,
                                now,
                            )),
                        );
                    }
                }
            }
            pending.hydrated.insert(id.clone(), (detail, capi_session));
        }

        // The owners: the viewer's own tasks are most of them (one `GET /user` per token);
        // others go into the same `nodes` request as the pull requests.
        let unknown_owner = |entry: &TaskDto, pending: &Pending| {
            entry.owner_id().filter(|owner| {
                entry.owner_login().is_none()
                    && !self.directory.users.contains_key(owner)
                    && !pending.directory.users.contains_key(owner)
                    && !self.unnamed_users.contains(owner)
            })
        };
        let mut unknown_owners: Vec<u64> = changed
            .iter()
            .filter_map(|id| by_id.get(id.as_str()))
            .filter_map(|entry| unknown_owner(entry, pending))
            .collect();
        if !unknown_owners.is_empty() && !self.viewer_checked {
            match client.user().await {
                Ok(viewer) => {
                    if let Some(viewer_id) = viewer.id {
                        pending.directory.users.insert(viewer_id, viewer.login);
                    }
                }
                // Some tokens may not read the profile: owners are then named through GraphQL.
                Err(ClientError::NotFound { .. } | ClientError::Forbidden { .. }) => {}
                Err(e) => return Err(e),
            }
            pending.viewer_checked = true;
            unknown_owners.retain(|owner| !pending.directory.users.contains_key(owner));
        }
        unknown_owners.sort_unstable();
        unknown_owners.dedup();
        let user_nodes: HashMap<String, u64> = unknown_owners
            .iter()
            .map(|owner| (node_id::user(*owner), *owner))
            .collect();
        node_ids.extend(user_nodes.keys().cloned());

        if !node_ids.is_empty() {
            let nodes = client.nodes(&node_ids).await?;
            pending.pacing = pending.pacing.merge(nodes.pacing);
            for (id, node) in &nodes.found {
                pending
                    .pull_requests
                    .insert(id.clone(), normalize::pull_request(node));
            }
            for (node, user) in nodes.users {
                let owner = user.database_id.or_else(|| user_nodes.get(&node).copied());
                if let Some(owner) = owner {
                    pending.directory.users.insert(owner, user.login);
                }
            }
            for (id, why) in nodes.missing {
                if let Some(owner) = user_nodes.get(&id) {
                    tracing::info!(user = owner, reason = %why, "account not found");
                    pending.unnamed_users.insert(*owner);
                } else {
                    tracing::info!(pull_request = %id, reason = %why, "pull request unavailable");
                    pending.missing_pull_requests.insert(id);
                }
            }
            // A pull request names its repository.
            for id in changed {
                let Some(entry) = by_id.get(id.as_str()) else {
                    continue;
                };
                if let (Some(repo_id), Some(name)) = (
                    entry.repository.as_ref().and_then(|r| r.id),
                    entry
                        .pull_request_node_id()
                        .and_then(|gid| nodes.found.get(&gid))
                        .and_then(|pr| pr.repository.as_ref())
                        .map(|r| r.name_with_owner.clone()),
                ) {
                    pending.directory.repositories.insert(repo_id, name);
                }
            }
        }

        // A thin repository (`{id}` only) with no pull request to name it: a lookup.
        for id in changed {
            let Some(entry) = by_id.get(id.as_str()) else {
                continue;
            };
            let Some(repo) = entry.repository.as_ref() else {
                continue;
            };
            let Some(repo_id) = repo.id else { continue };
            let from_pr = entry
                .pull_request_node_id()
                .and_then(|gid| {
                    pending
                        .pull_requests
                        .get(&gid)
                        .or(self.pull_requests.get(&gid))
                })
                .and_then(|pr| repository_of(&pr.url));
            if repo.name_with_owner().is_some()
                || from_pr.is_some()
                || self.directory.repositories.contains_key(&repo_id)
                || pending.directory.repositories.contains_key(&repo_id)
            {
                continue;
            }
            match client.repository_name(repo_id).await {
                Ok(name) => {
                    pending.directory.repositories.insert(repo_id, name);
                }
                Err(ClientError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn commit(&mut self, pending: Pending, changed: &[String], full: bool, now: DateTime<Utc>) {
        let changed: HashSet<&String> = changed.iter().collect();
        let mut hydrated = pending.hydrated;
        if let Some(pages) = pending.full_pass {
            let listed: HashSet<String> = pending.listed.iter().map(|t| t.id.clone()).collect();
            self.known.retain(|id, _| listed.contains(id));
            self.page_etags = pages;
        }
        if full {
            self.last_full_pass = Some(now);
        }
        if let Some(since_etag) = pending.since_etag {
            self.since_etag = Some(since_etag);
        }
        for entry in pending.listed {
            if !changed.contains(&entry.id) {
                continue;
            }
            let (detail, mut capi_session) = hydrated.remove(&entry.id).unwrap_or_default();
            if let Some(gid) = entry.pull_request_node_id() {
                self.missing_pull_requests.remove(&gid);
            }
            // A failed detail keeps what the Copilot API said before, until it answers again.
            if capi_session.is_none()
                && matches!(pending.capi_outcomes.get(&entry.id), Some(Some(_)))
            {
                capi_session = self
                    .known
                    .get(&entry.id)
                    .and_then(|k| k.capi_session.as_deref().cloned());
            }
            self.known.insert(
                entry.id.clone(),
                Box::new(Known {
                    entry,
                    detail: detail.map(Box::new),
                    capi_session: capi_session.map(Box::new),
                }),
            );
        }
        if full {
            self.since = self.known.values().filter_map(|k| k.entry.updated_at).max();
        }
        self.pull_requests.extend(pending.pull_requests);
        self.missing_pull_requests
            .extend(pending.missing_pull_requests);
        for gid in &self.missing_pull_requests {
            self.pull_requests.remove(gid);
        }
        self.directory.users.extend(pending.directory.users);
        self.directory
            .repositories
            .extend(pending.directory.repositories);
        self.viewer_checked |= pending.viewer_checked;
        self.unnamed_users.extend(pending.unnamed_users);
        for (task_id, session) in pending.capi_retried {
            if let Some(known) = self.known.get_mut(&task_id) {
                known.capi_session = Some(Box::new(session));
            }
        }
        for (task_id, outcome) in pending.capi_outcomes {
            match outcome {
                Some(failure) => self.capi_failures.insert(task_id, failure),
                None => self.capi_failures.remove(&task_id),
            };
        }
        self.capi_failures
            .retain(|task_id, _| self.known.contains_key(task_id));
        if let Some(unavailable) = pending.sessions_unavailable {
            self.sessions_unavailable = unavailable;
        }
    }

    /// The snapshot of everything known, normalised.
    pub fn snapshot(&self, web: &str, now: DateTime<Utc>) -> Snapshot {
        let tasks: Vec<Task> = self
            .known
            .values()
            .map(|known| {
                let pr = known
                    .entry
                    .pull_request_node_id()
                    .and_then(|gid| self.pull_requests.get(&gid));
                let repository = known
                    .entry
                    .repository
                    .as_ref()
                    .and_then(|r| r.id)
                    .and_then(|id| self.directory.repositories.get(&id).cloned())
                    .or_else(|| pr.and_then(|p| repository_of(&p.url)));
                let owner = known
                    .entry
                    .owner_id()
                    .and_then(|id| self.directory.users.get(&id))
                    .map(String::as_str);
                let note = self
                    .capi_failures
                    .get(&known.entry.id)
                    .map(|f| format!("session detail unavailable: {}", f.message));
                let mut task = normalize::task(
                    &known.entry,
                    Extras {
                        detail: known.detail.as_deref(),
                        capi_session: known.capi_session.as_deref(),
                        pull_request: pr,
                        repository: repository.as_deref(),
                        owner,
                        note,
                    },
                    web,
                );
                task.source = self.stamp.source.clone();
                if let Some(actions) = self.stamp.actions {
                    task.actions = actions(&task);
                }
                task
            })
            .collect();
        Snapshot::new(tasks, now)
    }
}

/// Why a Copilot API session detail could not be had.
#[derive(Debug, thiserror::Error)]
enum CapiError {
    #[error(transparent)]
    Client(ClientError),
    #[error("the Copilot API did not answer within {} s", CAPI_DEADLINE.as_secs())]
    Deadline,
    /// An earlier request of the same poll found the Copilot API unreachable.
    #[error("{0}")]
    Down(String),
}

impl CapiError {
    /// Whether the Copilot API as a whole is out of reach (rather than one session failing):
    /// then the rest of the poll does not try it.
    fn service_down(&self) -> bool {
        matches!(
            self,
            CapiError::Deadline
                | CapiError::Down(_)
                | CapiError::Client(
                    ClientError::Network { .. }
                        | ClientError::Timeout { .. }
                        | ClientError::GraphQl { .. }
                        | ClientError::RateLimited { .. }
                )
        )
    }
}

/// One session's detail from the Copilot API (`None` when it does not know the session),
/// within [`CAPI_DEADLINE`]. Its base lookup (GraphQL `copilotEndpoints`) counts as part of it.
async fn capi_session_of(
    client: &GitHubClient,
    session_id: &str,
) -> Result<(Option<CapiSessionDto>, Pacing), CapiError> {
    match tokio::time::timeout(CAPI_DEADLINE, client.capi_session(session_id, None)).await {
        Err(_) => Err(CapiError::Deadline),
        Ok(Ok(reply)) => Ok((
            match reply.body {
                Fetched::Fresh { value, .. } => Some(value),
                Fetched::NotModified => None,
            },
            reply.pacing,
        )),
        Ok(Err(ClientError::NotFound { .. })) => Ok((None, Pacing::default())),
        Ok(Err(e)) => Err(CapiError::Client(e)),
    }
}

fn decode_list(list: TaskListDto, pending: &mut Pending) -> (Vec<TaskDto>, usize) {
    let count = list.tasks.len();
    let (tasks, bad) = decode_items::<TaskDto>(list.tasks);
    pending.skipped += bad;
    (tasks, count)
}

/// Whether to ask for the next page: the `Link` header says so when it came; without one, a full
/// page means there may be more.
fn another_page(has_link: bool, has_next: bool, count: usize) -> bool {
    if has_link {
        has_next
    } else {
        count >= TASKS_PER_PAGE as usize
    }
}

/// Active work and work finished within a day are worth a detail request; older work is not.
fn worth_detail(entry: &TaskDto, now: DateTime<Utc>) -> bool {
    let state = State::parse(entry.raw_state());
    state.bucket().is_active()
        || entry
            .updated_at
            .is_some_and(|at| now.signed_duration_since(at) <= RECENT_WINDOW)
}

/// `owner/name` from a pull request URL `…/{owner}/{name}/pull/{n}`.
fn repository_of(pr_url: &str) -> Option<String> {
    let mut parts = pr_url.trim_end_matches('/').rsplit('/');
    let _number = parts.next()?;
    (parts.next()? == "pull").then_some(())?;
    let name = parts.next()?;
    let owner = parts.next()?;
    Some(format!("{owner}/{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_session_detail_backs_off_doubling_up_to_a_cap_and_restarts_for_a_new_session() {
        let now = crate::model::fixtures::now();
        let first = CapiFailure::after(None, "s1", "HTTP 500".into(), now);
        assert_eq!((first.attempts, first.retry_at), (1, now + CAPI_RETRY_BASE));
        let second = CapiFailure::after(Some(&first), "s1", "HTTP 500".into(), now);
        assert_eq!(second.retry_at, now + CAPI_RETRY_BASE * 2);
        let mut later = second;
        for _ in 0..20 {
            later = CapiFailure::after(Some(&later), "s1", "HTTP 500".into(), now);
        }
        assert_eq!(later.retry_at, now + CAPI_RETRY_MAX);
        let new_session = CapiFailure::after(Some(&later), "s2", "HTTP 500".into(), now);
        assert_eq!(new_session.attempts, 1, "a newer session starts over");
    }

    #[test]
    fn health_names_how_many_tasks_lack_their_session_detail() {
        let now = crate::model::fixtures::now();
        let mut sync = TaskSync::default();
        assert_eq!(sync.sessions_problem(), None);
        sync.capi_failures.insert(
            "t1".into(),
            CapiFailure::after(None, "s1", "GET /agents/sessions/s1: HTTP 500".into(), now),
        );
        assert_eq!(
            sync.sessions_problem().as_deref(),
            Some("session detail unavailable for 1 task: GET /agents/sessions/s1: HTTP 500")
        );
        sync.capi_failures.insert(
            "t2".into(),
            CapiFailure::after(None, "s2", "timeout".into(), now),
        );
        assert!(
            sync.sessions_problem()
                .unwrap()
                .starts_with("session detail unavailable for 2 tasks")
        );
        sync.sessions_unavailable = Some("refused".into());
        assert_eq!(sync.sessions_problem().as_deref(), Some("refused"));
    }

    #[test]
    fn the_saved_snapshot_seeds_the_names_of_owners_and_repositories() {
        let mut named = crate::model::fixtures::task("t", "completed", 5);
        named.owner_id = Some(583231);
        named.repository_id = Some(5);
        let unnamed = crate::model::fixtures::task("u", "completed", 5);
        let directory = Directory::from_tasks(&[named, unnamed]);
        assert_eq!(
            directory.users.get(&583231).map(String::as_str),
            Some("octocat")
        );
        assert_eq!(
            directory.repositories.get(&5).map(String::as_str),
            Some("acme/api")
        );
        assert_eq!(
            (directory.users.len(), directory.repositories.len()),
            (1, 1)
        );
    }

    #[test]
    fn repository_comes_out_of_a_pull_request_url() {
        assert_eq!(
            repository_of("https://github.com/acme/api/pull/42"),
            Some("acme/api".into())
        );
        assert_eq!(
            repository_of("http://127.0.0.1:5/web/acme/api/pull/7"),
            Some("acme/api".into())
        );
        assert_eq!(repository_of("https://github.com/acme/api/issues/42"), None);
    }
}
