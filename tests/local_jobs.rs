//! Claude Code background sessions (`<root>/jobs/<short id>/state.json`): read as tasks of kind
//! `task` with the job's own state, joined with their transcript when it is on disk, and the only
//! local sessions offered `stop`, performed as `claude stop <short id>` through the one door
//! (`POST /v1/tasks/{key}/actions/stop`) by the real binary, with a fake `claude` on `PATH`.
//! The fake `claude` is a shell script: Unix only.
#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use agentbar::local::derive::LocalState;
use agentbar::local::event::LocalTool;
use agentbar::local::live::FixedProbe;
use agentbar::local::scan::{SessionView, ToolScanner, WATCH_RECENT};
use agentbar::local::settings::LocalSettings;
use agentbar::model::{Bucket, State, TaskKind};
use chrono::{DateTime, Utc};
use common::Demo;
use serde_json::Value;

const SHORT_ID: &str = "k7q2m9xa";
const JOB_SESSION: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const INTERACTIVE: &str = "c9e47a10-8d2b-4f6e-a1c3-5b9d0e7f2a18";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/local-agents/claude-code")
}

/// The fixture job's `state.json` with `state` (and `detail`, `updatedAt`) replaced.
fn job_state(state: &str, detail: Option<&str>, updated_at: Option<&str>) -> String {
    let mut json: Value =
        serde_json::from_slice(&fs::read(fixtures().join("jobs/k7q2m9xa/state.json")).unwrap())
            .unwrap();
    json["state"] = state.into();
    if let Some(detail) = detail {
        json["detail"] = detail.into();
    }
    if let Some(at) = updated_at {
        json["updatedAt"] = at.into();
    }
    json.to_string()
}

fn write_job(root: &Path, short_id: &str, state_json: &str) {
    let dir = root.join("jobs").join(short_id);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("state.json"), state_json).unwrap();
}

/// Every session of the scanner, with no `claude` process alive.
fn views(scanner: &ToolScanner, settings: &LocalSettings) -> Vec<SessionView> {
    scanner.sessions(&FixedProbe(Some(false)), settings, Utc::now())
}

fn job_view(views: &[SessionView]) -> &SessionView {
    views
        .iter()
        .find(|v| v.task.id == JOB_SESSION)
        .unwrap_or_else(|| panic!("no background session in {views:#?}"))
}

#[test]
fn a_background_job_is_a_task_in_its_own_state_and_joins_its_transcript() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join(".claude");
    write_job(&root, SHORT_ID, &job_state("working", None, None));
    let mut scanner = ToolScanner::new(LocalTool::ClaudeCode, root.clone());
    scanner.rescan(None);
    let defaults = LocalSettings::default();

    // Working: running whatever the process table says (the job's own word), a task, titled by
    // its project; its name only with descriptive titles.
    let all = views(&scanner, &defaults);
    assert_eq!(all.len(), 1, "{all:#?}");
    let view = job_view(&all);
    assert_eq!(view.task.state, State::InProgress);
    assert_eq!(view.task.kind, TaskKind::Task);
    assert_eq!(view.task.title, "flaky-test");
    assert!(!view.from_transcript);
    assert_eq!(
        view.job.as_ref().map(|j| j.short_id.as_str()),
        Some(SHORT_ID)
    );
    let descriptive = LocalSettings {
        descriptive_titles: true,
        ..defaults.clone()
    };
    assert_eq!(
        job_view(&views(&scanner, &descriptive)).task.title,
        "investigate flaky test"
    );

    // Blocked: needs the user; what it waits for is its own words, shown only when descriptive.
    write_job(
        &root,
        SHORT_ID,
        &job_state("blocked", Some("Which retry count should I use?"), None),
    );
    scanner.rescan(None);
    let blocked = job_view(&views(&scanner, &defaults)).clone();
    assert!(
        matches!(blocked.state, LocalState::WaitingForUser(_)),
        "{blocked:#?}"
    );
    assert_eq!(blocked.task.bucket(), Bucket::Waiting);
    assert_eq!(blocked.task.note.as_deref(), Some("Needs you: input"));
    assert_eq!(
        job_view(&views(&scanner, &descriptive))
            .task
            .note
            .as_deref(),
        Some("Needs you: Which retry count should I use?")
    );

    // Done and stopped are final.
    write_job(&root, SHORT_ID, &job_state("done", None, None));
    scanner.rescan(None);
    let done = job_view(&views(&scanner, &defaults)).clone();
    assert_eq!(done.task.state, State::Completed);
    assert!(done.task.completed_at.is_some());
    write_job(&root, SHORT_ID, &job_state("stopped", None, None));
    scanner.rescan(None);
    let stopped = job_view(&views(&scanner, &defaults)).clone();
    assert_eq!(stopped.task.bucket(), Bucket::Cancelled);
    assert_eq!(
        stopped.task.error.as_ref().and_then(|e| e.code.as_deref()),
        Some("stopped")
    );

    // Its transcript on disk: one task, read from the transcript, still the job's.
    write_job(&root, SHORT_ID, &job_state("working", None, None));
    let project = root.join("projects/-home-dev-src-acme-api--claude-worktrees-flaky-test");
    fs::create_dir_all(&project).unwrap();
    fs::write(
        project.join(format!("{JOB_SESSION}.jsonl")),
        format!(
            "{{\"type\":\"user\",\"sessionId\":\"{JOB_SESSION}\",\"cwd\":\"/home/dev/src/acme-api/.claude/worktrees/flaky-test\",\"timestamp\":\"2026-08-22T07:35:01Z\",\"message\":{{\"content\":\"Find the flaky test\"}}}}\n"
        ),
    )
    .unwrap();
    scanner.rescan(None);
    let all = views(&scanner, &defaults);
    assert_eq!(
        all.len(),
        1,
        "one task for the job and its transcript: {all:#?}"
    );
    let joined = job_view(&all);
    assert!(joined.from_transcript);
    assert_eq!(joined.task.kind, TaskKind::Task);
    assert_eq!(joined.task.state, State::InProgress);
    assert_eq!(joined.task.progress.as_deref(), Some("1 turn"));
}

