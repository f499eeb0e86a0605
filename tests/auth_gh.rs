//! A token taken from the GitHub CLI (`agentbar login --from-gh`) is asked of gh again when
//! GitHub refuses it, before agentbar counts as signed out: gh's tokens may be short-lived and
//! replaced behind our back. The real binary, a fake `gh` on `PATH` in a temporary directory,
//! and a simulator that accepts only gh's newer token. The fake `gh` is a shell script: Unix only.
#![cfg(unix)]

mod common;

use agentbar::server::Endpoint;
use agentbar::sim::{Scenario, SimOptions};
use common::{SimServer, agentbar, start_sim_with};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const OLD: &str = "gho_oldtoken000000000000000000000000000";
const NEW: &str = "gho_newtoken000000000000000000000000000";

/// A `gh` that answers `gh auth token --hostname H` with the token in `token_file`.
fn fake_gh(dir: &Path, token_file: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let gh = bin.join("gh");
    std::fs::write(
        &gh,
        format!(
            "#!/bin/sh\n[ \"$1 $2\" = \"auth token\" ] || exit 2\ncat '{}'\n",
            token_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn path_with(bin: &Path) -> String {
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// `agentbar run --headless` against the simulator, reading the stored token (none in the
/// environment), with `gh` found first in `bin`.
fn run(sim: &SimServer, state: &Path, bin: &Path) -> Child {
    let log = std::fs::File::create(state.join("run.log")).unwrap();
    agentbar(state, &["run", "--headless"])
        .env("PATH", path_with(bin))
        .env("AGENTBAR_GITHUB_API_URL", &sim.base)
        .env("AGENTBAR_GITHUB_WEB_URL", format!("{}/web", sim.base))
        .env("AGENTBAR_NO_KEYCHAIN", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// Waits until the running agent's health says `status`; returns the health.
async fn health_becomes(state: &Path, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    let http = reqwest::Client::new();
    let mut last = Value::Null;
    while Instant::now() < deadline {
        if let Some(endpoint) = Endpoint::read(state)
            && let Ok(response) = http
                .get(format!("{}/v1/health", endpoint.url))
                .bearer_auth(&endpoint.token)
                .send()
                .await
            && let Ok(health) = response.json::<Value>().await
        {
            if health["status"] == status {
                return health;
            }
            last = health;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = std::fs::read_to_string(state.join("run.log")).unwrap_or_default();
    panic!("health never became {status}: {last}\n{log}");
}

fn stored_token(state: &Path) -> String {
    let file: Value =
        serde_json::from_slice(&std::fs::read(state.join("config/credentials.json")).unwrap())
            .unwrap();
    file["tokens"]["account/github.com"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Logs in with gh's token (`OLD`), then lets gh hold `gh_now` while GitHub accepts only `NEW`.
async fn scenario(gh_now: &str) -> (SimServer, tempfile::TempDir, PathBuf, Child) {
    let sim = start_sim_with(
        Scenario::builtin(),
        SimOptions {
            speed: 0.0,
            accepted_tokens: Some(vec![NEW.to_owned()]),
            ..SimOptions::default()
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(state.join("config")).unwrap();
    let token_file = dir.path().join("gh-token");
    std::fs::write(&token_file, format!("{OLD}\n")).unwrap();
    let bin = fake_gh(dir.path(), &token_file);
    // At sign-in GitHub still took gh's token (login checks it with `GET /user`): a simulator
    // of that moment, accepting only `OLD`.
    let then = start_sim_with(
        Scenario::builtin(),
        SimOptions {
            speed: 0.0,
            accepted_tokens: Some(vec![OLD.to_owned()]),
            ..SimOptions::default()
        },
    )
    .await;
    let login = agentbar(&state, &["login", "--from-gh"])
        .env("PATH", path_with(&bin))
        .env("AGENTBAR_GITHUB_API_URL", &then.base)
        .env("AGENTBAR_NO_KEYCHAIN", "1")
        .output()
        .unwrap();
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    assert_eq!(stored_token(&state), OLD);
    // gh has moved on (or not) by the time agentbar runs.
    std::fs::write(&token_file, format!("{gh_now}\n")).unwrap();
    let child = run(&sim, &state, &bin);
    (sim, dir, state, child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_gh_token_is_replaced_by_ghs_current_one_without_signing_out() {
    let (_sim, _dir, state, mut child) = scenario(NEW).await;
    let health = health_becomes(&state, "ok").await;
    assert_eq!(health["consecutive_failures"], 0, "{health}");
    assert_eq!(stored_token(&state), NEW, "gh's new token is stored");
    let log = std::fs::read_to_string(state.join("run.log")).unwrap_or_default();
    assert!(
        !log.contains(OLD) && !log.contains(NEW),
        "no token in the log"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_gh_has_nothing_newer_a_refused_token_signs_out() {
    let (_sim, _dir, state, mut child) = scenario(OLD).await;
    let health = health_becomes(&state, "signed_out").await;
    assert_eq!(health["last_error"]["code"], "unauthorized", "{health}");
    assert_eq!(stored_token(&state), OLD);
    child.kill().unwrap();
    child.wait().unwrap();
}
