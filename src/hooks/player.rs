//! The demo's local agents: a player that acts out Claude Code and Codex sessions in a private
//! home in the state directory, so `agentbar demo` shows local sessions moving through running
//! → needs you → your turn → done beside the simulated cloud tasks. It writes what the tools
//! themselves write, in their layouts (Claude Code transcripts and its live registry, Codex
//! rollouts and their writer locks, shaped after the tools' documented records and the shared
//! samples), and sends the hook events their hooks would send. Each session has a stand-in
//! process that lives while the session does (and ends with agentbar, even when agentbar is
//! killed). The home is removed when the player stops, and at the next start after a kill.

use chrono::{DateTime, Local, Utc};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::local::event::{HookEventKind, HookSink, LocalHookEvent, LocalTool};

/// How many finished sessions per tool stay on disk (older ones are deleted).
const KEEP_FINISHED: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum PlayerError {
    #[error("cannot set up the demo's local agents: {0}")]
    Setup(#[from] std::io::Error),
}

/// The demo's private home (`.claude`, `.codex` and the projects the sessions work in), a
/// directory in the state directory: private like it, and used by one demo at a time (the
/// instance lock), so what a killed demo left there is removed at the next start.
pub struct LocalPlayer {
    home: PathBuf,
}

/// The home's name in the state directory.
pub const HOME_DIR: &str = "demo-home";

/// The projects the demo sessions work in (directories under the private home).
const PROJECTS: [(&str, &str); 2] = [("acme-api", "fix/retry-backoff"), ("web-dashboard", "main")];

impl LocalPlayer {
    pub fn new(state_dir: &Path) -> Result<LocalPlayer, PlayerError> {
        let home = state_dir.join(HOME_DIR);
        match std::fs::remove_dir_all(&home) {
            Ok(()) => tracing::info!("removed the local agents a killed demo left behind"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        crate::store::create_private_dir(&home)?;
        // From here on, dropping the player removes the home.
        let player = LocalPlayer { home };
        for dir in [
            ".claude/projects",
            ".claude/sessions",
            ".codex/sessions",
            ".codex/thread-writer-locks",
        ] {
            std::fs::create_dir_all(player.home.join(dir))?;
        }
        for (project, _) in PROJECTS {
            std::fs::create_dir_all(player.home.join("src").join(project))?;
        }
        Ok(player)
    }

    /// The home the local sources read in the demo (in place of the user's).
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// Plays both tools' sessions over and over until `cancel`, `speed` times as fast; then
    /// ends the stand-in processes and removes the home.
    pub async fn run(self, hooks: HookSink, speed: f64, cancel: CancellationToken) {
        let stage = Stage {
            home: self.home.clone(),
            hooks,
            speed: if speed.is_finite() && speed > 0.0 {
                speed
            } else {
                1.0
            },
            cancel,
        };
        let claude = async {
            let mut finished = Vec::new();
            while !stage.cancel.is_cancelled() {
                if let Err(e) = play_claude(&stage, &mut finished).await {
                    tracing::warn!(error = %e, "the demo's Claude Code session stopped");
                    stage.pause(30.0).await;
                }
            }
        };
        let codex = async {
            let mut finished = Vec::new();
            // Out of step with Claude, so the two are seldom in the same state.
            stage.pause(9.0).await;
            while !stage.cancel.is_cancelled() {
                if let Err(e) = play_codex(&stage, &mut finished).await {
                    tracing::warn!(error = %e, "the demo's Codex session stopped");
                    stage.pause(30.0).await;
                }
            }
        };
        tokio::join!(claude, codex);
        // `self` is dropped here: the directory and everything in it are removed.
    }
}

impl Drop for LocalPlayer {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.home) {
            tracing::warn!(error = %e, "cannot remove the demo's local agents");
        }
    }
}

struct Stage {
    home: PathBuf,
    hooks: HookSink,
    speed: f64,
    cancel: CancellationToken,
}

impl Stage {
    /// Waits `seconds` of scenario time; returns early when the demo stops.
    async fn pause(&self, seconds: f64) {
        let wait = Duration::from_secs_f64(seconds / self.speed);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = self.cancel.cancelled() => {}
        }
    }

    fn project(&self, index: usize) -> (String, &'static str) {
        let (name, branch) = PROJECTS[index % PROJECTS.len()];
        (
            self.home
                .join("src")
                .join(name)
                .to_string_lossy()
                .into_owned(),
            branch,
        )
    }

    /// What the tool's hook would post (through `agentbar hook`), handed to the sources.
    fn hook(&self, tool: LocalTool, session: &Session, event: HookEventKind, extra: HookExtra) {
        let event = LocalHookEvent {
            tool,
            session_id: session.id.clone(),
            event,
            at: Utc::now(),
            cwd: Some(session.cwd.clone()),
            notification_type: extra.notification_type.map(str::to_owned),
            tool_name: extra.tool_name.map(str::to_owned),
            error_code: None,
            recoverable: None,
            reason: extra.reason.map(str::to_owned),
            turn_id: session.turn.clone(),
            pid: Some(session.process.pid()),
        };
        if !self.hooks.send(event) {
            tracing::debug!("the demo's hook event was dropped (no local source listening)");
        }
    }
}

