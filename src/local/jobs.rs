//! Claude Code background sessions (`claude --bg`, `/bg`, the agent view): each is a directory
//! `<root>/jobs/<short id>/` whose `state.json` says what it does (`working`, `blocked`, `done`,
//! `stopped`), and the only local sessions that can be stopped from outside, by
//! `claude stop <short id>`.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::reading::parse_time;

/// `claude stop` gets this long before it is killed.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// What of `claude stop`'s own message is kept for the error.
const MESSAGE_MAX: usize = 512;

/// What `state.json` says a background session is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    Working,
    /// Waiting for the user (a permission prompt or a question).
    Blocked,
    Done,
    Stopped,
    /// A value this build does not know: the transcript and the process decide.
    Other,
}

impl JobState {
    fn parse(raw: &str) -> JobState {
        match raw {
            "working" => JobState::Working,
            "blocked" => JobState::Blocked,
            "done" => JobState::Done,
            "stopped" => JobState::Stopped,
            _ => JobState::Other,
        }
    }
}

/// One background session as its `state.json` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The directory's name: what `claude stop`, `attach` and `logs` take.
    pub short_id: String,
    pub state: JobState,
    pub name: Option<String>,
    /// What the job is doing or waits for, in the agent's words (the user's content).
    pub detail: Option<String>,
    pub session_id: Option<String>,
    pub cwd: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// When `state.json` was last written (a tool that does not move `updatedAt` still does).
    pub file_modified: Option<DateTime<Utc>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct StateFile {
    state: Option<String>,
    name: Option<String>,
    detail: Option<String>,
    session_id: Option<String>,
    cwd: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

/// Only a short id of this shape is ever put on a command line: letters, digits, `-` and `_`,
/// never starting with `-` (so it cannot be read as an option).
pub fn valid_short_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && !id.starts_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Job {
    /// The job in directory `short_id` from its `state.json`; `None` for an odd directory name
    /// or a file that is not a JSON object.
    pub fn parse(short_id: &str, bytes: &[u8]) -> Option<Job> {
        if !valid_short_id(short_id) {
            return None;
        }
        let file: StateFile = serde_json::from_slice(bytes).ok()?;
        Some(Job {
            short_id: short_id.to_owned(),
            state: file
                .state
                .as_deref()
                .map_or(JobState::Other, JobState::parse),
            name: non_empty(file.name),
            detail: non_empty(file.detail),
            session_id: non_empty(file.session_id),
            cwd: non_empty(file.cwd),
            created_at: parse_time(file.created_at.as_deref()),
            updated_at: parse_time(file.updated_at.as_deref()),
            file_modified: None,
        })
    }

    /// The last sign of life: `updatedAt` or the file's own time, whichever is later.
    pub fn last_change(&self) -> Option<DateTime<Utc>> {
        self.updated_at.max(self.file_modified)
    }

    /// Still working or waiting: the job can be stopped.
    pub fn is_active(&self) -> bool {
        matches!(self.state, JobState::Working | JobState::Blocked)
    }

    /// The task's id: the session's id when the file names it (so the transcript, the hooks
    /// and the resume command meet it), else the short id.
    pub fn task_id(&self) -> &str {
        self.session_id.as_deref().unwrap_or(&self.short_id)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StopJobError {
    #[error("the `claude` command is not installed or not on PATH")]
    NotInstalled,
    #[error("`claude stop {short_id}` did not finish within {} s", .after.as_secs())]
    TimedOut { short_id: String, after: Duration },
    #[error("`claude stop {short_id}` failed ({status}){}", message_suffix(.message))]
    Failed {
        short_id: String,
        status: String,
        message: String,
    },
    #[error("`claude stop` could not be started: {0}")]
    Spawn(String),
    #[error("{0:?} is not a background session's id")]
    BadId(String),
}

fn message_suffix(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

/// Runs `<program> stop <short id>` (no shell, no input, killed after `timeout`) and waits for it.
pub async fn stop(program: &OsStr, short_id: &str, timeout: Duration) -> Result<(), StopJobError> {
    if !valid_short_id(short_id) {
        return Err(StopJobError::BadId(short_id.to_owned()));
    }
    let child = tokio::process::Command::new(program)
        .args(["stop", short_id])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => StopJobError::NotInstalled,
            _ => StopJobError::Spawn(e.to_string()),
        })?;
    // Dropping the wait on a timeout kills the child (`kill_on_drop`).
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| StopJobError::TimedOut {
            short_id: short_id.to_owned(),
            after: timeout,
        })?
        .map_err(|e| StopJobError::Spawn(e.to_string()))?;
    if output.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&output.stderr);
    let message = crate::model::clip(text.trim(), MESSAGE_MAX);
    Err(StopJobError::Failed {
        short_id: short_id.to_owned(),
        status: output.status.to_string(),
        message: crate::logs::redact::redact_owned(message),
    })
}

