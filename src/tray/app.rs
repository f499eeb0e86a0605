//! The event loop's state: the latest overview, the view state, the rendered model and the
//! native tray; and [`perform`], what each click does, written against traits so it is tested
//! without a display.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Local, Utc};
use tao::event_loop::EventLoopProxy;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tray_icon::{TrayIcon, TrayIconBuilder};

use super::desktop::{Autostart, Desktop, SystemDesktop};
use super::icon;
use super::menu::{self, Action, TrayModel, ViewState};
use super::native::{NativeMenu, RowIcons};
use super::{CoreLink, UiEvent, jobs, platform};
use crate::core::{Command, TaskAction};
use crate::model::{Health, Overview, Snapshot};

/// What a click leaves for the loop to do after [`perform`].
#[derive(Debug, PartialEq, Eq)]
pub enum Followup {
    Nothing,
    /// Ask the core to perform `action` on the task `task` (its key) through `Command::Act`,
    /// and wait for the answer off the UI thread.
    Act {
        task: String,
        action: TaskAction,
    },
    /// Export the task's log (its key) off the UI thread.
    Export(String),
    /// Archive every finished task off the UI thread.
    ArchiveFinished,
    /// Leave: the shutdown sequence has been asked for.
    Quit,
}

/// The doors a click may open.
pub struct Effects<'a> {
    pub desktop: &'a dyn Desktop,
    /// `None` where open at login cannot be managed.
    pub autostart: Option<&'a dyn Autostart>,
    /// `None` until the core has started.
    pub commands: Option<&'a mpsc::Sender<Command>>,
    /// The worker's stop signal (works before the core has started).
    pub quit: &'a CancellationToken,
    /// Where the local agents keep their settings (`None`: no home directory).
    pub homes: Option<&'a crate::hooks::install::Homes>,
    /// Whether Raycast is installed, so "Continue…" opens its form (there is no text input in
    /// a tray menu); otherwise the task's page.
    pub raycast: bool,
}

impl Effects<'_> {
    /// Never blocks the UI thread: a full or closed channel is reported, not waited on.
    fn send(&self, command: Command, view: &mut ViewState, now: DateTime<Utc>) -> bool {
        let result = match self.commands {
            Some(commands) => commands.try_send(command).map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => "agentbar is busy; try again",
                mpsc::error::TrySendError::Closed(_) => "agentbar is shutting down",
            }),
            None => Err("agentbar is still starting; try again"),
        };
        match result {
            Ok(()) => true,
            Err(message) => {
                tracing::warn!("{message}");
                view.notice = Some((message.to_owned(), now));
                false
            }
        }
    }
}

