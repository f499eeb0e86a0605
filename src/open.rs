//! Opening a web page in the user's browser, behind a small seam so that notifications (and the
//! tray) can be tested without a browser: [`DesktopOpener`] hands the URL to the OS,
//! [`RecordingOpener`] only remembers it.

use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open {url}: {source}")]
    Launch { url: String, source: std::io::Error },
    #[error("will not open {0:?}: only http and https links are opened")]
    NotAWebLink(String),
}

/// Links come from upstream data; only web pages are handed on, never a path or another scheme
/// that a desktop might execute.
pub fn is_web_link(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.contains(char::is_whitespace)
}

/// Something that can show a URL to the user. Implementations must not block for long: they are
/// called from the async runtime's blocking pool and, in the tray, from the UI thread.
pub trait UrlOpener: Send + Sync + 'static {
    fn open(&self, url: &str) -> Result<(), OpenError>;
}

/// The OS's default handler: `xdg-open` (which honours `BROWSER`) on Linux, `open` on macOS,
/// the shell on Windows, through the `open` crate.
#[derive(Clone, Copy, Debug, Default)]
pub struct DesktopOpener;

impl UrlOpener for DesktopOpener {
    fn open(&self, url: &str) -> Result<(), OpenError> {
        if !is_web_link(url) {
            return Err(OpenError::NotAWebLink(url.to_owned()));
        }
        // Detached, so a launcher that waits for the browser to exit never holds the caller;
        // the crate still watches the launcher briefly and reports an immediate failure.
        open::that_detached(url).map_err(|source| OpenError::Launch {
            url: url.to_owned(),
            source,
        })
    }
}

/// Remembers every URL it is asked to open, for tests. Clones share the record.
#[derive(Clone, Debug, Default)]
pub struct RecordingOpener {
    opened: Arc<Mutex<Vec<String>>>,
}

impl RecordingOpener {
    /// Every URL opened so far, oldest first.
    pub fn opened(&self) -> Vec<String> {
        self.opened.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl UrlOpener for RecordingOpener {
    fn open(&self, url: &str) -> Result<(), OpenError> {
        if !is_web_link(url) {
            return Err(OpenError::NotAWebLink(url.to_owned()));
        }
        if let Ok(mut opened) = self.opened.lock() {
            opened.push(url.to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_are_opened() {
        assert!(is_web_link("https://github.com/acme/api/pull/7"));
        assert!(is_web_link("HTTP://127.0.0.1:3000/web/acme/api/tasks/1"));
        assert!(!is_web_link("file:///etc/passwd"));
        assert!(!is_web_link("/usr/bin/xterm"));
        assert!(!is_web_link("https://x.test/a b"));
        let opener = RecordingOpener::default();
        assert!(matches!(
            opener.open("javascript:alert(1)"),
            Err(OpenError::NotAWebLink(_))
        ));
        assert!(opener.opened().is_empty());
    }

    #[test]
    fn a_recording_opener_keeps_every_url_across_clones() {
        let opener = RecordingOpener::default();
        let shared: Arc<dyn UrlOpener> = Arc::new(opener.clone());
        shared.open("https://github.com/copilot/agents").unwrap();
        shared.open("https://github.com/acme/api/pull/7").unwrap();
        assert_eq!(
            opener.opened(),
            [
                "https://github.com/copilot/agents",
                "https://github.com/acme/api/pull/7"
            ]
        );
    }
}
