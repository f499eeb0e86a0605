//! Linux: the tray is an appindicator (StatusNotifierItem over D-Bus, with an XEmbed fallback)
//! through tray-icon and GTK.
//!
//! What it does: the counts are drawn into a colour icon and also set as the title, which
//! becomes the appindicator label (`XAyatanaLabel`) that some hosts (GNOME's AppIndicator
//! extension) draw next to the icon; "Copy link" uses GTK's clipboard; open at login is an XDG
//! autostart entry. Built and tested here: `tests/tray.rs` reads and clicks the menu over
//! D-Bus under Xvfb.
//!
//! Known limits (PLATFORM.md): most hosts (xfce4-panel, KDE Plasma, trayer) do not draw the
//! title, hence the counts in the icon; there is no tooltip in the appindicator protocol as
//! tray-icon uses it; tray-icon panics when `libayatana-appindicator3` (or `libappindicator3`)
//! cannot be loaded, and tao panics without a display, so both are checked before either is
//! touched.

use std::path::{Path, PathBuf};

use crate::tray::UiEvent;
use crate::tray::desktop::{Autostart, DesktopError};
use crate::tray::icon::IconStyle;

/// Rendered at 32 px; hosts scale it to their panel height (usually 16–24 px).
pub const ICON_SIZE: u32 = 32;
pub const ICON_STYLE: IconStyle = IconStyle::Color;

/// The libraries tray-icon tries to load at run time, in its order.
const APPINDICATOR_LIBRARIES: [&str; 2] =
    ["libayatana-appindicator3.so.1", "libappindicator3.so.1"];

/// Why there can be no tray here, if there cannot.
pub fn tray_support() -> Result<(), String> {
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    if !has_display {
        return Err("no display (neither DISPLAY nor WAYLAND_DISPLAY is set)".into());
    }
    if find_appindicator().is_none() {
        return Err(format!(
            "{} is not installed (Debian/Ubuntu: apt install libayatana-appindicator3-1)",
            APPINDICATOR_LIBRARIES[0]
        ));
    }
    Ok(())
}

/// Looks for the appindicator library where the dynamic loader would: `LD_LIBRARY_PATH`, the
/// usual and multiarch library directories, then the loader's cache (`ldconfig -p`).
fn find_appindicator() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
        .map(|paths| std::env::split_paths(&paths).collect())
        .unwrap_or_default();
    for base in ["/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib"] {
        let base = Path::new(base);
        dirs.push(base.to_owned());
        // Multiarch directories such as /usr/lib/x86_64-linux-gnu.
        if let Ok(entries) = std::fs::read_dir(base) {
            dirs.extend(entries.flatten().map(|e| e.path()).filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().contains("-linux-"))
            }));
        }
    }
    let found = dirs.iter().find_map(|dir| {
        APPINDICATOR_LIBRARIES
            .iter()
            .map(|lib| dir.join(lib))
            .find(|path| path.exists())
    });
    found.or_else(|| {
        let output = ["ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"]
            .iter()
            .find_map(|cmd| std::process::Command::new(cmd).arg("-p").output().ok())?;
        let listing = String::from_utf8_lossy(&output.stdout);
        listing.lines().find_map(|line| {
            let (name, path) = line.trim().split_once(" => ")?;
            APPINDICATOR_LIBRARIES
                .iter()
                .any(|lib| name.starts_with(lib))
                .then(|| PathBuf::from(path))
        })
    })
}

/// GTK's clipboard; it keeps serving the text for as long as the app runs.
pub fn copy_text(text: &str) -> Result<(), DesktopError> {
    let clipboard = gtk::Clipboard::get(&gtk::gdk::SELECTION_CLIPBOARD);
    clipboard.set_text(text);
    clipboard.store();
    Ok(())
}

/// Open at login through an XDG autostart entry in `$XDG_CONFIG_HOME/autostart`.
pub fn autostart(exe: PathBuf) -> Result<Box<dyn Autostart>, DesktopError> {
    let dir = directories::BaseDirs::new()
        .map(|d| d.config_dir().join("autostart"))
        .ok_or_else(|| DesktopError::Autostart {
            path: PathBuf::from("~/.config/autostart"),
            message: "no home directory".into(),
        })?;
    Ok(Box::new(XdgAutostart::new(dir, exe)))
}

