//! Transition → notification text: which state changes are worth a notification, what each
//! one says, and the summary a burst becomes. Pure: no I/O, no clock.

use crate::diff::Transition;
use crate::model::{Bucket, State, Task};

/// How many task lines a summary lists before "and N more".
const SUMMARY_LINES: usize = 5;

/// What a transition means to the user; each kind has its own toggle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoticeKind {
    /// → waiting for the user (or idle).
    NeedsYou,
    /// → completed.
    ReadyForReview,
    /// → failed or timed out.
    Failed,
    /// A task started working (new, or a follow-up after it had finished). Off by default.
    Started,
    /// A local agent finished its turn and waits at its prompt ("Your turn").
    YourTurn,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 5] = [
        NoticeKind::NeedsYou,
        NoticeKind::ReadyForReview,
        NoticeKind::Failed,
        NoticeKind::Started,
        NoticeKind::YourTurn,
    ];

    /// The stable name used in configuration and in the notification's hints.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::NeedsYou => "needs_you",
            NoticeKind::ReadyForReview => "ready_for_review",
            NoticeKind::Failed => "failed",
            NoticeKind::Started => "started",
            NoticeKind::YourTurn => "your_turn",
        }
    }

    /// The kind of notification a transition deserves, if any. Only a change of bucket counts:
    /// `waiting_for_user` → `idle` or `queued` → `in_progress` tells the user nothing new, and a
    /// task resuming after the user answered is the user's own doing. Cancellation is always the
    /// user's (or an admin's) doing, and unknown states mean nothing yet, so neither is announced.
    pub fn of(transition: &Transition) -> Option<NoticeKind> {
        let from = transition.from.as_ref().map(State::bucket);
        let to = transition.to.bucket();
        if from == Some(to) {
            return None;
        }
        // A local agent's prompt going quiet ("Your turn" → "Idle") tells the user nothing new.
        if transition.to == State::TurnIdle {
            return None;
        }
        match to {
            Bucket::Waiting if transition.to == State::YourTurn => Some(NoticeKind::YourTurn),
            Bucket::Waiting => Some(NoticeKind::NeedsYou),
            Bucket::Completed => Some(NoticeKind::ReadyForReview),
            Bucket::Failed => Some(NoticeKind::Failed),
            Bucket::Running if from != Some(Bucket::Waiting) => Some(NoticeKind::Started),
            Bucket::Running | Bucket::Cancelled | Bucket::Unknown => None,
        }
    }
}

/// One notification as the desktop will show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The kind when every task in it is of one kind; `None` for a mixed summary.
    pub kind: Option<NoticeKind>,
    /// Whether this stands for several transitions (a burst).
    pub summary: bool,
    /// The keys of the tasks it is about (`<source>:<id>`: a bare id may name a task of
    /// another source too), in the order they were seen.
    pub task_keys: Vec<String>,
    /// The first, bold line.
    pub title: String,
    pub body: String,
    /// What a click on the body opens: the task's page, or the list page for a summary.
    pub url: String,
}

/// A transition that will be announced, with its kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub transition: Transition,
}

/// The notification for one task.
pub fn single(kind: NoticeKind, task: &Task) -> Notification {
    let agent = agent_name(task);
    let title = match (kind, &task.state) {
        (NoticeKind::NeedsYou, _) => format!("{agent} needs your input"),
        (NoticeKind::ReadyForReview, _) => "Ready for review".to_owned(),
        (NoticeKind::Failed, State::TimedOut) => format!("{agent} timed out"),
        (NoticeKind::Failed, _) => format!("{agent} failed"),
        (NoticeKind::Started, _) => format!("{agent} started working"),
        (NoticeKind::YourTurn, _) => format!("Your turn in {agent}"),
    };
    let mut lines = vec![task.title.clone()];
    // What a local agent waits for ("Needs you: approve Bash").
    if kind == NoticeKind::NeedsYou
        && let Some(note) = &task.note
    {
        lines.push(note.clone());
    }
    if let Some(repository) = &task.repository {
        lines.push(repository.clone());
    }
    if kind == NoticeKind::Failed
        && let Some(error) = &task.error
    {
        lines.push(error.message.clone());
    }
    Notification {
        kind: Some(kind),
        summary: false,
        task_keys: vec![task.key().to_string()],
        title,
        body: lines.join("\n"),
        url: task.url.clone(),
    }
}

