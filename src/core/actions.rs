//! What a task lets the user do: the one vocabulary of task actions (`TaskAction`), the set a
//! task allows now (`ActionSet`), and the one error type every surface maps (`ActionError`,
//! whose `code()` is stable on the API and in the CLI's messages).
//!
//! This module imports nothing from the crate, so the pure model can carry an `ActionSet`.

use std::fmt;

/// One thing a surface can ask of a task. Wire names are kebab-case and stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskAction {
    /// Stop the agent's current run.
    Stop,
    /// Open the task's page.
    Open,
    /// Open the pull request the task opened.
    OpenPr,
    /// Open the page that shows the task's log (the workflow run, else the task page).
    OpenLogs,
    /// Hand the task's link to the surface (the tray copies it, the API returns it).
    CopyLink,
    /// Ask the task's source for news now.
    Refresh,
    /// Put the task in agentbar's own archive (out of the list until it changes state).
    Archive,
    /// Bring an archived task back into the list.
    Unarchive,
    /// Send the agent a follow-up prompt that continues the task on its own branch (carries
    /// `{"prompt": …}`).
    Continue,
}

impl TaskAction {
    /// Every action, in the order surfaces list them.
    pub const ALL: [TaskAction; 9] = [
        TaskAction::Open,
        TaskAction::OpenPr,
        TaskAction::OpenLogs,
        TaskAction::CopyLink,
        TaskAction::Continue,
        TaskAction::Refresh,
        TaskAction::Archive,
        TaskAction::Unarchive,
        TaskAction::Stop,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskAction::Stop => "stop",
            TaskAction::Open => "open",
            TaskAction::OpenPr => "open-pr",
            TaskAction::OpenLogs => "open-logs",
            TaskAction::CopyLink => "copy-link",
            TaskAction::Refresh => "refresh",
            TaskAction::Archive => "archive",
            TaskAction::Unarchive => "unarchive",
            TaskAction::Continue => "continue",
        }
    }

    /// The wire name back; `None` for a name this build does not know.
    pub fn parse(raw: &str) -> Option<TaskAction> {
        TaskAction::ALL.into_iter().find(|a| a.as_str() == raw)
    }

    /// Whether performing it changes something upstream (so the list is refreshed after it).
    pub fn changes_upstream(self) -> bool {
        matches!(self, TaskAction::Stop | TaskAction::Continue)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for TaskAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The actions a task allows now: a small copyable set, listed in [`TaskAction::ALL`] order.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ActionSet(u32);

impl ActionSet {
    pub const EMPTY: ActionSet = ActionSet(0);

    pub fn with(mut self, action: TaskAction) -> ActionSet {
        self.insert(action);
        self
    }

    pub fn insert(&mut self, action: TaskAction) {
        self.0 |= action.bit();
    }

    pub fn remove(&mut self, action: TaskAction) {
        self.0 &= !action.bit();
    }

    pub fn contains(&self, action: TaskAction) -> bool {
        self.0 & action.bit() != 0
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = TaskAction> + '_ {
        TaskAction::ALL.into_iter().filter(|a| self.contains(*a))
    }

    /// The wire names, in listing order.
    pub fn names(&self) -> Vec<&'static str> {
        self.iter().map(TaskAction::as_str).collect()
    }
}

impl FromIterator<TaskAction> for ActionSet {
    fn from_iter<I: IntoIterator<Item = TaskAction>>(iter: I) -> ActionSet {
        iter.into_iter().fold(ActionSet::EMPTY, ActionSet::with)
    }
}

impl fmt::Debug for ActionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// What an action may carry (the body of `POST /v1/tasks/{key}/actions/{action}`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActionInput {
    /// The words for an action that sends the agent a message.
    pub prompt: Option<String>,
}

/// What a performed action did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionOutcome {
    /// The task's key (`<source id>:<upstream id>`).
    pub task: String,
    pub action: TaskAction,
    /// A sentence for people ("cancelled the Actions run 42").
    pub message: String,
    /// The link the action is about (open, open-pr, open-logs, copy-link), for the surface.
    pub url: Option<String>,
}

/// Why an action was not performed. Each variant has a stable `code()`.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no task {0} is known")]
    UnknownTask(String),
    #[error("{reference} names more than one task ({}); use the full key", .keys.join(", "))]
    AmbiguousTask {
        reference: String,
        keys: Vec<String>,
    },
    #[error(
        "{0:?} is not an action; known: stop, open, open-pr, open-logs, copy-link, refresh, archive, unarchive, continue"
    )]
    UnknownAction(String),
    /// `code` says why in one word (`not_active`, `no_run_id`, `no_link`, …).
    #[error("the task does not allow {action} now: {reason}")]
    NotAllowed {
        action: TaskAction,
        code: &'static str,
        reason: String,
    },
    #[error("this task's source cannot {0}")]
    Unsupported(TaskAction),
    #[error("the request is not valid: {0}")]
    BadInput(String),
    #[error("signed out: {0} has no credentials to act with")]
    SignedOut(String),
    #[error("upstream refused: {0}")]
    Upstream(String),
    #[error("agentbar is shutting down")]
    ShuttingDown,
}

impl ActionError {
    /// The stable, machine-readable name of the failure.
    pub fn code(&self) -> &'static str {
        match self {
            ActionError::UnknownTask(_) => "unknown_task",
            ActionError::AmbiguousTask { .. } => "ambiguous_task",
            ActionError::UnknownAction(_) => "unknown_action",
            ActionError::NotAllowed { code, .. } => code,
            ActionError::Unsupported(_) => "action_unsupported",
            ActionError::BadInput(_) => "bad_request",
            ActionError::SignedOut(_) => "signed_out",
            ActionError::Upstream(_) => "upstream_refused",
            ActionError::ShuttingDown => "shutting_down",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_kebab_case_and_read_back() {
        for action in TaskAction::ALL {
            assert_eq!(TaskAction::parse(action.as_str()), Some(action));
            assert!(
                action
                    .as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-')
            );
        }
        assert_eq!(TaskAction::parse("open-pr"), Some(TaskAction::OpenPr));
        assert_eq!(TaskAction::parse("OpenPr"), None);
    }

    #[test]
    fn a_set_lists_in_one_order_whatever_the_insertion_order() {
        let set: ActionSet = [TaskAction::Stop, TaskAction::Open, TaskAction::CopyLink]
            .into_iter()
            .collect();
        assert_eq!(set.names(), ["open", "copy-link", "stop"]);
        assert!(set.contains(TaskAction::Stop));
        assert!(!set.contains(TaskAction::OpenPr));
        let mut less = set;
        less.remove(TaskAction::Stop);
        assert_eq!(less.names(), ["open", "copy-link"]);
        assert!(ActionSet::EMPTY.is_empty());
    }

    #[test]
    fn codes_are_stable() {
        assert_eq!(ActionError::UnknownTask("x".into()).code(), "unknown_task");
        assert_eq!(
            ActionError::NotAllowed {
                action: TaskAction::Stop,
                code: "not_active",
                reason: "finished".into()
            }
            .code(),
            "not_active"
        );
        assert_eq!(ActionError::ShuttingDown.code(), "shutting_down");
    }
}