/// Performs a clicked action: effects through `fx`, choices into `view`.
pub fn perform(
    action: &Action,
    view: &mut ViewState,
    fx: &Effects<'_>,
    now: DateTime<Local>,
) -> Followup {
    let utc = now.with_timezone(&Utc);
    let report = |view: &mut ViewState, result: Result<(), super::desktop::DesktopError>| {
        if let Err(e) = result {
            tracing::warn!(error = %e, "a menu action failed");
            view.notice = Some((e.to_string(), utc));
        }
    };
    // Any click answers an open "Confirm stop": yes if it was that, no otherwise.
    view.confirming_stop = None;
    match action {
        Action::Task {
            task,
            action: TaskAction::Continue,
        } => {
            if fx.raycast {
                report(view, fx.desktop.open_raycast(&continue_link(task)));
            } else {
                // The one door still decides which page that is.
                return Followup::Act {
                    task: task.clone(),
                    action: TaskAction::Open,
                };
            }
        }
        Action::Task { task, action } => {
            return Followup::Act {
                task: task.clone(),
                action: *action,
            };
        }
        Action::ExportLog(task) => return Followup::Export(task.clone()),
        Action::ArchiveFinished => return Followup::ArchiveFinished,
        Action::OpenUrl(url) => report(view, fx.desktop.open_url(url)),
        Action::AskStop(task) => view.confirming_stop = Some(task.clone()),
        Action::CancelStop => {}
        Action::Refresh => {
            fx.send(Command::Refresh, view, utc);
        }
        Action::PauseNotifications(pause) => {
            let until = pause.until(now);
            if fx.send(Command::PauseNotifications { until }, view, utc) {
                view.paused_until = until;
            }
        }
        Action::ToggleOpenAtLogin => match fx.autostart {
            Some(autostart) => {
                let wanted = !view.open_at_login;
                let result = autostart.set_enabled(wanted);
                if result.is_ok() {
                    view.open_at_login = wanted;
                }
                report(view, result);
            }
            None => view.notice = Some(("Open at login is not available here".into(), utc)),
        },
        Action::SetUpLocalAgents => match (fx.homes, std::env::current_exe()) {
            (Some(homes), Ok(exe)) => {
                // The binary itself, not a link that may move.
                let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
                let (said, missing) =
                    crate::hooks::install::set_up(&view.hooks_missing, homes, &exe);
                view.hooks_missing = missing;
                view.notice = Some((said, utc));
            }
            _ => {
                view.notice = Some((
                    "Cannot find the home directory; run `agentbar hooks install`".into(),
                    utc,
                ))
            }
        },
        Action::SignIn => {
            fx.send(Command::SignIn { source: None }, view, utc);
        }
        Action::SignOut => {
            fx.send(Command::SignOut { source: None }, view, utc);
        }
        Action::SignInTo(source) => {
            fx.send(
                Command::SignIn {
                    source: Some(source.clone()),
                },
                view,
                utc,
            );
        }
        Action::SignOutOf(source) => {
            fx.send(
                Command::SignOut {
                    source: Some(source.clone()),
                },
                view,
                utc,
            );
        }
        Action::Quit => {
            // The core's own door first; the token also covers a core still starting.
            if fx.commands.is_some() {
                fx.send(Command::Quit, view, utc);
            }
            fx.quit.cancel();
            return Followup::Quit;
        }
    }
    Followup::Nothing
}

/// Raycast's view of the tasks, asked to open its Continue form for the task `key`.
pub fn continue_link(key: &str) -> String {
    let context = serde_json::json!({ "continueTask": key }).to_string();
    format!(
        "raycast://extensions/agentbar/agentbar/view-tasks?context={}",
        percent_encode(&context)
    )
}

/// Everything but unreserved URL characters escaped.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Hands what an action answered to the desktop (the core opens nothing itself) and says in the
/// notice line what happened. `title` names the task for people.
pub fn acted(
    action: TaskAction,
    result: Result<crate::core::ActionOutcome, String>,
    title: &str,
    desktop: &dyn Desktop,
) -> String {
    let done = match result {
        Ok(done) => done,
        Err(e) if action == TaskAction::Stop => return format!("Could not stop “{title}”: {e}"),
        Err(e) => return format!("Could not {action} “{title}”: {e}"),
    };
    let url = done.url.as_deref().unwrap_or_default();
    let handed = match action {
        TaskAction::Open | TaskAction::OpenPr | TaskAction::OpenLogs => {
            desktop.open_url(url).map(|()| format!("Opened {url}"))
        }
        TaskAction::CopyLink => desktop.copy_text(url).map(|()| "Link copied".to_owned()),
        TaskAction::OpenFolder => match super::desktop::folder_of(url) {
            Some(dir) => desktop
                .open_folder(&dir)
                .map(|()| format!("Opened {}", dir.display())),
            None => Ok(format!("Could not open the folder of “{title}”: {url:?}")),
        },
        // The tray cannot type into a terminal: the exact command goes on the clipboard.
        TaskAction::Resume => desktop
            .copy_text(&done.message)
            .map(|()| format!("Copied: {}", done.message)),
        TaskAction::Stop => Ok(format!("Stopping “{title}”")),
        TaskAction::Archive => Ok(format!("Archived “{title}”")),
        TaskAction::Unarchive => Ok(format!("“{title}” is back in the list")),
        TaskAction::Continue | TaskAction::Refresh => Ok(done.message),
    };
    handed.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "a menu action failed");
        e.to_string()
    })
}

/// What the loop learned by the time it exits.
pub struct Outcome {
    /// The worker reported the end of the shutdown sequence.
    pub worker_stopped: bool,
    /// Why the app could not run, if it could not.
    pub failure: Option<String>,
}

