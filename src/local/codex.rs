//! Codex: rollouts `<CODEX_HOME>/sessions/YYYY/MM/DD/rollout-*-<thread>.jsonl` (never the cold
//! `.jsonl.zst` archives) and the thread names in `session_index.jsonl`, read into a [`Reading`].
//!
//! Approval and input requests are never written to a rollout, so files alone show such a turn as
//! running; only a hook can tell.

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::claude::sniff_field;
use super::event::LocalTool;
use super::reading::{
    ReadError, Reading, Transcript, Turn, Unanswered, epoch_time, parse_time, repository_from_url,
};
use super::tail::{Line, LineSink};

#[derive(Deserialize, Default)]
#[serde(default)]
struct RolloutLine {
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    payload: Payload,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Payload {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
    timestamp: Option<String>,
    cwd: Option<String>,
    cli_version: Option<String>,
    source: Option<Source>,
    git: Option<Git>,
    model: Option<String>,
    message: Option<String>,
    call_id: Option<String>,
    name: Option<String>,
    reason: Option<String>,
    completed_at: Option<i64>,
    info: Option<TokenInfo>,
    // Never materialised: ~20 KB of instructions.
    base_instructions: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Source {
    Named(String),
    Other(IgnoredAny),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Git {
    branch: Option<String>,
    repository_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenInfo {
    total_token_usage: Option<TokenUsage>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenUsage {
    total_tokens: u64,
}

/// A Codex rollout being read.
#[derive(Default)]
pub struct CodexTranscript {
    reading: Reading,
    started_turns: u32,
    user_messages: u32,
    /// Whether the current turn was opened by `task_started` (else a `user_message` opens one).
    explicit_turn: bool,
    pending: Unanswered,
}

impl CodexTranscript {
    fn rollout(&mut self, line: RolloutLine) {
        let at = parse_time(line.timestamp.as_deref());
        let p = line.payload;
        let r = &mut self.reading;
        r.saw_time(at);
        match line.kind.as_str() {
            "session_meta" => {
                r.session_id = p.id.or(r.session_id.take());
                if let Some(created) = parse_time(p.timestamp.as_deref()) {
                    r.created_at = Some(created);
                }
                r.cwd = p.cwd.or(r.cwd.take());
                r.cli_version = p.cli_version;
                if let Some(Source::Named(source)) = p.source {
                    r.background = source == "exec";
                }
                if let Some(git) = p.git {
                    r.branch = git.branch.filter(|b| !b.is_empty());
                    r.repository = git.repository_url.as_deref().and_then(repository_from_url);
                }
            }
            "turn_context" => {
                r.cwd = p.cwd.or(r.cwd.take());
                r.model = p.model.or(r.model.take());
            }
            "event_msg" => self.event(p, at),
            "response_item" => self.item(p),
            _ => {}
        }
    }

    fn event(&mut self, p: Payload, at: Option<chrono::DateTime<chrono::Utc>>) {
        let r = &mut self.reading;
        match p.kind.as_deref() {
            Some("task_started" | "turn_started") => {
                self.started_turns += 1;
                self.explicit_turn = true;
                r.turn = Turn::Open;
                r.error = None;
            }
            Some("user_message") => {
                self.user_messages += 1;
                r.messages += 1;
                r.note_first_prompt(p.message.as_deref().unwrap_or_default());
                if !self.explicit_turn || r.turn != Turn::Open {
                    r.turn = Turn::Open;
                }
            }
            Some("agent_message") => r.messages += 1,
            Some("task_complete" | "turn_complete") => {
                r.turn = Turn::Closed;
                self.explicit_turn = false;
                self.pending.clear();
                r.completed_at = p.completed_at.and_then(epoch_time).or(at);
            }
            Some("turn_aborted") => {
                r.turn = Turn::Aborted;
                self.explicit_turn = false;
                self.pending.clear();
                r.completed_at = p.completed_at.and_then(epoch_time).or(at);
                r.error = Some(ReadError {
                    code: p.reason.unwrap_or_else(|| "interrupted".into()),
                    message: None,
                });
            }
            Some("token_count") => {
                if let Some(total) = p.info.and_then(|i| i.total_token_usage) {
                    r.tokens_total = Some(total.total_tokens);
                }
            }
            _ => {}
        }
    }

    fn item(&mut self, p: Payload) {
        match p.kind.as_deref() {
            Some("function_call" | "custom_tool_call" | "local_shell_call") => {
                self.reading.tool_calls += 1;
                self.pending.issue(
                    p.call_id.unwrap_or_default(),
                    p.name.unwrap_or_else(|| "shell".into()),
                );
            }
            Some("function_call_output" | "custom_tool_call_output") => {
                if let Some(id) = p.call_id {
                    self.pending.answer(&id);
                }
            }
            _ => {}
        }
    }

    /// An oversized line (a huge `session_meta`, a tool output): its start still names it.
    fn sniff(&mut self, prefix: &[u8]) {
        let text = String::from_utf8_lossy(prefix);
        if text.contains("\"type\":\"session_meta\"") {
            let r = &mut self.reading;
            r.session_id = sniff_field(&text, "id").or(r.session_id.take());
            r.cwd = sniff_field(&text, "cwd").or(r.cwd.take());
            r.cli_version = sniff_field(&text, "cli_version").or(r.cli_version.take());
            r.saw_time(parse_time(sniff_field(&text, "timestamp").as_deref()));
        }
    }
}

impl LineSink for CodexTranscript {
    fn line(&mut self, line: Line<'_>) {
        match line {
            Line::Full(bytes) => {
                if let Ok(line) = serde_json::from_slice::<RolloutLine>(bytes) {
                    self.rollout(line);
                }
            }
            Line::Oversized { prefix, .. } => self.sniff(prefix),
        }
    }

    fn reset(&mut self) {
        *self = CodexTranscript::default();
    }
}

impl Transcript for CodexTranscript {
    const TOOL: LocalTool = LocalTool::Codex;

    fn reading(&self) -> Reading {
        let mut r = self.reading.clone();
        r.turns = if self.started_turns > 0 {
            self.started_turns
        } else {
            self.user_messages
        };
        if r.turn == Turn::Open {
            r.pending_tool = self.pending.newest().map(str::to_owned);
        }
        r
    }
}

/// Thread names from `session_index.jsonl`: append-only, the newest line per id wins.
#[derive(Default, Debug)]
pub struct SessionIndex {
    pub names: HashMap<String, String>,
}

#[derive(Deserialize)]
struct IndexLine {
    id: String,
    thread_name: Option<String>,
}

impl LineSink for SessionIndex {
    fn line(&mut self, line: Line<'_>) {
        if let Line::Full(bytes) = line
            && let Ok(entry) = serde_json::from_slice::<IndexLine>(bytes)
            && let Some(name) = entry.thread_name.filter(|n| !n.trim().is_empty())
        {
            self.names.insert(entry.id, name);
        }
    }

    fn reset(&mut self) {
        self.names.clear();
    }
}

/// The thread id in a rollout's file name (`rollout-<local time>-<uuid>.jsonl`): the last five
/// dash-separated groups.
pub fn thread_id_from_name(file_name: &str) -> Option<String> {
    let stem = file_name.strip_suffix(".jsonl")?;
    let stem = stem.strip_prefix("rollout-")?;
    let groups: Vec<&str> = stem.rsplitn(6, '-').collect();
    if groups.len() < 6 {
        return None;
    }
    let mut id: Vec<&str> = groups[..5].to_vec();
    id.reverse();
    Some(id.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_ids_come_from_rollout_names_and_archives_are_not_rollouts() {
        assert_eq!(
            thread_id_from_name(
                "rollout-2026-08-22T09-14-03-0198d1e2-7a3c-7b41-9e25-4c8a1f6d2b90.jsonl"
            )
            .as_deref(),
            Some("0198d1e2-7a3c-7b41-9e25-4c8a1f6d2b90")
        );
        assert_eq!(
            thread_id_from_name(
                "rollout-2026-08-22T09-14-03-0198d1e2-7a3c-7b41-9e25-4c8a1f6d2b90.jsonl.zst"
            ),
            None
        );
    }
}
