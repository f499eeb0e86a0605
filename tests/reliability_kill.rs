//! Reliability: `kill -9` at random moments while the demo writes its snapshot and its
//! notifications ledger, at least 200 times over one state directory. After every kill the
//! state directory must still load: the files parse, `status` answers (or says there is no
//! snapshot yet), nothing was set aside as unreadable, and temp files do not pile up.
//!
//! A second loop kills `run --headless` against one simulator whose clock keeps going across
//! the restarts (the demo's own clock starts again at each start, so its tasks replay): a change
//! one life announced is never announced again by a later one.

mod common;

use agentbar::sim::Scenario;
use rand::Rng;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KILLS: usize = 200;
/// A new life sweeps the temp files a killed one left once they are this old (`store.rs`'s
/// `STALE_TEMP_AGE`): younger ones may belong to a live writer.
const SWEPT_AFTER: Duration = Duration::from_secs(10);

fn agentbar(state: &Path, args: &[&str]) -> Command {
    let mut command = common::agentbar(state, args);
    command
        .env("RUST_LOG", "agentbar=warn")
        .stdin(Stdio::null());
    command
}

/// Temp files older than `age`.
fn temp_files_older_than(state: &Path, age: Duration) -> Vec<String> {
    std::fs::read_dir(state)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|at| at.elapsed().ok())
                .is_some_and(|elapsed| elapsed > age)
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Parses `name` in the state dir when it exists; panics with the kill number otherwise.
fn assert_parses(state: &Path, name: &str, kill: usize) {
    let path = state.join(name);
    match std::fs::read(&path) {
        Ok(bytes) => {
            if let Err(error) = serde_json::from_slice::<Value>(&bytes) {
                panic!(
                    "kill {kill}: {name} does not parse ({error}): {:?}",
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => panic!("kill {kill}: cannot read {name}: {error}"),
    }
}

fn assert_status_reads(state: &Path, kill: usize) {
    let output = agentbar(state, &["status", "--json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => {
            let value: Value = serde_json::from_slice(&output.stdout)
                .unwrap_or_else(|e| panic!("kill {kill}: status --json printed no JSON: {e}"));
            assert!(value.is_object(), "kill {kill}: {value}");
        }
        // No snapshot yet (a kill before the first write).
        Some(3) => {}
        other => panic!("kill {kill}: status exited {other:?}: {stderr}"),
    }
    assert!(
        !stderr.contains("corrupt") && !stderr.contains("unreadable"),
        "kill {kill}: {stderr}"
    );
}

#[test]
fn two_hundred_kills_never_leave_an_unreadable_state_dir() {
    let state = tempfile::tempdir().unwrap();
    let dir = state.path();
    let started = Instant::now();
    let mut rng = rand::rng();
    let mut snapshots_seen = 0;

    for kill in 1..=KILLS {
        let born = Instant::now();
        let mut child = agentbar(dir, &["demo", "--headless", "--speed", "20"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.random_range(50..=400)));
        // `Child::kill` is SIGKILL on Unix: no handler runs, nothing is flushed.
        child.kill().unwrap();
        child.wait().unwrap();

        assert_parses(dir, "snapshot.json", kill);
        assert_parses(dir, "notifications.json", kill);
        assert_status_reads(dir, kill);
        assert!(
            !dir.join("snapshot.json.unreadable").exists(),
            "kill {kill}: a snapshot was set aside as unreadable"
        );
        // Every temp file that was already old enough when this life started was swept by it:
        // however many kills land between a create and its rename, none piles up for longer.
        let stale =
            temp_files_older_than(dir, SWEPT_AFTER + born.elapsed() + Duration::from_secs(1));
        assert!(
            stale.is_empty(),
            "kill {kill}: temp files pile up: {stale:?}"
        );
        if dir.join("snapshot.json").exists() {
            snapshots_seen += 1;
        }
    }
    assert!(
        snapshots_seen > KILLS / 2,
        "the demo rarely got to write a snapshot ({snapshots_seen} of {KILLS}): the test did not \
         exercise what it should"
    );

    // One ordinary start over whatever the last kill left: it loads, and status reads it.
    let mut child = agentbar(dir, &["demo", "--headless", "--speed", "20"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut ok = false;
    while Instant::now() < deadline {
        let output = agentbar(dir, &["status", "--json"]).output().unwrap();
        if output.status.success() {
            ok = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(ok, "status never answered after the last start");
    eprintln!(
        "{KILLS} kills in {:.1} s; a snapshot existed after {snapshots_seen}",
        started.elapsed().as_secs_f64()
    );
}

/// Lives of `run --headless` in the re-announcement loop.
const RUN_KILLS: usize = 100;

/// `(task, state@updated_at)` pairs from the "announcing" lines of one life's log: the same
/// pair twice is the same change announced twice (a follow-up session reaching the same state
/// again changes `updated_at`).
fn announced(log: &str) -> Vec<(String, String)> {
    log.lines()
        .filter(|line| line.contains("announcing"))
        .filter_map(|line| line.split("announced=").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .flat_map(|list| list.split(','))
        .filter_map(|pair| pair.split_once('='))
        .map(|(id, state)| (id.to_owned(), state.to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_never_make_a_later_life_announce_again() {
    // The built-in scenario at 30×: a six-minute cycle every 12 s, so each life sees a few
    // transitions.
    let sim = common::start_sim_at_speed(Scenario::builtin(), 30.0).await;

    let state = tempfile::tempdir().unwrap();
    let dir = state.path().to_owned();
    let config = dir.join("config");
    std::fs::create_dir_all(&config).unwrap();
    // Fast polls and a short burst window, so notices are flushed well within a life.
    std::fs::write(
        config.join("config.toml"),
        "[poll]\nfast_seconds = 0.1\nslow_seconds = 0.5\n\n[notifications]\nburst_window_seconds = 0.05\n",
    )
    .unwrap();

    let mut first_life: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut rng = rand::rng();
    for life in 1..=RUN_KILLS {
        let log_path = dir.join("life.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let mut child = sim
            .run_headless(&dir)
            .env("RUST_LOG", "agentbar::notify=info,agentbar=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(rng.random_range(200..=900))).await;
        child.kill().unwrap();
        child.wait().unwrap();

        let text = std::fs::read_to_string(&log_path).unwrap();
        for pair in announced(&text) {
            if let Some(earlier) = first_life.get(&pair) {
                panic!(
                    "life {life} announced {pair:?} again (first announced in life {earlier}); \
                     its log:\n{text}"
                );
            }
            first_life.insert(pair, life);
        }
        assert_parses(&dir, "notifications.json", life);
    }
    eprintln!(
        "{RUN_KILLS} kills of run --headless: {} announcements, none twice",
        first_life.len()
    );
    // Otherwise the loop proved nothing.
    assert!(
        first_life.len() >= 10,
        "only {} announcements over {RUN_KILLS} lives",
        first_life.len()
    );
}
