//! Where each account's token lives: `AGENTBAR_TOKEN` (the default account only), else the OS
//! keychain, else (where no keychain is available) a 0600 file written atomically, with a warning
//! that says so. The token is never written anywhere else. Each account has its own entry,
//! `account/<id>`, in both places; the first account on a host also reads the entry named by
//! the host alone, where agentbar kept its one token before it knew several accounts.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::auth::account::{Account, AccountId};
use crate::github::Token;
use crate::store::write_atomically;

/// The keychain service name; the keychain's "account" is the entry key below.
const KEYCHAIN_SERVICE: &str = "agentbar";
/// Prefix of an account's own entry key, so no account id can ever name a legacy host entry.
const ACCOUNT_KEY_PREFIX: &str = "account/";
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

/// The on-disk fallback: entry key (`account/<id>`, or a host for a legacy entry) → token.
#[derive(Default, Serialize, Deserialize)]
struct CredentialsFile {
    #[serde(default)]
    tokens: BTreeMap<String, String>,
}

/// The origin file: the entry keys whose token came from `gh auth token`.
#[derive(Default, Serialize, Deserialize)]
struct OriginFile {
    #[serde(default)]
    from_gh: Vec<String>,
}

/// Reads and writes the token of one GitHub account.
#[derive(Clone, Debug)]
pub struct CredentialStore {
    host: String,
    /// The account's own entry, in the keychain and the file.
    key: String,
    /// The entry named by the host alone (a token stored before accounts existed), read and
    /// forgotten by the first account on that host only.
    legacy_key: Option<String>,
    config_dir: PathBuf,
    /// False when the keychain must not be touched (`AGENTBAR_NO_KEYCHAIN`, tests).
    use_keychain: bool,
    /// `AGENTBAR_TOKEN`, which wins over everything stored.
    environment: Option<Token>,
}

impl CredentialStore {
    /// The store of the first (unnamed) account on `host`: the one account agentbar had before
    /// it knew several, so its token stored then is read too.
    pub fn new(
        host: &str,
        config_dir: &Path,
        use_keychain: bool,
        environment: Option<Token>,
    ) -> CredentialStore {
        CredentialStore {
            host: host.to_owned(),
            key: account_key(&AccountId::for_host(host)),
            legacy_key: Some(host.to_owned()),
            config_dir: config_dir.to_owned(),
            use_keychain,
            environment,
        }
    }

    /// The store of one account. `environment` (`AGENTBAR_TOKEN`) is given for the default
    /// account only.
    pub fn for_account(
        account: &Account,
        config_dir: &Path,
        use_keychain: bool,
        environment: Option<Token>,
    ) -> CredentialStore {
        CredentialStore {
            host: account.host.clone(),
            key: account_key(&account.id),
            legacy_key: account.first_on_host.then(|| account.host.clone()),
            config_dir: config_dir.to_owned(),
            use_keychain,
            environment,
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// The entries this store reads, its own first.
    fn keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.key.as_str()).chain(self.legacy_key.as_deref())
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
        let file = self
            .read_file()
            .map_err(|e| tracing::warn!(error = %e, "ignoring the credentials file"))
            .ok();
        // The account's own entry wins over the legacy one wherever each is kept.
        self.keys().find_map(|key| {
            if self.use_keychain
                && let Some(token) = keychain_get(key)
            {
                return Some((token, TokenSource::Keychain));
            }
            file.as_ref()?
                .tokens
                .get(key)
                .and_then(|t| Token::new(t.clone()))
                .map(|t| (t, TokenSource::File))
        })
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
            .is_some_and(|origin| {
                self.keys()
                    .any(|key| origin.from_gh.iter().any(|listed| listed == key))
            })
    }

    /// Records (or clears) that this host's token came from `gh`. Best effort: without the
    /// record a refused token signs out at once, as any other token would.
    fn set_from_gh(&self, from_gh: bool) {
        let path = self.config_dir.join(ORIGIN_FILE);
        let mut origin = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<OriginFile>(&bytes).ok())
            .unwrap_or_default();
        let before = origin.from_gh.clone();
        // The legacy entry's mark goes with any new token: it describes a token now replaced.
        origin
            .from_gh
            .retain(|listed| !self.keys().any(|key| key == listed));
        if from_gh {
            origin.from_gh.push(self.key.clone());
        }
        if origin.from_gh == before {
            return;
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
                    // A stale copy in the file would be read if the keychain ever went away,
                    // and a legacy entry is replaced by this one.
                    self.remove_from_file(self.keys())?;
                    self.forget_legacy_keychain_entry();
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
        if let Some(legacy) = &self.legacy_key {
            file.tokens.remove(legacy);
        }
        file.tokens
            .insert(self.key.clone(), token.expose().to_owned());
        self.write_file(&file)?;
        self.forget_legacy_keychain_entry();
        tracing::warn!(path = %self.file_path().display(), "the token is stored in a plain file (mode 0600)");
        Ok(TokenSource::File)
    }

    /// Forgets the token in the keychain and the file; says where it was removed from.
    /// `AGENTBAR_TOKEN` cannot be unset from here, which the caller reports.
    pub fn forget(&self) -> Result<Vec<TokenSource>, CredentialError> {
        let mut removed = Vec::new();
        if self.use_keychain {
            let mut any = false;
            for key in self.keys() {
                any |= keychain_delete(key)?;
            }
            if any {
                removed.push(TokenSource::Keychain);
            }
        }
        if self.remove_from_file(self.keys())? {
            removed.push(TokenSource::File);
        }
        self.set_from_gh(false);
        Ok(removed)
    }

