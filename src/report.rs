//! What `agentbar status` and `agentbar tasks` print: pure formatting of a snapshot and its age.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::model::{Bucket, Counts, Health, HealthStatus, Overview, Snapshot};
use crate::wire::{SCHEMA_VERSION, WireCounts, WireHealth, WireTaskList};

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

/// What the command line knows about the agent behind the data it shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Agent {
    /// Its API answered, with this health (the same as `/v1/health`).
    Running(WireHealth),
    /// Nothing answers: the data is the snapshot it saved last.
    NotRunning,
}

/// The data `status` and `tasks` show and where it comes from.
#[derive(Clone, Debug)]
pub struct Reading {
    pub snapshot: Snapshot,
    /// `live` when read from the running agent, else the snapshot file's source.
    pub source: String,
    /// The built-in simulator's world, not the user's tasks.
    pub demo: bool,
    pub agent: Agent,
    /// When it was read: an agent whose last success is older than [`STALE_AFTER_SECONDS`] by
    /// then is stale however healthy it says it is (a stuck poller, a machine that slept).
    pub read_at: DateTime<Utc>,
}

/// One word for the agent's state, the same on every surface of the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    Ok,
    Starting,
    /// Polls fail (network, server, rate limit): the counts are the last good ones.
    Offline,
    /// Polls succeed rarely enough that the counts are older than they should be.
    Stale,
    SignedOut,
    NotRunning,
}

impl Condition {
    pub fn of(agent: &Agent, now: DateTime<Utc>) -> Condition {
        let Agent::Running(health) = agent else {
            return Condition::NotRunning;
        };
        let old = health.last_success_at.is_some_and(|at| {
            now.signed_duration_since(at).num_seconds() > STALE_AFTER_SECONDS as i64
        });
        match HealthStatus::parse(&health.status) {
            Some(HealthStatus::SignedOut) => Condition::SignedOut,
            Some(HealthStatus::Starting) => Condition::Starting,
            Some(HealthStatus::Ok) if health.stale || old => Condition::Stale,
            Some(HealthStatus::Ok) => Condition::Ok,
            Some(HealthStatus::Degraded) | None => Condition::Offline,
        }
    }

    /// `status --json`'s `state`.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Ok => "ok",
            Condition::Starting => "starting",
            Condition::Offline => "offline",
            Condition::Stale => "stale",
            Condition::SignedOut => "signed_out",
            Condition::NotRunning => "not_running",
        }
    }

    /// The waybar class (CSS-friendly); none when all is well.
    fn class(self) -> Option<&'static str> {
        match self {
            Condition::Ok => None,
            Condition::Starting => Some("starting"),
            Condition::Offline => Some("offline"),
            Condition::Stale => Some("stale"),
            Condition::SignedOut => Some("signed-out"),
            Condition::NotRunning => Some("not-running"),
        }
    }

    /// Whether the counts shown are the agent's current knowledge; `status` and `tasks` exit
    /// with [`EXIT_NOT_CURRENT`] when not.
    pub fn is_current(self) -> bool {
        !matches!(self, Condition::SignedOut | Condition::NotRunning)
    }
}

/// Exit status of `status`/`tasks` when there is no current data (no snapshot, the agent not
/// running, or signed out), of `endpoint` when nothing runs, and of `auth status` when signed
/// out.
pub const EXIT_NOT_CURRENT: u8 = 3;

impl Reading {
    /// Neither a running agent nor a saved snapshot.
    pub fn nothing() -> Reading {
        let mut snapshot = Snapshot::new(Vec::new(), Utc::now());
        snapshot.fetched_at = None;
        Reading {
            snapshot,
            source: "none".into(),
            demo: false,
            agent: Agent::NotRunning,
            read_at: Utc::now(),
        }
    }

    pub fn condition(&self) -> Condition {
        Condition::of(&self.agent, self.read_at)
    }

    /// The agent's health as `/v1/health` says it; when it is not running, `not_running` with
    /// the snapshot's time as the last success.
    pub fn health(&self) -> WireHealth {
        match &self.agent {
            Agent::Running(health) => health.clone(),
            Agent::NotRunning => WireHealth {
                status: Condition::NotRunning.as_str().to_owned(),
                last_success_at: self.snapshot.fetched_at,
                stale: true,
                ..WireHealth::from(&Health::starting())
            },
        }
    }

