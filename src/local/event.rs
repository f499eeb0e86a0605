//! The hook event: what a local agent's hook tells the running agentbar, reduced to a whitelist.
//!
//! `agentbar hook <tool>` builds one from the tool's hook JSON and posts it as the body of
//! `POST /v1/local/hook`; the route decodes it (unknown fields are refused, so nothing outside the
//! whitelist can slip through) and hands it to the local sources through a [`HookSink`].
//! Prompts, tool inputs, replies, messages and details never appear here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::mpsc;

/// The largest body the route accepts.
pub const HOOK_BODY_MAX: usize = 16 * 1024;
/// The longest short string field (event names, tool names, notification kinds, codes, reasons).
pub const HOOK_SHORT_MAX: usize = 128;
/// The longest `cwd`.
pub const HOOK_CWD_MAX: usize = 4096;

/// The local tool a hook came from; the names are the sources' ids and providers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocalTool {
    ClaudeCode,
    Codex,
    CopilotCli,
    GeminiCli,
}

impl LocalTool {
    pub const ALL: [LocalTool; 4] = [
        LocalTool::ClaudeCode,
        LocalTool::Codex,
        LocalTool::CopilotCli,
        LocalTool::GeminiCli,
    ];

    /// The source id and provider name: `claude-code`, `codex`, `copilot-cli`, `gemini-cli`.
    pub fn as_str(self) -> &'static str {
        match self {
            LocalTool::ClaudeCode => "claude-code",
            LocalTool::Codex => "codex",
            LocalTool::CopilotCli => "copilot-cli",
            LocalTool::GeminiCli => "gemini-cli",
        }
    }

    pub fn parse(raw: &str) -> Option<LocalTool> {
        LocalTool::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

/// The event, under one name whatever the tool calls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookEventKind {
    /// Claude/Codex/Gemini `SessionStart`, Copilot `sessionStart`.
    SessionStart,
    /// Claude/Codex `UserPromptSubmit`, Gemini `BeforeAgent`, Copilot `userPromptSubmitted`.
    PromptSubmit,
    /// Claude/Codex `PermissionRequest`, Copilot `permissionRequest`.
    PermissionRequest,
    /// Claude/Gemini `Notification`, Copilot `notification` (`notification_type` says which).
    Notification,
    /// Claude/Codex `Stop`, Gemini `AfterAgent`, Copilot `agentStop`.
    Stop,
    /// Claude/Codex `StopFailure`.
    StopFailure,
    /// Copilot `errorOccurred`.
    Error,
    /// Claude/Gemini `SessionEnd`, Copilot `sessionEnd`.
    SessionEnd,
}

/// One hook event, whitelisted. The JSON body of `POST /v1/local/hook`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalHookEvent {
    pub tool: LocalTool,
    /// The tool's session id (Claude/Codex/Gemini `session_id`, Copilot `sessionId`), which is the
    /// id in the session's file name. 8–64 of `[0-9A-Za-z-]`.
    pub session_id: String,
    pub event: HookEventKind,
    /// When it happened: the payload's timestamp (ISO or Copilot's epoch milliseconds), else the
    /// relay's clock. RFC 3339 on the wire.
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Verbatim from the tool: `permission_prompt`, `idle_prompt`, `elicitation_dialog`,
    /// `agent_needs_input`, `agent_idle`, `ToolPermission`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_type: Option<String>,
    /// The tool's *name* only (`Bash`, `Edit`), never its input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// `StopFailure` `error` (or `error_type`); Copilot `errorOccurred` `error.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Copilot `errorOccurred` `recoverable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recoverable: Option<bool>,
    /// `SessionEnd` `reason`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Codex `turn_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// The hook process's parent pid (the agent or its shell), to bind the session to a process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

/// Why a decoded event was refused (the route answers 400 with this text).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HookEventError {
    #[error("session_id must be 8 to 64 letters, digits or '-'")]
    SessionId,
    #[error("{0} is longer than {1} characters")]
    TooLong(&'static str, usize),
}

impl LocalHookEvent {
    /// Checks what serde cannot: the session id's shape and every string's length.
    pub fn validate(&self) -> Result<(), HookEventError> {
        let id_ok = (8..=64).contains(&self.session_id.len())
            && self
                .session_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !id_ok {
            return Err(HookEventError::SessionId);
        }
        if self.cwd.as_ref().is_some_and(|c| c.len() > HOOK_CWD_MAX) {
            return Err(HookEventError::TooLong("cwd", HOOK_CWD_MAX));
        }
        let short = [
            ("notification_type", &self.notification_type),
            ("tool_name", &self.tool_name),
            ("error_code", &self.error_code),
            ("reason", &self.reason),
            ("turn_id", &self.turn_id),
        ];
        for (name, value) in short {
            if value.as_ref().is_some_and(|v| v.len() > HOOK_SHORT_MAX) {
                return Err(HookEventError::TooLong(name, HOOK_SHORT_MAX));
            }
        }
        Ok(())
    }
}

/// How many events may wait for the local sources before new ones are dropped.
pub const HOOK_QUEUE: usize = 256;

/// The sending end the route holds; the local sources hold the [`HookInbox`]. Cheap to clone,
/// never blocks: when the queue is full or the sources are gone the event is dropped (hooks only
/// refine what the files already say).
#[derive(Clone, Debug)]
pub struct HookSink(mpsc::SyncSender<LocalHookEvent>);

/// The receiving end, drained by the local sources.
pub type HookInbox = mpsc::Receiver<LocalHookEvent>;

impl HookSink {
    pub fn channel() -> (HookSink, HookInbox) {
        let (tx, rx) = mpsc::sync_channel(HOOK_QUEUE);
        (HookSink(tx), rx)
    }

    /// Hands the event over; `false` when it was dropped.
    pub fn send(&self, event: LocalHookEvent) -> bool {
        self.0.try_send(event).is_ok()
    }
}