/// The agent as people name it: "Copilot" for cloud tasks, the local tool otherwise.
fn agent_name(task: &Task) -> &'static str {
    match crate::local::event::LocalTool::parse(task.provider.as_str()) {
        Some(tool) => crate::local::source::display_name(tool),
        None => "Copilot",
    }
}

/// One notification standing for several: "3 tasks need you", opening the list page.
pub fn summary(notices: &[Notice], list_url: &str) -> Notification {
    let count = notices.len();
    let first = notices.first().map(|n| n.kind);
    let kind = first.filter(|k| notices.iter().all(|n| n.kind == *k));
    let title = match kind {
        Some(NoticeKind::NeedsYou) => format!("{count} tasks need you"),
        Some(NoticeKind::ReadyForReview) => format!("{count} tasks ready for review"),
        Some(NoticeKind::Failed) => format!("{count} tasks failed"),
        Some(NoticeKind::Started) => format!("{count} tasks started"),
        Some(NoticeKind::YourTurn) => format!("Your turn in {count} sessions"),
        None => format!("{count} Copilot task updates"),
    };
    let mut lines: Vec<String> = notices
        .iter()
        .take(SUMMARY_LINES)
        .map(|n| {
            format!(
                "{}: {}",
                n.transition.task.state.label(),
                n.transition.task.title
            )
        })
        .collect();
    if count > SUMMARY_LINES {
        lines.push(format!("and {} more", count - SUMMARY_LINES));
    }
    Notification {
        kind,
        summary: true,
        task_keys: notices
            .iter()
            .map(|n| n.transition.task.key().to_string())
            .collect(),
        title,
        body: lines.join("\n"),
        url: list_url.to_owned(),
    }
}

