//! What a session's files say, tool-neutral: the facts every adapter accumulates line by line and
//! the state derivation and the task mapping read.

use chrono::{DateTime, TimeZone, Utc};

use super::event::LocalTool;

/// Where the last turn stands, as the transcript tells it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Turn {
    /// Nothing read yet that opens or closes a turn.
    #[default]
    None,
    /// A prompt was sent, the agent is working (or blocked on a prompt the file cannot show).
    Open,
    /// The agent finished its turn normally.
    Closed,
    /// The turn ended in an error.
    Failed,
    /// The user interrupted the turn.
    Aborted,
}

/// Why the agent waits for the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitingKind {
    Permission,
    Question,
    Elicitation,
    Input,
}

impl WaitingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitingKind::Permission => "permission",
            WaitingKind::Question => "question",
            WaitingKind::Elicitation => "elicitation",
            WaitingKind::Input => "input",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub kind: WaitingKind,
    /// "approve Edit", the command to approve; shown only with descriptive titles when it
    /// comes from the user's own content.
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    pub code: String,
    pub message: Option<String>,
}

/// The tool-neutral facts about one session.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    pub session_id: Option<String>,
    pub cwd: Option<String>,
    pub branch: Option<String>,
    /// `owner/name` when the files say it.
    pub repository: Option<String>,
    pub model: Option<String>,
    pub cli_version: Option<String>,
    /// A background or scripted run rather than a conversation.
    pub background: bool,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// When the last turn closed (or the session shut down).
    pub completed_at: Option<DateTime<Utc>>,
    pub turns: u32,
    pub tool_calls: u32,
    pub tokens_total: Option<u64>,
    pub messages: u32,
    pub turn: Turn,
    /// The name of a tool call that has no result yet.
    pub pending_tool: Option<String>,
    /// Waiting that the files themselves record (Copilot's open permission request, a pending
    /// question tool).
    pub waiting: Option<Waiting>,
    pub error: Option<ReadError>,
    /// The session shut down (Copilot's `session.shutdown`): dead whatever the process table says.
    pub shut_down: bool,
    /// The session's own title (custom, AI, summary), best first.
    pub own_title: Option<String>,
    pub first_prompt: Option<String>,
    /// Counts cover only the tail that was read.
    pub history_skipped: bool,
}

impl Reading {
    /// Notes a line's time: the first one is the creation, the latest the last update.
    pub fn saw_time(&mut self, at: Option<DateTime<Utc>>) {
        let Some(at) = at else { return };
        if self.created_at.is_none_or(|c| at < c) {
            self.created_at = Some(at);
        }
        if self.updated_at.is_none_or(|u| at > u) {
            self.updated_at = Some(at);
        }
    }

    pub fn note_first_prompt(&mut self, text: &str) {
        if self.first_prompt.is_none() && !text.trim().is_empty() {
            self.first_prompt = Some(text.trim().to_owned());
        }
    }
}

/// Parses an RFC 3339 time leniently (a bad one is no time, never an error).
pub fn parse_time(raw: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Epoch seconds or milliseconds (told apart by size) as a time.
pub fn epoch_time(raw: i64) -> Option<DateTime<Utc>> {
    if raw > 100_000_000_000 {
        Utc.timestamp_millis_opt(raw).single()
    } else {
        Utc.timestamp_opt(raw, 0).single()
    }
}

/// `owner/name` from a git remote URL (`git@github.com:o/n.git`, `https://host/o/n`).
pub fn repository_from_url(url: &str) -> Option<String> {
    let url = url.trim().trim_end_matches('/');
    let url = url.strip_suffix(".git").unwrap_or(url);
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/')?.1,
        None => url.split_once(':')?.1,
    };
    let mut parts = path.rsplitn(3, '/');
    let name = parts.next()?;
    let owner = parts.next()?;
    (!owner.is_empty() && !name.is_empty()).then(|| format!("{owner}/{name}"))
}

/// Calls (or requests) issued and not answered yet, oldest first, as `(id, what)`.
#[derive(Clone, Debug, Default)]
pub struct Unanswered(Vec<(String, String)>);

impl Unanswered {
    pub fn issue(&mut self, id: String, what: String) {
        self.0.push((id, what));
    }

    pub fn answer(&mut self, id: &str) {
        self.0.retain(|(open, _)| open != id);
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// What the newest open one is (a tool's name, a request's detail).
    pub fn newest(&self) -> Option<&str> {
        self.0.last().map(|(_, what)| what.as_str())
    }
}

/// The parser every tool's transcript goes through.
pub trait Transcript: super::tail::LineSink + Default + Send {
    const TOOL: LocalTool;
    fn reading(&self) -> Reading;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_come_from_ssh_and_https_remotes() {
        for url in [
            "git@github.com:acme/acme-api.git",
            "https://github.com/acme/acme-api",
            "https://github.com/acme/acme-api.git/",
        ] {
            assert_eq!(repository_from_url(url).as_deref(), Some("acme/acme-api"));
        }
        assert_eq!(repository_from_url("not a url"), None);
    }
}