/// The menu reaches the tray host over dbusmenu, whose GTK bridge sends an item's image only
/// while GTK's `gtk-menu-images` setting is on (off by default since GTK 3.10, and muda's
/// images sit in plain menu items): on, so the task rows' coloured dots arrive as `icon-data`.
/// GTK is initialised by now (the loop exists).
pub fn prepare_event_loop(_event_loop: &mut tao::event_loop::EventLoop<UiEvent>) {
    use gtk::prelude::ObjectExt;
    match gtk::Settings::default() {
        Some(settings) if settings.find_property("gtk-menu-images").is_some() => {
            settings.set_property("gtk-menu-images", true);
        }
        _ => tracing::debug!("no GTK settings; task rows go without their dots"),
    }
}

/// appindicator reads the icon from a PNG file; keep ours apart from other instances'.
pub fn prepare_tray(
    builder: tray_icon::TrayIconBuilder,
    state_dir: &Path,
) -> tray_icon::TrayIconBuilder {
    builder.with_temp_dir_path(state_dir.join("tray-icons"))
}

/// An XDG autostart entry (freedesktop "Desktop Application Autostart Specification"), written
/// atomically; removing the file unregisters.
pub struct XdgAutostart {
    dir: PathBuf,
    exe: PathBuf,
}

impl XdgAutostart {
    pub const FILE_NAME: &'static str = "agentbar.desktop";

    pub fn new(dir: PathBuf, exe: PathBuf) -> XdgAutostart {
        XdgAutostart { dir, exe }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(Self::FILE_NAME)
    }

    /// The entry's text; `Exec` quoted as the Desktop Entry spec asks.
    pub fn entry(&self) -> String {
        format!(
            "[Desktop Entry]\nType=Application\nName=agentbar\n\
             Comment=Keep an eye on AI coding agents from the menu bar\n\
             Exec={} run\nTerminal=false\nX-GNOME-Autostart-enabled=true\n",
            quote_exec(&self.exe.to_string_lossy())
        )
    }
}

/// Quotes one `Exec` argument: reserved characters inside double quotes, with `"`, `` ` ``,
/// `$` and `\` escaped, and `%` doubled (it introduces field codes).
fn quote_exec(arg: &str) -> String {
    let mut quoted = String::from("\"");
    for c in arg.chars() {
        match c {
            '"' | '`' | '$' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            '%' => quoted.push_str("%%"),
            _ => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

impl Autostart for XdgAutostart {
    fn is_enabled(&self) -> Result<bool, DesktopError> {
        Ok(self.path().is_file())
    }

    fn set_enabled(&self, enabled: bool) -> Result<(), DesktopError> {
        let path = self.path();
        let fail = |message: String| DesktopError::Autostart {
            path: path.clone(),
            message,
        };
        if enabled {
            crate::store::write_atomically(&self.dir, &path, self.entry().as_bytes())
                .map_err(|e| fail(e.to_string()))
        } else {
            match std::fs::remove_file(&path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(fail(e.to_string())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_autostart_entry_comes_and_goes_in_the_given_directory() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("config/autostart");
        let autostart = XdgAutostart::new(dir.clone(), PathBuf::from("/opt/agent bar/agentbar"));
        assert!(!autostart.is_enabled().unwrap());
        autostart.set_enabled(true).unwrap();
        assert!(autostart.is_enabled().unwrap());
        let text = std::fs::read_to_string(dir.join("agentbar.desktop")).unwrap();
        assert!(text.starts_with("[Desktop Entry]\n"));
        assert!(
            text.contains("\nExec=\"/opt/agent bar/agentbar\" run\n"),
            "{text}"
        );
        autostart.set_enabled(false).unwrap();
        assert!(!autostart.is_enabled().unwrap());
        autostart.set_enabled(false).unwrap();
    }

    #[test]
    fn exec_arguments_are_quoted_per_the_desktop_entry_spec() {
        assert_eq!(quote_exec(r#"/a"b$c`d\e%f"#), r#""/a\"b\$c\`d\\e%%f""#);
    }

    #[test]
    fn the_appindicator_library_is_found_when_installed() {
        // This machine's CI installs it (scripts/setup.sh); elsewhere, only the shape is checked.
        if let Some(path) = find_appindicator() {
            assert!(path.to_string_lossy().contains("appindicator3"));
        }
    }
}
