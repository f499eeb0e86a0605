//! Where the token lives: `AGENTBAR_TOKEN`, else the OS keychain, else (where no keychain is
//! available) a 0600 file written atomically, with a warning that says so. The token is never
//! written anywhere else.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::github::Token;
use crate::store::write_atomically;

/// The keychain service name; the account is the GitHub host.
const KEYCHAIN_SERVICE: &str = "agentbar";
/// The fallback file, in the config directory.
pub const CREDENTIALS_FILE: &str = "credentials.json";
/// Which hosts' stored token was taken from the GitHub CLI (no secret in it), so a refused
/// token is first asked of `gh` again.
pub const ORIGIN_FILE: &str = "token-origin.json";

/// Where a token came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenSource {
    Environment,
    Keychain,
    File,
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenSource::Environment => "the AGENTBAR_TOKEN environment variable",
            TokenSource::Keychain => "the OS keychain",
            TokenSource::File => "a plain file (no keychain was available)",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("cannot store the token in {path}: {source}")]
    File {
        path: PathBuf,
        source: crate::store::StoreError,
    },
    #[error("{path} is not a readable credentials file: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("cannot remove the token from the OS keychain: {0}")]
    Keychain(String),
}

/// The on-disk fallback: host → token.
#[derive(Default, Serialize, Deserialize)]
struct CredentialsFile {
    #[serde(default)]
    tokens: BTreeMap<String, String>,
}

/// The origin file: the hosts whose token came from `gh auth token`.
#[derive(Default, Serialize, Deserialize)]
struct OriginFile {
    #[serde(default)]
    from_gh: Vec<String>,
}

/// Reads and writes the token for one GitHub host.
#[derive(Clone, Debug)]
pub struct CredentialStore {
    host: String,
    config_dir: PathBuf,
    /// False when the keychain must not be touched (`AGENTBAR_NO_KEYCHAIN`, tests).
    use_keychain: bool,
    /// `AGENTBAR_TOKEN`, which wins over everything stored.
    environment: Option<Token>,
}

impl CredentialStore {
    pub fn new(
        host: &str,
        config_dir: &Path,
        use_keychain: bool,
        environment: Option<Token>,
    ) -> CredentialStore {
        CredentialStore {
            host: host.to_owned(),
            config_dir: config_dir.to_owned(),
            use_keychain,
            environment,
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    fn file_path(&self) -> PathBuf {
        self.config_dir.join(CREDENTIALS_FILE)
    }

    /// The token to use, and where it came from, in the documented order. Blocking (the keychain
    /// is a D-Bus round trip on Linux): call it off the async runtime.
    pub fn load(&self) -> Option<(Token, TokenSource)> {
        if let Some(token) = &self.environment {
            return Some((token.clone(), TokenSource::Environment));
        }
        if self.use_keychain
            && let Some(token) = self.keychain_get()
        {
            return Some((token, TokenSource::Keychain));
        }
        match self.read_file() {
            Ok(file) => file
                .tokens
                .get(&self.host)
                .and_then(|t| Token::new(t.clone()))
                .map(|t| (t, TokenSource::File)),
            Err(e) => {
                tracing::warn!(error = %e, "ignoring the credentials file");
                None
            }
        }
    }

    /// Stores a token taken from the GitHub CLI, remembering where it came from.
    pub fn save_from_gh(&self, token: &Token) -> Result<TokenSource, CredentialError> {
        let source = self.save_token(token)?;
        self.set_from_gh(true);
        Ok(source)
    }

    /// Stores the token: in the keychain when there is one, else in the 0600 file (and says so).
    pub fn save(&self, token: &Token) -> Result<TokenSource, CredentialError> {
        let source = self.save_token(token)?;
        self.set_from_gh(false);
        Ok(source)
    }

    /// Whether the stored token was taken from the GitHub CLI (`login --from-gh`).
    pub fn came_from_gh(&self) -> bool {
        std::fs::read(self.config_dir.join(ORIGIN_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<OriginFile>(&bytes).ok())
            .is_some_and(|origin| origin.from_gh.contains(&self.host))
    }

    /// Records (or clears) that this host's token came from `gh`. Best effort: without the
    /// record a refused token signs out at once, as any other token would.
    fn set_from_gh(&self, from_gh: bool) {
        let path = self.config_dir.join(ORIGIN_FILE);
        let mut origin = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<OriginFile>(&bytes).ok())
            .unwrap_or_default();
        let listed = origin.from_gh.contains(&self.host);
        if listed == from_gh {
            return;
        }
        if from_gh {
            origin.from_gh.push(self.host.clone());
        } else {
            origin.from_gh.retain(|h| h != &self.host);
        }
        let written = serde_json::to_vec_pretty(&origin)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                write_atomically(&self.config_dir, &path, &bytes).map_err(|e| e.to_string())
            });
        if let Err(error) = written {
            tracing::warn!(%error, "could not record where the token came from");
        }
    }

    fn save_token(&self, token: &Token) -> Result<TokenSource, CredentialError> {
        if self.use_keychain {
            match self
                .keychain_entry()
                .map(|e| e.set_password(token.expose()))
            {
                Some(Ok(())) => {
                    // A stale copy in the file would be read if the keychain ever went away.
                    self.remove_from_file()?;
                    return Ok(TokenSource::Keychain);
                }
                Some(Err(e)) => tracing::warn!(
                    error = %e,
                    "the OS keychain is not available; storing the token in a plain file readable only by you"
                ),
                None => tracing::warn!(
                    "there is no OS keychain here; storing the token in a plain file readable only by you"
                ),
            }
        }
        let mut file = self.read_file().unwrap_or_default();
        file.tokens
            .insert(self.host.clone(), token.expose().to_owned());
        self.write_file(&file)?;
        tracing::warn!(path = %self.file_path().display(), "the token is stored in a plain file (mode 0600)");
        Ok(TokenSource::File)
    }

