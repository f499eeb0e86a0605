//! The `agentbar` binary: parses the command line, sets up logging, calls into the library and
//! maps the outcome to an exit code in one place.

use anyhow::Context;
use clap::Parser;
use std::process::ExitCode;

use agentbar::app::{self, Upstream};
use agentbar::auth::DeviceFlow;
use agentbar::cli::{AuthCommand, Cli, Command, LoginArgs, LogsArgs, StatusFormat};
use agentbar::config::Config;
use agentbar::github::GitHubClient;
use agentbar::github::Token;
use agentbar::report;
use agentbar::server::Endpoint;
use agentbar::sim::{Scenario, SimOptions, Simulator};
use agentbar::store::SnapshotStore;
use agentbar::wire::WireTaskList;

/// Exit codes: 0 success, 1 a failure while running, 2 bad usage or configuration, 3 no data
/// (no snapshot, or no running agent for `endpoint`).
fn main() -> ExitCode {
    agentbar::allocator::tune();
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    let config = match Config::load(&cli.overrides(), token_from_env()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("agentbar: {e}");
            return ExitCode::from(2);
        }
    };
    match dispatch(cli.command, config) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("agentbar: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(command: Option<Command>, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        None => run_app(config, Upstream::GitHub, false),
        Some(Command::Run(args)) => run_app(config, Upstream::GitHub, args.headless),
        Some(Command::Demo(args)) => run_app(
            config,
            Upstream::Demo {
                scenario: args.world.scenario,
                speed: args.world.speed,
                signed_out: args.signed_out,
            },
            args.run.headless,
        ),
        Some(Command::Sim(args)) => {
            let scenario = match &args.world.scenario {
                Some(path) => Scenario::from_file(path)?,
                None => Scenario::builtin(),
            };
            runtime()?.block_on(async move {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
                    .await
                    .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
                let address = listener.local_addr()?;
                println!("GitHub simulator listening on http://{address}");
                println!(
                    "  REST + GraphQL: http://{address}   Copilot API: http://{address}/copilot"
                );
                println!("  control: http://{address}/_sim/stats, /_sim/faults, /_sim/clock");
                let simulator = Simulator::new(
                    scenario,
                    SimOptions {
                        speed: args.world.speed,
                        ..SimOptions::default()
                    },
                );
                let shutdown = async {
                    if let Err(e) = app::shutdown_signal().await {
                        tracing::error!(error = %e, "cannot wait for a signal; stopping");
                    }
                };
                agentbar::sim::serve(listener, simulator, shutdown).await?;
                Ok(ExitCode::SUCCESS)
            })
        }
        Some(Command::Login(args)) => login(&config, &args),
        Some(Command::Logs(args)) => logs(&config, &args),
        Some(Command::Logout) => {
            let store = config.credentials();
            let removed = store.forget()?;
            if removed.is_empty() {
                println!("No token was stored for {}.", config.host);
            }
            for place in removed {
                println!("Forgot the token for {} in {place}.", config.host);
            }
            if store.has_environment_token() {
                eprintln!(
                    "agentbar: AGENTBAR_TOKEN is still set in this environment; unset it too"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Auth(AuthCommand::Status)) => {
            let Some((token, source)) = config.credentials().load() else {
                println!("Not signed in to {}. Run `agentbar login`.", config.host);
                return Ok(ExitCode::from(3));
            };
            let client = GitHubClient::new(config.endpoints.clone(), token, config.client.clone())?;
            let viewer = runtime()?.block_on(client.viewer());
            println!("Host: {}", config.host);
            println!("Token from: {source}");
            match viewer {
                Ok(viewer) => {
                    println!(
                        "Signed in as: {}",
                        viewer.login.as_deref().unwrap_or("(unknown)")
                    );
                    match viewer.scopes {
                        Some(scopes) => println!("Scopes: {}", scopes.join(", ")),
                        None => println!(
                            "Scopes: none reported (a fine-grained token has permissions instead)"
                        ),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("Signed in as: unknown — {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Some(Command::Endpoint) => {
            let Some(endpoint) = Endpoint::read(&config.state_dir) else {
                eprintln!(
                    "agentbar: not running (no endpoint.json in {})",
                    config.state_dir.display()
                );
                return Ok(ExitCode::from(3));
            };
            println!("{}", serde_json::to_string_pretty(&endpoint)?);
            if live_list(&config).is_none() {
                eprintln!(
                    "agentbar: nothing answers at {} — the file was left by a process that did not exit cleanly",
                    endpoint.url
                );
                return Ok(ExitCode::from(3));
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Status(args)) => {
            let Some((snapshot, source)) = latest_snapshot(&config) else {
                return Ok(ExitCode::from(3));
            };
            let now = chrono::Utc::now();
            let format = if args.json {
                StatusFormat::Json
            } else {
                args.format
            };
            match format {
                StatusFormat::Text => println!(
                    "{}",
                    report::status_line(&snapshot.counts(), report::seconds_since(&snapshot, now))
                ),
                StatusFormat::Json => {
                    println!("{}", report::status_json(&snapshot, &source, now));
                }
                StatusFormat::Waybar => println!("{}", report::status_waybar(&snapshot, now)),
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Tasks(args)) => {
            let Some((snapshot, _)) = latest_snapshot(&config) else {
                return Ok(ExitCode::from(3));
            };
            let now = chrono::Utc::now();
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report::task_list(&snapshot, now))?
                );
            } else {
                println!("{}", report::task_table(&snapshot, now));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `agentbar logs ID`: the task's session log through the running agent's API (the newest
/// session, or `--session N|ID`), followed until the session ends with `--follow`, and closed by
/// the finished task's end state; `--sessions` lists the sessions.
fn logs(config: &Config, args: &LogsArgs) -> anyhow::Result<ExitCode> {
    let Some(endpoint) = Endpoint::read(&config.state_dir) else {
        eprintln!(
            "agentbar: agentbar is not running; `logs` reads it (start `agentbar run` or `agentbar demo`)"
        );
        return Ok(ExitCode::from(3));
    };
    let style = if args.json {
        report::LogStyle::Json
    } else if args.raw {
        report::LogStyle::Raw
    } else {
        report::LogStyle::Readable {
            colour: colour_wanted(std::io::IsTerminal::is_terminal(&std::io::stdout())),
        }
    };
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()?;
    let task_url = format!("{}/v1/tasks/{}", endpoint.url, url_path_segment(&args.id));
    runtime()?.block_on(async move {
        if args.sessions {
            let task = fetch_task(&http, &task_url, &endpoint).await?;
            let sessions = task.sessions.unwrap_or_default();
            if args.json {
                println!("{}", serde_json::to_string_pretty(&sessions)?);
            } else {
                println!(
                    "{}",
                    report::session_table(&sessions, &chrono::Local::now())
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        let mut cursor: Option<String> = None;
        loop {
            let mut request = http
                .get(format!("{task_url}/logs"))
                .bearer_auth(&endpoint.token);
            if let Some(cursor) = &cursor {
                request = request.query(&[("after", cursor)]);
            }
            if let Some(session) = &args.session {
                request = request.query(&[("session", session)]);
            }
            let response = request
                .send()
                .await
                .with_context(|| format!("agentbar does not answer at {}", endpoint.url))?;
            let page: agentbar::logs::wire::LogPageJson = api_answer(response, "the log").await?;
            if page.reset && cursor.is_some() {
                eprintln!("agentbar: the log was rewritten upstream; showing it again");
            }
            let now = chrono::Local::now();
            for event in &page.events {
                println!("{}", report::log_event(event, style, &now));
            }
            if !args.follow || page.done {
                break;
            }
            cursor = Some(page.cursor);
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
        // The end state of the task, or of the session asked for, closes a finished log.
        let task = fetch_task(&http, &task_url, &endpoint).await?;
        let chosen = args.session.as_deref().and_then(|wanted| {
            let sessions = task.sessions.as_deref().unwrap_or_default();
            let count = sessions.len();
            sessions.iter().find(|s| s.id == wanted).or_else(|| {
                let number = wanted
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=count).contains(n))?;
                sessions.get(count - number)
            })
        });
        let (state, error, finished_at) = match chosen {
            Some(session) => (
                session.state.as_str(),
                session.error.as_ref().map(|e| e.message.as_str()),
                session.completed_at.or(session.updated_at),
            ),
            None => (
                task.state.as_str(),
                task.error.as_ref().map(|e| e.message.as_str()),
                task.completed_at.or(Some(task.updated_at)),
            ),
        };
        if let Some(line) = report::log_end(state, error, finished_at, style, &chrono::Local::now())
        {
            println!("{line}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `GET /v1/tasks/{id}` from the running agent: the task with its sessions.
async fn fetch_task(
    http: &reqwest::Client,
    task_url: &str,
    endpoint: &Endpoint,
) -> anyhow::Result<agentbar::wire::WireTask> {
    let response = http
        .get(task_url)
        .bearer_auth(&endpoint.token)
        .send()
        .await
        .with_context(|| format!("agentbar does not answer at {}", endpoint.url))?;
    let detail: agentbar::wire::WireTaskDetail = api_answer(response, "the task").await?;
    Ok(detail.task)
}

/// Colour only on a terminal, and never when `NO_COLOR` is set to anything (no-color.org).
fn colour_wanted(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// A task id as one URL path segment (ids are opaque text).
fn url_path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The JSON of a successful answer, or the API's own error message.
async fn api_answer<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    what: &str,
) -> anyhow::Result<T> {
    let status = response.status();
    if !status.is_success() {
        let error: serde_json::Value = response.json().await.unwrap_or_default();
        let message = error["error"]["message"].as_str().unwrap_or("no details");
        anyhow::bail!("{what} cannot be shown ({status}): {message}");
    }
    Ok(response.json().await?)
}

/// `agentbar login`: the device flow, the GitHub CLI's token, or a token on standard input.
fn login(config: &Config, args: &LoginArgs) -> anyhow::Result<ExitCode> {
    let store = config.credentials();
    let token = if args.from_gh {
        agentbar::auth::token_from_gh(&config.host)?
    } else if args.with_token {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("cannot read the token from standard input")?;
        Token::new(text).context("standard input held no token")?
    } else {
        let flow = DeviceFlow::new(&config.endpoints.web, config.client_id.as_deref())?;
        runtime()?.block_on(async {
            let code = flow.start().await?;
            println!("First copy your one-time code: {}", code.user_code);
            println!("Then open {} and enter it.", code.verification_uri);
            if !args.no_browser
                && let Err(e) = open::that(&code.verification_uri)
            {
                eprintln!("agentbar: could not open a browser ({e}); open the page yourself");
            }
            println!("Waiting for you to approve agentbar on GitHub…");
            anyhow::Ok(flow.finish(&code).await?.token)
        })?
    };
    let source = store.save(&token)?;
    println!(
        "Signed in to {}; the token is kept in {source}.",
        config.host
    );
    if store.has_environment_token() {
        eprintln!(
            "agentbar: note: AGENTBAR_TOKEN is set and takes precedence over the stored token"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_app(config: Config, upstream: Upstream, headless: bool) -> anyhow::Result<ExitCode> {
    if headless {
        agentbar::tray::run_headless(config, upstream)?;
    } else {
        // Falls back to headless by itself where no tray can exist.
        agentbar::tray::run(config, upstream)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The freshest data for `status`/`tasks`: the running agent's API when it answers, else the
/// snapshot file, saying plainly when there is neither.
fn latest_snapshot(config: &Config) -> Option<(agentbar::model::Snapshot, String)> {
    if let Some(list) = live_list(config) {
        return Some((list.into_snapshot(), "live".into()));
    }
    let store = SnapshotStore::new(&config.state_dir);
    let loaded = store.load();
    match loaded.stored {
        Some(stored) => Some((stored.snapshot, stored.source)),
        None => {
            match loaded.note {
                Some(note) => eprintln!("agentbar: {note}"),
                None => eprintln!(
                    "agentbar: no snapshot yet in {} — start `agentbar run` or `agentbar demo` first",
                    config.state_dir.display()
                ),
            }
            None
        }
    }
}

/// `GET /v1/tasks` from the agent named in endpoint.json, when it answers within two seconds.
fn live_list(config: &Config) -> Option<WireTaskList> {
    let endpoint = Endpoint::read(&config.state_dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async move {
        let response = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(2))
            .build()
            .ok()?
            .get(format!("{}/v1/tasks", endpoint.url))
            .bearer_auth(&endpoint.token)
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json::<WireTaskList>().await.ok()
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("agentbar-worker")
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn token_from_env() -> Option<Token> {
    std::env::var("AGENTBAR_TOKEN").ok().and_then(Token::new)
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "agentbar=info",
        1 => "agentbar=debug",
        _ => "agentbar=trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}
