//! One local tool as a [`Source`]: its watch loop publishes the tool's sessions as tasks, it
//! decides what each allows (resume, open-folder, refresh, and stop for a Claude Code background
//! job alone: interactive sessions have no supported stop command) and performs it, and it serves
//! a session's log from the bounded tail of its transcript.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use super::event::LocalTool;
use super::resume::resume_command;
use super::scan::ToolScanner;
use super::settings::{LocalSettings, RootEnv};
use super::task::source_id;
use super::watch::{WatchHandle, spawn_watch};
use crate::core::actions::{ActionError, ActionInput, ActionOutcome, ActionSet, TaskAction};
use crate::model::{Health, Provider, Snapshot, SourceId, Task};
use crate::sources::{BoxFuture, LogBody, LogError, Source, SourceState, StateSender};

/// What the actions need to know about a session that its task does not carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionPlace {
    pub cwd: Option<String>,
    /// `None` for a background job whose transcript is not read yet.
    pub transcript: Option<PathBuf>,
    /// The short id of the background job the session runs as, while it works or waits.
    pub active_job: Option<String>,
}

/// A tool's sessions by upstream id, as last published.
type Places = Arc<Mutex<HashMap<String, SessionPlace>>>;

pub struct LocalSource {
    tool: LocalTool,
    id: SourceId,
    root: PathBuf,
    settings: LocalSettings,
    places: Places,
    loop_handle: Mutex<Option<WatchHandle>>,
}

impl LocalSource {
    /// The tool's source, rooted where the tool keeps its sessions; `None` without a home.
    pub fn new(tool: LocalTool, env: &RootEnv, settings: LocalSettings) -> Option<LocalSource> {
        Some(LocalSource {
            tool,
            id: source_id(tool),
            root: env.root(tool)?,
            settings,
            places: Places::default(),
            loop_handle: Mutex::new(None),
        })
    }

    pub fn tool(&self) -> LocalTool {
        self.tool
    }

    /// The running loop, once [`Source::run`] started it (hook events go there).
    pub fn handle(&self) -> Option<WatchHandle> {
        self.loop_handle.lock().ok()?.clone()
    }

    fn place(&self, task: &Task) -> Option<SessionPlace> {
        self.places.lock().ok()?.get(&task.id).cloned()
    }
}

/// "Claude Code", "Codex", "Copilot CLI", "Gemini CLI".
pub fn display_name(tool: LocalTool) -> &'static str {
    match tool {
        LocalTool::ClaudeCode => "Claude Code",
        LocalTool::Codex => "Codex",
        LocalTool::CopilotCli => "Copilot CLI",
        LocalTool::GeminiCli => "Gemini CLI",
    }
}

/// What a local session allows: resuming it where it ran, opening its folder, refresh, and
/// stopping a background job that still works or waits.
fn allowed(tool: LocalTool, task: &Task, place: Option<&SessionPlace>) -> ActionSet {
    let mut set = ActionSet::EMPTY.with(TaskAction::Refresh);
    if tool == LocalTool::ClaudeCode && place.is_some_and(|p| p.active_job.is_some()) {
        set.insert(TaskAction::Stop);
    }
    let cwd = place.and_then(|p| p.cwd.as_deref());
    if resume_command(tool, &task.id, cwd).is_some() {
        set.insert(TaskAction::Resume);
    }
    if cwd.is_some_and(|c| std::path::Path::new(c).is_dir()) {
        set.insert(TaskAction::OpenFolder);
    }
    set
}

impl Source for LocalSource {
    fn id(&self) -> &SourceId {
        &self.id
    }

