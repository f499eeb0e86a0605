//! The command line (clap): every subcommand, its flags and their environment fallbacks.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

use crate::config::Overrides;

/// What the exit codes mean; the same table as README's "Exit codes".
pub mod exit {
    /// Done; for `status`/`tasks`, the data shown is current.
    pub const OK: u8 = 0;
    /// Something failed while running (the network, the agent's API, a file).
    pub const FAILURE: u8 = 1;
    /// Bad usage or configuration: a wrong flag, a bad config.toml or scenario, no OAuth client
    /// id for `login`.
    pub const USAGE: u8 = 2;
    /// Nothing current to show: no snapshot yet, the agent not running (its last snapshot is
    /// still printed), or signed out.
    pub const NOT_CURRENT: u8 = 3;
}

const EXIT_CODES_HELP: &str = "Exit codes: 0 ok; 1 failure; 2 bad usage or configuration; \
3 nothing current to show (no snapshot yet, agentbar not running, or signed out). \
`status --format waybar` always exits 0: the class says the state.";

#[derive(Debug, Parser)]
#[command(
    name = "agentbar",
    version,
    about = "Keep an eye on AI coding agents (GitHub Copilot coding agent first) from the menu bar",
    long_about = "agentbar watches your AI coding agents' tasks and shows how many are running and \
                  how many are waiting for you. Without a subcommand it runs the app (`run`).",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Directory of config.toml [default: the platform's config directory]
    #[arg(long, global = true, env = "AGENTBAR_CONFIG_DIR", value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// Directory of the snapshot and other state [default: the platform's state directory]
    #[arg(long, global = true, env = "AGENTBAR_STATE_DIR", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// GitHub host: github.com or a *.ghe.com tenant, from which every base URL is derived
    #[arg(long, global = true, env = "AGENTBAR_HOST", value_name = "HOST")]
    pub host: Option<String>,
    /// REST and GraphQL base URL (overrides the one derived from the host)
    #[arg(
        long,
        global = true,
        env = "AGENTBAR_GITHUB_API_URL",
        value_name = "URL"
    )]
    pub api_url: Option<String>,
    /// Web pages and sign-in base URL
    #[arg(
        long,
        global = true,
        env = "AGENTBAR_GITHUB_WEB_URL",
        value_name = "URL"
    )]
    pub web_url: Option<String>,
    /// Copilot API base URL (skips asking GraphQL for it)
    #[arg(
        long,
        global = true,
        env = "AGENTBAR_COPILOT_API_URL",
        value_name = "URL"
    )]
    pub copilot_api_url: Option<String>,
    /// OAuth App client id for `login` (device flow)
    #[arg(long, global = true, env = "AGENTBAR_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,
    /// `Copilot-Integration-Id` sent to the Copilot API (none unless set)
    #[arg(
        long,
        global = true,
        env = "AGENTBAR_COPILOT_INTEGRATION_ID",
        value_name = "ID"
    )]
    pub copilot_integration_id: Option<String>,
    /// Never use the OS keychain; keep the token in a 0600 file instead
    #[arg(
        long,
        global = true,
        env = "AGENTBAR_NO_KEYCHAIN",
        value_parser = clap::builder::BoolishValueParser::new(),
        action = clap::ArgAction::SetTrue
    )]
    pub no_keychain: bool,
    /// More log output (-v: debug, -vv: trace); RUST_LOG wins when set
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run agentbar against the configured GitHub
    Run(RunArgs),
    /// Run agentbar against the built-in GitHub simulator: no account, no network
    Demo(DemoArgs),
    /// Run only the GitHub simulator on loopback (for trying clients and for tests)
    Sim(SimArgs),
    /// Print the counts in one line (from the running agent, else the latest snapshot)
    Status(StatusArgs),
    /// List the tasks (from the running agent, else the latest snapshot)
    Tasks(TasksArgs),
    /// Print the running agent's loopback API address and token (endpoint.json)
    Endpoint(EndpointArgs),
    /// Show a task's session log as structured events (from the running agent)
    Logs(LogsArgs),
    /// Stop a task (cancels its session's Actions run, through the running agent)
    Stop(StopArgs),
    /// Open a task's page in the browser
    Open(StopArgs),
    /// Open the pull request a task opened
    #[command(name = "open-pr")]
    OpenPr(StopArgs),
    /// Open the page that shows a task's log (its workflow run, else its page)
    #[command(name = "open-logs")]
    OpenLogs(StopArgs),
    /// Print a task's link, to copy or pipe (`agentbar copy-link ID | xclip -selection c`)
    #[command(name = "copy-link")]
    CopyLink(StopArgs),
    /// Ask a task's source for news now
    Refresh(StopArgs),
    /// Put a task away in agentbar's own archive (out of the list and the counts until it
    /// changes state again), or every finished one with --finished; nothing is deleted upstream
    Archive(ArchiveArgs),
    /// Bring an archived task back into the list
    Unarchive(StopArgs),
    /// Start a Copilot task in a repository (through the running agent)
    New(NewArgs),
    /// Continue a Copilot task with a follow-up prompt on its own branch or pull request
    Continue(ContinueArgs),
    /// Sign in to GitHub (device flow), or store a token from the GitHub CLI or standard input;
    /// with --name or --host, sign in another account (added when it is new)
    #[command(after_help = LOGIN_HELP)]
    Login(LoginArgs),
    /// Forget an account's stored token (keychain and file); the default account without
    /// --account
    Logout(LogoutArgs),
    /// List the GitHub accounts and whether each is signed in (asks GitHub whose each token is)
    Accounts(AccountsArgs),
    /// Sign-in state
    #[command(subcommand)]
    Auth(AuthCommand),
}

