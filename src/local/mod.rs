//! Local coding agents as sources: Claude Code, Codex, Copilot CLI and Gemini CLI sessions read from
//! their own files (bounded, never whole), their processes probed, and the hooks' overlay on top.
pub mod event;

pub mod claude;
pub mod codex;
pub mod copilot;
pub mod derive;
pub mod gemini;
pub mod hook;
pub mod jobs;
pub mod live;
pub mod logs;
pub mod reading;
pub mod resume;
pub mod scan;
pub mod settings;
pub mod source;
pub mod start;
pub mod tail;
pub mod task;
pub mod watch;
