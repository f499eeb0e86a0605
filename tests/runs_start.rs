//! Starting tasks over loopback: `POST /v1/tasks` and `agentbar new` against a real core over
//! the simulator (the task is in the very next list, the simulator saw the documented body),
//! and every refusal said in words: GitHub's 403 (plan) and 422 (repository without the
//! agent), an unknown repository, an empty or too long prompt.

mod common;

use common::{Harness, agentbar, start_sim};
use reqwest::Method;
use serde_json::{Value, json};

async fn post(h: &Harness, body: Value) -> (u16, Value) {
    let response = h
        .request(Method::POST, "/v1/tasks")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn create_requests(h: &Harness) -> Vec<Value> {
    let recorded = h.sim.control(Method::GET, "requests", None).await;
    recorded["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["route"] == "create_task")
        .cloned()
        .collect()
}

/// The first task of `list` that allows `action` now.
fn allowing<'l>(list: &'l Value, action: &str) -> Option<&'l Value> {
    list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["actions"].as_array().unwrap().iter().any(|a| a == action))
}

async fn harness(change: impl FnOnce(&mut agentbar::sim::Scenario)) -> Harness {
    let mut scenario = agentbar::sim::Scenario::builtin();
    change(&mut scenario);
    let h = Harness::start_unloaded(start_sim(scenario).await, "").await;
    h.wait_until_loaded().await;
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_started_task_is_in_the_next_list() {
    let h = harness(|s| s.repositories_without_agent = vec!["acme/docs-site".into()]).await;
    let (status, task) = post(
        &h,
        json!({"repo": "octo-org/web-app", "prompt": "Add a health check endpoint",
               "model": "gpt-5", "base_ref": "main"}),
    )
    .await;
    assert_eq!(status, 201, "{task}");
    assert_eq!(task["title"], "Add a health check endpoint");
    assert_eq!(task["repository"], "octo-org/web-app");
    assert_eq!(task["state"], "queued");
    let id = task["id"].as_str().unwrap().to_owned();
    let (_, list) = h.get_json("/v1/tasks").await;
    assert!(
        list["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id.as_str()),
        "the new task is in the next list"
    );
    let sent = create_requests(&h).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0]["body"],
        json!({"prompt": "Add a health check endpoint", "model": "gpt-5",
               "base_ref": "main", "create_pull_request": true})
    );
    assert!(
        sent[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("/agents/repos/octo-org/web-app/tasks")
    );

    // Refusals, each in words; none reaches GitHub unless GitHub is the one refusing.
    let long = "x".repeat(agentbar::start::MAX_PROMPT_CHARS + 1);
    for (body, status, words) in [
        (
            json!({"repo": "octo-org/web-app", "prompt": "  "}),
            400,
            "prompt is empty",
        ),
        (
            json!({"repo": "octo-org/web-app", "prompt": long}),
            400,
            "at most",
        ),
        (json!({"repo": "web-app", "prompt": "x"}), 400, "owner/name"),
        (
            json!({"repo": "acme/docs-site", "prompt": "x"}),
            422,
            "not enabled",
        ),
        (
            json!({"repo": "nobody/nothing", "prompt": "x"}),
            404,
            "nobody/nothing",
        ),
    ] {
        let (got, answer) = post(&h, body.clone()).await;
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(got, status, "{words}: {message}");
        assert!(message.contains(words), "{words}: {message}");
    }
    assert_eq!(
        create_requests(&h).await.len(),
        3,
        "only the first and the two GitHub refused"
    );

    // The CLI: `agentbar new`, then the task in `agentbar tasks`.
    let state = h.state_dir();
    let (out, listed) = tokio::task::spawn_blocking(move || {
        let new = agentbar(
            &state,
            &[
                "new",
                "--repo",
                "octo-org/api-server",
                "--base",
                "develop",
                "--model",
                "gpt-5",
                "--custom-agent",
                "docs-writer",
                "--no-pr",
                "Write the API docs",
            ],
        )
        .output()
        .unwrap();
        assert!(
            new.status.success(),
            "{}",
            String::from_utf8_lossy(&new.stderr)
        );
        let tasks = agentbar(
            &state,
            &["tasks", "--format", "json", "--repo", "octo-org/api-server"],
        )
        .output()
        .unwrap();
        (
            String::from_utf8(new.stdout).unwrap(),
            String::from_utf8(tasks.stdout).unwrap(),
        )
    })
    .await
    .unwrap();
    assert!(out.starts_with("Started task "), "{out}");
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert!(
        listed["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["title"] == "Write the API docs"),
        "{listed}"
    );
    let sent = create_requests(&h).await;
    assert_eq!(
        sent.last().unwrap()["body"],
        json!({"prompt": "Write the API docs", "model": "gpt-5", "base_ref": "develop",
               "custom_agent": "docs-writer", "create_pull_request": false})
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_without_the_agent_api_is_a_403_in_words_on_the_api_and_the_cli() {
    let h = harness(|s| s.can_start_tasks = false).await;
    let (status, answer) = post(&h, json!({"repo": "octo-org/web-app", "prompt": "x"})).await;
    assert_eq!(status, 403, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("does not allow") && message.contains("Business"),
        "{message}"
    );
    let output = h.cli(&["new", "--repo", "octo-org/web-app", "x"]).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("403") && stderr.contains("Business"),
        "{stderr}"
    );
    // agentbar opens a pull request unless told not to, and says so to GitHub, whose own
    // default is false: both starts above carried the field explicitly.
    let sent = create_requests(&h).await;
    assert_eq!(sent.len(), 2);
    for request in &sent {
        assert_eq!(request["body"]["create_pull_request"], true, "{request}");
    }
    h.stop().await;
}

/// `continue` through the one actions door: a follow-up task on the task's own branch (the
/// simulator saw `head_ref`), in the next list; GitHub's 403 and 422 and an empty or missing
/// prompt said in words; `agentbar continue` does the same from the command line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_makes_a_follow_up_on_the_tasks_branch() {
    let h = harness(|_| {}).await;
    let (_, list) = h.get_json("/v1/tasks?bucket=completed").await;
    let task = allowing(&list, "continue")
        .expect("a finished task offers continue")
        .clone();
    let key = format!(
        "{}:{}",
        task["source"].as_str().unwrap(),
        task["id"].as_str().unwrap()
    );
    let (_, detail) = h.get_json(&format!("/v1/tasks/{key}")).await;
    let head_ref = detail["sessions"][0]["head_ref"]
        .as_str()
        .or(detail["branch"]["head_ref"].as_str())
        .unwrap()
        .to_owned();

    for (body, status, words) in [
        (None, 400, "prompt is empty"),
        (Some(json!({"prompt": "   "})), 400, "prompt is empty"),
        (Some(json!({"prompt": 5})), 400, "must be a string"),
    ] {
        let (got, answer) = h.act(&key, "continue", body).await;
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(got, status, "{message}");
        assert!(message.contains(words), "{message}");
    }
    assert!(
        create_requests(&h).await.is_empty(),
        "nothing reached GitHub"
    );

    let (status, answer) = h
        .act(&key, "continue", Some(json!({"prompt": "Also add tests"})))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["action"], "continue");
    let sent = create_requests(&h).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["body"]["head_ref"], head_ref.as_str());
    assert_eq!(sent[0]["body"]["prompt"], "Also add tests");
    let repo = task["repository"].as_str().unwrap();
    assert!(
        sent[0]["path"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/agents/repos/{repo}/tasks"))
    );
    let (_, list) = h.get_json("/v1/tasks").await;
    assert!(
        list["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["title"] == "Also add tests"),
        "the follow-up is in the next list"
    );

    // From the command line.
    let id = task["id"].as_str().unwrap();
    let output = h.cli(&["continue", id, "And update the changelog"]).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("follow-up task"));
    let sent = create_requests(&h).await;
    assert_eq!(sent.last().unwrap()["body"]["head_ref"], head_ref.as_str());
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_says_githubs_403_and_422_in_words() {
    for (change, status, words) in [
        (
            Box::new(|s: &mut agentbar::sim::Scenario| s.can_start_tasks = false)
                as Box<dyn FnOnce(&mut agentbar::sim::Scenario)>,
            403,
            "does not allow",
        ),
        (
            Box::new(|s: &mut agentbar::sim::Scenario| {
                s.repositories_without_agent =
                    s.tasks.iter().map(|t| t.repository.clone()).collect();
            }),
            422,
            "not enabled",
        ),
    ] {
        let h = harness(change).await;
        let (_, list) = h.get_json("/v1/tasks?bucket=completed").await;
        let task = allowing(&list, "continue").unwrap().clone();
        let (got, answer) = h
            .act(
                task["id"].as_str().unwrap(),
                "continue",
                Some(json!({"prompt": "go"})),
            )
            .await;
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(got, status, "{message}");
        assert!(message.contains(words), "{message}");
        h.stop().await;
    }
}
