//! One tool's sessions: finding their files under the tool's root, reading them through cursors,
//! the side files (Claude's registry and background jobs, Codex's thread names, Copilot's
//! workspace, Gemini's project root), the hooks' overlays, and the tasks they make.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};

use super::claude::{ClaudeTranscript, RegistryEntry};
use super::codex::{CodexTranscript, SessionIndex, thread_id_from_name};
use super::copilot::{CopilotTranscript, Workspace};
use super::derive::{Liveness, LocalState, RegistryStatus, derive};
use super::event::{LocalHookEvent, LocalTool};
use super::gemini::GeminiTranscript;
use super::hook::{self, Overlay};
use super::jobs::{Job, JobState};
use super::live::Probe;
use super::reading::{ReadError, Reading, Transcript, Turn, Waiting, WaitingKind};
use super::settings::LocalSettings;
use super::tail::{Cursor, Limits, LineSink};
use super::task::{TaskContext, to_task};
use crate::model::Task;

/// Files older than this are not tracked unless their session is live.
pub const WATCH_RECENT: TimeDelta = TimeDelta::hours(24);
/// Side files (registry entries, workspace.yaml, .project_root) are read whole up to this size.
const SIDE_FILE_MAX: u64 = 16 * 1024;

/// A transcript of any tool.
enum AnyTranscript {
    Claude(ClaudeTranscript),
    Codex(CodexTranscript),
    Copilot(CopilotTranscript),
    Gemini(GeminiTranscript),
}

impl AnyTranscript {
    fn new(tool: LocalTool) -> AnyTranscript {
        match tool {
            LocalTool::ClaudeCode => AnyTranscript::Claude(ClaudeTranscript::default()),
            LocalTool::Codex => AnyTranscript::Codex(CodexTranscript::default()),
            LocalTool::CopilotCli => AnyTranscript::Copilot(CopilotTranscript::default()),
            LocalTool::GeminiCli => AnyTranscript::Gemini(GeminiTranscript::default()),
        }
    }

    fn sink(&mut self) -> &mut dyn LineSink {
        match self {
            AnyTranscript::Claude(t) => t,
            AnyTranscript::Codex(t) => t,
            AnyTranscript::Copilot(t) => t,
            AnyTranscript::Gemini(t) => t,
        }
    }

    fn reading(&self) -> Reading {
        match self {
            AnyTranscript::Claude(t) => t.reading(),
            AnyTranscript::Codex(t) => t.reading(),
            AnyTranscript::Copilot(t) => t.reading(),
            AnyTranscript::Gemini(t) => t.reading(),
        }
    }
}

/// One tracked session file.
struct Tracked {
    /// The id the file's name carries (Gemini's is the first 8 characters only).
    file_id: String,
    cursor: Cursor,
    transcript: AnyTranscript,
    modified: DateTime<Utc>,
    /// The last read failed (the file is kept with what was read before).
    unreadable: bool,
}

/// One session as the scanner sees it now.
#[derive(Clone, Debug)]
pub struct SessionView {
    /// The transcript, or a background job's `state.json` when its transcript is not tracked.
    pub path: PathBuf,
    /// Whether `path` is the session's transcript (its log).
    pub from_transcript: bool,
    /// The Claude Code background job this session runs as.
    pub job: Option<Job>,
    pub reading: Reading,
    pub liveness: Liveness,
    pub state: LocalState,
    pub task: Task,
}

/// A tool's sessions under its root.
pub struct ToolScanner {
    pub tool: LocalTool,
    pub root: PathBuf,
    limits: Limits,
    files: HashMap<PathBuf, Tracked>,
    /// Claude's live registry, by session id.
    registry: HashMap<String, RegistryEntry>,
    /// Claude's background sessions, by short id.
    jobs: Vec<Job>,
    /// Codex's thread names.
    index: SessionIndex,
    index_cursor: Cursor,
    overlays: HashMap<String, Overlay>,
    /// Bytes read from session files since start, for the benchmarks.
    pub bytes_read: u64,
}

fn modified(meta: &fs::Metadata) -> DateTime<Utc> {
    meta.modified()
        .map(DateTime::<Utc>::from)
        .unwrap_or_else(|_| Utc::now())
}

