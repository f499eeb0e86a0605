//! Several GitHub accounts from the command line: the real binary adds accounts with `login`
//! (two simulators on loopback, standing in for two hosts), lists them with what GitHub says of
//! each token (`accounts`), and signs one out with `logout --account`, leaving the other alone.

mod common;

use common::{ALICE_TOKEN, BOB_TOKEN, agentbar, sim_for};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `agentbar ARGS` with no keychain, a token on standard input when given.
fn run(state: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = agentbar(state, args)
        .env("AGENTBAR_NO_KEYCHAIN", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(token) = stdin {
        input.write_all(format!("{token}\n").as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn accounts_json(state: &Path) -> Vec<Value> {
    let output = run(state, &["accounts", "--json"], None);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn by_id<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no account {id} in {list:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_added_listed_with_their_status_and_signed_out_one_at_a_time() {
    let alice_sim = sim_for("alice", ALICE_TOKEN).await;
    let bob_sim = sim_for("bob", BOB_TOKEN).await;
    let state = tempfile::tempdir().unwrap();
    let dir = state.path();

    // Alice's tenant: a host with no account yet becomes a new account named by the host.
    let output = tokio::task::block_in_place(|| {
        run(
            dir,
            &[
                "login",
                "--with-token",
                "--host",
                "alice.ghe.com",
                "--api-url",
                &alice_sim.base,
            ],
            Some(ALICE_TOKEN),
        )
    });
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let said = text(&output.stdout);
    assert!(
        said.starts_with("Signed in to alice.ghe.com as alice"),
        "{said}"
    );
    assert!(said.contains("Added the account alice.ghe.com"), "{said}");

    // Bob, a second user on github.com: a name makes the account.
    let output = tokio::task::block_in_place(|| {
        run(
            dir,
            &[
                "login",
                "--with-token",
                "--name",
                "Bob",
                "--api-url",
                &bob_sim.base,
            ],
            Some(BOB_TOKEN),
        )
    });
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).starts_with("Signed in to github.com — Bob as bob"),
        "{}",
        text(&output.stdout)
    );

    // A token the account's GitHub refuses adds nothing.
    let output = tokio::task::block_in_place(|| {
        run(
            dir,
            &[
                "login",
                "--with-token",
                "--name",
                "carol",
                "--api-url",
                &bob_sim.base,
            ],
            Some(ALICE_TOKEN),
        )
    });
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));

    let list = tokio::task::block_in_place(|| accounts_json(dir));
    let ids: Vec<&str> = list.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["github.com", "alice.ghe.com", "bob"]);
    assert_eq!(by_id(&list, "github.com")["status"], "signed_out");
    assert_eq!(by_id(&list, "github.com")["default"], true);
    let alice = by_id(&list, "alice.ghe.com");
    assert_eq!(alice["status"], "signed_in");
    assert_eq!(alice["login"], "alice");
    assert_eq!(alice["source"], "gh:alice.ghe.com");
    assert_eq!(alice["api_url"], alice_sim.base.as_str());
    assert_eq!(alice["token_from"], "file");
    assert_eq!(by_id(&list, "bob")["login"], "bob");

    // Each token sits under its own account's entry; the accounts file holds no secret.
    let credentials = std::fs::read_to_string(dir.join("config/credentials.json")).unwrap();
    let stored: Value = serde_json::from_str(&credentials).unwrap();
    assert_eq!(
        stored["tokens"],
        json!({"account/alice.ghe.com": ALICE_TOKEN, "account/bob": BOB_TOKEN})
    );
    let added = std::fs::read_to_string(dir.join("config/accounts.json")).unwrap();
    assert!(!added.contains("gho_"), "{added}");

    // GitHub starts refusing Bob's token: only Bob's line says so.
    bob_sim
        .fault(json!({"kind": "unauthorized", "route": "user"}))
        .await;
    let list = tokio::task::block_in_place(|| accounts_json(dir));
    assert_eq!(by_id(&list, "bob")["status"], "token_refused");
    assert_eq!(by_id(&list, "alice.ghe.com")["status"], "signed_in");
    let output = tokio::task::block_in_place(|| run(dir, &["accounts"], None));
    let said = text(&output.stdout);
    assert!(
        said.contains("bob: github.com — Bob — token refused (")
            && said.contains("`agentbar login --name Bob`"),
        "{said}"
    );
    assert!(
        said.contains("alice.ghe.com: alice.ghe.com — signed in as alice; token in a plain file"),
        "{said}"
    );
    assert!(
        said.contains("github.com (default): github.com — signed out — `agentbar login`"),
        "{said}"
    );

    // Signing Bob out forgets his token and his account; Alice stays signed in.
    let output = tokio::task::block_in_place(|| run(dir, &["logout", "--account", "BOB"], None));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let said = text(&output.stdout);
    assert!(
        said.contains("Forgot the token for github.com — Bob"),
        "{said}"
    );
    assert!(
        said.contains("Removed the account bob from the list"),
        "{said}"
    );
    let list = tokio::task::block_in_place(|| accounts_json(dir));
    let ids: Vec<&str> = list.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["github.com", "alice.ghe.com"]);
    assert_eq!(by_id(&list, "alice.ghe.com")["status"], "signed_in");
    let credentials = std::fs::read_to_string(dir.join("config/credentials.json")).unwrap();
    assert!(
        !credentials.contains(BOB_TOKEN) && credentials.contains(ALICE_TOKEN),
        "{credentials}"
    );

    // An unknown account is a usage error that names the known ones.
    let output = tokio::task::block_in_place(|| run(dir, &["logout", "--account", "bob"], None));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr)
            .contains("no account is called \"bob\"; the accounts are: github.com, alice.ghe.com"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_stored_before_accounts_existed_still_signs_the_default_account_in() {
    let sim = sim_for("octocat", ALICE_TOKEN).await;
    let state = tempfile::tempdir().unwrap();
    let config = state.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    // What the previous release left: one token under the host, and a config naming no account.
    std::fs::write(
        config.join("credentials.json"),
        json!({"tokens": {"github.com": ALICE_TOKEN}}).to_string(),
    )
    .unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!("[github]\napi_url = \"{}\"\n", sim.base),
    )
    .unwrap();
    let list = tokio::task::block_in_place(|| accounts_json(state.path()));
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["id"], "github.com");
    assert_eq!(list[0]["status"], "signed_in");
    assert_eq!(list[0]["login"], "octocat");

    // The old `logout` still signs it out.
    let output = tokio::task::block_in_place(|| run(state.path(), &["logout"], None));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let list = tokio::task::block_in_place(|| accounts_json(state.path()));
    assert_eq!(list[0]["status"], "signed_out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_that_cannot_be_listed_keeps_no_token_and_the_file_is_left_as_it_was() {
    let sim = sim_for("alice", ALICE_TOKEN).await;
    let state = tempfile::tempdir().unwrap();
    let config = state.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("accounts.json"), b"{ half written").unwrap();
    let output = tokio::task::block_in_place(|| {
        run(
            state.path(),
            &[
                "login",
                "--with-token",
                "--name",
                "work",
                "--api-url",
                &sim.base,
            ],
            Some(ALICE_TOKEN),
        )
    });
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let said = text(&output.stderr);
    assert!(
        said.contains("accounts.json is not a readable accounts file")
            && said.contains("fix or remove it"),
        "{said}"
    );
    assert_eq!(
        std::fs::read(config.join("accounts.json")).unwrap(),
        b"{ half written"
    );
    assert!(
        !config.join("credentials.json").exists(),
        "the token of an account that could not be listed is not kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_config_toml_lists_is_signed_out_but_stays_listed() {
    let sim = sim_for("alice", ALICE_TOKEN).await;
    let state = tempfile::tempdir().unwrap();
    let config = state.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[[github.accounts]]\nname = \"work\"\nhost = \"acme.ghe.com\"\napi_url = \"{}\"\n",
            sim.base
        ),
    )
    .unwrap();
    // `--host` finds the listed account rather than adding one.
    let output = tokio::task::block_in_place(|| {
        run(
            state.path(),
            &["login", "--with-token", "--host", "acme.ghe.com"],
            Some(ALICE_TOKEN),
        )
    });
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        !text(&output.stdout).contains("Added"),
        "{}",
        text(&output.stdout)
    );
    assert!(!config.join("accounts.json").exists());
    let list = tokio::task::block_in_place(|| accounts_json(state.path()));
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["id"], "work");
    assert_eq!(list[0]["status"], "signed_in");

    let output =
        tokio::task::block_in_place(|| run(state.path(), &["logout", "--account", "work"], None));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("stays listed (signed out) while config.toml names it"),
        "{}",
        text(&output.stdout)
    );
    let list = tokio::task::block_in_place(|| accounts_json(state.path()));
    assert_eq!(list[0]["status"], "signed_out");
}

