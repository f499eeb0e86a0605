//! Start-up probes for the measurement scripts (`bench/memory.sh`, `bench/tray.sh`):
//!
//! - `bench-probe api ENDPOINT_FILE MIN_TASKS -- CMD ARGS…` launches CMD and prints, on one line,
//!   its pid, the milliseconds from launch to the first `200` of `GET /v1/tasks` (the URL and
//!   bearer token are read from ENDPOINT_FILE, the discovery file's shape), and the milliseconds
//!   to the first answer listing at least MIN_TASKS tasks (`counts.total`). Polls every
//!   millisecond with a raw HTTP/1.1 request, so the probe adds no client start-up of its own;
//!   an answer counts when its last byte has arrived (the probe's own parsing comes after).
//! - `bench-probe watcher LOG` stands in for a tray host's StatusNotifierWatcher on the session
//!   bus and appends a line per event to LOG: `register UNIX_NS PID ITEM` when an item
//!   registers, `icon UNIX_NS PID ITEM` once the item's icon can be read over D-Bus (a non-empty
//!   `IconPixmap`, or an `IconName` whose PNG exists: a path, or a name under `IconThemePath`)
//!   — the moment a host could first paint it.
//! - `bench-probe tray LOG -- CMD ARGS…` launches CMD and prints its pid and the milliseconds
//!   from launch to its `register` and `icon` lines in the watcher's LOG.
//!
//! The launched program keeps running after the probe exits; the scripts measure and stop it.
//! Its output goes to the file named by `BENCH_PROBE_OUTPUT`, if set.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use zbus::OwnedVariant as OwnedValue;

#[path = "../tests/support/sni_watcher.rs"]
mod sni_watcher;
use sni_watcher::{WATCHER, WATCHER_PATH, Watcher};

