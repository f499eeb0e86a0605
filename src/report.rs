//! What `agentbar status` and `agentbar tasks` print: pure formatting of a snapshot and its age.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

use crate::model::{Bucket, Counts, Health, Overview, Snapshot};
use crate::wire::{SCHEMA_VERSION, WireCounts, WireTaskList};

/// A snapshot older than this is called stale by the command line.
pub const STALE_AFTER_SECONDS: u64 = 300;

/// "12 s", "3 min", "5 h", "2 d".
pub fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86_400),
    }
}

/// "2 running · 1 needs you · updated 12 s ago"; "Nothing running · updated …" when idle.
pub fn status_line(counts: &Counts, updated_seconds_ago: Option<i64>) -> String {
    let mut parts = Vec::new();
    if counts.running > 0 {
        parts.push(format!("{} running", counts.running));
    }
    if counts.waiting > 0 {
        parts.push(format!("{} needs you", counts.waiting));
    }
    if counts.failed > 0 {
        parts.push(format!("{} failed", counts.failed));
    }
    if parts.is_empty() {
        parts.push("Nothing running".into());
    }
    match updated_seconds_ago {
        Some(ago) => parts.push(format!("updated {} ago", age(ago))),
        None => parts.push("never updated".into()),
    }
    parts.join(" · ")
}

/// How many seconds ago the snapshot was fetched.
pub fn seconds_since(snapshot: &Snapshot, now: DateTime<Utc>) -> Option<i64> {
    snapshot
        .fetched_at
        .map(|at| now.signed_duration_since(at).num_seconds().max(0))
}

/// `status --json`.
pub fn status_json(snapshot: &Snapshot, source: &str, now: DateTime<Utc>) -> serde_json::Value {
    let ago = seconds_since(snapshot, now);
    json!({
        "schema_version": SCHEMA_VERSION,
        "counts": WireCounts::from(snapshot.counts()),
        "source": source,
        "fetched_at": snapshot.fetched_at,
        "age_seconds": ago,
        "stale": ago.is_none_or(|a| a as u64 > STALE_AFTER_SECONDS),
        "text": status_line(&snapshot.counts(), ago),
    })
}

/// `status --format waybar`: `text` for the bar, `tooltip` in words, `class` for styling.
pub fn status_waybar(snapshot: &Snapshot, now: DateTime<Utc>) -> serde_json::Value {
    let counts = snapshot.counts();
    let text = match (counts.running, counts.waiting) {
        (0, 0) => String::new(),
        (running, 0) => format!("▶ {running}"),
        (0, waiting) => format!("● {waiting}"),
        (running, waiting) => format!("▶ {running} ● {waiting}"),
    };
    let class = if counts.waiting > 0 {
        "waiting"
    } else if counts.running > 0 {
        "running"
    } else {
        "idle"
    };
    json!({
        "text": text,
        "tooltip": status_line(&counts, seconds_since(snapshot, now)),
        "class": class,
    })
}

/// `tasks --json`: the loopback API's list shape, with the health this process can know from a
/// file (the last success is when the snapshot was fetched).
pub fn task_list(snapshot: &Snapshot, now: DateTime<Utc>) -> WireTaskList {
    let mut health = Health::starting();
    health.last_success_at = snapshot.fetched_at;
    health.stale = seconds_since(snapshot, now).is_none_or(|a| a as u64 > STALE_AFTER_SECONDS);
    let overview = Overview {
        snapshot: snapshot.clone(),
        health,
    };
    WireTaskList::from_overview(&overview, now, STALE_AFTER_SECONDS)
}

