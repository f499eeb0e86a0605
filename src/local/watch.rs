//! The loop that keeps one tool's sessions current: directory watches (`notify`, never one per
//! file) mark files dirty, a slow rescan is the safety net (missed events, liveness, the "your
//! turn" window running out), hook events fold into the overlay; each change publishes the tasks.
//!
//! It runs on a thread of its own and sleeps until something happens: no periodic work beyond
//! the rescan.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use super::event::LocalHookEvent;
use super::live::SystemProbe;
use super::scan::{SessionView, ToolScanner, WATCH_RECENT};
use super::settings::LocalSettings;
use crate::model::Task;

/// The safety-net rescan.
pub const RESCAN: Duration = Duration::from_secs(30);
/// Events arriving together (a hook and the file lines it wrote) are handled as one.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// What wakes the loop.
#[derive(Debug)]
pub enum Wake {
    /// The watcher saw these paths change.
    Paths(Vec<PathBuf>),
    /// The watcher lost events (overflow) or failed: look at everything.
    Rescan,
    Hook(Box<LocalHookEvent>),
    Stop,
}

/// The sending end of a running loop; dropping it does not stop the loop, [`WatchHandle::stop`]
/// does.
#[derive(Clone, Debug)]
pub struct WatchHandle(mpsc::Sender<Wake>);

impl WatchHandle {
    pub fn refresh(&self) {
        let _ = self.0.send(Wake::Rescan);
    }

    pub fn hook(&self, event: LocalHookEvent) {
        let _ = self.0.send(Wake::Hook(Box::new(event)));
    }

    pub fn stop(&self) {
        let _ = self.0.send(Wake::Stop);
    }
}

/// Starts the loop for one tool; `publish` gets every session (with its task) after every change
/// of the task list (and once at start), on the loop's thread.
pub fn spawn_watch(
    mut scanner: ToolScanner,
    settings: LocalSettings,
    publish: impl Fn(Vec<SessionView>) + Send + 'static,
) -> std::io::Result<WatchHandle> {
    let (tx, rx) = mpsc::channel();
    let handle = WatchHandle(tx.clone());
    thread::Builder::new()
        .name(format!("local-{}", scanner.tool.as_str()))
        .spawn(move || {
            let events = tx.clone();
            // The watcher's callback runs on notify's thread: it only forwards paths.
            let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
                let wake = match res {
                    Ok(event) if event.need_rescan() => Wake::Rescan,
                    // Our own reads open the files we watch: news only when something wrote.
                    Ok(event) if !says_written(&event.kind) => return,
                    Ok(event) => Wake::Paths(event.paths),
                    Err(_) => Wake::Rescan,
                };
                let _ = events.send(wake);
            });
            let mut watcher = match watcher {
                Ok(w) => Some(w),
                Err(error) => {
                    tracing::warn!(%error, "local sessions are not watched; rescanning every 30 s");
                    None
                }
            };
            let mut watched = BTreeSet::new();
            let mut last = None;
            let mut next_rescan = Instant::now();
            loop {
                let now = Instant::now();
                if now >= next_rescan {
                    scanner.rescan(Some(WATCH_RECENT));
                    scanner.expire_overlays(chrono::Utc::now());
                    rewatch(&scanner, watcher.as_mut(), &mut watched);
                    next_rescan = now + RESCAN;
                    last = publish_if_changed(&scanner, &settings, last, &publish);
                }
                let wait = next_rescan.saturating_duration_since(Instant::now());
                let first = match rx.recv_timeout(wait) {
                    Ok(wake) => wake,
                    Err(mpsc::RecvTimeoutError::Timeout) => continue,
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                };
                let mut wakes = vec![first];
                let until = Instant::now() + DEBOUNCE;
                while let Ok(more) =
                    rx.recv_timeout(until.saturating_duration_since(Instant::now()))
                {
                    wakes.push(more);
                }
                let mut rescan = false;
                for wake in wakes {
                    match wake {
                        Wake::Stop => return,
                        Wake::Rescan => rescan = true,
                        Wake::Hook(event) => scanner.hook(&event),
                        Wake::Paths(paths) => {
                            for path in paths {
                                // An unknown path (a new file, a registry or lock file, a
                                // directory): a rescan finds what it is.
                                rescan |= !scanner.poll_path(&path);
                            }
                        }
                    }
                }
                if rescan {
                    next_rescan = Instant::now();
                } else {
                    last = publish_if_changed(&scanner, &settings, last, &publish);
                }
            }
        })?;
    Ok(handle)
}

/// Whether an event can mean new bytes or a new, moved or removed file. inotify also reports
/// every open and close (`Access`), and each read of ours is one: waking on those would read
/// again, and again, for ever.
fn says_written(kind: &notify::EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode, EventKind};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

fn publish_if_changed(
    scanner: &ToolScanner,
    settings: &LocalSettings,
    last: Option<Vec<Task>>,
    publish: &impl Fn(Vec<SessionView>),
) -> Option<Vec<Task>> {
    let probe = SystemProbe::snapshot();
    let views = scanner.sessions(&probe, settings, chrono::Utc::now());
    let tasks: Vec<Task> = views.iter().map(|v| v.task.clone()).collect();
    if last.as_ref() != Some(&tasks) {
        publish(views);
    }
    Some(tasks)
}

/// Watches the tool's hot directories now, and no others.
fn rewatch(
    scanner: &ToolScanner,
    watcher: Option<&mut notify::RecommendedWatcher>,
    watched: &mut BTreeSet<PathBuf>,
) {
    let Some(watcher) = watcher else { return };
    let today = chrono::Local::now().date_naive();
    let wanted: BTreeSet<PathBuf> = scanner.hot_dirs(today).into_iter().collect();
    for gone in watched.difference(&wanted) {
        let _ = watcher.unwatch(gone);
    }
    for dir in wanted.difference(watched) {
        if let Err(error) = watcher.watch(dir, RecursiveMode::NonRecursive) {
            // ENOSPC (the watch limit) and the like: the rescan still covers the directory.
            tracing::debug!(%error, "a local session directory is not watched");
        }
    }
    *watched = wanted;
}

/// Hands each hook event from the API to the loop of its tool (`route` finds it), on a thread of
/// its own: it sleeps in `recv` until an event comes, and ends when the route's sending end is
/// gone.
pub fn spawn_hook_router(
    inbox: super::event::HookInbox,
    route: impl Fn(super::event::LocalTool) -> Option<WatchHandle> + Send + 'static,
) -> std::io::Result<()> {
    thread::Builder::new()
        .name("local-hooks".into())
        .spawn(move || {
            while let Ok(event) = inbox.recv() {
                if let Some(handle) = route(event.tool) {
                    handle.hook(event);
                }
            }
        })
        .map(|_| ())
}
