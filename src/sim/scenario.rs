//! Scenarios: the scripted tasks the simulator plays back over sim time, and their file format.
//!
//! # File format
//!
//! A scenario is a TOML or JSON file (chosen by extension, `.toml` or `.json`) with one serde
//! model. All times are seconds relative to the scenario epoch (`SimOptions::epoch`); negative
//! values lie in the past, so a scenario can start with history.
//!
//! ```toml
//! cycle_seconds = 360            # optional: tasks with `repeats = true` start again every 360 s
//! keep_cycles = 10               # optional, with cycle_seconds: replays more than 10 cycles old
//!                                # are deleted from the account (absent: kept for ever)
//!
//! copilot_integration_ids = ["my-integration"]  # optional: more `Copilot-Integration-Id`s the
//!                                # Copilot API accepts besides copilot-4-cli and copilot-raycast
//!
//! repositories_without_agent = ["acme/legacy"]  # optional: starting a task there answers 422
//! can_start_tasks = true         # optional: false answers 403 to every start (a plan without it)
//!
//! [[models]]                     # optional: what `GET <CAPI>/agents/swe/models` lists (a
//! id = "gpt-5"                   # built-in list when absent)
//! name = "GPT-5"
//! vendor = "OpenAI"              # optional
//! multiplier = 1.0               # optional: premium requests per use
//! picker = true                  # optional: false marks it `model_picker_enabled: false`
//!
//! [[custom_agents]]              # optional: `GET <CAPI>/agents/swe/custom-agents/{owner}/{repo}`
//! repository = "acme/docs-site"  # lists these for their repository, and answers 404 for a
//! name = "docs-writer"           # repository with none
//! display_name = "Docs writer"
//! description = "Writes and translates documentation."
//!
//! [viewer]                       # optional: the signed-in user
//! login = "sim-user"
//! id = 583231
//!
//! [[users]]                      # optional: other accounts (teammates) that create tasks
//! login = "mona-dev"
//! id = 1024025
//!
//! [[tasks]]
//! id = "6d1c1f7e-0000-4000-8000-000000000001"   # optional: derived from the position if absent
//! repository = "octo-org/web-app"               # owner/name
//! thin_repository = false        # kept for older files: the task API names every repository by id
//! private_repository = false
//! name = "Fix the login redirect loop"          # optional (the API may send null)
//! creator = "mona-dev"           # optional: a login from `users`; the viewer when absent
//! custom_agent = "docs-writer"   # optional: the custom agent the task runs
//! branch_only = false            # true: started without a pull request; a `branch` artifact
//! archived = false
//! repeats = false                # with `cycle_seconds`: replay this task every cycle with fresh ids
//! head_ref = "copilot/fix-login" # optional: the branch the agent works on (named after the task)
//! base_ref = "main"              # optional: the branch the work started from
//!
//! [tasks.pull_request]           # optional; exists once the first session starts working
//! number = 101
//! title = "Fix the login redirect loop"
//! draft = true
//! global_id = false              # true: the task's `pull` artifact carries the PR's node id
//! deleted = false                # true: its GraphQL node resolves to null with a NOT_FOUND error
//! state = "OPEN"                 # OPEN, CLOSED or MERGED
//!
//! [[tasks.sessions]]             # the first run, then follow-ups, in start order
//! prompt = "Users bounce between /login and /home after signing in."
//! log = "feature"                # log script: feature, bugfix, docs, failing, refactor, quick, windows
//! model = "claude-sonnet-4"      # optional
//! premium_requests = 1.0         # optional
//! steps = [
//!   { at = -20, state = "queued" },
//!   { at = -10, state = "in_progress" },
//!   { at = 150, state = "completed" },
//! ]
//! # a step may carry an error: `error = "text"` or `error = { code = "...", message = "..." }`
//! ```
//!
//! States are free strings so that unknown upstream states can be simulated; the known ones are
//! `queued`, `in_progress`, `completed`, `failed`, `idle`, `waiting_for_user`, `timed_out` and
//! `cancelled` (and `stopped`, undocumented but seen). A task exists once its first session's first step is reached; its state is that
//! of its newest started session.

use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// States after which a session does not change any more (unless the scenario says otherwise).
pub(crate) const TERMINAL_STATES: [&str; 5] =
    ["completed", "failed", "timed_out", "cancelled", "stopped"];

/// The log scripts a session may name; any other name falls back to `feature`.
pub const LOG_SCRIPTS: [&str; 7] = [
    "feature", "bugfix", "docs", "failing", "refactor", "quick", "windows",
];