/// `tasks`: a table, one task per line, in SPEC order.
pub fn task_table(snapshot: &Snapshot, now: DateTime<Utc>) -> String {
    let rows: Vec<[String; 4]> = snapshot
        .tasks
        .iter()
        .map(|t| {
            let mut status = t.state.label().to_owned();
            if t.bucket() == Bucket::Failed
                && let Some(error) = &t.error
            {
                status = format!("{status}: {}", crate::model::clip(&error.message, 40));
            }
            [
                status,
                crate::model::clip(&t.title, 60),
                t.repository.clone().unwrap_or_else(|| "-".into()),
                age(now.signed_duration_since(t.updated_at).num_seconds()),
            ]
        })
        .collect();
    let header = ["STATUS", "TITLE", "REPOSITORY", "UPDATED"].map(String::from);
    aligned(&header, &rows).join("\n")
}

/// The header and rows as lines of left-aligned columns two spaces apart.
fn aligned<const N: usize>(header: &[String; N], rows: &[[String; N]]) -> Vec<String> {
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    std::iter::once(header)
        .chain(rows)
        .map(|row| {
            row.iter()
                .zip(widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        })
        .collect()
}

/// How `agentbar logs` prints one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogStyle {
    /// Time (with the date when not today), kind and title, then the body indented; a
    /// subagent's events indented under its name; ANSI colour when `colour`.
    Readable { colour: bool },
    /// The body only.
    Raw,
    /// One JSON object per line.
    Json,
}

/// Body lines shown per event in the readable style; the rest is summarised.
const BODY_LINES: usize = 12;

/// `HH:MM:SS` in `now`'s time zone, with the date in front when it is not `now`'s day.
fn log_time<Tz: TimeZone<Offset: std::fmt::Display>>(
    at: Option<DateTime<Utc>>,
    now: &DateTime<Tz>,
) -> String {
    match at {
        None => "--:--:--".into(),
        Some(at) => {
            let local = at.with_timezone(&now.timezone());
            if local.date_naive() == now.date_naive() {
                local.format("%H:%M:%S").to_string()
            } else {
                local.format("%Y-%m-%d %H:%M:%S").to_string()
            }
        }
    }
}

/// Whether `line` (a body's first line) only repeats `title`: the title is the line, the line
/// after a prefix such as "Prompt: ", or its shortened form ending in `…`.
fn repeats_title(title: &str, line: &str) -> bool {
    let line = line.trim();
    if line.is_empty() {
        return false;
    }
    let shortened = title.strip_suffix('…');
    let core = shortened.unwrap_or(title);
    let after_prefix = core.split_once(": ").map(|(_, rest)| rest);
    [Some(core), after_prefix]
        .into_iter()
        .flatten()
        .any(|candidate| {
            !candidate.is_empty()
                && (candidate == line || (shortened.is_some() && line.starts_with(candidate)))
        })
}

pub fn log_event<Tz: TimeZone<Offset: std::fmt::Display>>(
    event: &crate::logs::wire::LogEventJson,
    style: LogStyle,
    now: &DateTime<Tz>,
) -> String {
    match style {
        LogStyle::Json => serde_json::to_string(event).unwrap_or_default(),
        LogStyle::Raw => event.body.clone(),
        LogStyle::Readable { colour } => {
            let time = log_time(event.at, now);
            let (code, mark) = match event.kind.as_str() {
                "message" if event.user.is_some() => ("1;34", "›"),
                "tool" => ("36", "▸"),
                "message" => ("1", "●"),
                "thinking" => ("2", "…"),
                "progress" => ("32", "↑"),
                "setup" => ("35", "⚙"),
                "error" => ("31", "✗"),
                _ => ("0", "·"),
            };
            // A subagent's run is indented and its events carry its name.
            let (indent, title) = match &event.agent {
                Some(agent) => (
                    "  ",
                    format!(
                        "[{}] {}",
                        agent.name.as_deref().unwrap_or(&agent.id),
                        event.title
                    ),
                ),
                None => ("", event.title.clone()),
            };
            let head = if colour {
                format!("\x1b[2m{time}\x1b[0m {indent}\x1b[{code}m{mark} {title}\x1b[0m")
            } else {
                format!("{time} {indent}{mark} {title}")
            };
            let mut lines: Vec<&str> = event.body.lines().collect();
            // A message's title is its first line: print it once.
            let first = lines.iter().position(|line| !line.trim().is_empty());
            if let Some(first) = first
                && repeats_title(&event.title, lines[first])
            {
                lines.drain(..=first);
                while lines.first().is_some_and(|line| line.trim().is_empty()) {
                    lines.remove(0);
                }
            }
            let mut out = head;
            for line in lines.iter().take(BODY_LINES) {
                out.push_str("\n    ");
                out.push_str(indent);
                out.push_str(line);
            }
            if lines.len() > BODY_LINES {
                out.push_str(&format!(
                    "\n    {indent}… {} more lines",
                    lines.len() - BODY_LINES
                ));
            }
            out
        }
    }
}

