//! Plain-words titles for tool calls ("Bash: list sources", "Edit src/x.rs", "View src") and the
//! display of runner paths without their `/home/runner/work/<repo>/<repo>/` prefix.

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
        "bash" => match (args.non_empty("description"), args.non_empty("command")) {
            (Some(description), _) => format!("Bash: {description}"),
            (None, Some(command)) => format!("Bash: {}", strip_runner_paths(&command)),
            (None, None) => "Bash".to_owned(),
        },
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
        "run_setup" => match args.non_empty("name") {
            Some(step) => format!("Set up: {step}"),
            None => "Set up".to_owned(),
        },
        "codeql_checker" => "CodeQL security check".to_owned(),
        other => match other.strip_suffix("_bash") {
            Some(verb) => session_tool_title(verb, args),
            None => unknown_tool_title(other, args),
        },
    };
    shorten(&title)
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

/// `read_bash`, `write_bash`, `stop_bash`, … act on a named bash session.
fn session_tool_title(verb: &str, args: &Args<'_>) -> String {
    let action = match verb {
        "read" => "Read output of",
        "write" => "Write to",
        "stop" => "Stop",
        "async" => "Start",
        other => return format!("Bash {}", humanize(other)),
    };
    match args.non_empty("sessionId") {
        Some(session) => format!("{action} bash session {session}"),
        None => format!("{action} bash session"),
    }
}

/// MCP tools are named `<server>-<tool>`: `playwright-browser_navigate` reads "Browser: navigate
/// http://…", `github-mcp-server-get_file_contents` reads "GitHub: get file contents …".
fn unknown_tool_title(name: &str, args: &Args<'_>) -> String {
    let (namespace, action) = if let Some(action) = name.strip_prefix("playwright-browser_") {
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

/// A runner path as the user thinks of it: relative to the repository root, `.` for the root.
/// Other paths are left alone.
pub(crate) fn display_path(path: &str) -> String {
    match path.strip_prefix(RUNNER_WORK) {
        Some(rest) => {
            let relative = strip_checkout(rest);
            if relative.is_empty() {
                ".".to_owned()
            } else {
                relative.to_owned()
            }
        }
        None => path.to_owned(),
    }
}

/// Given what follows `/home/runner/work/`, what follows the checkout directory. The checkout is
/// `<repo>/<repo>`; an `<repo>/<owner>/<repo>` layout (seen in the synthetic sample) is accepted
/// too, and anything else is taken as two levels.
fn strip_checkout(rest: &str) -> &str {
    let mut segments = rest.splitn(4, '/');
    let first = segments.next().unwrap_or("");
    let second = segments.next();
    let third = segments.next();
    let after = |depth: usize| -> &str {
        let mut cut = 0;
        for (index, segment) in rest.split('/').enumerate() {
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

/// Every runner path inside free text (a shell command) shown relative to the repository.
pub(crate) fn strip_runner_paths(text: &str) -> Cow<'_, str> {
    if !text.contains(RUNNER_WORK) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(RUNNER_WORK) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ';' | '&' | '|' | ')'))
            .unwrap_or(tail.len());
        out.push_str(&display_path(&tail[..end]));
        rest = &tail[end..];
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
    fn long_titles_are_one_shortened_line() {
        let long = "x".repeat(300);
        let out = shorten(&long);
        assert_eq!(out.chars().count(), MAX_TITLE_CHARS);
        assert!(out.ends_with('…'));
        assert_eq!(message_title("\n\n  Hello there\nmore"), "Hello there");
    }
}