/// Everything the simulator plays back: the viewer and the tasks with their timelines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub viewer: Viewer,
    /// Other accounts that create tasks (teammates in an organization's repositories).
    #[serde(default)]
    pub users: Vec<Viewer>,
    /// `Copilot-Integration-Id` values the Copilot API accepts besides the known ones.
    #[serde(default)]
    pub copilot_integration_ids: Vec<String>,
    /// Period after which tasks marked `repeats` start again with fresh ids.
    #[serde(default)]
    pub cycle_seconds: Option<f64>,
    /// With `cycle_seconds`: occurrences that started more than this many cycles before the
    /// current one are deleted from the simulated account, as a user clears out old work. Keeps
    /// a long-running demo (and the simulator's own cost) from growing without end.
    #[serde(default)]
    pub keep_cycles: Option<u32>,
    #[serde(default)]
    pub tasks: Vec<TaskSpec>,
    /// Repositories (`owner/name`) where the cloud agent is not enabled: starting a task there
    /// is refused with 422.
    #[serde(default)]
    pub repositories_without_agent: Vec<String>,
    /// Whether the viewer's plan lets them start tasks (Copilot Business and Enterprise); when
    /// false, starting one is refused with 403.
    #[serde(default = "plan_allows_tasks")]
    pub can_start_tasks: bool,
    /// The models the cloud agent offers.
    #[serde(default = "builtin_models")]
    pub models: Vec<ModelSpec>,
    /// The custom agents of each repository.
    #[serde(default)]
    pub custom_agents: Vec<CustomAgentSpec>,
}

/// A model of `GET <CAPI>/agents/swe/models`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub multiplier: Option<f64>,
    /// Whether a model picker should offer it (`model_picker_enabled`).
    #[serde(default = "offered_in_pickers")]
    pub picker: bool,
}

/// A custom agent of one repository, as `GET <CAPI>/agents/swe/custom-agents/{owner}/{repo}`
/// lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomAgentSpec {
    /// `owner/name`.
    pub repository: String,
    /// The agent file's name without extension: what a start's `custom_agent` takes.
    pub name: String,
    pub display_name: String,
    #[serde(default)]
    pub description: String,
}

fn offered_in_pickers() -> bool {
    true
}

/// The models a scenario offers unless it lists its own; one is kept out of pickers.
pub fn builtin_models() -> Vec<ModelSpec> {
    let model = |id: &str, name: &str, vendor: &str, multiplier: f64, picker: bool| ModelSpec {
        id: id.to_owned(),
        name: name.to_owned(),
        vendor: Some(vendor.to_owned()),
        multiplier: Some(multiplier),
        picker,
    };
    vec![
        model("claude-sonnet-4", "Claude Sonnet 4", "Anthropic", 1.0, true),
        model("gpt-5", "GPT-5", "OpenAI", 1.0, true),
        model(
            "claude-opus-4.1",
            "Claude Opus 4.1",
            "Anthropic",
            10.0,
            true,
        ),
        model(
            "gpt-4.1-internal",
            "GPT-4.1 (internal)",
            "OpenAI",
            0.0,
            false,
        ),
    ]
}

fn plan_allows_tasks() -> bool {
    true
}

/// A user account: the signed-in user the simulator answers `GET /user` and GraphQL `viewer`
/// with, or another account listed in `users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Viewer {
    pub login: String,
    pub id: u64,
}

impl Default for Viewer {
    fn default() -> Self {
        Viewer {
            login: "sim-user".to_owned(),
            id: 583_231,
        }
    }
}

/// One agent task as scripted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    #[serde(default)]
    pub id: Option<String>,
    /// `owner/name`.
    pub repository: String,
    #[serde(default)]
    pub thin_repository: bool,
    #[serde(default)]
    pub private_repository: bool,
    #[serde(default)]
    pub name: Option<String>,
    /// The login of the account that created the task (from `users`); the viewer when absent.
    #[serde(default)]
    pub creator: Option<String>,
    #[serde(default)]
    pub custom_agent: Option<String>,
    /// Started with `create_pull_request: false`: the agent works on a branch, no PR.
    #[serde(default)]
    pub branch_only: bool,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub repeats: bool,
    #[serde(default)]
    pub pull_request: Option<PullRequestSpec>,
    /// The branch the agent works on; named after the task when absent.
    #[serde(default)]
    pub head_ref: Option<String>,
    /// The branch the work started from; `main` when absent.
    #[serde(default)]
    pub base_ref: Option<String>,
    pub sessions: Vec<SessionSpec>,
}

/// The pull request a task works on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequestSpec {
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub state: PullRequestState,
    /// Whether the REST artifact carries `global_id` (the documented examples omit it).
    #[serde(default)]
    pub global_id: bool,
}

/// GraphQL `PullRequestState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PullRequestState {
    #[default]
    Open,
    Closed,
    Merged,
}

/// One agent session (a run of the agent) as a timeline of steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSpec {
    #[serde(default)]
    pub prompt: Option<String>,
    #[serde(default = "default_log_script")]
    pub log: String,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub premium_requests: Option<f64>,
    pub steps: Vec<StepSpec>,
}

fn default_log_script() -> String {
    "feature".to_owned()
}

/// The session enters `state` at `at` seconds from the scenario epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub at: f64,
    pub state: String,
    #[serde(default)]
    pub error: Option<StepError>,
}

/// A session error in either of the two shapes CAPI sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StepError {
    Detailed { code: String, message: String },
    Plain(String),
}

