//! Log lines → events: the state machine that pairs tool calls with their results, words titles
//! and bodies, and redacts every string it takes from the log.
//!
//! Decisions, each pinned by a test below:
//! - A tool call's event is emitted when its result arrives, so events are in completion order
//!   and never change once emitted. Calls still waiting are visible through
//!   `Assembler::pending`.
//! - A chunk that carries a call *and* `content` is complete at once: the content is the output
//!   (real `run_setup` entries and the synthetic sample look like this). If the id was issued
//!   earlier, it is that call's result.
//! - Once paired, an id is free again: a later chunk repeating it is a new call.
//! - A call without an id can never be paired, so it is shown at once, with no output.
//! - A delta with several calls and content: the content is a message, the calls are issued.
//! - A call that never gets its result is emitted, without output, when the log is finished
//!   (`Assembler::flush_pending`: the task reached a terminal state, or a one-shot parse).
//! - A line that is not JSON (or not a chunk) becomes an `error` event and is counted; parsing
//!   goes on with the next line. SSE fields (`event:`, `id:`, `retry:`, `: comment`) are ignored.
//! - Empty assistant messages (the empty final `stop` of some logs) produce no event.
//! - A plain `{"role": "user"}` line is a `message` marked as the user's: the first one the
//!   prompt, later ones follow-ups. One that carries `agentId` is the main agent's instructions
//!   to a subagent: a message of that subagent, not marked as the user's.
//! - A plain `{"role": "tool", "tool_call_id"}` line is the result of the issued call with that
//!   id; with no such call waiting it is shown on its own as a tool result.
//! - `agentId` on any entry puts its events in that subagent's run (`Event::agent`); the
//!   "▶️ Begin subagent: NAME" setup step names it for the events that follow.
//! - A line holding a bare JSON entry (no `data:` prefix) is read like a `data:` line.
//! - Runner path prefixes are stripped from every title and body; tool input and output keep
//!   them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::chunk::{ChunkDto, ToolCallDto, content_text, created_at, id_text};
use super::redact::{redact, redact_json, redact_owned};
use super::title::{Args, message_title, shorten, strip_runner_paths, subagent_marker, tool_title};
use super::{Agent, Event, EventKind, ToolCall, ToolInput, UserMessage};

/// How much of an unreadable line an `error` event quotes.
const EXCERPT_CHARS: usize = 300;

/// A tool call issued and not yet answered.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingTool {
    pub id: String,
    pub name: String,
    /// The title its event will have.
    pub title: String,
    pub input: ToolInput,
    pub issued_at: Option<DateTime<Utc>>,
    /// The subagent that issued it, if any.
    pub agent: Option<Agent>,
}

/// Turns log lines into events, one line at a time.
#[derive(Debug)]
pub(crate) struct Assembler {
    next_seq: u64,
    /// Issued calls by id, with the order they were issued in.
    pending: HashMap<String, (u64, PendingTool)>,
    issued: u64,
    pub(crate) saw_stop: bool,
    pub(crate) saw_summary: bool,
    /// The last line read ended the log: the PR summary `stop` chunk or `data: [DONE]`. Cleared
    /// by any later line that shows something, so an end marker in the middle of a log (or of a benchmark's
    /// concatenation of logs) does not end it.
    pub(crate) ended: bool,
    /// Set while reading a chunk that carries the PR summary.
    summary_in_chunk: bool,
    pub(crate) chunks: usize,
    pub(crate) malformed: usize,
    /// The subagent of the entry being read.
    agent: Option<Agent>,
    /// Subagent names by (redacted) `agentId`, from their "Begin subagent" steps.
    agent_names: HashMap<String, String>,
    /// The user's messages read so far (the first is the prompt).
    user_messages: usize,
}

impl Assembler {
    /// An assembler whose first event gets `first_seq`.
    pub(crate) fn new(first_seq: u64) -> Assembler {
        Assembler {
            next_seq: first_seq,
            pending: HashMap::new(),
            issued: 0,
            saw_stop: false,
            saw_summary: false,
            ended: false,
            summary_in_chunk: false,
            chunks: 0,
            malformed: 0,
            agent: None,
            agent_names: HashMap::new(),
            user_messages: 0,
        }
    }

