//! The effects the tray hands to the desktop — open a URL in the browser, show a folder, open
//! Raycast, put text on the clipboard, register to open at login — behind small traits, so tests
//! record them instead of launching browsers and editing the user's login items.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::open::{DesktopOpener, OpenError, UrlOpener, is_web_link};

#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("will not open {0:?}: only an existing folder is shown")]
    NotAFolder(String),
    #[error("will not open {0:?}: only Raycast links are")]
    NotARaycastLink(String),
    #[error("cannot open {target}: {source}")]
    Launch {
        target: String,
        source: std::io::Error,
    },
    #[error("cannot use the clipboard: {0}")]
    Clipboard(String),
    #[error("cannot change open at login ({path}): {message}")]
    Autostart { path: PathBuf, message: String },
}

/// Opening links and folders and copying text.
pub trait Desktop {
    /// A web page (`http`/`https` only).
    fn open_url(&self, url: &str) -> Result<(), DesktopError>;
    /// A folder in the file manager; anything but an existing directory is refused, so nothing
    /// a desktop might execute is ever handed on.
    fn open_folder(&self, dir: &Path) -> Result<(), DesktopError>;
    /// A `raycast://` deep link (its command opens in Raycast).
    fn open_raycast(&self, url: &str) -> Result<(), DesktopError>;
    fn copy_text(&self, text: &str) -> Result<(), DesktopError>;
}

/// The directory a `file://` URL names (percent-escapes decoded); `None` for anything else.
pub fn folder_of(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("file://")?;
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                decoded.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            byte => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    let path = PathBuf::from(String::from_utf8(decoded).ok()?);
    path.is_absolute().then_some(path)
}

fn existing_folder(dir: &Path) -> Result<(), DesktopError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(DesktopError::NotAFolder(dir.display().to_string()))
    }
}

fn raycast_link(url: &str) -> Result<(), DesktopError> {
    if url.starts_with("raycast://") && !url.contains(char::is_whitespace) {
        Ok(())
    } else {
        Err(DesktopError::NotARaycastLink(url.to_owned()))
    }
}

fn launch(target: &std::ffi::OsStr) -> Result<(), DesktopError> {
    // Detached, as for web links: the UI thread never waits for a file manager.
    open::that_detached(target).map_err(|source| DesktopError::Launch {
        target: target.to_string_lossy().into_owned(),
        source,
    })
}

/// Whether the app starts when the user logs in.
pub trait Autostart {
    fn is_enabled(&self) -> Result<bool, DesktopError>;
    fn set_enabled(&self, enabled: bool) -> Result<(), DesktopError>;
}

/// The real desktop: the `open` crate (on Linux `xdg-open`, which honours `BROWSER`) and the
/// platform's clipboard. Must be used on the UI thread (GTK's clipboard lives there).
pub struct SystemDesktop;

impl Desktop for SystemDesktop {
    fn open_url(&self, url: &str) -> Result<(), DesktopError> {
        // The same seam notifications use: web links only, detached, so the UI thread never
        // waits for a browser to start.
        Ok(DesktopOpener.open(url)?)
    }

    fn open_folder(&self, dir: &Path) -> Result<(), DesktopError> {
        existing_folder(dir)?;
        launch(dir.as_os_str())
    }

    fn open_raycast(&self, url: &str) -> Result<(), DesktopError> {
        raycast_link(url)?;
        launch(url.as_ref())
    }

    fn copy_text(&self, text: &str) -> Result<(), DesktopError> {
        super::platform::copy_text(text)
    }
}

/// What a [`RecordingDesktop`] was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DesktopCall {
    Open(String),
    Folder(PathBuf),
    Raycast(String),
    Copy(String),
}

/// Records instead of acting, for tests.
#[derive(Debug, Default)]
pub struct RecordingDesktop {
    calls: Mutex<Vec<DesktopCall>>,
}

impl RecordingDesktop {
    pub fn calls(&self) -> Vec<DesktopCall> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn record(&self, call: DesktopCall) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(call);
        }
    }
}

impl Desktop for RecordingDesktop {
    fn open_url(&self, url: &str) -> Result<(), DesktopError> {
        if !is_web_link(url) {
            return Err(OpenError::NotAWebLink(url.to_owned()).into());
        }
        self.record(DesktopCall::Open(url.to_owned()));
        Ok(())
    }

    fn open_folder(&self, dir: &Path) -> Result<(), DesktopError> {
        existing_folder(dir)?;
        self.record(DesktopCall::Folder(dir.to_owned()));
        Ok(())
    }

    fn open_raycast(&self, url: &str) -> Result<(), DesktopError> {
        raycast_link(url)?;
        self.record(DesktopCall::Raycast(url.to_owned()));
        Ok(())
    }

    fn copy_text(&self, text: &str) -> Result<(), DesktopError> {
        self.record(DesktopCall::Copy(text.to_owned()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_are_opened() {
        let desktop = RecordingDesktop::default();
        assert!(matches!(
            desktop.open_url("javascript:alert(1)"),
            Err(DesktopError::Open(OpenError::NotAWebLink(_)))
        ));
        assert!(desktop.calls().is_empty());
    }

    #[test]
    fn only_existing_folders_and_raycast_links_are_opened() {
        let desktop = RecordingDesktop::default();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("run.sh");
        std::fs::write(&file, "#!/bin/sh\n").unwrap();
        assert!(desktop.open_folder(dir.path()).is_ok());
        assert!(matches!(
            desktop.open_folder(&file),
            Err(DesktopError::NotAFolder(_))
        ));
        assert!(desktop.open_raycast("raycast://extensions/a/b/c").is_ok());
        assert!(matches!(
            desktop.open_raycast("https://example.test"),
            Err(DesktopError::NotARaycastLink(_))
        ));
        assert_eq!(
            desktop.calls(),
            vec![
                DesktopCall::Folder(dir.path().to_owned()),
                DesktopCall::Raycast("raycast://extensions/a/b/c".into())
            ]
        );
    }

    #[test]
    fn file_urls_read_back_as_folders() {
        assert_eq!(
            folder_of("file:///home/dev/my%20src%231"),
            Some(PathBuf::from("/home/dev/my src#1"))
        );
        assert_eq!(folder_of("https://example.test/x"), None);
        assert_eq!(folder_of("file://relative"), None);
        assert_eq!(folder_of("file:///bad%2"), None);
    }
}