impl Command {
    /// Commands that print and exit (everything but the long-running `run`, `demo`, `sim`).
    pub fn prints_and_exits(&self) -> bool {
        !matches!(self, Command::Run(_) | Command::Demo(_) | Command::Sim(_))
    }

    /// Commands that still run, with a warning, when config.toml cannot be parsed: they read
    /// state or forget a token, and a typo in the file must not stop them.
    pub fn works_without_config_file(&self) -> bool {
        matches!(
            self,
            Command::Status(_)
                | Command::Tasks(_)
                | Command::Endpoint(_)
                | Command::Logout(_)
                | Command::Accounts(_)
                | Command::Auth(_)
        )
    }
}

/// How a command names a task.
const TASK_HELP: &str = "The task: its id or a unique prefix (the ID column of `agentbar tasks`), owner/repo#123, or a pull request URL";

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[arg(help = TASK_HELP, value_name = "TASK")]
    pub id: String,
    /// Keep printing new events until the session ends
    #[arg(short, long)]
    pub follow: bool,
    /// One JSON object per event and line, for scripts
    #[arg(long, conflicts_with = "raw")]
    pub json: bool,
    /// Only the events' text, without times, titles or colour
    #[arg(long)]
    pub raw: bool,
    /// Which session's log: its number (1 is the first, see --sessions) or its id; the newest
    /// by default
    #[arg(long, value_name = "N|ID")]
    pub session: Option<String>,
    /// List the task's sessions instead of showing a log
    #[arg(long, conflicts_with_all = ["follow", "raw", "session"])]
    pub sessions: bool,
    /// Export the whole log instead: a readable Markdown transcript or JSON lines
    /// (e.g. `agentbar logs ID --format markdown > run.md`)
    #[arg(long, value_enum, conflicts_with_all = ["follow", "json", "raw", "sessions"])]
    pub format: Option<LogExport>,
}

/// The export formats of `logs --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogExport {
    /// Prompts, messages, tool calls folded with their results, thinking, errors
    Markdown,
    /// One JSON event per line (the API's event shape)
    Jsonl,
}

impl LogExport {
    /// The API's name for it (`?format=`).
    pub fn as_str(self) -> &'static str {
        match self {
            LogExport::Markdown => "markdown",
            LogExport::Jsonl => "jsonl",
        }
    }
}

#[derive(Debug, Args)]
pub struct StopArgs {
    #[arg(help = TASK_HELP, value_name = "TASK")]
    pub task: String,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The repository, owner/name
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: String,
    /// The branch to start from (the repository's default when absent)
    #[arg(long, value_name = "BRANCH")]
    pub base: Option<String>,
    /// The model the agent uses (GitHub's default when absent)
    #[arg(long)]
    pub model: Option<String>,
    /// A custom agent of the repository, by its file name without extension
    #[arg(long, value_name = "NAME")]
    pub custom_agent: Option<String>,
    /// Work on a branch without opening a pull request
    #[arg(long)]
    pub no_pr: bool,
    /// What the agent should do
    pub prompt: String,
}

