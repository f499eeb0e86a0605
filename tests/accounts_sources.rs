//! Two GitHub accounts side by side in one running core: two simulators on loopback stand in for
//! two hosts. One merged list holds both accounts' tasks with the counts summed, an action goes
//! to the task's own account only, and a 401 on one account signs that account out alone: its
//! tasks stay listed, marked stale, and `GET /v1/sources` and `agentbar status` name it.
//! Each account signs in on its own (two pending codes side by side), is followed on its own (a
//! log read on one account's task speeds up that account's polling only), and lists models and
//! custom agents and starts tasks under the account asked.

mod common;

use agentbar::app::{Core, Upstream};
use agentbar::config::{Config, Overrides};
use agentbar::github::Token;
use agentbar::server;
use common::{ALICE_TOKEN, Api, BOB_TOKEN, SimServer, agentbar, sim_for};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

impl Api {
    /// `GET path`, which must answer 200.
    async fn get(&self, path: &str) -> Value {
        let (status, answer) = self.get_json(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {answer}");
        answer
    }

    /// The `/v1/sources` entry of `id`.
    async fn source(&self, id: &str) -> Value {
        let sources = self.get("/v1/sources").await;
        sources["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no source {id} in {sources:#}"))
    }

    /// Waits (bounded) until `check` holds for the `/v1/sources` entry of `id`.
    async fn wait_for_source(&self, id: &str, what: &str, check: impl Fn(&Value) -> bool) {
        for _ in 0..200 {
            if check(&self.source(id).await) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{id} never got {what}: {:#}", self.source(id).await);
    }
}

/// The tasks of the list that belong to `source`.
fn tasks_of<'a>(list: &'a Value, source: &str) -> Vec<&'a Value> {
    list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["source"] == source)
        .collect()
}