/// Why a scenario file could not be used; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("scenario file {path} is not valid TOML for a scenario: {source}")]
    Toml {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("scenario file {path} is not valid JSON for a scenario: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("scenario file {path} must end in .toml or .json")]
    UnknownExtension { path: PathBuf },
    #[error("scenario file {path}: {problem}")]
    Invalid { path: PathBuf, problem: String },
}

impl Scenario {
    /// Loads a `.toml` or `.json` scenario and checks that its timelines make sense.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.to_owned(),
            source,
        })?;
        let scenario: Scenario = match extension.as_deref() {
            Some("toml") => toml::from_str(&text).map_err(|source| ScenarioError::Toml {
                path: path.to_owned(),
                source,
            })?,
            Some("json") => serde_json::from_str(&text).map_err(|source| ScenarioError::Json {
                path: path.to_owned(),
                source,
            })?,
            _ => {
                return Err(ScenarioError::UnknownExtension {
                    path: path.to_owned(),
                });
            }
        };
        scenario.check().map_err(|problem| ScenarioError::Invalid {
            path: path.to_owned(),
            problem,
        })?;
        Ok(scenario)
    }

    /// Describes the first thing that makes this scenario unplayable.
    pub fn check(&self) -> Result<(), String> {
        if let Some(cycle) = self.cycle_seconds
            && !(cycle.is_finite() && cycle > 0.0)
        {
            return Err(format!("cycle_seconds must be positive, not {cycle}"));
        }
        let mut ids = std::collections::HashSet::new();
        for (index, task) in self.tasks.iter().enumerate() {
            let label = format!("task {} ({})", index + 1, task.repository);
            let parts: Vec<&str> = task.repository.split('/').collect();
            if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
                return Err(format!(
                    "{label}: repository must look like owner/name, not {:?}",
                    task.repository
                ));
            }
            if let Some(id) = &task.id
                && !ids.insert(id.clone())
            {
                return Err(format!("{label}: task id {id:?} is used twice"));
            }
            if task.sessions.is_empty() {
                return Err(format!("{label}: needs at least one session"));
            }
            if let Some(creator) = &task.creator
                && *creator != self.viewer.login
                && !self.users.iter().any(|u| u.login == *creator)
            {
                return Err(format!(
                    "{label}: creator {creator:?} is neither the viewer nor one of `users`"
                ));
            }
            if task.branch_only && task.pull_request.is_some() {
                return Err(format!(
                    "{label}: a branch_only task cannot have a pull_request"
                ));
            }
            let mut previous_start = f64::NEG_INFINITY;
            for (number, session) in task.sessions.iter().enumerate() {
                let label = format!("{label}, session {}", number + 1);
                let Some(first) = session.steps.first() else {
                    return Err(format!("{label}: needs at least one step"));
                };
                if first.at < previous_start {
                    return Err(format!(
                        "{label}: starts before the session it follows (sessions are listed in start order)"
                    ));
                }
                previous_start = first.at;
                let mut previous_at = f64::NEG_INFINITY;
                for step in &session.steps {
                    if !step.at.is_finite() {
                        return Err(format!("{label}: step time must be a number"));
                    }
                    if step.at < previous_at {
                        return Err(format!(
                            "{label}: steps must be in time order ({} comes after {previous_at})",
                            step.at
                        ));
                    }
                    previous_at = step.at;
                    if step.state.trim().is_empty() {
                        return Err(format!("{label}: a step at {} has an empty state", step.at));
                    }
                }
            }
        }
        Ok(())
    }

    /// This scenario played `speed` times as fast on a clock that keeps wall time: every time
    /// from the epoch on (and the cycle) is divided by `speed`, while history before the epoch
    /// stays as written. Speed compresses the scenario's waits; it never moves "now", so a
    /// demo at `--speed 4` dates nothing in the future.
    pub fn compressed(mut self, speed: f64) -> Scenario {
        if !speed.is_finite() || speed <= 0.0 || speed == 1.0 {
            return self;
        }
        self.cycle_seconds = self.cycle_seconds.map(|cycle| cycle / speed);
        let steps = self
            .tasks
            .iter_mut()
            .flat_map(|task| task.sessions.iter_mut())
            .flat_map(|session| session.steps.iter_mut());
        for step in steps {
            if step.at > 0.0 {
                step.at /= speed;
            }
        }
        self
    }

    /// The demo: a six-minute cycle across five repositories that repeats with fresh ids,
    /// on top of a few finished tasks from hours and days before.
    pub fn builtin() -> Scenario {
        const TEAMMATE: &str = "mona-dev";
        const HOUR: f64 = 3600.0;
        const DAY: f64 = 24.0 * HOUR;
        let tasks = vec![
            // Running at start, finishes ready for review at 150 s.
            task("octo-org/web-app", "Fix the login redirect loop")
                .id("b1a7c0de-0001-4000-8000-00000000a001")
                .pull(101, "Fix the login redirect loop", true)
                .global_id()
                .session(
                    "feature",
                    "Users bounce between /login and /home after signing in; fix the redirect.",
                    &[(-20.0, "queued"), (-10.0, "in_progress"), (150.0, "completed")],
                )
                .repeats(),
            // Waiting for the user at start, resumes at 70 s, completes at 200 s.
            task("octo-org/api-server", "Add rate limiting middleware")
                .id("b1a7c0de-0002-4000-8000-00000000a002")
                .pull(57, "Add token-bucket rate limiting middleware", true)
                .session(
                    "bugfix",
                    "Add per-client rate limiting to the public API.",
                    &[
                        (-60.0, "queued"),
                        (-50.0, "in_progress"),
                        (-5.0, "waiting_for_user"),
                        (70.0, "in_progress"),
                        (200.0, "completed"),
                    ],
                )
                .repeats(),
            // Finished minutes before the start; a follow-up session runs from 30 s to 120 s.
            task("acme/docs-site", "Document the deploy process")
                .id("b1a7c0de-0003-4000-8000-00000000a003")
                .pull(12, "Document the deploy process", false)
                .global_id()
                .custom_agent("docs-writer")
                .session(
                    "docs",
                    "Write a DEPLOY.md that explains how we release.",
                    &[(-300.0, "queued"), (-290.0, "in_progress"), (-200.0, "completed")],
                )
                .session(
                    "quick",
                    "@copilot also mention the rollback command.",
                    &[(30.0, "queued"), (40.0, "in_progress"), (120.0, "completed")],
                )
                .repeats(),
            // Starts at 10 s and fails at 140 s with an error object.
            task("acme/mobile-app", "Upgrade to React Native 0.76")
                .id("b1a7c0de-0004-4000-8000-00000000a004")
                .pull(230, "Upgrade to React Native 0.76", true)
                .session_with_error(
                    "failing",
                    "Upgrade React Native and fix what breaks.",
                    &[(10.0, "queued"), (20.0, "in_progress"), (140.0, "failed")],
                    StepError::Detailed {
                        code: "setup_failed".to_owned(),
                        message: "The Android build failed: Gradle could not resolve com.facebook.react:react-android:0.76.0".to_owned(),
                    },
                )
                .repeats(),
            // Thin repository whose PR tells the name; goes idle at 100 s, completes at 330 s.
            task("sim-user/dotfiles", "Tidy up shell aliases")
                .id("b1a7c0de-0005-4000-8000-00000000a005")
                .thin()
                .private()
                .pull(7, "Tidy up shell aliases", true)
                .global_id()
                .session(
                    "refactor",
                    "Group my aliases by topic and remove dead ones.",
                    &[
                        (45.0, "queued"),
                        (55.0, "in_progress"),
                        (100.0, "idle"),
                        (300.0, "in_progress"),
                        (330.0, "completed"),
                    ],
                )
                .repeats(),
            // A teammate's task on a Windows runner; times out at 260 s with a plain-string error.
            task("octo-org/api-server", "Move CI to a build matrix")
                .id("b1a7c0de-0006-4000-8000-00000000a006")
                .creator(TEAMMATE)
                .pull(58, "Move CI to a build matrix", true)
                .session_with_error(
                    "windows",
                    "Run the test suite on three Node versions in CI.",
                    &[(60.0, "queued"), (75.0, "in_progress"), (260.0, "timed_out")],
                    StepError::Plain("The agent session exceeded its time limit.".to_owned()),
                )
                .repeats(),
            // Cancelled at 200 s (as if by the user on github.com).
            task("octo-org/web-app", "Refactor the settings page")
                .id("b1a7c0de-0007-4000-8000-00000000a007")
                .pull(102, "Refactor the settings page", true)
                .session(
                    "refactor",
                    "Split the settings page into smaller components.",
                    &[(90.0, "queued"), (100.0, "in_progress"), (200.0, "cancelled")],
                )
                .repeats(),
            // Starts at 180 s, waits for the user 250..290 s, completes at 350 s.
            task("acme/docs-site", "Add a dark mode toggle")
                .id("b1a7c0de-0008-4000-8000-00000000a008")
                .pull(13, "Add a dark mode toggle", true)
                .session(
                    "feature",
                    "Add a dark mode toggle to the header.",
                    &[
                        (180.0, "queued"),
                        (190.0, "in_progress"),
                        (250.0, "waiting_for_user"),
                        (290.0, "in_progress"),
                        (350.0, "completed"),
                    ],
                )
                .repeats(),
            // History: finished hours and days ago.
            task("octo-org/web-app", "Bump dependencies")
                .id("b1a7c0de-0101-4000-8000-00000000b001")
                .pull(95, "Bump dependencies", false)
                .global_id()
                .merged()
                .session(
                    "quick",
                    "Bump all dependencies to their latest minor versions.",
                    &[(-5.0 * HOUR - 600.0, "queued"), (-5.0 * HOUR - 580.0, "in_progress"), (-5.0 * HOUR, "completed")],
                ),
            task("acme/mobile-app", "Experiment: offline mode")
                .id("b1a7c0de-0102-4000-8000-00000000b002")
                .thin()
                .pull(211, "Experiment: offline mode", true)
                .deleted()
                .session(
                    "feature",
                    "Prototype an offline mode with a local cache.",
                    &[(-2.0 * HOUR - 900.0, "queued"), (-2.0 * HOUR - 880.0, "in_progress"), (-2.0 * HOUR, "completed")],
                ),
            task("octo-org/api-server", "Fix the flaky auth test")
                .id("b1a7c0de-0103-4000-8000-00000000b003")
                .pull(51, "Fix the flaky auth test", true)
                .closed()
                .session_with_error(
                    "failing",
                    "The auth test fails one run in ten; find out why.",
                    &[(-20.0 * HOUR - 700.0, "queued"), (-20.0 * HOUR - 690.0, "in_progress"), (-20.0 * HOUR, "failed")],
                    StepError::Detailed {
                        code: "agent_error".to_owned(),
                        message: "The agent stopped after repeated test failures.".to_owned(),
                    },
                ),
            // Started without a pull request: the agent worked on a branch.
            task("octo-org/api-server", "Add an OpenAPI spec")
                .id("b1a7c0de-0104-4000-8000-00000000b004")
                .branch_only()
                .session(
                    "docs",
                    "Generate an OpenAPI spec from the routes.",
                    &[(-30.0 * HOUR - 300.0, "queued"), (-30.0 * HOUR - 290.0, "in_progress"), (-30.0 * HOUR, "cancelled")],
                ),
            task("acme/docs-site", "Write CONTRIBUTING.md")
                .id("b1a7c0de-0105-4000-8000-00000000b005")
                .pull(9, "Write CONTRIBUTING.md", false)
                .global_id()
                .merged()
                .session(
                    "docs",
                    "Write a CONTRIBUTING.md.",
                    &[(-3.0 * DAY - 900.0, "queued"), (-3.0 * DAY - 880.0, "in_progress"), (-3.0 * DAY, "completed")],
                ),
            task("sim-user/dotfiles", "Install script for new machines")
                .id("b1a7c0de-0106-4000-8000-00000000b006")
                .private()
                .archived()
                .pull(3, "Install script for new machines", false)
                .merged()
                .session(
                    "quick",
                    "Write an install.sh that links the dotfiles.",
                    &[(-5.0 * DAY - 400.0, "queued"), (-5.0 * DAY - 390.0, "in_progress"), (-5.0 * DAY, "completed")],
                ),
            task("octo-org/design-system", "Add a Tooltip component")
                .id("b1a7c0de-0107-4000-8000-00000000b007")
                .creator(TEAMMATE)
                .custom_agent("ui-reviewer")
                .pull(44, "Add a Tooltip component", false)
                .session(
                    "feature",
                    "Add an accessible Tooltip component.",
                    &[(-9.0 * HOUR - 800.0, "queued"), (-9.0 * HOUR - 790.0, "in_progress"), (-9.0 * HOUR, "completed")],
                ),
            // Stopped (a state the API does not document), on a branch, by a teammate.
            task("octo-org/api-server", "Speed up the test suite")
                .id("b1a7c0de-0110-4000-8000-00000000b010")
                .creator(TEAMMATE)
                .branch_only()
                .session(
                    "bugfix",
                    "The test suite takes 20 minutes; make it faster.",
                    &[(-40.0 * HOUR - 600.0, "queued"), (-40.0 * HOUR - 590.0, "in_progress"), (-40.0 * HOUR, "stopped")],
                ),
            // From before AI credits (2026-06-01): its sessions report premium requests.
            task("octo-org/web-app", "Migrate to the ESLint flat config")
                .id("b1a7c0de-0108-4000-8000-00000000b008")
                .pull(61, "Migrate to the ESLint flat config", false)
                .global_id()
                .merged()
                .session(
                    "quick",
                    "Move our ESLint setup to the flat config format.",
                    &[(-200.0 * DAY - 900.0, "queued"), (-200.0 * DAY - 880.0, "in_progress"), (-200.0 * DAY, "completed")],
                )
                .session(
                    "quick",
                    "@copilot keep the old ignore patterns.",
                    &[(-200.0 * DAY + 600.0, "queued"), (-200.0 * DAY + 610.0, "in_progress"), (-200.0 * DAY + 900.0, "completed")],
                ),
            // Archived long ago, and never named.
            task("acme/mobile-app", "")
                .id("b1a7c0de-0109-4000-8000-00000000b009")
                .unnamed()
                .archived()
                .pull(150, "Add crash reporting", false)
                .closed()
                .session(
                    "feature",
                    "Add crash reporting to the app.",
                    &[(-190.0 * DAY - 900.0, "queued"), (-190.0 * DAY - 880.0, "in_progress"), (-190.0 * DAY, "completed")],
                ),
            // With the tasks above, every upstream state is present at start-up: queued, idle,
            // timed out and one this client cannot know (kept verbatim) are these four. None
            // changes bucket before 340 s, so the first cycle's notifications stay as they are.
            // In a repository no other task names (no pull request yet): its name is asked of
            // `GET /repositories/{id}`.
            task("octo-org/design-tokens", "Add a DatePicker component")
                .id("b1a7c0de-0112-4000-8000-00000000b012")
                .session(
                    "feature",
                    "Add an accessible DatePicker component.",
                    &[(-15.0, "queued"), (25.0, "in_progress"), (340.0, "completed")],
                ),
            task("acme/mobile-app", "Tighten the content security policy")
                .id("b1a7c0de-0113-4000-8000-00000000b013")
                .pull(231, "Tighten the content security policy", true)
                .session(
                    "refactor",
                    "Drop unsafe-inline from the CSP and fix what breaks.",
                    &[(-2.0 * HOUR - 600.0, "queued"), (-2.0 * HOUR - 590.0, "in_progress"), (-40.0 * 60.0, "idle")],
                ),
            task("octo-org/web-app", "Migrate the e2e tests to Playwright")
                .id("b1a7c0de-0114-4000-8000-00000000b014")
                .pull(96, "Migrate the e2e tests to Playwright", true)
                .session_with_error(
                    "refactor",
                    "Port the Cypress suite to Playwright.",
                    &[(-7.0 * HOUR - 900.0, "queued"), (-7.0 * HOUR - 890.0, "in_progress"), (-6.0 * HOUR, "timed_out")],
                    StepError::Plain("The agent session exceeded its time limit.".to_owned()),
                ),
            task("acme/docs-site", "Translate the install guide")
                .id("b1a7c0de-0115-4000-8000-00000000b015")
                .session(
                    "docs",
                    "Translate docs/install.md into German.",
                    &[(-12.0 * HOUR - 300.0, "queued"), (-12.0 * HOUR - 290.0, "in_progress"), (-11.0 * HOUR, "awaiting_review")],
                ),
        ];
        Scenario {
            viewer: Viewer::default(),
            users: vec![Viewer {
                login: TEAMMATE.to_owned(),
                id: 1_024_025,
            }],
            copilot_integration_ids: Vec::new(),
            cycle_seconds: Some(360.0),
            // An hour of replays: enough history for the dropdown's Recent section, and a demo
            // left running for days stays the same size.
            keep_cycles: Some(10),
            tasks: tasks.into_iter().map(|b| b.spec).collect(),
            repositories_without_agent: Vec::new(),
            can_start_tasks: true,
            models: builtin_models(),
            custom_agents: vec![
                CustomAgentSpec {
                    repository: "octo-org/web-app".to_owned(),
                    name: "test-writer".to_owned(),
                    display_name: "Test writer".to_owned(),
                    description: "Writes the missing tests first, then the fix.".to_owned(),
                },
                CustomAgentSpec {
                    repository: "octo-org/web-app".to_owned(),
                    name: "accessibility-reviewer".to_owned(),
                    display_name: "Accessibility reviewer".to_owned(),
                    description: "Checks pages against WCAG 2.2 and fixes what fails.".to_owned(),
                },
                CustomAgentSpec {
                    repository: "acme/docs-site".to_owned(),
                    name: "docs-writer".to_owned(),
                    display_name: "Docs writer".to_owned(),
                    description: "Writes and translates documentation.".to_owned(),
                },
            ],
        }
    }

    /// `count` tasks over the last 30 days, every 20th of them still active, for paging tests
    /// and benchmarks. The same seed gives the same scenario.
    pub fn bulk(count: usize, seed: u64) -> Scenario {
        const REPOSITORIES: [&str; 8] = [
            "bulk-org/alpha",
            "bulk-org/beta",
            "bulk-org/gamma",
            "bulk-org/delta",
            "other-org/service",
            "other-org/frontend",
            "sim-user/notes",
            "sim-user/scripts",
        ];
        const FINAL_STATES: [&str; 5] =
            ["completed", "completed", "completed", "failed", "cancelled"];
        const ACTIVE_STATES: [&str; 3] = ["in_progress", "waiting_for_user", "queued"];
        const SCRIPTS: [&str; 4] = ["feature", "bugfix", "docs", "quick"];
        let mut rng = StdRng::seed_from_u64(seed);
        let mut numbers = std::collections::HashMap::new();
        let tasks = (0..count)
            .map(|index| {
                let repository = REPOSITORIES[rng.random_range(0..REPOSITORIES.len())];
                let number = numbers.entry(repository).or_insert(0u64);
                *number += 1;
                let title = format!("Bulk task {} in {repository}", index + 1);
                let steps = if index % 20 == 0 {
                    let start = -rng.random_range(30.0..3000.0_f64).round();
                    vec![
                        (start, "queued"),
                        (
                            start + 10.0,
                            ACTIVE_STATES[rng.random_range(0..ACTIVE_STATES.len())],
                        ),
                        (start + 100_000.0, "completed"),
                    ]
                } else {
                    let end = -rng.random_range(3600.0..30.0 * 86_400.0_f64).round();
                    let duration = rng.random_range(120.0..3000.0_f64).round();
                    vec![
                        (end - duration, "queued"),
                        (end - duration + 15.0, "in_progress"),
                        (end, FINAL_STATES[rng.random_range(0..FINAL_STATES.len())]),
                    ]
                };
                let script = SCRIPTS[rng.random_range(0..SCRIPTS.len())];
                let mut builder = task(repository, &title)
                    .pull(*number, &title, rng.random_bool(0.5))
                    .session(script, &title, &steps);
                if rng.random_bool(0.5) {
                    builder = builder.global_id();
                }
                if rng.random_bool(0.05) {
                    builder = builder.archived();
                }
                builder.spec
            })
            .collect();
        Scenario {
            viewer: Viewer::default(),
            users: Vec::new(),
            copilot_integration_ids: Vec::new(),
            cycle_seconds: None,
            keep_cycles: None,
            tasks,
            repositories_without_agent: Vec::new(),
            can_start_tasks: true,
            models: builtin_models(),
            custom_agents: Vec::new(),
        }
    }
}

