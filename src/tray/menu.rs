//! The tray's model: a pure function of (overview, view state, now) that says what the icon,
//! title, tooltip and dropdown show and what each item does. The tray only renders it, and
//! compares two models to decide between updating labels in place and rebuilding the menu.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::icon::{IconSpec, IconState, Tone};
use crate::core::TaskAction;
use crate::model::{Bucket, HealthStatus, Overview, RECENT_WINDOW, Task};
use crate::report;

/// Rows per section before the rest collapse into "N more…".
pub const MAX_ROWS: usize = 8;
/// Recent (finished) rows are less important than live ones; fewer of them.
pub const MAX_RECENT_ROWS: usize = 5;
/// Windows keeps a tooltip in 128 UTF-16 units with its terminating NUL (`NOTIFYICONDATAW.szTip`)
/// and tray-icon copies at most 128 units without checking; the limit is kept everywhere for one
/// model, and counted in UTF-16 units, so a title with emoji cannot overflow it.
pub const MAX_TOOLTIP_UTF16: usize = 127;
/// Long titles are clipped so the dropdown stays a sensible width.
const MAX_TITLE_CHARS: usize = 48;
/// How long a notice ("Stopped …", "Could not …") stays in the menu.
const NOTICE_SECONDS: i64 = 60;

/// What the tray remembers between snapshots: the user's choices and in-flight questions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ViewState {
    /// Whether the app is registered to start at login (read from the OS at start).
    pub open_at_login: bool,
    /// Notifications are held until then (the tray's record of what it asked the core).
    pub paused_until: Option<DateTime<Utc>>,
    /// The task whose "Stop…" was clicked and now shows "Confirm stop".
    pub confirming_stop: Option<String>,
    /// A short message for the user and when it was set.
    pub notice: Option<(String, DateTime<Utc>)>,
    /// A pending sign-in: the code to enter and where.
    pub sign_in: Option<crate::auth::SignInPrompt>,
    /// Local coding agents installed without agentbar's hooks ("Set up local agents…").
    pub hooks_missing: Vec<crate::hooks::HookTool>,
}

/// How long to pause notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pause {
    OneHour,
    UntilTomorrow,
    Resume,
}

impl Pause {
    /// When the pause ends, in the user's time zone for "until tomorrow" (09:00 the next day);
    /// `None` resumes.
    pub fn until<Tz: TimeZone>(self, now: DateTime<Tz>) -> Option<DateTime<Utc>> {
        match self {
            Pause::OneHour => Some(now.with_timezone(&Utc) + TimeDelta::hours(1)),
            Pause::UntilTomorrow => {
                let fallback = now.with_timezone(&Utc) + TimeDelta::hours(24);
                let morning = (now.date_naive() + TimeDelta::days(1)).and_hms_opt(9, 0, 0);
                // A DST gap at 09:00 has no local time; a day from now is close enough then.
                let local = morning.and_then(|m| now.timezone().from_local_datetime(&m).earliest());
                Some(local.map_or(fallback, |t| t.with_timezone(&Utc)))
            }
            Pause::Resume => None,
        }
    }
}

/// What clicking an item does: the one type every item of the tray maps to (through its key,
/// which is the muda `MenuId`). Effects are performed by the tray, never by the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A task action, through the core's one door (`Command::Act`); `task` is the task's key.
    /// What a task offers is its source's decision (`Task::actions`), never the tray's.
    Task {
        task: String,
        action: TaskAction,
    },
    /// "Stop…": ask for confirmation first; the confirmation is `Task { action: Stop, .. }`.
    AskStop(String),
    CancelStop,
    /// Write the task's log as Markdown to the Downloads folder and show it there.
    ExportLog(String),
    /// Archive every finished task (agentbar's own archive).
    ArchiveFinished,
    /// A page that is no task's: the list ("N more…"), the sign-in page.
    OpenUrl(String),
    Refresh,
    PauseNotifications(Pause),
    ToggleOpenAtLogin,
    /// Add agentbar's hooks to the local agents that lack them.
    SetUpLocalAgents,
    /// Sign in to the one account (or the default one).
    SignIn,
    SignOut,
    /// Sign in to, or out of, the account whose source id this is (several accounts).
    SignInTo(String),
    SignOutOf(String),
    Quit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A disabled line of text (the status, section headers, notices).
    Info,
    Action(Action),
    Check {
        checked: bool,
        action: Action,
    },
    Submenu(Vec<Entry>),
    Separator,
}

/// One item of the dropdown. `key` is stable across snapshots (it becomes the menu item's id),
/// so the tray can find the item to update and map a click back to its action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub label: String,
    pub enabled: bool,
    pub kind: EntryKind,
    /// A coloured dot before the label (task rows: the task's bucket).
    pub icon: Option<Tone>,
}

