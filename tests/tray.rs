//! End to end: the real `agentbar demo` with its tray, under a display and a session bus, driven
//! over D-Bus the way a tray host drives it — a StatusNotifierWatcher stand-in takes the item's
//! registration, the menu is read with `com.canonical.dbusmenu.GetLayout` and clicked with
//! `Event(id, "clicked")`.
//!
//! Without a display or a session bus it skips, saying so, unless `AGENTBAR_REQUIRE_TRAY_TEST`
//! is set: `scripts/test.sh` sets it and runs this under `xvfb-run -a dbus-run-session`.

use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zbus::{OwnedObjectPath, OwnedVariant as OwnedValue, Variant as Value};

const BIN: &str = env!("CARGO_BIN_EXE_agentbar");
const DBUSMENU: &str = "com.canonical.dbusmenu";

#[path = "support/skipped.rs"]
mod skipped;
#[path = "support/sni_watcher.rs"]
mod sni_watcher;
use sni_watcher::{WATCHER, WATCHER_PATH, Watcher};

/// The root of GetLayout's answer: `(ia{sv}av)`, the children still wrapped in variants.
type RootItem = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);

/// One dbusmenu item as GetLayout describes it.
#[derive(Debug, Clone)]
struct Node {
    id: i32,
    label: String,
    enabled: bool,
    toggle_state: Option<i32>,
    /// The item's image as dbusmenu carries it: PNG bytes (empty when it has none).
    icon_data: Vec<u8>,
    children: Vec<Node>,
}