/// The line that closes a finished task's (or session's) log: its end state and error, so a
/// failed run never seems to end on its last progress update. `None` while it is not finished.
pub fn log_end<Tz: TimeZone<Offset: std::fmt::Display>>(
    state: &str,
    error: Option<&str>,
    finished_at: Option<DateTime<Utc>>,
    style: LogStyle,
    now: &DateTime<Tz>,
) -> Option<String> {
    let state = crate::model::State::parse(state);
    if !state.is_terminal() {
        return None;
    }
    let (code, mark) = match state.bucket() {
        Bucket::Completed => ("1;32", "✓"),
        Bucket::Failed => ("1;31", "✗"),
        _ => ("1;33", "■"),
    };
    let text = match error.map(str::trim).filter(|e| !e.is_empty()) {
        Some(error) => format!("{}: {error}", state.label()),
        None => state.label().to_owned(),
    };
    match style {
        LogStyle::Json => None,
        LogStyle::Raw => Some(text),
        LogStyle::Readable { colour } => {
            let time = log_time(finished_at, now);
            Some(if colour {
                format!("\x1b[2m{time}\x1b[0m \x1b[{code}m{mark} {text}\x1b[0m")
            } else {
                format!("{time} {mark} {text}")
            })
        }
    }
}

/// `logs ID --sessions`: the task's sessions, numbered from 1 for the first, as `--session N`
/// takes them.
pub fn session_table<Tz: TimeZone<Offset: std::fmt::Display>>(
    newest_first: &[crate::wire::WireSession],
    now: &DateTime<Tz>,
) -> String {
    let count = newest_first.len();
    let rows: Vec<[String; 5]> = newest_first
        .iter()
        .rev()
        .enumerate()
        .map(|(index, session)| {
            let label = crate::model::State::parse(&session.state)
                .label()
                .to_owned();
            let state = match &session.error {
                Some(error) => format!("{label}: {}", crate::model::clip(&error.message, 40)),
                None => label,
            };
            [
                (index + 1).to_string(),
                state,
                log_time(session.created_at, now),
                crate::model::clip(session.name.as_deref().unwrap_or("-"), 50),
                session.id.clone(),
            ]
        })
        .collect();
    let header = ["#", "STATE", "STARTED", "NAME", "SESSION ID"].map(String::from);
    let mut out = aligned(&header, &rows);
    if count == 0 {
        out.push("(no session of this task is known yet)".to_owned());
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskError;
    use crate::model::fixtures::{now, task};

    #[test]
    fn log_events_print_readably_plainly_or_as_json() {
        let event: crate::logs::wire::LogEventJson = serde_json::from_value(serde_json::json!({
            "seq": 3, "kind": "tool", "title": "Bash: list sources",
            "body": (1..=15).map(|n| format!("line {n}")).collect::<Vec<_>>().join("\n"),
            "at": "2026-11-22T10:11:12Z",
            "tool": {"id": "t", "name": "bash", "input": {"command": "ls"}, "output": "x"}
        }))
        .unwrap();
        let today = chrono::DateTime::parse_from_rfc3339("2026-11-22T18:00:00Z").unwrap();
        let plain = log_event(&event, LogStyle::Readable { colour: false }, &today);
        assert!(
            plain.starts_with("10:11:12 ▸ Bash: list sources\n    line 1\n"),
            "{plain}"
        );
        assert!(plain.ends_with("    … 3 more lines"), "{plain}");
        assert!(!plain.contains('\x1b'));
        assert!(
            log_event(&event, LogStyle::Readable { colour: true }, &today).contains("\x1b[36m")
        );
        assert!(log_event(&event, LogStyle::Raw, &today).starts_with("line 1\nline 2"));
        let json: serde_json::Value =
            serde_json::from_str(&log_event(&event, LogStyle::Json, &today)).unwrap();
        assert_eq!(json["seq"], 3);
    }

    fn log_json(value: serde_json::Value) -> crate::logs::wire::LogEventJson {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_message_is_printed_once_not_as_title_and_body() {
        let today = chrono::DateTime::parse_from_rfc3339("2026-11-22T18:00:00Z").unwrap();
        let plain = LogStyle::Readable { colour: false };
        let message = log_json(serde_json::json!({
            "seq": 1, "kind": "message", "title": "Let me look.", "body": "Let me look.",
            "at": "2026-11-22T10:11:12Z"
        }));
        assert_eq!(
            log_event(&message, plain, &today),
            "10:11:12 ● Let me look."
        );
        let long = "word ".repeat(40);
        let shortened = log_json(serde_json::json!({
            "seq": 2, "kind": "message", "title": format!("Prompt: {}…", &long[..80]),
            "body": format!("{long}\n\nSecond paragraph."), "at": null, "user": "prompt"
        }));
        let printed = log_event(&shortened, plain, &today);
        assert_eq!(
            printed,
            format!("--:--:-- › Prompt: {}…\n    Second paragraph.", &long[..80]),
        );
        // A tool's body is not its title.
        let tool = log_json(serde_json::json!({
            "seq": 3, "kind": "tool", "title": "Bash: ls", "body": "Bash: ls\nsrc", "at": null
        }));
        assert_eq!(
            log_event(&tool, plain, &today),
            "--:--:-- ▸ Bash: ls\n    src"
        );
        assert!(!repeats_title("Bash: ls", "$ ls"));
        assert!(!repeats_title("x", ""));
    }

    #[test]
    fn dates_show_when_not_today_and_a_subagent_is_indented_under_its_name() {
        let today = chrono::DateTime::parse_from_rfc3339("2026-11-23T09:00:00+01:00").unwrap();
        let plain = LogStyle::Readable { colour: false };
        let event = log_json(serde_json::json!({
            "seq": 1, "kind": "tool", "title": "View a.rs", "body": "fn a() {}",
            "at": "2026-11-22T22:30:00Z", "agent": {"id": "agent-7", "name": "reviewer"}
        }));
        // 22:30 UTC is 23:30 the day before in UTC+1.
        assert_eq!(
            log_event(&event, plain, &today),
            "2026-11-22 23:30:00   ▸ [reviewer] View a.rs\n      fn a() {}"
        );
        let same_day = log_json(serde_json::json!({
            "seq": 2, "kind": "setup", "title": "Set up", "body": "",
            "at": "2026-11-23T07:00:00Z", "agent": {"id": "agent-7", "name": null}
        }));
        assert_eq!(
            log_event(&same_day, plain, &today),
            "08:00:00   ⚙ [agent-7] Set up"
        );
    }

    #[test]
    fn a_finished_log_ends_on_its_state_and_error() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T18:00:00Z").unwrap();
        let at = Some("2026-11-22T17:00:00Z".parse().unwrap());
        let plain = LogStyle::Readable { colour: false };
        assert_eq!(
            log_end("failed", Some("Tests did not pass"), at, plain, &now).as_deref(),
            Some("17:00:00 ✗ Failed: Tests did not pass")
        );
        assert_eq!(
            log_end("timed_out", None, at, plain, &now).as_deref(),
            Some("17:00:00 ✗ Timed out")
        );
        assert_eq!(
            log_end("completed", Some(" "), at, LogStyle::Raw, &now).as_deref(),
            Some("Ready for review")
        );
        assert!(
            log_end(
                "cancelled",
                None,
                at,
                LogStyle::Readable { colour: true },
                &now
            )
            .unwrap()
            .contains("\x1b[1;33m■ Cancelled")
        );
        assert_eq!(log_end("in_progress", None, at, plain, &now), None);
        assert_eq!(log_end("failed", None, at, LogStyle::Json, &now), None);
    }

    #[test]
    fn sessions_are_listed_first_to_last_with_their_numbers() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T18:00:00Z").unwrap();
        let session =
            |id: &str, state: &str, at: &str, error: Option<&str>| crate::wire::WireSession {
                id: id.into(),
                name: Some(format!("Run {id}")),
                state: state.into(),
                created_at: Some(at.parse().unwrap()),
                updated_at: None,
                completed_at: None,
                prompt: None,
                head_ref: None,
                base_ref: None,
                model: None,
                error: error.map(|m| crate::wire::WireError {
                    code: None,
                    message: m.into(),
                }),
                workflow_run_id: None,
                premium_requests: None,
            };
        let newest_first = [
            session("s2", "in_progress", "2026-11-22T12:00:00Z", None),
            session("s1", "failed", "2026-11-21T12:00:00Z", Some("Build broke")),
        ];
        let table = session_table(&newest_first, &now);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("#  STATE"), "{table}");
        assert!(
            lines[1].starts_with("1  Failed: Build broke  2026-11-21 12:00:00  Run s1  s1"),
            "{table}"
        );
        assert!(lines[2].starts_with("2  Working"), "{table}");
        assert!(
            lines[2].contains("  12:00:00") && lines[2].ends_with("s2"),
            "{table}"
        );
        assert!(session_table(&[], &now).ends_with("(no session of this task is known yet)"));
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age(-3), "0 s");
        assert_eq!(age(12), "12 s");
        assert_eq!(age(185), "3 min");
        assert_eq!(age(7300), "2 h");
        assert_eq!(age(200_000), "2 d");
    }

    #[test]
    fn the_status_line_names_what_matters() {
        let counts = Counts {
            running: 2,
            waiting: 1,
            total: 3,
            ..Counts::default()
        };
        assert_eq!(
            status_line(&counts, Some(12)),
            "2 running · 1 needs you · updated 12 s ago"
        );
        assert_eq!(
            status_line(&Counts::default(), None),
            "Nothing running · never updated"
        );
    }

    #[test]
    fn json_and_waybar_carry_counts_and_freshness() {
        let snapshot = Snapshot::new(
            vec![task("a", "in_progress", 1), task("b", "idle", 2)],
            now() - chrono::TimeDelta::seconds(30),
        );
        let status = status_json(&snapshot, "demo", now());
        assert_eq!(status["counts"]["running"], 1);
        assert_eq!(status["counts"]["waiting"], 1);
        assert_eq!(status["age_seconds"], 30);
        assert_eq!(status["stale"], false);
        let bar = status_waybar(&snapshot, now());
        assert_eq!(bar["text"], "▶ 1 ● 1");
        assert_eq!(bar["class"], "waiting");
    }

    #[test]
    fn the_table_lists_tasks_in_order_with_errors_on_failed_rows() {
        let mut failed = task("f", "failed", 5);
        failed.error = Some(TaskError {
            code: None,
            message: "Tests did not pass".into(),
        });
        let snapshot = Snapshot::new(vec![failed, task("w", "waiting_for_user", 9)], now());
        let table = task_table(&snapshot, now());
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("STATUS"));
        assert!(lines[1].starts_with("Needs you") && lines[1].contains("Task w"));
        assert!(lines[2].contains("Failed: Tests did not pass"));
        assert!(lines[2].ends_with("5 min"));
    }
}