    /// The seq the next event will get.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Calls issued and not yet answered, in the order they were issued.
    pub(crate) fn pending(&self) -> Vec<&PendingTool> {
        let mut pending: Vec<&(u64, PendingTool)> = self.pending.values().collect();
        pending.sort_by_key(|(order, _)| *order);
        pending.into_iter().map(|(_, call)| call).collect()
    }

    /// Handles one line (without its `\n`).
    pub(crate) fn line(&mut self, raw: &str, out: &mut Vec<Event>) {
        self.agent = None;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            return;
        }
        let Some(data) = line
            .strip_prefix("data:")
            .or_else(|| line.trim_start().starts_with('{').then_some(line))
        else {
            if !is_sse_field(line) {
                self.ended = false;
                self.unreadable("Unreadable log line", None, line, out);
            }
            return;
        };
        let data = data.strip_prefix(' ').unwrap_or(data).trim_end();
        if data == "[DONE]" {
            self.ended = true;
            return;
        }
        match serde_json::from_str::<ChunkDto>(data) {
            Ok(chunk) => {
                self.chunks += 1;
                self.summary_in_chunk = false;
                let before = out.len();
                self.chunk(chunk, out);
                // A chunk that shows nothing (an empty closing `stop`) does not undo an end.
                self.ended = self.summary_in_chunk || (self.ended && out.len() == before);
            }
            Err(error) => {
                self.ended = false;
                self.unreadable("Unreadable log entry", Some(&error.to_string()), data, out)
            }
        }
    }

    /// Emits every call still waiting for its result, without output, in issue order; returns
    /// how many there were.
    pub(crate) fn flush_pending(&mut self, out: &mut Vec<Event>) -> usize {
        let mut pending: Vec<(u64, PendingTool)> = self.pending.drain().map(|(_, v)| v).collect();
        pending.sort_by_key(|(order, _)| *order);
        let count = pending.len();
        for (_, call) in pending {
            let at = call.issued_at;
            let event = self.answered(call, None, at);
            out.push(event);
        }
        self.agent = None;
        count
    }

    fn unreadable(&mut self, title: &str, why: Option<&str>, text: &str, out: &mut Vec<Event>) {
        self.malformed += 1;
        // Redact the whole line before cutting it: a cut could hide a secret from the patterns.
        let redacted = redact(text);
        let mut excerpt: String = redacted.chars().take(EXCERPT_CHARS).collect();
        if redacted.chars().nth(EXCERPT_CHARS).is_some() {
            excerpt.push('…');
        }
        let body = match why {
            Some(why) => format!("{why}\n{excerpt}"),
            None => excerpt,
        };
        let event = self.event(EventKind::Error, title.to_owned(), body, None, None);
        out.push(event);
    }

    fn chunk(&mut self, chunk: ChunkDto, out: &mut Vec<Event>) {
        let at = created_at(chunk.created.as_ref());
        self.agent = id_text(chunk.agent_id).map(|id| {
            let id = redact_owned(id);
            let name = self.agent_names.get(&id).cloned();
            Agent { id, name }
        });
        match chunk.role.as_deref() {
            Some("user") => {
                if let Some(text) = content_text(chunk.content).filter(|t| !t.trim().is_empty()) {
                    self.user_message(text, at, out);
                }
            }
            Some("tool") => {
                let id = id_text(chunk.tool_call_id).map(redact_owned);
                let output = content_text(chunk.content).unwrap_or_default();
                self.tool_result(id, redact_owned(output), at, out);
            }
            Some("assistant") if chunk.choices.is_none() => {
                if let Some(text) = content_text(chunk.content).filter(|t| !t.trim().is_empty()) {
                    self.message(text, false, at, out);
                }
            }
            _ => {}
        }
        if let Some(error) = chunk.error.filter(|e| !e.is_null()) {
            let message = match &error {
                Value::String(s) => s.clone(),
                other => other
                    .get("message")
                    .and_then(Value::as_str)
                    .map_or_else(|| other.to_string(), str::to_owned),
            };
            let event = self.event(
                EventKind::Error,
                "Upstream error".to_owned(),
                redact_owned(message),
                at,
                None,
            );
            out.push(event);
        }
        for choice in chunk.choices.unwrap_or_default() {
            let stop = choice.finish_reason.as_deref() == Some("stop");
            let delta = choice.delta.or(choice.message).unwrap_or_default();
            if let Some(reasoning) = delta.reasoning_text.filter(|r| !r.trim().is_empty()) {
                let body = redact_owned(reasoning);
                let event = self.event(EventKind::Thinking, "Reasoning".to_owned(), body, at, None);
                out.push(event);
            }
            let mut calls = delta.tool_calls.unwrap_or_default();
            let content = delta.content;
            if calls.len() == 1 {
                if let Some(call) = calls.pop() {
                    self.call(call, content, at, out);
                }
            } else {
                if let Some(text) = content.filter(|c| !c.trim().is_empty()) {
                    self.message(text, stop, at, out);
                }
                for call in calls {
                    self.call(call, None, at, out);
                }
            }
            if stop {
                self.saw_stop = true;
            }
        }
    }

    fn message(
        &mut self,
        text: String,
        stop: bool,
        at: Option<DateTime<Utc>>,
        out: &mut Vec<Event>,
    ) {
        let text = redact_owned(text);
        let event = match pr_summary(&text) {
            Some((title, description)) => {
                if stop {
                    self.saw_summary = true;
                    self.summary_in_chunk = true;
                }
                let title = shorten(&format!("Pull request: {title}"));
                self.event(EventKind::Message, title, description, at, None)
            }
            None => self.event(EventKind::Message, message_title(&text), text, at, None),
        };
        out.push(event);
    }

    /// A `role: user` line: the user's prompt or follow-up, or (with `agentId`) a subagent's
    /// instructions.
    fn user_message(&mut self, text: String, at: Option<DateTime<Utc>>, out: &mut Vec<Event>) {
        let text = redact_owned(text);
        let line = message_title(&text);
        let (title, user) = if self.agent.is_some() {
            (format!("Subagent prompt: {line}"), None)
        } else {
            self.user_messages += 1;
            if self.user_messages == 1 {
                (format!("Prompt: {line}"), Some(UserMessage::Prompt))
            } else {
                (format!("Follow-up: {line}"), Some(UserMessage::FollowUp))
            }
        };
        let mut event = self.event(EventKind::Message, shorten(&title), text, at, None);
        event.user = user;
        out.push(event);
    }

    /// A `role: tool` line: the result of the waiting call with its id, or a result on its own.
    fn tool_result(
        &mut self,
        id: Option<String>,
        output: String,
        at: Option<DateTime<Utc>>,
        out: &mut Vec<Event>,
    ) {
        let issued = id.as_ref().and_then(|id| self.pending.remove(id));
        let event = match issued {
            Some((_, issued)) => self.answered(issued, Some(output), at),
            None => {
                let agent = self.agent.clone();
                self.tool_event(
                    id,
                    String::new(),
                    ToolInput::Json(Value::Null),
                    Some(output),
                    at,
                    agent,
                )
            }
        };
        out.push(event);
    }

    fn call(
        &mut self,
        call: ToolCallDto,
        content: Option<String>,
        at: Option<DateTime<Utc>>,
        out: &mut Vec<Event>,
    ) {
        let function = call.function.unwrap_or_default();
        let name = redact_owned(function.name.unwrap_or_default());
        let id = call.id.filter(|id| !id.is_empty()).map(redact_owned);
        let output = content.map(redact_owned);
        match (id, output) {
            (Some(id), Some(output)) => {
                let event = match self.pending.remove(&id) {
                    Some((_, issued)) => self.answered(issued, Some(output), at),
                    None => {
                        let input = tool_input(function.arguments);
                        let agent = self.agent.clone();
                        self.tool_event(Some(id), name, input, Some(output), at, agent)
                    }
                };
                out.push(event);
            }
            (Some(id), None) => {
                // A repeated issue of a call still waiting keeps the first one.
                if !self.pending.contains_key(&id) {
                    let input = tool_input(function.arguments);
                    let title = tool_title(&name, &args_of(&input));
                    self.issued += 1;
                    let pending = PendingTool {
                        id: id.clone(),
                        name,
                        title,
                        input,
                        issued_at: at,
                        agent: self.agent.clone(),
                    };
                    self.pending.insert(id, (self.issued, pending));
                }
            }
            (None, output) => {
                let input = tool_input(function.arguments);
                let agent = self.agent.clone();
                let event = self.tool_event(None, name, input, output, at, agent);
                out.push(event);
            }
        }
    }

    /// The event of an issued call, now answered with `output` (or closed without one).
    fn answered(
        &mut self,
        call: PendingTool,
        output: Option<String>,
        at: Option<DateTime<Utc>>,
    ) -> Event {
        self.tool_event(Some(call.id), call.name, call.input, output, at, call.agent)
    }

    fn tool_event(
        &mut self,
        id: Option<String>,
        name: String,
        input: ToolInput,
        output: Option<String>,
        at: Option<DateTime<Utc>>,
        mut agent: Option<Agent>,
    ) -> Event {
        let args = args_of(&input);
        let title = tool_title(&name, &args);
        let kind = match name.as_str() {
            "think" => EventKind::Thinking,
            "report_progress" => EventKind::Progress,
            "run_setup" | "run_custom_setup_step" => EventKind::Setup,
            _ => EventKind::Tool,
        };
        if kind == EventKind::Setup
            && let Some(agent) = agent.as_mut()
            && let Some(step) = args.text("name")
            && let Some(subagent) = subagent_marker(&step).filter(|n| !n.is_empty())
        {
            agent.name = Some(subagent.to_owned());
            self.agent_names
                .insert(agent.id.clone(), subagent.to_owned());
        }
        let main = match kind {
            EventKind::Thinking => args.text("thought").or_else(|| output.clone()),
            EventKind::Progress => args
                .text("prDescription")
                .filter(|d| !d.trim().is_empty())
                .or_else(|| output.clone()),
            _ if name == "bash" || name == "powershell" => {
                let command = args.text("command").map(|c| format!("$ {c}"));
                match (command, &output) {
                    (Some(command), Some(output)) => Some(format!("{command}\n{output}")),
                    (command, output) => command.or_else(|| output.clone()),
                }
            }
            _ => output.clone(),
        };
        let main = main.unwrap_or_default();
        let body = match &input {
            ToolInput::Raw(raw) if main.is_empty() => format!("Arguments (not valid JSON): {raw}"),
            ToolInput::Raw(raw) => format!("Arguments (not valid JSON): {raw}\n\n{main}"),
            ToolInput::Json(_) => main,
        };
        let tool = ToolCall {
            id,
            name,
            input,
            output,
        };
        let mut event = self.event(kind, title, body, at, Some(tool));
        event.agent = agent;
        event
    }

    fn event(
        &mut self,
        kind: EventKind,
        title: String,
        body: String,
        at: Option<DateTime<Utc>>,
        tool: Option<ToolCall>,
    ) -> Event {
        let seq = self.next_seq;
        self.next_seq += 1;
        Event {
            seq,
            kind,
            title: without_runner_paths(title),
            body: without_runner_paths(body),
            at,
            tool,
            agent: self.agent.clone(),
            user: None,
        }
    }
}