/// The loop's state. Events that arrive before the tray exists only update it; the tray is
/// drawn from it when created, so nothing is lost and nothing is drawn twice.
pub struct TrayApp {
    overview: Arc<Overview>,
    view: ViewState,
    link: Option<CoreLink>,
    web_url: String,
    state_dir: PathBuf,
    quit: CancellationToken,
    proxy: EventLoopProxy<UiEvent>,
    desktop: SystemDesktop,
    autostart: Option<Box<dyn Autostart>>,
    /// The local agents' settings, for "Set up local agents…".
    homes: Option<crate::hooks::install::Homes>,
    /// Whether "Continue…" can open Raycast's form (read once at start).
    raycast: bool,
    /// The row dots, drawn once.
    row_icons: RowIcons,
    tray: Option<TrayIcon>,
    native: Option<NativeMenu>,
    shown: Option<TrayModel>,
    quitting: bool,
    worker_stopped: bool,
    failure: Option<String>,
}

impl TrayApp {
    pub fn new(
        config: &crate::config::Config,
        quit: CancellationToken,
        proxy: EventLoopProxy<UiEvent>,
    ) -> TrayApp {
        let autostart = std::env::current_exe()
            .map_err(|e| e.to_string())
            .and_then(|exe| platform::autostart(exe).map_err(|e| e.to_string()));
        let autostart = match autostart {
            Ok(autostart) => Some(autostart),
            Err(e) => {
                tracing::warn!(error = %e, "open at login is not available");
                None
            }
        };
        let open_at_login = autostart
            .as_ref()
            .is_some_and(|a| a.is_enabled().unwrap_or(false));
        // Read once at start (a few small files); a click on the item updates it.
        let homes = crate::hooks::install::Homes::from_env();
        let hooks_missing = match (&homes, std::env::current_exe()) {
            (Some(homes), Ok(exe)) => crate::hooks::install::tools_without_hooks(
                homes,
                &std::fs::canonicalize(&exe).unwrap_or(exe),
            ),
            _ => Vec::new(),
        };
        TrayApp {
            overview: Arc::new(Overview {
                snapshot: Snapshot::default(),
                health: Health::starting(),
                sources: Vec::new(),
            }),
            view: ViewState {
                open_at_login,
                hooks_missing,
                ..ViewState::default()
            },
            link: None,
            web_url: config.endpoints.web.clone(),
            state_dir: config.state_dir.clone(),
            quit,
            proxy,
            desktop: SystemDesktop,
            autostart,
            homes,
            raycast: platform::raycast_installed(),
            row_icons: RowIcons::draw(),
            tray: None,
            native: None,
            shown: None,
            quitting: false,
            worker_stopped: false,
            failure: None,
        }
    }

    fn model(&self) -> TrayModel {
        let list_url = format!("{}/copilot/agents", self.web_url.trim_end_matches('/'));
        menu::build(&self.overview, &self.view, &list_url, Utc::now())
    }

