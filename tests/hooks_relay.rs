//! `agentbar hook` and `POST /v1/local/hook`, for real: the binary relays each sample payload
//! of Claude Code and Codex to a running core's API, which hands exactly the whitelisted event
//! to the local sources' inbox; the relay prints nothing and exits 0 whatever happens (no
//! agentbar, an agentbar that fails or never answers, garbage or endless input); the route is
//! behind the guard and refuses what is not a hook event with a clear 400.

mod common;

use agentbar::local::event::{HookEventKind, HookInbox, LocalHookEvent, LocalTool};
use agentbar::server::Endpoint;
use common::Harness;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PAYLOADS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hooks/payloads");

/// `agentbar hook ARGS` with `stdin` on its standard input, against the agent in `state_dir`.
fn hook(state_dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_agentbar"))
        .arg("hook")
        .args(args)
        .env("AGENTBAR_STATE_DIR", state_dir)
        .env_remove("AGENTBAR_HOOK_DEBUG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let payload = stdin.to_vec();
    // The relay may stop reading early; a broken pipe here is its right.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&payload);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

fn assert_silent_success(output: &Output, what: &str) {
    assert_eq!(output.status.code(), Some(0), "{what}: exit status");
    assert!(
        output.stdout.is_empty(),
        "{what}: stdout must stay empty (agents read it), got {:?}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        output.stderr.is_empty(),
        "{what}: stderr is for AGENTBAR_HOOK_DEBUG=1 only, got {:?}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn take_inbox(harness: &Harness) -> HookInbox {
    harness
        .core
        .as_ref()
        .unwrap()
        .hook_inbox
        .lock()
        .unwrap()
        .take()
        .expect("the inbox is the core's until a source takes it")
}

fn next_event(inbox: &HookInbox) -> LocalHookEvent {
    inbox
        .recv_timeout(Duration::from_secs(10))
        .expect("the route handed no event to the inbox")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_payload_reaches_the_core_as_its_whitelist_only() {
    let harness = Harness::start().await;
    let inbox = take_inbox(&harness);
    let state_dir = harness.state_dir();
    let cases: &[(&str, &str, LocalTool, HookEventKind)] = &[
        (
            "claude",
            "claude-code/session-start.json",
            LocalTool::ClaudeCode,
            HookEventKind::SessionStart,
        ),
        (
            "claude",
            "claude-code/user-prompt-submit.json",
            LocalTool::ClaudeCode,
            HookEventKind::PromptSubmit,
        ),
        (
            "claude",
            "claude-code/permission-request.json",
            LocalTool::ClaudeCode,
            HookEventKind::PermissionRequest,
        ),
        (
            "claude",
            "claude-code/notification-permission_prompt.json",
            LocalTool::ClaudeCode,
            HookEventKind::Notification,
        ),
        (
            "claude",
            "claude-code/notification-idle_prompt.json",
            LocalTool::ClaudeCode,
            HookEventKind::Notification,
        ),
        (
            "claude",
            "claude-code/stop.json",
            LocalTool::ClaudeCode,
            HookEventKind::Stop,
        ),
        (
            "claude",
            "claude-code/stop-failure.json",
            LocalTool::ClaudeCode,
            HookEventKind::StopFailure,
        ),
        (
            "claude",
            "claude-code/session-end.json",
            LocalTool::ClaudeCode,
            HookEventKind::SessionEnd,
        ),
        (
            "codex",
            "codex/user-prompt-submit.json",
            LocalTool::Codex,
            HookEventKind::PromptSubmit,
        ),
        (
            "codex",
            "codex/permission-request.json",
            LocalTool::Codex,
            HookEventKind::PermissionRequest,
        ),
        (
            "codex",
            "codex/stop.json",
            LocalTool::Codex,
            HookEventKind::Stop,
        ),
        (
            "codex",
            "codex/stop-failure.json",
            LocalTool::Codex,
            HookEventKind::StopFailure,
        ),
    ];
    for (tool, file, provider, kind) in cases {
        let raw = std::fs::read(Path::new(PAYLOADS).join(file)).unwrap();
        let payload: Value = serde_json::from_slice(&raw).unwrap();
        let (state, tool) = (state_dir.clone(), tool.to_string());
        let output = tokio::task::spawn_blocking(move || hook(&state, &[&tool], &raw))
            .await
            .unwrap();
        assert_silent_success(&output, file);
        let event = next_event(&inbox);
        assert_eq!((event.tool, event.event), (*provider, *kind), "{file}");
        assert_eq!(
            event.session_id,
            payload["session_id"].as_str().unwrap(),
            "{file}"
        );
        assert_eq!(event.cwd.as_deref(), payload["cwd"].as_str(), "{file}");
        assert_eq!(
            event.tool_name.as_deref(),
            payload["tool_name"].as_str(),
            "{file}"
        );
        assert_eq!(
            event.notification_type.as_deref(),
            payload["notification_type"].as_str(),
            "{file}"
        );
        assert_eq!(
            event.error_code.as_deref(),
            payload["error"].as_str(),
            "{file}"
        );
        assert_eq!(
            event.turn_id.as_deref(),
            payload["turn_id"].as_str(),
            "{file}"
        );
        assert!(
            event.pid.is_some(),
            "{file}: the agent's pid binds the session"
        );
        // Nothing private on the way: every string the event holds is a whitelisted field's.
        let kept = serde_json::to_string(&event).unwrap();
        for private in [
            "prompt",
            "tool_input",
            "last_assistant_message",
            "message",
            "error_details",
            "transcript_path",
            "permission_suggestions",
        ] {
            if let Some(value) = payload.get(private) {
                let text = value.to_string();
                let text = text.trim_matches('"');
                assert!(!kept.contains(text), "{file}: {private} leaked: {kept}");
            }
        }
    }
    assert!(inbox.try_recv().is_err(), "one event per hook run");
    harness.stop().await;
}

/// A loopback server that answers every request with `answer` (or never answers, holding the
/// connection, when `None`), and writes an `endpoint.json` pointing at itself into `state`.
fn fake_agent(state: &Path, answer: Option<&'static str>) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    Endpoint::new(format!("http://{address}"), "t0ken".into())
        .write(state)
        .unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            match answer {
                Some(answer) => {
                    let mut stream = stream;
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf);
                    let _ = stream.write_all(answer.as_bytes());
                }
                None => held.push(stream),
            }
        }
    });
    address
}

