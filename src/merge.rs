//! The merge: every source's own state in, the one `Overview` the surfaces read out. Pure: no
//! I/O, no clock. Tasks keep SPEC order across sources (waiting, running, then newest); counts
//! cover every source; each source's health is listed in `Overview.sources`; a source that is
//! failing or signed out keeps its last good tasks, marked stale, and never touches the others.
//!
//! [`Merge`] remembers its last inputs so an unchanged set of task lists yields the very same
//! shared list (`Arc`), which lets every reader skip comparing it.

use std::cmp::Reverse;
use std::sync::Arc;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::model::{
    Health, HealthStatus, Overview, Snapshot, SourceId, SourceStatus, Task, task_order,
};
use crate::sources::SourceState;

/// What the merge knows of a source besides its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceInfo {
    pub id: SourceId,
    pub kind: String,
    pub name: String,
}

/// The merge with its memory of the last inputs.
#[derive(Debug, Default)]
pub struct Merge {
    /// Each input's task list and staleness, in input order, as last merged.
    last_inputs: Vec<(Arc<[Arc<Task>]>, bool)>,
    last_tasks: Option<Arc<[Arc<Task>]>>,
}

impl Merge {
    /// Merges `parts` (one per source, any order) into an overview.
    pub fn apply(&mut self, parts: &[(SourceInfo, Arc<SourceState>)]) -> Overview {
        let mut parts: Vec<&(SourceInfo, Arc<SourceState>)> = parts.iter().collect();
        parts.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        let inputs: Vec<(Arc<[Arc<Task>]>, bool)> = parts
            .iter()
            .map(|(_, state)| (state.snapshot.tasks.clone(), state.health.stale))
            .collect();
        let unchanged = inputs.len() == self.last_inputs.len()
            && inputs
                .iter()
                .zip(&self.last_inputs)
                .all(|((a, a_stale), (b, b_stale))| Arc::ptr_eq(a, b) && a_stale == b_stale);
        let tasks = match (&self.last_tasks, unchanged) {
            (Some(tasks), true) => tasks.clone(),
            _ => merged_tasks(&parts),
        };
        self.last_inputs = inputs;
        self.last_tasks = Some(tasks.clone());

        let fetched_at = parts
            .iter()
            .filter_map(|(_, state)| state.snapshot.fetched_at)
            .max();
        let sources: Vec<SourceStatus> = parts
            .iter()
            .map(|(info, state)| SourceStatus {
                id: info.id.clone(),
                kind: info.kind.clone(),
                name: info.name.clone(),
                health: state.health.clone(),
                tasks: state.snapshot.tasks.len(),
            })
            .collect();
        Overview {
            snapshot: Snapshot { tasks, fetched_at },
            health: combined_health(&sources),
            sources,
        }
    }
}

/// One list in SPEC order; a stale source's tasks are marked stale. A single fresh source's
/// list is already in order and is shared as it is.
fn merged_tasks(parts: &[&(SourceInfo, Arc<SourceState>)]) -> Arc<[Arc<Task>]> {
    if let [(_, state)] = parts
        && !state.health.stale
    {
        return state.snapshot.tasks.clone();
    }
    // The tasks are shared, not copied: only a stale source's tasks are copied, to mark them.
    // Each entry carries the first two fields of the order beside its pointer, so most
    // comparisons never reach into the tasks themselves (scattered in memory).
    let mut order: Vec<_> = parts
        .iter()
        .flat_map(|(_, state)| {
            let stale = state.health.stale;
            state
                .snapshot
                .tasks
                .iter()
                .map(move |task| (task.bucket().rank(), Reverse(task.updated_at), task, stale))
        })
        .collect();
    order.sort_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| task_order(a.2, b.2))
    });
    order
        .into_iter()
        .map(|(_, _, task, stale)| {
            if task.stale == stale {
                Arc::clone(task)
            } else {
                Arc::new(Task {
                    stale,
                    ..Task::clone(task)
                })
            }
        })
        .collect()
}

