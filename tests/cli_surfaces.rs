//! The command line tells the truth: the real binary against the simulator over loopback (or a
//! demo of its own) for health on every surface, closed pipes, one instance per state
//! directory, exit codes, the cc.xml feed's credentials and naming tasks.

mod common;

use common::{Demo, SimServer, agentbar, start_sim};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

/// Stops a process on drop, so a failing assertion does not leave it running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `demo --headless ARGS` on `state`, its output discarded.
fn quiet_demo(state: &Path, args: &[&str]) -> Running {
    let mut all = vec!["demo", "--headless"];
    all.extend_from_slice(args);
    Running(
        agentbar(state, &all)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

fn run(state: &Path, args: &[&str]) -> Output {
    agentbar(state, args).stdin(Stdio::null()).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", stdout(output), stderr(output)))
}

/// `run --headless` against `sim` on `state`, with `token` (none: signed out) and `config`.
fn agent(sim: &SimServer, state: &Path, token: Option<&str>, config: &str) -> Running {
    std::fs::create_dir_all(state.join("config")).unwrap();
    std::fs::write(state.join("config/config.toml"), config).unwrap();
    let mut command = sim.run_headless(state);
    match token {
        Some(token) => command.env("AGENTBAR_TOKEN", token),
        None => command.env_remove("AGENTBAR_TOKEN"),
    };
    let log = std::fs::File::create(state.join("agent.log")).unwrap();
    Running(
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    )
}

/// Waits (without blocking the simulator's runtime) until `status --json` says `state`.
async fn until_state(state_dir: &Path, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let output = run(state_dir, &["status", "--json"]);
        if !output.stdout.is_empty() {
            let status = json_of(&output);
            if status["state"] == state {
                return status;
            }
        }
        let log = std::fs::read_to_string(state_dir.join("agent.log")).unwrap_or_default();
        assert!(
            Instant::now() < deadline,
            "never {state}: {}\n{log}",
            stdout(&output)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// status (text, JSON, waybar) and `tasks --json` for one condition: (status text, waybar).
fn surfaces(state: &Path, health: &str, code: i32) -> (String, Value) {
    let text = run(state, &["status"]);
    assert_eq!(text.status.code(), Some(code), "{}", stderr(&text));
    let waybar = run(state, &["status", "--format", "waybar"]);
    assert_eq!(waybar.status.code(), Some(0), "a bar is never hidden");
    let tasks = run(state, &["tasks", "--json"]);
    assert_eq!(tasks.status.code(), Some(code), "{}", stderr(&tasks));
    assert_eq!(
        json_of(&tasks)["health"]["status"],
        health,
        "tasks --json carries the agent's health"
    );
    (stdout(&text), json_of(&waybar))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_waybar_say_signed_out_offline_and_not_running() {
    let sim = start_sim(agentbar::sim::Scenario::builtin()).await;
    let fast = "[poll]\nfast_seconds = 0.5\nslow_seconds = 0.5\nbackoff_base_seconds = 0.5\nbackoff_max_seconds = 1\n";

    // Signed out: no token anywhere.
    let signed_out = tempfile::tempdir().unwrap();
    let _first = agent(&sim, signed_out.path(), None, fast);
    let status = until_state(signed_out.path(), "signed_out").await;
    assert_eq!(status["health"]["status"], "signed_out");
    let (text, bar) = surfaces(signed_out.path(), "signed_out", 3);
    assert!(
        text.starts_with("Signed out — run `agentbar login`"),
        "{text}"
    );
    assert_eq!(bar["text"], "⊘ signed out");
    assert_eq!(bar["class"], json!(["signed-out"]));

    // Offline: signed in, then every upstream request fails.
    let offline = tempfile::tempdir().unwrap();
    let mut second = agent(&sim, offline.path(), Some("gho_cli_surfaces"), fast);
    until_state(offline.path(), "ok").await;
    sim.fault(json!({"kind": "status", "status": 503})).await;
    let status = until_state(offline.path(), "offline").await;
    assert_eq!(status["stale"], true);
    let (text, bar) = surfaces(offline.path(), "degraded", 0);
    assert!(text.starts_with("Offline ("), "{text}");
    assert!(text.contains("running"), "the last counts stay: {text}");
    assert_eq!(bar["class"][0], "offline");
    assert!(bar["text"].as_str().unwrap().starts_with("⚠ "), "{bar}");
    sim.clear_faults().await;

    // Not running: killed, so its endpoint.json is left behind naming a dead pid.
    let pid = second.0.id();
    second.0.kill().unwrap();
    second.0.wait().unwrap();
    assert!(offline.path().join("endpoint.json").exists());
    let (text, bar) = surfaces(offline.path(), "not_running", 3);
    assert!(
        text.starts_with("agentbar is not running — last saved: "),
        "{text}"
    );
    assert!(text.contains(" ago"), "with the snapshot's age: {text}");
    assert_eq!(bar["text"], "✕ not running");
    assert_eq!(bar["class"], json!(["not-running"]));
    let status = run(offline.path(), &["status"]);
    assert!(
        stderr(&status).contains(&format!("is stale: pid {pid} is gone")),
        "{}",
        stderr(&status)
    );
    let endpoint = run(offline.path(), &["endpoint"]);
    assert_eq!(endpoint.status.code(), Some(3));
    assert!(stderr(&endpoint).contains("stale"), "{}", stderr(&endpoint));
    assert!(
        stdout(&endpoint).is_empty(),
        "a stale file is not shown as a live one"
    );

    // Nothing at all: waybar still says so.
    let empty = tempfile::tempdir().unwrap();
    let bar = run(empty.path(), &["status", "--format", "waybar"]);
    assert_eq!(bar.status.code(), Some(0));
    assert_eq!(json_of(&bar)["class"], json!(["not-running"]));
}

/// An agent whose API answers "ok" but whose last success is days old is stale: served here
/// by a stand-in that answers with the contract's own example (docs/examples/v1-tasks.json).
#[test]
fn an_agent_whose_last_success_is_old_is_called_stale() {
    let mut example: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/v1-tasks.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // Its last success three days ago, whenever the example was written.
    let old = (chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339();
    example["health"]["last_success_at"] = json!(old);
    let example = example.to_string();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut head = [0u8; 4096];
            let _ = stream.read(&mut head);
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{example}",
                example.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    let state = tempfile::tempdir().unwrap();
    let endpoint = json!({"url": url, "token": "t".repeat(64), "pid": std::process::id(), "schema_version": 1});
    std::fs::write(state.path().join("endpoint.json"), endpoint.to_string()).unwrap();
    let status = run(state.path(), &["status", "--json"]);
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    let status = json_of(&status);
    assert_eq!(status["state"], "stale");
    assert_eq!(
        status["health"]["status"], "ok",
        "the agent's own word, unchanged"
    );
    assert_eq!(status["stale"], true);
    let bar = json_of(&run(state.path(), &["status", "--format", "waybar"]));
    assert_eq!(bar["class"][0], "stale");
    assert!(bar["text"].as_str().unwrap().starts_with("◌ "), "{bar}");
    let text = stdout(&run(state.path(), &["status"]));
    assert!(text.starts_with("Stale — "), "{text}");
}

/// Spawns `args` with standard output a pipe whose reading end is already closed.
fn into_closed_pipe(state: &Path, args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = agentbar(state, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap(), err)
}

#[test]
fn a_reader_that_closes_early_ends_printing_commands_quietly() {
    let demo = Demo::start(&[], "");
    let (_, body) = demo.get("/v1/tasks");
    let list: Value = serde_json::from_str(&body).unwrap();
    let running = list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["bucket"] == "running")
        .expect("a running task")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let commands: [&[&str]; 5] = [
        &["tasks"],
        &["tasks", "--json"],
        &["status", "--json"],
        &["logs", &running, "--json"],
        &["logs", &running, "-f"],
    ];
    for args in commands {
        let (status, err) = into_closed_pipe(demo.state.path(), args);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(13), "{args:?}: {status} {err}");
        }
        #[cfg(not(unix))]
        assert_ne!(status.code(), Some(101), "{args:?}: {err}");
    }
}

#[test]
fn a_second_agent_on_the_same_state_directory_is_refused() {
    let demo = Demo::start(&[], "");
    // Refused at once; one that is not would run until killed here.
    let refused = |args: &[&str]| {
        let mut child = agentbar(demo.state.path(), args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{args:?} was not refused: it runs next to the first agent");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.wait_with_output().unwrap()
    };
    let second = refused(&["demo", "--headless"]);
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    let err = stderr(&second);
    assert!(
        err.contains(&format!("pid {}", demo.pid())) && err.contains(&demo.endpoint.url),
        "names the first one's pid and URL: {err}"
    );
    let second = refused(&["run", "--headless"]);
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    let endpoint = run(demo.state.path(), &["endpoint"]);
    assert_eq!(
        endpoint.status.code(),
        Some(0),
        "the first one's file is intact"
    );
    assert_eq!(json_of(&endpoint)["url"], demo.endpoint.url.as_str());
    assert_eq!(json_of(&endpoint)["demo"], true);
}

#[test]
fn exit_codes_follow_the_documented_scheme() {
    let empty = tempfile::tempdir().unwrap();
    let code = |args: &[&str]| run(empty.path(), args).status.code();
    // 2: usage and configuration.
    assert_eq!(code(&["--no-such-flag"]), Some(2));
    assert_eq!(
        code(&["demo", "--scenario", "/nonexistent/scenario.toml"]),
        Some(2)
    );
    let login = agentbar(empty.path(), &["login", "--no-browser"])
        .env_remove("AGENTBAR_CLIENT_ID")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(login.status.code(), Some(2), "{}", stderr(&login));
    assert!(stderr(&login).contains("--from-gh"), "{}", stderr(&login));
    // 3: nothing current to show.
    assert_eq!(code(&["status"]), Some(3));
    assert_eq!(code(&["tasks"]), Some(3));
    assert_eq!(code(&["endpoint"]), Some(3));
    assert_eq!(code(&["logs", "anything"]), Some(3));
    let auth = agentbar(empty.path(), &["auth", "status"])
        .env("AGENTBAR_NO_KEYCHAIN", "1")
        .output()
        .unwrap();
    assert_eq!(auth.status.code(), Some(3));
    // --help says it all.
    let help = stdout(&run(empty.path(), &["--help"]));
    assert!(
        help.contains("Exit codes: 0 ok; 1 failure; 2 bad usage"),
        "{help}"
    );

    // 0 with current data, 1 for a failure while running.
    let demo = Demo::start(&[], "");
    let status = run(demo.state.path(), &["status"]);
    assert_eq!(status.status.code(), Some(0));
    assert!(
        stdout(&status).starts_with("Demo · "),
        "{}",
        stdout(&status)
    );
    assert_eq!(
        run(demo.state.path(), &["logs", "no-such-task"])
            .status
            .code(),
        Some(1)
    );
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

#[test]
fn cc_xml_takes_http_basic_with_the_api_or_the_stable_feed_token() {
    let demo = Demo::start(&[], "[api]\nfeed_token_file = \"feed-token\"\n");
    let file = demo.state.path().join("config/feed-token");
    let feed = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert_eq!(feed.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let ask = |path: &str, authorization: &str| {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n",
            demo.address()
        );
        String::from_utf8_lossy(&common::exchange(&demo.address(), request.as_bytes())).into_owned()
    };
    for authorization in [
        basic("ccmenu", &feed),
        basic("", &demo.endpoint.token),
        format!("Bearer {feed}"),
    ] {
        let answer = ask("/cc.xml", &authorization);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("<Projects"), "{answer}");
    }
    let refused = ask("/cc.xml", &basic("ccmenu", "wrong"));
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    assert!(
        refused
            .to_ascii_lowercase()
            .contains("www-authenticate: basic"),
        "{refused}"
    );
    let elsewhere = ask("/v1/tasks", &basic("ccmenu", &feed));
    assert!(
        elsewhere.starts_with("HTTP/1.1 401"),
        "the feed token opens only the feed"
    );
    let elsewhere = ask("/v1/tasks", &format!("Bearer {feed}"));
    assert!(
        elsewhere.starts_with("HTTP/1.1 401"),
        "the feed token opens only the feed"
    );

    let shown = run(demo.state.path(), &["endpoint", "--feed"]);
    assert_eq!(shown.status.code(), Some(0), "{}", stderr(&shown));
    let shown = stdout(&shown);
    assert!(
        shown.contains(&format!("{}/cc.xml", demo.endpoint.url)),
        "{shown}"
    );
    assert!(shown.contains(&format!("Password: {feed}")), "{shown}");
}

#[test]
fn tasks_show_short_ids_fit_the_width_and_every_way_of_naming_a_task_works() {
    let demo = Demo::start(&[], "");
    let (_, body) = demo.get("/v1/tasks");
    let list: Value = serde_json::from_str(&body).unwrap();
    let tasks = list["tasks"].as_array().unwrap();
    let with_pr = tasks
        .iter()
        .find(|t| t["pull_request"].is_object() && t["bucket"] == "running")
        .expect("a running task with a pull request");
    let id = with_pr["id"].as_str().unwrap();

    let table = agentbar(demo.state.path(), &["tasks"])
        .env("COLUMNS", "70")
        .output()
        .unwrap();
    let table = stdout(&table);
    assert!(table.starts_with("ID "), "{table}");
    assert!(table.lines().all(|l| l.chars().count() <= 70), "{table}");
    let short: String = table
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .find(|cell| id.starts_with(cell.as_str()) && cell.len() < id.len())
        .unwrap_or_else(|| panic!("no short id of {id} in\n{table}"));

    let pr = &with_pr["pull_request"];
    let references = [
        id.to_owned(),
        short,
        format!(
            "{}#{}",
            with_pr["repository"].as_str().unwrap(),
            pr["number"]
        ),
        pr["url"].as_str().unwrap().to_owned(),
    ];
    let expected = run(demo.state.path(), &["logs", id, "--json"]);
    assert!(expected.status.success(), "{}", stderr(&expected));
    let first_line = |o: &Output| stdout(o).lines().next().map(str::to_owned);
    for reference in &references {
        let output = run(demo.state.path(), &["logs", reference, "--json"]);
        assert!(output.status.success(), "{reference}: {}", stderr(&output));
        assert_eq!(first_line(&output), first_line(&expected), "{reference}");
    }
    let none = run(demo.state.path(), &["logs", "octo-nobody/nothing#1"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(
        stderr(&none).contains("no task matches"),
        "{}",
        stderr(&none)
    );
}

#[test]
fn the_demo_keeps_wall_time_at_any_speed_and_lists_each_title_once() {
    let demo = Demo::start(&["--speed", "60"], "");
    // At 60 times the speed the six-minute cycle takes six seconds: wait for replays.
    let deadline = Instant::now() + Duration::from_secs(60);
    let list = loop {
        let output = run(demo.state.path(), &["tasks", "--json"]);
        let list = json_of(&output);
        let replayed = list["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["title"].as_str().unwrap().ends_with("(run 3)"));
        if replayed {
            break list;
        }
        assert!(
            Instant::now() < deadline,
            "no third run within 60 s: {list}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let now = chrono::Utc::now() + chrono::TimeDelta::seconds(1);
    let tasks = list["tasks"].as_array().unwrap();
    let mut titles = Vec::new();
    for task in tasks {
        for field in ["created_at", "updated_at", "completed_at"] {
            if let Some(at) = task[field].as_str() {
                let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
                assert!(at <= now, "{field} in the future: {task}");
            }
        }
        // Local sessions are titled by their project: several share one, rightly.
        if task["provider"] == "github-copilot" {
            titles.push(task["title"].as_str().unwrap().to_owned());
        }
    }
    let count = titles.len();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), count, "a title listed twice: {titles:?}");
    let recent_failures = tasks.iter().filter(|t| t["bucket"] == "failed").count();
    assert_eq!(
        list["counts"]["failed"].as_u64().unwrap() as usize,
        recent_failures,
        "every failure here is from the last 24 h"
    );
}

#[test]
fn state_is_private_and_the_api_refuses_unknown_parameters_in_json() {
    let root = tempfile::tempdir().unwrap();
    let state = root.path().join("new/state");
    let mut child = quiet_demo(&state, &[]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(state.join("snapshot.json").exists() && state.join("endpoint.json").exists()) {
        assert!(Instant::now() < deadline, "no snapshot within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&state), 0o700);
        for entry in std::fs::read_dir(&state).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
            }
        }
    }
    let endpoint = agentbar::server::Endpoint::read(&state).unwrap();
    let address = endpoint.url.trim_start_matches("http://").to_owned();
    let get = |path: &str| {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            endpoint.token
        );
        let answer = String::from_utf8(common::exchange(&address, request.as_bytes())).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        (head.to_owned(), body.to_owned())
    };
    let (head, body) = get("/v1/tasks?buckets=running");
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["code"], "unknown_parameter");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("\"buckets\"")
            && message.contains("bucket, state, since, period, repo, q"),
        "{message}"
    );
    let (head, body) = get("/v1/health?verbose=1");
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    assert!(body.contains("takes no query parameters"), "{body}");
    let (head, _) = get("/v1/tasks?bucket=running&limit=3");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    // Heads the HTTP layer refuses before any route still get the JSON error shape.
    let huge = format!(
        "GET /v1/tasks HTTP/1.1\r\nHost: {address}\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20 * 1024)
    );
    let answer = String::from_utf8(common::exchange(&address, huge.as_bytes())).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 431"), "{head}");
    let error: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"));
    assert_eq!(error["error"]["code"], "header_too_large");
    let _ = child.0.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_stores_only_a_token_github_accepts_and_names_its_owner() {
    const GOOD: &str = "gho_accepted0000000000000000000000000000";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let simulator = agentbar::sim::Simulator::new(
        agentbar::sim::Scenario::builtin(),
        agentbar::sim::SimOptions {
            accepted_tokens: Some(vec![GOOD.to_owned()]),
            ..agentbar::sim::SimOptions::default()
        },
    );
    let stop = tokio_util::sync::CancellationToken::new();
    let shutdown = stop.clone();
    tokio::spawn(agentbar::sim::serve(listener, simulator, async move {
        shutdown.cancelled().await
    }));
    let viewer = agentbar::sim::Scenario::builtin().viewer.login;
    let state = tempfile::tempdir().unwrap();
    let login = |token: &str| {
        let mut child = agentbar(state.path(), &["login", "--with-token"])
            .env("AGENTBAR_GITHUB_API_URL", &base)
            .env("AGENTBAR_NO_KEYCHAIN", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{token}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let refused = tokio::task::block_in_place(|| login("garbage"));
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("GitHub refused this token"),
        "{}",
        stderr(&refused)
    );
    assert!(!stdout(&refused).contains("Signed in"));
    assert!(
        !state.path().join("config/credentials.json").exists(),
        "nothing stored"
    );

    let accepted = tokio::task::block_in_place(|| login(GOOD));
    assert_eq!(accepted.status.code(), Some(0), "{}", stderr(&accepted));
    let said = stdout(&accepted);
    assert!(
        said.starts_with(&format!(
            "Signed in to github.com as {viewer} (scopes repo, read:org, workflow); the token is kept in"
        )),
        "{said}"
    );
    assert_eq!(said.matches("kept in").count(), 1, "the place is said once");
    assert!(state.path().join("config/credentials.json").exists());
    stop.cancel();
}

#[test]
fn the_signed_out_demo_signs_in_from_another_terminal() {
    let state = tempfile::tempdir().unwrap();
    let _demo = quiet_demo(state.path(), &["--signed-out"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let output = run(state.path(), &["status", "--json"]);
        // The demo's local sessions keep their counts current beside the signed-out account.
        if !output.stdout.is_empty() && json_of(&output)["state"] == "partly_signed_out" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never signed out: {}",
            stdout(&output)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut login = agentbar(state.path(), &["login", "--no-browser"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(login.stdout.take().unwrap()));
    let mut said = String::new();
    let page = loop {
        let line = lines.next().expect("login ended early").unwrap();
        said.push_str(&line);
        said.push('\n');
        if let Some(rest) = line.strip_prefix("Then open ") {
            break rest.trim_end_matches(" and enter it.").to_owned();
        }
    };
    let code = said
        .lines()
        .find_map(|l| l.strip_prefix("First copy your one-time code: "))
        .expect("a code")
        .to_owned();
    // What the user does on the simulator's page: press "Authorize" for that code.
    let address = page
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let path = page
        .trim_start_matches("http://")
        .trim_start_matches(&address);
    let body = format!("user_code={code}&action=approve");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer =
        String::from_utf8_lossy(&common::exchange(&address, request.as_bytes())).into_owned();
    assert!(answer.contains("is authorized"), "{answer}");
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = login.wait().unwrap();
    assert!(status.success(), "{said}{rest:?}");
    assert!(rest.iter().any(|l| l.starts_with("Signed in")), "{rest:?}");
    let status = json_of(&run(state.path(), &["status", "--json"]));
    assert_eq!(status["health"]["status"], "ok", "{status}");
}
