//! `agentbar logs` as a user runs it: the real binary against `demo --headless` on a scenario
//! with a task that failed twice (a first run and a follow-up). Each session's log ends on its
//! end state and error, never on a success tick; messages print once; runner paths are gone;
//! `--sessions` lists the runs and `--session N|ID` picks one; colour only on a terminal and
//! never with `NO_COLOR`.

mod common;

use std::process::Command;

use common::{BIN, Demo, agentbar};
use serde_json::Value;

const SCENARIO: &str = r#"
[[tasks]]
id = "7a5e0000-0000-4000-8000-00000000f001"
repository = "octo-org/mobile"
name = "Ship the Android build"

[[tasks.sessions]]
prompt = "Make the Android build pass."
log = "failing"
steps = [
  { at = -900, state = "queued" },
  { at = -890, state = "in_progress" },
  { at = -600, state = "failed", error = "Build broke: react-android cannot be resolved" },
]

[[tasks.sessions]]
prompt = "Try again with the mirror."
log = "failing"
steps = [
  { at = -300, state = "queued" },
  { at = -290, state = "in_progress" },
  { at = -60, state = "timed_out", error = "The session ran out of time" },
]
"#;
const TASK: &str = "7a5e0000-0000-4000-8000-00000000f001";

fn start() -> (Demo, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("twice-failed.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let demo = Demo::start(&["--scenario", scenario.to_str().unwrap()], "");
    (demo, dir)
}

fn logs(demo: &Demo, args: &[&str]) -> (bool, String, String) {
    let output = agentbar(demo.state.path(), &[&["logs", TASK][..], args].concat())
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn a_failed_tasks_logs_end_on_their_state_with_sessions_to_choose_from() {
    let (demo, _dir) = start();

    // The newest session by default: it ends on the task's end state and error.
    let (ok, out, err) = logs(&demo, &[]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let last = lines.last().unwrap();
    assert!(
        last.ends_with("✗ Timed out: The session ran out of time"),
        "{out}"
    );
    assert!(!out.contains('\x1b'), "no colour into a pipe: {out}");
    assert!(
        !out.contains("/home/runner/work"),
        "runner paths stay: {out}"
    );
    assert!(out.contains("$ cd android && ./gradlew"), "{out}");
    // Every message's text is printed once, as its title.
    let detail: Value =
        serde_json::from_str(&demo.get(&format!("/v1/tasks/{TASK}/logs")).1).unwrap();
    for event in detail["events"].as_array().unwrap() {
        if event["kind"] == "message" && !event["title"].as_str().unwrap().ends_with('…') {
            let title = event["title"].as_str().unwrap();
            assert_eq!(out.matches(title).count(), 1, "{title:?} twice in {out}");
        }
    }

    // The sessions, first to last, numbered as --session takes them.
    let (ok, table, err) = logs(&demo, &["--sessions"]);
    assert!(ok, "{err}");
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 3, "{table}");
    assert!(rows[1].starts_with("1  Failed: Build broke"), "{table}");
    assert!(rows[2].starts_with("2  Timed out"), "{table}");
    let first_id = rows[1].split_whitespace().last().unwrap().to_owned();

    // The first session, by number and by id: its own end state.
    let (ok, by_number, err) = logs(&demo, &["--session", "1"]);
    assert!(ok, "{err}");
    assert!(
        by_number
            .lines()
            .last()
            .unwrap()
            .ends_with("✗ Failed: Build broke: react-android cannot be resolved"),
        "{by_number}"
    );
    let (ok, by_id, err) = logs(&demo, &["--session", &first_id]);
    assert!(ok, "{err}");
    assert_eq!(by_id, by_number);
    let (ok, _, err) = logs(&demo, &["--session", "3"]);
    assert!(!ok);
    assert!(err.contains("has 2"), "{err}");

    // JSON lines stay events only (no end line), each with a seq.
    let (ok, json, _) = logs(&demo, &["--json"]);
    assert!(ok);
    assert!(
        json.lines()
            .all(|l| serde_json::from_str::<Value>(l).unwrap()["seq"].is_u64())
    );
}

/// On a terminal (a pseudo-terminal from `script`), colour; with `NO_COLOR`, none.
#[test]
fn colour_on_a_terminal_unless_no_color_is_set() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("note: `script` (util-linux) is absent; skipping");
        return;
    }
    let (demo, _dir) = start();
    let run = |no_color: Option<&str>| {
        let command = format!("{BIN} logs {TASK}");
        let mut script = Command::new("script");
        script
            .args(["-qec", &command, "/dev/null"])
            .env("AGENTBAR_STATE_DIR", demo.state.path())
            .env("AGENTBAR_CONFIG_DIR", demo.state.path().join("config"))
            .env_remove("NO_COLOR");
        if let Some(value) = no_color {
            script.env("NO_COLOR", value);
        }
        let output = script.output().unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    assert!(run(None).contains("\x1b["), "colour on a terminal");
    let plain = run(Some("1"));
    assert!(!plain.contains("\x1b["), "{plain}");
    assert!(plain.contains("✗ Timed out"), "{plain}");
    // An empty NO_COLOR does not count (no-color.org).
    assert!(run(Some("")).contains("\x1b["));
}
