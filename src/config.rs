//! Configuration: the TOML file in the platform's config directory, overridden by environment
//! variables, overridden by flags; validated into one [`Config`]. Also where files live.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::auth::account::{self, Account, AccountError, AccountId, AccountOrigin};
use crate::github::{ClientOptions, Endpoints, SyncOptions, Token};
use crate::notify::NotificationSettings;
use crate::poller::PollPolicy;

pub const CONFIG_FILE: &str = "config.toml";
pub const DEFAULT_PORT: u16 = 47615;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid configuration: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{what} must be an http:// or https:// URL, got {value:?}")]
    BadUrl { what: &'static str, value: String },
    #[error("{what} must be a positive number of seconds, got {value}")]
    BadDuration { what: &'static str, value: f64 },
    #[error("{what} must be an RFC 3339 time such as 2026-01-31T18:00:00Z, got {value:?}")]
    BadTime { what: &'static str, value: String },
    #[error(
        "no directory for {0}: set AGENTBAR_CONFIG_DIR and AGENTBAR_STATE_DIR (no home directory was found)"
    )]
    NoHome(&'static str),
    #[error("no GitHub account is configured")]
    NoAccount,
    #[error("{path}: {what}: {source}")]
    Account {
        path: PathBuf,
        what: String,
        // Boxed: on Windows a `PathBuf` beside the account error makes every config result
        // too large for clippy's `result_large_err`.
        source: Box<AccountError>,
    },
    #[error("{path}: {what}: {source}")]
    AccountUrl {
        path: PathBuf,
        what: String,
        source: Box<ConfigError>,
    },
}

/// What the command line and environment say; `None` leaves the decision to the file or the
/// default. The CLI fills it from flags with environment fallbacks (clap's `env`).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_dir: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
    pub host: Option<String>,
    pub api_url: Option<String>,
    pub web_url: Option<String>,
    pub copilot_api_url: Option<String>,
    pub port: Option<u16>,
    pub client_id: Option<String>,
    /// `Copilot-Integration-Id` for the Copilot API (`AGENTBAR_COPILOT_INTEGRATION_ID`).
    pub copilot_integration_id: Option<String>,
    /// False keeps the token out of the OS keychain (`AGENTBAR_NO_KEYCHAIN=1`).
    pub use_keychain: Option<bool>,
    /// False turns the local agents' sources off (`AGENTBAR_LOCAL=0`).
    pub local: Option<bool>,
}

/// The file's shape. Unknown keys are an error, so a typo does not silently do nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileConfig {
    github: GithubSection,
    poll: PollSection,
    api: ApiSection,
    notifications: NotificationsSection,
    local: crate::local::settings::LocalSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct GithubSection {
    host: Option<String>,
    api_url: Option<String>,
    web_url: Option<String>,
    copilot_api_url: Option<String>,
    /// Sent as `Copilot-Integration-Id`; nothing is sent without it.
    #[serde(alias = "integration_id")]
    copilot_integration_id: Option<String>,
    /// The OAuth App used for `agentbar login` (device flow enabled).
    client_id: Option<String>,
    /// More accounts (`[[github.accounts]]`), each on its own host or as another user.
    accounts: Vec<AccountSection>,
}

