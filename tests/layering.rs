//! The layering rules that keep import cycles from creeping back: the core and the sources sit
//! below every surface, so nothing under `src/core/`, `src/sources/`, `src/merge.rs` or
//! `src/poller.rs` may name the `server` or `tray` modules; the server never names `app` (which
//! starts it), the configuration never names `server` (which obeys it), and what the core holds
//! (the archive, the wire shapes, the store, the model) names only the core's leaf
//! `core::actions`, never the core itself.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `path` (or `path` itself).
fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_owned()];
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The lines of `source` that name one of `modules` as a crate path.
fn offending_lines(source: &str, modules: &[&str]) -> Vec<String> {
    offending_lines_except(source, modules, &[])
}

/// The lines of `source` that name one of `modules` as a crate path, other than through one of
/// the `allowed` paths below it (`core::actions`). A grouped import (`use crate::{app::X, y}`)
/// is read as the paths it spells out.
fn offending_lines_except(source: &str, modules: &[&str], allowed: &[&str]) -> Vec<String> {
    let names = |path: &str, module: &str| {
        ["crate::", "agentbar::", "super::", "super::super::"]
            .iter()
            .any(|root| {
                let named = format!("{root}{module}");
                path.match_indices(&named).any(|(at, _)| {
                    let rest = &path[at + named.len()..];
                    let whole_name = !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_');
                    let via_allowed = allowed
                        .iter()
                        .any(|leaf| path[at..].starts_with(&format!("{root}{leaf}")));
                    // `super::module` alone is a sibling only when a path goes on after it.
                    let sibling_path = !root.starts_with("super") || rest.starts_with("::");
                    whole_name && sibling_path && !via_allowed
                })
            })
    };
    source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .filter(|line| {
            let paths = expand_groups(line);
            modules
                .iter()
                .any(|module| paths.iter().any(|path| names(path, module)))
        })
        .map(str::to_owned)
        .collect()
}

/// `use crate::{app::Started, core::Core};` → `crate::app::Started`, `crate::core::Core` (one
/// level of braces is what the crate writes); a line without a group is itself.
fn expand_groups(line: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (line.find("::{"), line.rfind('}')) else {
        return vec![line.to_owned()];
    };
    if close < open {
        return vec![line.to_owned()];
    }
    let prefix_start = line[..open]
        .rfind(|c: char| c.is_whitespace() || c == '(')
        .map_or(0, |i| i + 1);
    let prefix = &line[prefix_start..open];
    line[open + 3..close]
        .split(',')
        .map(|item| format!("{prefix}::{}", item.trim()))
        .chain(std::iter::once(line.to_owned()))
        .collect()
}

/// Every offending line of the files under `parts` (relative to `src/`), as `file: line`.
fn offences(parts: &[&str], modules: &[&str], allowed: &[&str]) -> (usize, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    let mut found = Vec::new();
    for part in parts {
        for file in rust_files(&root.join(part)) {
            let text = std::fs::read_to_string(&file).unwrap();
            checked += 1;
            for line in offending_lines_except(&text, modules, allowed) {
                found.push(format!("{}: {}", file.display(), line.trim()));
            }
        }
    }
    (checked, found)
}

#[test]
fn the_core_and_the_sources_import_no_surface() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let below_surfaces = ["core", "sources", "merge.rs", "poller.rs", "local"];
    let mut checked = 0;
    let mut found = Vec::new();
    for part in below_surfaces {
        for file in rust_files(&root.join(part)) {
            let text = std::fs::read_to_string(&file).unwrap();
            checked += 1;
            for line in offending_lines(&text, &["server", "tray"]) {
                found.push(format!("{}: {}", file.display(), line.trim()));
            }
        }
    }
    assert!(
        checked >= 4,
        "the layers to check are missing ({checked} files)"
    );
    assert!(
        found.is_empty(),
        "the core must not import a surface:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_server_never_imports_the_app_that_starts_it() {
    let (checked, found) = offences(&["server"], &["app"], &[]);
    assert!(checked >= 5, "the server is missing ({checked} files)");
    assert!(
        found.is_empty(),
        "the server must not import `app` (move the type below both):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_configuration_never_imports_the_server_it_configures() {
    let (checked, found) = offences(&["config.rs"], &["server"], &[]);
    assert_eq!(checked, 1, "src/config.rs is missing");
    assert!(
        found.is_empty(),
        "config.rs must not import `server` (the API limits live in config):\n{}",
        found.join("\n")
    );
}

#[test]
fn what_the_core_holds_names_only_the_cores_leaf() {
    // `core/mod.rs` holds the archive handle and hands out wire shapes and the store; they in
    // turn may use the action vocabulary, which is its own leaf, but not `core` itself.
    let (checked, found) = offences(
        &["archive.rs", "wire.rs", "store.rs", "model"],
        &["core"],
        &["core::actions"],
    );
    assert!(checked >= 4, "the files to check are missing ({checked})");
    assert!(
        found.is_empty(),
        "import the action vocabulary from `core::actions`, not `core`:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_grouped_imports_and_allows_the_leaf() {
    let caught = offending_lines_except(
        "use crate::{app::Started, model::Task};\nuse crate::core::actions::TaskAction;\nuse crate::core::ActionOutcome;\nuse crate::core_extra::X;",
        &["app", "core"],
        &["core::actions"],
    );
    assert_eq!(
        caught,
        [
            "use crate::{app::Started, model::Task};",
            "use crate::core::ActionOutcome;"
        ],
    );
}

#[test]
fn the_check_sees_every_spelling_of_a_surface_import() {
    let caught = offending_lines(
        "use crate::server::logs::FollowSignal;\nuse super::tray::menu;\n// crate::server in a comment\nlet x = agentbar::tray::run;",
        &["server", "tray"],
    );
    assert_eq!(caught.len(), 3, "{caught:?}");
}