    /// `status`'s line: the condition first when it is not plain "ok", then the counts.
    pub fn status_text(&self, now: DateTime<Utc>) -> String {
        let counts = status_line(&self.snapshot.counts(), seconds_since(&self.snapshot, now));
        let line = match self.condition() {
            Condition::Ok => counts,
            Condition::Starting => format!("Starting · {counts}"),
            Condition::Offline => {
                let why = self
                    .health()
                    .last_error
                    .map(|e| format!(" ({})", crate::model::clip(&e.message, 60)))
                    .unwrap_or_default();
                format!("Offline{why} — showing the last counts: {counts}")
            }
            Condition::Stale => format!("Stale — {counts}"),
            Condition::SignedOut => "Signed out — run `agentbar login`".to_owned(),
            Condition::NotRunning if self.snapshot.fetched_at.is_none() => {
                "agentbar is not running — nothing saved yet".to_owned()
            }
            Condition::NotRunning => format!("agentbar is not running — last saved: {counts}"),
        };
        if self.demo {
            format!("Demo · {line}")
        } else {
            line
        }
    }
}

/// `status --json`.
pub fn status_json(reading: &Reading, now: DateTime<Utc>) -> serde_json::Value {
    let snapshot = &reading.snapshot;
    let ago = seconds_since(snapshot, now);
    let condition = reading.condition();
    let health = reading.health();
    json!({
        "schema_version": SCHEMA_VERSION,
        "state": condition.as_str(),
        "demo": reading.demo,
        "counts": WireCounts::from(snapshot.counts()),
        "health": health,
        "source": reading.source,
        "fetched_at": snapshot.fetched_at,
        "age_seconds": ago,
        "stale": health.stale
            || !matches!(condition, Condition::Ok | Condition::Starting)
            || ago.is_none_or(|a| a as u64 > STALE_AFTER_SECONDS),
        "text": reading.status_text(now),
    })
}

/// `status --format waybar`: `text` for the bar, `tooltip` in words, `class` for styling (the
/// condition's class — `signed-out`, `offline`, `stale`, `not-running`, `starting` — then a
/// count class — `waiting`, `running`, `idle` — while the counts are current, then `demo`),
/// `alt` the condition for `format-icons`. Never blank: a bar always says what is going on.
pub fn status_waybar(reading: &Reading, now: DateTime<Utc>) -> serde_json::Value {
    let counts = reading.snapshot.counts();
    let condition = reading.condition();
    let numbers = match (counts.running, counts.waiting) {
        (0, 0) => None,
        (running, 0) => Some(format!("▶ {running}")),
        (0, waiting) => Some(format!("● {waiting}")),
        (running, waiting) => Some(format!("▶ {running} ● {waiting}")),
    };
    let text = match (condition, numbers) {
        (Condition::SignedOut, _) => "⊘ signed out".to_owned(),
        (Condition::NotRunning, _) => "✕ not running".to_owned(),
        (Condition::Offline, Some(n)) => format!("⚠ {n}"),
        (Condition::Offline, None) => "⚠ offline".to_owned(),
        (Condition::Stale, Some(n)) => format!("◌ {n}"),
        (Condition::Stale, None) => "◌ stale".to_owned(),
        (Condition::Starting, Some(n)) => format!("… {n}"),
        (Condition::Starting, None) => "… starting".to_owned(),
        (Condition::Ok, Some(n)) => n,
        (Condition::Ok, None) => "✓ 0".to_owned(),
    };
    let mut class: Vec<&str> = condition.class().into_iter().collect();
    if condition.is_current() {
        class.push(if counts.waiting > 0 {
            "waiting"
        } else if counts.running > 0 {
            "running"
        } else {
            "idle"
        });
    }
    if reading.demo {
        class.push("demo");
    }
    let text = if reading.demo {
        format!("{text} (demo)")
    } else {
        text
    };
    json!({
        "text": text,
        "alt": condition.as_str(),
        "tooltip": reading.status_text(now),
        "class": class,
    })
}

/// `tasks --json`: the loopback API's list shape, with the agent's own health (or
/// `not_running` when it is not running and the list is the saved snapshot).
pub fn task_list(reading: &Reading, now: DateTime<Utc>) -> WireTaskList {
    let mut list = WireTaskList::from_overview(
        &Overview {
            snapshot: reading.snapshot.clone(),
            health: Health::starting(),
        },
        now,
        STALE_AFTER_SECONDS,
    );
    list.health = reading.health();
    list
}

