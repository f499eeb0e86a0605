//! What `agentbar status` and `agentbar tasks` print: pure formatting of a snapshot and its age.

use chrono::{DateTime, Utc};
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
    let rows: Vec<[String; 5]> = snapshot
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
                work_of(t),
                age(now.signed_duration_since(t.updated_at).num_seconds()),
            ]
        })
        .collect();
    let header = ["STATUS", "TITLE", "REPOSITORY", "PR / BRANCH", "UPDATED"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    std::iter::once(&header)
        .chain(&rows)
        .map(|row| {
            row.iter()
                .zip(widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where the work is: "#42", or the branch of a task that opened no pull request
/// ("copilot/fix → main"); "-" when neither is known.
pub fn work_of(task: &crate::model::Task) -> String {
    match (&task.pull_request, &task.branch) {
        (Some(pr), _) => format!("#{}", pr.number),
        (None, Some(branch)) => branch_label(branch),
        (None, None) => "-".into(),
    }
}

/// "copilot/fix → main", or the head alone when the base is not known.
pub fn branch_label(branch: &crate::model::Branch) -> String {
    match &branch.base_ref {
        Some(base) => format!("{} → {base}", branch.head_ref),
        None => branch.head_ref.clone(),
    }
}

/// How `agentbar logs` prints one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogStyle {
    /// Time, kind and title, then the body indented; ANSI colour when `colour`.
    Readable { colour: bool },
    /// The body only.
    Raw,
    /// One JSON object per line.
    Json,
}

/// Body lines shown per event in the readable style; the rest is summarised.
const BODY_LINES: usize = 12;

pub fn log_event(event: &crate::logs::wire::LogEventJson, style: LogStyle) -> String {
    match style {
        LogStyle::Json => serde_json::to_string(event).unwrap_or_default(),
        LogStyle::Raw => event.body.clone(),
        LogStyle::Readable { colour } => {
            let time = event
                .at
                .map(|at| at.format("%H:%M:%S").to_string())
                .unwrap_or_else(|| "--:--:--".into());
            let (code, mark) = match event.kind.as_str() {
                "tool" => ("36", "▸"),
                "message" => ("1", "●"),
                "thinking" => ("2", "…"),
                "progress" => ("32", "✓"),
                "setup" => ("35", "⚙"),
                "error" => ("31", "✗"),
                _ => ("0", "·"),
            };
            let head = if colour {
                format!(
                    "\x1b[2m{time}\x1b[0m \x1b[{code}m{mark} {}\x1b[0m",
                    event.title
                )
            } else {
                format!("{time} {mark} {}", event.title)
            };
            let lines: Vec<&str> = event.body.lines().collect();
            let mut out = head;
            for line in lines.iter().take(BODY_LINES) {
                out.push_str("\n    ");
                out.push_str(line);
            }
            if lines.len() > BODY_LINES {
                out.push_str(&format!("\n    … {} more lines", lines.len() - BODY_LINES));
            }
            out
        }
    }
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
        let plain = log_event(&event, LogStyle::Readable { colour: false });
        assert!(
            plain.starts_with("10:11:12 ▸ Bash: list sources\n    line 1\n"),
            "{plain}"
        );
        assert!(plain.ends_with("    … 3 more lines"), "{plain}");
        assert!(!plain.contains('\x1b'));
        assert!(log_event(&event, LogStyle::Readable { colour: true }).contains("\x1b[36m"));
        assert!(log_event(&event, LogStyle::Raw).starts_with("line 1\nline 2"));
        let json: serde_json::Value =
            serde_json::from_str(&log_event(&event, LogStyle::Json)).unwrap();
        assert_eq!(json["seq"], 3);
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
        failed.branch = Some(crate::model::Branch {
            head_ref: "copilot/fix".into(),
            base_ref: Some("main".into()),
        });
        let snapshot = Snapshot::new(vec![failed, task("w", "waiting_for_user", 9)], now());
        let table = task_table(&snapshot, now());
        assert!(table.contains("PR / BRANCH"));
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("STATUS"));
        assert!(lines[1].starts_with("Needs you") && lines[1].contains("Task w"));
        assert!(lines[2].contains("Failed: Tests did not pass"));
        assert!(lines[2].contains("copilot/fix → main"), "{table}");
        assert!(lines[2].ends_with("5 min"));
    }
}
