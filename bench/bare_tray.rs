//! The floor for agentbar's tray (`bench/tray.sh`): what any tray-icon program must do on this
//! platform and nothing more — tao's event loop on the main thread, one tray icon (a 32 px RGBA
//! square drawn here, the size agentbar draws) with a small menu, menu clicks forwarded into the
//! loop as user events so the loop sleeps until something happens. No async runtime, no HTTP, no
//! data. `cargo run --example bare-tray`; Quit or SIGTERM ends it.

use tao::event::{Event, StartCause};
use tao::event_loop::{ControlFlow, EventLoopBuilder};
use tray_icon::TrayIconBuilder;
use tray_icon::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};

/// The icon's side in pixels (agentbar's Linux size).
const SIZE: u32 = 32;

fn main() {
    let event_loop = EventLoopBuilder::<MenuEvent>::with_user_event().build();
    let proxy = event_loop.create_proxy();
    MenuEvent::set_event_handler(Some(move |event| {
        let _ = proxy.send_event(event);
    }));

    let menu = Menu::new();
    let status = MenuItem::new("Nothing running", false, None);
    let refresh = MenuItem::new("Refresh now", true, None);
    let quit = MenuItem::new("Quit", true, None);
    let separator = PredefinedMenuItem::separator();
    if let Err(e) = menu.append_items(&[&status, &separator, &refresh, &quit]) {
        eprintln!("bare-tray: cannot build the menu: {e}");
        std::process::exit(1);
    }
    let quit_id = quit.id().clone();

    let mut tray = None;
    event_loop.run(move |event, _, control_flow| {
        *control_flow = ControlFlow::Wait;
        match event {
            // Created once the loop runs, as tray-icon's examples do (macOS needs it).
            Event::NewEvents(StartCause::Init) => {
                let built = tray_icon::Icon::from_rgba(square(), SIZE, SIZE)
                    .map_err(|e| e.to_string())
                    .and_then(|icon| {
                        TrayIconBuilder::new()
                            .with_menu(Box::new(menu.clone()))
                            .with_tooltip("bare tray")
                            .with_icon(icon)
                            .build()
                            .map_err(|e| e.to_string())
                    });
                match built {
                    Ok(icon) => tray = Some(icon),
                    Err(e) => {
                        eprintln!("bare-tray: cannot create the tray icon: {e}");
                        *control_flow = ControlFlow::Exit;
                    }
                }
            }
            Event::UserEvent(event) if event.id == quit_id => {
                tray.take();
                *control_flow = ControlFlow::Exit;
            }
            _ => {}
        }
    });
}

/// A filled grey square with a one-pixel darker border, RGBA.
fn square() -> Vec<u8> {
    let mut pixels = Vec::with_capacity((SIZE * SIZE * 4) as usize);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let edge = x == 0 || y == 0 || x == SIZE - 1 || y == SIZE - 1;
            let shade = if edge { 0x40 } else { 0x90 };
            pixels.extend_from_slice(&[shade, shade, shade, 0xff]);
        }
    }
    pixels
}