/// `text` with runner path prefixes stripped, reusing it when there are none.
fn without_runner_paths(text: String) -> String {
    match strip_runner_paths(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(stripped) => stripped,
    }
}

fn is_sse_field(line: &str) -> bool {
    line.starts_with(':')
        || line.starts_with("event:")
        || line.starts_with("id:")
        || line.starts_with("retry:")
}

/// The arguments as the format gives them (a JSON document in a string), parsed and redacted;
/// raw text when they are not valid JSON.
fn tool_input(arguments: Option<Value>) -> ToolInput {
    match arguments {
        None | Some(Value::Null) => ToolInput::Json(Value::Null),
        Some(Value::String(text)) if text.trim().is_empty() => ToolInput::Json(Value::Null),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
            Ok(mut value) => {
                redact_json(&mut value);
                ToolInput::Json(value)
            }
            Err(_) => ToolInput::Raw(redact_owned(text)),
        },
        Some(mut value) => {
            redact_json(&mut value);
            ToolInput::Json(value)
        }
    }
}

fn args_of(input: &ToolInput) -> Args<'_> {
    match input {
        ToolInput::Json(value) => Args::Json(value),
        ToolInput::Raw(raw) => Args::Raw(raw),
    }
}

/// `<pr_title>…</pr_title>` and `<pr_description>…</pr_description>` of the closing message.
fn pr_summary(text: &str) -> Option<(String, String)> {
    let title = between(text, "<pr_title>", "</pr_title>")?.trim();
    let title = strip_runner_paths(title).into_owned();
    let description = between(text, "<pr_description>", "</pr_description>")
        .unwrap_or("")
        .trim()
        .to_owned();
    Some((title, description))
}

