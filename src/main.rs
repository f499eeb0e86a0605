//! The `agentbar` binary: parses the command line, sets up logging, calls into the library and
//! maps the outcome to an exit code in one place.

use anyhow::Context;
use clap::Parser;
use std::process::ExitCode;

use agentbar::app::{self, Upstream};
use agentbar::cli::{Cli, Command, StatusFormat};
use agentbar::config::Config;
use agentbar::github::Token;
use agentbar::report;
use agentbar::sim::{Scenario, SimOptions, Simulator};
use agentbar::store::SnapshotStore;

/// Exit codes: 0 success, 1 a failure while running, 2 bad usage or configuration, 3 no data.
fn main() -> ExitCode {
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
        Some(Command::Status(args)) => {
            let Some((snapshot, source)) = saved_snapshot(&config) else {
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
            let Some((snapshot, _)) = saved_snapshot(&config) else {
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

fn run_app(config: Config, upstream: Upstream, headless: bool) -> anyhow::Result<ExitCode> {
    if headless {
        agentbar::tray::run_headless(config, upstream)?;
    } else {
        // Falls back to headless by itself where no tray can exist.
        agentbar::tray::run(config, upstream)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the latest snapshot for `status`/`tasks`, saying plainly when there is none.
fn saved_snapshot(config: &Config) -> Option<(agentbar::model::Snapshot, String)> {
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
