//! A session's state from what its files say, whether its process lives, and the hooks' overlay
//! (the precedence and the table of LOCAL-AGENTS.md §9.5). Pure.

use chrono::{DateTime, TimeDelta, Utc};

use super::hook::{HookSays, Overlay};
use super::reading::{ReadError, Reading, Turn, Waiting};

/// Whether the session's process is still there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    Alive,
    Dead,
    /// No probe could tell (then no state claims "done" from it).
    Unknown,
}

/// The local state vocabulary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalState {
    Running,
    WaitingForUser(Waiting),
    /// The process lives and the agent finished its turn: the user's move.
    TurnComplete,
    Completed,
    Failed(ReadError),
    /// The user aborted the turn, or the process died in the middle of it.
    Cancelled(Option<ReadError>),
    Unknown,
}

impl LocalState {
    pub fn as_str(&self) -> &'static str {
        match self {
            LocalState::Running => "running",
            LocalState::WaitingForUser(_) => "waiting_for_user",
            LocalState::TurnComplete => "turn_complete",
            LocalState::Completed => "completed",
            LocalState::Failed(_) => "failed",
            LocalState::Cancelled(_) => "cancelled",
            LocalState::Unknown => "unknown",
        }
    }
}

/// With no liveness probe, a turn left open this long is no longer claimed to be running.
const UNPROBED_RUNNING: TimeDelta = TimeDelta::minutes(5);
/// With no liveness probe, a closed turn is called completed after this long.
const UNPROBED_DONE: TimeDelta = TimeDelta::minutes(30);

fn process_exited() -> Option<ReadError> {
    Some(ReadError {
        code: "process_exited".into(),
        message: Some("the agent's process ended during its turn".into()),
    })
}

/// The state: a fresh hook overlay first, then waiting the files or the registry record, then the
/// turn as the files tell it, combined with liveness.
pub fn derive(
    reading: &Reading,
    liveness: Liveness,
    registry_waiting: Option<&RegistryStatus>,
    overlay: Option<&Overlay>,
    now: DateTime<Utc>,
) -> LocalState {
    let liveness = if reading.shut_down {
        Liveness::Dead
    } else {
        liveness
    };
    if let Some(overlay) = overlay.filter(|o| o.is_fresh(reading.updated_at, now)) {
        match &overlay.says {
            HookSays::Failed(error) => return LocalState::Failed(error.clone()),
            HookSays::Ended { .. } => {
                return from_turn(reading, Liveness::Dead, now);
            }
            _ if liveness == Liveness::Dead => {}
            HookSays::Waiting(waiting) => return LocalState::WaitingForUser(waiting.clone()),
            HookSays::Working => return LocalState::Running,
            HookSays::TurnDone => {
                if reading.turn != Turn::Failed {
                    return LocalState::TurnComplete;
                }
            }
        }
    }
    if liveness != Liveness::Dead {
        match registry_waiting {
            Some(RegistryStatus::Waiting(waiting)) => {
                return LocalState::WaitingForUser(waiting.clone());
            }
            Some(RegistryStatus::Busy) if reading.turn != Turn::Failed => {
                return LocalState::Running;
            }
            Some(RegistryStatus::Idle) if reading.turn != Turn::Failed => {
                return LocalState::TurnComplete;
            }
            _ => {}
        }
        if let Some(waiting) = reading
            .waiting
            .as_ref()
            .filter(|_| reading.turn == Turn::Open)
        {
            return LocalState::WaitingForUser(waiting.clone());
        }
    }
    from_turn(reading, liveness, now)
}

/// What Claude's live registry says, when its build writes a status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryStatus {
    Busy,
    Idle,
    Waiting(Waiting),
}

fn from_turn(reading: &Reading, liveness: Liveness, now: DateTime<Utc>) -> LocalState {
    let quiet_for = reading
        .updated_at
        .map_or(TimeDelta::MAX, |u| now.signed_duration_since(u));
    match (reading.turn, liveness) {
        (Turn::Failed, _) => LocalState::Failed(reading.error.clone().unwrap_or(ReadError {
            code: "error".into(),
            message: None,
        })),
        (Turn::Open, Liveness::Alive) => LocalState::Running,
        (Turn::Open, Liveness::Dead) => LocalState::Cancelled(process_exited()),
        (Turn::Open, Liveness::Unknown) if quiet_for <= UNPROBED_RUNNING => LocalState::Running,
        (Turn::Open, Liveness::Unknown) => LocalState::Unknown,
        (Turn::Closed, Liveness::Alive) => LocalState::TurnComplete,
        (Turn::Closed, Liveness::Dead) => LocalState::Completed,
        (Turn::Closed, Liveness::Unknown) if quiet_for > UNPROBED_DONE => LocalState::Completed,
        (Turn::Closed, Liveness::Unknown) => LocalState::TurnComplete,
        (Turn::Aborted, Liveness::Alive) => LocalState::TurnComplete,
        (Turn::Aborted, _) => LocalState::Cancelled(reading.error.clone()),
        (Turn::None, Liveness::Alive) => LocalState::TurnComplete,
        (Turn::None, _) => LocalState::Unknown,
    }
}
