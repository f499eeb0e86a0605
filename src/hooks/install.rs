//! `agentbar hooks install|uninstall|status`: adds agentbar's hook to each coding agent's own
//! settings, and takes exactly that away again. The user's file is theirs: other hooks and
//! keys stay, in their order and indentation; a file that does not parse is refused untouched;
//! the first change backs the file up; every write is atomic and keeps the file's mode, and a
//! symlinked file is written through to its target.

use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use super::doc::{Json, indent_of};
use super::event::HookTool;

/// Where the tools keep their settings: their own overrides, else the user's home.
#[derive(Clone, Debug)]
pub struct Homes {
    pub home: PathBuf,
    pub claude_config_dir: Option<PathBuf>,
    pub codex_home: Option<PathBuf>,
    pub copilot_home: Option<PathBuf>,
    pub gemini_cli_home: Option<PathBuf>,
}

impl Homes {
    /// From `HOME` (the platform's home directory) and the tools' variables.
    pub fn from_env() -> Option<Homes> {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Some(Homes {
            home: directories::BaseDirs::new()?.home_dir().to_owned(),
            claude_config_dir: var("CLAUDE_CONFIG_DIR"),
            codex_home: var("CODEX_HOME"),
            copilot_home: var("COPILOT_HOME"),
            gemini_cli_home: var("GEMINI_CLI_HOME"),
        })
    }

    /// Everything under `home`, no overrides (tests).
    pub fn under(home: &Path) -> Homes {
        Homes {
            home: home.to_owned(),
            claude_config_dir: None,
            codex_home: None,
            copilot_home: None,
            gemini_cli_home: None,
        }
    }

    /// The tool's own directory; it exists when the tool is installed.
    pub fn root(&self, tool: HookTool) -> PathBuf {
        match tool {
            HookTool::Claude => self
                .claude_config_dir
                .clone()
                .unwrap_or_else(|| self.home.join(".claude")),
            HookTool::Codex => self
                .codex_home
                .clone()
                .unwrap_or_else(|| self.home.join(".codex")),
            HookTool::Copilot => self
                .copilot_home
                .clone()
                .unwrap_or_else(|| self.home.join(".copilot")),
            HookTool::Gemini => self
                .gemini_cli_home
                .as_deref()
                .unwrap_or(&self.home)
                .join(".gemini"),
        }
    }

    /// The file agentbar's hooks go in.
    pub fn settings_file(&self, tool: HookTool) -> PathBuf {
        let root = self.root(tool);
        match tool {
            HookTool::Claude | HookTool::Gemini => root.join("settings.json"),
            HookTool::Codex => root.join("hooks.json"),
            // A file of agentbar's own, so the user's JSONC settings are never rewritten.
            HookTool::Copilot => root.join("hooks").join("agentbar.json"),
        }
    }

    pub fn tool_found(&self, tool: HookTool) -> bool {
        self.root(tool).is_dir()
    }
}

/// The events agentbar follows, in each tool's spelling.
pub fn events(tool: HookTool) -> &'static [&'static str] {
    match tool {
        HookTool::Claude => &[
            "SessionStart",
            "UserPromptSubmit",
            "PermissionRequest",
            "Notification",
            "Stop",
            "StopFailure",
            "SessionEnd",
        ],
        HookTool::Codex => &[
            "SessionStart",
            "UserPromptSubmit",
            "PermissionRequest",
            "Stop",
            "StopFailure",
        ],
        HookTool::Copilot => &[
            "sessionStart",
            "userPromptSubmitted",
            "notification",
            "agentStop",
            "errorOccurred",
            "sessionEnd",
        ],
        HookTool::Gemini => &[
            "SessionStart",
            "BeforeAgent",
            "AfterAgent",
            "Notification",
            "SessionEnd",
        ],
    }
}

/// How many seconds a tool gives the hook before killing it (the relay takes at most ~2.5 s).
const TIMEOUT_SECONDS: u64 = 5;

