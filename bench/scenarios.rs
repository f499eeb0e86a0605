//! Scenarios for the benchmarks, built from `Scenario::bulk` so that every run sees the same
//! tasks: an idle one (everything finished) and a busy one (a quarter of the tasks start and
//! finish during the measured hour). Shared by `bench/economy.rs` and `bench/bulk_scenario.rs`.

use agentbar::sim::{Scenario, StepSpec};

fn step(at: f64, state: &str) -> StepSpec {
    StepSpec {
        at,
        state: state.to_owned(),
        error: None,
    }
}

/// `count` tasks from `Scenario::bulk`, with the few it leaves running finished before the
/// epoch, so nothing changes any more.
pub fn idle(count: usize, seed: u64) -> Scenario {
    let mut scenario = Scenario::bulk(count, seed);
    for task in &mut scenario.tasks {
        for session in &mut task.sessions {
            if session.steps.iter().any(|s| s.at >= 0.0) {
                let start = session.steps[0].at.min(-600.0);
                session.steps = vec![
                    step(start, "queued"),
                    step(start + 10.0, "in_progress"),
                    step(start + 300.0, "completed"),
                ];
            }
        }
    }
    scenario
}

/// Like [`idle`], but every fourth task is new: it is queued at a moment spread over the first
/// `hour` seconds, works (and waits for the user) for ten minutes, and completes or fails.
pub fn busy(count: usize, seed: u64, hour: f64) -> Scenario {
    let mut scenario = idle(count, seed);
    let movers = scenario.tasks.len().div_ceil(4).max(1);
    for (index, task) in scenario.tasks.iter_mut().step_by(4).enumerate() {
        let start = hour * index as f64 / movers as f64;
        task.archived = false;
        task.sessions.truncate(1);
        if let Some(session) = task.sessions.first_mut() {
            let end_state = if index % 5 == 4 {
                "failed"
            } else {
                "completed"
            };
            session.steps = vec![
                step(start, "queued"),
                step(start + 20.0, "in_progress"),
                step(start + 300.0, "waiting_for_user"),
                step(start + 360.0, "in_progress"),
                step(start + 600.0, end_state),
            ];
        }
    }
    scenario
}
