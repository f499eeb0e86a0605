//! GitHub accounts: who agentbar watches, on which host. Each has a stable id, safe in a URL
//! path segment and in a file or keychain key, that never depends on who signs in: its
//! configured name, else its host (so a second account on a host needs a name).
//! Accounts come from `config.toml` (`[github]`, `[[github.accounts]]`) and from
//! `accounts.json`, which `agentbar login` writes (config.toml is the user's and never rewritten).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::github::Endpoints;
use crate::store::write_atomically;

/// The accounts `agentbar login` added, in the config directory. No secret in it.
pub const ACCOUNTS_FILE: &str = "accounts.json";
const ACCOUNTS_FILE_VERSION: u32 = 1;
/// Longest account name or id accepted.
const MAX_ID_LEN: usize = 64;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    #[error(
        "{value:?} is not a GitHub host: give a name such as github.com or acme.ghe.com (letters, digits, dots, dashes, an optional :port; no scheme, no path)"
    )]
    BadHost { value: String },
    #[error(
        "{value:?} is not an account name: use 1 to {MAX_ID_LEN} letters, digits, `-` or `_` (it names the account in commands, URLs and the keychain)"
    )]
    BadName { value: String },
    #[error(
        "two accounts are called {id:?}{}: give each a different `name`",
        if *.same_host { " on the same host" } else { "" }
    )]
    Duplicate { id: String, same_host: bool },
    #[error("no account is called {wanted:?}; the accounts are: {known}")]
    Unknown { wanted: String, known: String },
    #[error(
        "several accounts use {host} ({known}): say which with --account NAME (or --name for `login`)"
    )]
    Ambiguous { host: String, known: String },
    #[error("the account {id:?} is on {host}, not {wanted}")]
    OtherHost {
        id: String,
        host: String,
        wanted: String,
    },
    #[error("{path} is not a readable accounts file ({detail}); fix or remove it")]
    Corrupt { path: PathBuf, detail: String },
    #[error("cannot write {path}: {detail}")]
    Write { path: PathBuf, detail: String },
}

/// An account's id: lower-case letters, digits and `. _ -` only, so it is safe as a URL path
/// segment, a file key and a keychain entry name, and never contains the `:` that separates a
/// task key's parts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(String);

impl AccountId {
    /// The id a configured `name` gives (compared without regard to case).
    pub fn from_name(name: &str) -> Result<AccountId, AccountError> {
        let trimmed = name.trim();
        let ok = !trimmed.is_empty()
            && trimmed.len() <= MAX_ID_LEN
            && trimmed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(AccountError::BadName {
                value: name.to_owned(),
            });
        }
        Ok(AccountId(trimmed.to_ascii_lowercase()))
    }

    /// The id of the first unnamed account on `host` (a validated host): the host itself, its
    /// port joined with `-` (`127.0.0.1-8080`).
    pub fn for_host(host: &str) -> AccountId {
        AccountId(host.to_ascii_lowercase().replace(':', "-"))
    }

    /// Reads an id back from a file we wrote; `None` if it is not one.
    fn parse_stored(raw: &str) -> Option<AccountId> {
        let ok = !raw.is_empty()
            && raw.len() <= 2 * MAX_ID_LEN + 256
            && raw.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'.' | b'_' | b'-' | b'@')
            });
        ok.then(|| AccountId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a GitHub host as typed in config or on the command line and gives it back in lower
/// case: a DNS name or IPv4 address with an optional port; no scheme, path or user.
pub fn validate_host(raw: &str) -> Result<String, AccountError> {
    let host = raw.trim().trim_end_matches('/').to_ascii_lowercase();
    let bad = || AccountError::BadHost {
        value: raw.to_owned(),
    };
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host.as_str(), None),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    if name_ok && port_ok {
        Ok(host)
    } else {
        Err(bad())
    }
}

/// Where an account was declared, which decides what `logout --account` can remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountOrigin {
    /// `[github]` (or nothing at all: github.com), with the command line's overrides.
    Default,
    /// A `[[github.accounts]]` entry.
    ConfigFile,
    /// Added by `agentbar login`, kept in `accounts.json`.
    AddedByLogin,
}