impl Entry {
    fn info(key: impl Into<String>, label: impl Into<String>) -> Entry {
        Entry {
            key: key.into(),
            label: label.into(),
            enabled: false,
            kind: EntryKind::Info,
            icon: None,
        }
    }

    fn action(key: impl Into<String>, label: impl Into<String>, action: Action) -> Entry {
        Entry {
            key: key.into(),
            label: label.into(),
            enabled: true,
            kind: EntryKind::Action(action),
            icon: None,
        }
    }

    fn enabled(mut self, enabled: bool) -> Entry {
        self.enabled = enabled;
        self
    }

    fn submenu(key: impl Into<String>, label: impl Into<String>, entries: Vec<Entry>) -> Entry {
        Entry {
            key: key.into(),
            label: label.into(),
            enabled: true,
            kind: EntryKind::Submenu(entries),
            icon: None,
        }
    }

    fn separator(key: impl Into<String>) -> Entry {
        Entry {
            key: key.into(),
            label: String::new(),
            enabled: false,
            kind: EntryKind::Separator,
            icon: None,
        }
    }
}

/// Everything the tray shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrayModel {
    pub icon: IconSpec,
    /// Compact counts for the macOS title and the Linux appindicator label; empty when idle.
    pub title: String,
    pub tooltip: String,
    pub entries: Vec<Entry>,
}

impl TrayModel {
    /// The action of the item with this key, wherever it sits.
    pub fn action(&self, key: &str) -> Option<&Action> {
        fn find<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Action> {
            entries.iter().find_map(|e| match &e.kind {
                EntryKind::Action(a) | EntryKind::Check { action: a, .. }
                    if e.key == key && e.enabled =>
                {
                    Some(a)
                }
                EntryKind::Submenu(children) => find(children, key),
                _ => None,
            })
        }
        find(&self.entries, key)
    }

    /// Same items in the same places (labels, enabled and checked may differ): the tray can
    /// update in place instead of rebuilding the menu, which would flicker and close it.
    pub fn same_shape(&self, other: &TrayModel) -> bool {
        fn same(a: &[Entry], b: &[Entry]) -> bool {
            a.len() == b.len()
                && a.iter().zip(b).all(|(x, y)| {
                    x.key == y.key
                        && match (&x.kind, &y.kind) {
                            (EntryKind::Submenu(xs), EntryKind::Submenu(ys)) => same(xs, ys),
                            (EntryKind::Info, EntryKind::Info)
                            | (EntryKind::Separator, EntryKind::Separator)
                            | (EntryKind::Action(_), EntryKind::Action(_))
                            | (EntryKind::Check { .. }, EntryKind::Check { .. }) => true,
                            _ => false,
                        }
                })
        }
        same(&self.entries, &other.entries)
    }
}

/// "▶ 2  ● 1": running and waiting, for hosts that draw text next to the icon.
pub fn title(running: usize, waiting: usize) -> String {
    match (running, waiting) {
        (0, 0) => String::new(),
        (r, 0) => format!("▶ {r}"),
        (0, w) => format!("● {w}"),
        (r, w) => format!("▶ {r}  ● {w}"),
    }
}

/// A source's health in a word or two, for its status line.
fn source_word(health: &crate::model::Health) -> &'static str {
    match health.status {
        HealthStatus::Ok => "up to date",
        HealthStatus::Starting => "starting",
        HealthStatus::Degraded => "offline — showing cached data",
        HealthStatus::SignedOut => "signed out",
    }
}

