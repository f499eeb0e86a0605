//! Hooks: how agentbar learns, the moment it happens, that a local coding agent waits for the
//! user — something its session files cannot always tell. [`relay`] is the command the agents
//! run (`agentbar hook <tool>`), [`event`] the whitelisted event it posts to
//! `POST /v1/local/hook`, [`install`] the editor of each agent's settings
//! (`agentbar hooks install|uninstall|status`), [`doc`] the order-keeping JSON it edits with.

pub mod doc;
pub mod event;
pub mod install;
pub mod player;
pub mod relay;

pub use crate::local::event::{HookEventKind, LocalHookEvent, LocalTool};
pub use event::HookTool;
