//! The task filter over loopback: each filter and combinations of them on `GET /v1/tasks` (a
//! real core over the simulator) and on `agentbar tasks` (the real binary, reading the running
//! agent and then the saved snapshot), checked against the unfiltered list; nonsense refused
//! in words.

mod common;

use chrono::{DateTime, Local, TimeZone, Utc};
use common::{Harness, agentbar};
use serde_json::Value;

fn ids(list: &Value) -> Vec<String> {
    list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids of `all` that `keep` keeps, in list order.
fn expected(all: &Value, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    all["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| keep(t))
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

fn updated(task: &Value) -> DateTime<Utc> {
    task["updated_at"].as_str().unwrap().parse().unwrap()
}

/// Each query with what it must keep, written from the unfiltered list.
fn cases(all: &Value) -> Vec<(String, Vec<String>)> {
    let tasks = all["tasks"].as_array().unwrap();
    let repo = tasks[0]["repository"].as_str().unwrap().to_owned();
    let source = tasks[0]["source"].as_str().unwrap().to_owned();
    let word = tasks[1]["title"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .max_by_key(|w| w.len())
        .unwrap()
        .to_lowercase();
    let mut times: Vec<DateTime<Utc>> = tasks.iter().map(updated).collect();
    times.sort();
    let middle = times[times.len() / 2];
    let midnight = Local
        .from_local_datetime(&Local::now().date_naive().and_hms_opt(0, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc);
    let in_bucket = |buckets: &'static [&'static str]| {
        move |t: &Value| buckets.contains(&t["bucket"].as_str().unwrap())
    };
    vec![
        ("provider=copilot".into(), expected(all, |_| true)),
        ("provider=codex,claude-code".into(), Vec::new()),
        (
            format!("source={source}"),
            expected(all, |t| t["source"] == source.as_str()),
        ),
        ("source=claude-code".into(), Vec::new()),
        (
            "bucket=failed".into(),
            expected(all, in_bucket(&["failed"])),
        ),
        (
            "bucket=waiting&bucket=running".into(),
            expected(all, in_bucket(&["waiting", "running"])),
        ),
        (
            "state=completed,timed_out".into(),
            expected(all, |t| {
                ["completed", "timed_out"].contains(&t["state"].as_str().unwrap())
            }),
        ),
        (
            format!("repo={}", repo.to_uppercase()),
            expected(all, |t| t["repository"] == repo.as_str()),
        ),
        (
            format!("q={word}"),
            expected(all, |t| {
                t["title"].as_str().unwrap().to_lowercase().contains(&word)
                    || t["repository"]
                        .as_str()
                        .unwrap_or("")
                        .to_lowercase()
                        .contains(&word)
                    || t["id"].as_str().unwrap().contains(&word)
            }),
        ),
        (
            format!("since={}", middle.to_rfc3339().replace('+', "%2B")),
            expected(all, |t| updated(t) >= middle),
        ),
        ("period=all".into(), expected(all, |_| true)),
        (
            "period=today".into(),
            expected(all, |t| updated(t) >= midnight),
        ),
        (
            format!("provider=copilot&bucket=completed,failed&repo={repo}"),
            expected(all, |t| {
                ["completed", "failed"].contains(&t["bucket"].as_str().unwrap())
                    && t["repository"] == repo.as_str()
            }),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_filter_and_combinations_on_the_api_and_the_cli() {
    let h = Harness::start().await;
    let (status, all) = h.get_json("/v1/tasks").await;
    assert_eq!(status, 200);
    let cases = cases(&all);
    // The cases tell something: each keeps a different part of a list that has every kind.
    assert!(all["tasks"].as_array().unwrap().len() > 10);
    for (query, want) in &cases {
        let (status, list) = h.get_json(&format!("/v1/tasks?{query}")).await;
        assert_eq!(status, 200, "{query}: {list}");
        assert_eq!(&ids(&list), want, "GET /v1/tasks?{query}");
        // Counts stay those of the whole list: a filter narrows what is shown, not the tray.
        assert_eq!(list["counts"], all["counts"], "{query}");
    }
    assert!(cases.iter().filter(|(_, want)| !want.is_empty()).count() >= 10);
    assert!(
        cases
            .iter()
            .any(|(q, want)| q.starts_with("bucket=failed") && !want.is_empty())
    );

    // The same flags on the CLI, through the running agent and then from the saved snapshot.
    let state = h.state_dir();
    let cli = move |query: String| {
        let state = state.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let mut args = vec!["tasks".to_owned(), "--format".into(), "json".into()];
                for pair in query.split('&') {
                    let (key, value) = pair.split_once('=').unwrap();
                    let flag = if key == "q" {
                        "--search".to_owned()
                    } else {
                        format!("--{key}")
                    };
                    args.push(flag);
                    args.push(value.replace("%2B", "+"));
                }
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let output = agentbar(&state, &args).output().unwrap();
                let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
                (
                    output.status.code(),
                    stdout,
                    String::from_utf8_lossy(&output.stderr).into_owned(),
                )
            })
            .await
            .unwrap()
        }
    };
    for (query, want) in &cases {
        let (code, stdout, stderr) = cli(query.clone()).await;
        assert_eq!(code, Some(0), "agentbar tasks {query}: {stderr}");
        let list: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(&ids(&list), want, "agentbar tasks {query} (live)");
    }
    // CSV: a header, then one row per kept task, in list order.
    let failed = cases
        .iter()
        .find(|(q, _)| q == "bucket=failed")
        .unwrap()
        .1
        .clone();
    let output = h
        .cli(&["tasks", "--bucket", "failed", "--format", "csv"])
        .await;
    let csv = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert!(
        rows[0].starts_with("id,provider,repository,state,bucket,title,"),
        "{csv}"
    );
    let row_ids: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r.split(',').next().unwrap())
        .collect();
    assert_eq!(row_ids, failed, "{csv}");
    assert!(rows[1..].iter().all(|r| r.contains(",failed,")), "{csv}");

    // Nonsense is refused with a word about it and exit code 2.
    let (code, _, stderr) = cli("provider=cursor".into()).await;
    assert_eq!(code, Some(2));
    assert!(stderr.contains("unknown provider \"cursor\""), "{stderr}");

    // Stopped (its state directory kept): the saved snapshot, through the same filter.
    let mut h = h;
    h.core.take().unwrap().shutdown().await;
    for (query, want) in cases.iter().filter(|(q, _)| !q.starts_with("period=today")) {
        let (code, stdout, stderr) = cli(query.clone()).await;
        // Not running: the snapshot is shown and the exit code says it is not current.
        assert_eq!(code, Some(3), "agentbar tasks {query}: {stderr}");
        let list: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
        assert_eq!(&ids(&list), want, "agentbar tasks {query} (snapshot)");
    }
}

#[tokio::test]
async fn nonsense_filters_are_refused_in_words() {
    let h = Harness::start().await;
    for (query, words) in [
        ("provider=cursor", "unknown provider \"cursor\""),
        ("bucket=sleeping", "unknown bucket \"sleeping\""),
        ("state=done", "unknown state \"done\""),
        ("source=gh%2Fx", "not a source id"),
        ("since=yesterday", "RFC 3339"),
        ("period=year", "today, week, month or all"),
        ("since=2026-11-30T00:00:00Z&period=today", "not both"),
        ("archived=maybe", "true or false"),
        ("repo=a/b&repo=c/d", "repo may be given once"),
        ("limit=0", "limit must be"),
        ("prvider=copilot", "unknown query parameter \"prvider\""),
    ] {
        let (status, body) = h.get_json(&format!("/v1/tasks?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{query}: {message}");
    }
    h.stop().await;
}