#[derive(Debug, Args)]
pub struct ContinueArgs {
    #[arg(help = TASK_HELP, value_name = "TASK")]
    pub task: String,
    /// What the agent should do next
    pub prompt: String,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["task", "finished"]))]
pub struct ArchiveArgs {
    #[arg(help = TASK_HELP, value_name = "TASK")]
    pub task: Option<String>,
    /// Archive every finished task (completed, failed, cancelled) instead
    #[arg(long)]
    pub finished: bool,
    /// With --finished: only those that finished at least this long ago (30m, 12h, 1d, 2w)
    #[arg(long, value_name = "AGE", requires = "finished", value_parser = age)]
    pub older_than: Option<String>,
}

fn age(raw: &str) -> Result<String, String> {
    crate::archive::parse_age(raw).map(|_| raw.to_owned())
}

#[derive(Debug, Args)]
pub struct EndpointArgs {
    /// Print the cc.xml feed's address and the HTTP Basic credentials for CI-status clients
    /// (CCMenu, BuildNotify, Nevergreen) instead
    #[arg(long)]
    pub feed: bool,
}

const LOGIN_HELP: &str = "Accounts: without --name or --host, `login` signs in the default \
account (config.toml's [github]). `login --host acme.ghe.com` signs in the account on that host, \
adding it when there is none; `login --name work` signs in the account called work, adding it \
when there is none (on --host, else github.com). A second account on the same host needs a \
--name. Added accounts are kept in accounts.json beside config.toml; --api-url and --web-url \
given while adding one are kept with it. A running agentbar watches an added account from its \
next start.";

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The account to sign in, by name; a new name adds an account (letters, digits, - and _)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Store the token the GitHub CLI holds (`gh auth token --hostname HOST`)
    #[arg(long, conflicts_with = "with_token")]
    pub from_gh: bool,
    /// Read a token from standard input (e.g. a fine-grained PAT with Agent tasks: read)
    #[arg(long)]
    pub with_token: bool,
    /// Do not open the verification page in a browser
    #[arg(long)]
    pub no_browser: bool,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The account to sign out, by name or id (see `agentbar accounts`); an account `login`
    /// added is removed from the list too
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
}

#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// Print the accounts as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Who is signed in, on which host, from which source, with which scopes (never the token)
    Status,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run without a tray icon (also the fallback where there is no display or tray library)
    #[arg(long)]
    pub headless: bool,
    /// Port of the loopback API (0 picks a free one)
    #[arg(long, env = "AGENTBAR_PORT")]
    pub port: Option<u16>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Start signed out, to try the sign-in against the simulator (the tray's "Sign in…", or
    /// `agentbar login` in another terminal)
    #[arg(long)]
    pub signed_out: bool,
    #[command(flatten)]
    pub world: WorldArgs,
}

