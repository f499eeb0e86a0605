//! agentbar: keep an eye on AI coding agents from the menu bar.
pub mod sim;
