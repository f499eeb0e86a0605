//! What `agentbar status` and `agentbar tasks` print: pure formatting of a snapshot and its age.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use std::borrow::Borrow;

use crate::model::{Bucket, Counts, Health, HealthStatus, Overview, Snapshot, Task};
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
    /// One account is signed out while other sources still work: their counts are current.
    PartlySignedOut,
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
            Some(HealthStatus::Degraded)
                if health
                    .last_error
                    .as_ref()
                    .is_some_and(|e| matches!(e.code.as_str(), "unauthorized" | "no_token")) =>
            {
                Condition::PartlySignedOut
            }
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
            Condition::PartlySignedOut => "partly_signed_out",
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
            Condition::PartlySignedOut => Some("partly-signed-out"),
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
            Condition::PartlySignedOut => {
                format!("An account is signed out (see `agentbar accounts`) — {counts}")
            }
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
        (Condition::PartlySignedOut, Some(n)) => format!("⊘ {n}"),
        (Condition::PartlySignedOut, None) => "⊘ partly signed out".to_owned(),
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
            sources: Vec::new(),
        },
        now,
        STALE_AFTER_SECONDS,
    );
    list.health = reading.health();
    list
}

/// `tasks --format csv`: RFC 4180, a header line, one task per line in list order. A cell that
/// a spreadsheet would take for a formula (`=`, `+`, `-`, `@`) is prefixed with `'`, since
/// titles come from upstream.
pub fn task_csv<T: Borrow<Task>>(tasks: &[T]) -> String {
    fn cell(text: &str) -> String {
        let text = if text.starts_with(['=', '+', '-', '@']) {
            format!("'{text}")
        } else {
            text.to_owned()
        };
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text
        }
    }
    let mut out = String::from(
        "id,provider,repository,state,bucket,title,created_at,updated_at,pull_request,url\r\n",
    );
    for task in tasks.iter().map(Borrow::borrow) {
        let row = [
            task.id.clone(),
            crate::filter::provider_name(&task.provider).to_owned(),
            task.repository.clone().unwrap_or_default(),
            task.state.as_str().to_owned(),
            task.bucket().as_str().to_owned(),
            task.title.clone(),
            task.created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            task.updated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            task.pull_request
                .as_ref()
                .map(|pr| pr.url.clone())
                .unwrap_or_default(),
            task.url.clone(),
        ];
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `tasks`: a table, one task per line, in SPEC order, with the short id every task-taking
/// command accepts. With a `width` (a terminal), the title, then the repository, the status and
/// the pull request or branch give up characters so each line fits; without one nothing is cut.
pub fn task_table(snapshot: &Snapshot, now: DateTime<Utc>, width: Option<usize>) -> String {
    let short = crate::task_ref::short_id_len(&snapshot.tasks);
    let rows: Vec<[String; 6]> = snapshot
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
                work_of(t),
                age(now.signed_duration_since(t.updated_at).num_seconds()),
            ]
        })
        .collect();
    let header = [
        "ID",
        "STATUS",
        "TITLE",
        "REPOSITORY",
        "PR / BRANCH",
        "UPDATED",
    ]
    .map(String::from);
    aligned(&header, &rows, |widths| {
        if let Some(width) = width {
            fit(widths, width);
        }
    })
    .join("\n")
}

/// The header and rows as lines of left-aligned columns two spaces apart; `narrow` may shrink
/// the columns' widths (cells are then clipped with "…").
fn aligned<const N: usize>(
    header: &[String; N],
    rows: &[[String; N]],
    narrow: impl FnOnce(&mut [usize; N]),
) -> Vec<String> {
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    narrow(&mut widths);
    std::iter::once(header)
        .chain(rows)
        .map(|row| {
            row.iter()
                .zip(widths)
                .map(|(cell, w)| format!("{:<w$}", crate::model::clip(cell, w)))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        })
        .collect()
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

/// Narrows the table's columns to `width` in all (two spaces between columns): title first
/// (down to 12), then repository (10), then status (9), then pull request or branch (8); id
/// and age are never cut.
fn fit(widths: &mut [usize; 6], width: usize) {
    const GIVE: [(usize, usize); 4] = [(2, 12), (3, 10), (1, 9), (4, 8)];
    let total = |w: &[usize; 6]| w.iter().sum::<usize>() + 2 * (w.len() - 1);
    for (column, least) in GIVE {
        let over = total(widths).saturating_sub(width);
        let spare = widths[column].saturating_sub(least);
        widths[column] -= over.min(spare);
    }
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
    let mut out = aligned(&header, &rows, |_| {});
    if count == 0 {
        out.push("(no session of this task is known yet)".to_owned());
    }
    out.join("\n")
}

/// One source as the running agent's `GET /v1/sources` lists it; read leniently (what is
/// missing counts as fine), so `status` works against an agent that says less.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SourceReport {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub signed_out: bool,
    #[serde(default)]
    pub health: SourceReportHealth,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SourceReportHealth {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub stale: bool,
}

/// `GET /v1/sources`' body.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SourceReports {
    #[serde(default)]
    pub sources: Vec<SourceReport>,
}

