//! The world at one sim time: which tasks and sessions exist and in what state, as a pure
//! function of the scenario, the time and the cancellations made through the Actions API.

use std::collections::HashMap;

use super::node_id::pull_request_node_id;
use super::scenario::{PullRequestState, Scenario, StepError, TERMINAL_STATES, TaskSpec, Viewer};

/// Seconds from the scenario epoch.
pub(crate) type SimSeconds = f64;

/// Cancellations by workflow run id: the sim time at which each run was cancelled.
pub(crate) type Cancellations = HashMap<u64, SimSeconds>;

/// Every task that exists at one sim time, in scenario order.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub tasks: Vec<TaskNow>,
}

#[derive(Debug, Clone)]
pub(crate) struct TaskNow {
    pub id: String,
    pub repository: RepositoryNow,
    pub name: Option<String>,
    pub state: String,
    pub created_at: SimSeconds,
    pub updated_at: SimSeconds,
    pub archived_at: Option<SimSeconds>,
    /// The account that created the task: the viewer or a teammate.
    pub creator: Viewer,
    pub custom_agent: Option<String>,
    /// The branch the agent works on and the one it started from.
    pub head_ref: String,
    pub base_ref: String,
    /// Started without a pull request; the branch exists once the agent starts working.
    pub branch_only: bool,
    /// Whether the agent has started working (a PR or branch exists from then on).
    pub work_started: bool,
    pub pull: Option<PullNow>,
    /// The started sessions, oldest first.
    pub sessions: Vec<SessionNow>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RepositoryNow {
    pub id: u64,
    pub owner: String,
    pub owner_id: u64,
    pub name: String,
    /// Owned by a user account (the viewer or one of `users`) rather than an organization.
    pub owner_is_user: bool,
    pub private: bool,
}

impl RepositoryNow {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct PullNow {
    pub number: u64,
    pub title: String,
    pub draft: bool,
    pub deleted: bool,
    pub state: PullRequestState,
    pub database_id: u64,
    /// GitHub's node id, `PR_` + MessagePack of `[0, repository_id, database_id]`.
    pub node_id: String,
    /// Whether the REST artifact carries `global_id`.
    pub global_id_in_rest: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct SessionNow {
    pub id: String,
    pub state: String,
    pub created_at: SimSeconds,
    pub updated_at: SimSeconds,
    pub completed_at: Option<SimSeconds>,
    pub error: Option<StepError>,
    pub workflow_run_id: u64,
    pub log_script: String,
    pub prompt: String,
    pub model: String,
    pub premium_requests: f64,
    /// What the session cost in AI credits, in nano-credits (sessions since 2026-06-01).
    pub ai_credits_nanos: u64,
    /// The prompt of the task's first session (the first `role: user` line of every log).
    pub task_prompt: String,
    /// The scripted working period the log's chunks are spread over.
    pub work_started_at: SimSeconds,
    pub work_ends_at: SimSeconds,
    /// Sim time up to which the log has been written.
    pub log_written_until: SimSeconds,
    /// First session of a task (created by the task) or a follow-up (a PR comment).
    pub is_follow_up: bool,
}

impl SessionNow {
    pub fn is_terminal(&self) -> bool {
        TERMINAL_STATES.contains(&self.state.as_str())
    }
}

/// One occurrence of a scripted task: cycle 0 is the task as written, later cycles are replays
/// shifted by whole cycles with fresh ids.
struct Occurrence<'a> {
    spec: &'a TaskSpec,
    index: usize,
    cycle: u64,
    shift: SimSeconds,
}

fn occurrences(scenario: &Scenario, now: SimSeconds) -> Vec<Occurrence<'_>> {
    let mut found = Vec::new();
    for (index, spec) in scenario.tasks.iter().enumerate() {
        let Some(first_at) = spec
            .sessions
            .first()
            .and_then(|s| s.steps.first())
            .map(|s| s.at)
        else {
            continue;
        };
        match scenario.cycle_seconds {
            Some(cycle) if spec.repeats && cycle > 0.0 => {
                // Replays deleted for age (`keep_cycles`) are skipped without being built, so a
                // long run costs the same per request as a short one.
                let current = ((now - first_at) / cycle).floor().max(0.0) as u64;
                let mut number = scenario
                    .keep_cycles
                    .map_or(0, |keep| current.saturating_sub(u64::from(keep)));
                loop {
                    let shift = number as f64 * cycle;
                    if first_at + shift > now {
                        break;
                    }
                    // A replay starts during the demo; replaying scripted history before the
                    // epoch would make old copies of the task appear out of nowhere.
                    if number > 0 && first_at + shift < 0.0 {
                        number += 1;
                        continue;
                    }
                    found.push(Occurrence {
                        spec,
                        index,
                        cycle: number,
                        shift,
                    });
                    number += 1;
                }
            }
            _ => {
                if first_at <= now {
                    found.push(Occurrence {
                        spec,
                        index,
                        cycle: 0,
                        shift: 0.0,
                    });
                }
            }
        }
    }
    found
}

/// The repository a task spec names, with stable made-up ids.
pub(crate) fn repository_of(spec: &TaskSpec, scenario: &Scenario) -> RepositoryNow {
    let (owner, name) = spec
        .repository
        .split_once('/')
        .unwrap_or(("unknown", spec.repository.as_str()));
    let owner_user = std::iter::once(&scenario.viewer)
        .chain(&scenario.users)
        .find(|u| u.login == owner);
    let owner_id = owner_user.map_or_else(
        || 100_000 + stable_hash(&["owner", owner]) % 9_000_000,
        |u| u.id,
    );
    RepositoryNow {
        id: 700_000_000 + stable_hash(&["repository", &spec.repository]) % 100_000_000,
        owner: owner.to_owned(),
        owner_id,
        name: name.to_owned(),
        owner_is_user: owner_user.is_some(),
        private: spec.private_repository,
    }
}

/// Computes the world at `now`.
pub(crate) fn world_at(
    scenario: &Scenario,
    now: SimSeconds,
    cancellations: &Cancellations,
) -> World {
    let tasks = occurrences(scenario, now)
        .into_iter()
        .filter_map(|occurrence| task_at(scenario, &occurrence, now, cancellations))
        .collect();
    World { tasks }
}

/// `copilot/` and the first words of the title in lower-case kebab form.
fn branch_name(title: &str, cycle: u64) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(5)
        .map(str::to_ascii_lowercase)
        .collect();
    let slug = if words.is_empty() {
        "task".to_owned()
    } else {
        words.join("-")
    };
    match cycle {
        0 => format!("copilot/{slug}"),
        n => format!("copilot/{slug}-{}", n + 1),
    }
}

