//! Keeps the simulator honest: every REST answer it gives about agent tasks, over a whole run of
//! the demo scenario, must match a JSON Schema written from GitHub's documentation of the agent
//! tasks API (`tests/fixtures/upstream/`), not from this project's client.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

mod common;

use agentbar::sim::Scenario;
use common::{SimServer, start_sim};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn schema(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/upstream")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The list, task and task-detail validators; the list schema refers to the task schema by id.
struct Schemas {
    list: jsonschema::Validator,
    task: jsonschema::Validator,
    detail: jsonschema::Validator,
}

impl Schemas {
    fn load() -> Schemas {
        let task = schema("rest-task.schema.json");
        let options = || {
            jsonschema::options()
                .should_validate_formats(true)
                .with_resource(
                    "urn:agentbar:upstream:rest-task",
                    jsonschema::Resource::from_contents(task.clone()).unwrap(),
                )
        };
        Schemas {
            list: options()
                .build(&schema("rest-task-list.schema.json"))
                .unwrap(),
            task: options().build(&task).unwrap(),
            detail: options()
                .build(&json!({
                    "allOf": [{"$ref": "urn:agentbar:upstream:rest-task"}],
                    "required": ["sessions", "html_url"],
                }))
                .unwrap(),
        }
    }
}

fn check(
    validator: &jsonschema::Validator,
    what: &str,
    instance: &Value,
    problems: &mut Vec<String>,
) {
    for error in validator.iter_errors(instance) {
        problems.push(format!("{what}: {error} at {}", error.instance_path));
    }
}

/// The `rel`s of a `Link` header, with their URLs.
fn links(headers: &reqwest::header::HeaderMap) -> HashMap<String, String> {
    let text = headers
        .get("link")
        .map(|h| h.to_str().unwrap().to_owned())
        .unwrap_or_default();
    text.split(", ")
        .filter_map(|part| {
            let (url, rel) = part.split_once(">; rel=\"")?;
            Some((
                rel.trim_end_matches('"').to_owned(),
                url.trim_start_matches('<').to_owned(),
            ))
        })
        .collect()
}

/// Walks every page of a list from `first`, checking each page and its `Link` header;
/// returns the tasks.
async fn walk_list(
    sim: &SimServer,
    schemas: &Schemas,
    first: &str,
    problems: &mut Vec<String>,
) -> Vec<Value> {
    let mut tasks = Vec::new();
    let mut url = first.to_owned();
    let mut pages = 0;
    loop {
        let (status, headers, body) = sim.upstream_get(&url).await;
        assert_eq!(status, StatusCode::OK, "GET {url}");
        check(&schemas.list, &url, &body, problems);
        let rels = links(&headers);
        if !(rels.contains_key("first") && rels.contains_key("last")) {
            problems.push(format!("{url}: Link lacks first or last: {rels:?}"));
        }
        tasks.extend(body["tasks"].as_array().cloned().unwrap_or_default());
        pages += 1;
        assert!(pages < 100, "paging does not end at {url}");
        match rels.get("next") {
            Some(next) => url = next.clone(),
            None => break,
        }
    }
    tasks
}

#[tokio::test]
async fn every_rest_answer_of_a_scenario_run_matches_the_documented_schema() {
    let schemas = Schemas::load();
    let sim = start_sim(Scenario::builtin()).await;
    let mut problems = Vec::new();
    let mut seen_tasks = BTreeSet::new();
    let mut seen_states = BTreeSet::new();
    let mut seen_artifacts = BTreeSet::new();
    let mut seen_usage = BTreeSet::new();
    let mut answers = 0usize;
    let mut repositories: HashMap<u64, String> = HashMap::new();

    // Two demo cycles in 45-second steps: tasks start, run, wait, finish, fail, time out and
    // get cancelled along the way.
    for step in 0..=16 {
        if step > 0 {
            sim.advance(45.0).await;
        }
        for archived in ["false", "true"] {
            let first = format!("/agents/tasks?per_page=4&is_archived={archived}");
            let tasks = walk_list(&sim, &schemas, &first, &mut problems).await;
            answers += 1;
            for task in &tasks {
                let id = task["id"].as_str().unwrap().to_owned();
                seen_tasks.insert(id.clone());
                seen_states.insert(task["state"].as_str().unwrap_or_default().to_owned());
                let (status, _, detail) = sim.upstream_get(&format!("/agents/tasks/{id}")).await;
                assert_eq!(status, StatusCode::OK);
                check(
                    &schemas.detail,
                    &format!("task {id}"),
                    &detail,
                    &mut problems,
                );
                answers += 1;
                for artifact in detail["artifacts"].as_array().into_iter().flatten() {
                    let kind = artifact["type"].as_str().unwrap_or_default();
                    let global = artifact["data"].get("global_id").is_some();
                    seen_artifacts
                        .insert(format!("{kind}{}", if global { "+global_id" } else { "" }));
                }
                for session in detail["sessions"].as_array().into_iter().flatten() {
                    seen_usage.insert(
                        session["usage"]["type"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                }

                // The same task through its repository's routes.
                let repository_id = task["repository"]["id"].as_u64().unwrap();
                if let std::collections::hash_map::Entry::Vacant(entry) =
                    repositories.entry(repository_id)
                {
                    let (status, _, repository) = sim
                        .upstream_get(&format!("/repositories/{repository_id}"))
                        .await;
                    assert_eq!(status, StatusCode::OK);
                    entry.insert(repository["full_name"].as_str().unwrap().to_owned());
                }
                let full_name = &repositories[&repository_id];
                let (status, _, in_repo) = sim
                    .upstream_get(&format!("/agents/repos/{full_name}/tasks/{id}"))
                    .await;
                assert_eq!(status, StatusCode::OK);
                check(
                    &schemas.detail,
                    &format!("repo task {id}"),
                    &in_repo,
                    &mut problems,
                );
                check(
                    &schemas.task,
                    &format!("repo task {id}"),
                    &in_repo,
                    &mut problems,
                );
                answers += 1;
            }
        }
        // Each repository's list, and a filtered, sorted one.
        for full_name in repositories.values() {
            for query in [
                "per_page=3",
                "per_page=2&is_archived=true&sort=created_at&direction=asc",
            ] {
                let url = format!("/agents/repos/{full_name}/tasks?{query}");
                walk_list(&sim, &schemas, &url, &mut problems).await;
                answers += 1;
            }
        }
        let url = "/agents/tasks?state=completed,failed,timed_out,cancelled,stopped&since=2026-01-01T00:00:00Z";
        walk_list(&sim, &schemas, url, &mut problems).await;
        answers += 1;
    }

    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} schema problems, first ones:\n{}",
        problems.len(),
        problems
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The run covered what the schema is about.
    for state in [
        "queued",
        "in_progress",
        "waiting_for_user",
        "idle",
        "completed",
        "failed",
        "timed_out",
        "cancelled",
        "stopped",
    ] {
        assert!(
            seen_states.contains(state),
            "never saw {state}: {seen_states:?}"
        );
    }
    for artifact in ["pull", "pull+global_id", "branch"] {
        assert!(
            seen_artifacts.contains(artifact),
            "never saw {artifact}: {seen_artifacts:?}"
        );
    }
    assert!(
        seen_usage.contains("ai_credits") && seen_usage.contains("premium_requests"),
        "{seen_usage:?}"
    );
    assert!(seen_tasks.len() > 20, "{}", seen_tasks.len());
    assert!(answers > 500, "{answers}");
}

#[test]
fn the_schema_refuses_the_shapes_the_documentation_rules_out() {
    let schemas = Schemas::load();
    let good = json!({
        "id": "t-1",
        "url": "https://api.github.com/agents/repos/o/r/tasks/t-1",
        "name": null,
        "creator": {"id": 1},
        "creator_type": "user",
        "user_collaborators": [],
        "owner": {"id": 2},
        "repository": {"id": 3},
        "state": "stopped",
        "session_count": 1,
        "artifacts": [
            {"provider": "github", "type": "pull", "data": {"id": 9}},
            {"provider": "github", "type": "branch", "data": {"head_ref": "copilot/x", "base_ref": "main"}}
        ],
        "archived_at": null,
        "created_at": "2026-11-30T10:00:00Z",
        "updated_at": "2026-11-30T10:05:00Z",
        "sessions": [{
            "id": "s-1", "task_id": "t-1", "state": "completed", "created_at": "2026-11-30T10:00:00Z",
            "error": {"message": "boom"}, "usage": {"type": "ai_credits", "amount": 1234500000u64}
        }]
    });
    assert!(
        schemas.task.is_valid(&good),
        "{:?}",
        schemas
            .task
            .iter_errors(&good)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut task = good.clone();
        change(&mut task);
        task
    };
    let refused = [
        broken(&|t| t["status"] = json!("in_progress")),
        broken(&|t| t["agent_collaborators"] = json!([])),
        broken(&|t| t["creator"]["login"] = json!("someone")),
        broken(&|t| t["repository"]["full_name"] = json!("o/r")),
        broken(
            &|t| t["artifacts"][0] = json!({"provider": "github", "type": "github_resource", "data": {"type": "pull", "id": 9}}),
        ),
        broken(&|t| t["artifacts"][1]["data"] = json!({"id": 9})),
        broken(&|t| t["sessions"][0]["workflow_run_id"] = json!(5)),
        broken(&|t| t["sessions"][0]["error"] = json!({"code": "x", "message": "y"})),
        broken(&|t| t["sessions"][0]["usage"] = json!({"type": "credits", "amount": 1})),
        broken(&|t| t["sessions"][0]["usage"]["amount"] = json!(1.5)),
    ];
    for task in &refused {
        assert!(!schemas.task.is_valid(task), "accepted {task}");
    }
    let mut item = good.clone();
    let list = json!({"tasks": [good], "total_active_count": 1, "total_archived_count": 0});
    assert!(
        !schemas.list.is_valid(&list),
        "list items carry no sessions"
    );
    item.as_object_mut().unwrap().remove("sessions");
    let list = json!({"tasks": [item], "total_active_count": 1, "total_archived_count": 0});
    assert!(schemas.list.is_valid(&list));
}

/// The database id of a task's pull request artifact.
fn pull_id_of(task: &Value) -> Option<Value> {
    task["artifacts"]
        .as_array()?
        .iter()
        .find(|a| a["type"] == "pull")
        .map(|a| a["data"]["id"].clone())
}

/// `POST /agents/repos/{owner}/{repo}/tasks` as documented: 201 with the task (a detail that
/// matches the task schema), the task in the next list and progressing with the clock, a
/// follow-up on an existing branch keeping its pull request, the refusals with GitHub's error
/// body, and every call recorded with its body.
#[tokio::test]
async fn starting_a_task_answers_as_documented() {
    let schemas = Schemas::load();
    let error_schema = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema("rest-error.schema.json"))
        .unwrap();
    let mut scenario = Scenario::builtin();
    scenario.repositories_without_agent = vec!["acme/docs-site".to_owned()];
    let sim = start_sim(scenario).await;
    let mut problems = Vec::new();

    let body = json!({"prompt": "Add a health check endpoint\nwith tests", "model": "gpt-5",
        "create_pull_request": true, "base_ref": "develop"});
    let (status, task) = sim
        .upstream_post("/agents/repos/octo-org/web-app/tasks", &body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    check(&schemas.detail, "started task", &task, &mut problems);
    assert_eq!(task["state"], "queued");
    assert_eq!(task["name"], "Add a health check endpoint");
    assert_eq!(task["sessions"][0]["model"], "gpt-5");
    assert_eq!(task["sessions"][0]["base_ref"], "develop");
    let id = task["id"].as_str().unwrap().to_owned();

    let listed = |tasks: &[Value]| -> Option<Value> {
        tasks.iter().find(|t| t["id"] == id.as_str()).cloned()
    };
    let tasks = walk_list(&sim, &schemas, "/agents/tasks?per_page=100", &mut problems).await;
    assert_eq!(listed(&tasks).unwrap()["state"], "queued");
    sim.advance(60.0).await;
    let tasks = walk_list(&sim, &schemas, "/agents/tasks?per_page=100", &mut problems).await;
    let working = listed(&tasks).unwrap();
    assert_eq!(working["state"], "in_progress");
    let pull = pull_id_of(&working).expect("a task started with create_pull_request opens a PR");
    sim.advance(600.0).await;
    let (_, _, done) = sim.upstream_get(&format!("/agents/tasks/{id}")).await;
    assert_eq!(done["state"], "completed");
    let head_ref = done["sessions"][0]["head_ref"].as_str().unwrap().to_owned();

    // A follow-up on the task's branch: a new task on the same branch and pull request.
    let follow_up =
        json!({"prompt": "Also document it", "head_ref": head_ref, "base_ref": "develop"});
    let (status, second) = sim
        .upstream_post("/agents/repos/octo-org/web-app/tasks", &follow_up)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    check(&schemas.detail, "follow-up", &second, &mut problems);
    assert_ne!(second["id"], task["id"]);
    assert_eq!(second["sessions"][0]["head_ref"], head_ref.as_str());
    sim.advance(60.0).await;
    let (_, _, second) = sim
        .upstream_get(&format!("/agents/tasks/{}", second["id"].as_str().unwrap()))
        .await;
    assert_eq!(pull_id_of(&second), Some(pull));

    // The refusals, each with GitHub's error body.
    let web_app = "/agents/repos/octo-org/web-app/tasks";
    for (path, body, expected) in [
        (web_app, json!({"model": "gpt-5"}), 422),
        (web_app, json!({"prompt": ""}), 422),
        (web_app, json!({"prompt": "x", "head_ref": "no/such"}), 422),
        (
            "/agents/repos/acme/docs-site/tasks",
            json!({"prompt": "x"}),
            422,
        ),
        (
            "/agents/repos/nobody/nothing/tasks",
            json!({"prompt": "x"}),
            404,
        ),
    ] {
        let (status, answer) = sim.upstream_post(path, &body).await;
        assert_eq!(status.as_u16(), expected, "{path} {body}: {answer}");
        check(&error_schema, path, &answer, &mut problems);
    }

    let recorded = sim.control(reqwest::Method::GET, "requests", None).await;
    let posts: Vec<&Value> = recorded
        .as_array()
        .or_else(|| recorded["requests"].as_array())
        .unwrap()
        .iter()
        .filter(|r| r["route"] == "create_task")
        .collect();
    assert_eq!(posts.len(), 7);
    assert_eq!(posts[0]["method"], "POST");
    assert_eq!(posts[0]["body"], body);
    assert_eq!(posts[1]["body"]["head_ref"], head_ref.as_str());
    assert!(problems.is_empty(), "{problems:#?}");
}

/// `create_pull_request` defaults to false upstream: a start that leaves it out, like one that
/// says false, works on a branch (a `branch` artifact) and opens no pull request; only `true`
/// opens one.
#[tokio::test]
async fn a_start_without_create_pull_request_works_on_a_branch() {
    let sim = start_sim(Scenario::builtin()).await;
    let path = "/agents/repos/octo-org/web-app/tasks";
    let mut started = Vec::new();
    for body in [
        json!({"prompt": "Tidy the README"}),
        json!({"prompt": "Tidy the changelog", "create_pull_request": false}),
        json!({"prompt": "Tidy the licence", "create_pull_request": true}),
    ] {
        let (status, task) = sim.upstream_post(path, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}: {task}");
        started.push(task["id"].as_str().unwrap().to_owned());
    }
    sim.advance(60.0).await;
    let mut artifacts = Vec::new();
    for id in &started {
        let (_, _, task) = sim.upstream_get(&format!("/agents/tasks/{id}")).await;
        assert_eq!(task["state"], "in_progress", "{task}");
        let types: Vec<String> = task["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["type"].as_str().unwrap_or_default().to_owned())
            .collect();
        artifacts.push(types);
    }
    assert_eq!(
        artifacts,
        [vec!["branch"], vec!["branch"], vec!["pull"]],
        "absent and false: a branch; true: a pull request"
    );
}

/// A plan without the agent API is refused with 403 and GitHub's error body.
#[tokio::test]
async fn a_plan_without_the_agent_api_is_refused() {
    let mut scenario = Scenario::builtin();
    scenario.can_start_tasks = false;
    let sim = start_sim(scenario).await;
    let (_, _, before) = sim.upstream_get("/agents/tasks?per_page=1").await;
    let (status, answer) = sim
        .upstream_post(
            "/agents/repos/octo-org/web-app/tasks",
            &json!({"prompt": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        answer["message"].as_str().unwrap().contains("Business"),
        "{answer}"
    );
    let (_, _, after) = sim.upstream_get("/agents/tasks?per_page=1").await;
    assert_eq!(
        after["total_active_count"], before["total_active_count"],
        "a refused start creates nothing"
    );
}

/// The Copilot API's model and custom-agent lists, in the shapes GitHub's own clients read
/// (`tests/fixtures/upstream/capi-*.schema.json` name the sources): a repository with custom
/// agents lists them, one with none and one the account cannot see answer 404.
#[tokio::test]
async fn the_model_and_custom_agent_lists_answer_as_observed() {
    let build = |name: &str| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema(name))
            .unwrap()
    };
    let (models_schema, agents_schema) = (
        build("capi-models.schema.json"),
        build("capi-custom-agents.schema.json"),
    );
    let sim = start_sim(Scenario::builtin()).await;
    let mut problems = Vec::new();

    let (status, _, models) = sim.upstream_get("/copilot/agents/swe/models").await;
    assert_eq!(status, StatusCode::OK, "{models}");
    check(&models_schema, "models", &models, &mut problems);
    let ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"gpt-5") && ids.contains(&"claude-sonnet-4"),
        "{ids:?}"
    );
    assert!(
        models["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["model_picker_enabled"] == false),
        "the built-in list holds a model pickers should not offer"
    );

    let (status, _, agents) = sim
        .upstream_get(
            "/copilot/agents/swe/custom-agents/octo-org/web-app?exclude_invalid_config=true",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{agents}");
    check(&agents_schema, "custom agents", &agents, &mut problems);
    let names: Vec<&str> = agents["agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["test-writer", "accessibility-reviewer"]);
    assert_eq!(agents["agents"][0]["repo_owner"], "octo-org");
    assert_eq!(agents["agents"][0]["repo_name"], "web-app");

    for (repo, why) in [
        ("octo-org/api-server", "a repository with no custom agents"),
        ("nobody/nothing", "a repository the account cannot see"),
    ] {
        let (status, _, body) = sim
            .upstream_get(&format!("/copilot/agents/swe/custom-agents/{repo}"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{why}: {body}");
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