impl Node {
    fn from_parts(id: i32, props: HashMap<String, Value<'_>>, children: Vec<Node>) -> Node {
        let text = |key: &str| match props.get(key) {
            Some(Value::Str(s)) => Some(s.as_str().to_owned()),
            _ => None,
        };
        Node {
            id,
            // GTK mnemonics: a lone `_` marks the access key, `__` is a literal underscore.
            label: text("label")
                .unwrap_or_default()
                .replace("__", "\u{0}")
                .replace('_', "")
                .replace('\u{0}', "_"),
            enabled: !matches!(props.get("enabled"), Some(Value::Bool(false))),
            toggle_state: match props.get("toggle-state") {
                Some(Value::I32(v)) => Some(*v),
                _ => None,
            },
            icon_data: match props.get("icon-data") {
                Some(Value::Array(bytes)) => bytes
                    .iter()
                    .filter_map(|b| match b {
                        Value::U8(b) => Some(*b),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            },
            children,
        }
    }

    fn parse(value: &Value<'_>) -> Node {
        match value {
            Value::Variant(inner) => Node::parse(inner),
            Value::Structure(s) => {
                let fields = s.fields();
                let id = match &fields[0] {
                    Value::I32(id) => *id,
                    other => panic!("item id {other:?}"),
                };
                let mut props = HashMap::new();
                if let Value::Dict(dict) = &fields[1] {
                    for (k, v) in dict.iter() {
                        let key = match k {
                            Value::Str(k) => k.as_str().to_owned(),
                            other => panic!("property name {other:?}"),
                        };
                        let v = match v {
                            Value::Variant(inner) => (**inner).try_clone().unwrap(),
                            other => other.try_clone().unwrap(),
                        };
                        props.insert(key, v);
                    }
                }
                let children = match &fields[2] {
                    Value::Array(a) => a.iter().map(Node::parse).collect(),
                    _ => Vec::new(),
                };
                Node::from_parts(id, props, children)
            }
            other => panic!("not a dbusmenu item: {other:?}"),
        }
    }

    /// The labels of the clickable items beneath (separators and info lines left out).
    fn clickable(&self) -> Vec<&str> {
        self.children
            .iter()
            .filter(|c| c.enabled && !c.label.is_empty())
            .map(|c| c.label.as_str())
            .collect()
    }

    /// The colour of the pixel in the middle of the item's image, decoded from its PNG.
    fn icon_centre(&self) -> [u8; 4] {
        assert!(
            !self.icon_data.is_empty(),
            "{:?} has no icon-data",
            self.label
        );
        let mut decoder = png::Decoder::new(std::io::Cursor::new(&self.icon_data));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(
            frame.color_type,
            png::ColorType::Rgba,
            "{:?}: {frame:?}",
            self.label
        );
        let (x, y) = (frame.width / 2, frame.height / 2);
        let i = (y as usize * frame.line_size) + x as usize * 4;
        [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]]
    }

    fn find(&self, label: &str) -> Option<&Node> {
        if self.label == label {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(label))
    }
}

/// The demo process; killed on drop so a failing assertion leaves nothing behind.
struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Dirs {
    _root: tempfile::TempDir,
    state: PathBuf,
    config: PathBuf,
    xdg_config: PathBuf,
    browser_log: PathBuf,
    browser: PathBuf,
    log: PathBuf,
    downloads: PathBuf,
}

fn dirs() -> Dirs {
    let root = tempfile::tempdir().unwrap();
    let base = root.path().to_owned();
    let dirs = Dirs {
        state: base.join("state"),
        config: base.join("config"),
        xdg_config: base.join("xdg-config"),
        browser_log: base.join("browser.log"),
        browser: base.join("browser.sh"),
        log: base.join("agentbar.log"),
        downloads: base.join("downloads"),
        _root: root,
    };
    std::fs::create_dir_all(&dirs.config).unwrap();
    std::fs::create_dir_all(&dirs.xdg_config).unwrap();
    std::fs::create_dir_all(&dirs.downloads).unwrap();
    // Exported logs go to the Downloads folder the XDG user-dirs file names: a temporary one.
    std::fs::write(
        dirs.xdg_config.join("user-dirs.dirs"),
        format!("XDG_DOWNLOAD_DIR=\"{}\"\n", dirs.downloads.display()),
    )
    .unwrap();
    // Polls a minute apart, so a poll within seconds of "Refresh now" is the click's doing.
    std::fs::write(
        dirs.config.join("config.toml"),
        "[poll]\nfast_seconds = 60\nslow_seconds = 60\n",
    )
    .unwrap();
    std::fs::write(
        &dirs.browser,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            dirs.browser_log.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dirs.browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dirs
}

fn agentbar(dirs: &Dirs, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env("AGENTBAR_STATE_DIR", &dirs.state)
        .env("AGENTBAR_PORT", "0")
        .env("AGENTBAR_CONFIG_DIR", &dirs.config)
        .env("XDG_CONFIG_HOME", &dirs.xdg_config)
        .env("BROWSER", &dirs.browser)
        .env("NO_AT_BRIDGE", "1")
        .env_remove("AGENTBAR_TOKEN")
        .env("RUST_LOG", "agentbar=debug");
    command
}

fn status(dirs: &Dirs) -> Option<Json> {
    let output = agentbar(dirs, &["status", "--json"]).output().unwrap();
    output
        .status
        .success()
        .then(|| serde_json::from_slice(&output.stdout).unwrap())
}

/// `agentbar tasks --json` with extra flags: the list the API serves.
fn tasks(dirs: &Dirs, flags: &[&str]) -> Vec<Json> {
    let output = agentbar(dirs, &[&["tasks", "--json"], flags].concat())
        .output()
        .unwrap();
    let json: Json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    json["tasks"].as_array().cloned().unwrap_or_default()
}

/// An authorised `GET` of the running agent's API (its address and token from
/// `endpoint.json`), answered as JSON.
fn api_get(dirs: &Dirs, path: &str) -> Json {
    use std::io::{Read, Write};
    let endpoint: Json =
        serde_json::from_slice(&std::fs::read(dirs.state.join("endpoint.json")).unwrap()).unwrap();
    let address = endpoint["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        endpoint["token"].as_str().unwrap()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    // The body is one JSON object whatever the framing.
    let json = &body[body.find('{').unwrap()..=body.rfind('}').unwrap()];
    serde_json::from_str(json).unwrap()
}

/// How the tray names each task action (the menu's own words), so a row's submenu can be held
/// to the task's `actions`.
fn tray_label(action: &str) -> Option<&'static str> {
    Some(match action {
        "open" => "Open task",
        "open-pr" => "Open pull request",
        "open-logs" => "Open logs (web)",
        "copy-link" => "Copy link",
        "continue" => "Continue…",
        "resume" => "Resume (copy the command)",
        "open-folder" => "Open folder",
        "archive" => "Archive",
        "unarchive" => "Unarchive",
        "stop" => "Stop…",
        // The menu's "Refresh now" refreshes every task.
        "refresh" => return None,
        other => panic!("an action the tray test does not know: {other}"),
    })
}

/// The task a row shows, found by its title in the list.
fn task_of<'t>(row: &Node, tasks: &'t [Json]) -> &'t Json {
    tasks
        .iter()
        .find(|t| {
            let title: String = t["title"].as_str().unwrap().chars().take(40).collect();
            row.label.contains(&title)
        })
        .unwrap_or_else(|| panic!("row {:?} is no listed task", row.label))
}