fn task_at(
    scenario: &Scenario,
    occurrence: &Occurrence<'_>,
    now: SimSeconds,
    cancellations: &Cancellations,
) -> Option<TaskNow> {
    let spec = occurrence.spec;
    let base_id = spec
        .id
        .clone()
        .unwrap_or_else(|| uuid_like(&["task", &occurrence.index.to_string()]));
    let id = if occurrence.cycle == 0 {
        base_id
    } else {
        uuid_like(&[&base_id, "cycle", &occurrence.cycle.to_string()])
    };
    let repository = repository_of(spec, scenario);

    let mut sessions = Vec::new();
    for (ordinal, session) in spec.sessions.iter().enumerate() {
        let shift = occurrence.shift;
        let steps: Vec<(SimSeconds, &str, Option<&StepError>)> = session
            .steps
            .iter()
            .map(|s| (s.at + shift, s.state.as_str(), s.error.as_ref()))
            .collect();
        let Some(&(created_at, _, _)) = steps.first() else {
            continue;
        };
        if created_at > now {
            continue;
        }
        let session_id = uuid_like(&[&id, "session", &ordinal.to_string()]);
        let workflow_run_id = 16_000_000_000 + stable_hash(&[&session_id, "run"]) % 1_000_000_000;
        let reached = steps.iter().rev().find(|(at, _, _)| *at <= now)?;
        let mut state = reached.1.to_owned();
        let mut updated_at = reached.0;
        let mut error = reached.2.cloned();
        let mut log_written_until = now;
        let mut completed_at = TERMINAL_STATES.contains(&reached.1).then_some(reached.0);

        if let Some(&cancelled_at) = cancellations.get(&workflow_run_id)
            && cancelled_at <= now
        {
            // The run only counts as cancelled if it was still going at that moment.
            let state_then = steps
                .iter()
                .rev()
                .find(|(at, _, _)| *at <= cancelled_at)
                .map(|s| s.1);
            if state_then.is_some_and(|s| !TERMINAL_STATES.contains(&s)) {
                state = "cancelled".to_owned();
                updated_at = cancelled_at;
                completed_at = Some(cancelled_at);
                error = None;
                log_written_until = cancelled_at;
            }
        }
        if let Some(done) = completed_at {
            log_written_until = log_written_until.min(done);
        }
        let work_ends_at = steps.last().map_or(created_at, |s| s.0);
        let premium_requests = session.premium_requests.unwrap_or(1.0);
        // About 1.2 credits per premium request, with some spread, in nano-credits.
        let ai_credits_nanos = (premium_requests * 1_200_000_000.0).round() as u64
            + stable_hash(&[&session_id, "credits"]) % 100 * 1_000_000;
        sessions.push(SessionNow {
            id: session_id,
            state,
            created_at,
            updated_at,
            completed_at,
            error,
            workflow_run_id,
            log_script: session.log.clone(),
            prompt: session
                .prompt
                .clone()
                .or_else(|| spec.name.clone())
                .unwrap_or_default(),
            model: session
                .model
                .clone()
                .unwrap_or_else(|| "claude-sonnet-4".to_owned()),
            premium_requests,
            ai_credits_nanos,
            task_prompt: spec
                .sessions
                .first()
                .and_then(|s| s.prompt.clone())
                .or_else(|| spec.name.clone())
                .unwrap_or_default(),
            work_started_at: created_at,
            work_ends_at,
            log_written_until,
            is_follow_up: ordinal > 0,
        });
    }
    let newest = sessions.last()?;
    let first = sessions.first()?;

    // The agent opens its PR as soon as the first session starts working.
    let pull_exists = spec.sessions.first().is_some_and(|s| {
        s.steps
            .get(1)
            .is_some_and(|step| step.at + occurrence.shift <= now)
    });
    let pull = spec.pull_request.as_ref().filter(|_| pull_exists).map(|p| {
        let number = p.number + 1000 * occurrence.cycle;
        let key = format!("{}#{number}", spec.repository);
        let database_id = 2_700_000_000 + stable_hash(&["pull", &key]) % 100_000_000;
        PullNow {
            number,
            title: replay_title(&p.title, occurrence.cycle),
            draft: p.draft,
            deleted: p.deleted,
            state: p.state,
            database_id,
            node_id: pull_request_node_id(repository.id, database_id),
            global_id_in_rest: p.global_id,
        }
    });
    let creator = spec
        .creator
        .as_ref()
        .and_then(|login| scenario.users.iter().find(|u| u.login == *login))
        .unwrap_or(&scenario.viewer)
        .clone();

    // The agent names its branch after the work, as Copilot does ("copilot/add-dark-mode"); a
    // replay gets its run number so branches stay distinct.
    let about = spec
        .name
        .as_deref()
        .or(spec.pull_request.as_ref().map(|p| p.title.as_str()))
        .unwrap_or_default();
    let head_ref = spec
        .head_ref
        .clone()
        .unwrap_or_else(|| branch_name(about, occurrence.cycle));
    Some(TaskNow {
        name: spec
            .name
            .as_deref()
            .map(|n| replay_title(n, occurrence.cycle)),
        creator,
        custom_agent: spec.custom_agent.clone(),
        head_ref,
        base_ref: spec.base_ref.clone().unwrap_or_else(|| "main".to_owned()),
        branch_only: spec.branch_only,
        work_started: pull_exists,
        id,
        state: newest.state.clone(),
        created_at: first.created_at,
        updated_at: newest.updated_at,
        archived_at: spec.archived.then_some(newest.updated_at + 3600.0),
        pull,
        repository,
        sessions,
    })
}

