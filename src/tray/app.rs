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
use super::native::NativeMenu;
use super::{CoreLink, UiEvent, platform};
use crate::core::{Command, TaskAction};
use crate::model::{Health, Overview, Snapshot};

/// What a click leaves for the loop to do after [`perform`].
#[derive(Debug, PartialEq, Eq)]
pub enum Followup {
    Nothing,
    /// Send the stop request and wait for its answer off the UI thread.
    Stop(String),
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
    // Any other click answers an open "Confirm stop" with no.
    if !matches!(action, Action::ConfirmStop(_)) {
        view.confirming_stop = None;
    }
    match action {
        Action::OpenUrl(url) => report(view, fx.desktop.open_url(url)),
        Action::CopyLink(url) => {
            let result = fx.desktop.copy_text(url);
            if result.is_ok() {
                view.notice = Some(("Link copied".into(), utc));
            }
            report(view, result);
        }
        Action::AskStop(task_id) => view.confirming_stop = Some(task_id.clone()),
        Action::ConfirmStop(task_id) => {
            view.confirming_stop = None;
            return Followup::Stop(task_id.clone());
        }
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
        let native = match NativeMenu::build(&model.entries) {
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
                let notice = match (action, result) {
                    (TaskAction::Stop, Ok(_)) => format!("Stopping “{title}”"),
                    (TaskAction::Stop, Err(e)) => format!("Could not stop “{title}”: {e}"),
                    (_, Ok(done)) => done.message,
                    (_, Err(e)) => format!("Could not {action} “{title}”: {e}"),
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
        };
        let followup = perform(&action, &mut self.view, &fx, Local::now());
        if action == Action::ToggleOpenAtLogin
            && let Some(native) = &self.native
        {
            native.set_checked(key, self.view.open_at_login);
        }
        match followup {
            Followup::Nothing => {}
            Followup::Stop(task_id) => match &self.link {
                Some(link) => super::event_loop::spawn_act(
                    link,
                    self.proxy.clone(),
                    task_id,
                    TaskAction::Stop,
                ),
                None => self.view.notice = Some(("agentbar is still starting".into(), Utc::now())),
            },
            Followup::Quit => {
                tracing::info!("quit from the tray");
                self.quitting = true;
                super::event_loop::spawn_quit_watchdog(self.proxy.clone());
            }
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
                native.update(&shown.entries, &model.entries);
            }
        } else {
            match NativeMenu::build(&model.entries) {
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
            }
        }

        fn click(&mut self, action: Action) -> Followup {
            let fx = Effects {
                desktop: &self.desktop,
                autostart: Some(&self.autostart),
                commands: Some(&self.commands),
                quit: &self.quit,
                homes: Some(&self.homes),
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

    #[test]
    fn links_go_to_the_browser_and_the_clipboard() {
        let mut rig = Rig::new();
        rig.click(Action::OpenUrl(
            "https://github.com/acme/api/tasks/1".into(),
        ));
        rig.click(Action::CopyLink(
            "https://github.com/acme/api/tasks/2".into(),
        ));
        rig.click(Action::OpenUrl("file:///etc/passwd".into()));
        assert_eq!(
            rig.desktop.calls(),
            vec![
                DesktopCall::Open("https://github.com/acme/api/tasks/1".into()),
                DesktopCall::Copy("https://github.com/acme/api/tasks/2".into()),
            ]
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
            rig.click(Action::ConfirmStop("t1".into())),
            Followup::Stop("t1".into())
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