/// The rows (submenus) after the section heading `heading`, up to the next non-row.
fn section_rows<'n>(layout: &'n Node, heading: &str) -> Vec<&'n Node> {
    let start = layout
        .children
        .iter()
        .position(|c| c.label == heading)
        .unwrap_or_else(|| panic!("no {heading:?} section in {layout:#?}"));
    layout.children[start + 1..]
        .iter()
        .take_while(|c| !c.children.is_empty())
        .collect()
}

/// The tray's palette for a task row (the tray icon's own colours).
const RUNNING_BLUE: [u8; 4] = [0x1f, 0x6f, 0xeb, 0xff];
const NEEDS_YOU_AMBER: [u8; 4] = [0xd9, 0x77, 0x06, 0xff];

fn log(dirs: &Dirs) -> String {
    std::fs::read_to_string(&dirs.log).unwrap_or_default()
}

/// "2 running · 1 needs you · updated 3 s ago" → "2 running · 1 needs you".
/// (`status` labels demo data "Demo · …"; the menu's status line does not.)
fn counts_part(status_line: &str) -> &str {
    let status_line = status_line.strip_prefix("Demo · ").unwrap_or(status_line);
    status_line
        .split(" · updated")
        .next()
        .unwrap_or(status_line)
}

struct Tray {
    bus: zbus::Connection,
    service: String,
    menu: OwnedObjectPath,
}

impl Tray {
    async fn layout(&self) -> Node {
        let reply = self
            .bus
            .call_method(
                Some(self.service.as_str()),
                &self.menu,
                Some(DBUSMENU),
                "GetLayout",
                &(0i32, -1i32, Vec::<String>::new()),
            )
            .await
            .unwrap();
        let (_revision, (id, props, children)): (u32, RootItem) =
            reply.body().deserialize().unwrap();
        let props = props
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.try_clone().unwrap())))
            .collect();
        let children = children.iter().map(|c| Node::parse(c)).collect();
        Node::from_parts(id, props, children)
    }

    async fn click(&self, node: &Node) {
        self.bus
            .call_method(
                Some(self.service.as_str()),
                &self.menu,
                Some(DBUSMENU),
                "Event",
                &(node.id, "clicked", Value::I32(0), 0u32),
            )
            .await
            .unwrap();
    }

    async fn click_label(&self, label: &str) {
        let layout = self.layout().await;
        let node = layout
            .find(label)
            .unwrap_or_else(|| panic!("no {label:?} in the menu: {layout:#?}"));
        self.click(node).await;
    }
}