fn read_small(path: &Path) -> Option<Vec<u8>> {
    let file = fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(SIDE_FILE_MAX).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn dir_entries(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

fn name_of(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

impl ToolScanner {
    pub fn new(tool: LocalTool, root: PathBuf) -> ToolScanner {
        ToolScanner::with_limits(tool, root, Limits::default())
    }

    pub fn with_limits(tool: LocalTool, root: PathBuf, limits: Limits) -> ToolScanner {
        ToolScanner {
            tool,
            root,
            limits,
            files: HashMap::new(),
            registry: HashMap::new(),
            jobs: Vec::new(),
            index: SessionIndex::default(),
            index_cursor: Cursor::default(),
            overlays: HashMap::new(),
            bytes_read: 0,
        }
    }

    /// Whether the tool is installed at all (its root exists); a missing tool costs one `stat`.
    pub fn installed(&self) -> bool {
        self.root.is_dir()
    }

    /// The directories to watch (never files): where new sessions and side files appear.
    pub fn watch_dirs(&self) -> Vec<PathBuf> {
        let r = &self.root;
        match self.tool {
            LocalTool::ClaudeCode => vec![r.join("projects"), r.join("sessions"), r.join("jobs")],
            LocalTool::Codex => vec![r.join("sessions"), r.join("thread-writer-locks"), r.clone()],
            LocalTool::CopilotCli => vec![r.join("session-state")],
            LocalTool::GeminiCli => vec![r.join("tmp")],
        }
    }

    /// Every session file the tool has, as `(path, id in its name)`.
    fn discover(&self) -> Vec<(PathBuf, String)> {
        let r = &self.root;
        let mut found = Vec::new();
        match self.tool {
            LocalTool::ClaudeCode => {
                for project in dir_entries(&r.join("projects")) {
                    for file in dir_entries(&project) {
                        if let Some(id) = name_of(&file).strip_suffix(".jsonl") {
                            found.push((file.clone(), id.to_owned()));
                        }
                    }
                }
            }
            LocalTool::Codex => {
                for year in dir_entries(&r.join("sessions")) {
                    for month in dir_entries(&year) {
                        for day in dir_entries(&month) {
                            for file in dir_entries(&day) {
                                // Cold `.jsonl.zst` archives have no id here: never tailed.
                                if let Some(id) = thread_id_from_name(name_of(&file)) {
                                    found.push((file.clone(), id));
                                }
                            }
                        }
                    }
                }
            }
            LocalTool::CopilotCli => {
                for dir in dir_entries(&r.join("session-state")) {
                    let events = dir.join("events.jsonl");
                    if events.is_file() {
                        found.push((events, name_of(&dir).to_owned()));
                    }
                }
            }
            LocalTool::GeminiCli => {
                for slug in dir_entries(&r.join("tmp")) {
                    for file in dir_entries(&slug.join("chats")) {
                        let name = name_of(&file);
                        if let Some(stem) = name
                            .strip_prefix("session-")
                            .and_then(|n| n.strip_suffix(".jsonl"))
                            && let Some((_, id)) = stem.rsplit_once('-')
                        {
                            found.push((file.clone(), id.to_owned()));
                        }
                    }
                }
            }
        }
        found
    }

    /// Looks at the files again: new ones are opened (bounded), changed ones read from their
    /// cursor, vanished ones dropped. `recent` skips files untouched for longer (none in tests).
    pub fn rescan(&mut self, recent: Option<TimeDelta>) {
        if !self.installed() {
            self.files.clear();
            return;
        }
        self.read_side_files();
        let wall = Utc::now();
        // Finished background jobs stay on disk: like transcripts, only recent ones are shown.
        if let Some(recent) = recent {
            self.jobs.retain(|j| {
                j.is_active()
                    || j.last_change()
                        .is_some_and(|at| wall.signed_duration_since(at) <= recent)
            });
        }
        let found = self.discover();
        let present: std::collections::HashSet<&PathBuf> = found.iter().map(|(p, _)| p).collect();
        self.files.retain(|path, _| present.contains(path));
        for (path, file_id) in &found {
            let Ok(meta) = fs::metadata(path) else {
                continue;
            };
            let mtime = modified(&meta);
            let live = self.registry.contains_key(file_id.as_str());
            if !self.files.contains_key(path)
                && !live
                && recent.is_some_and(|r| wall.signed_duration_since(mtime) > r)
            {
                continue;
            }
            self.poll_file(path, file_id, mtime);
        }
    }

    /// Reads what is new in one tracked file (the watcher calls this for a changed path);
    /// `false` when the path is no tracked session file (then a rescan finds what it is).
    pub fn poll_path(&mut self, path: &Path) -> bool {
        let Some(file_id) = self.files.get(path).map(|t| t.file_id.clone()) else {
            return false;
        };
        match fs::metadata(path) {
            Ok(meta) => self.poll_file(path, &file_id, modified(&meta)),
            Err(_) => {
                self.files.remove(path);
            }
        }
        true
    }

    /// The directories holding tracked files, plus where new sessions of this tool appear: what
    /// the watcher watches, each without recursion (never one watch per file).
    pub fn hot_dirs(&self, today: chrono::NaiveDate) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self.watch_dirs();
        dirs.extend(
            self.files
                .keys()
                .filter_map(|p| p.parent().map(Path::to_owned)),
        );
        let r = &self.root;
        match self.tool {
            LocalTool::Codex => {
                // Rollouts are filed by local date: today's and yesterday's folders.
                for day in [today, today - chrono::Days::new(1)] {
                    dirs.push(r.join("sessions").join(day.format("%Y/%m/%d").to_string()));
                }
            }
            LocalTool::GeminiCli => {
                for slug in dir_entries(&r.join("tmp")) {
                    dirs.push(slug.join("chats"));
                    dirs.push(slug);
                }
            }
            LocalTool::ClaudeCode | LocalTool::CopilotCli => {
                // A running job rewrites its `state.json` inside its own directory.
                dirs.extend(
                    self.jobs
                        .iter()
                        .filter(|j| j.is_active())
                        .map(|j| r.join("jobs").join(&j.short_id)),
                );
                let parent = match self.tool {
                    LocalTool::ClaudeCode => r.join("projects"),
                    _ => r.join("session-state"),
                };
                let wall = Utc::now();
                for dir in dir_entries(&parent) {
                    let recent = fs::metadata(&dir)
                        .ok()
                        .is_some_and(|m| wall.signed_duration_since(modified(&m)) <= WATCH_RECENT);
                    if recent {
                        dirs.push(dir);
                    }
                }
            }
        }
        dirs.retain(|d| d.is_dir());
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// How many session files are tracked.
    pub fn tracked(&self) -> usize {
        self.files.len()
    }

    fn poll_file(&mut self, path: &Path, file_id: &str, mtime: DateTime<Utc>) {
        let tool = self.tool;
        let tracked = self
            .files
            .entry(path.to_owned())
            .or_insert_with(|| Tracked {
                file_id: file_id.to_owned(),
                cursor: Cursor::default(),
                transcript: AnyTranscript::new(tool),
                modified: mtime,
                unreadable: false,
            });
        tracked.modified = mtime;
        match &mut tracked.transcript {
            AnyTranscript::Copilot(t) => {
                let yaml = path.with_file_name("workspace.yaml");
                let text = read_small(&yaml).unwrap_or_default();
                t.set_workspace(Workspace::parse(&String::from_utf8_lossy(&text)));
            }
            AnyTranscript::Gemini(t) => {
                let root = path
                    .parent()
                    .and_then(Path::parent)
                    .map(|slug| slug.join(".project_root"))
                    .and_then(|p| read_small(&p))
                    .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
                    .filter(|s| !s.is_empty());
                t.set_project_root(root);
            }
            _ => {}
        }
        let before = tracked.cursor.bytes_read;
        let polled = tracked
            .cursor
            .poll(path, &self.limits, tracked.transcript.sink());
        tracked.unreadable = polled.is_err();
        if let Err(error) = polled {
            tracing::debug!(tool = tool.as_str(), %error, "a local session file could not be read");
        }
        self.bytes_read += tracked.cursor.bytes_read - before;
    }

    fn read_side_files(&mut self) {
        match self.tool {
            LocalTool::ClaudeCode => {
                self.registry = dir_entries(&self.root.join("sessions"))
                    .into_iter()
                    .filter(|p| name_of(p).ends_with(".json"))
                    .filter_map(|p| read_small(&p))
                    .filter_map(|bytes| RegistryEntry::parse(&bytes))
                    .map(|e| (e.session_id.clone(), e))
                    .collect();
                self.jobs = super::jobs::read_all(&self.root, SIDE_FILE_MAX);
            }
            LocalTool::Codex => {
                let index = self.root.join("session_index.jsonl");
                if index.is_file() {
                    let _ = self
                        .index_cursor
                        .poll(&index, &self.limits, &mut self.index);
                }
            }
            _ => {}
        }
    }

    /// Folds a hook event into its session's overlay.
    pub fn hook(&mut self, event: &LocalHookEvent) {
        let mut overlay = self.overlays.remove(&event.session_id);
        hook::apply(&mut overlay, event);
        if let Some(overlay) = overlay {
            self.overlays.insert(event.session_id.clone(), overlay);
        }
    }

    /// Drops overlays that expired.
    pub fn expire_overlays(&mut self, now: DateTime<Utc>) {
        self.overlays
            .retain(|_, o| now.signed_duration_since(o.at) <= hook::OVERLAY_TTL);
    }

    fn liveness(&self, reading: &Reading, session_id: &str, probe: &dyn Probe) -> Liveness {
        let known = |alive: Option<bool>| match alive {
            Some(true) => Liveness::Alive,
            Some(false) => Liveness::Dead,
            None => Liveness::Unknown,
        };
        match self.tool {
            LocalTool::ClaudeCode => match self.registry.get(session_id) {
                Some(entry) => known(probe.pid_alive(entry.pid, entry.started_at)),
                // Without a registry file (older builds, SDK runs): a `claude` process in the
                // session's directory.
                None => match reading.cwd.as_deref() {
                    Some(cwd) => known(probe.runs_in(&["claude"], cwd)),
                    None => Liveness::Unknown,
                },
            },
            LocalTool::Codex => {
                let lock = self
                    .root
                    .join("thread-writer-locks")
                    .join(format!("{session_id}.lock"));
                // A clean exit deletes the lock; a crash leaves it, unheld.
                if lock.exists() {
                    known(probe.lock_held(&lock))
                } else {
                    Liveness::Dead
                }
            }
            LocalTool::CopilotCli => {
                let dir = self.root.join("session-state").join(session_id);
                known(probe.holds_open(&["copilot"], &dir))
            }
            LocalTool::GeminiCli => match reading.cwd.as_deref() {
                Some(cwd) => known(probe.runs_in(&["gemini", "node"], cwd)),
                None => Liveness::Unknown,
            },
        }
    }

    /// What Claude's live registry says of a session, when its build writes a status.
    fn registry_status(&self, session_id: &str) -> Option<RegistryStatus> {
        let entry = self.registry.get(session_id)?;
        match entry.status.as_deref() {
            Some("busy" | "shell") => Some(RegistryStatus::Busy),
            Some("idle") => Some(RegistryStatus::Idle),
            Some("waiting") => entry.waiting().map(RegistryStatus::Waiting),
            _ => None,
        }
    }

    /// The background job whose session this is.
    fn job_of(&self, session_id: &str) -> Option<&Job> {
        self.jobs
            .iter()
            .find(|j| j.session_id.as_deref() == Some(session_id))
    }

    /// Every tracked session, and every background job whose transcript is not tracked: its
    /// reading, liveness, state and task.
    pub fn sessions(
        &self,
        probe: &dyn Probe,
        settings: &LocalSettings,
        now: DateTime<Utc>,
    ) -> Vec<SessionView> {
        let mut views = Vec::new();
        let mut jobs_shown = std::collections::HashSet::new();
        for (path, tracked) in &self.files {
            let mut reading = tracked.transcript.reading();
            reading.history_skipped |= tracked.cursor.history_skipped;
            if reading.session_id.is_none() && tracked.cursor.offset() == 0 {
                continue;
            }
            let session_id = reading
                .session_id
                .clone()
                .unwrap_or_else(|| tracked.file_id.clone());
            if self.tool == LocalTool::Codex
                && let Some(name) = self.index.names.get(&session_id)
            {
                reading.own_title = Some(name.clone());
            }
            let job = self.job_of(&session_id);
            if let Some(job) = job {
                jobs_shown.insert(job.short_id.as_str());
                reading.background = true;
                if reading.own_title.is_none() {
                    reading.own_title = job.name.clone();
                }
            }
            views.push(self.view(
                path.clone(),
                true,
                reading,
                job,
                (&tracked.file_id, tracked.modified),
                (probe, settings, now),
            ));
        }
        for job in self
            .jobs
            .iter()
            .filter(|j| !jobs_shown.contains(j.short_id.as_str()))
        {
            let reading = Reading {
                session_id: Some(job.task_id().to_owned()),
                cwd: job.cwd.clone(),
                background: true,
                created_at: job.created_at,
                updated_at: job.updated_at,
                own_title: job.name.clone(),
                ..Reading::default()
            };
            let path = self
                .root
                .join("jobs")
                .join(&job.short_id)
                .join("state.json");
            let modified = job.updated_at.unwrap_or(now);
            views.push(self.view(
                path,
                false,
                reading,
                Some(job),
                (&job.short_id, modified),
                (probe, settings, now),
            ));
        }
        views.sort_by(|a, b| a.task.id.cmp(&b.task.id));
        views
    }

    /// One session's view; `file` is the id its file names and the file's modification time.
    fn view(
        &self,
        path: PathBuf,
        from_transcript: bool,
        reading: Reading,
        job: Option<&Job>,
        file: (&str, DateTime<Utc>),
        (probe, settings, now): (&dyn Probe, &LocalSettings, DateTime<Utc>),
    ) -> SessionView {
        let session_id = reading
            .session_id
            .clone()
            .unwrap_or_else(|| file.0.to_owned());
        let liveness = self.liveness(&reading, &session_id, probe);
        let registry = self.registry_status(&session_id);
        let overlay = self.overlays.get(&session_id);
        let state = match job {
            Some(job) => job_state(job, &reading, liveness, registry.as_ref(), overlay, now),
            None => derive(&reading, liveness, registry.as_ref(), overlay, now),
        };
        let ctx = TaskContext {
            tool: self.tool,
            file_session_id: file.0,
            modified: file.1,
            hooks_seen: overlay.is_some(),
            settings,
            now,
        };
        let task = to_task(&reading, &state, &ctx);
        SessionView {
            path,
            from_transcript,
            job: job.cloned(),
            reading,
            liveness,
            state,
            task,
        }
    }
}

/// A background session's state: its `state.json` is the job's own word (done and stopped are
/// final; working and blocked say the process lives), read together with the registry, the hooks'
/// overlay and the transcript as for any session.
fn job_state(
    job: &Job,
    reading: &Reading,
    liveness: Liveness,
    registry: Option<&RegistryStatus>,
    overlay: Option<&Overlay>,
    now: DateTime<Utc>,
) -> LocalState {
    match job.state {
        JobState::Done if reading.turn == Turn::Failed => {
            derive(reading, Liveness::Dead, None, None, now)
        }
        JobState::Done => LocalState::Completed,
        JobState::Stopped => LocalState::Cancelled(Some(ReadError {
            code: "stopped".into(),
            message: Some("the background session was stopped".into()),
        })),
        JobState::Working => derive(
            reading,
            Liveness::Alive,
            Some(registry.unwrap_or(&RegistryStatus::Busy)),
            overlay,
            now,
        ),
        JobState::Blocked => {
            // The registry's `waitingFor` is the more precise when it has one.
            let waiting = match registry {
                Some(waiting @ RegistryStatus::Waiting(_)) => waiting.clone(),
                _ => RegistryStatus::Waiting(Waiting {
                    kind: WaitingKind::Input,
                    detail: job.detail.clone(),
                }),
            };
            derive(reading, Liveness::Alive, Some(&waiting), overlay, now)
        }
        JobState::Other => derive(reading, liveness, registry, overlay, now),
    }
}
