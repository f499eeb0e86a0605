//! Two GitHub accounts side by side in one running core: two simulators on loopback stand in for
//! two hosts. One merged list holds both accounts' tasks with the counts summed, an action goes
//! to the task's own account only, and a 401 on one account signs that account out alone: its
//! tasks stay listed, marked stale, and `GET /v1/sources` and `agentbar status` name it.

mod common;

use agentbar::app::{Core, Upstream};
use agentbar::config::{Config, Overrides};
use agentbar::github::Token;
use agentbar::server;
use common::{ALICE_TOKEN, BOB_TOKEN, SimServer, agentbar, sim_for};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

struct Api {
    http: reqwest::Client,
    endpoint: server::Endpoint,
}

impl Api {
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.endpoint.url))
            .bearer_auth(&self.endpoint.token)
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.request(Method::GET, path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
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
    let state = tempfile::tempdir().unwrap();
    let config_dir = state.path().join("config");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[github]\nhost = \"alice.ghe.com\"\napi_url = \"{a}\"\nweb_url = \"{a}/web\"\n\
             [[github.accounts]]\nname = \"bob\"\nhost = \"bob.ghe.com\"\n\
             api_url = \"{b}\"\nweb_url = \"{b}/web\"\n\
             [poll]\nfast_seconds = 0.2\nslow_seconds = 0.2\nbackoff_base_seconds = 0.1\n",
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
    // Alice's token comes as AGENTBAR_TOKEN would; Bob's is kept under his account's entry.
    let config = Config::load(&overrides, Token::new(ALICE_TOKEN)).unwrap();
    assert_eq!(config.accounts.len(), 2);
    config
        .credentials_for(&config.accounts[1])
        .save(&Token::new(BOB_TOKEN).unwrap())
        .unwrap();

    let listener = server::bind(0).await.unwrap();
    let core = Core::start(&config, Upstream::GitHub).await.unwrap();
    let endpoint = server::start(&core, listener, config.api_limits.clone(), None).unwrap();
    let api = Api {
        http: reqwest::Client::new(),
        endpoint,
    };
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
