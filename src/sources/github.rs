//! GitHub (one account, or the demo's simulator) as a source: what its tasks allow, and how
//! those actions are performed.

use crate::core::actions::{ActionSet, TaskAction};
use crate::model::Task;

/// What a GitHub task allows now: its links, refresh, and stop while the agent works (the
/// stop cancels the Actions run hosting the newest session).
pub fn actions(task: &Task) -> ActionSet {
    let mut set = super::link_actions(task);
    if task.is_active() {
        set.insert(TaskAction::Stop);
    }
    // Anything not working right now can be put away (agentbar's archive, not GitHub's).
    if task.bucket() != crate::model::Bucket::Running {
        set.insert(TaskAction::Archive);
    }
    if crate::start::follow_up(task, "continue").is_ok()
        && task.bucket() != crate::model::Bucket::Running
    {
        set.insert(TaskAction::Continue);
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::task;

    #[test]
    fn only_active_tasks_can_be_stopped() {
        assert!(actions(&task("1", "in_progress", 1)).contains(TaskAction::Stop));
        assert!(actions(&task("2", "waiting_for_user", 1)).contains(TaskAction::Stop));
        for finished in ["completed", "failed", "cancelled", "stopped"] {
            let allowed = actions(&task("3", finished, 1));
            assert!(!allowed.contains(TaskAction::Stop), "{finished}");
            assert!(allowed.contains(TaskAction::Open), "{finished}");
        }
    }
}