/// One `[[github.accounts]]` entry; the URLs default to the ones its host implies.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct AccountSection {
    /// Names the account in commands, the API and the keychain; required for a second account
    /// on the same host.
    name: Option<String>,
    host: Option<String>,
    api_url: Option<String>,
    web_url: Option<String>,
    copilot_api_url: Option<String>,
    client_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct PollSection {
    fast_seconds: Option<f64>,
    slow_seconds: Option<f64>,
    backoff_base_seconds: Option<f64>,
    backoff_max_seconds: Option<f64>,
    full_resync_seconds: Option<f64>,
    request_timeout_seconds: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ApiSection {
    port: Option<u16>,
    /// How long a client may take over a request head (and may leave a kept-alive connection
    /// idle) before it is closed.
    header_timeout_seconds: Option<f64>,
    /// A file holding a stable token for `/cc.xml` (generated on first start when missing).
    feed_token_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct NotificationsSection {
    enabled: Option<bool>,
    needs_you: Option<bool>,
    ready_for_review: Option<bool>,
    failed: Option<bool>,
    started: Option<bool>,
    your_turn: Option<bool>,
    muted_repositories: Option<Vec<String>>,
    paused_until: Option<String>,
    burst_window_seconds: Option<f64>,
}

/// The loopback API's connection limits (`[api]` in config.toml); the server obeys them.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiLimits {
    /// How long a client has to send a whole request head, counted from when the server starts
    /// waiting for it: on a new connection, and again after each answer on a kept-alive one. So
    /// a trickled head (slowloris) and an idle keep-alive connection are both closed after it.
    pub header_timeout: Duration,
    /// The largest request head (request line and headers) read; a larger one is answered 431
    /// and the connection closed. hyper's own cap of 100 header lines stays as it is (a larger
    /// count would move its header parsing to the heap for every request).
    pub max_header_bytes: usize,
    /// Connections served at once; further ones wait in the listen backlog until one closes.
    pub max_connections: usize,
}

impl Default for ApiLimits {
    fn default() -> ApiLimits {
        ApiLimits {
            header_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_connections: 256,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The GitHub accounts, the default first (never empty). `host`, `endpoints` and
    /// `client_id` below are the default account's.
    pub accounts: Vec<Account>,
    /// `github.com` or a `*.ghe.com` tenant.
    pub host: String,
    pub endpoints: Endpoints,
    /// From `AGENTBAR_TOKEN`; never logged. Stored tokens are read through
    /// [`Config::credentials`].
    pub token: Option<Token>,
    /// The OAuth App client id for the device flow.
    pub client_id: Option<String>,
    pub use_keychain: bool,
    pub config_dir: PathBuf,
    pub state_dir: PathBuf,
    /// The loopback API's port; 0 picks a free one.
    pub port: u16,
    /// The loopback API's connection limits.
    pub api_limits: ApiLimits,
    /// `[api] feed_token_file`, relative to the config directory: a stable token that
    /// CI-status clients may present for `/cc.xml` only.
    pub feed_token_file: Option<PathBuf>,
    pub poll: PollPolicy,
    pub sync: SyncOptions,
    pub client: ClientOptions,
    /// As configured; run-time changes (the pause) are layered on by the notifier.
    pub notifications: NotificationSettings,
    /// `[local]`: which local agents are read, and how.
    pub local: crate::local::settings::LocalSettings,
}

impl Config {
    /// Reads the file (if any) under the config directory and applies the overrides. `token` is
    /// passed in rather than read here so tests never depend on the caller's environment.
    pub fn load(overrides: &Overrides, token: Option<Token>) -> Result<Config, ConfigError> {
        Config::load_with(overrides, token, true)
    }

    /// [`Config::load`] without `config.toml`: for the commands that must work even when the
    /// file is broken (`status`, `logout`, `auth status`…), after saying why it is ignored.
    pub fn load_ignoring_file(
        overrides: &Overrides,
        token: Option<Token>,
    ) -> Result<Config, ConfigError> {
        Config::load_with(overrides, token, false)
    }

    fn load_with(
        overrides: &Overrides,
        token: Option<Token>,
        read_config_file: bool,
    ) -> Result<Config, ConfigError> {
        let config_dir = match &overrides.config_dir {
            Some(dir) => dir.clone(),
            None => default_dirs()
                .map(|d| d.config_dir().to_owned())
                .ok_or(ConfigError::NoHome("configuration"))?,
        };
        let state_dir = match &overrides.state_dir {
            Some(dir) => dir.clone(),
            None => default_state_dir().ok_or(ConfigError::NoHome("state"))?,
        };
        let file = if read_config_file {
            read_file(&config_dir.join(CONFIG_FILE))?
        } else {
            FileConfig::default()
        };

        let config_path = config_dir.join(CONFIG_FILE);
        let client_id = overrides
            .client_id
            .clone()
            .or(file.github.client_id.clone());
        let accounts = accounts(
            overrides,
            &file.github,
            client_id.as_deref(),
            &config_dir,
            &config_path,
        )?;
        let default = accounts.first().cloned().ok_or(ConfigError::NoAccount)?;
        let defaults = PollPolicy::default();
        let seconds = |what, value: Option<f64>, default: Duration| match value {
            None => Ok(default),
            Some(v) if v > 0.0 => {
                // `try_`: a huge value (or infinity) is a configuration error, not a panic.
                Duration::try_from_secs_f64(v)
                    .map_err(|_| ConfigError::BadDuration { what, value: v })
            }
            Some(v) => Err(ConfigError::BadDuration { what, value: v }),
        };
        let api_defaults = ApiLimits::default();
        let api_limits = ApiLimits {
            header_timeout: seconds(
                "api.header_timeout_seconds",
                file.api.header_timeout_seconds,
                api_defaults.header_timeout,
            )?,
            ..api_defaults
        };
        let poll = PollPolicy {
            fast: seconds("poll.fast_seconds", file.poll.fast_seconds, defaults.fast)?,
            slow: seconds("poll.slow_seconds", file.poll.slow_seconds, defaults.slow)?,
            backoff_base: seconds(
                "poll.backoff_base_seconds",
                file.poll.backoff_base_seconds,
                defaults.backoff_base,
            )?,
            backoff_max: seconds(
                "poll.backoff_max_seconds",
                file.poll.backoff_max_seconds,
                defaults.backoff_max,
            )?,
            reserve_requests: defaults.reserve_requests,
        };
        let sync = SyncOptions {
            full_resync: seconds(
                "poll.full_resync_seconds",
                file.poll.full_resync_seconds,
                SyncOptions::default().full_resync,
            )?,
        };
        let client_defaults = ClientOptions::default();
        let client = ClientOptions {
            timeout: seconds(
                "poll.request_timeout_seconds",
                file.poll.request_timeout_seconds,
                client_defaults.timeout,
            )?,
            integration_id: overrides
                .copilot_integration_id
                .clone()
                .or(file.github.copilot_integration_id)
                .map(|id| id.trim().to_owned())
                .filter(|id| !id.is_empty())
                .or(client_defaults.integration_id),
        };
        let n = file.notifications;
        let defaults = NotificationSettings::default();
        let paused_until = n
            .paused_until
            .map(|raw| {
                chrono::DateTime::parse_from_rfc3339(raw.trim())
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|_| ConfigError::BadTime {
                        what: "notifications.paused_until",
                        value: raw,
                    })
            })
            .transpose()?;
        let notifications = NotificationSettings {
            enabled: n.enabled.unwrap_or(defaults.enabled),
            needs_you: n.needs_you.unwrap_or(defaults.needs_you),
            ready_for_review: n.ready_for_review.unwrap_or(defaults.ready_for_review),
            failed: n.failed.unwrap_or(defaults.failed),
            started: n.started.unwrap_or(defaults.started),
            your_turn: n.your_turn.unwrap_or(defaults.your_turn),
            muted_repositories: n.muted_repositories.unwrap_or_default(),
            paused_until,
            burst_window: seconds(
                "notifications.burst_window_seconds",
                n.burst_window_seconds,
                defaults.burst_window,
            )?,
        };
        let feed_token_file = file.api.feed_token_file.map(|f| config_dir.join(f));
        let local =
            crate::local::settings::LocalSettings::from_section(&file.local, overrides.local);
        Ok(Config {
            client_id: default.client_id.clone(),
            use_keychain: overrides.use_keychain.unwrap_or(true),
            host: default.host.clone(),
            endpoints: default.endpoints.clone(),
            accounts,
            token,
            config_dir,
            state_dir,
            port: overrides.port.or(file.api.port).unwrap_or(DEFAULT_PORT),
            api_limits,
            feed_token_file,
            poll,
            sync,
            client,
            notifications,
            local,
        })
    }
}

impl Config {
    /// Where the default account's token is kept.
    pub fn credentials(&self) -> crate::auth::CredentialStore {
        self.credentials_for(self.default_account())
    }

    /// The account `[github]` (or the first `[[github.accounts]]`) describes.
    pub fn default_account(&self) -> &Account {
        // `load` never builds a config without one (`ConfigError::NoAccount`).
        &self.accounts[0]
    }

    /// Where this account's token is kept; `AGENTBAR_TOKEN` counts for the default one only.
    pub fn credentials_for(&self, account: &Account) -> crate::auth::CredentialStore {
        let environment = (account.id == self.default_account().id)
            .then(|| self.token.clone())
            .flatten();
        crate::auth::CredentialStore::for_account(
            account,
            &self.config_dir,
            self.use_keychain,
            environment,
        )
    }

    /// The account a name or id names.
    pub fn account(&self, wanted: &str) -> Result<&Account, AccountError> {
        account::find(&self.accounts, wanted)
    }
}

/// The accounts, the default first: `[github]` with the command line's overrides (unless only
/// `[[github.accounts]]` are given), then each `[[github.accounts]]`, then those `login` added
/// (`accounts.json`; one whose id the file already uses is skipped with a warning).
fn accounts(
    overrides: &Overrides,
    github: &GithubSection,
    client_id: Option<&str>,
    config_dir: &Path,
    config_path: &Path,
) -> Result<Vec<Account>, ConfigError> {
    let account_error = |what: String, source: AccountError| ConfigError::Account {
        path: config_path.to_owned(),
        what,
        source: Box::new(source),
    };
    let names_default = overrides.host.is_some()
        || overrides.api_url.is_some()
        || overrides.web_url.is_some()
        || overrides.copilot_api_url.is_some()
        || github.host.is_some()
        || github.api_url.is_some()
        || github.web_url.is_some()
        || github.copilot_api_url.is_some();
    let mut list = Vec::new();
    if names_default || github.accounts.is_empty() {
        let host = overrides
            .host
            .clone()
            .or_else(|| github.host.clone())
            .unwrap_or_else(|| "github.com".into());
        let host =
            account::validate_host(&host).map_err(|e| account_error("[github] host".into(), e))?;
        let endpoints = endpoints(
            &host,
            [
                overrides.api_url.as_ref().or(github.api_url.as_ref()),
                overrides.web_url.as_ref().or(github.web_url.as_ref()),
                overrides
                    .copilot_api_url
                    .as_ref()
                    .or(github.copilot_api_url.as_ref()),
            ],
        )?;
        list.push(Account {
            id: AccountId::for_host(&host),
            name: None,
            host,
            endpoints,
            client_id: client_id.map(str::to_owned),
            origin: AccountOrigin::Default,
            first_on_host: true,
        });
    }
    for (n, section) in github.accounts.iter().enumerate() {
        let what = || format!("[[github.accounts]] number {}", n + 1);
        let host = account::validate_host(section.host.as_deref().unwrap_or("github.com"))
            .map_err(|e| account_error(what(), e))?;
        let id = match &section.name {
            Some(name) => AccountId::from_name(name).map_err(|e| account_error(what(), e))?,
            None => AccountId::for_host(&host),
        };
        let endpoints = endpoints(
            &host,
            [
                section.api_url.as_ref(),
                section.web_url.as_ref(),
                section.copilot_api_url.as_ref(),
            ],
        )
        .map_err(|e| ConfigError::AccountUrl {
            path: config_path.to_owned(),
            what: what(),
            source: Box::new(e),
        })?;
        list.push(Account {
            id,
            name: section.name.as_ref().map(|n| n.trim().to_owned()),
            host,
            endpoints,
            client_id: section
                .client_id
                .clone()
                .or_else(|| client_id.map(str::to_owned)),
            origin: AccountOrigin::ConfigFile,
            first_on_host: false,
        });
    }
    let list =
        account::finish_list(list).map_err(|e| account_error("[[github.accounts]]".into(), e))?;
    let added = match account::AccountsFile::new(config_dir).load() {
        Ok(added) => added,
        Err(error) => {
            tracing::warn!(%error, "ignoring the accounts added by `agentbar login`");
            Vec::new()
        }
    };
    let mut all = list;
    for mut extra in added {
        if let Some(declared) = all.iter().find(|a| a.id == extra.id) {
            // The same host is the same account (`login --host H` beside `AGENTBAR_HOST=H`).
            if declared.host != extra.host {
                tracing::warn!(
                    id = %extra.id,
                    "accounts.json repeats an account config.toml declares; using config.toml's"
                );
            }
            continue;
        }
        if extra.client_id.is_none() {
            extra.client_id = client_id.map(str::to_owned);
        }
        all.push(extra);
    }
    // Ids are unique by now; this only sets which account is first on its host.
    account::finish_list(all).map_err(|e| account_error("accounts.json".into(), e))
}

/// An account's base URLs: the ones given (API, web, Copilot API; each validated), else what
/// the host implies.
fn endpoints(host: &str, given: [Option<&String>; 3]) -> Result<Endpoints, ConfigError> {
    let derived = Endpoints::for_host(host);
    let [api, web, copilot_api] = given;
    let check =
        |what: &'static str, url: Option<&String>| url.map(|u| validate_url(what, u)).transpose();
    Ok(Endpoints {
        api: check("the GitHub API URL", api)?.unwrap_or(derived.api),
        web: check("the GitHub web URL", web)?.unwrap_or(derived.web),
        copilot_api: check("the Copilot API URL", copilot_api)?,
    })
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: in_words(&e.to_string()),
    })
}

