//! Parsing real and project log fixtures: the exact events (kind and title), every tool call
//! paired with its result, parsing carried past broken lines, nothing secret left, and the same
//! events whether a log is parsed once or followed as it grows.
//!
//! The real samples are copied into the repository (`tests/fixtures/logs/copilot/`, unchanged
//! from the upstream samples), so these tests run on every clone and never skip.

use std::path::PathBuf;

use agentbar::logs::{Event, EventKind, LogFollower, ToolInput, UserMessage, parse_log};

fn real_sample(name: &str) -> String {
    own_fixture(&format!("copilot/{name}"))
}

fn own_fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/logs")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

fn summary(events: &[Event]) -> Vec<(&'static str, &str)> {
    events
        .iter()
        .map(|e| (e.kind.as_str(), e.title.as_str()))
        .collect()
}

/// Seqs 1, 2, 3, … and every call that has an id got its output.
fn assert_well_formed(events: &[Event]) {
    for (index, event) in events.iter().enumerate() {
        assert_eq!(event.seq, index as u64 + 1);
        assert!(!event.title.is_empty(), "{event:?}");
        assert!(!event.title.contains('\n'), "{event:?}");
    }
}

fn tools_without_output(events: &[Event]) -> Vec<&str> {
    events
        .iter()
        .filter(|e| e.tool.as_ref().is_some_and(|t| t.output.is_none()))
        .map(|e| e.title.as_str())
        .collect()
}

/// Following the body in growing steps (cut anywhere, even mid-line) ends with the same events
/// as one parse, without a reset.
fn assert_follow_matches_parse(body: &str) {
    let once = parse_log(body);
    for steps in [3, 10, 37] {
        let mut follower = LogFollower::new();
        let mut seen = Vec::new();
        let mut cursor = None;
        for i in 1..=steps {
            let mut end = body.len() * i / steps;
            while !body.is_char_boundary(end) {
                end += 1;
            }
            let update = if i == steps {
                follower.finish(&body[..end])
            } else {
                follower.update(&body[..end])
            };
            assert!(!update.reset);
            let page = follower.events_after(cursor);
            seen.extend(page.events.iter().cloned());
            cursor = Some(page.cursor);
        }
        assert_eq!(seen, once, "{steps} steps");
        assert!(follower.is_done());
    }
}

#[test]
fn real_log_1_a_complete_session() {
    let body = real_sample("log-1-input.txt");
    let events = parse_log(&body);
    assert_well_formed(&events);
    assert_eq!(
        summary(&events),
        [
            ("setup", "Set up: Start 'github-mcp-server' MCP server"),
            ("setup", "Set up: Start 'playwright' MCP server"),
            (
                "message",
                "I'll help you implement a shell script to print OS information. Let me start by exploring the repos…"
            ),
            ("tool", "View repository root"),
            ("tool", "Bash: Check current directory and list all files"),
            (
                "message",
                "Let me check the README and any existing workflow files to understand the repository structure bett…"
            ),
            ("tool", "View .github"),
            ("tool", "View README.md"),
            (
                "tool",
                "Bash: Check if there are any existing scripts or build files"
            ),
            ("tool", "View .github/workflows"),
            ("thinking", "Thought"),
            (
                "message",
                "Now let me report my plan and create the shell script:"
            ),
            (
                "progress",
                "Progress update: Initial plan: Add shell script to print OS information"
            ),
            (
                "message",
                "Now let me create the shell script with comprehensive OS information:"
            ),
            ("tool", "Create os_info.sh"),
            (
                "message",
                "Now let me make the script executable and test it:"
            ),
            ("tool", "Bash: Make script executable and test it"),
            (
                "message",
                "Great! The script works perfectly. Now let me update the README to document the new script:"
            ),
            ("tool", "Edit README.md"),
            ("message", "Let me verify the changes look good:"),
            ("tool", "Bash: Check file permissions and final status"),
            ("tool", "View README.md"),
            (
                "message",
                "Perfect! Let me test the script one more time to make sure everything is working correctly and comm…"
            ),
            ("tool", "Bash: Final test of the script"),
            ("message", "Excellent! Now let me commit all the changes:"),
            (
                "progress",
                "Progress update: Add os_info.sh shell script to display OS information"
            ),
            (
                "message",
                "Perfect! I have successfully implemented the shell script to print OS information. Let me run the C…"
            ),
            ("tool", "CodeQL security check"),
            (
                "message",
                "Excellent! The security analysis shows no vulnerabilities."
            ),
            (
                "message",
                "Pull request: Add shell script to display comprehensive OS information"
            ),
        ]
    );
    assert_eq!(tools_without_output(&events), Vec::<&str>::new());
    // Timestamps: the setup chunks are in milliseconds, the rest in seconds.
    let setup = events[0].at.unwrap();
    assert_eq!(setup.timestamp_millis(), 1757413024352);
    assert_eq!(events[3].at.unwrap().timestamp(), 1757413052);
    assert!(events.iter().all(|e| e.at.is_some()));
    assert!(events.iter().all(|e| e.kind != EventKind::Error));
    assert_follow_matches_parse(&body);
}