/// The text after `open` up to `close`, or to the end when `close` is missing.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let rest = &text[start..];
    Some(rest.find(close).map_or(rest, |end| &rest[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&str]) -> (Vec<Event>, Assembler) {
        let mut assembler = Assembler::new(1);
        let mut out = Vec::new();
        for line in lines {
            assembler.line(line, &mut out);
        }
        assembler.flush_pending(&mut out);
        (out, assembler)
    }

    fn summary(events: &[Event]) -> Vec<(EventKind, &str)> {
        events.iter().map(|e| (e.kind, e.title.as_str())).collect()
    }

    const ISSUE_VIEW: &str = r#"data: {"choices":[{"delta":{"role":"assistant","content":"Let me look."},"finish_reason":"tool_calls"},{"delta":{"role":"assistant","tool_calls":[{"function":{"arguments":"{\"path\":\"/home/runner/work/foo/foo/src\"}","name":"view"},"id":"t1","type":"function","index":0}]},"finish_reason":"tool_calls"}],"created":1757413049}"#;
    const RESULT_VIEW: &str = r#"data: {"choices":[{"finish_reason":"tool_calls","delta":{"tool_calls":[{"function":{"arguments":"{\"path\":\"/home/runner/work/foo/foo/src\"}","name":"view"},"id":"t1","type":"function","index":0}],"content":"main.rs\nlib.rs"}}],"created":1757413052}"#;

    #[test]
    fn an_issued_call_and_its_result_become_one_tool_event() {
        let (events, assembler) = run(&[ISSUE_VIEW, "", RESULT_VIEW]);
        assert_eq!(
            summary(&events),
            vec![
                (EventKind::Message, "Let me look."),
                (EventKind::Tool, "View src")
            ]
        );
        let tool = events[1].tool.as_ref().unwrap();
        assert_eq!(tool.output.as_deref(), Some("main.rs\nlib.rs"));
        assert_eq!(tool.id.as_deref(), Some("t1"));
        assert_eq!(events[1].body, "main.rs\nlib.rs");
        // The event is dated by its result.
        assert_eq!(events[1].at.unwrap().timestamp(), 1757413052);
        assert_eq!((events[0].seq, events[1].seq), (1, 2));
        assert!(assembler.pending.is_empty());
    }

    #[test]
    fn a_call_waits_until_its_result_and_is_flushed_without_output() {
        let mut assembler = Assembler::new(1);
        let mut out = Vec::new();
        assembler.line(ISSUE_VIEW, &mut out);
        assert_eq!(out.len(), 1, "only the message so far");
        let pending = assembler.pending();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].title, "View src");
        assembler.flush_pending(&mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].tool.as_ref().unwrap().output, None);
        assert_eq!(out[1].at.unwrap().timestamp(), 1757413049);
    }

    #[test]
    fn call_and_content_in_one_chunk_is_complete_and_an_id_can_be_reused() {
        let setup = r#"data: {"choices":[{"delta":{"content":"MCP server started","role":"assistant","tool_calls":[{"function":{"name":"run_setup","arguments":"{\"name\":\"Start 'playwright' MCP server\"}"},"index":0,"id":"s1"}]},"finish_reason":"tool_calls"}],"created":1757413024352}"#;
        let (events, _) = run(&[setup, setup]);
        assert_eq!(
            summary(&events),
            vec![
                (EventKind::Setup, "Set up: Start 'playwright' MCP server"),
                (EventKind::Setup, "Set up: Start 'playwright' MCP server")
            ]
        );
        assert_eq!(events[0].body, "MCP server started");
        assert_eq!(events[0].at.unwrap().timestamp_millis(), 1757413024352);
    }

    #[test]
    fn a_call_without_an_id_is_shown_at_once() {
        let line = r#"data: {"choices":[{"delta":{"tool_calls":[{"function":{"name":"view","arguments":"{bad json"}}]}}]}"#;
        let (events, _) = run(&[line]);
        assert_eq!(summary(&events), vec![(EventKind::Tool, "View")]);
        let tool = events[0].tool.as_ref().unwrap();
        assert_eq!(tool.input, ToolInput::Raw("{bad json".to_owned()));
        assert_eq!(tool.output, None);
        assert_eq!(events[0].body, "Arguments (not valid JSON): {bad json");
    }

    #[test]
    fn broken_lines_become_error_events_and_parsing_goes_on() {
        let (events, assembler) = run(&[
            "data: {\"choices\": [",
            "garbage without prefix ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            ": an SSE comment",
            "event: message",
            r#"data: {"choices":[{"delta":{"content":"Still here"}}]}"#,
            "data: [DONE]",
        ]);
        assert_eq!(
            summary(&events),
            vec![
                (EventKind::Error, "Unreadable log entry"),
                (EventKind::Error, "Unreadable log line"),
                (EventKind::Message, "Still here"),
            ]
        );
        assert!(events[1].body.contains("[redacted: github token]"));
        assert!(!events[1].body.contains("ghp_abc"));
        assert_eq!(assembler.malformed, 2);
        assert!(assembler.ended);
    }

    #[test]
    fn reasoning_thought_progress_and_the_pr_summary() {
        let (events, assembler) = run(&[
            r#"data: {"choices":[{"delta":{"content":"","reasoning_text":"Hmm, a bucket."},"finish_reason":null}]}"#,
            r#"data: {"choices":[{"delta":{"content":"x","tool_calls":[{"function":{"name":"think","arguments":"{\"thought\":\"Plan it.\"}"},"id":"a"}]}}]}"#,
            r#"data: {"choices":[{"delta":{"content":"$ git push","tool_calls":[{"function":{"name":"report_progress","arguments":"{\"commitMessage\":\"Add X\",\"prDescription\":\"- [x] X\"}"},"id":"b"}]}}]}"#,
            r#"data: {"choices":[{"delta":{"content":"All done."},"finish_reason":"stop"}]}"#,
            r#"data: {"choices":[{"delta":{"content":"<pr_title>\nAdd X\n</pr_title>\n\n<pr_description>\nIt adds X.\n</pr_description>"},"finish_reason":"stop"}]}"#,
            r#"data: {"choices":[{"delta":{"content":"","tool_calls":[]},"finish_reason":"stop"}]}"#,
        ]);
        assert_eq!(
            summary(&events),
            vec![
                (EventKind::Thinking, "Reasoning"),
                (EventKind::Thinking, "Thought"),
                (EventKind::Progress, "Progress update: Add X"),
                (EventKind::Message, "All done."),
                (EventKind::Message, "Pull request: Add X"),
            ]
        );
        assert_eq!(events[1].body, "Plan it.");
        assert_eq!(events[2].body, "- [x] X");
        assert_eq!(events[4].body, "It adds X.");
        assert!(assembler.saw_stop && assembler.saw_summary);
        // The empty stop after the summary shows nothing: the log still ends with the summary.
        assert!(assembler.ended);
    }

    #[test]
    fn bash_bodies_show_the_command_and_secrets_are_gone_everywhere() {
        let line = r#"data: {"choices":[{"delta":{"content":"GITHUB_TOKEN=ghp_SimulatedFakeToken0123456789abcdefAB","tool_calls":[{"function":{"name":"bash","arguments":"{\"command\":\"curl -H 'Authorization: Bearer s3cr3tvalue' https://u:pw@x.io\",\"description\":\"Call with AKIAIOSFODNN7EXAMPLE\"}"},"id":"c"}]}}]}"#;
        let (events, _) = run(&[line]);
        let event = &events[0];
        assert_eq!(event.title, "Bash: Call with [redacted: aws access key]");
        assert_eq!(
            event.body,
            "$ curl -H 'Authorization: Bearer [redacted: bearer token]' https://u:[redacted: password]@x.io\nGITHUB_TOKEN=[redacted: github token]"
        );
        let debug = format!("{event:?}");
        for secret in ["ghp_Sim", "s3cr3tvalue", ":pw@", "AKIAIOSF"] {
            assert!(!debug.contains(secret), "{secret} leaked: {debug}");
        }
    }

    /// Every pattern, placed in a message, in reasoning, in tool arguments (valid and malformed)
    /// and in tool output: the value is gone from every event and the marker names it.
    #[test]
    fn every_secret_pattern_is_redacted_wherever_it_appears() {
        let cases: [(&str, &str, &str); 12] = [
            (
                "ghp_0123456789abcdefghijABCDEFGHIJ012345",
                "ghp_0123456789",
                "github token",
            ),
            (
                "gho_0123456789abcdefghijABCDEFGHIJ012345",
                "gho_0123456789",
                "github token",
            ),
            (
                "ghu_0123456789abcdefghijABCDEFGHIJ012345",
                "ghu_0123456789",
                "github token",
            ),
            (
                "ghs_0123456789abcdefghijABCDEFGHIJ012345",
                "ghs_0123456789",
                "github token",
            ),
            (
                "ghr_0123456789abcdefghijABCDEFGHIJ012345",
                "ghr_0123456789",
                "github token",
            ),
            (
                "github_pat_11AAAAAAA0123456789_abcdefghijklmnop",
                "github_pat_11A",
                "github token",
            ),
            (
                "Authorization: Bearer zzSecretBearer123",
                "zzSecretBearer",
                "bearer token",
            ),
            ("key AKIAZZZZZZZZZZZZZZZZ", "AKIAZZZZ", "aws access key"),
            (
                "aws_secret_access_key=zzAwsSecret0123456789abcdefghij",
                "zzAwsSecret",
                "aws secret key",
            ),
            (
                "-----BEGIN EC PRIVATE KEY-----\\nzzPrivateKeyBody\\n-----END EC PRIVATE KEY-----",
                "zzPrivateKeyBody",
                "private key",
            ),
            (
                "https://bot:zzUrlPassword@example.com",
                "zzUrlPassword",
                "password",
            ),
            (
                "DEPLOY_TOKEN=zzDeployToken SECRET=zzS PASSWORD=zzP",
                "zzDeploy",
                "token",
            ),
        ];
        for (secret, needle, marker) in cases {
            // `secret` is written as JSON string content (newlines escaped).
            let as_json_args = serde_json::to_string(&serde_json::json!({
                "command": format!("echo {secret}"),
                "description": "Show it",
            }))
            .unwrap();
            let args_field = serde_json::to_string(&as_json_args).unwrap();
            let malformed = serde_json::to_string(&format!("{{\"command\": \"{secret}")).unwrap();
            let lines = [
                format!(r#"data: {{"choices":[{{"delta":{{"content":"said {secret}"}}}}]}}"#),
                format!(
                    r#"data: {{"choices":[{{"delta":{{"reasoning_text":"thought {secret}"}}}}]}}"#
                ),
                format!(
                    r#"data: {{"choices":[{{"delta":{{"tool_calls":[{{"id":"a","function":{{"name":"bash","arguments":{args_field}}}}}]}}}}]}}"#
                ),
                format!(
                    r#"data: {{"choices":[{{"delta":{{"content":"out {secret}","tool_calls":[{{"id":"a","function":{{"name":"bash"}}}}]}}}}]}}"#
                ),
                format!(
                    r#"data: {{"choices":[{{"delta":{{"content":"","tool_calls":[{{"id":"b","function":{{"name":"mystery","arguments":{malformed}}}}}]}}}}]}}"#
                ),
                format!(r#"data: {{"broken": "{secret}"#),
            ];
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let (events, _) = run(&lines);
            assert_eq!(events.len(), 5, "{secret}: {events:#?}");
            let all = format!("{events:?}");
            assert!(!all.contains(needle), "{needle} leaked: {all}");
            for event in &events {
                let text = format!("{event:?}");
                assert!(
                    text.contains(&format!("[redacted: {marker}")),
                    "{marker} missing in {text}"
                );
            }
        }
    }

    #[test]
    fn several_calls_with_content_make_a_message_and_issued_calls() {
        let line = r#"data: {"choices":[{"delta":{"content":"Two things.","tool_calls":[{"function":{"name":"view","arguments":"{\"path\":\"a\"}"},"id":"x"},{"function":{"name":"view","arguments":"{\"path\":\"b\"}"},"id":"y"}]}}]}"#;
        let (events, _) = run(&[line]);
        assert_eq!(
            summary(&events),
            vec![
                (EventKind::Message, "Two things."),
                (EventKind::Tool, "View a"),
                (EventKind::Tool, "View b")
            ]
        );
    }

    #[test]
    fn an_upstream_error_object_is_an_error_event() {
        let (events, _) = run(&[r#"data: {"error":{"message":"rate limited"}}"#]);
        assert_eq!(summary(&events), vec![(EventKind::Error, "Upstream error")]);
        assert_eq!(events[0].body, "rate limited");
    }

    #[test]
    fn plain_message_lines_and_opaque_reasoning() {
        let (events, assembler) = run(&[
            // A bare entry (no `data:`), content as parts.
            r#"{"role":"user","content":[{"type":"text","text":"Fix the build"}],"created":"1764495000"}"#,
            r#"data: {"role":"system","content":"You are a coding agent."}"#,
            r#"data: {"choices":[{"delta":{"reasoning_opaque":"gAAAA-opaque"}}]}"#,
            // A result whose call was never seen is shown on its own.
            r#"data: {"role":"tool","tool_call_id":"lost","content":"exit 0"}"#,
            r#"data: {"role":"assistant","content":"Done."}"#,
            r#"data: {"agentId":"a1","role":"user","content":"Check the tests"}"#,
            "not json at all",
            r#"data: {"role":"user","content":"And the docs"}"#,
        ]);
        assert_eq!(
            summary(&events),
            vec![
                (EventKind::Message, "Prompt: Fix the build"),
                (EventKind::Tool, "Tool"),
                (EventKind::Message, "Done."),
                (EventKind::Message, "Subagent prompt: Check the tests"),
                (EventKind::Error, "Unreadable log line"),
                (EventKind::Message, "Follow-up: And the docs"),
            ]
        );
        let users: Vec<_> = events.iter().map(|e| e.user).collect();
        assert_eq!(
            users,
            [
                Some(UserMessage::Prompt),
                None,
                None,
                None,
                None,
                Some(UserMessage::FollowUp)
            ]
        );
        assert_eq!(
            events[1].tool.as_ref().unwrap().output.as_deref(),
            Some("exit 0")
        );
        assert_eq!(events[1].tool.as_ref().unwrap().id.as_deref(), Some("lost"));
        assert_eq!(events[3].agent.as_ref().map(|a| a.id.as_str()), Some("a1"));
        // The subagent's id does not stick to the lines that follow.
        assert_eq!(events[4].agent, None);
        assert_eq!(events[5].agent, None);
        assert_eq!(events[0].at.unwrap().timestamp(), 1764495000);
        assert_eq!(assembler.malformed, 1);
    }

    #[test]
    fn a_subagent_call_keeps_its_agent_when_answered_by_a_plain_line() {
        let (events, _) = run(&[
            r#"data: {"agentId":"a1","choices":[{"delta":{"tool_calls":[{"id":"v","function":{"name":"view","arguments":"{\"path\":\"D:\\\\a\\\\r\\\\r\\\\x.rs\"}"}}]}}]}"#,
            r#"data: {"role":"tool","tool_call_id":"v","content":"fn main() {}"}"#,
        ]);
        assert_eq!(summary(&events), vec![(EventKind::Tool, "View x.rs")]);
        assert_eq!(events[0].agent.as_ref().map(|a| a.id.as_str()), Some("a1"));
        assert_eq!(events[0].body, "fn main() {}");
    }
}
