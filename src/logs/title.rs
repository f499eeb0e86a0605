//! Plain-words titles for tool calls ("Bash: list sources", "Edit src/x.rs", "Search: TODO in
//! src") and the display of runner paths without their checkout prefix: Linux runners check out
//! into `/home/runner/work/<repo>/<repo>/`, Windows runners into `D:\a\<repo>\<repo>\`.

use std::borrow::Cow;

use serde_json::Value;

/// Where the runner checks repositories out.
const RUNNER_WORK: &str = "/home/runner/work/";

/// The longest title we produce; longer ones end in `…`.
const MAX_TITLE_CHARS: usize = 100;

/// A tool's arguments as far as they could be read: the JSON object, or the raw text when it is
/// not valid JSON (from which single string fields are still fished out, so a truncated
/// `{"path":"/x"` still titles as "View /x").
pub(crate) enum Args<'a> {
    Json(&'a Value),
    Raw(&'a str),
}

impl Args<'_> {
    /// A string field, or a number rendered as text.
    pub(crate) fn text(&self, key: &str) -> Option<String> {
        match self {
            Args::Json(value) => match value.get(key)? {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            },
            Args::Raw(raw) => lenient_string_field(raw, key),
        }
    }

    fn non_empty(&self, key: &str) -> Option<String> {
        self.text(key).filter(|s| !s.trim().is_empty())
    }
}

/// `"key": "value"` found in text that is not valid JSON; the value must be a complete string.
fn lenient_string_field(raw: &str, key: &str) -> Option<String> {
    let needle = format!("\"{key}\"");
    let start = raw.find(&needle)? + needle.len();
    let rest = raw[start..].trim_start().strip_prefix(':')?.trim_start();
    let body = rest.strip_prefix('"')?;
    let mut escaped = false;
    for (index, c) in body.char_indices() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => {
                let quoted = &rest[..index + 2];
                return serde_json::from_str::<String>(quoted).ok();
            }
            _ => {}
        }
    }
    None
}

/// The title of a tool call of `name` with `args`. The kind of event is chosen elsewhere; this
/// only words it.
pub(crate) fn tool_title(name: &str, args: &Args<'_>) -> String {
    let path = || args.non_empty("path").map(|p| display_path(&p));
    let title = match name {
        "bash" => shell_title("Bash", args),
        "view" => match path() {
            Some(p) if p == "." => "View repository root".to_owned(),
            Some(p) => match view_range(args) {
                Some((from, to)) => format!("View {p}:{from}-{to}"),
                None => format!("View {p}"),
            },
            None => "View".to_owned(),
        },
        "create" => with_path("Create", path()),
        "str_replace" | "insert" | "edit" => with_path("Edit", path()),
        "str_replace_editor" | "str_replace_based_edit_tool" => {
            let verb = match args.text("command").as_deref() {
                Some("view") => "View",
                Some("create") => "Create",
                _ => "Edit",
            };
            with_path(verb, path())
        }
        "think" => "Thought".to_owned(),
        "report_progress" => match args.non_empty("commitMessage") {
            Some(message) => format!("Progress update: {}", first_line(&message)),
            None => "Progress update".to_owned(),
        },
        "run_setup" | "run_custom_setup_step" => match args.non_empty("name") {
            // The subagent brackets ("▶️ Begin subagent: …", "⏹️ End subagent") read as they are.
            Some(step) if subagent_marker(&step).is_some() || is_subagent_end(&step) => step,
            Some(step) => format!("Set up: {step}"),
            None => "Set up".to_owned(),
        },
        "codeql_checker" => "CodeQL security check".to_owned(),
        "powershell" => shell_title("PowerShell", args),
        "list_bash" => "List bash sessions".to_owned(),
        "list_powershell" => "List PowerShell sessions".to_owned(),
        "grep" | "rg" => search_title("Search", args),
        "glob" => search_title("Find files", args),
        "web_search" => with_detail("Web search", args.non_empty("query")),
        "web_fetch" => match args.non_empty("url") {
            Some(url) => format!("Fetch {}", first_line(&url)),
            None => "Fetch".to_owned(),
        },
        "apply_patch" => patch_title(args),
        "skill" => with_detail("Skill", first_of(args, &["skill", "name", "skill_name"])),
        "task" => with_detail(
            "Subagent",
            first_of(args, &["description", "name", "agent_type", "prompt"]),
        ),
        "commit_changes" => with_detail(
            "Commit",
            first_of(args, &["commitMessage", "message", "commit_message"]),
        ),
        "create_pull_request" => with_detail("Create pull request", args.non_empty("title")),
        "code_review" => "Code review".to_owned(),
        "parallel_validation" => "Parallel validation".to_owned(),
        "store_memory" => with_detail("Remember", first_of(args, &["subject", "fact", "memory"])),
        "reply_to_comment" => with_detail("Reply to comment", first_of(args, &["reply", "body"])),
        other => match (
            other.strip_suffix("_bash"),
            other.strip_suffix("_powershell"),
        ) {
            (Some(verb), _) => session_tool_title(verb, "bash", args),
            (None, Some(verb)) => session_tool_title(verb, "PowerShell", args),
            (None, None) => unknown_tool_title(other, args),
        },
    };
    shorten(&title)
}