    /// Removes the legacy keychain entry once this account's own entry holds its token. Best
    /// effort: the own entry is read first anyway, so a leftover only lingers.
    fn forget_legacy_keychain_entry(&self) {
        if let Some(legacy) = &self.legacy_key
            && self.use_keychain
            && let Err(error) = keychain_delete(legacy)
        {
            tracing::warn!(%error, "could not remove the token stored before accounts existed");
        }
    }

    pub fn has_environment_token(&self) -> bool {
        self.environment.is_some()
    }

    fn keychain_entry(&self) -> Option<keyring::Entry> {
        keychain_entry(&self.key)
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

    /// Removes these entries from the file; true when there was one.
    fn remove_from_file<'k>(
        &self,
        keys: impl Iterator<Item = &'k str>,
    ) -> Result<bool, CredentialError> {
        let Ok(mut file) = self.read_file() else {
            return Ok(false);
        };
        let mut any = false;
        for key in keys {
            any |= file.tokens.remove(key).is_some();
        }
        if !any {
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

/// An account's own entry key.
fn account_key(id: &AccountId) -> String {
    format!("{ACCOUNT_KEY_PREFIX}{id}")
}

fn keychain_entry(key: &str) -> Option<keyring::Entry> {
    keyring::Entry::new(KEYCHAIN_SERVICE, key)
        .map_err(|e| tracing::debug!(error = %e, "no OS keychain"))
        .ok()
}

fn keychain_get(key: &str) -> Option<Token> {
    match keychain_entry(key)?.get_password() {
        Ok(secret) => Token::new(secret),
        Err(keyring::Error::NoEntry) => None,
        Err(e) => {
            tracing::debug!(error = %e, "the OS keychain could not be read");
            None
        }
    }
}

/// Deletes one keychain entry; true when there was one. No keychain here is not an error.
fn keychain_delete(key: &str) -> Result<bool, CredentialError> {
    let Some(entry) = keychain_entry(key) else {
        return Ok(false);
    };
    match entry.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry)
        | Err(keyring::Error::NoStorageAccess(_))
        | Err(keyring::Error::NoDefaultStore) => Ok(false),
        Err(e) => Err(CredentialError::Keychain(e.to_string())),
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
            text.contains("\"account/github.com\": \"gho_fileStoredToken123\""),
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

    fn account(id: &str, host: &str, first_on_host: bool) -> Account {
        Account {
            id: AccountId::from_name(id).unwrap_or_else(|_| AccountId::for_host(host)),
            name: None,
            host: host.into(),
            endpoints: crate::github::Endpoints::for_host(host),
            client_id: None,
            origin: crate::auth::AccountOrigin::ConfigFile,
            first_on_host,
        }
    }

    #[test]
    fn a_token_stored_before_accounts_is_the_first_accounts_on_its_host_and_nobody_elses() {
        let dir = tempfile::tempdir().unwrap();
        // What the previous release wrote: one token, keyed by the host alone, from gh.
        std::fs::write(
            dir.path().join(CREDENTIALS_FILE),
            r#"{"tokens": {"github.com": "gho_legacy", "acme.ghe.com": "gho_acme"}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join(ORIGIN_FILE),
            r#"{"from_gh": ["github.com"]}"#,
        )
        .unwrap();
        let default = CredentialStore::new("github.com", dir.path(), false, None);
        let first = account("work", "github.com", true);
        let first = CredentialStore::for_account(&first, dir.path(), false, None);
        let second = account("home", "github.com", false);
        let second = CredentialStore::for_account(&second, dir.path(), false, None);
        let legacy = Token::new("gho_legacy").unwrap();
        assert_eq!(default.load(), Some((legacy.clone(), TokenSource::File)));
        assert_eq!(first.load(), Some((legacy.clone(), TokenSource::File)));
        assert!(default.came_from_gh() && first.came_from_gh());
        assert_eq!(second.load(), None, "another user's account never reads it");
        assert!(!second.came_from_gh());

        // The second account signs in beside it; neither sees the other's token.
        let home = Token::new("gho_home").unwrap();
        second.save(&home).unwrap();
        assert_eq!(second.load(), Some((home.clone(), TokenSource::File)));
        assert_eq!(first.load(), Some((legacy, TokenSource::File)));

        // A new sign-in of the first account replaces the legacy entry; the tenant's stays.
        let fresh = Token::new("gho_fresh").unwrap();
        first.save(&fresh).unwrap();
        let text = std::fs::read_to_string(dir.path().join(CREDENTIALS_FILE)).unwrap();
        assert!(!text.contains("gho_legacy"), "{text}");
        assert!(text.contains("gho_acme"), "{text}");
        assert!(
            !first.came_from_gh(),
            "the mark went with the replaced token"
        );

        // Logging one account out leaves the other signed in.
        assert_eq!(first.forget().unwrap(), vec![TokenSource::File]);
        assert_eq!(first.load(), None);
        assert_eq!(second.load(), Some((home, TokenSource::File)));
    }

    #[test]
    fn forgetting_the_first_account_also_forgets_its_legacy_token() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CREDENTIALS_FILE),
            r#"{"tokens": {"github.com": "gho_legacy"}}"#,
        )
        .unwrap();
        let store = CredentialStore::new("github.com", dir.path(), false, None);
        assert_eq!(store.forget().unwrap(), vec![TokenSource::File]);
        assert_eq!(store.load(), None);
        assert!(!dir.path().join(CREDENTIALS_FILE).exists());
    }
}
