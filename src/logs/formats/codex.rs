//! Codex rollout lines → events.

use serde_json::Value;

use super::{Events, at_of};
use crate::logs::EventKind;

pub(super) fn line(events: &mut Events, line: &Value) {
    let at = at_of(line);
    let Some(payload) = line.get("payload") else {
        return;
    };
    let s = |k: &str| payload.get(k).and_then(Value::as_str).unwrap_or_default();
    match (line.get("type").and_then(Value::as_str), s("type")) {
        (Some("event_msg"), "user_message") => events.user(s("message"), at),
        (Some("event_msg"), "agent_message") => events.message(s("message"), at),
        (Some("event_msg"), "agent_reasoning") => events.thinking(s("text"), at),
        (Some("event_msg"), "turn_aborted") => {
            let reason = s("reason");
            events.push(EventKind::Error, format!("Turn aborted: {reason}"), "", at);
        }
        (Some("event_msg"), "context_compacted") => {
            events.push(EventKind::Progress, "Conversation compacted".into(), "", at);
        }
        (Some("response_item"), "function_call") => {
            // Arguments are a JSON string.
            let args = serde_json::from_str(s("arguments")).unwrap_or(Value::Null);
            events.tool(
                payload.get("call_id").and_then(Value::as_str),
                s("name"),
                args,
                at,
            );
        }
        (Some("response_item"), "custom_tool_call") => {
            let input = serde_json::json!({ "input": s("input") });
            events.tool(
                payload.get("call_id").and_then(Value::as_str),
                s("name"),
                input,
                at,
            );
        }
        (Some("response_item"), "function_call_output" | "custom_tool_call_output") => {
            let output = match payload.get("output") {
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            events.tool_result(s("call_id"), &output, at);
        }
        _ => {}
    }
}
