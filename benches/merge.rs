//! The merge's cost: five sources of 1,000 tasks each into one overview, when one source has
//! news (a full merge and sort) and when none has (the shared list is reused).

use std::sync::Arc;

use agentbar::merge::{Merge, SourceInfo};
use agentbar::model::{Health, Snapshot, SourceId, Task, fixtures};
use agentbar::sources::SourceState;
use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};

const SOURCES: usize = 5;
const TASKS_PER_SOURCE: usize = 1_000;
const STATES: [&str; 5] = [
    "in_progress",
    "waiting_for_user",
    "completed",
    "failed",
    "queued",
];

/// The shared test task, stamped for source `source` and spread over a day of updates.
fn task(source: &SourceId, n: usize) -> Task {
    let minutes_ago = i64::try_from(n * 37 % 1_440).unwrap_or(0);
    let mut task = fixtures::task(
        &format!("task-{n:05}"),
        STATES[n % STATES.len()],
        minutes_ago,
    );
    task.source = source.clone();
    task
}

fn parts() -> Vec<(SourceInfo, Arc<SourceState>)> {
    (0..SOURCES)
        .map(|s| {
            let id = SourceId::github(&format!("account{s}"));
            let tasks = (0..TASKS_PER_SOURCE).map(|n| task(&id, n)).collect();
            let mut health = Health::starting();
            health.succeeded(Utc::now());
            let state = SourceState {
                snapshot: Snapshot::new(tasks, Utc::now()),
                health,
            };
            let info = SourceInfo {
                id,
                kind: "github".into(),
                name: format!("account {s}"),
            };
            (info, Arc::new(state))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let parts = parts();
    // Two lists of the first source, taken in turn: every merge sees news and merges in full.
    let mut other = parts.clone();
    let mut copy = (*other[0].1).clone();
    copy.snapshot.tasks = copy.snapshot.tasks.iter().cloned().collect();
    other[0].1 = Arc::new(copy);
    c.bench_function("merge 5 sources x 1000 tasks, one changed", |b| {
        let mut merge = Merge::default();
        let mut flip = false;
        b.iter(|| {
            flip = !flip;
            merge.apply(if flip { &other } else { &parts })
        });
    });
    c.bench_function("merge 5 sources x 1000 tasks, none changed", |b| {
        let mut merge = Merge::default();
        merge.apply(&parts);
        b.iter(|| merge.apply(&parts));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