#[test]
fn real_log_2_a_complete_session() {
    let body = real_sample("log-2-input.txt");
    let events = parse_log(&body);
    assert_well_formed(&events);
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "setup", "setup", "message", "tool", "tool", "tool", "tool", "tool", "thinking",
            "message", "progress", "message", "tool", "message", "tool", "tool", "message", "tool",
            "message", "tool", "tool", "message", "progress", "message", "tool", "message",
            "message",
        ]
    );
    let titles: Vec<&str> = events.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Set up: Start 'github-mcp-server' MCP server",
            "Set up: Start 'playwright' MCP server",
            "I'll help you create a .yaml file with random fields in the repository. Let me start by exploring t…",
            "Bash: Find documentation and config files to understand the repository",
            "View repository root",
            "Bash: List all files in the root directory",
            "View README.md",
            "Bash: Check git status to understand current state",
            "Thought",
            "Now I'll outline my plan and create the YAML file with random fields.",
            "Progress update: Initial plan: Create YAML file with random fields",
            "Now I'll create a YAML file with random fields that demonstrates various YAML data types and struct…",
            "Create sample-data.yaml",
            "Now let me verify that the YAML file is valid by testing it with a YAML parser:",
            "Bash: Validate the YAML file syntax",
            "Bash: Validate YAML and show structure",
            "Let me try a different approach to verify the YAML:",
            "Bash: Detailed YAML validation with content verification",
            "Perfect! Let me also check the file contents and verify the current status:",
            "Bash: Check git status to see the new file",
            "View sample-data.yaml:1-15",
            "Excellent! Now let me report the completion of this task:",
            "Progress update: Add sample-data.yaml with random fields demonstrating various YAML data types",
            "Perfect! I have successfully completed the task. Let me also run a security check to ensure there a…",
            "CodeQL security check",
            "Great! The security check came back clean with no vulnerabilities detected.",
            "Pull request: Add sample YAML file with diverse random fields and data types",
        ]
    );
    assert_eq!(tools_without_output(&events), Vec::<&str>::new());
    assert!(events.iter().all(|e| e.kind != EventKind::Error));
    assert!(titles.last().unwrap().starts_with("Pull request: "));
    assert_follow_matches_parse(&body);
}

#[test]
fn real_log_3_deliberate_breakage_does_not_stop_parsing() {
    let body = real_sample("log-3-synthetic-failures-input.txt");
    let events = parse_log(&body);
    assert_well_formed(&events);
    assert_eq!(
        summary(&events),
        [
            // No id: shown at once, arguments raw, no output to pair.
            ("tool", "View"),
            // Call and output in one chunk.
            ("tool", "View README.md"),
            // The next line is not JSON (a bracket too many).
            ("error", "Unreadable log entry"),
            // The same id again after it was paired: a new call, its arguments cut short.
            ("tool", "View"),
            ("thinking", "Thought"),
            ("thinking", "Reasoning"),
            ("thinking", "Thought"),
            ("progress", "Progress update"),
            ("progress", "Progress update: Valid commit msg"),
            ("tool", "Create /abs/path/file.txt"),
            ("tool", "Create new.txt"),
            // Arguments cut short before the path's closing quote.
            ("tool", "Edit"),
            ("tool", "Edit file.diff"),
            ("tool", "Mystery tool"),
            // The final stop has empty content: no event.
        ]
    );
    assert_eq!(tools_without_output(&events), ["View"]);
    assert_eq!(
        events[0].tool.as_ref().unwrap().input,
        ToolInput::Raw("{bad json".to_owned())
    );
    assert!(events[2].body.contains("\"id\":\"v1b\""));
    assert_eq!(
        events[4].body,
        "Arguments (not valid JSON): {\"thought\":123\n\nTHINK"
    );
    assert_eq!(
        events[5].body,
        "Interim reasoning that should show as raw markdown."
    );
    assert_eq!(events[6].body, "A valid thought to render.");
    assert_follow_matches_parse(&body);
}