/// Whether the simulator was asked to cancel any Actions run.
async fn cancel_requests(sim: &SimServer) -> Vec<Value> {
    let recorded = sim.control(Method::GET, "requests", None).await;
    recorded["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().contains("/cancel"))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_accounts_merge_act_apart_and_sign_out_one_at_a_time() {
    let alice = sim_for("alice", ALICE_TOKEN).await;
    let bob = sim_for("bob", BOB_TOKEN).await;
    // Alice's token comes as AGENTBAR_TOKEN would; Bob's is kept under his account's entry.
    let (state, core, api, _) =
        two_accounts(&alice, &bob, Some((ALICE_TOKEN, BOB_TOKEN)), 0.2).await;
    for id in ["gh:alice.ghe.com", "gh:bob"] {
        api.wait_for_source(id, "a first poll", |s| s["health"]["status"] == "ok")
            .await;
    }
    let bob_source = api.source("gh:bob").await;
    assert_eq!(bob_source["name"], "bob.ghe.com — bob");
    assert_eq!(bob_source["signed_out"], false);

    // One list, both accounts' tasks (each simulator plays the same world), counts summed.
    let truth = alice.truth().await.len();
    let list = api.get("/v1/tasks").await;
    let (alices, bobs) = (
        tasks_of(&list, "gh:alice.ghe.com"),
        tasks_of(&list, "gh:bob"),
    );
    assert_eq!(alices.len(), truth, "{list:#}");
    assert_eq!(bobs.len(), truth, "{list:#}");
    assert_eq!(list["tasks"].as_array().unwrap().len(), 2 * truth);
    assert_eq!(list["counts"]["total"], 2 * truth);
    let running = |tasks: &[&Value]| tasks.iter().filter(|t| t["bucket"] == "running").count();
    assert_eq!(
        list["counts"]["running"],
        running(&alices) + running(&bobs),
        "{:#}",
        list["counts"]
    );
    assert!(
        bobs.iter()
            .all(|t| t["key"].as_str().unwrap().starts_with("gh:bob:"))
    );

    // A bare id both accounts have is ambiguous; the key reaches Bob's simulator only.
    let stoppable = bobs
        .iter()
        .find(|t| t["actions"].as_array().unwrap().iter().any(|a| a == "stop"))
        .expect("a task Bob can stop");
    let bare = stoppable["id"].as_str().unwrap();
    let response = api
        .request(Method::POST, &format!("/v1/tasks/{bare}/actions/stop"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    alice.control(Method::DELETE, "requests", None).await;
    let key = stoppable["key"].as_str().unwrap();
    let response = api
        .request(Method::POST, &format!("/v1/tasks/{key}/actions/stop"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(cancel_requests(&bob).await.len(), 1);
    assert_eq!(
        bob.stats().await["cancelled_runs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(cancel_requests(&alice).await.is_empty());
    assert_eq!(alice.stats().await["cancelled_runs"], json!([]));

    // Bob's GitHub refuses his token from now on: his account alone is signed out.
    bob.fault(json!({"kind": "unauthorized"})).await;
    api.wait_for_source("gh:bob", "signed out", |s| s["signed_out"] == true)
        .await;
    let bob_source = api.source("gh:bob").await;
    assert_eq!(bob_source["health"]["status"], "signed_out");
    assert_eq!(bob_source["health"]["stale"], true);
    let alice_source = api.source("gh:alice.ghe.com").await;
    assert_eq!(alice_source["signed_out"], false);
    assert_eq!(alice_source["health"]["status"], "ok");
    let list = api.get("/v1/tasks").await;
    let bobs = tasks_of(&list, "gh:bob");
    assert_eq!(bobs.len(), truth, "Bob's tasks are kept: {list:#}");
    assert!(bobs.iter().all(|t| t["stale"] == true), "{list:#}");
    assert!(
        tasks_of(&list, "gh:alice.ghe.com")
            .iter()
            .all(|t| t["stale"] == false)
    );
    assert_eq!(list["counts"]["total"], 2 * truth);

    // The CLI names the account that needs signing in, and how.
    let output = tokio::task::block_in_place(|| {
        agentbar(state.path(), &["status"])
            .env("AGENTBAR_NO_KEYCHAIN", "1")
            .output()
            .unwrap()
    });
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.lines()
            .any(|l| l
                == "  bob.ghe.com — bob (gh:bob): signed out — run `agentbar login --name bob`"),
        "{said}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !said.contains("alice.ghe.com (gh:alice.ghe.com): signed out"),
        "{said}"
    );
    core.shutdown().await;
}

/// Two accounts, Alice's (the default, `gh:alice.ghe.com`) and Bob's (`gh:bob`), on their own
/// simulators, with the tokens given (none: signed out), polled every `fast`/`slow` seconds.
async fn two_accounts(
    alice: &SimServer,
    bob: &SimServer,
    tokens: Option<(&str, &str)>,
    slow: f64,
) -> (
    tempfile::TempDir,
    Core,
    Api,
    agentbar::open::RecordingOpener,
) {
    let state = tempfile::tempdir().unwrap();
    let config_dir = state.path().join("config");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[github]\nhost = \"alice.ghe.com\"\napi_url = \"{a}\"\nweb_url = \"{a}/web\"\n\
             client_id = \"sim-client-id\"\n\
             [[github.accounts]]\nname = \"bob\"\nhost = \"bob.ghe.com\"\n\
             api_url = \"{b}\"\nweb_url = \"{b}/web\"\nclient_id = \"sim-client-id\"\n\
             [poll]\nfast_seconds = 0.2\nslow_seconds = {slow}\nbackoff_base_seconds = 0.1\n",
            a = alice.base,
            b = bob.base,
        ),
    )
    .unwrap();
    let overrides = Overrides {
        config_dir: Some(config_dir),
        state_dir: Some(state.path().to_owned()),
        port: Some(0),
        use_keychain: Some(false),
        // Never the local agents of whoever runs the tests.
        local: Some(false),
        ..Overrides::default()
    };
    let config = Config::load(&overrides, tokens.and_then(|(a, _)| Token::new(a))).unwrap();
    if let Some((_, bob_token)) = tokens {
        config
            .credentials_for(&config.accounts[1])
            .save(&Token::new(bob_token).unwrap())
            .unwrap();
    }
    let opener = agentbar::open::RecordingOpener::default();
    let listener = server::bind(0).await.unwrap();
    let core = Core::start_with_opener(
        &config,
        Upstream::GitHub,
        std::sync::Arc::new(opener.clone()),
    )
    .await
    .unwrap();
    let endpoint = server::start(&core, listener, config.api_limits.clone(), None).unwrap();
    (state, core, Api::new(endpoint), opener)
}

async fn sign_in(api: &Api, source: &str) -> Value {
    let response = api
        .request(Method::POST, &format!("/v1/sign-in?source={source}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED, "sign in {source}");
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_accounts_sign_in_side_by_side_each_with_its_own_code() {
    let alice = sim_for("alice", ALICE_TOKEN).await;
    let bob = sim_for("bob", BOB_TOKEN).await;
    let (_state, core, api, opener) = two_accounts(&alice, &bob, None, 0.2).await;
    for id in ["gh:alice.ghe.com", "gh:bob"] {
        api.wait_for_source(id, "signed out", |s| s["signed_out"] == true)
            .await;
    }
    let alices = sign_in(&api, "gh:alice.ghe.com").await;
    let bobs = sign_in(&api, "gh:bob").await;
    // Each code comes from the account's own GitHub, and the second does not replace the first.
    let page = |v: &Value| v["verification_uri"].as_str().unwrap().to_owned();
    assert!(page(&alices).starts_with(&alice.base), "{alices}");
    assert!(page(&bobs).starts_with(&bob.base), "{bobs}");
    assert_eq!(
        sign_in(&api, "gh:alice.ghe.com").await,
        alices,
        "Alice's code is still hers"
    );
    assert_eq!(sign_in(&api, "gh:bob").await, bobs);
    // No source: the default account's (Alice's) pending code.
    let response = api
        .request(Method::POST, "/v1/sign-in")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.json::<Value>().await.unwrap(), alices);
    for (sim, code) in [(&alice, &alices), (&bob, &bobs)] {
        let grants = sim.control(Method::GET, "device", None).await;
        let grants = grants.as_array().unwrap();
        assert_eq!(grants.len(), 1, "one device code per account: {grants:?}");
        assert_eq!(grants[0]["user_code"], code["user_code"], "{grants:?}");
    }
    let opened = opener.opened();
    assert_eq!(
        opened,
        [page(&alices), page(&bobs)],
        "each page opened once"
    );
    core.shutdown().await;
}

/// The built-in world with only its tasks that finished before the clock starts: nothing is
/// active, so an account polls slowly unless a client follows one of its logs.
fn idle_sim_scenario(login: &str) -> agentbar::sim::Scenario {
    let mut scenario = agentbar::sim::Scenario::builtin();
    scenario.viewer.login = login.to_owned();
    scenario.tasks.retain(|task| {
        !task.repeats
            && task.sessions.iter().all(|session| {
                session.steps.iter().all(|step| step.at <= 0.0)
                    && session.steps.last().is_some_and(|step| {
                        matches!(step.state.as_str(), "completed" | "failed" | "cancelled")
                    })
            })
    });
    scenario
}

async fn idle_sim_for(login: &str, token: &str) -> SimServer {
    common::start_sim_with(
        idle_sim_scenario(login),
        agentbar::sim::SimOptions {
            accepted_tokens: Some(vec![token.to_owned()]),
            ..agentbar::sim::SimOptions::default()
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_lists_and_starts_go_to_the_account_asked() {
    let alice = idle_sim_for("alice", ALICE_TOKEN).await;
    let bob = idle_sim_for("bob", BOB_TOKEN).await;
    let (_state, core, api, _) =
        two_accounts(&alice, &bob, Some((ALICE_TOKEN, BOB_TOKEN)), 3.0).await;
    for id in ["gh:alice.ghe.com", "gh:bob"] {
        api.wait_for_source(id, "a first poll", |s| s["health"]["status"] == "ok")
            .await;
    }
    let list = api.get("/v1/tasks").await;
    assert_eq!(
        list["counts"]["running"], 0,
        "an idle world: {}",
        list["counts"]
    );
    assert_eq!(
        list["counts"]["waiting"], 0,
        "an idle world: {}",
        list["counts"]
    );

    // Following one of Alice's logs makes Alice's account poll fast; Bob's stays slow.
    let followed = tasks_of(&list, "gh:alice.ghe.com")
        .into_iter()
        .find(|t| t["bucket"] == "completed")
        .expect("a finished task of Alice's")["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = api
        .request(Method::GET, &format!("/v1/tasks/{followed}/logs"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // The slow wait under way ends first (3 s), then the fast polls begin.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    alice.reset_stats().await;
    bob.reset_stats().await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let polls = |stats: &Value| common::route(stats, "tasks").0;
    let (alice_polls, bob_polls) = (polls(&alice.stats().await), polls(&bob.stats().await));
    assert!(
        alice_polls >= 4,
        "the followed account polls fast: {alice_polls}"
    );
    assert!(
        bob_polls <= 1,
        "the other account keeps its slow pace: {bob_polls}"
    );

    // Models and custom agents: the account asked, else the default one.
    let capi = |stats: &Value| {
        (
            common::route(stats, "capi_models").0,
            common::route(stats, "capi_custom_agents").0,
        )
    };
    alice.reset_stats().await;
    bob.reset_stats().await;
    api.get("/v1/models?source=gh:bob").await;
    api.get("/v1/custom-agents?repo=octo-org/web-app&source=bob")
        .await;
    assert_eq!(capi(&bob.stats().await), (1, 1));
    assert_eq!(capi(&alice.stats().await), (0, 0));
    api.get("/v1/models").await;
    api.get("/v1/custom-agents?repo=octo-org/web-app").await;
    assert_eq!(capi(&alice.stats().await), (1, 1));
    assert_eq!(capi(&bob.stats().await), (1, 1));
    let response = api
        .request(Method::GET, "/v1/models?source=gh:carol")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let refused: Value = response.json().await.unwrap();
    assert_eq!(refused["error"]["code"], "unknown_source", "{refused}");

    // A start under Bob's account reaches Bob's GitHub alone.
    let response = api
        .request(Method::POST, "/v1/tasks")
        .json(
            &json!({"repo": "octo-org/web-app", "prompt": "Add a changelog", "account": "gh:bob"}),
        )
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let started: Value = response.json().await.unwrap();
    let creates = |recorded: Value| {
        recorded["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["route"] == "create_task")
            .count()
    };
    assert_eq!(creates(bob.control(Method::GET, "requests", None).await), 1);
    assert_eq!(
        creates(alice.control(Method::GET, "requests", None).await),
        0
    );
    if started.get("key").is_some() {
        assert!(
            started["key"].as_str().unwrap().starts_with("gh:bob:"),
            "{started}"
        );
    }
    core.shutdown().await;
}
