//! The one task filter behind `GET /v1/tasks`, `agentbar tasks` and the tray: which agent
//! (`provider`), which source, which buckets or states, since when (a time, or a period in the
//! user's local time), which repository, what text, archived or not. Pure: the caller gives each
//! task's source and archive mark, and the current time in the zone that "today" means.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use crate::model::{Bucket, Provider, State, Task};

/// The agents a task can come from, as filters and the API name them.
pub const PROVIDERS: [&str; 5] = [
    "copilot",
    "claude-code",
    "codex",
    "copilot-cli",
    "gemini-cli",
];

/// The upstream states a `state` filter may name: the documented ones and `stopped`.
pub const STATES: [&str; 9] = [
    "queued",
    "in_progress",
    "waiting_for_user",
    "idle",
    "completed",
    "failed",
    "timed_out",
    "cancelled",
    "stopped",
];

/// The query parameters (and CLI flags) the filter reads.
pub const PARAMETERS: [&str; 9] = [
    "provider", "source", "bucket", "state", "since", "period", "repo", "q", "archived",
];

/// A calendar period in the user's local time, counted back from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Since local midnight.
    Today,
    /// Since Monday 00:00 of this week.
    Week,
    /// Since the 1st of this month, 00:00.
    Month,
    All,
}

impl Period {
    pub fn parse(raw: &str) -> Option<Period> {
        match raw {
            "today" => Some(Period::Today),
            "week" => Some(Period::Week),
            "month" => Some(Period::Month),
            "all" => Some(Period::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Today => "today",
            Period::Week => "week",
            Period::Month => "month",
            Period::All => "all",
        }
    }

    /// The period's first instant for someone whose clock reads `now`; `None` for `all`.
    pub fn start<Tz: TimeZone>(self, now: &DateTime<Tz>) -> Option<DateTime<Utc>> {
        let today = now.date_naive();
        let first_day = match self {
            Period::All => return None,
            Period::Today => today,
            Period::Week => {
                today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
            }
            Period::Month => NaiveDate::from_ymd_opt(today.year(), today.month(), 1)?,
        };
        let midnight = first_day.and_hms_opt(0, 0, 0)?;
        // Where midnight does not exist (a DST jump) the day starts at the first instant after.
        let local = now
            .timezone()
            .from_local_datetime(&midnight)
            .earliest()
            .or_else(|| {
                now.timezone()
                    .from_local_datetime(&(midnight + Duration::hours(1)))
                    .earliest()
            })?;
        Some(local.with_timezone(&Utc))
    }
}

/// The lower time bound: a fixed instant or a period resolved when the filter is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    At(DateTime<Utc>),
    Period(Period),
}

/// What a filter could not read, said in words (the API answers it as a 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("unknown provider {0:?}; use {list}", list = PROVIDERS.join(", "))]
    Provider(String),
    #[error("unknown bucket {0:?}; use running, waiting, completed, failed, cancelled or unknown")]
    Bucket(String),
    #[error("unknown state {0:?}; use {list}", list = STATES.join(", "))]
    State(String),
    #[error(
        "source {0:?} is not a source id (such as gh:octocat or claude-code: no spaces, '/', '?', '#' or '%')"
    )]
    Source(String),
    #[error("since must be an RFC 3339 time such as 2026-11-30T09:00:00Z, got {0:?}")]
    Since(String),
    #[error("unknown period {0:?}; use today, week, month or all")]
    Period(String),
    #[error("give since or period, not both")]
    SinceAndPeriod,
    #[error("archived must be true or false, got {0:?}")]
    Archived(String),
    #[error("{0} may be given once")]
    Repeated(&'static str),
}

/// Everything a task is filtered on, borrowed from wherever it lives.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub id: &'a str,
    pub provider: &'a str,
    pub source: &'a str,
    pub state: &'a State,
    pub updated_at: DateTime<Utc>,
    pub repository: Option<&'a str>,
    pub title: &'a str,
    /// In agentbar's own archive, or archived upstream.
    pub archived: bool,
}

/// The filter's name for a task's provider (`copilot` for GitHub's cloud agent).
pub fn provider_name(provider: &Provider) -> &str {
    match provider {
        Provider::GithubCopilot => "copilot",
        other => other.as_str(),
    }
}

/// The source id of a task.
pub fn source_of(task: &Task) -> &str {
    task.source.as_str()
}