    /// Creates the tray icon from the current state. A failure is logged and the app keeps
    /// running headless-like (the core still polls and the snapshot stays fresh).
    pub fn create_tray(&mut self) {
        let model = self.model();
        let native = match NativeMenu::build(&model.entries, &self.row_icons) {
            Ok(native) => native,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the tray menu");
                return;
            }
        };
        let builder = TrayIconBuilder::new()
            .with_id("agentbar")
            .with_tooltip(&model.tooltip)
            .with_title(&model.title)
            .with_menu(Box::new(native.menu.clone()));
        let builder = match tray_icon_image(&model) {
            Some(icon) => platform::with_icon(builder, icon),
            None => builder,
        };
        match platform::prepare_tray(builder, &self.state_dir).build() {
            Ok(tray) => {
                tracing::info!("the tray is up");
                self.tray = Some(tray);
                self.native = Some(native);
                self.shown = Some(model);
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot create the tray icon; running without it")
            }
        }
    }

    /// Handles one event; `true` means exit the loop.
    pub fn handle(&mut self, event: UiEvent) -> bool {
        match event {
            UiEvent::Ready(link) => {
                self.web_url = link.web_url.clone();
                self.link = Some(link);
            }
            UiEvent::Overview(overview) => self.overview = overview,
            UiEvent::SignIn(prompt) => self.view.sign_in = prompt,
            UiEvent::Tick => {}
            UiEvent::Menu(key) => self.clicked(&key),
            UiEvent::ActionFinished {
                task,
                action,
                result,
            } => {
                let title = self
                    .overview
                    .snapshot
                    .task(&task)
                    .map_or(task.clone(), |t| t.title.clone());
                let notice = acted(action, result, &title, &self.desktop);
                self.view.notice = Some((notice, Utc::now()));
            }
            UiEvent::Notice(notice) => self.view.notice = Some((notice, Utc::now())),
            UiEvent::Exported { title, result } => {
                let notice = match result {
                    Ok(path) => {
                        // Shown where it was saved; the notice says where in any case.
                        if let Some(dir) = path.parent()
                            && let Err(e) = self.desktop.open_folder(dir)
                        {
                            tracing::warn!(error = %e, "cannot show the exported log");
                        }
                        format!("Log saved to {}", path.display())
                    }
                    Err(e) => format!("Could not export the log of “{title}”: {e}"),
                };
                self.view.notice = Some((notice, Utc::now()));
            }
            UiEvent::Failed(message) => {
                tracing::error!("{message}");
                self.failure = Some(message);
                return true;
            }
            UiEvent::Stopped => {
                self.worker_stopped = true;
                return true;
            }
            UiEvent::QuitDeadline => {
                tracing::warn!("the core did not stop in time; exiting anyway");
                return true;
            }
        }
        if !self.quitting {
            self.render();
        }
        false
    }

    fn clicked(&mut self, key: &str) {
        let Some(action) = self.shown.as_ref().and_then(|m| m.action(key)).cloned() else {
            tracing::debug!(key, "a click on an item without an action");
            return;
        };
        tracing::debug!(?action, "menu click");
        let fx = Effects {
            desktop: &self.desktop,
            autostart: self.autostart.as_deref(),
            commands: self.link.as_ref().map(|l| &l.commands),
            quit: &self.quit,
            homes: self.homes.as_ref(),
            raycast: self.raycast,
        };
        let followup = perform(&action, &mut self.view, &fx, Local::now());
        if action == Action::ToggleOpenAtLogin
            && let Some(native) = &self.native
        {
            native.set_checked(key, self.view.open_at_login);
        }
        let link = match (&followup, &self.link) {
            (Followup::Nothing, _) => return,
            (Followup::Quit, _) => {
                tracing::info!("quit from the tray");
                self.quitting = true;
                jobs::spawn_quit_watchdog(self.proxy.clone());
                return;
            }
            (_, Some(link)) => link,
            (_, None) => {
                self.view.notice =
                    Some(("agentbar is still starting; try again".into(), Utc::now()));
                return;
            }
        };
        let proxy = self.proxy.clone();
        match followup {
            Followup::Act { task, action } => jobs::spawn_act(link, proxy, task, action),
            Followup::ArchiveFinished => jobs::spawn_archive_finished(link, proxy),
            Followup::Export(key) => match self.overview.snapshot.task(&key) {
                Some(task) => jobs::spawn_export(link, proxy, task.clone(), downloads_dir()),
                None => {
                    self.view.notice = Some(("That task is no longer listed".into(), Utc::now()))
                }
            },
            Followup::Nothing | Followup::Quit => {}
        }
    }

    /// Draws the current model, touching only what changed since the last one.
    fn render(&mut self) {
        let model = self.model();
        let (Some(tray), Some(shown)) = (&self.tray, &self.shown) else {
            return;
        };
        if *shown == model {
            return;
        }
        if shown.icon != model.icon
            && let Some(icon) = tray_icon_image(&model)
            && let Err(e) = platform::set_icon(tray, icon)
        {
            tracing::warn!(error = %e, "cannot update the tray icon");
        }
        if shown.title != model.title {
            tray.set_title(Some(&model.title));
        }
        if shown.tooltip != model.tooltip
            && let Err(e) = tray.set_tooltip(Some(&model.tooltip))
        {
            tracing::warn!(error = %e, "cannot update the tooltip");
        }
        if shown.same_shape(&model) {
            if let Some(native) = &self.native {
                native.update(&shown.entries, &model.entries, &self.row_icons);
            }
        } else {
            match NativeMenu::build(&model.entries, &self.row_icons) {
                Ok(native) => {
                    tray.set_menu(Some(Box::new(native.menu.clone())));
                    self.native = Some(native);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot rebuild the tray menu");
                    return;
                }
            }
        }
        self.shown = Some(model);
    }

    /// Drops the tray (removing the icon) and says how the loop ended.
    pub fn finish(mut self) -> Outcome {
        self.native = None;
        self.tray = None;
        Outcome {
            worker_stopped: self.worker_stopped,
            failure: self.failure,
        }
    }
}

