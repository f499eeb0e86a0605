//! The hook installer on copies of real-shaped settings files in a temporary home: other hooks
//! and keys kept in order, one backup, idempotence, an exact uninstall, refusals that leave
//! the file untouched, symlinks written through, and `status` for each state. The last test
//! runs the real binary (`agentbar hooks …`) with `HOME` at a temporary home.

use agentbar::hooks::HookTool;
use agentbar::hooks::install::{self, Change, Homes, InstallError, State};
use serde_json::Value;
use std::path::{Path, PathBuf};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hooks");
const EXE: &str = "/opt/agentbar/bin/agentbar";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).unwrap()
}

/// A home with the tools' directories, and `file` (under the home) holding `fixture`.
fn home_with(file: &str, fixture_name: Option<&str>) -> (tempfile::TempDir, Homes, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    for dir in [".claude", ".codex", ".copilot", ".gemini"] {
        std::fs::create_dir_all(home.path().join(dir)).unwrap();
    }
    let path = home.path().join(file);
    if let Some(name) = fixture_name {
        std::fs::write(&path, fixture(name)).unwrap();
    }
    let homes = Homes::under(home.path());
    (home, homes, path)
}

fn backups(path: &Path) -> Vec<PathBuf> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut found: Vec<PathBuf> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{name}.agentbar-backup-"))
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

fn commands(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .flat_map(|group| match group.get("hooks") {
            Some(inner) => inner.as_array().unwrap().clone(),
            None => vec![group.clone()],
        })
        .map(|h| {
            h.get("command")
                .or(h.get("bash"))
                .and_then(Value::as_str)
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn key_order(text: &str, keys: &[&str]) -> Vec<usize> {
    keys.iter()
        .map(|k| text.find(&format!("\"{k}\"")).unwrap_or(usize::MAX))
        .collect()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn claude_keeps_the_users_hooks_and_keys_backs_up_once_and_uninstalls_exactly() {
    let (_home, homes, path) = home_with(".claude/settings.json", Some("claude-settings.json"));
    let original = fixture("claude-settings.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    }

    let change = install::install(HookTool::Claude, &homes, Path::new(EXE)).unwrap();
    let Change::Written {
        backup: Some(backup),
    } = change
    else {
        panic!("expected a first write with a backup, got {change:?}");
    };
    assert_eq!(
        std::fs::read(&backup).unwrap(),
        original,
        "the backup is the user's file"
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&backup), 0o600, "the backup is private");
        assert_eq!(mode(&path), 0o640, "the file keeps its mode");
    }

    let text = std::fs::read_to_string(&path).unwrap();
    let settings: Value = serde_json::from_str(&text).unwrap();
    // The user's keys, in the user's order, untouched.
    let order = key_order(
        &text,
        &[
            "$schema",
            "model",
            "permissions",
            "env",
            "hooks",
            "statusLine",
            "includeCoAuthoredBy",
        ],
    );
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "key order changed: {text}"
    );
    let before: Value = serde_json::from_slice(&original).unwrap();
    for key in ["permissions", "env", "statusLine", "feedbackSurveyState"] {
        assert_eq!(settings[key], before[key], "{key} changed");
    }
    // Other tools' hooks first, ours appended in a group of its own, on every event we follow.
    let ours = format!("\"{EXE}\" hook claude");
    assert_eq!(
        commands(&settings["hooks"]["Stop"]),
        vec![
            "/Applications/CCStatusBar.app/Contents/MacOS/CCStatusBarHook Stop".to_owned(),
            ours.clone()
        ]
    );
    assert_eq!(
        settings["hooks"]["PostToolUse"],
        before["hooks"]["PostToolUse"]
    );
    for event in install::events(HookTool::Claude) {
        let list = &settings["hooks"][event];
        assert!(
            commands(list).contains(&ours),
            "{event} lacks our hook: {list}"
        );
        let group = list.as_array().unwrap().last().unwrap();
        assert_eq!(group["hooks"][0]["async"], Value::Bool(true));
        assert!(
            group.get("matcher").is_none(),
            "{event}: no matcher, every type"
        );
    }
    assert_eq!(
        install::status(HookTool::Claude, &homes, Path::new(EXE)).state,
        State::Installed
    );

    // Again: nothing to do, the same bytes, no second backup.
    let installed = std::fs::read(&path).unwrap();
    assert_eq!(
        install::install(HookTool::Claude, &homes, Path::new(EXE)).unwrap(),
        Change::Unchanged
    );
    assert_eq!(std::fs::read(&path).unwrap(), installed);
    assert_eq!(backups(&path), vec![backup.clone()]);

    // A moved binary: the hooks are redone in place of the old ones, not beside them.
    install::install(HookTool::Claude, &homes, Path::new("/usr/bin/agentbar")).unwrap();
    let moved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        commands(&moved["hooks"]["Stop"]),
        vec![
            "/Applications/CCStatusBar.app/Contents/MacOS/CCStatusBarHook Stop".to_owned(),
            "\"/usr/bin/agentbar\" hook claude".to_owned()
        ]
    );
    assert_eq!(backups(&path).len(), 1, "backed up once");

    // Uninstall gives back the user's bytes exactly.
    assert!(matches!(
        install::uninstall(HookTool::Claude, &homes).unwrap(),
        Change::Written { .. }
    ));
    assert_eq!(
        String::from_utf8(std::fs::read(&path).unwrap()).unwrap(),
        String::from_utf8(original).unwrap()
    );
    assert_eq!(
        install::uninstall(HookTool::Claude, &homes).unwrap(),
        Change::Unchanged
    );
    assert!(backup.exists(), "backups are kept");
}

#[test]
fn a_file_without_hooks_keeps_its_indentation_and_comes_back_byte_for_byte() {
    let (_home, homes, path) = home_with(
        ".claude/settings.json",
        Some("claude-settings-no-hooks-4space.json"),
    );
    let original = fixture("claude-settings-no-hooks-4space.json");
    install::install(HookTool::Claude, &homes, Path::new(EXE)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\n    \"hooks\": {\n        \"SessionStart\""),
        "{text}"
    );
    assert!(text.contains("grüß dich"));
    assert!(!text.ends_with('\n'), "no final newline was there");
    install::uninstall(HookTool::Claude, &homes).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), original);
}