/// The whole tray as a function of what is known. `list_url` is the web page listing every
/// task, where "N more…" leads.
pub fn build(
    overview: &Overview,
    view: &ViewState,
    list_url: &str,
    now: DateTime<Utc>,
) -> TrayModel {
    let snapshot = &overview.snapshot;
    let health = &overview.health;
    let counts = snapshot.counts();
    let status = report::status_line(&counts, report::seconds_since(snapshot, now));
    let health_line = match health.status {
        HealthStatus::Ok => None,
        HealthStatus::Starting if snapshot.fetched_at.is_some() => {
            Some("Starting — showing saved data".to_owned())
        }
        HealthStatus::Starting => Some("Starting…".to_owned()),
        HealthStatus::Degraded => Some("Offline — showing cached data".to_owned()),
        HealthStatus::SignedOut => Some("Signed out".to_owned()),
    };

    let mut entries = vec![Entry::info("status", status.clone())];
    if let Some(line) = &health_line {
        entries.push(Entry::info("health", line.clone()));
    }
    if overview.sources.len() > 1 {
        // One line per source, so the one that needs attention is named.
        for source in &overview.sources {
            entries.push(Entry::info(
                format!("source:{}", source.id),
                format!("{}: {}", source.name, source_word(&source.health)),
            ));
        }
    }
    if let Some(prompt) = view.sign_in.as_ref().filter(|p| p.expires_at > now) {
        entries.push(Entry::info(
            "sign-in-code",
            format!("Sign in: enter {} on GitHub", prompt.user_code),
        ));
        entries.push(Entry::action(
            "sign-in-page",
            "Open the sign-in page",
            Action::OpenUrl(prompt.verification_uri.clone()),
        ));
    }
    if let Some((notice, at)) = &view.notice
        && now.signed_duration_since(*at).num_seconds() < NOTICE_SECONDS
    {
        entries.push(Entry::info("notice", notice.clone()));
    }
    entries.push(Entry::separator("sep-sections"));

    let recent_heading = format!("Recent · {}", window_label(RECENT_WINDOW));
    let sections: [(&str, &str, Vec<&Task>, usize); 3] = [
        (
            "needs-you",
            "Needs you",
            snapshot
                .iter()
                .filter(|t| t.bucket() == Bucket::Waiting)
                .collect(),
            MAX_ROWS,
        ),
        (
            "running",
            "Running",
            snapshot
                .iter()
                .filter(|t| t.bucket() == Bucket::Running)
                .collect(),
            MAX_ROWS,
        ),
        (
            "recent",
            recent_heading.as_str(),
            snapshot
                .iter()
                .filter(|t| !t.is_active() && t.is_recent(now))
                .collect(),
            MAX_RECENT_ROWS,
        ),
    ];
    let mut any_rows = false;
    for (key, heading, tasks, max) in sections {
        if tasks.is_empty() {
            continue;
        }
        any_rows = true;
        entries.push(Entry::info(format!("section:{key}"), heading));
        for task in tasks.iter().take(max) {
            entries.push(row(task, view, now));
        }
        if tasks.len() > max {
            entries.push(Entry::action(
                format!("more:{key}"),
                format!("{} more…", tasks.len() - max),
                Action::OpenUrl(list_url.to_owned()),
            ));
        }
        if key == "recent" {
            entries.push(Entry::action(
                "archive-finished",
                "Archive all finished",
                Action::ArchiveFinished,
            ));
        }
    }
    if !any_rows {
        entries.push(Entry::info(
            "empty",
            format!("No tasks in the last {}", window_label(RECENT_WINDOW)),
        ));
    }

    entries.push(Entry::separator("sep-actions"));
    entries.push(Entry::action("refresh", "Refresh now", Action::Refresh));
    if !view.hooks_missing.is_empty() {
        entries.push(Entry::action(
            "local-setup",
            "Set up local agents…",
            Action::SetUpLocalAgents,
        ));
    }
    let paused = view.paused_until.filter(|until| *until > now);
    let pause_label = match paused {
        Some(until) => format!(
            "Notifications paused · {} left",
            report::age(until.signed_duration_since(now).num_seconds())
        ),
        None => "Pause notifications".to_owned(),
    };
    entries.push(Entry::submenu(
        "pause",
        pause_label,
        vec![
            Entry::action(
                "pause:1h",
                "For 1 hour",
                Action::PauseNotifications(Pause::OneHour),
            ),
            Entry::action(
                "pause:tomorrow",
                "Until tomorrow",
                Action::PauseNotifications(Pause::UntilTomorrow),
            ),
            Entry::action(
                "pause:resume",
                "Resume",
                Action::PauseNotifications(Pause::Resume),
            )
            .enabled(paused.is_some()),
        ],
    ));
    entries.push(Entry {
        key: "open-at-login".into(),
        label: "Open at login".into(),
        enabled: true,
        kind: EntryKind::Check {
            checked: view.open_at_login,
            action: Action::ToggleOpenAtLogin,
        },
        icon: None,
    });
    if overview.sources.len() > 1 {
        // Several accounts: each signs in and out on its own.
        for source in overview.sources.iter().filter(|s| s.kind == "github") {
            let id = source.id.to_string();
            entries.push(if source.health.status == HealthStatus::SignedOut {
                Entry::action(
                    format!("account:{id}"),
                    format!("Sign in to {}…", source.name),
                    Action::SignInTo(id),
                )
            } else {
                Entry::action(
                    format!("account:{id}"),
                    format!("Sign out of {}", source.name),
                    Action::SignOutOf(id),
                )
            });
        }
    } else {
        entries.push(if health.status == HealthStatus::SignedOut {
            Entry::action("account", "Sign in…", Action::SignIn)
        } else {
            Entry::action("account", "Sign out", Action::SignOut)
        });
    }
    entries.push(Entry::separator("sep-quit"));
    entries.push(Entry::action("quit", "Quit agentbar", Action::Quit));

    let mut tooltip = format!("agentbar — {status}");
    if let Some(line) = health_line {
        tooltip = format!("{tooltip}\n{line}");
    }
    TrayModel {
        icon: IconSpec {
            state: IconState::of(&counts, health),
            running: counts.running,
            waiting: counts.waiting,
        },
        title: title(counts.running, counts.waiting),
        tooltip: clip_utf16(&tooltip, MAX_TOOLTIP_UTF16),
        entries,
    }
}

