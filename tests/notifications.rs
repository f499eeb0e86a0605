//! Notifications end to end over a real D-Bus session: a fake notification server owns
//! `org.freedesktop.Notifications` and records every `Notify` call; the real `agentbar demo`
//! binary announces the built-in scenario's transitions to it; a broadcast `ActionInvoked`
//! ("default") clicks one, and the URL must reach the `BROWSER` script; restarts must repeat
//! nothing.
//!
//! Needs a session bus of its own: `scripts/test.sh` runs it under `dbus-run-session` with
//! `AGENTBAR_REQUIRE_DBUS=1`, where it must run. Elsewhere, without `DBUS_SESSION_BUS_ADDRESS`
//! or when a real notification daemon already owns the name, it says so and tests nothing.
//!
//! The second test kills `run --headless` while the notification server takes its time to
//! answer (the moment the ledger-before-notification rule exists for) and checks that no later
//! life shows the same notice again.

mod common;
#[path = "support/skipped.rs"]
mod skipped;

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_agentbar");
const PATH: &str = "/org/freedesktop/Notifications";
const INTERFACE: &str = "org.freedesktop.Notifications";

/// One `Notify` call as the fake server saw it.
#[derive(Clone, Debug)]
struct Recorded {
    id: u32,
    app: String,
    summary: String,
    body: String,
    actions: Vec<String>,
    kind: String,
    /// The task keys the notification's hint names (`<source>:<id>`).
    keys: Vec<String>,
    /// The same tasks' bare upstream ids, as the transition log names them.
    tasks: Vec<String>,
}