/// One GitHub account agentbar watches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    /// The configured name, as written.
    pub name: Option<String>,
    /// `github.com` or a `*.ghe.com` tenant (or a loopback simulator).
    pub host: String,
    pub endpoints: Endpoints,
    /// The OAuth App for the device flow.
    pub client_id: Option<String>,
    pub origin: AccountOrigin,
    /// The first account on its host: it also reads the token kept under the host alone, where
    /// agentbar kept its one token before it knew several accounts.
    pub first_on_host: bool,
}

impl Account {
    /// Shown in lists and status lines: "github.com — work" or just the host.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(name) => format!("{} — {name}", self.host),
            None if self.id.as_str() == AccountId::for_host(&self.host).as_str() => {
                self.host.clone()
            }
            None => format!("{} — {}", self.host, self.id),
        }
    }

    /// The id of this account's source: `gh:<id>`.
    pub fn source_id(&self) -> crate::model::SourceId {
        crate::model::SourceId::github(self.id.as_str())
    }

    /// Whether `wanted` (a name or an id, any case) names this account.
    pub fn is_called(&self, wanted: &str) -> bool {
        let wanted = wanted.trim().to_ascii_lowercase();
        self.id.as_str() == wanted
            || self
                .name
                .as_deref()
                .is_some_and(|n| n.to_ascii_lowercase() == wanted)
    }
}

/// Sets `first_on_host` and checks ids are unique; the list keeps its order (the default first).
pub fn finish_list(mut accounts: Vec<Account>) -> Result<Vec<Account>, AccountError> {
    for i in 0..accounts.len() {
        if let Some(earlier) = accounts[..i].iter().find(|a| a.id == accounts[i].id) {
            return Err(AccountError::Duplicate {
                id: accounts[i].id.to_string(),
                same_host: earlier.host == accounts[i].host,
            });
        }
        let first = !accounts[..i].iter().any(|a| a.host == accounts[i].host);
        accounts[i].first_on_host = first;
    }
    Ok(accounts)
}

/// The account `wanted` names (by name or id), or a clear error listing the known ones.
pub fn find<'a>(accounts: &'a [Account], wanted: &str) -> Result<&'a Account, AccountError> {
    accounts
        .iter()
        .find(|a| a.is_called(wanted))
        .ok_or_else(|| AccountError::Unknown {
            wanted: wanted.to_owned(),
            known: known_ids(accounts.iter()),
        })
}

