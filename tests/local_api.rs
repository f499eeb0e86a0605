//! The real binary with `HOME` at a temporary home holding Claude Code and Codex sessions (the
//! fixtures): the local sessions are in `GET /v1/tasks` beside the demo's cloud tasks, as sources
//! of their own, with their states and the actions they allow.

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

#[test]
fn local_sessions_are_listed_beside_the_cloud_tasks() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/local-agents");
    let home = tempfile::tempdir().unwrap();
    copy_tree(&fixtures.join("claude-code"), &home.path().join(".claude"));
    copy_tree(&fixtures.join("codex"), &home.path().join(".codex"));
    let empty = std::ffi::OsStr::new("");
    let demo = Demo::start_with_env(
        &[],
        "",
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
        if local == 9 {
            break tasks;
        }
        assert!(
            Instant::now() < deadline,
            "local tasks never listed: {local} of 9; {body}"
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
}
