//! The layering rules that keep import cycles from creeping back: the core and the sources sit
//! below every surface, so nothing under `src/core/`, `src/sources/`, `src/merge.rs` or
//! `src/poller.rs` may name the `server` or `tray` modules.

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
    source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .filter(|line| {
            modules.iter().any(|module| {
                line.contains(&format!("crate::{module}"))
                    || line.contains(&format!("agentbar::{module}"))
                    || line.contains(&format!("super::{module}::"))
                    || line.contains(&format!("super::super::{module}"))
            })
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_core_and_the_sources_import_no_surface() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let below_surfaces = ["core", "sources", "merge.rs", "poller.rs"];
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
fn the_check_sees_every_spelling_of_a_surface_import() {
    let caught = offending_lines(
        "use crate::server::logs::FollowSignal;\nuse super::tray::menu;\n// crate::server in a comment\nlet x = agentbar::tray::run;",
        &["server", "tray"],
    );
    assert_eq!(caught.len(), 3, "{caught:?}");
}
