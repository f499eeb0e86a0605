//! One CLI verb per task action (`open`, `open-pr`, `open-logs`, `copy-link`, `refresh`, `stop`): the real
//! binary against a running demo over loopback, through `POST /v1/tasks/{key}/actions/{action}`;
//! the links are opened on this machine by the desktop's handler (`xdg-open`, which honours
//! `BROWSER`: here a script that records what it was given).

mod common;

use common::{Demo, agentbar};
use serde_json::Value;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// `agentbar ARGS` with a browser that appends each link it is given to `opened`.
fn verb(demo: &Demo, browser: &Path, args: &[&str]) -> Output {
    agentbar(demo.state.path(), args)
        .env("BROWSER", browser)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("XDG_CURRENT_DESKTOP")
        .env_remove("DESKTOP_SESSION")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The links the recording browser was given, waiting (bounded) for `count` of them: the opener
/// is detached, so the browser may run a moment after the command returned.
fn opened(record: &Path, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let lines: Vec<String> = std::fs::read_to_string(record)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        if lines.len() >= count || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn each_action_has_its_verb_and_the_links_open_here() {
    assert!(
        which("xdg-open").is_some(),
        "xdg-open (package xdg-utils) is needed: it is how links are opened on Linux"
    );
    let demo = Demo::start(&[], "");
    let (_, body) = demo.get("/v1/tasks");
    let list: Value = serde_json::from_str(&body).unwrap();
    let tasks = list["tasks"].as_array().unwrap();
    let with_pr = tasks
        .iter()
        .find(|t| t["pull_request"]["url"].is_string())
        .expect("a task with a pull request");
    let without_pr = tasks
        .iter()
        .find(|t| t["pull_request"].is_null())
        .expect("a task without a pull request");
    let id = with_pr["id"].as_str().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("opened");
    let browser = dir.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            record.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();

    let copied = verb(&demo, &browser, &["copy-link", id]);
    assert!(copied.status.success(), "{copied:?}");
    assert_eq!(
        String::from_utf8_lossy(&copied.stdout).trim(),
        with_pr["url"].as_str().unwrap(),
        "copy-link prints the task's link alone, ready for a pipe"
    );

    let open = verb(&demo, &browser, &["open", id]);
    assert!(open.status.success(), "{open:?}");
    assert_eq!(opened(&record, 1), [with_pr["url"].as_str().unwrap()]);

    let open_pr = verb(&demo, &browser, &["open-pr", id]);
    assert!(open_pr.status.success(), "{open_pr:?}");
    assert_eq!(
        opened(&record, 2)[1],
        with_pr["pull_request"]["url"].as_str().unwrap()
    );

    let open_logs = verb(&demo, &browser, &["open-logs", id]);
    assert!(open_logs.status.success(), "{open_logs:?}");
    let logs_link = opened(&record, 3)[2].clone();
    assert!(logs_link.starts_with("http"), "{logs_link}");

    let refresh = verb(&demo, &browser, &["refresh", id]);
    assert!(refresh.status.success(), "{refresh:?}");

    // A task without a pull request refuses open-pr plainly, and nothing is opened.
    let refused = verb(
        &demo,
        &browser,
        &["open-pr", without_pr["id"].as_str().unwrap()],
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("open-pr was refused"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(opened(&record, 3).len(), 3, "a refusal opens nothing");

    // `stop` goes through the same door: a running task's Actions run is cancelled (the
    // answer names the run the list shows), a finished one is refused in the same words.
    let running = tasks
        .iter()
        .find(|t| {
            t["actions"]
                .as_array()
                .is_some_and(|a| a.iter().any(|a| a == "stop"))
        })
        .expect("a task that can be stopped");
    let running_id = running["id"].as_str().unwrap();
    let (_, detail) = demo.get(&format!("/v1/tasks/{running_id}"));
    let detail: Value = serde_json::from_str(&detail).unwrap();
    let runs: Vec<String> = detail["sessions"]
        .as_array()
        .expect("the task detail lists its sessions")
        .iter()
        .filter_map(|s| s["workflow_run_id"].as_u64())
        .map(|run| format!("cancellation of the Actions run {run} requested"))
        .collect();
    let stop = verb(&demo, &browser, &["stop", running_id]);
    assert!(stop.status.success(), "{stop:?}");
    let said = String::from_utf8_lossy(&stop.stdout).trim().to_owned();
    assert!(runs.contains(&said), "{said:?} names none of {runs:?}");
    let finished = tasks
        .iter()
        .find(|t| t["bucket"] == "completed" || t["bucket"] == "failed")
        .expect("a finished task");
    let refused = verb(&demo, &browser, &["stop", finished["id"].as_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("stop was refused"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}
