//! The client against the simulator speaking GitHub's documented shapes (UPSTREAM §2, §3), over
//! real loopback HTTP: every pull request is found whether its artifact carries `global_id` or
//! not, owners and repositories sent as bare `{id}`s are named, branch-only tasks show their
//! branch, usage reads in AI credits, one Copilot API session failing forever never costs the
//! list its completeness or freshness, and `Copilot-Integration-Id` is sent only when configured.
//! What the simulator served is read back from the simulator itself (its REST answers, and the
//! requests it recorded), never from the client.

mod common;

use agentbar::github::{SyncOptions, TaskSync};
use agentbar::model::Task;
use agentbar::sim::Scenario;
use chrono::Utc;
use common::{Harness, SimServer, start_sim};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const TOKEN: &str = "test-token";

/// A REST GET on the simulator, as GitHub's documented client would make it.
async fn rest(sim: &SimServer, path: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", sim.base))
        .bearer_auth(TOKEN)
        .header("Accept", "application/vnd.github+json")
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "GET {path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// Every task the REST list serves, all pages.
async fn rest_tasks(sim: &SimServer) -> Vec<Value> {
    let mut tasks = Vec::new();
    for page in 1..=50 {
        let answer = rest(sim, &format!("/agents/tasks?per_page=100&page={page}")).await;
        let items = answer["tasks"].as_array().cloned().unwrap_or_default();
        let count = items.len();
        tasks.extend(items);
        if count < 100 {
            break;
        }
    }
    tasks
}

/// A pull request's node id as UPSTREAM §2 describes it, written out here independently of the
/// client: `PR_` + base64url (no padding) of MessagePack `[0, repository_id, pr_id]`.
fn pull_request_node_id(repository_id: u64, pr_id: u64) -> String {
    use base64::Engine;
    let mut packed = vec![0x93, 0x00];
    for n in [repository_id, pr_id] {
        match n {
            0..=0x7f => packed.push(n as u8),
            0x80..=0xff => packed.extend([0xcc, n as u8]),
            0x100..=0xffff => packed.extend([&[0xcd][..], &(n as u16).to_be_bytes()].concat()),
            0x1_0000..=0xffff_ffff => {
                packed.extend([&[0xce][..], &(n as u32).to_be_bytes()].concat())
            }
            _ => packed.extend([&[0xcf][..], &n.to_be_bytes()].concat()),
        }
    }
    format!(
        "PR_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed)
    )
}

/// The pull request node GraphQL answers for `id` (null for a deleted one).
async fn graphql_node(sim: &SimServer, id: &str) -> Value {
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/graphql", sim.base))
        .bearer_auth(TOKEN)
        .json(&json!({
            "query": "query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on PullRequest { id number title } } }",
            "variables": {"ids": [id]},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["data"]["nodes"][0].clone()
}

/// The artifact of `kind`, found the documented way (its own `type`), else the Copilot API's.
fn artifact<'a>(task: &'a Value, kind: &str) -> Option<&'a Value> {
    task["artifacts"]
        .as_array()?
        .iter()
        .find(|a| a["type"] == kind || a["data"]["type"] == kind)
}

async fn synced(sim: &SimServer) -> HashMap<String, Task> {
    let mut sync = TaskSync::new(SyncOptions::default());
    let outcome = sync.poll(&sim.client(), Utc::now()).await.unwrap();
    outcome
        .snapshot
        .tasks
        .iter()
        .map(|t| (t.id.clone(), Task::clone(t)))
        .collect()
}

#[tokio::test]
async fn every_pull_request_owner_repository_and_branch_is_found_from_thin_rest_answers() {
    let sim = start_sim(Scenario::builtin()).await;
    let listed = rest_tasks(&sim).await;
    let tasks = synced(&sim).await;
    assert_eq!(tasks.len(), listed.len(), "every listed task is shown");
    let (mut with_global_id, mut without_global_id, mut branches, mut deleted) = (0, 0, 0, 0);
    let mut logins: HashMap<u64, String> = HashMap::new();
    for upstream in &listed {
        let id = upstream["id"].as_str().unwrap();
        let task = &tasks[id];
        // The REST answer is thin: no login, no name.
        assert!(upstream["creator"].get("login").is_none(), "{upstream}");
        assert!(
            upstream["repository"].get("full_name").is_none(),
            "{upstream}"
        );

        let creator = upstream["creator"]["id"].as_u64().unwrap();
        if let std::collections::hash_map::Entry::Vacant(slot) = logins.entry(creator) {
            let user = rest(&sim, &format!("/user/{creator}")).await;
            slot.insert(user["login"].as_str().unwrap().to_owned());
        }
        assert_eq!(
            task.owner.as_deref(),
            Some(logins[&creator].as_str()),
            "owner of {id}"
        );
        let repo_id = upstream["repository"]["id"].as_u64().unwrap();
        let repo = rest(&sim, &format!("/repositories/{repo_id}")).await;
        assert_eq!(
            task.repository.as_deref(),
            repo["full_name"].as_str(),
            "repository of {id}"
        );

        if let Some(pull) = artifact(upstream, "pull") {
            let given = pull["data"]["global_id"].as_str().map(str::to_owned);
            let node_id = given.clone().unwrap_or_else(|| {
                pull_request_node_id(repo_id, pull["data"]["id"].as_u64().unwrap())
            });
            let node = graphql_node(&sim, &node_id).await;
            if node.is_null() {
                // A deleted pull request: the task is listed without one.
                assert!(task.pull_request.is_none(), "{id}");
                deleted += 1;
                continue;
            }
            let pr = task
                .pull_request
                .as_ref()
                .unwrap_or_else(|| panic!("no pull request for {id}: {pull}"));
            assert_eq!(Some(pr.number), node["number"].as_u64(), "{id}");
            assert_eq!(pr.node_id.as_deref(), Some(node_id.as_str()));
            assert!(pr.url.contains("/pull/"), "{}", pr.url);
            assert_eq!(task.title, pr.title);
            if given.is_some() {
                with_global_id += 1;
            } else {
                without_global_id += 1;
            }
        } else {
            assert!(task.pull_request.is_none(), "{id}");
        }
        if let Some(branch) = artifact(upstream, "branch") {
            let shown = task
                .branch
                .as_ref()
                .unwrap_or_else(|| panic!("no branch for {id}"));
            assert_eq!(
                Some(shown.head_ref.as_str()),
                branch["data"]["head_ref"].as_str()
            );
            assert_eq!(
                shown.base_ref.as_deref(),
                branch["data"]["base_ref"].as_str()
            );
            branches += 1;
        }
    }
    assert!(
        with_global_id > 0 && without_global_id > 0 && branches > 0,
        "the scenario has PRs with ({with_global_id}) and without ({without_global_id}) \
         global_id, and branch-only tasks ({branches}); {deleted} deleted"
    );
}

#[tokio::test]
async fn usage_reads_in_ai_credits_summed_from_nano_credits() {
    let sim = start_sim(Scenario::builtin()).await;
    let tasks = synced(&sim).await;
    let mut credits_seen = 0;
    for task in tasks.values().filter(|t| !t.sessions.is_empty()) {
        let detail = rest(&sim, &format!("/agents/tasks/{}", task.id)).await;
        let sessions = detail["sessions"].as_array().unwrap();
        let nanos: u64 = sessions
            .iter()
            .filter(|s| s["usage"]["type"] == "ai_credits")
            .map(|s| s["usage"]["amount"].as_u64().unwrap())
            .sum();
        let premium: f64 = sessions
            .iter()
            .filter(|s| s["usage"]["type"] == "premium_requests")
            .map(|s| s["usage"]["amount"].as_f64().unwrap())
            .sum();
        let usage = task.usage.unwrap_or_default();
        if nanos > 0 {
            credits_seen += 1;
            assert_eq!(usage.ai_credit_nanos, Some(nanos), "{}", task.id);
            let label = format!("{:.1} AI credits", nanos as f64 / 1e9);
            assert!(
                usage.label().starts_with(&label),
                "{} vs {label}",
                usage.label()
            );
        } else {
            assert_eq!(usage.ai_credit_nanos, None);
        }
        if premium > 0.0 {
            assert!((usage.premium_requests.unwrap() - premium).abs() < 1e-9);
        }
    }
    assert!(
        credits_seen > 0,
        "the scenario meters some sessions in AI credits"
    );
}

/// Requests the simulator recorded: (path, Copilot-Integration-Id).
async fn recorded(sim: &SimServer) -> Vec<(String, Option<String>)> {
    let answer = sim.control(reqwest::Method::GET, "requests", None).await;
    answer["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap_or_default().to_owned(),
                r["copilot_integration_id"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// The newest session of the first active task, as REST describes it.
async fn an_active_session(sim: &SimServer) -> (String, String) {
    for task in rest_tasks(sim).await {
        if !matches!(
            task["state"].as_str(),
            Some("in_progress" | "queued" | "waiting_for_user" | "idle")
        ) {
            continue;
        }
        let id = task["id"].as_str().unwrap().to_owned();
        let detail = rest(sim, &format!("/agents/tasks/{id}")).await;
        if let Some(newest) = detail["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .max_by_key(|s| s["created_at"].as_str().unwrap_or_default().to_owned())
        {
            return (id, newest["id"].as_str().unwrap().to_owned());
        }
    }
    panic!("the scenario has no active task with a session");
}

#[tokio::test]
async fn the_list_stays_complete_and_fresh_while_one_copilot_session_answers_500_forever() {
    let sim = start_sim(Scenario::builtin()).await;
    let (task_id, session_id) = an_active_session(&sim).await;
    sim.fault(json!({"kind": "status", "status": 500, "route": "session", "session": session_id}))
        .await;
    let truth = rest_tasks(&sim).await.len();
    let h = Harness::start_unloaded(sim, "").await;
    h.wait_until_loaded().await;

    // A few seconds of polls every 0.2 s: every answer complete, fresh, `ok`, the fault named.
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        let (_, list) = h.get_json("/v1/tasks").await;
        let health = &list["health"];
        assert_eq!(list["counts"]["total"], truth, "{}", list["counts"]);
        assert_eq!(list["tasks"].as_array().unwrap().len(), truth);
        assert_eq!(health["status"], "ok", "{health}");
        assert_eq!(health["stale"], false, "{health}");
        assert!(health["last_error"].is_null(), "{health}");
        let fetched =
            chrono::DateTime::parse_from_rfc3339(health["last_success_at"].as_str().unwrap())
                .unwrap();
        let age = Utc::now().signed_duration_since(fetched);
        assert!(age < chrono::TimeDelta::seconds(2), "the list is {age} old");
        assert!(
            health["sessions_unavailable"]
                .as_str()
                .is_some_and(|s| s.contains("session detail unavailable")),
            "{health}"
        );
        let task = list["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == task_id.as_str())
            .unwrap();
        assert!(
            task["note"]
                .as_str()
                .is_some_and(|n| n.starts_with("session detail unavailable: ")),
            "{task}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Asked once, then left alone until its backoff expires (30 s): never at every poll.
    let asked = recorded(&h.sim)
        .await
        .iter()
        .filter(|(path, _)| path.ends_with(&format!("/agents/sessions/{session_id}")))
        .count();
    assert!(
        (1..=2).contains(&asked),
        "the failing session was asked {asked} times"
    );

    // Once the Copilot API answers again, the detail comes back by itself at the next retry.
    h.sim.clear_faults().await;
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let (_, list) = h.get_json("/v1/tasks").await;
        let task = list["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == task_id.as_str())
            .cloned()
            .unwrap();
        if task["note"].is_null() && list["health"]["sessions_unavailable"].is_null() {
            assert!(task["workflow_run_url"].is_string(), "{task}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the detail never came back: {task}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    h.stop().await;
}

#[tokio::test]
async fn no_copilot_integration_id_is_sent_unless_one_is_configured() {
    for (config, expected) in [
        ("", None),
        (
            "[github]\ncopilot_integration_id = \"copilot-raycast\"\n",
            Some("copilot-raycast"),
        ),
    ] {
        let sim = start_sim(Scenario::builtin()).await;
        // `start_unloaded` appends its argument to the `[poll]` section: a new section follows.
        let h = Harness::start_unloaded(sim, &format!("\n{config}")).await;
        h.wait_until_loaded().await;
        let requests = recorded(&h.sim).await;
        let copilot: Vec<_> = requests
            .iter()
            .filter(|(path, _)| path.contains("/agents/sessions"))
            .collect();
        assert!(!copilot.is_empty(), "the first load asks the Copilot API");
        for (path, id) in &copilot {
            assert_eq!(id.as_deref(), expected, "{path}");
        }
        // The REST API never gets it.
        for (path, id) in requests
            .iter()
            .filter(|(p, _)| p.starts_with("/agents/tasks"))
        {
            assert_eq!(id, &None, "{path}");
        }
        h.stop().await;
    }
}

#[tokio::test]
async fn archived_tasks_are_listed_on_request_and_never_counted() {
    let sim = start_sim(Scenario::builtin()).await;
    let archived_upstream = rest(&sim, "/agents/tasks?is_archived=true&per_page=100").await;
    let mut expected: Vec<String> = archived_upstream["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();
    assert!(!expected.is_empty(), "the scenario archives some tasks");
    let h = Harness::start_unloaded(sim, "").await;
    h.wait_until_loaded().await;
    let (_, active) = h.get_json("/v1/tasks").await;
    let (status, archived) = h.get_json("/v1/tasks?archived=true").await;
    assert_eq!(status, 200, "{archived}");
    let mut ids: Vec<String> = archived["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, expected);
    assert_eq!(
        archived["counts"], active["counts"],
        "archived tasks are never counted"
    );
    for id in &ids {
        assert!(
            !active["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["id"] == id.as_str()),
            "{id} is archived but in the active list"
        );
    }
    let (status, bad) = h.get_json("/v1/tasks?archived=maybe").await;
    assert_eq!(status, 400, "{bad}");
    h.stop().await;
}

/// `agentbar tasks --archived` asks the running agent, and its tasks are not in `tasks`.
#[test]
fn the_tasks_command_lists_archived_tasks_from_the_running_agent() {
    let demo = common::Demo::start(&[], "");
    let ids = |args: &[&str]| -> Vec<String> {
        let out = common::agentbar(demo.state.path(), args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let list: Value = serde_json::from_slice(&out.stdout).unwrap();
        list["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let archived = ids(&["tasks", "--archived", "--json"]);
    let active = ids(&["tasks", "--json"]);
    assert!(!archived.is_empty());
    assert!(
        archived.iter().all(|id| !active.contains(id)),
        "{archived:?} / {active:?}"
    );
    let (status, body) = demo.get("/v1/tasks?archived=true");
    assert_eq!(status, 200);
    let served: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(served["tasks"].as_array().unwrap().len(), archived.len());
    // Without a running agent there is nothing to ask.
    let idle = tempfile::tempdir().unwrap();
    let out = common::agentbar(idle.path(), &["tasks", "--archived"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

/// Names learned once are kept in the snapshot: a restart over the same state directory asks
/// neither `GET /user` nor `GET /repositories/{id}` again.
#[tokio::test]
async fn a_restart_names_owners_and_repositories_from_the_snapshot_without_asking() {
    use agentbar::app::{Core, Upstream};
    use agentbar::config::{Config, Overrides};
    let sim = start_sim(Scenario::builtin()).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[poll]\nfast_seconds = 0.2\nslow_seconds = 0.2\n",
    )
    .unwrap();
    let overrides = Overrides {
        config_dir: Some(dir.path().to_owned()),
        state_dir: Some(dir.path().join("state")),
        api_url: Some(sim.base.clone()),
        web_url: Some(format!("{}/web", sim.base)),
        // Never the local agents of whoever runs the tests.
        local: Some(false),
        ..Overrides::default()
    };
    let config = Config::load(&overrides, agentbar::github::Token::new(TOKEN)).unwrap();
    let lookups = |requests: &[(String, Option<String>)]| -> usize {
        requests
            .iter()
            .filter(|(path, _)| {
                path == "/user" || path.starts_with("/user/") || path.starts_with("/repositories/")
            })
            .count()
    };
    let loaded = async |core: &Core| {
        let mut overview = core.overview.clone();
        let deadline = Instant::now() + Duration::from_secs(10);
        while overview.borrow().health.status != agentbar::model::HealthStatus::Ok {
            assert!(Instant::now() < deadline, "never loaded");
            let _ = tokio::time::timeout(Duration::from_millis(200), overview.changed()).await;
        }
        overview.borrow().snapshot.tasks.clone()
    };

    let first = Core::start(&config, Upstream::GitHub).await.unwrap();
    let tasks = loaded(&first).await;
    assert!(
        tasks
            .iter()
            .all(|t| t.owner.is_some() && t.repository.is_some())
    );
    first.shutdown().await;
    assert!(
        lookups(&recorded(&sim).await) > 0,
        "the first life named them"
    );

    sim.control(reqwest::Method::DELETE, "requests", None).await;
    let second = Core::start(&config, Upstream::GitHub).await.unwrap();
    // The saved snapshot first, then a fresh poll: both fully named.
    let tasks = loaded(&second).await;
    assert!(
        tasks
            .iter()
            .all(|t| t.owner.is_some() && t.repository.is_some())
    );
    let requests = recorded(&sim).await;
    assert!(
        requests.iter().any(|(p, _)| p.starts_with("/agents/tasks")),
        "it polled"
    );
    assert_eq!(lookups(&requests), 0, "{requests:?}");
    second.shutdown().await;
}