    /// Forgets the token in the keychain and the file; says where it was removed from.
    /// `AGENTBAR_TOKEN` cannot be unset from here, which the caller reports.
    pub fn forget(&self) -> Result<Vec<TokenSource>, CredentialError> {
        let mut removed = Vec::new();
        if self.use_keychain
            && let Some(entry) = self.keychain_entry()
        {
            match entry.delete_credential() {
                Ok(()) => removed.push(TokenSource::Keychain),
                Err(keyring::Error::NoEntry) => {}
                Err(keyring::Error::NoStorageAccess(_)) | Err(keyring::Error::NoDefaultStore) => {}
                Err(e) => return Err(CredentialError::Keychain(e.to_string())),
            }
        }
        if self.remove_from_file()? {
            removed.push(TokenSource::File);
        }
        self.set_from_gh(false);
        Ok(removed)
    }

    pub fn has_environment_token(&self) -> bool {
        self.environment.is_some()
    }

    fn keychain_entry(&self) -> Option<keyring::Entry> {
        keyring::Entry::new(KEYCHAIN_SERVICE, &self.host)
            .map_err(|e| tracing::debug!(error = %e, "no OS keychain"))
            .ok()
    }

    fn keychain_get(&self) -> Option<Token> {
        match self.keychain_entry()?.get_password() {
            Ok(secret) => Token::new(secret),
            Err(keyring::Error::NoEntry) => None,
            Err(e) => {
                tracing::debug!(error = %e, "the OS keychain could not be read");
                None
            }
        }
    }

    fn read_file(&self) -> Result<CredentialsFile, CredentialError> {
        let path = self.file_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| CredentialError::Corrupt {
                path,
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(CredentialsFile::default()),
            Err(e) => Err(CredentialError::Corrupt {
                path,
                detail: e.to_string(),
            }),
        }
    }

    fn write_file(&self, file: &CredentialsFile) -> Result<(), CredentialError> {
        let path = self.file_path();
        let bytes = serde_json::to_vec_pretty(file).map_err(|e| CredentialError::File {
            path: path.clone(),
            source: e.into(),
        })?;
        write_atomically(&self.config_dir, &path, &bytes)
            .map_err(|source| CredentialError::File { path, source })
    }

    /// Removes this host's token from the file; true when there was one.
    fn remove_from_file(&self) -> Result<bool, CredentialError> {
        let Ok(mut file) = self.read_file() else {
            return Ok(false);
        };
        if file.tokens.remove(&self.host).is_none() {
            return Ok(false);
        }
        if file.tokens.is_empty() {
            std::fs::remove_file(self.file_path()).map_err(|e| CredentialError::File {
                path: self.file_path(),
                source: crate::store::StoreError::Write {
                    path: self.file_path(),
                    source: e,
                },
            })?;
        } else {
            self.write_file(&file)?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_from_gh_is_remembered_as_such_until_another_is_saved_or_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::new("github.com", dir.path(), false, None);
        let other = CredentialStore::new("acme.ghe.com", dir.path(), false, None);
        let token = Token::new("gho_fromgh").unwrap();
        store.save_from_gh(&token).unwrap();
        assert!(store.came_from_gh());
        assert!(!other.came_from_gh(), "per host");
        store.save(&token).unwrap();
        assert!(!store.came_from_gh());
        store.save_from_gh(&token).unwrap();
        store.forget().unwrap();
        assert!(!store.came_from_gh());
        let text = std::fs::read_to_string(dir.path().join(ORIGIN_FILE)).unwrap();
        assert!(!text.contains("gho_"), "no secret in the origin file");
    }

    #[test]
    fn without_a_keychain_the_token_goes_to_a_private_file_and_can_be_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::new("github.com", dir.path(), false, None);
        assert!(store.load().is_none());
        let token = Token::new("gho_fileStoredToken123").unwrap();
        assert_eq!(store.save(&token).unwrap(), TokenSource::File);
        assert_eq!(store.load(), Some((token.clone(), TokenSource::File)));
        let path = dir.path().join(CREDENTIALS_FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\"github.com\": \"gho_fileStoredToken123\""),
            "{text}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Another host's token is kept when this one is forgotten.
        let other = CredentialStore::new("acme.ghe.com", dir.path(), false, None);
        other.save(&Token::new("gho_other").unwrap()).unwrap();
        assert_eq!(store.forget().unwrap(), vec![TokenSource::File]);
        assert!(store.load().is_none());
        assert!(other.load().is_some());
        assert_eq!(other.forget().unwrap(), vec![TokenSource::File]);
        assert!(!path.exists());
        assert!(store.forget().unwrap().is_empty());
    }

    #[test]
    fn the_environment_wins_and_a_corrupt_file_is_ignored_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CREDENTIALS_FILE), b"{ not json").unwrap();
        let store = CredentialStore::new("github.com", dir.path(), false, None);
        assert!(store.load().is_none());
        let env = Token::new("from-env").unwrap();
        let store = CredentialStore::new("github.com", dir.path(), false, Some(env.clone()));
        assert_eq!(store.load(), Some((env, TokenSource::Environment)));
    }
}
