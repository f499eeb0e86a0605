//! Copilot session logs: parsing the raw `data: {chunk}` stream into structured events, titling
//! tool calls in plain words, redacting credentials, and following a log as it grows.
//!
//! Pure: no I/O and no clock. The API route and the `logs` command fetch the body with
//! `GitHubClient::session_log` and feed it to a [`LogFollower`] (or [`parse_log`] once).
//!
//! Invariant: every string taken from the log passes through [`redact`] inside the parser, so no
//! unredacted text leaves this module — not in titles, bodies, tool input or output, nor in the
//! excerpts of unreadable lines.
//!
//! - `chunk`: the upstream chunk shape, decoded leniently; `created` in s or ms.
//! - [`parse`]: lines → events (pairing tool calls by id; the decisions are listed there).
//! - `title`: titles in plain words, runner path prefixes (Linux and Windows) stripped from
//!   titles and bodies (tool input and output keep them, for scripts).
//! - [`redact`](mod@redact): the credential patterns.
//! - [`follow`]: incremental following, generations, cursors.
//! - [`export`]: a whole log as a Markdown transcript or JSON lines.
//! - [`wire`]: the JSON shape of events and pages for the loopback API and `--json`.

mod chunk;
pub mod export;
pub mod follow;
pub mod parse;
pub mod redact;
mod title;
pub mod wire;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use follow::{Cursor, CursorError, FollowStats, LogFollower, Page, Update};
pub use parse::PendingTool;
pub use redact::redact;

/// What an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Something the agent said (including the closing PR summary), or the user's prompt or
    /// follow-up (then [`Event::user`] says so).
    Message,
    /// A tool call with its result.
    Tool,
    /// Reasoning text or a `think` call.
    Thinking,
    /// A `report_progress` call (a commit pushed, the plan updated).
    Progress,
    /// Environment start-up (`run_setup`).
    Setup,
    /// A line of the log that could not be read, or an error the log reports.
    Error,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Message => "message",
            EventKind::Tool => "tool",
            EventKind::Thinking => "thinking",
            EventKind::Progress => "progress",
            EventKind::Setup => "setup",
            EventKind::Error => "error",
        }
    }
}

/// One structured log event. Every string in it is redacted.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Increases by one per event and is never reused by one follower, even across resets.
    pub seq: u64,
    pub kind: EventKind,
    /// One line in plain words ("Bash: Run the tests", "View src/main.rs", "Thought").
    pub title: String,
    /// The text to show under the title: the message, the tool output (for `bash` preceded by
    /// `$ command`), the thought, the progress description; may be empty.
    pub body: String,
    /// The chunk's `created` (for a tool, that of its result); none when the chunk had none.
    pub at: Option<DateTime<Utc>>,
    /// The call behind `tool`, `thinking` (from `think`), `progress` and `setup` events.
    pub tool: Option<ToolCall>,
    /// The subagent whose run this event belongs to (entries with `agentId`); none for the main
    /// agent.
    pub agent: Option<Agent>,
    /// Set on the `message` events that are the user's own words (`role: user` lines).
    pub user: Option<UserMessage>,
}

/// A subagent, from the `agentId` its entries carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    pub id: String,
    /// From the "▶️ Begin subagent: NAME" step that opened its run, once seen.
    pub name: Option<String>,
}

/// Which of the user's messages a `message` event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserMessage {
    /// The first: the task's prompt.
    Prompt,
    /// Any later one (a comment on the pull request, a follow-up request).
    FollowUp,
}

impl UserMessage {
    pub fn as_str(self) -> &'static str {
        match self {
            UserMessage::Prompt => "prompt",
            UserMessage::FollowUp => "follow_up",
        }
    }
}

/// A tool call as the log recorded it (redacted).
#[derive(Clone, Debug, PartialEq)]
pub struct ToolCall {
    pub id: Option<String>,
    pub name: String,
    pub input: ToolInput,
    /// `None` when no result was ever recorded (the session ended first, or the call had no id).
    pub output: Option<String>,
}

/// A tool call's arguments.
#[derive(Clone, Debug, PartialEq)]
pub enum ToolInput {
    /// The parsed arguments (`Null` when there were none).
    Json(Value),
    /// Arguments that were not valid JSON, as text.
    Raw(String),
}

/// Parses a whole log at once, as if the session had ended: a trailing line without a newline
/// is read and calls without a result are included without output.
pub fn parse_log(body: &str) -> Vec<Event> {
    let mut follower = LogFollower::new();
    follower.finish(body);
    follower.into_events()
}
