//! Every case of `fixtures/local-agents/expected.json`: the fixture tree copied into a temporary
//! root laid out as the tool's own, read by the tool's scanner (files only, or with the registry
//! file or a hook event on top), and every expected field asserted on the session and its task.

use std::fs;
use std::path::{Path, PathBuf};

use agentbar::local::derive::LocalState;
use agentbar::local::event::{HookEventKind, LocalHookEvent, LocalTool};
use agentbar::local::live::FixedProbe;
use agentbar::local::reading::WaitingKind;
use agentbar::local::scan::{SessionView, ToolScanner};
use agentbar::local::settings::LocalSettings;
use agentbar::local::task::{clean_title, descriptive_title};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/local-agents")
}

fn time(raw: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(raw)
        .unwrap_or_else(|e| panic!("{raw}: {e}"))
        .with_timezone(&Utc)
}

/// Copies the tool's fixture tree without hook payloads and registry files (a case adds its own).
fn copy_tree(from: &Path, to: &Path, top: bool) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let name = name.to_str().unwrap();
        if top
            && matches!(name, "hooks" | "notify" | "sessions" | "agents.json")
            && from.ends_with("claude-code")
            || top && matches!(name, "hooks" | "notify")
        {
            continue;
        }
        let target = to.join(name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target, false);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// What `agentbar hook` would post for a fixture payload: the whitelisted fields only.
fn hook_event(tool: LocalTool, path: &Path, now: DateTime<Utc>) -> LocalHookEvent {
    let payload: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    let s = |key: &str| payload.get(key).and_then(Value::as_str).map(str::to_owned);
    let stem = path.file_stem().unwrap().to_str().unwrap();
    let name =
        s("hook_event_name").unwrap_or_else(|| stem.split(['-', '.']).next().unwrap().into());
    let event = match name.as_str() {
        "SessionStart" | "sessionStart" => HookEventKind::SessionStart,
        "UserPromptSubmit" | "userPromptSubmitted" | "BeforeAgent" => HookEventKind::PromptSubmit,
        "PermissionRequest" | "permissionRequest" => HookEventKind::PermissionRequest,
        "Notification" | "notification" => HookEventKind::Notification,
        "Stop" | "agentStop" | "AfterAgent" => HookEventKind::Stop,
        "StopFailure" => HookEventKind::StopFailure,
        "errorOccurred" => HookEventKind::Error,
        "SessionEnd" | "sessionEnd" => HookEventKind::SessionEnd,
        other => panic!("unknown hook event {other}"),
    };
    let at = match payload.get("timestamp") {
        Some(Value::String(t)) => time(t),
        Some(Value::Number(ms)) => DateTime::from_timestamp_millis(ms.as_i64().unwrap()).unwrap(),
        _ => now,
    };
    LocalHookEvent {
        tool,
        session_id: s("session_id").or_else(|| s("sessionId")).unwrap(),
        event,
        at,
        cwd: s("cwd"),
        notification_type: s("notification_type"),
        tool_name: s("tool_name"),
        error_code: s("error").or_else(|| s("error_type")),
        recoverable: payload.get("recoverable").and_then(Value::as_bool),
        reason: s("reason"),
        turn_id: s("turn_id"),
        pid: None,
    }
}

struct Case {
    label: String,
    view: SessionView,
    descriptive: SessionView,
    waiting_counted: SessionView,
}

fn run_case(case: &Value, now: DateTime<Utc>) -> Case {
    let provider = case["provider"].as_str().unwrap();
    let tool = LocalTool::parse(provider).unwrap();
    let file = case["file"].as_str().unwrap();
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join(provider);
    copy_tree(&fixtures().join(provider), &root, true);
    if let Some(registry) = case.get("registry").and_then(Value::as_str) {
        let target = root.join(registry.strip_prefix("claude-code/").unwrap());
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::copy(fixtures().join(registry), target).unwrap();
    }
    let mut scanner = ToolScanner::new(tool, root.clone());
    scanner.rescan(None);
    if let Some(hook) = case.get("hook").and_then(Value::as_str) {
        scanner.hook(&hook_event(tool, &fixtures().join(hook), now));
    }
    let alive = case["process_alive"].as_bool().unwrap();
    let probe = FixedProbe(Some(alive));
    let path = root.join(file.split_once('/').unwrap().1);
    let pick = |settings: &LocalSettings| {
        scanner
            .sessions(&probe, settings, now)
            .into_iter()
            .find(|v| v.path == path)
            .unwrap_or_else(|| panic!("{file}: no session read"))
    };
    let defaults = LocalSettings::default();
    let label = format!(
        "{file} (alive: {alive}, registry: {}, hook: {})",
        case["registry"],
        case.get("hook").unwrap_or(&Value::Null)
    );
    Case {
        label,
        view: pick(&defaults),
        descriptive: pick(&LocalSettings {
            descriptive_titles: true,
            ..defaults.clone()
        }),
        waiting_counted: pick(&LocalSettings {
            your_turn: TimeDelta::days(365),
            ..defaults
        }),
    }
}

