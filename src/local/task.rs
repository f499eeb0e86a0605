//! A local session as a task: the one shape every surface shows (titles private by default).

use chrono::{DateTime, Utc};

use super::derive::LocalState;
use super::event::LocalTool;
use super::reading::{Reading, Turn};
use super::settings::LocalSettings;
use crate::core::actions::ActionSet;
use crate::model::{Branch, Provider, SourceId, State, Task, TaskError, TaskKind};

/// Titles are capped to this many characters.
pub const TITLE_MAX: usize = 64;

/// Everything the mapping needs besides the reading and its state.
pub struct TaskContext<'a> {
    pub tool: LocalTool,
    /// The session id from the file's name, when the reading has none yet.
    pub file_session_id: &'a str,
    /// The file's modification time, for a session whose lines carry no time.
    pub modified: DateTime<Utc>,
    /// Whether any hook event was ever seen for the session (else unobservable states are said).
    pub hooks_seen: bool,
    pub settings: &'a LocalSettings,
    pub now: DateTime<Utc>,
}

/// The project label: the basename of the working directory.
pub fn project_label(cwd: Option<&str>) -> Option<String> {
    let cwd = cwd?.trim_end_matches(['/', '\\']);
    let base = cwd.rsplit(['/', '\\']).next()?;
    (!base.is_empty()).then(|| base.to_owned())
}

/// A title fit to show: no control characters, at most [`TITLE_MAX`] characters, redacted.
pub fn clean_title(raw: &str) -> String {
    let flat: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    let redacted = crate::logs::redact::redact_owned(flat);
    if redacted.chars().count() > TITLE_MAX {
        let mut cut: String = redacted.chars().take(TITLE_MAX - 1).collect();
        cut.push('…');
        cut
    } else {
        redacted
    }
}

/// The session's own title, else its first prompt (shown only with descriptive titles).
pub fn descriptive_title(reading: &Reading) -> Option<String> {
    reading
        .own_title
        .clone()
        .or_else(|| reading.first_prompt.clone())
        .filter(|t| !t.trim().is_empty())
}

/// "1 turn", "3 turns", "12+ turns" when only the tail was read.
pub fn progress(reading: &Reading) -> Option<String> {
    if reading.turns == 0 {
        return None;
    }
    let plus = if reading.history_skipped { "+" } else { "" };
    let noun = if reading.turns == 1 && plus.is_empty() {
        "turn"
    } else {
        "turns"
    };
    Some(format!("{}{plus} {noun}", reading.turns))
}

/// The task's state: "Your turn" while the finished turn is recent, then "Idle".
pub fn task_state(state: &LocalState, reading: &Reading, ctx: &TaskContext<'_>) -> State {
    match state {
        LocalState::Running => State::InProgress,
        LocalState::WaitingForUser(_) => State::WaitingForUser,
        LocalState::TurnComplete => {
            let last = reading.updated_at.unwrap_or(ctx.modified);
            let window = ctx.settings.your_turn;
            if window > chrono::TimeDelta::zero() && ctx.now.signed_duration_since(last) < window {
                State::YourTurn
            } else {
                State::TurnIdle
            }
        }
        LocalState::Completed => State::Completed,
        LocalState::Failed(_) => State::Failed,
        LocalState::Cancelled(_) => State::Cancelled,
        LocalState::Unknown => State::Unknown("unknown".into()),
    }
}

/// What the row says beside its state: what it waits for, or what cannot be seen.
fn note(state: &LocalState, reading: &Reading, ctx: &TaskContext<'_>) -> Option<String> {
    match state {
        LocalState::WaitingForUser(waiting) => {
            let detail = waiting.detail.as_deref().filter(|d| {
                // "approve Edit" names a tool; a command line is the user's content.
                ctx.settings.descriptive_titles
                    || d.starts_with("approve ")
                    || d.starts_with("answer ")
            });
            Some(match detail {
                Some(detail) => format!("Needs you: {}", clean_title(detail)),
                None => format!("Needs you: {}", waiting.kind.as_str()),
            })
        }
        LocalState::Running if !ctx.hooks_seen && reading.turn == Turn::Open => {
            let unseen = match ctx.tool {
                LocalTool::Codex => {
                    Some("approval and input prompts are not visible without hooks")
                }
                LocalTool::GeminiCli => Some("approval prompts are not visible without hooks"),
                LocalTool::ClaudeCode if reading.pending_tool.is_some() => {
                    Some("a permission prompt cannot be told from a running tool without hooks")
                }
                _ => None,
            };
            unseen.map(|why| format!("Working (maybe waiting: {why})"))
        }
        LocalState::Unknown => Some("the agent's process could not be checked".into()),
        _ => None,
    }
}

/// The task for one local session.
pub fn to_task(reading: &Reading, state: &LocalState, ctx: &TaskContext<'_>) -> Task {
    let session_id = reading
        .session_id
        .clone()
        .unwrap_or_else(|| ctx.file_session_id.to_owned());
    let label = project_label(reading.cwd.as_deref());
    let title = ctx
        .settings
        .descriptive_titles
        .then(|| descriptive_title(reading))
        .flatten()
        .or(label)
        .map(|t| clean_title(&t))
        .unwrap_or_else(|| format!("{} session", ctx.tool.as_str()));
    let updated_at = reading.updated_at.unwrap_or(ctx.modified);
    let created_at = reading.created_at.unwrap_or(updated_at);
    let model_state = task_state(state, reading, ctx);
    let error = match state {
        LocalState::Failed(e) => Some(e.clone()),
        LocalState::Cancelled(e) => e.clone(),
        _ => None,
    }
    .map(|e| TaskError {
        message: e
            .message
            .as_deref()
            .map(|m| crate::logs::redact::redact(m).into_owned())
            .unwrap_or_else(|| e.code.replace('_', " ")),
        code: Some(e.code),
    });
    let completed_at = model_state
        .is_terminal()
        .then(|| reading.completed_at.unwrap_or(updated_at))
        .filter(|_| model_state != State::TurnIdle);
    let tool = ctx.tool.as_str();
    Task {
        id: session_id.clone(),
        source: source_id(ctx.tool),
        provider: Provider::parse(tool),
        kind: if reading.background {
            TaskKind::Task
        } else {
            TaskKind::Chat
        },
        title,
        repository: reading.repository.clone(),
        note: note(state, reading, ctx),
        state: model_state,
        progress: progress(reading),
        owner: None,
        created_at,
        updated_at,
        completed_at,
        pull_request: None,
        url: format!("agentbar://local/{tool}/{session_id}"),
        logs_url: None,
        error,
        sessions: Vec::new(),
        session_count: 1,
        branch: reading.branch.clone().map(|head_ref| Branch {
            head_ref,
            base_ref: None,
        }),
        custom_agent: None,
        workflow_run_url: None,
        usage: None,
        owner_id: None,
        repository_id: None,
        // Decided by the source (`local::source::actions`) when it publishes.
        actions: ActionSet::EMPTY,
        stale: false,
    }
}

/// The source id of a tool's sessions: `claude-code`, `codex`, `copilot-cli`, `gemini-cli`.
pub fn source_id(tool: LocalTool) -> SourceId {
    SourceId::new(tool.as_str()).unwrap_or_default()
}