#[test]
fn the_relay_exits_zero_silently_and_promptly_whatever_happens() {
    let stop = std::fs::read(Path::new(PAYLOADS).join("claude-code/stop.json")).unwrap();
    // Bounds far above a normal run (a few ms) and below what an agent would notice as a
    // hang; they prove the timeouts exist, not a speed.
    let within = |limit: Duration, what: &str, run: &dyn Fn() -> Output| {
        let started = Instant::now();
        let output = run();
        assert_silent_success(&output, what);
        assert!(
            started.elapsed() < limit,
            "{what}: took {:?}",
            started.elapsed()
        );
    };

    let nobody = tempfile::tempdir().unwrap();
    within(Duration::from_secs(5), "agentbar not running", &|| {
        hook(nobody.path(), &["claude"], &stop)
    });
    within(Duration::from_secs(5), "unknown tool", &|| {
        hook(nobody.path(), &["vim", "--flag"], &stop)
    });
    within(Duration::from_secs(5), "no arguments", &|| {
        hook(nobody.path(), &[], &stop)
    });

    let failing = tempfile::tempdir().unwrap();
    fake_agent(
        failing.path(),
        Some(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
    );
    within(Duration::from_secs(5), "agentbar answering 500", &|| {
        hook(failing.path(), &["claude"], &stop)
    });

    let hanging = tempfile::tempdir().unwrap();
    fake_agent(hanging.path(), None);
    within(Duration::from_secs(5), "agentbar never answering", &|| {
        hook(hanging.path(), &["claude"], &stop)
    });

    // 2 MB of garbage, and a valid payload whose tool input alone is 3 MB.
    let garbage: Vec<u8> = (0..2_000_000u32).map(|i| (i % 251) as u8).collect();
    within(Duration::from_secs(5), "2 MB of garbage", &|| {
        hook(failing.path(), &["claude"], &garbage)
    });
    let mut huge = br#"{"session_id":"7b2d4f61-0c3e-4a8b-b5d9-2e7f1a9c3d55","hook_event_name":"PermissionRequest","tool_name":"Write","tool_input":{"content":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'x', 3_000_000));
    huge.extend(br#""}}"#);
    within(Duration::from_secs(5), "a 3 MB payload", &|| {
        hook(failing.path(), &["claude"], &huge)
    });

    // Standard input that never closes: the read gives up, the agent is not held.
    within(Duration::from_secs(6), "stdin never closed", &|| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_agentbar"))
            .args(["hook", "claude"])
            .env("AGENTBAR_STATE_DIR", nobody.path())
            .env_remove("AGENTBAR_HOOK_DEBUG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(b"{\"session_id\":").unwrap();
        let output = child.wait_with_output().unwrap();
        drop(input);
        output
    });

    // A setting that would make any other command fail does not reach the hook.
    let output = Command::new(env!("CARGO_BIN_EXE_agentbar"))
        .args(["hook", "claude"])
        .env("AGENTBAR_STATE_DIR", nobody.path())
        .env("AGENTBAR_NO_KEYCHAIN", "banana")
        .env("AGENTBAR_HOST", "not a host")
        .env_remove("AGENTBAR_HOOK_DEBUG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_silent_success(&output, "broken settings");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_route_is_guarded_and_refuses_what_is_not_a_hook_event() {
    let harness = Harness::start().await;
    let inbox = take_inbox(&harness);
    let url = format!("{}/v1/local/hook", harness.endpoint.url);
    let good = json!({
        "tool": "claude-code",
        "session_id": "7b2d4f61-0c3e-4a8b-b5d9-2e7f1a9c3d55",
        "event": "permission_request",
        "at": "2026-08-22T09:40:00Z",
        "tool_name": "Bash"
    });

    let unauthorised = harness.http.post(&url).json(&good).send().await.unwrap();
    assert_eq!(unauthorised.status(), StatusCode::UNAUTHORIZED);
    let from_a_page = harness
        .request(Method::POST, "/v1/local/hook")
        .header("Origin", "https://evil.example")
        .json(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(from_a_page.status(), StatusCode::FORBIDDEN);
    assert!(
        inbox.try_recv().is_err(),
        "refused requests hand nothing over"
    );

    let post = |body: Vec<u8>| {
        harness
            .request(Method::POST, "/v1/local/hook")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let accepted = post(serde_json::to_vec(&good).unwrap()).await.unwrap();
    assert_eq!(accepted.status(), StatusCode::NO_CONTENT);
    assert_eq!(next_event(&inbox).tool_name.as_deref(), Some("Bash"));

    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        serde_json::to_vec(&body).unwrap()
    };
    for (body, says) in [
        (b"{not json".to_vec(), "not a hook event"),
        (with("prompt", json!("rm -rf /")), "unknown field `prompt`"),
        (with("tool", json!("vim")), "unknown variant `vim`"),
        (
            with("event", json!("PreToolUse")),
            "unknown variant `PreToolUse`",
        ),
        (with("session_id", json!("../../etc")), "session_id"),
        (
            with("tool_name", json!("x".repeat(500))),
            "tool_name is longer",
        ),
        (
            serde_json::to_vec(&json!({"tool": "codex"})).unwrap(),
            "missing field",
        ),
    ] {
        let answer = post(body).await.unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
        let error: Value = answer.json().await.unwrap();
        assert_eq!(error["error"]["code"], "bad_hook_event");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message:?} should say {says:?}");
    }
    let too_large = post(with("cwd", json!("/".repeat(20 * 1024))))
        .await
        .unwrap();
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        inbox.try_recv().is_err(),
        "nothing refused reached the core"
    );
    harness.stop().await;
}
