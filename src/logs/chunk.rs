//! The upstream shape of one log line's JSON: an OpenAI-style `chat.completion.chunk`, or a plain
//! message (`{"role": "user" | "tool", "content", "tool_call_id"}`), decoded leniently (every
//! field optional) because the log is written by several producers. Unknown fields, such as
//! `delta.reasoning_opaque` (not readable), are ignored.

use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::Value;

/// Values of `created` above this are milliseconds: as seconds they would be after the year 5000.
const MILLISECONDS_ABOVE: f64 = 100_000_000_000.0;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChunkDto {
    #[serde(default)]
    pub choices: Option<Vec<ChoiceDto>>,
    #[serde(default)]
    pub created: Option<Value>,
    /// Some producers write an error object instead of choices.
    #[serde(default)]
    pub error: Option<Value>,
    /// A plain message line's author: `user` (a prompt) or `tool` (a result on its own).
    #[serde(default)]
    pub role: Option<String>,
    /// A plain message line's text: a string, or OpenAI-style parts `[{type, text}]`.
    #[serde(default)]
    pub content: Option<Value>,
    /// The call a `role: tool` line answers.
    #[serde(default)]
    pub tool_call_id: Option<Value>,
    /// Entries with the same `agentId` belong to one subagent.
    #[serde(default, rename = "agentId")]
    pub agent_id: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChoiceDto {
    #[serde(default)]
    pub delta: Option<DeltaDto>,
    /// Non-streaming producers put the same fields under `message`.
    #[serde(default)]
    pub message: Option<DeltaDto>,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeltaDto {
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub reasoning_text: Option<String>,
    #[serde(default)]
    pub tool_calls: Option<Vec<ToolCallDto>>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ToolCallDto {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub function: Option<FunctionDto>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct FunctionDto {
    #[serde(default)]
    pub name: Option<String>,
    /// A JSON document in a string, as the format says; an object is accepted too.
    #[serde(default)]
    pub arguments: Option<Value>,
}

/// The text of a plain message's `content`: a string, or the `text` of each part, joined.
pub(crate) fn content_text(content: Option<Value>) -> Option<String> {
    match content? {
        Value::String(text) => Some(text),
        Value::Array(parts) => {
            let texts: Vec<String> = parts
                .into_iter()
                .filter_map(|part| match part {
                    Value::String(text) => Some(text),
                    Value::Object(mut fields) => match fields.remove("text") {
                        Some(Value::String(text)) => Some(text),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// An id given as a string or a number; `None` when empty or of another kind.
pub(crate) fn id_text(id: Option<Value>) -> Option<String> {
    match id? {
        Value::String(text) if !text.trim().is_empty() => Some(text),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// `created` as a time: seconds or milliseconds since the epoch, as a number or numeric string.
pub(crate) fn created_at(created: Option<&Value>) -> Option<DateTime<Utc>> {
    let number = match created? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !number.is_finite() || number < 0.0 {
        return None;
    }
    let millis = if number > MILLISECONDS_ABOVE {
        number
    } else {
        number * 1000.0
    };
    // Beyond chrono's range (or i64) the time is simply unknown.
    if millis > 8.0e15 {
        return None;
    }
    Utc.timestamp_millis_opt(millis.round() as i64).single()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn created_in_seconds_and_in_milliseconds_give_the_same_time() {
        let seconds = created_at(Some(&json!(1757413049))).unwrap();
        let millis = created_at(Some(&json!(1757413049000_i64))).unwrap();
        assert_eq!(seconds, millis);
        assert_eq!(seconds.to_rfc3339(), "2025-09-09T10:17:29+00:00");
        let precise = created_at(Some(&json!(1757413024352_i64))).unwrap();
        assert_eq!(precise.timestamp_subsec_millis(), 352);
        assert_eq!(created_at(Some(&json!("1757413049"))), Some(seconds));
        assert_eq!(created_at(Some(&json!(-1))), None);
        assert_eq!(created_at(Some(&json!(1e300))), None);
        assert_eq!(created_at(Some(&json!(null))), None);
        assert_eq!(created_at(None), None);
    }

    #[test]
    fn a_sparse_chunk_decodes() {
        let chunk: ChunkDto = serde_json::from_str(
            r#"{"choices":[{"delta":{"tool_calls":[{"function":{"name":"view"}}]}}]}"#,
        )
        .unwrap();
        let choices = chunk.choices.unwrap();
        let calls = choices[0]
            .delta
            .as_ref()
            .unwrap()
            .tool_calls
            .as_ref()
            .unwrap();
        assert_eq!(
            calls[0].function.as_ref().unwrap().name.as_deref(),
            Some("view")
        );
        assert!(calls[0].id.is_none());
    }
}
