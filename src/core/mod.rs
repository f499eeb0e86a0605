//! The core's vocabulary, below every surface: the commands surfaces send
//! ([`command::Command`]) and the task actions ([`actions::TaskAction`], [`actions::ActionError`]).
//! Nothing here imports `server` or `tray` (`tests/layering.rs` checks), so both depend on the
//! core and never the other way round.

pub mod actions;
pub mod command;
pub mod follow;

pub use actions::{ActionError, ActionInput, ActionOutcome, ActionSet, TaskAction};
pub use command::{ArchivedError, Command, StopError, StopOutcome};
pub use follow::FollowSignal;
