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
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use super::client::{Fetched, GitHubClient, Pacing, TASKS_PER_PAGE};
use super::dto::{CapiSessionDto, TaskDto, TaskListDto, decode_items};
use super::error::ClientError;
use super::normalize::{self, Extras};
use crate::model::{PullRequest, RECENT_WINDOW, Snapshot, State, Task};

/// The most pages a single pass follows; a safety net against a server that never ends a list.
const MAX_PAGES: u32 = 100;

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
    repository_names: HashMap<u64, String>,
    sessions_unavailable: Option<String>,
    /// The task list of the last snapshot built, shared with the published one.
    last_tasks: Option<Arc<[Task]>>,
    options: SyncOptions,
}

/// What a poll learned, applied to [`TaskSync`] only when the whole poll succeeded.
#[derive(Default)]
struct Pending {
    listed: Vec<TaskDto>,
    full_pass: Option<BTreeMap<u32, (String, Vec<String>)>>,
    since_etag: Option<(DateTime<Utc>, String)>,
    hydrated: HashMap<String, (Option<TaskDto>, Option<CapiSessionDto>)>,
    pull_requests: HashMap<String, PullRequest>,
    missing_pull_requests: HashSet<String>,
    repository_names: HashMap<u64, String>,
    sessions_unavailable: Option<Option<String>>,
    pacing: Pacing,
    skipped: usize,
}

impl TaskSync {
    pub fn new(options: SyncOptions) -> TaskSync {
        TaskSync {
            options,
            ..TaskSync::default()
        }
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
        let vanished = pending.full_pass.as_ref().is_some_and(|pages| {
            let listed: HashSet<&String> = pages.values().flat_map(|(_, ids)| ids).collect();
            self.known.keys().any(|id| !listed.contains(id))
        });
        let changed = !changed_ids.is_empty() || vanished || self.known.is_empty();
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
            sessions_unavailable: self.sessions_unavailable.clone(),
            skipped_items: skipped,
        })
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
        let mut pr_ids = Vec::new();
        for id in changed {
            let Some(entry) = by_id.get(id.as_str()) else {
                continue;
            };
            if let Some(global_id) = entry.pull_request().and_then(|pr| pr.global_id.clone()) {
                pr_ids.push(global_id);
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
                match client.capi_session(&session_id, None).await {
                    Ok(reply) => {
                        pending.pacing = pending.pacing.merge(reply.pacing);
                        if let Fetched::Fresh { value, .. } = reply.body {
                            capi_session = Some(value);
                        }
                        pending.sessions_unavailable.get_or_insert(None);
                    }
                    // The Copilot API decides on its own which tokens it takes: a refusal there
                    // costs session details and logs, not the task list.
                    Err(e @ (ClientError::Unauthorized { .. } | ClientError::Forbidden { .. })) => {
                        capi_refused = true;
                        pending.sessions_unavailable =
                            Some(Some(format!("session details are unavailable: {e}")));
                    }
                    Err(ClientError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            pending.hydrated.insert(id.clone(), (detail, capi_session));
        }

        if !pr_ids.is_empty() {
            let nodes = client.pull_requests(&pr_ids).await?;
            pending.pacing = pending.pacing.merge(nodes.pacing);
            for (id, node) in &nodes.found {
                pending
                    .pull_requests
                    .insert(id.clone(), normalize::pull_request(node));
            }
            for (id, why) in nodes.missing {
                tracing::info!(pull_request = %id, reason = %why, "pull request unavailable");
                pending.missing_pull_requests.insert(id);
            }
        }

        // A thin repository (`{id}` only) takes its name from the PR, else from a lookup.
        for id in changed {
            let Some(entry) = by_id.get(id.as_str()) else {
                continue;
            };
            let Some(repo) = entry.repository.as_ref() else {
                continue;
            };
            let Some(repo_id) = repo.id else { continue };
            let from_pr = entry
                .pull_request()
                .and_then(|pr| pr.global_id.as_ref())
                .and_then(|gid| {
                    pending
                        .pull_requests
                        .get(gid)
                        .or(self.pull_requests.get(gid))
                })
                .and_then(|pr| repository_of(&pr.url));
            if repo.name_with_owner().is_some()
                || from_pr.is_some()
                || self.repository_names.contains_key(&repo_id)
                || pending.repository_names.contains_key(&repo_id)
            {
                continue;
            }
            match client.repository_name(repo_id).await {
                Ok(name) => {
                    pending.repository_names.insert(repo_id, name);
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
            let (detail, capi_session) = hydrated.remove(&entry.id).unwrap_or_default();
            if let Some(gid) = entry.pull_request().and_then(|pr| pr.global_id.clone()) {
                self.missing_pull_requests.remove(&gid);
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
        self.repository_names.extend(pending.repository_names);
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
                    .pull_request()
                    .and_then(|pr| pr.global_id.as_ref())
                    .and_then(|gid| self.pull_requests.get(gid));
                let repository = known
                    .entry
                    .repository
                    .as_ref()
                    .and_then(|r| r.id)
                    .and_then(|id| self.repository_names.get(&id).cloned())
                    .or_else(|| pr.and_then(|p| repository_of(&p.url)));
                normalize::task(
                    &known.entry,
                    Extras {
                        detail: known.detail.as_deref(),
                        capi_session: known.capi_session.as_deref(),
                        pull_request: pr,
                        repository: repository.as_deref(),
                    },
                    web,
                )
            })
            .collect();
        Snapshot::new(tasks, now)
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
