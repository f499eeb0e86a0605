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
}

impl std::fmt::Debug for Endpoint {
    // The token is a credential: keep it out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url)
            .field("token", &"<redacted>")
            .field("pid", &self.pid)
            .field("schema_version", &self.schema_version)
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

/// A fresh random token for this start: 32 bytes as hex.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