#[test]
fn unparsable_or_misshapen_files_are_refused_untouched() {
    for (content, expect_comment_hint) in [
        (fixture("claude-settings-jsonc.json"), true),
        (b"{\"model\": \"opus\",\n".to_vec(), false),
        (b"{\"hooks\": [\"not\", \"an object\"]}".to_vec(), false),
        (b"{\"hooks\": {\"Stop\": {\"hooks\": []}}}".to_vec(), false),
        (b"[1, 2]".to_vec(), false),
    ] {
        let (_home, homes, path) = home_with(".claude/settings.json", None);
        std::fs::write(&path, &content).unwrap();
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        let error = install::install(HookTool::Claude, &homes, Path::new(EXE)).unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(
                error,
                InstallError::Unparsable { .. } | InstallError::Shape { .. }
            ),
            "{message}"
        );
        assert!(
            message.contains("settings.json") && message.contains("untouched"),
            "{message}"
        );
        assert_eq!(
            message.contains("comments"),
            expect_comment_hint,
            "{message}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            content,
            "the file was changed"
        );
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            modified
        );
        assert!(
            backups(&path).is_empty(),
            "no backup of a file we did not change"
        );
        let _ = install::uninstall(HookTool::Claude, &homes);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            content,
            "uninstall changed it"
        );
        assert!(matches!(
            install::status(HookTool::Claude, &homes, Path::new(EXE)).state,
            State::Unreadable(_)
        ));
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_settings_file_is_written_through_to_its_target() {
    let (home, homes, path) = home_with(".claude/settings.json", None);
    let dotfiles = home.path().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    let target = dotfiles.join("claude.json");
    std::fs::write(&target, fixture("claude-settings.json")).unwrap();
    std::os::unix::fs::symlink(&target, &path).unwrap();
    install::install(HookTool::Claude, &homes, Path::new(EXE)).unwrap();
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("hook claude")
    );
    assert_eq!(backups(&target).len(), 1, "backed up beside the target");
}