/// The accounts' ids, comma-separated, for error messages.
pub fn known_ids<'a>(accounts: impl Iterator<Item = &'a Account>) -> String {
    accounts
        .map(|a| a.id.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What `agentbar login` was asked to sign in: `--name`, `--host`, and the base URLs given on
/// the command line (API, web, Copilot API; already validated).
#[derive(Clone, Debug, Default)]
pub struct LoginWanted {
    pub name: Option<String>,
    pub host: Option<String>,
    pub api_url: Option<String>,
    pub web_url: Option<String>,
    pub copilot_api_url: Option<String>,
    pub client_id: Option<String>,
}

/// The account `login` signs in, and whether it is new (then `login` keeps it in
/// `accounts.json` once its token is stored). An account named by `--name` or the only one on
/// `--host` is signed in again; an unknown name, or a host without an account, makes a new one;
/// neither flag means the default account. URLs given on the command line apply to this sign-in.
pub fn login_target(
    accounts: &[Account],
    wanted: &LoginWanted,
) -> Result<(Account, bool), AccountError> {
    let host = wanted.host.as_deref().map(validate_host).transpose()?;
    let existing = match (&wanted.name, &host) {
        (Some(name), _) => {
            AccountId::from_name(name)?;
            accounts.iter().find(|a| a.is_called(name))
        }
        (None, Some(host)) => {
            let on_host: Vec<&Account> = accounts.iter().filter(|a| &a.host == host).collect();
            if on_host.len() > 1 {
                return Err(AccountError::Ambiguous {
                    host: host.clone(),
                    known: known_ids(on_host.into_iter()),
                });
            }
            on_host.first().copied()
        }
        (None, None) => accounts.first(),
    };
    let (mut account, new) = match existing {
        Some(account) => {
            if let Some(host) = &host
                && host != &account.host
            {
                return Err(AccountError::OtherHost {
                    id: account.id.to_string(),
                    host: account.host.clone(),
                    wanted: host.clone(),
                });
            }
            (account.clone(), false)
        }
        None => {
            let host = host.unwrap_or_else(|| "github.com".to_owned());
            let id = match &wanted.name {
                Some(name) => AccountId::from_name(name)?,
                None => AccountId::for_host(&host),
            };
            let account = Account {
                id,
                name: wanted.name.as_ref().map(|n| n.trim().to_owned()),
                endpoints: Endpoints::for_host(&host),
                first_on_host: !accounts.iter().any(|a| a.host == host),
                host,
                client_id: accounts.first().and_then(|a| a.client_id.clone()),
                origin: AccountOrigin::AddedByLogin,
            };
            (account, true)
        }
    };
    if let Some(api) = &wanted.api_url {
        account.endpoints.api = api.clone();
    }
    if let Some(web) = &wanted.web_url {
        account.endpoints.web = web.clone();
    }
    if let Some(copilot_api) = &wanted.copilot_api_url {
        account.endpoints.copilot_api = Some(copilot_api.clone());
    }
    if let Some(client_id) = &wanted.client_id {
        account.client_id = Some(client_id.clone());
    }
    Ok((account, new))
}

/// One account as `accounts.json` keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAccount {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub host: String,
    pub api_url: String,
    pub web_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copilot_api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AccountsFileBody {
    #[serde(default)]
    version: u32,
    #[serde(default)]
    accounts: Vec<StoredAccount>,
}

/// `accounts.json`: read tolerantly item by item (a bad entry is skipped with a warning), written
/// atomically; a file that is not JSON at all is never overwritten.
pub struct AccountsFile {
    dir: PathBuf,
}

impl AccountsFile {
    pub fn new(config_dir: &Path) -> AccountsFile {
        AccountsFile {
            dir: config_dir.to_owned(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(ACCOUNTS_FILE)
    }

    fn read_body(&self) -> Result<AccountsFileBody, AccountError> {
        let path = self.path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(AccountsFileBody::default());
            }
            Err(e) => {
                return Err(AccountError::Corrupt {
                    path,
                    detail: e.to_string(),
                });
            }
        };
        serde_json::from_slice(&bytes).map_err(|e| AccountError::Corrupt {
            path,
            detail: e.to_string(),
        })
    }

    /// The accounts `login` added, each turned into an [`Account`]; entries that do not make
    /// one (a bad id, host or URL) are skipped with a warning rather than failing every command.
    pub fn load(&self) -> Result<Vec<Account>, AccountError> {
        let body = self.read_body()?;
        if body.version > ACCOUNTS_FILE_VERSION {
            tracing::warn!(
                version = body.version,
                "accounts.json was written by a newer agentbar; reading what this one knows"
            );
        }
        Ok(body
            .accounts
            .into_iter()
            .filter_map(|stored| {
                let account = to_account(&stored);
                if account.is_none() {
                    tracing::warn!(id = %stored.id, "skipping an unreadable entry of accounts.json");
                }
                account
            })
            .collect())
    }

    /// Adds (or replaces, by id) one account.
    pub fn add(&self, account: StoredAccount) -> Result<(), AccountError> {
        let mut body = self.read_body()?;
        body.accounts.retain(|a| a.id != account.id);
        body.accounts.push(account);
        self.write(body)
    }

    /// Removes the account with this id; true when it was there.
    pub fn remove(&self, id: &AccountId) -> Result<bool, AccountError> {
        let mut body = self.read_body()?;
        let before = body.accounts.len();
        body.accounts.retain(|a| a.id != id.as_str());
        if body.accounts.len() == before {
            return Ok(false);
        }
        self.write(body)?;
        Ok(true)
    }

    fn write(&self, mut body: AccountsFileBody) -> Result<(), AccountError> {
        body.version = ACCOUNTS_FILE_VERSION;
        let path = self.path();
        let bytes = serde_json::to_vec_pretty(&body).map_err(|e| AccountError::Write {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        write_atomically(&self.dir, &path, &bytes).map_err(|e| AccountError::Write {
            path,
            detail: e.to_string(),
        })
    }
}

impl StoredAccount {
    pub fn of(account: &Account) -> StoredAccount {
        StoredAccount {
            id: account.id.to_string(),
            name: account.name.clone(),
            host: account.host.clone(),
            api_url: account.endpoints.api.clone(),
            web_url: account.endpoints.web.clone(),
            copilot_api_url: account.endpoints.copilot_api.clone(),
            client_id: account.client_id.clone(),
        }
    }
}

fn to_account(stored: &StoredAccount) -> Option<Account> {
    let id = AccountId::parse_stored(&stored.id)?;
    let host = validate_host(&stored.host).ok()?;
    let web_link = |u: &str| u.starts_with("https://") || u.starts_with("http://");
    if !web_link(&stored.api_url)
        || !web_link(&stored.web_url)
        || stored
            .copilot_api_url
            .as_deref()
            .is_some_and(|u| !web_link(u))
    {
        return None;
    }
    Some(Account {
        id,
        name: stored.name.clone(),
        host,
        endpoints: Endpoints {
            api: stored.api_url.clone(),
            web: stored.web_url.clone(),
            copilot_api: stored.copilot_api_url.clone(),
        },
        client_id: stored.client_id.clone(),
        origin: AccountOrigin::AddedByLogin,
        first_on_host: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, host: &str) -> Account {
        Account {
            id: AccountId::parse_stored(id).unwrap(),
            name: None,
            host: host.into(),
            endpoints: Endpoints::for_host(host),
            client_id: None,
            origin: AccountOrigin::ConfigFile,
            first_on_host: false,
        }
    }

    #[test]
    fn ids_are_safe_in_a_path_segment_and_a_task_key() {
        assert_eq!(AccountId::for_host("GitHub.com").as_str(), "github.com");
        assert_eq!(
            AccountId::for_host("127.0.0.1:8080").as_str(),
            "127.0.0.1-8080"
        );
        assert_eq!(AccountId::from_name(" Work ").unwrap().as_str(), "work");
        for bad in [
            "",
            "a b",
            "a/b",
            "a:b",
            "a%b",
            "a?b",
            "a#b",
            "é",
            &"x".repeat(65),
        ] {
            assert!(AccountId::from_name(bad).is_err(), "{bad:?}");
        }
        for id in [
            AccountId::for_host("127.0.0.1:8080"),
            AccountId::from_name("Octo_Cat-2").unwrap(),
        ] {
            let mut source = account("x", "github.com");
            source.id = id.clone();
            assert_eq!(
                crate::model::SourceId::new(source.source_id().as_str()),
                Some(source.source_id()),
                "{id}"
            );
            assert_eq!(source.source_id().as_str(), format!("gh:{id}"));
            assert!(
                !id.as_str().contains([':', '/', '?', '#', '%', ' ']),
                "{id}"
            );
        }
    }

    #[test]
    fn hosts_are_checked() {
        assert_eq!(validate_host("GitHub.com/").unwrap(), "github.com");
        assert_eq!(validate_host("127.0.0.1:4000").unwrap(), "127.0.0.1:4000");
        for bad in [
            "",
            "https://github.com",
            "github.com/x",
            "a b.com",
            "-x.com",
            "x..com",
            "x.com:0",
            "x.com:99999",
            "user@x.com",
        ] {
            assert!(validate_host(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_list_refuses_duplicate_ids_and_marks_the_first_account_on_each_host() {
        let list = finish_list(vec![
            account("github.com", "github.com"),
            account("work", "github.com"),
            account("acme.ghe.com", "acme.ghe.com"),
        ])
        .unwrap();
        let firsts: Vec<bool> = list.iter().map(|a| a.first_on_host).collect();
        assert_eq!(firsts, [true, false, true]);
        let error = finish_list(vec![
            account("work", "github.com"),
            account("work", "github.com"),
        ])
        .unwrap_err();
        assert_eq!(
            error,
            AccountError::Duplicate {
                id: "work".into(),
                same_host: true
            }
        );
        assert!(error.to_string().contains("give each a different `name`"));
        assert!(find(&list, "WORK").is_ok());
        let unknown = find(&list, "home").unwrap_err().to_string();
        assert!(
            unknown.contains("github.com, work, acme.ghe.com"),
            "{unknown}"
        );
    }

    #[test]
    fn the_accounts_file_round_trips_skips_bad_entries_and_is_never_overwritten_when_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let file = AccountsFile::new(dir.path());
        assert!(file.load().unwrap().is_empty());
        let mut work = account("work", "acme.ghe.com");
        work.name = Some("Work".into());
        file.add(StoredAccount::of(&work)).unwrap();
        let loaded = file.load().unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].id.as_str(), "work");
        assert_eq!(loaded[0].origin, AccountOrigin::AddedByLogin);
        assert_eq!(loaded[0].endpoints, Endpoints::for_host("acme.ghe.com"));

        // A hand-edited entry that makes no account is skipped, the others kept.
        let text = std::fs::read_to_string(file.path()).unwrap().replace(
            "\"accounts\": [",
            "\"accounts\": [{\"id\":\"Bad Id\",\"host\":\"x\",\"api_url\":\"ftp://x\",\"web_url\":\"x\"},",
        );
        std::fs::write(file.path(), &text).unwrap();
        assert_eq!(file.load().unwrap().len(), 1);
        assert!(file.remove(&AccountId::from_name("work").unwrap()).unwrap());
        assert!(!file.remove(&AccountId::from_name("work").unwrap()).unwrap());

        std::fs::write(file.path(), b"{ not json").unwrap();
        assert!(matches!(file.load(), Err(AccountError::Corrupt { .. })));
        assert!(file.add(StoredAccount::of(&work)).is_err());
        assert_eq!(std::fs::read(file.path()).unwrap(), b"{ not json");
    }

    #[test]
    fn login_signs_in_the_named_or_the_hosts_account_and_adds_one_otherwise() {
        let mut default = account("github.com", "github.com");
        default.client_id = Some("Iv1.default".into());
        let mut work = account("work", "acme.ghe.com");
        work.name = Some("Work".into());
        let list = finish_list(vec![default, work]).unwrap();
        let target = |name: Option<&str>, host: Option<&str>| {
            login_target(
                &list,
                &LoginWanted {
                    name: name.map(str::to_owned),
                    host: host.map(str::to_owned),
                    ..LoginWanted::default()
                },
            )
        };
        let (a, new) = target(None, None).unwrap();
        assert_eq!((a.id.as_str(), new), ("github.com", false));
        let (a, new) = target(Some("WORK"), None).unwrap();
        assert_eq!((a.id.as_str(), new), ("work", false));
        let (a, new) = target(None, Some("acme.ghe.com")).unwrap();
        assert_eq!((a.id.as_str(), new), ("work", false));
        // Another user on github.com: a name makes a new account, not first on its host.
        let (a, new) = target(Some("home"), None).unwrap();
        assert_eq!(
            (a.id.as_str(), a.host.as_str(), new),
            ("home", "github.com", true)
        );
        assert!(!a.first_on_host);
        assert_eq!(a.client_id.as_deref(), Some("Iv1.default"));
        // A host nobody uses yet: a new account named by the host, which reads its old token.
        let (a, new) = target(None, Some("Other.GHE.com")).unwrap();
        assert_eq!((a.id.as_str(), new), ("other.ghe.com", true));
        assert!(a.first_on_host);
        assert_eq!(a.endpoints, Endpoints::for_host("other.ghe.com"));
        assert!(matches!(
            target(Some("work"), Some("github.com")),
            Err(AccountError::OtherHost { .. })
        ));
        assert!(matches!(
            target(Some("a b"), None),
            Err(AccountError::BadName { .. })
        ));
        assert!(matches!(
            target(None, Some("http://x")),
            Err(AccountError::BadHost { .. })
        ));

        let crowded = finish_list(vec![
            account("github.com", "github.com"),
            account("home", "github.com"),
        ])
        .unwrap();
        let e = login_target(
            &crowded,
            &LoginWanted {
                host: Some("github.com".into()),
                api_url: Some("http://127.0.0.1:1".into()),
                ..LoginWanted::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("(github.com, home)"), "{e}");
        let (a, _) = login_target(
            &crowded,
            &LoginWanted {
                name: Some("home".into()),
                api_url: Some("http://127.0.0.1:1".into()),
                ..LoginWanted::default()
            },
        )
        .unwrap();
        assert_eq!(
            a.endpoints.api, "http://127.0.0.1:1",
            "flags apply to this sign-in"
        );
    }
}
