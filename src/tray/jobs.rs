//! The work a click hands to the worker's runtime, so the UI thread never waits: a task action
//! through the core's one door, the bulk archive, a log export; each reports back to the loop
//! as a [`UiEvent`]. Also the quit watchdog. Knows the loop only through its proxy.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tao::event_loop::EventLoopProxy;

use super::{CoreLink, UiEvent};
use crate::core::{ActionError, ActionInput, Command, TaskAction};
use crate::logs::export::{ExportFormat, Heading};
use crate::model::Task;
use crate::sources::{LogBody, LogFormat};

/// After Quit, the loop exits at the latest this much later even if the core has not finished,
/// so quitting always takes less than 2 s.
const QUIT_DEADLINE: Duration = Duration::from_millis(1500);

/// Asks the core to perform `action` on a task (through `Command::Act`, the one door) and
/// reports the outcome to the loop, off the UI thread.
pub(crate) fn spawn_act(
    link: &CoreLink,
    proxy: EventLoopProxy<UiEvent>,
    task: String,
    action: TaskAction,
) {
    let commands = link.commands.clone();
    link.runtime.spawn(async move {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let command = Command::Act {
            task: task.clone(),
            action,
            input: ActionInput::default(),
            reply,
        };
        let result = match commands.send(command).await {
            Ok(()) => match answer.await {
                Ok(result) => result.map_err(|e| e.to_string()),
                Err(_) => Err(ActionError::ShuttingDown.to_string()),
            },
            Err(_) => Err(ActionError::ShuttingDown.to_string()),
        };
        let _ = proxy.send_event(UiEvent::ActionFinished {
            task,
            action,
            result,
        });
    });
}

/// Archives every finished task (agentbar's own archive) and says how many went.
pub(crate) fn spawn_archive_finished(link: &CoreLink, proxy: EventLoopProxy<UiEvent>) {
    let commands = link.commands.clone();
    link.runtime.spawn(async move {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let command = Command::ArchiveFinished {
            older_than: chrono::Duration::zero(),
            reply,
        };
        let said = match commands.send(command).await {
            Ok(()) => match answer.await {
                Ok(Ok(archived)) if archived.is_empty() => "Nothing finished to archive".to_owned(),
                Ok(Ok(archived)) if archived.len() == 1 => "Archived 1 finished task".to_owned(),
                Ok(Ok(archived)) => format!("Archived {} finished tasks", archived.len()),
                Ok(Err(e)) => format!("Could not archive: {e}"),
                Err(_) => format!("Could not archive: {}", ActionError::ShuttingDown),
            },
            Err(_) => format!("Could not archive: {}", ActionError::ShuttingDown),
        };
        let _ = proxy.send_event(UiEvent::Notice(said));
    });
}

/// Why a log could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the task's source {0} is not running")]
    NoSource(String),
    #[error(transparent)]
    Log(#[from] crate::sources::LogError),
    #[error("there is no Downloads folder to save it in")]
    NoDownloads,
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the export stopped: {0}")]
    Interrupted(String),
}

/// Asks the task's own source for its log, renders the Markdown transcript (redacted by the
/// parser) and saves it as a new file in `downloads`; the loop is told where.
pub(crate) fn spawn_export(
    link: &CoreLink,
    proxy: EventLoopProxy<UiEvent>,
    task: Task,
    downloads: Option<PathBuf>,
) {
    let sources = link.sources.clone();
    link.runtime.spawn(async move {
        let result = async {
            let source = sources
                .get(&task.source)
                .ok_or_else(|| ExportError::NoSource(task.source.to_string()))?;
            let log = source.log(&task, None).await?;
            let markdown = transcript(&task, &log);
            let dir = downloads.ok_or(ExportError::NoDownloads)?;
            let name = crate::logs::export::file_name(&task.id, ExportFormat::Markdown);
            tokio::task::spawn_blocking(move || save_new(&dir, &name, markdown.as_bytes()))
                .await
                .map_err(|e| ExportError::Interrupted(e.to_string()))?
        }
        .await;
        let _ = proxy.send_event(UiEvent::Exported {
            title: task.title.clone(),
            result: result.map_err(|e| e.to_string()),
        });
    });
}

/// The whole log as the readable Markdown transcript the API's `?format=markdown` serves.
pub fn transcript(task: &Task, log: &LogBody) -> String {
    let events = match log.format {
        LogFormat::Copilot => crate::logs::parse_log(&log.body),
        LogFormat::Local(format) => crate::logs::formats::parse_local(format, &log.body),
    };
    let heading = Heading {
        title: &task.title,
        repository: task.repository.as_deref(),
        state: Some(task.state.label()),
        url: Some(&task.url),
        session: Some(&log.session_id),
    };
    ExportFormat::Markdown.render(&heading, &events)
}

/// Writes `bytes` to `name` in `dir`, or to `<stem>-2.<ext>`, `-3`, …: never over a file that is
/// there (the folder is the user's). A half-written file is removed.
pub fn save_new(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, ExportError> {
    const TRIES: u32 = 100;
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    for n in 1..=TRIES {
        let name = match n {
            1 => name.to_owned(),
            n => format!("{stem}-{n}.{extension}"),
        };
        let path = dir.join(name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path);
        let mut file = match file {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(ExportError::Write { path, source }),
        };
        return match file.write_all(bytes).and_then(|()| file.sync_all()) {
            Ok(()) => Ok(path),
            Err(source) => {
                drop(file);
                let _ = std::fs::remove_file(&path);
                Err(ExportError::Write { path, source })
            }
        };
    }
    Err(ExportError::Write {
        path: dir.join(name),
        source: std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{TRIES} exports of this task are there already"),
        ),
    })
}

/// Exits the loop after [`QUIT_DEADLINE`] whatever the core is doing.
pub(crate) fn spawn_quit_watchdog(proxy: EventLoopProxy<UiEvent>) {
    let spawned = std::thread::Builder::new()
        .name("agentbar-quit".into())
        .spawn(move || {
            std::thread::sleep(QUIT_DEADLINE);
            let _ = proxy.send_event(UiEvent::QuitDeadline);
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the quit watchdog; waiting for the core");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_never_writes_over_a_file_that_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let mine = dir.path().join("agentbar-42.md");
        std::fs::write(&mine, "the user's own notes").unwrap();
        let first = save_new(dir.path(), "agentbar-42.md", b"# run").unwrap();
        assert_eq!(first, dir.path().join("agentbar-42-2.md"));
        assert_eq!(
            std::fs::read_to_string(&mine).unwrap(),
            "the user's own notes"
        );
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "# run");
        let second = save_new(dir.path(), "agentbar-42.md", b"# again").unwrap();
        assert_eq!(second, dir.path().join("agentbar-42-3.md"));
        let missing = save_new(&dir.path().join("gone"), "agentbar-42.md", b"x");
        assert!(
            matches!(missing, Err(ExportError::Write { .. })),
            "{missing:?}"
        );
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(
            crate::logs::export::file_name("../etc/passwd", ExportFormat::Markdown),
            "agentbar-.._etc_passwd.md"
        );
    }

    #[test]
    fn the_transcript_is_the_markdown_export_of_the_log() {
        let task = crate::model::fixtures::task("t1", "completed", 5);
        let log = LogBody {
            session_id: "s1".into(),
            body: String::new(),
            finished: true,
            format: LogFormat::Copilot,
        };
        let text = transcript(&task, &log);
        assert!(text.starts_with(&format!("# {}\n", task.title)), "{text}");
        assert!(text.contains("- Session: s1"), "{text}");
        assert!(text.contains("- Events: 0"), "{text}");
    }
}
