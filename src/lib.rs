//! agentbar: keep an eye on AI coding agents from the menu bar.
//!
//! Crate map (details in ARCHITECTURE.md):
//! - [`core`]: commands and task actions, below every surface;
//! - [`sources`]: the `Source` trait every place tasks come from implements;
//! - [`model`]: tasks, sessions, states, buckets, snapshots, health (pure, no serde);
//! - [`diff`]: old × new snapshot → transitions;
//! - [`archive`]: agentbar's own archive of tasks put away (state dir), and the view without them;
//! - [`filter`]: the one task filter (agent, source, status, time, repository, text, archived);
//! - [`github`]: upstream DTOs, the HTTP client, normalisation, incremental sync;
//! - [`logs`]: session logs → structured events (titles, redaction, incremental follow);
//! - [`poller`]: adaptive interval and backoff, publishes the overview;
//! - [`store`]: the snapshot on disk, atomic and tolerant;
//! - [`wire`]: the versioned JSON shapes (API, `--json`, on-disk task records);
//! - [`server`]: the loopback JSON API (v1), its guard, cc.xml and the discovery file;
//! - [`config`], [`cli`], [`report`], [`app`]: configuration, command line, output, wiring;
//! - [`notify`]: transitions → desktop notifications (pure formatting, bursts, settings, ledger);
//! - [`open`]: the URL-opening seam (desktop and recording);
//! - [`start`]: starting a Copilot task and continuing one on its branch;
//! - [`sim`]: the GitHub simulator behind `agentbar demo` and the tests;
//! - [`tray`]: the menu-bar app (tao loop, pure menu model, icon drawn in code, platform split);
//! - [`allocator`]: the memory allocator's set-up at start (glibc: fixed mmap threshold, one arena).
pub mod allocator;
pub mod app;
pub mod archive;
pub mod auth;
pub mod choices;
pub mod cli;
pub mod config;
pub mod core;
pub mod diff;
pub mod filter;
pub mod github;
pub mod instance;
pub mod logs;
pub mod model;
pub mod notify;
pub mod open;
pub mod poller;
pub mod report;
pub mod server;
pub mod sim;
pub mod sources;
pub mod start;
pub mod store;
pub mod task_ref;
pub mod terminal;
pub mod tray;
pub mod wire;