/// "Bash: Run the tests" from the description, else the command with runner paths stripped.
fn shell_title(shell: &str, args: &Args<'_>) -> String {
    match (args.non_empty("description"), args.non_empty("command")) {
        (Some(description), _) => format!("{shell}: {description}"),
        (None, Some(command)) => format!("{shell}: {}", strip_runner_paths(first_line(&command))),
        (None, None) => shell.to_owned(),
    }
}

/// "Search: TODO in src" for `grep`/`rg`, "Find files: *.rs in src" for `glob`.
fn search_title(verb: &str, args: &Args<'_>) -> String {
    let pattern = first_of(args, &["pattern", "query", "regex", "glob"]);
    let place = args
        .non_empty("path")
        .map(|p| display_path(&p))
        .filter(|p| p != ".");
    match (pattern, place) {
        (Some(pattern), Some(place)) => format!("{verb}: {pattern} in {place}"),
        (Some(pattern), None) => format!("{verb}: {pattern}"),
        (None, Some(place)) => format!("{verb} in {place}"),
        (None, None) => verb.to_owned(),
    }
}

/// "Apply patch to src/x.rs" (and "… and 2 more files"): the files named by the patch's
/// `*** Update File:` / `*** Add File:` / `*** Delete File:` lines or its `+++ b/` headers.
fn patch_title(args: &Args<'_>) -> String {
    let text = match args {
        Args::Raw(raw) => Some((*raw).to_owned()),
        Args::Json(Value::String(s)) => Some(s.clone()),
        Args::Json(_) => first_of(args, &["input", "patch", "diff"]),
    };
    let mut files: Vec<String> = Vec::new();
    for line in text.as_deref().unwrap_or("").lines() {
        let line = line.trim();
        let named = ["*** Update File:", "*** Add File:", "*** Delete File:"]
            .iter()
            .find_map(|marker| line.strip_prefix(marker))
            .or_else(|| {
                line.strip_prefix("+++ b/")
                    .map(|p| p.strip_prefix('/').unwrap_or(p))
            })
            .or_else(|| line.strip_prefix("+++ "));
        if let Some(path) = named
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "/dev/null")
        {
            let shown = display_path(path);
            if !files.contains(&shown) {
                files.push(shown);
            }
        }
    }
    match files.as_slice() {
        [] => match args.non_empty("path") {
            Some(path) => format!("Apply patch to {}", display_path(&path)),
            None => "Apply patch".to_owned(),
        },
        [one] => format!("Apply patch to {one}"),
        [one, rest @ ..] => format!(
            "Apply patch to {one} and {} more file{}",
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        ),
    }
}

/// The first non-empty of several string fields (tools name the same thing differently).
fn first_of(args: &Args<'_>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| args.non_empty(key))
}

/// "Verb: detail" (the detail's first line), or the verb alone.
fn with_detail(verb: &str, detail: Option<String>) -> String {
    match detail {
        Some(detail) => format!("{verb}: {}", strip_runner_paths(first_line(&detail))),
        None => verb.to_owned(),
    }
}

/// For a setup step named "▶️ Begin subagent: reviewer", `Some("reviewer")` (`Some("")` when
/// unnamed); `None` for any other step.
pub(crate) fn subagent_marker(step: &str) -> Option<&str> {
    let rest = step
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .strip_prefix("Begin subagent")?;
    Some(rest.trim_start_matches([':', ' ', '…', '.']).trim())
}

