//! The `agentbar` binary: parses the command line, sets up logging, calls into the library and
//! maps the outcome to an exit code in one place.

use anyhow::Context;
use clap::Parser;
use std::process::ExitCode;

use agentbar::app::{self, Upstream};
use agentbar::auth::DeviceFlow;
use agentbar::auth::{Account, AccountsFile, LoginWanted, StoredAccount};
use agentbar::cli::{
    AccountsArgs, ArchiveArgs, AuthCommand, Cli, Command, EndpointArgs, HooksCommand, ListFormat,
    LoginArgs, LogoutArgs, LogsArgs, NewArgs, StatusFormat, TasksArgs, exit,
};
use agentbar::config::{Config, Overrides};
use agentbar::filter::{Candidate, TaskFilter};
use agentbar::github::GitHubClient;
use agentbar::github::Token;
use agentbar::report;
use agentbar::server::Endpoint;
use agentbar::sim::{Scenario, SimOptions, Simulator};
use agentbar::store::SnapshotStore;
use agentbar::wire::WireTaskList;

/// Exit codes (README "Exit codes", `agentbar --help`): 0 success; 1 a failure while running;
/// 2 bad usage or configuration; 3 nothing current to show (no snapshot yet, the agent not
/// running, signed out).
fn main() -> ExitCode {
    // A coding agent's hook: before anything that could print, fail or take time.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if let Some(("hook", rest)) = args
        .split_first()
        .map(|(first, rest)| (first.as_str(), rest))
    {
        relay_hook(rest, None);
        return ExitCode::SUCCESS;
    }
    agentbar::allocator::tune();
    let cli = Cli::parse();
    if let Some(Command::Hook(hook)) = &cli.command {
        relay_hook(&hook.args, cli.global.state_dir.clone());
        return ExitCode::SUCCESS;
    }
    if cli.command.as_ref().is_some_and(Command::prints_and_exits) {
        agentbar::terminal::die_quietly_on_closed_pipe();
    }
    init_logging(cli.global.verbose);
    // `login --name`/`--host` picks an account: the host and URLs on the command line then
    // describe that account, not the default one, so the list is read without them.
    let (overrides, login_wanted) = match &cli.command {
        Some(Command::Login(args)) => match login_wanted(&cli.overrides(), args) {
            Ok(split) => split,
            Err(e) => {
                eprintln!("agentbar: {e}");
                return ExitCode::from(exit::USAGE);
            }
        },
        _ => (cli.overrides(), None),
    };
    let config = match Config::load(&overrides, token_from_env()) {
        Ok(config) => config,
        // What reads state or forgets a token must work while the file is being fixed.
        Err(e)
            if !matches!(e, agentbar::config::ConfigError::NoHome(_))
                && cli
                    .command
                    .as_ref()
                    .is_some_and(Command::works_without_config_file) =>
        {
            eprintln!("agentbar: warning: ignoring the configuration file: {e}");
            match Config::load_ignoring_file(&overrides, token_from_env()) {
                Ok(config) => config,
                Err(e) => {
                    eprintln!("agentbar: {e}");
                    return ExitCode::from(exit::USAGE);
                }
            }
        }
        Err(e) => {
            eprintln!("agentbar: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    match dispatch(cli.command, config, login_wanted) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("agentbar: {e:#}");
            ExitCode::from(exit_code_of(&e))
        }
    }
}

/// `agentbar hook …`: the state directory from `--state-dir`, `AGENTBAR_STATE_DIR` or the
/// platform's default (config.toml cannot move it, and is not read: a hook must not depend on
/// a file the user may be editing).
fn relay_hook(args: &[String], state_dir: Option<std::path::PathBuf>) {
    let state_dir = state_dir
        .or_else(|| {
            std::env::var_os("AGENTBAR_STATE_DIR")
                .filter(|v| !v.is_empty())
                .map(Into::into)
        })
        .or_else(agentbar::config::default_state_dir);
    agentbar::hooks::relay::run(args, state_dir.as_deref());
}

/// A usage or configuration problem found while running a command (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Usage(String);

/// 2 for what the user must fix in how agentbar is called or configured, 1 for the rest.
fn exit_code_of(error: &anyhow::Error) -> u8 {
    let usage = error.chain().any(|e| {
        e.is::<Usage>()
            || e.is::<agentbar::sim::ScenarioError>()
            || matches!(
                e.downcast_ref::<agentbar::auth::SignInError>(),
                Some(agentbar::auth::SignInError::NoClientId)
            )
            || matches!(
                e.downcast_ref::<agentbar::app::AppError>(),
                Some(agentbar::app::AppError::Scenario(_))
            )
            || matches!(
                e.downcast_ref::<agentbar::tray::TrayError>(),
                Some(agentbar::tray::TrayError::App(
                    agentbar::app::AppError::Scenario(_)
                ))
            )
    });
    if usage { exit::USAGE } else { exit::FAILURE }
}

/// For `login --name`/`--host`: the overrides without the host and URLs, and what they ask of
/// the account (the URLs checked here); `None` when `login` signs in the default account.
fn login_wanted(
    overrides: &Overrides,
    args: &LoginArgs,
) -> Result<(Overrides, Option<LoginWanted>), agentbar::config::ConfigError> {
    if args.name.is_none() && overrides.host.is_none() {
        return Ok((overrides.clone(), None));
    }
    let url = |what, raw: &Option<String>| {
        raw.as_deref()
            .map(|u| agentbar::config::validate_url(what, u))
            .transpose()
    };
    let wanted = LoginWanted {
        name: args.name.clone(),
        host: overrides.host.clone(),
        api_url: url("the GitHub API URL", &overrides.api_url)?,
        web_url: url("the GitHub web URL", &overrides.web_url)?,
        copilot_api_url: url("the Copilot API URL", &overrides.copilot_api_url)?,
        client_id: overrides.client_id.clone(),
    };
    let rest = Overrides {
        host: None,
        api_url: None,
        web_url: None,
        copilot_api_url: None,
        ..overrides.clone()
    };
    Ok((rest, Some(wanted)))
}

fn dispatch(
    command: Option<Command>,
    config: Config,
    login_wanted: Option<LoginWanted>,
) -> anyhow::Result<ExitCode> {
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
                // Like the demo: the speed compresses the scenario, the clock keeps wall time.
                let simulator =
                    Simulator::new(scenario.compressed(args.world.speed), SimOptions::default());
                let shutdown = async {
                    if let Err(e) = app::shutdown_signal().await {
                        tracing::error!(error = %e, "cannot wait for a signal; stopping");
                    }
                };
                let served = agentbar::sim::spawn_on_loopback(simulator, args.port, shutdown)
                    .await
                    .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
                let address = served.address;
                println!("GitHub simulator listening on http://{address}");
                println!(
                    "  REST + GraphQL: http://{address}   Copilot API: http://{address}/copilot"
                );
                println!("  control: http://{address}/_sim/stats, /_sim/faults, /_sim/clock");
                served.task.await??;
                Ok(ExitCode::SUCCESS)
            })
        }
        Some(Command::Login(args)) => login(&config, &args, login_wanted),
        Some(Command::Accounts(args)) => accounts(&config, &args),
        Some(Command::Logs(args)) => logs(&config, &args),
        Some(Command::Logout(args)) => logout(&config, &args),
        Some(Command::Auth(AuthCommand::Status)) => {
            let Some((token, source)) = config.credentials().load() else {
                println!("Not signed in to {}. Run `agentbar login`.", config.host);
                return Ok(ExitCode::from(exit::NOT_CURRENT));
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
        Some(Command::Endpoint(args)) => endpoint(&config, &args),
        Some(Command::Status(args)) => {
            let reading = read_state(&config);
            let now = chrono::Utc::now();
            let format = if args.json {
                StatusFormat::Json
            } else {
                args.format
            };
            let Some(reading) = reading else {
                // A status bar is never left blank: it says "not running" like any other state.
                if format == StatusFormat::Waybar {
                    println!(
                        "{}",
                        report::status_waybar(&report::Reading::nothing(), now)
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                return Ok(ExitCode::from(exit::NOT_CURRENT));
            };
            match format {
                StatusFormat::Text => {
                    println!("{}", reading.status_text(now));
                    for line in live_source_lines(&config, &reading) {
                        println!("{line}");
                    }
                }
                StatusFormat::Json => println!("{}", report::status_json(&reading, now)),
                StatusFormat::Waybar => {
                    println!("{}", report::status_waybar(&reading, now));
                    // waybar hides a module whose command fails; the class says the state.
                    return Ok(ExitCode::SUCCESS);
                }
            }
            Ok(exit_for(&reading))
        }
        Some(Command::Tasks(args)) => list_tasks(&config, &args),
        Some(Command::Stop(args)) => act(&config, &args.task, "stop", None),
        Some(Command::Hook(hook)) => {
            relay_hook(&hook.args, Some(config.state_dir.clone()));
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Hooks(command)) => hooks(command),
        Some(Command::Open(args)) => act(&config, &args.task, "open", None),
        Some(Command::OpenPr(args)) => act(&config, &args.task, "open-pr", None),
        Some(Command::OpenLogs(args)) => act(&config, &args.task, "open-logs", None),
        Some(Command::CopyLink(args)) => act(&config, &args.task, "copy-link", None),
        Some(Command::Refresh(args)) => act(&config, &args.task, "refresh", None),
        Some(Command::Archive(args)) => archive(&config, &args),
        Some(Command::Unarchive(args)) => act(&config, &args.task, "unarchive", None),
        Some(Command::New(args)) => new_task(&config, &args),
        Some(Command::Continue(args)) => act(
            &config,
            &args.task,
            "continue",
            Some(serde_json::json!({ "prompt": args.prompt })),
        ),
    }
}

/// `agentbar hooks install|uninstall|status [TOOL]`.
fn hooks(command: HooksCommand) -> anyhow::Result<ExitCode> {
    use agentbar::hooks::HookTool;
    use agentbar::hooks::install::{self, Change, Homes, State};
    let homes = Homes::from_env().context("cannot find the home directory")?;
    let exe = std::env::current_exe().context("cannot find agentbar's own path")?;
    // The path the hooks run: the binary itself, not a symlink that may move.
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    let (HooksCommand::Install(target)
    | HooksCommand::Uninstall(target)
    | HooksCommand::Status(target)) = &command;
    let named = target.tool.as_deref().and_then(HookTool::parse);
    let tools: Vec<HookTool> = match named {
        Some(tool) => vec![tool],
        None => HookTool::ALL.to_vec(),
    };
    let mut failed = false;
    for tool in tools {
        let product = tool.product();
        match &command {
            HooksCommand::Status(_) => {
                let report = install::status(tool, &homes, &exe);
                let state = match &report.state {
                    State::NotInstalled => "not installed".to_owned(),
                    State::HooksMissing { events } => {
                        format!("hooks missing ({})", events.join(", "))
                    }
                    State::Installed => "installed".to_owned(),
                    State::NeedsApproval => "needs approval".to_owned(),
                    State::Unreadable(why) => {
                        failed = true;
                        format!("cannot tell: {why}")
                    }
                };
                println!("{product}: {state}  ({})", report.file.display());
                for note in &report.notes {
                    println!("  - {note}");
                }
            }
            HooksCommand::Install(_) => {
                if named.is_none() && !homes.tool_found(tool) {
                    println!("{product}: not installed here; skipped");
                    continue;
                }
                match install::install(tool, &homes, &exe) {
                    Ok(change) => {
                        let file = homes.settings_file(tool);
                        match change {
                            Change::Unchanged => {
                                println!("{product}: already installed ({})", file.display())
                            }
                            Change::Written { backup } | Change::Removed { backup } => {
                                println!("{product}: installed in {}", file.display());
                                if let Some(backup) = backup {
                                    println!(
                                        "  - your previous file is kept as {}",
                                        backup.display()
                                    );
                                }
                            }
                        }
                        println!("  - next: {}", install::after_install(tool));
                    }
                    Err(e) => {
                        failed = true;
                        eprintln!("agentbar: {product}: {e}");
                    }
                }
            }
            HooksCommand::Uninstall(_) => match install::uninstall(tool, &homes) {
                Ok(Change::Unchanged) => println!("{product}: no agentbar hooks to remove"),
                Ok(Change::Written { .. }) => println!(
                    "{product}: agentbar's hooks removed from {}",
                    homes.settings_file(tool).display()
                ),
                Ok(Change::Removed { .. }) => println!(
                    "{product}: agentbar's hooks removed ({} deleted: it held nothing else)",
                    homes.settings_file(tool).display()
                ),
                Err(e) => {
                    failed = true;
                    eprintln!("agentbar: {product}: {e}");
                }
            },
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `tasks`: the list through the one task filter (the API's query parameters, as flags), as
/// a table, JSON or CSV. Archived tasks come from the running agent only.
fn list_tasks(config: &Config, args: &TasksArgs) -> anyhow::Result<ExitCode> {
    let filter = match TaskFilter::from_pairs(&args.filter_pairs()) {
        Ok(filter) => filter,
        Err(error) => {
            eprintln!("agentbar: {error}");
            return Ok(ExitCode::from(exit::USAGE));
        }
    };
    let now = chrono::Utc::now();
    let (mut list, code) = if filter.archived {
        // Archived tasks are never in the snapshot: only the running agent can list them.
        let endpoint = Endpoint::read(&config.state_dir);
        let list = endpoint
            .as_ref()
            .and_then(|e| live_list_at(e, "/v1/tasks?archived=true", 20));
        let Some(list) = list else {
            eprintln!(
                "agentbar: archived tasks are listed by the running agent (start `agentbar run`), which could not list them"
            );
            return Ok(ExitCode::from(exit::NOT_CURRENT));
        };
        (list, ExitCode::SUCCESS)
    } else {
        let Some(reading) = read_state(config) else {
            return Ok(ExitCode::from(exit::NOT_CURRENT));
        };
        if args.list_format() == ListFormat::Table
            && (reading.condition() != report::Condition::Ok || reading.demo)
        {
            eprintln!("agentbar: {}", reading.status_text(now));
        }
        (report::task_list(&reading, now), exit_for(&reading))
    };
    let cutoff = filter.cutoff(&chrono::Local::now());
    let tasks: Vec<agentbar::model::Task> = std::mem::take(&mut list.tasks)
        .into_iter()
        .map(agentbar::wire::WireTask::into_task)
        .filter(|t| {
            filter.keeps(
                &Candidate::of(t, agentbar::filter::source_of(t), filter.archived),
                cutoff,
            )
        })
        .collect();
    match args.list_format() {
        ListFormat::Json => {
            list.tasks = tasks
                .iter()
                .map(|t| agentbar::wire::WireTask::from_task(t, now, false))
                .collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        ListFormat::Csv => print!("{}", report::task_csv(&tasks)),
        ListFormat::Table => {
            let snapshot = agentbar::model::Snapshot::new(tasks, now);
            println!(
                "{}",
                report::task_table(&snapshot, now, agentbar::terminal::width())
            );
        }
    }
    Ok(code)
}

/// 0 while the data shown is the agent's current knowledge, else 3.
fn exit_for(reading: &report::Reading) -> ExitCode {
    if reading.condition().is_current() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::NOT_CURRENT)
    }
}

/// `agentbar endpoint [--feed]`: the discovery file, or the cc.xml address for CI-status
/// clients; a file left by an agent that is gone is reported as such.
fn endpoint(config: &Config, args: &EndpointArgs) -> anyhow::Result<ExitCode> {
    let Some(endpoint) = Endpoint::read(&config.state_dir) else {
        eprintln!(
            "agentbar: not running (no endpoint.json in {})",
            config.state_dir.display()
        );
        return Ok(ExitCode::from(exit::NOT_CURRENT));
    };
    if !agentbar::instance::process_alive(endpoint.pid) {
        eprintln!(
            "agentbar: not running: {} is stale (pid {} is gone; the agent did not exit cleanly)",
            Endpoint::path(&config.state_dir).display(),
            endpoint.pid
        );
        return Ok(ExitCode::from(exit::NOT_CURRENT));
    }
    if args.feed {
        return feed(config, &endpoint);
    }
    println!("{}", serde_json::to_string_pretty(&endpoint)?);
    if live_list(&endpoint).is_none() {
        eprintln!(
            "agentbar: nothing answers at {} — the file was left by a process that did not exit cleanly",
            endpoint.url
        );
        return Ok(ExitCode::from(exit::NOT_CURRENT));
    }
    Ok(ExitCode::SUCCESS)
}

/// `agentbar endpoint --feed`: what to type into a CI-status client's "add feed" dialog.
fn feed(config: &Config, endpoint: &Endpoint) -> anyhow::Result<ExitCode> {
    let (password, lasting) = match &config.feed_token_file {
        Some(path) => (agentbar::server::endpoint::feed_token(path, false)?, true),
        None => (endpoint.token.clone(), false),
    };
    println!("URL:      {}/cc.xml", endpoint.url);
    println!("User:     agentbar (any name is accepted)");
    println!("Password: {password}");
    if !lasting {
        eprintln!(
            "agentbar: this password is the API token, new at every start; set `[api] feed_token_file` in config.toml for one that lasts"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `new`: `POST /v1/tasks`; prints the new task's id and link.
fn new_task(config: &Config, args: &NewArgs) -> anyhow::Result<ExitCode> {
    let Some(endpoint) = running_endpoint(config) else {
        return Ok(ExitCode::from(exit::NOT_CURRENT));
    };
    let body = serde_json::json!({
        "repo": args.repo,
        "prompt": args.prompt,
        "base_ref": args.base,
        "model": args.model,
        "custom_agent": args.custom_agent,
        "create_pull_request": !args.no_pr,
    });
    runtime()?.block_on(async {
        let response = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(90))
            .build()?
            .post(format!("{}/v1/tasks", endpoint.url))
            .bearer_auth(&endpoint.token)
            .json(&body)
            .send()
            .await
            .with_context(|| format!("agentbar does not answer at {}", endpoint.url))?;
        let answer: serde_json::Value = api_answer(response, "the task").await?;
        let id = answer["id"].as_str().unwrap_or("?");
        match answer["url"].as_str() {
            Some(url) => println!("Started task {id}: {url}"),
            None => println!("Started task {id}; it appears in the list at the next poll."),
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `archive TASK` (the `archive` action) or `archive --finished [--older-than AGE]`.
fn archive(config: &Config, args: &ArchiveArgs) -> anyhow::Result<ExitCode> {
    if let Some(task) = &args.task {
        return act(config, task, "archive", None);
    }
    let Some(endpoint) = running_endpoint(config) else {
        return Ok(ExitCode::from(exit::NOT_CURRENT));
    };
    runtime()?.block_on(async {
        let mut request = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()?
            .post(format!("{}/v1/archive/finished", endpoint.url))
            .bearer_auth(&endpoint.token);
        if let Some(age) = &args.older_than {
            request = request.query(&[("older_than", age)]);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("agentbar does not answer at {}", endpoint.url))?;
        let answer: serde_json::Value = api_answer(response, "finished tasks").await?;
        let count = answer["count"].as_u64().unwrap_or(0);
        println!(
            "Archived {count} finished task{}.",
            if count == 1 { "" } else { "s" }
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// One of the task's actions through the one door, `POST /v1/tasks/{id}/actions/{action}`,
/// with an optional JSON body; prints what the agent answered. The agent only names the link of
/// an `open*` action: it is opened here, on the machine the command runs on; `copy-link` prints
/// the bare link (a terminal command has no clipboard that outlives it).
fn act(
    config: &Config,
    reference: &str,
    action: &str,
    body: Option<serde_json::Value>,
) -> anyhow::Result<ExitCode> {
    let Some(endpoint) = running_endpoint(config) else {
        return Ok(ExitCode::from(exit::NOT_CURRENT));
    };
    let id = resolve_task(&endpoint, reference)?;
    runtime()?.block_on(async {
        let mut request = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()?
            .post(format!(
                "{}/v1/tasks/{}/actions/{action}",
                endpoint.url,
                url_path_segment(&id)
            ))
            .bearer_auth(&endpoint.token);
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("agentbar does not answer at {}", endpoint.url))?;
        if !response.status().is_success() {
            return Err(refusal(&format!("{action} was refused"), response).await);
        }
        let answer: serde_json::Value = response.json().await.unwrap_or_default();
        let link = answer["url"].as_str();
        match (action, link) {
            ("copy-link", Some(url)) => {
                println!("{url}");
                return Ok(ExitCode::SUCCESS);
            }
            ("open" | "open-pr" | "open-logs", Some(url)) => {
                use agentbar::open::UrlOpener;
                agentbar::open::DesktopOpener.open(url)?;
            }
            _ => {}
        }
        match answer["message"].as_str() {
            Some(message) => println!("{message}"),
            None => println!("{action}: done for task {id}."),
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// An API error answer in words: `what (status): the answer's message`.
async fn refusal(what: &str, response: reqwest::Response) -> anyhow::Error {
    let status = response.status();
    let error: serde_json::Value = response.json().await.unwrap_or_default();
    let message = error["error"]["message"].as_str().unwrap_or("no details");
    anyhow::anyhow!("{what} ({status}): {message}")
}

/// The running agent's endpoint, or `None` after saying that nothing runs.
fn running_endpoint(config: &Config) -> Option<Endpoint> {
    let endpoint =
        Endpoint::read(&config.state_dir).filter(|e| agentbar::instance::process_alive(e.pid));
    if endpoint.is_none() {
        eprintln!(
            "agentbar: agentbar is not running; start `agentbar run` or `agentbar demo` first"
        );
    }
    endpoint
}

/// The id of the task `reference` names (an id, a unique prefix, owner/repo#N or a PR URL),
/// looked up in the running agent's list.
/// The key (`<source>:<id>`) of the task `reference` names in the running agent's list.
fn resolve_task(endpoint: &Endpoint, reference: &str) -> anyhow::Result<String> {
    let list = live_list(endpoint)
        .with_context(|| format!("agentbar does not answer at {}", endpoint.url))?;
    let snapshot = list.into_snapshot();
    Ok(agentbar::task_ref::resolve(reference, &snapshot.tasks)?
        .key()
        .to_string())
}

/// `agentbar logs ID`: the task's session log through the running agent's API (the newest
/// session, or `--session N|ID`), followed until the session ends with `--follow`, and closed by
/// the finished task's end state; `--sessions` lists the sessions.
fn logs(config: &Config, args: &LogsArgs) -> anyhow::Result<ExitCode> {
    let Some(endpoint) = running_endpoint(config) else {
        return Ok(ExitCode::from(exit::NOT_CURRENT));
    };
    let id = resolve_task(&endpoint, &args.id)?;
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
    let task_url = format!("{}/v1/tasks/{}", endpoint.url, url_path_segment(&id));
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
        // The logs route with `query` (and the session asked for).
        let logs = |query: (&'static str, String)| {
            let mut request = http
                .get(format!("{task_url}/logs"))
                .bearer_auth(&endpoint.token)
                .query(&[query]);
            if let Some(session) = &args.session {
                request = request.query(&[("session", session)]);
            }
            let url = endpoint.url.clone();
            async move {
                request
                    .send()
                    .await
                    .with_context(|| format!("agentbar does not answer at {url}"))
            }
        };
        if let Some(format) = args.format {
            let response = logs(("format", format.as_str().to_owned())).await?;
            if !response.status().is_success() {
                return Err(refusal("the log cannot be exported", response).await);
            }
            print!("{}", response.text().await?);
            return Ok(ExitCode::SUCCESS);
        }
        let mut cursor: Option<String> = None;
        loop {
            let response = logs(("after", cursor.clone().unwrap_or_default())).await?;
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
    if !response.status().is_success() {
        return Err(refusal(&format!("{what} cannot be shown"), response).await);
    }
    Ok(response.json().await?)
}

/// `agentbar login`: the device flow, the GitHub CLI's token, or a token on standard input;
/// a token is stored only once GitHub has said whose it is. Against a running signed-out demo,
/// the demo's own sign-in (its simulator, its token store).
fn login(
    config: &Config,
    args: &LoginArgs,
    wanted: Option<LoginWanted>,
) -> anyhow::Result<ExitCode> {
    let (account, new) = match &wanted {
        Some(wanted) => agentbar::auth::login_target(&config.accounts, wanted)
            .map_err(|e| Usage(e.to_string()))?,
        None => (config.default_account().clone(), false),
    };
    if wanted.is_none()
        && !args.from_gh
        && !args.with_token
        && let Some(endpoint) = Endpoint::read(&config.state_dir)
            .filter(|e| e.demo && agentbar::instance::process_alive(e.pid))
    {
        return login_through_agent(&endpoint, args);
    }
    let store = config.credentials_for(&account);
    let (token, checked) = if args.from_gh {
        (agentbar::auth::token_from_gh(&account.host)?, true)
    } else if args.with_token {
        (token_from_stdin()?, true)
    } else {
        if account.client_id.is_none() {
            let mut message = agentbar::auth::SignInError::NoClientId.to_string();
            if agentbar::auth::token_from_gh(&account.host).is_ok() {
                message.push_str(
                    ".\nThe GitHub CLI is signed in on this machine: `agentbar login --from-gh` uses its token.",
                );
            }
            return Err(Usage(message).into());
        }
        let flow = DeviceFlow::new(&account.endpoints.web, account.client_id.as_deref())?;
        let token = runtime()?.block_on(async {
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
        })?;
        (token, false)
    };
    // GitHub says whose token it is; one it refuses is never stored. A token GitHub just
    // issued through the device flow is stored even when this check cannot be made.
    let client = GitHubClient::new(
        account.endpoints.clone(),
        token.clone(),
        config.client.clone(),
    )?;
    let who = match runtime()?.block_on(client.token_owner()) {
        Ok(who) => Some(who),
        Err(agentbar::github::ClientError::Unauthorized { message, .. }) => {
            anyhow::bail!(
                "GitHub refused this token ({message}); nothing was stored. Check that it is complete and not expired or revoked"
            )
        }
        Err(e) if checked => {
            anyhow::bail!("cannot check the token with GitHub ({e}); nothing was stored")
        }
        Err(e) => {
            eprintln!("agentbar: could not ask GitHub who signed in: {e}");
            None
        }
    };
    let source = if args.from_gh {
        // gh may replace its token (short-lived, refreshable tokens): a refused one is asked
        // of gh again before agentbar counts as signed out.
        store.save_from_gh(&token)?
    } else {
        store.save(&token)?
    };
    if new {
        // Listed only once its token is stored; without the list entry the token is useless,
        // so it goes again.
        if let Err(e) = AccountsFile::new(&config.config_dir).add(StoredAccount::of(&account)) {
            let _ = store.forget();
            return Err(e.into());
        }
    }
    let name = who
        .as_ref()
        .and_then(|w| w.login.as_deref())
        .map(|login| format!(" as {login}"))
        .unwrap_or_default();
    let scopes = match who.and_then(|w| w.scopes) {
        Some(scopes) if scopes.is_empty() => " (no scopes)".to_owned(),
        Some(scopes) => format!(" (scopes {})", scopes.join(", ")),
        None => " (a fine-grained token: permissions instead of scopes)".to_owned(),
    };
    println!(
        "Signed in to {}{name}{scopes}; the token is kept in {source}.",
        account.display_name()
    );
    if new {
        println!(
            "Added the account {} (see `agentbar accounts`).",
            account.id
        );
        if Endpoint::read(&config.state_dir)
            .is_some_and(|e| agentbar::instance::process_alive(e.pid))
        {
            println!("The running agentbar watches it from its next start.");
        }
    }
    if store.has_environment_token() {
        eprintln!(
            "agentbar: note: AGENTBAR_TOKEN is set and takes precedence over the stored token"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `agentbar logout [--account NAME]`: forgets that account's token (the default account's
/// without a name); an account `login` added leaves the list too.
fn logout(config: &Config, args: &LogoutArgs) -> anyhow::Result<ExitCode> {
    let account = match &args.account {
        Some(wanted) => config.account(wanted).map_err(|e| Usage(e.to_string()))?,
        None => config.default_account(),
    };
    let store = config.credentials_for(account);
    let removed = store.forget()?;
    let shown = account.display_name();
    if removed.is_empty() {
        println!("No token was stored for {shown}.");
    }
    for place in removed {
        println!("Forgot the token for {shown} in {place}.");
    }
    match account.origin {
        agentbar::auth::AccountOrigin::AddedByLogin => {
            if AccountsFile::new(&config.config_dir).remove(&account.id)? {
                println!("Removed the account {} from the list.", account.id);
            }
        }
        agentbar::auth::AccountOrigin::ConfigFile => println!(
            "The account {} stays listed (signed out) while config.toml names it under [[github.accounts]].",
            account.id
        ),
        agentbar::auth::AccountOrigin::Default => {}
    }
    if store.has_environment_token() {
        eprintln!("agentbar: AGENTBAR_TOKEN is still set in this environment; unset it too");
    }
    Ok(ExitCode::SUCCESS)
}

/// What `agentbar accounts` says of one account.
enum AccountStatus {
    SignedOut,
    SignedIn { login: Option<String> },
    Refused { message: String },
    Unchecked { error: String },
}

/// `agentbar accounts [--json]`: each account, where its token is kept, and what GitHub says of
/// it (asked for all accounts at once).
fn accounts(config: &Config, args: &AccountsArgs) -> anyhow::Result<ExitCode> {
    let loaded: Vec<(&Account, Option<(Token, agentbar::auth::TokenSource)>)> = config
        .accounts
        .iter()
        .map(|account| (account, config.credentials_for(account).load()))
        .collect();
    let statuses: Vec<AccountStatus> = runtime()?.block_on(async {
        let checks = loaded.iter().map(|(account, token)| async move {
            let Some((token, _)) = token else {
                return AccountStatus::SignedOut;
            };
            let client = match GitHubClient::new(
                account.endpoints.clone(),
                token.clone(),
                config.client.clone(),
            ) {
                Ok(client) => client,
                Err(e) => {
                    return AccountStatus::Unchecked {
                        error: e.to_string(),
                    };
                }
            };
            match client.token_owner().await {
                Ok(who) => AccountStatus::SignedIn { login: who.login },
                Err(agentbar::github::ClientError::Unauthorized { message, .. }) => {
                    AccountStatus::Refused { message }
                }
                Err(e) => AccountStatus::Unchecked {
                    error: e.to_string(),
                },
            }
        });
        futures_util::future::join_all(checks).await
    });
    if args.json {
        let list: Vec<serde_json::Value> = loaded
            .iter()
            .zip(&statuses)
            .map(|((account, token), status)| {
                let (status, login, detail) = match status {
                    AccountStatus::SignedOut => ("signed_out", None, None),
                    AccountStatus::SignedIn { login } => ("signed_in", login.clone(), None),
                    AccountStatus::Refused { message } => {
                        ("token_refused", None, Some(message.clone()))
                    }
                    AccountStatus::Unchecked { error } => ("unchecked", None, Some(error.clone())),
                };
                serde_json::json!({
                    "id": account.id.as_str(),
                    "source": account.source_id().as_str(),
                    "name": account.name,
                    "display_name": account.display_name(),
                    "host": account.host,
                    "api_url": account.endpoints.api,
                    "default": account.id == config.default_account().id,
                    "token_from": token.as_ref().map(|(_, from)| token_from_code(*from)),
                    "status": status,
                    "login": login,
                    "detail": detail,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    for ((account, token), status) in loaded.iter().zip(&statuses) {
        let default = if account.id == config.default_account().id {
            " (default)"
        } else {
            ""
        };
        let said = match status {
            AccountStatus::SignedOut => format!(
                "signed out — `agentbar login{}`",
                login_flags(config, account)
            ),
            AccountStatus::SignedIn { login } => format!(
                "signed in as {}",
                login.as_deref().unwrap_or("(GitHub did not say)")
            ),
            AccountStatus::Refused { message } => format!(
                "token refused ({message}) — `agentbar login{}`",
                login_flags(config, account)
            ),
            AccountStatus::Unchecked { error } => {
                format!("a token is stored; GitHub could not be asked ({error})")
            }
        };
        let place = token
            .as_ref()
            .map(|(_, from)| format!("; token in {from}"))
            .unwrap_or_default();
        println!(
            "{}{default}: {} — {said}{place}",
            account.id,
            account.display_name()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The `login` flags that sign this account in again.
fn login_flags(config: &Config, account: &Account) -> String {
    if account.id == config.default_account().id {
        String::new()
    } else if let Some(name) = &account.name {
        format!(" --name {name}")
    } else {
        format!(" --host {}", account.host)
    }
}

/// Where a token came from, as a stable word for JSON.
fn token_from_code(from: agentbar::auth::TokenSource) -> &'static str {
    match from {
        agentbar::auth::TokenSource::Environment => "environment",
        agentbar::auth::TokenSource::Keychain => "keychain",
        agentbar::auth::TokenSource::File => "file",
    }
}

/// The token for `login --with-token`: one line typed at a prompt on a terminal, else all of
/// standard input (`< token.txt`, a pipe).
fn token_from_stdin() -> anyhow::Result<Token> {
    let mut text = String::new();
    let stdin = std::io::stdin();
    if std::io::IsTerminal::is_terminal(&stdin) {
        eprint!("Paste a GitHub token and press Enter (it is checked with GitHub, then stored): ");
        stdin
            .read_line(&mut text)
            .context("cannot read the token")?;
    } else {
        std::io::Read::read_to_string(&mut stdin.lock(), &mut text)
            .context("cannot read the token from standard input")?;
    }
    Token::new(text).context("no token was given")
}

/// `agentbar login` while a signed-out demo runs: the demo signs in against its simulator
/// (`POST /v1/sign-in`), this prints the code and waits until the demo reports itself signed in.
fn login_through_agent(endpoint: &Endpoint, args: &LoginArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        let response = http
            .post(format!("{}/v1/sign-in", endpoint.url))
            .bearer_auth(&endpoint.token)
            .send()
            .await
            .with_context(|| format!("the demo does not answer at {}", endpoint.url))?;
        if response.status() == reqwest::StatusCode::CONFLICT {
            println!("The running demo is already signed in.");
            return Ok(ExitCode::SUCCESS);
        }
        if !response.status().is_success() {
            return Err(refusal("the demo cannot start a sign-in", response).await);
        }
        let prompt: serde_json::Value = response.json().await?;
        let (code, page) = (
            prompt["user_code"].as_str().unwrap_or_default(),
            prompt["verification_uri"].as_str().unwrap_or_default(),
        );
        println!("Signing in the running demo (against its built-in simulator).");
        println!("First copy your one-time code: {code}");
        println!("Then open {page} and enter it.");
        if !args.no_browser
            && let Err(e) = open::that(page)
        {
            eprintln!("agentbar: could not open a browser ({e}); open the page yourself");
        }
        println!("Waiting for you to approve agentbar on the simulator's page…");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15 * 60);
        while std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            let health: serde_json::Value =
                match http.get(format!("{}/v1/health", endpoint.url)).send().await {
                    Ok(answer) => answer.json().await.unwrap_or_default(),
                    Err(e) => anyhow::bail!("the demo stopped answering: {e}"),
                };
            if matches!(health["status"].as_str(), Some("ok" | "degraded")) {
                println!("Signed in: the demo shows its tasks now.");
                return Ok(ExitCode::SUCCESS);
            }
        }
        anyhow::bail!("the code expired before it was approved; run `agentbar login` again")
    })
}

fn run_app(config: Config, upstream: Upstream, headless: bool) -> anyhow::Result<ExitCode> {
    // Held until the process ends: one agent per state directory.
    let _instance = agentbar::instance::InstanceLock::acquire(&config.state_dir)?;
    if headless {
        agentbar::tray::run_headless(config, upstream)?;
    } else {
        // Falls back to headless by itself where no tray can exist.
        agentbar::tray::run(config, upstream)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What `status`/`tasks` show: the running agent's list and health when its API answers,
/// else the saved snapshot marked "not running"; `None` (after saying why) when there is
/// neither.
fn read_state(config: &Config) -> Option<report::Reading> {
    let endpoint = Endpoint::read(&config.state_dir);
    if let Some(endpoint) = &endpoint {
        if let Some(list) = live_list(endpoint) {
            let health = list.health.clone();
            return Some(report::Reading {
                snapshot: list.into_snapshot(),
                source: "live".into(),
                demo: endpoint.demo,
                agent: report::Agent::Running(health),
                read_at: chrono::Utc::now(),
            });
        }
        if agentbar::instance::process_alive(endpoint.pid) {
            eprintln!(
                "agentbar: the agent (pid {}) does not answer at {}",
                endpoint.pid, endpoint.url
            );
        } else {
            eprintln!(
                "agentbar: {} is stale: pid {} is gone (the agent did not exit cleanly)",
                Endpoint::path(&config.state_dir).display(),
                endpoint.pid
            );
        }
    }
    let store = SnapshotStore::new(&config.state_dir);
    let loaded = store.load();
    match loaded.stored {
        Some(stored) => Some(report::Reading {
            demo: stored.source == app::DEMO_SOURCE,
            snapshot: stored.snapshot,
            source: stored.source,
            agent: report::Agent::NotRunning,
            read_at: chrono::Utc::now(),
        }),
        None => {
            match loaded.note {
                Some(note) => eprintln!("agentbar: {note}"),
                None => eprintln!(
                    "agentbar: not running, and no snapshot yet in {} — start `agentbar run` or `agentbar demo` first",
                    config.state_dir.display()
                ),
            }
            None
        }
    }
}

/// The running agent's sources that need something, one line each (`GET /v1/sources`); none
/// when the agent is not running, lists one source, or has no such route.
fn live_source_lines(config: &Config, reading: &report::Reading) -> Vec<String> {
    if !matches!(reading.agent, report::Agent::Running(_)) {
        return Vec::new();
    }
    let Some(endpoint) = Endpoint::read(&config.state_dir) else {
        return Vec::new();
    };
    let Some(sources) = live_json::<report::SourceReports>(&endpoint, "/v1/sources", 2) else {
        return Vec::new();
    };
    report::source_lines(&sources.sources, |id| {
        let account = config
            .accounts
            .iter()
            .find(|a| a.source_id().as_str() == id)?;
        Some(login_flags(config, account))
    })
}

/// `GET /v1/tasks` from the agent named in endpoint.json, when it answers within two seconds.
fn live_list(endpoint: &Endpoint) -> Option<WireTaskList> {
    live_list_at(endpoint, "/v1/tasks", 2)
}

/// A list from the running agent's API at `path`, if it answers within `timeout_seconds`.
fn live_list_at(endpoint: &Endpoint, path: &str, timeout_seconds: u64) -> Option<WireTaskList> {
    live_json(endpoint, path, timeout_seconds)
}

/// A JSON answer of the running agent's API at `path`, if it answers within `timeout_seconds`.
fn live_json<T: serde::de::DeserializeOwned>(
    endpoint: &Endpoint,
    path: &str,
    timeout_seconds: u64,
) -> Option<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async move {
        let response = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(timeout_seconds))
            .build()
            .ok()?
            .get(format!("{}{path}", endpoint.url))
            .bearer_auth(&endpoint.token)
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json::<T>().await.ok()
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
