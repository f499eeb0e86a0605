//! The upstream shape of one log line's JSON: an OpenAI-style `chat.completion.chunk`, decoded
//! leniently (every field optional) because the log is written by several producers.

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