/// Whether a setup step closes a subagent's run ("⏹️ End subagent …").
pub(crate) fn is_subagent_end(step: &str) -> bool {
    step.trim_start().starts_with('⏹')
        || step
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .starts_with("End subagent")
}

fn with_path(verb: &str, path: Option<String>) -> String {
    match path {
        Some(p) => format!("{verb} {p}"),
        None => verb.to_owned(),
    }
}

fn view_range(args: &Args<'_>) -> Option<(i64, i64)> {
    let Args::Json(value) = args else { return None };
    match value.get("view_range")?.as_array()?.as_slice() {
        [from, to] => Some((from.as_i64()?, to.as_i64()?)),
        _ => None,
    }
}

/// `read_bash`, `write_bash`, `stop_bash`, `read_powershell`, … act on a named shell session.
fn session_tool_title(verb: &str, shell: &str, args: &Args<'_>) -> String {
    let action = match verb {
        "read" => "Read output of",
        "write" => "Write to",
        "stop" => "Stop",
        "async" => "Start",
        other => return format!("{shell} {}", humanize(other)),
    };
    match args.non_empty("sessionId") {
        Some(session) => format!("{action} {shell} session {session}"),
        None => format!("{action} {shell} session"),
    }
}

/// MCP tools are named `<server>-<tool>`: `playwright-browser_navigate` reads "Browser: navigate
/// http://…", `github-mcp-server-get_file_contents` reads "GitHub: get file contents …".
fn unknown_tool_title(name: &str, args: &Args<'_>) -> String {
    let (namespace, action) = if let Some(action) = name
        .strip_prefix("playwright-browser_")
        .or_else(|| name.strip_prefix("Playwright-browser_"))
    {
        (Some("Browser"), action)
    } else if let Some(action) = name.strip_prefix("github-mcp-server-") {
        (Some("GitHub"), action)
    } else {
        (None, name)
    };
    let mut title = match namespace {
        Some(namespace) => format!("{namespace}: {}", humanize(action)),
        None => capitalize(&humanize(action)),
    };
    if let Some(detail) = salient_argument(args) {
        title.push(' ');
        title.push_str(&detail);
    }
    title
}

/// The one argument that says what an unknown tool acted on, if any.
fn salient_argument(args: &Args<'_>) -> Option<String> {
    for key in ["url", "path", "query", "element", "text"] {
        if let Some(value) = args.non_empty(key) {
            return Some(if key == "path" {
                display_path(&value)
            } else {
                first_line(&value).to_owned()
            });
        }
    }
    match (args.non_empty("owner"), args.non_empty("repo")) {
        (Some(owner), Some(repo)) => Some(format!("{owner}/{repo}")),
        _ => None,
    }
}

/// `get_file_contents` → "get file contents"; `browserTakeScreenshot` stays one word.
fn humanize(name: &str) -> String {
    name.split(['_', '-'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Tool".to_owned(),
    }
}

/// A message's title: its first non-empty line, shortened.
pub(crate) fn message_title(text: &str) -> String {
    shorten(first_line(text))
}

fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("")
}

/// One line of at most [`MAX_TITLE_CHARS`] characters.
pub(crate) fn shorten(text: &str) -> String {
    let line = first_line(text);
    if line.chars().count() <= MAX_TITLE_CHARS {
        return line.to_owned();
    }
    let mut out: String = line.chars().take(MAX_TITLE_CHARS - 1).collect();
    out.push('…');
    out
}

/// A runner path as the user thinks of it: relative to the repository root, `.` for the root,
/// with `/` between its parts whatever the runner. Other paths are left alone.
pub(crate) fn display_path(path: &str) -> String {
    let (rest, separator) = if let Some(rest) = path.strip_prefix(RUNNER_WORK) {
        (rest, '/')
    } else if let Some(rest) = windows_work_rest(path) {
        // `D:\a\…`, or `D:/a/…` as some tools write it.
        (
            rest,
            if path.as_bytes()[2] == b'/' {
                '/'
            } else {
                '\\'
            },
        )
    } else {
        return path.to_owned();
    };
    let relative = strip_checkout(rest, separator);
    if relative.is_empty() {
        ".".to_owned()
    } else if separator == '/' {
        relative.to_owned()
    } else {
        relative.replace('\\', "/")
    }
}