/// Our handler for one event, as the tool's format wants it.
fn handler(tool: HookTool, exe: &str, event: &str) -> Json {
    let command = format!("\"{exe}\" hook {tool}");
    let number = |n: u64| Json::Number(n.into());
    let fields: Vec<(&str, Json)> = match tool {
        // `async`: Claude does not wait for the relay at all.
        HookTool::Claude => vec![
            ("type", Json::str("command")),
            ("command", Json::String(command)),
            ("timeout", number(TIMEOUT_SECONDS)),
            ("async", Json::Bool(true)),
        ],
        // Codex splits the command on whitespace and takes no quotes: the path has no spaces
        // (checked by `install`).
        HookTool::Codex => vec![
            ("type", Json::str("command")),
            ("command", Json::String(format!("{exe} hook codex"))),
            ("timeout", number(TIMEOUT_SECONDS)),
        ],
        // camelCase payloads carry no event name: the command line gives it.
        HookTool::Copilot => vec![
            ("type", Json::str("command")),
            (
                "bash",
                Json::String(format!("'{exe}' hook copilot {event}")),
            ),
            (
                "powershell",
                Json::String(format!("& '{exe}' hook copilot {event}")),
            ),
            ("timeoutSec", number(TIMEOUT_SECONDS)),
        ],
        // Named, so `/hooks disable agentbar` works; Gemini's timeout is in milliseconds.
        HookTool::Gemini => vec![
            ("name", Json::str("agentbar")),
            ("type", Json::str("command")),
            ("command", Json::String(command)),
            ("timeout", number(TIMEOUT_SECONDS * 1000)),
        ],
    };
    Json::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// Copilot lists handlers under each event; the others list matcher groups of handlers.
fn grouped(tool: HookTool) -> bool {
    tool != HookTool::Copilot
}

/// What one entry of an event's list becomes when we add ours.
fn entry(tool: HookTool, exe: &str, event: &str) -> Json {
    let ours = handler(tool, exe, event);
    if grouped(tool) {
        Json::Object(vec![("hooks".to_owned(), Json::Array(vec![ours]))])
    } else {
        ours
    }
}

/// agentbar's own handlers, by their command: `agentbar hook …`, `"…/agentbar" hook …`, also
/// when the binary's name carries a suffix (`agentbar.exe`, `agentbar-2.1`).
static OURS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(^|[/\\"'\s])agentbar[\w.-]*["']?\s+hook\b"#).unwrap_or_else(|_| unreachable!())
});

fn is_our_handler(handler: &Json) -> bool {
    ["command", "bash", "powershell"]
        .iter()
        .filter_map(|k| handler.get(k).and_then(Json::as_str))
        .any(|command| OURS.is_match(command))
}

/// Why a settings file was not changed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{tool} is not installed here (no {})", .root.display())]
    NotFound { tool: &'static str, root: PathBuf },
    #[error(
        "cannot read {}: {source}; nothing was changed",
        .path.display()
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{} is not valid JSON ({source}){hint}; it was left untouched — fix it, or add agentbar's hooks by hand",
        .path.display()
    )]
    Unparsable {
        path: PathBuf,
        source: serde_json::Error,
        hint: &'static str,
    },
    #[error("{} has {what}, not what {tool} reads; it was left untouched", .path.display())]
    Shape {
        path: PathBuf,
        what: String,
        tool: &'static str,
    },
    #[error(
        "Codex splits hook commands on spaces, and agentbar's path has one ({0}); install agentbar (or a symlink to it) at a path without spaces and run this again"
    )]
    SpaceInPath(String),
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What `install` or `uninstall` did to one tool's file.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    /// The file already said what was asked.
    Unchanged,
    Written {
        backup: Option<PathBuf>,
    },
    /// Uninstall left nothing but an empty file of ours, so it is gone.
    Removed {
        backup: Option<PathBuf>,
    },
}

/// The parsed settings file: the document, its indentation and whether it ended in a newline.
struct Settings {
    path: PathBuf,
    text: Option<String>,
    doc: Json,
    /// The document as read, so a file whose content we did not change is never rewritten
    /// (not even reformatted).
    read: Json,
}