struct FakeServer {
    next_id: u32,
    log: Arc<Mutex<Vec<Recorded>>>,
    /// How long each `Notify` call waits, once recorded, before it is answered.
    answer_after: Duration,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl FakeServer {
    #[allow(clippy::too_many_arguments)] // the D-Bus method's shape
    async fn notify(
        &mut self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, zbus::OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        self.next_id += 1;
        let hint = |name: &str| {
            hints
                .get(name)
                .and_then(|v| String::try_from(&**v).ok())
                .unwrap_or_default()
        };
        let tasks = hint("x-agentbar-tasks");
        self.log.lock().unwrap().push(Recorded {
            id: self.next_id,
            app: app_name,
            summary,
            body,
            actions,
            kind: hint("x-agentbar-kind"),
            keys: tasks.split(',').map(str::to_owned).collect(),
            // GitHub and local ids hold no `:`, so the id is what follows the last one.
            tasks: tasks
                .split(',')
                .map(|key| key.rsplit_once(':').map_or(key, |(_, id)| id).to_owned())
                .collect(),
        });
        // On screen already, as far as anyone can tell; only the answer is slow.
        tokio::time::sleep(self.answer_after).await;
        self.next_id
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "actions".into(), "body-markup".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "fake".into(),
            "agentbar tests".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

/// The demo binary with its stderr collected line by line; killed on drop.
struct Demo {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Demo {
    fn start(state: &Path, speed: &str) -> Demo {
        let mut child = Command::new(BIN)
            .args(["demo", "--headless", "--speed", speed])
            .env("AGENTBAR_STATE_DIR", state)
            .env("AGENTBAR_PORT", "0")
            .env("AGENTBAR_CONFIG_DIR", state.join("config"))
            .env("BROWSER", state.join("browser.sh"))
            // The cloud scenario's notices alone: the demo's local sessions announce too.
            .env("AGENTBAR_LOCAL", "0")
            .env("RUST_LOG", "agentbar=info")
            .env_remove("AGENTBAR_TOKEN")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                sink.lock().unwrap().push(line);
            }
        });
        Demo { child, log }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    async fn wait_for_log(&self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.log().iter().any(|l| l.contains(needle)) {
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in the log within {within:?}:\n{}",
                self.log().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM, then the exit status within `within`.
    async fn terminate(mut self, within: Duration) -> (std::process::ExitStatus, Vec<String>) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                tokio::time::sleep(Duration::from_millis(200)).await;
                return (status, self.log());
            }
            assert!(Instant::now() < deadline, "did not stop within {within:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A "task changed state" line of the demo's log.
#[derive(Debug)]
struct Change {
    task: String,
    from: String,
    to: String,
    title: String,
}

fn field<'a>(line: &'a str, name: &str, until: &str) -> Option<&'a str> {
    let start = line.find(&format!(" {name}="))? + name.len() + 2;
    let rest = &line[start..];
    Some(rest.find(until).map_or(rest, |end| &rest[..end]))
}

fn changes(log: &[String]) -> Vec<Change> {
    log.iter()
        .filter(|l| l.contains("task changed state"))
        .filter_map(|l| {
            Some(Change {
                task: field(l, "task", " ")?.to_owned(),
                from: field(l, "from", " ")?.to_owned(),
                to: field(l, "to", " ")?.to_owned(),
                title: field(l, "title", " repository=")?.to_owned(),
            })
        })
        .collect()
}

fn bucket(state: &str) -> &str {
    match state {
        "waiting_for_user" | "idle" => "waiting",
        "completed" => "completed",
        "failed" | "timed_out" => "failed",
        "queued" | "in_progress" => "running",
        other => other,
    }
}

/// The notification kind the default settings give a change, if any (SPEC §2.2).
fn expected_kind(change: &Change) -> Option<&'static str> {
    if bucket(&change.from) == bucket(&change.to) {
        return None;
    }
    match bucket(&change.to) {
        "waiting" => Some("needs_you"),
        "completed" => Some("ready_for_review"),
        "failed" => Some("failed"),
        _ => None,
    }
}

/// One fake server at a time: the tests of this binary share the session bus and its name.
static SERVER: std::sync::LazyLock<tokio::sync::Mutex<()>> =
    std::sync::LazyLock::new(|| tokio::sync::Mutex::new(()));

/// The fake notification server, owning the name on this session's bus before anything calls
/// `Notify` (so no real daemon is started), answering each call `answer_after` it recorded it.
/// `None` where there is no bus of our own: reported as a skip, or a failure when
/// `AGENTBAR_REQUIRE_DBUS` says the test must run here.
async fn fake_server(
    log: &Arc<Mutex<Vec<Recorded>>>,
    answer_after: Duration,
) -> Option<zbus::Connection> {
    let required = std::env::var_os("AGENTBAR_REQUIRE_DBUS").is_some();
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        assert!(
            !required,
            "AGENTBAR_REQUIRE_DBUS is set but there is no session bus"
        );
        skipped::skip(
            "notifications",
            "DBUS_SESSION_BUS_ADDRESS is unset (it needs a session bus of its own: \
             dbus-run-session -- cargo test --test notifications)",
        );
        return None;
    }
    let bus = zbus::connection::Builder::session()
        .name(INTERFACE)
        .serve_at(
            PATH,
            FakeServer {
                next_id: 0,
                log: log.clone(),
                answer_after,
            },
        )
        .build()
        .await;
    match bus {
        Ok(bus) => Some(bus),
        Err(e) if !required => {
            skipped::skip(
                "notifications",
                &format!(
                    "cannot own {INTERFACE} on this session bus ({e}): a notification daemon \
                     runs here; run under dbus-run-session"
                ),
            );
            None
        }
        Err(e) => panic!("the fake notification server could not own {INTERFACE}: {e}"),
    }
}

fn recorded(log: &Arc<Mutex<Vec<Recorded>>>) -> Vec<Recorded> {
    log.lock().unwrap().clone()
}

async fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn task_url(state: &Path, key: &str) -> String {
    let output = Command::new(BIN)
        .args(["tasks", "--json"])
        .env("AGENTBAR_STATE_DIR", state)
        .env("AGENTBAR_PORT", "0")
        .env("AGENTBAR_CONFIG_DIR", state.join("config"))
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == key)
        .and_then(|t| t["url"].as_str())
        .unwrap_or_else(|| panic!("task {key} is not in the snapshot"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_announces_transitions_once_opens_on_click_and_repeats_nothing_after_restarts() {
    let _one_server = SERVER.lock().await;
    let server_log = Arc::new(Mutex::new(Vec::new()));
    let Some(bus) = fake_server(&server_log, Duration::ZERO).await else {
        return;
    };

    let state = tempfile::tempdir().unwrap();
    let dir = state.path();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    // Polls fast and a short burst window, so each scripted transition (10+ sim seconds apart,
    // 1.25 s at speed 8) is its own notification.
    std::fs::write(
        dir.join("config/config.toml"),
        "[poll]\nfast_seconds = 0.25\n[notifications]\nburst_window_seconds = 0.25\n",
    )
    .unwrap();
    let opened = dir.join("opened.txt");
    std::fs::write(
        dir.join("browser.sh"),
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("browser.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }

    // Run 1: from an empty state directory, up to sim time ~200 s (five announceable changes:
    // idle at 100, completed at 120, failed at 140, completed at 150 and 200).
    let run1 = Demo::start(dir, "8");
    run1.wait_for_log("notifications armed", Duration::from_secs(30))
        .await;
    wait_until("five notifications", Duration::from_secs(90), || {
        recorded(&server_log).len() >= 5
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let first = recorded(&server_log);
    // Shown only when the test fails (or with --nocapture).
    eprintln!("run 1 notifications: {first:#?}");
    let log = run1.log();
    let seen = changes(&log);
    assert!(
        !seen.is_empty(),
        "the demo logged no transitions:\n{}",
        log.join("\n")
    );

    let mut expected: Vec<(String, String)> = seen
        .iter()
        .filter_map(|c| expected_kind(c).map(|k| (c.task.clone(), k.to_owned())))
        .collect();
    let mut got: Vec<(String, String)> = first
        .iter()
        .map(|n| (n.tasks.join(","), n.kind.clone()))
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(
        got, expected,
        "one notification per announceable transition, nothing else"
    );
    let mut unique = got.clone();
    unique.dedup();
    assert_eq!(unique, got, "no duplicates");
    for n in &first {
        let change = seen.iter().find(|c| n.tasks == [c.task.clone()]).unwrap();
        assert!(
            n.keys.iter().all(|k| k.starts_with("gh:")),
            "the hint names task keys of the cloud account: {n:?}"
        );
        let title = match n.kind.as_str() {
            "needs_you" => "Copilot needs your input",
            "ready_for_review" => "Ready for review",
            "failed" if change.to == "timed_out" => "Copilot timed out",
            "failed" => "Copilot failed",
            other => panic!("unexpected kind {other}"),
        };
        assert_eq!(n.summary, title);
        assert!(n.body.starts_with(&change.title), "{n:?} for {change:?}");
        assert_eq!(n.app, "agentbar");
        assert!(n.actions.contains(&"default".to_owned()), "{n:?}");
    }
    // Waiting at start-up: "Add rate limiting middleware" was never announced as needing you.
    const RATE_LIMIT: &str = "b1a7c0de-0002-4000-8000-00000000a002";
    assert!(
        !first
            .iter()
            .any(|n| n.tasks == [RATE_LIMIT] && n.kind == "needs_you"),
        "the start-up state is never announced"
    );
    let failed = first
        .iter()
        .find(|n| n.kind == "failed")
        .expect("the scenario's failure was announced");
    assert!(
        failed.body.contains("Gradle could not resolve"),
        "a failure carries its error: {failed:?}"
    );

    // A click on the failure's body opens its task page through BROWSER.
    let url = task_url(dir, &failed.keys[0]);
    let action = (failed.id, "default");
    let click = || bus.emit_signal(None::<&str>, PATH, INTERFACE, "ActionInvoked", &action);
    click().await.unwrap();
    let opened_urls = || std::fs::read_to_string(&opened).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut clicked_again = false;
    while !opened_urls().contains(&url) {
        assert!(
            Instant::now() < deadline,
            "{url} was not opened; BROWSER got {:?}",
            opened_urls()
        );
        // The first click can beat the notifier's subscription to the signal; one more then.
        if !clicked_again && Instant::now() + Duration::from_secs(7) > deadline {
            click().await.unwrap();
            clicked_again = true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(opened_urls().lines().collect::<Vec<_>>(), [url.as_str()]);

    // Killed without warning, at an arbitrary moment.
    drop(run1);

    // Run 2: the simulator restarts its clock, so "Add rate limiting middleware" is waiting
    // again — a change since the last run, announced once; everything else stays quiet.
    let run2 = Demo::start(dir, "1");
    run2.wait_for_log("notifications armed", Duration::from_secs(30))
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let second: Vec<Recorded> = recorded(&server_log)
        .into_iter()
        .skip(first.len())
        .collect();
    eprintln!("run 2 notifications: {second:#?}");
    let kinds: Vec<(String, String)> = second
        .iter()
        .map(|n| (n.tasks.join(","), n.kind.clone()))
        .collect();
    assert_eq!(kinds, [(RATE_LIMIT.to_owned(), "needs_you".to_owned())]);
    assert!(
        !got.contains(&kinds[0]),
        "not a repeat of anything announced before the restart"
    );
    // A clean stop does not wait for notifications nobody clicked.
    let (status, log) = run2.terminate(Duration::from_secs(5)).await;
    assert!(status.success(), "exit status {status}");
    assert!(log.iter().any(|l| l.contains("stopped cleanly")));

    // Run 3: nothing changed since run 2 handled it, so nothing at all.
    let run3 = Demo::start(dir, "1");
    run3.wait_for_log("notifications armed", Duration::from_secs(30))
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let third: Vec<Recorded> = recorded(&server_log)
        .into_iter()
        .skip(first.len() + second.len())
        .collect();
    assert!(
        third.is_empty(),
        "announced again after a restart: {third:?}"
    );
    drop(run3);
}

/// The tray's "pause" is a `Command` to the core; it must reach the announcer and be kept in
/// the state directory for the next start. Needs no D-Bus.
#[tokio::test]
async fn a_pause_sent_to_the_core_is_saved_for_the_next_start() {
    use agentbar::app::{Command as CoreCommand, Core, Upstream};
    use agentbar::config::{Config, Overrides};
    use agentbar::notify::settings::{RuntimeSettings, SettingsStore};

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    // Nothing may reach a notification server from here: this binary's other test records
    // every Notify call on the same bus.
    std::fs::write(
        dir.path().join("config/config.toml"),
        "[notifications]\nenabled = false\n",
    )
    .unwrap();
    let config = Config::load(
        &Overrides {
            config_dir: Some(dir.path().join("config")),
            state_dir: Some(dir.path().to_owned()),
            ..Overrides::default()
        },
        None,
    )
    .unwrap();
    let core = Core::start(
        &config,
        Upstream::Demo {
            scenario: None,
            speed: 1.0,
            signed_out: false,
        },
    )
    .await
    .unwrap();
    let until = chrono::Utc::now() + chrono::TimeDelta::hours(1);
    core.commands
        .send(CoreCommand::PauseNotifications { until: Some(until) })
        .await
        .unwrap();
    let store = SettingsStore::new(dir.path());
    let wanted = Ok(Some(RuntimeSettings {
        paused_until: Some(until),
        configured_pause: None,
    }));
    wait_until("the pause on disk", Duration::from_secs(10), || {
        store.load() == wanted
    })
    .await;
    core.shutdown().await;
}

/// How long the slow server holds each answer: well inside the announcer's 5 s bound, so the
/// process is still waiting in `show` when it is killed.
const SLOW_ANSWER: Duration = Duration::from_secs(3);
/// Lives of `run --headless`, each killed while its first notification waits for an answer.
const SLOW_LIVES: usize = 6;

/// The `task=state@updated_at` entries of a life's "announcing" log lines.
fn announced_keys(log: &str) -> Vec<String> {
    log.lines()
        .filter(|line| line.contains("announcing"))
        .filter_map(|line| line.split("announced=").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .flat_map(|list| list.split(','))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_while_the_desktop_is_slow_to_answer_never_shows_a_notice_twice() {
    let _one_server = SERVER.lock().await;
    let server_log = Arc::new(Mutex::new(Vec::new()));
    let Some(_bus) = fake_server(&server_log, SLOW_ANSWER).await else {
        return;
    };
    let bus_address = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap();
    // One simulator for every life, its clock going on across the kills (the demo's would start
    // again at each start and replay its tasks): the built-in scenario's cycle every 12 s.
    let sim = common::start_sim_at_speed(agentbar::sim::Scenario::builtin(), 30.0).await;
    let state = tempfile::tempdir().unwrap();
    let dir = state.path();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::write(
        dir.join("config/config.toml"),
        "[poll]\nfast_seconds = 0.1\nslow_seconds = 0.5\n\n[notifications]\nburst_window_seconds = 0.05\n",
    )
    .unwrap();

    let mut shown_in: BTreeMap<String, usize> = BTreeMap::new();
    for life in 1..=SLOW_LIVES {
        let before = recorded(&server_log).len();
        let log_path = dir.join("life.log");
        let mut child = sim
            .run_headless(dir)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
            .env("RUST_LOG", "agentbar::notify=info,agentbar=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while recorded(&server_log).len() == before {
            assert!(
                Instant::now() < deadline,
                "life {life} showed nothing in 30 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The notice is on the server, whose answer is still SLOW_ANSWER away: kill now.
        child.kill().unwrap();
        child.wait().unwrap();

        let shown = recorded(&server_log).split_off(before);
        let log = std::fs::read_to_string(&log_path).unwrap();
        let keys = announced_keys(&log);
        // The life's one notification is the one its log announced.
        assert_eq!(shown.len(), 1, "life {life}: {shown:?}");
        let mut shown_tasks = shown[0].keys.clone();
        let mut announced_tasks: Vec<String> = keys
            .iter()
            .filter_map(|k| k.split_once('=').map(|(task, _)| task.to_owned()))
            .collect();
        shown_tasks.sort();
        announced_tasks.sort();
        assert_eq!(shown_tasks, announced_tasks, "life {life}: {log}");
        for key in keys {
            if let Some(earlier) = shown_in.get(&key) {
                panic!(
                    "life {life} showed {key} again (life {earlier} showed it, then was killed \
                     while the desktop had not answered yet); its log:\n{log}"
                );
            }
            shown_in.insert(key, life);
        }
    }
    assert!(
        shown_in.len() >= SLOW_LIVES,
        "{} notices over {SLOW_LIVES} lives",
        shown_in.len()
    );
}

/// A local Claude Code session end to end: the real `run --headless` binary with `HOME` at a
/// temporary home, lines appended to the session's transcript, hook events relayed by the real
/// `agentbar hook claude`; `GET /v1/tasks` shows the task running, then needing the user, then
/// the user's turn, and the fake notification server is told it needs the user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_session_runs_needs_you_then_waits_for_your_turn_with_a_notice() {
    const SESSION: &str = "3f1c9a2e-5b7d-4e21-9c0a-6d2f8b1e4a70";
    let _one_server = SERVER.lock().await;
    let server_log = Arc::new(Mutex::new(Vec::new()));
    let Some(_bus) = fake_server(&server_log, Duration::ZERO).await else {
        return;
    };
    let bus_address = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap();
    // Frozen: the cloud tasks stay as they are, so every notice is the local session's.
    let sim = common::start_sim(agentbar::sim::Scenario::builtin()).await;
    let state = tempfile::tempdir().unwrap();
    let dir = state.path();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::write(
        dir.join("config/config.toml"),
        "[poll]\nfast_seconds = 0.2\nslow_seconds = 0.5\n\n[notifications]\nburst_window_seconds = 0.05\n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join(".claude");
    let project = root.join("projects/-home-dev-src-acme-api");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(root.join("sessions")).unwrap();
    // The session's process is this test's (alive for as long as the test runs).
    let me = std::process::id();
    std::fs::write(
        root.join("sessions").join(format!("{me}.json")),
        format!(r#"{{"pid":{me},"sessionId":"{SESSION}","cwd":"/home/dev/src/acme-api","kind":"interactive"}}"#),
    )
    .unwrap();
    let transcript = project.join(format!("{SESSION}.jsonl"));
    let append = |kind: &str, body: &str| {
        use std::io::Write;
        let line = format!(
            r#"{{"type":"{kind}","sessionId":"{SESSION}","cwd":"/home/dev/src/acme-api","gitBranch":"main","isSidechain":false,"timestamp":"{}",{body}}}"#,
            chrono::Utc::now().to_rfc3339()
        );
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&transcript)
            .unwrap();
        writeln!(file, "{line}").unwrap();
    };
    let empty = std::ffi::OsStr::new("");
    let with_home = |command: &mut Command| {
        command
            .env("HOME", home.path())
            .env("CLAUDE_CONFIG_DIR", empty)
            .env("CODEX_HOME", empty)
            .env("COPILOT_HOME", empty)
            .env("GEMINI_CLI_HOME", empty);
    };
    let hook = |payload: serde_json::Value| {
        use std::io::Write;
        let mut command = common::agentbar(dir, &["hook", "claude"]);
        with_home(&mut command);
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(payload.to_string().as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
    };
    let event = |name: &str, extra: serde_json::Value| {
        let mut payload = serde_json::json!({
            "session_id": SESSION,
            "transcript_path": transcript.to_string_lossy(),
            "cwd": "/home/dev/src/acme-api",
            "hook_event_name": name,
        });
        if let (Some(payload), Some(extra)) = (payload.as_object_mut(), extra.as_object()) {
            payload.extend(extra.clone());
        }
        payload
    };

    append(
        "user",
        r#""message":{"role":"user","content":"Fix the retry helper."}"#,
    );
    let log_path = dir.join("run.log");
    let mut command = sim.run_headless(dir);
    with_home(&mut command);
    /// Kills the binary however the test ends (a failed assertion too).
    struct Running(Child);
    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _running = Running(
        command
            .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
            .env("RUST_LOG", "agentbar=info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .spawn()
            .unwrap(),
    );
    let key = format!("claude-code:{SESSION}");
    let task_state = || -> Option<(String, String)> {
        let endpoint = agentbar::server::Endpoint::read(dir)?;
        let address = endpoint.url.trim_start_matches("http://").to_owned();
        let request = format!(
            "GET /v1/tasks HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            endpoint.token
        );
        let answer =
            String::from_utf8_lossy(&common::exchange(&address, request.as_bytes())).into_owned();
        let (_, body) = answer.split_once("\r\n\r\n")?;
        let list: serde_json::Value = serde_json::from_str(body).ok()?;
        let task = list["tasks"].as_array()?.iter().find(|t| t["key"] == key)?;
        Some((
            task["state"].as_str()?.to_owned(),
            task["bucket"].as_str()?.to_owned(),
        ))
    };
    let wait_for_state = |want: &'static str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = None;
        loop {
            last = task_state().or(last);
            if last.as_ref().is_some_and(|(state, _)| state == want) {
                return last.unwrap_or_default();
            }
            assert!(
                Instant::now() < deadline,
                "{key} never {want} in GET /v1/tasks (last {last:?}); log:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };

    hook(event(
        "UserPromptSubmit",
        serde_json::json!({"prompt": "Fix the retry helper."}),
    ));
    let (_, bucket) = wait_for_state("in_progress");
    assert_eq!(bucket, "running");
    let before = recorded(&server_log).len();
    // The desktop is told the task's key (a local session id may also be a cloud task's id).

    append(
        "assistant",
        r#""message":{"id":"msg_1","model":"claude-opus-4-7","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"cargo test"}}]}"#,
    );
    hook(event(
        "PermissionRequest",
        serde_json::json!({"tool_name": "Bash", "tool_input": {"command": "cargo test"}}),
    ));
    let (_, bucket) = wait_for_state("waiting_for_user");
    assert_eq!(bucket, "waiting");
    wait_until(
        "a notice that the session needs the user",
        Duration::from_secs(15),
        || {
            recorded(&server_log)[before..]
                .iter()
                .any(|notice| notice.keys.contains(&key))
        },
    )
    .await;
    let notice = recorded(&server_log)[before..]
        .iter()
        .find(|notice| notice.keys.contains(&key))
        .cloned()
        .unwrap();
    assert_eq!(notice.app, "agentbar");
    assert_eq!(notice.kind, "needs_you", "{notice:?}");
    assert!(
        !notice.body.contains("cargo test"),
        "the tool's input never leaves the relay: {notice:?}"
    );

    append(
        "user",
        r#""message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}"#,
    );
    append(
        "assistant",
        r#""message":{"id":"msg_2","content":[{"type":"text","text":"Done."}],"stop_reason":"end_turn"}"#,
    );
    append("system", r#""subtype":"turn_duration","durationMs":1000"#);
    hook(event(
        "Stop",
        serde_json::json!({"stop_hook_active": false}),
    ));
    let (_, bucket) = wait_for_state("your_turn");
    assert_eq!(bucket, "waiting");
}