/// `tasks`: a table, one task per line, in SPEC order, with the short id every task-taking
/// command accepts. With a `width` (a terminal), the title, then the repository, then the
/// status give up characters so each line fits; without one nothing is cut.
pub fn task_table(snapshot: &Snapshot, now: DateTime<Utc>, width: Option<usize>) -> String {
    let short = crate::task_ref::short_id_len(&snapshot.tasks);
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
                t.id.chars().take(short).collect(),
                status,
                crate::model::clip(&t.title, 60),
                t.repository.clone().unwrap_or_else(|| "-".into()),
                age(now.signed_duration_since(t.updated_at).num_seconds()),
            ]
        })
        .collect();
    let header = ["ID", "STATUS", "TITLE", "REPOSITORY", "UPDATED"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    if let Some(width) = width {
        fit(&mut widths, width);
    }
    std::iter::once(&header)
        .chain(&rows)
        .map(|row| {
            row.iter()
                .zip(widths)
                .map(|(cell, w)| format!("{:<w$}", crate::model::clip(cell, w)))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Narrows the table's columns to `width` in all (two spaces between columns): title first
/// (down to 12), then repository (10), then status (9); id and age are never cut.
fn fit(widths: &mut [usize; 5], width: usize) {
    const GIVE: [(usize, usize); 3] = [(2, 12), (3, 10), (1, 9)];
    let total = |w: &[usize; 5]| w.iter().sum::<usize>() + 2 * (w.len() - 1);
    for (column, least) in GIVE {
        let over = total(widths).saturating_sub(width);
        let spare = widths[column].saturating_sub(least);
        widths[column] -= over.min(spare);
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

    fn reading(status: &str, stale: bool, demo: bool) -> Reading {
        let snapshot = Snapshot::new(
            vec![task("a", "in_progress", 1), task("b", "idle", 2)],
            now() - chrono::TimeDelta::seconds(30),
        );
        let agent = if status == "not_running" {
            Agent::NotRunning
        } else {
            let mut health = WireHealth::from(&Health::starting());
            health.status = status.into();
            health.stale = stale;
            Agent::Running(health)
        };
        Reading {
            snapshot,
            source: "live".into(),
            demo,
            agent,
            read_at: now(),
        }
    }

    #[test]
    fn json_and_waybar_carry_counts_freshness_and_health() {
        let ok = reading("ok", false, false);
        let status = status_json(&ok, now());
        assert_eq!(status["counts"]["running"], 1);
        assert_eq!(status["counts"]["waiting"], 1);
        assert_eq!(status["age_seconds"], 30);
        assert_eq!(status["stale"], false);
        assert_eq!(status["state"], "ok");
        assert_eq!(status["health"]["status"], "ok");
        let bar = status_waybar(&ok, now());
        assert_eq!(bar["text"], "▶ 1 ● 1");
        assert_eq!(bar["class"], json!(["waiting"]));
    }

    #[test]
    fn every_condition_has_its_own_words_and_class() {
        let cases = [
            (
                "signed_out",
                false,
                "signed_out",
                "⊘ signed out",
                json!(["signed-out"]),
            ),
            (
                "degraded",
                true,
                "offline",
                "⚠ ▶ 1 ● 1",
                json!(["offline", "waiting"]),
            ),
            (
                "ok",
                true,
                "stale",
                "◌ ▶ 1 ● 1",
                json!(["stale", "waiting"]),
            ),
            (
                "starting",
                true,
                "starting",
                "… ▶ 1 ● 1",
                json!(["starting", "waiting"]),
            ),
            (
                "not_running",
                true,
                "not_running",
                "✕ not running",
                json!(["not-running"]),
            ),
        ];
        for (health, stale, state, text, class) in cases {
            let r = reading(health, stale, false);
            let status = status_json(&r, now());
            assert_eq!(status["state"], state, "{health}");
            assert_eq!(status["stale"], true, "{health}");
            let bar = status_waybar(&r, now());
            assert_eq!(bar["text"], text, "{health}");
            assert_eq!(bar["class"], class, "{health}");
            assert_eq!(bar["alt"], state);
        }
        let demo = reading("ok", false, true);
        assert!(demo.status_text(now()).starts_with("Demo · "));
        assert_eq!(
            status_waybar(&demo, now())["class"],
            json!(["waiting", "demo"])
        );
        assert!(
            reading("not_running", true, false)
                .status_text(now())
                .starts_with("agentbar is not running — last saved: 1 running")
        );
        assert_eq!(
            task_list(&reading("signed_out", false, false), now())
                .health
                .status,
            "signed_out",
            "tasks --json carries the agent's own health"
        );
    }

    #[test]
    fn the_table_lists_tasks_in_order_with_errors_on_failed_rows() {
        let mut failed = task("f", "failed", 5);
        failed.error = Some(TaskError {
            code: None,
            message: "Tests did not pass".into(),
        });
        let snapshot = Snapshot::new(vec![failed, task("w", "waiting_for_user", 9)], now());
        let table = task_table(&snapshot, now(), None);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("ID"));
        assert!(lines[1].starts_with("w ") && lines[1].contains("Needs you"));
        assert!(lines[1].contains("Task w"));
        assert!(lines[2].contains("Failed: Tests did not pass"));
        assert!(lines[2].ends_with("5 min"));
        let narrow = task_table(&snapshot, now(), Some(50));
        assert!(narrow.lines().all(|l| l.chars().count() <= 50), "{narrow}");
        assert!(narrow.contains("Task w"), "{narrow}");
    }
}