/// Builds `TaskSpec`s tersely for the scenarios written in code.
struct TaskBuilder {
    spec: TaskSpec,
}

fn task(repository: &str, name: &str) -> TaskBuilder {
    TaskBuilder {
        spec: TaskSpec {
            id: None,
            repository: repository.to_owned(),
            thin_repository: false,
            private_repository: false,
            name: Some(name.to_owned()),
            creator: None,
            custom_agent: None,
            branch_only: false,
            archived: false,
            repeats: false,
            pull_request: None,
            head_ref: None,
            base_ref: None,
            sessions: Vec::new(),
        },
    }
}

impl TaskBuilder {
    fn id(mut self, id: &str) -> Self {
        self.spec.id = Some(id.to_owned());
        self
    }
    fn thin(mut self) -> Self {
        self.spec.thin_repository = true;
        self
    }
    fn private(mut self) -> Self {
        self.spec.private_repository = true;
        self
    }
    fn archived(mut self) -> Self {
        self.spec.archived = true;
        self
    }
    fn repeats(mut self) -> Self {
        self.spec.repeats = true;
        self
    }
    fn pull(mut self, number: u64, title: &str, draft: bool) -> Self {
        self.spec.pull_request = Some(PullRequestSpec {
            number,
            title: title.to_owned(),
            draft,
            deleted: false,
            state: PullRequestState::Open,
            global_id: false,
        });
        self
    }
    fn global_id(self) -> Self {
        self.with_pull(|p| p.global_id = true)
    }
    fn creator(mut self, login: &str) -> Self {
        self.spec.creator = Some(login.to_owned());
        self
    }
    fn custom_agent(mut self, name: &str) -> Self {
        self.spec.custom_agent = Some(name.to_owned());
        self
    }
    fn branch_only(mut self) -> Self {
        self.spec.branch_only = true;
        self
    }
    fn unnamed(mut self) -> Self {
        self.spec.name = None;
        self
    }
    fn with_pull(mut self, change: impl FnOnce(&mut PullRequestSpec)) -> Self {
        if let Some(pull) = self.spec.pull_request.as_mut() {
            change(pull);
        }
        self
    }
    fn deleted(self) -> Self {
        self.with_pull(|p| p.deleted = true)
    }
    fn merged(self) -> Self {
        self.with_pull(|p| p.state = PullRequestState::Merged)
    }
    fn closed(self) -> Self {
        self.with_pull(|p| p.state = PullRequestState::Closed)
    }
    fn session(mut self, log: &str, prompt: &str, steps: &[(f64, &str)]) -> Self {
        let premium_requests = if self.spec.sessions.is_empty() {
            1.0
        } else {
            0.5
        };
        self.spec.sessions.push(SessionSpec {
            prompt: Some(prompt.to_owned()),
            log: log.to_owned(),
            model: Some("claude-sonnet-4".to_owned()),
            premium_requests: Some(premium_requests),
            steps: steps
                .iter()
                .map(|(at, state)| StepSpec {
                    at: *at,
                    state: (*state).to_owned(),
                    error: None,
                })
                .collect(),
        });
        self
    }
    /// Like `session`, with `error` on the last step.
    fn session_with_error(
        self,
        log: &str,
        prompt: &str,
        steps: &[(f64, &str)],
        error: StepError,
    ) -> Self {
        let mut builder = self.session(log, prompt, steps);
        if let Some(last) = builder
            .spec
            .sessions
            .last_mut()
            .and_then(|s| s.steps.last_mut())
        {
            last.error = Some(error);
        }
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sim/scenarios/example.toml")
    }