/// Every background session under `<root>/jobs/`, each `state.json` read up to `max` bytes.
pub fn read_all(root: &Path, max: u64) -> Vec<Job> {
    use std::io::Read;
    let Ok(dirs) = std::fs::read_dir(root.join("jobs")) else {
        return Vec::new();
    };
    let mut jobs: Vec<Job> = dirs
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let short_id = entry.file_name().to_str()?.to_owned();
            let file = std::fs::File::open(entry.path().join("state.json")).ok()?;
            let modified = file.metadata().and_then(|m| m.modified()).ok();
            let mut bytes = Vec::new();
            file.take(max).read_to_end(&mut bytes).ok()?;
            let mut job = Job::parse(&short_id, &bytes)?;
            job.file_modified = modified.map(DateTime::<Utc>::from);
            Some(job)
        })
        .collect();
    jobs.sort_by(|a, b| a.short_id.cmp(&b.short_id));
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str =
        include_str!("../../tests/fixtures/local-agents/claude-code/jobs/k7q2m9xa/state.json");

    #[test]
    fn the_fixture_job_reads_with_its_session_and_state() {
        let job = Job::parse("k7q2m9xa", FIXTURE.as_bytes()).unwrap();
        assert_eq!(job.state, JobState::Working);
        assert!(job.is_active());
        assert_eq!(job.task_id(), "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
        assert_eq!(job.name.as_deref(), Some("investigate flaky test"));
        assert_eq!(
            job.cwd.as_deref(),
            Some("/home/dev/src/acme-api/.claude/worktrees/flaky-test")
        );
        assert_eq!(job.updated_at, parse_time(Some("2026-08-22T07:52:13.000Z")));
    }

    #[test]
    fn odd_ids_states_and_files_are_refused_or_left_to_the_transcript() {
        assert!(Job::parse("-rf", b"{}").is_none());
        assert!(Job::parse("a b", b"{}").is_none());
        assert!(Job::parse("k7q2m9xa", b"not json").is_none());
        let odd = Job::parse("k7q2m9xa", br#"{"state":"paused","sessionId":""}"#).unwrap();
        assert_eq!(odd.state, JobState::Other);
        assert!(!odd.is_active());
        assert_eq!(odd.task_id(), "k7q2m9xa");
        for (raw, state) in [
            ("blocked", JobState::Blocked),
            ("done", JobState::Done),
            ("stopped", JobState::Stopped),
        ] {
            let job = Job::parse("j", format!(r#"{{"state":"{raw}"}}"#).as_bytes()).unwrap();
            assert_eq!(job.state, state);
            assert_eq!(job.is_active(), state == JobState::Blocked);
        }
    }

    #[cfg(unix)]
    fn script(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn stop_runs_the_program_with_the_short_id_and_reports_each_failure() {
        let dir = tempfile::tempdir().unwrap();
        let argv = dir.path().join("argv");
        let ok = script(
            dir.path(),
            "claude",
            &format!("printf '%s\\n' \"$@\" > '{}'", argv.display()),
        );
        stop(ok.as_os_str(), "k7q2m9xa", STOP_TIMEOUT)
            .await
            .unwrap();
        assert_eq!(std::fs::read_to_string(&argv).unwrap(), "stop\nk7q2m9xa\n");

        let missing = dir.path().join("nowhere/claude");
        let error = stop(missing.as_os_str(), "k7q2m9xa", STOP_TIMEOUT).await;
        assert!(
            matches!(error, Err(StopJobError::NotInstalled)),
            "{error:?}"
        );

        let refused = script(dir.path(), "refusing", "echo 'no job k7q2m9xa' >&2; exit 3");
        let error = stop(refused.as_os_str(), "k7q2m9xa", STOP_TIMEOUT)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("no job k7q2m9xa"), "{error}");

        let stuck = script(dir.path(), "stuck", "exec sleep 30");
        let started = std::time::Instant::now();
        let error = stop(stuck.as_os_str(), "k7q2m9xa", Duration::from_millis(300)).await;
        assert!(
            matches!(error, Err(StopJobError::TimedOut { .. })),
            "{error:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));

        let error = stop(ok.as_os_str(), "--all", STOP_TIMEOUT).await;
        assert!(matches!(error, Err(StopJobError::BadId(_))), "{error:?}");
    }
}