#[derive(Debug, Args)]
pub struct WorldArgs {
    /// A scenario file (.toml or .json) instead of the built-in one
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Play the scenario this many times as fast (its waits are shortened; the clock keeps
    /// wall time, so nothing is ever dated in the future)
    #[arg(long, default_value_t = 1.0, value_parser = positive_speed)]
    pub speed: f64,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port to listen on at 127.0.0.1 (0 picks a free one, printed at start)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    #[command(flatten)]
    pub world: WorldArgs,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// "2 running · 1 needs you · updated 12 s ago"
    #[default]
    Text,
    /// The counts and freshness as JSON
    Json,
    /// JSON for waybar's custom module (text, tooltip, class)
    Waybar,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Same as --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
}

#[derive(Debug, Args)]
pub struct TasksArgs {
    /// Same as --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// How to print the list: a table, JSON (the loopback API's shape) or CSV
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// List archived tasks instead (agentbar's archive and GitHub's; never counted)
    #[arg(long)]
    pub archived: bool,
    /// Only tasks of these agents: copilot, claude-code, codex, copilot-cli, gemini-cli
    /// (repeatable or comma-separated)
    #[arg(long, value_name = "AGENT")]
    pub provider: Vec<String>,
    /// Only tasks from these sources, e.g. gh:octocat, claude-code (repeatable or comma-separated)
    #[arg(long, value_name = "SOURCE")]
    pub source: Vec<String>,
    /// Only these buckets: running, waiting, completed, failed, cancelled, unknown
    #[arg(long, value_name = "BUCKET")]
    pub bucket: Vec<String>,
    /// Only these upstream states, e.g. in_progress, waiting_for_user, timed_out
    #[arg(long, value_name = "STATE")]
    pub state: Vec<String>,
    /// Only tasks updated at or after this RFC 3339 time
    #[arg(long, value_name = "TIME", conflicts_with = "period")]
    pub since: Option<String>,
    /// Only tasks updated in this period of your local calendar: today, week, month, all
    #[arg(long)]
    pub period: Option<String>,
    /// Only tasks of this repository (owner/name)
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// Only tasks whose title, repository or id contains this text
    #[arg(long = "search", short = 'q', value_name = "TEXT")]
    pub q: Option<String>,
}

impl TasksArgs {
    /// The filter flags as the API's query pairs, so both read them with one parser.
    pub fn filter_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let lists = [
            ("provider", &self.provider),
            ("source", &self.source),
            ("bucket", &self.bucket),
            ("state", &self.state),
        ];
        for (key, values) in lists {
            pairs.extend(values.iter().map(|v| (key.to_owned(), v.clone())));
        }
        let singles = [
            ("since", &self.since),
            ("period", &self.period),
            ("repo", &self.repo),
            ("q", &self.q),
        ];
        for (key, value) in singles {
            pairs.extend(value.iter().map(|v| (key.to_owned(), v.clone())));
        }
        if self.archived {
            pairs.push(("archived".to_owned(), "true".to_owned()));
        }
        pairs
    }

    pub fn list_format(&self) -> ListFormat {
        if self.json {
            ListFormat::Json
        } else {
            self.format
        }
    }
}

/// How `tasks` prints the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ListFormat {
    /// One line per task, cut to the terminal's width
    #[default]
    Table,
    /// The loopback API's list shape
    Json,
    /// Comma-separated values with a header line (RFC 4180)
    Csv,
}

fn positive_speed(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{raw:?} is not a positive number")),
    }
}

impl Cli {
    /// The configuration overrides these arguments carry.
    pub fn overrides(&self) -> Overrides {
        let port = match &self.command {
            Some(Command::Run(run)) => run.port,
            Some(Command::Demo(demo)) => demo.run.port,
            _ => None,
        };
        Overrides {
            config_dir: self.global.config_dir.clone(),
            state_dir: self.global.state_dir.clone(),
            host: self.global.host.clone(),
            api_url: self.global.api_url.clone(),
            web_url: self.global.web_url.clone(),
            copilot_api_url: self.global.copilot_api_url.clone(),
            port,
            client_id: self.global.client_id.clone(),
            copilot_integration_id: self.global.copilot_integration_id.clone(),
            use_keychain: self.global.no_keychain.then_some(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_reach_the_overrides() {
        let cli = Cli::try_parse_from([
            "agentbar",
            "--state-dir",
            "/tmp/s",
            "demo",
            "--headless",
            "--speed",
            "4",
            "--port",
            "0",
        ])
        .unwrap();
        let overrides = cli.overrides();
        assert_eq!(overrides.state_dir, Some(PathBuf::from("/tmp/s")));
        assert_eq!(overrides.port, Some(0));
        match cli.command {
            Some(Command::Demo(demo)) => {
                assert!(demo.run.headless);
                assert_eq!(demo.world.speed, 4.0);
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(Cli::try_parse_from(["agentbar", "demo", "--speed", "-1"]).is_err());
        let cli = Cli::try_parse_from(["agentbar", "--no-keychain", "logout"]).unwrap();
        assert_eq!(cli.overrides().use_keychain, Some(false));
        let cli = Cli::try_parse_from(["agentbar", "logout", "--account", "work"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Logout(LogoutArgs { account: Some(ref a) })) if a == "work")
        );
        let cli = Cli::try_parse_from([
            "agentbar",
            "login",
            "--name",
            "home",
            "--host",
            "acme.ghe.com",
        ])
        .unwrap();
        assert_eq!(cli.overrides().host.as_deref(), Some("acme.ghe.com"));
        assert!(
            matches!(cli.command, Some(Command::Login(LoginArgs { name: Some(ref n), .. })) if n == "home")
        );
    }
}
