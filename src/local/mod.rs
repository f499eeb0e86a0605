//! Local coding agents as sources: Claude Code, Codex, Copilot CLI and Gemini CLI sessions read from
//! their own files, with the hooks' overlay on top.
pub mod event;
