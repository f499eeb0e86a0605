//! The discovery file `endpoint.json`: how launchers (the Raycast extension, `agentbar status`)
//! find the running agent's API and its token. Mode 0600, written atomically at start, removed
//! on clean exit.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::store::{StoreError, write_atomically};
use crate::wire::SCHEMA_VERSION;

pub const ENDPOINT_FILE: &str = "endpoint.json";

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub url: String,
    pub token: String,
    pub pid: u32,
    pub schema_version: u32,
    /// The agent plays the built-in simulator's world: what it serves is demo data.
    #[serde(default)]
    pub demo: bool,
}

impl std::fmt::Debug for Endpoint {
    // The token is a credential: keep it out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url)
            .field("token", &"<redacted>")
            .field("pid", &self.pid)
            .field("schema_version", &self.schema_version)
            .field("demo", &self.demo)
            .finish()
    }
}

impl Endpoint {
    pub fn new(url: String, token: String) -> Endpoint {
        Endpoint {
            url,
            token,
            pid: std::process::id(),
            schema_version: SCHEMA_VERSION,
            demo: false,
        }
    }

    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(ENDPOINT_FILE)
    }

    pub fn write(&self, state_dir: &Path) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec_pretty(self)?;
        write_atomically(state_dir, &Endpoint::path(state_dir), &bytes)
    }

    /// Reads the discovery file; `None` when there is none or it cannot be read.
    pub fn read(state_dir: &Path) -> Option<Endpoint> {
        let bytes = std::fs::read(Endpoint::path(state_dir)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Removes the file if it is still this one (another instance may have replaced it).
    pub fn remove_if_ours(&self, state_dir: &Path) {
        if Endpoint::read(state_dir).as_ref() == Some(self)
            && let Err(e) = std::fs::remove_file(Endpoint::path(state_dir))
        {
            tracing::warn!(error = %e, "could not remove endpoint.json");
        }
    }
}

/// The stable feed token in `path` (`[api] feed_token_file`); when the file is missing and
/// `create` holds, a new one is generated and written there (0600) once, so CI-status clients
/// are configured once. The token is the file's first line.
pub fn feed_token(path: &Path, create: bool) -> Result<String, super::ServerError> {
    let fail = |source| super::ServerError::FeedToken {
        path: path.to_owned(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => match text.lines().next().map(str::trim).filter(|t| !t.is_empty()) {
            Some(token) => Ok(token.to_owned()),
            None => Err(fail(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the file is empty; delete it to have a new token generated",
            ))),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let token = new_token();
            let dir = path.parent().unwrap_or(Path::new("."));
            write_atomically(dir, path, format!("{token}\n").as_bytes())?;
            tracing::info!(path = %path.display(), "generated the cc.xml feed token");
            Ok(token)
        }
        Err(e) => Err(fail(e)),
    }
}

/// A fresh random token for this start: 32 bytes as hex.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_token_is_generated_once_private_and_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf/feed-token");
        assert!(
            feed_token(&path, false).is_err(),
            "not created when asked not to"
        );
        let token = feed_token(&path, true).unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(
            feed_token(&path, true).unwrap(),
            token,
            "kept across starts"
        );
        assert_eq!(feed_token(&path, false).unwrap(), token);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "\n").unwrap();
        assert!(
            feed_token(&path, true).is_err(),
            "an emptied file is not overwritten"
        );
    }

    #[test]
    fn written_private_read_back_removed_only_when_ours() {
        let dir = tempfile::tempdir().unwrap();
        let ours = Endpoint::new("http://127.0.0.1:1".into(), new_token());
        ours.write(dir.path()).unwrap();
        assert_eq!(Endpoint::read(dir.path()), Some(ours.clone()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(Endpoint::path(dir.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let theirs = Endpoint::new("http://127.0.0.1:2".into(), new_token());
        theirs.write(dir.path()).unwrap();
        ours.remove_if_ours(dir.path());
        assert_eq!(Endpoint::read(dir.path()), Some(theirs.clone()));
        theirs.remove_if_ours(dir.path());
        assert_eq!(Endpoint::read(dir.path()), None);
        assert!(!format!("{theirs:?}").contains(&theirs.token));
        assert_ne!(new_token(), new_token());
        assert_eq!(new_token().len(), 64);
    }
}