#[test]
fn own_fixture_a_complete_session() {
    let body = own_fixture("complete-session.txt");
    let events = parse_log(&body);
    assert_well_formed(&events);
    assert_eq!(
        summary(&events),
        [
            ("setup", "Set up: Start 'github-mcp-server' MCP server"),
            (
                "message",
                "I'll add a --version flag. Let me look around first."
            ),
            // Results arrive in the other order; events follow completion.
            ("tool", "Bash: Read the crate metadata"),
            ("tool", "View repository root"),
            ("thinking", "Reasoning"),
            ("thinking", "Thought"),
            ("message", "Now the edit:"),
            ("tool", "Edit src/cli.rs"),
            ("tool", "Create tests/version.rs"),
            ("progress", "Progress update: Add a --version flag"),
            ("message", "The flag is in place and tested."),
            ("message", "Pull request: Add a --version flag"),
        ]
    );
    assert_eq!(tools_without_output(&events), Vec::<&str>::new());
    assert!(events[2].body.starts_with("$ cd . && cargo metadata"));
    assert_eq!(events[9].body, "- [x] Add --version\n- [x] Test it");
    assert_eq!(events[11].body, "Adds `--version` via clap.");
    assert_eq!(events[0].at.unwrap().timestamp_millis(), 1760000000123);
    let mut follower = LogFollower::new();
    follower.update(&body);
    assert!(follower.is_done(), "the PR summary and [DONE] end the log");
    assert_follow_matches_parse(&body);
}

#[test]
fn own_fixture_a_failed_session_with_breakage_and_secrets() {
    let body = own_fixture("failed-session.txt");
    let events = parse_log(&body);
    assert_well_formed(&events);
    assert_eq!(
        summary(&events),
        [
            ("setup", "Set up: Start 'playwright' MCP server"),
            ("message", "Checking the environment."),
            ("error", "Unreadable log entry"),
            ("tool", "Bash: Show credentials in the environment"),
            ("error", "Unreadable log line"),
            (
                "tool",
                "Browser: navigate https://admin:[redacted: password]@staging.example.com/"
            ),
            ("tool", "GitHub: get file contents deploy/key.pem"),
            (
                "message",
                "Build is taking long; trying with Authorization: Bearer [redacted: bearer token] against the mirror."
            ),
            // Never answered: emitted without output when the log is finished.
            ("tool", "Bash: Build the Android app"),
        ]
    );
    assert_eq!(
        tools_without_output(&events),
        ["Bash: Build the Android app"]
    );
    assert_eq!(
        events[3].tool.as_ref().unwrap().output.as_deref(),
        Some(
            "GITHUB_TOKEN=[redacted: github token]\nAWS_ACCESS_KEY_ID=[redacted: aws access key]\nAWS_SECRET_ACCESS_KEY=[redacted: aws secret key]\n<exited with exit code 0>"
        )
    );
    assert_eq!(
        events[6].tool.as_ref().unwrap().output.as_deref(),
        Some("[redacted: private key]\n")
    );
    // The follower is not done until the caller says the task is terminal.
    let mut follower = LogFollower::new();
    follower.update(&body);
    assert!(!follower.is_done());
    assert_eq!(follower.pending_tools().len(), 1);
    assert_follow_matches_parse(&body);
    let all = format!("{events:?}");
    for secret in [
        "ghs_Fixture",
        "AKIAFIXTURE",
        "FixtureFakeSecretKey",
        "fixture-pass",
        "b3BlbnNzaC1rZXkt",
        "fixtureBearerToken",
    ] {
        assert!(!all.contains(secret), "{secret} leaked");
    }
}