    fn kind(&self) -> &'static str {
        self.tool.as_str()
    }

    fn provider(&self) -> Provider {
        Provider::parse(self.tool.as_str())
    }

    fn display_name(&self) -> String {
        display_name(self.tool).to_owned()
    }

    fn run(self: Arc<Self>, out: StateSender, cancel: CancellationToken) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let scanner = ToolScanner::new(self.tool, self.root.clone());
            let places = self.places.clone();
            let tool = self.tool;
            let publish = move |views: Vec<super::scan::SessionView>| {
                let mut known = HashMap::new();
                let mut tasks = Vec::with_capacity(views.len());
                for view in views {
                    let place = SessionPlace {
                        cwd: view.reading.cwd.clone(),
                        transcript: view.from_transcript.then(|| view.path.clone()),
                        active_job: view
                            .job
                            .as_ref()
                            .filter(|j| j.is_active())
                            .map(|j| j.short_id.clone()),
                    };
                    let mut task = view.task;
                    task.actions = allowed(tool, &task, Some(&place));
                    known.insert(task.id.clone(), place);
                    tasks.push(task);
                }
                if let Ok(mut places) = places.lock() {
                    *places = known;
                }
                let now = chrono::Utc::now();
                let mut health = Health::starting();
                health.succeeded(now);
                out.send_replace(Arc::new(SourceState {
                    snapshot: Snapshot::new(tasks, now),
                    health,
                }));
            };
            let handle = match spawn_watch(scanner, self.settings.clone(), publish) {
                Ok(handle) => handle,
                Err(error) => {
                    tracing::warn!(tool = tool.as_str(), %error, "the local source could not start");
                    return;
                }
            };
            if let Ok(mut slot) = self.loop_handle.lock() {
                *slot = Some(handle.clone());
            }
            cancel.cancelled().await;
            handle.stop();
        })
    }

    fn refresh(&self) {
        if let Some(handle) = self.handle() {
            handle.refresh();
        }
    }

    fn actions(&self, task: &Task) -> ActionSet {
        allowed(self.tool, task, self.place(task).as_ref())
    }

    fn refusal(&self, _task: &Task, action: TaskAction) -> ActionError {
        match action {
            TaskAction::Stop => ActionError::NotAllowed {
                action,
                code: "not_supported",
                reason: format!(
                    "{} has no supported way to stop an interactive session from outside \
                     (only a running background session can be stopped)",
                    display_name(self.tool)
                ),
            },
            TaskAction::Resume | TaskAction::OpenFolder => ActionError::NotAllowed {
                action,
                code: "no_folder",
                reason: "the session's directory is not known or no longer exists".into(),
            },
            _ => ActionError::Unsupported(action),
        }
    }

    fn act<'a>(
        &'a self,
        task: &'a Task,
        action: TaskAction,
        _input: ActionInput,
    ) -> BoxFuture<'a, Result<ActionOutcome, ActionError>> {
        Box::pin(async move {
            let place = self.place(task);
            if !allowed(self.tool, task, place.as_ref()).contains(action) {
                return Err(self.refusal(task, action));
            }
            let cwd = place.as_ref().and_then(|p| p.cwd.clone());
            let key = task.key().to_string();
            let (message, url) = match action {
                TaskAction::Resume => {
                    let command = resume_command(self.tool, &task.id, cwd.as_deref())
                        .ok_or(ActionError::Unsupported(action))?;
                    (command.shell_line, None)
                }
                TaskAction::OpenFolder => {
                    let dir = cwd.unwrap_or_default();
                    (format!("open {dir}"), Some(folder_url(&dir)))
                }
                TaskAction::Stop => {
                    let short_id = place
                        .and_then(|p| p.active_job)
                        .ok_or(ActionError::Unsupported(action))?;
                    super::jobs::stop(OsStr::new(CLAUDE), &short_id, super::jobs::STOP_TIMEOUT)
                        .await
                        .map_err(|e| stop_error(action, e))?;
                    self.refresh();
                    (format!("stopped the background session {short_id}"), None)
                }
                _ => {
                    self.refresh();
                    ("asked for news now".to_owned(), None)
                }
            };
            Ok(ActionOutcome {
                task: key,
                action,
                message,
                url,
            })
        })
    }

    fn log<'a>(
        &'a self,
        task: &'a Task,
        _session: Option<&'a str>,
    ) -> BoxFuture<'a, Result<LogBody, LogError>> {
        Box::pin(async move {
            let transcript = self
                .place(task)
                .ok_or_else(|| LogError::NoSession(format!("{} is no longer on disk", task.key())))?
                .transcript
                .ok_or_else(|| {
                    LogError::NoLog(format!("{} has no transcript on disk yet", task.key()))
                })?;
            let (body, _) = super::logs::read_tail(&transcript, super::logs::LOG_TAIL_MAX)
                .map_err(|e| LogError::NoLog(format!("the transcript could not be read: {e}")))?;
            Ok(LogBody {
                session_id: task.id.clone(),
                body,
                finished: task.state.is_terminal(),
                format: crate::sources::LogFormat::Local(super::logs::format_of(self.tool)),
            })
        })
    }
}

