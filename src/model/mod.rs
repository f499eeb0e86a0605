//! The domain model (SPEC §1): pure types and rules, no serialisation, no I/O.

mod snapshot;
mod state;
mod task;

pub use snapshot::{Counts, Health, HealthStatus, Overview, Problem, RateLimit, Snapshot};
pub use state::{Bucket, State};
pub use task::{
    Provider, PullRequest, PullRequestState, RECENT_WINDOW, Session, Task, TaskError, TaskKind,
    sort_tasks,
};

#[cfg(test)]
pub(crate) use task::fixtures;
