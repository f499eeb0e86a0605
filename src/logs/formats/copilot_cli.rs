//! Copilot CLI `events.jsonl` lines → events.

use serde_json::Value;

use super::{Events, at_of, text_of};
use crate::logs::EventKind;

pub(super) fn line(events: &mut Events, line: &Value) {
    let at = at_of(line);
    let data = line.get("data").cloned().unwrap_or(Value::Null);
    let s = |k: &str| data.get(k).and_then(Value::as_str).unwrap_or_default();
    match line.get("type").and_then(Value::as_str).unwrap_or_default() {
        "user.message" => events.user(s("content"), at),
        "assistant.message" => events.message(s("content"), at),
        "assistant.reasoning" => events.thinking(s("content"), at),
        "tool.execution_start" => events.tool(
            data.get("toolCallId").and_then(Value::as_str),
            s("toolName"),
            data.get("arguments").cloned().unwrap_or(Value::Null),
            at,
        ),
        "tool.execution_complete" => {
            let output = data
                .pointer("/result/content")
                .map(text_of)
                .or_else(|| {
                    data.pointer("/error/message")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            events.tool_result(s("toolCallId"), &output, at);
        }
        "session.error" => {
            let title = format!("Error: {}", s("errorType"));
            events.push(EventKind::Error, title, s("message"), at);
        }
        "abort" => events.push(
            EventKind::Error,
            format!("Aborted: {}", s("reason")),
            "",
            at,
        ),
        "session.compaction_complete" => {
            events.push(EventKind::Progress, "Conversation compacted".into(), "", at);
        }
        _ => {}
    }
}