/// The TOML decoder's message, with Rust's type names said in words and a "did you mean" for
/// a misspelt key.
fn in_words(message: &str) -> String {
    const TYPES: [(&str, &str); 7] = [
        ("expected u16", "expected a port from 0 to 65535"),
        (
            "expected f64",
            "expected a number of seconds, such as 5 or 0.5",
        ),
        ("expected a boolean", "expected true or false"),
        ("expected a string", "expected text in double quotes"),
        (
            "expected a sequence",
            "expected a list such as [\"a\", \"b\"]",
        ),
        (
            "expected path string",
            "expected a file path in double quotes",
        ),
        ("expected struct", "expected a [section]"),
    ];
    let mut out = message.to_owned();
    for (rust, words) in TYPES {
        out = out.replace(rust, words);
    }
    if let Some(line) = out.lines().find(|l| l.starts_with("unknown field `")) {
        let names: Vec<&str> = line.split('`').skip(1).step_by(2).collect();
        if let Some((unknown, known)) = names.split_first()
            && let Some(closest) = closest(unknown, known)
        {
            let hint = format!("{line}; did you mean `{closest}`?");
            out = out.replace(line, &hint);
        }
        out = out.replace("unknown field", "unknown key");
    }
    out
}

/// The known name nearest to `unknown`, when it is near enough to be a typo (a few edits) or a
/// shortening (`fast` for `fast_seconds`).
fn closest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    let unknown = unknown.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&unknown, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3) || k.starts_with(unknown.as_str()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// An `http://` or `https://` base URL without its trailing slash.
pub fn validate_url(what: &'static str, raw: &str) -> Result<String, ConfigError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Ok(trimmed.to_owned())
        }
        _ => Err(ConfigError::BadUrl {
            what,
            value: raw.to_owned(),
        }),
    }
}

