//! agentbar's own archive over loopback: `agentbar archive --finished --older-than` (the real
//! binary) and `POST /v1/archive/finished` against a real core over the simulator; archived
//! tasks leave the list, the counts and cc.xml, are listed with `?archived=true`, stay archived
//! on disk, and come back when they change state again.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::Harness;
use reqwest::Method;
use serde_json::Value;

fn tasks(list: &Value) -> &Vec<Value> {
    list["tasks"].as_array().unwrap()
}

fn id_set(list: &Value) -> BTreeSet<String> {
    tasks(list)
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

fn finished_at(task: &Value) -> Option<DateTime<Utc>> {
    if ["running", "waiting"].contains(&task["bucket"].as_str().unwrap()) {
        return None;
    }
    let at = task["completed_at"]
        .as_str()
        .or(task["updated_at"].as_str())?;
    at.parse().ok()
}

/// The counts agree with the list they are sent with, bucket by bucket.
fn assert_counts_match(list: &Value) {
    for bucket in ["running", "waiting", "failed", "completed", "cancelled"] {
        let listed = tasks(list).iter().filter(|t| t["bucket"] == bucket).count() as u64;
        assert_eq!(list["counts"][bucket].as_u64().unwrap(), listed, "{bucket}");
    }
}

/// Polls `/v1/tasks` until `done` holds for it.
async fn list_until(h: &Harness, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let (status, list) = h.get_json("/v1/tasks").await;
        assert_eq!(status, 200);
        if done(&list) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archived_tasks_leave_the_list_counts_and_feed_and_come_back_when_they_change() {
    let h = Harness::start().await;
    let (_, before) = h.get_json("/v1/tasks").await;
    let hour_ago = Utc::now() - chrono::Duration::hours(1);
    let old: BTreeSet<String> = tasks(&before)
        .iter()
        .filter(|t| finished_at(t).is_some_and(|at| at <= hour_ago))
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    let recent: BTreeSet<String> = tasks(&before)
        .iter()
        .filter(|t| finished_at(t).is_some_and(|at| at > hour_ago))
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(old.len() >= 3 && !recent.is_empty(), "{old:?} {recent:?}");

    // Bulk archive with --older-than, through the real binary.
    let output = h
        .cli(&["archive", "--finished", "--older-than", "1h"])
        .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.trim(),
        format!("Archived {} finished tasks.", old.len())
    );

    let after = list_until(&h, "the old finished tasks leave the list", |list| {
        id_set(list).is_disjoint(&old)
    })
    .await;
    assert_eq!(id_set(&after), &id_set(&before) - &old, "only those left");
    assert_counts_match(&after);
    assert_ne!(
        after["counts"], before["counts"],
        "the counts lost the archived tasks"
    );

    let response = h.request(Method::GET, "/cc.xml").send().await.unwrap();
    let feed = response.text().await.unwrap();
    assert_eq!(
        feed.matches("<Project ").count(),
        tasks(&after).len(),
        "{feed}"
    );
    for task in tasks(&before)
        .iter()
        .filter(|t| old.contains(t["id"].as_str().unwrap()))
    {
        let url = task["url"].as_str().unwrap().replace('&', "&amp;");
        assert!(!feed.contains(&url), "cc.xml still lists {url}");
    }

    // Reachable: listed as archived (with GitHub's own archived tasks), and filterable there.
    let (status, archived) = h.get_json("/v1/tasks?archived=true").await;
    assert_eq!(status, 200, "{archived}");
    assert!(id_set(&archived).is_superset(&old), "{archived}");
    let (_, failed) = h.get_json("/v1/tasks?archived=true&bucket=failed").await;
    assert!(tasks(&failed).iter().all(|t| t["bucket"] == "failed"));
    assert_eq!(
        archived["counts"], after["counts"],
        "archived tasks are never counted"
    );

    // Kept on disk, keyed by task key.
    let file: Value =
        serde_json::from_slice(&std::fs::read(h.state_dir().join("archive.json")).unwrap())
            .unwrap();
    assert_eq!(file["entries"].as_object().unwrap().len(), old.len());

    // Everything finished, through the API: the docs task finished minutes ago is archived too.
    let docs = "b1a7c0de-0003-4000-8000-00000000a003";
    let response = h
        .request(Method::POST, "/v1/archive/finished")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert!(
        answer["archived"]
            .as_array()
            .unwrap()
            .iter()
            .any(|id| id == docs),
        "{answer}"
    );
    assert_eq!(
        answer["count"],
        answer["archived"].as_array().unwrap().len()
    );
    let now_list = list_until(&h, "every finished task leaves the list", |list| {
        tasks(list).iter().all(|t| finished_at(t).is_none())
    })
    .await;
    assert!(!id_set(&now_list).contains(docs));

    // A follow-up session starts on the docs task at 30 s: it changes state and comes back.
    h.sim.advance(35.0).await;
    let back = list_until(&h, "the docs task comes back running", |list| {
        tasks(list).iter().any(|t| t["id"] == docs)
    })
    .await;
    let task = tasks(&back).iter().find(|t| t["id"] == docs).unwrap();
    assert_eq!(task["bucket"], "running");
    assert_counts_match(&back);
    let (_, archived) = h.get_json("/v1/tasks?archived=true").await;
    assert!(!id_set(&archived).contains(docs));

    // Bad ages are refused in words.
    let (status, body) = {
        let r = h
            .request(Method::POST, "/v1/archive/finished?older_than=soon")
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not an age")
    );
    h.stop().await;
}

/// `archive` and `unarchive` through the one actions door (API and CLI): the task leaves the
/// list and the counts, offers `unarchive` in the archived list, and comes back; a running task
/// cannot be archived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_task_is_archived_and_unarchived_through_the_actions_door() {
    let h = Harness::start().await;
    let (_, before) = h.get_json("/v1/tasks").await;
    let waiting = tasks(&before)
        .iter()
        .find(|t| t["bucket"] == "waiting")
        .unwrap()
        .clone();
    let id = waiting["id"].as_str().unwrap().to_owned();
    assert!(
        waiting["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "archive")
    );

    let output = h.cli(&["archive", &id]).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let after = list_until(&h, "the waiting task leaves the list", |list| {
        !id_set(list).contains(&id)
    })
    .await;
    assert_eq!(
        after["counts"]["waiting"].as_u64().unwrap() + 1,
        before["counts"]["waiting"].as_u64().unwrap()
    );
    assert_counts_match(&after);
    let (_, archived) = h.get_json("/v1/tasks?archived=true").await;
    let entry = tasks(&archived)
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    let offered: Vec<&str> = entry["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        offered.contains(&"unarchive") && !offered.contains(&"archive"),
        "{offered:?}"
    );

    let (status, _) = h.act(&id, "unarchive", None).await;
    assert_eq!(status, 200);
    let back = list_until(&h, "the task is back", |list| id_set(list).contains(&id)).await;
    assert_eq!(back["counts"], before["counts"]);

    let running = tasks(&before)
        .iter()
        .find(|t| t["bucket"] == "running")
        .unwrap();
    let (status, body) = h
        .act(running["id"].as_str().unwrap(), "archive", None)
        .await;
    assert_eq!(status, 409);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("archive"),
        "{body}"
    );
    h.stop().await;
}