#[derive(Default)]
struct HookExtra {
    notification_type: Option<&'static str>,
    tool_name: Option<&'static str>,
    reason: Option<&'static str>,
}

/// A process that stands for the agent: alive while the session is, gone when it ends (and
/// when agentbar ends, even killed: it watches its parent).
struct StandIn {
    #[cfg(unix)]
    child: std::process::Child,
}

impl StandIn {
    fn start() -> std::io::Result<StandIn> {
        #[cfg(unix)]
        {
            let child = std::process::Command::new("sh")
                .args(["-c", "while kill -0 $PPID 2>/dev/null; do sleep 1; done"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()?;
            Ok(StandIn { child })
        }
        #[cfg(not(unix))]
        Ok(StandIn {})
    }

    fn pid(&self) -> u32 {
        #[cfg(unix)]
        return self.child.id();
        #[cfg(not(unix))]
        std::process::id()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

struct Session {
    id: String,
    cwd: String,
    branch: &'static str,
    transcript: PathBuf,
    /// The last record's id (Claude's `parentUuid` chain).
    last: Option<String>,
    turn: Option<String>,
    process: StandIn,
    started: DateTime<Utc>,
}

/// A random id in the UUID layout the tools use for sessions.
fn uuid() -> String {
    let b: [u8; 16] = rand::random();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn append(path: &Path, record: &Value) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
    line.push(b'\n');
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?
        .write_all(&line)
}

/// Deletes the oldest finished sessions' files beyond [`KEEP_FINISHED`].
fn forget_old(finished: &mut Vec<PathBuf>, done: PathBuf) {
    finished.push(done);
    while finished.len() > KEEP_FINISHED {
        let old = finished.remove(0);
        let _ = std::fs::remove_file(&old);
    }
}

/// Claude Code's project directory name: the cwd with every non-alphanumeric character as '-'.
fn claude_project_dir(cwd: &str) -> String {
    cwd.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

impl Session {
    /// A Claude Code conversation record with the envelope every entry carries.
    fn claude_entry(&mut self, kind: &str, body: Value) -> Value {
        let uuid = uuid();
        let mut entry = json!({
            "parentUuid": self.last,
            "isSidechain": false,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.id,
            "version": "2.1.240",
            "gitBranch": self.branch,
            "entrypoint": "cli",
            "type": kind,
        });
        if let (Value::Object(entry), Value::Object(body)) = (&mut entry, body) {
            entry.extend(body);
            entry.insert("uuid".into(), json!(uuid));
            entry.insert("timestamp".into(), json!(now()));
        }
        self.last = Some(uuid);
        entry
    }

    /// `sessions/<pid>.json`, Claude Code's live registry entry for this process.
    fn claude_registry(
        &self,
        home: &Path,
        status: &str,
        waiting_for: Option<&str>,
    ) -> std::io::Result<()> {
        let now_ms = Utc::now().timestamp_millis();
        let mut entry = json!({
            "pid": self.process.pid(),
            "sessionId": self.id,
            "cwd": self.cwd,
            "startedAt": self.started.timestamp_millis(),
            "version": "2.1.240",
            "peerProtocol": 1,
            "kind": "interactive",
            "entrypoint": "cli",
            "status": status,
            "updatedAt": now_ms,
            "statusUpdatedAt": now_ms,
        });
        if let (Some(waiting_for), Value::Object(map)) = (waiting_for, &mut entry) {
            map.insert("waitingFor".into(), json!(waiting_for));
        }
        let path = claude_registry_path(home, self.process.pid());
        let bytes = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        crate::store::write_atomically(&home.join(".claude/sessions"), &path, &bytes)
            .map_err(std::io::Error::other)
    }
}

fn claude_registry_path(home: &Path, pid: u32) -> PathBuf {
    home.join(".claude/sessions").join(format!("{pid}.json"))
}

/// One Claude Code session: a prompt, a Bash command that needs approval, the result, the
/// answer (your turn), then the user quits.
async fn play_claude(stage: &Stage, finished: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let (cwd, branch) = stage.project(finished.len());
    let id = uuid();
    let dir = stage
        .home
        .join(".claude/projects")
        .join(claude_project_dir(&cwd));
    std::fs::create_dir_all(&dir)?;
    let mut s = Session {
        transcript: dir.join(format!("{id}.jsonl")),
        id,
        cwd,
        branch,
        last: None,
        turn: None,
        process: StandIn::start()?,
        started: Utc::now(),
    };
    let tool = LocalTool::ClaudeCode;
    s.claude_registry(&stage.home, "busy", None)?;
    stage.hook(tool, &s, HookEventKind::SessionStart, HookExtra::default());
    let prompt = s.claude_entry(
        "user",
        json!({
            "permissionMode": "default",
            "message": {"role": "user", "content": "The retry helper never backs off past 2 s. Make the backoff exponential with jitter and add a test."}
        }),
    );
    append(&s.transcript, &prompt)?;
    stage.hook(tool, &s, HookEventKind::PromptSubmit, HookExtra::default());
    stage.pause(3.0).await;

    let read = s.claude_entry("assistant", claude_message("msg_demo_a", "req_demo_a", json!([
        {"type": "tool_use", "id": "toolu_demo_read", "name": "Read", "input": {"file_path": "src/net/retry.rs"}}
    ]), None));
    append(&s.transcript, &read)?;
    stage.pause(2.0).await;
    let result = s.claude_entry(
        "user",
        claude_tool_result(
            "toolu_demo_read",
            "pub fn backoff(attempt: u32) -> Duration {\n    Duration::from_secs(2)\n}",
        ),
    );
    append(&s.transcript, &result)?;
    stage.pause(3.0).await;

    // Needs you: the test run asks for permission.
    let bash = s.claude_entry("assistant", claude_message("msg_demo_b", "req_demo_b", json!([
        {"type": "tool_use", "id": "toolu_demo_test", "name": "Bash", "input": {"command": "cargo test -p net retry", "description": "Run the retry tests"}}
    ]), None));
    append(&s.transcript, &bash)?;
    s.claude_registry(&stage.home, "waiting", Some("approve Bash"))?;
    let bash_tool = HookExtra {
        tool_name: Some("Bash"),
        ..HookExtra::default()
    };
    stage.hook(tool, &s, HookEventKind::PermissionRequest, bash_tool);
    stage.hook(
        tool,
        &s,
        HookEventKind::Notification,
        HookExtra {
            notification_type: Some("permission_prompt"),
            ..HookExtra::default()
        },
    );
    stage.pause(12.0).await;

    // Approved: the command runs.
    s.claude_registry(&stage.home, "busy", None)?;
    let result = s.claude_entry(
        "user",
        claude_tool_result(
            "toolu_demo_test",
            "running 3 tests\ntest retry::backs_off ... ok\ntest result: ok. 3 passed; 0 failed",
        ),
    );
    append(&s.transcript, &result)?;
    stage.pause(5.0).await;

    // Your turn: the answer, then the end-of-turn marker.
    let answer = s.claude_entry("assistant", claude_message("msg_demo_c", "req_demo_c", json!([
        {"type": "text", "text": "Backoff is now exponential (base 250 ms, cap 30 s) with full jitter; a test checks the bounds."}
    ]), Some("end_turn")));
    append(&s.transcript, &answer)?;
    let marker = s.claude_entry(
        "system",
        json!({"subtype": "turn_duration", "durationMs": 25000, "isMeta": false}),
    );
    append(&s.transcript, &marker)?;
    s.claude_registry(&stage.home, "idle", None)?;
    stage.hook(tool, &s, HookEventKind::Stop, HookExtra::default());
    stage.pause(20.0).await;

    // Done: the user quits; the registry entry goes with the process.
    stage.hook(
        tool,
        &s,
        HookEventKind::SessionEnd,
        HookExtra {
            reason: Some("prompt_input_exit"),
            ..HookExtra::default()
        },
    );
    let _ = std::fs::remove_file(claude_registry_path(&stage.home, s.process.pid()));
    let transcript = s.transcript.clone();
    drop(s);
    forget_old(finished, transcript);
    stage.pause(12.0).await;
    Ok(())
}

fn claude_message(id: &str, request: &str, content: Value, stop: Option<&str>) -> Value {
    json!({
        "requestId": request,
        "message": {
            "model": "claude-opus-4-7",
            "id": id,
            "type": "message",
            "role": "assistant",
            "content": content,
            "stop_reason": stop,
            "stop_sequence": null,
            "usage": {"input_tokens": 4, "cache_creation_input_tokens": 600, "cache_read_input_tokens": 18200, "output_tokens": 90, "service_tier": "standard"}
        }
    })
}

fn claude_tool_result(tool_use_id: &str, output: &str) -> Value {
    json!({
        "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": tool_use_id, "content": output, "is_error": false}
        ]},
        "toolUseResult": {"stdout": output, "stderr": "", "interrupted": false}
    })
}

/// One Codex session: a prompt, a command that needs approval outside the sandbox (which Codex
/// never writes to its rollout: only the hook tells), the result, the answer, then the user
/// quits (the writer lock is released).
async fn play_codex(stage: &Stage, finished: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let (cwd, branch) = stage.project(finished.len() + 1);
    let id = uuid();
    let local = Local::now();
    let dir = stage
        .home
        .join(".codex/sessions")
        .join(local.format("%Y/%m/%d").to_string());
    std::fs::create_dir_all(&dir)?;
    let s = Session {
        transcript: dir.join(format!(
            "rollout-{}-{id}.jsonl",
            local.format("%Y-%m-%dT%H-%M-%S")
        )),
        id,
        cwd,
        branch,
        last: None,
        turn: Some(uuid()),
        process: StandIn::start()?,
        started: Utc::now(),
    };
    let lock_path = stage
        .home
        .join(".codex/thread-writer-locks")
        .join(format!("{}.lock", s.id));
    let lock = std::fs::File::create(&lock_path)?;
    lock.lock()?;
    let tool = LocalTool::Codex;
    let record =
        |kind: &str, payload: Value| json!({"timestamp": now(), "type": kind, "payload": payload});
    let event = |payload: Value| record("event_msg", payload);
    let turn = s.turn.clone().unwrap_or_default();
    append(
        &s.transcript,
        &record(
            "session_meta",
            json!({
                "id": s.id, "timestamp": now(), "cwd": s.cwd, "originator": "codex-tui",
                "cli_version": "0.154.0", "source": "cli", "model_provider": "openai",
                "git": {"branch": s.branch, "repository_url": "git@github.com:acme/acme-api.git"}
            }),
        ),
    )?;
    append(
        &s.transcript,
        &record(
            "turn_context",
            json!({
                "turn_id": turn, "cwd": s.cwd, "approval_policy": "on-request",
                "sandbox_policy": {"type": "workspace-write", "network_access": false},
                "model": "gpt-5.5", "effort": "high", "summary": "auto"
            }),
        ),
    )?;
    append(
        &s.transcript,
        &event(
            json!({"type": "task_started", "turn_id": turn, "started_at": Utc::now().timestamp(), "model_context_window": 272000}),
        ),
    )?;
    let prompt = "Regenerate the protobuf code and fix what breaks.";
    append(
        &s.transcript,
        &record(
            "response_item",
            json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": prompt}]}),
        ),
    )?;
    append(
        &s.transcript,
        &event(
            json!({"type": "user_message", "message": prompt, "local_images": [], "text_elements": []}),
        ),
    )?;
    stage.hook(tool, &s, HookEventKind::SessionStart, HookExtra::default());
    stage.hook(tool, &s, HookEventKind::PromptSubmit, HookExtra::default());
    stage.pause(4.0).await;

    append(
        &s.transcript,
        &event(json!({"type": "agent_reasoning", "text": "**Finding the generator config**"})),
    )?;
    stage.pause(3.0).await;

    // Needs you: the command asks to leave the sandbox.
    append(
        &s.transcript,
        &record(
            "response_item",
            json!({
                "type": "function_call", "name": "exec_command", "call_id": "call_demo_gen",
                "arguments": "{\"cmd\": \"buf generate\", \"sandbox_permissions\": \"require_escalated\", \"justification\": \"Write generated code outside the sandbox\"}"
            }),
        ),
    )?;
    stage.hook(
        tool,
        &s,
        HookEventKind::PermissionRequest,
        HookExtra {
            tool_name: Some("Bash"),
            ..HookExtra::default()
        },
    );
    stage.pause(14.0).await;

    // Approved: the output arrives and the turn goes on.
    append(
        &s.transcript,
        &record(
            "response_item",
            json!({
                "type": "function_call_output", "call_id": "call_demo_gen",
                "output": "Process exited with code 0\nOutput:\ngen/acme/v1/api.pb.go\n"
            }),
        ),
    )?;
    stage.pause(5.0).await;

    // Your turn.
    let answer = "Regenerated the protobuf code; two call sites needed the renamed field.";
    append(
        &s.transcript,
        &record(
            "response_item",
            json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": answer}], "phase": "final_answer"}),
        ),
    )?;
    append(
        &s.transcript,
        &event(json!({"type": "agent_message", "message": answer, "phase": "final_answer"})),
    )?;
    append(
        &s.transcript,
        &event(json!({
            "type": "token_count",
            "info": {"total_token_usage": {"input_tokens": 15210, "cached_input_tokens": 11008, "output_tokens": 402, "reasoning_output_tokens": 128, "total_tokens": 15612}}
        })),
    )?;
    append(
        &s.transcript,
        &event(
            json!({"type": "task_complete", "turn_id": turn, "last_agent_message": answer, "completed_at": Utc::now().timestamp(), "duration_ms": 26000}),
        ),
    )?;
    stage.hook(tool, &s, HookEventKind::Stop, HookExtra::default());
    stage.pause(18.0).await;

    // Done: Codex exits and its writer lock is released.
    let _ = lock.unlock();
    drop(lock);
    let _ = std::fs::remove_file(&lock_path);
    let transcript = s.transcript.clone();
    drop(s);
    forget_old(finished, transcript);
    stage.pause(12.0).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_the_tools_own_and_project_dirs_are_escaped() {
        let id = uuid();
        assert_eq!(id.len(), 36);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'));
        assert_ne!(uuid(), id);
        assert_eq!(
            claude_project_dir("/home/dev/src/acme-api"),
            "-home-dev-src-acme-api"
        );
    }

    #[tokio::test]
    async fn a_quick_play_writes_both_tools_files_sends_their_hooks_and_cleans_up() {
        let state = tempfile::tempdir().unwrap();
        let player = LocalPlayer::new(state.path()).unwrap();
        let home = player.home().to_owned();
        let (sink, inbox) = HookSink::channel();
        let cancel = CancellationToken::new();
        // Fast enough that a cycle takes well under a second of scenario-compressed time.
        let run = tokio::spawn(player.run(sink, 400.0, cancel.clone()));
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !(seen.contains(&(LocalTool::ClaudeCode, HookEventKind::SessionEnd))
            && seen.contains(&(LocalTool::Codex, HookEventKind::Stop)))
        {
            assert!(
                std::time::Instant::now() < deadline,
                "events so far: {seen:?}"
            );
            match inbox.try_recv() {
                Ok(e) => {
                    assert!(e.validate().is_ok(), "{e:?}");
                    seen.push((e.tool, e.event));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
        for expected in [
            HookEventKind::PromptSubmit,
            HookEventKind::PermissionRequest,
            HookEventKind::Notification,
            HookEventKind::Stop,
        ] {
            assert!(
                seen.contains(&(LocalTool::ClaudeCode, expected)),
                "{expected:?}: {seen:?}"
            );
        }
        assert!(seen.contains(&(LocalTool::Codex, HookEventKind::PermissionRequest)));
        let claude_files = walk(&home.join(".claude/projects"));
        assert!(
            claude_files
                .iter()
                .any(|f| f.extension().is_some_and(|e| e == "jsonl"))
        );
        let first = std::fs::read_to_string(&claude_files[0]).unwrap();
        for line in first.lines() {
            let record: Value = serde_json::from_str(line).unwrap();
            assert!(record["sessionId"].is_string() && record["timestamp"].is_string());
        }
        assert!(walk(&home.join(".codex/sessions")).iter().any(|f| {
            f.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("rollout-")
        }));
        cancel.cancel();
        run.await.unwrap();
        assert!(!home.exists(), "the demo home is removed on exit");
    }

    #[test]
    fn what_a_killed_demo_left_is_removed_at_the_next_start() {
        let state = tempfile::tempdir().unwrap();
        let left = state
            .path()
            .join(HOME_DIR)
            .join(".claude/sessions/4242.json");
        std::fs::create_dir_all(left.parent().unwrap()).unwrap();
        std::fs::write(&left, "{}").unwrap();
        let player = LocalPlayer::new(state.path()).unwrap();
        assert!(!left.exists());
        assert!(player.home().join(".codex/sessions").is_dir());
        drop(player);
        assert!(!state.path().join(HOME_DIR).exists());
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
        files.sort();
        files
    }
}