/// Claude Code's command, looked up on `PATH`.
const CLAUDE: &str = "claude";

/// Why `claude stop` did not stop the job, in the action's words: a missing `claude` is not
/// agentbar's to fix, a refusal is the tool's.
fn stop_error(action: TaskAction, error: super::jobs::StopJobError) -> ActionError {
    use super::jobs::StopJobError;
    match error {
        StopJobError::NotInstalled => ActionError::NotAllowed {
            action,
            code: "tool_missing",
            reason: error.to_string(),
        },
        StopJobError::BadId(_) => ActionError::Unsupported(action),
        _ => ActionError::Upstream(error.to_string()),
    }
}

/// A `file://` URL for a directory, each path segment percent-encoded.
pub fn folder_url(dir: &str) -> String {
    let mut url = String::from("file://");
    for byte in dir.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_published_session_resumes_in_its_directory_and_refuses_stop() {
        let home = tempfile::tempdir().unwrap();
        let cwd = home.path().join("work");
        std::fs::create_dir_all(&cwd).unwrap();
        let project = home.path().join(".claude/projects/-work");
        std::fs::create_dir_all(&project).unwrap();
        let id = "c9e47a10-8d2b-4f6e-a1c3-5b9d0e7f2a18";
        std::fs::write(
            project.join(format!("{id}.jsonl")),
            format!(
                "{{\"type\":\"user\",\"sessionId\":\"{id}\",\"cwd\":\"{}\",\"timestamp\":\"2026-11-30T10:00:00Z\",\"message\":{{\"content\":\"hi\"}}}}\n",
                cwd.display()
            ),
        )
        .unwrap();
        let env = RootEnv {
            home: Some(home.path().to_owned()),
            ..RootEnv::default()
        };
        let source = Arc::new(
            LocalSource::new(LocalTool::ClaudeCode, &env, LocalSettings::default()).unwrap(),
        );
        let (tx, mut rx) =
            tokio::sync::watch::channel(Arc::new(SourceState::starting(Snapshot::default())));
        let cancel = CancellationToken::new();
        let running = tokio::spawn(source.clone().run(tx, cancel.clone()));
        let task = loop {
            rx.changed().await.unwrap();
            if let Some(task) = rx.borrow().snapshot.tasks.first() {
                break task.clone();
            }
        };
        assert_eq!(task.actions.names(), ["resume", "open-folder", "refresh"]);
        let resumed = source
            .act(&task, TaskAction::Resume, ActionInput::default())
            .await
            .unwrap();
        assert_eq!(
            resumed.message,
            format!("cd '{}' && claude --resume {id}", cwd.display())
        );
        let folder = source
            .act(&task, TaskAction::OpenFolder, ActionInput::default())
            .await
            .unwrap();
        assert_eq!(folder.url, Some(folder_url(&cwd.display().to_string())));
        let stop = source
            .act(&task, TaskAction::Stop, ActionInput::default())
            .await;
        assert_eq!(stop.map_err(|e| e.code()).err(), Some("not_supported"));
        let log = source.log(&task, None).await.unwrap();
        assert!(log.body.contains("\"hi\""));
        cancel.cancel();
        running.await.unwrap();
    }

    #[test]
    fn folder_urls_escape_what_a_url_cannot_hold() {
        assert_eq!(
            folder_url("/home/dev/my src#1"),
            "file:///home/dev/my%20src%231"
        );
    }
}