fn load(path: &Path, tool: HookTool) -> Result<Settings, InstallError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(InstallError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let doc = match text.as_deref() {
        None => Json::object(),
        Some(t) if t.trim().is_empty() => Json::object(),
        Some(t) => serde_json::from_str(t).map_err(|source| InstallError::Unparsable {
            path: path.to_owned(),
            source,
            hint: if t.contains("//") || t.contains("/*") {
                " (comments are not JSON; agentbar does not rewrite files with comments)"
            } else {
                ""
            },
        })?,
    };
    if !matches!(doc, Json::Object(_)) {
        return Err(shape(path, tool, "a top level that is not an object"));
    }
    Ok(Settings {
        path: path.to_owned(),
        text,
        read: doc.clone(),
        doc,
    })
}

fn shape(path: &Path, tool: HookTool, what: &str) -> InstallError {
    InstallError::Shape {
        path: path.to_owned(),
        what: what.to_owned(),
        tool: tool.product(),
    }
}

/// The `hooks` object, checked to be one, with each list we touch an array.
fn hooks_of<'a>(
    doc: &'a mut Json,
    path: &Path,
    tool: HookTool,
) -> Result<Option<&'a mut Vec<(String, Json)>>, InstallError> {
    match doc.get_mut("hooks") {
        None => Ok(None),
        Some(Json::Object(entries)) => Ok(Some(entries)),
        Some(_) => Err(shape(path, tool, "a \"hooks\" that is not an object")),
    }
}

/// Removes our handlers from one event's list; groups and the list are dropped only when we
/// emptied them. Returns whether anything was removed.
fn remove_ours(list: &mut Vec<Json>) -> bool {
    let before = list.clone();
    list.retain_mut(|item| {
        if is_our_handler(item) {
            return false;
        }
        if let Some(Json::Array(inner)) = item.get_mut("hooks") {
            let had = inner.len();
            inner.retain(|h| !is_our_handler(h));
            return !(inner.is_empty() && had > 0);
        }
        true
    });
    *list != before
}

/// Our handlers in one event's list, whether listed directly or inside matcher groups.
fn our_handlers(list: &[Json]) -> Vec<&Json> {
    let mut found = Vec::new();
    for item in list {
        if is_our_handler(item) {
            found.push(item);
        } else if let Some(Json::Array(inner)) = item.get("hooks") {
            found.extend(inner.iter().filter(|h| is_our_handler(h)));
        }
    }
    found
}

/// Whether the list holds exactly one handler of ours, and it is `wanted`.
fn holds_exactly(list: &[Json], wanted: &Json) -> bool {
    our_handlers(list) == [wanted]
}

/// Adds agentbar's hook to `tool`'s settings (idempotent: a second run changes nothing).
pub fn install(tool: HookTool, homes: &Homes, exe: &Path) -> Result<Change, InstallError> {
    let root = homes.root(tool);
    if !root.is_dir() {
        return Err(InstallError::NotFound {
            tool: tool.product(),
            root,
        });
    }
    let exe = exe.to_string_lossy().into_owned();
    if tool == HookTool::Codex && exe.chars().any(char::is_whitespace) {
        return Err(InstallError::SpaceInPath(exe));
    }
    let path = homes.settings_file(tool);
    let mut settings = load(&path, tool)?;
    if tool == HookTool::Copilot && settings.doc.get("version").is_none() {
        settings.doc.entry("version", || Json::Number(1.into()));
    }
    if hooks_of(&mut settings.doc, &path, tool)?.is_none() {
        settings.doc.entry("hooks", Json::object);
    }
    let Some(hooks) = hooks_of(&mut settings.doc, &path, tool)? else {
        return Err(shape(&path, tool, "no \"hooks\" object"));
    };
    for event in events(tool) {
        let wanted = handler(tool, &exe, event);
        let list = match hooks.iter().position(|(k, _)| k == event) {
            Some(at) => &mut hooks[at].1,
            None => {
                let at = hooks.len();
                hooks.push(((*event).to_owned(), Json::Array(Vec::new())));
                &mut hooks[at].1
            }
        };
        let Json::Array(list) = list else {
            return Err(shape(
                &path,
                tool,
                &format!("a hooks.{event} that is not a list"),
            ));
        };
        if holds_exactly(list, &wanted) {
            continue;
        }
        remove_ours(list);
        list.push(entry(tool, &exe, event));
    }
    save(settings, tool)
}