impl<'a> Candidate<'a> {
    pub fn of(task: &'a Task, source: &'a str, archived: bool) -> Candidate<'a> {
        Candidate {
            id: &task.id,
            provider: provider_name(&task.provider),
            source,
            state: &task.state,
            updated_at: task.updated_at,
            repository: task.repository.as_deref(),
            title: &task.title,
            archived,
        }
    }
}

/// One filter, read from query parameters or CLI flags. Empty lists and `None` keep everything;
/// `archived` picks the archived list or the active one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    pub providers: Vec<String>,
    pub sources: Vec<String>,
    pub buckets: Vec<Bucket>,
    pub states: Vec<String>,
    pub since: Option<Since>,
    /// `owner/name`, lower-case.
    pub repo: Option<String>,
    /// Lower-case text searched in the title, the repository and the id.
    pub q: Option<String>,
    pub archived: bool,
}

/// Splits repeated and comma-separated values, dropping empty ones.
fn values<'p>(pairs: &'p [(String, String)], key: &str) -> impl Iterator<Item = &'p str> {
    pairs
        .iter()
        .filter(move |(k, _)| k == key)
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The one value of a parameter that may be given once.
fn single<'p>(
    pairs: &'p [(String, String)],
    key: &'static str,
) -> Result<Option<&'p str>, FilterError> {
    let mut given = pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty());
    let first = given.next();
    match given.next() {
        Some(_) => Err(FilterError::Repeated(key)),
        None => Ok(first),
    }
}

fn is_source_id(raw: &str) -> bool {
    !raw.chars()
        .any(|c| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '%'))
}

