//! The effects the tray hands to the desktop — open a URL in the browser, put text on the
//! clipboard, register to open at login — behind small traits, so tests record them instead of
//! launching browsers and editing the user's login items.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::open::{DesktopOpener, OpenError, UrlOpener, is_web_link};

#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("cannot use the clipboard: {0}")]
    Clipboard(String),
    #[error("cannot change open at login ({path}): {message}")]
    Autostart { path: PathBuf, message: String },
}

/// Opening links and copying text.
pub trait Desktop {
    fn open_url(&self, url: &str) -> Result<(), DesktopError>;
    fn copy_text(&self, text: &str) -> Result<(), DesktopError>;
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

    fn copy_text(&self, text: &str) -> Result<(), DesktopError> {
        super::platform::copy_text(text)
    }
}

/// What a [`RecordingDesktop`] was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DesktopCall {
    Open(String),
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
}
