//! The JSON shape of log events for `GET /v1/tasks/{id}/logs` and `agentbar logs --json`
//! (schema v1: fields may be added, never removed or changed in meaning). The domain types in
//! [`super`] carry no serde; this is their only conversion to JSON.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Event, Page, ToolInput};

/// One event: `{seq, kind, title, body, at, tool}`, with `agent` on a subagent's events and
/// `user` on the user's own messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogEventJson {
    pub seq: u64,
    /// `message`, `tool`, `thinking`, `progress`, `setup` or `error` (more may come in v1).
    pub kind: String,
    pub title: String,
    pub body: String,
    /// RFC 3339, or null when the log did not say.
    pub at: Option<DateTime<Utc>>,
    /// Present for events that came from a tool call; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<ToolJson>,
    /// The subagent whose run the event belongs to; absent for the main agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentJson>,
    /// `prompt` or `follow_up` on a `message` that is the user's own; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// `agent: {id, name}`: the log's `agentId`, and the subagent's name once its run named it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentJson {
    pub id: String,
    pub name: Option<String>,
}

/// `tool: {name, input, output}` (+ `id`, and `input_unparsed` when the arguments were not JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolJson {
    pub id: Option<String>,
    pub name: String,
    /// The arguments object; a string holding the raw text when `input_unparsed` is true.
    pub input: Value,
    #[serde(default, skip_serializing_if = "is_false")]
    pub input_unparsed: bool,
    /// Null when no result was recorded.
    pub output: Option<String>,
}

/// A page of the logs route: `{events, cursor, done, reset}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogPageJson {
    pub events: Vec<LogEventJson>,
    /// Opaque; send it back as `?after=` to get what follows.
    pub cursor: String,
    /// Nothing more will come; stop polling.
    pub done: bool,
    /// The log was rewritten (or the cursor is unknown): `events` is the whole log again and
    /// the client must drop what it showed before.
    pub reset: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl From<&Event> for LogEventJson {
    fn from(event: &Event) -> Self {
        LogEventJson {
            seq: event.seq,
            kind: event.kind.as_str().to_owned(),
            title: event.title.clone(),
            body: event.body.clone(),
            at: event.at,
            tool: event.tool.as_ref().map(|tool| {
                let (input, input_unparsed) = match &tool.input {
                    ToolInput::Json(value) => (value.clone(), false),
                    ToolInput::Raw(raw) => (Value::String(raw.clone()), true),
                };
                ToolJson {
                    id: tool.id.clone(),
                    name: tool.name.clone(),
                    input,
                    input_unparsed,
                    output: tool.output.clone(),
                }
            }),
            agent: event.agent.as_ref().map(|agent| AgentJson {
                id: agent.id.clone(),
                name: agent.name.clone(),
            }),
            user: event.user.map(|user| user.as_str().to_owned()),
        }
    }
}

impl From<&Page<'_>> for LogPageJson {
    fn from(page: &Page<'_>) -> Self {
        LogPageJson {
            events: page.events.iter().map(LogEventJson::from).collect(),
            cursor: page.cursor.to_string(),
            done: page.done,
            reset: page.reset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::LogFollower;
    use serde_json::json;

    #[test]
    fn a_page_serializes_to_the_documented_shape() {
        let body = concat!(
            "data: {\"created\":1757413049,\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n",
            "data: {\"created\":1757413052,\"choices\":[{\"delta\":{\"content\":\"out\",\"tool_calls\":[{\"id\":\"t\",\"function\":{\"name\":\"view\",\"arguments\":\"{\\\"path\\\":\\\"/home/runner/work/a/a/x.rs\\\"}\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"o\",\"tool_calls\":[{\"id\":\"u\",\"function\":{\"name\":\"view\",\"arguments\":\"{oops\"}}]}}]}\n\n",
        );
        let mut follower = LogFollower::new();
        follower.update(body);
        let page = LogPageJson::from(&follower.events_after(None));
        assert_eq!(
            serde_json::to_value(&page).unwrap(),
            json!({
                "events": [
                    {"seq": 1, "kind": "message", "title": "Hi", "body": "Hi",
                     "at": "2025-09-09T10:17:29Z"},
                    {"seq": 2, "kind": "tool", "title": "View x.rs", "body": "out",
                     "at": "2025-09-09T10:17:32Z",
                     "tool": {"id": "t", "name": "view",
                              "input": {"path": "/home/runner/work/a/a/x.rs"}, "output": "out"}},
                    {"seq": 3, "kind": "tool", "title": "View",
                     "body": "Arguments (not valid JSON): {oops\n\no", "at": null,
                     "tool": {"id": "u", "name": "view", "input": "{oops",
                              "input_unparsed": true, "output": "o"}},
                ],
                "cursor": "c1.0.3",
                "done": false,
                "reset": false,
            })
        );
        let back: LogPageJson =
            serde_json::from_value(serde_json::to_value(&page).unwrap()).unwrap();
        assert_eq!(back, page);
    }
}
