//! Upstream states and the buckets, labels and ordering they normalise into (SPEC §1).

use std::fmt;

/// A task's or session's upstream state. Unknown values are kept verbatim, because the
/// agent APIs are previews and new states will appear.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Queued,
    InProgress,
    WaitingForUser,
    Idle,
    Completed,
    Failed,
    TimedOut,
    Cancelled,
    /// Stopped by the user (undocumented, but GitHub's own clients treat it as finished).
    Stopped,
    /// A local agent finished its turn and waits at its prompt, recently: counted as waiting.
    YourTurn,
    /// A local agent waits at its prompt since longer than the "your turn" window.
    TurnIdle,
    Unknown(String),
}

/// The normalised status every surface shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bucket {
    /// Needs the user's attention.
    Waiting,
    /// Queued or working.
    Running,
    /// Ready for review.
    Completed,
    /// Failed or timed out.
    Failed,
    Cancelled,
    Unknown,
}

impl State {
    /// Parses an upstream state string; never fails.
    pub fn parse(raw: &str) -> State {
        match raw {
            "queued" => State::Queued,
            "in_progress" => State::InProgress,
            "waiting_for_user" => State::WaitingForUser,
            "idle" => State::Idle,
            "completed" => State::Completed,
            "failed" => State::Failed,
            "timed_out" => State::TimedOut,
            "cancelled" => State::Cancelled,
            "stopped" => State::Stopped,
            "your_turn" => State::YourTurn,
            "turn_idle" => State::TurnIdle,
            other => State::Unknown(other.to_owned()),
        }
    }

    /// The upstream string, verbatim.
    pub fn as_str(&self) -> &str {
        match self {
            State::Queued => "queued",
            State::InProgress => "in_progress",
            State::WaitingForUser => "waiting_for_user",
            State::Idle => "idle",
            State::Completed => "completed",
            State::Failed => "failed",
            State::TimedOut => "timed_out",
            State::Cancelled => "cancelled",
            State::Stopped => "stopped",
            State::YourTurn => "your_turn",
            State::TurnIdle => "turn_idle",
            State::Unknown(raw) => raw,
        }
    }

    pub fn bucket(&self) -> Bucket {
        match self {
            State::Queued | State::InProgress => Bucket::Running,
            State::WaitingForUser | State::Idle | State::YourTurn => Bucket::Waiting,
            State::Completed | State::TurnIdle => Bucket::Completed,
            State::Failed | State::TimedOut => Bucket::Failed,
            State::Cancelled | State::Stopped => Bucket::Cancelled,
            State::Unknown(_) => Bucket::Unknown,
        }
    }

    /// The label shown to people: "Working", "Needs you", the raw state for unknown ones.
    pub fn label(&self) -> &str {
        match self {
            State::Queued => "Queued",
            State::InProgress => "Working",
            State::WaitingForUser | State::Idle => "Needs you",
            State::Completed => "Ready for review",
            State::Failed => "Failed",
            State::TimedOut => "Timed out",
            State::Cancelled => "Cancelled",
            State::Stopped => "Stopped",
            State::YourTurn => "Your turn",
            State::TurnIdle => "Idle",
            State::Unknown(raw) => raw,
        }
    }

    /// Finished for good: nothing more will happen without the user starting a new session.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.bucket(),
            Bucket::Completed | Bucket::Failed | Bucket::Cancelled
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Bucket {
    pub const ALL: [Bucket; 6] = [
        Bucket::Waiting,
        Bucket::Running,
        Bucket::Completed,
        Bucket::Failed,
        Bucket::Cancelled,
        Bucket::Unknown,
    ];

    /// Running or waiting: the work the tray counts.
    pub fn is_active(self) -> bool {
        matches!(self, Bucket::Waiting | Bucket::Running)
    }

    /// The stable name used on the wire and in filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Waiting => "waiting",
            Bucket::Running => "running",
            Bucket::Completed => "completed",
            Bucket::Failed => "failed",
            Bucket::Cancelled => "cancelled",
            Bucket::Unknown => "unknown",
        }
    }

    pub fn parse(raw: &str) -> Option<Bucket> {
        Bucket::ALL.into_iter().find(|b| b.as_str() == raw)
    }

    /// Sort rank: waiting first, then running, then everything else together (ordered by time).
    pub(crate) fn rank(self) -> u8 {
        match self {
            Bucket::Waiting => 0,
            Bucket::Running => 1,
            _ => 2,
        }
    }
}

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: [(&str, Bucket, &str); 9] = [
        ("queued", Bucket::Running, "Queued"),
        ("in_progress", Bucket::Running, "Working"),
        ("waiting_for_user", Bucket::Waiting, "Needs you"),
        ("idle", Bucket::Waiting, "Needs you"),
        ("completed", Bucket::Completed, "Ready for review"),
        ("failed", Bucket::Failed, "Failed"),
        ("timed_out", Bucket::Failed, "Timed out"),
        ("cancelled", Bucket::Cancelled, "Cancelled"),
        ("stopped", Bucket::Cancelled, "Stopped"),
    ];

    #[test]
    fn every_known_state_has_its_bucket_and_label_and_round_trips() {
        for (raw, bucket, label) in KNOWN {
            let state = State::parse(raw);
            assert!(
                !matches!(state, State::Unknown(_)),
                "{raw} parsed as unknown"
            );
            assert_eq!(state.bucket(), bucket, "{raw}");
            assert_eq!(state.label(), label, "{raw}");
            assert_eq!(state.as_str(), raw);
        }
    }

    #[test]
    fn an_unknown_state_is_kept_verbatim_in_the_unknown_bucket() {
        let state = State::parse("paused_for_review");
        assert_eq!(state, State::Unknown("paused_for_review".into()));
        assert_eq!(state.bucket(), Bucket::Unknown);
        assert_eq!(state.label(), "paused_for_review");
        assert_eq!(state.to_string(), "paused_for_review");
        assert!(!state.is_terminal());
        assert!(!state.bucket().is_active());
    }

    #[test]
    fn terminal_and_active_partition_the_known_states() {
        for (raw, bucket, _) in KNOWN {
            let state = State::parse(raw);
            assert_ne!(state.is_terminal(), bucket.is_active(), "{raw}");
        }
    }

    #[test]
    fn bucket_names_round_trip() {
        for bucket in Bucket::ALL {
            assert_eq!(Bucket::parse(bucket.as_str()), Some(bucket));
        }
        assert_eq!(Bucket::parse("nonsense"), None);
    }
}