/// What a batch of notices becomes: nothing, one task's notification, or a summary.
pub fn compose(notices: &[Notice], list_url: &str) -> Option<Notification> {
    match notices {
        [] => None,
        [only] => Some(single(only.kind, &only.transition.task)),
        several => Some(summary(several, list_url)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskError;
    use crate::model::fixtures::task;

    fn transition(from: Option<&str>, to: &str) -> Transition {
        let task = task("t1", to, 1);
        Transition {
            task_id: task.id.clone(),
            from: from.map(State::parse),
            to: State::parse(to),
            task,
        }
    }

    #[test]
    fn a_local_turn_ending_is_your_turn_and_going_idle_says_nothing() {
        let kind = |from, to| NoticeKind::of(&transition(from, to));
        assert_eq!(
            kind(Some("in_progress"), "your_turn"),
            Some(NoticeKind::YourTurn)
        );
        assert_eq!(kind(Some("your_turn"), "turn_idle"), None);
        assert_eq!(kind(Some("in_progress"), "turn_idle"), None);
        assert_eq!(
            kind(Some("your_turn"), "waiting_for_user"),
            None,
            "same bucket"
        );
        let mut t = transition(Some("in_progress"), "waiting_for_user").task;
        t.provider = crate::model::Provider::ClaudeCode;
        t.note = Some("Needs you: approve Bash".into());
        let shown = single(NoticeKind::NeedsYou, &t);
        assert_eq!(shown.title, "Claude Code needs your input");
        assert!(
            shown.body.contains("Needs you: approve Bash"),
            "{}",
            shown.body
        );
        assert_eq!(
            single(NoticeKind::YourTurn, &t).title,
            "Your turn in Claude Code"
        );
    }

    #[test]
    fn only_bucket_changes_that_matter_are_notices() {
        let kind = |from, to| NoticeKind::of(&transition(from, to));
        assert_eq!(
            kind(Some("in_progress"), "waiting_for_user"),
            Some(NoticeKind::NeedsYou)
        );
        assert_eq!(
            kind(Some("in_progress"), "idle"),
            Some(NoticeKind::NeedsYou)
        );
        assert_eq!(
            kind(Some("in_progress"), "completed"),
            Some(NoticeKind::ReadyForReview)
        );
        assert_eq!(
            kind(Some("in_progress"), "failed"),
            Some(NoticeKind::Failed)
        );
        assert_eq!(
            kind(Some("in_progress"), "timed_out"),
            Some(NoticeKind::Failed)
        );
        assert_eq!(kind(None, "queued"), Some(NoticeKind::Started));
        assert_eq!(kind(Some("completed"), "queued"), Some(NoticeKind::Started));
        assert_eq!(kind(None, "completed"), Some(NoticeKind::ReadyForReview));
        // Nothing new for the user:
        assert_eq!(kind(Some("waiting_for_user"), "idle"), None);
        assert_eq!(kind(Some("queued"), "in_progress"), None);
        assert_eq!(kind(Some("waiting_for_user"), "in_progress"), None);
        assert_eq!(kind(Some("in_progress"), "cancelled"), None);
        assert_eq!(kind(Some("in_progress"), "brand_new_state"), None);
    }

    #[test]
    fn a_task_notification_names_the_task_and_repository_and_opens_its_page() {
        let t = transition(Some("in_progress"), "waiting_for_user");
        let n = single(NoticeKind::NeedsYou, &t.task);
        assert_eq!(n.title, "Copilot needs your input");
        assert_eq!(n.body, format!("{}\nacme/api", t.task.title));
        assert_eq!(n.url, t.task.url);
        assert_eq!(n.task_keys, ["gh:default:t1"]);
        assert!(!n.summary);
    }

    #[test]
    fn a_failure_carries_its_error_message_and_a_timeout_says_so() {
        let mut t = transition(Some("in_progress"), "failed");
        t.task.error = Some(TaskError {
            code: Some("setup_failed".into()),
            message: "Gradle could not resolve react-android".into(),
        });
        let n = single(NoticeKind::Failed, &t.task);
        assert_eq!(n.title, "Copilot failed");
        assert!(
            n.body.ends_with("\nGradle could not resolve react-android"),
            "{}",
            n.body
        );

        let timed_out = transition(Some("in_progress"), "timed_out");
        assert_eq!(
            single(NoticeKind::Failed, &timed_out.task).title,
            "Copilot timed out"
        );
    }

    #[test]
    fn tasks_of_two_sources_with_one_bare_id_are_named_by_their_keys() {
        let cloud = transition(Some("in_progress"), "waiting_for_user");
        let mut local = transition(Some("in_progress"), "waiting_for_user");
        local.task.source = crate::model::SourceId::new("claude-code").unwrap();
        assert_eq!(cloud.task.id, local.task.id);
        assert_eq!(
            single(NoticeKind::NeedsYou, &local.task).task_keys,
            ["claude-code:t1"]
        );
        let notices = [cloud, local].map(|transition| Notice {
            kind: NoticeKind::NeedsYou,
            transition,
        });
        let n = compose(&notices, "L").unwrap();
        assert_eq!(n.task_keys, ["gh:default:t1", "claude-code:t1"]);
    }

    #[test]
    fn a_burst_becomes_one_summary_that_opens_the_list() {
        let notices: Vec<Notice> = (0..7)
            .map(|i| {
                let mut t = transition(Some("in_progress"), "waiting_for_user");
                t.task_id = format!("t{i}");
                t.task.title = format!("Task {i}");
                Notice {
                    kind: NoticeKind::NeedsYou,
                    transition: t,
                }
            })
            .collect();
        let n = compose(&notices[..3], "https://github.com/copilot/agents").unwrap();
        assert_eq!(n.title, "3 tasks need you");
        assert_eq!(n.url, "https://github.com/copilot/agents");
        assert_eq!(n.kind, Some(NoticeKind::NeedsYou));
        assert!(n.summary);
        assert_eq!(
            n.body,
            "Needs you: Task 0\nNeeds you: Task 1\nNeeds you: Task 2"
        );

        let n = compose(&notices, "L").unwrap();
        assert!(n.body.ends_with("\nand 2 more"), "{}", n.body);
        assert_eq!(n.task_keys.len(), 7);

        let mut mixed = notices[..2].to_vec();
        mixed[1].kind = NoticeKind::ReadyForReview;
        let n = compose(&mixed, "L").unwrap();
        assert_eq!(n.title, "2 Copilot task updates");
        assert_eq!(n.kind, None);

        assert_eq!(compose(&[], "L"), None);
        assert!(!compose(&notices[..1], "L").unwrap().summary);
    }
}