/// A replay of a repeating task is another run of the same work: its title says which, so the
/// list never shows one title many times over.
fn replay_title(title: &str, cycle: u64) -> String {
    if cycle == 0 {
        title.to_owned()
    } else {
        format!("{title} (run {})", cycle + 1)
    }
}

/// FNV-1a over the parts (with a separator), stable across runs and platforms so that ids in
/// a scenario never change between versions of the simulator.
pub(crate) fn stable_hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A version-4-shaped UUID derived from the parts.
pub(crate) fn uuid_like(parts: &[&str]) -> String {
    let high = stable_hash(parts);
    let low = stable_hash(&[&high.to_string(), "low"]);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0x0fff,
        0x8000 | ((low >> 48) & 0x3fff),
        low & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(world: &'a World, id: &str) -> &'a TaskNow {
        world
            .tasks
            .iter()
            .find(|t| t.id == id)
            .unwrap_or_else(|| panic!("task {id} should exist"))
    }

    const LOGIN_TASK: &str = "b1a7c0de-0001-4000-8000-00000000a001";
    const RATE_TASK: &str = "b1a7c0de-0002-4000-8000-00000000a002";

    #[test]
    fn states_follow_the_timeline() {
        let scenario = Scenario::builtin();
        let none = Cancellations::new();
        let at_start = world_at(&scenario, 0.0, &none);
        assert_eq!(find(&at_start, LOGIN_TASK).state, "in_progress");
        assert_eq!(find(&at_start, RATE_TASK).state, "waiting_for_user");
        assert_eq!(find(&at_start, RATE_TASK).updated_at, -5.0);

        let later = world_at(&scenario, 180.0, &none);
        let login = find(&later, LOGIN_TASK);
        assert_eq!(login.state, "completed");
        assert_eq!(login.sessions[0].completed_at, Some(150.0));
        assert_eq!(find(&later, RATE_TASK).state, "in_progress");
        assert!(find(&later, RATE_TASK).sessions[0].completed_at.is_none());
    }

    #[test]
    fn tasks_appear_when_their_first_session_starts() {
        let scenario = Scenario::builtin();
        let none = Cancellations::new();
        let mobile = "b1a7c0de-0004-4000-8000-00000000a004";
        assert!(
            world_at(&scenario, 9.0, &none)
                .tasks
                .iter()
                .all(|t| t.id != mobile)
        );
        let world = world_at(&scenario, 10.0, &none);
        let task = find(&world, mobile);
        assert_eq!(task.state, "queued");
        assert!(task.pull.is_none(), "no PR before the agent starts working");
        assert!(
            find(&world_at(&scenario, 20.0, &none), mobile)
                .pull
                .is_some()
        );
    }

    #[test]
    fn follow_up_session_drives_the_task_state() {
        let scenario = Scenario::builtin();
        let none = Cancellations::new();
        let docs = "b1a7c0de-0003-4000-8000-00000000a003";
        let before = world_at(&scenario, 20.0, &none);
        assert_eq!(find(&before, docs).state, "completed");
        assert_eq!(find(&before, docs).sessions.len(), 1);
        let during = world_at(&scenario, 50.0, &none);
        let task = find(&during, docs);
        assert_eq!(task.state, "in_progress");
        assert_eq!(task.sessions.len(), 2);
        assert_eq!(task.updated_at, 40.0);
        assert_eq!(task.created_at, -300.0);
    }

    #[test]
    fn a_cancellation_ends_a_running_session_but_not_a_finished_one() {
        let scenario = Scenario::builtin();
        let world = world_at(&scenario, 30.0, &Cancellations::new());
        let run = find(&world, LOGIN_TASK).sessions[0].workflow_run_id;
        let cancellations = Cancellations::from([(run, 30.0)]);
        let after = world_at(&scenario, 500.0, &cancellations);
        let task = find(&after, LOGIN_TASK);
        assert_eq!(task.state, "cancelled");
        assert_eq!(task.updated_at, 30.0);
        assert_eq!(task.sessions[0].log_written_until, 30.0);

        let late = Cancellations::from([(run, 200.0)]);
        assert_eq!(
            find(&world_at(&scenario, 500.0, &late), LOGIN_TASK).state,
            "completed"
        );
    }

    #[test]
    fn cycles_replay_with_fresh_ids_and_keep_old_ones() {
        let scenario = Scenario::builtin();
        let none = Cancellations::new();
        let world = world_at(&scenario, 400.0, &none);
        let login_tasks: Vec<_> = world
            .tasks
            .iter()
            .filter(|t| {
                t.name
                    .as_deref()
                    .is_some_and(|n| n.starts_with("Fix the login redirect loop"))
            })
            .collect();
        assert_eq!(login_tasks.len(), 2);
        assert_ne!(login_tasks[0].id, login_tasks[1].id);
        assert_eq!(login_tasks[0].state, "completed");
        assert_eq!(login_tasks[1].state, "in_progress");
        assert_eq!(
            login_tasks[1].name.as_deref(),
            Some("Fix the login redirect loop (run 2)")
        );
        assert_ne!(
            login_tasks[0].sessions[0].workflow_run_id,
            login_tasks[1].sessions[0].workflow_run_id
        );
    }

    #[test]
    fn replays_older_than_keep_cycles_are_deleted_and_the_world_stops_growing() {
        let scenario = Scenario::builtin();
        let keep = u64::from(
            scenario
                .keep_cycles
                .expect("the demo keeps a bounded history"),
        );
        let none = Cancellations::new();
        let named = |world: &World| -> Vec<String> {
            world
                .tasks
                .iter()
                .filter(|t| {
                    t.name
                        .as_deref()
                        .is_some_and(|n| n.starts_with("Fix the login redirect loop"))
                })
                .map(|t| t.id.clone())
                .collect()
        };
        let cycle = scenario.cycle_seconds.expect("the demo repeats");
        let day = world_at(&scenario, 24.0 * 3600.0 + 30.0, &none);
        let later = world_at(&scenario, 48.0 * 3600.0 + 30.0, &none);
        // The current replay and the `keep` before it, a day or two in: never more.
        assert_eq!(named(&day).len() as u64, keep + 1);
        assert_eq!(day.tasks.len(), later.tasks.len());
        let first = world_at(&scenario, 30.0, &none);
        assert!(
            !day.tasks.iter().any(|t| named(&first).contains(&t.id)),
            "the first occurrence is long gone"
        );
        // Replays within `keep` cycles stay.
        let early = world_at(&scenario, cycle * keep as f64 + 30.0, &none);
        assert_eq!(named(&early).len() as u64, keep + 1);
    }

    #[test]
    fn ids_are_stable_and_uuid_shaped() {
        let id = uuid_like(&["x"]);
        assert_eq!(id, uuid_like(&["x"]));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}

#[cfg(test)]
mod builtin_timeline_tests {
    use super::*;

    const ACTIVE: [&str; 3] = ["queued", "in_progress", "waiting_for_user"];

    fn count(world: &World, states: &[&str]) -> usize {
        world
            .tasks
            .iter()
            .filter(|t| states.contains(&t.state.as_str()))
            .count()
    }

    #[test]
    fn the_demo_starts_busy_and_keeps_changing() {
        let scenario = Scenario::builtin();
        let none = Cancellations::new();
        for t in [0.0, 15.0] {
            let world = world_at(&scenario, t, &none);
            assert!(count(&world, &["in_progress"]) >= 1, "running at {t}");
            assert!(
                count(&world, &["waiting_for_user", "idle"]) >= 1,
                "waiting at {t}"
            );
        }
        let running: Vec<usize> = (0..=360)
            .step_by(30)
            .map(|t| count(&world_at(&scenario, f64::from(t), &none), &["in_progress"]))
            .collect();
        let waiting: Vec<usize> = (0..=360)
            .step_by(30)
            .map(|t| {
                count(
                    &world_at(&scenario, f64::from(t), &none),
                    &["waiting_for_user", "idle"],
                )
            })
            .collect();
        assert!(running.windows(2).any(|w| w[0] != w[1]), "{running:?}");
        assert!(waiting.windows(2).any(|w| w[0] != w[1]), "{waiting:?}");
        // Something is active at every moment of the first three cycles.
        for t in (0..1080).step_by(5) {
            let world = world_at(&scenario, f64::from(t), &none);
            assert!(
                count(&world, &ACTIVE) + count(&world, &["idle"]) > 0,
                "idle demo at {t}"
            );
        }
    }

    #[test]
    fn history_covers_the_last_day_and_earlier() {
        let world = world_at(&Scenario::builtin(), 0.0, &Cancellations::new());
        let finished = |t: &&TaskNow| !ACTIVE.contains(&t.state.as_str());
        assert!(
            world
                .tasks
                .iter()
                .filter(finished)
                .any(|t| t.updated_at > -86_400.0 && t.updated_at < -3600.0)
        );
        assert!(
            world
                .tasks
                .iter()
                .filter(finished)
                .any(|t| t.updated_at < -86_400.0)
        );
        let repositories: std::collections::HashSet<_> = world
            .tasks
            .iter()
            .map(|t| t.repository.full_name())
            .collect();
        assert!(repositories.len() >= 4);
    }

    /// Prints the timeline (run with `--nocapture` to read it).
    #[test]
    fn print_the_builtin_timeline() {
        let scenario = Scenario::builtin();
        for t in [0.0, 15.0, 60.0, 180.0, 360.0] {
            let world = world_at(&scenario, t, &Cancellations::new());
            let active: Vec<String> = world
                .tasks
                .iter()
                .filter(|task| task.updated_at > -600.0)
                .map(|task| format!("{}={}", &task.id[..13], task.state))
                .collect();
            println!("t={t}: {}", active.join(" "));
        }
    }
}