#[test]
fn codex_hooks_json_is_created_approval_is_reported_and_uninstall_removes_it() {
    let (home, homes, path) = home_with(".codex/hooks.json", None);
    let config = home.path().join(".codex/config.toml");
    std::fs::write(&config, fixture("codex-config.toml")).unwrap();
    assert_eq!(
        install::status(HookTool::Codex, &homes, Path::new(EXE)).state,
        State::HooksMissing {
            events: install::events(HookTool::Codex).to_vec()
        }
    );
    let change = install::install(HookTool::Codex, &homes, Path::new(EXE)).unwrap();
    assert_eq!(
        change,
        Change::Written { backup: None },
        "nothing to back up"
    );
    let hooks: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        commands(&hooks["hooks"]["PermissionRequest"]),
        vec![format!("{EXE} hook codex")],
        "unquoted: Codex splits on spaces"
    );
    let report = install::status(HookTool::Codex, &homes, Path::new(EXE));
    assert_eq!(report.state, State::NeedsApproval);
    assert!(
        report.notes.iter().any(|n| n.contains("approve")),
        "{:?}",
        report.notes
    );

    // The user approved it in Codex, which records a trusted hash.
    let mut approved = String::from_utf8(fixture("codex-config.toml")).unwrap();
    approved.push_str(&format!(
        "\n[hooks.state.\"{}:stop:0\"]\ntrusted_hash = \"sha256:0f3c\"\n",
        path.display()
    ));
    std::fs::write(&config, &approved).unwrap();
    assert_eq!(
        install::status(HookTool::Codex, &homes, Path::new(EXE)).state,
        State::Installed
    );
    std::fs::write(&config, approved.replace("hooks = true", "hooks = false")).unwrap();
    let report = install::status(HookTool::Codex, &homes, Path::new(EXE));
    assert!(
        report.notes.iter().any(|n| n.contains("hooks = false")),
        "{:?}",
        report.notes
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        approved.replace("hooks = true", "hooks = false"),
        "config.toml is only read"
    );

    assert!(matches!(
        install::uninstall(HookTool::Codex, &homes).unwrap(),
        Change::Removed { .. }
    ));
    assert!(!path.exists(), "the file held only our hooks");
}

#[test]
fn codex_keeps_the_users_hooks_and_refuses_a_path_with_spaces() {
    let (_home, homes, path) = home_with(".codex/hooks.json", Some("codex-hooks.json"));
    let original = fixture("codex-hooks.json");
    let error = install::install(
        HookTool::Codex,
        &homes,
        Path::new("/Users/me/My Apps/agentbar"),
    )
    .unwrap_err();
    assert!(matches!(error, InstallError::SpaceInPath(_)), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), original);
    install::install(HookTool::Codex, &homes, Path::new(EXE)).unwrap();
    let hooks: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        commands(&hooks["hooks"]["Stop"]),
        vec![
            "/usr/local/bin/codex-notify-slack".to_owned(),
            format!("{EXE} hook codex")
        ]
    );
    install::uninstall(HookTool::Codex, &homes).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        original,
        "the user's file comes back"
    );
}

#[test]
fn copilot_gets_a_file_of_its_own_that_names_each_event() {
    let (_home, homes, path) = home_with(".copilot/hooks/agentbar.json", None);
    install::install(HookTool::Copilot, &homes, Path::new(EXE)).unwrap();
    let file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(file["version"], 1);
    for event in install::events(HookTool::Copilot) {
        let handler = &file["hooks"][event][0];
        assert_eq!(handler["bash"], format!("'{EXE}' hook copilot {event}"));
        assert_eq!(
            handler["powershell"],
            format!("& '{EXE}' hook copilot {event}")
        );
    }
    assert_eq!(
        install::status(HookTool::Copilot, &homes, Path::new(EXE)).state,
        State::Installed
    );
    install::uninstall(HookTool::Copilot, &homes).unwrap();
    assert!(!path.exists());
}