/// How bad a status is, for choosing the health that speaks for all sources.
fn severity(status: HealthStatus) -> u8 {
    match status {
        HealthStatus::Ok => 0,
        HealthStatus::Starting => 1,
        HealthStatus::Degraded => 2,
        HealthStatus::SignedOut => 3,
    }
}

/// Whether a source has a say in the combined health: every account does, a local agent's
/// source only once it has found sessions (a tool that is not installed shows nothing, and
/// must not turn "signed out" into "degraded").
fn speaks(source: &SourceStatus) -> bool {
    source.kind == "github" || source.tasks > 0
}

/// The health of all sources together: the worst source's, stale when any is, polled next when
/// the soonest is. Signed out only when every source that speaks is; one signed-out source
/// among working ones makes the whole `degraded` (its own line says it needs signing in).
fn combined_health(sources: &[SourceStatus]) -> Health {
    let Some(worst) = sources
        .iter()
        .max_by_key(|s| severity(s.health.status))
        .map(|s| &s.health)
    else {
        return Health::starting();
    };
    if let [only] = sources {
        return only.health.clone();
    }
    let mut health = worst.clone();
    if health.status == HealthStatus::SignedOut
        && sources
            .iter()
            .any(|s| s.health.status != HealthStatus::SignedOut && speaks(s))
    {
        health.status = HealthStatus::Degraded;
    }
    health.stale = sources.iter().any(|s| s.health.stale);
    health.next_poll_at = sources.iter().filter_map(|s| s.health.next_poll_at).min();
    health.last_success_at = sources
        .iter()
        .filter_map(|s| s.health.last_success_at)
        .max();
    health.sessions_unavailable = sources
        .iter()
        .find_map(|s| s.health.sessions_unavailable.clone());
    health
}

/// Merges every source's state into `out` until `cancel` fires or every source has ended:
/// at once, then each time any source publishes. The one holder of the overview sender.
pub async fn run(
    mut inputs: Vec<(SourceInfo, watch::Receiver<Arc<SourceState>>)>,
    out: watch::Sender<Arc<Overview>>,
    cancel: CancellationToken,
) {
    let mut merge = Merge::default();
    let mut open: Vec<bool> = vec![true; inputs.len()];
    loop {
        let parts: Vec<(SourceInfo, Arc<SourceState>)> = inputs
            .iter_mut()
            .map(|(info, rx)| (info.clone(), rx.borrow_and_update().clone()))
            .collect();
        out.send_replace(Arc::new(merge.apply(&parts)));
        let waiting: Vec<_> = inputs
            .iter_mut()
            .zip(&open)
            .enumerate()
            .filter(|(_, (_, open))| **open)
            .map(|(i, ((_, rx), _))| Box::pin(async move { (i, rx.changed().await.is_ok()) }))
            .collect();
        if waiting.is_empty() {
            return;
        }
        let (index, alive) = tokio::select! {
            () = cancel.cancelled() => return,
            ((index, alive), _, _) = futures_util::future::select_all(waiting) => (index, alive),
        };
        if !alive {
            // That source's loop ended; its last state stays in the list.
            open[index] = false;
        }
    }
}