fn check(case: &Case, expect: &serde_json::Map<String, Value>) {
    let v = &case.view;
    let task = &v.task;
    let r = &v.reading;
    let label = &case.label;
    for (key, want) in expect {
        let s = want.as_str();
        match key.as_str() {
            "id" => assert_eq!(Some(task.key().to_string()).as_deref(), s, "{label}: id"),
            "kind" => assert_eq!(Some(task.kind.as_str()), s, "{label}: kind"),
            "state" => assert_eq!(Some(v.state.as_str()), s, "{label}: state"),
            "bucket" => assert_eq!(Some(task.bucket().as_str()), s, "{label}: bucket"),
            "bucket_if_idle_counts_as_waiting" => assert_eq!(
                Some(case.waiting_counted.task.bucket().as_str()),
                s,
                "{label}: bucket while the finished turn counts as waiting"
            ),
            "title_default" => assert_eq!(Some(task.title.as_str()), s, "{label}: title"),
            "title_descriptive" => {
                assert_eq!(
                    descriptive_title(r).as_deref(),
                    s,
                    "{label}: descriptive title"
                );
                assert_eq!(
                    case.descriptive.task.title,
                    clean_title(s.unwrap()),
                    "{label}: the task's descriptive title"
                );
            }
            "cwd" => assert_eq!(r.cwd.as_deref(), s, "{label}: cwd"),
            "branch" => assert_eq!(
                task.branch.as_ref().map(|b| b.head_ref.as_str()),
                s,
                "{label}: branch"
            ),
            "repository" => assert_eq!(task.repository.as_deref(), s, "{label}: repository"),
            "progress" => assert_eq!(task.progress.as_deref(), s, "{label}: progress"),
            "tool_calls" => assert_eq!(
                Some(u64::from(r.tool_calls)),
                want.as_u64(),
                "{label}: tool calls"
            ),
            "messages_after_dedupe" => {
                assert_eq!(
                    Some(u64::from(r.messages)),
                    want.as_u64(),
                    "{label}: messages"
                )
            }
            "tokens_total" => assert_eq!(r.tokens_total, want.as_u64(), "{label}: tokens"),
            "model" => assert_eq!(r.model.as_deref(), s, "{label}: model"),
            "cli_version" => assert_eq!(r.cli_version.as_deref(), s, "{label}: cli version"),
            "created_at" => assert_eq!(Some(task.created_at), s.map(time), "{label}: created_at"),
            "updated_at" => assert_eq!(Some(task.updated_at), s.map(time), "{label}: updated_at"),
            "completed_at" => assert_eq!(task.completed_at, s.map(time), "{label}: completed_at"),
            "pending_tool" => assert_eq!(r.pending_tool.as_deref(), s, "{label}: pending tool"),
            "waiting_for" | "waiting_detail" => {
                let LocalState::WaitingForUser(waiting) = &v.state else {
                    panic!("{label}: not waiting but {:?}", v.state);
                };
                if key == "waiting_for" {
                    assert_eq!(Some(waiting.kind.as_str()), s, "{label}: waiting for");
                    assert_eq!(
                        waiting.kind == WaitingKind::Permission,
                        s == Some("permission")
                    );
                } else {
                    assert_eq!(waiting.detail.as_deref(), s, "{label}: waiting detail");
                }
            }
            "error" => {
                let error = task
                    .error
                    .as_ref()
                    .unwrap_or_else(|| panic!("{label}: no error"));
                assert_eq!(
                    error.code.as_deref(),
                    want["code"].as_str(),
                    "{label}: error code"
                );
                if let Some(message) = want.get("message").and_then(Value::as_str) {
                    assert_eq!(error.message, message, "{label}: error message");
                }
            }
            other => panic!("{label}: expected.json has a field this test does not check: {other}"),
        }
    }
}

#[test]
fn every_fixture_case_reads_as_expected() {
    let expected: Value =
        serde_json::from_slice(&fs::read(fixtures().join("expected.json")).unwrap()).unwrap();
    let now = time(expected["now"].as_str().unwrap());
    let cases = expected["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 23, "expected.json lists 23 cases");
    for case in cases {
        let ran = run_case(case, now);
        check(&ran, case["expect"].as_object().unwrap());
    }
}

#[test]
fn the_documented_limits_hold_on_both_sides() {
    // Files alone cannot see Codex's and Gemini's approval prompts: the task says so.
    let expected: Value =
        serde_json::from_slice(&fs::read(fixtures().join("expected.json")).unwrap()).unwrap();
    let now = time(expected["now"].as_str().unwrap());
    for case in expected["cases"].as_array().unwrap() {
        let ran = run_case(case, now);
        let task = &ran.view.task;
        let hooked = case.get("hook").is_some();
        let provider = case["provider"].as_str().unwrap();
        if ran.view.state == LocalState::Running
            && !hooked
            && matches!(provider, "codex" | "gemini-cli")
        {
            let note = task.note.as_deref().unwrap_or_default();
            assert!(
                note.contains("not visible without hooks"),
                "{}: {note:?}",
                ran.label
            );
        }
        if let LocalState::WaitingForUser(_) = ran.view.state {
            let note = task.note.as_deref().unwrap_or_default();
            assert!(note.starts_with("Needs you: "), "{}: {note:?}", ran.label);
            // A command line is the user's content: named only with descriptive titles.
            assert!(!note.contains("rm -rf"), "{}: {note:?}", ran.label);
            let descriptive = ran.descriptive.task.note.unwrap_or_default();
            if provider == "copilot-cli" {
                assert_eq!(descriptive, "Needs you: rm -rf gen/ && buf generate");
            }
        }
        assert!(
            task.url
                .starts_with(&format!("agentbar://local/{provider}/"))
        );
    }
}
