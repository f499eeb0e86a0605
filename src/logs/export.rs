//! A whole log exported: a readable Markdown transcript (the prompt and follow-ups, the agent's
//! messages, tool calls folded in `<details>` with their results, thinking, progress, errors)
//! or JSON lines (one event per line, the API's event shape). Pure; the events are already
//! redacted by the parser, so nothing here sees unredacted text.

use chrono::{DateTime, SecondsFormat, Utc};

use super::wire::LogEventJson;
use super::{Event, EventKind, ToolInput, UserMessage};

/// What the transcript's heading says about the task.
#[derive(Debug, Clone, Default)]
pub struct Heading<'a> {
    pub title: &'a str,
    pub repository: Option<&'a str>,
    pub state: Option<&'a str>,
    pub url: Option<&'a str>,
    pub session: Option<&'a str>,
}

/// The export formats of `GET /v1/tasks/{id}/logs?format=` and `agentbar logs --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Markdown,
    JsonLines,
}

impl ExportFormat {
    pub fn parse(raw: &str) -> Option<ExportFormat> {
        match raw {
            "markdown" | "md" => Some(ExportFormat::Markdown),
            "jsonl" => Some(ExportFormat::JsonLines),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Markdown => "text/markdown; charset=utf-8",
            ExportFormat::JsonLines => "application/x-ndjson; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Markdown => "md",
            ExportFormat::JsonLines => "jsonl",
        }
    }

    pub fn render(self, heading: &Heading<'_>, events: &[Event]) -> String {
        match self {
            ExportFormat::Markdown => markdown(heading, events),
            ExportFormat::JsonLines => json_lines(events),
        }
    }
}

/// An export's file name for the task `id`: `agentbar-<id>.<extension>`, the id's letters,
/// digits, `-`, `_` and `.` kept and anything else `_`, so no id can name another directory.
pub fn file_name(id: &str, format: ExportFormat) -> String {
    let stem: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("agentbar-{stem}.{}", format.extension())
}

/// One event per line, as the logs route's `events` carry them.
pub fn json_lines(events: &[Event]) -> String {
    let mut out = String::new();
    for event in events {
        // The event shape is plain data: serialising it cannot fail.
        if let Ok(line) = serde_json::to_string(&LogEventJson::from(event)) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// `&`, `<` and `>` escaped, for text inside HTML (`<summary>`).
fn html_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A fenced block that no run of backticks in `text` can close early.
fn fenced(text: &str, language: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!(
        "{fence}{language}\n{}\n{fence}\n",
        text.trim_end_matches('\n')
    )
}

/// Every line of `text` quoted.
fn quoted(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                ">".to_owned()
            } else {
                format!("> {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| format!(" · {}", at.to_rfc3339_opts(SecondsFormat::Secs, true)))
        .unwrap_or_default()
}

/// The call's input as shown: a command for the shell tools, else the arguments.
fn input_text(event: &Event) -> Option<(String, &'static str)> {
    let tool = event.tool.as_ref()?;
    match &tool.input {
        ToolInput::Json(serde_json::Value::Null) => None,
        ToolInput::Json(value) => {
            if let Some(command) = value.get("command").and_then(|c| c.as_str()) {
                return Some((format!("$ {command}"), "sh"));
            }
            serde_json::to_string_pretty(value)
                .ok()
                .map(|text| (text, "json"))
        }
        ToolInput::Raw(raw) => Some((raw.clone(), "text")),
    }
}

/// The readable transcript.
pub fn markdown(heading: &Heading<'_>, events: &[Event]) -> String {
    let mut out = format!("# {}\n\n", heading.title.trim());
    let facts = [
        ("Repository", heading.repository),
        ("State", heading.state),
        ("Session", heading.session),
        ("Link", heading.url),
    ];
    for (name, value) in facts {
        if let Some(value) = value {
            out.push_str(&format!("- {name}: {value}\n"));
        }
    }
    out.push_str(&format!("- Events: {}\n", events.len()));
    for event in events {
        out.push('\n');
        let by = event
            .agent
            .as_ref()
            .map(|a| format!(" ({})", a.name.as_deref().unwrap_or(&a.id)))
            .unwrap_or_default();
        let when = time(event.at);
        match (event.kind, event.user) {
            (EventKind::Message, Some(which)) => {
                let label = match which {
                    UserMessage::Prompt => "Prompt",
                    UserMessage::FollowUp => "Follow-up",
                };
                out.push_str(&format!("## {label}{when}\n\n{}\n", quoted(&event.body)));
            }
            (EventKind::Message, None) => {
                out.push_str(&format!("### Copilot{by}{when}\n\n"));
                let text = if event.body.trim().is_empty() {
                    &event.title
                } else {
                    &event.body
                };
                out.push_str(text.trim_end());
                out.push('\n');
            }
            (EventKind::Thinking, _) => {
                out.push_str(&format!("*Thinking{by}{when}*\n\n"));
                out.push_str(&quoted(if event.body.is_empty() {
                    &event.title
                } else {
                    &event.body
                }));
                out.push('\n');
            }
            (EventKind::Error, _) => {
                out.push_str(&format!("> **Error{by}{when}:** {}\n", event.title));
                if !event.body.is_empty() {
                    out.push_str(">\n");
                    out.push_str(&quoted(&event.body));
                    out.push('\n');
                }
            }
            (EventKind::Tool | EventKind::Progress | EventKind::Setup, _) => {
                out.push_str(&format!(
                    "<details>\n<summary>{}{}{}</summary>\n\n",
                    html_text(&event.title),
                    html_text(&by),
                    when
                ));
                if let Some((input, language)) = input_text(event) {
                    out.push_str(&fenced(&input, language));
                    out.push('\n');
                }
                let result = event
                    .tool
                    .as_ref()
                    .and_then(|t| t.output.as_deref())
                    .filter(|o| !o.trim().is_empty());
                match result {
                    Some(output) => out.push_str(&fenced(output, "text")),
                    None if event.kind == EventKind::Progress && !event.body.is_empty() => {
                        out.push_str(event.body.trim_end());
                        out.push('\n');
                    }
                    None if event.tool.as_ref().is_some_and(|t| t.output.is_none()) => {
                        out.push_str("*(no result recorded)*\n");
                    }
                    None => {}
                }
                out.push_str("\n</details>\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::parse_log;

    #[test]
    fn backticks_in_a_result_cannot_close_its_fence() {
        let block = fenced("a ```` b", "text");
        assert!(block.starts_with("`````text\n"), "{block}");
        assert!(block.ends_with("\n`````\n"));
    }

    #[test]
    fn html_in_a_title_stays_text() {
        assert_eq!(html_text("<b>&"), "&lt;b&gt;&amp;");
    }

    #[test]
    fn json_lines_are_one_event_each() {
        let log = "data: {\"role\":\"user\",\"content\":\"Fix it\"}\n\n";
        let events = parse_log(log);
        let lines = json_lines(&events);
        assert_eq!(lines.lines().count(), events.len());
        let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
        assert_eq!(first["user"], "prompt");
    }
}
