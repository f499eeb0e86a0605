//! Copilot CLI: `<COPILOT_HOME>/session-state/<id>/events.jsonl` plus `workspace.yaml`, read into a
//! [`Reading`]. Its open `permission.requested` is persisted, so waiting shows without hooks.

use std::collections::HashMap;

use serde::Deserialize;

use super::event::LocalTool;
use super::reading::{
    ReadError, Reading, Transcript, Turn, Unanswered, Waiting, WaitingKind, parse_time,
};
use super::tail::{Line, LineSink};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    timestamp: Option<String>,
    data: Data,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Data {
    session_id: Option<String>,
    copilot_version: Option<String>,
    start_time: Option<String>,
    selected_model: Option<String>,
    model: Option<String>,
    context: Option<Context>,
    content: Option<serde_json::Value>,
    agent_mode: Option<String>,
    tool_call_id: Option<String>,
    tool_name: Option<String>,
    request_id: Option<String>,
    permission_request: Option<PermissionRequest>,
    error_type: Option<String>,
    message: Option<String>,
    shutdown_type: Option<String>,
    error_reason: Option<String>,
    model_metrics: Option<HashMap<String, ModelMetrics>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Context {
    cwd: Option<String>,
    branch: Option<String>,
    repository: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PermissionRequest {
    kind: Option<String>,
    full_command_text: Option<String>,
    intention: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ModelMetrics {
    usage: MetricUsage,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct MetricUsage {
    input_tokens: u64,
    output_tokens: u64,
}

/// A Copilot CLI event log being read.
#[derive(Default)]
pub struct CopilotTranscript {
    reading: Reading,
    pending: Unanswered,
    permissions: Unanswered,
    workspace: Workspace,
}

impl CopilotTranscript {
    /// `workspace.yaml`'s fields, read separately (small, re-read whole on change).
    pub fn set_workspace(&mut self, workspace: Workspace) {
        self.workspace = workspace;
    }

    fn event(&mut self, e: Event) {
        let at = parse_time(e.timestamp.as_deref());
        let d = e.data;
        let r = &mut self.reading;
        r.saw_time(at);
        match e.kind.as_str() {
            "session.start" | "session.resume" => {
                r.session_id = d.session_id.or(r.session_id.take());
                r.cli_version = d.copilot_version.or(r.cli_version.take());
                if let Some(start) = parse_time(d.start_time.as_deref()) {
                    r.created_at = Some(start);
                }
                r.model = d.selected_model.or(r.model.take());
                if let Some(c) = d.context {
                    r.cwd = c.cwd.or(r.cwd.take());
                    r.branch = c.branch.or(r.branch.take());
                    r.repository = c.repository.or(r.repository.take());
                }
            }
            "user.message" => {
                r.turns += 1;
                r.messages += 1;
                r.turn = Turn::Open;
                r.error = None;
                if d.agent_mode.as_deref() == Some("autopilot") {
                    r.background = true;
                }
                if let Some(serde_json::Value::String(text)) = &d.content {
                    r.note_first_prompt(text);
                }
            }
            "assistant.turn_start" => {
                r.turn = Turn::Open;
                r.model = d.model.or(r.model.take());
            }
            "assistant.turn_end" => {
                r.turn = Turn::Closed;
                r.completed_at = at;
            }
            "assistant.message" => r.messages += 1,
            "tool.execution_start" => {
                r.tool_calls += 1;
                self.pending.issue(
                    d.tool_call_id.unwrap_or_default(),
                    d.tool_name.unwrap_or_default(),
                );
            }
            "tool.execution_complete" => {
                if let Some(id) = d.tool_call_id {
                    self.pending.answer(&id);
                }
            }
            "permission.requested" => {
                let request = d.permission_request.unwrap_or_default();
                let detail = request
                    .full_command_text
                    .or(request.intention)
                    .or(request.kind)
                    .unwrap_or_default();
                self.permissions
                    .issue(d.request_id.unwrap_or_default(), detail);
            }
            "permission.completed" => {
                if let Some(id) = d.request_id {
                    self.permissions.answer(&id);
                }
            }
            "session.error" => {
                r.turn = Turn::Failed;
                r.error = Some(ReadError {
                    code: d.error_type.unwrap_or_else(|| "error".into()),
                    message: d.message,
                });
            }
            "abort" => {
                r.turn = Turn::Aborted;
                self.pending.clear();
                self.permissions.clear();
            }
            "session.shutdown" => {
                r.shut_down = true;
                r.completed_at = at;
                self.pending.clear();
                self.permissions.clear();
                if d.shutdown_type.as_deref() == Some("error") {
                    r.turn = Turn::Failed;
                    if r.error.is_none() {
                        r.error = Some(ReadError {
                            code: "error".into(),
                            message: d.error_reason,
                        });
                    }
                } else if r.turn != Turn::Failed && r.turn != Turn::Aborted {
                    r.turn = Turn::Closed;
                }
                if let Some(metrics) = d.model_metrics.filter(|m| !m.is_empty()) {
                    r.tokens_total = Some(
                        metrics
                            .values()
                            .map(|m| m.usage.input_tokens + m.usage.output_tokens)
                            .sum(),
                    );
                }
            }
            _ => {}
        }
    }
}

impl LineSink for CopilotTranscript {
    fn line(&mut self, line: Line<'_>) {
        match line {
            Line::Full(bytes) => {
                if let Ok(event) = serde_json::from_slice::<Event>(bytes) {
                    self.event(event);
                }
            }
            // Copilot's big lines are permission requests with whole diffs, or tool results:
            // `type` comes first, so the request is still seen as open.
            Line::Oversized { prefix, .. } => {
                let text = String::from_utf8_lossy(prefix);
                if text.contains("\"type\":\"permission.requested\"") {
                    let id = super::claude::sniff_field(&text, "requestId").unwrap_or_default();
                    self.permissions.issue(id, String::new());
                }
            }
        }
    }

    fn reset(&mut self) {
        let workspace = std::mem::take(&mut self.workspace);
        *self = CopilotTranscript::default();
        self.workspace = workspace;
    }
}

impl Transcript for CopilotTranscript {
    const TOOL: LocalTool = LocalTool::CopilotCli;

    fn reading(&self) -> Reading {
        let mut r = self.reading.clone();
        let w = &self.workspace;
        r.own_title = w.summary.clone();
        r.cwd = r.cwd.or_else(|| w.cwd.clone());
        r.branch = r.branch.or_else(|| w.branch.clone());
        r.repository = r.repository.or_else(|| w.repository.clone());
        r.session_id = r.session_id.or_else(|| w.id.clone());
        if r.turn == Turn::Open {
            r.pending_tool = self.pending.newest().map(str::to_owned);
            if let Some(detail) = self.permissions.newest() {
                r.waiting = Some(Waiting {
                    kind: WaitingKind::Permission,
                    detail: (!detail.is_empty()).then(|| detail.to_owned()),
                });
            } else if r.pending_tool.as_deref() == Some("ask_user") {
                r.waiting = Some(Waiting {
                    kind: WaitingKind::Question,
                    detail: None,
                });
            }
        }
        r
    }
}

/// The flat `key: value` fields of `workspace.yaml` (no YAML parser needed for these).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workspace {
    pub id: Option<String>,
    pub cwd: Option<String>,
    pub repository: Option<String>,
    pub branch: Option<String>,
    pub summary: Option<String>,
}

impl Workspace {
    pub fn parse(text: &str) -> Workspace {
        let mut w = Workspace::default();
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if key.starts_with(' ') {
                continue;
            }
            let value = unquote(value.trim());
            let value = (!value.is_empty()).then(|| value.to_owned());
            match key.trim() {
                "id" => w.id = value,
                "cwd" => w.cwd = value,
                "repository" => w.repository = value,
                "branch" => w.branch = value,
                "summary" => w.summary = value,
                _ => {}
            }
        }
        w
    }
}

fn unquote(value: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}