#[test]
fn old_finished_jobs_are_not_shown_and_running_ones_always_are() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join(".claude");
    let long_ago: DateTime<Utc> = Utc::now() - WATCH_RECENT * 2;
    let at = long_ago.to_rfc3339();
    write_job(&root, "olddone1", &job_state("done", None, Some(&at)));
    fs::File::options()
        .write(true)
        .open(root.join("jobs/olddone1/state.json"))
        .unwrap()
        .set_modified(long_ago.into())
        .unwrap();
    // Finished as long ago, but its file was written just now (a tool that does not move
    // `updatedAt`): shown.
    write_job(&root, "newdone1", &{
        let mut json: Value = serde_json::from_str(&job_state("done", None, Some(&at))).unwrap();
        json["sessionId"] = "0e0e0e0e-1111-4222-8333-444455556666".into();
        json.to_string()
    });
    write_job(&root, "oldwork1", &{
        let mut json: Value = serde_json::from_str(&job_state("working", None, Some(&at))).unwrap();
        json["sessionId"] = "0f0f0f0f-1111-4222-8333-444455556666".into();
        json.to_string()
    });
    write_job(&root, "-rf", &job_state("working", None, None));
    let mut scanner = ToolScanner::new(LocalTool::ClaudeCode, root);
    scanner.rescan(Some(WATCH_RECENT));
    let ids: Vec<String> = views(&scanner, &LocalSettings::default())
        .into_iter()
        .map(|v| v.task.id)
        .collect();
    assert_eq!(
        ids,
        [
            "0e0e0e0e-1111-4222-8333-444455556666",
            "0f0f0f0f-1111-4222-8333-444455556666"
        ]
    );
}

/// A `claude` that appends its arguments to `argv`, marks the job stopped as the real one would,
/// and then removes itself (so the next stop finds no `claude`).
fn fake_claude(bin: &Path, argv: &Path, jobs: &Path) {
    fs::create_dir_all(bin).unwrap();
    let claude = bin.join("claude");
    fs::write(
        &claude,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{argv}'\n\
             sed 's/\"working\"/\"stopped\"/' '{jobs}'/\"$2\"/state.json > '{jobs}'/\"$2\"/state.new\n\
             mv '{jobs}'/\"$2\"/state.new '{jobs}'/\"$2\"/state.json\nrm -f \"$0\"\n",
            argv = argv.display(),
            jobs = jobs.display(),
        ),
    )
    .unwrap();
    fs::set_permissions(&claude, fs::Permissions::from_mode(0o755)).unwrap();
}

fn tasks(demo: &Demo) -> Vec<Value> {
    let (status, body) = demo.get("/v1/tasks");
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    json["tasks"].as_array().cloned().unwrap_or_default()
}

