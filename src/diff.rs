//! Old snapshot × new snapshot → the state changes between them (what notifications announce).

use std::collections::HashMap;

use crate::model::{Snapshot, State, Task, TaskKey};

/// One task changing state between two snapshots.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub task_id: String,
    /// `None` when the task is new since the old snapshot.
    pub from: Option<State>,
    pub to: State,
    /// The task as it is in the new snapshot.
    pub task: Task,
}

/// The transitions from `old` to `new`, in the new snapshot's order. A task that vanished is
/// not a transition (it was archived or deleted upstream; nothing to announce).
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<Transition> {
    let before: HashMap<TaskKey, &State> = old.tasks.iter().map(|t| (t.key(), &t.state)).collect();
    changes(|task| before.get(&task.key()).copied(), new)
}

/// The transitions to `new` from tasks known only by their states (`before` gives a task's
/// earlier state, `None` for a task not known then): what the notifier diffs against its own
/// record of what it has handled.
pub fn changes<'a>(before: impl Fn(&Task) -> Option<&'a State>, new: &Snapshot) -> Vec<Transition> {
    new.iter()
        .filter_map(|task| {
            let from = before(task);
            (from != Some(&task.state)).then(|| Transition {
                task_id: task.id.clone(),
                from: from.cloned(),
                to: task.state.clone(),
                task: task.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{now, task};

    #[test]
    fn reports_changes_and_new_tasks_but_not_unchanged_or_vanished_ones() {
        let old = Snapshot::new(
            vec![
                task("same", "in_progress", 5),
                task("moves", "in_progress", 5),
                task("gone", "queued", 5),
            ],
            now(),
        );
        let new = Snapshot::new(
            vec![
                task("same", "in_progress", 1),
                task("moves", "waiting_for_user", 1),
                task("fresh", "queued", 1),
            ],
            now(),
        );
        let transitions = diff(&old, &new);
        let seen: Vec<(&str, Option<&str>, &str)> = transitions
            .iter()
            .map(|t| {
                (
                    t.task_id.as_str(),
                    t.from.as_ref().map(State::as_str),
                    t.to.as_str(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("moves", Some("in_progress"), "waiting_for_user"),
                ("fresh", None, "queued"),
            ]
        );
    }

    #[test]
    fn identical_snapshots_have_no_transitions() {
        let snapshot = Snapshot::new(vec![task("a", "failed", 3)], now());
        assert!(diff(&snapshot, &snapshot).is_empty());
    }
}
