//! Gemini CLI chat records → events: the last version of each message, after rewinds.

use serde_json::Value;

use super::{Events, at_of, text_of};
use crate::logs::EventKind;

pub(super) fn records(events: &mut Events, records: &[Value]) {
    let mut order: Vec<&str> = Vec::new();
    let mut latest: std::collections::HashMap<&str, &Value> = std::collections::HashMap::new();
    for record in records {
        if let Some(target) = record.get("$rewindTo").and_then(Value::as_str) {
            if let Some(at) = order.iter().position(|id| *id == target) {
                for id in order.drain(at..) {
                    latest.remove(id);
                }
            }
            continue;
        }
        let Some(id) = record.get("id").and_then(Value::as_str) else {
            continue;
        };
        if latest.insert(id, record).is_none() {
            order.push(id);
        }
    }
    for id in order {
        let Some(record) = latest.get(id) else {
            continue;
        };
        let at = at_of(record);
        let text = text_of(record.get("content").unwrap_or(&Value::Null));
        match record
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "user" => events.user(&text, at),
            "gemini" => {
                for thought in record
                    .get("thoughts")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let s = |k: &str| thought.get(k).and_then(Value::as_str).unwrap_or_default();
                    events.thinking(&format!("{}\n{}", s("subject"), s("description")), at);
                }
                for call in record
                    .get("toolCalls")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let s = |k: &str| call.get(k).and_then(Value::as_str).unwrap_or_default();
                    let name = if s("displayName").is_empty() {
                        s("name")
                    } else {
                        s("displayName")
                    };
                    events.tool(
                        call.get("id").and_then(Value::as_str),
                        name,
                        call.get("args").cloned().unwrap_or(Value::Null),
                        at_of(call).or(at),
                    );
                    events.tool_result(s("id"), s("resultDisplay"), at_of(call).or(at));
                }
                events.message(&text, at);
            }
            "error" => events.push(EventKind::Error, "Error".into(), &text, at),
            "info" | "warning" => events.push(EventKind::Progress, text.clone(), "", at),
            _ => {}
        }
    }
}