/// The lines `status` adds under its summary when several sources run: one per source that
/// needs something (signed out, stale, offline…), each saying what to do; `login_hint` gives
/// the `login` flags that sign a source in again (`None`: not an account of this config).
pub fn source_lines(
    sources: &[SourceReport],
    login_hint: impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    if sources.len() < 2 {
        // One source: the summary line already says it all.
        return Vec::new();
    }
    sources
        .iter()
        .filter_map(|source| {
            let name = source.name.as_deref().unwrap_or(&source.id);
            let what = if source.signed_out || source.health.status.as_deref() == Some("signed_out")
            {
                match login_hint(&source.id) {
                    Some(flags) => format!("signed out — run `agentbar login{flags}`"),
                    None => "signed out".to_owned(),
                }
            } else if source.health.stale {
                "stale — showing its last tasks".to_owned()
            } else {
                match source.health.status.as_deref() {
                    None | Some("ok" | "starting") => return None,
                    Some(other) => format!("{} — showing its last tasks", other.replace('_', " ")),
                }
            };
            Some(format!("  {name} ({}): {what}", source.id))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskError;
    use crate::model::fixtures::{now, task};
    use crate::wire::WireProblem;

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
                usage: None,
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
        let mut partly = reading("degraded", true, false);
        if let Agent::Running(health) = &mut partly.agent {
            health.last_error = Some(WireProblem {
                code: "no_token".into(),
                message: "signed out".into(),
                at: now(),
            });
        }
        assert_eq!(status_json(&partly, now())["state"], "partly_signed_out");
        assert_eq!(status_waybar(&partly, now())["text"], "⊘ ▶ 1 ● 1");
        assert!(
            partly
                .status_text(now())
                .starts_with("An account is signed out (see `agentbar accounts`) — 1 running"),
            "{}",
            partly.status_text(now())
        );
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
        failed.branch = Some(crate::model::Branch {
            head_ref: "copilot/fix".into(),
            base_ref: Some("main".into()),
        });
        let snapshot = Snapshot::new(vec![failed, task("w", "waiting_for_user", 9)], now());
        let table = task_table(&snapshot, now(), None);
        assert!(table.contains("PR / BRANCH"));
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("ID"));
        assert!(lines[1].starts_with("w ") && lines[1].contains("Needs you"));
        assert!(lines[1].contains("Task w"));
        assert!(lines[2].contains("Failed: Tests did not pass"));
        assert!(lines[2].contains("copilot/fix → main"), "{table}");
        assert!(lines[2].ends_with("5 min"));
        let narrow = task_table(&snapshot, now(), Some(64));
        assert!(narrow.lines().all(|l| l.chars().count() <= 64), "{narrow}");
        assert!(narrow.contains("Task w"), "{narrow}");
    }

    #[test]
    fn status_names_each_source_that_needs_something_when_there_are_several() {
        let sources: SourceReports = serde_json::from_value(json!({"sources": [
            {"id": "gh:github.com", "name": "github.com", "signed_out": false,
             "health": {"status": "ok", "stale": false}},
            {"id": "gh:work", "name": "acme.ghe.com — work", "signed_out": true,
             "health": {"status": "signed_out", "stale": true}},
            {"id": "gh:home", "health": {"status": "offline", "stale": false}},
            {"id": "claude-code", "health": {"status": "ok", "stale": true}},
            {"id": "codex"}
        ]}))
        .unwrap();
        let hint = |id: &str| (id == "gh:work").then(|| " --name work".to_owned());
        assert_eq!(
            source_lines(&sources.sources, hint),
            [
                "  acme.ghe.com — work (gh:work): signed out — run `agentbar login --name work`",
                "  gh:home (gh:home): offline — showing its last tasks",
                "  claude-code (claude-code): stale — showing its last tasks",
            ]
        );
        assert!(source_lines(&sources.sources[1..2], hint).is_empty());
    }
}
