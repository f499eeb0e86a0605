//! The watch loop on a real temporary Claude Code root: lines appended to a transcript, a hook
//! event and the end of the process each reach the published task within seconds (directory
//! watches, not polling).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use agentbar::local::event::{HookEventKind, HookSink, LocalHookEvent, LocalTool};
use agentbar::local::scan::ToolScanner;
use agentbar::local::settings::LocalSettings;
use agentbar::local::watch::{spawn_hook_router, spawn_watch};
use agentbar::model::{State, Task};

const SESSION: &str = "3f1c9a2e-5b7d-4e21-9c0a-6d2f8b1e4a70";

fn line(kind: &str, body: &str, at: &str) -> String {
    format!(
        r#"{{"type":"{kind}","sessionId":"{SESSION}","cwd":"/home/dev/src/acme-api","gitBranch":"main","isSidechain":false,"timestamp":"{at}",{body}}}"#
    ) + "\n"
}

fn append(path: &Path, text: &str) {
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// Waits for a published list whose session task satisfies `want`.
fn wait_for(rx: &mpsc::Receiver<Vec<Task>>, what: &str, want: impl Fn(&Task) -> bool) -> Task {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(tasks) = rx.recv_timeout(Duration::from_millis(200))
            && let Some(task) = tasks
                .into_iter()
                .find(|t| t.key().to_string() == format!("claude-code:{SESSION}"))
        {
            if want(&task) {
                return task;
            }
            seen.push((task.state.clone(), task.note.clone()));
        }
    }
    panic!("never {what}; published: {seen:?}");
}

#[test]
fn a_session_goes_running_needs_you_your_turn_then_completed() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join(".claude");
    let project = root.join("projects/-home-dev-src-acme-api");
    fs::create_dir_all(&project).unwrap();
    fs::create_dir_all(root.join("sessions")).unwrap();
    let me = std::process::id();
    let registry = root.join("sessions").join(format!("{me}.json"));
    fs::write(
        &registry,
        format!(r#"{{"pid":{me},"sessionId":"{SESSION}","cwd":"/home/dev/src/acme-api","kind":"interactive"}}"#),
    )
    .unwrap();
    let transcript = project.join(format!("{SESSION}.jsonl"));
    let now = chrono::Utc::now();
    let at = |s: i64| (now + chrono::TimeDelta::seconds(s)).to_rfc3339();
    append(
        &transcript,
        &line(
            "user",
            r#""message":{"role":"user","content":"Fix the retry helper."}"#,
            &at(-60),
        ),
    );

    let (tx, rx) = mpsc::channel();
    let scanner = ToolScanner::new(LocalTool::ClaudeCode, root.clone());
    let handle = spawn_watch(scanner, LocalSettings::default(), move |views| {
        let _ = tx.send(views.into_iter().map(|v| v.task).collect());
    })
    .unwrap();
    let (sink, inbox) = HookSink::channel();
    let routed = handle.clone();
    spawn_hook_router(inbox, move |tool| {
        (tool == LocalTool::ClaudeCode).then(|| routed.clone())
    })
    .unwrap();

    wait_for(&rx, "running", |t| t.state == State::InProgress);

    append(
        &transcript,
        &line(
            "assistant",
            r#""message":{"id":"msg_1","model":"claude-opus-4-7","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{}}]}"#,
            &at(-30),
        ),
    );
    let running = wait_for(&rx, "a pending Bash", |t| {
        t.state == State::InProgress
            && t.note
                .as_deref()
                .is_some_and(|n| n.contains("permission prompt"))
    });
    assert_eq!(running.progress.as_deref(), Some("1 turn"));

    assert!(sink.send(LocalHookEvent {
        tool: LocalTool::ClaudeCode,
        session_id: SESSION.into(),
        event: HookEventKind::PermissionRequest,
        at: chrono::Utc::now(),
        cwd: None,
        notification_type: None,
        tool_name: Some("Bash".into()),
        error_code: None,
        recoverable: None,
        reason: None,
        turn_id: None,
        pid: None,
    }));
    wait_for(&rx, "needs you", |t| {
        t.state == State::WaitingForUser && t.note.as_deref() == Some("Needs you: approve Bash")
    });

    let later = (chrono::Utc::now() + chrono::TimeDelta::seconds(1)).to_rfc3339();
    append(
        &transcript,
        &(line(
            "user",
            r#""message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}"#,
            &later,
        ) + &line(
            "assistant",
            r#""message":{"id":"msg_2","content":[{"type":"text","text":"Done."}],"stop_reason":"end_turn"}"#,
            &later,
        ) + &line(
            "system",
            r#""subtype":"turn_duration","durationMs":1000"#,
            &later,
        )),
    );
    let your_turn = wait_for(&rx, "your turn", |t| t.state == State::YourTurn);
    assert_eq!(your_turn.bucket().as_str(), "waiting");

    // The process leaves: its registry file goes, no `claude` runs in the directory.
    fs::remove_file(&registry).unwrap();
    let done = wait_for(&rx, "completed", |t| t.state == State::Completed);
    assert!(done.completed_at.is_some());
    handle.stop();
}

/// The loop's own reads open the files it watches, and inotify reports every open: an idle loop
/// must not take those for news (or it reads again, and again). Counted with a watch of our own
/// on the same directories: after the first reading, nothing opens the session's files until
/// something writes (the safety-net rescan is 30 s away).
#[test]
fn an_idle_loop_does_not_wake_itself_by_reading() {
    use notify::Watcher;
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join(".claude");
    let project = root.join("projects/-home-dev-src-acme-api");
    fs::create_dir_all(&project).unwrap();
    let jobs = root.join("jobs/k7q2m9xa");
    fs::create_dir_all(&jobs).unwrap();
    fs::write(
        jobs.join("state.json"),
        format!(r#"{{"state":"working","sessionId":"{SESSION}","cwd":"/home/dev/src/acme-api"}}"#),
    )
    .unwrap();
    let transcript = project.join(format!("{SESSION}.jsonl"));
    append(
        &transcript,
        &line(
            "user",
            r#""message":{"role":"user","content":"Fix the retry helper."}"#,
            &chrono::Utc::now().to_rfc3339(),
        ),
    );
    let (tx, rx) = mpsc::channel();
    let handle = spawn_watch(
        ToolScanner::new(LocalTool::ClaudeCode, root.clone()),
        LocalSettings::default(),
        move |views| {
            let _ = tx.send(views.into_iter().map(|v| v.task).collect());
        },
    )
    .unwrap();
    wait_for(&rx, "the session", |t| t.state == State::InProgress);

    let opens = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = opens.clone();
    let mut spy = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && matches!(
                event.kind,
                notify::EventKind::Access(notify::event::AccessKind::Open(_))
            )
        {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    })
    .unwrap();
    for dir in [&project, &jobs] {
        spy.watch(dir, notify::RecursiveMode::NonRecursive).unwrap();
    }
    // Once, so a loop that feeds itself has something to start from.
    append(
        &transcript,
        &line(
            "assistant",
            r#""message":{"id":"msg_1","content":[{"type":"text","text":"On it."}]}"#,
            &chrono::Utc::now().to_rfc3339(),
        ),
    );
    std::thread::sleep(Duration::from_secs(2));
    let seen = opens.load(std::sync::atomic::Ordering::SeqCst);
    handle.stop();
    // One read of the appended line (and of the job's file with it); a loop makes hundreds.
    assert!(
        seen <= 4,
        "the session's files were opened {seen} times while idle"
    );
}