const ITEM: &str = "org.kde.StatusNotifierItem";
/// How long a probe waits before giving up.
const GIVE_UP: Duration = Duration::from_secs(60);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = |from: usize| -> Option<&[String]> {
        let rest = args.get(from..)?;
        (rest.first()? == "--" && rest.len() > 1).then(|| &rest[1..])
    };
    let result = match args.first().map(String::as_str) {
        Some("api") => match (
            args.get(1),
            args.get(2).and_then(|n| n.parse().ok()),
            command(3),
        ) {
            (Some(file), Some(min), Some(cmd)) => probe_api(Path::new(file), min, cmd),
            _ => Err(usage()),
        },
        Some("watcher") => match args.get(1) {
            Some(log) => run_watcher(PathBuf::from(log)),
            None => Err(usage()),
        },
        Some("tray") => match (args.get(1), command(2)) {
            (Some(log), Some(cmd)) => probe_tray(Path::new(log), cmd),
            _ => Err(usage()),
        },
        _ => Err(usage()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-probe: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    "usage: bench-probe api ENDPOINT_FILE MIN_TASKS -- CMD… | watcher LOG | tray LOG -- CMD…".into()
}

fn unix_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Starts CMD with its standard output and error appended to the file named by
/// `BENCH_PROBE_OUTPUT` (discarded without it: the program outlives the probe, and must not
/// hold the caller's pipe open) and returns it with the launch instant.
fn launch(cmd: &[String]) -> Result<(std::process::Child, Instant, u128), String> {
    let output = || match std::env::var_os("BENCH_PROBE_OUTPUT") {
        Some(path) => std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map(Stdio::from)
            .map_err(|e| format!("cannot open {}: {e}", path.to_string_lossy())),
        None => Ok(Stdio::null()),
    };
    let (stdout, stderr) = (output()?, output()?);
    let started = Instant::now();
    let started_ns = unix_ns();
    let child = Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", cmd[0]))?;
    Ok((child, started, started_ns))
}

fn probe_api(endpoint_file: &Path, min_tasks: u64, cmd: &[String]) -> Result<(), String> {
    let (mut child, started, _) = launch(cmd)?;
    let mut first_answer = None;
    while started.elapsed() < GIVE_UP {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("{} exited early: {status}", cmd[0]));
        }
        if let Some((total, at)) = tasks_total(endpoint_file, started) {
            let first = *first_answer.get_or_insert(at);
            if total >= min_tasks {
                println!("{} {} {}", child.id(), ms(first), ms(at));
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Err(format!(
        "no answer with {min_tasks} tasks within {GIVE_UP:?}"
    ))
}

/// `counts.total` of `GET /v1/tasks` (0 when the answer has no counts), if it answers 200, and
/// when the whole answer had arrived (before the probe's own parsing of it).
fn tasks_total(endpoint_file: &Path, started: Instant) -> Option<(u64, Duration)> {
    let text = std::fs::read_to_string(endpoint_file).ok()?;
    let endpoint: serde_json::Value = serde_json::from_str(&text).ok()?;
    let url = endpoint["url"].as_str()?;
    let token = endpoint["token"].as_str()?;
    let authority = url.strip_prefix("http://")?.trim_end_matches('/');
    let mut stream = TcpStream::connect(authority).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!(
        "GET /v1/tasks HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let arrived = started.elapsed();
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") {
        return None;
    }
    let body: serde_json::Value = serde_json::from_str(body).ok()?;
    Some((body["counts"]["total"].as_u64().unwrap_or(0), arrived))
}

fn probe_tray(log: &Path, cmd: &[String]) -> Result<(), String> {
    let (mut child, started, started_ns) = launch(cmd)?;
    let pid = child.id().to_string();
    while started.elapsed() < GIVE_UP {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("{} exited early: {status}", cmd[0]));
        }
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let at = |kind: &str| {
            text.lines().find_map(|line| {
                let fields: Vec<&str> = line.split(' ').collect();
                (fields.len() >= 3 && fields[0] == kind && fields[2] == pid)
                    .then(|| fields[1].parse::<u128>().ok())
                    .flatten()
            })
        };
        if let (Some(registered), Some(icon)) = (at("register"), at("icon")) {
            let since = |ns: u128| format!("{:.1}", ns.saturating_sub(started_ns) as f64 / 1e6);
            println!("{pid} {} {}", since(registered), since(icon));
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Err(format!(
        "{} never showed a tray icon within {GIVE_UP:?}",
        cmd[0]
    ))
}

/// Appends lines to the watcher's log, one write each so readers never see half a line.
#[derive(Clone)]
struct EventLog {
    path: Arc<PathBuf>,
}

impl EventLog {
    fn append(&self, kind: &str, at_ns: u128, pid: u32, item: &str) {
        let line = format!("{kind} {at_ns} {pid} {item}\n");
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path.as_path())
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = written {
            eprintln!("bench-probe: cannot write {}: {e}", self.path.display());
        }
    }
}

async fn sender_pid(bus: &zbus::Connection, sender: &str) -> Option<u32> {
    let dbus = zbus::fdo::DBusProxy::new(bus).await.ok()?;
    let name = zbus::names::BusName::try_from(sender).ok()?;
    dbus.get_connection_unix_process_id(name).await.ok()
}

/// Whether a host could draw the item now: its properties answer with a pixmap, or with an
/// icon whose PNG file exists (how appindicator hands over an icon).
async fn icon_readable(bus: &zbus::Connection, name: &str, path: &str) -> bool {
    let Ok(reply) = bus
        .call_method(
            Some(name),
            path,
            Some("org.freedesktop.DBus.Properties"),
            "GetAll",
            &(ITEM,),
        )
        .await
    else {
        return false;
    };
    let Ok(props) = reply.body().deserialize::<HashMap<String, OwnedValue>>() else {
        return false;
    };
    let text = |key: &str| {
        props
            .get(key)
            .and_then(|v| String::try_from(v.try_clone().ok()?).ok())
            .unwrap_or_default()
    };
    let pixmap = props
        .get("IconPixmap")
        .and_then(|v| Vec::<(i32, i32, Vec<u8>)>::try_from(v.try_clone().ok()?).ok())
        .is_some_and(|images| images.iter().any(|(_, _, data)| !data.is_empty()));
    // appindicator hands over a PNG: an absolute path, or a name in the theme path.
    let icon_name = text("IconName");
    let theme_path = text("IconThemePath");
    let file = if icon_name.starts_with('/') {
        PathBuf::from(&icon_name)
    } else {
        Path::new(&theme_path).join(format!("{icon_name}.png"))
    };
    let named = !icon_name.is_empty() && file.exists();
    pixmap || named
}

fn run_watcher(log: PathBuf) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let bus = zbus::Connection::session()
            .await
            .map_err(|e| format!("no session bus: {e}"))?;
        let log = EventLog {
            path: Arc::new(log),
        };
        let handle = tokio::runtime::Handle::current();
        let on_register_bus = bus.clone();
        let watcher = Watcher {
            items: Arc::default(),
            on_register: Some(Box::new(move |sender, name, path| {
                let registered_ns = unix_ns();
                let (bus, log) = (on_register_bus.clone(), log.clone());
                let (sender, name, path) = (sender.to_owned(), name.to_owned(), path.to_owned());
                // Off the method call: it asks the bus and the item in turn.
                handle.spawn(async move {
                    let item = format!("{name}{path}");
                    let pid = sender_pid(&bus, &sender).await.unwrap_or(0);
                    log.append("register", registered_ns, pid, &item);
                    let deadline = Instant::now() + GIVE_UP;
                    while Instant::now() < deadline {
                        if icon_readable(&bus, &name, &path).await {
                            log.append("icon", unix_ns(), pid, &item);
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                });
            })),
        };
        bus.object_server()
            .at(WATCHER_PATH, watcher)
            .await
            .map_err(|e| e.to_string())?;
        bus.request_name(WATCHER)
            .await
            .map_err(|e| format!("another StatusNotifierWatcher owns the name: {e}"))?;
        eprintln!("bench-probe: StatusNotifierWatcher on the session bus");
        std::future::pending::<Result<(), String>>().await
    })
}