/// What follows `D:\a\` (any drive letter; `/` accepted as the separator too) in a Windows
/// runner path.
fn windows_work_rest(path: &str) -> Option<&str> {
    let bytes = path.as_bytes();
    let is_work = bytes.len() > 5
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && matches!(bytes[2], b'\\' | b'/')
        && bytes[3] == b'a'
        && bytes[4] == bytes[2];
    is_work.then(|| &path[5..])
}

/// Given what follows the runner's work directory, what follows the checkout directory. The
/// checkout is `<repo>/<repo>`; an `<repo>/<owner>/<repo>` layout (seen in the synthetic sample)
/// is accepted too, and anything else is taken as two levels.
fn strip_checkout(rest: &str, separator: char) -> &str {
    let mut segments = rest.splitn(4, separator);
    let first = segments.next().unwrap_or("");
    let second = segments.next();
    let third = segments.next();
    let after = |depth: usize| -> &str {
        let mut cut = 0;
        for (index, segment) in rest.split(separator).enumerate() {
            if index == depth {
                return &rest[cut..];
            }
            cut += segment.len() + 1;
        }
        ""
    };
    match (second, third) {
        (Some(s), _) if s == first => after(2),
        (Some(_), Some(t)) if t == first => after(3),
        (Some(_), _) => after(2),
        (None, _) => "",
    }
}

