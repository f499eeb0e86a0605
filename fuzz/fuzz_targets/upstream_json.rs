//! Fuzz target: any bytes as any upstream JSON answer (task list page, task detail, Copilot
//! session, GraphQL nodes, viewer, repository lookup) decode without a panic, and every task
//! they yield normalises into one the surfaces can show and that survives the on-disk record
//! (`WireTask`) unchanged — so a restart from the snapshot never shows something different.
#![no_main]

use agentbar::github::dto::{
    CapiSessionDto, GraphQlResponse, NodesData, PullRequestNodeDto, RepositoryLookupDto,
    TaskDto, TaskListDto, ViewerData, decode_items,
};
use agentbar::github::normalize::{self, Extras};
use agentbar::model::Task;
use agentbar::wire::WireTask;
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

const WEB: &str = "https://github.com";

fn check(task: &Task, from: &TaskDto) {
    assert_eq!(task.id, from.id);
    assert!(!task.title.trim().is_empty(), "empty title from {from:?}");
    assert!(!task.url.is_empty());
    let now = Utc.timestamp_opt(1_800_000_000, 0).single().expect("a valid instant");
    let record = WireTask::from_task(task, now, true);
    let bytes = serde_json::to_vec(&record).expect("a wire task always serialises");
    let back: WireTask = serde_json::from_slice(&bytes).expect("and reads back");
    assert_eq!(back.into_task(), *task, "the on-disk record changed the task");
}

fuzz_target!(|data: &[u8]| {
    // A list page: one bad item never fails the list.
    if let Ok(page) = serde_json::from_slice::<TaskListDto>(data) {
        let (tasks, _bad) = decode_items::<TaskDto>(page.tasks);
        for dto in &tasks {
            check(&normalize::task(dto, Extras::default(), WEB), dto);
        }
    }
    // A detail, enriched by the same bytes read as the newest session's Copilot view.
    if let Ok(detail) = serde_json::from_slice::<TaskDto>(data) {
        let capi = serde_json::from_slice::<CapiSessionDto>(data).ok();
        let extras = Extras {
            detail: Some(&detail),
            capi_session: capi.as_ref(),
            ..Extras::default()
        };
        check(&normalize::task(&detail, extras, WEB), &detail);
    }
    // GraphQL: each node on its own; a pull request normalises into the task that carries it.
    if let Ok(reply) = serde_json::from_slice::<GraphQlResponse<NodesData>>(data) {
        let (nodes, _bad) =
            decode_items::<PullRequestNodeDto>(reply.data.map(|d| d.nodes).unwrap_or_default());
        for node in &nodes {
            let pull_request = normalize::pull_request(node);
            let dto: TaskDto = serde_json::from_value(serde_json::json!({
                "id": "fuzz",
                "state": "completed",
            }))
            .expect("a minimal task decodes");
            let extras = Extras {
                pull_request: Some(&pull_request),
                repository: node.repository.as_ref().map(|r| r.name_with_owner.as_str()),
                ..Extras::default()
            };
            check(&normalize::task(&dto, extras, WEB), &dto);
        }
    }
    let _ = serde_json::from_slice::<GraphQlResponse<ViewerData>>(data);
    let _ = serde_json::from_slice::<RepositoryLookupDto>(data);
});