/// Takes agentbar's hooks out of `tool`'s settings, and nothing else.
pub fn uninstall(tool: HookTool, homes: &Homes) -> Result<Change, InstallError> {
    let path = homes.settings_file(tool);
    if !path.exists() {
        return Ok(Change::Unchanged);
    }
    let mut settings = load(&path, tool)?;
    let Some(hooks) = hooks_of(&mut settings.doc, &path, tool)? else {
        return Ok(Change::Unchanged);
    };
    let had = hooks.len();
    hooks.retain_mut(|(_, list)| match list {
        Json::Array(items) => !(remove_ours(items) && items.is_empty()),
        _ => true,
    });
    if hooks.is_empty() && had > 0 {
        settings.doc.remove("hooks");
    }
    save(settings, tool)
}

/// The tools whose hooks file is agentbar's alone or only holds hooks: emptied, it goes.
fn removable_when_empty(tool: HookTool, doc: &Json) -> bool {
    match tool {
        HookTool::Codex => doc.is_empty_container(),
        HookTool::Copilot => match doc {
            Json::Object(entries) => entries.iter().all(|(k, _)| k == "version"),
            _ => false,
        },
        HookTool::Claude | HookTool::Gemini => false,
    }
}

/// Writes the document back if it changed: backup first (once per file), then atomically.
fn save(settings: Settings, tool: HookTool) -> Result<Change, InstallError> {
    let Settings {
        path,
        text,
        doc,
        read,
    } = settings;
    if text.is_some() && doc == read {
        return Ok(Change::Unchanged);
    }
    let indent = text.as_deref().map_or(b"  ".as_slice(), indent_of);
    let mut bytes = doc.to_pretty(indent).map_err(|e| InstallError::Write {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    if text.as_deref().is_none_or(|t| t.ends_with('\n')) {
        bytes.push(b'\n');
    }
    let fail = |source| InstallError::Write {
        path: path.clone(),
        source,
    };
    let original = text.as_deref().map(str::as_bytes);
    let remove = original.is_some() && removable_when_empty(tool, &doc);
    if original == Some(bytes.as_slice()) || (original.is_none() && remove) {
        return Ok(Change::Unchanged);
    }
    // A symlinked settings file (dotfiles repositories) is edited where it lives.
    let target = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    let backup = match original {
        Some(original) => back_up(&target, original).map_err(fail)?,
        None => None,
    };
    if remove {
        std::fs::remove_file(&target).map_err(fail)?;
        return Ok(Change::Removed { backup });
    }
    write_keeping_mode(&target, &bytes).map_err(fail)?;
    Ok(Change::Written { backup })
}

/// `<file>.agentbar-backup-<UTC time>`, 0600, made before agentbar first changes the file and
/// never again while one exists (so it holds the user's own version); `None` when one exists.
fn back_up(target: &Path, original: &[u8]) -> std::io::Result<Option<PathBuf>> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!("{name}.agentbar-backup-");
    let exists = std::fs::read_dir(dir)?
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with(&prefix));
    if exists {
        return Ok(None);
    }
    let backup = dir.join(format!(
        "{prefix}{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S")
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&backup)?, original)?;
    Ok(Some(backup))
}

/// A temporary file beside `target`, given the target's mode (0600 for a new file), synced and
/// renamed over it.
fn write_keeping_mode(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::Builder::new()
        .prefix(".agentbar-tmp-")
        .tempfile_in(dir)?;
    std::io::Write::write_all(&mut file, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target).map_or(0o600, |m| m.permissions().mode() & 0o7777);
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    file.as_file().sync_all()?;
    file.persist(target).map_err(|e| e.error)?;
    Ok(())
}