async fn eventually<T>(
    what: &str,
    within: Duration,
    mut probe: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn environment_ready() -> Result<(), String> {
    for name in ["DISPLAY", "DBUS_SESSION_BUS_ADDRESS"] {
        if std::env::var_os(name).is_none_or(|v| v.is_empty()) {
            return Err(format!("{name} is not set"));
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tray_shows_the_demo_and_its_menu_works_over_dbus() {
    if let Err(why) = environment_ready() {
        if std::env::var_os("AGENTBAR_REQUIRE_TRAY_TEST").is_some() {
            panic!("the tray test must run here, but {why}");
        }
        skipped::skip(
            "tray",
            &format!("{why} (it needs a display and a session bus)"),
        );
        return;
    }
    let dirs = dirs();

    // The stand-in host: owning the watcher name is what makes appindicator register over SNI.
    let items = Arc::new(Mutex::new(Vec::new()));
    let _watcher = zbus::connection::Builder::session()
        .name(WATCHER)
        .serve_at(
            WATCHER_PATH,
            Watcher {
                items: items.clone(),
                on_register: None,
            },
        )
        .build()
        .await
        .expect("another StatusNotifierWatcher owns the name on this bus");
    let bus = zbus::Connection::session().await.unwrap();

    let log_file = std::fs::File::create(&dirs.log).unwrap();
    let child = agentbar(&dirs, &["demo", "--speed", "1"])
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .unwrap();
    let mut demo = Demo(child);

    // 1. The item registers with the watcher; read it back over D-Bus as a host would.
    let registered: Vec<String> = eventually(
        "the tray item registers",
        Duration::from_secs(20),
        async || {
            let reply = bus
                .call_method(
                    Some(WATCHER),
                    WATCHER_PATH,
                    Some("org.freedesktop.DBus.Properties"),
                    "Get",
                    &(WATCHER, "RegisteredStatusNotifierItems"),
                )
                .await
                .ok()?;
            let value: OwnedValue = reply.body().deserialize().ok()?;
            let items = Vec::<String>::try_from(value).ok()?;
            (!items.is_empty()).then_some(items)
        },
    )
    .await;
    assert_eq!(registered.len(), 1, "{registered:?}\n{}", log(&dirs));
    let (service, item_path) = match registered[0].find('/') {
        Some(i) => (registered[0][..i].to_owned(), registered[0][i..].to_owned()),
        None => (registered[0].clone(), "/StatusNotifierItem".to_owned()),
    };
    let reply = bus
        .call_method(
            Some(service.as_str()),
            item_path.as_str(),
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &("org.kde.StatusNotifierItem", "Menu"),
        )
        .await
        .unwrap();
    let menu_value: OwnedValue = reply.body().deserialize().unwrap();
    let menu = OwnedObjectPath::try_from(menu_value).unwrap();
    let tray = Tray { bus, service, menu };

    // 2. The status item and the sections match what `agentbar status --json` says.
    let (layout, status_json) = eventually(
        "the menu matches the demo's counts",
        Duration::from_secs(30),
        async || {
            let status_json = status(&dirs)?;
            let layout = tray.layout().await;
            let first = layout.children.first()?;
            let text = status_json["text"].as_str()?;
            (counts_part(&first.label) == counts_part(text)).then_some((layout, status_json))
        },
    )
    .await;
    let running = status_json["counts"]["running"].as_u64().unwrap() as usize;
    let waiting = status_json["counts"]["waiting"].as_u64().unwrap() as usize;
    assert!(
        running > 0 && waiting > 0,
        "the demo has work in both: {status_json}"
    );
    let first = &layout.children[0];
    assert!(!first.enabled, "the status line is not clickable");
    assert!(
        first.label.contains(&format!("{running} running")),
        "{}",
        first.label
    );
    assert!(
        first.label.contains(&format!("{waiting} needs you")),
        "{}",
        first.label
    );
    let labels: Vec<&str> = layout.children.iter().map(|c| c.label.as_str()).collect();
    eprintln!("menu over D-Bus: {labels:#?}");
    let rows_after = |heading: &str| -> usize {
        let start = labels
            .iter()
            .position(|l| *l == heading)
            .unwrap_or_else(|| panic!("no {heading:?} section in {labels:?}"));
        layout.children[start + 1..]
            .iter()
            .take_while(|c| !c.children.is_empty())
            .count()
    };
    assert_eq!(rows_after("Needs you"), waiting.min(8), "{labels:?}");
    assert_eq!(rows_after("Running"), running.min(8), "{labels:?}");
    for wanted in [
        "Refresh now",
        "Pause notifications",
        "Open at login",
        "Quit agentbar",
    ] {
        assert!(
            labels.contains(&wanted),
            "{wanted:?} missing from {labels:?}"
        );
    }
    // Several sources: the demo account signs out on its own.
    assert!(
        labels.iter().any(|l| l.starts_with("Sign out of demo")),
        "{labels:?}"
    );
    let needs_you = labels.iter().position(|l| *l == "Needs you").unwrap();
    let running_at = labels.iter().position(|l| *l == "Running").unwrap();
    assert!(needs_you < running_at, "Needs you comes first: {labels:?}");

    // 2a. One status line per source (the demo account and the local agents its player acts
    //     out), each "<name>: <health>", as `GET /v1/sources` lists them.
    let sources = api_get(&dirs, "/v1/sources")["sources"]
        .as_array()
        .cloned()
        .unwrap();
    assert!(
        sources.len() >= 2,
        "the demo runs several sources: {sources:?}"
    );
    for source in &sources {
        let name = source["name"].as_str().unwrap();
        let lines: Vec<&&str> = labels
            .iter()
            .filter(|l| l.starts_with(&format!("{name}: ")))
            .collect();
        assert_eq!(lines.len(), 1, "one line for {name}: {labels:?}");
    }

    // 2b. Each row carries a dot of its bucket's colour, read back from dbusmenu's PNG.
    assert_eq!(
        section_rows(&layout, "Needs you")[0].icon_centre(),
        NEEDS_YOU_AMBER
    );
    assert_eq!(
        section_rows(&layout, "Running")[0].icon_centre(),
        RUNNING_BLUE
    );

    // 2c. Recent is titled with its window, and offers to archive what is finished.
    assert!(labels.contains(&"Recent · 24 h"), "{labels:?}");
    assert!(labels.contains(&"Archive all finished"), "{labels:?}");

    // 2d. A row's submenu lists exactly what its task allows (`actions`), and Export log.
    let listed = tasks(&dirs, &[]);
    for heading in ["Needs you", "Running", "Recent · 24 h"] {
        let row = section_rows(&layout, heading)[0];
        let task = task_of(row, &listed);
        let mut wanted: Vec<&str> = task["actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| tray_label(a.as_str().unwrap()))
            .collect();
        wanted.push("Export log");
        assert_eq!(row.clickable(), wanted, "{heading}: {task}");
    }

    // 3. "Refresh now" makes the core poll at once (the next poll is a minute away otherwise):
    //    the log says so and the status line's age starts again.
    let before = log(&dirs).matches("refresh requested").count();
    tray.click_label("Refresh now").await;
    eventually(
        "a poll after Refresh now",
        Duration::from_secs(10),
        async || {
            let log = log(&dirs);
            let after = log.split("refresh requested").nth(before + 1)?;
            after.contains("next poll scheduled").then_some(())
        },
    )
    .await;

    // 4. Opening a task row's page hands its URL to the browser (BROWSER, through xdg-open).
    let tasks_json: Json = serde_json::from_slice(
        &agentbar(&dirs, &["tasks", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let layout = tray.layout().await;
    let row = &layout.children[needs_you + 1];
    let open = row
        .children
        .iter()
        .find(|c| c.label == "Open task")
        .unwrap_or_else(|| panic!("no Open task in {row:#?}"));
    let submenu: Vec<&str> = row.children.iter().map(|c| c.label.as_str()).collect();
    for wanted in [
        "Open task",
        "Open pull request",
        "Open logs (web)",
        "Copy link",
        "Stop…",
    ] {
        assert!(
            submenu.contains(&wanted),
            "{wanted:?} missing from {submenu:?}"
        );
    }
    tray.click(open).await;
    let opened = eventually(
        "the browser is handed the URL",
        Duration::from_secs(10),
        async || {
            let text = std::fs::read_to_string(&dirs.browser_log).ok()?;
            text.lines().next().map(str::to_owned)
        },
    )
    .await;
    eprintln!("row {:?} opened {opened}", row.label);
    let task = tasks_json["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["url"] == opened.as_str())
        .unwrap_or_else(|| panic!("{opened} is no task's URL"));
    let title: String = task["title"].as_str().unwrap().chars().take(40).collect();
    assert!(
        row.label.contains(&title),
        "row {:?} opened {opened}",
        row.label
    );
    assert_eq!(task["bucket"], "waiting");

    // 4a. Export log writes the task's Markdown transcript into Downloads, and Archive on a
    //     finished row takes it out of the menu and into the archived list.
    let layout = tray.layout().await;
    let recent = section_rows(&layout, "Recent · 24 h");
    let finished = recent[0].clone();
    let task = task_of(&finished, &listed).clone();
    let title = task["title"].as_str().unwrap();
    let key = task["key"].as_str().unwrap();
    let export = finished.find("Export log").unwrap();
    tray.click(export).await;
    let saved = eventually(
        "the exported log is in Downloads",
        Duration::from_secs(15),
        async || {
            let entry = std::fs::read_dir(&dirs.downloads).ok()?.next()?.ok()?;
            std::fs::read_to_string(entry.path()).ok()
        },
    )
    .await;
    assert!(saved.starts_with(&format!("# {title}\n")), "{saved}");
    let archive = finished
        .find("Archive")
        .unwrap_or_else(|| panic!("no Archive in {finished:#?}"));
    tray.click(archive).await;
    let short: String = title.chars().take(40).collect();
    eventually(
        "the archived row leaves the menu",
        Duration::from_secs(10),
        async || {
            let layout = tray.layout().await;
            let still = layout
                .children
                .iter()
                .any(|c| !c.children.is_empty() && c.label.contains(&short));
            (!still).then_some(())
        },
    )
    .await;
    let archived = tasks(&dirs, &["--archived"]);
    assert!(
        archived.iter().any(|t| t["key"] == key),
        "{key} is not under ?archived=true: {archived:?}"
    );
    assert!(
        !tasks(&dirs, &[]).iter().any(|t| t["key"] == key),
        "{key} is still listed"
    );

    // 5. Open at login writes the XDG autostart entry, and unticking removes it.
    let entry = dirs.xdg_config.join("autostart/agentbar.desktop");
    assert!(!entry.exists());
    let toggle = |layout: &Node| layout.find("Open at login").and_then(|n| n.toggle_state);
    assert_eq!(toggle(&tray.layout().await), Some(0));
    tray.click_label("Open at login").await;
    eventually(
        "the autostart entry appears",
        Duration::from_secs(5),
        async || entry.exists().then_some(()),
    )
    .await;
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(
        text.contains(&format!("Exec=\"{}\" run", Path::new(BIN).display())),
        "{text}"
    );
    eventually("the box is ticked", Duration::from_secs(5), async || {
        (toggle(&tray.layout().await) == Some(1)).then_some(())
    })
    .await;
    tray.click_label("Open at login").await;
    eventually(
        "the autostart entry goes",
        Duration::from_secs(5),
        async || (!entry.exists()).then_some(()),
    )
    .await;

    // 6. Quit: the shutdown sequence runs and the process is gone within 2 s.
    tray.click_label("Quit agentbar").await;
    let clicked = Instant::now();
    let exit = loop {
        if let Some(exit) = demo.0.try_wait().unwrap() {
            break exit;
        }
        assert!(
            clicked.elapsed() < Duration::from_secs(2),
            "still running 2 s after Quit\n{}",
            log(&dirs)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit:?}\n{}", log(&dirs));
    let log = log(&dirs);
    assert!(log.contains("the tray is up"), "{log}");
    assert!(
        log.contains("stopped cleanly"),
        "the shutdown sequence ran:\n{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
}