/// The line kinds GitHub's own log viewer reads besides chunks: the user's prompt and a
/// follow-up (`role: user`, `created` as a string), `role: tool` results joined to their calls,
/// a subagent's run (`agentId`, bracketed and named by its setup steps), Windows runner paths,
/// `reasoning_opaque` (skipped), tools named in plain words, and credentials redacted.
#[test]
fn own_fixture_user_follow_ups_tool_results_a_subagent_and_windows_paths() {
    let body = own_fixture("subagent-followup-windows.txt");
    let events = parse_log(&body);
    assert_well_formed(&events);
    assert_eq!(
        summary(&events),
        [
            (
                "message",
                "Prompt: Find the TODO comments in src and list them in TODO.md"
            ),
            ("setup", "Set up: Start 'github-mcp-server' MCP server"),
            ("message", "I'll look at the sources first."),
            // Its result came on a `role: tool` line of its own.
            ("tool", "PowerShell: List the sources"),
            ("tool", "Search: TODO in src"),
            ("setup", "▶️ Begin subagent: reviewer"),
            (
                "message",
                "Subagent prompt: Review src/parser.rs for edge cases"
            ),
            ("message", "Reading the parser now."),
            (
                "tool",
                "Fetch https://doc.rust-lang.org/std/primitive.str.html"
            ),
            ("tool", "Apply patch to src/parser.rs"),
            ("setup", "⏹️ End subagent"),
            // The main agent's `task` call, answered once the subagent ended.
            ("tool", "Subagent: Review the parser"),
            (
                "message",
                "Follow-up: Please also handle FIXME comments. My deploy key is [redacted: github token], use it to …"
            ),
            ("thinking", "Reasoning"),
            ("tool", "Create TODO.md"),
            ("progress", "Progress update: List TODO and FIXME comments"),
            (
                "message",
                "I listed the TODO and FIXME comments in TODO.md."
            ),
            ("message", "Pull request: List TODO and FIXME comments"),
        ]
    );
    assert_eq!(tools_without_output(&events), Vec::<&str>::new());
    assert!(events.iter().all(|e| e.kind != EventKind::Error));

    // The user's own words are marked: the first is the prompt, the later one a follow-up; the
    // main agent's instructions to its subagent are not the user's.
    let users: Vec<(u64, Option<UserMessage>)> = events.iter().map(|e| (e.seq, e.user)).collect();
    assert_eq!(users[0], (1, Some(UserMessage::Prompt)));
    assert_eq!(users[12], (13, Some(UserMessage::FollowUp)));
    assert_eq!(
        users.iter().filter(|(_, user)| user.is_some()).count(),
        2,
        "{users:?}"
    );
    // `created` given as a string, in seconds and in milliseconds.
    assert_eq!(events[0].at.unwrap().timestamp(), 1764495000);
    assert_eq!(events[13].at.unwrap().timestamp(), 1764495101);

    // The subagent's run: every event from its opening step to its closing one, named.
    let agents: Vec<Option<(&str, Option<&str>)>> = events
        .iter()
        .map(|e| e.agent.as_ref().map(|a| (a.id.as_str(), a.name.as_deref())))
        .collect();
    let reviewer = Some(("agent-7", Some("reviewer")));
    assert_eq!(&agents[5..=10], &[reviewer; 6]);
    assert!(agents[..5].iter().all(Option::is_none), "{agents:?}");
    assert!(agents[11..].iter().all(Option::is_none), "{agents:?}");

    // `role: tool` results joined their calls: the call's input, the line's content.
    let powershell = events[3].tool.as_ref().unwrap();
    assert_eq!(powershell.name, "powershell");
    assert_eq!(powershell.id.as_deref(), Some("ps-1"));
    assert_eq!(
        powershell.output.as_deref(),
        Some("Directory: D:\\a\\widgets\\widgets\\src\n\nlib.rs\nparser.rs")
    );
    assert_eq!(events[3].at.unwrap().timestamp(), 1764495022);

    // Runner paths (Windows and, in a diff, Linux) are gone from bodies; tool data keeps them.
    assert_eq!(
        events[3].body,
        "$ Get-ChildItem src -Recurse\nDirectory: src\n\nlib.rs\nparser.rs"
    );
    assert_eq!(events[4].body, "src/parser.rs:12: // TODO: handle tabs");
    assert_eq!(
        events[9].body,
        "Done!\ndiff --git a/src/parser.rs b/src/parser.rs\n--- a/src/parser.rs\n+++ b/src/parser.rs"
    );
    assert_eq!(events[14].body, "Created file TODO.md");
    assert_eq!(
        events[15].body,
        "- [x] Find TODO and FIXME in src\n- [x] Write TODO.md"
    );
    assert!(events.iter().all(|e| !e.body.contains("D:\\a\\")
        && !e.body.contains("/home/runner/")
        && !e.title.contains("D:\\a\\")));

    // `reasoning_opaque` is never shown; the readable reasoning is.
    assert_eq!(events[13].body, "FIXME too; never use a pasted token.");
    let all = format!("{events:?}");
    assert!(!all.contains("opaque"), "{all}");

    // Credentials are gone from every field, the user's follow-up and a push URL included.
    for secret in ["ghp_0123456789", "zzUrlSecret"] {
        assert!(!all.contains(secret), "{secret} leaked");
    }
    assert!(events[12].body.contains("[redacted: github token]"));
    assert!(
        events[15]
            .tool
            .as_ref()
            .unwrap()
            .output
            .as_deref()
            .unwrap()
            .contains("[redacted: password]")
    );

    let mut follower = LogFollower::new();
    follower.update(&body);
    assert!(follower.is_done(), "the PR summary and [DONE] end the log");
    assert_follow_matches_parse(&body);
}