/// Where one tool stands.
#[derive(Debug, PartialEq, Eq)]
pub enum State {
    /// The tool is not on this machine (its directory is missing).
    NotInstalled,
    /// The tool is here; these events lack agentbar's hook (all of them when never installed).
    HooksMissing {
        events: Vec<&'static str>,
    },
    Installed,
    /// Installed, but the tool runs it only once the user approves it (Codex).
    NeedsApproval,
    /// The settings file cannot be read as the tool's settings.
    Unreadable(String),
}

/// A tool's state and what the user must still do.
#[derive(Debug)]
pub struct Report {
    pub tool: HookTool,
    pub file: PathBuf,
    pub state: State,
    /// Plain instructions and warnings (hooks turned off, approval, restarts).
    pub notes: Vec<String>,
}

pub fn status(tool: HookTool, homes: &Homes, exe: &Path) -> Report {
    let file = homes.settings_file(tool);
    let mut notes = Vec::new();
    let state = if !homes.tool_found(tool) {
        State::NotInstalled
    } else {
        match load(&file, tool) {
            Err(e) => State::Unreadable(e.to_string()),
            Ok(settings) => {
                let exe = exe.to_string_lossy();
                match missing_events(tool, &exe, &settings) {
                    Err(e) => State::Unreadable(e.to_string()),
                    Ok(missing) => {
                        disabled_notes(tool, homes, &settings.doc, &mut notes);
                        if !missing.is_empty() {
                            State::HooksMissing { events: missing }
                        } else if tool == HookTool::Codex && !codex_trusted(homes) {
                            State::NeedsApproval
                        } else {
                            State::Installed
                        }
                    }
                }
            }
        }
    };
    match &state {
        State::HooksMissing { .. } => notes.push(format!(
            "run `agentbar hooks install {tool}` so agentbar sees when {} waits for you",
            tool.product()
        )),
        State::NeedsApproval => notes.push(
            "Codex runs a new user hook only after you approve it: open Codex and approve agentbar's hooks when it asks (or under /hooks); until then they are skipped silently"
                .to_owned(),
        ),
        _ => {}
    }
    Report {
        tool,
        file,
        state,
        notes,
    }
}

/// The events that lack our hook as `install` would write it; a misshapen file is an error, as
/// `install` would find it.
fn missing_events(
    tool: HookTool,
    exe: &str,
    settings: &Settings,
) -> Result<Vec<&'static str>, InstallError> {
    let path = &settings.path;
    let hooks = match settings.doc.get("hooks") {
        None => return Ok(events(tool).to_vec()),
        Some(Json::Object(_)) => settings.doc.get("hooks"),
        Some(_) => return Err(shape(path, tool, "a \"hooks\" that is not an object")),
    };
    let mut missing = Vec::new();
    for event in events(tool) {
        match hooks.and_then(|h| h.get(event)) {
            None => missing.push(*event),
            Some(Json::Array(list)) => {
                if !holds_exactly(list, &handler(tool, exe, event)) {
                    missing.push(*event);
                }
            }
            Some(_) => {
                return Err(shape(
                    path,
                    tool,
                    &format!("a hooks.{event} that is not a list"),
                ));
            }
        }
    }
    Ok(missing)
}

/// Warnings for settings that turn every hook off.
fn disabled_notes(tool: HookTool, homes: &Homes, doc: &Json, notes: &mut Vec<String>) {
    match tool {
        HookTool::Claude if doc.get("disableAllHooks") == Some(&Json::Bool(true)) => notes.push(
            "\"disableAllHooks\": true in Claude Code's settings turns every hook off".to_owned(),
        ),
        HookTool::Gemini
            if doc.get("hooksConfig").and_then(|c| c.get("enabled"))
                == Some(&Json::Bool(false)) =>
        {
            notes.push(
                "\"hooksConfig\": {\"enabled\": false} in Gemini CLI's settings turns every hook off"
                    .to_owned(),
            )
        }
        HookTool::Codex => {
            let off = codex_config(homes)
                .and_then(|c| c.get("features")?.get("hooks")?.as_bool())
                == Some(false);
            if off {
                notes.push(
                    "[features] hooks = false in Codex's config.toml turns every hook off"
                        .to_owned(),
                );
            }
        }
        _ => {}
    }
}

