//! Session logs: scripted agent work rendered as GitHub's log body — `data: {chat.completion.chunk}`
//! lines plus plain `{"role": "user"}` prompts and `{"role": "tool"}` results, subagent runs
//! marked with `agentId` — of which a prefix proportional to the session's elapsed working time
//! is visible.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::world::{SessionNow, SimSeconds, uuid_like};

/// How a tool's output reaches the log.
#[derive(Clone, Copy)]
enum Output {
    /// A second chunk repeats the call's id with the output as `content`.
    Repeated,
    /// A plain `{"role": "tool", "tool_call_id", "content"}` line.
    Message,
}

/// One thing the agent does in a script.
enum Beat {
    /// Environment start-up (`run_setup`) or a custom step (`run_custom_setup_step`, which also
    /// brackets a subagent's run), with its output.
    Setup {
        tool: &'static str,
        name: String,
        output: String,
    },
    /// A prompt from the user: the task's, or a follow-up (a PR comment).
    User(String),
    /// An assistant message.
    Say(String),
    /// Reasoning text shown between steps; `opaque` adds an unreadable `reasoning_opaque`.
    Reason {
        text: String,
        opaque: bool,
    },
    /// A tool call issued and then finished, under one id.
    Tool {
        name: &'static str,
        arguments: Value,
        output: String,
        style: Output,
    },
    /// A tool call issued now and finished by a later `Finished` with the same `key`.
    Call {
        key: &'static str,
        name: &'static str,
        arguments: Value,
    },
    Finished {
        key: &'static str,
        output: String,
    },
    /// The following entries belong to this subagent (`None`: the main agent again).
    Agent(Option<&'static str>),
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
    let mut beats = vec![Beat::User(session.task_prompt.clone())];
    if session.is_follow_up {
        beats.push(Beat::User(session.prompt.clone()));
    }
    beats.extend(script(&session.log_script, repository, title));
    let (work, finish): (Vec<&Beat>, Vec<&Beat>) = beats
        .iter()
        .partition(|b| !matches!(b, Beat::Finish { .. }));
    let total: usize = work.iter().map(|b| line_count(b)).sum();
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
    let mut agent: Option<&str> = None;
    let created_at = |index: usize| -> SimSeconds {
        session.work_started_at + span * (index as f64 + 1.0) / (total as f64 + 1.0)
    };
    for (beat_index, beat) in work.iter().enumerate() {
        if let Beat::Agent(id) = beat {
            agent = *id;
            continue;
        }
        for line in render_beat(beat, &session.id, beat_index, |i| {
            to_time(epoch, created_at(written + i))
        }) {
            if written >= visible {
                return out;
            }
            push_line(&mut out, line, agent);
            written += 1;
        }
    }
    if completed {
        let end = to_time(epoch, session.completed_at.unwrap_or(session.work_ends_at));
        for (index, beat) in finish.iter().enumerate() {
            for line in render_beat(beat, &session.id, work.len() + index, |_| end) {
                push_line(&mut out, line, None);
            }
        }
        out.push_str("data: [DONE]\n\n");
    }
    out
}

fn push_line(out: &mut String, mut line: Value, agent: Option<&str>) {
    if let Some(agent) = agent {
        line["agentId"] = json!(agent);
    }
    out.push_str("data: ");
    out.push_str(&line.to_string());
    out.push_str("\n\n");
}

fn to_time(epoch: DateTime<Utc>, at: SimSeconds) -> DateTime<Utc> {
    epoch + chrono::Duration::milliseconds((at * 1000.0).round() as i64)
}

fn line_count(beat: &Beat) -> usize {
    match beat {
        Beat::Tool { .. } | Beat::Finish { .. } => 2,
        Beat::Agent(_) => 0,
        _ => 1,
    }
}

/// The id a tool call carries, shared by its issue and its result.
fn call_id(session_id: &str, key: &str) -> String {
    format!("toolu_sim_{}", &uuid_like(&[session_id, "call", key])[..8])
}

fn tool_call_chunk(
    chunk_id: &str,
    call_id: &str,
    name: &str,
    arguments: &Value,
    content: Option<&str>,
    created: DateTime<Utc>,
) -> Value {
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
        "created": created.timestamp(),
        "model": "claude-sonnet-4",
        "object": "chat.completion.chunk",
    })
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
        Beat::Setup { tool, name, output } => {
            // Setup chunks carry `created` in milliseconds, like the real ones.
            vec![json!({
                "id": chunk_id,
                "choices": [{
                    "delta": {
                        "content": output,
                        "role": "assistant",
                        "tool_calls": [{
                            "function": {"name": tool, "arguments": json!({"name": name}).to_string()},
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
        Beat::User(text) => vec![json!({"role": "user", "content": text})],
        Beat::Say(text) => {
            // `created` comes as a string now and then.
            let seconds = time_of(0).timestamp();
            let created = if beat_index % 2 == 1 {
                json!(seconds.to_string())
            } else {
                json!(seconds)
            };
            vec![json!({
                "id": chunk_id,
                "choices": [{"delta": {"role": "assistant", "content": text}, "finish_reason": "tool_calls"}],
                "created": created,
                "model": model,
                "object": "chat.completion.chunk",
            })]
        }
        Beat::Reason { text, opaque } => {
            let mut delta = json!({"role": "assistant", "content": "", "reasoning_text": text});
            if *opaque {
                delta["reasoning_opaque"] = json!(format!(
                    "gAAAAAB{}",
                    uuid_like(&[&chunk_id, "opaque"]).replace('-', "")
                ));
            }
            vec![json!({
                "id": chunk_id,
                "choices": [{"delta": delta, "finish_reason": null}],
                "created": time_of(0).timestamp(),
                "model": model,
                "object": "chat.completion.chunk",
            })]
        }
        Beat::Tool {
            name,
            arguments,
            output,
            style,
        } => {
            let call = call_id(session_id, &beat_index.to_string());
            let issued = tool_call_chunk(&chunk_id, &call, name, arguments, None, time_of(0));
            let done = match style {
                Output::Repeated => {
                    tool_call_chunk(&chunk_id, &call, name, arguments, Some(output), time_of(1))
                }
                Output::Message => json!({"role": "tool", "tool_call_id": call, "content": output}),
            };
            vec![issued, done]
        }
        Beat::Call {
            key,
            name,
            arguments,
        } => vec![tool_call_chunk(
            &chunk_id,
            &call_id(session_id, key),
            name,
            arguments,
            None,
            time_of(0),
        )],
        Beat::Finished { key, output } => vec![json!({
            "role": "tool",
            "tool_call_id": call_id(session_id, key),
            "content": output,
        })],
        Beat::Agent(_) => Vec::new(),
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
    let windows = name == "windows";
    let root = if windows {
        format!("D:\\a\\{short}\\{short}")
    } else {
        format!("/home/runner/work/{short}/{short}")
    };
    let mut beats = setup_beats();
    beats.push(Beat::Say(format!(
        "I'll work on \"{title}\". Let me start by exploring the repository structure."
    )));
    beats.push(Beat::Tool {
        name: "view",
        arguments: json!({"path": root}),
        output: format!(".github/\nREADME.md\nsrc/\ntests/\npackage.json\n\n(view of {root})"),
        style: Output::Repeated,
    });
    match name {
        "bugfix" => {
            beats.push(Beat::Tool {
                name: "bash",
                arguments: json!({"async": false, "command": format!("cd {root} && env | grep -i token"), "description": "Check which tokens the environment provides", "sessionId": "main"}),
                // A made-up credential so that redaction has something to find.
                output: "GITHUB_TOKEN=ghp_SimulatedFakeToken0123456789abcdefAB\nCOPILOT_AGENT_TOKEN=<set>".to_owned(),
                style: Output::Repeated,
            });
            // More made-up credentials, one of each shape redaction knows, where real logs show
            // them: bare tokens in prose and reasoning, a bearer header in a verbose curl, an
            // AWS access key id and a password inside a URL in tool output.
            beats.push(Beat::Say(
                "The old deploy notes pasted ghp_SimulatedProseToken0123456789abcdefABC and github_pat_11SIMULATED0FakePat_0123456789abcdefABCDEF into the README; I will not copy them."
                    .to_owned(),
            ));
            beats.push(Beat::Reason {
                text: "The CI cache still holds gho_SimulatedOAuthToken0123456789abcdefAB; it should be revoked."
                    .to_owned(),
                opaque: false,
            });
            beats.push(Beat::Tool {
                name: "bash",
                arguments: json!({"async": false, "command": "curl -sv https://api.example.com/limits", "description": "Check the upstream limits", "sessionId": "main"}),
                output: "> GET /limits HTTP/1.1\n> Authorization: Bearer SimulatedBearerValue0123456789abcdef\n< HTTP/1.1 200 OK\n{\"limit\": 100}\n".to_owned(),
                style: Output::Repeated,
            });
            beats.push(Beat::Tool {
                name: "bash",
                arguments: json!({"async": false, "command": format!("cd {root} && cat .npmrc deploy.env"), "description": "Read the deploy settings", "sessionId": "main"}),
                output: "registry=https://deploy:SimulatedUrlPassw0rd@registry.example.com/npm/\naws_access_key_id = AKIASIMULATEDFAKE000\n".to_owned(),
                style: Output::Repeated,
            });
            beats.push(Beat::Tool {
                name: "view",
                arguments: json!({"path": format!("{root}/src/middleware/limits.ts")}),
                output: "export function limits(req, res, next) {\n  next();\n}\n".to_owned(),
                style: Output::Repeated,
            });
            beats.push(Beat::Tool {
                name: "grep",
                arguments: json!({"pattern": "TODO", "path": format!("{root}/src")}),
                output: format!(
                    "{root}/src/middleware/limits.ts:1: // TODO: limit requests per client"
                ),
                style: Output::Message,
            });
            beats.push(Beat::Reason {
                text: "The middleware is a stub; a token bucket per client id fits.".to_owned(),
                opaque: true,
            });
            beats.push(Beat::Tool {
                name: "str_replace",
                arguments: json!({"path": format!("{root}/src/middleware/limits.ts"), "old_str": "  next();", "new_str": "  if (!bucketFor(req).take()) return res.status(429).end();\n  next();"}),
                output: format!("\ndiff --git a{root}/src/middleware/limits.ts b{root}/src/middleware/limits.ts\n@@ -1,3 +1,4 @@\n export function limits(req, res, next) {{\n+  if (!bucketFor(req).take()) return res.status(429).end();\n   next();\n }}\n"),
                style: Output::Repeated,
            });
        }
        "docs" => {
            beats.push(Beat::Tool {
                name: "bash",
                arguments: json!({"async": false, "command": format!("cd {root} && ls docs && git log --oneline -5"), "description": "List the docs and recent history", "sessionId": "main"}),
                output: "index.md\ninstall.md\n3f2a1b9 Release 2.3.0\n9c8d7e6 Fix typo\n".to_owned(),
                style: Output::Repeated,
            });
            beats.push(Beat::Tool {
                name: "create",
                arguments: json!({"path": format!("{root}/docs/DEPLOY.md"), "file_text": "# Deploying\n\n1. Tag the release.\n2. Run the deploy workflow.\n"}),
                output: format!("Created file {root}/docs/DEPLOY.md with 64 characters"),
                style: Output::Repeated,
            });
        }
        "failing" => {
            beats.push(Beat::Tool {
                name: "bash",
                arguments: json!({"async": false, "command": format!("cd {root} && npm install && npm run build:android"), "description": "Install and build", "sessionId": "main"}),
                output: "added 1312 packages in 41s\n> build:android\nFAILURE: Build failed with an exception.\n* What went wrong: Could not resolve com.facebook.react:react-android:0.76.0\n".to_owned(),
                style: Output::Repeated,
            });
            beats.push(Beat::Reason {
                text: "The Android artifact cannot be resolved; the Maven mirror may be missing."
                    .to_owned(),
                opaque: false,
            });
            beats.push(Beat::Tool {
                name: "bash",
                arguments: json!({"async": false, "command": format!("cd {root}/android && ./gradlew --refresh-dependencies assembleDebug"), "description": "Retry the Android build", "sessionId": "main"}),
                output: "FAILURE: Build failed with an exception.\nBUILD FAILED in 1m 12s\n".to_owned(),
                style: Output::Repeated,
            });
        }
        "refactor" => {
            beats.push(Beat::Tool {
                name: "think",
                arguments: json!({"thought": "Split the big component into three, keeping the public props unchanged."}),
                output: "Split the big component into three, keeping the public props unchanged.".to_owned(),
                style: Output::Repeated,
            });
            beats.push(Beat::Tool {
                name: "codeql_checker",
                arguments: json!({}),
                output: "<info>Analysis completed successfully for .</info>".to_owned(),
                style: Output::Repeated,
            });
            // A tool no client knows, so that unknown tools stay exercised.
            beats.push(Beat::Tool {
                name: "sim_dependency_graph",
                arguments: json!({"depth": 2}),
                output: "{\"nodes\": 14, \"edges\": 22}".to_owned(),
                style: Output::Repeated,
            });
            beats.push(Beat::Tool {
                name: "str_replace",
                arguments: json!({"path": format!("{root}/src/settings/Page.tsx"), "old_str": "<Settings />", "new_str": "<SettingsLayout>\n  <Profile />\n  <Notifications />\n</SettingsLayout>"}),
                output: format!("\ndiff --git a{root}/src/settings/Page.tsx b{root}/src/settings/Page.tsx\n-<Settings />\n+<SettingsLayout>\n"),
                style: Output::Repeated,
            });
        }
        "quick" => {}
        "windows" => windows_beats(&mut beats, &root),
        _ => {
            feature_subagent(&mut beats, &root);
            beats.push(Beat::Tool {
                name: "think",
                arguments: json!({"thought": format!("Plan for {title}: find the code, change it, add a test, run the suite.")}),
                output: format!("Plan for {title}: find the code, change it, add a test, run the suite."),
                style: Output::Repeated,
            });
            beats.push(Beat::Tool {
                name: "create",
                arguments: json!({"path": format!("{root}/tests/change.test.ts"), "file_text": "test('works', () => expect(true).toBe(true));\n"}),
                output: format!("Created file {root}/tests/change.test.ts with 48 characters"),
                style: Output::Repeated,
            });
            beats.push(Beat::Tool {
                name: "playwright-browser_navigate",
                arguments: json!({"url": "http://localhost:3000/login"}),
                output: "Navigated to http://localhost:3000/login".to_owned(),
                style: Output::Repeated,
            });
            // A follow-up from a pull request comment while the agent works.
            beats.push(Beat::User(
                "@copilot please also cover the logout redirect.".to_owned(),
            ));
            beats.push(Beat::Say(
                "Good point: I'll make sure the logout redirect is covered too.".to_owned(),
            ));
        }
    }
    let (shell, test_command) = if windows {
        ("powershell", format!("Set-Location {root}; npm test"))
    } else {
        ("bash", format!("cd {root} && npm test"))
    };
    beats.push(Beat::Tool {
        name: shell,
        arguments: json!({"async": false, "command": test_command, "description": "Run the tests", "sessionId": "main"}),
        output: "PASS tests/change.test.ts\nTests: 42 passed, 42 total\n".to_owned(),
        style: Output::Repeated,
    });
    beats.push(Beat::Tool {
        name: "report_progress",
        arguments: json!({"commitMessage": title, "prDescription": format!("- [x] {title}\n- [x] Tests pass")}),
        output: format!("$ git add . -v\n$ git commit -m '{title}'\n$ git push -v origin copilot/work\nbranch 'copilot/work' set up to track 'origin/copilot/work'."),
        style: Output::Repeated,
    });
    beats.push(Beat::Finish {
        summary: format!("I have finished \"{title}\": the change is in place and the tests pass."),
        title: title.to_owned(),
        description: format!("This PR implements: {title}.\n\n## Changes\n\n- The change itself\n- A test that covers it"),
    });
    beats
}

/// The main agent hands a search to an `explore` subagent (a `task` call), whose entries
/// carry its `agentId` between the Begin/End setup steps, then fetches docs and patches.
fn feature_subagent(beats: &mut Vec<Beat>, root: &str) {
    const AGENT: &str = "explore-1";
    beats.push(Beat::Call {
        key: "task",
        name: "task",
        arguments: json!({"agent_type": "explore", "description": "Find where the redirect happens", "prompt": "Find the code that redirects after sign-in and report file and line."}),
    });
    beats.push(Beat::Agent(Some(AGENT)));
    beats.push(Beat::Setup {
        tool: "run_custom_setup_step",
        name: "▶️ Begin subagent: explore".to_owned(),
        output: "Subagent explore started".to_owned(),
    });
    beats.push(Beat::Tool {
        name: "rg",
        arguments: json!({"pattern": "redirect\\(", "path": format!("{root}/src"), "glob": "*.ts"}),
        output: format!("{root}/src/auth/session.ts:42:    return redirect(next ?? '/home');\n{root}/src/routes/login.ts:17:  redirect('/login');"),
        style: Output::Message,
    });
    beats.push(Beat::Say(
        "The redirect after sign-in is in src/auth/session.ts:42.".to_owned(),
    ));
    beats.push(Beat::Setup {
        tool: "run_custom_setup_step",
        name: "⏹️ End subagent: explore".to_owned(),
        output: "Subagent explore finished".to_owned(),
    });
    beats.push(Beat::Agent(None));
    beats.push(Beat::Finished {
        key: "task",
        output: "The redirect after sign-in is set in src/auth/session.ts:42; /login redirects in src/routes/login.ts:17.".to_owned(),
    });
    beats.push(Beat::Tool {
        name: "web_fetch",
        arguments: json!({"url": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Redirections"}),
        output: "# Redirections in HTTP\n\nURL redirection is a technique to give more than one URL address to a page...".to_owned(),
        style: Output::Message,
    });
    beats.push(Beat::Tool {
        name: "apply_patch",
        arguments: json!({"input": format!("*** Begin Patch\n*** Update File: {root}/src/auth/session.ts\n@@\n-    return redirect(next ?? '/home');\n+    return redirect(safeNext(next) ?? '/home');\n*** End Patch")}),
        output: "Done!".to_owned(),
        style: Output::Repeated,
    });
}

/// A session on a Windows runner: PowerShell and `D:\a\<repo>\<repo>` paths.
fn windows_beats(beats: &mut Vec<Beat>, root: &str) {
    beats.push(Beat::Tool {
        name: "powershell",
        arguments: json!({"async": false, "command": format!("Get-ChildItem {root}\\.github\\workflows"), "description": "List the workflows", "sessionId": "main"}),
        output: format!("    Directory: {root}\\.github\\workflows\n\nMode   LastWriteTime   Length Name\n-a---  11/30/2026      812 ci.yml"),
        style: Output::Repeated,
    });
    beats.push(Beat::Tool {
        name: "view",
        arguments: json!({"path": format!("{root}\\.github\\workflows\\ci.yml")}),
        output: "jobs:\n  test:\n    runs-on: ubuntu-latest\n".to_owned(),
        style: Output::Repeated,
    });
    beats.push(Beat::Tool {
        name: "edit",
        arguments: json!({"path": format!("{root}\\.github\\workflows\\ci.yml"), "old_str": "    runs-on: ubuntu-latest", "new_str": "    strategy:\n      matrix:\n        node: [18, 20, 22]\n    runs-on: ubuntu-latest"}),
        output: format!("File {root}\\.github\\workflows\\ci.yml updated"),
        style: Output::Repeated,
    });
}

fn setup_beats() -> Vec<Beat> {
    vec![
        Beat::Setup {
            tool: "run_setup",
            name: "Start 'github-mcp-server' MCP server".to_owned(),
            output: "MCP server started successfully (version github-mcp-server/remote-sim) with 3 tools - for the full output, see the verbose logs\n\n- get_file_contents\n- list_commits\n- search_code".to_owned(),
        },
        Beat::Setup {
            tool: "run_setup",
            name: "Start 'playwright' MCP server".to_owned(),
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
            ai_credits_nanos: 1_234_500_000,
            task_prompt: "Fix the redirect".into(),
            work_started_at: 0.0,
            work_ends_at: 100.0,
            log_written_until: written_until,
            is_follow_up: false,
        }
    }

    /// Every JSON entry of a log: chunks and plain message lines.
    fn entries(log: &str) -> Vec<Value> {
        log.split("\n\n")
            .filter_map(|l| l.strip_prefix("data: "))
            .filter(|l| *l != "[DONE]")
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The `chat.completion.chunk` entries only.
    fn chunks(log: &str) -> Vec<Value> {
        entries(log)
            .into_iter()
            .filter(|e| e["object"] == "chat.completion.chunk")
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
        let created: Vec<i64> = all.iter().filter_map(|c| c["created"].as_i64()).collect();
        assert!(
            all.iter().any(|c| c["created"].is_string()),
            "a string `created` somewhere"
        );
        assert!(
            created.iter().any(|c| *c > 100_000_000_000),
            "milliseconds somewhere"
        );
        assert!(
            created.iter().any(|c| *c < 100_000_000_000),
            "seconds somewhere"
        );
    }

    #[test]
    fn user_prompts_tool_messages_and_a_subagent_appear_in_a_feature_log() {
        let epoch = Utc::now();
        let mut follow_up = session("feature", "completed", 100.0);
        follow_up.is_follow_up = true;
        follow_up.prompt = "@copilot also handle the edge case".into();
        let log = render_log(&follow_up, "o/r", "T", epoch);
        assert!(log.ends_with("data: [DONE]\n\n"));
        let all = entries(&log);
        let users: Vec<&str> = all
            .iter()
            .filter(|e| e["role"] == "user")
            .map(|e| e["content"].as_str().unwrap())
            .collect();
        assert_eq!(
            users[0], "Fix the redirect",
            "the task's prompt comes first"
        );
        assert_eq!(users[1], "@copilot also handle the edge case");
        assert!(users.len() >= 3, "a follow-up while working: {users:?}");

        // Every `role: tool` result answers a call issued before it.
        let issued: Vec<&Value> = all
            .iter()
            .filter_map(|e| {
                e["choices"][0]["delta"]["tool_calls"][0]
                    .as_object()
                    .map(|_| e)
            })
            .collect();
        let results: Vec<&Value> = all.iter().filter(|e| e["role"] == "tool").collect();
        assert!(results.len() >= 3);
        for result in &results {
            let id = &result["tool_call_id"];
            assert!(
                issued
                    .iter()
                    .any(|c| &c["choices"][0]["delta"]["tool_calls"][0]["id"] == id),
                "{result}"
            );
        }

        // The subagent: started by `task`, bracketed by Begin/End, its entries marked.
        let names = |e: &Value| {
            e["choices"][0]["delta"]["tool_calls"][0]["function"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        assert!(all.iter().any(|e| names(e) == "task"));
        let marked: Vec<&Value> = all.iter().filter(|e| e["agentId"] == "explore-1").collect();
        assert!(marked.len() >= 4, "{}", marked.len());
        let first_args = marked[0]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"]
            .as_str()
            .unwrap();
        assert_eq!(names(marked[0]), "run_custom_setup_step");
        assert!(first_args.contains("Begin subagent"), "{first_args}");
        assert!(marked.iter().any(|e| names(e) == "rg"));
        assert!(marked.iter().any(|e| e["role"] == "tool"));
        for tool in ["web_fetch", "apply_patch"] {
            assert!(all.iter().any(|e| names(e) == tool), "{tool}");
        }
    }

    #[test]
    fn a_windows_session_uses_powershell_and_drive_paths_and_bugfix_has_opaque_reasoning() {
        let epoch = Utc::now();
        let log = render_log(&session("windows", "completed", 100.0), "o/r", "T", epoch);
        assert!(log.contains("\"name\":\"powershell\""));
        assert!(log.contains(r"D:\\a\\r\\r\\.github"), "{log}");
        assert!(!log.contains("/home/runner"));
        let bugfix = entries(&render_log(
            &session("bugfix", "completed", 100.0),
            "o/r",
            "T",
            epoch,
        ));
        assert!(
            bugfix
                .iter()
                .any(|e| e["choices"][0]["delta"]["reasoning_opaque"].is_string())
        );
        assert!(bugfix.iter().any(|e| e["role"] == "tool"));
        // A running session's log has no end marker yet.
        let running = render_log(&session("bugfix", "in_progress", 50.0), "o/r", "T", epoch);
        assert!(!running.contains("[DONE]"));
    }
}
