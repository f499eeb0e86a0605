//! Session logs: scripted agent work rendered as `data: {chat.completion.chunk}` lines, of which
//! a prefix proportional to the session's elapsed working time is visible.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::world::{SessionNow, SimSeconds, uuid_like};

/// One thing the agent does in a script.
enum Beat {
    /// Environment start-up (`run_setup`), with its output.
    Setup { name: &'static str, output: String },
    /// An assistant message, optionally with the tool call it issues right away.
    Say(String),
    /// Reasoning text shown between steps.
    Reason(String),
    /// A tool call, issued and then repeated with its output under the same id.
    Tool {
        name: &'static str,
        arguments: Value,
        output: String,
    },
    /// The closing message and the PR summary; only written when the session completes.
    Finish {
        summary: String,
        title: String,
        description: String,
    },
}

/// Renders the visible part of a session's log at sim time `now`.
pub(crate) fn render_log(
    session: &SessionNow,
    repository: &str,
    title: &str,
    epoch: DateTime<Utc>,
) -> String {
    let beats = script(&session.log_script, repository, title);
    let (work, finish): (Vec<&Beat>, Vec<&Beat>) = beats
        .iter()
        .partition(|b| !matches!(b, Beat::Finish { .. }));
    let chunks_per_beat: Vec<usize> = work.iter().map(|b| chunk_count(b)).collect();
    let total: usize = chunks_per_beat.iter().sum();
    let span = (session.work_ends_at - session.work_started_at).max(1.0);
    let elapsed = session.log_written_until - session.work_started_at;
    let completed = session.state == "completed";
    let visible = if completed {
        total
    } else {
        ((elapsed / span).clamp(0.0, 1.0) * total as f64).ceil() as usize
    };

    let mut out = String::new();
    let mut written = 0usize;
    let created_at = |index: usize| -> SimSeconds {
        session.work_started_at + span * (index as f64 + 1.0) / (total as f64 + 1.0)
    };
    for (beat_index, beat) in work.iter().enumerate() {
        for chunk in render_beat(beat, &session.id, beat_index, |i| {
            to_time(epoch, created_at(written + i))
        }) {
            if written >= visible {
                return out;
            }
            push_chunk(&mut out, &chunk);
            written += 1;
        }
    }
    if completed {
        let end = to_time(epoch, session.completed_at.unwrap_or(session.work_ends_at));
        for (index, beat) in finish.iter().enumerate() {
            for chunk in render_beat(beat, &session.id, work.len() + index, |_| end) {
                push_chunk(&mut out, &chunk);
            }
        }
        // Some real logs close with a DONE marker and some do not; the docs script does.
        if session.log_script == "docs" {
            out.push_str("data: [DONE]\n\n");
        }
    }
    out
}

fn push_chunk(out: &mut String, chunk: &Value) {
    out.push_str("data: ");
    out.push_str(&chunk.to_string());
    out.push_str("\n\n");
}

fn to_time(epoch: DateTime<Utc>, at: SimSeconds) -> DateTime<Utc> {
    epoch + chrono::Duration::milliseconds((at * 1000.0).round() as i64)
}

fn chunk_count(beat: &Beat) -> usize {
    match beat {
        Beat::Tool { .. } => 2,
        Beat::Finish { .. } => 2,
        _ => 1,
    }
}

fn render_beat(
    beat: &Beat,
    session_id: &str,
    beat_index: usize,
    time_of: impl Fn(usize) -> DateTime<Utc>,
) -> Vec<Value> {
    let chunk_id = uuid_like(&[session_id, "chunk", &beat_index.to_string()]);
    let model = "claude-sonnet-4";
    match beat {
        Beat::Setup { name, output } => {
            // Setup chunks carry `created` in milliseconds, like the real ones.
            vec![json!({
                "id": chunk_id,
                "choices": [{
                    "delta": {
                        "content": output,
                        "role": "assistant",
                        "tool_calls": [{
                            "function": {"name": "run_setup", "arguments": json!({"name": name}).to_string()},
                            "index": 0,
                            "id": chunk_id,
                        }],
                    },
                    "finish_reason": "tool_calls",
                    "index": 0,
                }],
                "created": time_of(0).timestamp_millis(),
                "model": "",
                "object": "chat.completion.chunk",
            })]
        }
        Beat::Say(text) => vec![json!({
            "id": chunk_id,
            "choices": [{"delta": {"role": "assistant", "content": text}, "finish_reason": "tool_calls"}],
            "created": time_of(0).timestamp(),
            "model": model,
            "object": "chat.completion.chunk",
        })],
        Beat::Reason(text) => vec![json!({
            "id": chunk_id,
            "choices": [{"delta": {"role": "assistant", "content": "", "reasoning_text": text}, "finish_reason": null}],
            "created": time_of(0).timestamp(),
            "model": model,
            "object": "chat.completion.chunk",
        })],
        Beat::Tool {
            name,
            arguments,
            output,
        } => {
            let call_id = format!("toolu_sim_{}", &chunk_id[..8]);
            let call = |content: Option<&str>, index: usize| {
                let mut delta = json!({
                    "role": "assistant",
                    "tool_calls": [{
                        "function": {"arguments": arguments.to_string(), "name": name},
                        "id": call_id,
                        "type": "function",
                        "index": 0,
                    }],
                });
                if let Some(content) = content {
                    delta["content"] = json!(content);
                }
                json!({
                    "id": chunk_id,
                    "choices": [{"delta": delta, "finish_reason": "tool_calls"}],
                    "created": time_of(index).timestamp(),
                    "model": model,
                    "object": "chat.completion.chunk",
                })
            };
            vec![call(None, 0), call(Some(output), 1)]
        }
        Beat::Finish {
            summary,
            title,
            description,
        } => {
            let stop = |id: String, content: String, usage: u64| {
                json!({
                    "id": id,
                    "choices": [{"delta": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                    "created": time_of(0).timestamp(),
                    "usage": {"completion_tokens": usage, "prompt_tokens": 21_000 + usage, "total_tokens": 21_000 + 2 * usage},
                    "model": model,
                    "object": "chat.completion.chunk",
                })
            };
            vec![
                stop(chunk_id.clone(), summary.clone(), 310),
                stop(
                    uuid_like(&[&chunk_id, "summary"]),
                    format!(
                        "<pr_title>\n{title}\n</pr_title>\n\n<pr_description>\n{description}\n</pr_description>"
                    ),
                    420,
                ),
            ]
        }
    }
}

/// The beats of a named script for a repository (`owner/name`) and a task title.
fn script(name: &str, repository: &str, title: &str) -> Vec<Beat> {
    let short = repository.rsplit('/').next().unwrap_or(repository);
    let root = format!("/home/runner/work/{short}/{short}");
    let mut beats = setup_beats();
    beats.push(Beat::Say(format!(
        "I'll work on \"{title}\". Let me start by exploring the repository structure."
    )));
    beats.push(Beat::Tool {
        name: "view",
        arguments: json!({"path": root}),
        output: format!(".github/\nREADME.md\nsrc/\ntests/\npackage.json\n\n(view of {root})"),
    });
    match name {
        "bugfix" => {
            beats.push(Beat::Tool {
                name: "bash",
                arguments: json!({"async": false, "command": format!("cd {root} && env | grep -i token"), "description": "Check which tokens the environment provides", "sessionId": "main"}),
                // A made-up credential so that redaction has something to find.
                output: "GITHUB_TOKEN=ghp_SimulatedFakeToken0123456789abcdefAB\nCOPILOT_AGENT_TOKEN=<set>".to_owned(),
            });
            // More made-up credentials, one of each shape redaction knows, where real logs show
            // them: bare tokens in prose and reasoning, a bearer header in a verbose curl, an
            // AWS access key id and a password inside a URL in tool output.
            beats.push(Beat::Say(
                "The old deploy notes pasted ghp_SimulatedProseToken0123456789abcdefABC and github_pat_11SIMULATED0FakePat_0123456789abcdefABCDEF into the README; I will not copy them."
                    .to_owned(),
            ));
            beats.push(Beat::Reason(
                "The CI cache still holds gho_SimulatedOAuthToken0123456789abcdefAB; it should be revoked."
                    .to_owned(),
            ));
            beats.push(Beat::Tool {
                name: "bash",
                arguments: json!({"async": false, "command": "curl -sv https://api.example.com/limits", "description": "Check the upstream limits", "sessionId": "main"}),
                output: "> GET /limits HTTP/1.1\n> Authorization: Bearer SimulatedBearerValue0123456789abcdef\n< HTTP/1.1 200 OK\n{\"limit\": 100}\n".to_owned(),
            });
            beats.push(Beat::Tool {
                name: "bash",
                arguments: json!({"async": false, "command": format!("cd {root} && cat .npmrc deploy.env"), "description": "Read the deploy settings", "sessionId": "main"}),
                output: "registry=https://deploy:SimulatedUrlPassw0rd@registry.example.com/npm/\naws_access_key_id = AKIASIMULATEDFAKE000\n".to_owned(),
            });
            beats.push(Beat::Tool {
                name: "view",
                arguments: json!({"path": format!("{root}/src/middleware/limits.ts")}),
                output: "export function limits(req, res, next) {\n  next();\n}\n".to_owned(),
            });
            beats.push(Beat::Reason(
                "The middleware is a stub; a token bucket per client id fits.".to_owned(),
            ));
            beats.push(Beat::Tool {
                name: "str_replace",
                arguments: json!({"path": format!("{root}/src/middleware/limits.ts"), "old_str": "  next();", "new_str": "  if (!bucketFor(req).take()) return res.status(429).end();\n  next();"}),
                output: format!("\ndiff --git a{root}/src/middleware/limits.ts b{root}/src/middleware/limits.ts\n@@ -1,3 +1,4 @@\n export function limits(req, res, next) {{\n+  if (!bucketFor(req).take()) return res.status(429).end();\n   next();\n }}\n"),
            });
        }
        "docs" => {
            beats.push(Beat::Tool {
                name: "bash",
                arguments: json!({"async": false, "command": format!("cd {root} && ls docs && git log --oneline -5"), "description": "List the docs and recent history", "sessionId": "main"}),
                output: "index.md\ninstall.md\n3f2a1b9 Release 2.3.0\n9c8d7e6 Fix typo\n".to_owned(),
            });
            beats.push(Beat::Tool {
                name: "create",
                arguments: json!({"path": format!("{root}/docs/DEPLOY.md"), "file_text": "# Deploying\n\n1. Tag the release.\n2. Run the deploy workflow.\n"}),
                output: format!("Created file {root}/docs/DEPLOY.md with 64 characters"),
            });
        }
        "failing" => {
            beats.push(Beat::Tool {
                name: "bash",
                arguments: json!({"async": false, "command": format!("cd {root} && npm install && npm run build:android"), "description": "Install and build", "sessionId": "main"}),
                output: "added 1312 packages in 41s\n> build:android\nFAILURE: Build failed with an exception.\n* What went wrong: Could not resolve com.facebook.react:react-android:0.76.0\n".to_owned(),
            });
            beats.push(Beat::Reason(
                "The Android artifact cannot be resolved; the Maven mirror may be missing."
                    .to_owned(),
            ));
            beats.push(Beat::Tool {
                name: "bash",
                arguments: json!({"async": false, "command": format!("cd {root}/android && ./gradlew --refresh-dependencies assembleDebug"), "description": "Retry the Android build", "sessionId": "main"}),
                output: "FAILURE: Build failed with an exception.\nBUILD FAILED in 1m 12s\n".to_owned(),
            });
        }
        "refactor" => {
            beats.push(Beat::Tool {
                name: "think",
                arguments: json!({"thought": "Split the big component into three, keeping the public props unchanged."}),
                output: "Split the big component into three, keeping the public props unchanged.".to_owned(),
            });
            beats.push(Beat::Tool {
                name: "codeql_checker",
                arguments: json!({}),
                output: "<info>Analysis completed successfully for .</info>".to_owned(),
            });
            // A tool no client knows, so that unknown tools stay exercised.
            beats.push(Beat::Tool {
                name: "sim_dependency_graph",
                arguments: json!({"depth": 2}),
                output: "{\"nodes\": 14, \"edges\": 22}".to_owned(),
            });
            beats.push(Beat::Tool {
                name: "str_replace",
                arguments: json!({"path": format!("{root}/src/settings/Page.tsx"), "old_str": "<Settings />", "new_str": "<SettingsLayout>\n  <Profile />\n  <Notifications />\n</SettingsLayout>"}),
                output: format!("\ndiff --git a{root}/src/settings/Page.tsx b{root}/src/settings/Page.tsx\n-<Settings />\n+<SettingsLayout>\n"),
            });
        }
        "quick" => {}
        _ => {
            beats.push(Beat::Tool {
                name: "think",
                arguments: json!({"thought": format!("Plan for {title}: find the code, change it, add a test, run the suite.")}),
                output: format!("Plan for {title}: find the code, change it, add a test, run the suite."),
            });
            beats.push(Beat::Tool {
                name: "create",
                arguments: json!({"path": format!("{root}/tests/change.test.ts"), "file_text": "test('works', () => expect(true).toBe(true));\n"}),
                output: format!("Created file {root}/tests/change.test.ts with 48 characters"),
            });
            beats.push(Beat::Tool {
                name: "playwright-browser_navigate",
                arguments: json!({"url": "http://localhost:3000/login"}),
                output: "Navigated to http://localhost:3000/login".to_owned(),
            });
        }
    }
    beats.push(Beat::Tool {
        name: "bash",
        arguments: json!({"async": false, "command": format!("cd {root} && npm test"), "description": "Run the tests", "sessionId": "main"}),
        output: "PASS tests/change.test.ts\nTests: 42 passed, 42 total\n".to_owned(),
    });
    beats.push(Beat::Tool {
        name: "report_progress",
        arguments: json!({"commitMessage": title, "prDescription": format!("- [x] {title}\n- [x] Tests pass")}),
        output: format!("$ git add . -v\n$ git commit -m '{title}'\n$ git push -v origin copilot/work\nbranch 'copilot/work' set up to track 'origin/copilot/work'."),
    });
    beats.push(Beat::Finish {
        summary: format!("I have finished \"{title}\": the change is in place and the tests pass."),
        title: title.to_owned(),
        description: format!("This PR implements: {title}.\n\n## Changes\n\n- The change itself\n- A test that covers it"),
    });
    beats
}

fn setup_beats() -> Vec<Beat> {
    vec![
        Beat::Setup {
            name: "Start 'github-mcp-server' MCP server",
            output: "MCP server started successfully (version github-mcp-server/remote-sim) with 3 tools - for the full output, see the verbose logs\n\n- get_file_contents\n- list_commits\n- search_code".to_owned(),
        },
        Beat::Setup {
            name: "Start 'playwright' MCP server",
            output: "MCP server started successfully (version 0.0.35) with 2 tools - for the full output, see the verbose logs\n\n- browser_navigate\n- browser_snapshot".to_owned(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(script: &str, state: &str, written_until: SimSeconds) -> SessionNow {
        SessionNow {
            id: "s-1".into(),
            state: state.into(),
            created_at: 0.0,
            updated_at: 0.0,
            completed_at: (state == "completed").then_some(100.0),
            error: None,
            workflow_run_id: 1,
            log_script: script.into(),
            prompt: String::new(),
            model: "m".into(),
            premium_requests: 1.0,
            work_started_at: 0.0,
            work_ends_at: 100.0,
            log_written_until: written_until,
            is_follow_up: false,
        }
    }

    fn chunks(log: &str) -> Vec<Value> {
        log.split("\n\n")
            .filter_map(|l| l.strip_prefix("data: "))
            .filter(|l| *l != "[DONE]")
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn the_visible_log_grows_with_time_and_is_a_prefix() {
        let epoch = Utc::now();
        let early = render_log(&session("bugfix", "in_progress", 20.0), "o/r", "T", epoch);
        let later = render_log(&session("bugfix", "in_progress", 70.0), "o/r", "T", epoch);
        assert!(!early.is_empty());
        assert!(later.len() > early.len());
        assert!(later.starts_with(&early));
        assert!(!later.contains("\"stop\""), "no stop chunk while running");
    }

    #[test]
    fn completed_logs_end_with_the_pr_summary_and_failed_ones_do_not() {
        let epoch = Utc::now();
        let done = chunks(&render_log(
            &session("feature", "completed", 100.0),
            "o/repo",
            "T",
            epoch,
        ));
        let last = done.last().unwrap();
        assert_eq!(last["choices"][0]["finish_reason"], "stop");
        assert!(
            last["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap()
                .contains("<pr_title>")
        );
        let failed = render_log(&session("failing", "failed", 100.0), "o/repo", "T", epoch);
        assert!(!failed.contains("\"stop\""));
        assert!(failed.contains("/home/runner/work/repo/repo"));
    }

    #[test]
    fn tool_calls_repeat_their_id_with_output_and_created_uses_both_units() {
        let epoch = Utc::now();
        let all = chunks(&render_log(
            &session("bugfix", "completed", 100.0),
            "o/r",
            "T",
            epoch,
        ));
        let issued = all
            .iter()
            .find(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["name"] == "bash")
            .unwrap();
        let id = &issued["choices"][0]["delta"]["tool_calls"][0]["id"];
        let finished: Vec<_> = all
            .iter()
            .filter(|c| &c["choices"][0]["delta"]["tool_calls"][0]["id"] == id)
            .collect();
        assert_eq!(finished.len(), 2);
        assert!(
            finished[1]["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap()
                .contains("ghp_")
        );
        let created: Vec<i64> = all.iter().map(|c| c["created"].as_i64().unwrap()).collect();
        assert!(
            created.iter().any(|c| *c > 100_000_000_000),
            "milliseconds somewhere"
        );
        assert!(
            created.iter().any(|c| *c < 100_000_000_000),
            "seconds somewhere"
        );
    }
}