/// The overview before any source has polled: each one's starting state, merged.
pub fn initial(inputs: &[(SourceInfo, Arc<SourceState>)]) -> Overview {
    Merge::default().apply(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Problem;
    use crate::model::fixtures::{now, task};

    fn info(id: &str) -> SourceInfo {
        SourceInfo {
            id: SourceId::new(id).unwrap(),
            kind: "github".into(),
            name: id.into(),
        }
    }

    fn ok_state(source: &str, tasks: Vec<Task>) -> Arc<SourceState> {
        let source = SourceId::new(source).unwrap();
        let tasks = tasks
            .into_iter()
            .map(|mut t| {
                t.source = source.clone();
                t
            })
            .collect();
        let mut health = Health::starting();
        health.succeeded(now());
        Arc::new(SourceState {
            snapshot: Snapshot::new(tasks, now()),
            health,
        })
    }

    fn failed(state: &SourceState, code: &'static str) -> Arc<SourceState> {
        let mut state = state.clone();
        state.health.failed(Problem {
            code,
            message: code.into(),
            at: now(),
        });
        Arc::new(state)
    }

    fn keys(overview: &Overview) -> Vec<String> {
        overview
            .snapshot
            .tasks
            .iter()
            .map(|t| t.key().to_string())
            .collect()
    }

    #[test]
    fn order_holds_across_sources_and_counts_cover_all() {
        let work = ok_state(
            "gh:work",
            vec![
                task("w-done", "completed", 1),
                task("w-run", "in_progress", 30),
            ],
        );
        let home = ok_state(
            "gh:home",
            vec![
                task("h-wait", "waiting_for_user", 50),
                task("h-run", "queued", 2),
            ],
        );
        let overview = Merge::default().apply(&[(info("gh:work"), work), (info("gh:home"), home)]);
        assert_eq!(
            keys(&overview),
            [
                "gh:home:h-wait",
                "gh:home:h-run",
                "gh:work:w-run",
                "gh:work:w-done"
            ]
        );
        let counts = overview.snapshot.counts();
        assert_eq!(
            (counts.waiting, counts.running, counts.completed),
            (1, 2, 1)
        );
        assert_eq!(counts.total, 4);
        // Listed by id, each with its own count and health.
        let listed: Vec<(&str, usize)> = overview
            .sources
            .iter()
            .map(|s| (s.id.as_str(), s.tasks))
            .collect();
        assert_eq!(listed, [("gh:home", 2), ("gh:work", 2)]);
        assert_eq!(overview.health.status, HealthStatus::Ok);
        assert!(overview.snapshot.tasks.iter().all(|t| !t.stale));
    }

    #[test]
    fn a_failing_source_keeps_its_tasks_marked_stale_and_leaves_the_others_alone() {
        let work = ok_state("gh:work", vec![task("w1", "in_progress", 1)]);
        let home = ok_state("gh:home", vec![task("h1", "in_progress", 2)]);
        let signed_out = failed(&home, "unauthorized");
        let overview =
            Merge::default().apply(&[(info("gh:work"), work), (info("gh:home"), signed_out)]);
        assert_eq!(keys(&overview), ["gh:work:w1", "gh:home:h1"]);
        let stale: Vec<(&str, bool)> = overview
            .snapshot
            .tasks
            .iter()
            .map(|t| (t.id.as_str(), t.stale))
            .collect();
        assert_eq!(stale, [("w1", false), ("h1", true)]);
        let home_line = &overview.sources[0];
        assert_eq!(home_line.id.as_str(), "gh:home");
        assert_eq!(home_line.health.status, HealthStatus::SignedOut);
        assert_eq!(overview.sources[1].health.status, HealthStatus::Ok);
        // One account signed out among working ones: the whole is degraded, not signed out.
        assert_eq!(overview.health.status, HealthStatus::Degraded);
        assert!(overview.health.stale);
        assert_eq!(overview.snapshot.counts().running, 2);
    }

    #[test]
    fn every_source_signed_out_is_signed_out() {
        let a = ok_state("gh:a", vec![]);
        let b = ok_state("gh:b", vec![]);
        let overview = Merge::default().apply(&[
            (info("gh:a"), failed(&a, "unauthorized")),
            (info("gh:b"), failed(&b, "no_token")),
        ]);
        assert_eq!(overview.health.status, HealthStatus::SignedOut);
    }

    #[test]
    fn a_local_source_that_found_nothing_leaves_a_signed_out_account_signed_out() {
        let account = ok_state("gh:a", vec![]);
        let local = |id: &str, tasks| {
            let info = SourceInfo {
                kind: "claude-code".into(),
                ..info(id)
            };
            (info, ok_state(id, tasks))
        };
        let nothing = Merge::default().apply(&[
            (info("gh:a"), failed(&account, "no_token")),
            local("local-claude", vec![]),
        ]);
        assert_eq!(nothing.health.status, HealthStatus::SignedOut);
        let sessions = Merge::default().apply(&[
            (info("gh:a"), failed(&account, "no_token")),
            local("local-claude", vec![task("s1", "in_progress", 1)]),
        ]);
        assert_eq!(sessions.health.status, HealthStatus::Degraded);
    }

    #[test]
    fn a_removed_source_takes_its_tasks_with_it() {
        let work = ok_state("gh:work", vec![task("w1", "in_progress", 1)]);
        let home = ok_state("gh:home", vec![task("h1", "in_progress", 2)]);
        let mut merge = Merge::default();
        let both = merge.apply(&[(info("gh:work"), work.clone()), (info("gh:home"), home)]);
        assert_eq!(both.snapshot.tasks.len(), 2);
        let one = merge.apply(&[(info("gh:work"), work)]);
        assert_eq!(keys(&one), ["gh:work:w1"]);
        assert_eq!(one.sources.len(), 1);
        assert_eq!(one.snapshot.counts().total, 1);
    }

    #[test]
    fn the_same_upstream_id_in_two_sources_stays_two_tasks() {
        let work = ok_state("gh:work", vec![task("42", "in_progress", 1)]);
        let home = ok_state("gh:home", vec![task("42", "in_progress", 1)]);
        let overview = Merge::default().apply(&[(info("gh:work"), work), (info("gh:home"), home)]);
        assert_eq!(keys(&overview), ["gh:home:42", "gh:work:42"]);
        match overview.snapshot.lookup("42") {
            crate::model::Lookup::Ambiguous(keys) => assert_eq!(keys.len(), 2),
            other => panic!("a shared bare id must be ambiguous, got {other:?}"),
        }
        match overview.snapshot.lookup("gh:work:42") {
            crate::model::Lookup::One(task) => assert_eq!(task.source.as_str(), "gh:work"),
            other => panic!("a key names one task, got {other:?}"),
        }
    }

    #[test]
    fn unchanged_inputs_share_the_merged_list() {
        let work = ok_state("gh:work", vec![task("w1", "in_progress", 1)]);
        let home = ok_state("gh:home", vec![task("h1", "completed", 2)]);
        let mut merge = Merge::default();
        let parts = [(info("gh:work"), work.clone()), (info("gh:home"), home)];
        let first = merge.apply(&parts);
        // A newer poll of one source that found nothing new: the same list, a newer time.
        let mut polled = (*work).clone();
        polled.snapshot.fetched_at = Some(now() + chrono::TimeDelta::seconds(5));
        let second = merge.apply(&[(info("gh:work"), Arc::new(polled)), parts[1].clone()]);
        assert!(second.snapshot.shares_tasks_with(&first.snapshot));
        assert_eq!(
            second.snapshot.fetched_at,
            Some(now() + chrono::TimeDelta::seconds(5))
        );
        // One fresh source alone is shared as it is, with no copy.
        let solo = Merge::default().apply(&[(info("gh:work"), work.clone())]);
        assert!(Arc::ptr_eq(&solo.snapshot.tasks, &work.snapshot.tasks));
        assert_eq!(solo.health, work.health);
    }

    #[test]
    fn a_fresh_source_s_tasks_are_shared_and_only_a_stale_source_s_are_copied() {
        let work = ok_state("gh:work", vec![task("w1", "in_progress", 1)]);
        let home = ok_state("gh:home", vec![task("h1", "in_progress", 2)]);
        let stale_home = failed(&home, "network");
        let overview = Merge::default().apply(&[
            (info("gh:work"), work.clone()),
            (info("gh:home"), stale_home.clone()),
        ]);
        let merged = |id: &str| {
            overview
                .snapshot
                .tasks
                .iter()
                .find(|t| t.id == id)
                .cloned()
                .unwrap()
        };
        assert!(Arc::ptr_eq(&merged("w1"), &work.snapshot.tasks[0]));
        let h1 = merged("h1");
        assert!(!Arc::ptr_eq(&h1, &stale_home.snapshot.tasks[0]));
        assert!(h1.stale && !stale_home.snapshot.tasks[0].stale);
    }
}