/// `text` in at most `max` UTF-16 units, cut at a character boundary and marked with `…`.
fn clip_utf16(text: &str, max: usize) -> String {
    if text.encode_utf16().count() <= max {
        return text.to_owned();
    }
    let mut clipped = String::new();
    let mut units = '…'.len_utf16();
    for c in text.chars() {
        units += c.len_utf16();
        if units > max {
            break;
        }
        clipped.push(c);
    }
    clipped.push('…');
    clipped
}

/// "Needs you · Fix the flaky test — acme/api · 3 min" after a dot of its bucket's colour, with
/// the task's actions beneath. Keyed by the task's key, unique across sources.
fn row(task: &Task, view: &ViewState, now: DateTime<Utc>) -> Entry {
    let key = format!("task:{}", task.key());
    let mut label = format!(
        "{} · {}",
        task.state.label(),
        crate::model::clip(&task.title, MAX_TITLE_CHARS)
    );
    if let Some(repository) = &task.repository {
        label = format!("{label} — {repository}");
    }
    let age = report::age(now.signed_duration_since(task.updated_at).num_seconds());
    label = format!("{label} · {age}");

    // A submenu's own item cannot be clicked on any of the three platforms, so opening the
    // task is the first item inside it.
    let mut children = Vec::new();
    if let Some(error) = &task.error {
        children.push(Entry::info(
            format!("{key}:error"),
            crate::model::clip(&format!("Error: {}", error.message), 80),
        ));
    }
    if let Some(note) = &task.note {
        children.push(Entry::info(
            format!("{key}:note"),
            crate::model::clip(note, 80),
        ));
    }
    if let Some(branch) = &task.branch {
        children.push(Entry::info(
            format!("{key}:branch"),
            crate::model::clip(&format!("Branch: {}", report::branch_label(branch)), 80),
        ));
    }
    if let Some(agent) = &task.custom_agent {
        children.push(Entry::info(
            format!("{key}:agent"),
            crate::model::clip(&format!("Agent: {agent}"), 80),
        ));
    }
    if let Some(usage) = &task.usage {
        children.push(Entry::info(
            format!("{key}:usage"),
            format!("Usage: {}", usage.label()),
        ));
    }
    let task_key = task.key().to_string();
    let act = |action: TaskAction| Action::Task {
        task: task_key.clone(),
        action,
    };
    // Exactly what the task's source allows (`Task::actions`), in the one listing order; the
    // menu's own "Refresh now" stands for each task's refresh.
    for action in task.actions.iter() {
        let item = |label: &str| Entry::action(format!("{key}:{action}"), label, act(action));
        match action {
            TaskAction::Refresh => {}
            TaskAction::Stop => {
                children.push(Entry::separator(format!("{key}:sep")));
                if view.confirming_stop.as_deref() == Some(task_key.as_str()) {
                    children.push(Entry::action(
                        format!("{key}:confirm-stop"),
                        "Confirm stop",
                        act(action),
                    ));
                    children.push(Entry::action(
                        format!("{key}:cancel-stop"),
                        "Don't stop",
                        Action::CancelStop,
                    ));
                } else {
                    children.push(Entry::action(
                        format!("{key}:stop"),
                        "Stop…",
                        Action::AskStop(task_key.clone()),
                    ));
                }
            }
            _ => children.push(item(action_label(action))),
        }
    }
    // Not an action on the task but a read of its log, which every source serves.
    children.push(Entry::action(
        format!("{key}:export-log"),
        "Export log",
        Action::ExportLog(task_key.clone()),
    ));
    let mut row = Entry::submenu(key, label, children);
    row.icon = Some(Tone::of(task.bucket()));
    row
}

/// How the tray names a task action in a row's submenu.
pub fn action_label(action: TaskAction) -> &'static str {
    match action {
        TaskAction::Open => "Open task",
        TaskAction::OpenPr => "Open pull request",
        TaskAction::OpenLogs => "Open logs (web)",
        TaskAction::CopyLink => "Copy link",
        TaskAction::Continue => "Continue…",
        TaskAction::Resume => "Resume (copy the command)",
        TaskAction::OpenFolder => "Open folder",
        TaskAction::Refresh => "Refresh",
        TaskAction::Archive => "Archive",
        TaskAction::Unarchive => "Unarchive",
        TaskAction::Stop => "Stop…",
    }
}

