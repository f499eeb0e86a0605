//! Log export: the Markdown transcript of the real log samples against golden files
//! (`tests/fixtures/export/`, rewritten only with `AGENTBAR_UPDATE_GOLDEN=1`), its structure
//! checked against the parsed events, and redaction of both formats.

mod common;

use std::path::{Path, PathBuf};

use agentbar::logs::export::{ExportFormat, Heading};
use agentbar::logs::{EventKind, parse_log};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

const SAMPLES: [&str; 4] = [
    "logs/copilot/log-1-input.txt",
    "logs/copilot/log-2-input.txt",
    "logs/copilot/log-3-synthetic-failures-input.txt",
    "logs/subagent-followup-windows.txt",
];

fn export(sample: &str) -> String {
    let body = std::fs::read_to_string(fixtures().join(sample)).unwrap();
    let events = parse_log(&body);
    let name = Path::new(sample).file_stem().unwrap().to_str().unwrap();
    ExportFormat::Markdown.render(
        &Heading {
            title: name,
            repository: Some("octo-org/web-app"),
            state: Some("completed"),
            url: Some("https://github.com/octo-org/web-app/pull/1"),
            session: None,
        },
        &events,
    )
}

#[test]
fn the_real_samples_export_as_their_golden_transcripts() {
    let update = std::env::var_os("AGENTBAR_UPDATE_GOLDEN").is_some();
    let mut stale = Vec::new();
    for sample in SAMPLES {
        let markdown = export(sample);
        let name = Path::new(sample).file_stem().unwrap().to_str().unwrap();
        let golden = fixtures().join("export").join(format!("{name}.md"));
        if update {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &markdown).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; write it with AGENTBAR_UPDATE_GOLDEN=1",
                golden.display()
            )
        });
        if expected != markdown {
            stale.push(name.to_owned());
        }
    }
    assert!(
        stale.is_empty(),
        "the transcripts of {stale:?} differ from tests/fixtures/export (rewrite with AGENTBAR_UPDATE_GOLDEN=1 after checking the change)"
    );
}

#[test]
fn the_transcript_holds_every_event_in_its_place() {
    for sample in SAMPLES {
        let body = std::fs::read_to_string(fixtures().join(sample)).unwrap();
        let events = parse_log(&body);
        let markdown = export(sample);
        let folded = events
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::Tool | EventKind::Progress | EventKind::Setup
                )
            })
            .count();
        assert!(folded > 0, "{sample}");
        assert_eq!(markdown.matches("<details>").count(), folded, "{sample}");
        assert_eq!(markdown.matches("</details>").count(), folded, "{sample}");
        // Each tool's output is inside its fold.
        for event in events.iter().filter(|e| e.kind == EventKind::Tool) {
            if let Some(output) = event.tool.as_ref().and_then(|t| t.output.as_deref()) {
                let line = output.lines().find(|l| l.trim().len() > 8);
                if let Some(line) = line {
                    assert!(markdown.contains(line), "{sample}: output {line:?} missing");
                }
            }
        }
        let prompts = events.iter().filter(|e| e.user.is_some()).count();
        assert_eq!(
            markdown.matches("\n## Prompt").count() + markdown.matches("\n## Follow-up").count(),
            prompts,
            "{sample}"
        );
        let errors = events.iter().filter(|e| e.kind == EventKind::Error).count();
        assert_eq!(markdown.matches("> **Error").count(), errors, "{sample}");
        let lines = ExportFormat::JsonLines.render(&Heading::default(), &events);
        assert_eq!(lines.lines().count(), events.len(), "{sample}");
        for line in lines.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(value["seq"].is_u64(), "{line}");
        }
    }
    // The synthetic failures sample has errors and thinking, and the Windows one a subagent.
    let failures = export(SAMPLES[2]);
    assert!(failures.contains("> **Error"), "{failures}");
    assert!(failures.contains("*Thinking"), "{failures}");
    let windows = export(SAMPLES[3]);
    assert!(windows.contains("### Copilot (reviewer)"), "{windows}");
    assert!(windows.contains("\n## Follow-up"), "{windows}");
}

#[test]
fn secrets_in_a_log_leave_neither_format() {
    let secrets = [
        "ghp_SimulatedFakeToken0123456789abcdefAB",
        "AKIAIOSFODNN7EXAMPLE",
        "hunter2-password",
    ];
    let sample = std::fs::read_to_string(fixtures().join(SAMPLES[0])).unwrap();
    let extra = format!(
        "data: {{\"role\":\"user\",\"content\":\"use token {} and key {}\"}}\n\n\
         data: {{\"choices\":[{{\"delta\":{{\"role\":\"assistant\",\"content\":\"cloning https://me:{}@example.com/r.git\"}}}}]}}\n\n",
        secrets[0], secrets[1], secrets[2]
    );
    let events = parse_log(&format!("{sample}{extra}"));
    for format in [ExportFormat::Markdown, ExportFormat::JsonLines] {
        let text = format.render(
            &Heading {
                title: "t",
                ..Heading::default()
            },
            &events,
        );
        for secret in secrets {
            assert!(!text.contains(secret), "{format:?} leaks {secret}");
        }
        assert!(
            text.contains("use token"),
            "{format:?}: the message itself is kept"
        );
    }
}

/// The export route over loopback: a real core over the simulator serves a finished task's
/// whole log as Markdown and JSON lines (the same events the paged route gives), and refuses a
/// format it does not know or an export with a cursor; `agentbar logs ID --format markdown`
/// prints the same transcript.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logs_route_exports_the_whole_log() {
    let h = common::Harness::start().await;
    let (_, list) = h.get_json("/v1/tasks?bucket=completed").await;
    let task = &list["tasks"][0];
    let id = task["id"].as_str().unwrap().to_owned();

    // All the events, page by page.
    let mut paged = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = h
            .get_json(&format!("/v1/tasks/{id}/logs?after={cursor}"))
            .await;
        assert_eq!(status, 200, "{page}");
        paged.extend(page["events"].as_array().unwrap().iter().cloned());
        cursor = page["cursor"].as_str().unwrap().to_owned();
        if page["done"] == true || page["events"].as_array().unwrap().is_empty() {
            break;
        }
    }
    assert!(paged.len() > 5, "{}", paged.len());

    let get = |format: &str| {
        h.request(
            reqwest::Method::GET,
            &format!("/v1/tasks/{id}/logs?format={format}"),
        )
        .send()
    };
    let response = get("jsonl").await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/x-ndjson")
    );
    let lines: Vec<serde_json::Value> = response
        .text()
        .await
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, paged, "the export holds the events the pages hold");

    let response = get("markdown").await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("agentbar-{id}.md"))
    );
    let markdown = response.text().await.unwrap();
    let title = task["title"].as_str().unwrap();
    assert!(markdown.starts_with(&format!("# {title}\n")), "{markdown}");
    assert!(markdown.contains("\n## Prompt"), "{markdown}");
    let folded = paged
        .iter()
        .filter(|e| ["tool", "progress", "setup"].contains(&e["kind"].as_str().unwrap()))
        .count();
    assert_eq!(markdown.matches("<details>").count(), folded);

    for (query, words) in [
        ("format=pdf", "unknown format \"pdf\""),
        ("format=markdown&after=x", "format or after"),
    ] {
        let (status, body) = h.get_json(&format!("/v1/tasks/{id}/logs?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(words),
            "{body}"
        );
    }

    let output = h.cli(&["logs", &id, "--format", "markdown"]).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).unwrap();
    assert_eq!(printed, markdown);
    h.stop().await;
}