    #[test]
    fn compression_shortens_waits_and_cycles_but_not_history() {
        let builtin = Scenario::builtin();
        let fast = builtin.clone().compressed(4.0);
        assert_eq!(fast.cycle_seconds, builtin.cycle_seconds.map(|c| c / 4.0));
        let steps = |s: &Scenario| -> Vec<f64> {
            s.tasks
                .iter()
                .flat_map(|t| &t.sessions)
                .flat_map(|s| &s.steps)
                .map(|s| s.at)
                .collect()
        };
        for (was, now) in steps(&builtin).into_iter().zip(steps(&fast)) {
            let expected = if was > 0.0 { was / 4.0 } else { was };
            assert_eq!(now, expected);
        }
        assert!(fast.check().is_ok());
        assert_eq!(builtin.clone().compressed(1.0), builtin);
    }

    #[test]
    fn replays_of_a_repeating_task_never_share_a_title() {
        let scenario = Scenario::builtin();
        let cycle = scenario.cycle_seconds.unwrap();
        let world = super::super::world::world_at(
            &scenario,
            cycle * 5.5,
            &super::super::world::Cancellations::new(),
        );
        let mut titles: Vec<String> = world
            .tasks
            .iter()
            .filter(|t| t.archived_at.is_none())
            .map(|t| {
                t.pull
                    .as_ref()
                    .map(|p| p.title.clone())
                    .or_else(|| t.name.clone())
                    .unwrap_or_else(|| t.id.clone())
            })
            .collect();
        let count = titles.len();
        titles.sort();
        titles.dedup();
        assert_eq!(titles.len(), count, "{titles:?}");
        assert!(titles.iter().any(|t| t.ends_with("(run 6)")), "{titles:?}");
    }