fn codex_config(homes: &Homes) -> Option<toml::Table> {
    let text = std::fs::read_to_string(homes.root(HookTool::Codex).join("config.toml")).ok()?;
    text.parse().ok()
}

/// Whether Codex recorded the user's approval of agentbar's hooks: an entry under
/// `[hooks.state]` with a `trusted_hash` whose key names agentbar or its hooks.json. (The key's
/// exact form is not documented; this reads it leniently and never writes it — approving is
/// the user's review.)
fn codex_trusted(homes: &Homes) -> bool {
    let Some(config) = codex_config(homes) else {
        return false;
    };
    let Some(state) = config
        .get("hooks")
        .and_then(|h| h.get("state"))
        .and_then(|s| s.as_table())
    else {
        return false;
    };
    state.iter().any(|(key, entry)| {
        (key.contains("agentbar") || key.contains("hooks.json"))
            && entry.get("trusted_hash").is_some()
    })
}

/// What to tell the user after a successful install.
pub fn after_install(tool: HookTool) -> &'static str {
    match tool {
        HookTool::Claude => {
            "restart running Claude Code sessions: hooks are read when a session starts"
        }
        HookTool::Codex => {
            "open Codex and approve agentbar's hooks when it asks (or under /hooks): Codex skips a new user hook until you do"
        }
        HookTool::Copilot => "restart running Copilot CLI sessions to load the hooks",
        HookTool::Gemini => {
            "restart running Gemini CLI sessions to load the hooks (`/hooks disable agentbar` turns them off)"
        }
    }
}

/// The tools installed here whose settings lack agentbar's hooks (the tray offers to set them
/// up). A file that cannot be read is not offered: `agentbar hooks status` says why.
pub fn tools_without_hooks(homes: &Homes, exe: &Path) -> Vec<HookTool> {
    HookTool::ALL
        .into_iter()
        .filter(|tool| matches!(status(*tool, homes, exe).state, State::HooksMissing { .. }))
        .collect()
}

/// Installs the hooks for `tools` (the tray's "Set up local agents…"): a one-line account of
/// what happened and what the user must still do, and the tools that still lack them.
pub fn set_up(tools: &[HookTool], homes: &Homes, exe: &Path) -> (String, Vec<HookTool>) {
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for tool in tools {
        match install(*tool, homes, exe) {
            Ok(_) => done.push(*tool),
            Err(e) => {
                tracing::warn!(tool = tool.product(), error = %e, "cannot install the hooks");
                failed.push(format!("{}: {e}", tool.product()));
            }
        }
    }
    let mut said = Vec::new();
    if !done.is_empty() {
        let names: Vec<&str> = done.iter().map(|t| t.product()).collect();
        said.push(format!(
            "Hooks added for {}; restart running sessions",
            names.join(", ")
        ));
        if done.contains(&HookTool::Codex) {
            said.push("approve them in Codex".to_owned());
        }
    }
    if !failed.is_empty() {
        said.push(format!("not added: {}", failed.join("; ")));
    }
    (said.join("; "), tools_without_hooks(homes, exe))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_handlers_are_told_by_their_command_and_nothing_else() {
        let command = |c: &str| Json::Object(vec![("command".into(), Json::str(c))]);
        for ours in [
            "\"/opt/agentbar/bin/agentbar\" hook claude",
            "/usr/bin/agentbar hook codex",
            "agentbar hook gemini",
            "\"C:\\\\Tools\\\\agentbar.exe\" hook claude",
            "\"/home/me/target/debug/deps/agentbar-8795e50b\" hook claude",
        ] {
            assert!(is_our_handler(&command(ours)), "{ours}");
        }
        for theirs in [
            "/Applications/CCStatusBar.app/Contents/MacOS/CCStatusBarHook Stop",
            "echo agentbar",
            "agentbar status",
            "my-agentbar-hook.sh",
        ] {
            assert!(!is_our_handler(&command(theirs)), "{theirs}");
        }
        let copilot = Json::Object(vec![(
            "bash".into(),
            Json::str("'/x/agentbar' hook copilot agentStop"),
        )]);
        assert!(is_our_handler(&copilot));
    }
}