/// A stand-in for a running agent's API with two GitHub sources, one signed out, answering
/// with the documented shapes (`docs/examples/v1-tasks.json`, the `/v1/sources` list).
async fn fake_agent(state: &Path) -> tokio_util::sync::CancellationToken {
    let tasks = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/v1-tasks.json"),
    )
    .unwrap();
    let sources = json!({"schema_version": 1, "sources": [
        {"id": "gh:github.com", "kind": "github", "name": "github.com", "signed_out": false,
         "tasks": 3, "health": {"status": "ok", "stale": false}},
        {"id": "gh:work", "kind": "github", "name": "acme.ghe.com — work", "signed_out": true,
         "tasks": 2, "health": {"status": "signed_out", "stale": true}}
    ]});
    let app = axum::Router::new()
        .route(
            "/v1/tasks",
            axum::routing::get(move || async move {
                ([("content-type", "application/json")], tasks.clone())
            }),
        )
        .route(
            "/v1/sources",
            axum::routing::get(move || async move { axum::Json(sources.clone()) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let stop = tokio_util::sync::CancellationToken::new();
    let stopped = stop.clone();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { stopped.cancelled().await })
            .await
            .unwrap();
    });
    std::fs::create_dir_all(state).unwrap();
    std::fs::write(
        state.join("endpoint.json"),
        json!({"url": url, "token": "t", "pid": std::process::id(), "schema_version": 1})
            .to_string(),
    )
    .unwrap();
    stop
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_names_the_account_that_needs_signing_in() {
    let state = tempfile::tempdir().unwrap();
    let config = state.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[github]\nhost = \"github.com\"\n[[github.accounts]]\nname = \"work\"\nhost = \"acme.ghe.com\"\n",
    )
    .unwrap();
    let stop = fake_agent(state.path()).await;
    let output = tokio::task::block_in_place(|| run(state.path(), &["status"], None));
    let said = text(&output.stdout);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 2, "{said}\n{}", text(&output.stderr));
    assert_eq!(
        lines[1],
        "  acme.ghe.com — work (gh:work): signed out — run `agentbar login --name work`"
    );
    stop.cancel();
}