impl TaskFilter {
    /// Reads the filter parameters among `pairs` (others are the caller's): `provider`,
    /// `source`, `bucket`, `state` repeatable or comma-separated; `since` (RFC 3339) or
    /// `period`; `repo`, `q`, `archived` once.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<TaskFilter, FilterError> {
        let providers = values(pairs, "provider")
            .map(|p| {
                // The wire name of the cloud agent is accepted for it too.
                let p = match p.to_ascii_lowercase().as_str() {
                    "github-copilot" => "copilot".to_owned(),
                    other => other.to_owned(),
                };
                if PROVIDERS.contains(&p.as_str()) {
                    Ok(p)
                } else {
                    Err(FilterError::Provider(p))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let sources = values(pairs, "source")
            .map(|s| {
                if is_source_id(s) {
                    Ok(s.to_owned())
                } else {
                    Err(FilterError::Source(s.to_owned()))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let buckets = values(pairs, "bucket")
            .map(|b| Bucket::parse(b).ok_or_else(|| FilterError::Bucket(b.to_owned())))
            .collect::<Result<Vec<_>, _>>()?;
        let states = values(pairs, "state")
            .map(|s| {
                if STATES.contains(&s) {
                    Ok(s.to_owned())
                } else {
                    Err(FilterError::State(s.to_owned()))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let since = match (single(pairs, "since")?, single(pairs, "period")?) {
            (Some(_), Some(_)) => return Err(FilterError::SinceAndPeriod),
            (Some(at), None) => Some(Since::At(
                DateTime::parse_from_rfc3339(at)
                    .map_err(|_| FilterError::Since(at.to_owned()))?
                    .with_timezone(&Utc),
            )),
            (None, Some(period)) => Some(Since::Period(
                Period::parse(period).ok_or_else(|| FilterError::Period(period.to_owned()))?,
            )),
            (None, None) => None,
        };
        let archived = match single(pairs, "archived")? {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => return Err(FilterError::Archived(other.to_owned())),
        };
        let text = |key| -> Result<Option<String>, FilterError> {
            Ok(single(pairs, key)?.map(str::to_lowercase))
        };
        Ok(TaskFilter {
            providers,
            sources,
            buckets,
            states,
            since,
            repo: text("repo")?,
            q: text("q")?,
            archived,
        })
    }

    /// The filter back as query pairs (for a CLI that asks the running agent).
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let mut push = |key: &str, value: String| pairs.push((key.to_owned(), value));
        for p in &self.providers {
            push("provider", p.clone());
        }
        for s in &self.sources {
            push("source", s.clone());
        }
        for b in &self.buckets {
            push("bucket", b.as_str().to_owned());
        }
        for s in &self.states {
            push("state", s.clone());
        }
        match self.since {
            Some(Since::At(at)) => push("since", at.to_rfc3339()),
            Some(Since::Period(period)) => push("period", period.as_str().to_owned()),
            None => {}
        }
        if let Some(repo) = &self.repo {
            push("repo", repo.clone());
        }
        if let Some(q) = &self.q {
            push("q", q.clone());
        }
        if self.archived {
            push("archived", "true".to_owned());
        }
        pairs
    }

    /// True when the filter keeps every active task (the common, unfiltered list).
    pub fn keeps_all_active(&self) -> bool {
        *self == TaskFilter::default()
    }

    /// The instant before which tasks are dropped, for someone whose clock reads `now`.
    pub fn cutoff<Tz: TimeZone>(&self, now: &DateTime<Tz>) -> Option<DateTime<Utc>> {
        match self.since? {
            Since::At(at) => Some(at),
            Since::Period(period) => period.start(now),
        }
    }

    /// Whether the filter keeps a task, with the cutoff from [`TaskFilter::cutoff`].
    pub fn keeps(&self, task: &Candidate<'_>, cutoff: Option<DateTime<Utc>>) -> bool {
        let repository = task.repository.unwrap_or_default();
        task.archived == self.archived
            && (self.providers.is_empty() || self.providers.iter().any(|p| p == task.provider))
            && (self.sources.is_empty() || self.sources.iter().any(|s| s == task.source))
            && (self.buckets.is_empty() || self.buckets.contains(&task.state.bucket()))
            && (self.states.is_empty() || self.states.iter().any(|s| s == task.state.as_str()))
            && cutoff.is_none_or(|at| task.updated_at >= at)
            && self
                .repo
                .as_ref()
                .is_none_or(|r| repository.eq_ignore_ascii_case(r))
            && self.q.as_ref().is_none_or(|q| {
                task.title.to_lowercase().contains(q)
                    || repository.to_lowercase().contains(q)
                    || task.id.to_lowercase().contains(q)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    struct Row {
        id: &'static str,
        provider: &'static str,
        source: &'static str,
        state: State,
        updated: &'static str,
        repo: &'static str,
        title: &'static str,
        archived: bool,
    }

    fn rows() -> Vec<Row> {
        let row = |id, provider, source, state: &str, updated, repo, title, archived| Row {
            id,
            provider,
            source,
            state: State::parse(state),
            updated,
            repo,
            title,
            archived,
        };
        vec![
            row(
                "a1",
                "copilot",
                "gh:octocat",
                "in_progress",
                "2026-11-30T08:00:00Z",
                "acme/api",
                "Fix login",
                false,
            ),
            row(
                "b2",
                "copilot",
                "gh:work",
                "waiting_for_user",
                "2026-11-29T22:30:00Z",
                "acme/web",
                "Dark mode",
                false,
            ),
            row(
                "c3",
                "claude-code",
                "claude-code",
                "completed",
                "2026-11-24T10:00:00Z",
                "me/dotfiles",
                "Tidy zshrc",
                false,
            ),
            row(
                "d4",
                "codex",
                "codex",
                "failed",
                "2026-11-02T10:00:00Z",
                "acme/api",
                "Port to axum",
                false,
            ),
            row(
                "e5",
                "copilot",
                "gh:octocat",
                "completed",
                "2026-10-01T10:00:00Z",
                "acme/api",
                "Old work",
                true,
            ),
            row(
                "f6",
                "copilot",
                "gh:octocat",
                "timed_out",
                "2026-11-30T07:00:00Z",
                "Acme/API",
                "Slow tests",
                false,
            ),
        ]
    }

    /// The ids a filter read from `query` keeps, with the clock at 09:00 on Monday
    /// 2026-11-30 in UTC+01:00.
    fn kept(query: &[(&str, &str)]) -> Vec<&'static str> {
        let filter = TaskFilter::from_pairs(&pairs(query)).unwrap();
        let now = FixedOffset::east_opt(3600)
            .unwrap()
            .with_ymd_and_hms(2026, 11, 30, 9, 0, 0)
            .unwrap();
        let cutoff = filter.cutoff(&now);
        let rows = rows();
        rows.iter()
            .filter(|r| {
                filter.keeps(
                    &Candidate {
                        id: r.id,
                        provider: r.provider,
                        source: r.source,
                        state: &r.state,
                        updated_at: at(r.updated),
                        repository: Some(r.repo),
                        title: r.title,
                        archived: r.archived,
                    },
                    cutoff,
                )
            })
            .map(|r| r.id)
            .collect()
    }

    #[test]
    fn each_filter_keeps_what_it_names() {
        assert_eq!(kept(&[]), ["a1", "b2", "c3", "d4", "f6"]);
        assert_eq!(kept(&[("archived", "true")]), ["e5"]);
        assert_eq!(kept(&[("provider", "claude-code,codex")]), ["c3", "d4"]);
        assert_eq!(
            kept(&[("provider", "codex"), ("provider", "Claude-Code")]),
            ["c3", "d4"]
        );
        assert_eq!(kept(&[("source", "gh:work")]), ["b2"]);
        assert_eq!(kept(&[("bucket", "failed")]), ["d4", "f6"]);
        assert_eq!(
            kept(&[("bucket", "waiting"), ("bucket", "running")]),
            ["a1", "b2"]
        );
        assert_eq!(kept(&[("state", "timed_out")]), ["f6"]);
        assert_eq!(kept(&[("repo", "ACME/api")]), ["a1", "d4", "f6"]);
        assert_eq!(kept(&[("q", "DARK")]), ["b2"]);
        assert_eq!(kept(&[("q", "dotfiles")]), ["c3"]);
        assert_eq!(kept(&[("since", "2026-11-29T23:00:00Z")]), ["a1", "f6"]);
    }

    #[test]
    fn periods_are_calendar_periods_in_local_time() {
        // Local midnight is 23:00 UTC the day before: b2 (22:30 UTC) was yesterday.
        assert_eq!(kept(&[("period", "today")]), ["a1", "f6"]);
        // The week starts on Monday, today: the same.
        assert_eq!(kept(&[("period", "week")]), ["a1", "f6"]);
        assert_eq!(kept(&[("period", "month")]), ["a1", "b2", "c3", "d4", "f6"]);
        assert_eq!(kept(&[("period", "all")]), kept(&[]));
        let sunday = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        assert_eq!(
            Period::Week.start(&sunday),
            Some(Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap())
        );
    }

    #[test]
    fn combinations_narrow_each_other() {
        assert_eq!(
            kept(&[
                ("provider", "copilot"),
                ("bucket", "failed,running"),
                ("repo", "acme/api")
            ]),
            ["a1", "f6"]
        );
        assert_eq!(
            kept(&[("provider", "copilot"), ("period", "today"), ("q", "slow")]),
            ["f6"]
        );
        assert!(kept(&[("provider", "gemini-cli")]).is_empty());
    }

    #[test]
    fn nonsense_is_refused_in_words() {
        let refused = |query: &[(&str, &str)]| {
            TaskFilter::from_pairs(&pairs(query))
                .unwrap_err()
                .to_string()
        };
        assert!(refused(&[("provider", "cursor")]).contains("use copilot, claude-code"));
        assert!(refused(&[("bucket", "sleeping")]).contains("unknown bucket"));
        assert!(refused(&[("state", "done")]).contains("unknown state \"done\""));
        assert!(refused(&[("source", "gh/x")]).contains("not a source id"));
        assert!(refused(&[("since", "yesterday")]).contains("RFC 3339"));
        assert!(refused(&[("period", "year")]).contains("today, week, month or all"));
        assert_eq!(
            refused(&[("since", "2026-11-30T00:00:00Z"), ("period", "today")]),
            "give since or period, not both"
        );
        assert!(refused(&[("archived", "yes")]).contains("true or false"));
        assert_eq!(
            refused(&[("repo", "a/b"), ("repo", "c/d")]),
            "repo may be given once"
        );
    }

    #[test]
    fn a_filter_survives_its_round_trip_through_pairs() {
        let filter = TaskFilter::from_pairs(&pairs(&[
            ("provider", "copilot,codex"),
            ("source", "gh:octocat"),
            ("bucket", "failed"),
            ("state", "timed_out"),
            ("period", "week"),
            ("repo", "acme/api"),
            ("q", "slow"),
            ("archived", "true"),
        ]))
        .unwrap();
        assert_eq!(TaskFilter::from_pairs(&filter.to_pairs()).unwrap(), filter);
        let since =
            TaskFilter::from_pairs(&pairs(&[("since", "2026-11-30T08:00:00+01:00")])).unwrap();
        assert_eq!(TaskFilter::from_pairs(&since.to_pairs()).unwrap(), since);
        assert!(TaskFilter::default().keeps_all_active());
    }
}