/// Where the next runner path in `text` starts, if any: `/home/runner/work/…` (also inside a
/// diff header's `a/home/runner/work/…`) or `X:\a\…`.
fn next_runner_path(text: &str) -> Option<usize> {
    let linux = text.find(RUNNER_WORK);
    let windows = text
        .match_indices(":\\a\\")
        .chain(text.match_indices(":/a/"))
        .map(|(at, _)| at)
        .filter(|&at| {
            at >= 1
                && text.as_bytes()[at - 1].is_ascii_alphabetic()
                && (at == 1 || !text.as_bytes()[at - 2].is_ascii_alphanumeric())
        })
        .map(|at| at - 1)
        .min();
    match (linux, windows) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Every runner path inside free text (a command, a message, a diff) shown relative to the
/// repository. A diff header's `a/home/runner/work/r/r/x` becomes `a/x`.
pub(crate) fn strip_runner_paths(text: &str) -> Cow<'_, str> {
    let Some(first) = next_runner_path(text) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut at = Some(first);
    while let Some(start) = at {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '"' | '\'' | ';' | '&' | '|' | ')' | ',' | '`')
            })
            .unwrap_or(tail.len());
        let shown = display_path(&tail[..end]);
        // In a diff header (`a/home/…`), the side letter keeps its slash.
        if out.ends_with(['a', 'b'])
            && tail.starts_with('/')
            && out[..out.len() - 1]
                .chars()
                .next_back()
                .is_none_or(char::is_whitespace)
        {
            out.push('/');
        }
        out.push_str(&shown);
        rest = &tail[end..];
        at = next_runner_path(rest);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn title(name: &str, args: Value) -> String {
        tool_title(name, &Args::Json(&args))
    }

    #[test]
    fn known_tools_read_in_plain_words() {
        assert_eq!(
            title(
                "bash",
                json!({"command": "ls", "description": "Check current directory"})
            ),
            "Bash: Check current directory"
        );
        assert_eq!(
            title(
                "bash",
                json!({"command": "cd /home/runner/work/foo/foo && ls"})
            ),
            "Bash: cd . && ls"
        );
        assert_eq!(
            title(
                "view",
                json!({"path": "/home/runner/work/foo/foo/src/main.rs"})
            ),
            "View src/main.rs"
        );
        assert_eq!(
            title("view", json!({"path": "/home/runner/work/foo/foo"})),
            "View repository root"
        );
        assert_eq!(
            title(
                "view",
                json!({"path": "/home/runner/work/foo/foo/a.rs", "view_range": [1, 40]})
            ),
            "View a.rs:1-40"
        );
        assert_eq!(
            title(
                "str_replace",
                json!({"path": "/home/runner/work/foo/foo/src/lib.rs"})
            ),
            "Edit src/lib.rs"
        );
        assert_eq!(
            title(
                "create",
                json!({"path": "/home/runner/work/foo/foo/tests/os_info.sh"})
            ),
            "Create tests/os_info.sh"
        );
        assert_eq!(title("think", json!({"thought": "x"})), "Thought");
        assert_eq!(
            title(
                "report_progress",
                json!({"commitMessage": "Add script\n\nbody"})
            ),
            "Progress update: Add script"
        );
        assert_eq!(
            title(
                "run_setup",
                json!({"name": "Start 'playwright' MCP server"})
            ),
            "Set up: Start 'playwright' MCP server"
        );
        assert_eq!(title("codeql_checker", json!({})), "CodeQL security check");
        assert_eq!(
            title("read_bash", json!({"sessionId": "main", "delay": 5})),
            "Read output of bash session main"
        );
    }

    #[test]
    fn the_newer_tools_read_in_plain_words() {
        let cases = [
            (
                "grep",
                json!({"pattern": "TODO", "path": "/home/runner/work/w/w/src"}),
                "Search: TODO in src",
            ),
            ("rg", json!({"pattern": "fn main"}), "Search: fn main"),
            (
                "glob",
                json!({"pattern": "**/*.rs", "path": "D:\\a\\w\\w\\src"}),
                "Find files: **/*.rs in src",
            ),
            (
                "web_fetch",
                json!({"url": "https://docs.rs/serde"}),
                "Fetch https://docs.rs/serde",
            ),
            (
                "web_search",
                json!({"query": "tokio select"}),
                "Web search: tokio select",
            ),
            (
                "task",
                json!({"description": "Review the parser", "prompt": "long"}),
                "Subagent: Review the parser",
            ),
            (
                "task",
                json!({"agent_type": "reviewer"}),
                "Subagent: reviewer",
            ),
            (
                "apply_patch",
                json!({"input": "*** Begin Patch\n*** Update File: /home/runner/work/w/w/src/x.rs\n@@\n-a\n+b\n*** End Patch"}),
                "Apply patch to src/x.rs",
            ),
            (
                "apply_patch",
                json!({"patch": "--- a/src/a.rs\n+++ b/src/a.rs\n--- a/b.rs\n+++ b/b.rs\n+++ b/c.rs"}),
                "Apply patch to src/a.rs and 2 more files",
            ),
            ("apply_patch", json!({}), "Apply patch"),
            (
                "powershell",
                json!({"command": "Get-ChildItem D:\\a\\w\\w\\src"}),
                "PowerShell: Get-ChildItem src",
            ),
            (
                "powershell",
                json!({"command": "dir", "description": "List files"}),
                "PowerShell: List files",
            ),
            (
                "read_powershell",
                json!({"sessionId": "2"}),
                "Read output of PowerShell session 2",
            ),
            ("list_bash", json!({}), "List bash sessions"),
            ("list_powershell", json!({}), "List PowerShell sessions"),
            (
                "edit",
                json!({"path": "/home/runner/work/w/w/a.rs"}),
                "Edit a.rs",
            ),
            (
                "str_replace_editor",
                json!({"command": "view", "path": "/home/runner/work/w/w/a.rs"}),
                "View a.rs",
            ),
            ("skill", json!({"skill": "pdf"}), "Skill: pdf"),
            (
                "commit_changes",
                json!({"message": "Fix it\n\nbody"}),
                "Commit: Fix it",
            ),
            (
                "create_pull_request",
                json!({"title": "Add X"}),
                "Create pull request: Add X",
            ),
            ("code_review", json!({}), "Code review"),
            ("parallel_validation", json!({}), "Parallel validation"),
            (
                "store_memory",
                json!({"subject": "build", "fact": "use make"}),
                "Remember: build",
            ),
            (
                "reply_to_comment",
                json!({"reply": "Done.", "comment_id": 5}),
                "Reply to comment: Done.",
            ),
            (
                "Playwright-browser_click",
                json!({"element": "Sign in"}),
                "Browser: click Sign in",
            ),
            (
                "run_custom_setup_step",
                json!({"name": "Install deps"}),
                "Set up: Install deps",
            ),
            (
                "run_setup",
                json!({"name": "▶️ Begin subagent: reviewer"}),
                "▶️ Begin subagent: reviewer",
            ),
            (
                "run_custom_setup_step",
                json!({"name": "⏹️ End subagent"}),
                "⏹️ End subagent",
            ),
        ];
        for (name, args, expected) in cases {
            assert_eq!(title(name, args), expected, "{name}");
        }
        assert_eq!(
            subagent_marker("▶️ Begin subagent: reviewer"),
            Some("reviewer")
        );
        assert_eq!(subagent_marker("▶️ Begin subagent…"), Some(""));
        assert_eq!(subagent_marker("Start 'playwright' MCP server"), None);
    }

    #[test]
    fn unknown_tools_get_a_readable_fallback() {
        assert_eq!(
            title(
                "playwright-browser_navigate",
                json!({"url": "http://localhost:3000/login"})
            ),
            "Browser: navigate http://localhost:3000/login"
        );
        assert_eq!(
            title("playwright-browser_take_screenshot", json!({})),
            "Browser: take screenshot"
        );
        assert_eq!(
            title(
                "github-mcp-server-get_file_contents",
                json!({"owner": "octo", "repo": "web", "path": "README.md"})
            ),
            "GitHub: get file contents README.md"
        );
        assert_eq!(
            title(
                "github-mcp-server-list_commits",
                json!({"owner": "octo", "repo": "web"})
            ),
            "GitHub: list commits octo/web"
        );
        assert_eq!(title("mystery_tool", json!({"bar": 2})), "Mystery tool");
        assert_eq!(title("", json!({})), "Tool");
    }

    #[test]
    fn malformed_arguments_still_give_what_can_be_read() {
        let raw = r#"{"path":"/abs/path/file.txt""#;
        assert_eq!(
            tool_title("create", &Args::Raw(raw)),
            "Create /abs/path/file.txt"
        );
        let cut = r#"{"path":"/home/runner/work/repo/owner/repo/README.md"#;
        assert_eq!(tool_title("view", &Args::Raw(cut)), "View");
        assert_eq!(
            tool_title("report_progress", &Args::Raw(r#"{"commitMessage": 5"#)),
            "Progress update"
        );
        assert_eq!(
            lenient_string_field(r#"{"a": "x\"y" , "#, "a").as_deref(),
            Some("x\"y")
        );
    }

    #[test]
    fn runner_prefixes_are_stripped_for_display() {
        assert_eq!(
            display_path("/home/runner/work/foo/foo/src/x.rs"),
            "src/x.rs"
        );
        assert_eq!(
            display_path("/home/runner/work/repo/owner/repo/README.md"),
            "README.md"
        );
        assert_eq!(display_path("/home/runner/work/a/b/c.txt"), "c.txt");
        assert_eq!(display_path("/home/runner/work/foo/foo/"), ".");
        assert_eq!(display_path("/etc/hosts"), "/etc/hosts");
        assert_eq!(
            strip_runner_paths(
                "cd /home/runner/work/foo/foo/sub && cat /home/runner/work/foo/foo/x"
            ),
            "cd sub && cat x"
        );
    }

    #[test]
    fn windows_runner_paths_and_diff_headers_are_stripped() {
        assert_eq!(
            display_path("D:\\a\\widgets\\widgets\\src\\x.rs"),
            "src/x.rs"
        );
        assert_eq!(display_path("C:/a/widgets/widgets/src/x.rs"), "src/x.rs");
        assert_eq!(display_path("D:\\a\\widgets\\widgets"), ".");
        assert_eq!(display_path("D:\\data\\x"), "D:\\data\\x");
        assert_eq!(
            strip_runner_paths("cd D:\\a\\w\\w\\src; type D:\\a\\w\\w\\README.md"),
            "cd src; type README.md"
        );
        // A drive letter inside a word is not a runner path.
        assert_eq!(strip_runner_paths("xD:\\a\\w\\w\\y"), "xD:\\a\\w\\w\\y");
        assert_eq!(
            strip_runner_paths(
                "diff --git a/home/runner/work/w/w/src/x.rs b/home/runner/work/w/w/src/x.rs\n--- a/home/runner/work/w/w/src/x.rs\n+++ b/home/runner/work/w/w/src/x.rs"
            ),
            "diff --git a/src/x.rs b/src/x.rs\n--- a/src/x.rs\n+++ b/src/x.rs"
        );
        assert_eq!(
            strip_runner_paths("both /home/runner/work/w/w/a and E:\\a\\w\\w\\b, done"),
            "both a and b, done"
        );
        assert_eq!(strip_runner_paths("nothing here"), "nothing here");
    }

    #[test]
    fn long_titles_are_one_shortened_line() {
        let long = "x".repeat(300);
        let out = shorten(&long);
        assert_eq!(out.chars().count(), MAX_TITLE_CHARS);
        assert!(out.ends_with('…'));
        assert_eq!(message_title("\n\n  Hello there\nmore"), "Hello there");
    }
}