/// "24 h", "30 min", "2 d": a window in its largest whole unit.
fn window_label(window: TimeDelta) -> String {
    let minutes = window.num_minutes();
    if minutes >= 48 * 60 && minutes % (24 * 60) == 0 {
        format!("{} d", minutes / (24 * 60))
    } else if minutes >= 60 && minutes % 60 == 0 {
        format!("{} h", minutes / 60)
    } else {
        format!("{minutes} min")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{now, task};
    use crate::model::{Health, Problem, PullRequest, PullRequestState, Snapshot, TaskError};

    const LIST: &str = "https://github.com/copilot/agents";

    fn overview(tasks: Vec<Task>, fetched_seconds_ago: i64) -> Overview {
        let mut health = Health::starting();
        health.succeeded(now());
        // Each task allows what a GitHub task allows.
        let tasks = tasks
            .into_iter()
            .map(|mut task| {
                task.actions = crate::sources::github::actions(&task);
                task
            })
            .collect();
        Overview {
            snapshot: Snapshot::new(tasks, now() - TimeDelta::seconds(fetched_seconds_ago)),
            health,
            sources: Vec::new(),
        }
    }

    fn overview_as_is(tasks: Vec<Task>, fetched_seconds_ago: i64) -> Overview {
        let mut health = Health::starting();
        health.succeeded(now());
        Overview {
            snapshot: Snapshot::new(tasks, now() - TimeDelta::seconds(fetched_seconds_ago)),
            health,
            sources: Vec::new(),
        }
    }

    fn labels(entries: &[Entry]) -> Vec<&str> {
        entries
            .iter()
            .filter(|e| e.kind != EntryKind::Separator)
            .map(|e| e.label.as_str())
            .collect()
    }

    fn submenu<'a>(model: &'a TrayModel, key: &str) -> &'a [Entry] {
        model
            .entries
            .iter()
            .find_map(|e| match &e.kind {
                EntryKind::Submenu(children) if e.key == key => Some(children.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    #[test]
    fn the_dropdown_has_the_status_the_sections_and_the_actions_in_order() {
        let mut done = task("done", "completed", 30);
        done.completed_at = Some(now() - TimeDelta::minutes(30));
        let mut old = task("old", "completed", 60 * 30);
        old.completed_at = Some(now() - TimeDelta::hours(30));
        let model = build(
            &overview(
                vec![
                    task("run1", "in_progress", 2),
                    task("wait", "waiting_for_user", 5),
                    task("run2", "queued", 1),
                    done,
                    old,
                ],
                12,
            ),
            &ViewState::default(),
            LIST,
            now(),
        );
        assert_eq!(
            labels(&model.entries),
            vec![
                "2 running · 1 needs you · updated 12 s ago",
                "Needs you",
                "Needs you · Task wait — acme/api · 5 min",
                "Running",
                "Queued · Task run2 — acme/api · 1 min",
                "Working · Task run1 — acme/api · 2 min",
                "Recent · 24 h",
                "Ready for review · Task done — acme/api · 30 min",
                "Archive all finished",
                "Refresh now",
                "Pause notifications",
                "Open at login",
                "Sign out",
                "Quit agentbar",
            ],
            "finished more than 24 h ago is not recent"
        );
        assert!(
            !model.entries[0].enabled,
            "the status line is not clickable"
        );
        assert_eq!(model.title, "▶ 2  ● 1");
        assert_eq!(
            model.tooltip,
            "agentbar — 2 running · 1 needs you · updated 12 s ago"
        );
        assert_eq!(
            model.icon,
            IconSpec {
                state: IconState::NeedsYou,
                running: 2,
                waiting: 1
            }
        );
    }

    fn act(task: &str, action: TaskAction) -> Action {
        Action::Task {
            task: task.into(),
            action,
        }
    }

    /// The submenu's clickable items, as the actions they perform.
    fn clickable(model: &TrayModel, key: &str) -> Vec<Action> {
        submenu(model, key)
            .iter()
            .filter_map(|e| match &e.kind {
                EntryKind::Action(a) if e.enabled => Some(a.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_row_lists_exactly_what_its_source_allows_and_export() {
        let mut wait = task("w", "waiting_for_user", 5);
        wait.pull_request = Some(PullRequest {
            number: 7,
            title: "Fix".into(),
            url: "https://github.com/acme/api/pull/7".into(),
            state: PullRequestState::Open,
            draft: true,
            node_id: None,
            database_id: None,
        });
        wait.logs_url = Some("https://github.com/acme/api/pull/7/agent-sessions/1".into());
        wait.branch = Some(crate::model::Branch {
            head_ref: "copilot/fix".into(),
            base_ref: Some("main".into()),
        });
        wait.usage = Some(crate::model::Usage {
            ai_credit_nanos: Some(12_345_000_000),
            premium_requests: None,
        });
        let mut branch_only = task("b", "completed", 7);
        branch_only.branch = Some(crate::model::Branch {
            head_ref: "copilot/docs".into(),
            base_ref: Some("main".into()),
        });
        branch_only.custom_agent = Some("docs-writer".into());
        branch_only.note = Some("session detail unavailable: HTTP 500".into());
        let mut local = task("s1", "idle", 2);
        local.source = crate::model::SourceId::new("claude-code").unwrap();
        local.actions = [
            TaskAction::Resume,
            TaskAction::OpenFolder,
            TaskAction::Refresh,
        ]
        .into_iter()
        .collect();
        let mut tasks = vec![wait, task("f", "failed", 9), branch_only];
        tasks = tasks
            .into_iter()
            .map(|mut t| {
                t.actions = crate::sources::github::actions(&t);
                t
            })
            .collect();
        tasks.push(local);
        let model = build(
            &overview_as_is(tasks, 0),
            &ViewState::default(),
            LIST,
            now(),
        );
        let w = "gh:default:w";
        assert_eq!(
            labels(submenu(&model, "task:gh:default:w")),
            vec![
                "Branch: copilot/fix → main",
                "Usage: 12.3 AI credits",
                "Open task",
                "Open pull request",
                "Open logs (web)",
                "Copy link",
                "Continue…",
                "Archive",
                "Stop…",
                "Export log",
            ]
        );
        assert_eq!(
            clickable(&model, "task:gh:default:w"),
            vec![
                act(w, TaskAction::Open),
                act(w, TaskAction::OpenPr),
                act(w, TaskAction::OpenLogs),
                act(w, TaskAction::CopyLink),
                act(w, TaskAction::Continue),
                act(w, TaskAction::Archive),
                Action::AskStop(w.into()),
                Action::ExportLog(w.into()),
            ]
        );
        assert_eq!(
            labels(submenu(&model, "task:gh:default:b"))[..3],
            [
                "session detail unavailable: HTTP 500",
                "Branch: copilot/docs → main",
                "Agent: docs-writer"
            ]
        );
        // A failed task without a PR or logs: no such items at all, and no stop.
        let f = "gh:default:f";
        assert_eq!(
            clickable(&model, "task:gh:default:f"),
            vec![
                act(f, TaskAction::Open),
                act(f, TaskAction::CopyLink),
                act(f, TaskAction::Archive),
                Action::ExportLog(f.into()),
            ]
        );
        assert_eq!(model.action("task:gh:default:f:open-pr"), None);
        // A local session: what its source allows, whatever a GitHub task would.
        let s1 = "claude-code:s1";
        assert_eq!(
            labels(submenu(&model, "task:claude-code:s1")),
            vec!["Resume (copy the command)", "Open folder", "Export log"]
        );
        assert_eq!(
            model.action("task:claude-code:s1:open-folder"),
            Some(&act(s1, TaskAction::OpenFolder))
        );
    }

    #[test]
    fn rows_carry_the_colour_of_their_bucket() {
        let mut cancelled = task("c", "cancelled", 4);
        cancelled.completed_at = Some(now() - TimeDelta::minutes(4));
        let tasks = vec![
            task("r", "in_progress", 1),
            task("w", "waiting_for_user", 2),
            task("f", "failed", 3),
            task("d", "completed", 3),
            cancelled,
        ];
        let model = build(&overview(tasks, 0), &ViewState::default(), LIST, now());
        let tone = |key: &str| {
            model
                .entries
                .iter()
                .find(|e| e.key == key)
                .and_then(|e| e.icon)
        };
        assert_eq!(tone("task:gh:default:r"), Some(Tone::Running));
        assert_eq!(tone("task:gh:default:w"), Some(Tone::NeedsYou));
        assert_eq!(tone("task:gh:default:f"), Some(Tone::Failed));
        assert_eq!(tone("task:gh:default:d"), Some(Tone::Done));
        assert_eq!(tone("task:gh:default:c"), Some(Tone::Cancelled));
        assert_eq!(tone("refresh"), None);
    }

    #[test]
    fn stopping_asks_for_confirmation_first() {
        let tasks = vec![task("r", "in_progress", 1)];
        let view = ViewState {
            confirming_stop: Some("gh:default:r".into()),
            ..ViewState::default()
        };
        let model = build(&overview(tasks, 0), &view, LIST, now());
        assert_eq!(
            model.action("task:gh:default:r:confirm-stop"),
            Some(&act("gh:default:r", TaskAction::Stop))
        );
        assert_eq!(
            model.action("task:gh:default:r:cancel-stop"),
            Some(&Action::CancelStop)
        );
        assert_eq!(model.action("task:gh:default:r:stop"), None);
    }

    #[test]
    fn a_pending_sign_in_shows_its_code_and_page_until_it_expires() {
        let prompt = crate::auth::SignInPrompt {
            user_code: "ABCD-1234".into(),
            verification_uri: "https://github.com/login/device".into(),
            expires_at: now() + TimeDelta::minutes(15),
        };
        let view = ViewState {
            sign_in: Some(prompt.clone()),
            ..ViewState::default()
        };
        let model = build(&overview(Vec::new(), 0), &view, LIST, now());
        let code = model.entries.iter().find(|e| e.key == "sign-in-code");
        assert_eq!(
            code.map(|e| e.label.as_str()),
            Some("Sign in: enter ABCD-1234 on GitHub")
        );
        assert_eq!(
            model.action("sign-in-page"),
            Some(&Action::OpenUrl(prompt.verification_uri.clone()))
        );
        let later = build(
            &overview(Vec::new(), 0),
            &view,
            LIST,
            now() + TimeDelta::minutes(16),
        );
        assert_eq!(
            later.action("sign-in-page"),
            None,
            "an expired code is not shown"
        );
    }

    #[test]
    fn rows_beyond_the_limit_collapse_into_n_more() {
        let tasks: Vec<Task> = (0..11)
            .map(|i| task(&format!("r{i}"), "in_progress", i))
            .collect();
        let model = build(&overview(tasks, 0), &ViewState::default(), LIST, now());
        let rows = model
            .entries
            .iter()
            .filter(|e| e.key.starts_with("task:"))
            .count();
        assert_eq!(rows, MAX_ROWS);
        let more = model.entries.iter().find(|e| e.key == "more:running");
        assert_eq!(more.map(|e| e.label.as_str()), Some("3 more…"));
        assert_eq!(
            model.action("more:running"),
            Some(&Action::OpenUrl(LIST.into()))
        );
    }

    #[test]
    fn tooltips_fit_windows_in_utf16_units_not_characters() {
        assert_eq!(
            clip_utf16("agentbar — idle", MAX_TOOLTIP_UTF16),
            "agentbar — idle"
        );
        // 100 emoji are 100 characters but 200 UTF-16 units.
        let clipped = clip_utf16(&"🤖".repeat(100), MAX_TOOLTIP_UTF16);
        assert_eq!(clipped.encode_utf16().count(), 127, "{clipped}");
        assert_eq!(clipped, format!("{}…", "🤖".repeat(63)));
        let clipped = clip_utf16(&"a".repeat(200), MAX_TOOLTIP_UTF16);
        assert_eq!(clipped, format!("{}…", "a".repeat(126)));
    }

    #[test]
    fn health_shows_in_the_menu_the_icon_and_the_account_item() {
        let mut offline = overview(vec![task("r", "in_progress", 1)], 40);
        offline.health.failed(Problem {
            code: "server_error",
            message: "HTTP 503".into(),
            at: now(),
        });
        let model = build(&offline, &ViewState::default(), LIST, now());
        assert_eq!(model.entries[1].label, "Offline — showing cached data");
        assert_eq!(model.icon.state, IconState::Offline);
        assert!(model.tooltip.ends_with("\nOffline — showing cached data"));

        let mut signed_out = overview(vec![], 0);
        signed_out.snapshot.fetched_at = None;
        signed_out.health.failed(Problem {
            code: "no_token",
            message: "no token".into(),
            at: now(),
        });
        let model = build(&signed_out, &ViewState::default(), LIST, now());
        assert_eq!(
            labels(&model.entries)[..3],
            [
                "Nothing running · never updated",
                "Signed out",
                "No tasks in the last 24 h"
            ]
        );
        assert_eq!(model.action("account"), Some(&Action::SignIn));
        assert_eq!(model.icon.state, IconState::SignedOut);
        assert_eq!(model.title, "");
    }

    #[test]
    fn several_accounts_get_a_status_line_and_their_own_sign_in_or_out() {
        let mut two = overview(vec![task("r", "in_progress", 1)], 0);
        let mut signed_out = Health::starting();
        signed_out.failed(Problem {
            code: "unauthorized",
            message: "401".into(),
            at: now(),
        });
        let status = |id: &str, name: &str, health: &Health| crate::model::SourceStatus {
            id: crate::model::SourceId::github(id),
            kind: "github".into(),
            name: name.into(),
            health: health.clone(),
            tasks: 1,
        };
        two.sources = vec![
            status("github.com", "github.com", &two.health),
            status("work", "acme.ghe.com — work", &signed_out),
        ];
        let model = build(&two, &ViewState::default(), LIST, now());
        let line = |key: &str| {
            model
                .entries
                .iter()
                .find(|e| e.key == key)
                .map(|e| e.label.as_str())
        };
        assert_eq!(line("source:gh:github.com"), Some("github.com: up to date"));
        assert_eq!(
            line("source:gh:work"),
            Some("acme.ghe.com — work: signed out")
        );
        assert_eq!(
            model.action("account:gh:work"),
            Some(&Action::SignInTo("gh:work".into()))
        );
        assert_eq!(
            model.action("account:gh:github.com"),
            Some(&Action::SignOutOf("gh:github.com".into()))
        );
        assert_eq!(model.action("account"), None);
        assert_eq!(
            line("account:gh:work"),
            Some("Sign in to acme.ghe.com — work…")
        );

        // One account keeps the one item it always had, and no per-source line.
        two.sources.truncate(1);
        let model = build(&two, &ViewState::default(), LIST, now());
        assert_eq!(model.action("account"), Some(&Action::SignOut));
        assert!(!model.entries.iter().any(|e| e.key.starts_with("source:")));
    }

    #[test]
    fn the_pause_and_login_items_reflect_the_view_state() {
        let view = ViewState {
            open_at_login: true,
            paused_until: Some(now() + TimeDelta::minutes(59)),
            ..ViewState::default()
        };
        let model = build(&overview(vec![], 0), &view, LIST, now());
        let login = model.entries.iter().find(|e| e.key == "open-at-login");
        assert!(matches!(
            login.map(|e| &e.kind),
            Some(EntryKind::Check { checked: true, .. })
        ));
        let pause = model.entries.iter().find(|e| e.key == "pause");
        assert_eq!(
            pause.map(|e| e.label.as_str()),
            Some("Notifications paused · 59 min left")
        );
        assert_eq!(
            model.action("pause:resume"),
            Some(&Action::PauseNotifications(Pause::Resume))
        );
        // Once the pause is over, it reads as not paused without anyone clearing it.
        let later = build(
            &overview(vec![], 0),
            &view,
            LIST,
            now() + TimeDelta::hours(2),
        );
        assert!(model.action("pause:1h").is_some());
        assert_eq!(later.action("pause:resume"), None);
    }

    #[test]
    fn only_labels_change_while_nothing_moves_so_the_menu_is_updated_in_place() {
        let tasks = vec![task("r", "in_progress", 1), task("w", "idle", 2)];
        let a = build(
            &overview(tasks.clone(), 5),
            &ViewState::default(),
            LIST,
            now(),
        );
        let b = build(
            &overview(tasks.clone(), 5),
            &ViewState::default(),
            LIST,
            now() + TimeDelta::seconds(30),
        );
        assert_ne!(a, b, "the ages moved");
        assert!(a.same_shape(&b));
        assert_eq!(
            a,
            build(
                &overview(tasks.clone(), 5),
                &ViewState::default(),
                LIST,
                now()
            ),
            "pure: same inputs, same model"
        );

        let mut moved = tasks;
        moved[0].state = crate::model::State::Completed;
        let c = build(&overview(moved, 5), &ViewState::default(), LIST, now());
        assert!(!a.same_shape(&c), "a task changed section: rebuild");
    }

    #[test]
    fn failed_rows_carry_their_error_and_long_titles_are_clipped() {
        let mut failed = task("f", "failed", 3);
        failed.title = "x".repeat(100);
        failed.error = Some(TaskError {
            code: None,
            message: "Tests did not pass".into(),
        });
        let model = build(
            &overview(vec![failed], 0),
            &ViewState::default(),
            LIST,
            now(),
        );
        let row = model.entries.iter().find(|e| e.key == "task:gh:default:f");
        let label = row.map(|e| e.label.clone()).unwrap_or_default();
        assert!(label.contains(&format!("{}…", "x".repeat(47))), "{label}");
        assert_eq!(
            labels(submenu(&model, "task:gh:default:f"))[0],
            "Error: Tests did not pass"
        );
    }

    #[test]
    fn pausing_until_tomorrow_means_nine_in_the_morning_local_time() {
        let tz = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
        let now_local = now().with_timezone(&tz); // 14:00 local on the 22nd
        assert_eq!(
            Pause::UntilTomorrow.until(now_local),
            Some(
                DateTime::parse_from_rfc3339("2026-11-23T07:00:00Z")
                    .unwrap()
                    .with_timezone(&Utc)
            )
        );
        assert_eq!(
            Pause::OneHour.until(now()),
            Some(now() + TimeDelta::hours(1))
        );
        assert_eq!(Pause::Resume.until(now()), None);
    }
}
