//! Claude Code transcript lines → events.

use serde_json::Value;

use super::{Events, at_of, text_of};
use crate::logs::EventKind;

const INTERRUPTED: &str = "[Request interrupted by user";

pub(super) fn line(events: &mut Events, line: &Value) {
    if line.get("isSidechain").and_then(Value::as_bool) == Some(true) {
        return;
    }
    let at = at_of(line);
    let kind = line.get("type").and_then(Value::as_str).unwrap_or_default();
    let message = line.get("message").cloned().unwrap_or(Value::Null);
    let content = message.get("content").cloned().unwrap_or(Value::Null);
    match kind {
        "user" => {
            let injected = line.get("isMeta").and_then(Value::as_bool) == Some(true)
                || line.get("isCompactSummary").and_then(Value::as_bool) == Some(true);
            if let Value::String(text) = &content {
                if text.starts_with(INTERRUPTED) {
                    events.push(
                        EventKind::Progress,
                        "Interrupted by the user".into(),
                        "",
                        at,
                    );
                } else if !injected {
                    events.user(text, at);
                }
                return;
            }
            for block in content.as_array().into_iter().flatten() {
                match block.get("type").and_then(Value::as_str) {
                    Some("tool_result") => {
                        let id = block
                            .get("tool_use_id")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        let output = text_of(block.get("content").unwrap_or(&Value::Null));
                        events.tool_result(id, &output, at);
                    }
                    Some("text") => {
                        let text = block
                            .get("text")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        if text.starts_with(INTERRUPTED) {
                            events.push(
                                EventKind::Progress,
                                "Interrupted by the user".into(),
                                "",
                                at,
                            );
                        } else if !injected {
                            events.user(text, at);
                        }
                    }
                    _ => {}
                }
            }
        }
        "assistant" => {
            if line.get("isApiErrorMessage").and_then(Value::as_bool) == Some(true) {
                events.push(EventKind::Error, "API error".into(), &text_of(&content), at);
                return;
            }
            for block in content.as_array().into_iter().flatten() {
                let text = |k: &str| block.get(k).and_then(Value::as_str).unwrap_or_default();
                match text("type") {
                    "text" => events.message(text("text"), at),
                    "thinking" => events.thinking(text("thinking"), at),
                    "tool_use" => events.tool(
                        block.get("id").and_then(Value::as_str),
                        text("name"),
                        block.get("input").cloned().unwrap_or(Value::Null),
                        at,
                    ),
                    _ => {}
                }
            }
        }
        "system" => match line.get("subtype").and_then(Value::as_str) {
            Some("api_error") => {
                let status = line.pointer("/error/status").and_then(Value::as_u64);
                let detail = line
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let attempt = line
                    .get("retryAttempt")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let max = line.get("maxRetries").and_then(Value::as_u64).unwrap_or(0);
                let title = match status {
                    Some(status) => format!("API error {status} (attempt {attempt} of {max})"),
                    None => format!("API error (attempt {attempt} of {max})"),
                };
                events.push(EventKind::Error, title, detail, at);
            }
            Some("compact_boundary") => {
                events.push(EventKind::Progress, "Conversation compacted".into(), "", at);
            }
            _ => {}
        },
        _ => {}
    }
}
