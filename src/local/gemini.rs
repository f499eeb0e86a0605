//! Gemini CLI: `<home>/.gemini/tmp/<slug>/chats/session-*.jsonl` (the project's path in the slug's
//! `.project_root`), read into a [`Reading`]. A message is re-appended whenever it changes, so the
//! last line per id wins; `$rewindTo` drops messages; `$set` updates the metadata.
//!
//! Tool calls are written only once completed: one awaiting approval is invisible in the file.

use std::collections::HashMap;

use serde::Deserialize;

use super::event::LocalTool;
use super::reading::{ReadError, Reading, Transcript, Turn, parse_time};
use super::tail::{Line, LineSink};

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Record {
    // Metadata (the first line).
    session_id: Option<String>,
    start_time: Option<String>,
    kind: Option<String>,
    // Messages.
    id: Option<String>,
    timestamp: Option<String>,
    #[serde(rename = "type")]
    message_type: Option<String>,
    content: Option<serde_json::Value>,
    tokens: Option<Tokens>,
    model: Option<String>,
    tool_calls: Option<Vec<serde::de::IgnoredAny>>,
    // Updates.
    #[serde(rename = "$set")]
    set: Option<SetFields>,
    #[serde(rename = "$rewindTo")]
    rewind_to: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SetFields {
    summary: Option<String>,
    last_updated: Option<String>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default)]
struct Tokens {
    total: u64,
}

#[derive(Clone, Debug)]
struct Message {
    kind: String,
    at: Option<chrono::DateTime<chrono::Utc>>,
    text: String,
    tokens: u64,
    tool_calls: u32,
}

/// A Gemini CLI chat being read.
#[derive(Default)]
pub struct GeminiTranscript {
    reading: Reading,
    order: Vec<String>,
    messages: HashMap<String, Message>,
    summary: Option<String>,
    first_prompt: Option<String>,
}

fn text_of(content: Option<&serde_json::Value>) -> String {
    match content {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(|t| t.as_str()))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

impl GeminiTranscript {
    /// The project's path, from the slug directory's `.project_root`.
    pub fn set_project_root(&mut self, root: Option<String>) {
        self.reading.cwd = root;
    }

    fn record(&mut self, rec: Record) {
        if let Some(set) = rec.set {
            self.summary = set.summary.or(self.summary.take());
            self.reading
                .saw_time(parse_time(set.last_updated.as_deref()));
            return;
        }
        if let Some(target) = rec.rewind_to {
            if let Some(at) = self.order.iter().position(|id| *id == target) {
                for id in self.order.drain(at..) {
                    self.messages.remove(&id);
                }
            }
            return;
        }
        let Some(id) = rec.id else {
            // The metadata line.
            if let Some(session) = rec.session_id {
                self.reading.session_id = Some(session);
                self.reading.created_at = parse_time(rec.start_time.as_deref());
                if rec.kind.as_deref() == Some("subagent") {
                    self.reading.background = true;
                }
            }
            return;
        };
        let at = parse_time(rec.timestamp.as_deref());
        self.reading.saw_time(at);
        if let Some(model) = rec.model {
            self.reading.model = Some(model);
        }
        let kind = rec.message_type.unwrap_or_default();
        let text = text_of(rec.content.as_ref());
        if kind == "user" && self.first_prompt.is_none() && !text.trim().is_empty() {
            self.first_prompt = Some(text.trim().to_owned());
        }
        let message = Message {
            kind,
            at,
            text,
            tokens: rec.tokens.map_or(0, |t| t.total),
            tool_calls: rec.tool_calls.map_or(0, |c| c.len() as u32),
        };
        if !self.messages.contains_key(&id) {
            self.order.push(id.clone());
        }
        self.messages.insert(id, message);
    }
}

impl LineSink for GeminiTranscript {
    fn line(&mut self, line: Line<'_>) {
        match line {
            Line::Full(bytes) => {
                if let Ok(rec) = serde_json::from_slice::<Record>(bytes) {
                    self.record(rec);
                }
            }
            // Tool output is capped at 50 KB per record, so a line over the limit is a message
            // with huge content; its start says which.
            Line::Oversized { prefix, .. } => {
                let text = String::from_utf8_lossy(prefix);
                if let (Some(id), Some(kind)) = (
                    super::claude::sniff_field(&text, "id"),
                    super::claude::sniff_field(&text, "type"),
                ) {
                    let at = parse_time(super::claude::sniff_field(&text, "timestamp").as_deref());
                    if !self.messages.contains_key(&id) {
                        self.order.push(id.clone());
                    }
                    self.messages.insert(
                        id,
                        Message {
                            kind,
                            at,
                            text: String::from("…"),
                            tokens: 0,
                            tool_calls: 0,
                        },
                    );
                }
            }
        }
    }

    fn reset(&mut self) {
        let cwd = self.reading.cwd.take();
        *self = GeminiTranscript::default();
        self.reading.cwd = cwd;
    }
}

impl Transcript for GeminiTranscript {
    const TOOL: LocalTool = LocalTool::GeminiCli;

    fn reading(&self) -> Reading {
        let mut r = self.reading.clone();
        r.own_title = self.summary.clone();
        r.first_prompt = self.first_prompt.clone();
        let messages: Vec<&Message> = self
            .order
            .iter()
            .filter_map(|id| self.messages.get(id))
            .collect();
        r.messages = messages.len() as u32;
        r.turns = messages.iter().filter(|m| m.kind == "user").count() as u32;
        r.tool_calls = messages.iter().map(|m| m.tool_calls).sum();
        let tokens: u64 = messages.iter().map(|m| m.tokens).sum();
        r.tokens_total = (tokens > 0).then_some(tokens);
        let last = messages
            .iter()
            .rev()
            .find(|m| matches!(m.kind.as_str(), "user" | "gemini" | "error"));
        r.turn = match last {
            None => Turn::None,
            Some(m) if m.kind == "user" => Turn::Open,
            Some(m) if m.kind == "error" => {
                r.error = Some(ReadError {
                    code: "error".into(),
                    message: Some(m.text.clone()),
                });
                r.completed_at = m.at;
                Turn::Failed
            }
            Some(m) if m.text.trim().is_empty() => Turn::Open,
            Some(m) => {
                r.completed_at = m.at;
                Turn::Closed
            }
        };
        r
    }
}
