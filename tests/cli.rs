//! End to end: the real `agentbar` binary in demo mode, read back through `status` and `tasks`.

mod common;

use common::agentbar;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Stops the demo on drop, so a failing assertion does not leave it running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `status --json`, whatever its exit status says (3 when the agent is not running), or `None`
/// when it printed nothing (no snapshot at all).
fn status_json(state: &Path) -> Option<Value> {
    let output = agentbar(state, &["status", "--json"]).output().unwrap();
    (!output.stdout.is_empty()).then(|| serde_json::from_slice(&output.stdout).unwrap())
}

#[test]
fn the_demo_comes_up_over_a_corrupt_snapshot_and_status_reads_it() {
    let state = tempfile::tempdir().unwrap();
    std::fs::write(state.path().join("snapshot.json"), b"{ this is not json").unwrap();

    let output = agentbar(state.path(), &["status"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "no usable snapshot yet");
    assert!(String::from_utf8_lossy(&output.stderr).contains("corrupt"));

    let child = agentbar(state.path(), &["demo", "--headless", "--speed", "4"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut demo = Running(child);

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) =
            status_json(state.path()).filter(|s| s["source"] == "live" && s["state"] == "ok")
        {
            break status;
        }
        assert!(Instant::now() < deadline, "no status within 15 s");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(status["source"], "live", "read from the running agent");
    assert!(
        status["counts"]["running"].as_u64().unwrap() > 0,
        "{status}"
    );
    assert!(
        status["counts"]["waiting"].as_u64().unwrap() > 0,
        "{status}"
    );
    assert!(
        state.path().join("snapshot.json.unreadable").exists(),
        "the corrupt file was kept aside, not lost"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(state.path().join("snapshot.json.unreadable"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "kept private, whatever mode it was written with"
        );
    }

    let output = agentbar(state.path(), &["tasks", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let list: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(list["schema_version"], 1);
    let tasks = list["tasks"].as_array().unwrap();
    assert_eq!(
        tasks.len() as u64,
        list["counts"]["total"].as_u64().unwrap()
    );
    assert_eq!(tasks[0]["bucket"], "waiting", "waiting tasks come first");

    // `agentbar endpoint` names the live API, which answers with the same list.
    let output = agentbar(state.path(), &["endpoint"]).output().unwrap();
    assert!(output.status.success());
    let endpoint: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        endpoint["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(endpoint["token"].as_str().unwrap().len(), 64);

    // `agentbar logs` prints the running task's session log through the API: JSON lines, and a
    // readable form (no colour codes when not on a terminal).
    let running = tasks
        .iter()
        .find(|t| t["bucket"] == "running")
        .expect("a running task")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let output = agentbar(state.path(), &["logs", &running, "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|e| e["seq"].is_u64() && e["title"].is_string())
    );
    let output = agentbar(state.path(), &["logs", &running])
        .output()
        .unwrap();
    let readable = String::from_utf8(output.stdout).unwrap();
    assert!(!readable.contains('\x1b') && readable.lines().count() >= lines.len());
    let output = agentbar(state.path(), &["logs", "no-such-task"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no task"));

    let table = agentbar(state.path(), &["tasks"]).output().unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.starts_with("ID"), "{table}");
    assert!(table.contains("Needs you"), "{table}");

    // A clean stop on SIGTERM flushes and exits 0.
    #[cfg(unix)]
    {
        let pid = demo.0.id().to_string();
        assert!(
            std::process::Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(code) = demo.0.try_wait().unwrap() {
                assert!(code.success(), "exit status {code}");
                break;
            }
            assert!(Instant::now() < deadline, "did not stop within 10 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut log = String::new();
        use std::io::Read;
        demo.0
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut log)
            .unwrap();
        assert!(log.contains("stopped cleanly"), "{log}");
        assert!(
            !log.contains(endpoint["token"].as_str().unwrap()),
            "the API token never reaches the log"
        );
        assert!(!state.path().join("endpoint.json").exists());
        let status = status_json(state.path()).unwrap();
        assert_eq!(
            status["source"], "demo",
            "with the agent gone, the saved snapshot"
        );
        assert_eq!(status["state"], "not_running");
        assert_eq!(status["demo"], true, "demo data is labelled as such");
        let output = agentbar(state.path(), &["endpoint"]).output().unwrap();
        assert_eq!(output.status.code(), Some(3));
        assert!(
            !log.contains(agentbar::app::DEMO_TOKEN),
            "the token never reaches the log"
        );
    }
    // Windows has no SIGTERM to ask for a clean stop: the demo is ended outright there.
    #[cfg(not(unix))]
    let _ = demo.0.kill();
}

#[test]
fn a_bad_config_file_is_a_usage_error_in_words_but_status_and_logout_still_work() {
    let state = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(state.path().join("config")).unwrap();
    std::fs::write(
        state.path().join("config/config.toml"),
        "[poll]\nfast = 1\n",
    )
    .unwrap();
    let output = agentbar(state.path(), &["demo", "--headless"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("config.toml") && stderr.contains("unknown key `fast`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `fast_seconds`?"), "{stderr}");

    for args in [&["status"][..], &["logout"], &["auth", "status"]] {
        let output = agentbar(state.path(), args)
            .env("AGENTBAR_NO_KEYCHAIN", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_ne!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.matches("ignoring the configuration file").count(),
            1,
            "{args:?} warns once: {stderr}"
        );
    }
    let logout = agentbar(state.path(), &["logout"])
        .env("AGENTBAR_NO_KEYCHAIN", "1")
        .output()
        .unwrap();
    assert_eq!(logout.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&logout.stdout).contains("No token was stored"));
}