fn default_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("dev", "agentbar", "agentbar")
}

/// `$XDG_STATE_HOME/agentbar` on Linux; the application-support directory elsewhere.
pub fn default_state_dir() -> Option<PathBuf> {
    let dirs = default_dirs()?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(config: &Path) -> Overrides {
        Overrides {
            config_dir: Some(config.to_owned()),
            state_dir: Some(config.join("state")),
            ..Overrides::default()
        }
    }

    #[test]
    fn defaults_point_at_github_com() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(&dirs(dir.path()), None).unwrap();
        assert_eq!(config.endpoints, Endpoints::for_host("github.com"));
        assert_eq!(config.port, DEFAULT_PORT);
        assert_eq!(config.poll, PollPolicy::default());
        assert_eq!(config.state_dir, dir.path().join("state"));
    }

    #[test]
    fn local_agents_are_on_by_default_and_the_file_or_the_switch_turns_them_off() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(&dirs(dir.path()), None).unwrap();
        assert_eq!(
            config.local,
            crate::local::settings::LocalSettings::default()
        );
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[local]\ngemini-cli = false\ndescriptive_titles = true\nyour_turn_minutes = 5\n",
        )
        .unwrap();
        let config = Config::load(&dirs(dir.path()), None).unwrap();
        assert_eq!(config.local.active_tools().len(), 3);
        assert!(config.local.descriptive_titles);
        assert_eq!(config.local.your_turn, chrono::TimeDelta::minutes(5));
        let mut overrides = dirs(dir.path());
        overrides.local = Some(false);
        let config = Config::load(&overrides, None).unwrap();
        assert!(config.local.active_tools().is_empty(), "AGENTBAR_LOCAL=0");
    }

    #[test]
    fn no_copilot_integration_id_unless_the_file_or_the_environment_sets_one() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(&dirs(dir.path()), None).unwrap();
        assert_eq!(config.client.integration_id, None);
        for (file, expected) in [
            (
                "[github]\ncopilot_integration_id = \"copilot-raycast\"\n",
                "copilot-raycast",
            ),
            // The older key still works.
            (
                "[github]\nintegration_id = \"copilot-4-cli\"\n",
                "copilot-4-cli",
            ),
        ] {
            std::fs::write(dir.path().join(CONFIG_FILE), file).unwrap();
            let config = Config::load(&dirs(dir.path()), None).unwrap();
            assert_eq!(config.client.integration_id.as_deref(), Some(expected));
        }
        let mut overrides = dirs(dir.path());
        overrides.copilot_integration_id = Some("from-env".into());
        let config = Config::load(&overrides, None).unwrap();
        assert_eq!(config.client.integration_id.as_deref(), Some("from-env"));
        overrides.copilot_integration_id = Some("  ".into());
        std::fs::remove_file(dir.path().join(CONFIG_FILE)).unwrap();
        let config = Config::load(&overrides, None).unwrap();
        assert_eq!(config.client.integration_id, None, "blank means none");
    }

    #[test]
    fn flags_beat_the_file_which_beats_the_host_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            r#"
