//! The real binary with `HOME` at a temporary home holding Claude Code and Codex sessions (the
//! fixtures): the local sessions are in `GET /v1/tasks` beside the simulator's cloud tasks, as sources
//! of their own, with their states and the actions they allow; their logs are served; the saved
//! snapshot never holds them.

mod common;

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use common::Demo;
use serde_json::Value;

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        // Hook payloads are not files a tool keeps; registry files name pids of another machine.
        if matches!(
            name.to_str(),
            Some("hooks" | "notify" | "sessions" | "agents.json")
        ) && from.ends_with("claude-code")
            || name == "hooks"
            || name == "notify"
        {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(&name));
        } else {
            fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_sessions_are_listed_beside_the_cloud_tasks() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/local-agents");
    let home = tempfile::tempdir().unwrap();
    copy_tree(&fixtures.join("claude-code"), &home.path().join(".claude"));
    copy_tree(&fixtures.join("codex"), &home.path().join(".codex"));
    let empty = std::ffi::OsStr::new("");
    let sim = common::start_sim(agentbar::sim::Scenario::builtin()).await;
    let demo = Demo::run_with_env(
        &sim.base,
        &[
            ("HOME", home.path().as_os_str()),
            ("CLAUDE_CONFIG_DIR", empty),
            ("CODEX_HOME", empty),
            ("COPILOT_HOME", empty),
            ("GEMINI_CLI_HOME", empty),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let tasks = loop {
        let (status, body): (u16, String) = demo.get("/v1/tasks");
        assert_eq!(status, 200, "{body}");
        let json: Value = serde_json::from_str(&body).unwrap();
        let tasks = json["tasks"].as_array().cloned().unwrap_or_default();
        let local = tasks
            .iter()
            .filter(|t| t["source"] == "claude-code" || t["source"] == "codex")
            .count();
        if local == 10 {
            break tasks;
        }
        assert!(
            Instant::now() < deadline,
            "local tasks never listed: {local} of 10 (9 sessions and a background job); {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let find = |key: &str| {
        tasks
            .iter()
            .find(|t| t["key"] == key)
            .unwrap_or_else(|| panic!("no {key} in {tasks:#?}"))
            .clone()
    };
    assert!(
        tasks
            .iter()
            .any(|t| t["source"].as_str().is_some_and(|s| s.starts_with("gh:"))),
        "the cloud tasks stay"
    );
    // No `claude` or `codex` runs here: the finished turn is completed, the open one cancelled.
    let done = find("claude-code:c9e47a10-8d2b-4f6e-a1c3-5b9d0e7f2a18");
    assert_eq!(done["provider"], "claude-code");
    assert_eq!(done["bucket"], "completed");
    assert_eq!(
        done["title"], "acme-api",
        "the project, not the prompt, by default"
    );
    let failed = find("claude-code:e1a75c3b-2f94-4d08-8e6a-0b4c7d9f1e26");
    assert_eq!(failed["bucket"], "failed");
    let died = find("codex:0198d1e2-7a3c-7b41-9e25-4c8a1f6d2b90");
    assert_eq!(died["bucket"], "cancelled", "{died:#}");
    assert_eq!(died["repository"], "acme/acme-api");
    let actions: Vec<&str> = done["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        actions.contains(&"resume") && !actions.contains(&"stop"),
        "{actions:?}"
    );

    // A local session's log comes from its own source (`Source::log`), parsed from its
    // transcript into the same events as the cloud logs.
    let (status, body) =
        demo.get("/v1/tasks/claude-code:c9e47a10-8d2b-4f6e-a1c3-5b9d0e7f2a18/logs");
    assert_eq!(status, 200, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    let events = page["events"].as_array().cloned().unwrap_or_default();
    assert!(
        events.iter().any(|e| e["kind"] == "message"),
        "the transcript's messages are events: {page:#}"
    );
    // The saved snapshot holds the cloud account's tasks alone: local titles never reach it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let saved = loop {
        let saved = fs::read_to_string(demo.state.path().join("snapshot.json")).unwrap_or_default();
        if saved.contains("\"tasks\"") {
            break saved;
        }
        assert!(Instant::now() < deadline, "no snapshot saved");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        !saved.contains("claude-code") && !saved.contains("acme-api"),
        "local sessions in the saved snapshot: {saved}"
    );
}

/// `agentbar demo` reads the local sessions its player acts out in its own home (never the
/// user's): they are listed beside the simulator's cloud tasks.
#[test]
fn the_demo_lists_its_players_local_sessions_beside_the_cloud_tasks() {
    let home = tempfile::tempdir().unwrap();
    // A session in the user's home that the demo must not show.
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/local-agents/claude-code"),
        &home.path().join(".claude"),
    );
    let demo = Demo::start_with_env(&[], "", &[("HOME", home.path().as_os_str())]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = demo.get("/v1/tasks");
        assert_eq!(status, 200, "{body}");
        let json: Value = serde_json::from_str(&body).unwrap();
        let tasks = json["tasks"].as_array().cloned().unwrap_or_default();
        assert!(
            !body.contains("c9e47a10-8d2b-4f6e-a1c3-5b9d0e7f2a18"),
            "the demo showed a session of the user's home: {body}"
        );
        let local = tasks.iter().any(|t| t["source"] == "claude-code");
        let cloud = tasks
            .iter()
            .any(|t| t["source"].as_str().is_some_and(|s| s.starts_with("gh:")));
        if local && cloud {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no local session beside the cloud tasks in the demo: {body}; log:\n{}",
            demo.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
