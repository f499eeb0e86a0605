//! The domain model (SPEC §1): pure types and rules, no serialisation, no I/O.

mod key;
mod snapshot;
mod state;
mod task;

pub use key::{SourceId, TaskKey};
pub use snapshot::{
    Counts, Health, HealthStatus, Lookup, Overview, Problem, RateLimit, Snapshot, SourceStatus,
};
pub use state::{Bucket, State};
pub use task::{
    Branch, Provider, PullRequest, PullRequestState, RECENT_WINDOW, Session, Task, TaskError,
    TaskKind, Usage, sort_tasks, task_order,
};

/// Tasks for tests and benchmarks (one builder, so a new `Task` field is added in one place).
#[doc(hidden)]
pub use task::fixtures;

/// Shortens `text` to at most `max` characters, ending with `…` when it had to cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        text.chars()
            .take(max.saturating_sub(1))
            .chain(['…'])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clip_keeps_short_text_and_marks_a_cut() {
        assert_eq!(super::clip("short", 10), "short");
        assert_eq!(super::clip("abcdef", 4), "abc…");
        assert_eq!(super::clip("ééééé", 3), "éé…");
    }
}