[github]
host = "acme.ghe.com"
web_url = "https://web.example/"
[poll]
fast_seconds = 2.5
[api]
port = 9999
header_timeout_seconds = 2
"#,
        )
        .unwrap();
        let mut overrides = dirs(dir.path());
        overrides.api_url = Some("http://127.0.0.1:8080".into());
        overrides.port = Some(0);
        let config = Config::load(&overrides, None).unwrap();
        assert_eq!(config.host, "acme.ghe.com");
        assert_eq!(config.endpoints.api, "http://127.0.0.1:8080");
        assert_eq!(config.endpoints.web, "https://web.example");
        assert_eq!(config.port, 0);
        assert_eq!(config.poll.fast, Duration::from_millis(2500));
        assert_eq!(config.endpoints.copilot_api, None);
        assert_eq!(config.api_limits.header_timeout, Duration::from_secs(2));
    }

    #[test]
    fn a_duration_too_large_to_hold_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[api]\nheader_timeout_seconds = 1e300\n",
        )
        .unwrap();
        let error = Config::load(&dirs(dir.path()), None).unwrap_err();
        assert!(
            error.to_string().contains("api.header_timeout_seconds"),
            "{error}"
        );
    }

    #[test]
    fn the_notifications_section_sets_toggles_mutes_and_a_pause() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(
            &path,
            r#"
[notifications]
started = true
failed = false
muted_repositories = ["acme/noisy"]
paused_until = "2026-01-31T18:00:00Z"
burst_window_seconds = 0.5
"#,
        )
        .unwrap();
        let n = Config::load(&dirs(dir.path()), None).unwrap().notifications;
        assert!(n.enabled && n.needs_you && n.ready_for_review && n.started && !n.failed);
        assert_eq!(n.muted_repositories, ["acme/noisy"]);
        assert_eq!(
            n.paused_until.map(|t| t.to_rfc3339()),
            Some("2026-01-31T18:00:00+00:00".to_owned())
        );
        assert_eq!(n.burst_window, Duration::from_millis(500));

        std::fs::write(&path, "[notifications]\npaused_until = \"tomorrow\"\n").unwrap();
        let e = Config::load(&dirs(dir.path()), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("notifications.paused_until"), "{e}");
        assert_eq!(
            Config::load(&dirs(dir.path().join("none").as_path()), None)
                .unwrap()
                .notifications,
            NotificationSettings::default()
        );
    }

    #[test]
    fn a_tenant_host_derives_every_base() {
        let dir = tempfile::tempdir().unwrap();
        let mut overrides = dirs(dir.path());
        overrides.host = Some("acme.ghe.com".into());
        let config = Config::load(&overrides, None).unwrap();
        assert_eq!(config.endpoints.api, "https://api.acme.ghe.com");
        assert_eq!(config.endpoints.web, "https://acme.ghe.com");
    }

    #[test]
    fn bad_files_and_values_get_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, "[poll]\nfast_secs = 3\n").unwrap();
        let e = Config::load(&dirs(dir.path()), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("config.toml") && e.contains("fast_secs"), "{e}");
        assert!(e.contains("did you mean `fast_seconds`?"), "{e}");
        assert!(
            Config::load_ignoring_file(&dirs(dir.path()), None).is_ok(),
            "the commands that must survive a broken file can do without it"
        );

        for (text, words) in [
            ("[api]\nport = 70000\n", "a port from 0 to 65535"),
            ("[poll]\nfast_seconds = \"x\"\n", "a number of seconds"),
            ("[notifications]\nenabled = 1\n", "true or false"),
            ("[pol]\nfast_seconds = 1\n", "unknown key `pol`"),
        ] {
            std::fs::write(&path, text).unwrap();
            let e = Config::load(&dirs(dir.path()), None)
                .unwrap_err()
                .to_string();
            assert!(e.contains(words), "{text}: {e}");
            assert!(!e.contains("u16") && !e.contains("f64"), "{e}");
        }
        std::fs::write(&path, "[pol]\nfast_seconds = 1\n").unwrap();
        let e = Config::load(&dirs(dir.path()), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean `poll`?"), "{e}");

        std::fs::write(&path, "[poll]\nslow_seconds = -1\n").unwrap();
        let e = Config::load(&dirs(dir.path()), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("poll.slow_seconds"), "{e}");

        std::fs::remove_file(&path).unwrap();
        let mut overrides = dirs(dir.path());
        overrides.copilot_api_url = Some("ftp://nope".into());
        let e = Config::load(&overrides, None).unwrap_err().to_string();
        assert!(e.contains("Copilot API URL"), "{e}");
    }

    fn ids(config: &Config) -> Vec<&str> {
        config.accounts.iter().map(|a| a.id.as_str()).collect()
    }

    #[test]
    fn todays_single_github_section_is_the_one_default_account() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(&dirs(dir.path()), None).unwrap();
        assert_eq!(ids(&config), ["github.com"]);
        assert_eq!(config.default_account().origin, AccountOrigin::Default);
        assert!(config.default_account().first_on_host);

        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[github]\nhost = \"ACME.ghe.com\"\nclient_id = \"Iv1.x\"\n",
        )
        .unwrap();
        let config = Config::load(&dirs(dir.path()), None).unwrap();
        assert_eq!(ids(&config), ["acme.ghe.com"]);
        assert_eq!(config.host, "acme.ghe.com");
        assert_eq!(config.endpoints, config.default_account().endpoints);
        assert_eq!(config.default_account().client_id.as_deref(), Some("Iv1.x"));
    }

    #[test]
    fn listed_accounts_follow_the_default_and_share_its_client_id() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            r#"
