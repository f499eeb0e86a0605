//! Local agents' transcripts as log events: Claude Code, Codex, Copilot CLI and Gemini CLI lines
//! → the same [`Event`]s the cloud logs become (messages, tool calls paired with their results,
//! thinking, progress, errors). Pure; every string passes through [`redact`] here.
//!
//! The body is a bounded tail of the transcript (its first line may be cut: it is skipped as
//! unreadable, like any line that is not JSON).

mod claude;
mod codex;
mod copilot_cli;
mod gemini;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Event, EventKind, ToolCall, ToolInput, UserMessage, redact};

/// A tool's output is shown up to this many bytes.
const OUTPUT_MAX: usize = 4 * 1024;
/// A title quotes this many characters of its subject at most.
const SUBJECT_MAX: usize = 80;

/// Which tool wrote the transcript.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalFormat {
    ClaudeCode,
    Codex,
    CopilotCli,
    GeminiCli,
}

/// Every event the transcript tail holds, oldest first.
pub fn parse_local(format: LocalFormat, body: &str) -> Vec<Event> {
    let mut events = Events::default();
    let lines = body
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok());
    match format {
        LocalFormat::ClaudeCode => lines.for_each(|l| claude::line(&mut events, &l)),
        LocalFormat::Codex => lines.for_each(|l| codex::line(&mut events, &l)),
        LocalFormat::CopilotCli => lines.for_each(|l| copilot_cli::line(&mut events, &l)),
        LocalFormat::GeminiCli => {
            let records: Vec<Value> = lines.collect();
            gemini::records(&mut events, &records);
        }
    }
    events.list
}

/// The events being built, with tool calls waiting for their results.
#[derive(Default)]
struct Events {
    list: Vec<Event>,
    users: usize,
}

impl Events {
    fn push(&mut self, kind: EventKind, title: String, body: &str, at: Option<DateTime<Utc>>) {
        let seq = self.list.len() as u64 + 1;
        self.list.push(Event {
            seq,
            kind,
            title: redact(&title).into_owned(),
            body: redact(body).into_owned(),
            at,
            tool: None,
            agent: None,
            user: None,
        });
    }

    fn message(&mut self, text: &str, at: Option<DateTime<Utc>>) {
        if !text.trim().is_empty() {
            self.push(EventKind::Message, "Message".into(), text, at);
        }
    }

    fn user(&mut self, text: &str, at: Option<DateTime<Utc>>) {
        if text.trim().is_empty() {
            return;
        }
        let which = if self.users == 0 {
            UserMessage::Prompt
        } else {
            UserMessage::FollowUp
        };
        self.users += 1;
        let title = match which {
            UserMessage::Prompt => "Prompt",
            UserMessage::FollowUp => "Follow-up",
        };
        self.push(EventKind::Message, title.into(), text, at);
        if let Some(event) = self.list.last_mut() {
            event.user = Some(which);
        }
    }

    fn thinking(&mut self, text: &str, at: Option<DateTime<Utc>>) {
        let title = if text.trim().is_empty() {
            "Thought (hidden)"
        } else {
            "Thought"
        };
        self.push(EventKind::Thinking, title.into(), text, at);
    }

    /// A tool call; its output arrives later through [`Events::tool_result`].
    fn tool(&mut self, id: Option<&str>, name: &str, input: Value, at: Option<DateTime<Utc>>) {
        let title = tool_title(name, &input);
        let shell = shell_command(&input);
        self.push(EventKind::Tool, title, "", at);
        if let Some(event) = self.list.last_mut() {
            event.body = shell
                .map(|c| format!("$ {}", redact(&c)))
                .unwrap_or_default();
            event.tool = Some(ToolCall {
                id: id.map(|i| redact(i).into_owned()),
                name: redact(name).into_owned(),
                input: ToolInput::Json(redact_json(input)),
                output: None,
            });
        }
    }

    fn tool_result(&mut self, id: &str, output: &str, at: Option<DateTime<Utc>>) {
        let id = redact(id);
        let Some(event) = self.list.iter_mut().rev().find(|e| {
            e.tool
                .as_ref()
                .is_some_and(|t| t.id.as_deref() == Some(&id) && t.output.is_none())
        }) else {
            return;
        };
        let output = redact(cut(output, OUTPUT_MAX)).into_owned();
        if !event.body.is_empty() {
            event.body.push('\n');
        }
        event.body.push_str(&output);
        if let Some(tool) = event.tool.as_mut() {
            tool.output = Some(output);
        }
        event.at = at.or(event.at);
    }
}

fn redact_json(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(redact(&s).into_owned()),
        Value::Array(items) => Value::Array(items.into_iter().map(redact_json).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, redact_json(v))).collect())
        }
        other => other,
    }
}

fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn shell_command(input: &Value) -> Option<String> {
    let field = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_owned);
    field("command").or_else(|| field("cmd"))
}

/// "Bash: Run the tests", "Edit: src/config.rs", "read_file".
fn tool_title(name: &str, input: &Value) -> String {
    let subject = [
        "description",
        "file_path",
        "path",
        "absolute_path",
        "pattern",
        "command",
        "cmd",
        "url",
    ]
    .iter()
    .find_map(|k| input.get(*k).and_then(Value::as_str))
    .map(|s| s.lines().next().unwrap_or_default().to_owned());
    match subject.filter(|s| !s.is_empty()) {
        Some(subject) => {
            let short: String = subject.chars().take(SUBJECT_MAX).collect();
            format!("{name}: {short}")
        }
        None => name.to_owned(),
    }
}

fn at_of(value: &Value) -> Option<DateTime<Utc>> {
    crate::local::reading::parse_time(value.get("timestamp").and_then(Value::as_str))
}

/// The text of a content value: a string, or the `text` of its parts.
fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str).or_else(|| p.as_str()))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> String {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/local-agents")
                .join(path),
        )
        .unwrap()
    }

    #[test]
    fn claude_lines_become_prompt_thinking_tools_with_results_and_messages() {
        let events = parse_local(
            LocalFormat::ClaudeCode,
            &fixture(
                "claude-code/projects/-home-dev-src-acme-api/3f1c9a2e-5b7d-4e21-9c0a-6d2f8b1e4a70.jsonl",
            ),
        );
        let kinds: Vec<(&str, &str)> = events
            .iter()
            .map(|e| (e.kind.as_str(), e.title.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("message", "Prompt"),
                ("thinking", "Thought (hidden)"),
                ("tool", "Read: /home/dev/src/acme-api/src/net/retry.rs"),
                ("message", "Message"),
                ("tool", "Bash: Run the retry tests"),
            ]
        );
        let read = events[2].tool.as_ref().unwrap();
        assert!(read.output.as_deref().unwrap().contains("attempt.min(4)"));
        assert_eq!(
            events[4].tool.as_ref().unwrap().output,
            None,
            "still running"
        );
        assert_eq!(events[4].body, "$ cargo test -p net retry");
    }

    #[test]
    fn every_tool_reads_its_failure_as_an_error_event() {
        for (format, path, text) in [
            (
                LocalFormat::ClaudeCode,
                "claude-code/projects/-home-dev-src-acme-api/e1a75c3b-2f94-4d08-8e6a-0b4c7d9f1e26.jsonl",
                "529 Overloaded",
            ),
            (
                LocalFormat::Codex,
                "codex/sessions/2026/08/22/rollout-2026-08-22T10-40-00-0198d25a-9e01-7a3b-8c4d-5e6f7a8b9c0d.jsonl",
                "interrupted",
            ),
            (
                LocalFormat::CopilotCli,
                "copilot-cli/session-state/f09c2e41-6a7b-4d83-8e1f-2b5c9a0d3e67/events.jsonl",
                "weekly rate limit",
            ),
            (
                LocalFormat::GeminiCli,
                "gemini-cli/tmp/acme-api/chats/session-2026-08-22T08-40-0badf00d.jsonl",
                "exhausted your capacity",
            ),
        ] {
            let events = parse_local(format, &fixture(path));
            assert!(
                events.iter().any(|e| e.kind == EventKind::Error
                    && format!("{} {}", e.title, e.body).contains(text)),
                "{path}: {events:#?}"
            );
            assert!(
                events.iter().any(|e| e.user == Some(UserMessage::Prompt)),
                "{path}"
            );
        }
    }

    #[test]
    fn secrets_in_a_transcript_are_redacted_everywhere() {
        let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        let body = format!(
            "{}\n{}\n",
            serde_json::json!({"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":format!("curl -H 'Authorization: token {token}'")}}]}}),
            serde_json::json!({"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":format!("echo {token}")}]}}),
        );
        let events = parse_local(LocalFormat::ClaudeCode, &body);
        let all = format!("{events:?}");
        assert!(!all.contains(token), "{all}");
        assert_eq!(events.len(), 1);
    }

    #[test]
    fn gemini_keeps_the_last_version_of_each_message() {
        let events = parse_local(
            LocalFormat::GeminiCli,
            &fixture("gemini-cli/tmp/acme-api/chats/session-2026-08-22T06-02-c0ffee11.jsonl"),
        );
        let messages = events.iter().filter(|e| e.title == "Message").count();
        assert_eq!(messages, 1, "{events:#?}");
        assert!(
            events
                .iter()
                .any(|e| e.kind == EventKind::Tool && e.tool.as_ref().unwrap().output.is_some())
        );
    }
}