    #[test]
    fn example_file_loads() {
        let scenario = Scenario::from_file(&example_path()).unwrap();
        assert!(!scenario.tasks.is_empty());
        assert!(scenario.tasks.iter().any(|t| t.thin_repository));
        assert!(scenario.tasks.iter().any(|t| t.branch_only));
        assert_eq!(scenario.users.len(), 1);
        scenario.check().unwrap();
    }

    #[test]
    fn json_and_toml_share_one_model() {
        let scenario = Scenario::from_file(&example_path()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let json_path = dir.path().join("same.json");
        std::fs::write(&json_path, serde_json::to_string(&scenario).unwrap()).unwrap();
        assert_eq!(Scenario::from_file(&json_path).unwrap(), scenario);
    }

    #[test]
    fn both_error_shapes_parse() {
        let scenario: Scenario = toml::from_str(
            r#"
            [[tasks]]
            repository = "a/b"
            [[tasks.sessions]]
            steps = [{ at = 0, state = "queued" }, { at = 5, state = "failed", error = "boom" }]
            [[tasks.sessions]]
            steps = [{ at = 9, state = "failed", error = { code = "x", message = "y" } }]
            "#,
        )
        .unwrap();
        let errors: Vec<_> = scenario.tasks[0]
            .sessions
            .iter()
            .map(|s| s.steps.last().unwrap().error.clone().unwrap())
            .collect();
        assert_eq!(errors[0], StepError::Plain("boom".into()));
        assert!(matches!(errors[1], StepError::Detailed { .. }));
    }

    #[test]
    fn bad_file_errors_name_the_file_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let bad_toml = dir.path().join("bad.toml");
        std::fs::write(&bad_toml, "[[tasks]]\nrepository = 5\n").unwrap();
        let message = Scenario::from_file(&bad_toml).unwrap_err().to_string();
        assert!(message.contains("bad.toml"), "{message}");
        assert!(message.contains("repository"), "{message}");

        let unordered = dir.path().join("unordered.json");
        std::fs::write(
            &unordered,
            r#"{"tasks":[{"repository":"a/b","sessions":[{"steps":[{"at":5,"state":"queued"},{"at":1,"state":"completed"}]}]}]}"#,
        )
        .unwrap();
        let message = Scenario::from_file(&unordered).unwrap_err().to_string();
        assert!(
            message.contains("unordered.json") && message.contains("time order"),
            "{message}"
        );

        let no_repo_owner = dir.path().join("x.toml");
        std::fs::write(&no_repo_owner, "[[tasks]]\nrepository = \"solo\"\n[[tasks.sessions]]\nsteps = [{ at = 0, state = \"queued\" }]\n").unwrap();
        let message = Scenario::from_file(&no_repo_owner).unwrap_err().to_string();
        assert!(message.contains("owner/name"), "{message}");

        let wrong_extension = dir.path().join("scenario.yaml");
        std::fs::write(&wrong_extension, "").unwrap();
        assert!(matches!(
            Scenario::from_file(&wrong_extension),
            Err(ScenarioError::UnknownExtension { .. })
        ));
        assert!(matches!(
            Scenario::from_file(&dir.path().join("missing.toml")),
            Err(ScenarioError::Read { .. })
        ));
    }

    #[test]
    fn unknown_creators_and_branch_tasks_with_pulls_are_refused() {
        let mut scenario = Scenario::builtin();
        scenario.tasks[0].creator = Some("nobody".into());
        assert!(scenario.check().unwrap_err().contains("nobody"));
        let mut scenario = Scenario::builtin();
        scenario.tasks[0].branch_only = true;
        assert!(scenario.check().unwrap_err().contains("branch_only"));
    }

    #[test]
    fn builtin_and_bulk_are_valid() {
        Scenario::builtin().check().unwrap();
        let bulk = Scenario::bulk(500, 7);
        bulk.check().unwrap();
        assert_eq!(bulk.tasks.len(), 500);
        assert_eq!(bulk, Scenario::bulk(500, 7));
    }
}