[github]
host = "github.com"
client_id = "Iv1.shared"
[[github.accounts]]
host = "acme.ghe.com"
[[github.accounts]]
name = "Personal"
api_url = "http://127.0.0.1:9000"
web_url = "http://127.0.0.1:9000/"
client_id = "Iv1.own"
"#,
        )
        .unwrap();
        let config = Config::load(&dirs(dir.path()), None).unwrap();
        assert_eq!(ids(&config), ["github.com", "acme.ghe.com", "personal"]);
        let personal = config.account("personal").unwrap();
        assert_eq!(personal.host, "github.com");
        assert!(
            !personal.first_on_host,
            "the default is first on github.com"
        );
        assert_eq!(personal.endpoints.api, "http://127.0.0.1:9000");
        assert_eq!(personal.endpoints.web, "http://127.0.0.1:9000");
        assert_eq!(personal.client_id.as_deref(), Some("Iv1.own"));
        assert_eq!(personal.display_name(), "github.com — Personal");
        let acme = config.account("acme.ghe.com").unwrap();
        assert_eq!(acme.endpoints, Endpoints::for_host("acme.ghe.com"));
        assert_eq!(acme.client_id.as_deref(), Some("Iv1.shared"));
        assert!(acme.first_on_host);

        // AGENTBAR_TOKEN is the default account's alone.
        let env = Token::new("from-env").unwrap();
        let config = Config::load(&dirs(dir.path()), Some(env)).unwrap();
        assert!(config.credentials().has_environment_token());
        assert!(!config.credentials_for(personal).has_environment_token());
    }

    #[test]
    fn without_a_github_host_the_first_listed_account_is_the_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[github]\nclient_id = \"Iv1.x\"\n[[github.accounts]]\nname = \"work\"\nhost = \"acme.ghe.com\"\n[[github.accounts]]\nname = \"home\"\n",
        )
        .unwrap();
        let config = Config::load(&dirs(dir.path()), None).unwrap();
        assert_eq!(ids(&config), ["work", "home"]);
        assert_eq!(config.host, "acme.ghe.com");
        // A host on the command line names the default account again, as before.
        let mut overrides = dirs(dir.path());
        overrides.host = Some("github.com".into());
        let config = Config::load(&overrides, None).unwrap();
        assert_eq!(ids(&config), ["github.com", "work", "home"]);
        assert!(!config.account("home").unwrap().first_on_host);
    }

    #[test]
    fn bad_or_duplicate_accounts_get_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        for (text, words) in [
            (
                "[[github.accounts]]\nhost = \"acme.ghe.com\"\n[[github.accounts]]\nhost = \"acme.ghe.com\"\n",
                "two accounts are called \"acme.ghe.com\" on the same host: give each a different `name`",
            ),
            (
                "[[github.accounts]]\nname = \"w\"\n[[github.accounts]]\nname = \"W\"\nhost = \"x.ghe.com\"\n",
                "two accounts are called \"w\": give each",
            ),
            (
                "[github]\nhost = \"github.com\"\n[[github.accounts]]\n",
                "two accounts are called \"github.com\" on the same host",
            ),
            (
                "[[github.accounts]]\nhost = \"https://acme.ghe.com\"\n",
                "[[github.accounts]] number 1: \"https://acme.ghe.com\" is not a GitHub host",
            ),
            (
                "[github]\nhost = \"acme ghe\"\n",
                "[github] host: \"acme ghe\" is not a GitHub host",
            ),
            (
                "[[github.accounts]]\nname = \"my work\"\n",
                "\"my work\" is not an account name",
            ),
            (
                "[[github.accounts]]\nname = \"w\"\napi_url = \"ftp://x\"\n",
                "[[github.accounts]] number 1: the GitHub API URL must be",
            ),
            (
                "[[github.accounts]]\nnmae = \"w\"\n",
                "did you mean `name`?",
            ),
        ] {
            std::fs::write(&path, text).unwrap();
            let e = Config::load(&dirs(dir.path()), None)
                .unwrap_err()
                .to_string();
            assert!(e.contains(words), "{text}: {e}");
            assert!(e.contains("config.toml"), "{e}");
        }
    }

    #[test]
    fn accounts_added_by_login_come_last_and_never_shadow_the_files_own() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[[github.accounts]]\nname = \"work\"\nhost = \"acme.ghe.com\"\n",
        )
        .unwrap();
        let added = crate::auth::AccountsFile::new(dir.path());
        let mut stored = crate::auth::StoredAccount {
            id: "work".into(),
            name: Some("work".into()),
            host: "elsewhere.ghe.com".into(),
            api_url: "https://api.elsewhere.ghe.com".into(),
            web_url: "https://elsewhere.ghe.com".into(),
            copilot_api_url: None,
            client_id: None,
        };
        added.add(stored.clone()).unwrap();
        stored.id = "mona@github.com".into();
        stored.name = None;
        stored.host = "github.com".into();
        added.add(stored).unwrap();
        let config = Config::load(&dirs(dir.path()), None).unwrap();
        assert_eq!(ids(&config), ["work", "mona@github.com"]);
        assert_eq!(config.account("work").unwrap().host, "acme.ghe.com");
        let mona = config.account("mona@github.com").unwrap();
        assert_eq!(mona.origin, AccountOrigin::AddedByLogin);
        assert!(mona.first_on_host, "nothing else is on github.com here");

        // A broken accounts.json costs only its accounts.
        std::fs::write(added.path(), b"[").unwrap();
        let config = Config::load(&dirs(dir.path()), None).unwrap();
        assert_eq!(ids(&config), ["work"]);
    }
}
