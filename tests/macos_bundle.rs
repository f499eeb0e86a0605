//! The macOS bundle script, run here on a stand-in binary: the `agentbar.app` layout, and the
//! Info.plist read back with Python's `plistlib` (a real plist parser, no `plutil` needed), so
//! a key that goes missing or a plist that stops parsing fails the test.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// The plist as JSON, through `plistlib`: it refuses anything that is not a well-formed plist.
fn read_plist(path: &Path) -> Value {
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, plistlib, sys\n\
             with open(sys.argv[1], 'rb') as f:\n    \
                 print(json.dumps(plistlib.load(f, fmt=plistlib.FMT_XML)))",
        ])
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "plistlib rejects {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Runs `scripts/macos-bundle.sh BINARY OUT_DIR`.
fn bundle(binary: &Path, out: &Path) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/macos-bundle.sh");
    Command::new("bash")
        .arg(script)
        .arg(binary)
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn the_bundle_script_lays_out_a_menu_bar_app_around_the_binary() {
    let work = tempfile::tempdir().unwrap();
    let binary = work.path().join("agentbar-stand-in");
    std::fs::write(&binary, b"#!/bin/sh\necho stand-in\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = work.path().join("out");
    let made = bundle(&binary, &out);
    assert!(made.status.success(), "{made:?}");

    let contents = out.join("agentbar.app/Contents");
    let plist = read_plist(&contents.join("Info.plist"));
    assert_eq!(plist["LSUIElement"], true, "no Dock icon: {plist}");
    assert_eq!(plist["CFBundleIdentifier"], "dev.agentbar.agentbar");
    assert_eq!(plist["CFBundlePackageType"], "APPL");
    assert_eq!(plist["CFBundleName"], "agentbar");
    assert_eq!(
        plist["CFBundleShortVersionString"],
        env!("CARGO_PKG_VERSION")
    );
    let build = plist["CFBundleVersion"].as_str().unwrap();
    assert!(
        !build.is_empty() && build.chars().all(|c| c.is_ascii_digit() || c == '.'),
        "CFBundleVersion is numbers and dots: {build}"
    );

    // The executable the plist names is the binary, byte for byte, and executable.
    let executable = contents
        .join("MacOS")
        .join(plist["CFBundleExecutable"].as_str().unwrap());
    assert_eq!(
        std::fs::read(&executable).unwrap(),
        std::fs::read(&binary).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&executable).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "executable: {mode:o}");
    }

    // The icon the plist names is in Resources and is an icns file whose length is its own.
    let icon = std::fs::read(
        contents
            .join("Resources")
            .join(plist["CFBundleIconFile"].as_str().unwrap()),
    )
    .unwrap();
    assert_eq!(&icon[..4], b"icns");
    assert_eq!(
        u32::from_be_bytes(icon[4..8].try_into().unwrap()) as usize,
        icon.len()
    );
    assert_eq!(
        std::fs::read(contents.join("PkgInfo")).unwrap(),
        b"APPL????"
    );

    // Running it again replaces the bundle and leaves no staging directory behind.
    assert!(bundle(&binary, &out).status.success());
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["agentbar.app"]);
}

#[test]
fn the_bundle_script_refuses_a_missing_binary() {
    let work = tempfile::tempdir().unwrap();
    let output = bundle(
        &work.path().join("no-such-binary"),
        &work.path().join("out"),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not an executable file"));
    assert!(!work.path().join("out/agentbar.app").exists());
}