fn wait_for_task(demo: &Demo, key: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(task) = tasks(demo).into_iter().find(|t| t["key"] == key)
            && ok(&task)
        {
            return task;
        }
        assert!(
            Instant::now() < deadline,
            "{key}: {what} never came; log:\n{}",
            demo.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn actions(task: &Value) -> Vec<String> {
    task["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect()
}

/// `POST /v1/tasks/{key}/actions/stop`: (status, body).
async fn stop(demo: &Demo, key: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/tasks/{key}/actions/stop", demo.endpoint.url))
        .bearer_auth(&demo.endpoint.token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_runs_claude_stop_for_a_background_job_only() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join(".claude");
    write_job(&root, SHORT_ID, &job_state("working", None, None));
    write_job(&root, "second01", &{
        let mut json: Value = serde_json::from_str(&job_state("working", None, None)).unwrap();
        json["sessionId"] = "0f0f0f0f-1111-4222-8333-444455556666".into();
        json.to_string()
    });
    let project = root.join("projects/-home-dev-src-acme-api");
    fs::create_dir_all(&project).unwrap();
    fs::copy(
        fixtures().join(format!(
            "projects/-home-dev-src-acme-api/{INTERACTIVE}.jsonl"
        )),
        project.join(format!("{INTERACTIVE}.jsonl")),
    )
    .unwrap();
    let bin = home.path().join("bin");
    let argv = home.path().join("argv");
    fake_claude(&bin, &argv, &root.join("jobs"));
    // Only the fake `claude` and the tools it uses: never a real one elsewhere on PATH.
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let empty = std::ffi::OsStr::new("");
    let sim = common::start_sim(agentbar::sim::Scenario::builtin()).await;
    let demo = Demo::run_with_env(
        &sim.base,
        &[
            ("HOME", home.path().as_os_str()),
            ("PATH", std::ffi::OsStr::new(&path)),
            ("CLAUDE_CONFIG_DIR", empty),
            ("CODEX_HOME", empty),
            ("COPILOT_HOME", empty),
            ("GEMINI_CLI_HOME", empty),
        ],
    );
    let job_key = format!("claude-code:{JOB_SESSION}");
    let job = wait_for_task(&demo, &job_key, "the running job", |t| {
        t["bucket"] == "running"
    });
    assert_eq!(job["kind"], "task", "{job:#}");
    assert!(actions(&job).contains(&"stop".to_owned()), "{job:#}");
    let interactive_key = format!("claude-code:{INTERACTIVE}");
    let interactive = wait_for_task(&demo, &interactive_key, "the session", |_| true);
    assert!(
        !actions(&interactive).contains(&"stop".to_owned()),
        "{interactive:#}"
    );

    // The interactive session keeps no stop, and nothing is run for it.
    let (status, body) = stop(&demo, &interactive_key).await;
    assert_eq!(status, 409, "{body:#}");
    // The source says why: no way to stop an interactive session, not "nothing to stop".
    assert_eq!(body["error"]["code"], "not_supported", "{body:#}");
    assert!(!argv.exists(), "claude was run for an interactive session");

    // The job: `claude stop <short id>`, and the job's own file then says it stopped.
    let (status, body) = stop(&demo, &job_key).await;
    assert_eq!(status, 202, "{body:#}; log:\n{}", demo.log());
    assert_eq!(
        fs::read_to_string(&argv).unwrap(),
        format!("stop\n{SHORT_ID}\n")
    );
    let stopped = wait_for_task(&demo, &job_key, "the stopped job", |t| {
        t["bucket"] == "cancelled"
    });
    assert!(
        !actions(&stopped).contains(&"stop".to_owned()),
        "{stopped:#}"
    );

    // No `claude` any more: a clear error, nothing else changes.
    let second = "claude-code:0f0f0f0f-1111-4222-8333-444455556666";
    wait_for_task(&demo, second, "the second job", |t| {
        t["bucket"] == "running"
    });
    let (status, body) = stop(&demo, second).await;
    assert_eq!(status, 409, "{body:#}");
    let text = body.to_string();
    assert!(
        text.contains("tool_missing") && text.contains("`claude` command is not installed"),
        "{text}"
    );
    assert_eq!(
        fs::read_to_string(&argv).unwrap(),
        format!("stop\n{SHORT_ID}\n")
    );
    let (status, _) = demo.get("/v1/health");
    assert_eq!(status, 200, "still running");
}
