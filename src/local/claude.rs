//! Claude Code: transcripts `<root>/projects/<escaped-cwd>/<session>.jsonl` and the live registry
//! `<root>/sessions/<pid>.json`, read into a [`Reading`].

use std::collections::HashMap;

use serde::Deserialize;

use super::event::LocalTool;
use super::reading::{
    ReadError, Reading, Transcript, Turn, Unanswered, Waiting, WaitingKind, parse_time,
};
use super::tail::{Line, LineSink};

const INTERRUPTED: &str = "[Request interrupted by user";
/// Tools that ask the user something rather than act: pending, they mean "waiting for an answer".
const QUESTION_TOOLS: [&str; 2] = ["AskUserQuestion", "ExitPlanMode"];

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Entry {
    #[serde(rename = "type")]
    kind: String,
    subtype: Option<String>,
    timestamp: Option<String>,
    cwd: Option<String>,
    git_branch: Option<String>,
    session_id: Option<String>,
    entrypoint: Option<String>,
    is_sidechain: bool,
    is_meta: bool,
    is_compact_summary: bool,
    is_api_error_message: bool,
    message: Option<Message>,
    custom_title: Option<String>,
    ai_title: Option<String>,
    summary: Option<String>,
    retry_attempt: Option<u32>,
    max_retries: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Message {
    model: Option<String>,
    id: Option<String>,
    content: Content,
    stop_reason: Option<String>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Blocks(Vec<Block>),
}

impl Default for Content {
    fn default() -> Self {
        Content::Blocks(Vec::new())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Block {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
    id: Option<String>,
    name: Option<String>,
    tool_use_id: Option<String>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default)]
struct Usage {
    input_tokens: u64,
    output_tokens: u64,
    cache_creation_input_tokens: u64,
    cache_read_input_tokens: u64,
}

/// A Claude Code transcript being read.
#[derive(Default)]
pub struct ClaudeTranscript {
    reading: Reading,
    /// Tool calls without a result yet, by id, in the order they were made.
    pending: Unanswered,
    seen_tools: std::collections::HashSet<String>,
    /// Usage per API message: every line of one response repeats it.
    usage: HashMap<String, u64>,
    titles: Titles,
}

#[derive(Default)]
struct Titles {
    custom: Option<String>,
    ai: Option<String>,
    summary: Option<String>,
}

impl ClaudeTranscript {
    fn entry(&mut self, e: Entry) {
        match e.kind.as_str() {
            "custom-title" => self.titles.custom = e.custom_title.or(self.titles.custom.take()),
            "ai-title" => self.titles.ai = e.ai_title.or(self.titles.ai.take()),
            "summary" => self.titles.summary = e.summary.or(self.titles.summary.take()),
            "user" | "assistant" | "system" if !e.is_sidechain => self.conversation(e),
            _ => {}
        }
    }

    fn conversation(&mut self, mut e: Entry) {
        let r = &mut self.reading;
        r.saw_time(parse_time(e.timestamp.as_deref()));
        if let Some(id) = e.session_id.take().filter(|s| !s.is_empty()) {
            r.session_id = Some(id);
        }
        if let Some(cwd) = e.cwd.take().filter(|s| !s.is_empty()) {
            r.cwd = Some(cwd);
        }
        if let Some(branch) = e.git_branch.take() {
            r.branch = (!branch.is_empty()).then_some(branch);
        }
        if e.entrypoint.as_deref() == Some("sdk-cli") {
            r.background = true;
        }
        match e.kind.as_str() {
            "user" => self.user(
                e.message.take().unwrap_or_default(),
                e.is_meta || e.is_compact_summary,
            ),
            "assistant" => self.assistant(
                e.message.take().unwrap_or_default(),
                e.is_api_error_message,
                e.timestamp,
            ),
            _ => self.system(&e),
        }
    }

    fn user(&mut self, message: Message, injected: bool) {
        let r = &mut self.reading;
        match message.content {
            Content::Text(text) if text.starts_with(INTERRUPTED) => self.interrupted(),
            Content::Text(text) if !injected => {
                r.turns += 1;
                r.messages += 1;
                r.turn = Turn::Open;
                r.error = None;
                r.note_first_prompt(&text);
            }
            Content::Text(_) => {}
            Content::Blocks(blocks) => {
                for block in blocks {
                    match block.kind.as_str() {
                        "tool_result" => {
                            if let Some(id) = block.tool_use_id {
                                self.pending.answer(&id);
                            }
                        }
                        "text"
                            if block
                                .text
                                .as_deref()
                                .is_some_and(|t| t.starts_with(INTERRUPTED)) =>
                        {
                            self.interrupted();
                        }
                        "text" if !injected => {
                            let r = &mut self.reading;
                            r.turns += 1;
                            r.messages += 1;
                            r.turn = Turn::Open;
                            r.error = None;
                            r.note_first_prompt(block.text.as_deref().unwrap_or_default());
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    fn interrupted(&mut self) {
        self.pending.clear();
        self.reading.turn = Turn::Aborted;
        self.reading.error = Some(ReadError {
            code: "interrupted".into(),
            message: Some("interrupted by the user".into()),
        });
    }

    fn assistant(&mut self, message: Message, api_error: bool, at: Option<String>) {
        let r = &mut self.reading;
        if api_error {
            let text = match &message.content {
                Content::Text(t) => Some(t.clone()),
                Content::Blocks(b) => b.iter().find_map(|b| b.text.clone()),
            };
            r.turn = Turn::Failed;
            r.error = Some(ReadError {
                code: "api_error".into(),
                message: text,
            });
            r.completed_at = parse_time(at.as_deref());
            return;
        }
        if let Some(model) = message.model.filter(|m| !m.starts_with('<')) {
            r.model = Some(model);
        }
        if let (Some(id), Some(u)) = (message.id, message.usage) {
            let total = u.input_tokens
                + u.output_tokens
                + u.cache_creation_input_tokens
                + u.cache_read_input_tokens;
            self.usage.insert(id, total);
            r.tokens_total = Some(self.usage.values().sum());
        }
        r.messages += 1;
        let mut used_tool = false;
        if let Content::Blocks(blocks) = message.content {
            for block in blocks {
                if block.kind == "tool_use" {
                    used_tool = true;
                    let id = block.id.unwrap_or_default();
                    if self.seen_tools.insert(id.clone()) {
                        r.tool_calls += 1;
                    }
                    self.pending.issue(id, block.name.unwrap_or_default());
                }
            }
        }
        if !used_tool && message.stop_reason.as_deref() == Some("end_turn") {
            r.turn = Turn::Closed;
            r.completed_at = parse_time(at.as_deref());
        } else {
            r.turn = Turn::Open;
        }
    }

    fn system(&mut self, e: &Entry) {
        let r = &mut self.reading;
        match e.subtype.as_deref() {
            Some("turn_duration") => {
                r.turn = Turn::Closed;
                r.completed_at = parse_time(e.timestamp.as_deref());
            }
            Some("api_error") => {
                let retries_left = match (e.retry_attempt, e.max_retries) {
                    (Some(attempt), Some(max)) => attempt < max,
                    _ => false,
                };
                if retries_left {
                    r.turn = Turn::Open;
                }
            }
            _ => {}
        }
    }

    /// An oversized line: enough of its start to tell a tool call from a result.
    fn sniff(&mut self, prefix: &[u8]) {
        let text = String::from_utf8_lossy(prefix);
        if text.contains("\"isSidechain\":true") {
            return;
        }
        if text.contains("\"type\":\"assistant\"") && text.contains("\"type\":\"tool_use\"") {
            let name = sniff_field(&text, "name").unwrap_or_default();
            let id = sniff_field(&text, "id").unwrap_or_default();
            self.pending.issue(id, name);
            self.reading.tool_calls += 1;
            self.reading.turn = Turn::Open;
        } else if text.contains("\"type\":\"tool_result\"")
            && let Some(id) = sniff_field(&text, "tool_use_id")
        {
            self.pending.answer(&id);
        }
    }
}

/// The string value of the first `"key":"…"` in a JSON prefix (no escapes needed for ids and names).
pub(crate) fn sniff_field(text: &str, key: &str) -> Option<String> {
    let needle = format!("\"{key}\":\"");
    let start = text.find(&needle)? + needle.len();
    let end = text[start..].find('"')?;
    Some(text[start..start + end].to_owned())
}

impl LineSink for ClaudeTranscript {
    fn line(&mut self, line: Line<'_>) {
        match line {
            Line::Full(bytes) => {
                if let Ok(entry) = serde_json::from_slice::<Entry>(bytes) {
                    self.entry(entry);
                }
            }
            Line::Oversized { prefix, .. } => self.sniff(prefix),
        }
    }

    fn reset(&mut self) {
        *self = ClaudeTranscript::default();
    }
}

impl Transcript for ClaudeTranscript {
    const TOOL: LocalTool = LocalTool::ClaudeCode;

    fn reading(&self) -> Reading {
        let mut r = self.reading.clone();
        r.own_title = self
            .titles
            .custom
            .clone()
            .or_else(|| self.titles.ai.clone())
            .or_else(|| self.titles.summary.clone());
        if r.turn == Turn::Open {
            let newest = self.pending.newest();
            r.pending_tool = newest.map(str::to_owned);
            if let Some(name) = newest.filter(|n| QUESTION_TOOLS.contains(n)) {
                r.waiting = Some(Waiting {
                    kind: WaitingKind::Question,
                    detail: Some(format!("answer {name}")),
                });
            }
        }
        r
    }
}

/// One live registry file, `<root>/sessions/<pid>.json` (undocumented; feature-detected).
#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub struct RegistryEntry {
    pub pid: u32,
    pub session_id: String,
    pub cwd: Option<String>,
    /// Epoch milliseconds.
    pub started_at: Option<i64>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub waiting_for: Option<String>,
}

impl RegistryEntry {
    pub fn parse(bytes: &[u8]) -> Option<RegistryEntry> {
        serde_json::from_slice::<RegistryEntry>(bytes)
            .ok()
            .filter(|e| e.pid > 0 && !e.session_id.is_empty())
    }

    /// What `status`/`waitingFor` say about the turn, when the build writes them.
    pub fn waiting(&self) -> Option<Waiting> {
        if self.status.as_deref() != Some("waiting") {
            return None;
        }
        let detail = self.waiting_for.clone();
        let kind = match detail.as_deref() {
            Some(d) if d.starts_with("approve") => WaitingKind::Permission,
            Some("dialog open") => WaitingKind::Elicitation,
            Some("input needed") => WaitingKind::Input,
            Some(_) => WaitingKind::Permission,
            None => WaitingKind::Input,
        };
        Some(Waiting { kind, detail })
    }
}