/// The user's Downloads folder, where exported logs go.
fn downloads_dir() -> Option<PathBuf> {
    directories::UserDirs::new().and_then(|dirs| dirs.download_dir().map(PathBuf::from))
}

fn tray_icon_image(model: &TrayModel) -> Option<tray_icon::Icon> {
    let image = icon::render(&model.icon, platform::ICON_SIZE, platform::ICON_STYLE);
    match tray_icon::Icon::from_rgba(image.pixels, image.width, image.height) {
        Ok(icon) => Some(icon),
        Err(e) => {
            tracing::warn!(error = %e, "cannot make the tray icon image");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ActionOutcome;
    use crate::tray::desktop::{DesktopCall, DesktopError, RecordingDesktop};
    use crate::tray::menu::Pause;
    use std::cell::Cell;

    #[derive(Default)]
    struct FakeAutostart {
        enabled: Cell<bool>,
        broken: bool,
    }

    impl Autostart for FakeAutostart {
        fn is_enabled(&self) -> Result<bool, DesktopError> {
            Ok(self.enabled.get())
        }
        fn set_enabled(&self, enabled: bool) -> Result<(), DesktopError> {
            if self.broken {
                return Err(DesktopError::Autostart {
                    path: PathBuf::from("/nowhere"),
                    message: "read-only".into(),
                });
            }
            self.enabled.set(enabled);
            Ok(())
        }
    }

    struct Rig {
        desktop: RecordingDesktop,
        autostart: FakeAutostart,
        commands: mpsc::Sender<Command>,
        received: mpsc::Receiver<Command>,
        quit: CancellationToken,
        view: ViewState,
        home: tempfile::TempDir,
        homes: crate::hooks::install::Homes,
        raycast: bool,
    }

    impl Rig {
        fn new() -> Rig {
            let (commands, received) = mpsc::channel(4);
            let home = tempfile::tempdir().unwrap();
            let homes = crate::hooks::install::Homes::under(home.path());
            Rig {
                desktop: RecordingDesktop::default(),
                autostart: FakeAutostart::default(),
                commands,
                received,
                quit: CancellationToken::new(),
                view: ViewState::default(),
                home,
                homes,
                raycast: false,
            }
        }

        fn click(&mut self, action: Action) -> Followup {
            let fx = Effects {
                desktop: &self.desktop,
                autostart: Some(&self.autostart),
                commands: Some(&self.commands),
                quit: &self.quit,
                homes: Some(&self.homes),
                raycast: self.raycast,
            };
            perform(&action, &mut self.view, &fx, Local::now())
        }
    }

    #[test]
    fn set_up_local_agents_installs_the_missing_hooks_and_says_what_is_left() {
        use crate::hooks::HookTool;
        use crate::hooks::install::tools_without_hooks;
        let mut rig = Rig::new();
        for dir in [".claude", ".codex"] {
            std::fs::create_dir_all(rig.home.path().join(dir)).unwrap();
        }
        std::fs::write(
            rig.home.path().join(".claude/settings.json"),
            "{\"model\": \"opus\"}\n",
        )
        .unwrap();
        let exe = std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap();
        rig.view.hooks_missing = tools_without_hooks(&rig.homes, &exe);
        assert_eq!(
            rig.view.hooks_missing,
            vec![HookTool::Claude, HookTool::Codex]
        );
        let menu = |view: &ViewState| {
            let overview = Overview {
                snapshot: Snapshot::default(),
                health: Health::starting(),
                sources: Vec::new(),
            };
            menu::build(&overview, view, "https://example.test", Utc::now()).entries
        };
        let item = menu(&rig.view)
            .into_iter()
            .find(|e| e.key == "local-setup")
            .expect("offered while a tool lacks hooks");
        assert_eq!(item.label, "Set up local agents…");

        assert_eq!(rig.click(Action::SetUpLocalAgents), Followup::Nothing);
        let (notice, _) = rig.view.notice.clone().unwrap();
        assert!(notice.contains("Claude Code, Codex"), "{notice}");
        assert!(notice.contains("approve them in Codex"), "{notice}");
        assert!(
            rig.view.hooks_missing.is_empty(),
            "{:?} {notice}",
            rig.view.hooks_missing
        );
        assert!(
            std::fs::read_to_string(rig.home.path().join(".claude/settings.json"))
                .unwrap()
                .contains("hook claude")
        );
        assert!(rig.home.path().join(".codex/hooks.json").exists());
        assert!(
            menu(&rig.view).iter().all(|e| e.key != "local-setup"),
            "gone once set up"
        );
    }

    fn task_action(task: &str, action: TaskAction) -> Action {
        Action::Task {
            task: task.into(),
            action,
        }
    }

    fn outcome(action: TaskAction, message: &str, url: Option<&str>) -> ActionOutcome {
        ActionOutcome {
            task: "gh:default:1".into(),
            action,
            message: message.into(),
            url: url.map(str::to_owned),
        }
    }

    #[test]
    fn every_task_action_goes_through_the_one_door() {
        let mut rig = Rig::new();
        for action in TaskAction::ALL {
            if action == TaskAction::Continue {
                continue;
            }
            assert_eq!(
                rig.click(task_action("gh:default:1", action)),
                Followup::Act {
                    task: "gh:default:1".into(),
                    action
                },
                "{action}"
            );
        }
        assert!(
            rig.desktop.calls().is_empty(),
            "nothing opened before the core answers"
        );
        assert_eq!(
            rig.click(Action::ExportLog("gh:default:1".into())),
            Followup::Export("gh:default:1".into())
        );
        assert_eq!(
            rig.click(Action::ArchiveFinished),
            Followup::ArchiveFinished
        );
    }

    #[test]
    fn continue_opens_raycast_where_it_is_installed_else_the_task_page_the_core_names() {
        let mut rig = Rig::new();
        assert_eq!(
            rig.click(task_action("gh:work:7", TaskAction::Continue)),
            Followup::Act {
                task: "gh:work:7".into(),
                action: TaskAction::Open
            }
        );
        rig.raycast = true;
        assert_eq!(
            rig.click(task_action("gh:work:7", TaskAction::Continue)),
            Followup::Nothing
        );
        assert_eq!(
            rig.desktop.calls(),
            vec![DesktopCall::Raycast(
                "raycast://extensions/agentbar/agentbar/view-tasks?context=%7B%22continueTask%22%3A%22gh%3Awork%3A7%22%7D".into()
            )]
        );
    }

    #[test]
    fn answers_go_to_the_browser_the_clipboard_and_the_file_manager() {
        let desktop = RecordingDesktop::default();
        let page = "https://github.com/acme/api/tasks/1";
        let folder = tempfile::tempdir().unwrap();
        let folder_url = crate::local::source::folder_url(&folder.path().display().to_string());
        let said = [
            acted(
                TaskAction::Open,
                Ok(outcome(TaskAction::Open, "", Some(page))),
                "T",
                &desktop,
            ),
            acted(
                TaskAction::CopyLink,
                Ok(outcome(TaskAction::CopyLink, "", Some(page))),
                "T",
                &desktop,
            ),
            acted(
                TaskAction::OpenFolder,
                Ok(outcome(TaskAction::OpenFolder, "", Some(&folder_url))),
                "T",
                &desktop,
            ),
            acted(
                TaskAction::Resume,
                Ok(outcome(
                    TaskAction::Resume,
                    "cd /w && claude --resume s1",
                    None,
                )),
                "T",
                &desktop,
            ),
            acted(
                TaskAction::Archive,
                Ok(outcome(TaskAction::Archive, "archived", None)),
                "T",
                &desktop,
            ),
            acted(
                TaskAction::Stop,
                Err("the task is ready for review".into()),
                "T",
                &desktop,
            ),
            acted(
                TaskAction::Open,
                Ok(outcome(TaskAction::Open, "", Some("file:///etc/passwd"))),
                "T",
                &desktop,
            ),
        ];
        assert_eq!(
            desktop.calls(),
            vec![
                DesktopCall::Open(page.into()),
                DesktopCall::Copy(page.into()),
                DesktopCall::Folder(folder.path().to_owned()),
                DesktopCall::Copy("cd /w && claude --resume s1".into()),
            ]
        );
        assert_eq!(said[0], format!("Opened {page}"));
        assert_eq!(said[1], "Link copied");
        assert_eq!(said[3], "Copied: cd /w && claude --resume s1");
        assert_eq!(said[4], "Archived “T”");
        assert_eq!(said[5], "Could not stop “T”: the task is ready for review");
        assert!(said[6].contains("only http and https"), "{}", said[6]);
    }

    #[test]
    fn pages_that_are_no_tasks_open_directly() {
        let mut rig = Rig::new();
        rig.click(Action::OpenUrl("https://github.com/copilot/agents".into()));
        rig.click(Action::OpenUrl("file:///etc/passwd".into()));
        assert_eq!(
            rig.desktop.calls(),
            vec![DesktopCall::Open(
                "https://github.com/copilot/agents".into()
            )]
        );
        let notice = rig.view.notice.map(|(n, _)| n).unwrap_or_default();
        assert!(notice.contains("only http and https"), "{notice}");
    }

    #[test]
    fn refresh_pause_and_account_clicks_become_commands() {
        let mut rig = Rig::new();
        rig.click(Action::Refresh);
        rig.click(Action::PauseNotifications(Pause::OneHour));
        rig.click(Action::SignOut);
        assert!(matches!(rig.received.try_recv(), Ok(Command::Refresh)));
        match rig.received.try_recv() {
            Ok(Command::PauseNotifications { until: Some(until) }) => {
                let left = until - Utc::now();
                assert!(left > chrono::TimeDelta::minutes(59), "{left}");
                assert_eq!(rig.view.paused_until, Some(until));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            rig.received.try_recv(),
            Ok(Command::SignOut { source: None })
        ));
        rig.click(Action::PauseNotifications(Pause::Resume));
        assert!(matches!(
            rig.received.try_recv(),
            Ok(Command::PauseNotifications { until: None })
        ));
        assert_eq!(rig.view.paused_until, None);
    }

    #[test]
    fn stop_needs_a_second_click_and_anything_else_cancels_it() {
        let mut rig = Rig::new();
        assert_eq!(rig.click(Action::AskStop("t1".into())), Followup::Nothing);
        assert_eq!(rig.view.confirming_stop.as_deref(), Some("t1"));
        rig.click(Action::Refresh);
        assert_eq!(rig.view.confirming_stop, None, "another click says no");
        rig.click(Action::AskStop("t1".into()));
        assert_eq!(
            rig.click(task_action("t1", TaskAction::Stop)),
            Followup::Act {
                task: "t1".into(),
                action: TaskAction::Stop
            }
        );
        assert_eq!(rig.view.confirming_stop, None);
    }

    #[test]
    fn open_at_login_follows_what_the_os_accepted() {
        let mut rig = Rig::new();
        rig.click(Action::ToggleOpenAtLogin);
        assert!(rig.view.open_at_login && rig.autostart.enabled.get());
        rig.click(Action::ToggleOpenAtLogin);
        assert!(!rig.view.open_at_login && !rig.autostart.enabled.get());
        rig.autostart.broken = true;
        rig.click(Action::ToggleOpenAtLogin);
        assert!(
            !rig.view.open_at_login,
            "a refused change is not shown as done"
        );
        assert!(rig.view.notice.is_some());
    }

    #[test]
    fn quit_asks_the_core_and_fires_the_worker_token() {
        let mut rig = Rig::new();
        assert_eq!(rig.click(Action::Quit), Followup::Quit);
        assert!(matches!(rig.received.try_recv(), Ok(Command::Quit)));
        assert!(rig.quit.is_cancelled());
    }

    #[test]
    fn before_the_core_starts_commands_are_refused_in_words_and_quit_still_works() {
        let desktop = RecordingDesktop::default();
        let quit = CancellationToken::new();
        let fx = Effects {
            desktop: &desktop,
            autostart: None,
            commands: None,
            quit: &quit,
            homes: None,
            raycast: false,
        };
        let mut view = ViewState::default();
        perform(&Action::Refresh, &mut view, &fx, Local::now());
        assert!(
            view.notice
                .as_ref()
                .is_some_and(|(n, _)| n.contains("still starting"))
        );
        assert_eq!(
            perform(&Action::Quit, &mut view, &fx, Local::now()),
            Followup::Quit
        );
        assert!(quit.is_cancelled());
    }
}
