//! The tray's event loop (only with the `tray` feature): tao's loop on the main thread, the
//! core on a tokio runtime in the named worker thread `agentbar-runtime`, [`UiEvent`]s from the
//! worker (and muda's menu handler, and the quit watchdog) into the loop.

use std::time::Duration;

use tao::event::{Event, StartCause};
use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopProxy};
use tao::platform::run_return::EventLoopExtRunReturn;
use tokio_util::sync::CancellationToken;

use super::{CoreLink, TrayError, UiEvent, app, platform, run_headless};
use crate::app::{Core, Upstream};
use crate::config::Config;

/// How often the tray redraws while nothing happens, so ages ("updated 12 s ago") move.
/// tao's `WaitUntil` does not wake on Linux (PLATFORM.md), so the worker sends ticks.
const TICK: Duration = Duration::from_secs(5);
/// How long the runtime may take to stop its last tasks once the core has shut down.
const RUNTIME_SHUTDOWN: Duration = Duration::from_millis(500);

/// Runs agentbar with a tray until Quit or a signal; falls back to headless (with one log line
/// saying why) where no tray can exist. Returns after the shutdown sequence has run.
pub fn run(config: Config, upstream: Upstream) -> Result<(), TrayError> {
    if let Err(reason) = platform::tray_support() {
        tracing::warn!("no tray: {reason}; running headless");
        return run_headless(config, upstream);
    }
    // tao has no fallible constructor; a display that disappears between the check above and
    // here would panic inside GTK. Catch that one case and run headless instead.
    let built = std::panic::catch_unwind(|| EventLoopBuilder::<UiEvent>::with_user_event().build());
    let mut event_loop = match built {
        Ok(event_loop) => event_loop,
        Err(_) => {
            tracing::warn!(
                "no tray: the windowing system could not be initialised; running headless"
            );
            return run_headless(config, upstream);
        }
    };
    platform::prepare_event_loop(&mut event_loop);

    let proxy = event_loop.create_proxy();
    let menu_proxy = proxy.clone();
    tray_icon::menu::MenuEvent::set_event_handler(Some(
        move |event: tray_icon::menu::MenuEvent| {
            // The loop may already be gone while quitting; nothing is lost then.
            let _ = menu_proxy.send_event(UiEvent::Menu(event.id.0));
        },
    ));

    // The worker's own stop signal: Quit must work even before the core has started.
    let quit = CancellationToken::new();
    let worker = {
        let proxy = proxy.clone();
        let quit = quit.clone();
        let config = config.clone();
        std::thread::Builder::new()
            .name("agentbar-runtime".into())
            .spawn(move || run_worker(config, upstream, proxy, quit))
            .map_err(TrayError::Thread)?
    };

    let mut app = app::TrayApp::new(&config, quit.clone(), proxy);
    event_loop.run_return(|event, _target, control_flow| {
        *control_flow = ControlFlow::Wait;
        match event {
            // macOS wants the status item created once the loop runs; do it so everywhere.
            Event::NewEvents(StartCause::Init) => app.create_tray(),
            Event::UserEvent(event) => {
                *control_flow = if app.handle(event) {
                    ControlFlow::Exit
                } else {
                    ControlFlow::Wait
                };
            }
            _ => {}
        }
    });
    tray_icon::menu::MenuEvent::set_event_handler(None::<fn(tray_icon::menu::MenuEvent)>);
    let outcome = app.finish();
    quit.cancel();
    if outcome.worker_stopped {
        // The worker has already shut its runtime down with a bound; this returns at once.
        let _ = worker.join();
    }
    match outcome.failure {
        Some(message) => Err(TrayError::Core(message)),
        None => Ok(()),
    }
}

/// The worker thread: starts the core, forwards overviews and ticks to the loop, and runs the
/// shutdown sequence when the loop asks (`quit`), the core quits, or a signal arrives.
///
/// The core runs on this one thread (a current-thread runtime): next to a UI, its work is a poll
/// now and then and a few local API calls, and with worker threads of its own every 5 s tick
/// also woke them (bench/RESULTS.md §3: 62 of 101 wake-ups a minute when idle).
fn run_worker(
    config: Config,
    upstream: Upstream,
    proxy: EventLoopProxy<UiEvent>,
    quit: CancellationToken,
) {
    let built = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(TrayError::Runtime);
    let runtime = match built {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = proxy.send_event(UiEvent::Failed(e.to_string()));
            return;
        }
    };
    let handle = runtime.handle().clone();
    runtime.block_on(async {
        let core = tokio::select! {
            () = quit.cancelled() => return,
            started = crate::app::start_with_api(&config, upstream) => match started {
                Ok(core) => core,
                Err(e) => {
                    let _ = proxy.send_event(UiEvent::Failed(e.to_string()));
                    return;
                }
            },
        };
        let link = CoreLink {
            commands: core.commands.clone(),
            web_url: core.web_url.clone(),
            sources: core.sources.clone(),
            runtime: handle,
        };
        forward(&core, link, &proxy, &quit).await;
        core.shutdown().await;
    });
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
    let _ = proxy.send_event(UiEvent::Stopped);
}

/// Sends the loop what it needs until it is time to stop.
async fn forward(
    core: &Core,
    link: CoreLink,
    proxy: &EventLoopProxy<UiEvent>,
    quit: &CancellationToken,
) {
    // A closed loop means the UI is gone: stop the core too.
    let send = |event| proxy.send_event(event).is_ok();
    let mut overview = core.overview.clone();
    let mut sign_in = core.sign_in.clone();
    let first = overview.borrow_and_update().clone();
    if !send(UiEvent::Ready(link)) || !send(UiEvent::Overview(first)) {
        return;
    }
    let signal = crate::app::shutdown_signal();
    tokio::pin!(signal);
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            () = quit.cancelled() => return,
            () = core.cancel.cancelled() => return,
            result = &mut signal => {
                if let Err(e) = result {
                    tracing::error!(error = %e, "cannot wait for a signal; stopping");
                }
                return;
            }
            changed = overview.changed() => {
                let sent = changed.is_ok() && send(UiEvent::Overview(overview.borrow_and_update().clone()));
                if !sent {
                    return;
                }
            }
            changed = sign_in.changed() => {
                let sent = changed.is_ok() && send(UiEvent::SignIn(sign_in.borrow_and_update().clone()));
                if !sent {
                    return;
                }
            }
            _ = tick.tick() => {
                if !send(UiEvent::Tick) {
                    return;
                }
            }
        }
    }
}