#[test]
fn gemini_keeps_its_settings_and_warns_when_hooks_are_off() {
    let (_home, homes, path) = home_with(".gemini/settings.json", Some("gemini-settings.json"));
    let original = fixture("gemini-settings.json");
    install::install(HookTool::Gemini, &homes, Path::new(EXE)).unwrap();
    let settings: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let after_agent = &settings["hooks"]["AfterAgent"][0]["hooks"][0];
    assert_eq!(after_agent["name"], "agentbar");
    assert_eq!(after_agent["timeout"], 5000, "milliseconds");
    assert_eq!(
        commands(&settings["hooks"]["AfterTool"]),
        vec!["$GEMINI_PROJECT_DIR/.gemini/hooks/fmt.sh".to_owned()]
    );
    let off = String::from_utf8(std::fs::read(&path).unwrap())
        .unwrap()
        .replace("\"enabled\": true", "\"enabled\": false");
    std::fs::write(&path, off).unwrap();
    let report = install::status(HookTool::Gemini, &homes, Path::new(EXE));
    assert_eq!(report.state, State::Installed);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("turns every hook off")),
        "{:?}",
        report.notes
    );
    std::fs::write(&path, String::from_utf8(original.clone()).unwrap()).unwrap();
    install::install(HookTool::Gemini, &homes, Path::new(EXE)).unwrap();
    install::uninstall(HookTool::Gemini, &homes).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), original);
}

#[test]
fn a_tool_that_is_not_there_is_reported_and_never_created() {
    let home = tempfile::tempdir().unwrap();
    let homes = Homes::under(home.path());
    for tool in HookTool::ALL {
        assert_eq!(
            install::status(tool, &homes, Path::new(EXE)).state,
            State::NotInstalled
        );
        assert!(matches!(
            install::install(tool, &homes, Path::new(EXE)),
            Err(InstallError::NotFound { .. })
        ));
    }
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        0,
        "nothing was created"
    );
}

#[test]
fn the_command_installs_reports_and_uninstalls_in_a_temporary_home() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".claude")).unwrap();
    std::fs::create_dir_all(home.path().join(".codex")).unwrap();
    let settings = home.path().join(".claude/settings.json");
    std::fs::write(&settings, fixture("claude-settings.json")).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_agentbar"))
            .args(args)
            .env("HOME", home.path())
            .env("AGENTBAR_STATE_DIR", home.path().join("state"))
            .env("AGENTBAR_CONFIG_DIR", home.path().join("config"))
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME")
            .env_remove("COPILOT_HOME")
            .env_remove("GEMINI_CLI_HOME")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, _) = run(&["hooks", "status"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("Claude Code: hooks missing"), "{out}");
    assert!(out.contains("Copilot CLI: not installed"), "{out}");
    let (code, out, err) = run(&["hooks", "install"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("Claude Code: installed in"), "{out}");
    assert!(out.contains("your previous file is kept as"), "{out}");
    assert!(
        out.contains("restart running Claude Code sessions"),
        "{out}"
    );
    assert!(out.contains("approve agentbar's hooks"), "{out}");
    assert!(
        out.contains("Gemini CLI: not installed here; skipped"),
        "{out}"
    );
    let (_, out, _) = run(&["hooks", "status"]);
    assert!(out.contains("Claude Code: installed"), "{out}");
    assert!(out.contains("Codex: needs approval"), "{out}");
    // The hook command points at this very binary.
    let text = std::fs::read_to_string(&settings).unwrap();
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_agentbar")).unwrap();
    assert!(
        text.contains(&format!("\\\"{}\\\" hook claude", exe.display())),
        "{text}"
    );
    let (code, out, _) = run(&["hooks", "uninstall", "claude"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("removed"), "{out}");
    assert_eq!(
        std::fs::read(&settings).unwrap(),
        fixture("claude-settings.json")
    );
    std::fs::write(&settings, "{ not json").unwrap();
    let (code, _, err) = run(&["hooks", "install", "claude"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("not valid JSON") && err.contains("untouched"),
        "{err}"
    );
    assert_eq!(std::fs::read(&settings).unwrap(), b"{ not json");
}
